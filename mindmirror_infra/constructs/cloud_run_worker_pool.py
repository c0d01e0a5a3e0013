"""A Cloud Run worker pool: a container that pulls its work (a queue consumer) and serves no requests.

Why a worker pool rather than a Cloud Run service with CPU always allocated:
- a service must listen on its port, or its startup probe fails; a queue
  consumer such as Celery listens on none, so a service would need a stand-in
  HTTP server built into the image only to satisfy Cloud Run;
- a service scales on requests and this workload receives none, so its
  autoscaler has nothing to act on: it would run at its minimum instances anyway;
- a worker pool has no URL, no ingress and no invoker policy: nothing to
  protect, nothing to misconfigure;
- it is billed per instance, without the request-serving machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn_provider_google.cloud_run_v2_worker_pool import (
    CloudRunV2WorkerPool,
    CloudRunV2WorkerPoolScaling,
    CloudRunV2WorkerPoolTemplate,
    CloudRunV2WorkerPoolTemplateContainers,
    CloudRunV2WorkerPoolTemplateContainersEnv,
    CloudRunV2WorkerPoolTemplateContainersResources,
    CloudRunV2WorkerPoolTemplateContainersVolumeMounts,
    CloudRunV2WorkerPoolTemplateVolumes,
    CloudRunV2WorkerPoolTemplateVolumesSecret,
    CloudRunV2WorkerPoolTemplateVolumesSecretItems,
    CloudRunV2WorkerPoolTemplateVpcAccess,
    CloudRunV2WorkerPoolTemplateVpcAccessNetworkInterfaces,
)
from cdktn_provider_google.cloud_run_v2_worker_pool_iam_member import CloudRunV2WorkerPoolIamMember

from mindmirror_infra import validation
from mindmirror_infra.constructs import cloud_run_workload as workload
from mindmirror_infra.errors import InvalidConfig

# `gcloud run worker-pools deploy` needs run.workerpools.get and .update on the
# pool; roles/run.developer is the narrowest predefined role holding both,
# granted on this pool only.
GRANTS = workload.workload_grants(CloudRunV2WorkerPoolIamMember, "google_cloud_run_v2_worker_pool_iam_member")

# docs/decisions/0008-ci-deploys-not-reverted.md, as for services (see
# cloud_run_service.IGNORED_AFTER_DEPLOY): CI deploys the image with
# `gcloud run worker-pools deploy`; a worker pool's template also records the
# client that wrote it.
IGNORED_AFTER_DEPLOY = (
    "client",
    "client_version",
    "template[0].client",
    "template[0].client_version",
    "template[0].revision",
    "template[0].labels",
    "template[0].annotations",
    "template[0].containers[0].image",
)


@dataclass(frozen=True)
class CloudRunWorkerPoolProps:
    """Attributes:
    workload: the container and its identity. Its CPU is whole (1, 2, 4, 6 or 8):
        a worker pool's CPU is always allocated.
    instances: how many instances run, 1-100. Default 1.
    """

    workload: workload.WorkloadProps
    instances: int = 1

    def __post_init__(self) -> None:
        validation.check_int(f"{self.workload.where}.instances", self.instances, 1, 100)
        # Cloud Run documents Direct VPC egress for worker pools; `gcloud run
        # worker-pools deploy` offers no connector flag (docs/decisions/0015-data-plane.md).
        if not self.workload.egress.direct:
            raise InvalidConfig(
                f"{self.workload.where}.egress", self.workload.egress, "a worker pool uses Direct VPC egress"
            )
        self.workload.check_size(fractional_cpu=False)


class CloudRunWorkerPool(workload.CloudRunWorkload[CloudRunWorkerPoolProps, CloudRunV2WorkerPool]):
    """A worker pool addressed ``google_cloud_run_v2_worker_pool.<name>``.

    A fixed number of instances (manual scaling: a queue consumer has no request
    signal to scale on), its own account, its secrets granted before it starts,
    egress to private ranges through the VPC (``WorkloadProps.egress``), deletion protection on
    (the provider's default), and images deployed by CI kept.
    """

    GRANTS = GRANTS
    IGNORED_AFTER_DEPLOY = IGNORED_AFTER_DEPLOY

    def _resource(self, common: dict[str, Any]) -> CloudRunV2WorkerPool:
        spec = self.props.workload
        return CloudRunV2WorkerPool(
            self,
            "worker_pool",
            **common,
            deletion_protection=True,
            scaling=CloudRunV2WorkerPoolScaling(scaling_mode="MANUAL", manual_instance_count=self.props.instances),
            template=CloudRunV2WorkerPoolTemplate(
                service_account=spec.account.email,
                vpc_access=workload.private_egress(
                    spec, CloudRunV2WorkerPoolTemplateVpcAccess, CloudRunV2WorkerPoolTemplateVpcAccessNetworkInterfaces
                ),
                volumes=workload.volumes(
                    spec,
                    CloudRunV2WorkerPoolTemplateVolumes,
                    CloudRunV2WorkerPoolTemplateVolumesSecret,
                    CloudRunV2WorkerPoolTemplateVolumesSecretItems,
                ),
                containers=[
                    CloudRunV2WorkerPoolTemplateContainers(
                        image=spec.image,
                        resources=CloudRunV2WorkerPoolTemplateContainersResources(limits=workload.limits(spec)),
                        env=workload.env_vars(spec, CloudRunV2WorkerPoolTemplateContainersEnv),
                        volume_mounts=workload.volume_mounts(spec, CloudRunV2WorkerPoolTemplateContainersVolumeMounts),
                    )
                ],
            ),
        )
