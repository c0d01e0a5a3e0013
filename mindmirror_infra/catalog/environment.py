"""Per-environment settings: everything that may differ between production and staging.

A stack reads only these values; production and staging run the same code paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from mindmirror_infra import validation as rules
from mindmirror_infra.catalog.github import GitHubRepository
from mindmirror_infra.catalog.usage import UsageAssumptions
from mindmirror_infra.errors import InvalidConfig

# How Cloud Run workloads reach private ranges (docs/decisions/0015-data-plane.md).
DIRECT_VPC = "direct-vpc"
CONNECTOR = "connector"
EGRESS_CHOICES = (DIRECT_VPC, CONNECTOR)
# Shared-core connector machines exhaust their CPU credits under sustained load;
# Google recommends larger machines for production traffic
# (https://cloud.google.com/vpc/docs/serverless-vpc-access#scaling).
SHARED_CORE_CONNECTORS = ("e2-micro", "f1-micro")
PRODUCTION = "production"


def _frozen(mapping: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(sorted(mapping.items())))


@dataclass(frozen=True)
class NetworkSettings:
    """The VPC and its private ranges.

    Attributes:
        vpc_name: the custom-mode VPC. Default ``mindmirror-vpc``.
        subnet_name: the regional subnet. Default ``mindmirror-subnet``.
        subnet_cidr: its primary range. Default ``10.0.0.0/20``.
        private_services_cidr: the global range reserved for private service
            access (Cloud SQL private IPs). Default ``10.16.0.0/16``.
        service_egress: how services and migration jobs reach private ranges:
            ``direct-vpc`` (Direct VPC egress from the subnet) or ``connector``
            (the serverless VPC access connector). Default ``direct-vpc``; worker
            pools always use Direct VPC. docs/decisions/0015-data-plane.md
        connector_name: the serverless VPC access connector, created only with
            ``service_egress="connector"``. Default ``run-connector``.
        connector_cidr: its dedicated ``/28``. Default ``10.8.0.0/28``.
        connector_min_instances / connector_max_instances: its size. Default 2 / 3.
        connector_machine_type: Default ``e2-standard-4``; production refuses the
            shared-core types, whose CPU credits run out under sustained load.
    """

    vpc_name: str = "mindmirror-vpc"
    subnet_name: str = "mindmirror-subnet"
    subnet_cidr: str = "10.0.0.0/20"
    private_services_cidr: str = "10.16.0.0/16"
    service_egress: str = DIRECT_VPC
    connector_name: str = "run-connector"
    connector_cidr: str = "10.8.0.0/28"
    connector_min_instances: int = 2
    connector_max_instances: int = 3
    connector_machine_type: str = "e2-standard-4"

    @property
    def uses_connector(self) -> bool:
        return self.service_egress == CONNECTOR

    @property
    def derived_names(self) -> dict[str, str]:
        """What the network construct names after the VPC: its reserved range and its firewall rule."""
        return {
            "private services range": f"{self.vpc_name}-private-services",
            "firewall rule": f"{self.vpc_name}-deny-all-ingress",
        }

    def validate(self, where: str) -> None:
        rules.check_one_of(f"{where}.service_egress", self.service_egress, EGRESS_CHOICES)
        for name in ("vpc_name", "subnet_name"):
            rules.check_name(f"{where}.{name}", getattr(self, name), rules.RESOURCE_NAME)
        for what, derived in self.derived_names.items():
            # Compute Engine names: https://cloud.google.com/compute/docs/naming-resources#resource-name-format
            rules.check_derived_name(f"{where}.vpc_name", self.vpc_name, derived, rules.RESOURCE_NAME, what)
        rules.check_name(f"{where}.connector_name", self.connector_name, rules.CONNECTOR_NAME)
        ranges = {
            "subnet_cidr": rules.check_cidr(
                f"{where}.subnet_cidr", self.subnet_cidr, max_prefix=rules.MAX_SUBNET_PREFIX
            ),
            # Private services access wants a /24 or larger
            # (https://cloud.google.com/vpc/docs/configure-private-services-access#allocating-range).
            "private_services_cidr": rules.check_cidr(
                f"{where}.private_services_cidr", self.private_services_cidr, max_prefix=24
            ),
            # A connector takes a dedicated /28
            # (https://cloud.google.com/vpc/docs/serverless-vpc-access#ip_address_ranges).
            "connector_cidr": rules.check_cidr(f"{where}.connector_cidr", self.connector_cidr, 28),
        }
        names = list(ranges)
        for i, first in enumerate(names):
            for second in names[i + 1 :]:
                if ranges[first].overlaps(ranges[second]):
                    raise InvalidConfig(
                        f"{where}.{second}", getattr(self, second), f"expected a range that does not overlap {first}"
                    )
        rules.check_int(f"{where}.connector_min_instances", self.connector_min_instances, 2, 9)
        rules.check_int(
            f"{where}.connector_max_instances", self.connector_max_instances, self.connector_min_instances + 1, 10
        )
        # The machine types a connector accepts:
        # https://cloud.google.com/vpc/docs/serverless-vpc-access#scaling
        rules.check_one_of(
            f"{where}.connector_machine_type", self.connector_machine_type, (*SHARED_CORE_CONNECTORS, "e2-standard-4")
        )


@dataclass(frozen=True)
class DatabaseSettings:
    """Sizing and care of every Cloud SQL instance in the environment.

    Attributes:
        tier: the machine tier. Default ``db-custom-2-7680`` (2 vCPU, 7.5 GB).
        high_availability: a standby in a second zone (REGIONAL). Default ``True``.
        disk_size_gb: the initial SSD size; it grows automatically. Default 20.
        backup_start_time: daily backup start, UTC. Default ``03:00``.
        retained_backups: Default 7.
        max_connections: the ``max_connections`` flag, at most Cloud SQL's default
            for the tier (``validation.sql_connection_limit``). Default 100.
        maintenance_day: 1 (Monday) to 7 (Sunday). Default 7.
        maintenance_hour: 0-23 UTC. Default 4, after the backup.
        flags: further PostgreSQL flags, by name. Default none; the logging flags
            and ``max_connections`` are set by the project and refused here.
        reserved_connections: connections kept free of the workloads' budget for
            Cloud SQL's own agents and an operator's session (PostgreSQL's
            ``superuser_reserved_connections`` is 3). Default 10.
    """

    tier: str = "db-custom-2-7680"
    high_availability: bool = True
    disk_size_gb: int = 20
    backup_start_time: str = "03:00"
    retained_backups: int = 7
    max_connections: int = 100
    maintenance_day: int = 7
    maintenance_hour: int = 4
    flags: Mapping[str, str] = field(default_factory=dict)
    reserved_connections: int = 10

    def __post_init__(self) -> None:
        object.__setattr__(self, "flags", _frozen(self.flags))

    def validate(self, where: str) -> None:
        # The same rules as the Cloud SQL construct's, so a bad value is refused
        # when the catalog is built, naming the setting to change.
        rules.check_sql_instance_settings(where, self)
        rules.check_int(f"{where}.reserved_connections", self.reserved_connections, 0, 1000)
        rules.check_sql_flags(f"{where}.flags", self.flags)
        limit = rules.sql_connection_limit(self.tier)
        if self.max_connections > limit:
            raise InvalidConfig(
                f"{where}.max_connections",
                self.max_connections,
                f"expected at most {limit}, Cloud SQL's default for tier {self.tier}; choose a larger tier for more",
            )


@dataclass(frozen=True)
class DatabaseOverride:
    """What one Cloud SQL instance sets differently from the environment's ``database``.

    Every attribute defaults to ``None``: the environment's value. ``flags`` are
    added to the environment's flags, a flag of the same name replacing its value.
    """

    tier: str | None = None
    high_availability: bool | None = None
    disk_size_gb: int | None = None
    max_connections: int | None = None
    flags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "flags", _frozen(self.flags))

    def applied_to(self, settings: DatabaseSettings) -> DatabaseSettings:
        changes: dict[str, Any] = {
            name: value
            for name in ("tier", "high_availability", "disk_size_gb", "max_connections")
            if (value := getattr(self, name)) is not None
        }
        return replace(settings, **changes, flags={**settings.flags, **self.flags})


@dataclass(frozen=True)
class RedisSettings:
    """The environment's Memorystore for Valkey instance (docs/decisions/0015-data-plane.md).

    Size and care only: it is private (Private Service Connect in the subnet),
    encrypted in transit and authenticated with IAM, whatever is set here.

    Attributes:
        instance_id: the instance id. Default ``mindmirror-cache``.
        node_type: the machine of each node. Default ``STANDARD_SMALL`` (6.5 GB).
        replica_count: read replicas in other zones, which also take over when the
            primary fails. Default 1.
        persistence: ``AOF`` (every write logged, fsync each second), ``RDB``
            (snapshots) or ``DISABLED``. Default ``AOF``: Celery's queue lives here.
        rdb_snapshot_period: with ``RDB``, how often. Default ``ONE_HOUR``.
        engine_version: Default ``VALKEY_8_0``.
    """

    instance_id: str = "mindmirror-cache"
    node_type: str = "STANDARD_SMALL"
    replica_count: int = 1
    persistence: str = "AOF"
    rdb_snapshot_period: str = "ONE_HOUR"
    engine_version: str = "VALKEY_8_0"

    def validate(self, where: str) -> None:
        rules.check_name(f"{where}.instance_id", self.instance_id, rules.MEMORYSTORE_INSTANCE_ID)
        rules.check_one_of(f"{where}.node_type", self.node_type, rules.MEMORYSTORE_NODE_TYPES)
        rules.check_int(f"{where}.replica_count", self.replica_count, 0, rules.MEMORYSTORE_MAX_REPLICAS)
        rules.check_one_of(f"{where}.persistence", self.persistence, rules.MEMORYSTORE_PERSISTENCE)
        rules.check_one_of(f"{where}.rdb_snapshot_period", self.rdb_snapshot_period, rules.MEMORYSTORE_RDB_PERIODS)
        rules.check_one_of(f"{where}.engine_version", self.engine_version, rules.MEMORYSTORE_VERSIONS)


@dataclass(frozen=True)
class ServiceSize:
    """CPU and memory of one workload's container, as Cloud Run writes them."""

    cpu: str = "1"
    memory: str = "512Mi"


