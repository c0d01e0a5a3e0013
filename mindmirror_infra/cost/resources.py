"""How each resource type the stacks may create is priced, or why it is free.

Every type is in ``PRICED`` or in ``FREE``; a type in neither stops the
estimate (``UnclassifiedResource``), so a new kind of resource cannot slip
into a stack unpriced. Quantities come from the resource's own attributes
(tier, sizes, instance counts) and, for what depends on use, from the
environment's usage assumptions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from mindmirror_infra.cost.prices import PriceTable
from mindmirror_infra.cost.usage import Usage
from mindmirror_infra.invariants import block

Kind = Literal["fixed", "usage"]


class UnclassifiedResource(Exception):
    def __init__(self, resource_type: str, address: str) -> None:
        super().__init__(
            f"{address}: resource type {resource_type} is neither priced nor listed as free in "
            "mindmirror_infra/cost/resources.py; classify it"
        )
        self.resource_type = resource_type


@dataclass(frozen=True)
class Line:
    """One priced quantity of one resource for a month.

    ``kind`` is ``fixed`` for what is paid with no traffic at all, ``usage``
    for what the usage assumptions drive.
    """

    address: str
    product: str
    item: str
    quantity: float
    unit: str
    price_key: str
    usd: float
    kind: Kind


@dataclass(frozen=True)
class Unpriced:
    """A quantity the price table has no price for: shown apart, never counted as free."""

    address: str
    item: str
    price_key: str

    def __str__(self) -> str:
        return f"{self.address}: {self.item}: no price {self.price_key!r} in prices.toml; add it with its source page"


@dataclass(frozen=True)
class Context:
    """What a pricing rule reads besides the resource: prices, usage, and how many of each type the stack has.

    A quantity whose price the table lacks is recorded in ``unpriced`` and left out of the lines.
    """

    prices: PriceTable
    usage: Usage
    counts: dict[str, int]
    unpriced: list[Unpriced] = field(default_factory=list)

    def line(self, address: str, product: str, item: str, quantity: float, key: str, *, kind: Kind) -> Line:
        price = self.prices.prices.get(key)
        if price is None:
            self.unpriced.append(Unpriced(address, item, key))
            return Line(address, product, item, quantity, "", key, 0.0, kind)
        return Line(address, product, item, quantity, price.unit, key, quantity * price.usd, kind)

    def share(self, resource_type: str) -> float:
        """The part of an environment-wide quantity one resource of ``resource_type`` carries."""
        return 1 / self.counts[resource_type]


Rule = Callable[[str, dict[str, Any], Context], list[Line]]

# --- Cloud SQL ------------------------------------------------------------------

_CUSTOM_TIER = re.compile(r"db-custom-(\d+)-(\d+)")
SHARED_CORE_TIERS = {"db-f1-micro": "f1_micro", "db-g1-small": "g1_small"}


def sql_instance(address: str, body: dict[str, Any], ctx: Context) -> list[Line]:
    """vCPU and memory (custom tiers) or the instance (shared core), its SSD, and one full backup of the disk.

    A REGIONAL (high-availability) instance is priced at the HA rates, which
    cover the standby. Backups are incremental after the first: one copy of
    the whole disk is the assumption.
    """
    settings = block(body, "settings") or {}
    availability = "regional" if settings.get("availability_type") == "REGIONAL" else "zonal"
    label = "high availability" if availability == "regional" else "zonal"
    hours = ctx.prices.hours_per_month

    def line(item: str, quantity: float, key: str) -> Line:
        return ctx.line(address, "Cloud SQL", item, quantity, key, kind="fixed")

    tier = str(settings.get("tier", ""))
    custom = _CUSTOM_TIER.fullmatch(tier)
    if custom:
        vcpus, memory_gb = int(custom[1]), int(custom[2]) / 1024
        lines = [
            line(f"{vcpus} vCPU, {label}", vcpus * hours, f"sql_vcpu_{availability}"),
            line(f"{memory_gb:g} GB memory, {label}", memory_gb * hours, f"sql_memory_{availability}"),
        ]
    else:
        lines = [line(f"{tier}, {label}", hours, f"sql_shared_{SHARED_CORE_TIERS.get(tier, tier)}_{availability}")]
    disk_gb = float(settings.get("disk_size", 10))  # the API's default size
    disk_type = str(settings.get("disk_type", "PD_SSD"))
    disk = "ssd" if disk_type == "PD_SSD" else disk_type.lower()
    lines.append(line(f"{disk_gb:g} GB {disk.upper()}, {label}", disk_gb, f"sql_{disk}_{availability}"))
    if block(settings, "backup_configuration", "enabled"):
        lines.append(line(f"backups, one full copy of {disk_gb:g} GB", disk_gb, "sql_backup"))
    return lines


# --- Cloud Run --------------------------------------------------------------------

_MEMORY_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_QUANTITY = re.compile(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?")


def memory_gib(quantity: str) -> float:
    """A Kubernetes-style memory quantity (``512Mi``, ``2Gi``, ``1G``) in GiB."""
    match = _QUANTITY.fullmatch(quantity)
    if not match:
        raise ValueError(f"unreadable memory quantity {quantity!r}")
    return float(match[1]) * _MEMORY_UNITS.get(match[2] or "", 1) / 2**30


def cpu_count(quantity: str) -> float:
    """A CPU quantity (``1``, ``2``, ``500m``) in vCPUs."""
    return float(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


def _size(containers: Any) -> tuple[float, float, bool]:
    """vCPUs and GiB of all containers of an instance, and whether CPU is billed during requests only."""
    cpu = memory = 0.0
    request_based = True
    for container in containers if isinstance(containers, list) else [containers]:
        limits = block(container, "resources", "limits") or {}
        # Cloud Run's defaults: 1 vCPU and 512 MiB per instance.
        cpu += cpu_count(str(limits.get("cpu", "1")))
        memory += memory_gib(str(limits.get("memory", "512Mi")))
        request_based = request_based and block(container, "resources", "cpu_idle") is not False
    return cpu, memory, request_based


def run_service(address: str, body: dict[str, Any], ctx: Context) -> list[Line]:
    """Minimum instances all month at the idle rate (fixed); the assumed requests at the active rate (usage).

    Request time is priced as if each request had an instance to itself:
    concurrency, which lets requests share one, is not credited.
    """
    template = block(body, "template") or {}
    cpu, memory, request_based = _size(template.get("containers", []))
    minimum = max(
        int(block(template, "scaling", "min_instance_count") or 0),
        int(block(body, "scaling", "min_instance_count") or 0),
    )
    seconds = ctx.prices.seconds_per_month
    lines: list[Line] = []
    billing = "idle" if request_based else "instance"
    if minimum:
        lines += [
            ctx.line(address, "Cloud Run", f"{minimum} min instance(s), {cpu:g} vCPU idle", minimum * cpu * seconds,
                     f"run_{billing}_cpu", kind="fixed"),
            ctx.line(address, "Cloud Run", f"{minimum} min instance(s), {memory:g} GiB idle",
                     minimum * memory * seconds, f"run_{billing}_memory", kind="fixed"),
        ]  # fmt: skip
    traffic = ctx.usage.traffic_of(str(body.get("name", "")))
    busy = traffic.requests_per_month * traffic.seconds_per_request
    active = "request" if request_based else "instance"
    lines += [
        ctx.line(address, "Cloud Run", f"{cpu:g} vCPU serving {traffic.requests_per_month:,} requests",
                 busy * cpu, f"run_{active}_cpu", kind="usage"),
        ctx.line(address, "Cloud Run", f"{memory:g} GiB serving {traffic.requests_per_month:,} requests",
                 busy * memory, f"run_{active}_memory", kind="usage"),
    ]  # fmt: skip
    if request_based:
        lines.append(
            ctx.line(address, "Cloud Run", "requests", traffic.requests_per_month / 1e6, "run_requests", kind="usage")
        )
    return lines


def run_worker_pool(address: str, body: dict[str, Any], ctx: Context) -> list[Line]:
    """Every instance of a worker pool runs all month, at the instance-based rates."""
    cpu, memory, _ = _size(block(body, "template", "containers") or [])
    instances = int(block(body, "scaling", "manual_instance_count") or 1)
    seconds = ctx.prices.seconds_per_month
    return [
        ctx.line(address, "Cloud Run", f"{instances} instance(s), {cpu:g} vCPU always on",
                 instances * cpu * seconds, "run_instance_cpu", kind="fixed"),
        ctx.line(address, "Cloud Run", f"{instances} instance(s), {memory:g} GiB always on",
                 instances * memory * seconds, "run_instance_memory", kind="fixed"),
    ]  # fmt: skip


def run_job(address: str, body: dict[str, Any], ctx: Context) -> list[Line]:
    """The assumed executions of a job, each task at the instance-based rates."""
    cpu, memory, _ = _size(block(body, "template", "template", "containers") or [])
    tasks = int(block(body, "template", "task_count") or 1)
    usage = ctx.usage
    seconds = usage.job_runs_per_month * usage.job_seconds_per_run * tasks
    runs = f"{usage.job_runs_per_month} runs of {usage.job_seconds_per_run} s"
    return [
        ctx.line(address, "Cloud Run", f"{cpu:g} vCPU, {runs}", seconds * cpu, "run_instance_cpu", kind="usage"),
        ctx.line(
            address, "Cloud Run", f"{memory:g} GiB, {runs}", seconds * memory, "run_instance_memory", kind="usage"
        ),
    ]


# --- network, cache ---------------------------------------------------------------------


def vpc_connector(address: str, body: dict[str, Any], ctx: Context) -> list[Line]:
    """The connector's minimum instances run all month (more under load, not counted)."""
    machine = str(body.get("machine_type", "e2-micro"))
    instances = int(body.get("min_instances", 2))
    key = f"connector_{machine.replace('-', '_')}"
    return [
        ctx.line(address, "Serverless VPC Access", f"{instances} {machine} instance(s)",
                 instances * ctx.prices.hours_per_month, key, kind="fixed"),
    ]  # fmt: skip


