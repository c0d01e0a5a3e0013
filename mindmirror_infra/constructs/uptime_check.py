"""An HTTPS uptime check of one public endpoint, and the alert when it fails."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktn import Token
from cdktn_provider_google.monitoring_alert_policy import (
    MonitoringAlertPolicyConditionsConditionThreshold,
    MonitoringAlertPolicyConditionsConditionThresholdAggregations,
    MonitoringAlertPolicyConditionsConditionThresholdTrigger,
)
from cdktn_provider_google.monitoring_uptime_check_config import (
    MonitoringUptimeCheckConfig,
    MonitoringUptimeCheckConfigHttpCheck,
    MonitoringUptimeCheckConfigHttpCheckAcceptedResponseStatusCodes,
    MonitoringUptimeCheckConfigMonitoredResource,
)
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.constructs.alert_props import check_channels, seconds, threshold_policy
from mindmirror_infra.errors import InvalidConfig

HOST_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CHECK_PASSED = 'metric.type="monitoring.googleapis.com/uptime_check/check_passed"'
UPTIME_URL = 'resource.type="uptime_url"'
# ALIGN_NEXT_OLDER takes each checker's latest result within this window, long
# enough to hold one result of the slowest period (900 s).
RESULT_WINDOW_SECONDS = 1200


@dataclass(frozen=True)
class UptimeCheckProps:
    """Attributes:
    project_id: the project that runs the check.
    name: names the check and its alert, such as ``web-app``.
    host: the endpoint's host name (no scheme, no path); an OpenTofu expression
        is accepted, such as one that strips ``https://`` from a service URL.
    notification_channels: channel names the alert notifies; 1 to 16.
    regions: where checkers run from; at least 3. Default the three US regions and Europe.
    path: the path requested. Default ``/health``.
    period_seconds: 60, 300, 600 or 900. Default 60.
    timeout_seconds: 1 to 60. Default 10.
    duration_seconds: how long the failure must last before the alert; whole
        minutes. Default 300.
    runbook: Markdown the alert carries: what to look at first. Default none.
    """

    project_id: str
    name: str
    host: str
    notification_channels: tuple[str, ...]
    regions: tuple[str, ...] = ("USA_OREGON", "USA_IOWA", "USA_VIRGINIA", "EUROPE")
    path: str = "/health"
    period_seconds: int = 60
    timeout_seconds: int = 10
    duration_seconds: int = 300
    runbook: str = ""

    def __post_init__(self) -> None:
        where = "UptimeCheckProps"
        validation.check_name(f"{where}.name", self.name, validation.RESOURCE_NAME)
        if not (Token.is_unresolved(self.host) or "${" in self.host or HOST_NAME.fullmatch(self.host)):
            raise InvalidConfig(
                f"{where}.host", self.host, "expected a host name without scheme or path, such as 'app.example.com'"
            )
        check_channels(f"{where}.notification_channels", self.notification_channels)
        validation.check_uptime_regions(f"{where}.regions", self.regions)
        validation.check_http_path(f"{where}.path", self.path)
        validation.check_one_of(f"{where}.period_seconds", self.period_seconds, validation.UPTIME_PERIODS)
        validation.check_int(f"{where}.timeout_seconds", self.timeout_seconds, 1, 60)
        validation.check_duration(f"{where}.duration_seconds", self.duration_seconds)


class UptimeCheck(Construct):
    """``GET https://<host><path>`` from every region, and an alert when more than one region fails.

    The check (``google_monitoring_uptime_check_config.<name>``) accepts only 2xx
    answers over TLS with a valid certificate. Its alert
    (``google_monitoring_alert_policy.uptime_<name>``) counts the checkers whose
    latest result failed and fires when more than one does: a single region's
    network trouble does not wake anyone.
    """

    def __init__(self, scope: Construct, construct_id: str, props: UptimeCheckProps) -> None:
        super().__init__(scope, construct_id)
        url = f"https://{props.host}{props.path}"
        self.check = pin(
            MonitoringUptimeCheckConfig(
                self,
                "check",
                project=props.project_id,
                display_name=f"{props.name} {props.path}",
                period=seconds(props.period_seconds),
                timeout=seconds(props.timeout_seconds),
                selected_regions=list(props.regions),
                checker_type="STATIC_IP_CHECKERS",
                monitored_resource=MonitoringUptimeCheckConfigMonitoredResource(
                    type="uptime_url",
                    labels={"project_id": props.project_id, "host": props.host},
                ),
                http_check=MonitoringUptimeCheckConfigHttpCheck(
                    path=props.path,
                    port=443,
                    use_ssl=True,
                    validate_ssl=True,
                    request_method="GET",
                    accepted_response_status_codes=[
                        MonitoringUptimeCheckConfigHttpCheckAcceptedResponseStatusCodes(status_class="STATUS_CLASS_2XX")
                    ],
                ),
            ),
            props.name,
        )
        display_name = f"{props.name} {props.path} failing from more than one region"
        pin(
            threshold_policy(
                self,
                "alert",
                project_id=props.project_id,
                display_name=display_name,
                threshold=MonitoringAlertPolicyConditionsConditionThreshold(
                    filter=(
                        f'{CHECK_PASSED} AND {UPTIME_URL} AND metric.label.check_id="{self.check.uptime_check_id}"'
                    ),
                    aggregations=[
                        MonitoringAlertPolicyConditionsConditionThresholdAggregations(
                            alignment_period=seconds(RESULT_WINDOW_SECONDS),
                            per_series_aligner="ALIGN_NEXT_OLDER",
                            cross_series_reducer="REDUCE_COUNT_FALSE",
                            group_by_fields=["metric.label.check_id"],
                        )
                    ],
                    comparison="COMPARISON_GT",
                    threshold_value=1,
                    duration=seconds(props.duration_seconds),
                    trigger=MonitoringAlertPolicyConditionsConditionThresholdTrigger(count=1),
                ),
                notification_channels=props.notification_channels,
                subject=display_name,
                runbook=f"{url} fails from more than one region.\n\n{props.runbook}".rstrip("\n") + "\n",
            ),
            "uptime",
            props.name,
        )
