"""`mminfra plan` and `apply` pass SIGINT and SIGTERM on to OpenTofu and wait for it to save its state.

`mminfra` runs as a process of its own, as a user runs it; OpenTofu is
tests/fakes/tofu-saving-state, which needs seconds to "save state" once signalled.
"""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from mindmirror_infra.catalog import Catalog
from mindmirror_infra.layout import stack_file
from tests.conftest import REPO

FAKE_TOFU = REPO / "tests" / "fakes" / "tofu-saving-state"
SAVE_SECONDS = 1.0
READY_TIMEOUT_S = 60.0
# Runs python with the arguments given in a session of its own, whose controlling terminal is its stdin.
IN_A_TERMINAL = """
import fcntl, os, sys, termios
os.setsid()
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
"""


@dataclass
class Stopped:
    code: int
    log: list[str]
    state: str | None
    seconds_after_signal: float


DEPLOYABLE = ("--catalog", "tests.variants:deployable")


def stop_mminfra(
    tmp_path: Path,
    catalog: Catalog,
    command: str,
    signals: list[signal.Signals],
    *,
    trap: bool = True,
    whole_group: bool = False,
) -> Stopped:
    """Runs ``mminfra <command>`` on the first environment, sends ``signals`` once tofu is ready, waits for its end.

    ``whole_group`` sends them to mminfra's process group, as a terminal or a CI
    runner's cancel does, rather than to mminfra alone.
    """
    env_name = catalog.environments[0].name
    out = tmp_path / "generated"
    stack_file(out, env_name).parent.mkdir(parents=True)
    stack_file(out, env_name).write_text("{}")
    log, state = tmp_path / "tofu.log", tmp_path / "state"
    log.touch()
    environment = {
        **os.environ,
        "TOFU": str(FAKE_TOFU),
        "FAKE_TOFU_LOG": str(log),
        "FAKE_TOFU_STATE": str(state),
        "FAKE_TOFU_SAVE_SECONDS": str(SAVE_SECONDS),
        "FAKE_TOFU_TRAP": "yes" if trap else "no",
    }
    mminfra = subprocess.Popen(
        # The preflight refuses the embedded catalog's placeholders; tests.variants:deployable has real values.
        [sys.executable, "-m", "mindmirror_infra.cli", command, env_name, "--dir", str(out), *DEPLOYABLE],
        cwd=REPO,
        env=environment,
        start_new_session=True,  # a group of its own, so that signalling it never reaches pytest
    )
    deadline = time.monotonic() + READY_TIMEOUT_S
    while "ready" not in log.read_text().split("\n"):
        assert mminfra.poll() is None, "mminfra ended before tofu was ready"
        assert time.monotonic() < deadline, "tofu never became ready"
        time.sleep(0.02)
    sent = time.monotonic()
    for number in signals:
        if whole_group:
            os.killpg(mminfra.pid, number)
        else:
            mminfra.send_signal(number)
        time.sleep(0.3)
    code = mminfra.wait(timeout=READY_TIMEOUT_S)
    return Stopped(
        code,
        log.read_text().splitlines(),
        state.read_text() if state.exists() else None,
        time.monotonic() - sent,
    )


@pytest.mark.parametrize(
    ("command", "number"), [("plan", signal.SIGINT), ("apply", signal.SIGINT), ("apply", signal.SIGTERM)]
)
def test_a_signal_reaches_tofu_which_saves_its_state_before_mminfra_exits(
    tmp_path: Path, catalog: Catalog, command: str, number: signal.Signals
) -> None:
    stopped = stop_mminfra(tmp_path, catalog, command, [number])
    assert stopped.log == ["ready", f"received {number.name}", "state saved"]
    assert stopped.state == "saved\n"
    assert stopped.code == 1, "tofu's own exit code"
    assert stopped.seconds_after_signal >= SAVE_SECONDS, "mminfra waited for tofu"


def test_a_ctrl_c_to_the_whole_group_reaches_tofu_once(tmp_path: Path, catalog: Catalog) -> None:
    stopped = stop_mminfra(tmp_path, catalog, "apply", [signal.SIGINT], whole_group=True)
    assert stopped.log == ["ready", "received SIGINT", "state saved"]
    assert stopped.code == 1


def test_a_second_ctrl_c_is_passed_on_too(tmp_path: Path, catalog: Catalog) -> None:
    stopped = stop_mminfra(tmp_path, catalog, "apply", [signal.SIGINT, signal.SIGINT])
    assert stopped.log == ["ready", "received SIGINT", "received SIGINT", "second signal: exiting at once"]
    assert stopped.state is None
    assert stopped.code == 1
    assert stopped.seconds_after_signal < SAVE_SECONDS + 1


@pytest.mark.parametrize(("number", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_tofu_killed_by_the_signal_gives_the_shells_exit_code(
    tmp_path: Path, catalog: Catalog, number: signal.Signals, code: int
) -> None:
    stopped = stop_mminfra(tmp_path, catalog, "plan", [number], trap=False)
    assert stopped.log == ["ready"]
    assert stopped.code == code


def test_in_a_terminal_tofu_reads_the_answer_and_gets_ctrl_c_straight_from_it(tmp_path: Path, catalog: Catalog) -> None:
    """mminfra in a terminal of its own: tofu must be the foreground job, or reading its answer would stop it."""
    env_name = catalog.environments[0].name
    stack_file(tmp_path / "generated", env_name).parent.mkdir(parents=True)
    stack_file(tmp_path / "generated", env_name).write_text("{}")
    log = tmp_path / "tofu.log"
    log.touch()
    terminal, user_side = pty.openpty()
    mminfra = subprocess.Popen(
        [
            sys.executable,
            "-c",
            IN_A_TERMINAL,
            "-m",
            "mindmirror_infra.cli",
            "apply",
            env_name,
            "--dir",
            str(tmp_path / "generated"),
            *DEPLOYABLE,
        ],
        cwd=REPO,
        env={
            **os.environ,
            "TOFU": str(FAKE_TOFU),
            "FAKE_TOFU_LOG": str(log),
            "FAKE_TOFU_STATE": str(tmp_path / "state"),
            "FAKE_TOFU_SAVE_SECONDS": "0.5",
            "FAKE_TOFU_ASK": "yes",
        },
        stdin=user_side,
        stdout=user_side,
        stderr=user_side,
    )
    os.close(user_side)
    os.write(terminal, b"yes\n")
    deadline = time.monotonic() + READY_TIMEOUT_S
    while "ready" not in log.read_text().split("\n"):
        assert time.monotonic() < deadline, f"tofu never read its answer: {log.read_text()!r}"
        time.sleep(0.02)
    os.write(terminal, b"\x03")  # Ctrl-C
    assert mminfra.wait(timeout=READY_TIMEOUT_S) == 1
    os.close(terminal)
    assert log.read_text().splitlines() == ["answered yes", "ready", "received SIGINT", "state saved"]
