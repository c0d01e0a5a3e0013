"""How Cloud Monitoring and Cloud Logging name each kind of Cloud Run workload, and how gcloud handles it.

Services report under ``cloud_run_revision`` and worker pools under
``cloud_run_worker_pool``, each with its own label for the workload's name: a
filter written for one kind never matches the other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkloadKind:
    """How Cloud Monitoring and Cloud Logging name one kind of Cloud Run workload, and how gcloud handles it.

    Attributes:
        noun: what the workload is called in the text, such as ``service``.
        resource_type: the monitored resource type of its metrics and log entries.
        name_label: the resource label holding the workload's name.
        revisions: the gcloud command listing its revisions, up to the name.
        deploy: the gcloud command deploying an image into it, up to the name.
    """

    noun: str
    resource_type: str
    name_label: str
    revisions: str
    deploy: str

    @property
    def group_by(self) -> str:
        """The field a condition groups by, so that each incident names one workload."""
        return f"resource.label.{self.name_label}"

    @property
    def incident_name(self) -> str:
        """The workload of the incident, as Cloud Monitoring substitutes it in documentation."""
        return f"$${{resource.label.{self.name_label}}}"

    def named(self, names: tuple[str, ...]) -> str:
        """``resource.label.<name_label>=one_of("a", "b")``."""
        quoted = ", ".join(f'"{name}"' for name in names)
        return f"{self.group_by}=one_of({quoted})"


SERVICES = WorkloadKind(
    noun="service",
    resource_type="cloud_run_revision",
    name_label="service_name",
    revisions="gcloud run revisions list --service",
    deploy="gcloud run deploy",
)
# A worker pool is not a service: Cloud Monitoring and Cloud Logging report it
# as its own resource type; gcloud has its commands in the beta track only.
WORKER_POOLS = WorkloadKind(
    noun="worker pool",
    resource_type="cloud_run_worker_pool",
    name_label="worker_pool_name",
    revisions="gcloud beta run worker-pools revisions list --worker-pool",
    deploy="gcloud beta run worker-pools deploy",
)
