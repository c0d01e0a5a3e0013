"""Alert policies on what the data plane runs: Cloud SQL, Redis, migration jobs and the error log metric.

Each policy is one threshold condition on a built-in metric (or the project's
error log metric), grouped so that an incident names its instance, job or
workload, and carries a runbook: what the alert means and the first commands
to run. Rolling back, where it applies, is redeploying a previous image digest
or running the rollback workflow, never a change made by hand that the next
apply would revert.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.monitoring_alert_policy import (
    MonitoringAlertPolicy,
    MonitoringAlertPolicyConditionsConditionThreshold,
    MonitoringAlertPolicyConditionsConditionThresholdAggregations,
)
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.constructs.alert_props import check_channels, seconds, threshold_policy
from mindmirror_infra.constructs.cloud_run_alerts import percent
from mindmirror_infra.constructs.cloud_run_monitored import SERVICES, WORKER_POOLS

# https://cloud.google.com/monitoring/api/metrics_gcp_c#gcp-cloudsql
SQL_RESOURCE = 'resource.type="cloudsql_database"'
SQL_METRICS = {
    "cpu": ("cloudsql.googleapis.com/database/cpu/utilization", "CPU"),
    "memory": ("cloudsql.googleapis.com/database/memory/utilization", "memory"),
    "disk": ("cloudsql.googleapis.com/database/disk/utilization", "disk"),
}
SQL_CONNECTIONS = "cloudsql.googleapis.com/database/postgresql/num_backends"
# https://cloud.google.com/monitoring/api/metrics_gcp_p_z#gcp-run
JOB_EXECUTIONS = "run.googleapis.com/job/completed_execution_count"
# The metric Google recommends for an instance's memory, confirmed 2026-12-02 on
# https://cloud.google.com/memorystore/docs/valkey/general-best-practices ("view the
# /instance/memory/maximum_utilization metric") and the metric list
# https://cloud.google.com/memorystore/docs/valkey/supported-monitoring-metrics.
REDIS_MEMORY = "memorystore.googleapis.com/instance/memory/maximum_utilization"
# Unverified: the monitored resource type was not found on a stored copy of those pages.
REDIS_RESOURCE = 'resource.type="memorystore.googleapis.com/Instance"'
WINDOW_SECONDS = 60
ROLLBACK = "redeploy a previous image digest or run the rollback workflow"


@dataclass(frozen=True)
class Watch:
    """What one condition watches: the series, how each is aligned per minute and combined, and the threshold."""

    filter: str
    aligner: str
    reducer: str
    group_by: tuple[str, ...]
    threshold: float


@dataclass(frozen=True)
class SqlInstanceLimit:
    """A Cloud SQL instance and the ``max_connections`` its connections alert against."""

    name: str
    max_connections: int


@dataclass(frozen=True)
class DataAlertsProps:
    """Attributes:
    project_id: the project.
    region: its region, for the commands in the runbooks.
    notification_channels: channel names every alert notifies; 1 to 16.
    sql_instances: the Cloud SQL instances. Default none.
    migration_jobs: the Cloud Run jobs whose failed executions alert. Default none.
    redis_instance: the Memorystore instance id, if any. Default none.
    error_metric: the error log metric's name, if any. Default none.
    utilization: a Cloud SQL instance's CPU, memory or disk use, or its
        connections' share of ``max_connections``, above this alerts. Default 0.8.
    redis_memory_utilization: Redis memory use above this alerts. Default 0.8.
    errors_per_minute: a workload writing more error entries per minute alerts. Default 10.
    duration_seconds: how long a condition must hold; whole minutes. Default 300.
    """

    project_id: str
    region: str
    notification_channels: tuple[str, ...]
    sql_instances: tuple[SqlInstanceLimit, ...] = ()
    migration_jobs: tuple[str, ...] = ()
    redis_instance: str | None = None
    error_metric: str | None = None
    utilization: float = 0.8
    redis_memory_utilization: float = 0.8
    errors_per_minute: int = 10
    duration_seconds: int = 300

    def __post_init__(self) -> None:
        where = "DataAlertsProps"
        check_channels(f"{where}.notification_channels", self.notification_channels)
        validation.check_unique(f"{where}.sql_instances", (i.name for i in self.sql_instances))
        validation.check_number(f"{where}.utilization", self.utilization, 0, 1, low_open=True)
        validation.check_number(f"{where}.redis_memory_utilization", self.redis_memory_utilization, 0, 1, low_open=True)
        validation.check_int(f"{where}.errors_per_minute", self.errors_per_minute, 1, 1_000_000)
        validation.check_duration(f"{where}.duration_seconds", self.duration_seconds)


class DataAlerts(Construct):
    """Policies addressed ``google_monitoring_alert_policy.<name>``:

    - ``cloud_sql_cpu``, ``cloud_sql_memory``, ``cloud_sql_disk``: an instance's
      utilization above the threshold, one incident per instance;
    - ``cloud_sql_connections_<instance>``: its PostgreSQL backends above the
      threshold's share of its ``max_connections`` (one policy per instance, as
      each has its own limit);
    - ``migration_job_failed``: any failed execution of a migration job;
    - ``redis_memory``: the Redis node using the most memory above the threshold;
    - ``error_log_entries``: a service or worker pool writing error entries faster
      than the threshold (the error log metric's alert).
    """

    def __init__(self, scope: Construct, construct_id: str, props: DataAlertsProps) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        self.policies: dict[str, MonitoringAlertPolicy] = {}
        if props.sql_instances:
            self._sql_policies()
        if props.migration_jobs:
            self._job_policy()
        if props.redis_instance is not None:
            self._redis_policy(props.redis_instance)
        if props.error_metric is not None:
            self._error_log_policy(props.error_metric)

    def _sql_policies(self) -> None:
        props = self.props
        ids = tuple(f"{props.project_id}:{i.name}" for i in props.sql_instances)
        database_ids = ", ".join(f'"{i}"' for i in ids)
        instances = f"{SQL_RESOURCE} AND resource.label.database_id=one_of({database_ids})"
        share = percent(props.utilization)
        for kind, (metric, noun) in SQL_METRICS.items():
            self._policy(
                f"cloud_sql_{kind}",
                f"Cloud SQL {noun} above {share}",
                Watch(
                    f'metric.type="{metric}" AND {instances}',
                    "ALIGN_MEAN",
                    "REDUCE_MAX",
                    ("resource.label.database_id",),
                    props.utilization,
                ),
                f"Cloud SQL instance $${{resource.label.database_id}} uses more than {share} of its {noun}.",
                self._sql_steps(noun),
            )
        for instance in props.sql_instances:
            limit = instance.max_connections
            threshold = round(limit * props.utilization)
            self._policy(
                f"cloud_sql_connections_{instance.name}",
                f"Cloud SQL {instance.name} connections above {threshold} of {limit}",
                Watch(
                    f'metric.type="{SQL_CONNECTIONS}" AND {SQL_RESOURCE} '
                    f'AND resource.label.database_id="{props.project_id}:{instance.name}"',
                    "ALIGN_MEAN",
                    "REDUCE_SUM",
                    ("resource.label.database_id",),
                    threshold,
                ),
                f"{instance.name} holds more than {threshold} connections; at {limit} (max_connections) "
                "new connections are refused.",
                [
                    "See which workloads hold them (connections by database and client):",
                    f"gcloud sql instances describe {instance.name} --project {props.project_id}",
                    "A workload holding more than its pool size leaks connections: "
                    f"{ROLLBACK} if a new revision brought it.",
                    "Otherwise raise max_connections, or lower max instances or pool sizes, in the catalog "
                    "(the connection budget check adds them up) and apply.",
                ],
            )

    def _sql_steps(self, noun: str) -> list[str]:
        props = self.props
        return [
            "Look at the instance and its recent operations:",
            f"gcloud sql instances describe <INSTANCE> --project {props.project_id}",
            f"gcloud sql operations list --instance <INSTANCE> --project {props.project_id} --limit 10",
            "Query insights in the console shows the statements that use it most.",
            f"If it is load, give the instance a larger tier or disk in the catalog and apply; "
            f"if a new revision brought it, {ROLLBACK}."
            if noun != "disk"
            else "The disk grows by itself; if it grows fast, find the table or log that grows "
            "(temporary files are logged) before raising disk_size_gb in the catalog.",
        ]

    def _job_policy(self) -> None:
        props = self.props
        names = ", ".join(f'"{j}"' for j in props.migration_jobs)
        self._policy(
            "migration_job_failed",
            "Migration job execution failed",
            Watch(
                f'metric.type="{JOB_EXECUTIONS}" AND resource.type="cloud_run_job" '
                f'AND resource.label.job_name=one_of({names}) AND metric.label.result="failed"',
                "ALIGN_DELTA",
                "REDUCE_SUM",
                ("resource.label.job_name",),
                0,
            ),
            "An execution of migration job $${resource.label.job_name} failed: the schema may be half changed, "
            "and the deployment that ran it stopped.",
            [
                "Read the failed execution and its logs:",
                f"gcloud run jobs executions list --job $${{resource.label.job_name}} --region {props.region} "
                f"--project {props.project_id} --limit 5",
                f'gcloud logging read "resource.type=cloud_run_job AND '
                f'resource.labels.job_name=$${{resource.label.job_name}} AND severity>=ERROR" '
                f"--project {props.project_id} --limit 50",
                "Fix the migration and deploy again; never run it twice against a half-changed schema "
                f"without reading the log. If the services already run the new code, {ROLLBACK}.",
            ],
            duration_seconds=0,
        )

    def _redis_policy(self, instance: str) -> None:
        props = self.props
        share = percent(props.redis_memory_utilization)
        self._policy(
            "redis_memory",
            f"Redis memory above {share}",
            Watch(
                f'metric.type="{REDIS_MEMORY}" AND {REDIS_RESOURCE} AND resource.label.instance_id="{instance}"',
                "ALIGN_MAX",
                "REDUCE_MAX",
                ("resource.label.instance_id",),
                props.redis_memory_utilization,
            ),
            f"A node of Redis instance {instance} uses more than {share} of its memory; when it is full, "
            "writes (Celery's queue) fail or keys are evicted.",
            [
                "Look at the instance and its largest keys' owners (queue length, cache size):",
                f"gcloud memorystore instances describe {instance} --location {props.region} "
                f"--project {props.project_id}",
                "A growing Celery queue means the workers fall behind: give the worker pool more instances "
                "in the catalog and apply.",
                "Otherwise give Redis a larger node_type in the catalog (redis.node_type) and apply; "
                f"if a new revision writes more than before, {ROLLBACK}.",
            ],
        )

    def _error_log_policy(self, metric: str) -> None:
        props = self.props
        kinds = ", ".join(f'"{kind.resource_type}"' for kind in (SERVICES, WORKER_POOLS))
        self._policy(
            "error_log_entries",
            f"Cloud Run error log entries above {props.errors_per_minute} per minute",
            Watch(
                f'metric.type="logging.googleapis.com/user/{metric}" AND resource.type=one_of({kinds})',
                "ALIGN_DELTA",
                "REDUCE_SUM",
                (
                    f"metric.label.{SERVICES.name_label}",
                    f"metric.label.{WORKER_POOLS.name_label}",
                ),
                props.errors_per_minute,
            ),
            f"A Cloud Run service or worker pool writes more than {props.errors_per_minute} error entries per "
            "minute (service $${metric.label.service_name}, worker pool $${metric.label.worker_pool_name}).",
            [
                "Read its recent errors:",
                f'gcloud logging read "severity>=ERROR AND (resource.labels.service_name=<NAME> OR '
                f'resource.labels.worker_pool_name=<NAME>)" --project {props.project_id} --limit 50',
                "Error Reporting in the console groups them by exception.",
                f"If a new revision brought them, {ROLLBACK}.",
            ],
        )

    def _policy(
        self,
        name: str,
        display_name: str,
        watch: Watch,
        summary: str,
        steps: list[str],
        *,
        duration_seconds: int | None = None,
    ) -> MonitoringAlertPolicy:
        props = self.props
        duration = props.duration_seconds if duration_seconds is None else duration_seconds
        self.policies[name] = pin(
            threshold_policy(
                self,
                name,
                project_id=props.project_id,
                display_name=display_name,
                threshold=MonitoringAlertPolicyConditionsConditionThreshold(
                    filter=watch.filter,
                    aggregations=[
                        MonitoringAlertPolicyConditionsConditionThresholdAggregations(
                            alignment_period=seconds(WINDOW_SECONDS),
                            per_series_aligner=watch.aligner,
                            cross_series_reducer=watch.reducer,
                            group_by_fields=list(watch.group_by),
                        )
                    ],
                    comparison="COMPARISON_GT",
                    threshold_value=watch.threshold,
                    duration=seconds(duration),
                ),
                notification_channels=props.notification_channels,
                subject=display_name,
                runbook=runbook(summary, steps),
            ),
            name,
        )
        return self.policies[name]


def runbook(summary: str, steps: list[str]) -> str:
    """Markdown: the summary, then numbered steps; a line that is a command is indented as code."""
    lines = [summary]
    number = 0
    for step in steps:
        if step.startswith("gcloud "):
            lines += ["", f"       {step}"]
        else:
            number += 1
            lines += ["", f"{number}. {step}"]
    return "\n".join(lines) + "\n"
