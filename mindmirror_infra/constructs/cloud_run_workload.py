"""What every Cloud Run workload (service, worker pool, job) shares: its container and identity.

Each resource type has its own provider classes for the same shapes (volumes,
mounts, environment, VPC access); the builders here take those classes, so the
three constructs write them one way and keep the bindings' type checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from cdktn import ITerraformDependable, TerraformResource, TerraformResourceLifecycle
from cdktn_provider_google.cloud_run_v2_job import CloudRunV2Job
from cdktn_provider_google.cloud_run_v2_service import CloudRunV2Service
from cdktn_provider_google.cloud_run_v2_worker_pool import CloudRunV2WorkerPool
from cdktn_provider_google.secret_manager_secret_iam_member import SecretManagerSecretIamMember
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.cloud_run_sizes import check_size
from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.constructs.grant_tables import GrantTables, TableKind, row_key
from mindmirror_infra.constructs.secret import Secret
from mindmirror_infra.constructs.service_account import ServiceAccount
from mindmirror_infra.errors import InvalidConfig

# Egress into the VPC carries only traffic to private ranges (Cloud SQL, Redis);
# calls to Google APIs and the internet leave directly.
PRIVATE_EGRESS = "PRIVATE_RANGES_ONLY"
# Mounts read the newest enabled version, so a rotated secret reaches new instances.
SECRET_VERSION = "latest"
# Deploy new revisions (gcloud run deploy) or set a job's image and run it; nothing wider.
DEPLOYER_ROLE = "roles/run.developer"
CloudRunResource = CloudRunV2Service | CloudRunV2Job | CloudRunV2WorkerPool


@dataclass(frozen=True)
class SecretFile:
    """A secret mounted as one file at ``<mount_path>/<file>``.

    Attributes:
        volume: the volume name, unique within the workload.
        secret: the secret; mounting it grants the workload's account read access to it.
        file: the file name. Default: the secret id.
        mount_path: a folder under ``/secrets/``. Default: ``/secrets/<volume>``.
    """

    volume: str
    secret: Secret
    file: str = ""
    mount_path: str = ""

    def __post_init__(self) -> None:
        if not self.file:
            object.__setattr__(self, "file", self.secret.secret_id)
        if not self.mount_path:
            object.__setattr__(self, "mount_path", validation.SECRET_MOUNT_ROOT + self.volume)


@dataclass(frozen=True)
class VpcEgress:
    """How a workload reaches private ranges: a connector, or Direct VPC egress from a subnet.

    Attributes:
        connector: the serverless VPC access connector (id). Default none.
        network / subnetwork: the VPC and the subnet (ids or names) that give each
            instance its address, for Direct VPC egress. Default none.

    Exactly one of the two is given (Cloud Run takes one or the other).
    """

    connector: str = ""
    network: str = ""
    subnetwork: str = ""

    @property
    def direct(self) -> bool:
        return bool(self.network)

    def check(self, where: str) -> None:
        if bool(self.connector) == bool(self.network and self.subnetwork):
            raise InvalidConfig(
                f"{where}.egress", self, "expected either a connector or a network and subnetwork (Direct VPC)"
            )


@dataclass(frozen=True)
class WorkloadProps:
    """The container of a Cloud Run workload and who it runs as.

    Attributes:
        project_id: the project.
        region: the region it runs in.
        name: the Cloud Run name.
        image: the full image reference, ``<registry>/<image>:<tag>``. Only the
            first deployment uses it: later images come from CI (see ``IGNORED_AFTER_DEPLOY``).
        account: its own service account.
        egress: how its traffic to private ranges enters the VPC.
        cpu: Default ``"1"``.
        memory: Default ``"512Mi"``.
        secrets: secrets mounted as files. Default none.
        env: non-secret environment variables. Default none.
    """

    project_id: str
    region: str
    name: str
    image: str
    account: ServiceAccount
    egress: VpcEgress
    cpu: str = "1"
    memory: str = "512Mi"
    secrets: tuple[SecretFile, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "env", MappingProxyType(dict(sorted(self.env.items()))))
        where = self.where
        validation.check_name(f"{where}.name", self.name, validation.CLOUD_RUN_NAME)
        if not self.image:
            raise InvalidConfig(f"{where}.image", "", "expected an image")
        self.egress.check(where)
        for mount in self.secrets:
            validation.check_secret_mount(
                f"{where}.secrets[{mount.volume}]", mount.volume, mount.file, mount.mount_path
            )
        validation.check_unique(f"{where}.secrets.volume", (m.volume for m in self.secrets))
        validation.check_unique(f"{where}.secrets.mount_path", (m.mount_path for m in self.secrets))
        for name, value in self.env.items():
            validation.check_env_var_name(f"{where}.env", name)
            validation.check_not_credential(f"{where}.env", name)
            validation.check_url_without_credentials(f"{where}.env[{name}]", value)

    @property
    def where(self) -> str:
        return f"cloud_run[{self.name}]"

    def check_size(self, *, fractional_cpu: bool) -> None:
        check_size(self.where, self.cpu, self.memory, fractional_cpu=fractional_cpu)


def grant_secrets(props: WorkloadProps) -> list[SecretManagerSecretIamMember]:
    """Grants the workload's account each mounted secret; the workload must depend on the grants.

    A revision whose account cannot read a mounted secret fails to start, so the
    grant has to exist before the workload is created or updated. The grants
    are rows of one table, so this is that table's resource, once.
    """
    grants = [mount.secret.grant_read(props.account) for mount in props.secrets]
    return list(dict.fromkeys(grants))


def volumes(
    props: WorkloadProps, volume: Callable[..., Any], secret: Callable[..., Any], item: Callable[..., Any]
) -> list[Any] | None:
    """One secret volume per mount, holding the one file at its latest version."""
    volumes = [
        volume(
            name=mount.volume,
            # File modes stay at Cloud Run's default (0444): a stricter mode
            # would hide the file from a container that does not run as root.
            secret=secret(
                secret=mount.secret.secret_id_reference, items=[item(path=mount.file, version=SECRET_VERSION)]
            ),
        )
        for mount in props.secrets
    ]
    return volumes or None


def volume_mounts(props: WorkloadProps, mount: Callable[..., Any]) -> list[Any] | None:
    return [mount(name=m.volume, mount_path=m.mount_path) for m in props.secrets] or None


def env_vars(props: WorkloadProps, env: Callable[..., Any]) -> list[Any] | None:
    return [env(name=name, value=value) for name, value in props.env.items()] or None


def private_egress(props: WorkloadProps, vpc_access: Callable[..., Any], interface: Callable[..., Any]) -> Any:
    """The ``vpc_access`` block: the connector, or one network interface in the subnet (Direct VPC egress)."""
    egress = props.egress
    if not egress.direct:
        return vpc_access(connector=egress.connector, egress=PRIVATE_EGRESS)
    return vpc_access(
        network_interfaces=[interface(network=egress.network, subnetwork=egress.subnetwork)], egress=PRIVATE_EGRESS
    )


def limits(props: WorkloadProps) -> dict[str, str]:
    return {"cpu": props.cpu, "memory": props.memory}


class WorkloadGrants:
    """Grants on one service, job or pool (``resource``), rows of the stack's table of its IAM member type (``kind``).

    Rows are keyed ``<workload>/<role>/<account>`` and name the workload by a
    reference to its name, so the grant follows the resource.
    """

    def __init__(self, kind: TableKind, props: WorkloadProps, resource: CloudRunResource) -> None:
        self._tables = GrantTables.of(resource)
        self._kind = kind
        self._props = props
        self._resource = resource

    @cached_property
    def _name_reference(self) -> str:
        """The workload's name as a reference, read once for all its grants (each read is a jsii round trip)."""
        return self._resource.name

    def grant(self, role: str, account: ServiceAccount) -> Any:
        return self._tables.grant(
            self._kind,
            row_key(self._props.name, role, account.account_id),
            {
                "project": self._props.project_id,
                "location": self._props.region,
                "name": self._name_reference,
                "role": role,
                "member": account.member,
            },
        )

    def grant_deploy(self, account: ServiceAccount) -> Any:
        """``run.developer``: deploy new revisions, or set a job's image and run it; nothing else."""
        return self.grant(DEPLOYER_ROLE, account)


