"""Running OpenTofu on a synthesized stack."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from mindmirror_infra.layout import STACK_FILE

INSTALL_HINT = "install OpenTofu (https://opentofu.org/docs/intro/install/) or set TOFU to its path"


class TofuNotFound(RuntimeError):
    """Neither ``$TOFU`` nor ``tofu`` on PATH names an executable."""


def tofu_binary() -> str:
    """The binary named by ``TOFU``, else ``tofu`` on PATH."""
    named = os.environ.get("TOFU", "tofu")
    found = shutil.which(named)
    if found is None:
        raise TofuNotFound(f"OpenTofu not found: {named!r} is not an executable; {INSTALL_HINT}")
    return found


def run_in_stack(stack_dir: Path, command: str, args: Sequence[str]) -> int:
    """``tofu init`` then ``tofu <command> <args>`` in ``stack_dir``; the first failing exit code."""
    binary = tofu_binary()
    if not (stack_dir / STACK_FILE).is_file():
        raise FileNotFoundError(f"{stack_dir / STACK_FILE} does not exist; run `make synth` first")
    chdir = f"-chdir={stack_dir}"
    init = subprocess.run([binary, chdir, "init", "-input=false"], check=False)
    if init.returncode != 0:
        return init.returncode
    return subprocess.run([binary, chdir, command, *args], check=False).returncode
