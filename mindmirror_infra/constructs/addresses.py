"""Resource addresses that come from names, never from Python nesting (docs/decisions/0005-pinned-addresses.md).

OpenTofu keys state on ``<type>.<name>``. cdktn derives the name from the
construct path plus a hash, so moving a construct in Python would move state.
Every construct therefore pins the name of each resource it creates.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    # Only for the type: the bootstrap scripts build names here without loading cdktn.
    from cdktn import TerraformResource

R = TypeVar("R", bound="TerraformResource")


def address_name(*parts: str) -> str:
    """``("main-db", "agent")`` -> ``main_db_agent``: a readable OpenTofu name.

    It folds ``-`` and ``.`` into ``_``, so names that differ only there give one
    address: the catalog refuses them, and names whose address would start with
    a digit (``mindmirror_infra/catalog/addresses.py``).
    """
    joined = "_".join(parts)
    return re.sub(r"[^a-zA-Z0-9_]", "_", joined)


def pin(resource: R, *parts: str) -> R:
    """Fixes the resource's address to the name built from ``parts`` and returns it."""
    resource.override_logical_id(address_name(*parts))
    return resource
