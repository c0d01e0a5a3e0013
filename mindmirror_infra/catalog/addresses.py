"""The OpenTofu addresses the stacks give what they build from catalog names.

Addresses are pinned to names, never to Python nesting
(``mindmirror_infra/constructs/addresses.py``), and ``address_name`` folds
``-`` and ``.`` into ``_``: names that differ only there would become one
resource. The catalog lists here every address a name becomes, as the
constructs build it, and refuses two names sharing one
(docs/decisions/0013-gcp-rules-in-catalog.md). ``tests/test_catalog_addresses.py``
holds this list to the synthesized stacks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mindmirror_infra.constructs.addresses import address_name
from mindmirror_infra.validation import NamedAddress

if TYPE_CHECKING:
    from mindmirror_infra.catalog.catalog import Catalog
    from mindmirror_infra.catalog.environment import Environment


def system_addresses(catalog: Catalog) -> Iterator[NamedAddress]:
    """The addresses every environment's stack derives from the catalog's names."""
    for secret in catalog.secrets:
        yield NamedAddress(
            f"secrets[{secret.id}].id", secret.id, f"google_secret_manager_secret.{address_name(secret.id)}"
        )
    for database in catalog.databases:
        where = f"databases[{database.instance}]"
        instance = address_name(database.instance)
        yield NamedAddress(f"{where}.instance", database.instance, f"google_sql_database_instance.{instance}")
        for name in database.databases:
            yield NamedAddress(
                f"{where}.databases",
                name,
                f"google_sql_database.{address_name(database.instance, name)}",
                of=database.instance,
            )
    for service in catalog.services:
        where = f"services[{service.name}]"
        name = address_name(service.name)
        kind = "google_cloud_run_v2_service" if service.kind == "http" else "google_cloud_run_v2_worker_pool"
        yield NamedAddress(f"{where}.name", service.name, f"google_service_account.{name}")
        yield NamedAddress(f"{where}.name", service.name, f"{kind}.{name}")
        if service.kind == "http":
            yield NamedAddress(f"{where}.name", service.name, f"output.{address_name(service.name, 'url')}")
        if service.public:
            yield NamedAddress(f"{where}.name", service.name, f"google_monitoring_uptime_check_config.{name}")
            yield NamedAddress(f"{where}.name", service.name, f"google_monitoring_alert_policy.uptime_{name}")
    for job in catalog.migration_jobs:
        where = f"databases[{job.database.instance}].instance"
        name = address_name(job.name)
        yield NamedAddress(where, job.database.instance, f"google_service_account.{name}")
        yield NamedAddress(where, job.database.instance, f"google_cloud_run_v2_job.{name}")


def environment_addresses(env: Environment) -> Iterator[NamedAddress]:
    """The addresses one environment's stack derives from its own settings."""
    for email in env.operations.notification_emails:
        yield NamedAddress(
            f"environments[{env.name}].operations.notification_emails",
            email,
            f"google_monitoring_notification_channel.{address_name('email', email)}",
        )
