"""Which attribute changes make the Google provider replace a resource, and which values are never shown.

The table (``force_new.toml``) is derived from the provider's schemas by
``scripts/force_new_table.py``; paths in it are dotted, nested blocks without
list indices.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLE = Path(__file__).with_name("force_new.toml")
INDEX = re.compile(r"\[(\d+|\"[^\"]*\")\]")


def schema_path(path: str) -> str:
    """``settings[0].ip_configuration.ipv4_enabled`` -> ``settings.ip_configuration.ipv4_enabled``;
    ``template.volumes["jwt"].name`` -> ``template.volumes.name``."""
    return INDEX.sub("", path)


def _prefixes(path: str) -> list[str]:
    parts = schema_path(path).split(".")
    return [".".join(parts[: n + 1]) for n in range(len(parts))]


@dataclass(frozen=True)
class ResourceSchema:
    force_new: frozenset[str]
    computed: frozenset[str]
    """ForceNew paths that are also Computed: left out of the config, the remote value stays."""
    sensitive: frozenset[str]


@dataclass(frozen=True)
class ForceNewTable:
    provider_version: str
    schemas: dict[str, ResourceSchema]

    def forcing_path(self, resource_type: str, path: str, removed: bool) -> str | None:
        """The ForceNew path (``path`` or a block holding it) whose change replaces the resource, if any."""
        schema = self.schemas.get(resource_type)
        if schema is None:
            return None
        for prefix in _prefixes(path):
            if prefix in schema.force_new and not (
                removed and prefix == schema_path(path) and prefix in schema.computed
            ):
                return prefix
        return None

    def is_sensitive(self, resource_type: str, path: str) -> bool:
        schema = self.schemas.get(resource_type)
        return schema is not None and any(prefix in schema.sensitive for prefix in _prefixes(path))


@cache
def load(path: Path = TABLE) -> ForceNewTable:
    document = tomllib.loads(path.read_text())
    version = document.pop("provider_version")
    return ForceNewTable(
        version,
        {
            kind: ResourceSchema(
                frozenset(entry["force_new"]), frozenset(entry["computed"]), frozenset(entry["sensitive"])
            )
            for kind, entry in document.items()
        },
    )
