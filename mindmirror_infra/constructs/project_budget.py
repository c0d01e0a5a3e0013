"""A monthly Cloud Billing budget for one project, notifying Monitoring channels."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn import TerraformProvider
from cdktn_provider_google.billing_budget import (
    BillingBudget,
    BillingBudgetAllUpdatesRule,
    BillingBudgetAmount,
    BillingBudgetAmountSpecifiedAmount,
    BillingBudgetBudgetFilter,
    BillingBudgetThresholdRules,
)
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.errors import InvalidConfig

# The budget API's limit on a display name.
MAX_DISPLAY_NAME = 60


@dataclass(frozen=True)
class ProjectBudgetProps:
    """Attributes:
    name: names the budget's address, such as ``monthly``.
    display_name: how the billing account lists it; at most 60 characters.
    billing_account: the billing account id, usually an OpenTofu variable.
    project_number: the project's number; the API stores projects by number, so
        an id would show as a change on every plan.
    amount_usd: the monthly amount, in US dollars (the billing account's currency).
    notification_channels: Monitoring channel names notified; 1 to 5.
    thresholds: shares of the amount whose actual spend notifies. Default 0.5,
        0.75, 0.9 and 1.0.
    """

    name: str
    display_name: str
    billing_account: str
    project_number: str
    amount_usd: int
    notification_channels: tuple[str, ...]
    thresholds: tuple[float, ...] = (0.5, 0.75, 0.9, 1.0)

    def __post_init__(self) -> None:
        where = "ProjectBudgetProps"
        validation.check_name(f"{where}.name", self.name, validation.RESOURCE_NAME)
        if not 0 < len(self.display_name) <= MAX_DISPLAY_NAME:
            raise InvalidConfig(
                f"{where}.display_name", self.display_name, f"expected 1 to {MAX_DISPLAY_NAME} characters"
            )
        validation.check_int(f"{where}.amount_usd", self.amount_usd, 1, 10_000_000)
        channels = self.notification_channels
        if not channels or len(channels) > validation.MAX_BUDGET_CHANNELS:
            raise InvalidConfig(
                f"{where}.notification_channels",
                channels,
                f"expected 1 to {validation.MAX_BUDGET_CHANNELS} notification channels",
            )
        validation.check_unique(f"{where}.notification_channels", channels)
        if not self.thresholds:
            raise InvalidConfig(f"{where}.thresholds", (), "expected at least one share of the amount")
        for share in self.thresholds:
            validation.check_number(f"{where}.thresholds", share, 0, 10, low_open=True)
        validation.check_unique(f"{where}.thresholds", (str(s) for s in self.thresholds))


class ProjectBudget(Construct):
    """``google_billing_budget.<name>``: the project's spend each calendar month against a fixed amount.

    Each threshold compares actual spend (``CURRENT_SPEND``, not a forecast) with
    the amount and emails the channels; billing account administrators are told
    too (the default recipients stay on). A budget only notifies: it never stops
    a service.

    The Billing Budget API needs a quota project. With user credentials, pass a
    ``provider`` that sets ``billing_project`` and ``user_project_override``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        props: ProjectBudgetProps,
        *,
        provider: TerraformProvider | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        pin(
            BillingBudget(
                self,
                "budget",
                provider=provider,
                billing_account=props.billing_account,
                display_name=props.display_name,
                amount=BillingBudgetAmount(
                    specified_amount=BillingBudgetAmountSpecifiedAmount(
                        currency_code="USD", units=str(props.amount_usd)
                    )
                ),
                budget_filter=BillingBudgetBudgetFilter(
                    projects=[f"projects/{props.project_number}"],
                    calendar_period="MONTH",
                    credit_types_treatment="INCLUDE_ALL_CREDITS",
                ),
                threshold_rules=[
                    BillingBudgetThresholdRules(threshold_percent=share, spend_basis="CURRENT_SPEND")
                    for share in sorted(props.thresholds)
                ],
                all_updates_rule=BillingBudgetAllUpdatesRule(
                    monitoring_notification_channels=list(props.notification_channels),
                    disable_default_iam_recipients=False,
                ),
            ),
            props.name,
        )
