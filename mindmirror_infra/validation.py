"""Checks shared by the catalog and the constructs.

Each check raises :class:`InvalidConfig` naming the field, the value and the rule,
so every refusal in the project reads the same way.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any, Protocol

from mindmirror_infra.errors import InvalidConfig

# Each pattern is the rule the Google API applies to that kind of name, so a name
# the catalog accepts is one the API accepts.
CLOUD_RUN_NAME = (
    re.compile(r"^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$"),
    "1-49 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
)
SERVICE_ACCOUNT_ID = (
    re.compile(r"^[a-z]([-a-z0-9]{4,28}[a-z0-9])$"),
    "6-30 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
)
SQL_INSTANCE_NAME = (
    re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"),
    "1-63 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
)
POSTGRES_DATABASE_NAME = (
    re.compile(r"^[a-z_][a-z0-9_]{0,62}$"),
    "1-63 lowercase letters, digits or underscores, not starting with a digit",
)
SECRET_ID = (
    re.compile(r"^[a-zA-Z0-9_-]{1,255}$"),
    "1-255 letters, digits, hyphens or underscores",
)
PROJECT_ID = (
    re.compile(r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$"),
    "6-30 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
)
BUCKET_NAME = (
    re.compile(r"^[a-z0-9][-a-z0-9_]{1,61}[a-z0-9]$"),
    "3-63 lowercase letters, digits, hyphens or underscores, starting and ending with a letter or digit",
)
REGION = (re.compile(r"^[a-z]+-[a-z]+[0-9]+$"), "a GCP region such as 'us-central1'")
RESOURCE_NAME = (
    re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"),
    "1-63 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
)
CONNECTOR_NAME = (
    re.compile(r"^[a-z][-a-z0-9]{0,23}[a-z0-9]$"),
    "2-25 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
)
ENV_VAR_NAME = (
    re.compile(r"^[A-Z_][A-Z0-9_]*$"),
    "an upper-case environment variable name such as 'REDIS_URL'",
)
GITHUB_REPOSITORY = (
    re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$"),
    "a GitHub repository as 'owner/name'",
)
# A branch or tag as GitHub's `ref` claim gives it; `*` at the end admits every
# name with that prefix. A subset of what git accepts (https://git-scm.com/docs/git-check-ref-format):
# no quote or backslash can reach the attribute condition it is written into.
GIT_REF = (
    re.compile(r"^refs/(heads|tags)/(?!.*\.\.)(?!.*//)[A-Za-z0-9_][A-Za-z0-9._/-]*\*?$"),
    "a branch 'refs/heads/NAME' or a tag 'refs/tags/NAME', ending in '*' to admit every name with that prefix",
)
REVISION_TAG = (
    re.compile(r"^[a-z]([-a-z0-9]{0,44}[a-z0-9])?$"),
    "1-46 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
)
EMAIL = (
    re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"),
    "an email address such as 'ops@example.com'",
)

Rule = tuple[re.Pattern[str], str]

# The regions Cloud Monitoring runs uptime checkers from, and how many the API requires.
UPTIME_REGIONS = ("ASIA_PACIFIC", "EUROPE", "SOUTH_AMERICA", "USA", "USA_IOWA", "USA_OREGON", "USA_VIRGINIA")
MIN_UPTIME_REGIONS = 3
# The uptime check periods the API accepts, in seconds.
UPTIME_PERIODS = (60, 300, 600, 900)
# A budget notifies at most this many Monitoring channels (Cloud Billing Budget API).
MAX_BUDGET_CHANNELS = 5
# Cloud Monitoring takes condition durations in whole minutes, up to a day.
MAX_ALERT_DURATION_SECONDS = 86_400

# Secrets are files under this folder (docs/decisions/0007-no-secret-values-in-state.md), never environment variables.
SECRET_MOUNT_ROOT = "/secrets/"

# Names that say "credential": a plain environment variable named like this is
# refused, because its value would sit in the config and the state (docs/decisions/0007-no-secret-values-in-state.md).
CREDENTIAL_WORDS = ("KEY", "SECRET", "TOKEN", "PASSWORD", "CREDENTIAL", "PRIVATE")


def check_name(field: str, value: Any, rule: Rule) -> None:
    pattern, allowed = rule
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidConfig(field, value, f"expected {allowed}")


def check_int(field: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidConfig(field, value, f"expected an integer from {low} to {high}")


def check_number(field: str, value: Any, low: float, high: float, *, low_open: bool = False) -> None:
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not is_number or value > high or value < low or (low_open and value == low):
        bound = f"greater than {low}" if low_open else f"at least {low}"
        raise InvalidConfig(field, value, f"expected a number {bound} and at most {high}")


def check_unique(field: str, names: Iterable[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidConfig(field, name, "names must be unique")
        seen.add(name)


def check_one_of(field: str, value: Any, allowed: Iterable[Any]) -> None:
    options = sorted(allowed)
    if value not in options:
        raise InvalidConfig(field, value, f"expected one of {', '.join(repr(o) for o in options)}")


def check_cidr(field: str, value: Any, prefix_length: int | None = None) -> ipaddress.IPv4Network:
    """A private IPv4 CIDR block, optionally of one exact size."""
    size = f"/{prefix_length} " if prefix_length is not None else ""
    allowed = f"expected a private IPv4 {size}CIDR block such as '10.8.0.0/{prefix_length or 28}'"
    try:
        network = ipaddress.IPv4Network(value)
    except (ValueError, TypeError):
        raise InvalidConfig(field, value, allowed) from None
    if not network.is_private or (prefix_length is not None and network.prefixlen != prefix_length):
        raise InvalidConfig(field, value, allowed)
    return network


def check_hh_mm(field: str, value: Any) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
        raise InvalidConfig(field, value, "expected a 24-hour time as 'HH:MM', such as '03:00'")


def check_not_credential(field: str, name: str) -> None:
    """Refuses an environment variable whose name says it holds a credential."""
    if any(word in name for word in CREDENTIAL_WORDS):
        raise InvalidConfig(
            field, name, "a credential must not be a plain environment variable; mount it from a secret instead"
        )


def check_secret_mount_path(field: str, path: str) -> None:
    """A folder strictly under ``/secrets/``, with no ``..`` or empty part."""
    inside = path.startswith(SECRET_MOUNT_ROOT) and len(path) > len(SECRET_MOUNT_ROOT)
    if not inside or "//" in path or "/../" in path + "/" or path.endswith("/"):
        raise InvalidConfig(field, path, "expected a folder under '/secrets/', such as '/secrets/database'")


# Cloud SQL for PostgreSQL accepts shared-core tiers and custom tiers only.
SQL_SHARED_CORE_TIERS = ("db-f1-micro", "db-g1-small")
_SQL_CUSTOM_TIER = re.compile(r"db-custom-([1-9][0-9]*)-([1-9][0-9]*)")
SQL_MAX_VCPUS = 96
SQL_MIN_MEMORY_MB = 3840
# Memory per vCPU of a custom tier, in MB (0.9 and 6.5 GB), and its granularity.
SQL_MEMORY_PER_VCPU_MB = (0.9 * 1024, 6.5 * 1024)
SQL_MEMORY_STEP_MB = 256
# The range Cloud SQL accepts for the PostgreSQL `max_connections` flag.
SQL_MAX_CONNECTIONS = (14, 262143)


def check_sql_tier(field: str, value: Any) -> None:
    """A Cloud SQL PostgreSQL tier: shared-core, or ``db-custom-<vCPUs>-<memory MB>`` within the machine rules."""
    if value in SQL_SHARED_CORE_TIERS:
        return
    match = _SQL_CUSTOM_TIER.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidConfig(
            field,
            value,
            "expected 'db-custom-<vCPUs>-<memory MB>' such as 'db-custom-2-7680', or 'db-f1-micro' or 'db-g1-small'",
        )
    vcpus, memory = int(match[1]), int(match[2])
    if vcpus != 1 and (vcpus % 2 or vcpus > SQL_MAX_VCPUS):
        raise InvalidConfig(field, value, f"expected 1 vCPU or an even number of vCPUs up to {SQL_MAX_VCPUS}")
    step = SQL_MEMORY_STEP_MB
    low = max(SQL_MIN_MEMORY_MB, -(-int(vcpus * SQL_MEMORY_PER_VCPU_MB[0]) // step) * step)
    high = int(vcpus * SQL_MEMORY_PER_VCPU_MB[1]) // step * step
    if memory % step or not low <= memory <= high:
        raise InvalidConfig(
            field,
            value,
            f"expected memory for {vcpus} vCPU to be a multiple of {step} MB from {low} to {high} MB "
            f"(0.9-6.5 GB per vCPU, at least {SQL_MIN_MEMORY_MB} MB)",
        )


def check_duration(field: str, value: Any) -> None:
    """An alert condition's duration: whole minutes from 0 to a day, in seconds."""
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if not is_int or not 0 <= value <= MAX_ALERT_DURATION_SECONDS or value % 60:
        raise InvalidConfig(
            field, value, f"expected seconds in whole minutes from 0 to {MAX_ALERT_DURATION_SECONDS}, such as 300"
        )


