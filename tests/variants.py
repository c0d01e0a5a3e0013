"""Variations of the embedded catalog, for tests of what is refused and what is not.

Each builder edits one part of the MindMirror catalog and builds a new Catalog,
which validates on construction.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mindmirror_infra.catalog import Catalog, Database, Environment, Secret, SecretMount, Service
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


def extended() -> Catalog:
    """The embedded catalog plus what a new user adds in one edit: an HTTP service with its own
    instance and URL secret, a new secret mounted only into it, and the gateway as its invoker.

    Tests that derive their expectations from the catalog pass on it unchanged.
    Its names (``notes-service``, ``notes-db``, ...) take a number when the
    embedded catalog already has them.
    """
    taken = {s.name for s in embedded.SERVICES} | {d.instance for d in embedded.DATABASES}
    taken |= {s.id for s in embedded.SECRETS}
    stem = next(
        stem
        for stem in ("notes", *(f"notes{n}" for n in range(2, 100)))
        if not {f"{stem}-service", f"{stem}-db", f"{stem}-database-url", f"{stem}-api-key"} & taken
    )
    url = Secret(f"{stem}-database-url", f"Connection URL of {stem}-db")
    key = Secret(f"{stem}-api-key", "API key of the notes provider")
    database = Database(f"{stem}-db", (stem,), url_secret=url.id)
    service = Service(
        f"{stem}-service",
        "http",
        8010,
        database=database.instance,
        secrets=(SecretMount("database", url.id), SecretMount("notes", key.id), embedded.ENVIRONMENT),
        invokers=(embedded.GATEWAY,),
    )
    return catalog(
        secrets=(*embedded.SECRETS, url, key),
        databases=(*embedded.DATABASES, database),
        services=(*embedded.SERVICES, service),
    )
