"""What each runtime account may do besides reading the secrets it mounts.

Secrets are granted by the mounts themselves (``Identity.secrets[id].grant_read``,
called where a workload mounts a secret), so there is no secret list here.
"""

from __future__ import annotations

from mindmirror_infra.catalog import Catalog
from mindmirror_infra.stacks.data import Data
from mindmirror_infra.stacks.identity import Identity

# Every workload writes its logs and metrics through the client libraries.
WRITER_ROLES = ("roles/logging.logWriter", "roles/monitoring.metricWriter")
# Services also export request traces (OpenTelemetry to Cloud Trace); a
# migration job serves no request.
SERVICE_ROLES = (*WRITER_ROLES, "roles/cloudtrace.agent")


def grant_runtime_access(catalog: Catalog, identity: Identity, data: Data) -> None:
    """Project roles of each account, its own database instance, and documents and Redis where the catalog says."""
    for service in catalog.services:
        account = identity.accounts[service.name]
        for role in SERVICE_ROLES:
            account.grant_project_role(role)
        if service.database is not None:
            data.instances[service.database].grant_connect(account)
        if service.reads_documents:
            data.documents.grant_read(account)
        if service.redis and data.redis is not None:
            data.redis.grant_connect(account)
    for job in catalog.migration_jobs:
        account = identity.accounts[job.name]
        for role in WRITER_ROLES:
            account.grant_project_role(role)
        data.instances[job.database.instance].grant_connect(account)
