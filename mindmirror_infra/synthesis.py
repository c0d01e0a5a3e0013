"""Synthesis of the catalog into OpenTofu JSON: all or nothing, one process per environment.

Every stack is written into a temporary folder beside the output; only when
all of them have been written is the result swapped into place, so bad input
leaves the previous output exactly as it was.

Each environment is built and synthesized by its own worker process
(``mindmirror_infra.synth_worker``), side by side: nearly all the time of a
synthesis is spent in round trips between Python and the jsii runtime, one at a
time per process, so two environments take the time of one on two cores. This
module never loads cdktn itself.
"""

from __future__ import annotations

import contextlib
import copyreg
import io
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from mindmirror_infra.catalog import Catalog
from mindmirror_infra.cost.usage import write_usage
from mindmirror_infra.errors import InvalidConfig
from mindmirror_infra.layout import MANIFEST_FILE, STACKS_DIR, stack_dir, stack_file
from mindmirror_infra.output import STACKS, recover, replacing, swap

WORKER_MODULE = "mindmirror_infra.synth_worker"
# A worker's folder holds, besides cdktn's output for its stack, the pickled
# catalog it reads, what it printed and, when it exits with WORKER_REFUSED, the
# pickled InvalidConfig that refused the catalog.
CATALOG_FILE = "catalog.pickle"
LOG_FILE = "worker.log"
REFUSED_FILE = "refused.pickle"
# Not 1 (an uncaught exception) nor 2 (Python's own usage errors).
WORKER_REFUSED = 3
# The signals that end a synthesis early (Ctrl-C; `kill`, a CI runner's cancel).
ENDING_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def default_jobs() -> int:
    """As many environments side by side as the CPUs this process may use."""
    if hasattr(os, "sched_getaffinity"):  # not on macOS
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def synthesize(catalog: Catalog, out: str | Path, env_names: Sequence[str] = (), jobs: int | None = None) -> list[Path]:
    """Synthesizes into the folder ``out`` atomically and returns the stack files written.

    ``out`` must be a folder an output may replace (``output.checked_out_dir``).
    With ``env_names``, only those stacks are replaced; the others stay as they
    are. ``jobs`` worker processes build environments side by side (default:
    ``default_jobs()``); with 1, every stack is built in this process instead,
    which saves loading the jsii runtime twice where there is one CPU, or where
    this process has loaded it already. Both ways write the same bytes.
    """
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise InvalidConfig("--jobs", jobs, "expected 1 or more")
    named = [catalog.environment(name).name for name in env_names] or [env.name for env in catalog.environments]
    names = list(dict.fromkeys(named))
    with replacing(str(out), STACKS) as (out_dir, staging):
        if jobs == 1:
            from mindmirror_infra.app import build_app, synth_checked

            synth_checked(build_app(catalog, staging, names))
        else:
            _synthesize_in_workers(catalog, staging, names, jobs)
        # The usage each estimate assumes, beside its stack: docs/decisions/0014-cost-in-review.md.
        for name in names:
            write_usage(staging, catalog, catalog.environment(name))
        if env_names and STACKS.wrote(out_dir):
            for name in names:
                recover(stack_dir(out_dir, name))
                swap(stack_dir(staging, name), stack_dir(out_dir, name))
        else:
            swap(staging, out_dir)
    return [stack_file(out_dir, name) for name in names]


def _synthesize_in_workers(catalog: Catalog, staging: Path, names: Sequence[str], jobs: int) -> None:
    """One worker per environment, each into its own folder; then one manifest, as a single app writes it."""
    _run_workers(catalog, staging, names, jobs)
    stacks: dict[str, object] = {}
    version = ""
    for name in names:
        work = _work_folder(staging, name)
        manifest = json.loads((work / MANIFEST_FILE).read_text())
        stacks.update(manifest["stacks"])
        version = manifest["version"]
        stack_dir(staging, name).parent.mkdir(exist_ok=True)
        (work / STACKS_DIR / name).rename(stack_dir(staging, name))
        shutil.rmtree(work)
    # cdktn writes its manifest with keys sorted, two spaces, no final newline.
    manifest_text = json.dumps({"stacks": stacks, "version": version}, indent=2, sort_keys=True)
    (staging / MANIFEST_FILE).write_text(manifest_text)


def pickled(value: object) -> bytes:
    """``value`` (a catalog, a refusal) pickled between parent and worker; read-only mappings travel as dicts."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer)
    pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: _reduce_mapping_proxy}
    pickler.dump(value)
    return buffer.getvalue()


def _reduce_mapping_proxy(mapping: Any) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    return read_only, (dict(mapping),)


def read_only(mapping: dict[str, object]) -> MappingProxyType[str, object]:
    """Rebuilds a catalog's read-only mapping as the worker unpickles it (pickle cannot name the type)."""
    return MappingProxyType(mapping)


def _run_workers(catalog: Catalog, staging: Path, names: Sequence[str], jobs: int) -> None:
    """Runs the workers, ``jobs`` at a time; raises the first failure, in the order of ``names``.

    Whatever ends this early (a failure, an interrupt) stops every worker still
    running, with the jsii runtime it started.
    """
    catalog_bytes = pickled(catalog)
    waiting = list(names)
    running: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                name = waiting.pop(0)
                with _signals_held():
                    running.append((name, _start_worker(catalog_bytes, _work_folder(staging, name), name)))
            name, worker = running[0]
            returncode = worker.wait()
            running.pop(0)
            _raise_failure(name, returncode, _work_folder(staging, name))
    finally:
        with _signals_held():
            for _, worker in running:
                _stop(worker)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Holds SIGINT and SIGTERM back until the block ends, then delivers them.

    A signal's handler raises wherever the main thread is. Raised between a
    worker's fork and its recording as running, it would leave that worker
    (and its Node.js) running on after the synthesis ended; raised while the
    workers are stopped, it would leave the rest running.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers run in the main thread only: no signal raises in this one
        return
    held: list[int] = []
    handlers = {number: signal.signal(number, lambda number, frame: held.append(number)) for number in ENDING_SIGNALS}
    try:
        yield
    finally:
        for number, handler in handlers.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        for came in dict.fromkeys(held):
            signal.raise_signal(came)


def _raise_failure(env_name: str, returncode: int, work: Path) -> None:
    refusal = work / REFUSED_FILE
    if returncode == WORKER_REFUSED and refusal.exists():
        raise pickle.loads(refusal.read_bytes())
    if returncode != 0:
        log = (work / LOG_FILE).read_text()
        raise RuntimeError(f"synthesis of {env_name} failed (exit {returncode}):\n{log}")


def _stop(worker: subprocess.Popen[bytes]) -> None:
    """Kills the worker's process group: the worker and the Node.js it started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def _work_folder(staging: Path, env_name: str) -> Path:
    return staging / f".worker-{env_name}"


def _start_worker(catalog_bytes: bytes, work: Path, env_name: str) -> subprocess.Popen[bytes]:
    work.mkdir()
    (work / CATALOG_FILE).write_bytes(catalog_bytes)
    command = [sys.executable, "-m", WORKER_MODULE, str(work), env_name]
    with (work / LOG_FILE).open("wb") as log:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": _import_path()},
            start_new_session=True,  # its own process group, so _stop reaches its Node.js too
        )


def _import_path() -> str:
    """The worker imports this checkout's package, as its parent did, whatever the current folder."""
    package_root = str(Path(__file__).resolve().parent.parent)
    current = os.environ.get("PYTHONPATH")
    return os.pathsep.join([package_root, current]) if current else package_root
