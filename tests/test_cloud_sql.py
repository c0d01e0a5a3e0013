"""The Cloud SQL construct: every setting of the instance, its databases, its grant, and what it refuses."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from cdktn import TerraformStack
from cdktn_provider_google.compute_network import ComputeNetwork

from mindmirror_infra.constructs.cloud_sql import LOGGING_FLAGS, CloudSqlInstance, CloudSqlInstanceProps
from mindmirror_infra.constructs.service_account import ServiceAccount, ServiceAccountProps
from mindmirror_infra.errors import InvalidConfig
from tests.construct_synth import synth_in_stack
from tests.synth import Config, resources

PROPS = CloudSqlInstanceProps(
    project_id="acme-prod",
    region="europe-west1",
    name="orders-db",
    databases=("orders", "billing"),
    network_id="${google_compute_network.vpc.id}",
)


def build(stack: TerraformStack, props: CloudSqlInstanceProps = PROPS) -> CloudSqlInstance:
    peering = ComputeNetwork(stack, "peering", name="peering")
    peering.override_logical_id("peering")
    instance = CloudSqlInstance(stack, "sql", props, private_services_connection=peering)
    account = ServiceAccount(stack, "account", ServiceAccountProps(project_id="acme-prod", account_id="orders-api"))
    first = instance.grant_connect(account)
    assert instance.grant_connect(account) is first
    return instance


@pytest.fixture(scope="module")
def config() -> Config:
    return synth_in_stack(build)


@pytest.fixture(scope="module")
def instance(config: Config) -> dict[str, Any]:
    found: dict[str, Any] = resources(config, "google_sql_database_instance")["orders_db"]
    return found


def test_instance_is_postgres_18_enterprise_with_the_given_tier_and_ha(instance: dict[str, Any]) -> None:
    assert instance["name"] == "orders-db"
    assert instance["project"] == "acme-prod"
    assert instance["region"] == "europe-west1"
    assert instance["database_version"] == "POSTGRES_18"
    settings = instance["settings"]
    assert settings["edition"] == "ENTERPRISE"
    assert settings["tier"] == "db-custom-2-7680"
    assert settings["availability_type"] == "REGIONAL"
    assert (settings["disk_type"], settings["disk_size"], settings["disk_autoresize"]) == ("PD_SSD", 20, True)


def test_instance_is_private_only_attached_to_the_vpc_after_the_peering(instance: dict[str, Any]) -> None:
    ip = instance["settings"]["ip_configuration"]
    assert ip == {
        "ipv4_enabled": False,
        "private_network": "${google_compute_network.vpc.id}",
        "ssl_mode": "ENCRYPTED_ONLY",
    }
    assert instance["depends_on"] == ["google_compute_network.peering"]
    assert "root_password" not in instance


def test_backups_daily_at_three_kept_seven_with_point_in_time_recovery(instance: dict[str, Any]) -> None:
    assert instance["settings"]["backup_configuration"] == {
        "enabled": True,
        "start_time": "03:00",
        "point_in_time_recovery_enabled": True,
        "transaction_log_retention_days": 7,
        "backup_retention_settings": {"retained_backups": 7, "retention_unit": "COUNT"},
    }
    assert instance["settings"]["retain_backups_on_delete"] is True


def test_flags_are_the_cis_logging_flags_and_max_connections(instance: dict[str, Any]) -> None:
    flags = {f["name"]: f["value"] for f in instance["settings"]["database_flags"]}
    assert flags == {
        "log_checkpoints": "on",
        "log_connections": "on",
        "log_disconnections": "on",
        "log_lock_waits": "on",
        "log_min_messages": "warning",
        "log_temp_files": "0",
        "log_min_duration_statement": "-1",
        "log_min_error_statement": "error",
        "log_error_verbosity": "default",
        "log_statement": "ddl",
        "cloudsql.enable_pgaudit": "on",
        "pgaudit.log": "ddl,role",
        "max_connections": "100",
    }
    assert len(instance["settings"]["database_flags"]) == len(LOGGING_FLAGS) + 1


def test_maintenance_window_query_insights_and_password_policy(instance: dict[str, Any]) -> None:
    settings = instance["settings"]
    assert settings["maintenance_window"] == {"day": 7, "hour": 4, "update_track": "stable"}
    assert settings["insights_config"] == {
        "query_insights_enabled": True,
        "query_string_length": 1024,
        "record_application_tags": True,
        "record_client_address": False,
    }
    assert settings["password_validation_policy"]["enable_password_policy"] is True
    assert settings["password_validation_policy"]["min_length"] == 16


def test_instance_is_protected_three_times(instance: dict[str, Any]) -> None:
    assert instance["deletion_protection"] is True
    assert instance["settings"]["deletion_protection_enabled"] is True
    assert instance["lifecycle"] == {"prevent_destroy": True}


def test_each_database_is_addressed_by_instance_and_name_and_never_dropped(config: Config) -> None:
    databases = resources(config, "google_sql_database")
    assert sorted(databases) == ["orders_db_billing", "orders_db_orders"]
    for name, database in databases.items():
        assert database["name"] == name.removeprefix("orders_db_")
        assert database["instance"] == "${google_sql_database_instance.orders_db.name}"
        assert database["lifecycle"] == {"prevent_destroy": True}
        assert database["deletion_policy"] == "ABANDON"


def test_grant_connect_is_cloudsql_client_limited_to_this_instance_once(config: Config) -> None:
    grants = resources(config, "google_project_iam_member")
    assert list(grants) == ['conditioned_grants["orders-api/roles/cloudsql.client/orders-db"]']
    grant = grants['conditioned_grants["orders-api/roles/cloudsql.client/orders-db"]']
    assert grant["role"] == "roles/cloudsql.client"
    assert grant["member"] == "serviceAccount:${google_service_account.orders_api.email}"
    assert grant["project"] == "acme-prod"
    assert grant["condition"]["title"] == "Only orders-db"
    assert grant["condition"]["expression"] == (
        'resource.name == "projects/acme-prod/instances/orders-db" '
        '&& resource.type == "sqladmin.googleapis.com/Instance"'
    )


def test_settings_follow_the_props() -> None:
    props = replace(
        PROPS,
        tier="db-custom-1-3840",
        high_availability=False,
        backup_start_time="01:30",
        retained_backups=14,
        max_connections=50,
        maintenance_day=1,
        maintenance_hour=2,
    )
    settings = synth_in_stack(lambda stack: build(stack, props))["resource"]["google_sql_database_instance"][
        "orders_db"
    ]["settings"]
    assert settings["tier"] == "db-custom-1-3840"
    assert settings["availability_type"] == "ZONAL"
    assert settings["backup_configuration"]["start_time"] == "01:30"
    assert settings["backup_configuration"]["backup_retention_settings"]["retained_backups"] == 14
    assert {"name": "max_connections", "value": "50"} in settings["database_flags"]
    assert settings["maintenance_window"] == {"day": 1, "hour": 2, "update_track": "stable"}


@pytest.mark.parametrize("tier", ["db-custom-1-3840", "db-custom-1-6656", "db-custom-2-7680", "db-custom-96-638976"])
def test_valid_custom_and_shared_tiers_are_accepted(tier: str) -> None:
    assert replace(PROPS, tier=tier).tier == tier
    assert replace(PROPS, tier="db-f1-micro").tier == "db-f1-micro"
    assert replace(PROPS, tier="db-g1-small").tier == "db-g1-small"


BAD_PROPS: list[tuple[str, dict[str, Any], str, str]] = [
    ("predefined tier", {"tier": "db-n1-standard-2"}, "tier", "'db-custom-<vCPUs>-<memory MB>'"),
    ("tier with memory in GB", {"tier": "db-custom-2-7.5"}, "tier", "'db-custom-<vCPUs>-<memory MB>'"),
    ("odd vCPU count", {"tier": "db-custom-3-7680"}, "tier", "even number of vCPUs up to 96"),
    ("too many vCPUs", {"tier": "db-custom-128-262144"}, "tier", "even number of vCPUs up to 96"),
    ("memory not a multiple of 256", {"tier": "db-custom-2-7000"}, "tier", "multiple of 256 MB from 3840 to 13312"),
    ("memory above 6.5 GB per vCPU", {"tier": "db-custom-1-6912"}, "tier", "from 3840 to 6656 MB"),
    ("memory below 0.9 GB per vCPU", {"tier": "db-custom-16-14336"}, "tier", "from 14848 to 106496 MB"),
    ("memory below 3.75 GB", {"tier": "db-custom-2-3584"}, "tier", "at least 3840 MB"),
    ("backup time not HH:MM", {"backup_start_time": "3am"}, "backup_start_time", "'HH:MM'"),
    ("backup time out of the day", {"backup_start_time": "24:00"}, "backup_start_time", "'HH:MM'"),
    ("max_connections too low", {"max_connections": 5}, "max_connections", "from 14 to 262143"),
    ("max_connections too high", {"max_connections": 300000}, "max_connections", "from 14 to 262143"),
    ("no backups kept", {"retained_backups": 0}, "retained_backups", "from 1 to 365"),
    ("log retention beyond 7 days", {"log_retention_days": 8}, "log_retention_days", "from 1 to 7"),
    ("maintenance day 0", {"maintenance_day": 0}, "maintenance_day", "from 1 to 7"),
    ("maintenance hour 24", {"maintenance_hour": 24}, "maintenance_hour", "from 0 to 23"),
    ("disk too small", {"disk_size_gb": 5}, "disk_size_gb", "from 10 to 65536"),
    ("instance name with underscore", {"name": "orders_db"}, "name", "lowercase letters"),
    ("no databases", {"databases": ()}, "databases", "at least one"),
    ("database with a hyphen", {"databases": ("order-lines",)}, "databases", "underscores"),
    ("duplicate database", {"databases": ("orders", "orders")}, "databases", "unique"),
]


@pytest.mark.parametrize(("changes", "field", "allowed"), [c[1:] for c in BAD_PROPS], ids=[c[0] for c in BAD_PROPS])
def test_bad_props_are_refused_naming_the_field(changes: dict[str, Any], field: str, allowed: str) -> None:
    with pytest.raises(InvalidConfig) as caught:
        replace(PROPS, **changes)
    assert caught.value.field == f"CloudSqlInstanceProps.{field}"
    assert allowed in caught.value.allowed
    assert "\n" not in str(caught.value)
