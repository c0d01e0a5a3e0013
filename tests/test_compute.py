"""The compute tier of each environment stack: services, the worker pool, migration jobs and the registry."""

from __future__ import annotations

import re
from typing import Any

import pytest

from mindmirror_infra.catalog import Catalog
from mindmirror_infra.constructs.cloud_run_job import IGNORED_AFTER_DEPLOY as JOB_IGNORED
from mindmirror_infra.constructs.cloud_run_service import IGNORED_AFTER_DEPLOY as SERVICE_IGNORED
from mindmirror_infra.constructs.cloud_run_worker_pool import IGNORED_AFTER_DEPLOY as WORKER_IGNORED
from mindmirror_infra.validation import CREDENTIAL_WORDS
from tests import variants
from tests.synth import Config, resources, synth_environment

ENVS = ["production", "staging"]
HTTP_SERVICES = [
    "agent-service",
    "journal-service",
    "habits-service",
    "meals-service",
    "movements-service",
    "practices-service",
    "users-service",
    "mesh-gateway",
    "web-app",
]
DATABASE_VARIABLES = ("DATABASE_NAME", "DATABASE_NAMES")
STACK_VARIABLES = (*DATABASE_VARIABLES, "DATABASE_POOL_SIZE", "REDIS_URL", "REDIS_CA_CERTS")
JOBS = ["migrate-main", "migrate-movements", "migrate-practices", "migrate-users"]
REGISTRY = "us-central1-docker.pkg.dev/mindmirror-prod/services"


def address(name: str) -> str:
    return name.replace("-", "_")


def service(config: Config, name: str) -> dict[str, Any]:
    found: dict[str, Any] = resources(config, "google_cloud_run_v2_service")[address(name)]
    return found


def container(workload: dict[str, Any]) -> dict[str, Any]:
    template = workload["template"]
    containers: list[dict[str, Any]] = (template.get("template") or template)["containers"]
    assert len(containers) == 1
    return containers[0]


def run_template(workload: dict[str, Any]) -> dict[str, Any]:
    """The part holding account, volumes and VPC access (a job nests it one level deeper)."""
    template: dict[str, Any] = workload["template"]
    nested: dict[str, Any] = template.get("template", template)
    return nested


def workloads(config: Config) -> dict[str, dict[str, Any]]:
    """Every service, worker pool and job, by resource type and address."""
    return {
        f"{kind}.{name}": body
        for kind in ("google_cloud_run_v2_service", "google_cloud_run_v2_worker_pool", "google_cloud_run_v2_job")
        for name, body in resources(config, kind).items()
    }


def secret_address(reference: str) -> str:
    match = re.fullmatch(r"\$\{google_secret_manager_secret\.(\w+)\.secret_id\}", reference)
    assert match, reference
    return match.group(1)


def account_address(reference: str) -> str:
    match = re.fullmatch(r"(?:serviceAccount:)?\$\{google_service_account\.(\w+)\.email\}", reference)
    assert match, reference
    return match.group(1)


# --- services -------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_every_http_service_of_the_catalog_is_a_cloud_run_service(stacks: dict[str, Config], env: str) -> None:
    services = resources(stacks[env], "google_cloud_run_v2_service")
    assert sorted(services) == sorted(address(s) for s in HTTP_SERVICES)
    assert sorted(s["name"] for s in services.values()) == sorted(HTTP_SERVICES)


def test_service_runs_its_image_on_its_port_with_its_limits(production: Config, catalog: Catalog) -> None:
    for spec in catalog.services:
        if spec.kind != "http":
            continue
        body = service(production, spec.name)
        assert body["location"] == "us-central1"
        assert body["project"] == "mindmirror-prod"
        app = container(body)
        assert app["image"] == f"{REGISTRY}/{spec.name}:${{var.image_tag}}"
        assert app["ports"] == {"container_port": spec.port}
        size = catalog.environment("production").services.size_of(spec.name)
        assert app["resources"] == {"cpu_idle": True, "limits": {"cpu": size.cpu, "memory": size.memory}}
    assert container(service(production, "agent-service"))["resources"]["limits"] == {"cpu": "2", "memory": "2Gi"}
    assert container(service(production, "journal-service"))["ports"] == {"container_port": 8001}


@pytest.mark.parametrize("env", ENVS)
def test_service_scaling_concurrency_and_timeout_come_from_the_environment(
    stacks: dict[str, Config], env: str, catalog: Catalog
) -> None:
    settings = catalog.environment(env).services
    for spec in catalog.services:
        if spec.kind != "http":
            continue
        template = service(stacks[env], spec.name)["template"]
        assert template["max_instance_request_concurrency"] == 80
        assert template["timeout"] == "300s"
        expected_min = settings.critical_min_instances if spec.critical else 0
        assert template["scaling"] == {"min_instance_count": expected_min, "max_instance_count": settings.max_instances}