# Memorystore for Redis bills the provisioned capacity by capacity tier; M1 is 1 to 4 GB.
_REDIS_CAPACITY_TIERS = ((4, "m1"), (10, "m2"), (35, "m3"), (100, "m4"), (300, "m5"))


def redis_instance(address: str, body: dict[str, Any], ctx: Context) -> list[Line]:
    """The provisioned capacity all month, at its service tier's and capacity tier's rate."""
    size_gb = float(body.get("memory_size_gb", 1))
    service_tier = "standard" if body.get("tier") == "STANDARD_HA" else "basic"
    capacity_tier = next((name for limit, name in _REDIS_CAPACITY_TIERS if size_gb <= limit), "m5")
    return [
        ctx.line(address, "Memorystore", f"{size_gb:g} GB, {service_tier} tier",
                 size_gb * ctx.prices.hours_per_month, f"redis_{service_tier}_{capacity_tier}", kind="fixed"),
    ]  # fmt: skip


def memorystore_instance(address: str, body: dict[str, Any], ctx: Context) -> list[Line]:
    """Memorystore for Valkey: every node (shards times one primary and its replicas) all month.

    AOF persistence, which the instance may add, is not counted.
    """
    # The provider writes the API's enum (STANDARD_SMALL); the pricing page, standard-small.
    node_type = str(body.get("node_type", "HIGHMEM_MEDIUM")).lower().replace("_", "-")
    nodes = int(body.get("shard_count", 1)) * (1 + int(body.get("replica_count", 0)))
    return [
        ctx.line(address, "Memorystore", f"{nodes} {node_type} node(s)", nodes * ctx.prices.hours_per_month,
                 f"valkey_{node_type.replace('-', '_')}", kind="fixed"),
    ]  # fmt: skip


