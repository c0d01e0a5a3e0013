"""What OpenTofu would do to go from one synthesized stack to another, read from the two configs alone.

Each resource instance (one per key of a literal ``for_each`` map) is compared
by address: created, adopted by an ``import`` block, destroyed, carried to a new
address by a ``moved`` block, updated in place, or replaced when a changed
attribute is ForceNew in the provider. IAM member rows are also read as grants:
who gets which role on what. docs/decisions/0017-plan-free-review.md
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mindmirror_infra.instances import UnreadableForEach, instances
from mindmirror_infra.invariants import API_PROTECTION, STATEFUL_TYPES, block
from mindmirror_infra.review.force_new import ForceNewTable, schema_path

if TYPE_CHECKING:
    from mindmirror_infra.review.cost_change import CostChange

Config = dict[str, Any]

# Meta-arguments and cdktn's metadata: OpenTofu plans no change to a resource for them.
META = frozenset({"//", "count", "depends_on", "for_each", "lifecycle", "provider"})
IAM_MEMBER = re.compile(r"^google_(\w+)_iam_member$")
IAM_FIELDS = frozenset({"member", "role", "condition"})
KEY = re.compile(r'\["(.*)"\]$')
REFERENCE = re.compile(r"\$\{([^}]*)\}")
SENSITIVE_VALUE = "(sensitive)"


class Action(StrEnum):
    DESTROY = "destroy"
    REPLACE = "replace"
    CREATE = "create"
    IMPORT = "import"
    MOVE = "move"
    UPDATE = "update"


class Absent:
    """The side of an attribute change where the attribute is not set."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT = Absent()


@dataclass(frozen=True)
class AttributeChange:
    path: str
    """Nested path: ``template.containers[0].image``; a block of a list named by its name, ``volumes["jwt"]``."""
    old: Any
    new: Any
    forces: str | None = None
    """The ForceNew path of the provider that makes this change a replacement."""


@dataclass(frozen=True)
class ResourceChange:
    action: Action
    address: str
    resource_type: str
    key: str | None = None
    """The ``for_each`` key of a table row."""
    attributes: tuple[AttributeChange, ...] = ()
    moved_from: str | None = None
    import_id: str | None = None
    stateful: bool = False
    will_fail: str | None = None
    """Why applying this change will fail (``prevent_destroy``, the API's deletion protection)."""
    note: str | None = None

    @property
    def destroys(self) -> bool:
        return self.action in (Action.DESTROY, Action.REPLACE)

    @property
    def alarming(self) -> bool:
        """Data is lost, or would be if nothing stopped it."""
        return self.stateful and self.destroys


@dataclass(frozen=True, order=True)
class Grant:
    member: str
    role: str
    resource: str
    condition: str = ""


@dataclass(frozen=True)
class StackChanges:
    stack: str
    resources: tuple[ResourceChange, ...]
    granted: tuple[Grant, ...]
    revoked: tuple[Grant, ...]

    def counts(self) -> dict[str, int]:
        """How many of each kind of change, the loudest first, zeros left out."""
        actions = Counter(change.action for change in self.resources)
        counted = {
            "stateful destroyed or replaced": sum(change.alarming for change in self.resources),
            "will fail to apply": sum(change.will_fail is not None for change in self.resources),
            **{str(action): actions[action] for action in Action},
            "granted": len(self.granted),
            "revoked": len(self.revoked),
        }
        return {kind: count for kind, count in counted.items() if count}

    @property
    def empty(self) -> bool:
        return not (self.resources or self.granted or self.revoked)


@dataclass(frozen=True)
class Review:
    base: str
    head: str
    stacks: tuple[StackChanges, ...]
    notes: tuple[str, ...]
    """What the reader should know about how far to trust the review."""
    costs: Mapping[str, CostChange] = field(default_factory=dict)
    """Each stack's monthly estimate before and after, where it was asked for."""


def review(base: str, old: dict[str, Config], head: str, new: dict[str, Config], table: ForceNewTable) -> Review:
    """Every stack of either side, by name; a stack on one side only is created or destroyed whole."""
    names = sorted(old.keys() | new.keys())
    pins = sorted({pin for config in new.values() if (pin := _provider_pin(config)) and pin != table.provider_version})
    notes = [
        f"replacements are read from the google provider {table.provider_version}'s schemas; the stacks pin {pin}"
        for pin in pins
    ]
    return Review(
        base, head, tuple(compare(name, old.get(name, {}), new.get(name, {}), table) for name in names), tuple(notes)
    )


# What each ``--fail-on`` gate stops.
FAIL_ON: dict[str, Callable[[ResourceChange], bool]] = {
    "destroy": lambda change: change.destroys,
    "stateful": lambda change: change.alarming,
    "replace": lambda change: change.action is Action.REPLACE,
}


def gated(result: Review, gates: Iterable[str]) -> list[str]:
    """``<gate>: <stack>: <address>`` of every change a gate stops."""
    return [
        f"{gate}: {stack.stack}: {change.address}"
        for gate in gates
        for stack in result.stacks
        for change in stack.resources
        if FAIL_ON[gate](change)
    ]


