"""Synthesis in worker processes: what a worker refuses or fails on reaches the caller, and nothing moves;
and the bytecode workers need is written at set-up.

That workers write the same bytes as a synthesis in this process is checked by
the session's ``mminfra synth`` (tests/test_cli.py, against the in-process one).
"""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest

from mindmirror_infra import synthesis
from mindmirror_infra.catalog import Catalog
from mindmirror_infra.catalog.mindmirror import mindmirror
from mindmirror_infra.errors import InvalidConfig
from tests.conftest import REPO


@pytest.fixture
def out(tmp_path: Path) -> Path:
    copy = tmp_path / "generated"
    shutil.copytree(REPO / "generated", copy)
    return copy


def snapshot(folder: Path) -> dict[Path, bytes]:
    """Every file beside and under ``folder``: a temporary folder left behind shows too."""
    return {
        path.relative_to(folder.parent): path.read_bytes()
        for path in sorted(folder.parent.rglob("*"))
        if path.is_file()
    }


def past_the_catalog_checks(catalog: Catalog) -> Catalog:
    """The catalog with a service account id no construct accepts, set on copies past the catalog's own checks."""
    first = replace(catalog.services[0])
    object.__setattr__(first, "name", "Bad_Name")
    object.__setattr__(catalog, "services", (first, *catalog.services[1:]))
    return catalog


def test_a_refusal_in_a_worker_is_the_callers_invalid_config_and_changes_nothing(out: Path) -> None:
    before = snapshot(out)
    with pytest.raises(InvalidConfig) as refused:
        synthesis.synthesize(past_the_catalog_checks(mindmirror()), out, ["production"], jobs=2)
    assert refused.value.field == "ServiceAccountProps.account_id"
    assert refused.value.value == "Bad_Name"
    assert snapshot(out) == before


def test_a_worker_that_fails_is_named_with_what_it_printed(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(out)
    monkeypatch.setattr(synthesis, "pickled", lambda value: b"not a pickle")
    with pytest.raises(RuntimeError, match=r"(?s)synthesis of production failed \(exit 1\):.*UnpicklingError"):
        synthesis.synthesize(mindmirror(), out, jobs=2)
    assert snapshot(out) == before


def test_jobs_below_one_are_refused(out: Path) -> None:
    with pytest.raises(InvalidConfig, match=r"^--jobs: 0 is not allowed; expected 1 or more$"):
        synthesis.synthesize(mindmirror(), out, jobs=0)


def test_a_catalog_survives_the_trip_to_a_worker() -> None:
    catalog = mindmirror()
    restored = pickle.loads(synthesis.pickled(catalog))
    assert restored == catalog
    assert isinstance(restored.environments[0].services.sizes, MappingProxyType), "read-only mappings stay read-only"


class FakeWorker:
    """A worker process that ends with ``returncode`` (or raises ``interrupt``) when waited on.

    With ``signal_while_starting``, that signal reaches the parent while it starts this worker.
    """

    def __init__(self, returncode: int, interrupt: bool = False, signal_while_starting: int | None = None) -> None:
        self.returncode = returncode
        self.interrupt = interrupt
        self.signal_while_starting = signal_while_starting
        self.stopped = False

    def wait(self) -> int:
        if self.interrupt:
            raise KeyboardInterrupt
        return self.returncode


def run_fakes(workers: dict[str, FakeWorker], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    def start(catalog: bytes, work: Path, env_name: str) -> FakeWorker:
        work.mkdir()
        (work / synthesis.LOG_FILE).write_text(f"{env_name} printed this")
        worker = workers[env_name]
        if worker.signal_while_starting is not None:
            signal.raise_signal(worker.signal_while_starting)
        return worker

    def stop(worker: FakeWorker) -> None:
        worker.stopped = True

    monkeypatch.setattr(synthesis, "_start_worker", start)
    monkeypatch.setattr(synthesis, "_stop", stop)
    synthesis._run_workers(mindmirror(), tmp_path, list(workers), jobs=jobs)


def test_the_first_failure_stops_the_workers_still_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workers = {"production": FakeWorker(1), "staging": FakeWorker(0), "qa": FakeWorker(0)}
    with pytest.raises(RuntimeError, match=r"synthesis of production failed \(exit 1\):\nproduction printed this"):
        run_fakes(workers, tmp_path, monkeypatch, jobs=2)
    assert workers["staging"].stopped
    assert not (tmp_path / ".worker-qa").exists(), "a worker waiting for a CPU is never started"


def test_an_interrupt_stops_the_worker_it_waited_on_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workers = {"production": FakeWorker(0, interrupt=True), "staging": FakeWorker(0)}
    with pytest.raises(KeyboardInterrupt):
        run_fakes(workers, tmp_path, monkeypatch, jobs=2)
    assert workers["production"].stopped
    assert workers["staging"].stopped


@pytest.mark.parametrize("arriving", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_a_worker_starts_waits_until_that_worker_can_be_stopped(
    arriving: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    # Python's own SIGINT handler and the CLI's SIGTERM one, whatever this
    # process inherited (a background job starts with SIGINT ignored).
    handlers = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: terminate}
    previous = {number: signal.signal(number, handler) for number, handler in handlers.items()}
    try:
        workers = {"production": FakeWorker(0), "staging": FakeWorker(0, signal_while_starting=arriving)}
        with pytest.raises((KeyboardInterrupt, SystemExit)):
            run_fakes(workers, tmp_path, monkeypatch, jobs=2)
        assert {number: signal.getsignal(number) for number in handlers} == handlers, "the handlers are given back"
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    assert workers["production"].stopped
    assert workers["staging"].stopped, "the worker started as the signal came is stopped too"


def test_a_refusal_exit_without_the_refusal_is_a_failure_with_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workers = {"production": FakeWorker(synthesis.WORKER_REFUSED)}
    with pytest.raises(RuntimeError, match=r"synthesis of production failed \(exit 3\):\nproduction printed this"):
        run_fakes(workers, tmp_path, monkeypatch, jobs=2)


def test_a_worker_stopped_takes_its_node_process_with_it() -> None:
    worker = subprocess.Popen(["sh", "-c", "sleep 30 & wait"], start_new_session=True)
    synthesis._stop(worker)
    assert worker.returncode == -9
    # SIGKILL is delivered to the whole group at once, but a busy machine may
    # take a moment to end the orphaned child: give it a few seconds.
    deadline = time.monotonic() + 5
    while processes_in_group(worker.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_in_group(worker.pid) == []


def processes_in_group(group: int) -> list[int]:
    """Live processes whose process group is ``group``, from /proc (field 5 of ``stat``)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_jobs_default_to_the_cpus_this_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 3, 5}, raising=False)
    assert synthesis.default_jobs() == 3
    monkeypatch.delattr(os, "sched_getaffinity")
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert synthesis.default_jobs() == 4


def test_a_terminated_synth_stops_its_workers_and_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    command = [sys.executable, "-m", "mindmirror_infra.cli", "synth", "--out", str(out), "--jobs", "2"]
    synth = subprocess.Popen(command, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.monotonic() + 20
    while not list(tmp_path.glob(".generated.*/.worker-staging")) and time.monotonic() < deadline:
        time.sleep(0.05)
    synth.send_signal(signal.SIGTERM)
    assert synth.wait(timeout=20) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == [], "the temporary folder was left behind"
    assert [pid for pid in running_pids() if str(tmp_path) in command_line(pid)] == [], "a worker still runs"


def running_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