def check_uptime_regions(field: str, regions: Any) -> None:
    """At least three distinct regions Cloud Monitoring runs uptime checkers from."""
    if not isinstance(regions, tuple) or len(set(regions)) < MIN_UPTIME_REGIONS:
        raise InvalidConfig(field, regions, f"expected at least {MIN_UPTIME_REGIONS} distinct regions")
    for region in regions:
        check_one_of(field, region, UPTIME_REGIONS)
    check_unique(field, regions)


class SqlInstanceSettings(Protocol):
    """The settings a catalog's database and the Cloud SQL construct's props both carry."""

    @property
    def tier(self) -> str: ...
    @property
    def disk_size_gb(self) -> int: ...
    @property
    def backup_start_time(self) -> str: ...
    @property
    def retained_backups(self) -> int: ...
    @property
    def max_connections(self) -> int: ...
    @property
    def maintenance_day(self) -> int: ...
    @property
    def maintenance_hour(self) -> int: ...


def check_sql_instance_settings(where: str, settings: SqlInstanceSettings) -> None:
    """The sizing and care settings of a Cloud SQL instance, as the API accepts them."""
    check_sql_tier(f"{where}.tier", settings.tier)
    check_int(f"{where}.disk_size_gb", settings.disk_size_gb, 10, 65536)
    check_hh_mm(f"{where}.backup_start_time", settings.backup_start_time)
    check_int(f"{where}.retained_backups", settings.retained_backups, 1, 365)
    check_int(f"{where}.max_connections", settings.max_connections, *SQL_MAX_CONNECTIONS)
    check_int(f"{where}.maintenance_day", settings.maintenance_day, 1, 7)
    check_int(f"{where}.maintenance_hour", settings.maintenance_hour, 0, 23)


