"""``mminfra cost`` output: the estimate of each environment as text, Markdown or JSON.

Text and JSON give every line of every environment; Markdown puts the
strategy's table beside each environment's estimate, product by product.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mindmirror_infra.cost.estimate import StackEstimate
from mindmirror_infra.cost.prices import PriceTable
from mindmirror_infra.cost.resources import Line
from mindmirror_infra.cost.strategy import STRATEGY_BUDGET_USD, STRATEGY_TABLE, STRATEGY_TOTAL_USD

# Marks a price that no stored page showed (see prices.toml).
UNREAD = "*"


@dataclass(frozen=True)
class Priced:
    """An environment's estimate and the budget its stack carries (``None`` when it has none)."""

    estimate: StackEstimate
    budget_usd: float | None


def usd(amount: float) -> str:
    return f"${amount:,.2f}"


def amount(value: float) -> str:
    """A quantity as people read it: thousands separated, at most four decimals."""
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def _price(line: Line, prices: PriceTable) -> str:
    price = prices.prices[line.price_key]
    mark = "" if price.read_on_source else UNREAD
    per_unit = f"{price.usd:.7f}".rstrip("0").rstrip(".")
    return f"{amount(line.quantity)} {price.unit} x ${per_unit}{mark}"


def _headline(priced: Priced) -> str:
    estimate = priced.estimate
    budget = "no budget" if priced.budget_usd is None else f"budget {usd(priced.budget_usd)}"
    count = len(estimate.unpriced)
    gaps = f"; {count} {'quantity' if count == 1 else 'quantities'} unpriced, not in the total" if count else ""
    return (
        f"{estimate.env_name}: {usd(estimate.total_usd)} a month: {usd(estimate.fixed_usd)} fixed (no traffic), "
        f"{usd(estimate.usage_usd)} usage; {budget}{gaps}"
    )


def _footnote(prices: PriceTable, *, marked: bool) -> str:
    note = (
        f"{prices.region} list prices in {prices.currency}, {prices.hours_per_month:g} hours a month "
        "(mindmirror_infra/cost/prices.toml)."
    )
    if marked:
        note += f" {UNREAD} unverified: not read on a stored copy of its source page; confirm it there."
    return note


def render_text(environments: Sequence[Priced], prices: PriceTable) -> str:
    out: list[str] = []
    for priced in environments:
        estimate = priced.estimate
        out.append(_headline(priced))
        for kind in ("fixed", "usage"):
            lines = [line for line in estimate.lines if line.kind == kind]
            out.append(f"  {kind}:")
            for line in lines:
                out.append(f"    {usd(line.usd):>10}  {line.address}  {line.item}  ({_price(line, prices)})")
        if estimate.unpriced:
            out.append("  unpriced (not in the total):")
            out += [f"    {gap}" for gap in estimate.unpriced]
        out.append(f"  free: {len(estimate.free)} resources")
        for reason, count in _free_reasons(estimate).items():
            out.append(f"    {count:3d}  {reason}")
        out.append("")
    out.append(_footnote(prices, marked=True))
    return "\n".join(out) + "\n"


def _free_reasons(estimate: StackEstimate) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for free in estimate.free:
        kind = f"{free.address.split('.')[0]}: {free.reason}"
        kinds[kind] = kinds.get(kind, 0) + 1
    return dict(sorted(kinds.items()))


def comparison_rows(environments: Sequence[Priced]) -> list[list[str]]:
    """The strategy's rows, then products it left out, each with every environment's estimate."""
    covered = {product for row in STRATEGY_TABLE for product in row.products}
    rows = []
    for row in STRATEGY_TABLE:
        figure = "free tier" if row.usd is None else usd(row.usd)
        estimates = [usd(sum(p.estimate.by_product().get(name, 0.0) for name in row.products)) for p in environments]
        rows.append([row.resource, row.usage, figure, *estimates])
    others = sorted({product for p in environments for product in p.estimate.by_product()} - covered)
    for product in others:
        estimates = [usd(p.estimate.by_product().get(product, 0.0)) for p in environments]
        rows.append([product, "not in the strategy's table", "-", *estimates])
    totals = [f"**{usd(p.estimate.total_usd)}**" for p in environments]
    budgets = ["-" if p.budget_usd is None else usd(p.budget_usd) for p in environments]
    rows.append(["**Total**", "", f"~{usd(STRATEGY_TOTAL_USD)}", *totals])
    rows.append(["of which fixed (no traffic)", "", "", *(usd(p.estimate.fixed_usd) for p in environments)])
    rows.append(["budget in the stack", "", usd(STRATEGY_BUDGET_USD), *budgets])
    return rows


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def render_markdown(environments: Sequence[Priced], prices: PriceTable) -> str:
    """The strategy's table beside each environment's estimate, product by product; `text` and `json` give the lines."""
    names = [p.estimate.env_name for p in environments]
    out = _table(["Resource", "Strategy's usage", "Strategy", *names], comparison_rows(environments))
    out += ["", *(f"- {_headline(priced)}" for priced in environments)]
    out += [f"- unpriced in {p.estimate.env_name}: {gap}" for p in environments for gap in p.estimate.unpriced]
    out += ["", _footnote(prices, marked=False)]
    return "\n".join(out) + "\n"


def render_json(environments: Sequence[Priced], prices: PriceTable) -> str:
    def line_document(line: Line) -> dict[str, Any]:
        price = prices.prices[line.price_key]
        return {
            "address": line.address,
            "product": line.product,
            "item": line.item,
            "kind": line.kind,
            "quantity": line.quantity,
            "unit": price.unit,
            "price_key": line.price_key,
            "price_usd": price.usd,
            "usd": round(line.usd, 4),
        }

    document = {
        "region": prices.region,
        "currency": prices.currency,
        "hours_per_month": prices.hours_per_month,
        "environments": {
            p.estimate.env_name: {
                "total_usd": round(p.estimate.total_usd, 2),
                "fixed_usd": round(p.estimate.fixed_usd, 2),
                "usage_usd": round(p.estimate.usage_usd, 2),
                "budget_usd": p.budget_usd,
                "budget_margin": p.estimate.budget_margin,
                "lines": [line_document(line) for line in p.estimate.lines],
                "free": [{"address": f.address, "reason": f.reason} for f in p.estimate.free],
                "unpriced": [
                    {"address": gap.address, "item": gap.item, "price_key": gap.price_key}
                    for gap in p.estimate.unpriced
                ],
            }
            for p in environments
        },
        "prices": {
            key: {
                "usd": price.usd,
                "unit": price.unit,
                "sku": price.sku,
                "source": price.source,
                "read": price.read,
                "evidence": price.evidence,
            }
            for key, price in prices.prices.items()
        },
    }
    return json.dumps(document, indent=2) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}
