"""The compute tier of each environment stack: services, the worker pool, migration jobs and the registry."""

from __future__ import annotations

import re
from typing import Any

from mindmirror_infra.catalog import (
    APPLIER_ACCOUNT_ID,
    DEPLOYER_ACCOUNT_ID,
    ENVIRONMENT_SECRET,
    MIGRATIONS_IMAGE,
    PLANNER_ACCOUNT_ID,
    Catalog,
    Environment,
)
from mindmirror_infra.constructs.cloud_run_job import IGNORED_AFTER_DEPLOY as JOB_IGNORED
from mindmirror_infra.constructs.cloud_run_service import IGNORED_AFTER_DEPLOY as SERVICE_IGNORED
from mindmirror_infra.constructs.cloud_run_worker_pool import IGNORED_AFTER_DEPLOY as WORKER_IGNORED
from mindmirror_infra.invariants import resources_of
from mindmirror_infra.validation import CREDENTIAL_WORDS
from tests import variants
from tests.conftest import System
from tests.synth import Config, resources, synth_environment

DATABASE_VARIABLES = ("DATABASE_NAME", "DATABASE_NAMES")
PIPELINE_ACCOUNTS = (PLANNER_ACCOUNT_ID, APPLIER_ACCOUNT_ID)
REDIS_VARIABLES = ("REDIS_CA_CERTS", "REDIS_URL")
STACK_VARIABLES = (*DATABASE_VARIABLES, "DATABASE_POOL_SIZE", *REDIS_VARIABLES)


def address(name: str) -> str:
    return name.replace("-", "_")


def http_services(catalog: Catalog) -> list[str]:
    return [s.name for s in catalog.services if s.kind == "http"]


def registry(env: Environment) -> str:
    return f"{env.region}-docker.pkg.dev/{env.project_id}/{env.registry.repository}"


def environments(system: System) -> list[tuple[Environment, Config]]:
    """Each environment of the catalog with its synthesized stack."""
    return [(env, system.stacks[env.name]) for env in system.catalog.environments]


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


def test_every_http_service_of_the_catalog_is_a_cloud_run_service(system: System) -> None:
    expected = http_services(system.catalog)
    for _, config in environments(system):
        services = resources(config, "google_cloud_run_v2_service")
        assert sorted(services) == sorted(address(s) for s in expected)
        assert sorted(s["name"] for s in services.values()) == sorted(expected)


def test_service_runs_its_image_on_its_port_with_its_limits(system: System) -> None:
    for env, config in environments(system):
        for spec in system.catalog.services:
            if spec.kind != "http":
                continue
            body = service(config, spec.name)
            assert body["location"] == env.region
            assert body["project"] == env.project_id
            app = container(body)
            assert app["image"] == f"{registry(env)}/{spec.name}:${{var.image_tag}}"
            assert app["ports"] == {"container_port": spec.port}
            size = env.services.size_of(spec.name)
            assert app["resources"] == {"cpu_idle": True, "limits": {"cpu": size.cpu, "memory": size.memory}}


def test_service_scaling_concurrency_and_timeout_come_from_the_environment(system: System) -> None:
    for env, config in environments(system):
        settings = env.services
        for spec in system.catalog.services:
            if spec.kind != "http":
                continue
            template = service(config, spec.name)["template"]
            assert template["max_instance_request_concurrency"] == settings.concurrency
            assert template["timeout"] == f"{settings.request_timeout_seconds}s"
            expected_min = settings.critical_min_instances if spec.critical else 0
            assert template["scaling"] == {
                "min_instance_count": expected_min,
                "max_instance_count": settings.max_instances,
            }


def test_only_critical_services_stay_warm(system: System) -> None:
    critical = {s.name for s in system.catalog.services if s.kind == "http" and s.critical}
    assert critical, "the catalog keeps no service warm: this test would prove nothing"
    for env, config in environments(system):
        warm = {
            name
            for name in http_services(system.catalog)
            if service(config, name)["template"]["scaling"]["min_instance_count"] > 0
        }
        assert warm == (critical if env.services.critical_min_instances else set())


