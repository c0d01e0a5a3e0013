"""What the bootstrap scripts of one environment do, read from the catalog.

The same values feed the templates (``render.py``) and ``mminfra bootstrap
list``, so what the list says is what the scripts do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mindmirror_infra.catalog import ENVIRONMENT_SECRET, Catalog, Environment
from mindmirror_infra.catalog.apis import REQUIRED_APIS
from mindmirror_infra.constructs.addresses import address_name

# Scripts read a secret's first value from this variable, else from a prompt.
# The prefix keeps a developer's own OPENAI_API_KEY from reaching production.
SECRET_VALUE_PREFIX = "MINDMIRROR_SECRET_"


@dataclass(frozen=True)
class SeededSecret:
    """A secret whose container and first version ``01-setup-secrets.sh`` creates.

    ``default`` is a first value known from the catalog (the environment secret
    holds the environment's name); ``None`` means the operator provides it.
    ``value_later`` marks a database URL secret: its container is created
    here, its first version by the post-apply script.
    """

    id: str
    description: str
    env_var: str
    default: str | None = None
    value_later: bool = False


@dataclass(frozen=True)
class DatabaseUser:
    """The application user of one Cloud SQL instance and the secret holding its URL.

    ``database`` is the one the URL names; ``databases`` are all the instance holds.
    """

    instance: str
    user: str
    database: str
    databases: tuple[str, ...]
    url_secret: str
    address: str


@dataclass(frozen=True)
class BootstrapPlan:
    """Everything the scripts of one environment need, as plain values."""

    environment: str
    project_id: str
    region: str
    state_bucket: str
    state_prefix: str
    apis: tuple[str, ...]
    secrets: tuple[SeededSecret, ...]
    repository: str
    repository_description: str
    database_users: tuple[DatabaseUser, ...]


@dataclass(frozen=True)
class Script:
    """One rendered script: its file, its template and what it does, a line per action."""

    file: str
    template: str
    title: str
    after_first_apply: bool
    actions: tuple[str, ...]


def secret_env_var(secret_id: str) -> str:
    """``openai-api-key`` -> ``MINDMIRROR_SECRET_OPENAI_API_KEY``."""
    return SECRET_VALUE_PREFIX + re.sub(r"[^A-Z0-9]", "_", secret_id.upper())


def application_user(instance_short_name: str) -> str:
    """``main`` -> ``main_app``: underscores, so SQL needs no quoting for it."""
    return f"{instance_short_name.replace('-', '_')}_app"


def bootstrap_plan(catalog: Catalog, env: Environment) -> BootstrapPlan:
    url_secrets = {d.url_secret for d in catalog.databases}
    secrets = tuple(
        SeededSecret(
            id=secret.id,
            description=secret.description,
            env_var=secret_env_var(secret.id),
            default=env.name if secret.id == ENVIRONMENT_SECRET else None,
            value_later=secret.id in url_secrets,
        )
        for secret in catalog.secrets
    )
    users = tuple(
        DatabaseUser(
            instance=database.instance,
            user=application_user(database.short_name),
            # One URL per instance: it names the instance's first database. Each
            # workload connects to its own database, named by DATABASE_NAME.
            database=database.databases[0],
            databases=database.databases,
            url_secret=database.url_secret,
            address=f"google_sql_database_instance.{address_name(database.instance)}",
        )
        for database in catalog.databases
    )
    return BootstrapPlan(
        environment=env.name,
        project_id=env.project_id,
        region=env.region,
        state_bucket=catalog.state_bucket,
        state_prefix=env.state_prefix,
        apis=REQUIRED_APIS,
        secrets=secrets,
        repository=env.registry.repository,
        repository_description=env.registry.description,
        database_users=users,
    )


def scripts(plan: BootstrapPlan) -> tuple[Script, ...]:
    """The scripts in the order they run; the last one runs after the first apply."""
    seeded = [s for s in plan.secrets if not s.value_later]
    later = [s.id for s in plan.secrets if s.value_later]
    return (
        Script(
            "00-create-state-bucket.sh",
            "00-create-state-bucket.sh.j2",
            "the OpenTofu state bucket, outside every state",
            after_first_apply=False,
            actions=(
                f"create bucket gs://{plan.state_bucket} in {plan.region} with uniform bucket-level access "
                "and public access prevention, unless it exists",
                "turn on object versioning, uniform bucket-level access and public access prevention where off",
                f"state of this environment: gs://{plan.state_bucket}/{plan.state_prefix}",
            ),
        ),
        Script(
            "01-setup-secrets.sh",
            "01-setup-secrets.sh.j2",
            "the secret containers and their first values",
            after_first_apply=False,
            actions=(
                "enable secretmanager.googleapis.com, unless enabled",
                *(f"create secret {s.id}, unless it exists" for s in plan.secrets),
                *(
                    f"add the first version of {s.id} from ${s.env_var}"
                    + (f" (default {s.default!r})" if s.default is not None else " or a prompt")
                    + ", unless it has an enabled version"
                    for s in seeded
                ),
                f"leave {', '.join(later)} without a version: 04-create-database-users.sh adds them",
            ),
        ),
        Script(
            "02-enable-apis.sh",
            "02-enable-apis.sh.j2",
            "the Google APIs the stack declares",
            after_first_apply=False,
            actions=(f"enable {len(plan.apis)} APIs not yet enabled, of: {', '.join(plan.apis)}",),
        ),
        Script(
            "03-create-artifact-registry.sh",
            "03-create-artifact-registry.sh.j2",
            "the Docker repository images are pushed to before the first apply",
            after_first_apply=False,
            actions=(
                "enable artifactregistry.googleapis.com, unless enabled",
                f"create Docker repository {plan.repository} in {plan.region}, unless it exists",
            ),
        ),
        Script(
            "04-create-database-users.sh",
            "04-create-database-users.sh.j2",
            "each database's application user and the first version of its URL secret",
            after_first_apply=True,
            actions=tuple(
                f"{u.instance}: unless {u.url_secret} has an enabled version, create user {u.user} "
                f"(or reset its password) with a generated password and add "
                f"postgresql://{u.user}:***@<private IP>:5432/{u.database} as the first version of {u.url_secret}"
                for u in plan.database_users
            ),
        ),
    )
