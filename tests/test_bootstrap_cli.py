"""`mminfra bootstrap render` and `mminfra bootstrap list`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from click.testing import CliRunner

from mindmirror_infra.catalog import Catalog
from mindmirror_infra.cli import main
from tests.bootstrap_project import SCRIPTS
from tests.conftest import REPO
from tests.test_drift import differing_files


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_render_writes_every_environments_scripts_executable(tmp_path: Path, catalog: Catalog) -> None:
    code, stdout, _ = invoke("bootstrap", "render", "--out", str(tmp_path / "scripts"))
    assert code == 0
    assert stdout.count("wrote ") == len(SCRIPTS) * len(catalog.environments)
    assert f"wrote {tmp_path / 'scripts' / 'staging' / '04-create-database-users.sh'}" in stdout
    assert differing_files(REPO / "bootstrap", tmp_path / "scripts") == []
    assert all(os.access(p, os.X_OK) for p in (tmp_path / "scripts").rglob("*.sh"))
    assert [p.name for p in tmp_path.iterdir()] == ["scripts"], "no temporary folder is left behind"


def test_render_replaces_the_folder_whole(tmp_path: Path) -> None:
    out = tmp_path / "scripts"
    shutil.copytree(REPO / "bootstrap", out)
    (out / "production" / "stale.sh").write_text("left from an older catalog")
    assert invoke("bootstrap", "render", "--out", str(out))[0] == 0
    assert differing_files(REPO / "bootstrap", out) == []


def test_render_of_an_invalid_catalog_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "scripts"
    shutil.copytree(REPO / "bootstrap", out)
    code, _, stderr = invoke(
        "bootstrap", "render", "--out", str(out), "--catalog", "tests.bad_catalogs:port_out_of_range"
    )
    assert code == 2
    assert stderr.startswith("error: services[agent-service].port: 70000 is not allowed")
    assert differing_files(REPO / "bootstrap", out) == []


def test_render_under_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, stderr = invoke("bootstrap", "render", "--out", str(blocker / "bootstrap"))
    assert code == 2
    assert stderr.startswith(f"error: --out: '{blocker / 'bootstrap'}' is not allowed")


def test_list_says_what_each_script_of_an_environment_does(catalog: Catalog) -> None:
    code, stdout, _ = invoke("bootstrap", "list", "--env", "production")
    assert code == 0
    lines = stdout.splitlines()
    env = catalog.environment("production")
    assert lines[0] == f"production: project {env.project_id}, region {env.region}, scripts in bootstrap/production/"
    assert [line.split(":")[0].strip() for line in lines if line.startswith("  0")] == [
        "00-create-state-bucket.sh",
        "01-setup-secrets.sh",
        "02-enable-apis.sh",
        "03-create-artifact-registry.sh",
        "04-create-database-users.sh (after the first apply)",
    ]
    assert f"    - state of this environment: gs://{catalog.state_bucket}/production/state" in lines
    for secret in catalog.secrets:
        assert f"    - create secret {secret.id}, unless it exists" in lines
    assert (
        "    - add the first version of environment from $MINDMIRROR_SECRET_ENVIRONMENT (default 'production'), "
        "unless it has an enabled version"
    ) in lines
    assert f"    - create Docker repository {env.registry.repository} in {env.region}, unless it exists" in lines
    assert "staging" not in stdout


def test_list_without_env_covers_every_environment(catalog: Catalog) -> None:
    code, stdout, _ = invoke("bootstrap", "list")
    assert code == 0
    for env in catalog.environments:
        assert f"{env.name}: project {env.project_id}" in stdout


def test_list_of_an_unknown_environment_is_refused() -> None:
    code, _, stderr = invoke("bootstrap", "list", "--env", "qa")
    assert code == 2
    assert stderr == "error: --env: 'qa' is not allowed; expected one of production, staging\n"
