"""The operations constructs on their own: what each writes, and the props each refuses."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import cdktn
import pytest
from cdktn import TerraformStack
from cdktn_provider_google.provider import GoogleProvider

from mindmirror_infra.constructs.cloud_run_alerts import CloudRunAlerts, CloudRunAlertsProps, percent
from mindmirror_infra.constructs.email_channels import EmailChannels, EmailChannelsProps
from mindmirror_infra.constructs.error_log_metric import ErrorLogMetric, ErrorLogMetricProps
from mindmirror_infra.constructs.project_budget import ProjectBudget, ProjectBudgetProps
from mindmirror_infra.constructs.uptime_check import UptimeCheck, UptimeCheckProps
from mindmirror_infra.errors import InvalidConfig

CHANNELS = ("projects/p/notificationChannels/1",)


def synth(build: Callable[[TerraformStack], object]) -> dict[str, Any]:
    stack = TerraformStack(cdktn.Testing.app(), "test")
    GoogleProvider(stack, "google", project="demo-project")
    build(stack)
    resources: dict[str, Any] = json.loads(cdktn.Testing.synth(stack))["resource"]
    return resources


def test_email_channels_are_one_per_address_and_expose_their_names() -> None:
    names: list[tuple[str, ...]] = []

    def build(stack: TerraformStack) -> None:
        channels = EmailChannels(stack, "channels", EmailChannelsProps("demo-project", ("a@x.io", "b.c@y.org")))
        names.append(channels.names)

    channels = synth(build)["google_monitoring_notification_channel"]
    assert sorted(channels) == ["email_a_x_io", "email_b_c_y_org"]
    assert channels["email_a_x_io"]["type"] == "email"
    assert channels["email_a_x_io"]["labels"] == {"email_address": "a@x.io"}
    assert len(names[0]) == 2


def test_cloud_run_alerts_cover_services_as_revisions_and_worker_pools_as_worker_pools() -> None:
    props = CloudRunAlertsProps(
        project_id="demo-project",
        region="europe-west1",
        serving_services=("api",),
        worker_pools=("worker",),
        notification_channels=CHANNELS,
        error_ratio=0.1,
        latency_p95_ms=750,
        cpu_utilization=0.9,
        duration_seconds=120,
    )
    policies = synth(lambda stack: CloudRunAlerts(stack, "alerts", props))["google_monitoring_alert_policy"]
    assert sorted(policies) == [
        "cloud_run_cpu_utilization",
        "cloud_run_error_ratio",
        "cloud_run_latency_p95",
        "cloud_run_worker_pool_cpu_utilization",
    ]
    error = policies["cloud_run_error_ratio"]["conditions"][0]["condition_threshold"]
    assert 'resource.type="cloud_run_revision" AND resource.label.service_name=one_of("api")' in error["filter"]
    assert (error["threshold_value"], error["duration"]) == (0.1, "120s")
    latency = policies["cloud_run_latency_p95"]["conditions"][0]["condition_threshold"]
    assert latency["threshold_value"] == 750
    cpu = policies["cloud_run_cpu_utilization"]["conditions"][0]["condition_threshold"]
    assert cpu["filter"] == (
        'metric.type="run.googleapis.com/container/cpu/utilizations" AND resource.type="cloud_run_revision" '
        'AND resource.label.service_name=one_of("api")'
    )
    pool = policies["cloud_run_worker_pool_cpu_utilization"]["conditions"][0]["condition_threshold"]
    assert pool["filter"] == (
        'metric.type="run.googleapis.com/container/cpu/utilizations" AND resource.type="cloud_run_worker_pool" '
        'AND resource.label.worker_pool_name=one_of("worker")'
    )
    assert pool["aggregations"][0]["group_by_fields"] == ["resource.label.worker_pool_name"]
    assert (cpu["threshold_value"], pool["threshold_value"]) == (0.9, 0.9)
    for policy in policies.values():
        assert policy["notification_channels"] == list(CHANNELS)
        assert policy["combiner"] == "OR"
        assert "--region europe-west1 --project demo-project" in policy["documentation"]["content"]
    assert policies["cloud_run_error_ratio"]["display_name"] == "Cloud Run 5xx responses above 10 % of requests"
    documentation = policies["cloud_run_worker_pool_cpu_utilization"]["documentation"]
    assert documentation["subject"].endswith(": $${resource.label.worker_pool_name}")
    assert (
        "gcloud beta run worker-pools deploy $${resource.label.worker_pool_name} --image <IMAGE>@sha256:<DIGEST> "
        in (documentation["content"])
    )
    assert "update-instance-split" not in documentation["content"]


def test_cloud_run_alerts_without_worker_pools_have_no_worker_pool_policy() -> None:
    props = CloudRunAlertsProps(
        project_id="demo-project", region="europe-west1", serving_services=("api",), notification_channels=CHANNELS
    )
    policies = synth(lambda stack: CloudRunAlerts(stack, "alerts", props))["google_monitoring_alert_policy"]
    assert sorted(policies) == ["cloud_run_cpu_utilization", "cloud_run_error_ratio", "cloud_run_latency_p95"]


def test_percent_reads_shares_as_people_write_them() -> None:
    assert (percent(0.05), percent(0.8), percent(0.055)) == ("5 %", "80 %", "5.5 %")


def test_uptime_check_requests_the_path_over_https_and_alerts_on_it() -> None:
    props = UptimeCheckProps(
        project_id="demo-project",
        name="site",
        host="app.example.com",
        notification_channels=CHANNELS,
        regions=("EUROPE", "ASIA_PACIFIC", "SOUTH_AMERICA"),
        path="/healthz",
        period_seconds=300,
        runbook="Look at the logs.\n",
    )
    resources = synth(lambda stack: UptimeCheck(stack, "uptime", props))
    check = resources["google_monitoring_uptime_check_config"]["site"]
    assert check["monitored_resource"] == {
        "type": "uptime_url",
        "labels": {"project_id": "demo-project", "host": "app.example.com"},
    }
    assert check["http_check"]["path"] == "/healthz"
    assert check["http_check"]["accepted_response_status_codes"] == [{"status_class": "STATUS_CLASS_2XX"}]
    assert check["selected_regions"] == ["EUROPE", "ASIA_PACIFIC", "SOUTH_AMERICA"]
    assert check["period"] == "300s"
    alert = resources["google_monitoring_alert_policy"]["uptime_site"]
    condition = alert["conditions"][0]["condition_threshold"]
    assert "${google_monitoring_uptime_check_config.site.uptime_check_id}" in condition["filter"]
    assert condition["trigger"] == {"count": 1}
    assert alert["documentation"]["content"] == (
        "https://app.example.com/healthz fails from more than one region.\n\nLook at the logs.\n"
    )


def test_error_log_metric_counts_entries_from_the_chosen_severity() -> None:
    props = ErrorLogMetricProps(project_id="demo-project", name="run-critical", min_severity="CRITICAL")
    metric = synth(lambda stack: ErrorLogMetric(stack, "metric", props))["google_logging_metric"]["run_critical"]
    assert metric["name"] == "run-critical"
    assert metric["filter"] == (
        '(resource.type="cloud_run_revision" OR resource.type="cloud_run_worker_pool") AND severity>=CRITICAL'
    )


def test_project_budget_filters_on_the_project_number_and_sorts_thresholds() -> None:
    props = ProjectBudgetProps(
        name="monthly",
        display_name="demo monthly",
        billing_account="000000-000000-000000",
        project_number="123456789",
        amount_usd=75,
        notification_channels=CHANNELS,
        thresholds=(1.0, 0.5),
    )
    budget = synth(lambda stack: ProjectBudget(stack, "budget", props))["google_billing_budget"]["monthly"]
    assert budget["display_name"] == "demo monthly"
    assert budget["budget_filter"]["projects"] == ["projects/123456789"]
    assert budget["amount"]["specified_amount"] == {"currency_code": "USD", "units": "75"}
    assert [rule["threshold_percent"] for rule in budget["threshold_rules"]] == [0.5, 1]
    assert "provider" not in budget


ALERTS: dict[str, Any] = {
    "project_id": "p-1",
    "region": "us-central1",
    "serving_services": ("api",),
    "notification_channels": CHANNELS,
}
UPTIME: dict[str, Any] = {
    "project_id": "p-1",
    "name": "site",
    "host": "a.example.com",
    "notification_channels": CHANNELS,
}
BUDGET: dict[str, Any] = {
    "name": "monthly",
    "display_name": "monthly",
    "billing_account": "x",
    "project_number": "1",
    "amount_usd": 10,
    "notification_channels": CHANNELS,
}

PROPS_CASES: list[tuple[str, Callable[[], object], str, str]] = [
    ("no email", lambda: EmailChannelsProps("p", ()), "EmailChannelsProps.emails", "1 to 16"),
    ("not an email", lambda: EmailChannelsProps("p", ("ops",)), "EmailChannelsProps.emails", "email address"),
    (
        "alerts nobody hears",
        lambda: CloudRunAlertsProps(**{**ALERTS, "notification_channels": ()}),
        "CloudRunAlertsProps.notification_channels",
        "1 to 16",
    ),
    (
        "a service twice",
        lambda: CloudRunAlertsProps(**{**ALERTS, "worker_pools": ("api",)}),
        "CloudRunAlertsProps.services",
        "unique",
    ),
    (
        "error ratio above 1",
        lambda: CloudRunAlertsProps(**ALERTS, error_ratio=5),
        "CloudRunAlertsProps.error_ratio",
        "at most 1",
    ),
    (
        "negative latency",
        lambda: CloudRunAlertsProps(**ALERTS, latency_p95_ms=-5),
        "CloudRunAlertsProps.latency_p95_ms",
        "from 1",
    ),
    (
        "cpu of 0",
        lambda: CloudRunAlertsProps(**ALERTS, cpu_utilization=0),
        "CloudRunAlertsProps.cpu_utilization",
        "greater than 0",
    ),
    (
        "duration in part minutes",
        lambda: CloudRunAlertsProps(**ALERTS, duration_seconds=45),
        "CloudRunAlertsProps.duration_seconds",
        "whole minutes",
    ),
    (
        "host with a scheme",
        lambda: UptimeCheckProps(**{**UPTIME, "host": "https://a.example.com"}),
        "UptimeCheckProps.host",
        "without scheme",
    ),
    (
        "uptime alert nobody hears",
        lambda: UptimeCheckProps(**{**UPTIME, "notification_channels": ()}),
        "UptimeCheckProps.notification_channels",
        "1 to 16",
    ),
    (
        "one region",
        lambda: UptimeCheckProps(**UPTIME, regions=("EUROPE",)),
        "UptimeCheckProps.regions",
        "at least 3",
    ),
    (
        "relative path",
        lambda: UptimeCheckProps(**UPTIME, path="health"),
        "UptimeCheckProps.path",
        "starting with '/'",
    ),
    (
        "period the API lacks",
        lambda: UptimeCheckProps(**UPTIME, period_seconds=30),
        "UptimeCheckProps.period_seconds",
        "60",
    ),
    (
        "timeout too long",
        lambda: UptimeCheckProps(**UPTIME, timeout_seconds=61),
        "UptimeCheckProps.timeout_seconds",
        "1 to 60",
    ),
    (
        "metric name with a space",
        lambda: ErrorLogMetricProps("p", name="cloud run"),
        "ErrorLogMetricProps.name",
        "1-100",
    ),
    (
        "severity below warning",
        lambda: ErrorLogMetricProps("p", min_severity="INFO"),
        "ErrorLogMetricProps.min_severity",
        "'ERROR'",
    ),
    (
        "budget of 0",
        lambda: ProjectBudgetProps(**{**BUDGET, "amount_usd": 0}),
        "ProjectBudgetProps.amount_usd",
        "from 1",
    ),
    (
        "budget nobody hears",
        lambda: ProjectBudgetProps(**{**BUDGET, "notification_channels": ()}),
        "ProjectBudgetProps.notification_channels",
        "1 to 5",
    ),
    (
        "budget with six channels",
        lambda: ProjectBudgetProps(**{**BUDGET, "notification_channels": tuple(f"c{i}" for i in range(6))}),
        "ProjectBudgetProps.notification_channels",
        "1 to 5",
    ),
    (
        "negative threshold",
        lambda: ProjectBudgetProps(**BUDGET, thresholds=(-0.5,)),
        "ProjectBudgetProps.thresholds",
        "greater than 0",
    ),
    (
        "display name too long",
        lambda: ProjectBudgetProps(**{**BUDGET, "display_name": "x" * 61}),
        "ProjectBudgetProps.display_name",
        "1 to 60",
    ),
]


@pytest.mark.parametrize(("build", "field", "allowed"), [c[1:] for c in PROPS_CASES], ids=[c[0] for c in PROPS_CASES])
def test_props_refuse_bad_input(build: Callable[[], object], field: str, allowed: str) -> None:
    with pytest.raises(InvalidConfig) as caught:
        build()
    assert caught.value.field == field
    assert allowed in caught.value.allowed
    assert "\n" not in str(caught.value)


def test_uptime_host_may_be_an_opentofu_expression() -> None:
    host = '${trimprefix(google_cloud_run_v2_service.web.uri, "https://")}'
    assert UptimeCheckProps(**{**UPTIME, "host": host}).host == host
