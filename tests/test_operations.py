"""Alerts, uptime checks, the error metric and the budget of each environment stack."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from mindmirror_infra.catalog import Catalog, OperationsSettings
from mindmirror_infra.errors import InvalidConfig
from tests import variants
from tests.synth import Config, resources

ENVS = ["production", "staging"]
REQUEST_POLICIES = ("cloud_run_error_ratio", "cloud_run_latency_p95")
SERVICE_POLICIES = (*REQUEST_POLICIES, "cloud_run_cpu_utilization")
WORKER_POOL_POLICIES = ("cloud_run_worker_pool_cpu_utilization",)
# How Cloud Monitoring names each kind of workload: (monitored resource type, label holding its name).
AS_SERVICE = ("cloud_run_revision", "service_name")
AS_WORKER_POOL = ("cloud_run_worker_pool", "worker_pool_name")
CHANNEL = "${google_monitoring_notification_channel.email_ops_mindmirror_example.name}"


# The policies on Cloud Run workloads and uptime; the data plane's are tested in tests/test_data_plane.py.
CLOUD_RUN_POLICIES = ("cloud_run_", "uptime_")


def policies(config: Config) -> dict[str, Any]:
    return resources(config, "google_monitoring_alert_policy")


def threshold(config: Config, policy: str) -> dict[str, Any]:
    conditions = policies(config)[policy]["conditions"]
    assert len(conditions) == 1
    found: dict[str, Any] = conditions[0]["condition_threshold"]
    return found


def covered(filter_text: str) -> tuple[str, str, list[str]]:
    """Resource type, name label and sorted names of a ``resource.type="T" AND resource.label.L=one_of(...)`` filter."""
    match = re.search(r'resource\.type="(\w+)" AND resource\.label\.(\w+)=one_of\(([^)]*)\)', filter_text)
    assert match, filter_text
    assert filter_text.count("resource.type=") == 1, filter_text
    return match.group(1), match.group(2), sorted(re.findall(r'"([^"]+)"', match.group(3)))


def workload_names(config: Config, resource_type: str) -> list[str]:
    return sorted(body["name"] for body in resources(config, resource_type).values())


@pytest.mark.parametrize("env", ENVS)
def test_each_stack_has_four_policies_an_uptime_check_per_public_service_one_metric_and_one_budget(
    stacks: dict[str, Config], catalog: Catalog, env: str
) -> None:
    config = stacks[env]
    public = sorted(s.name.replace("-", "_") for s in catalog.services if s.public)
    assert sorted(p for p in policies(config) if p.startswith(CLOUD_RUN_POLICIES)) == sorted(
        [
            "cloud_run_cpu_utilization",
            "cloud_run_error_ratio",
            "cloud_run_latency_p95",
            "cloud_run_worker_pool_cpu_utilization",
            *(f"uptime_{name}" for name in public),
        ]
    )
    assert sorted(resources(config, "google_monitoring_uptime_check_config")) == public
    assert list(resources(config, "google_logging_metric")) == ["cloud_run_errors"]
    assert list(resources(config, "google_billing_budget")) == ["monthly"]


@pytest.mark.parametrize("env", ENVS)
def test_one_email_channel_per_configured_address(stacks: dict[str, Config], catalog: Catalog, env: str) -> None:
    channels = resources(stacks[env], "google_monitoring_notification_channel")
    emails = catalog.environment(env).operations.notification_emails
    assert sorted(c["labels"]["email_address"] for c in channels.values()) == sorted(emails)
    assert {c["type"] for c in channels.values()} == {"email"}


@pytest.mark.parametrize("env", ENVS)
def test_every_policy_and_the_budget_notify_every_existing_channel(stacks: dict[str, Config], env: str) -> None:
    config = stacks[env]
    existing = {
        f"${{google_monitoring_notification_channel.{name}.name}}"
        for name in resources(config, "google_monitoring_notification_channel")
    }
    assert existing
    for name, policy in policies(config).items():
        assert set(policy["notification_channels"]) == existing, name
    budget = resources(config, "google_billing_budget")["monthly"]
    assert set(budget["all_updates_rule"]["monitoring_notification_channels"]) == existing


@pytest.mark.parametrize(("env", "ratio", "duration"), [("production", 0.05, "300s"), ("staging", 0.2, "900s")])
def test_error_ratio_is_5xx_requests_over_all_requests_per_service(
    stacks: dict[str, Config], env: str, ratio: float, duration: str
) -> None:
    condition = threshold(stacks[env], "cloud_run_error_ratio")
    requests = 'metric.type="run.googleapis.com/request_count" AND resource.type="cloud_run_revision"'
    assert condition["filter"].startswith(requests)
    assert condition["filter"].endswith(' AND metric.label.response_code_class="5xx"')
    assert condition["denominator_filter"].startswith(requests)
    assert "response_code_class" not in condition["denominator_filter"]
    window = {
        "alignment_period": "300s",
        "per_series_aligner": "ALIGN_DELTA",
        "cross_series_reducer": "REDUCE_SUM",
        "group_by_fields": ["resource.label.service_name"],
    }
    assert condition["aggregations"] == [window]
    assert condition["denominator_aggregations"] == [window]
    assert (condition["comparison"], condition["threshold_value"], condition["duration"]) == (
        "COMPARISON_GT",
        ratio,
        duration,
    )


@pytest.mark.parametrize(("env", "latency_ms"), [("production", 2000), ("staging", 5000)])
def test_latency_alert_is_the_p95_of_request_latencies_per_service(
    stacks: dict[str, Config], env: str, latency_ms: int
) -> None:
    condition = threshold(stacks[env], "cloud_run_latency_p95")
    assert condition["filter"].startswith(
        'metric.type="run.googleapis.com/request_latencies" AND resource.type="cloud_run_revision" AND '
    )
    assert condition["aggregations"] == [
        {
            "alignment_period": "60s",
            "per_series_aligner": "ALIGN_DELTA",
            "cross_series_reducer": "REDUCE_PERCENTILE_95",
            "group_by_fields": ["resource.label.service_name"],
        }
    ]
    assert (condition["comparison"], condition["threshold_value"]) == ("COMPARISON_GT", latency_ms)
    assert "denominator_filter" not in condition


@pytest.mark.parametrize(("env", "duration"), [("production", "300s"), ("staging", "900s")])
def test_cpu_alert_is_the_p95_of_container_cpu_utilization_held_for_the_duration(
    stacks: dict[str, Config], env: str, duration: str
) -> None:
    condition = threshold(stacks[env], "cloud_run_cpu_utilization")
    assert condition["filter"].startswith(
        'metric.type="run.googleapis.com/container/cpu/utilizations" AND resource.type="cloud_run_revision" AND '
    )
    assert condition["aggregations"][0]["per_series_aligner"] == "ALIGN_DELTA"
    assert condition["aggregations"][0]["cross_series_reducer"] == "REDUCE_PERCENTILE_95"
    assert condition["aggregations"][0]["group_by_fields"] == ["resource.label.service_name"]
    assert (condition["comparison"], condition["threshold_value"], condition["duration"]) == (
        "COMPARISON_GT",
        0.8,
        duration,
    )


@pytest.mark.parametrize(("env", "duration"), [("production", "300s"), ("staging", "900s")])
def test_worker_pool_cpu_alert_watches_worker_pools_as_worker_pools(
    stacks: dict[str, Config], catalog: Catalog, env: str, duration: str
) -> None:
    condition = threshold(stacks[env], "cloud_run_worker_pool_cpu_utilization")
    workers = ", ".join(f'"{s.name}"' for s in catalog.services if s.kind == "worker")
    assert condition["filter"] == (
        'metric.type="run.googleapis.com/container/cpu/utilizations" AND resource.type="cloud_run_worker_pool" '
        f"AND resource.label.worker_pool_name=one_of({workers})"
    )
    assert condition["aggregations"] == [
        {
            "alignment_period": "60s",
            "per_series_aligner": "ALIGN_DELTA",
            "cross_series_reducer": "REDUCE_PERCENTILE_95",
            "group_by_fields": ["resource.label.worker_pool_name"],
        }
    ]
    assert (condition["comparison"], condition["threshold_value"], condition["duration"]) == (
        "COMPARISON_GT",
        0.8,
        duration,
    )


@pytest.mark.parametrize("env", ENVS)
def test_every_workload_is_covered_by_each_alert_it_can_have_under_its_own_resource_type(
    stacks: dict[str, Config], catalog: Catalog, env: str
) -> None:
    config = stacks[env]
    http = workload_names(config, "google_cloud_run_v2_service")
    workers = workload_names(config, "google_cloud_run_v2_worker_pool")
    assert http == sorted(s.name for s in catalog.services if s.kind == "http")
    assert workers == sorted(s.name for s in catalog.services if s.kind == "worker")
    assert workers, "the catalog has no worker: this test would prove nothing"
    for policy in REQUEST_POLICIES:
        condition = threshold(config, policy)
        assert covered(condition["filter"]) == (*AS_SERVICE, http), policy
        if "denominator_filter" in condition:
            assert covered(condition["denominator_filter"]) == (*AS_SERVICE, http)
    cpu = threshold(config, "cloud_run_cpu_utilization")
    assert covered(cpu["filter"]) == (*AS_SERVICE, http)
    pool_cpu = threshold(config, "cloud_run_worker_pool_cpu_utilization")
    assert covered(pool_cpu["filter"]) == (*AS_WORKER_POOL, workers)


@pytest.mark.parametrize("env", ENVS)
def test_every_alert_says_what_to_look_at_first(stacks: dict[str, Config], env: str) -> None:
    for name, policy in policies(stacks[env]).items():
        if not name.startswith(CLOUD_RUN_POLICIES):
            continue  # the data plane's alerts: tests/test_data_plane.py
        documentation = policy["documentation"]
        assert documentation["mime_type"] == "text/markdown", name
        content = documentation["content"]
        assert "-f target=previous" in content
        assert "--image <IMAGE>@sha256:<DIGEST> --region us-central1" in content
        assert "update-traffic" not in content
        assert "update-instance-split" not in content
        # Cloud Monitoring's variables are escaped from OpenTofu's interpolation.
        assert not re.search(r"(?<!\$)\$\{resource\.", content), name
        if name in WORKER_POOL_POLICIES:
            logs = 'gcloud logging read "resource.type=cloud_run_worker_pool AND resource.labels.worker_pool_name='
            assert logs in content
            assert "gcloud beta run worker-pools revisions list --worker-pool " in content
            assert "gcloud beta run worker-pools deploy " in content
        else:
            assert 'gcloud logging read "resource.type=cloud_run_revision AND resource.labels.service_name=' in content
            assert "gcloud run revisions list --service " in content
            assert "gcloud run deploy " in content
    for policy in SERVICE_POLICIES:
        documentation = policies(stacks[env])[policy]["documentation"]
        assert "--service $${resource.label.service_name} " in documentation["content"]
        assert documentation["subject"].endswith(": $${resource.label.service_name}")
    for policy in WORKER_POOL_POLICIES:
        documentation = policies(stacks[env])[policy]["documentation"]
        assert "--worker-pool $${resource.label.worker_pool_name} " in documentation["content"]
        assert documentation["subject"].endswith(": $${resource.label.worker_pool_name}")


@pytest.mark.parametrize("env", ENVS)
def test_every_public_service_has_an_https_health_check_from_four_regions(
    stacks: dict[str, Config], catalog: Catalog, env: str
) -> None:
    checks = resources(stacks[env], "google_monitoring_uptime_check_config")
    public = [s for s in catalog.services if s.public]
    assert sorted(checks) == sorted(s.name.replace("-", "_") for s in public)
    for service in public:
        check = checks[service.name.replace("-", "_")]
        assert check["http_check"]["path"] == service.health_path == "/health"
        assert (check["http_check"]["port"], check["http_check"]["use_ssl"], check["http_check"]["validate_ssl"]) == (
            443,
            True,
            True,
        )
        assert check["selected_regions"] == ["USA_OREGON", "USA_IOWA", "USA_VIRGINIA", "EUROPE"]
        assert (check["period"], check["timeout"]) == ("60s", "10s")
        assert check["monitored_resource"]["type"] == "uptime_url"
        host = check["monitored_resource"]["labels"]["host"]
        address = f"google_cloud_run_v2_service.{service.name.replace('-', '_')}.uri"
        assert host == f'${{trimprefix({address}, "https://")}}'


@pytest.mark.parametrize("env", ENVS)
def test_each_uptime_check_alerts_when_more_than_one_region_fails(stacks: dict[str, Config], env: str) -> None:
    checks = resources(stacks[env], "google_monitoring_uptime_check_config")
    for name in checks:
        condition = threshold(stacks[env], f"uptime_{name}")
        assert condition["filter"] == (
            'metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND resource.type="uptime_url" AND '
            f'metric.label.check_id="${{google_monitoring_uptime_check_config.{name}.uptime_check_id}}"'
        )
        assert condition["aggregations"] == [
            {
                "alignment_period": "1200s",
                "per_series_aligner": "ALIGN_NEXT_OLDER",
                "cross_series_reducer": "REDUCE_COUNT_FALSE",
                "group_by_fields": ["metric.label.check_id"],
            }
        ]
        assert (condition["comparison"], condition["threshold_value"]) == ("COMPARISON_GT", 1)


@pytest.mark.parametrize("env", ENVS)
def test_error_metric_counts_error_entries_per_service_and_per_worker_pool(stacks: dict[str, Config], env: str) -> None:
    metric = resources(stacks[env], "google_logging_metric")["cloud_run_errors"]
    assert metric["filter"] == (
        '(resource.type="cloud_run_revision" OR resource.type="cloud_run_worker_pool") AND severity>=ERROR'
    )
    # Each kind of workload writes its name in its own resource label; the metric keeps both.
    assert metric["label_extractors"] == {
        "service_name": "EXTRACT(resource.labels.service_name)",
        "worker_pool_name": "EXTRACT(resource.labels.worker_pool_name)",
    }
    descriptor = metric["metric_descriptor"]
    assert (descriptor["metric_kind"], descriptor["value_type"]) == ("DELTA", "INT64")
    assert [label["key"] for label in descriptor["labels"]] == ["service_name", "worker_pool_name"]
    kinds = {
        "google_cloud_run_v2_service": AS_SERVICE,
        "google_cloud_run_v2_worker_pool": AS_WORKER_POOL,
    }
    for resource_type, (monitored_type, label) in kinds.items():
        assert workload_names(stacks[env], resource_type), resource_type
        assert f'resource.type="{monitored_type}"' in metric["filter"]
        assert metric["label_extractors"][label] == f"EXTRACT(resource.labels.{label})"


@pytest.mark.parametrize("env", ENVS)
def test_budget_notifies_at_50_75_90_and_100_percent_of_actual_spend(stacks: dict[str, Config], env: str) -> None:
    budget = resources(stacks[env], "google_billing_budget")["monthly"]
    assert budget["amount"]["specified_amount"]["currency_code"] == "USD"
    assert budget["threshold_rules"] == [
        {"threshold_percent": share, "spend_basis": "CURRENT_SPEND"} for share in (0.5, 0.75, 0.9, 1)
    ]
    assert budget["budget_filter"]["projects"] == ["projects/${data.google_project.project.number}"]
    assert budget["budget_filter"]["calendar_period"] == "MONTH"


@pytest.mark.parametrize("env", ENVS)
def test_billing_account_is_a_required_input_never_a_committed_value(stacks: dict[str, Config], env: str) -> None:
    config = stacks[env]
    budget = resources(config, "google_billing_budget")["monthly"]
    assert budget["billing_account"] == "${var.billing_account}"
    variable = config["variable"]["billing_account"]
    assert "default" not in variable
    assert variable["nullable"] is False
    assert "var.billing_account" in variable["validation"][0]["condition"]
    project = config["data"]["google_project"]["project"]
    assert project["project_id"] == config["provider"]["google"][0]["project"]


@pytest.mark.parametrize("env", ENVS)
def test_budget_alone_uses_the_project_as_its_quota_project(stacks: dict[str, Config], env: str) -> None:
    config = stacks[env]
    default, billing = config["provider"]["google"]
    assert "user_project_override" not in default
    assert billing["alias"] == "billing"
    assert billing["user_project_override"] is True
    assert billing["billing_project"] == default["project"]
    users = [
        f"{kind}.{name}"
        for kind, items in config["resource"].items()
        for name, body in items.items()
        if body.get("provider") == "google.billing"
    ]
    assert users == ["google_billing_budget.monthly"]


def refused(build: Callable[[], Any], field: str, allowed_fragment: str) -> None:
    with pytest.raises(InvalidConfig) as caught:
        build()
    error = caught.value
    assert error.field == field
    assert allowed_fragment in error.allowed
    assert "\n" not in str(error)


WHERE = "environments[production].operations"
NOTIFY = ("ops@mindmirror.example",)

SETTINGS_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("no channel", {"notification_emails": ()}, "notification_emails", "1 to 5 addresses"),
    (
        "too many channels for a budget",
        {"notification_emails": tuple(f"o{i}@x.io" for i in range(6))},
        "notification_emails",
        "at most 5",
    ),
    ("an email that is not one", {"notification_emails": ("ops-at-example",)}, "notification_emails", "email address"),
    ("the same email twice", {"notification_emails": NOTIFY * 2}, "notification_emails", "unique"),
    ("error ratio above 1", {"error_ratio": 1.5}, "error_ratio", "at most 1"),
    ("error ratio of 0", {"error_ratio": 0}, "error_ratio", "greater than 0"),
    ("negative latency", {"latency_p95_ms": -1}, "latency_p95_ms", "from 1"),
    ("cpu utilization as a percentage", {"cpu_utilization": 80}, "cpu_utilization", "at most 1"),
    ("duration not in whole minutes", {"alert_duration_seconds": 90}, "alert_duration_seconds", "whole minutes"),
    ("negative duration", {"alert_duration_seconds": -60}, "alert_duration_seconds", "whole minutes"),
    ("budget of 0", {"budget_usd": 0}, "budget_usd", "from 1"),
    ("no budget threshold", {"budget_thresholds": ()}, "budget_thresholds", "at least one"),
    ("budget threshold of 0", {"budget_thresholds": (0.0, 0.5)}, "budget_thresholds", "greater than 0"),
    ("two uptime regions", {"uptime_regions": ("USA_IOWA", "EUROPE")}, "uptime_regions", "at least 3"),
    ("unknown uptime region", {"uptime_regions": ("USA_IOWA", "EUROPE", "MARS")}, "uptime_regions", "'USA_IOWA'"),
    ("uptime period the API lacks", {"uptime_period_seconds": 120}, "uptime_period_seconds", "60, 300"),
]


@pytest.mark.parametrize(
    ("changes", "field", "allowed"), [c[1:] for c in SETTINGS_CASES], ids=[c[0] for c in SETTINGS_CASES]
)
def test_operations_settings_refuse_bad_input(changes: dict[str, Any], field: str, allowed: str) -> None:
    refused(lambda: variants.with_production_part("operations", **changes), f"{WHERE}.{field}", allowed)


def test_operations_settings_default_to_the_strategy() -> None:
    settings = OperationsSettings(notification_emails=NOTIFY)
    assert (settings.error_ratio, settings.latency_p95_ms, settings.cpu_utilization) == (0.05, 2000, 0.8)
    assert (settings.alert_duration_seconds, settings.budget_usd, settings.budget_margin) == (300, None, 0.25)
    assert settings.budget_thresholds == (0.5, 0.75, 0.9, 1.0)
