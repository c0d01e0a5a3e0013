"""The folder `--out` names: which ones `synth` and `bootstrap render` refuse, runs that overlap, swaps that stop.

Refusals go through the CLI in this process (they happen before anything is
built); runs that overlap or are stopped run `mminfra` as processes of their
own. Swaps are stopped with `bootstrap render`, which replaces its folder by
the same code as `synth` and takes a fraction of the time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mindmirror_infra import output
from mindmirror_infra.catalog import Catalog
from mindmirror_infra.cli import main
from mindmirror_infra.layout import MANIFEST_FILE, stack_dir
from tests.conftest import REPO

COMMANDS = {"synth": ("synth", "--jobs", "1"), "bootstrap render": ("bootstrap", "render")}
ALLOWED = {
    "synth": "expected a new folder, an empty one or an earlier output of `mminfra synth`",
    "bootstrap render": "expected a new folder, an empty one or an earlier output of `mminfra bootstrap render`",
}


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` (hidden ones too), a file's bytes or None for a folder or link."""
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() and not p.is_symlink() else None
        for p in sorted(folder.rglob("*"))
    }


def refused(command: str, out: str, cwd: Path) -> str:
    """``mminfra <command> --out <out>`` run in ``cwd``; asserts exit 2 and one line of stderr, and returns it."""
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, [*COMMANDS[command], "--out", out])
    finally:
        os.chdir(previous)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: --out: {out!r} is not allowed; ")
    assert result.stderr.endswith(f"; {ALLOWED[command]}\n")
    return result.stderr


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A user's folder with something in it, to run mminfra from."""
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    return folder


@pytest.fixture
def outputs(tmp_path: Path, fresh_out: Path) -> dict[str, Path]:
    """An earlier output of each command, copied."""
    copies = {"synth": tmp_path / "generated", "bootstrap render": tmp_path / "bootstrap"}
    shutil.copytree(fresh_out, copies["synth"])
    shutil.copytree(REPO / "bootstrap", copies["bootstrap render"])
    return copies


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("out", "reason"),
    [
        (".", "it is the current folder or a folder above it"),
        ("..", "it is the current folder or a folder above it"),
        ("", "an empty path (an unset shell variable?) names the current folder"),
        (" ", "an empty path (an unset shell variable?) names the current folder"),
        ("/", "it is the current folder or a folder above it"),
    ],
)
def test_the_current_folder_above_it_and_empty_paths_are_refused(
    command: str, out: str, reason: str, tmp_path: Path, work: Path
) -> None:
    before = tree(tmp_path)
    assert reason in refused(command, out, work)
    assert tree(tmp_path) == before