def test_critical_services_stay_warm_in_production_and_all_scale_to_zero_in_staging(stacks: dict[str, Config]) -> None:
    warm = {
        name
        for name in HTTP_SERVICES
        if service(stacks["production"], name)["template"]["scaling"]["min_instance_count"] == 1
    }
    assert warm == {"agent-service", "users-service", "mesh-gateway", "web-app"}
    for name in HTTP_SERVICES:
        scaling = service(stacks["staging"], name)["template"]["scaling"]
        assert scaling == {"min_instance_count": 0, "max_instance_count": 3}


def test_startup_and_liveness_probes_call_the_health_path_on_the_service_port(production: Config) -> None:
    for name in HTTP_SERVICES:
        app = container(service(production, name))
        port = app["ports"]["container_port"]
        assert app["startup_probe"] == {
            "http_get": {"path": "/health", "port": port},
            "period_seconds": 5,
            "timeout_seconds": 3,
            "failure_threshold": 12,
        }
        assert app["liveness_probe"] == {
            "http_get": {"path": "/health", "port": port},
            "period_seconds": 30,
            "timeout_seconds": 5,
            "failure_threshold": 3,
        }


DIRECT_VPC = {
    "network_interfaces": [
        {"network": "${google_compute_network.vpc.id}", "subnetwork": "${google_compute_subnetwork.subnet.id}"}
    ],
    "egress": "PRIVATE_RANGES_ONLY",
}
CONNECTOR = {"connector": "${google_vpc_access_connector.connector.id}", "egress": "PRIVATE_RANGES_ONLY"}


@pytest.mark.parametrize("env", ENVS)
def test_every_workload_sends_private_ranges_by_direct_vpc_egress_and_no_connector_exists(
    stacks: dict[str, Config], env: str, catalog: Catalog
) -> None:
    assert catalog.environment(env).network.service_egress == "direct-vpc"
    found = workloads(stacks[env])
    assert len(found) == len(catalog.services) + len(catalog.migration_jobs)
    for body in found.values():
        assert run_template(body)["vpc_access"] == DIRECT_VPC
    assert "google_vpc_access_connector" not in stacks[env]["resource"]


def test_with_the_connector_chosen_services_and_jobs_use_it_and_worker_pools_stay_direct() -> None:
    chosen = variants.with_production_part("network", service_egress="connector")
    config = synth_environment(chosen, "production")
    network = chosen.environment("production").network
    connector = resources(config, "google_vpc_access_connector")["connector"]
    assert connector["machine_type"] == network.connector_machine_type == "e2-standard-4"
    pools = resources(config, "google_cloud_run_v2_worker_pool")
    assert len(pools) == sum(s.kind == "worker" for s in chosen.services)
    for kind, body in workloads(config).items():
        expected = DIRECT_VPC if kind.startswith("google_cloud_run_v2_worker_pool.") else CONNECTOR
        assert run_template(body)["vpc_access"] == expected, kind


def test_services_and_the_worker_pool_keep_deletion_protection_and_jobs_the_provider_default(
    production: Config,
) -> None:
    for name, body in workloads(production).items():
        if name.startswith("google_cloud_run_v2_job."):
            assert "deletion_protection" not in body, name
        else:
            assert body["deletion_protection"] is True, name


def test_traffic_goes_to_the_latest_revision_by_default(production: Config) -> None:
    latest = [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}]
    for name in HTTP_SERVICES:
        assert service(production, name)["traffic"] == latest


# --- who may call ---------------------------------------------------------------------------


def test_public_services_disable_the_invoker_check_instead_of_granting_all_users(production: Config) -> None:
    public = {name for name in HTTP_SERVICES if service(production, name)["invoker_iam_disabled"]}
    assert public == {"mesh-gateway", "web-app"}
    for name in HTTP_SERVICES:
        assert service(production, name)["ingress"] == "INGRESS_TRAFFIC_ALL"
    members = [
        grant["member"]
        for kind, items in production["resource"].items()
        if kind.endswith("_iam_member")
        for grant in items.values()
    ]
    assert not [m for m in members if m in ("allUsers", "allAuthenticatedUsers")]


def test_invokers_come_from_the_catalog(production: Config, catalog: Catalog) -> None:
    invokers = {
        (grant["name"], account_address(grant["member"]))
        for grant in resources(production, "google_cloud_run_v2_service_iam_member").values()
        if grant["role"] == "roles/run.invoker"
    }
    expected = {
        (f"${{google_cloud_run_v2_service.{address(s.name)}.name}}", address(invoker))
        for s in catalog.services
        for invoker in s.invokers
    }
    assert invokers == expected
    assert len(expected) == 7


