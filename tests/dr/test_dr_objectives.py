"""The DR block drives the checks end to end: the stack file's RPO/RTO are what the policy pack enforces, the
committed stacks meet them, and a stack that cannot exits 2 with one line and plans nothing."""

from __future__ import annotations

import json

import pytest

from scripts.deploy import main
from tests.conftest import ROOT, stack_settings
from tests.test_plan import project_copy

STACKS = ("dev", "prod")


@pytest.mark.parametrize("stack", STACKS)
def test_the_policy_config_carries_the_stacks_rpo_and_rto(stack):
    config = json.loads((ROOT / "policies" / "config" / f"{stack}.json").read_text())["dr-objectives-met"]
    dr = stack_settings(stack).dr
    assert config == {"rpoSeconds": dr.rpo, "rtoSeconds": dr.rto}


def test_a_15_minute_rpo_without_pitr_exits_2_with_one_line(tmp_path, capsys):
    def no_pitr(platform: dict) -> None:
        platform["postgres"]["pitr"] = False

    project = project_copy(tmp_path, "prod", no_pitr)
    assert main(["plan", "--stack", "prod", "--quiet", "--project-dir", str(project)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "Pulumi.prod.yaml: multicloud-platform:platform.postgres.pitr: false but dr.rpo is 15m; "
        "allowed: true (an RPO under 24h needs point-in-time recovery)",
        "stack prod: 1 configuration problem(s); nothing was planned",
    ]


def test_failover_slower_than_the_rto_exits_2(tmp_path, capsys):
    def slow_checks(platform: dict) -> None:
        platform.setdefault("dr", {}).update(health_check_interval="2m")

    project = project_copy(tmp_path, "prod", slow_checks)
    assert main(["plan", "--stack", "prod", "--quiet", "--project-dir", str(project)]) == 2
    err = capsys.readouterr().err
    assert (
        "dr.health_check_interval: failover detection takes 6m (interval x failure_threshold), not within rto 5m" in err
    )
