"""Checks shared by the catalog and the constructs.

Each check raises :class:`InvalidConfig` naming the field, the value and the rule,
so every refusal in the project reads the same way.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable
from typing import Any, NamedTuple, Protocol
from urllib.parse import parse_qsl, urlsplit

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
# https://cloud.google.com/storage/docs/buckets#naming: the characters, the
# ends, 3-63 characters (222 with dots, each part at most 63); see check_bucket_name.
BUCKET_NAME = (
    re.compile(r"^(?=.{3,222}$)[a-z0-9]([-a-z0-9_]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9_]{0,61}[a-z0-9])?)*$"),
    "3-63 lowercase letters, digits, hyphens or underscores (up to 222 with dots, each dot-separated part "
    "at most 63), starting and ending with a letter or digit",
)
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
# A revision name is a DNS label (RFC 1035), as the Cloud Run Admin API checks
# every resource name: https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services.revisions
REVISION_NAME = (
    re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"),
    "1-63 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
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
    # NaN compares false with every bound and infinity passes an open one: both
    # are refused first, as the JSON OpenTofu reads has no spelling for them.
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
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


# The private space a VPC range may use: RFC 1918 and RFC 6598 (shared address
# space), both listed as valid subnet ranges in
# https://cloud.google.com/vpc/docs/subnets#valid-ranges. ``is_private`` is not
# this test: it says yes to loopback, link-local, 0.0.0.0/8, the documentation
# and benchmarking ranges and class E (all refused by GCP or unroutable in a VPC)
# and no to 100.64.0.0/10, which GCP allows.
PRIVATE_RANGES = tuple(
    ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
# A subnet's primary range is at least a /29 (https://cloud.google.com/vpc/docs/subnets#valid-ranges).
MAX_SUBNET_PREFIX = 29


def check_cidr(
    field: str, value: Any, prefix_length: int | None = None, *, max_prefix: int = 32
) -> ipaddress.IPv4Network:
    """A private IPv4 CIDR block (``PRIVATE_RANGES``), of one exact size or at most ``/max_prefix``."""
    size = f"/{prefix_length} " if prefix_length is not None else ""
    allowed = (
        f"expected a private IPv4 {size}CIDR block inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10, "
        f"such as '10.8.0.0/{prefix_length or 28}'"
    )
    try:
        network = ipaddress.IPv4Network(value)
    except (ValueError, TypeError):
        raise InvalidConfig(field, value, allowed) from None
    if not any(network.subnet_of(block) for block in PRIVATE_RANGES):
        raise InvalidConfig(field, value, allowed)
    if prefix_length is not None and network.prefixlen != prefix_length:
        raise InvalidConfig(field, value, allowed)
    if network.prefixlen > max_prefix:
        raise InvalidConfig(field, value, f"expected a block of /{max_prefix} or larger")
    return network


def check_hh_mm(field: str, value: Any) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
        raise InvalidConfig(field, value, "expected a 24-hour time as 'HH:MM', such as '03:00'")


def check_emails(field: str, emails: Any, most: int, why: str = "") -> None:
    """1 to ``most`` distinct email addresses; ``why`` says where the limit comes from."""
    check_names(field, emails, "email addresses")
    if not emails or len(emails) > most:
        raise InvalidConfig(field, emails, f"expected 1 to {most} addresses{why}")
    for email in emails:
        check_name(field, email, EMAIL)
    check_unique(field, emails)


def check_secret_mount(where: str, volume: str, file: str, mount_path: str) -> None:
    """A secret mounted as a file: its volume, its file name and the folder it is mounted in."""
    check_name(f"{where}.volume", volume, RESOURCE_NAME)
    check_name(f"{where}.file", file, SECRET_ID)
    check_secret_mount_path(f"{where}.mount_path", mount_path)


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
# The range Cloud SQL accepts for the PostgreSQL `max_connections` flag. 262143
# is PostgreSQL's own maximum (https://postgresqlco.nf/doc/en/param/max_connections);
# the lower bound 14 is unverified: not found on a stored copy of
# https://cloud.google.com/sql/docs/postgres/flags.
SQL_MAX_CONNECTIONS = (14, 262143)
# Days of write-ahead log every instance keeps for point-in-time recovery (1-7,
# https://cloud.google.com/sql/docs/postgres/backup-recovery/pitr#log-retention).
SQL_TRANSACTION_LOG_DAYS = 7
# Databases every Cloud SQL for PostgreSQL instance already has, or that Cloud
# SQL keeps for itself: creating one fails
# (https://cloud.google.com/sql/docs/postgres/create-manage-databases#limitations;
# template0/template1: https://www.postgresql.org/docs/current/manage-ag-templatedbs.html).
RESERVED_DATABASE_NAMES = ("cloudsqladmin", "postgres", "template0", "template1")


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


def check_sql_instance_settings(
    where: str, settings: SqlInstanceSettings, log_retention_days: int = SQL_TRANSACTION_LOG_DAYS
) -> None:
    """The sizing and care settings of a Cloud SQL instance, as the API accepts them."""
    check_sql_tier(f"{where}.tier", settings.tier)
    check_int(f"{where}.disk_size_gb", settings.disk_size_gb, 10, 65536)
    check_hh_mm(f"{where}.backup_start_time", settings.backup_start_time)
    check_int(f"{where}.retained_backups", settings.retained_backups, 1, 365)
    # Cloud SQL refuses fewer retained backups than days of transaction logs
    # (https://cloud.google.com/sql/docs/postgres/backup-recovery/backups#retention).
    if settings.retained_backups < log_retention_days:
        raise InvalidConfig(
            f"{where}.retained_backups",
            settings.retained_backups,
            f"expected at least the {log_retention_days} days of transaction logs kept for point-in-time recovery",
        )
    check_int(f"{where}.max_connections", settings.max_connections, *SQL_MAX_CONNECTIONS)
    check_int(f"{where}.maintenance_day", settings.maintenance_day, 1, 7)
    check_int(f"{where}.maintenance_hour", settings.maintenance_hour, 0, 23)


# The start of a Docker tag (https://docs.docker.com/reference/cli/docker/image/tag/#description).
TAG_PREFIX = (
    re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"),
    "the start of a Docker tag: letters, digits, '_', '.' or '-', not starting with '.' or '-'",
)


def check_tag_prefixes(field: str, prefixes: Any) -> None:
    """Tag prefixes a registry's cleanup never deletes: at least one, each the start of a Docker tag."""
    if not check_names(field, prefixes, "tag prefixes"):
        raise InvalidConfig(field, prefixes, "expected at least one tag prefix, such as 'v'")
    for prefix in prefixes:
        check_name(field, prefix, TAG_PREFIX)


