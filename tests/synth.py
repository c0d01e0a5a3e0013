"""Reading synthesized stacks in tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mindmirror_infra.catalog import Catalog
from mindmirror_infra.layout import stack_file
from mindmirror_infra.synthesis import synthesize

Config = dict[str, Any]


def synth_configs(catalog: Catalog, out_dir: Path) -> dict[str, Config]:
    """Synthesizes every environment into ``out_dir`` and returns each stack's JSON."""
    synthesize(catalog, out_dir, jobs=1)
    return {env.name: json.loads(stack_file(out_dir, env.name).read_text()) for env in catalog.environments}


def resources(config: Config, resource_type: str) -> dict[str, Any]:
    """The resources of one type, by name (empty when there are none)."""
    found: dict[str, Any] = config.get("resource", {}).get(resource_type, {})
    return found


def addresses(config: Config) -> list[str]:
    """Every ``<type>.<name>`` address in the stack, sorted."""
    return sorted(f"{kind}.{name}" for kind, items in config.get("resource", {}).items() for name in items)
