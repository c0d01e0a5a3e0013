"""The data plane: Redis, Direct VPC sizing, per-database settings, the connection budget, alerts."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest

from mindmirror_infra.catalog import Catalog, DatabaseOverride, Service
from mindmirror_infra.catalog.sizing import direct_vpc_addresses, direct_vpc_workloads
from mindmirror_infra.constructs.addresses import address_name
from mindmirror_infra.errors import InvalidConfig
from mindmirror_infra.validation import check_url_without_credentials, sql_connection_limit
from tests import variants
from tests.synth import Config, resources, synth_environment

ENVS = ["production", "staging"]
ROLLBACK = "redeploy a previous image digest or run the rollback workflow"


def persistence_of(persistence: str, period: str) -> dict[str, Any]:
    if persistence == "AOF":
        return {"mode": "AOF", "aof_config": {"append_fsync": "EVERY_SEC"}}
    if persistence == "RDB":
        return {"mode": "RDB", "rdb_config": {"rdb_snapshot_period": period}}
    return {"mode": "DISABLED"}


# --- Redis ----------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_redis_is_private_encrypted_iam_authenticated_protected_and_sized_by_the_environment(
    stacks: dict[str, Config], env: str, catalog: Catalog
) -> None:
    settings = catalog.environment(env)
    cache = settings.redis
    instances = resources(stacks[env], "google_memorystore_instance")
    assert list(instances) == [address_name(cache.instance_id)]
    instance = instances[address_name(cache.instance_id)]
    instance.pop("//")
    assert instance == {
        "project": settings.project_id,
        "location": settings.region,
        "instance_id": cache.instance_id,
        "mode": "CLUSTER_DISABLED",
        "shard_count": 1,
        "node_type": cache.node_type,
        "replica_count": cache.replica_count,
        "engine_version": cache.engine_version,
        "transit_encryption_mode": "SERVER_AUTHENTICATION",
        "authorization_mode": "IAM_AUTH",
        "desired_auto_created_endpoints": [
            {"network": "${google_compute_network.vpc.id}", "project_id": settings.project_id}
        ],
        "persistence_config": persistence_of(cache.persistence, cache.rdb_snapshot_period),
        "maintenance_policy": {
            "weekly_maintenance_window": [
                {"day": "SUNDAY", "start_time": {"hours": 5, "minutes": 0, "seconds": 0, "nanos": 0}}
            ]
        },
        "deletion_protection_enabled": True,
        "deletion_policy": "PREVENT",
        "lifecycle": {"prevent_destroy": True},
        "depends_on": ["google_network_connectivity_service_connection_policy.memorystore"],
    }
    policy = resources(stacks[env], "google_network_connectivity_service_connection_policy")["memorystore"]
    assert policy["service_class"] == "gcp-memorystore"
    assert policy["network"] == "${google_compute_network.vpc.id}"
    assert policy["psc_config"] == {"subnetworks": ["${google_compute_subnetwork.subnet.id}"]}
    assert policy["location"] == settings.region


def test_production_redis_keeps_every_write_and_a_replica_staging_snapshots_alone(catalog: Catalog) -> None:
    production, staging = catalog.environment("production").redis, catalog.environment("staging").redis
    assert (production.persistence, production.replica_count) == ("AOF", 1)
    assert (staging.persistence, staging.replica_count, staging.node_type) == ("RDB", 0, "SHARED_CORE_NANO")


@pytest.mark.parametrize("env", ENVS)
def test_no_auth_string_and_no_literal_redis_address_anywhere(stacks: dict[str, Config], env: str) -> None:
    text = json.dumps(stacks[env])
    assert "auth_string" not in text
    assert "google_redis_instance" not in text
    assert "redis://" not in text
    assert "10.0.0.3" not in text


@pytest.mark.parametrize("env", ENVS)
def test_only_the_redis_users_may_connect_and_only_to_this_instance(
    stacks: dict[str, Config], env: str, catalog: Catalog
) -> None:
    settings = catalog.environment(env)
    grants = [
        g
        for g in resources(stacks[env], "google_project_iam_member").values()
        if g["role"] == "roles/memorystore.dbConnectionUser"
    ]
    expected = f"projects/{settings.project_id}/locations/{settings.region}/instances/{settings.redis.instance_id}"
    assert sorted(g["member"] for g in grants) == sorted(
        f"serviceAccount:${{google_service_account.{address_name(s.name)}.email}}" for s in catalog.redis_users
    )
    for grant in grants:
        assert grant["condition"]["expression"] == f'resource.name == "{expected}"'


def test_a_system_without_redis_users_gets_no_instance_no_grant_and_no_alert() -> None:
    without = variants.catalog(services=tuple(replace(s, redis=False) for s in variants.catalog().services))
    config = synth_environment(without, "production")
    assert resources(config, "google_memorystore_instance") == {}
    assert resources(config, "google_network_connectivity_service_connection_policy") == {}
    assert "memorystore" not in json.dumps(resources(config, "google_project_iam_member"))
    assert "redis_memory" not in resources(config, "google_monitoring_alert_policy")


# --- Direct VPC sizing ----------------------------------------------------------------------


@pytest.mark.parametrize(("instances", "addresses"), [(1, 32), (8, 32), (9, 64), (10, 64), (100, 416)])
def test_direct_vpc_reserves_two_addresses_per_instance_in_blocks_of_16_twice_during_a_deploy(
    instances: int, addresses: int
) -> None:
    assert direct_vpc_addresses(instances) == addresses


@pytest.mark.parametrize("env", ENVS)
def test_every_workload_counts_against_the_subnet_when_services_use_direct_vpc(catalog: Catalog, env: str) -> None:
    environment = catalog.environment(env)
    counted = direct_vpc_workloads(catalog, environment)
    assert set(counted) == {s.name for s in catalog.services} | {j.name for j in catalog.migration_jobs}
    chosen = replace(environment, network=replace(environment.network, service_egress="connector"))
    assert set(direct_vpc_workloads(catalog, chosen)) == {s.name for s in catalog.services if s.kind == "worker"}


# --- per-database settings and the connection budget -----------------------------------------


def test_an_override_changes_its_instance_only_and_adds_its_flags() -> None:
    changed = variants.with_production(
        database_overrides={
            **variants.catalog().environment("production").database_overrides,
            "users-db": DatabaseOverride(
                tier="db-custom-4-15360",
                high_availability=False,
                disk_size_gb=50,
                max_connections=300,
                flags={"work_mem": "16384"},
            ),
        }
    )
    config = synth_environment(changed, "production")
    default = changed.environment("production").database
    for name, instance in resources(config, "google_sql_database_instance").items():
        if name == "main_db":
            continue  # its own override (max_connections) is the embedded catalog's
        settings = instance["settings"]
        flags = {f["name"]: f["value"] for f in settings["database_flags"]}
        if name == "users_db":
            assert (settings["tier"], settings["availability_type"], settings["disk_size"]) == (
                "db-custom-4-15360",
                "ZONAL",
                50,
            )
            assert (flags["max_connections"], flags["work_mem"]) == ("300", "16384")
        else:
            assert (settings["tier"], settings["availability_type"], settings["disk_size"]) == (
                default.tier,
                "REGIONAL",
                default.disk_size_gb,
            )
            assert "work_mem" not in flags


@pytest.mark.parametrize("env", ENVS)
def test_every_instance_fits_its_workloads_at_full_scale(catalog: Catalog, env: str) -> None:
    environment = catalog.environment(env)
    for database in catalog.databases:
        settings = environment.database_settings(database.instance)
        per_instance = sum(
            (environment.services.worker_instances if s.kind == "worker" else environment.services.max_instances)
            * s.database_pool_size
            for s in catalog.services
            if s.database == database.instance
        )
        assert per_instance + 2 + settings.reserved_connections <= settings.max_connections
        assert settings.max_connections <= sql_connection_limit(settings.tier)


def test_the_refusal_names_the_instance_the_workloads_and_the_numbers() -> None:
    with pytest.raises(InvalidConfig) as caught:
        variants.with_production_part("services", max_instances=30)
    error = caught.value
    assert error.field == "environments[production].database_overrides[main-db].max_connections"
    assert error.value == 250
    users = [s for s in variants.catalog().services if s.database == "main-db"]
    terms = " + ".join(f"{s.name} {1 if s.kind == 'worker' else 30}x{s.database_pool_size}" for s in users)
    needed = sum((1 if s.kind == "worker" else 30) * s.database_pool_size for s in users) + 2 + 10
    assert error.allowed.startswith(f"main-db needs {needed} connections ({terms} + migrate-main 1x2 + 10 reserved)")


@pytest.mark.parametrize(
    ("tier", "limit"),
    [
        ("db-f1-micro", 25),
        ("db-g1-small", 50),
        ("db-custom-1-3840", 100),
        ("db-custom-2-7680", 400),
        ("db-custom-4-15360", 500),
        ("db-custom-16-61440", 800),
        ("db-custom-32-122880", 1000),
    ],
)
def test_max_connections_limit_follows_the_tier_memory(tier: str, limit: int) -> None:
    assert sql_connection_limit(tier) == limit


def test_a_workload_receives_its_pool_size() -> None:
    service = Service("pooled-service", "http", 8000, database="users-db", database_pool_size=3)
    assert service.database_pool_size == 3


# --- alerts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_data_alerts_cover_every_instance_job_redis_and_the_error_metric(
    stacks: dict[str, Config], env: str, catalog: Catalog
) -> None:
    environment = catalog.environment(env)
    policies = resources(stacks[env], "google_monitoring_alert_policy")
    expected = {"cloud_sql_cpu", "cloud_sql_memory", "cloud_sql_disk", "migration_job_failed", "redis_memory"}
    expected |= {f"cloud_sql_connections_{address_name(d.instance)}" for d in catalog.databases}
    expected.add("error_log_entries")
    assert expected <= set(policies)
    share = environment.operations.sql_utilization
    for database in catalog.databases:
        limit = environment.database_settings(database.instance).max_connections
        condition = policies[f"cloud_sql_connections_{address_name(database.instance)}"]["conditions"][0]
        threshold = condition["condition_threshold"]
        assert threshold["threshold_value"] == round(limit * share)
        assert threshold["filter"] == (
            'metric.type="cloudsql.googleapis.com/database/postgresql/num_backends" AND '
            'resource.type="cloudsql_database" AND '
            f'resource.label.database_id="{environment.project_id}:{database.instance}"'
        )
    jobs = policies["migration_job_failed"]["conditions"][0]["condition_threshold"]
    names = ", ".join(f'"{j.name}"' for j in catalog.migration_jobs)
    assert jobs["filter"].endswith(f'resource.label.job_name=one_of({names}) AND metric.label.result="failed"')
    assert (jobs["comparison"], jobs["threshold_value"], jobs["duration"]) == ("COMPARISON_GT", 0, "0s")
    redis = policies["redis_memory"]["conditions"][0]["condition_threshold"]
    assert redis["threshold_value"] == environment.operations.redis_memory_utilization
    assert f'resource.label.instance_id="{environment.redis.instance_id}"' in redis["filter"]
    metric = next(iter(resources(stacks[env], "google_logging_metric").values()))["name"]
    errors = policies["error_log_entries"]["conditions"][0]["condition_threshold"]
    assert errors["filter"].startswith(f'metric.type="logging.googleapis.com/user/{metric}"')
    assert errors["threshold_value"] == environment.operations.error_log_entries_per_minute


@pytest.mark.parametrize("env", ENVS)
def test_every_data_alert_notifies_and_carries_a_runbook_without_manual_traffic_changes(
    stacks: dict[str, Config], env: str
) -> None:
    policies = resources(stacks[env], "google_monitoring_alert_policy")
    channels = sorted(
        f"${{google_monitoring_notification_channel.{n}.name}}"
        for n in resources(stacks[env], "google_monitoring_notification_channel")
    )
    data = [p for name, p in policies.items() if name.startswith(("cloud_sql_", "migration_", "redis_", "error_log"))]
    assert data
    for policy in data:
        assert sorted(policy["notification_channels"]) == channels
        content = policy["documentation"]["content"]
        assert policy["documentation"]["mime_type"] == "text/markdown"
        assert "gcloud " in content
        assert "update-traffic" not in content
        # Cloud Monitoring's variables are escaped from OpenTofu's interpolation.
        assert not re.search(r"(?<!\$)\$\{(resource|metric)\.", content)
    for name in ("cloud_sql_cpu", "migration_job_failed", "redis_memory", "error_log_entries"):
        assert ROLLBACK in policies[name]["documentation"]["content"]


def test_a_url_built_from_an_expression_is_checked_on_its_literal_text() -> None:
    built = 'rediss://${[for c in x.endpoints : c if c.type == "PRIMARY"][0].ip}:${x.port}'
    check_url_without_credentials("env[REDIS_URL]", built)
    with pytest.raises(InvalidConfig) as caught:
        check_url_without_credentials("env[REDIS_URL]", "rediss://user:pw@${x.ip}:6379")
    assert caught.value.field == "env[REDIS_URL]"
