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
    Rolling back redeploys an earlier image by digest, which the next apply
    keeps; never a traffic change, which it reverts
    (docs/decisions/0010-rollback-by-digest.md).
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
        "2. See whether it started with a new revision, and which image each revision runs:",
        "",
        f"       {kind.revisions} {workload} {target} --format 'table(metadata.name,status.imageDigest)'",
        "",
        "3. If the newest revision is the cause, run the image before it again. The application "
        "repository's rollback workflow redeploys it by digest, checks its health and says what runs now:",
        "",
        f"       gh workflow run rollback.yml -f environment=<ENVIRONMENT> -f service={workload} -f target=previous",
        "",
        "   or by hand, with the previous revision's image from step 2:",
        "",
        f"       {kind.deploy} {workload} --image <IMAGE>@sha256:<DIGEST> {target}",
        "",
        "   The next `tofu apply` keeps that image. Do not move traffic to an old revision instead: "
        "the infrastructure sends all traffic to the latest revision, and the next apply sends it back.",
    ]
    return "\n".join(lines).lstrip("\n") + "\n"
