"""Synthesis of the catalog into OpenTofu JSON, all or nothing.

The app is synthesized into a temporary folder beside the output; only when
every stack has been written is the result swapped into place, so bad input
leaves the previous output exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cdktn import App

from mindmirror_infra.catalog import Catalog
from mindmirror_infra.errors import InvalidConfig
from mindmirror_infra.layout import STACKS_DIR, stack_file
from mindmirror_infra.stacks.environment_stack import EnvironmentStack


def build_app(catalog: Catalog, outdir: Path, env_names: Sequence[str] = ()) -> App:
    """An app with one stack per environment (or only those named)."""
    selected = [catalog.environment(name) for name in env_names] or list(catalog.environments)
    # Stack traces would write absolute paths of this checkout into the output.
    app = App(outdir=str(outdir), stack_traces=False)
    for env in selected:
        EnvironmentStack(app, catalog, env)
    return app


def synthesize(catalog: Catalog, out_dir: Path, env_names: Sequence[str] = ()) -> list[Path]:
    """Synthesizes into ``out_dir`` atomically and returns the stack files written.

    With ``env_names``, only those stacks are replaced; the others stay as they are.
    """
    out_dir = out_dir.absolute()
    staging = _staging_folder(out_dir)
    try:
        build_app(catalog, staging, env_names).synth()
        names = list(env_names) or [env.name for env in catalog.environments]
        if env_names and out_dir.exists():
            for name in names:
                _swap(staging / STACKS_DIR / name, out_dir / STACKS_DIR / name)
        else:
            _swap(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [stack_file(out_dir, name) for name in names]


def _staging_folder(out_dir: Path) -> Path:
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        if out_dir.exists() and not os.access(out_dir, os.W_OK):
            raise PermissionError(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
        staging.chmod(0o755)  # mkdtemp's 0700 would otherwise become the output's mode
        return staging
    except OSError:
        raise InvalidConfig("--out", str(out_dir), "expected a folder that can be created and written") from None


def _swap(new: Path, current: Path) -> None:
    """Puts ``new`` where ``current`` is, keeping ``current`` until ``new`` is in place."""
    current.parent.mkdir(parents=True, exist_ok=True)
    previous = current.with_name(f".{current.name}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    if current.exists():
        current.rename(previous)
    new.rename(current)
    shutil.rmtree(previous, ignore_errors=True)
