"""An Azure consumption budget for the stack's share of the monthly spend (actual 80 %, 100 % and forecast 100 %),
counting the stack's own resource groups only: dev and prod may share a subscription (azure R14). Azure budgets are
monthly at the finest; the daily thresholds live on AWS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pulumi
import pulumi_azure_native as azure_native


@dataclass(frozen=True)
class AzureBudgetArgs:
    """Inputs of AzureBudget (USD, this cloud's share)."""

    budget_name: str
    subscription_id: str
    monthly: float
    notify: Sequence[str]
    resource_groups: Sequence[str]
    """Every resource group the stack's Azure resources live in (its own and the AKS node resource groups)."""
    start_month: str | None = None
    """First month of the budget, YYYY-MM; None: the current month when the budget is created (Azure refuses a
    start before the current period), kept afterwards."""


class AzureBudget(pulumi.ComponentResource):
    """The stack's monthly cost budget in its subscription; give it the primary region's provider."""

    budget_id: pulumi.Output[str]
    """Resource id of the budget."""

    def __init__(self, name: str, args: AzureBudgetArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:azure:Budget", name, {}, opts)
        notifications: dict[str, azure_native.consumption.NotificationArgsDict] = {
            f"{basis.lower()}-{threshold}": {
                "enabled": True,
                "operator": "GreaterThan",
                "threshold": threshold,
                "threshold_type": basis,
                "contact_emails": list(args.notify),
            }
            for basis, threshold in (("Actual", 80), ("Actual", 100), ("Forecasted", 100))
        }
        budget = azure_native.consumption.Budget(
            f"{name}-monthly",
            budget_name=args.budget_name,
            scope=f"/subscriptions/{args.subscription_id}",
            amount=round(args.monthly, 2),
            category="Cost",
            time_grain="Monthly",
            time_period={"start_date": f"{args.start_month or date.today().strftime('%Y-%m')}-01T00:00:00Z"},
            notifications=notifications if args.notify else None,
            # The stack's resource groups only (https://learn.microsoft.com/rest/api/consumption/budgets/create-or-update).
            filter={
                "dimensions": {"name": "ResourceGroupName", "operator": "In", "values": sorted(args.resource_groups)}
            },
            # The start date is set once: later runs in another month must not move (or recreate) the budget.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=[] if args.start_month else ["timePeriod"]),
        )
        self.budget_id = budget.id
        self.register_outputs({"budget_id": self.budget_id})