def check_names(field: str, value: Any, what: str = "names") -> tuple[Any, ...]:
    """A tuple (or list) of entries, never a string: ``('jobs')`` is the string ``'jobs'``,
    which iterating would split into four one-letter names."""
    if not isinstance(value, (tuple, list)):
        example = f"({value!r},) with its comma" if isinstance(value, str) else "(a, b)"
        raise InvalidConfig(field, value, f"expected a tuple of {what}, such as {example}")
    return tuple(value)


# Variables Cloud Run sets in every container, which a revision may not set
# (https://cloud.google.com/run/docs/container-contract#env-vars and
# https://cloud.google.com/run/docs/configuring/services/overview-environment-variables#reserved);
# jobs and worker pools get ``CLOUD_RUN_*`` ones (CLOUD_RUN_JOB, CLOUD_RUN_TASK_INDEX, ...).
RESERVED_ENV_VARS = ("K_CONFIGURATION", "K_REVISION", "K_SERVICE", "PORT")
RESERVED_ENV_PREFIX = "CLOUD_RUN_"


def check_env_var_name(field: str, name: Any) -> None:
    """An upper-case variable name that Cloud Run leaves to the container."""
    check_name(field, name, ENV_VAR_NAME)
    if name in RESERVED_ENV_VARS or name.startswith(RESERVED_ENV_PREFIX):
        raise InvalidConfig(
            field, name, f"Cloud Run sets {', '.join(RESERVED_ENV_VARS)} and {RESERVED_ENV_PREFIX}* itself"
        )


# Regions where Cloud Run runs (https://cloud.google.com/run/docs/locations);
# Cloud SQL, Serverless VPC Access and Artifact Registry are offered in each
# (https://cloud.google.com/about/locations).
REGIONS = (
    "africa-south1",
    "asia-east1",
    "asia-east2",
    "asia-northeast1",
    "asia-northeast2",
    "asia-northeast3",
    "asia-south1",
    "asia-south2",
    "asia-southeast1",
    "asia-southeast2",
    "australia-southeast1",
    "australia-southeast2",
    "europe-central2",
    "europe-north1",
    "europe-north2",
    "europe-southwest1",
    "europe-west1",
    "europe-west10",
    "europe-west12",
    "europe-west2",
    "europe-west3",
    "europe-west4",
    "europe-west6",
    "europe-west8",
    "europe-west9",
    "me-central1",
    "me-central2",
    "me-west1",
    "northamerica-northeast1",
    "northamerica-northeast2",
    "northamerica-south1",
    "southamerica-east1",
    "southamerica-west1",
    "us-central1",
    "us-east1",
    "us-east4",
    "us-east5",
    "us-south1",
    "us-west1",
    "us-west2",
    "us-west3",
    "us-west4",
)


