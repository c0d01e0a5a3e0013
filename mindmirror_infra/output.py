"""Replacing an output folder all at once: written beside it, then swapped into place.

Both outputs of the catalog (the synthesized stacks and the bootstrap scripts)
are written this way, so bad input or a failure halfway leaves the previous
output exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from mindmirror_infra.errors import InvalidConfig


def staging_folder(out_dir: Path) -> Path:
    """A new, empty folder beside ``out_dir`` to write into before swapping."""
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        if out_dir.exists() and not os.access(out_dir, os.W_OK):
            raise PermissionError(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
        staging.chmod(0o755)  # mkdtemp's 0700 would otherwise become the output's mode
        return staging
    except OSError:
        raise InvalidConfig("--out", str(out_dir), "expected a folder that can be created and written") from None


def swap(new: Path, current: Path) -> None:
    """Puts ``new`` where ``current`` is, keeping ``current`` until ``new`` is in place."""
    current.parent.mkdir(parents=True, exist_ok=True)
    previous = current.with_name(f".{current.name}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    if current.exists():
        current.rename(previous)
    new.rename(current)
    shutil.rmtree(previous, ignore_errors=True)
