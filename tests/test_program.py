"""The program under the engine (`pulumi up`): settings from engine config, clean failure on bad config."""

from __future__ import annotations

import logging

import pulumi
import pytest

from components.program import run
from components.settings import PLATFORM_KEY, PROJECT
from scripts.offline import record
from tests.conftest import stack_config, stack_suffix


def test_bad_config_logs_one_error_per_problem_and_stops_cleanly(caplog: pytest.LogCaptureFixture) -> None:
    config = stack_config("prod", kubernetes={"version": "1.28"}, postgres={"version": "13"})
    with caplog.at_level(logging.ERROR), pytest.raises(pulumi.RunError, match="2 configuration problem"):
        recording = record("prod", config, run, PROJECT)
        assert recording.resources == []
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(e.startswith(f"Pulumi.prod.yaml: {PLATFORM_KEY}.kubernetes.version: Kubernetes 1.28") for e in errors)
    assert any(e.startswith(f"Pulumi.prod.yaml: {PLATFORM_KEY}.postgres.version: PostgreSQL 13") for e in errors)


def test_bad_config_builds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    monkeypatch.setattr("components.program.Platform", lambda name, settings: built.append(name))
    config = stack_config("dev", clouds={"aws": {"regions": [{"name": "us-east-1", "cidr": "8.8.0.0/16"}]}})
    with pytest.raises(pulumi.RunError, match="1 configuration problem"):
        record("dev", config, run, PROJECT)
    assert built == []


def test_engine_config_feeds_the_settings(recorded) -> None:
    """Objects arrive from the engine as JSON strings; the program parses and uses them."""
    rec = recorded("dev")
    cluster = next(r for r in rec.resources if r.type == "aws:eks/cluster:Cluster")
    assert cluster.inputs["version"] == "1.35"
    assert cluster.inputs["vpcConfig"]["publicAccessCidrs"] == ["85.214.132.0/24"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_one_stack_unique_suffix_under_the_platform_protected_and_retained_in_prod(recorded, stack: str) -> None:
    rec = recorded(stack)
    [unique] = [r for r in rec.resources if r.type == "random:index/randomString:RandomString"]
    assert unique.name == f"flow-{stack}-unique" and unique.parent.endswith(f"::flow-{stack}")
    assert unique.inputs == {
        "length": 5,
        "numeric": True,
        "lower": False,
        "upper": False,
        "special": True,
        "overrideSpecial": "abcdefghijklmnopqrstuvxyz",  # lowercase letters without w: never `aws`
    }
    assert (unique.protect, unique.retain_on_delete) == ((True, True) if stack == "prod" else (False, False))
    assert unique.outputs["result"] == stack_suffix(rec)
