"""The whole system: its parts and the environments it runs in, checked as one."""

from __future__ import annotations

from dataclasses import dataclass

from mindmirror_infra import validation as rules
from mindmirror_infra.catalog.addresses import environment_addresses, system_addresses
from mindmirror_infra.catalog.environment import Environment
from mindmirror_infra.catalog.sizing import check_connection_budgets, check_direct_vpc_subnet
from mindmirror_infra.catalog.system import Database, MigrationJob, Secret, SecretMount, Service
from mindmirror_infra.cloud_run_sizes import check_size
from mindmirror_infra.errors import InvalidConfig

# The secret every workload may read to know which environment it runs in.
ENVIRONMENT_SECRET = "environment"
# The image every migration job runs (Alembic), beside the services' images.
MIGRATIONS_IMAGE = "migrations"
# The service account GitHub Actions deploys as (Workload Identity Federation).
DEPLOYER_ACCOUNT_ID = "github-deployer"
# The service accounts this project's workflow plans and applies as
# (docs/decisions/0019-planner-and-applier.md).
PLANNER_ACCOUNT_ID = "github-planner"
APPLIER_ACCOUNT_ID = "github-applier"
# Cloud SQL limits the whole connection name "<project>:<instance>" to 98 characters.
MAX_SQL_CONNECTION_NAME = 98


