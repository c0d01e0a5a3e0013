"""What an environment is expected to use: the assumptions its cost estimate is priced from.

The stacks say what exists; these say how much of it is used in a month
(requests, logs, stored images). Synthesis writes them beside each stack
(``generated/stacks/<env>/usage.json``) so that an estimate can be computed
from the output folder alone: docs/decisions/0014-cost-in-review.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from mindmirror_infra import validation as rules


@dataclass(frozen=True)
class Traffic:
    """The requests one HTTP service serves in a month.

    Attributes:
        requests_per_month: requests served. Default 100,000.
        seconds_per_request: mean time an instance is busy with one request. Default 0.2.
    """

    requests_per_month: int = 100_000
    seconds_per_request: float = 0.2

    def validate(self, where: str) -> None:
        rules.check_int(f"{where}.requests_per_month", self.requests_per_month, 0, 10**12)
        # Cloud Run's request timeout is at most 3600 s:
        # https://cloud.google.com/run/docs/configuring/request-timeout
        rules.check_number(f"{where}.seconds_per_request", self.seconds_per_request, 0, 3600, low_open=True)


@dataclass(frozen=True)
class UsageAssumptions:
    """Monthly usage of one environment, for its cost estimate (never for what is deployed).

    Attributes:
        traffic: per HTTP service, keyed by service name. Default none.
        default_traffic: a service's traffic when ``traffic`` names it not. Default 100,000 requests of 0.2 s.
        job_runs_per_month: executions of each migration job. Default 30 (a deploy a day).
        job_seconds_per_run: how long one execution runs. Default 120.
        secret_accesses_per_month: secret versions read by all workloads. Default 1,000,000
            (the strategy's figure).
        log_gib_per_month: log volume ingested into the project. Default 10 (the strategy's figure).
        registry_gb: container images stored. Default 5 (the strategy's figure).
        documents_gb: objects stored in the documents bucket. Default 1.
    """

    traffic: Mapping[str, Traffic] = field(default_factory=dict)
    default_traffic: Traffic = Traffic()
    job_runs_per_month: int = 30
    job_seconds_per_run: int = 120
    secret_accesses_per_month: int = 1_000_000
    log_gib_per_month: float = 10
    registry_gb: float = 5
    documents_gb: float = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "traffic", MappingProxyType(dict(sorted(self.traffic.items()))))

    def traffic_of(self, service: str) -> Traffic:
        return self.traffic.get(service, self.default_traffic)

    def validate(self, where: str) -> None:
        for name, traffic in self.traffic.items():
            traffic.validate(f"{where}.traffic[{name}]")
        self.default_traffic.validate(f"{where}.default_traffic")
        rules.check_int(f"{where}.job_runs_per_month", self.job_runs_per_month, 0, 100_000)
        # A Cloud Run job task runs for at most 168 hours:
        # https://cloud.google.com/run/docs/configuring/task-timeout
        rules.check_int(f"{where}.job_seconds_per_run", self.job_seconds_per_run, 1, 168 * 3600)
        rules.check_int(f"{where}.secret_accesses_per_month", self.secret_accesses_per_month, 0, 10**12)
        for name in ("log_gib_per_month", "registry_gb", "documents_gb"):
            rules.check_number(f"{where}.{name}", getattr(self, name), 0, 10**9)
