"""Reading synthesized stacks in tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mindmirror_infra.catalog import Catalog
from mindmirror_infra.invariants import resources_of
from mindmirror_infra.layout import stack_file
from mindmirror_infra.synthesis import synthesize

Config = dict[str, Any]


def read_configs(catalog: Catalog, out_dir: Path) -> dict[str, Config]:
    """Each environment's stack JSON in the synthesized folder ``out_dir``."""
    return {env.name: json.loads(stack_file(out_dir, env.name).read_text()) for env in catalog.environments}


def synth_configs(catalog: Catalog, out_dir: Path) -> dict[str, Config]:
    """Synthesizes every environment into ``out_dir`` and returns each stack's JSON."""
    synthesize(catalog, out_dir, jobs=1)
    return read_configs(catalog, out_dir)


def resources(config: Config, resource_type: str) -> dict[str, Any]:
    """The resource instances of one type by name, ``<name>`` or ``<name>["<key>"]`` (empty when there are none).

    An instance of a ``for_each`` has ``each.key`` and ``each.value`` filled in.
    """
    prefix = f"{resource_type}."
    return {
        address.removeprefix(prefix): body
        for _, address, body in resources_of(config, lambda kind: kind == resource_type)
    }


def synth_environment(catalog: Catalog, env_name: str) -> Config:
    """One environment's stack of ``catalog``, synthesized in this process (for variant catalogs)."""
    import cdktn

    from mindmirror_infra.stacks.environment_stack import EnvironmentStack

    stack = EnvironmentStack(cdktn.Testing.app(), catalog, catalog.environment(env_name))
    config: Config = json.loads(cdktn.Testing.synth(stack))
    return config
