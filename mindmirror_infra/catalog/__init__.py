"""The catalog: plain, validated data describing the system and its environments."""

from mindmirror_infra.catalog.catalog import (
    APPLIER_ACCOUNT_ID,
    DEPLOYER_ACCOUNT_ID,
    ENVIRONMENT_SECRET,
    MIGRATIONS_IMAGE,
    PLANNER_ACCOUNT_ID,
    Catalog,
)
from mindmirror_infra.catalog.environment import (
    DatabaseOverride,
    DatabaseSettings,
    Environment,
    NetworkSettings,
    OperationsSettings,
    RedisSettings,
    RegistrySettings,
    ServiceSettings,
    ServiceSize,
    TrafficSplit,
)
from mindmirror_infra.catalog.github import GitHubRepository
from mindmirror_infra.catalog.system import (
    DATABASE_NAME_VARIABLE,
    DATABASE_NAMES_VARIABLE,
    DATABASE_POOL_SIZE_VARIABLE,
    REDIS_CA_VARIABLE,
    REDIS_URL_VARIABLE,
    Database,
    MigrationJob,
    Secret,
    SecretMount,
    Service,
)
from mindmirror_infra.catalog.usage import Traffic, UsageAssumptions

__all__ = [
    "APPLIER_ACCOUNT_ID",
    "DATABASE_NAMES_VARIABLE",
    "DATABASE_NAME_VARIABLE",
    "DATABASE_POOL_SIZE_VARIABLE",
    "DEPLOYER_ACCOUNT_ID",
    "ENVIRONMENT_SECRET",
    "MIGRATIONS_IMAGE",
    "PLANNER_ACCOUNT_ID",
    "REDIS_CA_VARIABLE",
    "REDIS_URL_VARIABLE",
    "Catalog",
    "Database",
    "DatabaseOverride",
    "DatabaseSettings",
    "Environment",
    "GitHubRepository",
    "MigrationJob",
    "NetworkSettings",
    "OperationsSettings",
    "RedisSettings",
    "RegistrySettings",
    "Secret",
    "SecretMount",
    "Service",
    "ServiceSettings",
    "ServiceSize",
    "Traffic",
    "TrafficSplit",
    "UsageAssumptions",
]
