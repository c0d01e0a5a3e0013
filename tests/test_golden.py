"""Golden tests: the embedded MindMirror system as the strategy describes it.

Every other test derives what it expects from the catalog it synthesizes, so a
change to ``mindmirror_infra/catalog/mindmirror.py`` needs no edit under
``tests/``. These few state the embedded system itself on purpose: they are the
review of what runs where, and the one file to update with such a change.
"""

from __future__ import annotations

from mindmirror_infra.catalog import Catalog


def test_embedded_catalog_holds_the_mindmirror_system(catalog: Catalog) -> None:
    assert [s.name for s in catalog.services] == [
        "agent-service",
        "journal-service",
        "habits-service",
        "meals-service",
        "movements-service",
        "practices-service",
        "users-service",
        "mesh-gateway",
        "web-app",
        "celery-worker",
    ]
    ports = {s.name: s.port for s in catalog.services}
    assert ports["agent-service"] == 8000
    assert ports["journal-service"] == 8001
    assert ports["movements-service"] == 8005
    assert ports["celery-worker"] is None
    assert {d.instance: d.databases for d in catalog.databases} == {
        "main-db": ("agent", "journal", "habits", "meals"),
        "movements-db": ("movements",),
        "practices-db": ("practices",),
        "users-db": ("users",),
    }
    assert len(catalog.secrets) == 9
    assert [e.name for e in catalog.environments] == ["production", "staging"]
    assert [j.name for j in catalog.migration_jobs] == [
        "migrate-main",
        "migrate-movements",
        "migrate-practices",
        "migrate-users",
    ]
    assert {s.name for s in catalog.services if s.public} == {"mesh-gateway", "web-app"}


def test_environments_differ_only_in_settings(catalog: Catalog) -> None:
    production, staging = catalog.environments
    assert (production.project_id, staging.project_id) == ("mindmirror-prod", "mindmirror-staging")
    assert production.database.tier == "db-custom-2-7680"
    assert production.database.high_availability is True
    assert staging.database.high_availability is False
    assert production.state_prefix == "production/state"
    assert staging.image_tag_default == "staging-latest"


def test_each_service_uses_its_own_database(catalog: Catalog) -> None:
    assert {s.name: catalog.database_name(s) for s in catalog.services} == {
        "agent-service": "agent",
        "journal-service": "journal",
        "habits-service": "habits",
        "meals-service": "meals",
        "movements-service": "movements",
        "practices-service": "practices",
        "users-service": "users",
        "mesh-gateway": None,
        "web-app": None,
        "celery-worker": "agent",
    }