@dataclass(frozen=True)
class ServiceSettings:
    """Scaling of every Cloud Run workload in the environment.

    Attributes:
        critical_min_instances: minimum instances of services marked critical;
            others scale to zero. Default 1.
        max_instances: Default 10.
        concurrency: requests per instance. Default 80.
        request_timeout_seconds: Default 300.
        default_size: CPU and memory when ``sizes`` names no other. Default 1 CPU, 512Mi.
        sizes: per-service CPU and memory, keyed by service name. Default none.
        worker_instances: instances of each background worker (always running). Default 1.
    """

    critical_min_instances: int = 1
    max_instances: int = 10
    concurrency: int = 80
    request_timeout_seconds: int = 300
    default_size: ServiceSize = ServiceSize()
    sizes: Mapping[str, ServiceSize] = field(default_factory=dict)
    worker_instances: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", _frozen(self.sizes))

    def size_of(self, service: str) -> ServiceSize:
        return self.sizes.get(service, self.default_size)

    def validate(self, where: str) -> None:
        rules.check_int(f"{where}.critical_min_instances", self.critical_min_instances, 0, 100)
        rules.check_int(f"{where}.max_instances", self.max_instances, 1, 1000)
        if self.critical_min_instances > self.max_instances:
            raise InvalidConfig(
                f"{where}.critical_min_instances",
                self.critical_min_instances,
                f"expected at most max_instances ({self.max_instances})",
            )
        rules.check_int(f"{where}.concurrency", self.concurrency, 1, 1000)
        rules.check_int(f"{where}.request_timeout_seconds", self.request_timeout_seconds, 1, 3600)
        rules.check_int(f"{where}.worker_instances", self.worker_instances, 1, 100)


