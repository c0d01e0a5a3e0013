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
    DatabaseSettings,
    Environment,
    NetworkSettings,
    OperationsSettings,
    RegistrySettings,
    ServiceSettings,
    ServiceSize,
    TrafficSplit,
)
from mindmirror_infra.catalog.github import GitHubRepository
from mindmirror_infra.catalog.system import (
    DATABASE_NAME_VARIABLE,
    DATABASE_NAMES_VARIABLE,
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
    "DEPLOYER_ACCOUNT_ID",
    "ENVIRONMENT_SECRET",
    "MIGRATIONS_IMAGE",
    "PLANNER_ACCOUNT_ID",
    "Catalog",
    "Database",
    "DatabaseSettings",
    "Environment",
    "GitHubRepository",
    "MigrationJob",
    "NetworkSettings",
    "OperationsSettings",
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
