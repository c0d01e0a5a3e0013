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
