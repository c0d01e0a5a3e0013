"""Alert policies on the built-in metrics of Cloud Run services and worker pools: errors, latency and CPU.

One policy per metric, each condition grouped by ``service_name``: Cloud Monitoring
opens one incident per service that crosses the threshold, so a notification
still names its service, while the console lists three policies to tune instead
of three per service, and each policy is a single condition (alerting is priced
per condition). The filters name every service explicitly (``one_of``), so what
is covered is what the configuration says.

Worker pools report under their own monitored resource (``cloud_run_worker_pool``,
named by ``worker_pool_name``), which a filter on services never matches, so
their CPU has a policy of its own, grouped by worker pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn_provider_google.monitoring_alert_policy import (
    MonitoringAlertPolicy,
    MonitoringAlertPolicyConditionsConditionThreshold,
    MonitoringAlertPolicyConditionsConditionThresholdAggregations,
    MonitoringAlertPolicyConditionsConditionThresholdDenominatorAggregations,
)
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.constructs.alert_props import check_channels, seconds, threshold_policy
from mindmirror_infra.constructs.cloud_run_monitored import SERVICES, WORKER_POOLS, WorkloadKind
from mindmirror_infra.constructs.cloud_run_runbook import runbook

REQUEST_COUNT = 'metric.type="run.googleapis.com/request_count"'
REQUEST_LATENCIES = 'metric.type="run.googleapis.com/request_latencies"'
# The same metric for services and worker pools; the resource type tells them apart.
CPU_UTILIZATIONS = 'metric.type="run.googleapis.com/container/cpu/utilizations"'
# The error ratio is taken over five minutes of requests: over one minute, a
# quiet service's single failed request would read as a high ratio.
RATIO_WINDOW_SECONDS = 300
# Percentiles are taken per minute.
PERCENTILE_WINDOW_SECONDS = 60
# An incident whose service stops sending data (scaled to zero, errors gone) closes.
CLOSE_WITHOUT_DATA = "EVALUATION_MISSING_DATA_INACTIVE"


@dataclass(frozen=True)
class CloudRunAlertsProps:
    """Attributes:
    project_id: the project of the services.
    region: their region, for the commands in each alert's documentation.
    serving_services: services that answer requests: covered by three alerts, created
        only when there is one (a system of workers alone has none).
    notification_channels: channel names every alert notifies; 1 to 16.
    worker_pools: worker pools (they answer no requests): covered by a CPU alert of
        their own, created only when there is one. Default none.
    error_ratio: 5xx responses above this share of requests alert. Default 0.05.
    latency_p95_ms: a p95 request latency above this alerts. Default 2000.
    cpu_utilization: a p95 container CPU utilization above this share alerts. Default 0.8.
    duration_seconds: how long a condition must hold; whole minutes. Default 300.
    """

    project_id: str
    region: str
    serving_services: tuple[str, ...]
    notification_channels: tuple[str, ...]
    worker_pools: tuple[str, ...] = ()
    error_ratio: float = 0.05
    latency_p95_ms: int = 2000
    cpu_utilization: float = 0.8
    duration_seconds: int = 300

    def __post_init__(self) -> None:
        where = "CloudRunAlertsProps"
        for name in self.serving_services + self.worker_pools:
            validation.check_name(f"{where}.services", name, validation.CLOUD_RUN_NAME)
        validation.check_unique(f"{where}.services", self.serving_services + self.worker_pools)
        check_channels(f"{where}.notification_channels", self.notification_channels)
        validation.check_number(f"{where}.error_ratio", self.error_ratio, 0, 1, low_open=True)
        validation.check_int(f"{where}.latency_p95_ms", self.latency_p95_ms, 1, 3_600_000)
        validation.check_number(f"{where}.cpu_utilization", self.cpu_utilization, 0, 1, low_open=True)
        validation.check_duration(f"{where}.duration_seconds", self.duration_seconds)


def resource_filter(kind: WorkloadKind, names: tuple[str, ...]) -> str:
    """``resource.type="<type>" AND resource.label.<name label>=one_of("a", "b")``."""
    return f'resource.type="{kind.resource_type}" AND {kind.named(names)}'


class CloudRunAlerts(Construct):
    """Three policies with services, one with worker pools, each ``google_monitoring_alert_policy.cloud_run_<kind>``:

    - ``cloud_run_error_ratio``: 5xx responses over all responses (a ratio of two
      filters, ``denominator_filter``; MQL conditions are deprecated);
    - ``cloud_run_latency_p95``: the 95th percentile of request latency, from the
      service's merged latency distribution;
    - ``cloud_run_cpu_utilization``: the 95th percentile of container CPU
      utilization across the service's instances;
    - ``cloud_run_worker_pool_cpu_utilization``: the same across a worker pool's
      instances, only when there are worker pools.

    Each carries Markdown documentation with the first commands to run.
    """

    def __init__(self, scope: Construct, construct_id: str, props: CloudRunAlertsProps) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        self.error_ratio: MonitoringAlertPolicy | None = None
        self.latency_p95: MonitoringAlertPolicy | None = None
        self.cpu_utilization: MonitoringAlertPolicy | None = None
        if props.serving_services:
            self._serving_policies()
        self.worker_pool_cpu_utilization = (
            self._cpu_policy(WORKER_POOLS, "worker_pool_cpu_utilization", props.worker_pools)
            if props.worker_pools
            else None
        )

    def _serving_policies(self) -> None:
        props = self.props
        serving = resource_filter(SERVICES, props.serving_services)
        requests = f"{REQUEST_COUNT} AND {serving}"
        ratio_window = _grouped(SERVICES, RATIO_WINDOW_SECONDS, "REDUCE_SUM")
        self.error_ratio = self._policy(
            "error_ratio",
            f"Cloud Run 5xx responses above {percent(props.error_ratio)} of requests",
            MonitoringAlertPolicyConditionsConditionThreshold(
                filter=f'{requests} AND metric.label.response_code_class="5xx"',
                aggregations=[MonitoringAlertPolicyConditionsConditionThresholdAggregations(**ratio_window)],
                denominator_filter=requests,
                denominator_aggregations=[
                    MonitoringAlertPolicyConditionsConditionThresholdDenominatorAggregations(**ratio_window)
                ],
                comparison="COMPARISON_GT",
                threshold_value=props.error_ratio,
                duration=seconds(props.duration_seconds),
                evaluation_missing_data=CLOSE_WITHOUT_DATA,
            ),
            f"More than {percent(props.error_ratio)} of the requests to {SERVICES.incident_name} "
            "fail with a 5xx status.",
        )
        percentile = _grouped(SERVICES, PERCENTILE_WINDOW_SECONDS, "REDUCE_PERCENTILE_95")
        self.latency_p95 = self._policy(
            "latency_p95",
            f"Cloud Run p95 request latency above {props.latency_p95_ms} ms",
            MonitoringAlertPolicyConditionsConditionThreshold(
                filter=f"{REQUEST_LATENCIES} AND {serving}",
                aggregations=[MonitoringAlertPolicyConditionsConditionThresholdAggregations(**percentile)],
                comparison="COMPARISON_GT",
                threshold_value=props.latency_p95_ms,
                duration=seconds(props.duration_seconds),
                evaluation_missing_data=CLOSE_WITHOUT_DATA,
            ),
            f"More than one request in twenty to {SERVICES.incident_name} takes longer than "
            f"{props.latency_p95_ms} ms. "
            "Slow database queries, a cold start after scaling to zero or a slow dependency are the usual causes.",
        )
        self.cpu_utilization = self._cpu_policy(SERVICES, "cpu_utilization", props.serving_services)

    @property
    def policies(self) -> tuple[MonitoringAlertPolicy, ...]:
        policies = (self.error_ratio, self.latency_p95, self.cpu_utilization, self.worker_pool_cpu_utilization)
        return tuple(policy for policy in policies if policy is not None)

    def _cpu_policy(self, kind: WorkloadKind, name: str, workloads: tuple[str, ...]) -> MonitoringAlertPolicy:
        props = self.props
        noun = "" if kind is SERVICES else f" {kind.noun}"
        return self._policy(
            name,
            f"Cloud Run{noun} container CPU above {percent(props.cpu_utilization)}",
            MonitoringAlertPolicyConditionsConditionThreshold(
                filter=f"{CPU_UTILIZATIONS} AND {resource_filter(kind, workloads)}",
                aggregations=[
                    MonitoringAlertPolicyConditionsConditionThresholdAggregations(
                        **_grouped(kind, PERCENTILE_WINDOW_SECONDS, "REDUCE_PERCENTILE_95")
                    )
                ],
                comparison="COMPARISON_GT",
                threshold_value=props.cpu_utilization,
                duration=seconds(props.duration_seconds),
                evaluation_missing_data=CLOSE_WITHOUT_DATA,
            ),
            f"The containers of {kind.incident_name} use more than {percent(props.cpu_utilization)} of their CPU. "
            "If it is load, give it more instances or CPU in the infrastructure code and apply "
            "(a change made with gcloud is reverted by the next apply); "
            "if a new revision brought it, roll back.",
            kind,
        )

    def _policy(
        self,
        name: str,
        display_name: str,
        threshold: MonitoringAlertPolicyConditionsConditionThreshold,
        summary: str,
        workload_kind: WorkloadKind = SERVICES,
    ) -> MonitoringAlertPolicy:
        props = self.props
        return pin(
            threshold_policy(
                self,
                name,
                project_id=props.project_id,
                display_name=display_name,
                threshold=threshold,
                notification_channels=props.notification_channels,
                subject=f"{display_name}: {workload_kind.incident_name}",
                runbook=runbook(props.project_id, props.region, kind=workload_kind, first_look=summary),
            ),
            "cloud_run",
            name,
        )


def _grouped(kind: WorkloadKind, window_seconds: int, reducer: str) -> dict[str, Any]:
    """Each series' change over the window (a count, or a distribution of the window's
    values), combined per workload by ``reducer``: a percentile of the merged
    distribution, which a percentile per series (one per response code) then a
    maximum would overstate whenever a rare status code is slow."""
    return {
        "alignment_period": seconds(window_seconds),
        "per_series_aligner": "ALIGN_DELTA",
        "cross_series_reducer": reducer,
        "group_by_fields": [kind.group_by],
    }


def percent(share: float) -> str:
    """``0.05`` -> ``"5 %"``."""
    return f"{share * 100:g} %"
