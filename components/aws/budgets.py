"""AWS Budgets for the stack's share of the spend: monthly (actual 80 %, 100 % and forecast 100 %), daily, and
the daily emergency threshold that pages on-call (through the stack's alert topic). Each counts only the stack's
resources, by their `environment` cost-allocation tag (dev and prod may share an account; aws 15): the tag must be
activated in Billing once, which the driver's preflight checks (docs/DEPLOY.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class AwsBudgetsArgs:
    """Inputs of AwsBudgets (amounts in USD, already this cloud's share)."""

    name_prefix: str
    """Prefix of the budget names (`<name>-<environment>`)."""
    monthly: float
    daily: float
    emergency: float
    notify: Sequence[str]
    """E-mail subscribers of every notification (none: budgets without notifications)."""
    tags: dict[str, str]
    environment: str
    """The stack's `environment` tag value: the budgets' cost filter."""
    page_topic_arn: pulumi.Input[str] | None = None
    """The SNS topic the emergency budget pages on-call through (the stack's alert topic)."""
    page_ready: Sequence[pulumi.Resource] = ()
    """What the paging budget waits for: the topic policy letting Budgets publish."""


COST_ALLOCATION_TAG = "environment"
"""The tag the budgets filter on (a user-defined cost-allocation tag, `user:` in the Budgets API)."""


class AwsBudgets(pulumi.ComponentResource):
    """Three cost budgets in the account; give it the primary region's provider (budgets are global)."""

    budget_names: list[pulumi.Output[str]]
    """Names of the monthly, daily and emergency budgets."""

    def __init__(self, name: str, args: AwsBudgetsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:aws:Budgets", name, {}, opts)
        monthly = [("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100)]
        self.budget_names = [
            self._budget(name, args, "monthly", "MONTHLY", args.monthly, monthly),
            self._budget(name, args, "daily", "DAILY", args.daily, [("ACTUAL", 100)]),
            self._budget(name, args, "emergency", "DAILY", args.emergency, [("ACTUAL", 100)], pages=True),
        ]
        self.register_outputs({"budget_names": self.budget_names})

    def _budget(
        self,
        name: str,
        args: AwsBudgetsArgs,
        kind: str,
        unit: str,
        amount: float,
        thresholds: list[tuple[str, int]],
        pages: bool = False,
    ) -> pulumi.Output[str]:
        topics = [args.page_topic_arn] if pages and args.page_topic_arn is not None else []
        notifications: list[aws.budgets.BudgetNotificationArgsDict] = [
            {
                "comparison_operator": "GREATER_THAN",
                "notification_type": basis,
                "threshold": threshold,
                "threshold_type": "PERCENTAGE",
                "subscriber_email_addresses": list(args.notify),
                # One SNS subscriber per notification at most
                # (https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Notification.html).
                "subscriber_sns_topic_arns": topics,
            }
            for basis, threshold in thresholds
        ]
        budget = aws.budgets.Budget(
            f"{name}-{kind}",
            name=f"{args.name_prefix}-{kind}",
            budget_type="COST",
            limit_amount=f"{amount:.2f}",
            limit_unit="USD",
            time_unit=unit,
            notifications=notifications if args.notify or topics else None,
            # https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Budget.html (CostFilters)
            cost_filters=[{"name": "TagKeyValue", "values": [f"user:{COST_ALLOCATION_TAG}${args.environment}"]}],
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.page_ready) if topics else []),
        )
        return budget.name