@dataclass(frozen=True)
class RegistrySettings:
    """The Artifact Registry repository and its retention (docs/operating-strategy.md, Image retention).

    Attributes:
        repository: the Docker repository id. Default ``services``.
        keep_recent_versions: newest versions kept per image. Default 10.
        untagged_max_age_days: untagged versions older than this are deleted. Default 30.
        protected_tag_prefixes: tags never deleted. Default ``("v",)`` (releases).
        cleanup_dry_run: only report what cleanup would delete. Default ``False``.
    """

    repository: str = "services"
    keep_recent_versions: int = 10
    untagged_max_age_days: int = 30
    protected_tag_prefixes: tuple[str, ...] = ("v",)
    cleanup_dry_run: bool = False

    @property
    def description(self) -> str:
        """What the stack and the bootstrap script that creates the repository both describe it as."""
        return "Container images of the platform's services, jobs and workers"

    def validate(self, where: str) -> None:
        rules.check_name(f"{where}.repository", self.repository, rules.RESOURCE_NAME)
        rules.check_int(f"{where}.keep_recent_versions", self.keep_recent_versions, 1, 1000)
        rules.check_int(f"{where}.untagged_max_age_days", self.untagged_max_age_days, 1, 3650)
        rules.check_tag_prefixes(f"{where}.protected_tag_prefixes", self.protected_tag_prefixes)


