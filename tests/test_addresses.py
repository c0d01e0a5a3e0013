"""Resource addresses are pinned: a stateful address never vanishes without a moved block.

See docs/decisions/0005-pinned-addresses.md.

tests/inventory/<env>.txt lists every address of the stack as last reviewed.
After an intended change, rewrite it with ``UPDATE_INVENTORY=1 make unit`` and
commit it; a lost stateful address stays listed until its line is deleted by hand.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import cdktn
import pytest
from cdktn_provider_google.provider import GoogleProvider
from cdktn_provider_google.storage_bucket import StorageBucket

from mindmirror_infra.address_stability import addresses, compare, explain, updated_inventory
from tests.synth import Config

INVENTORY = Path(__file__).parent / "inventory"
UPDATE = "UPDATE_INVENTORY=1 make unit"


@pytest.mark.parametrize("env", ["production", "staging"])
def test_addresses_match_the_committed_inventory(stacks: dict[str, Config], env: str) -> None:
    inventory = INVENTORY / f"{env}.txt"
    pinned = inventory.read_text().split()
    if os.environ.get("UPDATE_INVENTORY") == "1":
        inventory.write_text("".join(f"{a}\n" for a in updated_inventory(pinned, stacks[env])))
        pinned = inventory.read_text().split()
    changes = compare(pinned, stacks[env])
    problems = explain(env, changes, f"tests/inventory/{env}.txt", UPDATE)
    assert not problems, "\n".join(problems)


def test_no_address_comes_from_python_nesting(stacks: dict[str, Config]) -> None:
    # cdktn's generated names end in an 8-character upper-case hash.
    for config in stacks.values():
        for address in addresses(config):
            name = address.split(".", 1)[1]
            assert not (len(name) > 9 and name[-9] == "_" and name[-8:].isupper()), address


# --- the rule, on synthetic before and after ------------------------------------

BEFORE = [
    "google_compute_firewall.deny_all_ingress",
    "google_sql_database_instance.main_db",
    "google_storage_bucket.documents",
]


def config(*present: str, moved: tuple[tuple[str, str], ...] = ()) -> Config:
    resource: dict[str, dict[str, object]] = {}
    for address in present:
        kind, name = address.split(".")
        resource.setdefault(kind, {})[name] = {}
    result: Config = {"resource": resource}
    if moved:
        result["moved"] = [{"from": source, "to": target} for source, target in moved]
    return result


def test_unchanged_addresses_pass() -> None:
    changes = compare(BEFORE, config(*BEFORE))
    assert explain("production", changes, "inv.txt", UPDATE) == []


def test_a_renamed_database_without_a_moved_block_is_lost() -> None:
    after = config(
        "google_compute_firewall.deny_all_ingress",
        "google_sql_database_instance.main",
        "google_storage_bucket.documents",
    )
    changes = compare(BEFORE, after)
    assert changes.lost == ["google_sql_database_instance.main_db"]
    assert changes.added == ["google_sql_database_instance.main"]
    first = explain("production", changes, "inv.txt", UPDATE)[0]
    assert first.startswith("production: google_sql_database_instance.main_db is gone: OpenTofu would destroy it")
    assert "move_from_id('google_sql_database_instance.main_db')" in first
    assert "delete its line from inv.txt" in first


def test_a_moved_block_carries_the_address() -> None:
    after = config(
        "google_compute_firewall.deny_all_ingress",
        "google_sql_database_instance.main",
        "google_storage_bucket.documents",
        moved=(("google_sql_database_instance.main_db", "google_sql_database_instance.main"),),
    )
    changes = compare(BEFORE, after)
    assert changes.lost == []
    assert changes.moved == ["google_sql_database_instance.main_db"]
    assert changes.broken_moves == []
    # Still a change to review: the inventory is rewritten to the new address.
    assert updated_inventory(BEFORE, after) == sorted([*BEFORE[:1], "google_sql_database_instance.main", BEFORE[2]])


def test_a_moved_block_to_nowhere_does_not_count() -> None:
    after = config(
        "google_compute_firewall.deny_all_ingress",
        "google_storage_bucket.documents",
        moved=(("google_sql_database_instance.main_db", "google_sql_database_instance.main"),),
    )
    changes = compare(BEFORE, after)
    assert changes.lost == ["google_sql_database_instance.main_db"]
    assert changes.broken_moves == ["moved google_sql_database_instance.main_db -> google_sql_database_instance.main"]


def test_a_removed_stateless_resource_only_needs_the_inventory_updated() -> None:
    after = config(*BEFORE[1:], "google_compute_firewall.allow_health_checks")
    changes = compare(BEFORE, after)
    assert changes.lost == []
    assert changes.removed == ["google_compute_firewall.deny_all_ingress"]
    (problem,) = explain("staging", changes, "inv.txt", UPDATE)
    assert "added ['google_compute_firewall.allow_health_checks']" in problem
    assert f"run `{UPDATE}` and commit inv.txt" in problem


def test_updating_the_inventory_keeps_a_lost_stateful_address() -> None:
    after = config("google_compute_firewall.deny_all_ingress")
    assert updated_inventory(BEFORE, after) == BEFORE
    assert compare(updated_inventory(BEFORE, after), after).lost == BEFORE[1:]


def test_cdktn_writes_moved_blocks_in_the_shape_the_rule_reads() -> None:
    app = cdktn.Testing.app()
    stack = cdktn.TerraformStack(app, "moves")
    GoogleProvider(stack, "google", project="p")
    bucket = StorageBucket(stack, "bucket", name="docs", location="US")
    bucket.override_logical_id("documents")
    bucket.move_from_id("google_storage_bucket.old_documents")
    synthesized = json.loads(cdktn.Testing.synth(stack))
    assert synthesized["moved"] == [
        {"from": "google_storage_bucket.old_documents", "to": "google_storage_bucket.documents"}
    ]
    assert compare(["google_storage_bucket.old_documents"], synthesized).moved == [
        "google_storage_bucket.old_documents"
    ]
