"""A Cloud Run job: a container run to completion on demand, such as a database migration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn_provider_google.cloud_run_v2_job import (
    CloudRunV2Job,
    CloudRunV2JobTemplate,
    CloudRunV2JobTemplateTemplate,
    CloudRunV2JobTemplateTemplateContainers,
    CloudRunV2JobTemplateTemplateContainersEnv,
    CloudRunV2JobTemplateTemplateContainersResources,
    CloudRunV2JobTemplateTemplateContainersVolumeMounts,
    CloudRunV2JobTemplateTemplateVolumes,
    CloudRunV2JobTemplateTemplateVolumesSecret,
    CloudRunV2JobTemplateTemplateVolumesSecretItems,
    CloudRunV2JobTemplateTemplateVpcAccess,
    CloudRunV2JobTemplateTemplateVpcAccessNetworkInterfaces,
)
from cdktn_provider_google.cloud_run_v2_job_iam_member import CloudRunV2JobIamMember

from mindmirror_infra import validation
from mindmirror_infra.constructs import cloud_run_workload as workload

# CI points the job at the image it just built (`gcloud run jobs update
# --image`, run.jobs.update) and runs it (`gcloud run jobs execute --wait`,
# run.jobs.run and run.executions.get). roles/run.jobsExecutor runs a job but
# cannot change its image; roles/run.developer is the narrowest predefined
# role with both, granted on this job only.
GRANTS = workload.workload_grants(CloudRunV2JobIamMember, "google_cloud_run_v2_job_iam_member")

# docs/decisions/0008-ci-deploys-not-reverted.md, for jobs: CI sets the image; the next
# apply keeps it and shows no diff for the client fields gcloud writes (see cloud_run_service.IGNORED_AFTER_DEPLOY).
IGNORED_AFTER_DEPLOY = (
    "client",
    "client_version",
    "template[0].labels",
    "template[0].annotations",
    "template[0].template[0].containers[0].image",
)


@dataclass(frozen=True)
class CloudRunJobProps:
    """Attributes:
    workload: the container and its identity. Its CPU is whole (1, 2, 4, 6 or 8).
    timeout_seconds: how long one run may take, 1-86400. Default 600.
    max_retries: runs retried after a failure, 0-10. Default 0: a failed
        migration stops the deployment for someone to look at, rather than
        running again against a half-changed schema.
    """

    workload: workload.WorkloadProps
    timeout_seconds: int = 600
    max_retries: int = 0

    def __post_init__(self) -> None:
        where = self.workload.where
        validation.check_int(f"{where}.timeout_seconds", self.timeout_seconds, 1, 86400)
        validation.check_int(f"{where}.max_retries", self.max_retries, 0, 10)
        self.workload.check_size(fractional_cpu=False)


class CloudRunJob(workload.CloudRunWorkload[CloudRunJobProps, CloudRunV2Job]):
    """A job addressed ``google_cloud_run_v2_job.<name>``: one task per run, its own
    account with its secrets granted before it exists, egress to private ranges
    into the VPC (``WorkloadProps.egress``). A job holds no state, so its deletion protection
    stays at the provider's default.
    """

    GRANTS = GRANTS
    IGNORED_AFTER_DEPLOY = IGNORED_AFTER_DEPLOY

    def _resource(self, common: dict[str, Any]) -> CloudRunV2Job:
        props, spec = self.props, self.props.workload
        return CloudRunV2Job(
            self,
            "job",
            **common,
            template=CloudRunV2JobTemplate(
                task_count=1,
                parallelism=1,
                template=CloudRunV2JobTemplateTemplate(
                    service_account=spec.account.email,
                    timeout=f"{props.timeout_seconds}s",
                    max_retries=props.max_retries,
                    vpc_access=workload.private_egress(
                        spec,
                        CloudRunV2JobTemplateTemplateVpcAccess,
                        CloudRunV2JobTemplateTemplateVpcAccessNetworkInterfaces,
                    ),
                    volumes=workload.volumes(
                        spec,
                        CloudRunV2JobTemplateTemplateVolumes,
                        CloudRunV2JobTemplateTemplateVolumesSecret,
                        CloudRunV2JobTemplateTemplateVolumesSecretItems,
                    ),
                    containers=[
                        CloudRunV2JobTemplateTemplateContainers(
                            image=spec.image,
                            resources=CloudRunV2JobTemplateTemplateContainersResources(limits=workload.limits(spec)),
                            env=workload.env_vars(spec, CloudRunV2JobTemplateTemplateContainersEnv),
                            volume_mounts=workload.volume_mounts(
                                spec, CloudRunV2JobTemplateTemplateContainersVolumeMounts
                            ),
                        )
                    ],
                ),
            ),
        )
