"""A Cloud Billing budget on the project for the stack's share of the monthly spend (actual 80 %, 100 % and
forecast 100 %), notifying e-mail channels and the billing account's admins."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from ..settings.rules import GCP_BUDGET_CHANNELS as MAX_BUDGET_CHANNELS


def email_channels(
    name: str, project: pulumi.Input[str], title: str, emails: Sequence[str], opts: pulumi.ResourceOptions
) -> list[gcp.monitoring.NotificationChannel]:
    """One Cloud Monitoring e-mail channel per address (`<name>-notify-<i>`, shown as `<title>: <address>`)."""
    return [
        gcp.monitoring.NotificationChannel(
            f"{name}-notify-{i}",
            project=project,
            display_name=f"{title}: {email}"[:100],
            type="email",
            labels={"email_address": email},
            opts=opts,
        )
        for i, email in enumerate(emails)
    ]


@dataclass(frozen=True)
class GcpBudgetArgs:
    """Inputs of GcpBudget (this cloud's share, in the billing account's currency)."""

    display_name: str
    billing_account: str
    project: str
    monthly: float
    notify: Sequence[str]


class GcpBudget(pulumi.ComponentResource):
    """The project's monthly budget in its billing account; give it the primary region's provider."""

    budget_name: pulumi.Output[str]
    """Resource name of the budget (`billingAccounts/<id>/budgets/<id>`)."""
    channel_ids: list[pulumi.Output[str]]
    """The e-mail notification channels (one per address of `notify`; other alerts to the same people reuse them)."""

    def __init__(self, name: str, args: GcpBudgetArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:Budget", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        if len(args.notify) > MAX_BUDGET_CHANNELS:  # the settings refuse it (budgets.notify); this guards direct use
            raise ValueError(f"{len(args.notify)} budget addresses; allowed: at most {MAX_BUDGET_CHANNELS}")
        channels = email_channels(name, args.project, f"{args.display_name} budget", args.notify, child)
        number = gcp.organizations.get_project_output(
            project_id=args.project, opts=pulumi.InvokeOutputOptions(parent=self)
        ).number
        budget = gcp.billing.Budget(
            f"{name}-monthly",
            billing_account=args.billing_account,
            display_name=args.display_name,
            budget_filter={
                "projects": [number.apply(lambda n: f"projects/{n}")],
                "calendar_period": "MONTH",
                "credit_types_treatment": "INCLUDE_ALL_CREDITS",
            },
            # No currency_code: "If specified when creating a budget, it must match the currency of the billing
            # account" (https://cloud.google.com/billing/docs/reference/budget/rest/v1/billingAccounts.budgets#money);
            # left out, the budget takes the account's currency (gcp review 12).
            amount={"specified_amount": {"units": str(round(args.monthly))}},
            threshold_rules=[
                {"threshold_percent": 0.8, "spend_basis": "CURRENT_SPEND"},
                {"threshold_percent": 1.0, "spend_basis": "CURRENT_SPEND"},
                {"threshold_percent": 1.0, "spend_basis": "FORECASTED_SPEND"},
            ],
            all_updates_rule={
                "monitoring_notification_channels": [c.id for c in channels],
                "disable_default_iam_recipients": False,
            },
            opts=child,
        )
        self.budget_name = budget.name
        self.channel_ids = [c.id for c in channels]
        self.register_outputs({"budget_name": self.budget_name})
