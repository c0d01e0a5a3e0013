"""The data tier of each environment: the four Cloud SQL instances and the documents bucket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mindmirror_infra.catalog import Catalog, DatabaseSettings
from tests import variants
from tests.conftest import System
from tests.synth import Config, resources
from tests.test_catalog import refused

ENVS = ["production", "staging"]


def address(name: str) -> str:
    return name.replace("-", "_")


def test_an_instance_per_catalog_database_with_its_databases(system: System) -> None:
    catalog = system.catalog
    for config in system.stacks.values():
        instances = resources(config, "google_sql_database_instance")
        assert {a: i["name"] for a, i in instances.items()} == {
            address(d.instance): d.instance for d in catalog.databases
        }
        databases = resources(config, "google_sql_database")
        expected = {
            f"{address(d.instance)}_{name}": (address(d.instance), name)
            for d in catalog.databases
            for name in d.databases
        }
        assert sorted(databases) == sorted(expected)
        for key, (instance, name) in expected.items():
            assert databases[key]["name"] == name
            assert databases[key]["instance"] == f"${{google_sql_database_instance.{instance}.name}}"


def test_each_environment_sizes_its_instances(stacks: dict[str, Config], catalog: Any) -> None:
    for env in catalog.environments:
        sizing = env.database
        for instance in resources(stacks[env.name], "google_sql_database_instance").values():
            assert instance["settings"]["tier"] == sizing.tier
            assert instance["settings"]["availability_type"] == ("REGIONAL" if sizing.high_availability else "ZONAL")
            assert instance["settings"]["disk_size"] == sizing.disk_size_gb
            assert instance["project"] == env.project_id


def test_production_is_highly_available_and_staging_is_not(catalog: Any) -> None:
    assert catalog.environment("production").database.high_availability is True
    assert catalog.environment("staging").database.high_availability is False


@pytest.mark.parametrize("env", ENVS)
def test_every_instance_has_the_settings_of_the_issue(stacks: dict[str, Config], env: str, catalog: Catalog) -> None:
    environment = catalog.environment(env)
    for instance in resources(stacks[env], "google_sql_database_instance").values():
        settings = instance["settings"]
        assert instance["database_version"] == "POSTGRES_18"
        assert settings["edition"] == "ENTERPRISE"
        assert settings["ip_configuration"] == {
            "ipv4_enabled": False,
            "private_network": "${google_compute_network.vpc.id}",
            "ssl_mode": "ENCRYPTED_ONLY",
        }
        assert instance["depends_on"] == ["google_service_networking_connection.private_services"]
        backups = settings["backup_configuration"]
        assert (backups["enabled"], backups["start_time"], backups["point_in_time_recovery_enabled"]) == (
            True,
            "03:00",
            True,
        )
        assert backups["backup_retention_settings"] == {"retained_backups": 7, "retention_unit": "COUNT"}
        flags = {f["name"]: f["value"] for f in settings["database_flags"]}
        assert flags["max_connections"] == str(environment.database_settings(instance["name"]).max_connections)
        assert flags["log_connections"] == flags["log_disconnections"] == flags["cloudsql.enable_pgaudit"] == "on"
        assert flags["log_min_duration_statement"] == "-1"
        assert settings["maintenance_window"] == {"day": 7, "hour": 4, "update_track": "stable"}
        assert settings["insights_config"]["query_insights_enabled"] is True
        assert instance["deletion_protection"] is True
        assert settings["deletion_protection_enabled"] is True
        assert instance["lifecycle"] == {"prevent_destroy": True}


@pytest.mark.parametrize("env", ENVS)
def test_documents_bucket_is_named_after_the_project(stacks: dict[str, Config], env: str, catalog: Any) -> None:
    settings = catalog.environment(env)
    project = settings.project_id
    buckets = resources(stacks[env], "google_storage_bucket")
    assert list(buckets) == ["documents"]
    bucket = buckets["documents"]
    assert (bucket["name"], bucket["location"], bucket["project"]) == (f"{project}-documents", settings.region, project)
    assert bucket["uniform_bucket_level_access"] is True
    assert bucket["public_access_prevention"] == "enforced"
    assert bucket["versioning"] == {"enabled": True}
    assert bucket["force_destroy"] is False
    assert bucket["lifecycle"] == {"prevent_destroy": True}


def test_documents_bucket_name_can_be_set(catalog: Any) -> None:
    changed = variants.with_production(documents_bucket="mindmirror-docs")
    assert changed.environment("production").documents_bucket == "mindmirror-docs"
    staging = catalog.environment("staging")
    assert staging.documents_bucket == f"{staging.project_id}-documents"


DB = "environments[production].database"
BAD_SETTINGS: list[tuple[str, Callable[[], Any], str, str, str]] = [
    (
        "predefined tier",
        lambda: variants.with_production_part("database", tier="db-n1-standard-2"),
        f"{DB}.tier",
        "db-n1-standard-2",
        "db-custom-<vCPUs>-<memory MB>",
    ),
    (
        "odd vCPUs",
        lambda: variants.with_production_part("database", tier="db-custom-3-7680"),
        f"{DB}.tier",
        "db-custom-3-7680",
        "even number",
    ),
    (
        "memory out of range for the vCPUs",
        lambda: variants.with_production_part("database", tier="db-custom-1-7680"),
        f"{DB}.tier",
        "db-custom-1-7680",
        "from 3840 to 6656 MB",
    ),
    (
        "backup time not HH:MM",
        lambda: variants.with_production_part("database", backup_start_time="3:00"),
        f"{DB}.backup_start_time",
        "3:00",
        "'HH:MM'",
    ),
    (
        "max_connections out of range",
        lambda: variants.with_production_part("database", max_connections=10),
        f"{DB}.max_connections",
        "10",
        "from 14 to 262143",
    ),
    (
        "no retained backups",
        lambda: variants.with_production_part("database", retained_backups=0),
        f"{DB}.retained_backups",
        "0",
        "from 1 to 365",
    ),
    (
        "maintenance day 8",
        lambda: variants.with_production_part("database", maintenance_day=8),
        f"{DB}.maintenance_day",
        "8",
        "from 1 to 7",
    ),
    (
        "maintenance hour -1",
        lambda: variants.with_production_part("database", maintenance_hour=-1),
        f"{DB}.maintenance_hour",
        "-1",
        "from 0 to 23",
    ),
    (
        "disk below 10 GB",
        lambda: variants.with_production_part("database", disk_size_gb=9),
        f"{DB}.disk_size_gb",
        "9",
        "from 10 to 65536",
    ),
    (
        "bad documents bucket",
        lambda: variants.with_production(documents_bucket="Documents"),
        "environments[production].documents_bucket",
        "Documents",
        "3-63",
    ),
]


@pytest.mark.parametrize(
    ("build", "field", "value", "allowed"), [c[1:] for c in BAD_SETTINGS], ids=[c[0] for c in BAD_SETTINGS]
)
def test_bad_database_settings_are_refused_at_catalog_build(
    build: Callable[[], Any], field: str, value: str, allowed: str
) -> None:
    refused(build, field, value, allowed)


def test_default_database_settings_are_the_strategy_sizes() -> None:
    settings = DatabaseSettings()
    assert (settings.tier, settings.backup_start_time, settings.retained_backups, settings.max_connections) == (
        "db-custom-2-7680",
        "03:00",
        7,
        100,
    )
