"""Shared fixtures: the embedded catalog, synthesized once per test session."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mindmirror_infra import checkov
from mindmirror_infra.catalog import Catalog
from mindmirror_infra.catalog.mindmirror import mindmirror
from mindmirror_infra.cli import main
from mindmirror_infra.synthesis import synthesize
from tests import variants
from tests.synth import Config, read_configs

REPO = Path(__file__).resolve().parent.parent
# The files whose tests run scripts, tofu or gcloud (each several seconds), longest
# first. `make test` hands whole files to its pytest workers in collection order
# (`--dist loadfile`); starting with the long ones leaves short ones for the end,
# so no worker is left running one long file while the other waits.
LONGEST_FIRST = (
    "test_delivery_scripts.py",
    "test_bootstrap_scripts.py",
    "test_tofu_signals.py",
    "test_bootstrap_gcloud.py",
    "test_delivery_workflows.py",
    "test_node_runtime.py",
    "test_output.py",
    "test_cli.py",
    "test_diff.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long files first, each file's tests in their own order (a stable sort)."""
    rank = {name: position for position, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return mindmirror()


def once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Any]) -> tuple[Path, Any]:
    """The folder ``name``, filled by ``build`` once per test run, and what ``build`` returned (JSON).

    The pytest-xdist workers of one run share it: the first to ask builds it, the
    others wait for it, so a whole synthesis is not paid again in every worker.
    """
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder, built = root / name, root / f"{name}.json"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            built.write_text(json.dumps(build(folder)))
    return folder, json.loads(built.read_text())


def synthesized_into(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A fresh synthesis of ``catalog`` (in this process), once per test run."""

    def build(folder: Path) -> None:
        synthesize(catalog, folder / "generated", jobs=1)

    folder, _ = once_per_run(tmp_path_factory, name, build)
    return folder / "generated"


@pytest.fixture(scope="session")
def synthesized(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Config]]:
    """One fresh synthesis of the embedded catalog for the whole run."""
    out = synthesized_into(catalog, tmp_path_factory, "synth")
    return out, read_configs(catalog, out)


@dataclass(frozen=True)
class System:
    """A catalog and its synthesized stacks, keyed by environment name."""

    catalog: Catalog
    stacks: dict[str, Config]


@pytest.fixture(scope="session")
def extended_system(tmp_path_factory: pytest.TempPathFactory) -> System:
    """The embedded catalog with a service, its database and a secret added (``variants.extended``), synthesized."""
    extended = variants.extended()
    return System(extended, read_configs(extended, synthesized_into(extended, tmp_path_factory, "extended")))


@pytest.fixture(scope="session", params=["embedded", "extended"])
def system(request: pytest.FixtureRequest, catalog: Catalog, stacks: dict[str, Config]) -> System:
    """Each catalog a derived test runs on: the embedded one, and the same with a service added.

    A test that computes what it expects from ``system.catalog`` passes on
    both; one that writes the embedded system's names or counts fails on the second.
    """
    if request.param == "embedded":
        return System(catalog, stacks)
    extended: System = request.getfixturevalue("extended_system")
    return extended


@dataclass(frozen=True)
class CliRun:
    """How a command of the CLI ended."""

    exit_code: int
    stdout: str


@pytest.fixture(scope="session")
def second_synthesis(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CliRun]:
    """`mminfra synth --out <new folder>`, once per run: the folder holding ``new`` and how the CLI ended.

    The CLI test of a new folder and the determinism test both read it, so the
    suite synthesizes the embedded catalog twice, not three times.
    """

    def run(parent: Path) -> dict[str, Any]:
        # Two worker processes even on one CPU: they must write what the in-process build writes.
        result = CliRunner().invoke(main, ["synth", "--out", str(parent / "new"), "--jobs", "2"])
        return {"exit_code": result.exit_code, "stdout": result.stdout}

    parent, ended = once_per_run(tmp_path_factory, "second-synthesis", run)
    return parent, CliRun(**ended)


@pytest.fixture(scope="session")
def fresh_out(synthesized: tuple[Path, dict[str, Config]]) -> Path:
    """The folder holding the session's synthesis (read-only by convention)."""
    return synthesized[0]


@pytest.fixture(scope="session")
def stacks(synthesized: tuple[Path, dict[str, Config]]) -> dict[str, Config]:
    """The synthesized JSON of every environment, keyed by environment name."""
    return synthesized[1]


@pytest.fixture(scope="session")
def production(stacks: dict[str, Config]) -> Config:
    return stacks["production"]


@pytest.fixture(scope="session")
def staging(stacks: dict[str, Config]) -> Config:
    return stacks["staging"]


def start_checkov(tmp_path_factory: pytest.TempPathFactory) -> checkov.Running:
    """checkov over the committed generated/ (the drift test makes it the output the code produces)."""
    executable = checkov.find_checkov()
    if executable is None:
        pytest.fail("checkov is not installed: run `make setup` (it is a dev dependency)")
    return checkov.Running.start(executable, REPO / "generated", tmp_path_factory.mktemp("checkov"))


@pytest.fixture(scope="session", autouse=True)
def checkov_in_background(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[checkov.Running | None]:
    """checkov started with the session, so that it runs beside the other tests.

    Only in a run of one process, and only when a collected test asks for
    ``checkov_reports``: a pytest-xdist worker collects every test but runs only
    some, and each would start its own checkov.
    """
    wanted = any("checkov_reports" in getattr(item, "fixturenames", ()) for item in request.session.items)
    if os.environ.get("PYTEST_XDIST_WORKER") or not wanted:
        yield None
        return
    running = start_checkov(tmp_path_factory)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def checkov_reports(
    checkov_in_background: checkov.Running | None, tmp_path_factory: pytest.TempPathFactory
) -> list[checkov.StackReport]:
    """checkov's report on every committed stack, the skip list applied."""
    running = checkov_in_background or start_checkov(tmp_path_factory)
    return running.reports(checkov.load_skips(REPO / checkov.SKIPS_FILE))
