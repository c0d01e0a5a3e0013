"""The instances of a synthesized resource: one, or one per key of a literal ``for_each`` map.

Checks read every instance as OpenTofu will create it, ``each.key`` and
``each.value`` filled in, so a grant in a table is checked like any other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

EACH = re.compile(r"\$\{each\.(key|value)((?:\.[A-Za-z_][A-Za-z0-9_]*)?)\}")
# Any other use of ``each`` inside an expression, left over once those are filled in.
ANY_EACH = re.compile(r"\$\{[^}]*\beach\.")


class UnreadableForEach(ValueError):
    """A ``for_each`` whose instances cannot be read: not a literal map, or an ``each`` reference no row answers."""


def instance_address(resource_type: str, name: str, key: str | None) -> str:
    """``<type>.<name>``, or ``<type>.<name>["<key>"]`` for one instance of a ``for_each``."""
    return f"{resource_type}.{name}" if key is None else f'{resource_type}.{name}["{key}"]'


def instances(resource_type: str, name: str, body: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(address, body)`` of each instance, with ``each.key`` and ``each.value`` filled in.

    Raises ``UnreadableForEach`` when ``for_each`` is not a literal map, or an
    ``each`` reference is not one an instance can answer (a field its row lacks,
    or a form other than ``each.key``, ``each.value`` and ``each.value.<field>``).
    """
    for_each = body.get("for_each")
    if for_each is None:
        yield instance_address(resource_type, name, None), body
        return
    if not isinstance(for_each, dict):
        raise UnreadableForEach(f"for_each {for_each!r} is not a literal map")
    rest = {k: v for k, v in body.items() if k != "for_each"}
    for key, value in for_each.items():
        try:
            yield instance_address(resource_type, name, key), _filled(rest, key, value)
        except LookupError as missing:
            raise UnreadableForEach(f"row {key!r}: {missing.args[0]}") from None


def _filled(value: Any, key: str, each_value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _filled(v, key, each_value) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, key, each_value) for v in value]
    if not isinstance(value, str):
        return value
    whole = EACH.fullmatch(value)
    filled = _each(whole, key, each_value) if whole else EACH.sub(lambda m: str(_each(m, key, each_value)), value)
    if isinstance(filled, str) and ANY_EACH.search(filled):
        raise LookupError(f"{value!r} is not each.key, each.value or each.value.<field>")
    return filled


def _each(match: re.Match[str], key: str, each_value: Any) -> Any:
    if match.group(1) == "key":
        return key
    attribute = match.group(2).removeprefix(".")
    if not attribute:
        return each_value
    if not isinstance(each_value, dict) or attribute not in each_value:
        raise LookupError(f"{match.group(0)} is not in the row")
    return each_value[attribute]