@dataclass(frozen=True)
class TrafficSplit:
    """A canary: the latest revision of a service gets part of its requests, a
    known-good revision the rest.

    Attributes:
        service: the catalog service (an HTTP service).
        latest_percent: the share sent to the latest revision, 0-99.
        revision: the revision that keeps the rest, such as ``agent-service-00042-abc``.
            A revision, not a tag: Cloud Run's traffic targets name revisions,
            and a tag is only resolved to one by the gcloud client.
        tag: a name for that revision, giving it its own URL. Default none.
    """

    service: str
    latest_percent: int
    revision: str
    tag: str = ""

    @property
    def stable_percent(self) -> int:
        return 100 - self.latest_percent

    def validate(self, where: str) -> None:
        rules.check_int(f"{where}.latest_percent", self.latest_percent, 0, 99)
        if not self.revision:
            raise InvalidConfig(f"{where}.revision", self.revision, f"expected a revision, '{self.service}-...'")
        rules.check_traffic_target(where, self.service, self.revision, self.tag)


@dataclass(frozen=True)
class OperationsSettings:
    """Alerting and cost limits (docs/operating-strategy.md, Observability and cost).

    Attributes:
        notification_emails: who is told, by every alert and the budget. 1 to 5 addresses.
        error_ratio: alert when 5xx responses exceed this share of requests. Default 0.05.
        latency_p95_ms: alert when p95 request latency exceeds this. Default 2000.
        cpu_utilization: alert when container CPU utilization exceeds this. Default 0.8.
        alert_duration_seconds: how long a condition must hold; a multiple of 60. Default 300.
        budget_usd: the monthly budget of the project, in US dollars. Default ``None``:
            derived from the environment's cost estimate, ``budget_margin`` above it
            (docs/decisions/0014-cost-in-review.md).
        budget_margin: how far above the estimate a derived budget sits, as a share
            of it. Default 0.25.
        budget_thresholds: shares of the budget whose actual spend notifies. Default 50/75/90/100 %.
        uptime_regions: where uptime checks run from; at least 3. Default the three US
            regions and Europe.
        uptime_period_seconds: how often each uptime check runs: 60, 300, 600 or 900. Default 60.
        error_log_entries_per_minute: alert when a workload writes more error entries
            than this per minute. Default 10.
        sql_utilization: alert when a Cloud SQL instance's CPU, memory or disk use,
            or its connections' share of ``max_connections``, exceeds this. Default 0.8.
        redis_memory_utilization: alert when Redis uses more of its memory than
            this; Memorystore recommends staying under 80 %. Default 0.8.
    """

    notification_emails: tuple[str, ...]
    error_ratio: float = 0.05
    latency_p95_ms: int = 2000
    cpu_utilization: float = 0.8
    alert_duration_seconds: int = 300
    budget_usd: int | None = None
    budget_margin: float = 0.25
    budget_thresholds: tuple[float, ...] = (0.5, 0.75, 0.9, 1.0)
    uptime_regions: tuple[str, ...] = ("USA_OREGON", "USA_IOWA", "USA_VIRGINIA", "EUROPE")
    uptime_period_seconds: int = 60
    error_log_entries_per_minute: int = 10
    sql_utilization: float = 0.8
    redis_memory_utilization: float = 0.8

    def validate(self, where: str) -> None:
        limit = rules.MAX_BUDGET_CHANNELS
        why = f" (a budget notifies at most {limit} channels)"
        rules.check_emails(f"{where}.notification_emails", self.notification_emails, limit, why)
        rules.check_names(f"{where}.budget_thresholds", self.budget_thresholds, "shares")
        rules.check_names(f"{where}.uptime_regions", self.uptime_regions, "regions")
        rules.check_number(f"{where}.error_ratio", self.error_ratio, 0, 1, low_open=True)
        rules.check_int(f"{where}.latency_p95_ms", self.latency_p95_ms, 1, 3_600_000)
        rules.check_number(f"{where}.cpu_utilization", self.cpu_utilization, 0, 1, low_open=True)
        rules.check_duration(f"{where}.alert_duration_seconds", self.alert_duration_seconds)
        if self.budget_usd is not None:
            rules.check_int(f"{where}.budget_usd", self.budget_usd, 1, 10_000_000)
        rules.check_number(f"{where}.budget_margin", self.budget_margin, 0, 10)
        if not self.budget_thresholds:
            raise InvalidConfig(f"{where}.budget_thresholds", (), "expected at least one share of the budget")
        for share in self.budget_thresholds:
            rules.check_number(f"{where}.budget_thresholds", share, 0, 10, low_open=True)
        rules.check_unique(f"{where}.budget_thresholds", (str(s) for s in self.budget_thresholds))
        rules.check_uptime_regions(f"{where}.uptime_regions", self.uptime_regions)
        rules.check_one_of(f"{where}.uptime_period_seconds", self.uptime_period_seconds, rules.UPTIME_PERIODS)
        rules.check_int(f"{where}.error_log_entries_per_minute", self.error_log_entries_per_minute, 1, 1_000_000)
        rules.check_number(f"{where}.sql_utilization", self.sql_utilization, 0, 1, low_open=True)
        rules.check_number(f"{where}.redis_memory_utilization", self.redis_memory_utilization, 0, 1, low_open=True)


