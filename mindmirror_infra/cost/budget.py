"""Budgets that follow from the estimate, and the check that a budget covers the fixed cost.

A budget below what the project pays with no traffic fires its 100 % alert
every month, and an alert that always fires is one nobody reads
(docs/decisions/0014-cost-in-review.md).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mindmirror_infra.cost.estimate import StackEstimate, estimate_output
from mindmirror_infra.invariants import block, resources_of
from mindmirror_infra.layout import stack_file

# Budgets are whole US dollars; rounding up to tens keeps a derived budget
# from moving with every cent of the estimate.
BUDGET_STEP_USD = 10


def derived_budget(estimate: StackEstimate) -> int:
    """The estimate's total with its margin on top, rounded up to the next ten dollars."""
    with_margin = estimate.total_usd * (1 + estimate.budget_margin)
    return max(BUDGET_STEP_USD, math.ceil(round(with_margin, 6) / BUDGET_STEP_USD) * BUDGET_STEP_USD)


def budget_amounts(config: Mapping[str, Any]) -> dict[str, float]:
    """Each billing budget of a stack, by address, in its currency's units."""
    return {
        address: float(block(body, "amount", "specified_amount", "units") or 0)
        for _, address, body in resources_of(dict(config), lambda kind: kind == "google_billing_budget")
    }


def budget_findings(out_dir: Path, env_name: str) -> Iterator[str]:
    """One message per budget of the stack below its fixed monthly cost, naming both numbers."""

    config = json.loads(stack_file(out_dir, env_name).read_text())
    fixed = estimate_output(out_dir, env_name).fixed_usd
    for address, amount in budget_amounts(config).items():
        if amount < fixed:
            yield (
                f"{address}: budget ${amount:,.0f} a month is below the fixed monthly cost ${fixed:,.2f} "
                "(what the project pays with no traffic), so it would alert every month; "
                "raise operations.budget_usd or leave it unset to derive it"
            )
