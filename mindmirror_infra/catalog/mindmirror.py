"""The MindMirror platform: the one place to change what runs where.

Values the operating strategy (docs/operating-strategy.md) leaves open are marked *assumed*; correct them here.
"""

from __future__ import annotations

from mindmirror_infra.catalog.catalog import ENVIRONMENT_SECRET, Catalog
from mindmirror_infra.catalog.environment import (
    DatabaseOverride,
    DatabaseSettings,
    Environment,
    OperationsSettings,
    RedisSettings,
    RegistrySettings,
    ServiceSettings,
    ServiceSize,
)
from mindmirror_infra.catalog.github import GitHubRepository
from mindmirror_infra.catalog.system import Database, Secret, SecretMount, Service
from mindmirror_infra.catalog.usage import Traffic, UsageAssumptions

SECRETS = (
    Secret("database-url", "Connection URL of main-db (agent, journal, habits, meals)"),
    Secret("movements-database-url", "Connection URL of movements-db"),
    Secret("practices-database-url", "Connection URL of practices-db"),
    Secret("users-database-url", "Connection URL of users-db"),
    Secret("jwt-secret", "Key that signs and verifies user tokens"),
    Secret("openai-api-key", "OpenAI API key"),
    Secret("qdrant-api-key", "Qdrant Cloud API key"),
    Secret("supabase-service-role-key", "Supabase service role key"),
    Secret(ENVIRONMENT_SECRET, "The environment name: production or staging"),
)

# *assumed*: the services reach their databases with Python drivers (psycopg or
# asyncpg, under SQLAlchemy and Alembic) that support PostgreSQL 18, the version
# every instance runs (mindmirror_infra/constructs/cloud_sql.py, POSTGRES_VERSION).
DATABASES = (
    Database("main-db", ("agent", "journal", "habits", "meals"), url_secret="database-url"),
    Database("movements-db", ("movements",), url_secret="movements-database-url"),
    Database("practices-db", ("practices",), url_secret="practices-database-url"),
    Database("users-db", ("users",), url_secret="users-database-url"),
)

ENVIRONMENT = SecretMount("environment", ENVIRONMENT_SECRET)
JWT = SecretMount("jwt", "jwt-secret")
OPENAI = SecretMount("openai", "openai-api-key")
QDRANT = SecretMount("qdrant", "qdrant-api-key")


def database_url(secret: str) -> SecretMount:
    return SecretMount("database", secret)


GATEWAY = "mesh-gateway"

SERVICES = (
    Service(
        "agent-service",
        "http",
        8000,
        database="main-db",
        database_name="agent",
        secrets=(database_url("database-url"), JWT, OPENAI, QDRANT, ENVIRONMENT),
        env=("QDRANT_URL",),
        redis=True,  # its cache
        critical=True,  # *assumed*: the core of the product, kept warm
        invokers=(GATEWAY,),
        reads_documents=True,
    ),
    Service(
        "journal-service",
        "http",
        8001,
        database="main-db",
        database_name="journal",
        secrets=(database_url("database-url"), JWT, ENVIRONMENT),
        invokers=(GATEWAY,),
        reads_documents=True,
    ),
    Service(
        "habits-service",
        "http",
        8003,
        database="main-db",
        database_name="habits",
        secrets=(database_url("database-url"), JWT, ENVIRONMENT),
        invokers=(GATEWAY,),
    ),
    Service(
        "meals-service",  # database *assumed*: main-db / meals
        "http",
        8004,
        database="main-db",
        database_name="meals",
        secrets=(database_url("database-url"), JWT, ENVIRONMENT),
        invokers=(GATEWAY,),
    ),
    Service(
        "movements-service",
        "http",
        8005,
        database="movements-db",
        database_name="movements",
        secrets=(database_url("movements-database-url"), JWT, ENVIRONMENT),
        invokers=(GATEWAY,),
    ),
    Service(
        "practices-service",
        "http",
        8000,
        database="practices-db",
        database_name="practices",
        secrets=(database_url("practices-database-url"), JWT, ENVIRONMENT),
        invokers=(GATEWAY,),
    ),
    Service(
        "users-service",
        "http",
        8000,
        database="users-db",
        database_name="users",
        # *assumed*: users-service is the one that talks to Supabase.
        secrets=(
            database_url("users-database-url"),
            JWT,
            SecretMount("supabase", "supabase-service-role-key"),
            ENVIRONMENT,
        ),
        critical=True,  # *assumed*: every signed-in request needs it
        invokers=(GATEWAY,),
    ),
    Service(
        GATEWAY,
        "http",
        4000,  # *assumed*
        secrets=(JWT, ENVIRONMENT),
        public=True,
        critical=True,
    ),
    Service(
        "web-app",
        "http",
        3000,  # *assumed*
        secrets=(ENVIRONMENT,),
        public=True,
        critical=True,
    ),
    Service(
        "celery-worker",
        "worker",
        None,
        database="main-db",  # *assumed*
        database_name="agent",  # *assumed*
        secrets=(database_url("database-url"), OPENAI, QDRANT, ENVIRONMENT),
        env=("QDRANT_URL",),
        redis=True,  # Celery's broker and result backend
    ),
)

