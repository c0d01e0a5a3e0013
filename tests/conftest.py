"""Shared fixtures: the embedded catalog, synthesized once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from mindmirror_infra.catalog import Catalog
from mindmirror_infra.catalog.mindmirror import mindmirror
from tests.synth import Config, synth_configs

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return mindmirror()


@pytest.fixture(scope="session")
def synthesized(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Config]]:
    """One fresh synthesis of the embedded catalog for the whole session."""
    out = tmp_path_factory.mktemp("synth") / "generated"
    return out, synth_configs(catalog, out)


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
