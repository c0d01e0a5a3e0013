"""The monthly cost of each stack on both sides of a review, from the estimate of each output folder.

docs/decisions/0014-cost-in-review.md: an estimate needs only an output folder,
so the base side (written out of git) is priced as the work tree is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mindmirror_infra.cost.estimate import estimate_output
from mindmirror_infra.cost.resources import UnclassifiedResource
from mindmirror_infra.layout import stack_file


@dataclass(frozen=True)
class CostChange:
    """A stack's monthly estimate in USD before and after; a side without the stack costs nothing."""

    before_usd: float | None
    after_usd: float | None
    unknown: str | None = None
    """Why a side could not be estimated (a resource type the estimate does not classify)."""

    @property
    def delta_usd(self) -> float | None:
        if self.before_usd is None or self.after_usd is None:
            return None
        return self.after_usd - self.before_usd


def cost_changes(old_dir: Path, new_dir: Path, stacks: Iterable[str]) -> dict[str, CostChange]:
    changes = {}
    for name in stacks:
        before, before_unknown = _monthly(old_dir, name)
        after, after_unknown = _monthly(new_dir, name)
        changes[name] = CostChange(before, after, before_unknown or after_unknown)
    return changes


def _monthly(out_dir: Path, env_name: str) -> tuple[float | None, str | None]:
    if not stack_file(out_dir, env_name).exists():
        return 0.0, None
    try:
        return estimate_output(out_dir, env_name).total_usd, None
    except UnclassifiedResource as error:
        return None, str(error)