# --- secrets --------------------------------------------------------------------------------


def test_secrets_are_files_under_secrets_at_their_latest_version(production: Config) -> None:
    app = service(production, "agent-service")
    mounts = {m["name"]: m["mount_path"] for m in container(app)["volume_mounts"]}
    assert mounts == {
        "database": "/secrets/database",
        "jwt": "/secrets/jwt",
        "openai": "/secrets/openai",
        "qdrant": "/secrets/qdrant",
        "environment": "/secrets/environment",
    }
    volumes = {v["name"]: v["secret"] for v in app["template"]["volumes"]}
    assert volumes["database"] == {
        "secret": "${google_secret_manager_secret.database_url.secret_id}",
        "items": [{"path": "database-url", "version": "latest"}],
    }
    assert volumes["openai"]["items"] == [{"path": "openai-api-key", "version": "latest"}]


@pytest.mark.parametrize("env", ENVS)
def test_every_mounted_secret_is_granted_to_exactly_the_accounts_that_mount_it(
    stacks: dict[str, Config], env: str
) -> None:
    config = stacks[env]
    mounted: set[tuple[str, str]] = set()
    for name, body in workloads(config).items():
        template = run_template(body)
        account = account_address(template["service_account"])
        for volume in template["volumes"]:
            mounted.add((secret_address(volume["secret"]["secret"]), account))
        assert "google_secret_manager_secret_iam_member.grants" in body["depends_on"], name
    grants = {
        (secret_address(g["secret_id"]), account_address(g["member"]))
        for g in resources(config, "google_secret_manager_secret_iam_member").values()
        if g["role"] == "roles/secretmanager.secretAccessor"
    }
    assert grants == mounted


@pytest.mark.parametrize("env", ENVS)
def test_every_workload_runs_as_its_own_account(stacks: dict[str, Config], env: str) -> None:
    found = workloads(stacks[env])
    accounts = [account_address(run_template(body)["service_account"]) for body in found.values()]
    assert len(set(accounts)) == len(accounts) == 14
    for body in found.values():
        assert account_address(run_template(body)["service_account"]) == address(body["name"])


@pytest.mark.parametrize("env", ENVS)
def test_environment_variables_are_settings_never_secrets(
    stacks: dict[str, Config], env: str, catalog: Catalog
) -> None:
    settings = catalog.environment(env).settings
    seen = 0
    for body in workloads(stacks[env]).values():
        for variable in container(body).get("env", []):
            assert set(variable) == {"name", "value"}, "no value_source: secrets are never env vars"
            assert not any(word in variable["name"] for word in CREDENTIAL_WORDS)
            assert "secret" not in variable["value"]
            if variable["name"] not in STACK_VARIABLES:
                seen += 1
                assert variable["value"] == settings[variable["name"]]
    assert seen == sum(len(s.env) for s in catalog.services)
    assert [v["name"] for v in container(service(stacks[env], "agent-service"))["env"]] == [
        "DATABASE_NAME",
        "DATABASE_POOL_SIZE",
        "QDRANT_URL",
        "REDIS_CA_CERTS",
        "REDIS_URL",
    ]


@pytest.mark.parametrize("env", ENVS)
def test_redis_users_get_its_address_from_the_instance_and_pools_their_catalog_size(
    stacks: dict[str, Config], env: str, catalog: Catalog
) -> None:
    instance = address(catalog.environment(env).redis.instance_id)
    primary = (
        f"[for c in google_memorystore_instance.{instance}.endpoints[0].connections : c.psc_auto_connection[0] "
        'if c.psc_auto_connection[0].connection_type == "CONNECTION_TYPE_PRIMARY"][0]'
    )
    by_name = {body["name"]: body for body in workloads(stacks[env]).values()}
    assert catalog.redis_users
    for workload in catalog.services:
        variables = {v["name"]: v["value"] for v in container(by_name[workload.name]).get("env", [])}
        if workload.redis:
            assert variables["REDIS_URL"] == f"rediss://${{{primary}.ip_address}}:${{{primary}.port}}"
            assert f"google_memorystore_instance.{instance}.managed_server_ca" in variables["REDIS_CA_CERTS"]
        else:
            assert "REDIS_URL" not in variables
            assert "REDIS_CA_CERTS" not in variables
        if workload.database is not None:
            assert variables["DATABASE_POOL_SIZE"] == str(workload.database_pool_size)
        else:
            assert "DATABASE_POOL_SIZE" not in variables


