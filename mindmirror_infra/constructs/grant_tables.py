"""Grant tables: every IAM grant of one kind in a stack, as one resource with an instance per grant.

A stack grants hundreds of near-identical bindings (each account's project
roles, each secret's readers, the deployer on each workload). As one
resource each, they made the config long to read and cost two round trips to
the jsii runtime per binding; as a table they are one map per kind, keyed by
what and who (``google_secret_manager_secret_iam_member.grants["jwt-secret/agent-service"]``),
and a change of access is one row of it.

Grant helpers (``Secret.grant_read``, ``ServiceAccount.grant_project_role``,
...) add the rows as workloads are wired; the map is written when the stack
is synthesized. Each row also carries a ``moved`` block from the address the
grant had as a resource of its own, so a stack applied before keeps every
binding in place (an IAM member destroyed after its replacement is created
would remove the binding both manage).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from weakref import WeakKeyDictionary

from cdktn import TerraformElement, TerraformIterator, TerraformResource, TerraformStack, Token
from constructs import Construct

from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.constructs.lazy import at_synthesis
from mindmirror_infra.instances import instance_address


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

    def __init__(self, stack: TerraformStack, kind: TableKind, moves: dict[str, str]) -> None:
        self.kind = kind
        self._rows: dict[str, dict[str, str]] = {}
        self._moves = moves
        rows = TerraformIterator.from_map(Token.as_any_map(at_synthesis(self._sorted_rows)))
        self.resource = pin(
            kind.member_type(stack, f"{kind.resource_type}-{kind.name}", for_each=rows, **kind.resource_attributes()),
            kind.name,
        )

    def grant(self, key: str, row: Mapping[str, str], was: str) -> TerraformResource:
        """Adds ``row`` under ``key`` and returns the table's resource; granting the same again changes nothing.

        ``was`` is the name the grant had as a resource of its own. A different
        row, or a different old name, under a key already granted is refused:
        one of the two grants would be lost; so is an old name another grant had.
        """
        kind = self.kind
        if sorted(row) != sorted(kind.fields):
            raise ValueError(f"a {kind.resource_type} row has {sorted(kind.fields)}, not {sorted(row)}")
        source, target = f"{kind.resource_type}.{was}", instance_address(kind.resource_type, kind.name, key)
        granted = self._rows.get(key)
        if granted is None and self._moves.get(source, target) != target:
            raise ValueError(f"{source} was another grant, moved to {self._moves[source]}")
        if granted is None:
            self._rows[key] = dict(row)
            self._moves[source] = target
        elif granted != dict(row) or self._moves.get(source) != target:
            raise ValueError(f"{kind.resource_type}.{kind.name}[{key!r}] is granted already, differently")
        return self.resource

    def _sorted_rows(self) -> dict[str, dict[str, str]]:
        return dict(sorted(self._rows.items()))


class GrantTables:
    """The grant tables of one stack, each made with its first grant, and their ``moved`` blocks."""

    _of_stack: ClassVar[WeakKeyDictionary[TerraformStack, GrantTables]] = WeakKeyDictionary()

    def __init__(self, stack: TerraformStack) -> None:
        self._stack = stack
        self._tables: dict[tuple[str, str], GrantTable] = {}
        self._moves: dict[str, str] = {}

    @classmethod
    def of(cls, scope: Construct) -> GrantTables:
        """The tables of the stack that holds ``scope``."""
        stack = scope if isinstance(scope, TerraformStack) else TerraformStack.of(scope)
        tables = cls._of_stack.get(stack)
        if tables is None:
            tables = cls._of_stack[stack] = GrantTables(stack)
        return tables

    def grant(self, kind: TableKind, key: str, row: Mapping[str, str], was: str) -> Any:
        """Adds a row to the table of ``kind``; returns the table's resource (see ``GrantTable.grant``)."""
        if not self._tables:
            # With the first table, so a stack without grants has no moved list.
            MovedBlocks(self._stack, "grant-table-moves", self._moves)
        table = self._tables.get((kind.resource_type, kind.name))
        if table is None:
            table = self._tables[(kind.resource_type, kind.name)] = GrantTable(self._stack, kind, self._moves)
        return table.grant(key, row, was)


class MovedBlocks(TerraformElement):
    """``moved`` blocks, ``from -> to``, written when the stack is synthesized.

    cdktn merges them with the ``moved`` blocks it writes itself (``move_from_id``),
    which an override of the stack's ``moved`` list would replace.
    """

    def __init__(self, scope: Construct, construct_id: str, moves: Mapping[str, str]) -> None:
        super().__init__(scope, construct_id)
        self._moves = moves

    def to_terraform(self) -> Any:
        return {"moved": [{"from": source, "to": target} for source, target in sorted(self._moves.items())]}