def check_region(field: str, value: Any) -> None:
    if value not in REGIONS:
        raise InvalidConfig(
            field, value, "expected a region where Cloud Run runs, such as 'us-central1' (see REGIONS in validation.py)"
        )


# https://cloud.google.com/storage/docs/buckets#naming: beside BUCKET_NAME's
# characters and lengths, no "goog" prefix, no "google" or close misspelling of
# it, and not an IP address in dotted-decimal notation.
_GOOGLE_LIKE = re.compile(r"g[o0][o0]gl[e3]")


def check_bucket_name(field: str, value: Any) -> None:
    check_name(field, value, BUCKET_NAME)
    if value.startswith("goog") or _GOOGLE_LIKE.search(value):
        raise InvalidConfig(field, value, "a bucket name may not start with 'goog' nor contain 'google' or 'g00gle'")
    if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3}){3}", value):
        raise InvalidConfig(field, value, "a bucket name may not be an IP address")


# Query parameters whose value is a credential, whatever their case
# (``?password=``, ``?apiKey=``, ``?access_token=``, ``?client_secret=``).
_CREDENTIAL_PARAMETER = re.compile(r"pass|pwd|key|token|secret|credential|signature|auth", re.IGNORECASE)


# An OpenTofu ``${...}`` expression without nested braces, such as the Redis
# address the stack reads from its instance.
_EXPRESSION = re.compile(r"\$\{[^{}]*\}")


def check_url_without_credentials(field: str, value: Any) -> None:
    """A setting that is a URL carries no user, password, key or token: those belong in a secret
    (docs/decisions/0007-no-secret-values-in-state.md). The value is never repeated in the message."""
    if not isinstance(value, str):
        raise InvalidConfig(field, type(value).__name__, "expected a string")
    if "://" not in value:
        return
    try:
        # An OpenTofu expression (a resource's address) is no credential; its
        # literal text around it is what could carry one.
        parts = urlsplit(_EXPRESSION.sub("expression", value))
        userinfo = "@" in parts.netloc
        parameters = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
    except ValueError:
        raise InvalidConfig(field, "<redacted>", "expected a well-formed URL") from None
    if userinfo:
        raise InvalidConfig(
            field, "<redacted>", "a URL with credentials belongs in a secret; expected a URL without 'user:password@'"
        )
    for name in parameters:
        if _CREDENTIAL_PARAMETER.search(name):
            raise InvalidConfig(
                field,
                "<redacted>",
                f"a URL with credentials belongs in a secret; expected a URL without the query parameter {name!r}",
            )


def check_database_names(field: str, names: Any) -> tuple[str, ...]:
    """The PostgreSQL databases of one instance: at least one, legal, unique and none of Cloud SQL's own."""
    databases = check_names(field, names, "database names")
    if not databases:
        raise InvalidConfig(field, databases, "expected at least one database")
    for name in databases:
        check_name(field, name, POSTGRES_DATABASE_NAME)
        if name in RESERVED_DATABASE_NAMES:
            raise InvalidConfig(field, name, f"{', '.join(RESERVED_DATABASE_NAMES)} exist in every instance already")
    check_unique(field, databases)
    return databases


def check_http_path(field: str, value: Any) -> None:
    """A request path, as a probe and an uptime check send it: no whitespace, which an HTTP request line cannot hold
    (https://www.rfc-editor.org/rfc/rfc9112#name-request-line)."""
    if not isinstance(value, str) or not value.startswith("/") or any(c.isspace() for c in value):
        raise InvalidConfig(field, value, "expected a path starting with '/', without spaces, such as '/health'")


# Cloud Run puts a tag and its service's name in one DNS label of the tag's URL,
# ``<tag>---<service>-<hash>-<region>.a.run.app``; the API refuses the two together
# above this length ("Combined traffic tag and service name cannot exceed 46
# characters", https://cloud.google.com/run/docs/rollouts-rollbacks-traffic-migration#tags).
MAX_TAG_AND_SERVICE = 46


def check_traffic_target(where: str, service: str, revision: str, tag: str) -> None:
    """A revision of ``service`` (``<service>-...``, a legal revision name) and an optional tag."""
    if revision:
        if not revision.startswith(f"{service}-"):
            raise InvalidConfig(f"{where}.revision", revision, f"expected a revision of {service}, '{service}-...'")
        check_name(f"{where}.revision", revision, REVISION_NAME)
    if tag:
        check_name(f"{where}.tag", tag, REVISION_TAG)
        if len(tag) + len(service) > MAX_TAG_AND_SERVICE:
            raise InvalidConfig(
                f"{where}.tag",
                tag,
                f"Cloud Run allows at most {MAX_TAG_AND_SERVICE} characters for tag and service name together; "
                f"{service} leaves {MAX_TAG_AND_SERVICE - len(service)}",
            )


