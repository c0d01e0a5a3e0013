"""Catalogs of a chosen size, to show how synthesis cost grows with the system.

Each service has its own database (so its own migration job), its own URL
secret, and mounts the shared JWT and environment secrets.
"""

from __future__ import annotations

from dataclasses import replace

from mindmirror_infra.catalog import Catalog, Database, Secret, SecretMount, Service, ServiceSettings
from mindmirror_infra.catalog import mindmirror as embedded

SHARED_SECRETS = (
    Secret("jwt-secret", "Key that signs user tokens"),
    Secret("environment", "The environment name"),
)


def sized(count: int) -> Catalog:
    """A valid catalog of ``count`` HTTP services, each with a database, secrets and a job."""
    names = [f"s{i:04d}" for i in range(count)]
    databases = tuple(Database(f"{name}-db", ("app",), url_secret=f"{name}-database-url") for name in names)
    services = tuple(
        Service(
            f"{name}-service",
            "http",
            8000,
            database=f"{name}-db",
            secrets=(
                SecretMount("database", f"{name}-database-url"),
                SecretMount("jwt", "jwt-secret"),
                SecretMount("environment", "environment"),
            ),
        )
        for name in names
    )
    secrets = SHARED_SECRETS + tuple(Secret(d.url_secret, f"Connection URL of {d.instance}") for d in databases)
    environments = tuple(
        # The embedded usage names the embedded services: each sized service takes the default traffic.
        replace(
            env,
            services=ServiceSettings(),
            traffic=(),
            usage=replace(env.usage, traffic={}),
            database_overrides={},
            # 200 services on Direct VPC egress need about 19,000 addresses (catalog/sizing.py).
            network=replace(env.network, subnet_cidr="10.128.0.0/16"),
        )
        for env in (embedded.PRODUCTION, embedded.STAGING)
    )
    return Catalog(
        secrets=secrets,
        databases=databases,
        services=services,
        environments=environments,
        state_bucket="mindmirror-terraform-state",
    )


def services_10() -> Catalog:
    return sized(10)


def services_50() -> Catalog:
    return sized(50)


def services_200() -> Catalog:
    return sized(200)
