"""The instances of a synthesized resource: one, or one per key of a literal ``for_each`` map.

Checks read every instance as OpenTofu will create it, ``each.key`` and
``each.value`` filled in, so a grant in a table is checked like any other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

EACH = re.compile(r"\$\{each\.(key|value)((?:\.[A-Za-z_][A-Za-z0-9_]*)?)\}")


class UnreadableForEach(ValueError):
    """A ``for_each`` that is not a literal map: no check could see its instances."""


def instance_address(resource_type: str, name: str, key: str | None) -> str:
    """``<type>.<name>``, or ``<type>.<name>["<key>"]`` for one instance of a ``for_each``."""
    return f"{resource_type}.{name}" if key is None else f'{resource_type}.{name}["{key}"]'


def instances(resource_type: str, name: str, body: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(address, body)`` of each instance, with ``each.key`` and ``each.value`` filled in."""
    for_each = body.get("for_each")
    if for_each is None:
        yield instance_address(resource_type, name, None), body
        return
    if not isinstance(for_each, dict):
        raise UnreadableForEach(f"{resource_type}.{name}: for_each {for_each!r} is not a literal map")
    rest = {k: v for k, v in body.items() if k != "for_each"}
    for key, value in for_each.items():
        yield instance_address(resource_type, name, key), _filled(rest, key, value)


def _filled(value: Any, key: str, each_value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _filled(v, key, each_value) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, key, each_value) for v in value]
    if not isinstance(value, str):
        return value
    whole = EACH.fullmatch(value)
    if whole:
        return _each(whole, key, each_value)
    return EACH.sub(lambda match: str(_each(match, key, each_value)), value)


def _each(match: re.Match[str], key: str, each_value: Any) -> Any:
    """The value of one ``each.*`` reference; one this instance cannot answer stays as it is written."""
    if match.group(1) == "key":
        return key
    attribute = match.group(2).removeprefix(".")
    if not attribute:
        return each_value
    return each_value[attribute] if isinstance(each_value, dict) and attribute in each_value else match.group(0)