# --- storage, secrets, monitoring ----------------------------------------------------------


def registry(address: str, body: dict[str, Any], ctx: Context) -> list[Line]:
    """The assumed image storage, shared by the stack's repositories."""
    gb = ctx.usage.registry_gb * ctx.share("google_artifact_registry_repository")
    return [ctx.line(address, "Artifact Registry", f"{gb:g} GB of images", gb, "registry_storage", kind="fixed")]


def bucket(address: str, body: dict[str, Any], ctx: Context) -> list[Line]:
    """The assumed documents, shared by the stack's buckets, at the rate of the bucket's class in its region."""
    storage_class = str(body.get("storage_class", "STANDARD")).lower()
    location = str(body.get("location", "")).lower()
    # The table holds regional prices of its own region only; another location needs its own entry.
    where = "regional" if location == ctx.prices.region else location
    gb = ctx.usage.documents_gb * ctx.share("google_storage_bucket")
    return [
        ctx.line(address, "Cloud Storage", f"{gb:g} GB stored", gb, f"storage_{storage_class}_{where}", kind="fixed")
    ]


def secret(address: str, body: dict[str, Any], ctx: Context) -> list[Line]:
    """One active version in each location it is stored in (automatic replication counts as one)."""
    replicas = block(body, "replication", "user_managed", "replicas")
    locations = len(replicas) if isinstance(replicas, list) else 1
    return [ctx.line(address, "Secret Manager", f"1 active version, {locations} location(s)", locations,
                     "secret_version", kind="fixed")]  # fmt: skip