@dataclass(frozen=True)
class Catalog:
    """Services, databases, secrets and environments, checked when built.

    Every reference between them (a service's database, a mounted secret, an
    invoker, an environment setting) must resolve; every name must be unique and
    legal for what it becomes. A database URL secret names an instance, its user
    and password; each service connects to its own database of that instance,
    named by ``Service.database_name`` (see ``database_name``).
    """

    secrets: tuple[Secret, ...]
    databases: tuple[Database, ...]
    services: tuple[Service, ...]
    environments: tuple[Environment, ...]
    state_bucket: str

    def __post_init__(self) -> None:
        for part in ("secrets", "databases", "services", "environments"):
            rules.check_names(part, getattr(self, part), part)
        rules.check_bucket_name("state_bucket", self.state_bucket)
        rules.check_unique("secrets.id", (s.id for s in self.secrets))
        rules.check_unique("databases.instance", (d.instance for d in self.databases))
        rules.check_unique("services.name", (s.name for s in self.services))
        rules.check_unique("environments.name", (e.name for e in self.environments))
        if not self.environments:
            raise InvalidConfig("environments", (), "expected at least one environment")
        secret_ids = {s.id for s in self.secrets}
        if ENVIRONMENT_SECRET not in secret_ids:
            raise InvalidConfig("secrets", sorted(secret_ids), f"expected a secret named {ENVIRONMENT_SECRET!r}")
        self._check_databases(secret_ids)
        self._check_services(secret_ids)
        self._check_accounts()
        self._check_environments()
        self._check_apart()
        system = tuple(system_addresses(self))
        for env in self.environments:
            rules.check_distinct_addresses((*system, *environment_addresses(env)))

    def _check_databases(self, secret_ids: set[str]) -> None:
        rules.check_unique("databases.url_secret", (d.url_secret for d in self.databases))
        for database in self.databases:
            rules.check_one_of(f"databases[{database.instance}].url_secret", database.url_secret, secret_ids)

    def _check_services(self, secret_ids: set[str]) -> None:
        service_names = {s.name for s in self.services}
        for service in self.services:
            where = f"services[{service.name}]"
            for mount in service.secrets:
                rules.check_one_of(f"{where}.secrets[{mount.volume}].secret", mount.secret, secret_ids)
            for invoker in service.invokers:
                rules.check_one_of(f"{where}.invokers", invoker, service_names - {service.name})
            if service.database is None:
                continue
            rules.check_one_of(f"{where}.database", service.database, (d.instance for d in self.databases))
            database = self.database(service.database)
            if service.database_name is not None:
                rules.check_one_of(f"{where}.database_name", service.database_name, database.databases)
            elif len(database.databases) > 1:
                raise InvalidConfig(
                    f"{where}.database_name",
                    None,
                    f"{database.instance} holds several databases; expected the one it uses, "
                    f"of {', '.join(repr(d) for d in database.databases)}",
                )
            url_secret = database.url_secret
            if url_secret not in service.secret_ids:
                raise InvalidConfig(
                    f"{where}.secrets",
                    list(service.secret_ids),
                    f"a service using {service.database} must mount its URL secret {url_secret!r}",
                )

    def _check_accounts(self) -> None:
        # Services, jobs, the deployer, planner and applier each get a service account named after
        # them, so their names share one namespace.
        owners = {
            DEPLOYER_ACCOUNT_ID: "the deployer",
            PLANNER_ACCOUNT_ID: "the planner",
            APPLIER_ACCOUNT_ID: "the applier",
        }
        named = [
            (f"databases[{j.database.instance}].instance", j.database.instance, j.name) for j in self.migration_jobs
        ]
        named += [(f"services[{s.name}].name", s.name, s.name) for s in self.services]
        for field, name, account_id in named:
            owner = owners.setdefault(account_id, field)
            if owner != field:
                raise InvalidConfig(
                    field, name, f"its service account {account_id!r} is also that of {owner}; expected another name"
                )

    def _check_environments(self) -> None:
        service_names = {s.name for s in self.services}
        for env in self.environments:
            where = f"environments[{env.name}]"
            for service in self.services:
                for name in service.env:
                    if name not in env.settings:
                        raise InvalidConfig(
                            f"services[{service.name}].env",
                            name,
                            f"expected a name defined in {where}.settings ({', '.join(env.settings) or 'none'})",
                        )
            for name in env.services.sizes:
                rules.check_one_of(f"{where}.services.sizes", name, service_names)
            self._check_sizes(env)
            http_services = {s.name for s in self.services if s.kind == "http"}
            for split in env.traffic:
                rules.check_one_of(f"{where}.traffic[{split.service}].service", split.service, http_services)
            for name in env.usage.traffic:
                rules.check_one_of(f"{where}.usage.traffic", name, http_services)
            for instance in env.database_overrides:
                rules.check_one_of(f"{where}.database_overrides", instance, (d.instance for d in self.databases))
            check_connection_budgets(self, env)
            check_direct_vpc_subnet(self, env)
            for database in self.databases:
                if len(env.project_id) + 1 + len(database.instance) > MAX_SQL_CONNECTION_NAME:
                    raise InvalidConfig(
                        f"databases[{database.instance}].instance",
                        database.instance,
                        f"expected '{env.project_id}:<instance>' to be at most {MAX_SQL_CONNECTION_NAME} characters",
                    )

    def _check_apart(self) -> None:
        """Environments share nothing that holds state: a project and a documents bucket each of their own.

        State prefixes are ``<name>/state`` of names already unique.
        """
        for part in ("project_id", "documents_bucket"):
            owners: dict[str, str] = {}
            for env in self.environments:
                value = getattr(env, part)
                owner = owners.setdefault(value, env.name)
                if owner != env.name:
                    raise InvalidConfig(
                        f"environments[{env.name}].{part}", value, f"{owner} has it already; expected one of its own"
                    )
        for env in self.environments:
            if env.documents_bucket == self.state_bucket:
                raise InvalidConfig(
                    f"environments[{env.name}].documents_bucket",
                    env.documents_bucket,
                    "expected a bucket other than state_bucket, which holds every environment's OpenTofu state",
                )

    def _check_sizes(self, env: Environment) -> None:
        # Less than one CPU needs CPU only during requests and one request at a
        # time: possible for HTTP services only, never for workers and jobs.
        where = f"environments[{env.name}].services"
        one_at_a_time = env.services.concurrency == 1
        for service in self.services:
            size = env.services.size_of(service.name)
            at = f"{where}.sizes[{service.name}]" if service.name in env.services.sizes else f"{where}.default_size"
            check_size(at, size.cpu, size.memory, fractional_cpu=service.kind == "http" and one_at_a_time)
        if self.databases:
            default = env.services.default_size
            check_size(f"{where}.default_size", default.cpu, default.memory, fractional_cpu=False)

    def database(self, instance: str) -> Database:
        return next(d for d in self.databases if d.instance == instance)

    def database_name(self, service: Service) -> str | None:
        """The database ``service`` uses inside its instance: its ``database_name``, else the instance's only one."""
        if service.database is None:
            return None
        return service.database_name or self.database(service.database).databases[0]

    @property
    def redis_users(self) -> tuple[Service, ...]:
        """The workloads that use the environment's Redis."""
        return tuple(s for s in self.services if s.redis)

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def secret(self, secret_id: str) -> Secret:
        return next(s for s in self.secrets if s.id == secret_id)

    def environment(self, name: str) -> Environment:
        for env in self.environments:
            if env.name == name:
                return env
        raise InvalidConfig("--env", name, f"expected one of {', '.join(e.name for e in self.environments)}")

    @property
    def migration_jobs(self) -> tuple[MigrationJob, ...]:
        """One job per database, mounting its URL secret and the environment secret."""
        return tuple(
            MigrationJob(
                name=database.migration_job,
                database=database,
                secrets=(
                    SecretMount(volume="database", secret=database.url_secret),
                    SecretMount(volume=ENVIRONMENT_SECRET, secret=ENVIRONMENT_SECRET),
                ),
            )
            for database in self.databases
        )
