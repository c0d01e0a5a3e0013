"""Address stability: a stateful address never disappears without a ``moved`` block.

See docs/decisions/0005-pinned-addresses.md; the inventory is an environment's
released baseline from its first apply (docs/decisions/0012-address-baseline.md).

An inventory lists a stack's resource addresses as they were last reviewed. When
an address of a stateful type is gone from the config, OpenTofu plans to destroy
what it held, unless a ``moved`` block carries its state to the new address.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mindmirror_infra.invariants import STATEFUL_TYPES, resources_of

# Beyond data: a re-created service account gets a new unique id (every grant to
# the old one is lost), and a deleted workload identity pool keeps its id for 30 days.
STABLE_TYPES = (
    *STATEFUL_TYPES,
    # Databases' private IPs live in the VPC and its peering: replacing either
    # cuts every instance off.
    "google_compute_network",
    "google_service_networking_connection",
    "google_service_account",
    "google_iam_workload_identity_pool",
    "google_iam_workload_identity_pool_provider",
)

Config = dict[str, Any]


def addresses(config: Config) -> list[str]:
    """Every resource address of a stack, sorted: ``<type>.<name>``, and ``<type>.<name>["<key>"]``
    for each instance of a ``for_each``."""
    return sorted(address for _, address, _ in resources_of(config, lambda _: True))


def is_stateful(address: str) -> bool:
    return address.split(".", 1)[0] in STABLE_TYPES


def moves(config: Config) -> dict[str, str]:
    """``from -> to`` of the config's ``moved`` blocks."""
    return {block["from"]: block["to"] for block in config.get("moved", [])}


@dataclass(frozen=True)
class Changes:
    """How a stack's addresses differ from its inventory."""

    lost: list[str]
    """Stateful addresses gone without a ``moved`` block: OpenTofu would destroy them."""
    moved: list[str]
    """Addresses gone, carried to a present address by a ``moved`` block."""
    removed: list[str]
    """Other addresses gone (nothing that holds data)."""
    added: list[str]
    broken_moves: list[str]
    """``moved`` blocks whose ``to`` is not in the config, or whose ``from`` still is."""

    @property
    def unreviewed(self) -> bool:
        """The inventory no longer describes the stack."""
        return bool(self.moved or self.removed or self.added)


def compare(inventory: Iterable[str], config: Config) -> Changes:
    pinned, current = set(inventory), set(addresses(config))
    moved_to = moves(config)
    gone = sorted(pinned - current)
    carried = [a for a in gone if moved_to.get(a) in current]
    return Changes(
        lost=[a for a in gone if is_stateful(a) and a not in carried],
        moved=carried,
        removed=[a for a in gone if not is_stateful(a) and a not in carried],
        added=sorted(current - pinned),
        broken_moves=[
            f"moved {source} -> {target}"
            for source, target in sorted(moved_to.items())
            if target not in current or source in current
        ],
    )


def updated_inventory(inventory: Iterable[str], config: Config) -> list[str]:
    """The inventory rewritten for the config, keeping every lost stateful address.

    A lost address stays until someone deletes its line by hand, so destroying
    state is always a visible, reviewed edit.
    """
    return sorted(set(addresses(config)) | set(compare(inventory, config).lost))


def explain(env: str, changes: Changes, inventory_file: str, update_command: str) -> list[str]:
    """What is wrong and how to fix it, one line per problem."""
    lines = [
        f"{env}: {address} is gone: OpenTofu would destroy it and what it holds. If it was renamed, "
        f"add a moved block on the new resource (new.move_from_id({address!r}) in cdktn, or old.move_to(...)); "
        f"if destroying it is intended, delete its line from {inventory_file} in the same change"
        for address in changes.lost
    ]
    lines += [
        f"{env}: {move} is invalid: 'to' must exist in the stack and 'from' must not" for move in changes.broken_moves
    ]
    if changes.unreviewed:
        lines.append(
            f"{env}: the addresses changed (added {changes.added}, moved {changes.moved}, removed {changes.removed}); "
            f"if that is intended, run `{update_command}` and commit {inventory_file}"
        )
    return lines
