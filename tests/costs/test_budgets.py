"""Budgets and off-hours scaling as the recorded stacks provision them: every enabled cloud holds its share of
the seed's thresholds with notifications to `budgets.notify`; dev node groups sleep outside office hours."""

from __future__ import annotations

from datetime import date

import pytest

from scripts.offline import Recording, Registration
from tests.aws.helpers import descendants, one
from tests.conftest import stack_settings

STACKS = ("dev", "prod")
AWS_BUDGET = "aws:budgets/budget:Budget"
AZURE_BUDGET = "azure-native:consumption:Budget"
GCP_BUDGET = "gcp:billing/budget:Budget"
SCHEDULE = "aws:autoscaling/schedule:Schedule"


def provider_region(rec: Recording, r: Registration) -> str:
    provider = rec.by_urn()[r.provider_urn]
    return str(provider.inputs.get("region") or provider.inputs.get("location"))


@pytest.mark.parametrize("stack", STACKS)
def test_the_shares_split_the_whole_budget_over_the_enabled_clouds(stack):
    s = stack_settings(stack)
    shares = s.budget_shares()
    assert set(shares) == set(s.clouds.enabled()) and sum(shares.values()) == pytest.approx(1)
    assert shares["aws"] > shares["azure"] > shares["gcp"]  # primary, secondary, tertiary


@pytest.mark.parametrize("stack", STACKS)
def test_aws_holds_its_share_of_the_monthly_daily_and_emergency_budgets(recorded, stack):
    rec, s = recorded(stack), stack_settings(stack)
    share, b = s.budget_shares()["aws"], s.budgets
    budgets = {r.inputs["name"]: r for r in rec.of_type(AWS_BUDGET)}
    # the stack's spend only, by its environment cost-allocation tag (aws 15)
    assert all(
        r.inputs["costFilters"] == [{"name": "TagKeyValue", "values": [f"user:environment${stack}"]}]
        for r in budgets.values()
    )
    prefix = f"{s.name}-{s.environment}"
    expected = {
        f"{prefix}-monthly": ("MONTHLY", b.monthly),
        f"{prefix}-daily": ("DAILY", b.daily),
        f"{prefix}-emergency": ("DAILY", b.emergency),
    }
    assert set(budgets) == set(expected)
    for name, (unit, amount) in expected.items():
        budget = budgets[name].inputs
        assert (budget["timeUnit"], budget["budgetType"], budget["limitUnit"]) == (unit, "COST", "USD")
        assert float(budget["limitAmount"]) == pytest.approx(amount * share, abs=0.01)
        for notification in budget["notifications"]:
            assert notification["subscriberEmailAddresses"] == b.notify
    kinds = {(n["notificationType"], n["threshold"]) for n in budgets[f"{prefix}-monthly"].inputs["notifications"]}
    assert kinds == {("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100)}
    primary = s.clouds.aws.regions[0].name
    assert {provider_region(rec, r) for r in budgets.values()} == {primary}


@pytest.mark.parametrize("stack", STACKS)
def test_azure_and_gcp_hold_their_share_of_the_monthly_budget(recorded, stack):
    rec, s = recorded(stack), stack_settings(stack)
    shares, b = s.budget_shares(), s.budgets
    azure = one(rec.of_type(AZURE_BUDGET)).inputs
    assert azure["scope"] == f"/subscriptions/{s.clouds.azure.subscription_id}"
    # the stack's resource groups only, its AKS node groups' included: dev and prod share a subscription (azure R14)
    groups = {r.inputs["resourceGroupName"] for r in rec.of_type("azure-native:resources:ResourceGroup")}
    clusters = rec.of_type("azure-native:containerservice:ManagedCluster")
    nodes = {f"MC_{c.inputs['resourceGroupName']}_{c.inputs['resourceName']}_{c.inputs['location']}" for c in clusters}
    assert azure["filter"] == {
        "dimensions": {"name": "ResourceGroupName", "operator": "In", "values": sorted(groups | nodes)}
    }
    assert groups and len(nodes) == len(clusters) and not any("MC_" in g for g in groups)
    assert azure["amount"] == pytest.approx(b.monthly * shares["azure"], abs=0.01)
    assert (azure["timeGrain"], azure["category"]) == ("Monthly", "Cost")
    assert azure["timePeriod"]["startDate"] == f"{date.today():%Y-%m}-01T00:00:00Z"  # first deploy's month
    assert b.start_month is None and "timePeriod" in one(rec.of_type(AZURE_BUDGET)).ignore_changes
    assert {(n["thresholdType"], n["threshold"]) for n in azure["notifications"].values()} == {
        ("Actual", 80),
        ("Actual", 100),
        ("Forecasted", 100),
    }
    assert all(n["contactEmails"] == b.notify for n in azure["notifications"].values())
    gcp_budget = one(rec.of_type(GCP_BUDGET))
    budget = gcp_budget.inputs
    assert budget["billingAccount"] == s.clouds.gcp.billing_account
    assert int(budget["amount"]["specifiedAmount"]["units"]) == round(b.monthly * shares["gcp"])
    # The billing account's currency, never a hard-coded one the API would refuse if they differ (gcp 12).
    assert "currencyCode" not in budget["amount"]["specifiedAmount"]
    project = one(r for r in rec.resources if r.type == "gcp:container/cluster:Cluster" and "usc1" in r.name)
    assert budget["budgetFilter"]["projects"][0].startswith("projects/") and project
    channels = [r for r in descendants(rec, rec.by_urn()[gcp_budget.parent]) if r.type.endswith("NotificationChannel")]
    assert sorted(c.inputs["labels"]["email_address"] for c in channels) == sorted(b.notify)
    assert sorted(budget["allUpdatesRule"]["monitoringNotificationChannels"]) == sorted(c.id for c in channels)


def test_dev_node_groups_sleep_outside_office_hours_and_wake_at_their_size(recorded):
    rec, s = recorded("dev"), stack_settings("dev")
    hours = s.budgets.office_hours
    groups = {r.inputs["nodeGroupNamePrefix"].rstrip("-"): r for r in rec.of_type("aws:eks/nodeGroup:NodeGroup")}
    schedules = rec.of_type(SCHEDULE)
    assert len(schedules) == 2 * len(groups)
    assert {"general", "gpu", "spot"} <= set(groups)  # both kinds are checked
    for pool_name, group in groups.items():
        pool = s.kubernetes.pools.aws[pool_name]
        asg = group.outputs["resources"][0]["autoscalingGroups"][0]["name"]
        mine = {r.inputs["scheduledActionName"]: r.inputs for r in schedules if r.inputs["autoscalingGroupName"] == asg}
        sleep, wake = mine["platform-office-hours-sleep"], mine["platform-office-hours-wake"]
        assert sleep["recurrence"] == "0 18 * * 1-5" and wake["recurrence"] == "0 8 * * 1-5"
        assert sleep["timeZone"] == wake["timeZone"] == hours.time_zone == "America/New_York"
        # a general-purpose group keeps one node overnight: CoreDNS, EBS CSI and metrics-server stay up (aws 19)
        general = not (pool.gpu or pool.taints or pool.capacity == "spot")
        assert (sleep["minSize"], sleep["desiredCapacity"]) == ((1, 1) if general else (0, 0)), pool_name
        assert (wake["minSize"], wake["desiredCapacity"], wake["maxSize"]) == (
            pool.min_size,
            pool.desired_size,
            pool.max_size,
        )


def test_prod_runs_around_the_clock(recorded):
    assert recorded("prod").of_type(SCHEDULE) == []
