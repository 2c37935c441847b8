"""The monthly cost estimate of the recorded stacks: every SKU the stack files use is priced, dev costs well
below prod, the lines add up, and a line follows its resource (node counts, HA, spot)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from scripts import costs
from scripts.deploy import main
from scripts.offline import Recording
from tests.conftest import recorded_stack, stack_settings

STACKS = ("dev", "prod")


@pytest.mark.parametrize("stack", STACKS)
def test_every_sku_the_stack_uses_is_priced(stack):
    estimate = costs.estimate(recorded_stack(stack))
    assert estimate.unpriced == []
    assert set(estimate.by_cloud()) == {*stack_settings(stack).clouds.enabled(), "cloudflare"}


@pytest.mark.parametrize("stack", STACKS)
def test_the_lines_add_up_and_stay_within_the_monthly_budget(stack):
    estimate = costs.estimate(recorded_stack(stack))
    assert sum(estimate.by_cloud().values()) == pytest.approx(estimate.total)
    assert all(line.monthly > 0 for line in estimate.lines)
    assert estimate.total < stack_settings(stack).budgets.monthly


def test_dev_costs_well_below_prod():
    dev, prod = (costs.estimate(recorded_stack(s)).total for s in STACKS)
    assert dev < prod / 4
    for cloud, amount in costs.estimate(recorded_stack("dev")).by_cloud().items():
        assert amount < costs.estimate(recorded_stack("prod")).by_cloud()[cloud]


def test_a_line_follows_the_node_count_the_ha_standby_and_spot():
    prod = costs.estimate(recorded_stack("prod"))
    general = next(line for line in prod.lines if line.resource.endswith("use1-eks-pool-general"))
    assert general.monthly == pytest.approx(3 * costs.HOURLY["aws"]["m5.large"] * costs.HOURS_PER_MONTH)
    spot = next(line for line in prod.lines if line.resource.endswith("use1-eks-pool-spot"))
    assert spot.monthly == pytest.approx(2 * 0.096 * costs.SPOT_FACTOR["aws"] * costs.HOURS_PER_MONTH)
    rds = [line for line in prod.lines if line.sku == "db.r6g.large"]
    assert rds and all(line.monthly == pytest.approx(2 * 0.225 * costs.HOURS_PER_MONTH) for line in rds)  # multi-AZ
    dev = recorded_stack("dev")
    bigger = costs.estimate(_pool_edited(dev, "flow-dev-aws-use1-eks-pool-general", lambda i: {
        **i, "scalingConfig": {**i["scalingConfig"], "desiredSize": 4, "maxSize": 4}}))
    before = costs.estimate(dev)
    delta = bigger.by_cloud()["aws"] - before.by_cloud()["aws"]
    assert delta == pytest.approx(2 * costs.HOURLY["aws"]["m5.large"] * costs.HOURS_PER_MONTH)


def test_an_unknown_sku_is_reported_not_priced():
    rec = _pool_edited(
        recorded_stack("dev"), "flow-dev-aws-use1-eks-pool-general", lambda i: {**i, "instanceTypes": ["m7i.48xlarge"]}
    )
    assert ("flow-dev-aws-use1-eks-pool-general", "aws:m7i.48xlarge") in costs.estimate(rec).unpriced


def _pool_edited(recording: Recording, name: str, edit: Callable[[dict[str, Any]], dict[str, Any]]) -> Recording:
    """`recording` with the inputs of the node group `name` edited (what the program registers for other pool
    settings; the wiring from settings to these inputs is tested in tests/aws)."""
    assert any(r.name == name for r in recording.resources), name
    return dataclasses.replace(recording, resources=[
        dataclasses.replace(r, inputs=edit(r.inputs)) if r.name == name else r for r in recording.resources
    ])


def test_the_plan_prints_the_estimate_against_the_budget(capsys):
    assert main(["plan", "--stack", "dev", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "monthly cost estimate (USD, list prices of 2026-11" in out
    assert "within budgets.monthly 2,600" in out


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_same_cloud_path_is_priced_per_gb_outside_the_total(stack):
    estimate = costs.estimate(recorded_stack(stack))
    s = stack_settings(stack)
    multi = [cloud for cloud, c in s.clouds.enabled().items() if len(c.regions) > 1]
    pairs = {
        cloud: len(getattr(s.clouds, cloud).regions) * (len(getattr(s.clouds, cloud).regions) - 1) // 2
        for cloud in multi
    }
    found = Counter(line.cloud for line in estimate.per_gb)
    # AWS and Azure: one line per region pair (a peering); GCP: one for the VPC spanning its regions.
    assert found == Counter({cloud: (1 if cloud == "gcp" else n) for cloud, n in pairs.items()})
    assert all(line.monthly == costs.PER_GB[line.sku] > 0 for line in estimate.per_gb)
    assert estimate.total == sum(line.monthly for line in estimate.lines)  # usage rates never enter the total
