"""The operating strategy's cost table ("Estimated Monthly Costs"), to set beside the estimate line by line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StrategyRow:
    """One row of the strategy's table: the products it covers, its usage, and its figure (``None``: free tier)."""

    resource: str
    products: tuple[str, ...]
    usage: str
    usd: float | None


# As the strategy writes it; its total is "~$287/month".
STRATEGY_TABLE = (
    StrategyRow("Cloud Run (8 services)", ("Cloud Run",), "1M requests, 1GB RAM avg", 30),
    StrategyRow("Cloud SQL (4 instances)", ("Cloud SQL",), "db-custom-2-7680, HA", 250),
    StrategyRow("Artifact Registry", ("Artifact Registry",), "5GB storage, 10GB egress", 5),
    StrategyRow("Cloud Logging", ("Cloud Logging",), "10GB/month", None),
    StrategyRow("Cloud Monitoring", ("Cloud Monitoring",), "Basic metrics", None),
    StrategyRow("Secret Manager", ("Secret Manager",), "10 secrets, 1M accesses", 2),
)
STRATEGY_TOTAL_USD = 287.0
# Its "Recommended Budgets" (Cost Monitoring): the alert threshold of the whole project.
STRATEGY_BUDGET_USD = 200.0
