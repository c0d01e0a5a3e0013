"""``mminfra`` with one of its speed mechanisms switched off, for the benchmark to compare.

    python -m bench.mechanisms <mechanism> <mminfra arguments...>

Importing this module loads nothing of the project (the benchmark reads its
names). The mechanism is switched off in this process and in every synthesis worker it
starts, which runs this module again (``WORKER_ROLE`` set) in place of
``mindmirror_infra.synth_worker``. Nothing here changes what is synthesized,
only how fast: the benchmark's own runs compare the output of every way.
"""

from __future__ import annotations

import functools
import importlib
import os
import pkgutil
import sys
from pathlib import Path

# Set in a worker's environment, naming the mechanism its parent switched off.
WORKER_ROLE = "BENCH_MECHANISM_OFF"
PROVIDER_ON_DEMAND = "provider-on-demand"
CACHED_READS = "cached-reads"
MECHANISMS = (PROVIDER_ON_DEMAND, CACHED_READS)


def switch_off(mechanism: str, worker: bool) -> None:
    """Switches ``mechanism`` off in this process, before the jsii runtime starts."""
    from mindmirror_infra import node_runtime, synthesis

    if mechanism == PROVIDER_ON_DEMAND:
        os.environ["NODE_OPTIONS"] = node_runtime.without_on_demand_loader(os.environ["NODE_OPTIONS"])
    elif mechanism == CACHED_READS and worker:  # only workers build constructs; the parent never loads them
        uncache_constructs()
    synthesis.WORKER_MODULE = "bench.mechanisms"


def uncache_constructs() -> int:
    """Turns every ``cached_property`` of the constructs into a plain property; returns how many."""
    import mindmirror_infra.constructs

    count = 0
    for info in pkgutil.iter_modules(mindmirror_infra.constructs.__path__):
        module = importlib.import_module(f"mindmirror_infra.constructs.{info.name}")
        for cls in [value for value in vars(module).values() if isinstance(value, type)]:
            for name, member in list(vars(cls).items()):
                if isinstance(member, functools.cached_property):
                    setattr(cls, name, property(member.func))
                    count += 1
    return count


def main(argv: list[str]) -> int:
    if WORKER_ROLE in os.environ:
        from mindmirror_infra import synth_worker

        switch_off(os.environ[WORKER_ROLE], worker=True)
        return synth_worker.main(Path(argv[0]), argv[1])
    mechanism, *arguments = argv
    if mechanism not in MECHANISMS:
        raise SystemExit(f"{mechanism!r}: expected one of {', '.join(MECHANISMS)}")
    switch_off(mechanism, worker=False)
    os.environ[WORKER_ROLE] = mechanism
    from mindmirror_infra.cli import main as mminfra

    return mminfra(arguments, standalone_mode=True) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
