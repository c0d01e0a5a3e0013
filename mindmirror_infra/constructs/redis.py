"""Redis for the environment: a Memorystore for Valkey instance, private, encrypted and signed in to with IAM.

Why Valkey and IAM (docs/decisions/0015-data-plane.md): Memorystore for Redis
with AUTH keeps its AUTH string as a computed attribute of the resource, so it
would sit in the OpenTofu state (docs/decisions/0007-no-secret-values-in-state.md).
Memorystore for Valkey authenticates each connection with the client's own IAM
access token instead: there is no password anywhere, in state, in
``generated/`` or in Secret Manager.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktn import ITerraformDependable, TerraformResourceLifecycle
from cdktn_provider_google.memorystore_instance import (
    MemorystoreInstance,
    MemorystoreInstanceDesiredAutoCreatedEndpoints,
    MemorystoreInstanceMaintenancePolicy,
    MemorystoreInstanceMaintenancePolicyWeeklyMaintenanceWindow,
    MemorystoreInstanceMaintenancePolicyWeeklyMaintenanceWindowStartTime,
    MemorystoreInstancePersistenceConfig,
    MemorystoreInstancePersistenceConfigAofConfig,
    MemorystoreInstancePersistenceConfigRdbConfig,
)
from cdktn_provider_google.network_connectivity_service_connection_policy import (
    NetworkConnectivityServiceConnectionPolicy,
    NetworkConnectivityServiceConnectionPolicyPscConfig,
)
from cdktn_provider_google.project_iam_member import ProjectIamMember
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.constructs.addresses import address_name, pin
from mindmirror_infra.constructs.service_account import IamCondition, ServiceAccount

# One primary node, no cluster protocol: Celery and redis-py's plain client
# speak to it as to any Redis (Valkey is protocol-compatible). A cluster-mode-
# disabled instance has exactly one shard.
# https://cloud.google.com/memorystore/docs/valkey/cluster-mode-enabled-and-disabled
MODE = "CLUSTER_DISABLED"
SHARD_COUNT = 1
# TLS with the server's certificate signed by the instance's own CA; clients
# verify it with REDIS_CA_CERTS.
TRANSIT_ENCRYPTION = "SERVER_AUTHENTICATION"
# Each connection sends the workload's IAM access token as AUTH (no password);
# the token's principal needs memorystore.instances.connect.
# https://cloud.google.com/memorystore/docs/valkey/about-iam-auth
AUTHORIZATION = "IAM_AUTH"
CONNECT_ROLE = "roles/memorystore.dbConnectionUser"
# Private Service Connect endpoints are created in the subnet named by a
# service connection policy of this class. https://cloud.google.com/memorystore/docs/valkey/networking
SERVICE_CLASS = "gcp-memorystore"
PRIMARY = "CONNECTION_TYPE_PRIMARY"
# Sunday 05:00 UTC, after the Cloud SQL maintenance hour (04:00).
MAINTENANCE_DAY, MAINTENANCE_HOUR = "SUNDAY", 5


@dataclass(frozen=True)
class RedisInstanceProps:
    """Attributes:
    project_id: the project.
    region: the instance's region.
    instance_id: the instance id; also its address, ``google_memorystore_instance.<instance_id>``.
    network_id: the VPC (``projects/<p>/global/networks/<n>``) the endpoints are created in.
    subnetwork_id: the subnet that gives the endpoints their addresses.
    node_type: Default ``STANDARD_SMALL``.
    replica_count: replicas in other zones, 0-5. Default 1.
    persistence: ``AOF``, ``RDB`` or ``DISABLED``. Default ``AOF``.
    rdb_snapshot_period: with ``RDB``. Default ``ONE_HOUR``.
    engine_version: Default ``VALKEY_8_0``.
    """

    project_id: str
    region: str
    instance_id: str
    network_id: str
    subnetwork_id: str
    node_type: str = "STANDARD_SMALL"
    replica_count: int = 1
    persistence: str = "AOF"
    rdb_snapshot_period: str = "ONE_HOUR"
    engine_version: str = "VALKEY_8_0"

    def __post_init__(self) -> None:
        where = "RedisInstanceProps"
        validation.check_name(f"{where}.instance_id", self.instance_id, validation.MEMORYSTORE_INSTANCE_ID)
        validation.check_one_of(f"{where}.node_type", self.node_type, validation.MEMORYSTORE_NODE_TYPES)
        validation.check_int(f"{where}.replica_count", self.replica_count, 0, validation.MEMORYSTORE_MAX_REPLICAS)
        validation.check_one_of(f"{where}.persistence", self.persistence, validation.MEMORYSTORE_PERSISTENCE)
        validation.check_one_of(
            f"{where}.rdb_snapshot_period", self.rdb_snapshot_period, validation.MEMORYSTORE_RDB_PERIODS
        )
        validation.check_one_of(f"{where}.engine_version", self.engine_version, validation.MEMORYSTORE_VERSIONS)


class RedisInstance(Construct):
    """A Valkey instance addressed ``google_memorystore_instance.<instance_id>``, and what makes it reachable.

    - reachable only on private IPs: Private Service Connect endpoints in the
      environment's subnet, created through a service connection policy
      (``google_network_connectivity_service_connection_policy.memorystore``);
    - TLS (``SERVER_AUTHENTICATION``) and IAM authentication: no AUTH string exists;
    - never lost by a plan: the API's ``deletion_protection_enabled``, the
      provider's ``deletion_policy = "PREVENT"`` and ``prevent_destroy``;
    - a weekly maintenance window, persistence and size from the props.

    ``url`` and ``ca_certificates`` are OpenTofu expressions of the instance's
    attributes, for the workloads' environment.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        props: RedisInstanceProps,
        *,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        self.policy = pin(
            NetworkConnectivityServiceConnectionPolicy(
                self,
                "policy",
                project=props.project_id,
                location=props.region,
                name=f"{props.instance_id}-psc",
                description="Private Service Connect endpoints of Memorystore in the services' subnet",
                service_class=SERVICE_CLASS,
                network=props.network_id,
                psc_config=NetworkConnectivityServiceConnectionPolicyPscConfig(subnetworks=[props.subnetwork_id]),
                depends_on=list(depends_on),
            ),
            "memorystore",
        )
        self.instance = pin(
            MemorystoreInstance(
                self,
                "instance",
                project=props.project_id,
                location=props.region,
                instance_id=props.instance_id,
                mode=MODE,
                shard_count=SHARD_COUNT,
                node_type=props.node_type,
                replica_count=props.replica_count,
                engine_version=props.engine_version,
                transit_encryption_mode=TRANSIT_ENCRYPTION,
                authorization_mode=AUTHORIZATION,
                desired_auto_created_endpoints=[
                    MemorystoreInstanceDesiredAutoCreatedEndpoints(
                        network=props.network_id, project_id=props.project_id
                    )
                ],
                persistence_config=self._persistence(),
                maintenance_policy=MemorystoreInstanceMaintenancePolicy(
                    weekly_maintenance_window=[
                        MemorystoreInstanceMaintenancePolicyWeeklyMaintenanceWindow(
                            day=MAINTENANCE_DAY,
                            start_time=MemorystoreInstanceMaintenancePolicyWeeklyMaintenanceWindowStartTime(
                                hours=MAINTENANCE_HOUR, minutes=0, seconds=0, nanos=0
                            ),
                        )
                    ]
                ),
                deletion_protection_enabled=True,
                deletion_policy="PREVENT",
                lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
                depends_on=[self.policy],
            ),
            props.instance_id,
        )

    def _persistence(self) -> MemorystoreInstancePersistenceConfig:
        props = self.props
        if props.persistence == "AOF":
            return MemorystoreInstancePersistenceConfig(
                mode="AOF", aof_config=MemorystoreInstancePersistenceConfigAofConfig(append_fsync="EVERY_SEC")
            )
        if props.persistence == "RDB":
            return MemorystoreInstancePersistenceConfig(
                mode="RDB",
                rdb_config=MemorystoreInstancePersistenceConfigRdbConfig(rdb_snapshot_period=props.rdb_snapshot_period),
            )
        return MemorystoreInstancePersistenceConfig(mode="DISABLED")

    @property
    def _address(self) -> str:
        return f"google_memorystore_instance.{address_name(self.props.instance_id)}"

    @property
    def url(self) -> str:
        """``rediss://<address>:<port>`` of the primary's Private Service Connect endpoint, read from the instance."""
        primary = (
            f"[for c in {self._address}.endpoints[0].connections : c.psc_auto_connection[0] "
            f'if c.psc_auto_connection[0].connection_type == "{PRIMARY}"][0]'
        )
        return f"rediss://${{{primary}.ip_address}}:${{{primary}.port}}"

    @property
    def ca_certificates(self) -> str:
        """The PEM certificates of the instance's CA, which clients verify its TLS certificate with."""
        return (
            f'${{join("\\n", flatten([for ca in {self._address}.managed_server_ca : '
            "[for chain in ca.ca_certs : chain.certificates]]))}"
        )

    def grant_connect(self, account: ServiceAccount) -> ProjectIamMember:
        """Lets ``account`` sign in to this instance with its IAM token, and to no other.

        The role exists at project level; its IAM condition names this instance.
        https://cloud.google.com/memorystore/docs/valkey/manage-iam-auth
        """
        props = self.props
        return account.grant_project_role(
            CONNECT_ROLE,
            IamCondition(
                key=props.instance_id,
                title=f"Only {props.instance_id}",
                expression=(
                    f'resource.name == "projects/{props.project_id}/locations/{props.region}'
                    f'/instances/{props.instance_id}"'
                ),
            ),
        )
