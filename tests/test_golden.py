"""Golden tests: the embedded MindMirror system as the strategy describes it.

Every other test derives what it expects from the catalog it synthesizes, so a
change to ``mindmirror_infra/catalog/mindmirror.py`` needs no edit under
``tests/``. These few state parts of the embedded system on purpose, as a review
of what runs where: each names what it checks and never the whole list, so
adding a service, database or secret passes them, while renaming or removing
one of these, or changing what it uses, fails here and only here.
"""

from __future__ import annotations

from mindmirror_infra.catalog import Catalog

# name: (kind, port, instance, database, public)
SERVICES = {
    "agent-service": ("http", 8000, "main-db", "agent", False),
    "journal-service": ("http", 8001, "main-db", "journal", False),
    "habits-service": ("http", 8003, "main-db", "habits", False),
    "meals-service": ("http", 8004, "main-db", "meals", False),
    "movements-service": ("http", 8005, "movements-db", "movements", False),
    "practices-service": ("http", 8000, "practices-db", "practices", False),
    "users-service": ("http", 8000, "users-db", "users", False),
    "mesh-gateway": ("http", 4000, None, None, True),
    "web-app": ("http", 3000, None, None, True),
    "celery-worker": ("worker", None, "main-db", "agent", False),
}
DATABASES = {
    "main-db": ("agent", "journal", "habits", "meals"),
    "movements-db": ("movements",),
    "practices-db": ("practices",),
    "users-db": ("users",),
}
SECRETS = (
    "database-url",
    "movements-database-url",
    "practices-database-url",
    "users-database-url",
    "jwt-secret",
    "openai-api-key",
    "qdrant-api-key",
    "supabase-service-role-key",
    "environment",
)


def test_the_strategys_services_run_where_it_says(catalog: Catalog) -> None:
    for name, (kind, port, instance, database, public) in SERVICES.items():
        service = catalog.service(name)
        assert (service.kind, service.port, service.database, catalog.database_name(service), service.public) == (
            kind,
            port,
            instance,
            database,
            public,
        ), name


def test_the_strategys_databases_and_secrets_exist(catalog: Catalog) -> None:
    for instance, databases in DATABASES.items():
        assert catalog.database(instance).databases == databases
        assert f"migrate-{instance.removesuffix('-db')}" in [j.name for j in catalog.migration_jobs]
    assert set(SECRETS) <= {s.id for s in catalog.secrets}


def test_environments_differ_only_in_settings(catalog: Catalog) -> None:
    production, staging = catalog.environments
    assert (production.project_id, staging.project_id) == ("mindmirror-prod", "mindmirror-staging")
    assert production.database.tier == "db-custom-2-7680"
    assert production.database.high_availability is True
    assert staging.database.high_availability is False
    assert production.state_prefix == "production/state"
    assert staging.image_tag_default == "staging-latest"
