"""The usage a stack's estimate assumes, as synthesis writes it beside the stack (``usage.json``).

The catalog states the assumptions (``Environment.usage``, ``OperationsSettings.budget_margin``);
this module turns them into the document written into the output folder, and
reads that document back, so an estimate needs the output folder alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from mindmirror_infra.catalog import Catalog, Environment
from mindmirror_infra.catalog.environment import OperationsSettings
from mindmirror_infra.catalog.usage import Traffic, UsageAssumptions
from mindmirror_infra.layout import usage_file


@dataclass(frozen=True)
class Usage:
    """An environment's usage assumptions, with every HTTP service's traffic resolved by its Cloud Run name."""

    traffic: Mapping[str, Traffic] = field(default_factory=dict)
    default_traffic: Traffic = field(default_factory=Traffic)
    job_runs_per_month: int = UsageAssumptions.job_runs_per_month
    job_seconds_per_run: int = UsageAssumptions.job_seconds_per_run
    secret_accesses_per_month: int = UsageAssumptions.secret_accesses_per_month
    log_gib_per_month: float = UsageAssumptions.log_gib_per_month
    registry_gb: float = UsageAssumptions.registry_gb
    documents_gb: float = UsageAssumptions.documents_gb
    budget_margin: float = OperationsSettings.budget_margin

    def __post_init__(self) -> None:
        object.__setattr__(self, "traffic", MappingProxyType(dict(sorted(self.traffic.items()))))

    def traffic_of(self, service: str) -> Traffic:
        return self.traffic.get(service, self.default_traffic)


def usage_of(catalog: Catalog, env: Environment) -> Usage:
    """What ``env`` states, each HTTP service's traffic spelled out."""
    assumed = env.usage
    return Usage(
        traffic={s.name: assumed.traffic_of(s.name) for s in catalog.services if s.kind == "http"},
        default_traffic=assumed.default_traffic,
        job_runs_per_month=assumed.job_runs_per_month,
        job_seconds_per_run=assumed.job_seconds_per_run,
        secret_accesses_per_month=assumed.secret_accesses_per_month,
        log_gib_per_month=assumed.log_gib_per_month,
        registry_gb=assumed.registry_gb,
        documents_gb=assumed.documents_gb,
        budget_margin=env.operations.budget_margin,
    )


def _traffic_document(traffic: Traffic) -> dict[str, Any]:
    return {"requests_per_month": traffic.requests_per_month, "seconds_per_request": traffic.seconds_per_request}


def usage_document(usage: Usage) -> str:
    """The JSON written beside a stack: sorted keys, two spaces, a final newline."""
    document = {
        "budget_margin": usage.budget_margin,
        "default_traffic": _traffic_document(usage.default_traffic),
        "documents_gb": usage.documents_gb,
        "job_runs_per_month": usage.job_runs_per_month,
        "job_seconds_per_run": usage.job_seconds_per_run,
        "log_gib_per_month": usage.log_gib_per_month,
        "registry_gb": usage.registry_gb,
        "secret_accesses_per_month": usage.secret_accesses_per_month,
        "traffic": {name: _traffic_document(t) for name, t in usage.traffic.items()},
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def parse_usage(text: str) -> Usage:
    document = json.loads(text)

    def traffic(entry: Mapping[str, Any]) -> Traffic:
        return Traffic(int(entry["requests_per_month"]), float(entry["seconds_per_request"]))

    return Usage(
        traffic={name: traffic(entry) for name, entry in document["traffic"].items()},
        default_traffic=traffic(document["default_traffic"]),
        job_runs_per_month=int(document["job_runs_per_month"]),
        job_seconds_per_run=int(document["job_seconds_per_run"]),
        secret_accesses_per_month=int(document["secret_accesses_per_month"]),
        log_gib_per_month=float(document["log_gib_per_month"]),
        registry_gb=float(document["registry_gb"]),
        documents_gb=float(document["documents_gb"]),
        budget_margin=float(document["budget_margin"]),
    )


def write_usage(out_dir: Path, catalog: Catalog, env: Environment) -> Path:
    path = usage_file(out_dir, env.name)
    path.write_text(usage_document(usage_of(catalog, env)))
    return path


def read_usage(out_dir: Path, env_name: str) -> Usage:
    """The usage written beside the stack; the catalog's defaults for output synthesized before it was written."""
    path = usage_file(out_dir, env_name)
    return parse_usage(path.read_text()) if path.exists() else Usage()
