"""Variations of the embedded catalog, for tests of what is refused and what is not.

Each builder edits one part of the MindMirror catalog and builds a new Catalog,
which validates on construction.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mindmirror_infra.catalog import Catalog, Environment, Service
from mindmirror_infra.catalog import mindmirror as embedded


def catalog(**changes: Any) -> Catalog:
    """The embedded catalog with some of its top-level fields replaced."""
    fields: dict[str, Any] = {
        "secrets": embedded.SECRETS,
        "databases": embedded.DATABASES,
        "services": embedded.SERVICES,
        "environments": (embedded.PRODUCTION, embedded.STAGING),
        "state_bucket": "mindmirror-terraform-state",
    }
    fields.update(changes)
    return Catalog(**fields)


def with_service(name: str, **changes: Any) -> Catalog:
    """The embedded catalog with one service changed (built anew, so it validates)."""
    services = tuple(Service(**{**s.__dict__, **changes}) if s.name == name else s for s in embedded.SERVICES)
    return catalog(services=services)


def with_production(**changes: Any) -> Catalog:
    """The embedded catalog with production's settings changed."""
    production = Environment(**{**embedded.PRODUCTION.__dict__, **changes})
    return catalog(environments=(production, embedded.STAGING))


def with_production_part(part: str, **changes: Any) -> Catalog:
    """Production with one settings group (``network``, ``database``, ...) changed."""
    group = replace(getattr(embedded.PRODUCTION, part), **changes)
    return with_production(**{part: group})


# Real-looking values for what the embedded catalog leaves as placeholders.
REAL_SETTINGS = {"QDRANT_URL": "https://3f1c.us-east4-0.gcp.cloud.qdrant.io"}
REAL_EMAILS = ("ops@mindmirror.app",)


def deployable() -> Catalog:
    """The embedded catalog with its placeholders replaced: what `mminfra plan` accepts."""
    return catalog(
        environments=tuple(
            replace(
                env,
                settings={**env.settings, **REAL_SETTINGS},
                operations=replace(env.operations, notification_emails=REAL_EMAILS),
            )
            for env in (embedded.PRODUCTION, embedded.STAGING)
        )
    )
