"""The rendered workflows: committed as rendered, linted, pinned, complete, and installed safely."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from mindmirror_infra.catalog import MIGRATIONS_IMAGE, Catalog
from mindmirror_infra.cli import main
from mindmirror_infra.delivery.plan import delivery_plan
from mindmirror_infra.delivery.render import (
    INSTALLED,
    MARK,
    OWN_WORKFLOW,
    SCRIPTS,
    WORKFLOWS,
    install,
    own_workflow,
    render,
    rendered_files,
)
from tests import variants
from tests.conftest import REPO
from tests.delivery_project import Project
from tests.gcloud_cli import SIGNED_OUT, needs_gcloud, parse_each
from tests.test_drift import differing_files

BIN = Path(sys.executable).parent
# What the stacks own: a deploy that passed one of these would fight the next apply.
OWNED_BY_THE_STACKS = (
    "--allow-unauthenticated",
    "--no-allow-unauthenticated",
    "--set-secrets",
    "--update-secrets",
    "--service-account",
    "--set-env-vars",
    "--update-env-vars",
    "--min-instances",
    "--max-instances",
    "--revision-suffix",
    "--tag",
    "--ingress",
    "--cpu",
    "--memory",
)
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


OWN = REPO / ".github" / "workflows" / OWN_WORKFLOW


@pytest.fixture(scope="module")
def files(catalog: Catalog) -> dict[Path, str]:
    """The application repository's files, and this repository's own workflow beside them."""
    return {**rendered_files(catalog), WORKFLOWS / OWN_WORKFLOW: own_workflow(catalog)}


@pytest.fixture(scope="module")
def workflows(files: dict[Path, str]) -> dict[str, Any]:
    return {path.stem: yaml.safe_load(text) for path, text in files.items() if path.parent == WORKFLOWS}


@pytest.fixture(scope="module")
def application_repository(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An application repository with the workflows installed, as `actionlint` reads one (a git work tree)."""
    folder = tmp_path_factory.mktemp("application")
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    install(catalog, folder)
    # This repository's own workflow is linted the same way.
    (folder / INSTALLED[WORKFLOWS] / OWN_WORKFLOW).write_text(own_workflow(catalog))
    return folder


def test_delivery_matches_a_fresh_render(catalog: Catalog, tmp_path: Path) -> None:
    render(catalog, tmp_path / "delivery")
    differing = differing_files(REPO / "delivery", tmp_path / "delivery")
    assert not differing, f"delivery/ is out of date in {differing}: run `make synth` and commit delivery/"


def test_every_workflow_passes_actionlint_with_shellcheck(application_repository: Path) -> None:
    found = sorted((application_repository / INSTALLED[WORKFLOWS]).glob("*.yml"))
    result = subprocess.run(
        [BIN / "actionlint", "-shellcheck", BIN / "shellcheck", "-format", "{{json .}}", *found],
        cwd=application_repository,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, json.loads(result.stdout or "[]")) == (0, []), result.stdout + result.stderr