def test_startup_and_liveness_probes_call_the_health_path_on_the_service_port(system: System) -> None:
    for _, config in environments(system):
        for spec in system.catalog.services:
            if spec.kind != "http":
                continue
            app = container(service(config, spec.name))
            assert app["startup_probe"] == {
                "http_get": {"path": spec.health_path, "port": spec.port},
                "period_seconds": 5,
                "timeout_seconds": 3,
                "failure_threshold": 12,
            }
            assert app["liveness_probe"] == {
                "http_get": {"path": spec.health_path, "port": spec.port},
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


def expected_egress(env: Environment, kind: str) -> dict[str, Any]:
    """Worker pools always use Direct VPC egress; services and jobs, the environment's choice."""
    direct = kind.startswith("google_cloud_run_v2_worker_pool.") or not env.network.uses_connector
    return DIRECT_VPC if direct else CONNECTOR


def test_every_workload_sends_private_ranges_by_the_egress_its_environment_chose(system: System) -> None:
    for env, config in environments(system):
        found = workloads(config)
        assert len(found) == len(system.catalog.services) + len(system.catalog.migration_jobs)
        for kind, body in found.items():
            assert run_template(body)["vpc_access"] == expected_egress(env, kind), kind
        assert ("google_vpc_access_connector" in config["resource"]) == env.network.uses_connector


def test_with_the_connector_chosen_services_and_jobs_use_it_and_worker_pools_stay_direct() -> None:
    chosen = variants.with_production_part("network", service_egress="connector")
    env = chosen.environments[0]
    config = synth_environment(chosen, env.name)
    connector = resources(config, "google_vpc_access_connector")["connector"]
    assert connector["machine_type"] == env.network.connector_machine_type
    assert len(resources(config, "google_cloud_run_v2_worker_pool")) == sum(s.kind == "worker" for s in chosen.services)
    for kind, body in workloads(config).items():
        assert run_template(body)["vpc_access"] == expected_egress(env, kind), kind


def test_services_and_the_worker_pool_keep_deletion_protection_and_jobs_the_provider_default(
    production: Config,
) -> None:
    for name, body in workloads(production).items():
        if name.startswith("google_cloud_run_v2_job."):
            assert "deletion_protection" not in body, name
        else:
            assert body["deletion_protection"] is True, name


def test_traffic_goes_to_the_latest_revision_by_default(system: System) -> None:
    latest = [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}]
    for env, config in environments(system):
        split = {t.service for t in env.traffic}
        for name in http_services(system.catalog):
            if name not in split:
                assert service(config, name)["traffic"] == latest


# --- who may call ---------------------------------------------------------------------------


def test_public_services_disable_the_invoker_check_instead_of_granting_all_users(system: System) -> None:
    expected = {s.name for s in system.catalog.services if s.public}
    assert expected, "the catalog has no public service: this test would prove nothing"
    for _, config in environments(system):
        names = http_services(system.catalog)
        assert {name for name in names if service(config, name)["invoker_iam_disabled"]} == expected
        for name in names:
            assert service(config, name)["ingress"] == "INGRESS_TRAFFIC_ALL"
        members = [grant["member"] for _, _, grant in resources_of(config, lambda kind: kind.endswith("_iam_member"))]
        assert members
        assert not [m for m in members if m in ("allUsers", "allAuthenticatedUsers")]


def test_invokers_come_from_the_catalog(system: System) -> None:
    expected = {
        (f"${{google_cloud_run_v2_service.{address(s.name)}.name}}", address(invoker))
        for s in system.catalog.services
        for invoker in s.invokers
    }
    assert expected, "the catalog has no invoker: this test would prove nothing"
    for _, config in environments(system):
        invokers = {
            (grant["name"], account_address(grant["member"]))
            for grant in resources(config, "google_cloud_run_v2_service_iam_member").values()
            if grant["role"] == "roles/run.invoker"
        }
        assert invokers == expected


# --- secrets --------------------------------------------------------------------------------


def test_secrets_are_files_under_secrets_at_their_latest_version(system: System) -> None:
    catalog = system.catalog
    specs = [(s.name, s.secrets) for s in catalog.services] + [(j.name, j.secrets) for j in catalog.migration_jobs]
    for _, config in environments(system):
        found = {body["name"]: body for body in workloads(config).values()}
        for name, mounts in specs:
            body = found[name]
            assert {m["name"]: m["mount_path"] for m in container(body)["volume_mounts"]} == {
                m.volume: m.mount_path for m in mounts
            }
            assert {v["name"]: v["secret"] for v in run_template(body)["volumes"]} == {
                m.volume: {
                    "secret": f"${{google_secret_manager_secret.{address(m.secret)}.secret_id}}",
                    "items": [{"path": m.file, "version": "latest"}],
                }
                for m in mounts
            }