def check_derived_name(field: str, value: str, derived: str, rule: Rule, what: str) -> None:
    """A name the stacks build from ``value`` (``derived``) within its resource's rule; the message names both."""
    pattern, allowed = rule
    if not pattern.fullmatch(derived):
        raise InvalidConfig(field, value, f"it names the {what} {derived!r}, which allows {allowed}")


# An OpenTofu name starts with a letter or underscore
# (https://opentofu.org/docs/language/syntax/configuration/#identifiers).
OPENTOFU_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class NamedAddress(NamedTuple):
    """An OpenTofu address the stacks derive from a catalog name.

    Attributes:
        field: the catalog field that holds the name.
        name: the name.
        address: ``<type>.<name>``.
        of: what else the address is built from, when the name alone does not
            tell (the account of a grant). Default none.
    """

    field: str
    name: str
    address: str
    of: str = ""


def check_distinct_addresses(addresses: Iterable[NamedAddress]) -> None:
    """Each name a legal OpenTofu address of its own.

    Two names whose addresses are equal, or equal but for case, are refused,
    naming both: ``jwt-secret`` and ``jwt_secret`` would be one resource. Case
    counts as no difference because the bootstrap reads a secret's value from
    an upper-case variable built the same way, and a reader of a plan would not
    tell the two apart (docs/decisions/0013-gcp-rules-in-catalog.md).
    """
    seen: dict[str, NamedAddress] = {}
    for named in addresses:
        if not OPENTOFU_NAME.fullmatch(named.address.partition(".")[2]):
            raise InvalidConfig(
                named.field, named.name, f"its OpenTofu address {named.address} must start with a letter or underscore"
            )
        first = seen.setdefault(named.address.lower(), named)
        if (first.name, first.of) != (named.name, named.of):
            raise InvalidConfig(
                named.field,
                named.name,
                f"its OpenTofu address {named.address} is also that of {first.field} {first.name!r}; "
                "expected names that differ by more than '-', '_', '.' or case",
            )


# The `max_connections` Cloud SQL sets by default on a PostgreSQL instance, by
# the memory of its tier (https://cloud.google.com/sql/docs/postgres/quotas#maximum_concurrent_connections):
# (memory from, in MB, default), largest first; the shared-core tiers have their own.
# These are defaults, not a ceiling Cloud SQL enforces: the flag may be raised
# above them (read 2026-12-02 on a Google engineer's post,
# https://dev.to/gleb_otochkin/demystifying-max-connections-limit-in-cloud-sql-for-postgresql-55o6).
# The project refuses more than the default so that connections fit the tier's
# memory; a larger tier raises the limit.
# Verified 2026-12-02: db-f1-micro 25 (https://cloud.google.com/sql/docs/postgres/faq,
# "Cloud SQL for PostgreSQL connection limits"). Every other row is unverified:
# written from memory, the table was not readable on any stored copy of the
# quotas page; confirm it there before relying on a row.
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
    """The default ``max_connections`` Cloud SQL sets for ``tier`` (a tier ``check_sql_tier`` accepts)."""
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
# google_memorystore_instance: instance_id 4-63 characters). At most 59 here: its
# service connection policy is named "<instance_id>-psc", a 63-character resource name.
MEMORYSTORE_INSTANCE_ID = (
    re.compile(r"^[a-z][-a-z0-9]{2,57}[a-z0-9]$"),
    "4-59 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
)
# Node type -> total memory per node in GB, confirmed 2026-12-02 on
# https://cloud.google.com/memorystore/docs/valkey/instance-node-specification (1.4,
# 6.5, 13, 58). The page lists further types (custom-pico/micro/mini, highcpu-medium,
# standard-large) that this project does not offer.
MEMORYSTORE_NODE_GB = {"SHARED_CORE_NANO": 1.4, "STANDARD_SMALL": 6.5, "HIGHMEM_MEDIUM": 13, "HIGHMEM_XLARGE": 58}
MEMORYSTORE_NODE_TYPES = tuple(MEMORYSTORE_NODE_GB)
MEMORYSTORE_MAX_REPLICAS = 5
MEMORYSTORE_PERSISTENCE = ("AOF", "DISABLED", "RDB")
MEMORYSTORE_RDB_PERIODS = ("ONE_HOUR", "SIX_HOURS", "TWELVE_HOURS", "TWENTY_FOUR_HOURS")
# Valkey 7.2, 8.0 and 9.0, confirmed 2026-12-02 on
# https://cloud.google.com/memorystore/docs/valkey/supported-versions (9.0 is now
# generally available and the console's default; this project's default stays 8.0).
MEMORYSTORE_VERSIONS = ("VALKEY_7_2", "VALKEY_8_0", "VALKEY_9_0")
