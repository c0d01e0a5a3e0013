"""The rendered bootstrap scripts, run against a fake gcloud that keeps a project in a file."""

from __future__ import annotations

import base64
import os
import pty
import re
import select
import subprocess
import termios
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mindmirror_infra.bootstrap.plan import application_user, secret_env_var
from mindmirror_infra.bootstrap.render import render
from mindmirror_infra.catalog import Catalog
from mindmirror_infra.catalog.apis import REQUIRED_APIS
from tests.bootstrap_project import (
    CATALOG,
    SCRIPTS,
    SECRET_VALUES,
    SEEDED,
    URL_SECRETS,
    FakeProject,
    empty_project,
    gcloud_logging_everything,
    run_all,
)
from tests.conftest import REPO
from tests.synth import Config, resources

SHELLCHECK = REPO / ".venv" / "bin" / "shellcheck"
# The scripts of production run against its project; the tests pick their examples from the catalog.
PRODUCTION = CATALOG.environment("production")
PROJECT = PRODUCTION.project_id
P = f"--project={PROJECT}"
BUCKET = f"gs://{CATALOG.state_bucket}"
# Flags that come last on every call carrying a secret value: nothing printed or logged.
SEALED = "--no-log-http --verbosity=error"
FIRST_DATABASE, LAST_DATABASE = CATALOG.databases[0], CATALOG.databases[-1]
FIRST_USER = application_user(FIRST_DATABASE.short_name)
SECRET, OTHER_SECRET = SEEDED[0], SEEDED[1]
SECRET_VARIABLE = secret_env_var(SECRET)


