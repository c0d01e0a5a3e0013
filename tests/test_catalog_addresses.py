"""One catalog name, one OpenTofu address: what the catalog predicts is what the stacks write,
and names that would share an address are refused, whatever names are drawn."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mindmirror_infra.bootstrap.plan import secret_env_var
from mindmirror_infra.catalog import Catalog, Database, Secret
from mindmirror_infra.catalog import mindmirror as embedded
from mindmirror_infra.catalog.addresses import environment_addresses, system_addresses
from mindmirror_infra.errors import InvalidConfig
from tests import variants
from tests.synth import Config

# Resource types whose every name comes from a catalog name: the prediction must be all of them.
NAMED_TYPES = (
    "google_secret_manager_secret",
    "google_sql_database_instance",
    "google_sql_database",
    "google_cloud_run_v2_service",
    "google_cloud_run_v2_worker_pool",
    "google_cloud_run_v2_job",
    "google_monitoring_uptime_check_config",
    "google_monitoring_notification_channel",
)


def predicted(catalog: Catalog, env_name: str) -> set[str]:
    env = catalog.environment(env_name)
    return {named.address for named in (*system_addresses(catalog), *environment_addresses(env))}


def synthesized_addresses(config: Config) -> set[str]:
    addresses = {f"{kind}.{name}" for kind, named in config["resource"].items() for name in named}
    addresses |= {f"output.{name}" for name in config.get("output", {})}
    return addresses


def test_the_predicted_addresses_are_those_the_stacks_write(catalog: Catalog, stacks: dict[str, Config]) -> None:
    for env_name, config in stacks.items():
        expected = predicted(catalog, env_name)
        written = synthesized_addresses(config)
        assert expected <= written, sorted(expected - written)
        for kind in NAMED_TYPES:
            of_kind = {a for a in written if a.startswith(f"{kind}.")}
            assert {a for a in expected if a.startswith(f"{kind}.")} == of_kind, kind


def folded(name: str) -> str:
    """The oracle, written apart from the code: what an address keeps of a name."""
    return re.sub(r"[^a-z0-9]", "_", name.lower())


def colliding(names: list[str]) -> bool:
    return any(folded(a) == folded(b) for a, b in combinations(names, 2))


# Few letters and every separator, so that drawn names often collide.
NAME = st.text("ab-_A1", min_size=1, max_size=4)


def accepted_exactly_when(refused: bool, build: Callable[[], Catalog], field: str) -> Catalog | None:
    """Builds the catalog: refused (naming a field matching ``field``) exactly when the oracle says so."""
    if not refused:
        return build()
    with pytest.raises(InvalidConfig) as caught:
        build()
    assert re.fullmatch(field, caught.value.field), caught.value
    return None


@settings(max_examples=300, deadline=None)
@given(st.lists(NAME, min_size=1, max_size=5, unique=True))
def test_secret_ids_are_accepted_exactly_when_their_addresses_differ(ids: list[str]) -> None:
    names = [s.id for s in embedded.SECRETS] + ids
    catalog = accepted_exactly_when(
        colliding(names) or any(i[0].isdigit() for i in ids),
        lambda: variants.catalog(secrets=(*embedded.SECRETS, *(Secret(i, "x") for i in ids))),
        r"secrets\[.*\]\.id",
    )
    if catalog is not None:
        addresses = [named.address.lower() for named in system_addresses(catalog) if named.field.endswith(".id")]
        assert len(set(addresses)) == len(catalog.secrets)
        # The bootstrap reads each first value from a variable of its own.
        assert len({secret_env_var(s.id) for s in catalog.secrets}) == len(catalog.secrets)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text("ab._-A", min_size=1, max_size=3), min_size=1, max_size=5, unique=True))
def test_notification_emails_are_accepted_exactly_when_their_addresses_differ(locals_: list[str]) -> None:
    emails = tuple(f"{local}@mm.example" for local in locals_)
    operations = replace(embedded.PRODUCTION.operations, notification_emails=emails)
    catalog = accepted_exactly_when(
        colliding(list(emails)),
        lambda: variants.with_production(operations=operations),
        re.escape("environments[production].operations.notification_emails"),
    )
    if catalog is not None:
        channels = [n.address.lower() for n in environment_addresses(catalog.environment("production"))]
        assert len(set(channels)) == len(emails)


INSTANCES = ("jobs-db", "jobs-db-a", "jobs-db-a-b")
DATABASE_NAMES = st.lists(st.text("ab_", min_size=1, max_size=3), min_size=1, max_size=3, unique=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(DATABASE_NAMES, min_size=len(INSTANCES), max_size=len(INSTANCES)))
def test_databases_are_accepted_exactly_when_their_addresses_differ(names: list[list[str]]) -> None:
    databases = tuple(Database(i, tuple(n), f"{i}-url") for i, n in zip(INSTANCES, names, strict=True))
    catalog = accepted_exactly_when(
        colliding([f"{d.instance}_{name}" for d in databases for name in d.databases]),
        lambda: variants.catalog(
            secrets=(*embedded.SECRETS, *(Secret(d.url_secret, "x") for d in databases)),
            databases=(*embedded.DATABASES, *databases),
        ),
        r"databases\[jobs-db(-a|-a-b)?\]\.databases",
    )
    if catalog is not None:
        addresses = [n.address for n in system_addresses(catalog) if n.address.startswith("google_sql_database.")]
        assert len(set(addresses)) == sum(len(d.databases) for d in catalog.databases)


def test_a_collision_names_both_entries(catalog: Catalog) -> None:
    original = next(s.id for s in catalog.secrets if "-" in s.id)
    twin = original.replace("-", "_")
    with pytest.raises(InvalidConfig) as caught:
        variants.catalog(secrets=(*embedded.SECRETS, Secret(twin, "x")))
    assert caught.value.field == f"secrets[{twin}].id"
    assert f"secrets[{original}].id {original!r}" in caught.value.allowed
    assert f"google_secret_manager_secret.{folded(original)}" in caught.value.allowed