def database_variables(body: dict[str, Any]) -> dict[str, str]:
    return {v["name"]: v["value"] for v in container(body).get("env", []) if v["name"] in DATABASE_VARIABLES}


@pytest.mark.parametrize("env", ENVS)
def test_each_workload_names_its_own_database_and_each_job_every_database_of_its_instance(
    stacks: dict[str, Config], env: str
) -> None:
    # One URL secret per instance: the database a workload uses is a plain variable beside it.
    found = {body["name"]: database_variables(body) for body in workloads(stacks[env]).values()}
    assert found == {
        "agent-service": {"DATABASE_NAME": "agent"},
        "journal-service": {"DATABASE_NAME": "journal"},
        "habits-service": {"DATABASE_NAME": "habits"},
        "meals-service": {"DATABASE_NAME": "meals"},
        "movements-service": {"DATABASE_NAME": "movements"},
        "practices-service": {"DATABASE_NAME": "practices"},
        "users-service": {"DATABASE_NAME": "users"},
        "mesh-gateway": {},
        "web-app": {},
        "celery-worker": {"DATABASE_NAME": "agent"},
        "migrate-main": {"DATABASE_NAMES": "agent,journal,habits,meals"},
        "migrate-movements": {"DATABASE_NAMES": "movements"},
        "migrate-practices": {"DATABASE_NAMES": "practices"},
        "migrate-users": {"DATABASE_NAMES": "users"},
    }
    pool = resources(stacks[env], "google_cloud_run_v2_worker_pool")["celery_worker"]
    assert database_variables(pool) == {"DATABASE_NAME": "agent"}


# --- docs/decisions/0008: CI deploys images ------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_a_deploy_by_ci_is_neither_reverted_nor_shown_as_a_diff(stacks: dict[str, Config], env: str) -> None:
    config = stacks[env]
    for body in resources(config, "google_cloud_run_v2_service").values():
        assert body["lifecycle"]["ignore_changes"] == [
            "client",
            "client_version",
            "template[0].revision",
            "template[0].labels",
            "template[0].annotations",
            "template[0].containers[0].image",
        ]
    worker = resources(config, "google_cloud_run_v2_worker_pool")["celery_worker"]
    assert worker["lifecycle"]["ignore_changes"] == list(WORKER_IGNORED)
    assert "template[0].containers[0].image" in WORKER_IGNORED
    for job in resources(config, "google_cloud_run_v2_job").values():
        assert job["lifecycle"]["ignore_changes"] == list(JOB_IGNORED)
        assert "template[0].template[0].containers[0].image" in JOB_IGNORED
    # Only the image is ignored in the container: env, secrets, limits and probes stay managed.
    assert not [path for path in SERVICE_IGNORED if path.endswith("containers")]


@pytest.mark.parametrize("env", ENVS)
def test_the_first_image_tag_is_one_variable_defaulting_to_env_latest(stacks: dict[str, Config], env: str) -> None:
    variables = stacks[env]["variable"]
    assert [name for name in variables if "tag" in name] == ["image_tag"]
    assert variables["image_tag"]["type"] == "string"
    assert variables["image_tag"]["default"] == f"{env}-latest"


def test_the_deployer_may_push_images_and_deploy_each_workload_and_nothing_wider(production: Config) -> None:
    deployer = "serviceAccount:${google_service_account.github_deployer.email}"
    writer = resources(production, "google_artifact_registry_repository_iam_member")
    assert {name: {k: v for k, v in grant.items() if k != "//"} for name, grant in writer.items()} == {
        "services_writer_github_deployer": {
            "project": "${google_artifact_registry_repository.services.project}",
            "location": "${google_artifact_registry_repository.services.location}",
            "repository": "${google_artifact_registry_repository.services.name}",
            "role": "roles/artifactregistry.writer",
            "member": deployer,
        }
    }
    for kind, count in (
        ("google_cloud_run_v2_service_iam_member", 9),
        ("google_cloud_run_v2_worker_pool_iam_member", 1),
        ("google_cloud_run_v2_job_iam_member", 4),
    ):
        grants = [g for g in resources(production, kind).values() if g["member"] == deployer]
        assert len(grants) == count, kind
        assert {g["role"] for g in grants} == {"roles/run.developer"}
    project_roles = [g["role"] for g in resources(production, "google_project_iam_member").values()]
    assert not [role for role in project_roles if role.startswith(("roles/run.", "roles/artifactregistry."))]


