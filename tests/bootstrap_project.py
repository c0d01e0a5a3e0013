"""A fake GCP project for the bootstrap scripts: the fake gcloud on PATH, its state and its call log."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mindmirror_infra.bootstrap.plan import secret_env_var
from mindmirror_infra.catalog import ENVIRONMENT_SECRET
from mindmirror_infra.catalog.mindmirror import mindmirror
from tests.conftest import REPO

CATALOG = mindmirror()

FAKE_BIN = REPO / "tests" / "fakes"
SYSTEM_PATH = "/usr/bin:/bin"
SCRIPTS = (
    "00-create-state-bucket.sh",
    "01-setup-secrets.sh",
    "02-enable-apis.sh",
    "03-create-artifact-registry.sh",
    "04-create-database-users.sh",
)
# The secrets the scripts seed from a value: all but the URL secrets (04 writes them) and
# the environment secret (its value is the environment's name).
URL_SECRETS = tuple(d.url_secret for d in CATALOG.databases)
SEEDED = tuple(s.id for s in CATALOG.secrets if s.id not in URL_SECRETS and s.id != ENVIRONMENT_SECRET)
# Values given to the scripts; tests prove none of them is ever printed or on a command line.
SECRET_VALUES = {secret_env_var(secret): f"{secret}-Zq81-value" for secret in SEEDED}
# Verbs of gcloud calls that change a project; every other call only reads.
CHANGING_VERBS = {"create", "enable", "update", "add", "set-password"}


def empty_project(project_id: str) -> dict[str, Any]:
    return {
        "account": "ops@example.com",
        "projects": [project_id],
        "buckets": {},
        "services": [],
        "secrets": {},
        "repositories": {},
        "instances": {},
    }


@dataclass
class FakeProject:
    """One project as the fake gcloud sees it, and the scripts of one environment to run against it."""

    scripts_dir: Path
    work: Path

    @property
    def state_file(self) -> Path:
        return self.work / "state.json"

    @property
    def log_file(self) -> Path:
        return self.work / "calls.jsonl"

    def state(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.state_file.read_text())
        return loaded

    def set_state(self, state: dict[str, Any]) -> None:
        self.state_file.write_text(json.dumps(state))

    def apply_creates_instances(self) -> None:
        """What the first apply leaves behind for the post-apply script: the instances, with private IPs."""
        state = self.state()
        for number, database in enumerate(CATALOG.databases, start=5):
            state["instances"].setdefault(database.instance, {"ip": f"10.16.0.{number}", "users": ["postgres"]})
        self.set_state(state)

    def run(
        self, script: str, *args: str, env: dict[str, str] | None = None, path: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        environment = {
            "PATH": path if path is not None else f"{FAKE_BIN}:{SYSTEM_PATH}",
            "HOME": str(self.work),
            "FAKE_GCLOUD_STATE": str(self.state_file),
            "FAKE_GCLOUD_LOG": str(self.log_file),
            **SECRET_VALUES,
            **(env or {}),
        }
        return subprocess.run(
            [str(self.scripts_dir / script), *args],
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            cwd=self.work,
        )

    def calls(self) -> list[dict[str, Any]]:
        if not self.log_file.exists():
            return []
        return [json.loads(line) for line in self.log_file.read_text().splitlines()]

    def changes(self) -> list[str]:
        """The calls that changed the project, as command lines, in order."""
        return [" ".join(c["argv"]) for c in self.calls() if CHANGING_VERBS & set(c["argv"][:4])]

    def forget_calls(self) -> None:
        self.log_file.unlink(missing_ok=True)


def run_all(project: FakeProject, env: dict[str, str] | None = None) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every script in order, with the first apply between the pre-apply scripts and the post-apply one."""
    results = {}
    for script in SCRIPTS:
        if script.startswith("04-"):
            project.apply_creates_instances()
        results[script] = project.run(script, env=env)
    return results


def gcloud_logging_everything(config_dir: Path) -> dict[str, str]:
    """A gcloud configuration in ``config_dir`` that prints and logs every request, and the variables saying so too.

    As an operator debugging gcloud might leave it: ``core/log_http`` and debug
    verbosity in the active configuration's properties and in CLOUDSDK_CORE_*
    variables, file logging on.
    """
    (config_dir / "configurations").mkdir(parents=True)
    (config_dir / "active_config").write_text("debugging")
    (config_dir / "configurations" / "config_debugging").write_text(
        "[core]\nlog_http = true\nverbosity = debug\ndisable_file_logging = false\n"
    )
    return {
        "CLOUDSDK_CONFIG": str(config_dir),
        "CLOUDSDK_CORE_LOG_HTTP": "true",
        "CLOUDSDK_CORE_VERBOSITY": "debug",
        "CLOUDSDK_CORE_DISABLE_FILE_LOGGING": "false",
    }
