"""Catalogs for tests: a small one of the tests' own, its variations, and the embedded one extended.

``catalog()`` and the ``with_*`` builders edit one part of ``BASE``, a small
system written here (its names are the tests' own, so a change to
``mindmirror_infra/catalog/mindmirror.py`` never changes them), and build a new
Catalog, which validates on construction. ``extended()`` is the embedded
catalog with a service added.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mindmirror_infra.catalog import (
    ENVIRONMENT_SECRET,
    Catalog,
    Database,
    Environment,
    Secret,
    SecretMount,
    Service,
    ServiceSettings,
    ServiceSize,
)
from mindmirror_infra.catalog import mindmirror as embedded

SECRETS = (
    Secret("database-url", "Connection URL of main-db"),
    Secret("users-database-url", "Connection URL of users-db"),
    Secret("jwt-secret", "Key that signs and verifies user tokens"),
    Secret("openai-api-key", "OpenAI API key"),
    Secret(ENVIRONMENT_SECRET, "The environment name"),
)
DATABASES = (
    Database("main-db", ("agent", "journal", "habits", "meals"), url_secret="database-url"),
    Database("users-db", ("users",), url_secret="users-database-url"),
)
ENVIRONMENT = SecretMount("environment", ENVIRONMENT_SECRET)
JWT = SecretMount("jwt", "jwt-secret")
OPENAI = SecretMount("openai", "openai-api-key")
MAIN_URL = SecretMount("database", "database-url")
GATEWAY = "mesh-gateway"


def _main_db_service(name: str, database_name: str, **more: Any) -> Service:
    secrets = (MAIN_URL, JWT, ENVIRONMENT)
    return Service(name, "http", 8000, "main-db", database_name, secrets, invokers=(GATEWAY,), **more)


SERVICES = (
    Service(
        "agent-service",
        "http",
        8000,
        database="main-db",
        database_name="agent",
        secrets=(MAIN_URL, JWT, OPENAI, ENVIRONMENT),
        env=("QDRANT_URL",),
        redis=True,
        critical=True,
        invokers=(GATEWAY,),
        reads_documents=True,
    ),
    _main_db_service("journal-service", "journal", reads_documents=True),
    _main_db_service("habits-service", "habits"),
    _main_db_service("meals-service", "meals"),
    Service(
        "users-service",
        "http",
        8000,
        database="users-db",
        secrets=(SecretMount("database", "users-database-url"), JWT, ENVIRONMENT),
        critical=True,
        invokers=(GATEWAY,),
    ),
    Service(GATEWAY, "http", 4000, secrets=(JWT, ENVIRONMENT), public=True, critical=True),
    Service("web-app", "http", 3000, secrets=(ENVIRONMENT,), public=True, critical=True),
    Service(
        "celery-worker",
        "worker",
        None,
        database="main-db",
        database_name="agent",
        secrets=(MAIN_URL, OPENAI, ENVIRONMENT),
        env=("QDRANT_URL",),
        redis=True,
    ),
)
SETTINGS = {"QDRANT_URL": "https://qdrant.example"}
# The embedded environments (projects, sizes of the data tier, operations), with
# the settings and per-service sizes of BASE.
PRODUCTION = replace(
    embedded.PRODUCTION,
    settings=SETTINGS,
    services=ServiceSettings(sizes={"agent-service": ServiceSize(cpu="2", memory="2Gi")}),
    traffic=(),
)
STAGING = replace(
    embedded.STAGING, settings=SETTINGS, services=replace(embedded.STAGING.services, sizes={}), traffic=()
)
STATE_BUCKET = "mindmirror-terraform-state"


def catalog(base: Catalog | None = None, **changes: Any) -> Catalog:
    """``base`` (default: the tests' own catalog) with some of its top-level fields replaced."""
    fields: dict[str, Any] = (
        dict(base.__dict__)
        if base is not None
        else {
            "secrets": SECRETS,
            "databases": DATABASES,
            "services": SERVICES,
            "environments": (PRODUCTION, STAGING),
            "state_bucket": STATE_BUCKET,
        }
    )
    fields.update(changes)
    return Catalog(**fields)


BASE = catalog()
# For tests that compare a variant with the committed output of the embedded system.
EMBEDDED = embedded.mindmirror()


def small() -> Catalog:
    """BASE cut down to one workload of each kind the delivery scripts treat apart: a public
    service, a private service with a database, a worker, and their instance's migration job."""
    keep = {GATEWAY, "agent-service", "celery-worker"}
    services = tuple(s for s in SERVICES if s.name in keep)
    databases = tuple(d for d in DATABASES if d.instance in {s.database for s in services})
    urls = {d.url_secret for d in DATABASES} - {d.url_secret for d in databases}
    environments = tuple(
        replace(env, usage=replace(env.usage, traffic={k: v for k, v in env.usage.traffic.items() if k in keep}))
        for env in (PRODUCTION, STAGING)
    )
    secrets = tuple(s for s in SECRETS if s.id not in urls)
    return catalog(services=services, databases=databases, secrets=secrets, environments=environments)


def with_service(name: str, base: Catalog = BASE, **changes: Any) -> Catalog:
    """``base`` with one service changed (built anew, so it validates)."""
    services = tuple(Service(**{**s.__dict__, **changes}) if s.name == name else s for s in base.services)
    return catalog(base, services=services)


def with_production(base: Catalog = BASE, **changes: Any) -> Catalog:
    """``base`` with production's settings changed."""
    production, *others = base.environments
    return catalog(base, environments=(Environment(**{**production.__dict__, **changes}), *others))


def with_production_part(part: str, base: Catalog = BASE, **changes: Any) -> Catalog:
    """Production of ``base`` with one settings group (``network``, ``database``, ...) changed."""
    group = replace(getattr(base.environments[0], part), **changes)
    return with_production(base, **{part: group})


def extended() -> Catalog:
    """The embedded catalog plus what a new user adds in one edit: an HTTP service with its own
    instance and URL secret, a new secret mounted only into it, and the gateway as its invoker.

    Tests that derive their expectations from the catalog pass on it unchanged.
    Its names (``notes-service``, ``notes-db``, ...) take a number when the
    embedded catalog already has them.
    """
    base = embedded.mindmirror()
    taken = {s.name for s in base.services} | {d.instance for d in base.databases} | {s.id for s in base.secrets}
    stem = next(
        stem
        for stem in ("notes", *(f"notes{n}" for n in range(2, 100)))
        if not {f"{stem}-service", f"{stem}-db", f"{stem}-database-url", f"{stem}-api-key"} & taken
    )
    url = Secret(f"{stem}-database-url", f"Connection URL of {stem}-db")
    key = Secret(f"{stem}-api-key", "API key of the notes provider")
    database = Database(f"{stem}-db", (stem,), url_secret=url.id)
    service = Service(
        f"{stem}-service",
        "http",
        8010,
        database=database.instance,
        secrets=(SecretMount("database", url.id), SecretMount("notes", key.id), ENVIRONMENT),
        invokers=(embedded.GATEWAY,),
    )
    return replace(
        base,
        secrets=(*base.secrets, url, key),
        databases=(*base.databases, database),
        services=(*base.services, service),
    )


# Real-looking values for what the embedded catalog leaves as placeholders.
REAL_SETTINGS = {"QDRANT_URL": "https://3f1c.us-east4-0.gcp.cloud.qdrant.io"}
REAL_EMAILS = ("ops@mindmirror.app",)


def deployable() -> Catalog:
    """The embedded catalog with its placeholders replaced: what `mminfra plan` accepts."""
    return catalog(
        EMBEDDED,
        environments=tuple(
            replace(
                env,
                settings={**env.settings, **REAL_SETTINGS},
                operations=replace(env.operations, notification_emails=REAL_EMAILS),
            )
            for env in EMBEDDED.environments
        ),
    )
