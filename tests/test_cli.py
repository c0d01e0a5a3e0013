"""`mminfra` through click's runner; OpenTofu is a fake script that records its calls."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mindmirror_infra.catalog import Catalog
from mindmirror_infra.cli import main
from tests.conftest import REPO, CliRun
from tests.test_drift import differing_files

FAKE_TOFU = REPO / "tests" / "fakes" / "tofu"
# plan and apply refuse the embedded catalog's placeholders; these tests run them on real-looking values.
DEPLOYABLE = ("--catalog", "tests.variants:deployable")


@pytest.fixture
def out(tmp_path: Path, fresh_out: Path) -> Path:
    """A copy of a good synthesis, to check that failures leave it untouched."""
    copy = tmp_path / "generated"
    shutil.copytree(fresh_out, copy)
    return copy


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The CLI's exit code, stdout and stderr; ``synth`` and ``list`` build in this process (``--jobs 1``).

    This process has loaded cdktn already; the worker processes are exercised by
    the session's ``mminfra synth`` (``second_synthesis``) and tests/test_synthesis.py.
    """
    if args[0] in ("synth", "list"):
        args = (*args, "--jobs", "1")
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_synth_one_environment_replaces_only_its_stack(out: Path, fresh_out: Path) -> None:
    (out / "stacks" / "production" / "cdk.tf.json").write_text("{}")
    (out / "stacks" / "staging" / "marker").write_text("kept")
    code, stdout, _ = invoke("synth", "--env", "production", "--out", str(out))
    assert code == 0
    assert "stacks/production/cdk.tf.json" in stdout
    assert (out / "stacks" / "staging" / "marker").read_text() == "kept"
    assert differing_files(fresh_out, out) == ["stacks/staging/marker"]


def test_synth_into_a_new_folder_writes_every_stack(second_synthesis: tuple[Path, CliRun], fresh_out: Path) -> None:
    parent, result = second_synthesis
    assert result.exit_code == 0
    assert result.stdout.count("wrote ") == 2
    assert differing_files(fresh_out, parent / "new") == []
    assert [p.name for p in parent.iterdir()] == ["new"], "no temporary folder is left behind"


@pytest.mark.parametrize("only_env", [(), ("--env", "production")])
def test_synth_keeps_what_tofu_init_left_in_a_stack(out: Path, fresh_out: Path, only_env: tuple[str, ...]) -> None:
    stack = out / "stacks" / "production"
    (stack / ".terraform" / "providers").mkdir(parents=True)
    (stack / ".terraform" / "providers" / "plugin").write_text("binary")
    (stack / ".terraform.lock.hcl").write_text("# lock")
    code, _, _ = invoke("synth", *only_env, "--out", str(out))
    assert code == 0
    assert (stack / ".terraform" / "providers" / "plugin").read_text() == "binary"
    assert (stack / ".terraform.lock.hcl").read_text() == "# lock"
    assert differing_files(out, fresh_out) == []


def test_unknown_env_is_refused_and_changes_nothing(out: Path, fresh_out: Path) -> None:
    code, _, stderr = invoke("synth", "--env", "prod", "--out", str(out))
    assert code == 2
    assert stderr == "error: --env: 'prod' is not allowed; expected one of production, staging\n"
    assert differing_files(fresh_out, out) == []


def test_invalid_catalog_is_refused_and_changes_nothing(out: Path, fresh_out: Path) -> None:
    code, _, stderr = invoke("synth", "--out", str(out), "--catalog", "tests.bad_catalogs:port_out_of_range")
    assert code == 2
    assert stderr.startswith("error: services[agent-service].port: 70000 is not allowed")
    assert stderr.count("\n") == 1
    assert differing_files(fresh_out, out) == []


def test_unloadable_catalog_is_refused(out: Path) -> None:
    code, _, stderr = invoke("synth", "--out", str(out), "--catalog", "tests.no_such_module:x")
    assert code == 2
    assert "--catalog: 'tests.no_such_module:x' cannot be loaded" in stderr


