"""The two output folders a review compares: one at a git ref, written out from the repository, and one on disk."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from mindmirror_infra.errors import InvalidConfig
from mindmirror_infra.layout import STACK_FILE, STACKS_DIR

# A clone in CI may hold main only as its remote-tracking branch.
MAIN_BRANCHES = ("main", "origin/main")


def _git(folder: Path, *args: str) -> str | None:
    """git's output, or None when git fails (not a repository, an unknown ref)."""
    try:
        done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return None
    return done.stdout if done.returncode == 0 else None


def default_base(folder: Path) -> str:
    """The merge base of HEAD with ``main`` (or ``origin/main``), else HEAD."""
    for branch in MAIN_BRANCHES:
        merge_base = _git(folder, "merge-base", "HEAD", branch)
        if merge_base:
            return merge_base.strip()
    return "HEAD"


def write_ref(out_dir: Path, ref: str, into: Path) -> str:
    """Writes the stacks folder of ``out_dir`` as committed at ``ref`` into the output folder ``into``.

    Returns the ref as a short commit id. Raises ``InvalidConfig`` when
    ``out_dir`` is not in a git repository or ``ref`` names no commit.
    """
    here = out_dir if out_dir.is_dir() else out_dir.parent
    prefix = _git(here, "rev-parse", "--show-prefix")
    if prefix is None:
        raise InvalidConfig("--dir", str(out_dir), "expected a folder inside a git repository (or give two folders)")
    commit = _git(here, "rev-parse", "--verify", "--quiet", "--short", f"{ref}^{{commit}}")
    if commit is None:
        raise InvalidConfig("--base", ref, "expected a git ref that names a commit")
    commit = commit.strip()
    stacks = prefix.strip() + ("" if out_dir.is_dir() else f"{out_dir.name}/") + STACKS_DIR
    listing = _git(here, "ls-tree", "-r", "--full-tree", "--name-only", commit, f"{stacks}/")
    # Every file of each stack's folder, not only its config: whatever reads an output
    # folder (such as an estimate) finds at the ref what it finds in the work tree.
    for path in (listing or "").splitlines():
        target = into / STACKS_DIR / path.removeprefix(f"{stacks}/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_git(here, "show", f"{commit}:{path}") or "")
    return commit


def stacks_of(out_dir: Path) -> dict[str, dict[str, Any]]:
    """Every stack of an output folder, by name; none for a folder that does not exist."""
    return {
        path.parent.name: json.loads(path.read_text()) for path in sorted(out_dir.glob(f"{STACKS_DIR}/*/{STACK_FILE}"))
    }
