"""The Cloud Run and Artifact Registry constructs on their own: what they write and what they refuse."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import cdktn
import pytest
from cdktn import TerraformStack

from mindmirror_infra.catalog import ServiceSettings, ServiceSize, TrafficSplit
from mindmirror_infra.constructs.artifact_registry import DockerRepository, DockerRepositoryProps
from mindmirror_infra.constructs.cloud_run_job import CloudRunJob, CloudRunJobProps
from mindmirror_infra.constructs.cloud_run_service import CloudRunService, CloudRunServiceProps, TrafficTarget
from mindmirror_infra.constructs.cloud_run_worker_pool import CloudRunWorkerPoolProps
from mindmirror_infra.constructs.cloud_run_workload import SecretFile, VpcEgress, WorkloadProps
from mindmirror_infra.constructs.secret import Secret, SecretProps
from mindmirror_infra.constructs.service_account import ServiceAccount, ServiceAccountProps
from mindmirror_infra.errors import InvalidConfig
from tests import variants
from tests.synth import resources
from tests.test_catalog import refused

PROJECT = "demo-project"
CONNECTOR = VpcEgress(connector="projects/demo-project/locations/europe-west1/connectors/c")
DIRECT = VpcEgress(network="projects/demo-project/global/networks/vpc", subnetwork="run-subnet")


class Scene:
    """A tiny stack with two accounts and two secrets to build constructs in."""

    def __init__(self) -> None:
        self.stack = TerraformStack(cdktn.Testing.app(), "test")
        self.account = ServiceAccount(
            self.stack, "a", ServiceAccountProps(project_id=PROJECT, account_id="api-service")
        )
        self.caller = ServiceAccount(self.stack, "c", ServiceAccountProps(project_id=PROJECT, account_id="gateway"))
        self.db = Secret(self.stack, "s1", SecretProps(project_id=PROJECT, secret_id="db-url"))
        self.jwt = Secret(self.stack, "s2", SecretProps(project_id=PROJECT, secret_id="jwt"))

    def workload(self, **changes: Any) -> WorkloadProps:
        fields: dict[str, Any] = {
            "project_id": PROJECT,
            "region": "europe-west1",
            "name": "api-service",
            "image": "europe-west1-docker.pkg.dev/demo-project/apps/api:v1",
            "account": self.account,
            "egress": DIRECT,
            "secrets": (SecretFile("database", self.db),),
        }
        fields.update(changes)
        return WorkloadProps(**fields)

    def synth(self) -> dict[str, Any]:
        config: dict[str, Any] = json.loads(cdktn.Testing.synth(self.stack))
        return config


@pytest.fixture(scope="module")
def scene() -> Scene:
    return Scene()


def test_a_canary_splits_traffic_between_latest_and_a_tagged_revision() -> None:
    scene = Scene()
    CloudRunService(
        scene.stack,
        "svc",
        CloudRunServiceProps(
            workload=scene.workload(),
            port=8080,
            traffic=(TrafficTarget(10), TrafficTarget(90, revision="api-service-00007-xyz", tag="stable")),
        ),
    )
    body = scene.synth()["resource"]["google_cloud_run_v2_service"]["api_service"]
    assert body["traffic"] == [
        {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 10},
        {
            "type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
            "revision": "api-service-00007-xyz",
            "percent": 90,
            "tag": "stable",
        },
    ]


def test_mounting_a_secret_grants_it_to_the_account_and_the_service_waits_for_the_grant() -> None:
    scene = Scene()
    service = CloudRunService(
        scene.stack,
        "svc",
        CloudRunServiceProps(
            workload=scene.workload(secrets=(SecretFile("database", scene.db), SecretFile("jwt", scene.jwt, "key"))),
            port=8080,
            public=True,
        ),
    )
    service.grant_deploy(scene.caller)
    config = scene.synth()
    grants = resources(config, "google_secret_manager_secret_iam_member")
    assert sorted(grants) == ['grants["db-url/api-service"]', 'grants["jwt/api-service"]']
    assert {g["member"] for g in grants.values()} == {"serviceAccount:${google_service_account.api_service.email}"}
    body = config["resource"]["google_cloud_run_v2_service"]["api_service"]
    assert body["depends_on"] == ["google_secret_manager_secret_iam_member.grants"]
    assert body["template"]["volumes"][1]["secret"]["items"] == [{"path": "key", "version": "latest"}]
    assert body["invoker_iam_disabled"] is True
    iam = resources(config, "google_cloud_run_v2_service_iam_member")
    assert list(iam) == ['grants["api-service/roles/run.developer/gateway"]']
    assert iam['grants["api-service/roles/run.developer/gateway"]']["role"] == "roles/run.developer"


def test_a_public_service_takes_no_invokers(scene: Scene) -> None:
    service = CloudRunService(
        scene.stack, "public", CloudRunServiceProps(workload=scene.workload(name="web-app"), port=3000, public=True)
    )
    refused(lambda: service.grant_invoke(scene.caller), "cloud_run[web-app].invokers", "gateway", "no invokers")


def test_a_fraction_of_a_cpu_is_accepted_for_one_request_at_a_time(scene: Scene) -> None:
    props = CloudRunServiceProps(workload=scene.workload(cpu="0.5", memory="1Gi"), port=8080, concurrency=1)
    assert props.workload.cpu == "0.5"


def test_a_job_runs_once_per_execution_with_its_timeout() -> None:
    scene = Scene()
    CloudRunJob(scene.stack, "job", CloudRunJobProps(workload=scene.workload(name="migrate-api"), timeout_seconds=900))
    job = scene.synth()["resource"]["google_cloud_run_v2_job"]["migrate_api"]
    assert (job["template"]["task_count"], job["template"]["parallelism"]) == (1, 1)
    assert job["template"]["template"]["timeout"] == "900s"
    assert job["depends_on"] == ["google_secret_manager_secret_iam_member.grants"]


def test_repository_import_and_image_references() -> None:
    scene = Scene()
    registry = DockerRepository(
        scene.stack, "registry", DockerRepositoryProps(project_id=PROJECT, region="europe-west1", repository_id="apps")
    )
    assert registry.image("api", "v1") == "europe-west1-docker.pkg.dev/demo-project/apps/api:v1"
    config = scene.synth()
    assert [i for i in config["import"] if i["to"].startswith("google_artifact_registry")] == [
        {
            "to": "google_artifact_registry_repository.apps",
            "id": "projects/demo-project/locations/europe-west1/repositories/apps",
        }
    ]


# --- bad input: every rule, with the exact field -------------------------------------------


def service_props(scene: Scene, **changes: Any) -> Callable[[], CloudRunServiceProps]:
    workload_changes = {k: changes.pop(k) for k in ("cpu", "memory", "secrets", "env", "name") if k in changes}
    return lambda: CloudRunServiceProps(workload=scene.workload(**workload_changes), **{"port": 8080, **changes})


BAD_SERVICES: list[tuple[str, dict[str, Any], str, str, str]] = [
    ("cpu 3", {"cpu": "3"}, "cloud_run[api-service].cpu", "3", "1, 2, 4, 6 or 8"),
    ("cpu too small", {"cpu": "0.05"}, "cloud_run[api-service].cpu", "0.05", "0.08"),
    ("cpu not a string", {"cpu": 2}, "cloud_run[api-service].cpu", "2", "as a string"),
    ("fractional cpu with concurrency 80", {"cpu": "0.5"}, "cloud_run[api-service].cpu", "0.5", "concurrency of 1"),
    ("memory below 512Mi", {"memory": "256Mi"}, "cloud_run[api-service].memory", "256Mi", "512Mi to 32Gi"),
    ("memory above 32Gi", {"cpu": "8", "memory": "33Gi"}, "cloud_run[api-service].memory", "33Gi", "32Gi"),
    ("memory in GB", {"memory": "1GB"}, "cloud_run[api-service].memory", "1GB", "Mi or Gi"),
    ("8Gi on 1 CPU", {"memory": "8Gi"}, "cloud_run[api-service].memory", "8Gi", "above 4Gi needs at least 2 CPU"),
    ("10Gi on 2 CPUs", {"cpu": "2", "memory": "10Gi"}, "cloud_run[api-service].memory", "10Gi", "at least 4 CPU"),
    ("20Gi on 4 CPUs", {"cpu": "4", "memory": "20Gi"}, "cloud_run[api-service].memory", "20Gi", "at least 6 CPU"),
    ("25Gi on 6 CPUs", {"cpu": "6", "memory": "25Gi"}, "cloud_run[api-service].memory", "25Gi", "at least 8 CPU"),
    ("1Gi on 4 CPUs", {"cpu": "4", "memory": "1Gi"}, "cloud_run[api-service].memory", "1Gi", "at least 2Gi"),
    ("2Gi on 8 CPUs", {"cpu": "8", "memory": "2Gi"}, "cloud_run[api-service].memory", "2Gi", "at least 4Gi"),
    (
        "2Gi on half a CPU",
        {"cpu": "0.5", "memory": "2Gi", "concurrency": 1},
        "cloud_run[api-service].memory",
        "2Gi",
        "at least 1 CPU",
    ),
    ("min above max", {"min_instances": 5, "max_instances": 2}, "cloud_run[api-service].min_instances", "5", "(2)"),
    ("port zero", {"port": 0}, "cloud_run[api-service].port", "0", "1 to 65535"),
    ("port too high", {"port": 65536}, "cloud_run[api-service].port", "65536", "1 to 65535"),
    ("concurrency zero", {"concurrency": 0}, "cloud_run[api-service].concurrency", "0", "1 to 1000"),
    ("timeout over an hour", {"timeout_seconds": 3601}, "cloud_run[api-service].timeout_seconds", "3601", "3600"),
    ("health path", {"health_path": "health"}, "cloud_run[api-service].health_path", "health", "starting with '/'"),
    ("unknown ingress", {"ingress": "PUBLIC"}, "cloud_run[api-service].ingress", "PUBLIC", "INGRESS_TRAFFIC_ALL"),
    (
        "traffic over 100",
        {"traffic": (TrafficTarget(60), TrafficTarget(60, revision="api-service-1"))},
        "cloud_run[api-service].traffic",
        "[60, 60]",
        "summing to 100, not 120",
    ),
    (
        "traffic under 100",
        {"traffic": (TrafficTarget(90),)},
        "cloud_run[api-service].traffic",
        "[90]",
        "summing to 100, not 90",
    ),
    (
        "negative share",
        {"traffic": (TrafficTarget(100), TrafficTarget(-10, revision="api-service-1"))},
        "cloud_run[api-service].traffic.percent",
        "-10",
        "0 to 100",
    ),
    (
        "revision of another service",
        {"traffic": (TrafficTarget(50), TrafficTarget(50, revision="web-app-00001"))},
        "cloud_run[api-service].traffic.revision",
        "web-app-00001",
        "'api-service-...'",
    ),
    (
        "two shares to latest",
        {"traffic": (TrafficTarget(50), TrafficTarget(50))},
        "cloud_run[api-service].traffic.revision",
        "latest",
        "unique",
    ),
    (
        "bad tag",
        {"traffic": (TrafficTarget(50), TrafficTarget(50, revision="api-service-1", tag="Stable"))},
        "cloud_run[api-service].traffic.tag",
        "Stable",
        "lowercase",
    ),
    (
        "a credential as an environment variable",
        {"env": {"OPENAI_API_KEY": "sk-not-here"}},
        "cloud_run[api-service].env",
        "OPENAI_API_KEY",
        "mount it from a secret",
    ),
    (
        "credentials in a setting URL",
        {"env": {"REDIS_URL": "redis://user:pw@10.0.0.3"}},
        "cloud_run[api-service].env[REDIS_URL]",
        "<redacted>",
        "belongs in a secret",
    ),
    (
        "lower-case environment variable",
        {"env": {"redis_url": "redis://10.0.0.3"}},
        "cloud_run[api-service].env",
        "redis_url",
        "upper-case",
    ),
    ("bad name", {"name": "Api"}, "cloud_run[Api].name", "Api", "lowercase"),
]


@pytest.mark.parametrize(
    ("changes", "field", "value", "allowed"), [c[1:] for c in BAD_SERVICES], ids=[c[0] for c in BAD_SERVICES]
)
def test_bad_service_props_are_refused(
    scene: Scene, changes: dict[str, Any], field: str, value: str, allowed: str
) -> None:
    refused(service_props(scene, **changes), field, value, allowed)


def test_bad_secret_mounts_are_refused(scene: Scene) -> None:
    refused(
        lambda: scene.workload(secrets=(SecretFile("db", scene.db, mount_path="/etc/db"),)),
        "cloud_run[api-service].secrets[db].mount_path",
        "/etc/db",
        "under '/secrets/'",
    )
    refused(
        lambda: scene.workload(secrets=(SecretFile("db", scene.db, mount_path="/secrets/../etc"),)),
        "cloud_run[api-service].secrets[db].mount_path",
        "/secrets/../etc",
        "under '/secrets/'",
    )
    refused(
        lambda: scene.workload(
            secrets=(SecretFile("db", scene.db), SecretFile("db", scene.jwt, mount_path="/secrets/x"))
        ),
        "cloud_run[api-service].secrets.volume",
        "db",
        "unique",
    )
    refused(
        lambda: scene.workload(
            secrets=(
                SecretFile("a", scene.db, mount_path="/secrets/x"),
                SecretFile("b", scene.jwt, mount_path="/secrets/x"),
            )
        ),
        "cloud_run[api-service].secrets.mount_path",
        "/secrets/x",
        "unique",
    )

    def with_egress(egress: VpcEgress) -> Callable[[], WorkloadProps]:
        return lambda: scene.workload(egress=egress)

    for egress in (VpcEgress(), VpcEgress(connector="c", network="n", subnetwork="s"), VpcEgress(network="n")):
        refused(
            with_egress(egress),
            "cloud_run[api-service].egress",
            repr(egress),
            "either a connector or a network and subnetwork",
        )


def test_private_egress_is_direct_vpc_or_the_connector_and_a_worker_pool_is_always_direct(scene: Scene) -> None:
    stack = Scene()
    for name, egress in (("direct", DIRECT), ("connector", CONNECTOR)):
        spec = stack.workload(name=f"{name}-service", egress=egress)
        CloudRunService(stack.stack, name, CloudRunServiceProps(workload=spec, port=8080))
    services = resources(stack.synth(), "google_cloud_run_v2_service")
    assert services["direct_service"]["template"]["vpc_access"] == {
        "network_interfaces": [{"network": DIRECT.network, "subnetwork": DIRECT.subnetwork}],
        "egress": "PRIVATE_RANGES_ONLY",
    }
    assert services["connector_service"]["template"]["vpc_access"] == {
        "connector": CONNECTOR.connector,
        "egress": "PRIVATE_RANGES_ONLY",
    }
    refused(
        lambda: CloudRunWorkerPoolProps(workload=scene.workload(egress=CONNECTOR)),
        "cloud_run[api-service].egress",
        repr(CONNECTOR),
        "a worker pool uses Direct VPC egress",
    )


def test_workers_and_jobs_need_whole_cpus_and_sane_counts(scene: Scene) -> None:
    half = scene.workload(cpu="0.5")
    refused(lambda: CloudRunWorkerPoolProps(workload=half), "cloud_run[api-service].cpu", "0.5", "1, 2, 4, 6 or 8")
    refused(lambda: CloudRunJobProps(workload=half), "cloud_run[api-service].cpu", "0.5", "1, 2, 4, 6 or 8")
    refused(
        lambda: CloudRunWorkerPoolProps(workload=scene.workload(), instances=0),
        "cloud_run[api-service].instances",
        "0",
        "1 to 100",
    )
    refused(
        lambda: CloudRunJobProps(workload=scene.workload(), timeout_seconds=0),
        "cloud_run[api-service].timeout_seconds",
        "0",
        "1 to 86400",
    )


def test_bad_repository_props_are_refused() -> None:
    base: dict[str, Any] = {"project_id": PROJECT, "region": "europe-west1", "repository_id": "apps"}
    refused(
        lambda: DockerRepositoryProps(**base, protected_tag_prefixes=()),
        "docker_repository[apps].protected_tag_prefixes",
        "()",
        "at least one",
    )
    refused(
        lambda: DockerRepositoryProps(**base, keep_recent_versions=0),
        "docker_repository[apps].keep_recent_versions",
        "0",
        "1 to 1000",
    )
    refused(
        lambda: DockerRepositoryProps(**base, protected_tag_prefixes=("-v",)),
        "docker_repository[apps].protected_tag_prefixes",
        "-v",
        "Docker tag",
    )


# --- bad input in the catalog: named by the environment setting -----------------------------

SPLIT = TrafficSplit("agent-service", 10, revision="agent-service-00042-abc")

BAD_CATALOGS: list[tuple[str, Callable[[], Any], str, str, str]] = [
    (
        "size Cloud Run refuses",
        lambda: variants.with_production(services=ServiceSettings(sizes={"agent-service": ServiceSize("1", "8Gi")})),
        "environments[production].services.sizes[agent-service].memory",
        "8Gi",
        "at least 2 CPU",
    ),
    (
        "fractional default size for workers and jobs",
        lambda: variants.with_production(services=ServiceSettings(concurrency=1, default_size=ServiceSize("0.5"))),
        "environments[production].services.default_size.cpu",
        "0.5",
        "concurrency of 1",
    ),
    (
        "no worker instances",
        lambda: variants.with_production(services=ServiceSettings(worker_instances=0)),
        "environments[production].services.worker_instances",
        "0",
        "1 to 100",
    ),
    (
        "canary for an unknown service",
        lambda: variants.with_production(traffic=(replace(SPLIT, service="agent", revision="agent-1"),)),
        "environments[production].traffic[agent].service",
        "agent",
        "'agent-service'",
    ),
    (
        "canary for the worker",
        lambda: variants.with_production(
            traffic=(replace(SPLIT, service="celery-worker", revision="celery-worker-1"),)
        ),
        "environments[production].traffic[celery-worker].service",
        "celery-worker",
        "'web-app'",
    ),
    (
        "canary sending everything to latest",
        lambda: variants.with_production(traffic=(replace(SPLIT, latest_percent=100),)),
        "environments[production].traffic[agent-service].latest_percent",
        "100",
        "0 to 99",
    ),
    (
        "canary keeping another service's revision",
        lambda: variants.with_production(traffic=(replace(SPLIT, revision="users-service-00001"),)),
        "environments[production].traffic[agent-service].revision",
        "users-service-00001",
        "'agent-service-...'",
    ),
    (
        "two canaries for one service",
        lambda: variants.with_production(traffic=(SPLIT, SPLIT)),
        "environments[production].traffic.service",
        "agent-service",
        "unique",
    ),
    (
        "no protected tags",
        lambda: variants.with_production_part("registry", protected_tag_prefixes=()),
        "environments[production].registry.protected_tag_prefixes",
        "()",
        "at least one",
    ),
]


@pytest.mark.parametrize(
    ("build", "field", "value", "allowed"), [c[1:] for c in BAD_CATALOGS], ids=[c[0] for c in BAD_CATALOGS]
)
def test_bad_compute_settings_are_refused_in_the_catalog(
    build: Callable[[], Any], field: str, value: str, allowed: str
) -> None:
    refused(build, field, value, allowed)


def test_a_canary_in_the_catalog_is_accepted() -> None:
    changed = variants.with_production(traffic=(SPLIT,))
    assert changed.environment("production").traffic[0].stable_percent == 90
    with pytest.raises(InvalidConfig):
        variants.with_production(traffic=(replace(SPLIT, tag="Bad"),))