@pytest.mark.parametrize("command", COMMANDS)
def test_the_home_folder_and_above_it_are_refused(
    command: str, tmp_path: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home" / "user"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    before = tree(tmp_path)
    assert "it is the home folder or a folder above it" in refused(command, str(home), work)
    assert "it is the home folder or a folder above it" in refused(command, str(home.parent), work)
    assert tree(tmp_path) == before


@pytest.mark.parametrize("command", COMMANDS)
def test_the_projects_own_folder_is_refused(command: str, work: Path) -> None:
    assert "it is the project's own folder or a folder above it" in refused(command, str(REPO), work)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_is_refused(command: str, work: Path) -> None:
    assert "it is a file, not a folder" in refused(command, "notes.txt", work)
    assert (work / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize("command", COMMANDS)
def test_a_folder_that_holds_something_else_is_refused(command: str, tmp_path: Path, work: Path) -> None:
    (work / "src").mkdir()
    (work / "src" / MANIFEST_FILE).write_text('{"name": "a web app"}')
    before = tree(tmp_path)
    assert "it holds files without the manifest.json of an output" in refused(command, "src", work)
    assert tree(tmp_path) == before


def test_each_commands_output_is_refused_to_the_other(outputs: dict[str, Path], work: Path, tmp_path: Path) -> None:
    before = tree(tmp_path)
    stderr = refused("synth", str(outputs["bootstrap render"]), work)
    assert "it holds the output of `mminfra bootstrap render`" in stderr
    stderr = refused("bootstrap render", str(outputs["synth"]), work)
    assert "it holds the output of `mminfra synth`" in stderr
    assert tree(tmp_path) == before


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("inside", ["synth", "bootstrap render"])
def test_a_path_inside_an_output_is_refused(
    command: str, inside: str, outputs: dict[str, Path], work: Path, tmp_path: Path
) -> None:
    outer = outputs[inside]
    nested = next(p for p in sorted(outer.iterdir()) if p.is_dir())
    before = tree(tmp_path)
    stderr = refused(command, str(nested), work)
    assert f"it is inside {str(outer)!r}, an output of `mminfra {inside}`" in stderr
    assert "it is inside" in refused(command, str(nested / "new"), work)
    assert tree(tmp_path) == before


@pytest.mark.parametrize("command", COMMANDS)
def test_a_symbolic_link_is_refused_naming_where_it_points(
    command: str, outputs: dict[str, Path], work: Path, tmp_path: Path
) -> None:
    link = work / "out"
    link.symlink_to(outputs[command])
    before = tree(tmp_path)
    stderr = refused(command, "out", work)
    assert f"it is a symbolic link, to {str(outputs[command])!r}" in stderr
    assert tree(tmp_path) == before


@pytest.mark.parametrize("command", COMMANDS)
def test_an_empty_folder_is_accepted(command: str, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, [*COMMANDS[command], "--out", str(tmp_path / "empty")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "empty" / MANIFEST_FILE).is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["empty"], "no lock or staging folder is left behind"


# ---- runs that overlap ----


def start(command: str, out: Path, *arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "mindmirror_infra.cli", *COMMANDS[command], "--out", str(out), *arguments],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_overlapping_synths_take_turns_and_leave_one_whole_output(
    tmp_path: Path, outputs: dict[str, Path], fresh_out: Path, catalog: Catalog
) -> None:
    out = outputs["synth"]
    env_name = catalog.environments[0].name  # one stack: the same swap, half the time
    (stack_dir(out, env_name) / "stale.txt").write_text("from an older synthesis")
    lock = out.with_name(f".{out.name}.lock")
    with output._locked(lock):  # a run already at work on the output
        runs = [start("synth", out, "--env", env_name) for _ in range(2)]
        waiting = [run.stderr.readline() if run.stderr else "" for run in runs]
        assert waiting == [f"waiting for another mminfra run writing {out.parent}\n"] * 2
        assert (stack_dir(out, env_name) / "stale.txt").exists(), "nothing replaced while another run holds the lock"
    assert [run.wait() for run in runs] == [0, 0]
    assert tree(out) == tree(fresh_out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bootstrap", "generated"], "no lock or staging left"


# ---- swaps that stop ----

# Runs mminfra with output.<function> ending the process as SIGKILL would (no
# cleanup) just before or after its n-th call. With "fallback", the system is
# taken to have no atomic exchange.
STOPPED_AT = """
import os, sys
from mindmirror_infra import output
from mindmirror_infra.cli import main

function, nth, when, way, *arguments = sys.argv[1:]
if way == "fallback":
    output._exchange = lambda first, second: False
real = getattr(output, function)
calls = []

def stopping(*args):
    calls.append(args)
    if len(calls) == int(nth) and when == "before":
        os._exit(137)
    result = real(*args)
    if len(calls) == int(nth):
        os._exit(137)
    return result

setattr(output, function, stopping)
main(arguments)
"""

# (function, n-th call, before or after, the way the swap goes, what is in place once stopped)
STOPS = [
    ("_carry_tofu_working_files", 1, "before", "exchange", "old"),
    ("_exchange", 1, "before", "exchange", "old"),
    ("_exchange", 1, "after", "exchange", "new"),
    ("_remove", 1, "after", "exchange", "new"),
    ("_carry_tofu_working_files", 1, "after", "fallback", "old"),
    ("_rename", 1, "after", "fallback", "previous"),
    ("_rename", 2, "after", "fallback", "new"),
]


@pytest.mark.parametrize("stop", STOPS, ids=[f"{way}-{when}-{function}-{nth}" for function, nth, when, way, _ in STOPS])
def test_a_swap_stopped_at_any_step_leaves_an_output_that_the_next_run_completes(
    tmp_path: Path, stop: tuple[str, int, str, str, str]
) -> None:
    function, nth, when, way, in_place = stop
    out = tmp_path / "bootstrap"
    shutil.copytree(REPO / "bootstrap", out)
    old_stack = next(p for p in out.iterdir() if p.is_dir())
    (old_stack / "stale.sh").write_text("from an older catalog")
    (old_stack / ".terraform").mkdir()
    (old_stack / ".terraform" / "provider").write_text("downloaded by tofu init")
    old = tree(out)
    new = {path: content for path, content in old.items() if not path.endswith("stale.sh")}
    arguments = [function, str(nth), when, way, *COMMANDS["bootstrap render"], "--out", str(out)]

    stopped = subprocess.run([sys.executable, "-c", STOPPED_AT, *arguments], cwd=REPO, check=False)

    assert stopped.returncode == 137
    if in_place == "previous":  # between the two renames of the fallback: the old output waits beside
        assert not out.exists()
        assert tree(out.with_name(".bootstrap.previous")) == old
    else:
        assert tree(out) == (old if in_place == "old" else new)
    rerun = CliRunner().invoke(main, [*COMMANDS["bootstrap render"], "--out", str(out)])
    assert rerun.exit_code == 0, rerun.output
    assert tree(out) == new, "the new output, OpenTofu's working files carried over"
    assert [p.name for p in tmp_path.iterdir()] == ["bootstrap"], "what the stopped run left is cleaned"


def test_an_interrupt_between_the_fallbacks_renames_puts_the_old_output_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "bootstrap"
    shutil.copytree(REPO / "bootstrap", out)
    (out / "stale.txt").write_text("from an older catalog")
    old = tree(out)
    renames: list[tuple[Path, Path]] = []

    def interrupted_second_rename(source: Path, target: Path) -> None:
        renames.append((source, target))
        if len(renames) == 2:
            raise KeyboardInterrupt
        source.rename(target)

    monkeypatch.setattr(output, "_exchange", lambda first, second: False)
    monkeypatch.setattr(output, "_rename", interrupted_second_rename)
    result = CliRunner().invoke(main, [*COMMANDS["bootstrap render"], "--out", str(out)])
    assert result.exit_code == 1  # click's Abort
    assert tree(out) == old
    assert [p.name for p in tmp_path.iterdir()] == ["bootstrap"]
