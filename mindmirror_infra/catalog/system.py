"""What the system is made of: secrets, databases and services.

Plain frozen data, validated when built. Nothing here knows about constructs or
OpenTofu; the stacks read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mindmirror_infra import validation as rules
from mindmirror_infra.errors import InvalidConfig

# The plain environment variables naming the databases a workload connects to
# inside its instance: a URL secret holds one instance's user and password, and
# an instance may hold several databases. A service gets the one it uses; a
# migration job, every database of its instance, comma-separated.
DATABASE_NAME_VARIABLE = "DATABASE_NAME"
DATABASE_NAMES_VARIABLE = "DATABASE_NAMES"
# The most connections each instance of a workload may hold to its database: its
# pool size, which the application must honour (SQLAlchemy: pool_size plus
# max_overflow). The connection budget of each instance counts it.
DATABASE_POOL_SIZE_VARIABLE = "DATABASE_POOL_SIZE"
# Built from the Redis instance's attributes for the workloads that use it
# (docs/decisions/0015-data-plane.md): its ``rediss://`` address and the PEM
# certificates of the CA that signs its server certificate.
REDIS_URL_VARIABLE = "REDIS_URL"
REDIS_CA_VARIABLE = "REDIS_CA_CERTS"
SET_BY_THE_STACK = (
    DATABASE_NAME_VARIABLE,
    DATABASE_NAMES_VARIABLE,
    DATABASE_POOL_SIZE_VARIABLE,
    REDIS_URL_VARIABLE,
    REDIS_CA_VARIABLE,
)
# One connection for Alembic, one spare for a hook that opens its own.
MIGRATION_POOL_SIZE = 2


@dataclass(frozen=True)
class Secret:
    """A Secret Manager secret. Only the container is described; values never are.

    Attributes:
        id: the secret id, as `gcloud secrets` names it.
        description: what the value is and who provides it (shown by the bootstrap
            prompt).
    """

    id: str
    description: str

    def __post_init__(self) -> None:
        rules.check_name(f"secrets[{self.id}].id", self.id, rules.SECRET_ID)


@dataclass(frozen=True)
class SecretMount:
    """A secret mounted as a file at ``<mount_path>/<file>``.

    Attributes:
        volume: the volume name, unique within a workload.
        secret: the id of a catalog secret.
        file: the file name under the mount path. Default: the secret id.
        mount_path: a folder under ``/secrets/``. Default: ``/secrets/<volume>``.
    """

    volume: str
    secret: str
    file: str = ""
    mount_path: str = ""

    def __post_init__(self) -> None:
        if not self.file:
            object.__setattr__(self, "file", self.secret)
        if not self.mount_path:
            object.__setattr__(self, "mount_path", rules.SECRET_MOUNT_ROOT + self.volume)

    def validate(self, owner: str) -> None:
        rules.check_secret_mount(f"{owner}.secrets[{self.volume}]", self.volume, self.file, self.mount_path)


@dataclass(frozen=True)
class Database:
    """A Cloud SQL PostgreSQL instance and the databases it holds.

    Attributes:
        instance: the Cloud SQL instance name, such as ``main-db``.
        databases: the PostgreSQL databases created in it.
        url_secret: the catalog secret that holds the connection URL: the
            instance, its application user and password. The URL's path is the
            instance's first database; each workload connects to the database
            its ``DATABASE_NAME`` names (see ``Service.database_name``).
    """

    instance: str
    databases: tuple[str, ...]
    url_secret: str

    def __post_init__(self) -> None:
        where = f"databases[{self.instance}]"
        rules.check_name(f"{where}.instance", self.instance, rules.SQL_INSTANCE_NAME)
        rules.check_derived_name(
            f"{where}.instance",
            self.instance,
            self.migration_job,
            rules.SERVICE_ACCOUNT_ID,
            "migration job and its service account",
        )
        rules.check_database_names(f"{where}.databases", self.databases)

    @property
    def short_name(self) -> str:
        """``main`` for ``main-db``: the part that names its migration job."""
        return self.instance.removesuffix("-db")

    @property
    def migration_job(self) -> str:
        return f"migrate-{self.short_name}"


@dataclass(frozen=True)
class Service:
    """A workload of the platform: an HTTP service or a background worker.

    Attributes:
        name: the Cloud Run name; also the id of its own service account.
        kind: ``http`` (serves requests on ``port``) or ``worker`` (no port).
        port: the container port of an HTTP service; ``None`` for a worker.
        database: the instance name of the catalog database it uses, if any.
        database_name: the PostgreSQL database it uses inside that instance; it
            receives it as the environment variable ``DATABASE_NAME``. Default:
            the instance's only database; required when the instance holds
            several, and refused without ``database``.
        secrets: the secrets it mounts. Default: none.
        env: names of non-secret environment settings it receives. Default: none.
        public: reachable by anyone on the internet. Default: ``False``.
        critical: kept warm (the environment's minimum instances). Default: ``False``.
        invokers: names of catalog services allowed to call it. Default: none.
        reads_documents: may read objects of the documents bucket. Default: ``False``.
        health_path: the HTTP path of its health check. Default: ``/health``.
        database_pool_size: the most connections one instance holds to its
            database; it receives it as ``DATABASE_POOL_SIZE``. Default 5.
        redis: uses the environment's Redis: receives ``REDIS_URL`` and
            ``REDIS_CA_CERTS`` and may sign in to it with its own account (IAM
            authentication). Default ``False``.
        smoke: a shell command the deploy workflow runs from the application
            repository's root after the health check passes, with ``SERVICE_URL``
            (and, for a private service, ``ID_TOKEN``) set; a non-zero exit rolls
            the deploy back. Default: none.
    """

    name: str
    kind: Literal["http", "worker"]
    port: int | None
    database: str | None = None
    database_name: str | None = None
    secrets: tuple[SecretMount, ...] = ()
    env: tuple[str, ...] = ()
    public: bool = False
    critical: bool = False
    invokers: tuple[str, ...] = ()
    reads_documents: bool = False
    health_path: str = "/health"
    database_pool_size: int = 5
    redis: bool = False
    smoke: str = ""

    def __post_init__(self) -> None:
        where = f"services[{self.name}]"
        rules.check_name(f"{where}.name", self.name, rules.CLOUD_RUN_NAME)
        rules.check_name(f"{where}.name", self.name, rules.SERVICE_ACCOUNT_ID)
        rules.check_one_of(f"{where}.kind", self.kind, ("http", "worker"))
        rules.check_names(f"{where}.secrets", self.secrets, "SecretMount")
        rules.check_names(f"{where}.env", self.env, "setting names")
        rules.check_names(f"{where}.invokers", self.invokers, "service names")
        if self.kind == "http":
            rules.check_int(f"{where}.port", self.port, 1, 65535)
        elif self.port is not None:
            raise InvalidConfig(f"{where}.port", self.port, "a worker has no port; expected None")
        if self.kind == "worker" and (self.public or self.invokers):
            raise InvalidConfig(f"{where}.public", self.public, "a worker serves no requests; expected no invokers")
        if self.public and self.invokers:
            raise InvalidConfig(
                f"{where}.invokers", self.invokers, "a public service has no invoker check; expected no invokers"
            )
        if self.database_name is not None:
            if self.database is None:
                raise InvalidConfig(
                    f"{where}.database_name",
                    self.database_name,
                    "a service without a database names none; expected None",
                )
            rules.check_name(f"{where}.database_name", self.database_name, rules.POSTGRES_DATABASE_NAME)
        rules.check_http_path(f"{where}.health_path", self.health_path)
        if "\n" in self.smoke or "\0" in self.smoke:
            raise InvalidConfig(f"{where}.smoke", self.smoke, "expected one line of shell")
        for mount in self.secrets:
            if not isinstance(mount, SecretMount):
                raise InvalidConfig(f"{where}.secrets", mount, "expected a SecretMount(volume, secret)")
            mount.validate(where)
        rules.check_unique(f"{where}.secrets.volume", (m.volume for m in self.secrets))
        rules.check_unique(f"{where}.secrets.mount_path", (m.mount_path for m in self.secrets))
        for name in self.env:
            rules.check_env_var_name(f"{where}.env", name)
            rules.check_not_credential(f"{where}.env", name)
            if name in SET_BY_THE_STACK:
                raise InvalidConfig(
                    f"{where}.env",
                    name,
                    "set by the stack (database_name, database_pool_size, redis); expected another name",
                )
        rules.check_int(f"{where}.database_pool_size", self.database_pool_size, 1, 1000)
        rules.check_unique(f"{where}.env", self.env)
        rules.check_unique(f"{where}.invokers", self.invokers)

    @property
    def secret_ids(self) -> tuple[str, ...]:
        return tuple(m.secret for m in self.secrets)


@dataclass(frozen=True)
class MigrationJob:
    """The Cloud Run job that runs the migrations of one instance (derived, not declared).

    It migrates every database of the instance; it receives their names,
    comma-separated, as the environment variable ``DATABASE_NAMES``.
    """

    name: str
    database: Database
    secrets: tuple[SecretMount, ...]
    pool_size: int = MIGRATION_POOL_SIZE
