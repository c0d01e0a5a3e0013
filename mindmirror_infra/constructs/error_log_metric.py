"""A log-based metric: how many error-level entries each Cloud Run service and worker pool writes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktn_provider_google.logging_metric import (
    LoggingMetric,
    LoggingMetricMetricDescriptor,
    LoggingMetricMetricDescriptorLabels,
)
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.constructs.cloud_run_monitored import SERVICES, WORKER_POOLS

# Cloud Logging's rule for a metric name (without slashes, which would nest it).
METRIC_NAME = (
    re.compile(r"^[A-Za-z0-9_.,+!*'()%-]{1,100}$"),
    "1-100 letters, digits or any of _-.,+!*'()%",
)
SEVERITIES = ("ALERT", "CRITICAL", "EMERGENCY", "ERROR", "WARNING")
# Services and worker pools write under different resource types, each naming
# the workload in its own label: an entry fills one label, the other stays empty.
COUNTED = (SERVICES, WORKER_POOLS)


@dataclass(frozen=True)
class ErrorLogMetricProps:
    """Attributes:
    project_id: the project whose logs are counted.
    name: the metric's name; it becomes ``logging.googleapis.com/user/<name>``.
        Default ``cloud-run-errors``.
    min_severity: the lowest severity counted. Default ``ERROR``.
    """

    project_id: str
    name: str = "cloud-run-errors"
    min_severity: str = "ERROR"

    def __post_init__(self) -> None:
        validation.check_name("ErrorLogMetricProps.name", self.name, METRIC_NAME)
        validation.check_one_of("ErrorLogMetricProps.min_severity", self.min_severity, SEVERITIES)


class ErrorLogMetric(Construct):
    """A counter of Cloud Run entries at ``min_severity`` or above, labelled by
    ``service_name`` (services) and ``worker_pool_name`` (worker pools).

    Addressed ``google_logging_metric.<name>``. Error Reporting groups exceptions;
    this metric gives the rate, per service or worker pool, which an alert
    watches (``DataAlerts``, ``error_log_entries``).
    """

    def __init__(self, scope: Construct, construct_id: str, props: ErrorLogMetricProps) -> None:
        super().__init__(scope, construct_id)
        self.name = props.name
        resource_types = " OR ".join(f'resource.type="{kind.resource_type}"' for kind in COUNTED)
        pin(
            LoggingMetric(
                self,
                "metric",
                project=props.project_id,
                name=props.name,
                description=(
                    f"Log entries of Cloud Run services and worker pools at {props.min_severity} or above, "
                    "per service or worker pool"
                ),
                filter=f"({resource_types}) AND severity>={props.min_severity}",
                label_extractors={kind.name_label: f"EXTRACT(resource.labels.{kind.name_label})" for kind in COUNTED},
                metric_descriptor=LoggingMetricMetricDescriptor(
                    metric_kind="DELTA",
                    value_type="INT64",
                    unit="1",
                    labels=[
                        LoggingMetricMetricDescriptorLabels(
                            key=kind.name_label,
                            value_type="STRING",
                            description=f"The Cloud Run {kind.noun} that wrote the entry",
                        )
                        for kind in COUNTED
                    ],
                ),
            ),
            props.name,
        )
