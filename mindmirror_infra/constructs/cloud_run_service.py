"""A Cloud Run service: one HTTP container, its scaling, probes, secrets, traffic and invokers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from cdktn_provider_google.cloud_run_v2_service import (
    CloudRunV2Service,
    CloudRunV2ServiceTemplate,
    CloudRunV2ServiceTemplateContainers,
    CloudRunV2ServiceTemplateContainersEnv,
    CloudRunV2ServiceTemplateContainersLivenessProbe,
    CloudRunV2ServiceTemplateContainersLivenessProbeHttpGet,
    CloudRunV2ServiceTemplateContainersPorts,
    CloudRunV2ServiceTemplateContainersResources,
    CloudRunV2ServiceTemplateContainersStartupProbe,
    CloudRunV2ServiceTemplateContainersStartupProbeHttpGet,
    CloudRunV2ServiceTemplateContainersVolumeMounts,
    CloudRunV2ServiceTemplateScaling,
    CloudRunV2ServiceTemplateVolumes,
    CloudRunV2ServiceTemplateVolumesSecret,
    CloudRunV2ServiceTemplateVolumesSecretItems,
    CloudRunV2ServiceTemplateVpcAccess,
    CloudRunV2ServiceTemplateVpcAccessNetworkInterfaces,
    CloudRunV2ServiceTraffic,
)
from cdktn_provider_google.cloud_run_v2_service_iam_member import CloudRunV2ServiceIamMember

from mindmirror_infra import validation
from mindmirror_infra.constructs import cloud_run_workload as workload
from mindmirror_infra.constructs.service_account import ServiceAccount
from mindmirror_infra.errors import InvalidConfig

INVOKER_ROLE = "roles/run.invoker"
# `gcloud run deploy` needs run.services.get and run.services.update on the
# service; roles/run.developer is the narrowest predefined role holding both.
# Granted on the one service, it cannot touch other services, change IAM
# policies (run.admin) or act as an account it is not also allowed to use.
GRANTS = workload.workload_grants(CloudRunV2ServiceIamMember, "google_cloud_run_v2_service_iam_member")

INGRESS = ("INGRESS_TRAFFIC_ALL", "INGRESS_TRAFFIC_INTERNAL_ONLY", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER")
LATEST = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
REVISION = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION"

# docs/decisions/0008-ci-deploys-not-reverted.md: CI deploys images with
# `gcloud run deploy`; OpenTofu owns everything else.
# OpenTofu plans an ignored attribute with the value it already has in state,
# refreshed from the API, so after a deploy:
# - the image stays what CI deployed: a later apply that changes, say, memory
#   sends the deployed image back unchanged instead of the first tag;
# - `client` and `client_version` (set to "gcloud" and its version by every
#   gcloud write), the template's `revision` (named by gcloud when a deploy
#   passes --revision-suffix or --tag) and the template's labels and
#   annotations (gcloud and the console write their own keys there) show no
#   diff, so a plan after a deploy is empty (provider issues #13410, #17218,
#   #17992; cloud-foundation-fabric does the same with `managed_revision = false`).
# The service's own labels and annotations need no entry: since provider 5.0
# they are non-authoritative and only keys written here are compared.
# Only the first container's image is ignored, not the whole container list as
# fabric does, so env, secrets, limits and probes stay reviewed here.
# One trade-off (provider #14569): after a deploy that named its revision, a
# change to the template from here fails with 409 "revision already exists";
# CI deploys without --revision-suffix and --tag, so revisions stay unnamed.
IGNORED_AFTER_DEPLOY = (
    "client",
    "client_version",
    "template[0].revision",
    "template[0].labels",
    "template[0].annotations",
    "template[0].containers[0].image",
)

# Probes: startup allows a minute for the app to listen (12 x 5 s); liveness
# restarts an instance that stops answering for 90 s (3 x 30 s).
STARTUP_PERIOD_SECONDS, STARTUP_FAILURES, STARTUP_TIMEOUT_SECONDS = 5, 12, 3
LIVENESS_PERIOD_SECONDS, LIVENESS_FAILURES, LIVENESS_TIMEOUT_SECONDS = 30, 3, 5


@dataclass(frozen=True)
class TrafficTarget:
    """A share of the service's requests.

    Attributes:
        percent: 0-100.
        revision: the revision that receives it. Default: empty, the latest revision.
        tag: a name giving the target its own URL (``https://<tag>---<service>...``). Default none.
    """

    percent: int
    revision: str = ""
    tag: str = ""


ALL_TO_LATEST = (TrafficTarget(percent=100),)


@dataclass(frozen=True)
class CloudRunServiceProps:
    """Attributes:
    workload: the container and its identity.
    port: the container port, 1-65535.
    min_instances: instances kept warm. Default 0 (scale to zero).
    max_instances: Default 10.
    concurrency: requests per instance, 1-1000. Default 80.
    timeout_seconds: request timeout, 1-3600. Default 300.
    health_path: the path of the startup and liveness probes. Default ``/health``.
    public: anyone may invoke it, without IAM (``invoker_iam_disabled``). Default ``False``.
    ingress: where requests may come from. Default ``INGRESS_TRAFFIC_ALL``: services
        call each other at their run.app URLs over Google's network (their egress
        only sends private ranges through the VPC), so internal-only ingress
        would refuse them; IAM is the gate instead.
    traffic: the split between revisions, summing to 100. Default: all to the latest.
    """

    workload: workload.WorkloadProps
    port: int
    min_instances: int = 0
    max_instances: int = 10
    concurrency: int = 80
    timeout_seconds: int = 300
    health_path: str = "/health"
    public: bool = False
    ingress: str = "INGRESS_TRAFFIC_ALL"
    traffic: tuple[TrafficTarget, ...] = ALL_TO_LATEST

    def __post_init__(self) -> None:
        where = self.workload.where
        validation.check_int(f"{where}.port", self.port, 1, 65535)
        validation.check_int(f"{where}.max_instances", self.max_instances, 1, 1000)
        validation.check_int(f"{where}.min_instances", self.min_instances, 0, 1000)
        if self.min_instances > self.max_instances:
            raise InvalidConfig(
                f"{where}.min_instances", self.min_instances, f"expected at most max_instances ({self.max_instances})"
            )
        validation.check_int(f"{where}.concurrency", self.concurrency, 1, 1000)
        validation.check_int(f"{where}.timeout_seconds", self.timeout_seconds, 1, 3600)
        validation.check_http_path(f"{where}.health_path", self.health_path)
        validation.check_one_of(f"{where}.ingress", self.ingress, INGRESS)
        # CPU is allocated only during requests, so a fraction of a CPU is
        # possible when each instance serves one request at a time.
        self.workload.check_size(fractional_cpu=self.concurrency == 1)
        self._check_traffic(f"{where}.traffic")

    def _check_traffic(self, where: str) -> None:
        for target in self.traffic:
            validation.check_int(f"{where}.percent", target.percent, 0, 100)
            validation.check_traffic_target(where, self.workload.name, target.revision, target.tag)
        total = sum(t.percent for t in self.traffic)
        if total != 100:
            raise InvalidConfig(
                where, [t.percent for t in self.traffic], f"expected percentages summing to 100, not {total}"
            )
        validation.check_unique(f"{where}.revision", (t.revision or "latest" for t in self.traffic))
        validation.check_unique(f"{where}.tag", (t.tag for t in self.traffic if t.tag))


class CloudRunService(workload.CloudRunWorkload[CloudRunServiceProps, CloudRunV2Service]):
    """A Cloud Run service addressed ``google_cloud_run_v2_service.<name>``.

    - runs as its own account; each mounted secret is granted to that account
      alone and the service waits for the grants;
    - CPU only during requests (``cpu_idle``), scaling between the instance bounds;
    - startup and liveness probes on the health path;
    - egress to private ranges through the VPC (``WorkloadProps.egress``);
    - invokers are granted ``roles/run.invoker`` on this service only; a public
      service disables the invoker check instead of granting ``allUsers``, which
      an organization policy restricting member domains would refuse;
    - deletion protection on, as the provider defaults it: deleting a service
      that serves traffic takes a deliberate change;
    - images deployed by CI are not reverted (``IGNORED_AFTER_DEPLOY``).
    """

    GRANTS = GRANTS
    IGNORED_AFTER_DEPLOY = IGNORED_AFTER_DEPLOY

    def _resource(self, common: dict[str, Any]) -> CloudRunV2Service:
        props = self.props
        return CloudRunV2Service(
            self,
            "service",
            **common,
            ingress=props.ingress,
            invoker_iam_disabled=props.public,
            deletion_protection=True,
            template=self._template(),
            traffic=[
                CloudRunV2ServiceTraffic(
                    type=REVISION if t.revision else LATEST,
                    revision=t.revision or None,
                    percent=t.percent,
                    tag=t.tag or None,
                )
                for t in props.traffic
            ],
        )

    def _template(self) -> CloudRunV2ServiceTemplate:
        props, spec = self.props, self.props.workload
        return CloudRunV2ServiceTemplate(
            service_account=spec.account.email,
            timeout=f"{props.timeout_seconds}s",
            max_instance_request_concurrency=props.concurrency,
            scaling=CloudRunV2ServiceTemplateScaling(
                min_instance_count=props.min_instances, max_instance_count=props.max_instances
            ),
            vpc_access=workload.private_egress(
                spec, CloudRunV2ServiceTemplateVpcAccess, CloudRunV2ServiceTemplateVpcAccessNetworkInterfaces
            ),
            volumes=workload.volumes(
                spec,
                CloudRunV2ServiceTemplateVolumes,
                CloudRunV2ServiceTemplateVolumesSecret,
                CloudRunV2ServiceTemplateVolumesSecretItems,
            ),
            containers=[
                CloudRunV2ServiceTemplateContainers(
                    image=spec.image,
                    ports=CloudRunV2ServiceTemplateContainersPorts(container_port=props.port),
                    resources=CloudRunV2ServiceTemplateContainersResources(limits=workload.limits(spec), cpu_idle=True),
                    env=workload.env_vars(spec, CloudRunV2ServiceTemplateContainersEnv),
                    volume_mounts=workload.volume_mounts(spec, CloudRunV2ServiceTemplateContainersVolumeMounts),
                    startup_probe=CloudRunV2ServiceTemplateContainersStartupProbe(
                        http_get=CloudRunV2ServiceTemplateContainersStartupProbeHttpGet(
                            path=props.health_path, port=props.port
                        ),
                        period_seconds=STARTUP_PERIOD_SECONDS,
                        timeout_seconds=STARTUP_TIMEOUT_SECONDS,
                        failure_threshold=STARTUP_FAILURES,
                    ),
                    liveness_probe=CloudRunV2ServiceTemplateContainersLivenessProbe(
                        http_get=CloudRunV2ServiceTemplateContainersLivenessProbeHttpGet(
                            path=props.health_path, port=props.port
                        ),
                        period_seconds=LIVENESS_PERIOD_SECONDS,
                        timeout_seconds=LIVENESS_TIMEOUT_SECONDS,
                        failure_threshold=LIVENESS_FAILURES,
                    ),
                )
            ],
        )

    @cached_property
    def url(self) -> str:
        return self.resource.uri

    def grant_invoke(self, account: ServiceAccount) -> CloudRunV2ServiceIamMember:
        """Lets ``account`` call this service, and no other."""
        if self.props.public:
            raise InvalidConfig(
                f"{self.props.workload.where}.invokers",
                account.account_id,
                "a public service has no invoker check; expected no invokers",
            )
        member: CloudRunV2ServiceIamMember = self._grants.grant(INVOKER_ROLE, account)
        return member