# *assumed*: the Qdrant cluster's address; the operating strategy leaves it as a
# placeholder, and `mminfra plan` refuses it until it is a real one. REDIS_URL is
# not a setting: the stack builds it from the Redis instance (Service.redis).
SETTINGS = {
    "QDRANT_URL": "https://mindmirror.qdrant.example",
}
# *assumed*: the name and both ids are placeholders. Before the first apply, read the
# real ids with `gh api repos/OWNER/NAME --jq '.id, .owner.id'` (docs/decisions/0018-workload-identity-trust.md).
GITHUB_REPOSITORY = GitHubRepository("mindmirror/mindmirror", id=123456789, owner_id=987654321)
# *assumed*: this project's own repository, whose workflow plans and applies the
# stacks; its name and id are placeholders too (docs/decisions/0019-planner-and-applier.md).
INFRASTRUCTURE_REPOSITORY = GitHubRepository("mindmirror/mindmirror-infra", id=123456790, owner_id=987654321)
NOTIFY = ("ops@mindmirror.example",)  # *assumed*

# *assumed*: a month of production traffic, for the cost estimate. The strategy
# counts 1M requests: every API request passes the gateway; the agent's
# requests wait on model calls. Each service not named here serves 125,000.
PRODUCTION_USAGE = UsageAssumptions(
    default_traffic=Traffic(requests_per_month=125_000, seconds_per_request=0.2),
    traffic={
        GATEWAY: Traffic(requests_per_month=1_000_000, seconds_per_request=0.25),
        "agent-service": Traffic(requests_per_month=125_000, seconds_per_request=2.0),
        "web-app": Traffic(requests_per_month=300_000, seconds_per_request=0.1),
    },
)
# *assumed*: staging serves tests and reviews only.
STAGING_USAGE = UsageAssumptions(
    default_traffic=Traffic(requests_per_month=10_000, seconds_per_request=0.2),
    secret_accesses_per_month=100_000,
    log_gib_per_month=2,
)
# Budgets follow from each environment's estimate, this share above it
# (docs/decisions/0014-cost-in-review.md); set budget_usd to fix one instead.
BUDGET_MARGIN = 0.25

PRODUCTION = Environment(
    name="production",
    project_id="mindmirror-prod",
    github_repository=GITHUB_REPOSITORY,
    infrastructure_repository=INFRASTRUCTURE_REPOSITORY,
    settings=SETTINGS,
    services=ServiceSettings(sizes={"agent-service": ServiceSize(cpu="2", memory="2Gi")}),
    # main-db serves four services of up to 10 instances, the worker and its
    # migration job: 217 connections at most (see catalog/sizing.py), within
    # the 400 Cloud SQL allows a 7.5 GB tier.
    database_overrides={"main-db": DatabaseOverride(max_connections=250)},
    operations=OperationsSettings(notification_emails=NOTIFY, budget_margin=BUDGET_MARGIN),
    usage=PRODUCTION_USAGE,
)

STAGING = Environment(
    name="staging",
    project_id="mindmirror-staging",  # *assumed*
    github_repository=GITHUB_REPOSITORY,
    infrastructure_repository=INFRASTRUCTURE_REPOSITORY,
    deploy_refs=("refs/heads/staging",),  # strategy: staging deploys from its branch
    settings={**SETTINGS, "QDRANT_URL": "https://mindmirror-staging.qdrant.example"},
    database=DatabaseSettings(tier="db-custom-1-3840", high_availability=False, disk_size_gb=10),
    redis=RedisSettings(node_type="SHARED_CORE_NANO", replica_count=0, persistence="RDB"),
    services=ServiceSettings(critical_min_instances=0, max_instances=3),
    registry=RegistrySettings(cleanup_dry_run=True),
    operations=OperationsSettings(
        notification_emails=NOTIFY,
        budget_margin=BUDGET_MARGIN,
        error_ratio=0.2,
        latency_p95_ms=5000,
        alert_duration_seconds=900,
    ),
    usage=STAGING_USAGE,
)


def mindmirror() -> Catalog:
    """The embedded MindMirror system, validated."""
    return Catalog(
        secrets=SECRETS,
        databases=DATABASES,
        services=SERVICES,
        environments=(PRODUCTION, STAGING),
        state_bucket="mindmirror-terraform-state",
    )
