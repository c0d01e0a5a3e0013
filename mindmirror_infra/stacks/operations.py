"""Operations of one environment: who is told, which alerts fire, what is checked from outside, what it may cost."""

from __future__ import annotations

from collections.abc import Mapping

from cdktn import TerraformStack, TerraformVariable, TerraformVariableValidationConfig
from cdktn_provider_google.data_google_project import DataGoogleProject
from cdktn_provider_google.provider import GoogleProvider
from constructs import Construct

from mindmirror_infra.catalog import Catalog, Environment
from mindmirror_infra.constructs.cloud_run_alerts import CloudRunAlerts, CloudRunAlertsProps
from mindmirror_infra.constructs.cloud_run_runbook import runbook
from mindmirror_infra.constructs.data_alerts import DataAlerts, DataAlertsProps, SqlInstanceLimit
from mindmirror_infra.constructs.email_channels import EmailChannels, EmailChannelsProps
from mindmirror_infra.constructs.error_log_metric import ErrorLogMetric, ErrorLogMetricProps
from mindmirror_infra.constructs.project_budget import ProjectBudget, ProjectBudgetProps
from mindmirror_infra.constructs.uptime_check import UptimeCheck, UptimeCheckProps
from mindmirror_infra.cost.budget import derived_budget
from mindmirror_infra.cost.estimate import estimate_stack
from mindmirror_infra.cost.prices import load_prices
from mindmirror_infra.cost.usage import usage_of
from mindmirror_infra.errors import InvalidConfig

# The billing account is an input of `tofu plan/apply` (-var or TF_VAR_billing_account),
# never part of the committed configuration.
BILLING_ACCOUNT_VARIABLE = "billing_account"
BILLING_ACCOUNT_PATTERN = "^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$"


def build_operations(scope: Construct, catalog: Catalog, env: Environment, public_hosts: Mapping[str, str]) -> None:
    """Everything of docs/operating-strategy.md, Observability and cost, for ``env``.

    ``public_hosts`` gives the host name (or an OpenTofu expression of it) of
    every public service, which gets an uptime check on its health path.
    """
    settings = env.operations
    public = [s for s in catalog.services if s.public]
    missing = sorted({s.name for s in public} - set(public_hosts))
    if missing:
        raise InvalidConfig("public_hosts", missing, "expected a host for every public service")

    channels = EmailChannels(
        scope, "notification-channels", EmailChannelsProps(env.project_id, settings.notification_emails)
    )
    notify = channels.names
    CloudRunAlerts(
        scope,
        "cloud-run-alerts",
        CloudRunAlertsProps(
            project_id=env.project_id,
            region=env.region,
            serving_services=tuple(s.name for s in catalog.services if s.kind == "http"),
            # A worker answers no requests: only its CPU can be watched. It runs
            # as a worker pool, which Cloud Monitoring reports apart from services.
            worker_pools=tuple(s.name for s in catalog.services if s.kind == "worker"),
            notification_channels=notify,
            error_ratio=settings.error_ratio,
            latency_p95_ms=settings.latency_p95_ms,
            cpu_utilization=settings.cpu_utilization,
            duration_seconds=settings.alert_duration_seconds,
        ),
    )
    for service in public:
        UptimeCheck(
            scope,
            f"uptime-{service.name}",
            UptimeCheckProps(
                project_id=env.project_id,
                name=service.name,
                host=public_hosts[service.name],
                notification_channels=notify,
                regions=settings.uptime_regions,
                path=service.health_path,
                period_seconds=settings.uptime_period_seconds,
                duration_seconds=settings.alert_duration_seconds,
                runbook=runbook(env.project_id, env.region, service.name),
            ),
        )
    error_metric = ErrorLogMetric(scope, "error-log-metric", ErrorLogMetricProps(project_id=env.project_id))
    DataAlerts(
        scope,
        "data-alerts",
        DataAlertsProps(
            project_id=env.project_id,
            region=env.region,
            notification_channels=notify,
            sql_instances=tuple(
                SqlInstanceLimit(d.instance, env.database_settings(d.instance).max_connections)
                for d in catalog.databases
            ),
            migration_jobs=tuple(job.name for job in catalog.migration_jobs),
            redis_instance=env.redis.instance_id if catalog.redis_users else None,
            error_metric=error_metric.name,
            utilization=settings.sql_utilization,
            redis_memory_utilization=settings.redis_memory_utilization,
            errors_per_minute=settings.error_log_entries_per_minute,
            duration_seconds=settings.alert_duration_seconds,
        ),
    )
    _budget(scope, catalog, env, notify)


def _budget(scope: Construct, catalog: Catalog, env: Environment, notify: tuple[str, ...]) -> ProjectBudget:
    """The project's monthly budget: the catalog's amount, else the stack's estimate with its margin.

    The estimate is read from the stack as built so far, so the budget is the
    stack's last construct: every billable resource exists by then, and the
    test that prices the written output holds the two equal
    (docs/decisions/0014-cost-in-review.md).
    """
    amount = env.operations.budget_usd
    if amount is None:
        built = TerraformStack.of(scope).to_terraform()
        amount = derived_budget(estimate_stack(env.name, built, usage_of(catalog, env), load_prices()))
    billing_account = TerraformVariable(
        scope,
        BILLING_ACCOUNT_VARIABLE,
        type="string",
        nullable=False,
        description="The billing account paying for the project, such as 012345-6789AB-CDEF01 (never committed)",
        validation=[
            TerraformVariableValidationConfig(
                condition=f'${{can(regex("{BILLING_ACCOUNT_PATTERN}", var.{BILLING_ACCOUNT_VARIABLE}))}}',
                error_message="The billing account id looks like 012345-6789AB-CDEF01.",
            )
        ],
    )
    billing_account.override_logical_id(BILLING_ACCOUNT_VARIABLE)
    project = DataGoogleProject(scope, "project", project_id=env.project_id)
    project.override_logical_id("project")
    # The Billing Budget API refuses calls without a quota project, which user
    # credentials lack; this provider names the environment's own project as the
    # quota project for the budget alone.
    quota_provider = GoogleProvider(
        scope,
        "google-billing",
        alias="billing",
        project=env.project_id,
        region=env.region,
        billing_project=env.project_id,
        user_project_override=True,
    )
    settings = env.operations
    return ProjectBudget(
        scope,
        "budget",
        ProjectBudgetProps(
            name="monthly",
            display_name=f"{env.project_id} monthly",
            billing_account=billing_account.string_value,
            project_number=project.number,
            amount_usd=amount,
            notification_channels=notify,
            thresholds=settings.budget_thresholds,
        ),
        provider=quota_provider,
    )
