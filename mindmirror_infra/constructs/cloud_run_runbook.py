"""What to look at first when a Cloud Run workload misbehaves: the text alert notifications carry.

Alert documentation is Markdown that Cloud Monitoring fills in when it notifies;
``${resource.label.service_name}`` there becomes the service the incident is about.
OpenTofu would read ``${`` as its own interpolation, so the text is written with
``$${``, which OpenTofu turns back into ``${``.
"""

from __future__ import annotations

from mindmirror_infra.constructs.cloud_run_monitored import SERVICES, WorkloadKind


def runbook(
    project_id: str, region: str, name: str = "", *, kind: WorkloadKind = SERVICES, first_look: str = ""
) -> str:
    """Markdown: ``first_look``, then the workload's errors, its revisions and how to roll back.

    ``name`` defaults to the incident's workload, filled in by Cloud Monitoring.
    """
    workload = name or kind.incident_name
    target = f"--region {region} --project {project_id}"
    lines = [
        first_look,
        "",
        f"1. Read the {kind.noun}'s recent errors:",
        "",
        f'       gcloud logging read "resource.type={kind.resource_type} AND '
        f'resource.labels.{kind.name_label}={workload} AND severity>=ERROR" '
        f"--project {project_id} --limit 50 --format json",
        "",
        "2. See whether it started with a new revision:",
        "",
        f"       {kind.revisions} {workload} {target}",
        "",
        f"3. If the newest revision is the cause, send all {kind.rolled_back} back to the previous one:",
        "",
        f"       {kind.rollback} {workload} --to-revisions <PREVIOUS_REVISION>=100 {target}",
    ]
    return "\n".join(lines).lstrip("\n") + "\n"