def compare(stack: str, old: Config, new: Config, table: ForceNewTable) -> StackChanges:
    before, after = _instances(old), _instances(new)
    moved = _moves(new, before, after)
    imports = {block["to"]: block["id"] for block in new.get("import", [])}
    declared = {f"{kind}.{name}" for kind, items in new.get("resource", {}).items() for name in items}
    changes: list[ResourceChange] = []
    for address in sorted(before.keys() - after.keys() - moved.keys()):
        changes.append(_destroyed(address, before[address], declared, new))
    for address in sorted(after.keys() - before.keys() - set(moved.values())):
        changes.append(_created(address, after[address], imports.get(address)))
    carried = {target: source for source, target in moved.items()}
    for address in sorted(after.keys() & before.keys() | carried.keys()):
        source = carried.get(address, address)
        change = _compared(source, address, before[source], after[address], table)
        if change is not None:
            changes.append(change)
    _note_rekeyed_rows(changes, before, after)
    old_grants, new_grants = set(_grants(before)), set(_grants(after))
    return StackChanges(
        stack,
        tuple(sorted(changes, key=_order)),
        tuple(sorted(new_grants - old_grants)),
        tuple(sorted(old_grants - new_grants)),
    )


def _instances(config: Config) -> dict[str, tuple[str, dict[str, Any]]]:
    """``address -> (type, body)`` of every resource instance; a ``for_each`` row per key."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for kind, items in config.get("resource", {}).items():
        for name, body in items.items():
            try:
                found.update((address, (kind, instance)) for address, instance in instances(kind, name, body))
            except UnreadableForEach:
                found[f"{kind}.{name}"] = (kind, body)
    return found


def _moves(new: Config, before: dict[str, Any], after: dict[str, Any]) -> dict[str, str]:
    """``old address -> new address`` of the ``moved`` blocks that carry an instance of the old config.

    A block moving a whole resource (no key) carries each of its instances.
    """
    rows: dict[str, list[str]] = {}
    for address in before:
        rows.setdefault(address.split("[", 1)[0], []).append(address)
    carried: dict[str, str] = {}
    for moved in new.get("moved", []):
        source, target = moved["from"], moved["to"]
        sources = [source] if source in before else rows.get(source, []) if "[" not in source else []
        for address in sources:
            destination = target + address[len(source) :]
            if destination in after and destination not in before and address not in after:
                carried[address] = destination
    return carried


def _key(address: str) -> str | None:
    found = KEY.search(address)
    return found.group(1) if found else None


def _stateful(kind: str) -> bool:
    return kind in STATEFUL_TYPES


def _prevents_destroy(body: dict[str, Any]) -> bool:
    return block(body, "lifecycle", "prevent_destroy") is True


def _destroyed(address: str, old: tuple[str, dict[str, Any]], declared: set[str], new: Config) -> ResourceChange:
    kind, body = old
    resource = address.split("[", 1)[0]
    will_fail = None
    if resource in declared:
        # A row gone from a table whose resource block is still there: OpenTofu
        # checks that block's prevent_destroy and refuses the plan.
        kind_name = resource.split(".", 1)
        if _prevents_destroy(new["resource"][kind_name[0]][kind_name[1]]):
            will_fail = "prevent_destroy on its resource refuses to destroy a row"
    elif _stateful(kind):
        # A resource block removed whole takes its prevent_destroy with it; only the
        # API's own protection, as last applied, can still refuse the delete.
        protections = [
            f"{'.'.join(path)} = {json.dumps(value)}"
            for path, value in API_PROTECTION.get(kind, ())
            if block(body, *path) == value
        ]
        if protections:
            will_fail = f"the delete is refused: {', '.join(protections)} (as last applied)"
    note = None
    if body.get("deletion_policy") == "ABANDON":
        note = "deletion_policy ABANDON: OpenTofu forgets it, the data stays in GCP"
    elif _stateful(kind) and resource not in declared and _prevents_destroy(body):
        note = "its resource block is gone, so prevent_destroy no longer applies"
    return ResourceChange(
        Action.DESTROY, address, kind, _key(address), stateful=_stateful(kind), will_fail=will_fail, note=note
    )


def _created(address: str, new: tuple[str, dict[str, Any]], import_id: str | None) -> ResourceChange:
    kind, _ = new
    action = Action.CREATE if import_id is None else Action.IMPORT
    return ResourceChange(action, address, kind, _key(address), import_id=import_id, stateful=_stateful(kind))


def _compared(
    source: str, address: str, old: tuple[str, dict[str, Any]], new: tuple[str, dict[str, Any]], table: ForceNewTable
) -> ResourceChange | None:
    kind, old_body = old
    _, new_body = new
    ignored = _ignored(new_body)
    attributes = tuple(a for a in _attribute_changes(kind, old_body, new_body, table) if not ignored(a.path))
    moved_from = source if source != address else None
    if not attributes and moved_from is None:
        return None
    replaced = any(change.forces for change in attributes)
    if replaced:
        action = Action.REPLACE
    elif moved_from is not None:
        action = Action.MOVE
    else:
        action = Action.UPDATE
    will_fail = "prevent_destroy refuses the replacement" if replaced and _prevents_destroy(new_body) else None
    return ResourceChange(
        action,
        address,
        kind,
        _key(address),
        attributes,
        moved_from=moved_from,
        stateful=_stateful(kind),
        will_fail=will_fail,
    )


def _ignored(body: dict[str, Any]) -> Callable[[str], bool]:
    """Whether the resource's ``lifecycle.ignore_changes`` covers a path: OpenTofu plans no change for it."""
    ignore = block(body, "lifecycle", "ignore_changes")
    if ignore == "all":
        return lambda _: True
    prefixes = tuple(schema_path(path) for path in ignore or ())
    return lambda path: any(
        schema_path(path) == prefix or schema_path(path).startswith(f"{prefix}.") for prefix in prefixes
    )


