"""A project for the rendered deploy scripts: the fake gcloud and curl of tests/fakes/delivery, and how to run a script.

Everything is derived from the catalog's delivery plan: every workload starts
on its environment's ``<env>-latest`` image, as the stacks' first apply leaves it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mindmirror_infra.catalog import MIGRATIONS_IMAGE
from mindmirror_infra.delivery.plan import DeliveryPlan, Target

FAKES = Path(__file__).parent / "fakes" / "delivery"


def digest(*parts: str) -> str:
    return "sha256:" + hashlib.sha256("/".join(parts).encode()).hexdigest()


@dataclass
class Project:
    plan: DeliveryPlan
    target: Target
    scripts: Path
    folder: Path

    @property
    def state_file(self) -> Path:
        return self.folder / "state.json"

    @property
    def log_file(self) -> Path:
        return self.folder / "log.jsonl"

    def first_tag(self, image: str) -> str:
        return f"{self.target.registry}/{image}:{self.target.name}-latest"

    def image(self, name: str, digest_of: str) -> str:
        return f"{self.target.registry}/{name}@{digest_of}"

    def create(self) -> None:
        tags = {self.first_tag(i.name): digest(i.name, "first") for i in self.plan.images}

        def workload(name: str) -> dict[str, Any]:
            first = self.first_tag(name)
            return {"image": first, "url": f"https://{name}-x7.a.run.app", "revisions": [first]}

        state = {
            "services": {w.name: workload(w.name) for w in self.plan.workloads if w.kind == "service"},
            "worker_pools": {w.name: workload(w.name) for w in self.plan.workloads if w.kind == "worker-pool"},
            "jobs": {
                job: {"image": self.first_tag(MIGRATIONS_IMAGE), "executions": []} for job in self.plan.migration_jobs
            },
            "tags": tags,
            "bad_images": [],
            "failing_jobs": [],
        }
        self.state_file.write_text(json.dumps(state))
        self.log_file.write_text("")

    @property
    def state(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.state_file.read_text())
        return loaded

    def change(self, **changes: Any) -> None:
        self.state_file.write_text(json.dumps({**self.state, **changes}))

    def running(self, name: str) -> str:
        state = self.state
        image: str = {**state["services"], **state["worker_pools"]}[name]["image"]
        return image

    def calls(self, tool: str = "gcloud") -> list[dict[str, Any]]:
        lines = self.log_file.read_text().splitlines()
        return [call for call in map(json.loads, lines) if call["tool"] == tool]

    def deploys(self) -> list[tuple[str, str]]:
        """(workload, image) of every deploy call, in order."""
        found = []
        for call in self.calls():
            words = [a for a in call["argv"] if not a.startswith("-")]
            if words[:2] == ["run", "deploy"] or words[:4] == ["beta", "run", "worker-pools", "deploy"]:
                image = next(a.removeprefix("--image=") for a in call["argv"] if a.startswith("--image="))
                found.append((words[-1], image))
        return found

    def run(self, script: str, **env: str) -> subprocess.CompletedProcess[str]:
        self.log_file.write_text("")
        variables = {
            "PATH": f"{FAKES}{os.pathsep}{os.environ['PATH']}",
            "FAKE_STATE": str(self.state_file),
            "FAKE_LOG": str(self.log_file),
            **env,
        }
        return subprocess.run(
            ["bash", str(self.scripts / script)],
            env=variables,
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
            cwd=self.folder,
            timeout=120,
        )

    def new_digests(self, version: str = "new") -> dict[str, str]:
        return {image.name: digest(image.name, version) for image in self.plan.images}

    def deploy(self, digests: dict[str, str], only: str = "") -> subprocess.CompletedProcess[str]:
        return self.run("deploy.sh", ENVIRONMENT=self.target.name, DIGESTS=json.dumps(digests), ONLY=only)