def test_every_mounted_secret_is_granted_to_exactly_the_accounts_that_mount_it(system: System) -> None:
    for _, config in environments(system):
        check_secret_grants(config)


def check_secret_grants(config: Config) -> None:
    mounted: set[tuple[str, str]] = set()
    for name, body in workloads(config).items():
        template = run_template(body)
        account = account_address(template["service_account"])
        for volume in template["volumes"]:
            mounted.add((secret_address(volume["secret"]["secret"]), account))
        assert "google_secret_manager_secret_iam_member.grants" in body["depends_on"], name
    assert mounted
    grants = {
        (secret_address(g["secret_id"]), account_address(g["member"]))
        for g in resources(config, "google_secret_manager_secret_iam_member").values()
        if g["role"] == "roles/secretmanager.secretAccessor"
    }
    assert grants == mounted


def test_every_workload_runs_as_its_own_account(system: System) -> None:
    catalog = system.catalog
    for _, config in environments(system):
        found = workloads(config)
        accounts = [account_address(run_template(body)["service_account"]) for body in found.values()]
        assert len(set(accounts)) == len(accounts) == len(catalog.services) + len(catalog.migration_jobs)
        for body in found.values():
            assert account_address(run_template(body)["service_account"]) == address(body["name"])


def test_environment_variables_are_settings_never_secrets(system: System) -> None:
    catalog = system.catalog
    for env, config in environments(system):
        found = {body["name"]: body for body in workloads(config).values()}
        for body in found.values():
            for variable in container(body).get("env", []):
                assert set(variable) == {"name", "value"}, "no value_source: secrets are never env vars"
                assert not any(word in variable["name"] for word in CREDENTIAL_WORDS)
                assert "secret" not in variable["value"]
                if variable["name"] not in STACK_VARIABLES:
                    assert variable["value"] == env.settings[variable["name"]]
        for spec in catalog.services:
            database = ["DATABASE_NAME", "DATABASE_POOL_SIZE"] if spec.database else []
            redis = list(REDIS_VARIABLES) if spec.redis else []
            names = [v["name"] for v in container(found[spec.name]).get("env", [])]
            assert names == sorted([*database, *redis, *spec.env])


def test_redis_users_get_its_address_from_the_instance_and_pools_their_catalog_size(system: System) -> None:
    catalog = system.catalog
    for env, config in environments(system):
        instance = address(env.redis.instance_id)
        primary = (
            f"[for c in google_memorystore_instance.{instance}.endpoints[0].connections : c.psc_auto_connection[0] "
            'if c.psc_auto_connection[0].connection_type == "CONNECTION_TYPE_PRIMARY"][0]'
        )
        by_name = {body["name"]: body for body in workloads(config).values()}
        assert ("google_memorystore_instance" in config["resource"]) == bool(catalog.redis_users)
        for workload in catalog.services:
            variables = {v["name"]: v["value"] for v in container(by_name[workload.name]).get("env", [])}
            if workload.redis:
                assert variables["REDIS_URL"] == f"rediss://${{{primary}.ip_address}}:${{{primary}.port}}"
                assert f"google_memorystore_instance.{instance}.managed_server_ca" in variables["REDIS_CA_CERTS"]
            else:
                assert not set(REDIS_VARIABLES) & set(variables)
            if workload.database is not None:
                assert variables["DATABASE_POOL_SIZE"] == str(workload.database_pool_size)
            else:
                assert "DATABASE_POOL_SIZE" not in variables


def database_variables(body: dict[str, Any]) -> dict[str, str]:
    return {v["name"]: v["value"] for v in container(body).get("env", []) if v["name"] in DATABASE_VARIABLES}


def test_each_workload_names_its_own_database_and_each_job_every_database_of_its_instance(system: System) -> None:
    # One URL secret per instance: the database a workload uses is a plain variable beside it.
    catalog = system.catalog
    expected: dict[str, dict[str, str]] = {}
    for spec in catalog.services:
        database_name = catalog.database_name(spec)
        expected[spec.name] = {} if database_name is None else {"DATABASE_NAME": database_name}
    for job in catalog.migration_jobs:
        expected[job.name] = {"DATABASE_NAMES": ",".join(job.database.databases)}
    for _, config in environments(system):
        assert {body["name"]: database_variables(body) for body in workloads(config).values()} == expected


