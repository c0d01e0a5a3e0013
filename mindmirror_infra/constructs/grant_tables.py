"""Grant tables: every IAM grant of one kind in a stack, as one resource with an instance per grant.

A stack grants hundreds of near-identical bindings (each account's project
roles, each secret's readers, the deployer on each workload). As one
resource each, they made the config long to read and cost two round trips to
the jsii runtime per binding; as a table they are one map per kind, keyed by
what and who (``google_secret_manager_secret_iam_member.grants["jwt-secret/agent-service"]``),
and a change of access is one row of it.

Grant helpers (``Secret.grant_read``, ``ServiceAccount.grant_project_role``,
...) add the rows as workloads are wired; the map is written when the stack
is synthesized. The tables of a stack are a construct of it, found through the
construct tree (``GrantTables.of``).

No grant was ever applied as a resource of its own, so the tables carry no
``moved`` blocks: docs/decisions/0012-address-baseline.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cdktn import TerraformIterator, TerraformResource, TerraformStack, Token
from constructs import Construct

from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.constructs.lazy import at_synthesis


def each_value(field_name: str) -> str:
    """The value of ``field_name`` in the row of the instance: ``${each.value.<field>}``."""
    return f"${{each.value.{field_name}}}"


def columns(*field_names: str) -> dict[str, str]:
    """Attributes of the same names as row fields."""
    return {name: each_value(name) for name in field_names}


@dataclass(frozen=True)
class TableKind:
    """What one table holds.

    Attributes:
        member_type: the IAM member resource class.
        resource_type: its OpenTofu type.
        fields: what each row holds.
        attributes: the resource's attributes, the same for every row or read
            from the row with ``each_value``. Default: one attribute per field,
            of the same name (``columns(*fields)``).
        name: the table's resource name. Default ``grants``.
    """

    member_type: Callable[..., TerraformResource]
    resource_type: str
    fields: tuple[str, ...]
    attributes: Mapping[str, Any] = field(default_factory=dict)
    name: str = "grants"

    def resource_attributes(self) -> Mapping[str, Any]:
        return self.attributes or columns(*self.fields)


def row_key(*parts: str) -> str:
    """The key of a row: its parts, ``/`` between them (``jwt-secret/agent-service``)."""
    return "/".join(parts)


class GrantTable:
    """The grants of one kind in one stack, addressed ``<type>.<name>["<key>"]``."""

    def __init__(self, stack: TerraformStack, kind: TableKind) -> None:
        self.kind = kind
        self._rows: dict[str, dict[str, str]] = {}
        rows = TerraformIterator.from_map(Token.as_any_map(at_synthesis(self._sorted_rows)))
        self.resource = pin(
            kind.member_type(stack, f"{kind.resource_type}-{kind.name}", for_each=rows, **kind.resource_attributes()),
            kind.name,
        )

    def grant(self, key: str, row: Mapping[str, str]) -> TerraformResource:
        """Adds ``row`` under ``key`` and returns the table's resource; granting the same again changes nothing.

        A different row under a key already granted is refused: one of the two
        grants would be lost.
        """
        kind = self.kind
        if sorted(row) != sorted(kind.fields):
            raise ValueError(f"a {kind.resource_type} row has {sorted(kind.fields)}, not {sorted(row)}")
        granted = self._rows.get(key)
        if granted is None:
            self._rows[key] = dict(row)
        elif granted != dict(row):
            raise ValueError(f"{kind.resource_type}.{kind.name}[{key!r}] is granted already, differently")
        return self.resource

    def _sorted_rows(self) -> dict[str, dict[str, str]]:
        return dict(sorted(self._rows.items()))


class GrantTables(Construct):
    """The grant tables of one stack, each made with its first grant: a child of the stack, ``grant-tables``."""

    CONSTRUCT_ID = "grant-tables"

    def __init__(self, stack: TerraformStack) -> None:
        super().__init__(stack, self.CONSTRUCT_ID)
        self._stack = stack
        self._tables: dict[tuple[str, str], GrantTable] = {}

    @classmethod
    def of(cls, scope: Construct) -> GrantTables:
        """The tables of the stack that holds ``scope``, made on first use."""
        stack = scope if isinstance(scope, TerraformStack) else TerraformStack.of(scope)
        found = stack.node.try_find_child(cls.CONSTRUCT_ID)
        if found is None:
            return cls(stack)
        if not isinstance(found, GrantTables):
            raise TypeError(f"{stack.node.path}/{cls.CONSTRUCT_ID} is a {type(found).__name__}, not the grant tables")
        return found

    def grant(self, kind: TableKind, key: str, row: Mapping[str, str]) -> Any:
        """Adds a row to the table of ``kind``; returns the table's resource (see ``GrantTable.grant``)."""
        table = self._tables.get((kind.resource_type, kind.name))
        if table is None:
            table = self._tables[(kind.resource_type, kind.name)] = GrantTable(self._stack, kind)
        return table.grant(key, row)
