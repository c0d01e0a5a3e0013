"""The dated price table (``prices.toml``): what one unit of each billable thing costs, and where that was read."""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

PRICE_TABLE = Path(__file__).with_name("prices.toml")


@dataclass(frozen=True)
class Price:
    """One list price: ``usd`` per ``unit`` of the SKU ``sku``, read from ``source`` on ``read``.

    ``free_per_project`` is a monthly allotment the project gets free, in ``unit``s.
    """

    key: str
    usd: float
    unit: str
    sku: str
    source: str
    read: str
    evidence: str
    free_per_project: float = 0

    @property
    def read_on_source(self) -> bool:
        """Whether the figure was read on a stored page (the source or one quoting it); if not, it is unverified."""
        return not self.evidence.startswith("not readable")


@dataclass(frozen=True)
class PriceTable:
    """The prices of one region, and the hours a month holds."""

    region: str
    currency: str
    hours_per_month: float
    prices: Mapping[str, Price]

    @property
    def seconds_per_month(self) -> float:
        return self.hours_per_month * 3600


def parse_prices(document: Mapping[str, Any]) -> PriceTable:
    prices = {
        key: Price(
            key=key,
            usd=float(entry["usd"]),
            unit=entry["unit"],
            sku=entry["sku"],
            source=entry["source"],
            read=entry["read"],
            evidence=entry["evidence"],
            free_per_project=float(entry.get("free_per_project", 0)),
        )
        for key, entry in sorted(document["prices"].items())
    }
    return PriceTable(
        region=document["region"],
        currency=document["currency"],
        hours_per_month=float(document["hours_per_month"]),
        prices=MappingProxyType(prices),
    )


@functools.cache
def load_prices() -> PriceTable:
    """The repository's price table."""
    return parse_prices(tomllib.loads(PRICE_TABLE.read_text()))
