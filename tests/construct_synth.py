"""Synthesizing single constructs in a tiny stack, for construct unit tests."""

from __future__ import annotations

import json
from collections.abc import Callable

from cdktn import TerraformStack, Testing

from tests.synth import Config


def synth_in_stack(build: Callable[[TerraformStack], object]) -> Config:
    """Builds constructs into an empty stack and returns its synthesized JSON."""
    stack = TerraformStack(Testing.app(), "test")
    build(stack)
    config: Config = json.loads(Testing.synth(stack))
    return config
