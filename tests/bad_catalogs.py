"""Invalid catalogs for `mminfra synth --catalog tests.bad_catalogs:<name>`.

``BAD`` is the table: one line per case, the name the CLI loads, the field the
error must name, and a builder that raises while building the catalog (as the
CLI loads it) or returns a catalog the synthesis refuses.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mindmirror_infra.catalog import (
    Catalog,
    Database,
    DatabaseOverride,
    Secret,
    SecretMount,
    Service,
    ServiceSettings,
    ServiceSize,
    Traffic,
    TrafficSplit,
)
from tests import variants

P = "environments[production]"


def added(service: Service) -> Catalog:
    return variants.catalog(services=(*variants.SERVICES, service))


def sizes(**changes: Any) -> Catalog:
    return variants.with_production(services=ServiceSettings(**changes))


def traffic(*splits: TrafficSplit) -> Catalog:
    return variants.with_production(traffic=splits)


def operations(**changes: Any) -> Catalog:
    return variants.with_production(operations=replace(variants.PRODUCTION.operations, **changes))


def repository(**changes: Any) -> Catalog:
    return variants.with_production(github_repository=replace(variants.PRODUCTION.github_repository, **changes))


def infrastructure_repository(**changes: Any) -> Catalog:
    changed = replace(variants.PRODUCTION.infrastructure_repository, **changes)
    return variants.with_production(infrastructure_repository=changed)


def usage(**changes: Any) -> Catalog:
    return variants.with_production_part("usage", **changes)


def network(**changes: Any) -> Catalog:
    return variants.with_production_part("network", **changes)


def database(**changes: Any) -> Catalog:
    return variants.with_production_part("database", **changes)


def secrets_added(*ids: str) -> Catalog:
    return variants.catalog(secrets=(*variants.SECRETS, *(Secret(i, "x") for i in ids)))


def databases_added(*databases: Database) -> Catalog:
    url_secrets = tuple(Secret(d.url_secret, "x") for d in databases)
    return variants.catalog(secrets=(*variants.SECRETS, *url_secrets), databases=(*variants.DATABASES, *databases))


def emails(*addresses: str) -> Catalog:
    return operations(notification_emails=addresses)


def setting(key: str, value: str) -> Catalog:
    return variants.with_production(settings={**variants.SETTINGS, key: value})


def staging(**changes: Any) -> Catalog:
    return variants.catalog(environments=(variants.PRODUCTION, replace(variants.STAGING, **changes)))


def split(revision: str, tag: str = "") -> Catalog:
    return traffic(TrafficSplit("agent-service", 10, revision, tag=tag))


def override(instance: str, **changes: Any) -> Catalog:
    return variants.with_production(database_overrides={instance: DatabaseOverride(**changes)})


def redis(**changes: Any) -> Catalog:
    return variants.with_production_part("redis", **changes)


def deployable_production(**changes: Any) -> Catalog:
    """The deployable catalog with production's settings, emails or network changed, for the preflight."""
    base = variants.deployable()
    production = base.environment("production")
    return variants.catalog(environments=(replace(production, **changes), *base.environments[1:]))


HTTP: dict[str, Any] = {"kind": "http", "port": 8000}
A50 = "a" * 50
DOCS = f"{P}.documents_bucket"
NET = f"{P}.network"
OPS = f"{P}.operations"
TRAFFIC = f"{P}.traffic[agent-service]"

