"""CPU and memory combinations Cloud Run accepts, checked before anything is written.

The rules are those of the Cloud Run documentation ("Configure CPU limits" and
"Configure memory limits" for services, jobs and worker pools):

- CPU is 1, 2, 4, 6 or 8, or a fraction from 0.08 to below 1 in steps of 0.001;
- a fraction of a CPU needs CPU allocated only during requests and a
  concurrency of 1, so it is only possible for request-billed services;
- memory is at least 512Mi (the second-generation minimum, the strictest) and
  at most 32Gi;
- memory above 512Mi needs at least 0.5 CPU, above 1Gi at least 1, above 4Gi at
  least 2, above 8Gi at least 4, above 16Gi at least 6, above 24Gi 8;
- 4 CPUs need at least 2Gi, 6 or 8 CPUs at least 4Gi.

Shared by the catalog (so a bad size names the environment setting) and the
constructs (so no construct can be built with one).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from mindmirror_infra.errors import InvalidConfig

WHOLE_CPUS = (1, 2, 4, 6, 8)
MIN_FRACTIONAL_CPU = Decimal("0.08")
MIN_MEMORY_MIB = 512
MAX_MEMORY_MIB = 32 * 1024
# (memory above this many MiB, CPUs it needs), largest first.
CPU_FOR_MEMORY = ((24 * 1024, 8), (16 * 1024, 6), (8 * 1024, 4), (4 * 1024, 2), (1024, 1), (512, 0.5))
MIN_MEMORY_FOR_CPU = {4: 2 * 1024, 6: 4 * 1024, 8: 4 * 1024}
CPU_ALLOWED = "1, 2, 4, 6 or 8, or a fraction from '0.08' to '0.999'"
MEMORY_PATTERN = re.compile(r"^([1-9][0-9]*)(Mi|Gi)$")


def parse_cpu(field: str, cpu: object) -> Decimal:
    """The number of CPUs in ``"1"`` or ``"0.5"``."""
    try:
        value = Decimal(cpu) if isinstance(cpu, str) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise InvalidConfig(field, cpu, f"expected {CPU_ALLOWED}, as a string")
    if value >= 1 and value not in WHOLE_CPUS:
        raise InvalidConfig(field, cpu, f"expected {CPU_ALLOWED}")
    exponent = value.as_tuple().exponent
    if value < 1 and (value < MIN_FRACTIONAL_CPU or (isinstance(exponent, int) and exponent < -3)):
        raise InvalidConfig(field, cpu, f"expected {CPU_ALLOWED}")
    return value


def parse_memory(field: str, memory: object) -> int:
    """The MiB in ``"512Mi"`` or ``"2Gi"``."""
    match = MEMORY_PATTERN.fullmatch(memory) if isinstance(memory, str) else None
    if match is None:
        raise InvalidConfig(field, memory, "expected a size in Mi or Gi, such as '512Mi' or '2Gi'")
    amount, unit = int(match.group(1)), match.group(2)
    mib = amount * 1024 if unit == "Gi" else amount
    if not MIN_MEMORY_MIB <= mib <= MAX_MEMORY_MIB:
        raise InvalidConfig(field, memory, "expected from 512Mi to 32Gi")
    return mib


def check_size(where: str, cpu: object, memory: object, *, fractional_cpu: bool) -> None:
    """Refuses a CPU and memory pair Cloud Run would reject.

    ``fractional_cpu``: whether the workload may have less than one CPU (only a
    service with CPU allocated during requests and a concurrency of 1).
    """
    cpus = parse_cpu(f"{where}.cpu", cpu)
    mib = parse_memory(f"{where}.memory", memory)
    if cpus < 1 and not fractional_cpu:
        raise InvalidConfig(
            f"{where}.cpu",
            cpu,
            "less than 1 CPU needs CPU allocated only during requests and a concurrency of 1; expected 1, 2, 4, 6 or 8",
        )
    for above_mib, needed in CPU_FOR_MEMORY:
        if mib > above_mib and cpus < Decimal(str(needed)):
            raise InvalidConfig(
                f"{where}.memory",
                memory,
                f"memory above {_size(above_mib)} needs at least {needed} CPU (cpu is {cpu!r}); "
                f"expected at most {_size(_max_memory(cpus))}",
            )
    least = MIN_MEMORY_FOR_CPU.get(int(cpus), MIN_MEMORY_MIB)
    if mib < least:
        raise InvalidConfig(f"{where}.memory", memory, f"{cpu} CPUs need at least {_size(least)}")


def _max_memory(cpus: Decimal) -> int:
    allowed = MIN_MEMORY_MIB
    for above_mib, needed in sorted(CPU_FOR_MEMORY):
        if cpus >= Decimal(str(needed)):
            allowed = _next_limit(above_mib)
    return allowed


def _next_limit(above_mib: int) -> int:
    limits = [*sorted(a for a, _ in CPU_FOR_MEMORY), MAX_MEMORY_MIB]
    return limits[limits.index(above_mib) + 1]


def _size(mib: int) -> str:
    return f"{mib // 1024}Gi" if mib % 1024 == 0 else f"{mib}Mi"