def test_every_workflow_passes_zizmor(application_repository: Path) -> None:
    found = sorted((application_repository / INSTALLED[WORKFLOWS]).glob("*.yml"))
    result = subprocess.run(
        [
            BIN / "zizmor",
            "--offline",
            "--no-progress",
            "--config",
            REPO / "tests/tools/zizmor.yml",
            "--format=json",
            *found,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, json.loads(result.stdout)) == (0, []), result.stdout + result.stderr


def test_every_script_passes_shellcheck(application_repository: Path) -> None:
    scripts = sorted((application_repository / INSTALLED[SCRIPTS]).glob("*.sh"))
    result = subprocess.run([BIN / "shellcheck", *scripts], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_every_action_is_pinned_to_a_full_commit(files: dict[Path, str]) -> None:
    uses = [
        line.split("uses: ", 1)[1]
        for path, text in files.items()
        if path.parent == WORKFLOWS
        for line in text.splitlines()
        if "uses: " in line
    ]
    assert uses
    for text in uses:
        assert text.startswith("./.github/workflows/") or PINNED.fullmatch(text), text


def test_every_file_says_it_is_rendered(files: dict[Path, str]) -> None:
    for path, text in files.items():
        head = text.splitlines()[1 if text.startswith("#!") else 0]
        assert head.startswith("# Rendered by mminfra from the catalog"), path
        assert (head == MARK) == (path.name != OWN_WORKFLOW), path


def test_this_repositorys_workflow_matches_a_fresh_render(catalog: Catalog) -> None:
    assert OWN.read_text() == own_workflow(catalog), "run `make synth` and commit .github/workflows/"


def test_this_repository_validates_and_plans_every_stack_and_applies_each_in_its_environment(
    catalog: Catalog, workflows: dict[str, Any]
) -> None:
    jobs = workflows[Path(OWN_WORKFLOW).stem]["jobs"]
    names = [e.name for e in catalog.environments]
    expected = ["test"] + [f"{kind}-{n}" for n in names for kind in ("validate", "plan")]
    assert list(jobs) == expected + [f"apply-{n}" for n in names]
    for env in catalog.environments:
        steps = [step.get("run", "") for step in jobs[f"validate-{env.name}"]["steps"]]
        assert f"tofu -chdir=generated/stacks/{env.name} init -backend=false -input=false" in steps
        assert f"tofu -chdir=generated/stacks/{env.name} validate" in steps
        assert "environment" not in jobs[f"plan-{env.name}"]
        assert "-lock=false" in jobs[f"plan-{env.name}"]["steps"][-1]["run"]
        assert jobs[f"apply-{env.name}"]["environment"] == env.github_environment


def test_nothing_the_stacks_own_is_passed(files: dict[Path, str]) -> None:
    for path, text in files.items():
        for flag in OWNED_BY_THE_STACKS:
            assert not re.search(rf"{flag}(\W|$)", text), f"{path} passes {flag}"
        assert "credentials_json" not in text, path


def test_every_workload_and_job_appears_where_it_should(
    catalog: Catalog, workflows: dict[str, Any], files: dict[Path, str]
) -> None:
    workloads = [s.name for s in catalog.services]
    with_database = [s.name for s in catalog.services if s.database]
    images = [*workloads, MIGRATIONS_IMAGE] if with_database else workloads
    environments = [e.name for e in catalog.environments]

    build = workflows["build-and-push"]
    assert list(build[True]["workflow_call"]["outputs"]) == images
    assert list(build["jobs"]) == ["target", *images]
    for name in workloads:
        assert build["jobs"][name]["if"] == f"inputs.only == '' || inputs.only == '{name}'"
    if with_database:
        users = " || ".join(f"inputs.only == '{n}'" for n in with_database)
        assert build["jobs"][MIGRATIONS_IMAGE]["if"] == f"inputs.only == '' || {users}"

    dispatch = workflows["deploy"][True]["workflow_dispatch"]["inputs"]
    assert dispatch["environment"]["options"] == environments
    assert dispatch["service"]["options"] == ["all", *workloads]
    rollback = workflows["rollback"][True]["workflow_dispatch"]["inputs"]
    assert rollback["environment"]["options"] == environments
    assert rollback["service"]["options"] == workloads

    deploy_script = files[SCRIPTS / "deploy.sh"]
    declared = re.search(r"^declare -A MIGRATION_JOB=\((.*)\)$", deploy_script, re.MULTILINE)
    assert declared is not None
    pairs = dict(re.findall(r"\[([^]]+)\]=(\S*)", declared.group(1)))
    expected = {s.name: catalog.database(s.database).migration_job if s.database else "''" for s in catalog.services}
    assert pairs == expected
    assert {v for v in pairs.values() if v != "''"} == {j.name for j in catalog.migration_jobs}
    for job in catalog.migration_jobs:
        assert job.name not in files[SCRIPTS / "rollback.sh"].split("declare -A MIGRATION_JOB")[0]


def test_production_deploys_through_its_github_environment(workflows: dict[str, Any]) -> None:
    signing_in = [
        job
        for name, workflow in workflows.items()
        if name != Path(OWN_WORKFLOW).stem
        for job in workflow["jobs"].values()
        if job.get("permissions", {}).get("id-token") == "write" and "uses" not in job
    ]
    assert len(signing_in) == len(workflows["build-and-push"]["jobs"]) - 1 + 2
    for job in signing_in:
        # The deployer's trust admits jobs of the environment's GitHub environment only.
        assert job["environment"] == "${{ needs.target.outputs.github_environment }}"
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
    for workflow in workflows.values():
        assert workflow["permissions"] == {}


def test_install_writes_the_workflows_and_scripts_and_replaces_only_its_own(
    files: dict[Path, str], tmp_path: Path
) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["workflows", "install", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    expected = sorted(str(INSTALLED[p.parent] / p.name) for p in files if p.name != OWN_WORKFLOW)
    assert written == expected
    assert all(os.access(tmp_path / p, os.X_OK) for p in written if p.endswith(".sh"))
    assert runner.invoke(main, ["workflows", "install", str(tmp_path)]).exit_code == 0

    own = tmp_path / INSTALLED[WORKFLOWS] / "deploy.yml"
    own.write_text("name: my own deploy\n")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    refused = runner.invoke(main, ["workflows", "install", str(tmp_path)])
    assert refused.exit_code == 2
    assert f"DEST: {str(own)!r}" in refused.output
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_install_into_a_missing_folder_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["workflows", "install", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "expected the folder of the application repository" in result.output


def gcloud_shape(argv: list[str]) -> tuple[str, ...]:
    """A command and its flag names: calls that differ only in values parse alike."""
    words = tuple(a for a in argv if not a.startswith("-"))
    flags = tuple(sorted(a.split("=")[0] for a in argv if a.startswith("-")))
    command = words[: 4 if words[0] == "beta" else 3]
    return command + flags


@needs_gcloud
def test_every_gcloud_command_line_parses_with_the_real_gcloud(files: dict[Path, str], tmp_path: Path) -> None:
    """Every call the scripts make (each kind of workload, deploy and rollback) and every gcloud line of the workflows.

    Without credentials gcloud parses the whole line first: an unknown command
    or flag exits 2; a well-formed line fails later, for want of an account.
    The scripts run on a small system that has every kind of workload they treat apart.
    """
    small = variants.small()
    plan = delivery_plan(small)
    render(small, tmp_path / "out")
    project = Project(plan, plan.targets[0], tmp_path / "out" / SCRIPTS, tmp_path)
    project.create()
    calls: list[list[str]] = []
    assert project.deploy(project.new_digests("one")).returncode == 0
    calls += [c["argv"] for c in project.calls()]
    assert project.deploy(project.new_digests("two")).returncode == 0
    for kind in ("service", "worker-pool"):
        name = next(w.name for w in plan.workloads if w.kind == kind)
        for target in ("previous", f"{plan.targets[0].name}-latest"):
            result = project.run("rollback.sh", ENVIRONMENT=plan.targets[0].name, SERVICE=name, TARGET=target)
            assert result.returncode == 0, result.stderr
            calls += [c["argv"] for c in project.calls()]
    in_workflows = [
        line
        for path, text in files.items()
        if path.parent == WORKFLOWS
        for line in text.splitlines()
        if re.search(r"\bgcloud ", line)
    ]
    assert not in_workflows, "a gcloud line in a workflow: parse it here too"
    shapes = {gcloud_shape(argv): argv for argv in calls}
    assert len(shapes) >= 10

    for done in parse_each([(argv, "") for argv in shapes.values()], tmp_path):
        assert done.returncode != 2, done
        assert any(s in done.stderr for s in SIGNED_OUT), done


def test_the_rendered_folder_is_replaced_all_at_once(catalog: Catalog, tmp_path: Path) -> None:
    out = tmp_path / "delivery"
    render(catalog, out)
    stray = out / "workflows" / "old.yml"
    stray.write_text("stale")
    render(catalog, out)
    assert not stray.exists()
    assert not [p for p in tmp_path.iterdir() if p.name != "delivery"]
    shutil.rmtree(out)