# Cloud SQL's documented maximum concurrent connections of a PostgreSQL instance
# by the memory of its tier (https://cloud.google.com/sql/docs/quotas#maximum_concurrent_connections):
# (memory from, in MB, limit), largest first; the shared-core tiers have their own.
SQL_CONNECTION_LIMITS_BY_MEMORY_MB = (
    (120 * 1024, 1000),
    (60 * 1024, 800),
    (30 * 1024, 600),
    (15 * 1024, 500),
    (7680, 400),
    (6 * 1024, 200),
    (3840, 100),
)
SQL_SHARED_CORE_CONNECTION_LIMITS = {"db-f1-micro": 25, "db-g1-small": 50}
# A PostgreSQL flag name as Cloud SQL lists them (https://cloud.google.com/sql/docs/postgres/flags).
SQL_FLAG_NAME = (re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$"), "a PostgreSQL flag name such as 'work_mem'")


def sql_connection_limit(tier: str) -> int:
    """The most connections Cloud SQL documents for ``tier`` (a tier ``check_sql_tier`` accepts)."""
    if tier in SQL_SHARED_CORE_CONNECTION_LIMITS:
        return SQL_SHARED_CORE_CONNECTION_LIMITS[tier]
    match = _SQL_CUSTOM_TIER.fullmatch(tier)
    memory = int(match[2]) if match else 0
    return next((limit for low, limit in SQL_CONNECTION_LIMITS_BY_MEMORY_MB if memory >= low), 25)


def check_sql_flags(field: str, flags: Any) -> None:
    """Extra flags: legal names; ``max_connections`` has a setting of its own."""
    for name in flags:
        check_name(field, name, SQL_FLAG_NAME)
        if name == "max_connections":
            raise InvalidConfig(f"{field}[{name}]", flags[name], "set by max_connections; expected another flag")


# Memorystore for Valkey (https://cloud.google.com/memorystore/docs/valkey/instance-node-specification,
# https://cloud.google.com/memorystore/docs/valkey/supported-versions, and the provider's
# google_memorystore_instance: instance_id 4-63 characters).
MEMORYSTORE_INSTANCE_ID = (
    re.compile(r"^[a-z][-a-z0-9]{2,61}[a-z0-9]$"),
    "4-63 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
)
# Node type -> memory per node in GB.
MEMORYSTORE_NODE_GB = {"SHARED_CORE_NANO": 1.4, "STANDARD_SMALL": 6.5, "HIGHMEM_MEDIUM": 13, "HIGHMEM_XLARGE": 58}
MEMORYSTORE_NODE_TYPES = tuple(MEMORYSTORE_NODE_GB)
MEMORYSTORE_MAX_REPLICAS = 5
MEMORYSTORE_PERSISTENCE = ("AOF", "DISABLED", "RDB")
MEMORYSTORE_RDB_PERIODS = ("ONE_HOUR", "SIX_HOURS", "TWELVE_HOURS", "TWENTY_FOUR_HOURS")
MEMORYSTORE_VERSIONS = ("VALKEY_7_2", "VALKEY_8_0")
