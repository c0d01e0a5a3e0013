"""A stack's monthly estimate, from its synthesized JSON and the usage written beside it.

``estimate_output`` needs nothing but an output folder, so any synthesized
tree (this checkout's, or one of another git ref) can be priced and two
of them compared: docs/decisions/0014-cost-in-review.md.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mindmirror_infra.cost.prices import PriceTable, load_prices
from mindmirror_infra.cost.resources import FREE, Context, Line, Unpriced, rule_for
from mindmirror_infra.cost.usage import Usage, read_usage
from mindmirror_infra.invariants import resources_of
from mindmirror_infra.layout import stack_file

# What no resource of the stack carries: the project's log volume and the
# secret reads of all its workloads.
PROJECT = "project"


@dataclass(frozen=True)
class Free:
    address: str
    reason: str


@dataclass(frozen=True)
class StackEstimate:
    """One environment's month: a line per priced quantity, each free resource with its reason, and
    each quantity the price table lacks (``unpriced``, left out of every total)."""

    env_name: str
    lines: tuple[Line, ...]
    free: tuple[Free, ...]
    budget_margin: float
    unpriced: tuple[Unpriced, ...] = ()

    @property
    def fixed_usd(self) -> float:
        """What the project pays with no traffic at all."""
        return sum(line.usd for line in self.lines if line.kind == "fixed")

    @property
    def usage_usd(self) -> float:
        """What the usage assumptions add."""
        return sum(line.usd for line in self.lines if line.kind == "usage")

    @property
    def total_usd(self) -> float:
        return self.fixed_usd + self.usage_usd

    def by_product(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for line in self.lines:
            totals[line.product] = totals.get(line.product, 0.0) + line.usd
        return totals

    def by_resource(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for line in self.lines:
            totals[line.address] = totals.get(line.address, 0.0) + line.usd
        return totals


def estimate_stack(env_name: str, config: Mapping[str, Any], usage: Usage, prices: PriceTable) -> StackEstimate:
    """Prices every resource instance of ``config``; raises ``UnclassifiedResource`` for a type in no table."""
    found = list(resources_of(dict(config), lambda _: True))
    ctx = Context(prices, usage, dict(Counter(kind for kind, _, _ in found)))
    lines: list[Line] = []
    free: list[Free] = []
    for kind, address, body in found:
        rule = rule_for(kind, address)
        if rule is None:
            free.append(Free(address, FREE[kind]))
        else:
            lines += rule(address, body, ctx)
    lines += _project_lines(ctx)
    priced = [line for line in lines if line.price_key in prices.prices]
    return StackEstimate(
        env_name, tuple(_after_free_allotments(priced, prices)), tuple(free), usage.budget_margin, tuple(ctx.unpriced)
    )


def _project_lines(ctx: Context) -> list[Line]:
    usage = ctx.usage
    return [
        ctx.line(PROJECT, "Cloud Logging", f"{usage.log_gib_per_month:g} GiB of logs ingested",
                 usage.log_gib_per_month, "logging_storage", kind="usage"),
        ctx.line(PROJECT, "Secret Manager", f"{usage.secret_accesses_per_month:,} secret accesses",
                 usage.secret_accesses_per_month / 10_000, "secret_access", kind="usage"),
    ]  # fmt: skip


def _after_free_allotments(lines: Iterable[Line], prices: PriceTable) -> list[Line]:
    """Deducts each project-wide free allotment from the lines of its price, in proportion to their quantity."""
    lines = list(lines)
    totals: dict[str, float] = {}
    for line in lines:
        totals[line.price_key] = totals.get(line.price_key, 0.0) + line.quantity
    result = []
    for line in lines:
        allotment = prices.prices[line.price_key].free_per_project
        total = totals[line.price_key]
        if allotment and total:
            billable_share = max(0.0, total - allotment) / total
            result.append(replace(line, usd=line.usd * billable_share))
        else:
            result.append(line)
    return result


def estimate_output(out_dir: Path, env_name: str, prices: PriceTable | None = None) -> StackEstimate:
    """The estimate of ``out_dir/stacks/<env_name>``: its ``cdk.tf.json`` and the ``usage.json`` beside it."""
    config = json.loads(stack_file(out_dir, env_name).read_text())
    return estimate_stack(env_name, config, read_usage(out_dir, env_name), prices or load_prices())
