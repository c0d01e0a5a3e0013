"""What every alert policy needs: who is told, how long a condition must hold, and the policy itself."""

from __future__ import annotations

from cdktn_provider_google.monitoring_alert_policy import (
    MonitoringAlertPolicy,
    MonitoringAlertPolicyAlertStrategy,
    MonitoringAlertPolicyConditions,
    MonitoringAlertPolicyConditionsConditionThreshold,
    MonitoringAlertPolicyDocumentation,
)
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.errors import InvalidConfig

# An incident whose condition no longer holds closes by itself after this long.
AUTO_CLOSE = "1800s"
# Cloud Monitoring accepts at most this many notification channels on a policy.
MAX_POLICY_CHANNELS = 16


def check_channels(field: str, channels: tuple[str, ...]) -> None:
    """An alert nobody hears is no alert: 1 to 16 channels."""
    if not channels or len(channels) > MAX_POLICY_CHANNELS:
        raise InvalidConfig(field, channels, f"expected 1 to {MAX_POLICY_CHANNELS} notification channels")
    validation.check_unique(field, channels)


def seconds(value: int) -> str:
    """``300`` -> ``"300s"``, as the Monitoring API writes durations."""
    return f"{value}s"


def threshold_policy(
    scope: Construct,
    construct_id: str,
    *,
    project_id: str,
    display_name: str,
    threshold: MonitoringAlertPolicyConditionsConditionThreshold,
    notification_channels: tuple[str, ...],
    subject: str,
    runbook: str,
) -> MonitoringAlertPolicy:
    """A policy of one threshold condition that notifies ``notification_channels``, closes
    itself ``AUTO_CLOSE`` after the condition clears, and carries ``runbook`` (Markdown)."""
    return MonitoringAlertPolicy(
        scope,
        construct_id,
        project=project_id,
        display_name=display_name,
        combiner="OR",
        conditions=[MonitoringAlertPolicyConditions(display_name=display_name, condition_threshold=threshold)],
        notification_channels=list(notification_channels),
        alert_strategy=MonitoringAlertPolicyAlertStrategy(auto_close=AUTO_CLOSE),
        documentation=MonitoringAlertPolicyDocumentation(subject=subject, mime_type="text/markdown", content=runbook),
    )