def test_out_under_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, stderr = invoke("synth", "--out", str(blocker / "generated"))
    assert code == 2
    assert stderr.startswith(f"error: --out: '{blocker / 'generated'}' is not allowed")


def test_list_shows_environments_services_and_counts(catalog: Catalog) -> None:
    code, stdout, _ = invoke("list")
    assert code == 0
    for env in catalog.environments:
        assert f"{env.name}: project {env.project_id}, region {env.region}," in stdout
    uses_connector = any(env.network.uses_connector for env in catalog.environments)
    assert ("google_vpc_access_connector" in stdout) == uses_connector
    assert ("google_memorystore_instance" in stdout) == bool(catalog.redis_users)
    for service in catalog.services:
        detail = "worker" if service.kind == "worker" else f"port {service.port}"
        database = f", database {service.database}" if service.database else ""
        assert f"  {service.name} ({detail}{database}{', public' if service.public else ''})" in stdout


@pytest.fixture
def tofu_env(tmp_path: Path) -> dict[str, str]:
    return {"TOFU": str(FAKE_TOFU), "FAKE_TOFU_LOG": str(tmp_path / "tofu.log")}


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_plan_and_apply_run_init_then_the_command(
    command: str, out: Path, tofu_env: dict[str, str], tmp_path: Path
) -> None:
    code, _, _ = invoke(
        command, *DEPLOYABLE, "production", "--dir", str(out), "-var", "image_tag=main-abc123", env=tofu_env
    )
    assert code == 0
    chdir = f"-chdir={out}/stacks/production"
    assert (tmp_path / "tofu.log").read_text().splitlines() == [
        f"{chdir} init -input=false",
        f"{chdir} {command} -var image_tag=main-abc123",
    ]


def test_exit_code_follows_tofu(out: Path, tofu_env: dict[str, str], tmp_path: Path) -> None:
    code, _, _ = invoke("plan", *DEPLOYABLE, "staging", "--dir", str(out), env={**tofu_env, "FAKE_TOFU_EXIT": "3"})
    assert code == 3
    assert len((tmp_path / "tofu.log").read_text().splitlines()) == 1, "plan does not run after a failed init"


def test_failing_plan_exit_code_is_returned(out: Path, tofu_env: dict[str, str]) -> None:
    env = {**tofu_env, "FAKE_TOFU_FAIL_ON": "plan", "FAKE_TOFU_EXIT": "4"}
    assert invoke("plan", *DEPLOYABLE, "staging", "--dir", str(out), env=env)[0] == 4


def test_tofu_on_path_is_used_when_no_binary_is_named(out: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "tofu").symlink_to(FAKE_TOFU)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "FAKE_TOFU_LOG": str(tmp_path / "tofu.log")}
    assert invoke("plan", *DEPLOYABLE, "production", "--dir", str(out), env=env)[0] == 0
    assert (tmp_path / "tofu.log").exists()


def test_missing_tofu_is_a_clear_error(out: Path, tmp_path: Path) -> None:
    code, _, stderr = invoke(
        "apply", *DEPLOYABLE, "production", "--dir", str(out), env={"TOFU": str(tmp_path / "nope")}
    )
    assert code == 127
    assert "OpenTofu not found" in stderr
    assert "set TOFU" in stderr


def test_plan_of_unknown_env_is_refused(out: Path, tofu_env: dict[str, str], tmp_path: Path) -> None:
    code, _, stderr = invoke("plan", *DEPLOYABLE, "qa", "--dir", str(out), env=tofu_env)
    assert code == 2
    assert "--env: 'qa'" in stderr
    assert not (tmp_path / "tofu.log").exists()


def test_plan_without_synthesized_stack_says_to_synth(tmp_path: Path, tofu_env: dict[str, str]) -> None:
    code, _, stderr = invoke("plan", *DEPLOYABLE, "production", "--dir", str(tmp_path / "empty"), env=tofu_env)
    assert code == 2
    assert "run `make synth` first" in stderr