@pytest.fixture(scope="session")
def rendered(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bootstrap") / "bootstrap"
    render(catalog, out)
    return out


@pytest.fixture
def project(rendered: Path, tmp_path: Path) -> FakeProject:
    fake = FakeProject(rendered / "production", tmp_path)
    fake.set_state(empty_project(PROJECT))
    return fake


@dataclass(frozen=True)
class TwoRuns:
    """Every script run twice against one empty project: what each run did."""

    first: dict[str, subprocess.CompletedProcess[str]]
    first_calls: list[dict[str, Any]]
    first_changes: list[str]
    second: dict[str, subprocess.CompletedProcess[str]]
    second_calls: list[dict[str, Any]]
    second_changes: list[str]
    state: dict[str, Any]


@pytest.fixture(scope="module")
def two_runs(rendered: Path, tmp_path_factory: pytest.TempPathFactory) -> TwoRuns:
    project = FakeProject(rendered / "production", tmp_path_factory.mktemp("two-runs"))
    project.set_state(empty_project(PROJECT))
    first = run_all(project)
    first_calls, first_changes = project.calls(), project.changes()
    project.forget_calls()
    second = run_all(project)
    return TwoRuns(first, first_calls, first_changes, second, project.calls(), project.changes(), project.state())


def test_every_script_passes_shellcheck(rendered: Path) -> None:
    paths = sorted(rendered.rglob("*.sh"))
    assert len(paths) == len(SCRIPTS) * len(CATALOG.environments)
    result = subprocess.run([str(SHELLCHECK), *map(str, paths)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_every_script_is_strict_and_executable(rendered: Path) -> None:
    for path in rendered.rglob("*.sh"):
        assert os.access(path, os.X_OK), path
        assert path.read_text().startswith("#!/usr/bin/env bash\n"), path
        assert "\nset -euo pipefail\n" in path.read_text(), path


def test_a_first_run_on_an_empty_project_makes_exactly_these_changes(two_runs: TwoRuns) -> None:
    assert {name: r.returncode for name, r in two_runs.first.items()} == dict.fromkeys(SCRIPTS, 0)
    later_apis = [a for a in REQUIRED_APIS if a not in {"storage.googleapis.com", "secretmanager.googleapis.com"}]
    secret_changes = []
    for secret in CATALOG.secrets:
        secret_changes.append(f"secrets create {secret.id} {P} --replication-policy=automatic")
        if secret.id not in URL_SECRETS:
            secret_changes.append(f"secrets versions add {secret.id} {P} --data-file=- {SEALED}")
    user_changes = []
    for database in CATALOG.databases:
        user = application_user(database.short_name)
        user_changes += [
            f"sql users create {user} --instance={database.instance} {P} --flags-file=- --quiet {SEALED}",
            f"secrets versions add {database.url_secret} {P} --data-file=- {SEALED}",
        ]
    assert two_runs.first_changes == [
        f"services enable storage.googleapis.com {P}",
        f"storage buckets create {BUCKET} {P} --location={PRODUCTION.region} --uniform-bucket-level-access "
        "--public-access-prevention",
        f"storage buckets update {BUCKET} --versioning",
        f"services enable secretmanager.googleapis.com {P}",
        *secret_changes,
        f"services enable {' '.join(later_apis)} {P}",
        f"artifacts repositories create {PRODUCTION.registry.repository} {P} --location={PRODUCTION.region} "
        "--repository-format=docker "
        "--description=Container images of the platform's services, jobs and workers",
        *user_changes,
    ]
    state = two_runs.state
    assert state["buckets"][CATALOG.state_bucket] == {
        "versioning": True,
        "uniform_access": True,
        "public_access": "enforced",
    }
    assert sorted(state["services"]) == sorted(REQUIRED_APIS)
    assert state["secrets"] == dict.fromkeys((s.id for s in CATALOG.secrets), 1)


def test_a_second_run_changes_nothing(two_runs: TwoRuns) -> None:
    assert {name: r.returncode for name, r in two_runs.second.items()} == dict.fromkeys(SCRIPTS, 0)
    assert two_runs.second_changes == []
    assert two_runs.second_calls, "the second run still looks"
    assert f"secret {SECRET} has an enabled version: left alone" in two_runs.second["01-setup-secrets.sh"].stdout


def test_the_environment_secret_defaults_to_the_environment_name(two_runs: TwoRuns) -> None:
    calls = two_runs.first_calls
    added = {c["argv"][3]: c["stdin"] for c in calls if c["argv"][:3] == ["secrets", "versions", "add"]}
    assert {k: v for k, v in added.items() if k not in URL_SECRETS} == {
        **{secret: SECRET_VALUES[secret_env_var(secret)] for secret in SEEDED},
        "environment": PRODUCTION.name,
    }


def sent_passwords(calls: list[dict[str, Any]]) -> dict[str, str]:
    """The password each ``sql users create`` call read from its flags file, by user."""
    found = {}
    for call in calls:
        if call["argv"][:3] == ["sql", "users", "create"]:
            match = re.fullmatch(r'--password: "([^"\\]*)"\n', call["stdin"])
            assert match, "the flags file holds one quoted password and nothing else"
            found[call["argv"][3]] = match.group(1)
    return found


def test_generated_passwords_meet_the_password_policy_of_every_instance(two_runs: TwoRuns, production: Config) -> None:
    policies = {
        instance["name"]: instance["settings"]["password_validation_policy"]
        for instance in resources(production, "google_sql_database_instance").values()
    }
    assert sorted(policies) == sorted(d.instance for d in CATALOG.databases)
    passwords = sent_passwords(two_runs.first_calls)
    users = {application_user(d.short_name): d.instance for d in CATALOG.databases}
    assert sorted(passwords) == sorted(users)
    for user, password in passwords.items():
        policy = policies[users[user]]
        assert policy["enable_password_policy"] is True
        assert policy["complexity"] == "COMPLEXITY_DEFAULT"
        # Messages name the user only: a failing assertion must not print the password.
        assert len(password) >= policy["min_length"], user
        assert len(password) == 40, user
        for kind, pattern in [("upper", "[A-Z]"), ("lower", "[a-z]"), ("digit", "[0-9]"), ("symbol", "[-._~]")]:
            assert re.search(pattern, password), f"{user}: no {kind} character"
        # Unreserved in a URL (RFC 3986): the password needs no percent-encoding.
        assert re.fullmatch(r"[A-Za-z0-9._~-]+", password), f"{user}: a character a URL would need to encode"
        assert policy["disallow_username_substring"] is True
        assert user.lower() not in password.lower(), user


def test_secret_values_reach_gcloud_on_stdin_only(two_runs: TwoRuns) -> None:
    calls = two_runs.first_calls + two_runs.second_calls
    passwords = list(sent_passwords(calls).values())
    assert len(passwords) == len(set(passwords)) == len(CATALOG.databases)
    urls = [c["stdin"] for c in calls if c["argv"][:4] == ["secrets", "versions", "add", FIRST_DATABASE.url_secret]]
    assert urls == [
        f"postgresql://{FIRST_USER}:{passwords[0]}@10.16.0.5:5432/{FIRST_DATABASE.databases[0]}?sslmode=require"
    ]
    printed = "".join(r.stdout + r.stderr for run in (two_runs.first, two_runs.second) for r in run.values())
    for value in (*SECRET_VALUES.values(), *passwords):
        assert not any(value in arg for call in calls for arg in call["argv"]), value
        assert value not in printed, value


def test_gcloud_file_logging_is_off_for_the_calls_that_carry_a_value(two_runs: TwoRuns) -> None:
    for call in two_runs.first_calls:
        carries_value = call["stdin"] is not None
        assert (call["file_logging_off"] == "true") == carries_value, call["argv"]
        assert (call["argv"][-2:] == SEALED.split()) == carries_value, call["argv"]


def test_a_secret_with_a_version_is_left_alone(project: FakeProject) -> None:
    state = project.state()
    state["services"] = ["secretmanager.googleapis.com"]
    state["secrets"] = {SECRET: 2, OTHER_SECRET: 0}
    project.set_state(state)
    result = project.run("01-setup-secrets.sh")
    assert result.returncode == 0, result.stderr
    changes = project.changes()
    assert not any(f" {SECRET} " in change for change in changes)
    assert f"secrets versions add {OTHER_SECRET} {P} --data-file=- {SEALED}" in changes
    assert f"secrets create {OTHER_SECRET} {P} --replication-policy=automatic" not in changes
    assert project.state()["secrets"][SECRET] == 2


def test_an_existing_bucket_only_gets_the_settings_it_lacks(project: FakeProject) -> None:
    state = project.state()
    state["services"] = ["storage.googleapis.com"]
    state["buckets"][CATALOG.state_bucket] = {
        "versioning": False,
        "uniform_access": True,
        "public_access": "inherited",
    }
    project.set_state(state)
    assert project.run("00-create-state-bucket.sh").returncode == 0
    assert project.changes() == [f"storage buckets update {BUCKET} --versioning --public-access-prevention"]


def test_a_user_without_a_stored_url_gets_a_new_password(project: FakeProject, two_runs: TwoRuns) -> None:
    # As after a run that created the user, then stopped before storing its URL.
    state = two_runs.state
    database = LAST_DATABASE
    project.set_state({**state, "secrets": {**state["secrets"], database.url_secret: 0}})
    assert project.run("04-create-database-users.sh").returncode == 0
    user = application_user(database.short_name)
    assert project.changes() == [
        f"sql users set-password {user} --instance={database.instance} {P} --flags-file=- --quiet {SEALED}",
        f"secrets versions add {database.url_secret} {P} --data-file=- {SEALED}",
    ]


def test_dry_run_prints_each_change_and_makes_none(project: FakeProject) -> None:
    outputs = {}
    for script in SCRIPTS:
        if script.startswith("04-"):
            project.run("01-setup-secrets.sh")
            project.apply_creates_instances()
            project.forget_calls()
        result = project.run(script, "--dry-run")
        assert result.returncode == 0, result.stderr
        outputs[script] = result.stdout
    assert project.changes() == []
    assert f"would create bucket {BUCKET}: gcloud storage buckets create {BUCKET} {P}" in outputs[SCRIPTS[0]]
    assert f"would create secret {SECRET}: gcloud secrets create {SECRET} {P}" in outputs[SCRIPTS[1]]
    assert f"would add the first version of secret {SECRET}, from ${SECRET_VARIABLE}" in outputs[SCRIPTS[1]]
    assert outputs[SCRIPTS[2]].count("would enable ") == 1
    repository = PRODUCTION.registry.repository
    assert f"would create Docker repository {repository} in {PRODUCTION.region}" in outputs[SCRIPTS[3]]
    first = FIRST_DATABASE
    assert f"would create user {FIRST_USER} on {first.instance} with a generated password" in outputs[SCRIPTS[4]]
    assert f"postgresql://{FIRST_USER}:***@10.16.0.5:5432/{first.databases[0]}?sslmode=require" in outputs[SCRIPTS[4]]
    assert not any(v in "".join(outputs.values()) for v in SECRET_VALUES.values())


def test_project_and_region_come_from_flags_or_the_environment(project: FakeProject) -> None:
    project.set_state(empty_project("mm-other-project"))
    create = f"artifacts repositories create {PRODUCTION.registry.repository} --project=mm-other-project --location="
    flags = ("--project", "mm-other-project", "--region=europe-west1")
    assert project.run("03-create-artifact-registry.sh", *flags).returncode == 0
    assert project.changes()[-1].startswith(create + "europe-west1 ")
    project.forget_calls()
    env = {"MINDMIRROR_PROJECT": "mm-other-project", "MINDMIRROR_REGION": "europe-west4"}
    assert project.run("03-create-artifact-registry.sh", env=env).returncode == 0
    assert project.changes()[-1].startswith(create + "europe-west4 ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "01-setup-secrets.sh: unknown argument '--bogus'; see --help\n"),
        (
            ["--project", "Bad_Project"],
            "01-setup-secrets.sh: --project: 'Bad_Project' is not a project id; see --help\n",
        ),
        (["--region"], "01-setup-secrets.sh: --region needs a value; see --help\n"),
    ],
)
def test_bad_arguments_exit_2_before_any_call(project: FakeProject, args: list[str], message: str) -> None:
    result = project.run("01-setup-secrets.sh", *args)
    assert (result.returncode, result.stderr) == (2, message)
    assert project.calls() == []


def test_help_names_the_defaults(project: FakeProject) -> None:
    result = project.run("02-enable-apis.sh", "--help")
    assert result.returncode == 0
    assert f"--project ID     the GCP project, or MINDMIRROR_PROJECT. Default: {PROJECT}" in result.stdout
    assert project.calls() == []


def test_the_post_apply_script_says_to_create_the_pgaudit_extension_in_every_database(
    project: FakeProject, catalog: Catalog
) -> None:
    result = project.run("04-create-database-users.sh", "--help")
    assert result.returncode == 0
    assert "\n  CREATE EXTENSION IF NOT EXISTS pgaudit;\n" in result.stdout
    for database in catalog.databases:
        assert f"\n  {database.instance}: {', '.join(database.databases)}\n" in result.stdout
    assert project.calls() == []


@pytest.mark.parametrize("script", SCRIPTS)
def test_missing_gcloud_stops_with_what_to_do(project: FakeProject, tmp_path: Path, script: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "env", "grep", "od", "tr"):
        (bin_dir / tool).symlink_to(next(p for p in (Path("/usr/bin") / tool, Path("/bin") / tool) if p.exists()))
    result = project.run(script, path=str(bin_dir))
    assert result.returncode == 1
    assert result.stderr == (
        f"{script}: gcloud not found: install the Google Cloud CLI "
        "(https://cloud.google.com/sdk/docs/install) and put it on PATH\n"
    )


@pytest.mark.parametrize("script", SCRIPTS)
def test_no_active_account_stops_with_what_to_do(project: FakeProject, script: str) -> None:
    state = project.state()
    state["account"] = ""
    project.set_state(state)
    result = project.run(script)
    assert result.returncode == 1
    assert result.stderr == (
        f"{script}: no active gcloud account: run 'gcloud auth login' (or activate a service account), "
        f"then {script} again\n"
    )
    assert project.changes() == []


@pytest.mark.parametrize("script", SCRIPTS)
def test_an_unreachable_project_stops_with_what_to_do(project: FakeProject, script: str) -> None:
    project.set_state(empty_project("someone-elses-project"))
    result = project.run(script)
    assert result.returncode == 1
    assert result.stderr == (
        f"{script}: project {PROJECT} is not reachable as ops@example.com: "
        "check --project, or ask for access to the project\n"
    )
    assert project.changes() == []


@pytest.mark.parametrize(
    ("script", "failing", "step"),
    [
        ("00-create-state-bucket.sh", "storage buckets update", f"turn on object versioning of {BUCKET}"),
        ("01-setup-secrets.sh", "secrets versions add", f"add the first version of secret {SECRET}"),
        ("02-enable-apis.sh", "services enable", "enable artifactregistry.googleapis.com"),
        (
            "03-create-artifact-registry.sh",
            "artifacts repositories create",
            f"create Docker repository {PRODUCTION.registry.repository}",
        ),
        ("04-create-database-users.sh", "sql users create", f"create user {FIRST_USER} on {FIRST_DATABASE.instance}"),
    ],
)
def test_a_failing_call_stops_the_script_naming_the_step(
    project: FakeProject, script: str, failing: str, step: str
) -> None:
    if script.startswith("04-"):
        project.run("01-setup-secrets.sh")
        project.apply_creates_instances()
    project.forget_calls()
    result = project.run(script, env={"FAKE_GCLOUD_FAIL_ON": failing})
    assert result.returncode == 1
    assert f"{script}: step '{step}" in result.stderr
    assert "failed (exit 1)" in result.stderr
    assert " ".join(project.calls()[-1]["argv"]).startswith(failing), "nothing runs after the failing call"


def test_the_post_apply_script_before_the_apply_says_what_is_missing(project: FakeProject) -> None:
    project.run("01-setup-secrets.sh")
    result = project.run("04-create-database-users.sh")
    assert result.returncode == 1
    step = f"read the private IP of instance {FIRST_DATABASE.instance} (the first apply creates it)"
    assert f"step '{step}' failed" in result.stderr


def test_without_a_value_or_a_terminal_the_secrets_script_says_what_to_set(project: FakeProject) -> None:
    result = project.run("01-setup-secrets.sh", env={SECRET_VARIABLE: ""})
    assert result.returncode == 1
    assert result.stderr.endswith(
        f"01-setup-secrets.sh: no value for secret {SECRET}: set {SECRET_VARIABLE}, "
        "or run 01-setup-secrets.sh in a terminal to be asked\n"
    )


def test_the_prompt_does_not_echo_the_value(project: FakeProject) -> None:
    typed = "typed-Vq62-secret"
    env = {**os.environ, "PATH": f"{REPO / 'tests' / 'fakes'}:/usr/bin:/bin"}
    env.update(
        FAKE_GCLOUD_STATE=str(project.state_file),
        FAKE_GCLOUD_LOG=str(project.log_file),
        **{k: v for k, v in SECRET_VALUES.items() if k != secret_env_var(OTHER_SECRET)},
    )
    env.pop(secret_env_var(OTHER_SECRET), None)
    prompt = f"{OTHER_SECRET} ({CATALOG.secret(OTHER_SECRET).description}): ".encode()
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [str(project.scripts_dir / "01-setup-secrets.sh")], stdin=terminal, stdout=terminal, stderr=terminal, env=env
    )
    os.close(terminal)
    seen = b""
    while prompt not in seen:
        ready, _, _ = select.select([controller], [], [], 10)
        assert ready, f"no prompt after {seen!r}"
        seen += os.read(controller, 4096)
    # A person types after the prompt; wait as they would, until `read -s` has turned echo off.
    while termios.tcgetattr(controller)[3] & termios.ECHO:
        select.select([], [], [], 0.01)
    os.write(controller, typed.encode() + b"\n")
    while True:
        ready, _, _ = select.select([controller], [], [], 10)
        try:
            chunk = os.read(controller, 4096) if ready else b""
        except OSError:
            chunk = b""
        if not chunk:
            break
        seen += chunk
    assert process.wait(timeout=10) == 0
    os.close(controller)
    assert typed.encode() not in seen
    added = [c["stdin"] for c in project.calls() if c["argv"][:4] == ["secrets", "versions", "add", OTHER_SECRET]]
    assert added == [typed]


def sent_values(calls: list[dict[str, Any]]) -> list[str]:
    """Every value the scripts gave gcloud, as sent and as a request body carries it (base64)."""
    sent = [c["stdin"] for c in calls if c["stdin"] is not None]
    passwords = list(sent_passwords(calls).values())
    return [*sent, *passwords, *(base64.b64encode(v.encode()).decode() for v in (*sent, *passwords))]


def test_with_gcloud_logging_everything_no_value_is_printed_or_logged(
    project: FakeProject, tmp_path: Path, catalog: Catalog
) -> None:
    config_dir = tmp_path / "gcloud-config"
    env = gcloud_logging_everything(config_dir)
    results = run_all(project, env)
    assert {name: r.returncode for name, r in results.items()} == dict.fromkeys(SCRIPTS, 0)
    calls = project.calls()
    values = sent_values(calls)
    seeded = [s for s in catalog.secrets if s.id not in {d.url_secret for d in catalog.databases}]
    assert len([c for c in calls if c["stdin"] is not None]) == len(seeded) + 2 * len(catalog.databases)
    printed = "".join(r.stdout + r.stderr for r in results.values())
    logged = "".join(path.read_text() for path in config_dir.rglob("*") if path.is_file())
    # The configuration took effect: every other call was printed and logged with its request.
    assert "==== request start ====" in printed
    assert "DEBUG: Running [gcloud.secrets.create]" in printed
    assert "Running [gcloud.secrets.create]" in logged
    assert "==== request start ====" in logged
    # Indexes, not values: a failure must not print a value either.
    assert [i for i, value in enumerate(values) if value in printed] == [], "values reached standard output or error"
    assert [i for i, value in enumerate(values) if value in logged] == [], "values reached gcloud's log folder"


def test_the_same_configuration_would_show_a_value_sent_without_the_scripts_protection(
    project: FakeProject, tmp_path: Path
) -> None:
    # The check above can fail: the fake gcloud prints and logs an unprotected call's value.
    config_dir = tmp_path / "gcloud-config"
    env = {**os.environ, **gcloud_logging_everything(config_dir), "PATH": f"{REPO / 'tests' / 'fakes'}:/usr/bin:/bin"}
    env.update(FAKE_GCLOUD_STATE=str(project.state_file), FAKE_GCLOUD_LOG=str(project.log_file))
    state = project.state()
    state["secrets"] = {"jwt-secret": 0}
    project.set_state(state)
    value = "unprotected-Jq47-value"
    result = subprocess.run(
        ["gcloud", "secrets", "versions", "add", "jwt-secret", P, "--data-file=-"],
        input=value,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    encoded = base64.b64encode(value.encode()).decode()
    assert encoded in result.stderr
    assert any(encoded in path.read_text() for path in config_dir.rglob("*.log"))


def test_a_secret_whose_versions_are_all_disabled_or_destroyed_gets_a_new_one(project: FakeProject) -> None:
    state = project.state()
    state["services"] = ["secretmanager.googleapis.com"]
    state["secrets"] = {SECRET: ["DISABLED", "DESTROYED"], OTHER_SECRET: ["DESTROYED", "ENABLED"]}
    project.set_state(state)
    result = project.run("01-setup-secrets.sh")
    assert result.returncode == 0, result.stderr
    changes = project.changes()
    assert f"secrets versions add {SECRET} {P} --data-file=- {SEALED}" in changes
    assert not any(f" {OTHER_SECRET} " in change for change in changes)
    assert project.state()["secrets"][SECRET] == ["DISABLED", "DESTROYED", "ENABLED"]


def test_a_url_secret_with_only_a_disabled_version_gets_a_user_password_and_url(
    project: FakeProject, two_runs: TwoRuns, catalog: Catalog
) -> None:
    database = catalog.databases[0]
    state = two_runs.state
    project.set_state({**state, "secrets": {**state["secrets"], database.url_secret: ["DISABLED"]}})
    assert project.run("04-create-database-users.sh").returncode == 0
    assert [change.split()[:4] for change in project.changes()] == [
        ["sql", "users", "set-password", application_user(database.short_name)],
        ["secrets", "versions", "add", database.url_secret],
    ]


def test_the_registry_is_created_with_the_description_the_stack_declares(
    project: FakeProject, production: Config
) -> None:
    assert project.run("03-create-artifact-registry.sh").returncode == 0
    created = [c["argv"] for c in project.calls() if c["argv"][:3] == ["artifacts", "repositories", "create"]]
    assert len(created) == 1
    (repository,) = resources(production, "google_artifact_registry_repository").values()
    assert f"--description={repository['description']}" in created[0]
    assert repository["repository_id"] == created[0][3]
