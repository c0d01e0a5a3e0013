"""Resource addresses are pinned (DESIGN D5): a change to them is a reviewed change.

The inventory in tests/inventory/<env>.txt lists every address of the stack.
After a deliberate change, rewrite it with ``UPDATE_INVENTORY=1 make unit``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.synth import Config, addresses

INVENTORY = Path(__file__).parent / "inventory"


@pytest.mark.parametrize("env", ["production", "staging"])
def test_addresses_match_the_committed_inventory(stacks: dict[str, Config], env: str) -> None:
    inventory = INVENTORY / f"{env}.txt"
    current = addresses(stacks[env])
    if os.environ.get("UPDATE_INVENTORY") == "1":
        inventory.write_text("".join(f"{a}\n" for a in current))
    pinned = inventory.read_text().split()
    added = sorted(set(current) - set(pinned))
    removed = sorted(set(pinned) - set(current))
    fix = "If the change is intended, run `UPDATE_INVENTORY=1 make unit` and commit tests/inventory/."
    assert not removed, f"{env}: addresses removed {removed}; a stateful one is destroyed: add a moved block. {fix}"
    assert not added, f"{env}: addresses added {added}. {fix}"


def test_no_address_comes_from_python_nesting(stacks: dict[str, Config]) -> None:
    # cdktn's generated names end in an 8-character upper-case hash.
    for config in stacks.values():
        for address in addresses(config):
            name = address.split(".", 1)[1]
            assert not (len(name) > 9 and name[-9] == "_" and name[-8:].isupper()), address
