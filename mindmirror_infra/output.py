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


# What `tofu init` leaves in a stack folder: the providers it downloaded and the
# lock file of their versions and checksums. Both belong to the user, not to
# synthesis, and survive every swap.
TOFU_WORKING_FILES = (".terraform", ".terraform.lock.hcl")


def swap(new: Path, current: Path) -> None:
    """Puts ``new`` where ``current`` is, keeping ``current`` until ``new`` is in place.

    OpenTofu's working files in ``current`` are carried over into ``new`` where
    their folder still exists.
    """
    current.parent.mkdir(parents=True, exist_ok=True)
    if current.exists():
        _carry_tofu_working_files(current, new)
    previous = current.with_name(f".{current.name}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    if current.exists():
        current.rename(previous)
    new.rename(current)
    shutil.rmtree(previous, ignore_errors=True)


def _carry_tofu_working_files(current: Path, new: Path) -> None:
    for folder, subfolders, files in os.walk(current):
        here = Path(folder)
        target = new / here.relative_to(current)
        for name in [n for n in (*subfolders, *files) if n in TOFU_WORKING_FILES]:
            if target.is_dir():
                (here / name).rename(target / name)
        subfolders[:] = [n for n in subfolders if n not in TOFU_WORKING_FILES]