def _attribute_changes(
    kind: str, old: dict[str, Any], new: dict[str, Any], table: ForceNewTable
) -> Iterator[AttributeChange]:
    for name in sorted((old.keys() | new.keys()) - META):
        for path, before, after in _differences(name, old.get(name, ABSENT), new.get(name, ABSENT)):
            forces = table.forcing_path(kind, path, removed=after is ABSENT)
            if table.is_sensitive(kind, path):
                yield AttributeChange(path, _hidden(before), _hidden(after), forces)
            else:
                yield AttributeChange(path, before, after, forces)


def _hidden(value: Any) -> Any:
    return value if value is ABSENT else SENSITIVE_VALUE


def _differences(path: str, old: Any, new: Any) -> Iterator[tuple[str, Any, Any]]:
    """``(path, old, new)`` of every leaf that differs: dicts by key, lists of named blocks
    (volumes, env, containers) by name, other lists by position."""
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys()):
            yield from _differences(f"{path}.{key}", old.get(key, ABSENT), new.get(key, ABSENT))
    elif isinstance(old, list) and isinstance(new, list):
        before, after = _by_name(old), _by_name(new)
        if before is not None and after is not None:
            for name in sorted(before.keys() | after.keys()):
                yield from _differences(f'{path}["{name}"]', before.get(name, ABSENT), after.get(name, ABSENT))
            return
        for index in range(max(len(old), len(new))):
            yield from _differences(
                f"{path}[{index}]",
                old[index] if index < len(old) else ABSENT,
                new[index] if index < len(new) else ABSENT,
            )
    else:
        yield path, old, new


def _by_name(items: list[Any]) -> dict[str, Any] | None:
    """A list of blocks keyed by their ``name``, or None unless every item is a block with a name of its own."""
    named = {item["name"]: item for item in items if isinstance(item, dict) and isinstance(item.get("name"), str)}
    return named if len(named) == len(items) else None


def _note_rekeyed_rows(changes: list[ResourceChange], before: dict[str, Any], after: dict[str, Any]) -> None:
    """Marks a created row whose body is a destroyed row's under another key: a rename, still a destroy and a create."""
    destroyed = {
        (change.address.split("[", 1)[0], repr(before[change.address][1])): change
        for change in changes
        if change.action is Action.DESTROY and change.key is not None
    }
    for index, change in enumerate(changes):
        if change.action is Action.CREATE and change.key is not None:
            twin = destroyed.get((change.address.split("[", 1)[0], repr(after[change.address][1])))
            if twin is not None:
                note = (
                    f'key "{twin.key}" renamed to "{change.key}": destroyed and created; a moved block would carry it'
                )
                changes[index] = ResourceChange(**{**change.__dict__, "note": note})


def _plain(value: Any) -> str:
    """A reference written as the address it reads, ``${a.b.c}`` -> ``a.b.c``."""
    return REFERENCE.sub(r"\1", str(value))


def _grants(resources: dict[str, tuple[str, dict[str, Any]]]) -> Iterator[Grant]:
    for kind, body in resources.values():
        found = IAM_MEMBER.match(kind)
        if found is None or "member" not in body:
            continue
        fields = body.keys() - IAM_FIELDS - META
        # The project says where, not what, unless it is the resource granted on.
        target = ", ".join(_plain(body[name]) for name in sorted(fields - {"project"} or fields))
        condition = block(body, "condition", "title") or ""
        yield Grant(_plain(body["member"]), _plain(body["role"]), f"{found.group(1)} {target}", _plain(condition))


def _provider_pin(config: Config) -> str | None:
    pin = block(config, "terraform", "required_providers", "google", "version")
    return pin if isinstance(pin, str) else None


ORDER = {action: n for n, action in enumerate(Action)}


def _order(change: ResourceChange) -> tuple[bool, bool, int, str]:
    return (not change.alarming, change.will_fail is None, ORDER[change.action], change.address)
