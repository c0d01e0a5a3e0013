"""A review written for a terminal (text), a GitHub job summary or pull request comment (markdown), or a machine (json).

Every format puts, per stack, stateful resources destroyed or replaced first,
then changes that will fail to apply, then the rest by kind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from mindmirror_infra.review.changes import ABSENT, AttributeChange, Grant, ResourceChange, Review, StackChanges

VALUE_WIDTH = 120
IAM_HEADER = ("", "member", "role", "resource")


def _value(value: Any) -> str:
    shown = "(absent)" if value is ABSENT else json.dumps(value, sort_keys=True)
    return shown if len(shown) <= VALUE_WIDTH else f"{shown[: VALUE_WIDTH - 3]}..."


def _headline(change: ResourceChange) -> str:
    parts = [change.address]
    if change.moved_from:
        parts.append(f"(moved from {change.moved_from})")
    if change.import_id:
        parts.append(f"(adopts id {change.import_id})")
    forced = sorted({a.forces for a in change.attributes if a.forces})
    if forced:
        parts.append(f"(forced by {', '.join(forced)})")
    return " ".join(parts)


def _attribute(change: AttributeChange) -> str:
    forces = "  # forces replacement" if change.forces else ""
    return f"{change.path}: {_value(change.old)} -> {_value(change.new)}{forces}"


def _summary(stack: StackChanges) -> str:
    counts = stack.counts()
    return ", ".join(f"{count} {kind}" for kind, count in counts.items()) if counts else "no changes"


def _usd(amount: float) -> str:
    return f"${amount:,.2f}"


def _cost(review: Review, stack: StackChanges) -> str | None:
    """``$before -> $after (+$delta)`` a month, where the review was given costs."""
    change = review.costs.get(stack.stack)
    if change is None:
        return None
    if change.before_usd is None or change.after_usd is None or change.delta_usd is None:
        return f"unknown: {change.unknown}"
    sign = "+" if change.delta_usd >= 0 else "-"
    return f"{_usd(change.before_usd)} -> {_usd(change.after_usd)} ({sign}{_usd(abs(change.delta_usd))})"


def _grant_row(grant: Grant) -> tuple[str, str, str]:
    condition = f" (if {grant.condition})" if grant.condition else ""
    return grant.member, grant.role, f"{grant.resource}{condition}"


# --- text --------------------------------------------------------------------------


def text(review: Review) -> str:
    lines = [f"mminfra diff {review.base} -> {review.head}"]
    lines += [f"note: {note}" for note in review.notes]
    for stack in review.stacks:
        lines += ["", f"{stack.stack}: {_summary(stack)}"]
        cost = _cost(review, stack)
        lines += [f"  monthly cost: {cost}"] if cost else []
        for change in stack.resources:
            loud = "!! STATEFUL " if change.alarming else ""
            lines.append(f"  {loud}{change.action:<8} {_headline(change)}")
            if change.will_fail:
                lines.append(f"      !! will fail to apply: {change.will_fail}")
            if change.note:
                lines.append(f"      note: {change.note}")
            lines += [f"      ~ {_attribute(a)}" for a in change.attributes]
        rows = [("granted", *_grant_row(g)) for g in stack.granted] + [
            ("revoked", *_grant_row(g)) for g in stack.revoked
        ]
        if rows:
            lines.append("  IAM:")
            widths = [max(len(row[n]) for row in [*rows, IAM_HEADER]) for n in range(3)]
            for row in [IAM_HEADER, *rows]:
                lines.append(
                    "    "
                    + "  ".join(cell.ljust(width) for cell, width in zip(row, [*widths, 0], strict=True)).rstrip()
                )
    return "\n".join(lines) + "\n"


# --- markdown ----------------------------------------------------------------------


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _code(value: str) -> str:
    return f"`{_cell(value)}`"


def _markdown_attribute(change: AttributeChange) -> str:
    forces = " **forces replacement**" if change.forces else ""
    return f"{_code(change.path)}: {_code(_value(change.old))} → {_code(_value(change.new))}{forces}"


def _markdown_stack(review: Review, stack: StackChanges) -> Iterator[str]:
    yield f"### {stack.stack}: {_summary(stack)}"
    yield ""
    cost = _cost(review, stack)
    if cost:
        yield f"Monthly cost: **{cost.replace('->', '→')}**"
        yield ""
    alarms = [c for c in stack.resources if c.alarming]
    failing = [c for c in stack.resources if c.will_fail]
    if alarms:
        yield "> [!CAUTION]"
        yield "> **Stateful resources destroyed or replaced:** " + ", ".join(_code(c.address) for c in alarms)
        yield ""
    if failing:
        yield "> [!WARNING]"
        yield "> **Will fail to apply:** " + "; ".join(f"{_code(c.address)}: {c.will_fail}" for c in failing)
        yield ""
    if stack.resources:
        yield "| change | address | details |"
        yield "|---|---|---|"
        for change in stack.resources:
            verb = f"**{change.action}**" if change.destroys else change.action
            details = [_markdown_attribute(a) for a in change.attributes]
            details += [_cell(text) for text in (change.note, change.will_fail) if text]
            details += [f"from {_code(change.moved_from)}"] if change.moved_from else []
            details += [f"id {_code(change.import_id)}"] if change.import_id else []
            yield f"| {verb} | {_code(change.address)} | {'<br>'.join(details)} |"
        yield ""
    if stack.granted or stack.revoked:
        yield "| IAM | member | role | resource |"
        yield "|---|---|---|---|"
        for verb, grants in (("granted", stack.granted), ("**revoked**", stack.revoked)):
            for grant in grants:
                yield f"| {verb} | " + " | ".join(_code(part) for part in _grant_row(grant)) + " |"
        yield ""


def markdown(review: Review) -> str:
    lines = [f"## Infrastructure changes: `{review.base}` → `{review.head}`", ""]
    lines += [line for note in review.notes for line in (f"> {note}", "")]
    for stack in review.stacks:
        lines += list(_markdown_stack(review, stack))
    return "\n".join(lines).rstrip("\n") + "\n"


# --- json --------------------------------------------------------------------------


def _attribute_json(change: AttributeChange) -> dict[str, Any]:
    found: dict[str, Any] = {"path": change.path}
    found.update({side: value for side, value in (("old", change.old), ("new", change.new)) if value is not ABSENT})
    if change.forces:
        found["forces_replacement"] = change.forces
    return found


def _resource_json(change: ResourceChange) -> dict[str, Any]:
    found: dict[str, Any] = {"action": str(change.action), "address": change.address, "type": change.resource_type}
    optional = {
        "key": change.key,
        "moved_from": change.moved_from,
        "import_id": change.import_id,
        "will_fail": change.will_fail,
        "note": change.note,
    }
    found.update({name: value for name, value in optional.items() if value is not None})
    found["stateful"] = change.stateful
    if change.attributes:
        found["attributes"] = [_attribute_json(a) for a in change.attributes]
    return found


def _grant_json(grant: Grant) -> dict[str, str]:
    return {"member": grant.member, "role": grant.role, "resource": grant.resource, "condition": grant.condition}


def _cost_json(review: Review, stack: StackChanges) -> dict[str, Any]:
    change = review.costs.get(stack.stack)
    if change is None:
        return {}
    found = {"before_usd": change.before_usd, "after_usd": change.after_usd, "delta_usd": change.delta_usd}
    rounded: dict[str, Any] = {key: None if value is None else round(value, 2) for key, value in found.items()}
    return {"monthly_cost": {**rounded, **({"unknown": change.unknown} if change.unknown else {})}}


def as_json(review: Review) -> str:
    document = {
        "base": review.base,
        "head": review.head,
        "notes": list(review.notes),
        "stacks": {
            stack.stack: {
                "counts": stack.counts(),
                **_cost_json(review, stack),
                "resources": [_resource_json(c) for c in stack.resources],
                "iam": {
                    "granted": [_grant_json(g) for g in stack.granted],
                    "revoked": [_grant_json(g) for g in stack.revoked],
                },
            }
            for stack in review.stacks
        },
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


FORMATS: dict[str, Callable[[Review], str]] = {"text": text, "markdown": markdown, "json": as_json}