@dataclass(frozen=True)
class Environment:
    """One deployment of the system into one GCP project: one stack.

    Attributes:
        name: ``production`` or ``staging``; names the stack and the state prefix.
        project_id: the GCP project.
        github_repository: the application repository, the only one whose workflows may deploy.
        infrastructure_repository: this project's repository, the only one whose
            workflow may plan (its pull requests) and apply (``refs/heads/main``,
            in the GitHub environment ``github_environment``) this environment
            (docs/decisions/0019-planner-and-applier.md).
        deploy_refs: the branches and tags its deploy job may run from, in the
            GitHub environment named as this one (``github_environment``); a
            final ``*`` admits a prefix. Default ``main`` and ``v*`` tags.
        operations: alerting and budget.
        region: Default ``us-central1``.
        network, database, services, registry, redis: see each type. Defaults: production sizes.
        database_overrides: per Cloud SQL instance (by instance name), what differs
            from ``database``. Default none.
        documents_bucket: the bucket of documents the services read. Default
            ``<project_id>-documents`` (bucket names are global).
        settings: non-secret values services receive as environment variables.
        traffic: canary splits. Default none: all traffic to the latest revision.
        usage: the monthly usage its cost estimate assumes. Default ``UsageAssumptions()``.
    """

    name: str
    project_id: str
    github_repository: GitHubRepository
    infrastructure_repository: GitHubRepository
    operations: OperationsSettings
    region: str = "us-central1"
    network: NetworkSettings = NetworkSettings()
    database: DatabaseSettings = DatabaseSettings()
    database_overrides: Mapping[str, DatabaseOverride] = field(default_factory=dict)
    redis: RedisSettings = RedisSettings()
    services: ServiceSettings = ServiceSettings()
    registry: RegistrySettings = RegistrySettings()
    documents_bucket: str = ""
    settings: Mapping[str, str] = field(default_factory=dict)
    traffic: tuple[TrafficSplit, ...] = ()
    deploy_refs: tuple[str, ...] = ("refs/heads/main", "refs/tags/v*")
    usage: UsageAssumptions = field(default_factory=UsageAssumptions)

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings", _frozen(self.settings))
        object.__setattr__(self, "database_overrides", _frozen(self.database_overrides))
        if not self.documents_bucket:
            object.__setattr__(self, "documents_bucket", f"{self.project_id}-documents")
        where = f"environments[{self.name}]"
        rules.check_name(f"{where}.name", self.name, rules.RESOURCE_NAME)
        rules.check_name(f"{where}.project_id", self.project_id, rules.PROJECT_ID)
        rules.check_region(f"{where}.region", self.region)
        for field_name in ("github_repository", "infrastructure_repository"):
            repository = getattr(self, field_name)
            if not isinstance(repository, GitHubRepository):
                expected = "expected GitHubRepository('owner/name', id, owner_id)"
                raise InvalidConfig(f"{where}.{field_name}", repository, expected)
            repository.validate(f"{where}.{field_name}")
        if not isinstance(self.deploy_refs, tuple) or not self.deploy_refs:
            raise InvalidConfig(f"{where}.deploy_refs", self.deploy_refs, "expected a tuple of one or more refs")
        for ref in self.deploy_refs:
            rules.check_name(f"{where}.deploy_refs", ref, rules.GIT_REF)
        rules.check_bucket_name(f"{where}.documents_bucket", self.documents_bucket)
        self.network.validate(f"{where}.network")
        self.database.validate(f"{where}.database")
        for instance in self.database_overrides:
            # Values not overridden were checked above, so a refusal names an overridden one.
            self.database_settings(instance).validate(f"{where}.database_overrides[{instance}]")
        self.redis.validate(f"{where}.redis")
        network = self.network
        if (
            self.name == PRODUCTION
            and network.uses_connector
            and network.connector_machine_type in SHARED_CORE_CONNECTORS
        ):
            raise InvalidConfig(
                f"{where}.network.connector_machine_type",
                network.connector_machine_type,
                "production traffic exhausts a shared-core connector's CPU credits; expected 'e2-standard-4'",
            )
        self.services.validate(f"{where}.services")
        self.registry.validate(f"{where}.registry")
        self.operations.validate(f"{where}.operations")
        self.usage.validate(f"{where}.usage")
        for split in rules.check_names(f"{where}.traffic", self.traffic, "TrafficSplit"):
            split.validate(f"{where}.traffic[{split.service}]")
        rules.check_unique(f"{where}.traffic.service", (t.service for t in self.traffic))
        for key, value in self.settings.items():
            rules.check_env_var_name(f"{where}.settings", key)
            rules.check_url_without_credentials(f"{where}.settings[{key}]", value)

    def database_settings(self, instance: str) -> DatabaseSettings:
        """The settings of one Cloud SQL instance: the environment's, with its override applied."""
        override = self.database_overrides.get(instance)
        return self.database if override is None else override.applied_to(self.database)

    def database_field(self, instance: str, name: str) -> str:
        """Where the catalog sets ``name`` for ``instance``: its override, else the environment's default."""
        override = self.database_overrides.get(instance)
        at = "database"
        if override is not None and (getattr(override, name, None) is not None):
            at = f"database_overrides[{instance}]"
        return f"environments[{self.name}].{at}.{name}"

    @property
    def image_tag_default(self) -> str:
        """The image tag of the first deployment, before CI deploys (docs/operating-strategy.md: ``<env>-latest``)."""
        return f"{self.name}-latest"

    @property
    def github_environment(self) -> str:
        """The GitHub environment the deploy job runs in (where reviewers can be required): this one's name."""
        return self.name

    @property
    def apply_refs(self) -> tuple[str, ...]:
        """The refs this project's workflow applies from: ``main`` only, whatever the environment."""
        return ("refs/heads/main",)

    @property
    def state_prefix(self) -> str:
        return f"{self.name}/state"
