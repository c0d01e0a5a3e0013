"""The rendered deploy, rollback and target scripts, run against a fake gcloud and a fake curl."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mindmirror_infra.catalog import MIGRATIONS_IMAGE, Catalog
from mindmirror_infra.delivery.plan import DeliveryPlan, delivery_plan
from mindmirror_infra.delivery.render import SCRIPTS, render
from tests import variants
from tests.delivery_project import Project, digest

# What a deploy may say besides the image: where the workload is, and no prompt.
# Everything else (account, secrets, variables, scaling, ingress, tags) the stacks own.
DEPLOY_FLAGS = {"image", "region", "project", "quiet"}
SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """A small system with every kind of workload the scripts treat apart: each path, a fraction of the calls."""
    return variants.small()


@pytest.fixture(scope="module")
def plan(catalog: Catalog) -> DeliveryPlan:
    return delivery_plan(catalog)


@pytest.fixture(scope="module")
def scripts(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("delivery")
    render(catalog, out)
    return out / SCRIPTS


@pytest.fixture
def project(plan: DeliveryPlan, scripts: Path, tmp_path: Path) -> Project:
    made = Project(plan=plan, target=plan.targets[0], scripts=scripts, folder=tmp_path)
    made.create()
    return made


def test_migrations_run_to_completion_before_any_deploy(project: Project) -> None:
    digests = project.new_digests()
    result = project.deploy(digests)
    assert result.returncode == 0, result.stderr
    commands = [[a for a in c["argv"] if not a.startswith("-")][:3] for c in project.calls()]
    executes = [i for i, words in enumerate(commands) if words == ["run", "jobs", "execute"]]
    deploys = [i for i, c in enumerate(project.calls()) if any(a.startswith("--image=") for a in c["argv"])]
    first_deploy = min(i for i in deploys if commands[i][:3] != ["run", "jobs", "update"])
    assert len(executes) == len(project.plan.migration_jobs)
    assert max(executes) < first_deploy
    migrations = project.image(MIGRATIONS_IMAGE, digests[MIGRATIONS_IMAGE])
    assert {job: state["executions"] for job, state in project.state["jobs"].items()} == {
        job: [migrations] for job in project.plan.migration_jobs
    }
    assert project.deploys() == [(w.name, project.image(w.name, digests[w.name])) for w in project.plan.workloads]


def test_a_failed_migration_deploys_nothing(project: Project) -> None:
    failing = project.plan.migration_jobs[-1]
    project.change(failing_jobs=[failing])
    result = project.deploy(project.new_digests())
    assert result.returncode == 1
    assert f"migration job {failing} failed: nothing was deployed" in result.stderr
    assert project.deploys() == []
    for workload in project.plan.workloads:
        assert project.running(workload.name) == project.first_tag(workload.name)


@pytest.mark.parametrize("kind", ["service", "worker-pool"])
def test_a_failed_check_redeploys_the_previous_digest_and_fails(project: Project, kind: str) -> None:
    workload = next(w for w in project.plan.workloads if w.kind == kind)
    digests = project.new_digests()
    bad = project.image(workload.name, digests[workload.name])
    project.change(bad_images=[bad])
    result = project.deploy(digests, only=workload.name)
    assert result.returncode == 1
    previous = project.image(workload.name, digest(workload.name, "first"))
    assert project.deploys() == [(workload.name, bad), (workload.name, previous)]
    assert project.running(workload.name) == previous
    assert f"rolled back to {previous}" in result.stderr


def test_a_failed_check_stops_the_deploy_at_that_workload(project: Project) -> None:
    digests = project.new_digests()
    failing = project.plan.workloads[1]
    project.change(bad_images=[project.image(failing.name, digests[failing.name])])
    assert project.deploy(digests).returncode == 1
    deployed = [name for name, _ in project.deploys()]
    assert deployed == [project.plan.workloads[0].name, failing.name, failing.name]


def test_a_rerun_deploys_nothing_again_and_checks_again(project: Project) -> None:
    digests = project.new_digests()
    assert project.deploy(digests).returncode == 0
    before = project.state
    again = project.deploy(digests)
    assert again.returncode == 0, again.stderr
    assert project.deploys() == []
    checked = {call["url"] for call in project.calls("curl")}
    services = [w for w in project.plan.workloads if w.kind == "service"]
    assert len(checked) == len(services)
    after = project.state
    assert after["services"] == before["services"]
    assert after["worker_pools"] == before["worker_pools"]


def test_private_services_are_checked_with_an_identity_token_and_public_ones_without(project: Project) -> None:
    assert project.deploy(project.new_digests()).returncode == 0
    headers = {call["url"]: call["header"] for call in project.calls("curl")}
    for workload in project.plan.workloads:
        if workload.kind != "service":
            continue
        url = project.state["services"][workload.name]["url"] + workload.health_path
        expected = "fake-identity-token" if workload.private else ""
        assert headers[url] == f"Authorization: Bearer {expected}\n"


def test_deploys_pass_only_the_image_by_digest(project: Project) -> None:
    assert project.deploy(project.new_digests()).returncode == 0
    for call in project.calls():
        if "deploy" in call["argv"] or "update" in call["argv"]:
            flags = {a[2:].split("=")[0] for a in call["argv"] if a.startswith("--")}
            assert flags <= DEPLOY_FLAGS, call["argv"]
            image = next(a for a in call["argv"] if a.startswith("--image="))
            assert "@sha256:" in image


@pytest.mark.parametrize("broken", ["missing", "malformed"])
def test_a_missing_or_malformed_digest_changes_nothing(project: Project, broken: str) -> None:
    digests = project.new_digests()
    first = project.plan.workloads[0].name
    if broken == "missing":
        del digests[first]
    else:
        digests[first] = "sha256:abc"
    result = project.deploy(digests)
    assert result.returncode == 2
    assert f"DIGESTS[{first}]" in result.stderr
    assert "expected sha256:<64 hex digits>" in result.stderr
    assert project.calls() == []


def test_an_unknown_environment_or_service_changes_nothing(project: Project) -> None:
    result = project.run("deploy.sh", ENVIRONMENT="nowhere", DIGESTS="{}")
    assert result.returncode == 2
    assert "environment 'nowhere'" in result.stderr
    result = project.deploy(project.new_digests(), only="no-such-service")
    assert result.returncode == 2
    assert "service 'no-such-service'" in result.stderr
    assert project.calls() == []


def test_the_smoke_command_runs_after_the_health_check_and_a_failure_rolls_back(
    plan: DeliveryPlan, tmp_path: Path
) -> None:
    service = next(w for w in plan.workloads if w.kind == "service" and w.private)
    smoke = 'printf "%s %s %s" "$SERVICE" "$SERVICE_URL" "$ID_TOKEN" > smoke.txt; test "$SMOKE_PASSES" = yes'
    catalog = variants.with_service(service.name, smoke=smoke)
    render(catalog, tmp_path / "out")
    project = Project(plan, plan.targets[0], tmp_path / "out" / SCRIPTS, tmp_path)
    project.create()
    digests = project.new_digests()
    url = project.state["services"][service.name]["url"]

    passing = project.run(
        "deploy.sh", ENVIRONMENT=project.target.name, DIGESTS=json.dumps(digests), ONLY=service.name, SMOKE_PASSES="yes"
    )
    assert passing.returncode == 0, passing.stderr
    assert (tmp_path / "smoke.txt").read_text() == f"{service.name} {url} fake-identity-token"

    newer = json.dumps(project.new_digests("newer"))
    failing = project.run("deploy.sh", ENVIRONMENT=project.target.name, DIGESTS=newer, ONLY=service.name)
    assert failing.returncode == 1
    assert f"{service.name}: smoke test failed" in failing.stderr
    assert project.running(service.name) == project.image(service.name, digests[service.name])


@pytest.mark.parametrize("kind", ["service", "worker-pool"])
def test_rollback_to_previous_redeploys_the_image_before_the_current_one(project: Project, kind: str) -> None:
    workload = next(w for w in project.plan.workloads if w.kind == kind)
    first, second = project.new_digests("one"), project.new_digests("two")
    assert project.deploy(first, only=workload.name).returncode == 0
    assert project.deploy(second, only=workload.name).returncode == 0
    result = project.run("rollback.sh", ENVIRONMENT=project.target.name, SERVICE=workload.name, TARGET="previous")
    assert result.returncode == 0, result.stderr
    expected = project.image(workload.name, first[workload.name])
    assert project.deploys() == [(workload.name, expected)]
    assert project.running(workload.name) == expected
    assert f"{workload.name} now runs {expected}" in result.stdout


def test_rollback_to_a_tag_deploys_the_digest_it_names_and_to_a_digest_that_digest(project: Project) -> None:
    workload = project.plan.workloads[0]
    assert project.deploy(project.new_digests(), only=workload.name).returncode == 0
    tag_digest = digest(workload.name, "first")
    result = project.run(
        "rollback.sh", ENVIRONMENT=project.target.name, SERVICE=workload.name, TARGET=f"{project.target.name}-latest"
    )
    assert result.returncode == 0, result.stderr
    assert project.deploys() == [(workload.name, project.image(workload.name, tag_digest))]
    chosen = digest("chosen")
    result = project.run("rollback.sh", ENVIRONMENT=project.target.name, SERVICE=workload.name, TARGET=chosen)
    assert result.returncode == 0, result.stderr
    assert project.running(workload.name) == project.image(workload.name, chosen)


@pytest.mark.parametrize("target", ["latest; rm -rf /", "sha256:abc", "-x"])
def test_rollback_refuses_a_bad_target_before_any_call(project: Project, target: str) -> None:
    workload = project.plan.workloads[0]
    result = project.run("rollback.sh", ENVIRONMENT=project.target.name, SERVICE=workload.name, TARGET=target)
    assert result.returncode == 2
    assert f"TARGET '{target}'" in result.stderr
    assert project.calls() == []


def run_target(scripts: Path, ref: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(scripts / "target.sh")],
        env={"PATH": "/usr/bin:/bin", "REF": ref, "SHA": SHA, "EVENT": "push", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def outputs(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


def test_each_environment_deploys_from_its_refs(plan: DeliveryPlan, scripts: Path) -> None:
    for target in plan.targets:
        refs = [f"refs/heads/{b}" for b in target.branches] + [
            f"refs/tags/{t.replace('*', '1.2.3')}" for t in target.tags
        ]
        for ref in refs:
            result = run_target(scripts, ref)
            assert result.returncode == 0, result.stderr
            found = outputs(result)
            assert (found["environment"], found["project"], found["registry"], found["deployer"]) == (
                target.name,
                target.project_id,
                target.registry,
                target.deployer,
            )
            expected = ref.removeprefix("refs/tags/") if "/tags/" in ref else f"{ref.removeprefix('refs/heads/')}-{SHA}"
            assert found["version"] == expected
            for other in plan.targets:
                if other != target:
                    refused = run_target(scripts, ref, ENVIRONMENT=other.name)
                    assert refused.returncode == 2
                    assert f"{ref} may not deploy to {other.name}" in refused.stderr


def test_a_ref_of_no_environment_deploys_nowhere(plan: DeliveryPlan, scripts: Path) -> None:
    result = run_target(scripts, "refs/heads/feature-x")
    assert result.returncode == 2
    assert "refs/heads/feature-x deploys to no environment" in result.stderr
    for target in plan.targets:
        result = run_target(scripts, "refs/heads/feature-x", ENVIRONMENT=target.name, EVENT="workflow_dispatch")
        assert result.returncode == 2


def test_a_manual_run_names_one_service_or_all(plan: DeliveryPlan, scripts: Path) -> None:
    target = plan.targets[0]
    ref = f"refs/heads/{target.branches[0]}"
    for workload in plan.workloads:
        assert outputs(run_target(scripts, ref, SERVICE=workload.name))["only"] == workload.name
    assert outputs(run_target(scripts, ref, SERVICE="all"))["only"] == ""
    refused = run_target(scripts, ref, SERVICE="nope")
    assert refused.returncode == 2
    assert "service 'nope'" in refused.stderr
