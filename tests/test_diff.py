"""`mminfra diff`: each kind of change, read from two synthesized stacks, against golden output.

The new side of each case is a variant catalog synthesized anew, or a copy of
the session's synthesized JSON with one edit; expectations are derived from
the catalog and the config. The golden files (``tests/golden/diff/``) hold the
text each case prints: after an intended change of output, rewrite them with
``UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_diff.py``.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mindmirror_infra.catalog import Catalog, Service
from mindmirror_infra.errors import InvalidConfig
from mindmirror_infra.layout import stack_file
from mindmirror_infra.review import force_new, render
from mindmirror_infra.review.changes import ABSENT, Action, Review, StackChanges, gated, review
from mindmirror_infra.synthesis import synthesize
from tests import variants
from tests.synth import Config

GOLDEN = Path(__file__).parent / "golden" / "diff"
ENV = "production"
TABLE = force_new.load()


def compared(old: Config, new: Config) -> Review:
    return review("base", {ENV: old}, "head", {ENV: new}, TABLE)


def stack_of(result: Review) -> StackChanges:
    (stack,) = result.stacks
    return stack


def actions(stack: StackChanges) -> dict[str, Action]:
    return {change.address: change.action for change in stack.resources}


def assert_golden(name: str, result: Review, formats: tuple[str, ...] = ("text",)) -> None:
    suffixes = {"text": "txt", "markdown": "md", "json": "json"}
    for output_format in formats:
        path = GOLDEN / f"{name}.{suffixes[output_format]}"
        written = render.FORMATS[output_format](result)
        if os.environ.get("UPDATE_GOLDEN") == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(written)
        assert written == path.read_text(), f"{path} differs; if intended, rewrite with UPDATE_GOLDEN=1"


@pytest.fixture(scope="module")
def base_catalog() -> Catalog:
    """The tests' own catalog: golden files of whole reviews do not move with the embedded system."""
    return variants.BASE