# name: (field named by the error, builder)
BAD: dict[str, tuple[str, Callable[[], object]]] = {
    # names
    "service_name_upper_case": ("services[Agent].name", lambda: added(Service("Agent", **HTTP))),
    "service_name_too_long": (f"services[{A50}].name", lambda: added(Service(A50, **HTTP))),
    "service_name_too_short": ("services[api].name", lambda: added(Service("api", **HTTP))),
    "sql_instance_underscore": ("databases[main_db].instance", lambda: Database("main_db", ("a",), "database-url")),
    "postgres_name_hyphen": ("databases[main-db].databases", lambda: Database("main-db", ("a-b",), "database-url")),
    "secret_id_dot": ("secrets[jwt.secret].id", lambda: Secret("jwt.secret", "x")),
    "project_id_upper_case": (f"{P}.project_id", lambda: variants.with_production(project_id="MindMirror")),
    "region_unknown_shape": (f"{P}.region", lambda: variants.with_production(region="central")),
    "state_bucket_upper_case": ("state_bucket", lambda: variants.catalog(state_bucket="State_Bucket")),
    "documents_bucket_bad": (f"{P}.documents_bucket", lambda: variants.with_production(documents_bucket="-docs")),
    "registry_upper_case": (
        f"{P}.registry.repository",
        lambda: variants.with_production_part("registry", repository="Services"),
    ),
    "duplicate_service": (
        "services.name",
        lambda: variants.catalog(services=(*variants.SERVICES, variants.SERVICES[0])),
    ),
    "service_named_like_a_job": (
        "services[migrate-main].name",
        lambda: added(Service("migrate-main", **HTTP)),
    ),
    "service_named_like_the_deployer": (
        "services[github-deployer].name",
        lambda: added(Service("github-deployer", **HTTP)),
    ),
    # sizes
    "sql_tier_odd_vcpus": (f"{P}.database.tier", lambda: database(tier="db-custom-3-7680")),
    "sql_tier_memory_too_small": (f"{P}.database.tier", lambda: database(tier="db-custom-2-1024")),
    "sql_disk_too_small": (f"{P}.database.disk_size_gb", lambda: database(disk_size_gb=5)),
    "sql_max_connections_too_low": (f"{P}.database.max_connections", lambda: database(max_connections=5)),
    "sql_backup_time": (f"{P}.database.backup_start_time", lambda: database(backup_start_time="3am")),
    "run_cpu_three": (
        f"{P}.services.sizes[agent-service].cpu",
        lambda: sizes(sizes={"agent-service": ServiceSize(cpu="3", memory="2Gi")}),
    ),
    "run_memory_too_big_for_cpu": (
        f"{P}.services.sizes[web-app].memory",
        lambda: sizes(sizes={"web-app": ServiceSize(cpu="1", memory="8Gi")}),
    ),
    "run_fraction_of_cpu_for_workers": (
        f"{P}.services.default_size.cpu",
        lambda: sizes(default_size=ServiceSize("0.5")),
    ),
    "run_max_instances_zero": (f"{P}.services.max_instances", lambda: sizes(max_instances=0)),
    "run_min_above_max": (
        f"{P}.services.critical_min_instances",
        lambda: sizes(critical_min_instances=5, max_instances=2),
    ),
    "run_worker_instances_zero": (f"{P}.services.worker_instances", lambda: sizes(worker_instances=0)),
    "connector_one_instance": (f"{P}.network.connector_min_instances", lambda: network(connector_min_instances=1)),
    # per-database settings and the connection budget
    "connection_budget_exceeded_override": (
        f"{P}.database_overrides[main-db].max_connections",
        lambda: override("main-db", max_connections=150),
    ),
    "connection_budget_exceeded_default": (f"{P}.database.max_connections", lambda: database(max_connections=60)),
    "budget_exceeded_by_pool_size": (
        f"{P}.database.max_connections",
        lambda: variants.with_service("users-service", database_pool_size=20),
    ),
    "max_connections_above_tier_limit": (
        f"{P}.database_overrides[main-db].max_connections",
        lambda: override("main-db", max_connections=500),
    ),
    "override_of_unknown_instance": (f"{P}.database_overrides", lambda: override("main", tier="db-custom-4-15360")),
    "override_tier_bad": (f"{P}.database_overrides[users-db].tier", lambda: override("users-db", tier="db-n1-2")),
    "sql_flag_bad_name": (f"{P}.database.flags", lambda: database(flags={"Work-Mem": "64MB"})),
    "sql_flag_max_connections": (
        f"{P}.database_overrides[main-db].flags[max_connections]",
        lambda: override("main-db", flags={"max_connections": "300"}),
    ),
    "pool_size_zero": (
        "services[agent-service].database_pool_size",
        lambda: variants.with_service("agent-service", database_pool_size=0),
    ),
    # redis
    "redis_url_as_a_setting": (
        "services[agent-service].env",
        lambda: variants.with_service("agent-service", env=("QDRANT_URL", "REDIS_URL")),
    ),
    "redis_node_type_unknown": (f"{P}.redis.node_type", lambda: redis(node_type="M1")),
    "redis_too_many_replicas": (f"{P}.redis.replica_count", lambda: redis(replica_count=6)),
    "redis_instance_id_short": (f"{P}.redis.instance_id", lambda: redis(instance_id="rc")),
    "redis_persistence_unknown": (f"{P}.redis.persistence", lambda: redis(persistence="SNAPSHOT")),
    "redis_version_unknown": (f"{P}.redis.engine_version", lambda: redis(engine_version="REDIS_6_X")),
    # egress
    "egress_unknown": (f"{P}.network.service_egress", lambda: network(service_egress="vpc")),
    "production_connector_e2_micro": (
        f"{P}.network.connector_machine_type",
        lambda: network(service_egress="connector", connector_machine_type="e2-micro"),
    ),
    "subnet_below_26_for_direct_vpc": (f"{P}.network.subnet_cidr", lambda: network(subnet_cidr="10.0.0.0/27")),
    "subnet_too_small_for_max_instances": (f"{P}.network.subnet_cidr", lambda: network(subnet_cidr="10.0.0.0/24")),
    # references
    "unknown_database": (
        "services[habits-service].database",
        lambda: variants.with_service("habits-service", database="habit-db"),
    ),
    "database_name_missing": (
        "services[meals-service].database_name",
        lambda: variants.with_service("meals-service", database_name=None),
    ),
    "database_name_unknown": (
        "services[meals-service].database_name",
        lambda: variants.with_service("meals-service", database_name="meal"),
    ),
    "unknown_secret": (
        "services[web-app].secrets[jwt].secret",
        lambda: variants.with_service("web-app", secrets=(SecretMount("jwt", "jwt-secrets"),)),
    ),
    "database_without_url_secret": (
        "services[habits-service].secrets",
        lambda: variants.with_service("habits-service", secrets=(variants.JWT,)),
    ),
    "smoke_of_two_lines": ("services[web-app].smoke", lambda: variants.with_service("web-app", smoke="true\nfalse")),
    "invokers_of_a_public_service": (
        "services[web-app].invokers",
        lambda: variants.with_service("web-app", invokers=("mesh-gateway",)),
    ),
    "unknown_invoker": (
        "services[habits-service].invokers",
        lambda: variants.with_service("habits-service", invokers=("gateway",)),
    ),
    "undefined_setting": (
        "services[habits-service].env",
        lambda: variants.with_service("habits-service", env=("DSN",)),
    ),
    "sizes_of_unknown_service": (f"{P}.services.sizes", lambda: sizes(sizes={"agent": ServiceSize()})),
    # ports
    "port_zero": ("services[agent-service].port", lambda: variants.with_service("agent-service", port=0)),
    "port_out_of_range": ("services[agent-service].port", lambda: variants.with_service("agent-service", port=70000)),
    "http_without_port": ("services[agent-service].port", lambda: variants.with_service("agent-service", port=None)),
    "worker_with_port": ("services[celery-worker].port", lambda: variants.with_service("celery-worker", port=80)),
    # secrets
    "mount_outside_secrets": (
        "services[web-app].secrets[env].mount_path",
        lambda: variants.with_service("web-app", secrets=(SecretMount("env", "environment", mount_path="/etc/env"),)),
    ),
    "credential_as_env_var": (
        "services[agent-service].env",
        lambda: variants.with_service("agent-service", env=("OPENAI_API_KEY",)),
    ),
    "credentials_in_a_setting": (
        f"{P}.settings[REDIS_URL]",
        lambda: variants.with_production(settings={**variants.SETTINGS, "REDIS_URL": "redis://u:p@10.0.0.3:6379"}),
    ),
    "no_environment_secret": ("secrets", lambda: variants.catalog(secrets=variants.SECRETS[:-1])),
    "duplicate_secret": ("secrets.id", lambda: variants.catalog(secrets=(*variants.SECRETS, variants.SECRETS[0]))),
    # traffic
    "traffic_all_to_latest": (
        f"{P}.traffic[agent-service].latest_percent",
        lambda: traffic(TrafficSplit("agent-service", 100, "agent-service-00001-abc")),
    ),
    "traffic_revision_of_another_service": (
        f"{P}.traffic[agent-service].revision",
        lambda: traffic(TrafficSplit("agent-service", 10, "web-app-00001-abc")),
    ),
    "traffic_bad_tag": (
        f"{P}.traffic[agent-service].tag",
        lambda: traffic(TrafficSplit("agent-service", 10, "agent-service-00001-abc", tag="Stable")),
    ),
    "traffic_unknown_service": (
        f"{P}.traffic[gateway].service",
        lambda: traffic(TrafficSplit("gateway", 10, "gateway-00001-abc")),
    ),
    "traffic_for_a_worker": (
        f"{P}.traffic[celery-worker].service",
        lambda: traffic(TrafficSplit("celery-worker", 10, "celery-worker-00001-abc")),
    ),
    "traffic_split_twice": (
        f"{P}.traffic.service",
        lambda: traffic(*[TrafficSplit("agent-service", 10, "agent-service-00001-abc")] * 2),
    ),
    # network ranges
    "public_subnet": (f"{P}.network.subnet_cidr", lambda: network(subnet_cidr="8.8.0.0/20")),
    "subnet_not_a_cidr": (f"{P}.network.subnet_cidr", lambda: network(subnet_cidr="10.0.0.0/33")),
    "connector_not_28": (f"{P}.network.connector_cidr", lambda: network(connector_cidr="10.8.0.0/24")),
    "connector_overlaps_subnet": (f"{P}.network.connector_cidr", lambda: network(connector_cidr="10.0.0.16/28")),
    "private_services_too_small": (
        f"{P}.network.private_services_cidr",
        lambda: network(private_services_cidr="10.16.0.0/25"),
    ),
    # alerts and budget
    "error_ratio_zero": (f"{P}.operations.error_ratio", lambda: operations(error_ratio=0)),
    "alert_duration_not_minutes": (
        f"{P}.operations.alert_duration_seconds",
        lambda: operations(alert_duration_seconds=90),
    ),
    "no_notification_email": (f"{P}.operations.notification_emails", lambda: operations(notification_emails=())),
    "bad_notification_email": (f"{P}.operations.notification_emails", lambda: operations(notification_emails=("ops",))),
    "budget_zero": (f"{P}.operations.budget_usd", lambda: operations(budget_usd=0)),
    "too_few_uptime_regions": (f"{P}.operations.uptime_regions", lambda: operations(uptime_regions=("EUROPE",))),
    # one catalog name, one OpenTofu address
    "secret_ids_share_an_address": ("secrets[jwt_secret].id", lambda: secrets_added("jwt_secret")),
    "secret_ids_differ_by_case": ("secrets[JWT-SECRET].id", lambda: secrets_added("JWT-SECRET")),
    "secret_address_starts_with_digit": ("secrets[1password].id", lambda: secrets_added("1password")),
    "emails_share_an_address": (
        f"{OPS}.notification_emails",
        lambda: emails("ops.team@mindmirror.example", "ops_team@mindmirror.example"),
    ),
    "emails_differ_by_case": (
        f"{OPS}.notification_emails",
        lambda: emails("ops@mindmirror.example", "Ops@mindmirror.example"),
    ),
    "sql_databases_share_an_address": (
        "databases[jobs-db-a].databases",
        lambda: databases_added(Database("jobs-db", ("a_b",), "jobs-url"), Database("jobs-db-a", ("b",), "jobs-a-url")),
    ),
    # a string where a tuple of names is expected
    "databases_as_a_string": (
        "databases[jobs-db].databases",
        lambda: Database("jobs-db", ("jobs"), "jobs-url"),  # type: ignore[arg-type]  # the missing comma
    ),
    "invokers_as_a_string": (
        "services[habits-service].invokers",
        lambda: variants.with_service("habits-service", invokers="mesh-gateway"),
    ),
    "env_as_a_string": ("services[agent-service].env", lambda: variants.with_service("agent-service", env="REDIS_URL")),
    "secrets_as_a_string": (
        "services[web-app].secrets",
        lambda: variants.with_service("web-app", secrets="environment"),
    ),
    "emails_as_a_string": (f"{OPS}.notification_emails", lambda: operations(notification_emails="ops@mm.example")),
    "uptime_regions_as_a_string": (f"{OPS}.uptime_regions", lambda: operations(uptime_regions="EUROPE")),
    "catalog_secrets_not_a_tuple": ("secrets", lambda: variants.catalog(secrets=variants.SECRETS[0])),
    # Cloud Run's own environment variables
    "setting_named_port": (f"{P}.settings", lambda: setting("PORT", "8080")),
    "setting_named_k_service": (f"{P}.settings", lambda: setting("K_SERVICE", "x")),
    "setting_named_cloud_run_job": (f"{P}.settings", lambda: setting("CLOUD_RUN_JOB", "x")),
    "service_env_k_revision": (
        "services[agent-service].env",
        lambda: variants.with_service("agent-service", env=("K_REVISION",)),
    ),
    # regions
    "region_that_does_not_exist": (f"{P}.region", lambda: variants.with_production(region="us-central9")),
    "region_is_a_zone": (f"{P}.region", lambda: variants.with_production(region="us-central1-a")),
    # network ranges: size, private space, overlap
    "subnet_smaller_than_29": (f"{NET}.subnet_cidr", lambda: network(subnet_cidr="10.0.0.0/30")),
    "subnet_loopback": (f"{NET}.subnet_cidr", lambda: network(subnet_cidr="127.0.0.0/20")),
    "subnet_link_local": (f"{NET}.subnet_cidr", lambda: network(subnet_cidr="169.254.0.0/20")),
    "subnet_multicast": (f"{NET}.subnet_cidr", lambda: network(subnet_cidr="224.0.0.0/20")),
    "subnet_documentation_range": (f"{NET}.subnet_cidr", lambda: network(subnet_cidr="192.0.2.0/24")),
    "subnet_class_e": (f"{NET}.subnet_cidr", lambda: network(subnet_cidr="240.0.0.0/20")),
    "connector_link_local": (f"{NET}.connector_cidr", lambda: network(connector_cidr="169.254.8.0/28")),
    "private_services_overlaps_subnet": (
        f"{NET}.private_services_cidr",
        lambda: network(private_services_cidr="10.0.0.0/16"),
    ),
    "vpc_name_too_long_for_its_firewall_rule": (f"{NET}.vpc_name", lambda: network(vpc_name="v" * 50)),
    # Cloud SQL
    "backups_below_log_retention": (f"{P}.database.retained_backups", lambda: database(retained_backups=3)),
    "database_named_postgres": ("databases[jobs-db].databases", lambda: Database("jobs-db", ("postgres",), "u")),
    "database_named_cloudsqladmin": (
        "databases[jobs-db].databases",
        lambda: Database("jobs-db", ("cloudsqladmin",), "u"),
    ),
    "database_named_template1": ("databases[jobs-db].databases", lambda: Database("jobs-db", ("template1",), "u")),
    "instance_too_long_for_its_job": (f"databases[{A50}].instance", lambda: Database(A50, ("a",), "u")),
    # buckets
    "documents_bucket_goog_prefix": (DOCS, lambda: variants.with_production(documents_bucket="goog-docs")),
    "documents_bucket_with_google": (DOCS, lambda: variants.with_production(documents_bucket="my-google-docs")),
    "documents_bucket_g00gle": (DOCS, lambda: variants.with_production(documents_bucket="my-g00gle-docs")),
    "documents_bucket_ip_address": (DOCS, lambda: variants.with_production(documents_bucket="192.168.5.4")),
    "documents_bucket_double_dot": (DOCS, lambda: variants.with_production(documents_bucket="docs..example.com")),
    "state_bucket_with_google": ("state_bucket", lambda: variants.catalog(state_bucket="google-state")),
    # environments apart
    "project_shared_by_environments": (
        "environments[staging].project_id",
        lambda: staging(project_id="mindmirror-prod", documents_bucket="mindmirror-staging-docs"),
    ),
    "documents_bucket_shared": (
        "environments[staging].documents_bucket",
        lambda: staging(documents_bucket="mindmirror-prod-documents"),
    ),
    "documents_bucket_is_the_state_bucket": (
        DOCS,
        lambda: variants.with_production(documents_bucket="mindmirror-terraform-state"),
    ),
    # revisions and tags
    "revision_with_underscore": (f"{TRAFFIC}.revision", lambda: split("agent-service-00001_abc")),
    "revision_upper_case": (f"{TRAFFIC}.revision", lambda: split("agent-service-00001-ABC")),
    "revision_too_long": (f"{TRAFFIC}.revision", lambda: split("agent-service-" + "0" * 50)),
    "tag_and_service_too_long": (f"{TRAFFIC}.tag", lambda: split("agent-service-00001-abc", tag="t" * 34)),
    # NaN and infinity
    "error_ratio_nan": (f"{OPS}.error_ratio", lambda: operations(error_ratio=math.nan)),
    "cpu_utilization_nan": (f"{OPS}.cpu_utilization", lambda: operations(cpu_utilization=math.nan)),
    "budget_threshold_infinite": (f"{OPS}.budget_thresholds", lambda: operations(budget_thresholds=(math.inf,))),
    "budget_margin_nan": (f"{OPS}.budget_margin", lambda: operations(budget_margin=math.nan)),
    "usage_logs_infinite": (f"{P}.usage.log_gib_per_month", lambda: usage(log_gib_per_month=math.inf)),
    "cpu_nan_as_text": (f"{P}.services.default_size.cpu", lambda: sizes(default_size=ServiceSize("nan"))),
    # credentials in URLs
    "password_in_a_url_query": (
        f"{P}.settings[QDRANT_URL]",
        lambda: setting("QDRANT_URL", "https://q.example?password=x"),
    ),
    "api_key_in_a_url_query": (
        f"{P}.settings[QDRANT_URL]",
        lambda: setting("QDRANT_URL", "https://q.example/?apiKey=x"),
    ),
    "token_in_a_url_query": (
        f"{P}.settings[QDRANT_URL]",
        lambda: setting("QDRANT_URL", "https://q.example/?a=1&TOKEN=x"),
    ),
    # registry
    "tag_prefix_with_a_space": (
        f"{P}.registry.protected_tag_prefixes",
        lambda: variants.with_production_part("registry", protected_tag_prefixes=("v 1",)),
    ),
    "tag_prefixes_as_a_string": (
        f"{P}.registry.protected_tag_prefixes",
        lambda: variants.with_production_part("registry", protected_tag_prefixes="release"),
    ),
    # paths
    "health_path_with_a_space": (
        "services[web-app].health_path",
        lambda: variants.with_service("web-app", health_path="/he alth"),
    ),
    # who may deploy
    "repository_without_ids": (f"{P}.github_repository", lambda: variants.with_production(github_repository="a/b")),
    "repository_name_bad": (f"{P}.github_repository.name", lambda: repository(name="mindmirror")),
    "repository_id_zero": (f"{P}.github_repository.id", lambda: repository(id=0)),
    "repository_owner_id_text": (f"{P}.github_repository.owner_id", lambda: repository(owner_id="65")),
    "infrastructure_repository_missing": (
        f"{P}.infrastructure_repository",
        lambda: variants.with_production(infrastructure_repository=None),
    ),
    "infrastructure_repository_name_bad": (
        f"{P}.infrastructure_repository.name",
        lambda: infrastructure_repository(name="mindmirror-infra"),
    ),
    "infrastructure_repository_owner_id_zero": (
        f"{P}.infrastructure_repository.owner_id",
        lambda: infrastructure_repository(owner_id=0),
    ),
    "deploy_refs_a_string": (f"{P}.deploy_refs", lambda: variants.with_production(deploy_refs="refs/heads/main")),
    "deploy_refs_every_branch": (f"{P}.deploy_refs", lambda: variants.with_production(deploy_refs=("refs/heads/*",))),
    "deploy_refs_quote": (f"{P}.deploy_refs", lambda: variants.with_production(deploy_refs=('refs/heads/m" || "',))),
    "budget_margin_negative": (f"{P}.operations.budget_margin", lambda: operations(budget_margin=-0.1)),
    # usage assumptions of the cost estimate
    "usage_of_unknown_service": (f"{P}.usage.traffic", lambda: usage(traffic={"nope": Traffic()})),
    "usage_of_a_worker": (f"{P}.usage.traffic", lambda: usage(traffic={"celery-worker": Traffic()})),
    "usage_negative_requests": (
        f"{P}.usage.traffic[web-app].requests_per_month",
        lambda: usage(traffic={"web-app": Traffic(requests_per_month=-1)}),
    ),
    "usage_request_of_no_time": (
        f"{P}.usage.default_traffic.seconds_per_request",
        lambda: usage(default_traffic=Traffic(seconds_per_request=0)),
    ),
    "usage_negative_logs": (f"{P}.usage.log_gib_per_month", lambda: usage(log_gib_per_month=-1)),
}


