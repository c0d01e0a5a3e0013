"""The real Google Cloud CLI, offline: proof that a command line is one gcloud accepts.

With an empty configuration and no credentials, gcloud parses a command line
before it asks for an account: an unknown command or flag exits 2, a
well-formed one stops at "no active account" (exit 1), and nothing reaches the
network. `parse_each` puts many lines through one gcloud process
(tests/tools/gcloud_batch.py), since each start of gcloud costs about a
CPU-second; `gcloud` runs one line as its own process, for what depends on
the process's environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

GCLOUD = Path("/usr/bin/gcloud")
needs_gcloud = pytest.mark.skipif(
    not GCLOUD.exists(), reason="no Google Cloud CLI at /usr/bin/gcloud: these checks need the real gcloud's parser"
)
# How gcloud stops a well-formed command without credentials (some commands
# fail while formatting that error, after parsing all the same).
SIGNED_OUT = ("You do not currently have an active account selected", "NoActiveAccountException")
BATCH = Path(__file__).parent / "tools" / "gcloud_batch.py"
# Lines gcloud must refuse, sent with every batch: a batch that refuses neither is no check.
REFUSED_CONTROLS = (["services", "enable", "run.googleapis.com", "--no-such-flag"], ["no-such-group", "list"])


@dataclass(frozen=True)
class Parsed:
    """What gcloud did with one command line."""

    argv: list[str]
    returncode: int
    stderr: str

    @property
    def well_formed(self) -> bool:
        """Parsed, then stopped for want of an account (or, for a local command, done)."""
        return self.returncode == 0 or (self.returncode == 1 and any(s in self.stderr for s in SIGNED_OUT))

    def __str__(self) -> str:
        return f"gcloud {' '.join(self.argv)}: exit {self.returncode}: {self.stderr.strip()[-300:]}"


def offline_environment(config_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """An empty configuration of its own, no credentials, no update check, no usage report."""
    config_dir.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(config_dir),
        "CLOUDSDK_CONFIG": str(config_dir),
        "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "true",
        "CLOUDSDK_CORE_CHECK_GCE_METADATA": "false",
        "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING": "true",
        **(extra or {}),
    }


def gcloud(
    args: list[str], config_dir: Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """One run of the real gcloud, as a process of its own."""
    return subprocess.run(
        [str(GCLOUD), *args],
        input=stdin,
        env=offline_environment(config_dir, env),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def sdk_python(sdk_root: Path) -> str:
    """The Python the `gcloud` launcher would choose: CLOUDSDK_PYTHON, else the SDK's own, else this one."""
    bundled = sdk_root / "platform" / "bundledpythonunix" / "bin" / "python3"
    return os.environ.get("CLOUDSDK_PYTHON") or (str(bundled) if bundled.exists() else sys.executable)


def parse_each(calls: Sequence[tuple[list[str], str]], workdir: Path) -> list[Parsed]:
    """Each (argv, stdin) through one gcloud process, in order; the refused controls checked first."""
    sdk_root = GCLOUD.resolve().parent.parent
    results_file = workdir / "gcloud-results.json"
    lines = [*((list(c), "") for c in REFUSED_CONTROLS), *calls]
    done = subprocess.run(
        [sdk_python(sdk_root), str(BATCH), str(sdk_root), str(results_file)],
        input=json.dumps([{"argv": argv, "stdin": stdin} for argv, stdin in lines]),
        env=offline_environment(workdir / "gcloud-config"),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    outcomes = json.loads(results_file.read_text())
    results = [Parsed(argv, **outcome) for (argv, _), outcome in zip(lines, outcomes, strict=True)]
    controls, parsed = results[: len(REFUSED_CONTROLS)], results[len(REFUSED_CONTROLS) :]
    assert [c.returncode for c in controls] == [2] * len(controls), [str(c) for c in controls]
    return parsed