# --- docs/decisions/0008: CI deploys images ------------------------------------------------------------------


def test_a_deploy_by_ci_is_neither_reverted_nor_shown_as_a_diff(stacks: dict[str, Config]) -> None:
    for config in stacks.values():
        for body in resources(config, "google_cloud_run_v2_service").values():
            assert body["lifecycle"]["ignore_changes"] == [
                "client",
                "client_version",
                "template[0].revision",
                "template[0].labels",
                "template[0].annotations",
                "template[0].containers[0].image",
            ]
        for worker in resources(config, "google_cloud_run_v2_worker_pool").values():
            assert worker["lifecycle"]["ignore_changes"] == list(WORKER_IGNORED)
        for job in resources(config, "google_cloud_run_v2_job").values():
            assert job["lifecycle"]["ignore_changes"] == list(JOB_IGNORED)
    assert "template[0].containers[0].image" in WORKER_IGNORED
    assert "template[0].template[0].containers[0].image" in JOB_IGNORED
    # Only the image is ignored in the container: env, secrets, limits and probes stay managed.
    assert not [path for path in SERVICE_IGNORED if path.endswith("containers")]


def test_the_first_image_tag_is_one_variable_defaulting_to_env_latest(stacks: dict[str, Config]) -> None:
    for env, config in stacks.items():
        variables = config["variable"]
        assert [name for name in variables if "tag" in name] == ["image_tag"]
        assert variables["image_tag"]["type"] == "string"
        assert variables["image_tag"]["default"] == f"{env}-latest"


def test_the_deployer_may_push_images_and_deploy_each_workload_and_nothing_wider(system: System) -> None:
    catalog = system.catalog
    deployer = f"serviceAccount:${{google_service_account.{address(DEPLOYER_ACCOUNT_ID)}.email}}"
    workers = [s for s in catalog.services if s.kind == "worker"]
    for env, config in environments(system):
        repository = f"google_artifact_registry_repository.{address(env.registry.repository)}"
        writer = resources(config, "google_artifact_registry_repository_iam_member")
        assert {name: {k: v for k, v in grant.items() if k != "//"} for name, grant in writer.items()} == {
            f"{address(env.registry.repository)}_writer_{address(DEPLOYER_ACCOUNT_ID)}": {
                "project": f"${{{repository}.project}}",
                "location": f"${{{repository}.location}}",
                "repository": f"${{{repository}.name}}",
                "role": "roles/artifactregistry.writer",
                "member": deployer,
            }
        }
        for kind, count in (
            ("google_cloud_run_v2_service_iam_member", len(http_services(catalog))),
            ("google_cloud_run_v2_worker_pool_iam_member", len(workers)),
            ("google_cloud_run_v2_job_iam_member", len(catalog.migration_jobs)),
        ):
            grants = [g for g in resources(config, kind).values() if g["member"] == deployer]
            assert len(grants) == count, kind
            assert {g["role"] for g in grants} == ({"roles/run.developer"} if count else set())
        # The applier and planner manage and read every workload (tests/test_infrastructure_access.py).
        pipeline = {f"serviceAccount:${{google_service_account.{address(a)}.email}}" for a in PIPELINE_ACCOUNTS}
        project_roles = [
            g["role"] for g in resources(config, "google_project_iam_member").values() if g["member"] not in pipeline
        ]
        assert not [role for role in project_roles if role.startswith(("roles/run.", "roles/artifactregistry."))]


def test_every_http_service_has_a_url_output(system: System) -> None:
    for _, config in environments(system):
        urls = {k: v for k, v in config["output"].items() if k.endswith("_url")}
        assert urls == {
            f"{address(name)}_url": {
                "value": f"${{google_cloud_run_v2_service.{address(name)}.uri}}",
                "description": f"HTTPS address of {name}",
            }
            for name in http_services(system.catalog)
        }


# --- the worker -----------------------------------------------------------------------------