def test_every_http_service_has_a_url_output(production: Config) -> None:
    outputs = production["output"]
    urls = {k: v for k, v in outputs.items() if k.endswith("_url")}
    assert len(urls) == 9
    assert urls["mesh_gateway_url"]["value"] == "${google_cloud_run_v2_service.mesh_gateway.uri}"


# --- the worker -----------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_celery_worker_is_a_worker_pool_with_a_fixed_instance_count_and_no_port(
    stacks: dict[str, Config], env: str
) -> None:
    pools = resources(stacks[env], "google_cloud_run_v2_worker_pool")
    assert list(pools) == ["celery_worker"]
    pool = pools["celery_worker"]
    assert pool["scaling"] == {"scaling_mode": "MANUAL", "manual_instance_count": 1}
    app = container(pool)
    assert app["image"].endswith("/celery-worker:${var.image_tag}")
    assert "ports" not in app
    assert "startup_probe" not in app
    assert app["resources"] == {"limits": {"cpu": "1", "memory": "512Mi"}}
    assert {m["mount_path"] for m in app["volume_mounts"]} == {
        "/secrets/database",
        "/secrets/openai",
        "/secrets/qdrant",
        "/secrets/environment",
    }
    assert "google_cloud_run_v2_service" not in str(pool)
    assert "celery_worker" not in resources(stacks[env], "google_cloud_run_v2_service")


# --- migration jobs -------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_one_migration_job_per_database_with_its_url_and_the_environment(
    stacks: dict[str, Config], env: str, catalog: Catalog
) -> None:
    jobs = resources(stacks[env], "google_cloud_run_v2_job")
    assert sorted(jobs) == sorted(address(j) for j in JOBS)
    project = catalog.environment(env).project_id
    for database in catalog.databases:
        job = jobs[address(database.migration_job)]
        assert job["name"] == database.migration_job
        assert job["template"]["task_count"] == 1
        template = job["template"]["template"]
        assert template["timeout"] == "600s"
        assert template["max_retries"] == 0
        app = container(job)
        assert app["image"] == f"us-central1-docker.pkg.dev/{project}/services/migrations:${{var.image_tag}}"
        assert app["env"] == [
            {"name": "DATABASE_NAMES", "value": ",".join(database.databases)},
            {"name": "DATABASE_POOL_SIZE", "value": "2"},
        ]
        assert {m["name"]: m["mount_path"] for m in app["volume_mounts"]} == {
            "database": "/secrets/database",
            "environment": "/secrets/environment",
        }
        assert sorted(secret_address(v["secret"]["secret"]) for v in template["volumes"]) == sorted(
            [address(database.url_secret), "environment"]
        )


def test_a_migration_job_account_reads_only_its_database_url_and_the_environment(production: Config) -> None:
    readable = sorted(
        secret_address(g["secret_id"])
        for g in resources(production, "google_secret_manager_secret_iam_member").values()
        if account_address(g["member"]) == "migrate_users"
    )
    assert readable == ["environment", "users_database_url"]


# --- the registry ---------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_registry_is_adopted_from_the_bootstrap_and_never_destroyed(
    stacks: dict[str, Config], env: str, catalog: Catalog
) -> None:
    project = catalog.environment(env).project_id
    assert [i for i in stacks[env]["import"] if i["to"].startswith("google_artifact_registry")] == [
        {
            "to": "google_artifact_registry_repository.services",
            "id": f"projects/{project}/locations/us-central1/repositories/services",
        }
    ]
    repository = resources(stacks[env], "google_artifact_registry_repository")["services"]
    assert repository["lifecycle"] == {"prevent_destroy": True}
    assert (repository["format"], repository["location"], repository["repository_id"]) == (
        "DOCKER",
        "us-central1",
        "services",
    )
    assert repository["vulnerability_scanning_config"] == {"enablement_config": "INHERITED"}


def test_cleanup_policies_implement_the_retention_of_the_strategy(production: Config) -> None:
    repository = resources(production, "google_artifact_registry_repository")["services"]
    assert repository["cleanup_policies"] == [
        {"id": "keep-recent", "action": "KEEP", "most_recent_versions": {"keep_count": 10}},
        {"id": "keep-releases", "action": "KEEP", "condition": {"tag_state": "TAGGED", "tag_prefixes": ["v"]}},
        {"id": "delete-untagged", "action": "DELETE", "condition": {"tag_state": "UNTAGGED", "older_than": "2592000s"}},
    ]


def test_cleanup_only_reports_in_staging(stacks: dict[str, Config]) -> None:
    registry = "google_artifact_registry_repository"
    assert resources(stacks["production"], registry)["services"]["cleanup_policy_dry_run"] is False
    assert resources(stacks["staging"], registry)["services"]["cleanup_policy_dry_run"] is True
