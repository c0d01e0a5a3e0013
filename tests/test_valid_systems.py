"""Valid systems are not refused: no public service, workers alone, no database.

Each catalog is made from the embedded one and synthesized for one environment;
the stack holds what exists (alerts, uptime checks, instances) and nothing else.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from mindmirror_infra import validation
from mindmirror_infra.bootstrap.render import rendered_scripts
from mindmirror_infra.catalog import (
    ENVIRONMENT_SECRET,
    Catalog,
    Database,
    Environment,
    NetworkSettings,
    RedisSettings,
    Secret,
    SecretMount,
    Service,
    ServiceSettings,
)
from mindmirror_infra.catalog import mindmirror as embedded
from tests.synth import Config, resources, synth_configs


def production_for(workloads: tuple[Service, ...], **changes: Any) -> Environment:
    """Production with its per-service settings (sizes, traffic splits, usage) kept for ``workloads`` alone."""
    names = {s.name for s in workloads}
    http = {s.name for s in workloads if s.kind == "http"}
    production = embedded.PRODUCTION
    settings, usage = production.services, production.usage
    kept = replace(
        production,
        services=replace(settings, sizes={n: size for n, size in settings.sizes.items() if n in names}),
        traffic=tuple(t for t in production.traffic if t.service in http),
        usage=replace(usage, traffic={n: t for n, t in usage.traffic.items() if n in http}),
    )
    return replace(kept, **changes)


def production_only(services: tuple[Service, ...], **changes: object) -> Catalog:
    """The embedded catalog with ``services`` and production alone (its database overrides for the instances kept)."""
    databases: tuple[Database, ...] = changes.get("databases", embedded.DATABASES)  # type: ignore[assignment]
    kept = {d.instance for d in databases}
    overrides = {name: o for name, o in embedded.PRODUCTION.database_overrides.items() if name in kept}
    production = production_for(services, database_overrides=overrides)
    fields: dict[str, object] = {
        "secrets": embedded.SECRETS,
        "databases": embedded.DATABASES,
        "services": services,
        "environments": (production,),
        "state_bucket": "mindmirror-terraform-state",
    }
    return Catalog(**{**fields, **changes})  # type: ignore[arg-type]


def synthesized(catalog: Catalog, tmp_path: Path) -> Config:
    return synth_configs(catalog, tmp_path / "generated")["production"]


def policies(config: Config) -> set[str]:
    """The Cloud Run and uptime policies (the data plane's are tests/test_data_plane.py's)."""
    return {p for p in resources(config, "google_monitoring_alert_policy") if p.startswith(("cloud_run_", "uptime_"))}


SERVICE_POLICIES = {"cloud_run_error_ratio", "cloud_run_latency_p95", "cloud_run_cpu_utilization"}
WORKER_POLICY = "cloud_run_worker_pool_cpu_utilization"


def test_a_system_without_a_public_service_synthesizes_without_uptime_checks(tmp_path: Path) -> None:
    services = tuple(replace(s, public=False) for s in embedded.SERVICES)
    catalog = production_only(services)
    config = synthesized(catalog, tmp_path)
    assert resources(config, "google_monitoring_uptime_check_config") == {}
    has_workers = any(s.kind == "worker" for s in services)
    assert policies(config) == SERVICE_POLICIES | ({WORKER_POLICY} if has_workers else set())
    run_services = resources(config, "google_cloud_run_v2_service")
    assert len(run_services) == sum(s.kind == "http" for s in services)
    assert not any(body["invoker_iam_disabled"] for body in run_services.values())


def test_a_system_of_workers_alone_synthesizes_with_the_worker_alert_only(tmp_path: Path) -> None:
    workers = tuple(
        replace(s, kind="worker", port=None, public=False, invokers=(), name=s.name.replace("-service", "-worker"))
        for s in embedded.SERVICES
        if not s.public
    )
    catalog = production_only(workers)
    config = synthesized(catalog, tmp_path)
    assert "google_cloud_run_v2_service" not in config["resource"]
    assert set(resources(config, "google_cloud_run_v2_worker_pool")) == {w.name.replace("-", "_") for w in workers}
    assert policies(config) == {WORKER_POLICY}
    assert resources(config, "google_monitoring_uptime_check_config") == {}
    assert not [name for name in config.get("output", {}) if name.endswith("_url")]


def test_a_system_without_a_database_synthesizes_and_bootstraps_without_cloud_sql(tmp_path: Path) -> None:
    url_secrets = {d.url_secret for d in embedded.DATABASES}
    services = tuple(
        replace(
            s,
            database=None,
            database_name=None,
            secrets=tuple(m for m in s.secrets if m.secret not in url_secrets),
        )
        for s in embedded.SERVICES
    )
    secrets = tuple(s for s in embedded.SECRETS if s.id not in url_secrets)
    catalog = production_only(services, databases=(), secrets=secrets)
    config = synthesized(catalog, tmp_path)
    for kind in ("google_sql_database_instance", "google_sql_database", "google_cloud_run_v2_job"):
        assert kind not in config["resource"], kind
    roles = {g["role"] for g in resources(config, "google_project_iam_member").values()}
    assert "roles/cloudsql.client" not in roles
    assert len(resources(config, "google_cloud_run_v2_service")) == sum(s.kind == "http" for s in services)
    scripts = rendered_scripts(catalog)
    assert scripts, "the bootstrap scripts render"
    assert not any(d.instance in text for d in embedded.DATABASES for text in scripts.values())


def longest(prefix: str, length: int) -> str:
    return prefix + "x" * (length - len(prefix))


def test_the_longest_names_accepted_give_names_gcp_accepts(tmp_path: Path) -> None:
    """Every name the stacks derive from the longest names the catalog accepts is within its resource's rule."""
    instance = longest("d", 25 - len("-db")) + "-db"  # its migration job: migrate-<22 letters>, 30 characters
    secrets = (Secret(ENVIRONMENT_SECRET, "x"), Secret(longest("u", 255), "x"))
    database = Database(instance, (longest("p", 63),), secrets[1].id)
    mounts = (SecretMount("environment", ENVIRONMENT_SECRET), SecretMount("database", secrets[1].id))
    services = (
        Service(longest("h", 30), "http", 8080, database=instance, secrets=mounts, public=True, redis=True),
        Service(longest("w", 30), "worker", None, database=instance, secrets=mounts),
    )
    network = NetworkSettings(
        vpc_name=longest("v", 46),
        subnet_name=longest("s", 63),
        connector_name=longest("c", 25),
        service_egress="connector",
    )
    production = production_for(
        services,
        project_id=longest("m", 30),
        network=network,
        services=ServiceSettings(),
        redis=RedisSettings(instance_id=longest("r", 59)),
        database_overrides={},
    )
    catalog = Catalog(secrets, (database,), services, (production,), state_bucket=longest("t", 63))
    config = synthesized(catalog, tmp_path)
    rules: dict[tuple[str, str], validation.Rule] = {
        ("google_service_account", "account_id"): validation.SERVICE_ACCOUNT_ID,
        ("google_cloud_run_v2_service", "name"): validation.CLOUD_RUN_NAME,
        ("google_cloud_run_v2_worker_pool", "name"): validation.CLOUD_RUN_NAME,
        ("google_cloud_run_v2_job", "name"): validation.CLOUD_RUN_NAME,
        ("google_compute_network", "name"): validation.RESOURCE_NAME,
        ("google_compute_subnetwork", "name"): validation.RESOURCE_NAME,
        ("google_compute_global_address", "name"): validation.RESOURCE_NAME,
        ("google_compute_firewall", "name"): validation.RESOURCE_NAME,
        ("google_vpc_access_connector", "name"): validation.CONNECTOR_NAME,
        ("google_sql_database_instance", "name"): validation.SQL_INSTANCE_NAME,
        ("google_sql_database", "name"): validation.POSTGRES_DATABASE_NAME,
        ("google_storage_bucket", "name"): validation.BUCKET_NAME,
        ("google_secret_manager_secret", "secret_id"): validation.SECRET_ID,
        ("google_memorystore_instance", "instance_id"): validation.MEMORYSTORE_INSTANCE_ID,
        ("google_network_connectivity_service_connection_policy", "name"): validation.RESOURCE_NAME,
    }
    for (kind, attribute), rule in rules.items():
        values = [body[attribute] for body in resources(config, kind).values()]
        assert values, kind
        for value in values:
            validation.check_name(f"{kind}.{attribute}", value, rule)
    # IAM: a condition's title is at most 100 characters, an account's description 256
    # (https://cloud.google.com/iam/docs/reference/rest/v1/Expr, .../projects.serviceAccounts).
    titles = [
        g["condition"]["title"] for g in resources(config, "google_project_iam_member").values() if "condition" in g
    ]
    assert titles
    assert all(len(title) <= 100 for title in titles), titles
    for account in resources(config, "google_service_account").values():
        assert len(account.get("description", "")) <= 256
