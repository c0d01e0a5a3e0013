"""Every rule the catalog enforces: each refusal names the field, the value and what is allowed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mindmirror_infra.catalog import (
    Catalog,
    Database,
    NetworkSettings,
    Secret,
    SecretMount,
    Service,
    ServiceSettings,
    ServiceSize,
)
from mindmirror_infra.errors import InvalidConfig
from tests import variants


def test_secret_mount_defaults_to_a_file_named_after_the_secret_under_its_volume() -> None:
    mount = SecretMount("database", "database-url")
    assert (mount.mount_path, mount.file) == ("/secrets/database", "database-url")


def refused(build: Callable[[], Any], field: str, value_fragment: str, allowed_fragment: str) -> None:
    with pytest.raises(InvalidConfig) as caught:
        build()
    error = caught.value
    assert error.field == field
    assert value_fragment in repr(error.value)
    assert allowed_fragment in error.allowed
    assert "\n" not in str(error)


HTTP: dict[str, Any] = {"kind": "http", "port": 8000}

CASES: list[tuple[str, Callable[[], Any], str, str, str]] = [
    # names legal for what they become
    ("service name with capitals", lambda: Service("Agent", **HTTP), "services[Agent].name", "Agent", "lowercase"),
    (
        "service name too long for Cloud Run",
        lambda: Service("a" * 50, **HTTP),
        f"services[{'a' * 50}].name",
        "aaa",
        "1-49",
    ),
    ("service name too short for an account id", lambda: Service("api", **HTTP), "services[api].name", "api", "6-30"),
    (
        "service name ending in a hyphen",
        lambda: Service("agent-", **HTTP),
        "services[agent-].name",
        "agent-",
        "not ending with a hyphen",
    ),
    (
        "database instance with underscore",
        lambda: Database("main_db", ("agent",), "database-url"),
        "databases[main_db].instance",
        "main_db",
        "lowercase letters",
    ),
    (
        "postgres database name with a hyphen",
        lambda: Database("main-db", ("agent-db",), "database-url"),
        "databases[main-db].databases",
        "agent-db",
        "underscores",
    ),
    (
        "instance without databases",
        lambda: Database("main-db", (), "x"),
        "databases[main-db].databases",
        "()",
        "at least one",
    ),
    (
        "duplicate database in an instance",
        lambda: Database("main-db", ("a", "a"), "x"),
        "databases[main-db].databases",
        "a",
        "unique",
    ),
    (
        "secret id with a dot",
        lambda: Secret("jwt.secret", "x"),
        "secrets[jwt.secret].id",
        "jwt.secret",
        "letters, digits",
    ),
    # ports
    ("port zero", lambda: Service("agent-service", "http", 0), "services[agent-service].port", "0", "1 to 65535"),
    (
        "port too high",
        lambda: Service("agent-service", "http", 70000),
        "services[agent-service].port",
        "70000",
        "65535",
    ),
    (
        "http service without port",
        lambda: Service("agent-service", "http", None),
        "services[agent-service].port",
        "None",
        "integer",
    ),
    (
        "worker with a port",
        lambda: Service("celery-worker", "worker", 80),
        "services[celery-worker].port",
        "80",
        "no port",
    ),
    ("unknown kind", lambda: Service("agent-service", "cron", None), "services[agent-service].kind", "cron", "'http'"),  # type: ignore[arg-type]
    # secrets
    (
        "mount outside /secrets",
        lambda: Service("agent-service", **HTTP, secrets=(SecretMount("db", "database-url", mount_path="/etc/db"),)),
        "services[agent-service].secrets[db].mount_path",
        "/etc/db",
        "under '/secrets/'",
    ),
    (
        "mount escaping /secrets",
        lambda: Service(
            "agent-service", **HTTP, secrets=(SecretMount("db", "database-url", mount_path="/secrets/../etc"),)
        ),
        "services[agent-service].secrets[db].mount_path",
        "/secrets/../etc",
        "under '/secrets/'",
    ),
    (
        "two volumes with one name",
        lambda: Service("agent-service", **HTTP, secrets=(SecretMount("db", "a"), SecretMount("db", "b"))),
        "services[agent-service].secrets.volume",
        "db",
        "unique",
    ),
    (
        "credential as a plain environment variable",
        lambda: Service("agent-service", **HTTP, env=("OPENAI_API_KEY",)),
        "services[agent-service].env",
        "OPENAI_API_KEY",
        "mount it from a secret",
    ),
    (
        "lower-case environment variable",
        lambda: Service("agent-service", **HTTP, env=("redis_url",)),
        "services[agent-service].env",
        "redis_url",
        "upper-case",
    ),
    # references
    (
        "unknown database",
        lambda: variants.with_service("habits-service", database="habit-db"),
        "services[habits-service].database",
        "habit-db",
        "'main-db'",
    ),
    (
        "service of a several-database instance without a database_name",
        lambda: variants.with_service("journal-service", database_name=None),
        "services[journal-service].database_name",
        "None",
        "main-db holds several databases; expected the one it uses, of 'agent', 'journal', 'habits', 'meals'",
    ),
    (
        "database_name not in the instance",
        lambda: variants.with_service("habits-service", database_name="movements"),
        "services[habits-service].database_name",
        "movements",
        "expected one of 'agent', 'habits', 'journal', 'meals'",
    ),
    (
        "database_name without a database",
        lambda: Service("mesh-gateway", **HTTP, database_name="agent"),
        "services[mesh-gateway].database_name",
        "agent",
        "a service without a database names none",
    ),
    (
        "database_name that PostgreSQL would refuse",
        lambda: Service("habits-service", **HTTP, database="main-db", database_name="habit-db"),
        "services[habits-service].database_name",
        "habit-db",
        "lower",
    ),
    (
        "the database variable set as a setting",
        lambda: Service("habits-service", **HTTP, env=("DATABASE_NAME",)),
        "services[habits-service].env",
        "DATABASE_NAME",
        "set by the stack",
    ),
    (
        "unknown secret",
        lambda: variants.with_service("web-app", secrets=(SecretMount("jwt", "jwt-secrets"),)),
        "services[web-app].secrets[jwt].secret",
        "jwt-secrets",
        "'jwt-secret'",
    ),
    (
        "database without its URL secret",
        lambda: variants.with_service("habits-service", secrets=(variants.JWT,)),
        "services[habits-service].secrets",
        "jwt-secret",
        "'database-url'",
    ),
    (
        "unknown invoker",
        lambda: variants.with_service("habits-service", invokers=("gateway",)),
        "services[habits-service].invokers",
        "gateway",
        "'mesh-gateway'",
    ),
    (
        "service invoking itself",
        lambda: variants.with_service("habits-service", invokers=("habits-service",)),
        "services[habits-service].invokers",
        "habits-service",
        "expected one of",
    ),
    (
        "undefined environment setting",
        lambda: variants.with_service("habits-service", env=("SENTRY_DSN",)),
        "services[habits-service].env",
        "SENTRY_DSN",
        "settings (QDRANT_URL)",
    ),
    (
        "database URL secret that does not exist",
        lambda: variants.catalog(databases=(Database("main-db", ("agent",), "main-url"), *variants.DATABASES[1:])),
        "databases[main-db].url_secret",
        "main-url",
        "'database-url'",
    ),
    # unique names
    (
        "duplicate service",
        lambda: variants.catalog(services=(*variants.SERVICES, variants.SERVICES[0])),
        "services.name",
        "agent-service",
        "unique",
    ),
    (
        "duplicate secret",
        lambda: variants.catalog(secrets=(*variants.SECRETS, variants.SECRETS[0])),
        "secrets.id",
        "database-url",
        "unique",
    ),
    (
        "service named like a migration job",
        lambda: variants.catalog(services=(*variants.SERVICES, Service("migrate-main", **HTTP))),
        "services[migrate-main].name",
        "migrate-main",
        "also that of databases[main-db].instance",
    ),
    (
        "missing environment secret",
        lambda: variants.catalog(secrets=variants.SECRETS[:-1]),
        "secrets",
        "database-url",
        "'environment'",
    ),
    # environments
    (
        "bad project id",
        lambda: variants.with_production(project_id="MindMirror"),
        "environments[production].project_id",
        "MindMirror",
        "6-30",
    ),
    (
        "bad region",
        lambda: variants.with_production(region="central"),
        "environments[production].region",
        "central",
        "us-central1",
    ),
    (
        "bad repository",
        lambda: variants.with_production(github_repository="mindmirror"),
        "environments[production].github_repository",
        "mindmirror",
        "owner/name",
    ),
    (
        "credentials in a setting URL",
        lambda: variants.with_production(settings={"REDIS_URL": "redis://user:hunter2@10.0.0.3:6379"}),
        "environments[production].settings[REDIS_URL]",
        "<redacted>",
        "without 'user:password@'",
    ),
    (
        "connector range not a /28",
        lambda: variants.with_production_part("network", connector_cidr="10.8.0.0/24"),
        "environments[production].network.connector_cidr",
        "10.8.0.0/24",
        "/28",
    ),
    (
        "public subnet range",
        lambda: variants.with_production_part("network", subnet_cidr="8.8.0.0/20"),
        "environments[production].network.subnet_cidr",
        "8.8.0.0/20",
        "private IPv4",
    ),
    (
        "overlapping ranges",
        lambda: variants.with_production_part("network", connector_cidr="10.0.0.16/28"),
        "environments[production].network.connector_cidr",
        "10.0.0.16/28",
        "overlap subnet_cidr",
    ),
    (
        "connector name too long",
        lambda: variants.with_production_part("network", connector_name="a-very-long-connector-name"),
        "environments[production].network.connector_name",
        "a-very-long-connector-name",
        "2-25",
    ),
    (
        "connector below two instances",
        lambda: variants.with_production_part("network", connector_min_instances=1),
        "environments[production].network.connector_min_instances",
        "1",
        "2 to 9",
    ),
    (
        "sizes naming an unknown service",
        lambda: variants.with_production(services=ServiceSettings(sizes={"agent": ServiceSize()})),
        "environments[production].services.sizes",
        "agent",
        "'agent-service'",
    ),
    (
        "min instances above max",
        lambda: variants.with_production(services=ServiceSettings(critical_min_instances=5, max_instances=2)),
        "environments[production].services.critical_min_instances",
        "5",
        "at most max_instances (2)",
    ),
    ("bad state bucket", lambda: variants.catalog(state_bucket="State_Bucket"), "state_bucket", "State_Bucket", "3-63"),
    (
        "no environments",
        lambda: variants.catalog(environments=()),
        "environments",
        "()",
        "at least one",
    ),
]


@pytest.mark.parametrize(("build", "field", "value", "allowed"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_catalog_is_refused_with_field_value_and_rule(
    build: Callable[[], Any], field: str, value: str, allowed: str
) -> None:
    refused(build, field, value, allowed)


def test_a_valid_variant_is_accepted() -> None:
    changed = variants.with_production_part("network", subnet_cidr="10.1.0.0/20")
    assert changed.environment("production").network.subnet_cidr == "10.1.0.0/20"
    assert NetworkSettings().connector_cidr == "10.8.0.0/28"


def test_a_service_uses_its_database_name_or_its_instances_only_database() -> None:
    catalog = variants.BASE
    assert catalog.database_name(catalog.service("journal-service")) == "journal"
    assert catalog.database_name(catalog.service("users-service")) == "users"
    assert catalog.database_name(catalog.service("mesh-gateway")) is None


def test_unknown_environment_is_refused(catalog: Catalog) -> None:
    names = ", ".join(e.name for e in catalog.environments)
    refused(lambda: catalog.environment("not-an-environment"), "--env", "not-an-environment", names)