def _seconds(duration: Any, default: float) -> float:
    return float(str(duration).removesuffix("s")) if duration else default


# Where an uptime check runs from when it names no region: all six.
UPTIME_ALL_REGIONS = 6


def uptime_check(address: str, body: dict[str, Any], ctx: Context) -> list[Line]:
    """One execution per checker region per period, all month (the free allotment is deducted per project)."""
    regions = len(body.get("selected_regions") or []) or UPTIME_ALL_REGIONS
    executions = regions * ctx.prices.seconds_per_month / _seconds(body.get("period"), 60)
    return [ctx.line(address, "Cloud Monitoring", f"uptime check from {regions} regions", executions,
                     "uptime_execution", kind="fixed")]  # fmt: skip


def alert_policy(address: str, body: dict[str, Any], ctx: Context) -> list[Line]:
    conditions = body.get("conditions") or []
    count = len(conditions) if isinstance(conditions, list) else 1
    return [
        ctx.line(address, "Cloud Monitoring", f"{count} alert condition(s)", count, "alert_condition", kind="fixed")
    ]


PRICED: dict[str, Rule] = {
    "google_sql_database_instance": sql_instance,
    "google_cloud_run_v2_service": run_service,
    "google_cloud_run_v2_worker_pool": run_worker_pool,
    "google_cloud_run_v2_job": run_job,
    "google_vpc_access_connector": vpc_connector,
    "google_redis_instance": redis_instance,
    "google_memorystore_instance": memorystore_instance,
    "google_artifact_registry_repository": registry,
    "google_storage_bucket": bucket,
    "google_secret_manager_secret": secret,
    "google_monitoring_uptime_check_config": uptime_check,
    "google_monitoring_alert_policy": alert_policy,
}

_IAM = "IAM policies and bindings have no charge"
FREE: dict[str, str] = {
    "google_project_service": "enabling an API has no charge; its use is priced where it is used",
    "google_service_account": "service accounts have no charge",
    "google_project_iam_member": _IAM,
    "google_service_account_iam_member": _IAM,
    "google_secret_manager_secret_iam_member": _IAM,
    "google_storage_bucket_iam_member": _IAM,
    "google_artifact_registry_repository_iam_member": _IAM,
    "google_cloud_run_v2_service_iam_member": _IAM,
    "google_cloud_run_v2_job_iam_member": _IAM,
    "google_cloud_run_v2_worker_pool_iam_member": _IAM,
    "google_iam_workload_identity_pool": "Workload Identity Federation has no charge",
    "google_iam_workload_identity_pool_provider": "Workload Identity Federation has no charge",
    "google_compute_network": "VPC networks have no charge; traffic is priced where it leaves",
    "google_compute_subnetwork": "subnets have no charge (no flow logs are enabled)",
    "google_compute_firewall": "firewall rules have no charge (no firewall logging is enabled)",
    "google_compute_global_address": "an internal range reserved for private services access; "
    "only external IP addresses are charged",
    "google_service_networking_connection": "the private services peering has no charge; Cloud SQL bills its instances",
    "google_sql_database": "a database inside an instance; the instance is priced",
    "google_sql_user": "a user inside an instance; the instance is priced",
    "google_monitoring_notification_channel": "notification channels have no charge",
    "google_billing_budget": "budgets have no charge",
    "google_network_connectivity_service_connection_policy": "a service connection policy has no charge "
    "(the Private Service Connect endpoints Memorystore creates through it are not priced here)",
    "google_logging_metric": "its samples are Monitoring ingestion of a few kilobytes a month, "
    "far inside the 150 MiB a billing account ingests free",
}


def rule_for(resource_type: str, address: str) -> Rule | None:
    """The pricing rule of ``resource_type``, ``None`` for a free type; raises for one in neither table."""
    if resource_type in PRICED:
        return PRICED[resource_type]
    if resource_type in FREE:
        return None
    raise UnclassifiedResource(resource_type, address)
