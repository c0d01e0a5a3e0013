"""The committed outputs (stacks and bootstrap scripts) are exactly what the code produces.

See docs/decisions/0004-committed-generated.md.
"""

from __future__ import annotations

import filecmp
import os
from pathlib import Path

from mindmirror_infra.bootstrap.render import render
from mindmirror_infra.catalog import Catalog
from mindmirror_infra.output import TOFU_WORKING_FILES
from tests.conftest import REPO, CliRun
from tests.synth import Config


def differing_files(committed: Path, fresh: Path) -> list[str]:
    """Paths, relative to the two folders, that are missing on one side or differ.

    OpenTofu's working files (``tofu init`` in a stack folder) are not output.
    """
    committed_files = {p.relative_to(committed) for p in committed.rglob("*") if p.is_file()}
    committed_files = {p for p in committed_files if not set(p.parts) & set(TOFU_WORKING_FILES)}
    fresh_files = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
    differing = committed_files ^ fresh_files
    for path in committed_files & fresh_files:
        if not filecmp.cmp(committed / path, fresh / path, shallow=False):
            differing.add(path)
    return sorted(str(p) for p in differing)


def test_generated_matches_a_fresh_synth(stacks: dict[str, Config], fresh_out: Path) -> None:
    differing = differing_files(REPO / "generated", fresh_out)
    assert not differing, f"generated/ is out of date in {differing}: run `make synth` and commit generated/"


def test_synth_is_byte_for_byte_deterministic(
    stacks: dict[str, Config], fresh_out: Path, second_synthesis: tuple[Path, CliRun]
) -> None:
    again = second_synthesis[0] / "new"
    assert differing_files(fresh_out, again) == []
    for path in fresh_out.rglob("*.json"):
        text = path.read_text()
        assert str(REPO) not in text
        assert "/tmp" not in text


def test_bootstrap_matches_a_fresh_render(catalog: Catalog, tmp_path: Path) -> None:
    render(catalog, tmp_path / "bootstrap")
    differing = differing_files(REPO / "bootstrap", tmp_path / "bootstrap")
    assert not differing, f"bootstrap/ is out of date in {differing}: run `make synth` and commit bootstrap/"
    not_executable = [str(p.relative_to(REPO)) for p in (REPO / "bootstrap").rglob("*.sh") if not os.access(p, os.X_OK)]
    assert not_executable == [], f"{not_executable} must be executable: run `make synth` and commit bootstrap/"
