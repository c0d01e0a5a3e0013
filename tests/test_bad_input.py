"""Bad input at scale: every case of tests/bad_catalogs.py through `mminfra synth`.

Each must exit with 2, print one line naming the exact field, and leave the
output folder byte for byte as it was.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mindmirror_infra.cli import main
from tests.bad_catalogs import BAD, PREFLIGHT_BAD
from tests.conftest import REPO

FAKE_TOFU = REPO / "tests" / "fakes" / "tofu"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Path, bytes]]:
    """One copy of the committed output for every case, with its bytes to compare against."""
    copy = tmp_path_factory.mktemp("bad-input") / "generated"
    shutil.copytree(REPO / "generated", copy)
    return copy, snapshot(copy)


def snapshot(folder: Path) -> dict[Path, bytes]:
    return {path.relative_to(folder): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def refused(args: list[str], field: str, out: tuple[Path, dict[Path, bytes]]) -> None:
    folder, before = out
    result = CliRunner().invoke(main, ["synth", "--out", str(folder), *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {field}: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stdout == ""
    assert snapshot(folder) == before, "the output folder changed"
    assert [p.name for p in folder.parent.iterdir()] == ["generated"], "a temporary folder was left behind"


def test_the_table_covers_at_least_thirty_fields() -> None:
    assert len({field for field, _ in BAD.values()}) >= 30


@pytest.mark.parametrize(("name", "field"), [(name, case[0]) for name, case in BAD.items()], ids=list(BAD))
def test_bad_catalog_is_refused_naming_the_field(name: str, field: str, out: tuple[Path, dict[Path, bytes]]) -> None:
    refused(["--catalog", f"tests.bad_catalogs:{name}"], field, out)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--env", "prod"], "--env"),
        (["--env", "production", "--env", "qa"], "--env"),
        (["--catalog", "tests.bad_catalogs:no_such_case"], "--catalog"),
        (["--catalog", "tests.bad_catalogs:P"], "--catalog"),
    ],
    ids=["unknown-env", "one-unknown-env", "unknown-case", "not-a-catalog"],
)
def test_bad_argument_is_refused_naming_it(args: list[str], field: str, out: tuple[Path, dict[Path, bytes]]) -> None:
    refused(args, field, out)


def test_default_output_folder_is_left_as_it_was(
    out: tuple[Path, dict[Path, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, before = out
    monkeypatch.chdir(folder.parent)
    name, (field, _) = next(iter(BAD.items()))
    result = CliRunner().invoke(main, ["synth", "--catalog", f"tests.bad_catalogs:{name}"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {field}: ")
    assert snapshot(folder) == before, "generated/ changed"


@pytest.mark.parametrize("command", ["plan", "apply"])
@pytest.mark.parametrize(("name", "fields"), [(n, c[0]) for n, c in PREFLIGHT_BAD.items()], ids=list(PREFLIGHT_BAD))
def test_plan_and_apply_refuse_placeholders_naming_every_field(
    command: str, name: str, fields: tuple[str, ...], out: tuple[Path, dict[Path, bytes]], tmp_path: Path
) -> None:
    folder, before = out
    log = tmp_path / "tofu.log"
    env = {"TOFU": str(FAKE_TOFU), "FAKE_TOFU_LOG": str(log)}
    result = CliRunner().invoke(
        main, [command, "production", "--dir", str(folder), "--catalog", f"tests.bad_catalogs:{name}"], env=env
    )
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: "), result.stderr
    listed = [line.strip().split(": ", 1)[0] for line in result.stderr.splitlines()[1:]]
    assert listed == list(fields)
    assert not log.exists(), "tofu ran"
    assert snapshot(folder) == before, "the output folder changed"


def test_a_dry_plan_is_allowed_with_the_flag_and_apply_never(
    out: tuple[Path, dict[Path, bytes]], tmp_path: Path
) -> None:
    folder, _ = out
    log = tmp_path / "tofu.log"
    env = {"TOFU": str(FAKE_TOFU), "FAKE_TOFU_LOG": str(log)}
    args = ["production", "--dir", str(folder), "--allow-placeholders"]
    planned = CliRunner().invoke(main, ["plan", *args], env=env)
    assert planned.exit_code == 0, planned.output
    assert planned.stderr.startswith("warning: 2 placeholder value(s) in environments[production]")
    assert [line.split()[1] for line in log.read_text().splitlines()] == ["init", "plan"]
    log.unlink()
    applied = CliRunner().invoke(main, ["apply", *args], env=env)
    assert applied.exit_code == 2
    assert not log.exists(), "tofu ran"
