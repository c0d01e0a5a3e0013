"""Where synthesized output lives, relative to the output folder."""

from __future__ import annotations

from pathlib import Path

STACKS_DIR = "stacks"
STACK_FILE = "cdk.tf.json"
# At the top of every output folder: cdktn's list of the stacks, or the bootstrap
# scripts' list (mindmirror_infra/output.py tells them apart by their keys).
MANIFEST_FILE = "manifest.json"


def stack_dir(out_dir: Path, env_name: str) -> Path:
    return out_dir / STACKS_DIR / env_name


def stack_file(out_dir: Path, env_name: str) -> Path:
    return stack_dir(out_dir, env_name) / STACK_FILE


# The usage a stack's cost estimate assumes, written beside it (docs/decisions/0014-cost-in-review.md).
USAGE_FILE = "usage.json"


def usage_file(out_dir: Path, env_name: str) -> Path:
    return stack_dir(out_dir, env_name) / USAGE_FILE