def workload_grants(member_type: Callable[..., TerraformResource], resource_type: str) -> TableKind:
    """The grant table of one Cloud Run IAM member type."""
    return TableKind(member_type, resource_type, fields=("project", "location", "name", "role", "member"))


class HasWorkload(Protocol):
    @property
    def workload(self) -> WorkloadProps: ...


P = TypeVar("P", bound=HasWorkload)
R = TypeVar("R", bound=CloudRunResource)


class CloudRunWorkload(Construct, Generic[P, R]):
    """What a Cloud Run service, worker pool and job share as constructs.

    The resource (``_resource``, per kind) is addressed by the workload's name,
    created after the grants of the secrets it mounts (a revision that cannot
    read its secrets fails to start) and keeps what CI deploys
    (``IGNORED_AFTER_DEPLOY`` of each kind); grants on it are rows of the
    stack's table of ``GRANTS``.
    """

    GRANTS: ClassVar[TableKind]
    IGNORED_AFTER_DEPLOY: ClassVar[tuple[str, ...]]

    def __init__(
        self, scope: Construct, construct_id: str, props: P, *, depends_on: tuple[ITerraformDependable, ...] = ()
    ) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        spec = props.workload
        after = [*grant_secrets(spec), *depends_on]
        self.resource: R = pin(self._resource(self._common(spec, after)), spec.name)
        self._grants = WorkloadGrants(self.GRANTS, spec, self.resource)

    def _common(self, spec: WorkloadProps, depends_on: list[Any]) -> dict[str, Any]:
        """The resource's arguments every kind sets alike."""
        return {
            "project": spec.project_id,
            "location": spec.region,
            "name": spec.name,
            "depends_on": depends_on,
            "lifecycle": TerraformResourceLifecycle(ignore_changes=list(self.IGNORED_AFTER_DEPLOY)),
        }

    def _resource(self, common: dict[str, Any]) -> R:
        """The kind's resource, built with ``common`` and its own template."""
        raise NotImplementedError

    @property
    def name(self) -> str:
        return self.props.workload.name

    def grant_deploy(self, account: ServiceAccount) -> Any:
        """Lets ``account`` deploy this workload (``run.developer`` on it alone); returns the table resource."""
        return self._grants.grant_deploy(account)