@pytest.fixture(scope="module")
def base_production(base_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Config:
    return synthesized_production(base_catalog, tmp_path_factory.mktemp("base"))


def synthesized_production(catalog: Catalog, out: Path) -> Config:
    synthesize(catalog, out, (ENV,), jobs=1)
    return dict(json.loads(stack_file(out, ENV).read_text()))


def address_of(config: Config, resource_type: str, name: str) -> str:
    """The address of the resource of ``resource_type`` whose ``name`` attribute is ``name``."""
    (found,) = [
        f"{resource_type}.{key}" for key, body in config["resource"][resource_type].items() if body["name"] == name
    ]
    return found


def first_valid(build: Callable[[Service], Catalog], services: tuple[Service, ...]) -> tuple[Service, Catalog]:
    """The first service for which ``build`` gives a valid catalog, and that catalog."""
    for service in services:
        try:
            return service, build(service)
        except InvalidConfig:
            continue
    pytest.fail("no service of the catalog allows the change")


# --- a secret mount removed ---------------------------------------------------------


def test_a_removed_secret_mount_updates_the_service_and_revokes_its_grant_row(
    base_catalog: Catalog, base_production: Config, tmp_path: Path
) -> None:
    url_secrets = {database.instance: database.url_secret for database in base_catalog.databases}
    service, mount = next(
        (s, m)
        for s in base_catalog.services
        if s.kind == "http"
        for m in s.secrets
        if m.secret != url_secrets.get(s.database or "") and [n.secret for n in s.secrets].count(m.secret) == 1
    )
    variant = variants.with_service(service.name, base_catalog, secrets=tuple(m for m in service.secrets if m != mount))
    stack = stack_of(result := compared(base_production, synthesized_production(variant, tmp_path / "out")))

    row = f'google_secret_manager_secret_iam_member.grants["{mount.secret}/{service.name}"]'
    workload = address_of(base_production, "google_cloud_run_v2_service", service.name)
    assert actions(stack)[row] is Action.DESTROY
    assert actions(stack)[workload] is Action.UPDATE
    assert not stack.granted
    (revoked,) = stack.revoked
    assert revoked.role == "roles/secretmanager.secretAccessor"
    assert revoked.member.startswith("serviceAccount:google_service_account.")
    assert not any(change.alarming for change in stack.resources)
    assert_golden("secret_mount_removed", result, ("text", "markdown", "json"))


# --- a service renamed, with and without a moved block ------------------------------


def test_a_renamed_service_is_destroyed_and_created_unless_a_moved_block_carries_it(
    base_catalog: Catalog, base_production: Config, tmp_path: Path
) -> None:
    service, variant = first_valid(
        lambda s: variants.catalog(
            base_catalog,
            services=tuple(replace(t, name=f"{s.name}-v2") if t == s else t for t in base_catalog.services),
        ),
        tuple(s for s in base_catalog.services if s.port),
    )
    renamed = synthesized_production(variant, tmp_path / "out")
    old = address_of(base_production, "google_cloud_run_v2_service", service.name)
    new = address_of(renamed, "google_cloud_run_v2_service", f"{service.name}-v2")

    plain = stack_of(result := compared(base_production, renamed))
    assert (actions(plain)[old], actions(plain)[new]) == (Action.DESTROY, Action.CREATE)
    assert_golden("service_renamed", result)

    carried = copy.deepcopy(renamed)
    carried["moved"] = [*carried.get("moved", []), {"from": old, "to": new}]
    moved = stack_of(compared(base_production, carried))
    assert old not in actions(moved)
    (change,) = [c for c in moved.resources if c.address == new]
    assert change.moved_from == old
    # The moved block carries the state, but Cloud Run's name is ForceNew: one replacement.
    assert change.action is Action.REPLACE
    assert ("name", service.name, f"{service.name}-v2", "name") in [
        (a.path, a.old, a.new, a.forces) for a in change.attributes
    ]

    kind, name = old.split(".")
    readdressed = copy.deepcopy(base_production)
    readdressed["resource"][kind][f"{name}_v2"] = readdressed["resource"][kind].pop(name)
    readdressed["moved"] = [*readdressed.get("moved", []), {"from": old, "to": f"{kind}.{name}_v2"}]
    (only,) = stack_of(compared(base_production, readdressed)).resources
    assert (only.action, only.address, only.moved_from, only.attributes) == (
        Action.MOVE,
        f"{kind}.{name}_v2",
        old,
        (),
    )


def test_a_moved_block_carries_an_address_with_only_the_changes_it_has() -> None:
    bucket = {"name": "b", "location": "US", "lifecycle": {"prevent_destroy": True}}
    old = {"resource": {"google_storage_bucket": {"old": bucket}}}
    new = {
        "resource": {"google_storage_bucket": {"new": {**bucket, "labels": {"a": "b"}}}},
        "moved": [{"from": "google_storage_bucket.old", "to": "google_storage_bucket.new"}],
    }
    (change,) = stack_of(compared(old, new)).resources
    assert (change.action, change.address, change.moved_from) == (
        Action.MOVE,
        "google_storage_bucket.new",
        "google_storage_bucket.old",
    )
    assert [(a.path, a.old, a.new) for a in change.attributes] == [("labels", ABSENT, {"a": "b"})]


# --- a database tier changed in place; a change that forces replacement ------------------


def test_a_database_tier_change_updates_every_instance_in_place(
    base_catalog: Catalog, base_production: Config, tmp_path: Path
) -> None:
    tier = "db-custom-4-15360"
    assert tier != base_catalog.environment(ENV).database.tier
    stack = stack_of(
        result := compared(
            base_production,
            synthesized_production(variants.with_production_part("database", base_catalog, tier=tier), tmp_path),
        )
    )
    instances = [c for c in stack.resources if c.resource_type == "google_sql_database_instance"]
    assert len(instances) == len(base_catalog.databases)
    for change in instances:
        assert change.action is Action.UPDATE
        assert [(a.path, a.new, a.forces) for a in change.attributes] == [("settings.tier", tier, None)]
    assert not any(change.destroys for change in stack.resources)
    assert_golden("database_tier_changed", result)


def test_a_forcenew_change_replaces_the_resource(catalog: Catalog, tmp_path: Path) -> None:
    network = catalog.environment(ENV).network
    cidr = "10.8.0.16/28"
    assert cidr != network.connector_cidr
    # The connector exists only when the environment chooses it for its services.
    with_connector = variants.with_production_part("network", variants.EMBEDDED, service_egress="connector")
    variant = variants.with_production_part(
        "network", variants.EMBEDDED, service_egress="connector", connector_cidr=cidr
    )
    before = synthesized_production(with_connector, tmp_path / "before")
    stack = stack_of(result := compared(before, synthesized_production(variant, tmp_path / "after")))
    (connector,) = [c for c in stack.resources if c.resource_type == "google_vpc_access_connector"]
    assert connector.action is Action.REPLACE
    assert [(a.path, a.old, a.new, a.forces) for a in connector.attributes] == [
        ("ip_cidr_range", network.connector_cidr, cidr, "ip_cidr_range")
    ]
    assert gated(result, ["replace"]) == [f"replace: {ENV}: {connector.address}"]
    assert gated(result, ["stateful"]) == []
    assert_golden("forces_replacement", result)


def test_a_change_inside_a_forcenew_block_replaces_and_a_computed_forcenew_left_out_does_not() -> None:
    secret = {"secret_id": "s", "project": "p", "replication": {"auto": {}}}
    relocated = {**secret, "replication": {"user_managed": {"replicas": [{"location": "us-east1"}]}}}
    unpinned = {k: v for k, v in secret.items() if k != "project"}
    for new_body, replaced in ((relocated, True), (unpinned, False)):
        old = {"resource": {"google_secret_manager_secret": {"s": secret}}}
        new = {"resource": {"google_secret_manager_secret": {"s": new_body}}}
        (change,) = stack_of(compared(old, new)).resources
        assert (change.action is Action.REPLACE) is replaced
        assert change.alarming is replaced


# --- a for_each key renamed ------------------------------------------------------------


def test_a_renamed_for_each_key_is_a_destroy_and_a_create_of_the_same_row(production: Config) -> None:
    kind, name, body = next(
        (kind, name, body)
        for kind, items in sorted(production["resource"].items())
        for name, body in sorted(items.items())
        if "for_each" in body and "each.key" not in json.dumps(body)
    )
    key = sorted(body["for_each"])[0]
    new = copy.deepcopy(production)
    rows = new["resource"][kind][name]["for_each"]
    rows[f"{key}-renamed"] = rows.pop(key)
    stack = stack_of(result := compared(production, new))
    destroyed, created = f'{kind}.{name}["{key}"]', f'{kind}.{name}["{key}-renamed"]'
    assert actions(stack) == {destroyed: Action.DESTROY, created: Action.CREATE}
    (row,) = [c for c in stack.resources if c.address == created]
    assert row.key == f"{key}-renamed"
    assert row.note is not None
    assert key in row.note
    assert (stack.granted, stack.revoked) == ((), ()), "the same grant under another key"
    assert_golden("for_each_key_renamed", result)


# --- an import added ---------------------------------------------------------------------


def test_a_resource_with_a_new_import_block_is_adopted_not_created(production: Config) -> None:
    adopted = production["import"][0]
    kind, name = adopted["to"].split(".")
    old = copy.deepcopy(production)
    del old["resource"][kind][name]
    old["import"] = [block for block in old["import"] if block["to"] != adopted["to"]]
    stack = stack_of(result := compared(old, production))
    assert actions(stack) == {adopted["to"]: Action.IMPORT}
    assert stack.resources[0].import_id == adopted["id"]
    assert stack.counts() == {"import": 1}
    assert_golden("import_added", result)


# --- a stateful resource removed -------------------------------------------------------


def test_a_removed_database_instance_is_flagged_first_and_its_deletion_protection_noted(production: Config) -> None:
    kind = "google_sql_database_instance"
    name = sorted(production["resource"][kind])[0]
    new = copy.deepcopy(production)
    del new["resource"][kind][name]
    stack = stack_of(result := compared(production, new))
    first = stack.resources[0]
    assert (first.address, first.action, first.alarming) == (f"{kind}.{name}", Action.DESTROY, True)
    assert first.will_fail == (
        "the delete is refused: deletion_protection = true, settings.deletion_protection_enabled = true "
        "(as last applied)"
    )
    assert first.note == "its resource block is gone, so prevent_destroy no longer applies"
    assert stack.counts() == {"stateful destroyed or replaced": 1, "will fail to apply": 1, "destroy": 1}
    assert gated(result, ["stateful"]) == [f"stateful: {ENV}: {kind}.{name}"]
    changes = [line for line in render.text(result).splitlines() if line.startswith("  ")]
    assert changes[0].startswith(f"  !! STATEFUL destroy  {kind}.{name}")
    assert_golden("stateful_removed", result, ("text", "markdown"))


def test_a_row_removed_from_a_table_that_prevents_destroy_will_fail_to_apply() -> None:
    rows = {"a": {"name": "bucket-a"}, "b": {"name": "bucket-b"}}
    table = {"for_each": rows, "name": "${each.value.name}", "lifecycle": {"prevent_destroy": True}}
    old = {"resource": {"google_storage_bucket": {"data": table}}}
    new = {"resource": {"google_storage_bucket": {"data": {**table, "for_each": {"a": rows["a"]}}}}}
    (change,) = stack_of(compared(old, new)).resources
    assert (change.address, change.action, change.key) == ('google_storage_bucket.data["b"]', Action.DESTROY, "b")
    assert change.will_fail == "prevent_destroy on its resource refuses to destroy a row"


# --- what is never shown -------------------------------------------------------------------


def test_sensitive_values_are_never_printed() -> None:
    old = {"resource": {"google_sql_database_instance": {"db": {"name": "db", "root_password": "old-value-1"}}}}
    new = {"resource": {"google_sql_database_instance": {"db": {"name": "db", "root_password": "new-value-2"}}}}
    result = compared(old, new)
    for output_format, write in render.FORMATS.items():
        written = write(result)
        assert "old-value-1" not in written, output_format
        assert "new-value-2" not in written, output_format
        assert "(sensitive)" in written, output_format


def test_metadata_and_meta_arguments_are_not_changes(production: Config) -> None:
    new = copy.deepcopy(production)
    for items in new["resource"].values():
        for body in items.values():
            body["//"] = {"metadata": {"path": "elsewhere"}}
            body["depends_on"] = []
    assert stack_of(compared(production, new)).empty


# --- the ForceNew table --------------------------------------------------------------------


def test_the_force_new_table_covers_every_resource_type_of_the_stacks(stacks: dict[str, Config]) -> None:
    used = {kind for config in stacks.values() for kind in config.get("resource", {})}
    assert used - TABLE.schemas.keys() == set()


def test_the_force_new_table_says_how_it_was_made() -> None:
    header = force_new.TABLE.read_text().split("\n\n", 1)[0]
    assert "scripts/force_new_table.py" in header
    assert re.search(r"commit [0-9a-f]{40}", header)
    assert f'provider_version = "{TABLE.provider_version}"' in header


def test_json_is_complete_and_parses(production: Config) -> None:
    kind = "google_sql_database_instance"
    name = sorted(production["resource"][kind])[0]
    new = copy.deepcopy(production)
    new["resource"][kind][name]["settings"]["tier"] = "db-custom-8-30720"
    document: dict[str, Any] = json.loads(render.as_json(compared(production, new)))
    (change,) = document["stacks"][ENV]["resources"]
    old_tier = production["resource"][kind][name]["settings"]["tier"]
    assert change == {
        "action": "update",
        "address": f"{kind}.{name}",
        "type": kind,
        "stateful": True,
        "attributes": [{"path": "settings.tier", "old": old_tier, "new": "db-custom-8-30720"}],
    }
    assert document["stacks"][ENV]["counts"] == {"update": 1}


def test_a_moved_block_of_a_whole_table_carries_every_row() -> None:
    rows = {"a": {"name": "bucket-a"}, "b": {"name": "bucket-b"}}
    table = {"for_each": rows, "name": "${each.value.name}"}
    old = {"resource": {"google_storage_bucket": {"old": table}}}
    new = {
        "resource": {"google_storage_bucket": {"new": table}},
        "moved": [{"from": "google_storage_bucket.old", "to": "google_storage_bucket.new"}],
    }
    stack = stack_of(compared(old, new))
    assert actions(stack) == {f'google_storage_bucket.new["{key}"]': Action.MOVE for key in rows}
    assert [change.moved_from for change in stack.resources] == [f'google_storage_bucket.old["{key}"]' for key in rows]


def test_changes_that_ignore_changes_covers_are_not_changes(production: Config) -> None:
    kind = "google_cloud_run_v2_service"
    name, body = sorted(production["resource"][kind].items())[0]
    ignored = body["lifecycle"]["ignore_changes"]
    image = next(path for path in ignored if path.endswith(".image"))
    new = copy.deepcopy(production)
    containers = new["resource"][kind][name]["template"]["containers"]
    containers[0]["image"] = f"{containers[0]['image']}-next"
    assert stack_of(compared(production, new)).empty, f"{image} is in ignore_changes"
    containers[0]["args"] = ["--next"]
    (change,) = stack_of(compared(production, new)).resources
    assert [a.path for a in change.attributes] == ["template.containers[0].args"]