# Catalogs `synth` accepts and `plan` refuses (the preflight): name -> (every field named, builder).
PREFLIGHT_BAD: dict[str, tuple[tuple[str, ...], Callable[[], Catalog]]] = {
    "embedded_placeholders": (
        (f"{P}.settings[QDRANT_URL]", f"{P}.operations.notification_emails"),
        variants.catalog,
    ),
    "example_com_email": (
        (f"{P}.operations.notification_emails",),
        lambda: deployable_production(
            operations=replace(
                variants.deployable().environment("production").operations, notification_emails=("ops@example.com",)
            )
        ),
    ),
    "private_ip_in_a_setting": (
        (f"{P}.settings[QDRANT_URL]",),
        lambda: deployable_production(settings={"QDRANT_URL": "http://10.0.0.3:6333"}),
    ),
    "internal_host_in_a_setting": (
        (f"{P}.settings[QDRANT_URL]",),
        lambda: deployable_production(settings={"QDRANT_URL": "https://qdrant.internal:6333"}),
    ),
    "placeholder_host_in_a_setting": (
        (f"{P}.settings[QDRANT_URL]",),
        lambda: deployable_production(settings={"QDRANT_URL": "https://your-cluster.qdrant.io"}),
    ),
}


def __getattr__(name: str) -> Callable[[], object]:
    """``tests.bad_catalogs:<name>`` for every case of the tables."""
    if name in BAD:
        return BAD[name][1]
    if name in PREFLIGHT_BAD:
        return PREFLIGHT_BAD[name][1]
    raise AttributeError(name)
