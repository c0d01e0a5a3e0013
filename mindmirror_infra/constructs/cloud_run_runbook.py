"""What to look at first when a Cloud Run service misbehaves: the text alert notifications carry.

Alert documentation is Markdown that Cloud Monitoring fills in when it notifies;
``${resource.label.service_name}`` there becomes the service the incident is about.
OpenTofu would read ``${`` as its own interpolation, so the text is written with
``$${``, which OpenTofu turns back into ``${``.
"""

from __future__ import annotations

# The service of the incident, as Cloud Monitoring substitutes it in documentation.
INCIDENT_SERVICE = "$${resource.label.service_name}"


def runbook(project_id: str, region: str, service: str = INCIDENT_SERVICE, *, first_look: str = "") -> str:
    """Markdown: ``first_look``, then the service's errors, its revisions and how to roll back."""
    target = f"--region {region} --project {project_id}"
    lines = [
        first_look,
        "",
        "1. Read the service's recent errors:",
        "",
        f'       gcloud logging read "resource.type=cloud_run_revision AND '
        f'resource.labels.service_name={service} AND severity>=ERROR" '
        f"--project {project_id} --limit 50 --format json",
        "",
        "2. See whether it started with a new revision:",
        "",
        f"       gcloud run revisions list --service {service} {target}",
        "",
        "3. If the newest revision is the cause, send all traffic back to the previous one:",
        "",
        f"       gcloud run services update-traffic {service} --to-revisions <PREVIOUS_REVISION>=100 {target}",
    ]
    return "\n".join(lines).lstrip("\n") + "\n"