def test_a_worker_is_a_worker_pool_with_a_fixed_instance_count_and_no_port(system: System) -> None:
    workers = [s for s in system.catalog.services if s.kind == "worker"]
    for env, config in environments(system):
        pools = resources(config, "google_cloud_run_v2_worker_pool")
        assert sorted(pools) == sorted(address(s.name) for s in workers)
        for spec in workers:
            pool = pools[address(spec.name)]
            assert pool["scaling"] == {"scaling_mode": "MANUAL", "manual_instance_count": env.services.worker_instances}
            app = container(pool)
            assert app["image"] == f"{registry(env)}/{spec.name}:${{var.image_tag}}"
            assert "ports" not in app
            assert "startup_probe" not in app
            size = env.services.size_of(spec.name)
            assert app["resources"] == {"limits": {"cpu": size.cpu, "memory": size.memory}}
            assert "google_cloud_run_v2_service" not in str(pool)
            assert address(spec.name) not in resources(config, "google_cloud_run_v2_service")


# --- migration jobs -------------------------------------------------------------------------


def test_one_migration_job_per_database_with_its_url_and_the_environment(system: System) -> None:
    catalog = system.catalog
    for env, config in environments(system):
        jobs = resources(config, "google_cloud_run_v2_job")
        assert sorted(jobs) == sorted(address(d.migration_job) for d in catalog.databases)
        for database in catalog.databases:
            job = jobs[address(database.migration_job)]
            assert job["name"] == database.migration_job
            assert job["template"]["task_count"] == 1
            template = job["template"]["template"]
            assert template["timeout"] == "600s"
            assert template["max_retries"] == 0
            app = container(job)
            assert app["image"] == f"{registry(env)}/{MIGRATIONS_IMAGE}:${{var.image_tag}}"
            job_spec = next(j for j in catalog.migration_jobs if j.database is database)
            assert app["env"] == [
                {"name": "DATABASE_NAMES", "value": ",".join(database.databases)},
                {"name": "DATABASE_POOL_SIZE", "value": str(job_spec.pool_size)},
            ]
            assert {m["name"]: m["mount_path"] for m in app["volume_mounts"]} == {
                "database": "/secrets/database",
                ENVIRONMENT_SECRET: f"/secrets/{ENVIRONMENT_SECRET}",
            }
            assert sorted(secret_address(v["secret"]["secret"]) for v in template["volumes"]) == sorted(
                [address(database.url_secret), address(ENVIRONMENT_SECRET)]
            )


def test_a_migration_job_account_reads_only_its_database_url_and_the_environment(system: System) -> None:
    for _, config in environments(system):
        grants = resources(config, "google_secret_manager_secret_iam_member").values()
        for job in system.catalog.migration_jobs:
            readable = sorted(
                secret_address(g["secret_id"]) for g in grants if account_address(g["member"]) == address(job.name)
            )
            assert readable == sorted([address(job.database.url_secret), address(ENVIRONMENT_SECRET)])


# --- the registry ---------------------------------------------------------------------------


def test_registry_is_adopted_from_the_bootstrap_and_never_destroyed(
    stacks: dict[str, Config], catalog: Catalog
) -> None:
    for env in catalog.environments:
        name = env.registry.repository
        config = stacks[env.name]
        assert [i for i in config["import"] if i["to"].startswith("google_artifact_registry")] == [
            {
                "to": f"google_artifact_registry_repository.{address(name)}",
                "id": f"projects/{env.project_id}/locations/{env.region}/repositories/{name}",
            }
        ]
        repository = resources(config, "google_artifact_registry_repository")[address(name)]
        assert repository["lifecycle"] == {"prevent_destroy": True}
        assert (repository["format"], repository["location"], repository["repository_id"]) == (
            "DOCKER",
            env.region,
            name,
        )
        assert repository["vulnerability_scanning_config"] == {"enablement_config": "INHERITED"}


def test_cleanup_policies_keep_recent_and_released_images_and_delete_old_untagged_ones(
    stacks: dict[str, Config], catalog: Catalog
) -> None:
    for env in catalog.environments:
        settings = env.registry
        repository = resources(stacks[env.name], "google_artifact_registry_repository")[address(settings.repository)]
        assert repository["cleanup_policies"] == [
            {
                "id": "keep-recent",
                "action": "KEEP",
                "most_recent_versions": {"keep_count": settings.keep_recent_versions},
            },
            {
                "id": "keep-releases",
                "action": "KEEP",
                "condition": {"tag_state": "TAGGED", "tag_prefixes": list(settings.protected_tag_prefixes)},
            },
            {
                "id": "delete-untagged",
                "action": "DELETE",
                "condition": {"tag_state": "UNTAGGED", "older_than": f"{settings.untagged_max_age_days * 86400}s"},
            },
        ]
        assert repository["cleanup_policy_dry_run"] is settings.cleanup_dry_run
