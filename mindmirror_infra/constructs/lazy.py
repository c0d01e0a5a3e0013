"""Values computed when the stack is synthesized.

A grant table is one resource that grants keep adding rows to as workloads
are wired; its ``for_each`` is read once every grant is in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsii
from cdktn import IAnyProducer, IResolvable, IResolveContext, Lazy


@jsii.implements(IAnyProducer)
class _Producer:
    def __init__(self, produce: Callable[[], Any]) -> None:
        self._produce = produce

    def produce(self, context: IResolveContext) -> Any:
        return self._produce()


def at_synthesis(produce: Callable[[], Any]) -> IResolvable:
    """A value that ``produce()`` returns when the stack is synthesized."""
    return Lazy.any_value(_Producer(produce))
