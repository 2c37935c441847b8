"""What the cross-cloud DNS and the mesh alarms add to the prod estimate: resolver endpoint addresses (AWS),
endpoints and rulesets (Azure), forwarding zones (GCP), tunnel alarms (CloudWatch)."""

from __future__ import annotations

import pytest

from scripts import costs
from tests.conftest import recorded_stack, stack_settings

PROD_LINES = {
    # 2 regions x (inbound + outbound) x 2 addresses, per address and hour
    "resolver-endpoint-ip": 8 * costs.HOURLY["aws"]["resolver-endpoint-ip"] * costs.HOURS_PER_MONTH,
    # 2 regions x (inbound + outbound endpoint)
    "azure:dns-resolver-endpoint": 4 * costs.MONTHLY["azure:dns-resolver-endpoint"],
    "azure:dns-forwarding-ruleset": 2 * costs.MONTHLY["azure:dns-forwarding-ruleset"],
    # one TunnelState alarm per AWS tunnel: 16 VPN connections of 2 tunnels
    "aws:cloudwatch-alarm": 32 * costs.MONTHLY["aws:cloudwatch-alarm"],
}


def by_sku(stack: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for line in costs.estimate(recorded_stack(stack)).lines:
        totals[line.sku] = totals.get(line.sku, 0.0) + line.monthly
    return totals


@pytest.mark.parametrize("sku", sorted(PROD_LINES))
def test_prod_prices_each_resolver_and_alarm_piece(sku: str) -> None:
    assert by_sku("prod")[sku] == pytest.approx(PROD_LINES[sku])


def test_gcp_pays_one_zone_per_forwarded_name_once_for_the_global_vpc() -> None:
    plan = stack_settings("prod").dns_plan()
    (first, *_) = [region for cloud, region in plan.resolvers if cloud == "gcp"]
    zones = len(plan.forwards_from("gcp", first))
    assert zones == 8
    assert by_sku("prod")["gcp:dns-managed-zone"] == pytest.approx(zones * costs.MONTHLY["gcp:dns-managed-zone"])
