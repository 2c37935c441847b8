"""The alert rules behave as the seed says, proven by `promtool test rules` on synthetic series: each alert
fires after its `for` once its condition holds, stays quiet just below its threshold, and renders its
annotations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from components.lib.prometheus import (
    COST_HOURLY,
    CROSS_CLOUD_LATENCY,
    DATA_SYNC_LAG,
    REPLICATION_ACTIVE,
    REPLICATION_LAG,
    alert_rules,
)
from tests.workloads.helpers import run_tool, tool

LAG_THRESHOLD = 30


def alert(name: str, labels: dict[str, str], summary: str, description: str) -> dict[str, Any]:
    return {"exp_labels": labels, "exp_annotations": {"summary": summary, "description": description}}


CASES = {
    "CloudProviderDown": {
        "input_series": [
            # Both azure clusters down; one of two gcp clusters still answers.
            {"series": 'up{job="federate",cloud="azure",region="eastus"}', "values": "0x10"},
            {"series": 'up{job="federate",cloud="azure",region="westus2"}', "values": "0x10"},
            {"series": 'up{job="federate",cloud="gcp",region="us-central1"}', "values": "0x10"},
            {"series": 'up{job="federate",cloud="gcp",region="us-east1"}', "values": "1x10"},
        ],
        "alert_rule_test": [
            {"eval_time": "1m", "alertname": "CloudProviderDown", "exp_alerts": []},
            {
                "eval_time": "3m",
                "alertname": "CloudProviderDown",
                "exp_alerts": [
                    alert(
                        "CloudProviderDown",
                        {"severity": "critical", "cloud": "azure"},
                        "No cluster of azure answers the central Prometheus",
                        "Every federation target of azure has been down for 2 minutes.",
                    )
                ],
            },
        ],
    },
    "CrossCloudLatencyHigh": {
        # aws -> gcp: 9 of 10 requests per minute take 0.5-2 s (p95 ~1.9 s); aws -> azure: all under 0.5 s.
        "input_series": [
            {
                "series": f'{CROSS_CLOUD_LATENCY}_bucket{{le="0.5",source_cloud="aws",target_cloud="gcp"}}',
                "values": "0+1x20",
            },
            {
                "series": f'{CROSS_CLOUD_LATENCY}_bucket{{le="2",source_cloud="aws",target_cloud="gcp"}}',
                "values": "0+10x20",
            },
            {
                "series": f'{CROSS_CLOUD_LATENCY}_bucket{{le="+Inf",source_cloud="aws",target_cloud="gcp"}}',
                "values": "0+10x20",
            },
            {
                "series": f'{CROSS_CLOUD_LATENCY}_bucket{{le="0.5",source_cloud="aws",target_cloud="azure"}}',
                "values": "0+10x20",
            },
            {
                "series": f'{CROSS_CLOUD_LATENCY}_bucket{{le="2",source_cloud="aws",target_cloud="azure"}}',
                "values": "0+10x20",
            },
            {
                "series": f'{CROSS_CLOUD_LATENCY}_bucket{{le="+Inf",source_cloud="aws",target_cloud="azure"}}',
                "values": "0+10x20",
            },
        ],
        "alert_rule_test": [
            {"eval_time": "4m", "alertname": "CrossCloudLatencyHigh", "exp_alerts": []},
            {
                "eval_time": "10m",
                "alertname": "CrossCloudLatencyHigh",
                "exp_alerts": [
                    alert(
                        "CrossCloudLatencyHigh",
                        {"severity": "warning", "source_cloud": "aws", "target_cloud": "gcp"},
                        "p95 latency aws -> gcp above 1 s",
                        "The 95th percentile is 1.917s.",
                    )
                ],
            },
        ],
    },
    "DataSyncLagHigh": {
        "input_series": [
            {"series": f'{DATA_SYNC_LAG}{{cloud="gcp",bucket="backups",region="us-central1"}}', "values": "400x10"},
            {"series": f'{DATA_SYNC_LAG}{{cloud="azure",bucket="backups",region="eastus"}}', "values": "300x10"},
        ],
        "alert_rule_test": [
            {"eval_time": "1m", "alertname": "DataSyncLagHigh", "exp_alerts": []},
            {
                "eval_time": "3m",
                "alertname": "DataSyncLagHigh",
                "exp_alerts": [
                    alert(
                        "DataSyncLagHigh",
                        {"severity": "warning", "cloud": "gcp", "bucket": "backups"},
                        "Bucket backups of gcp is behind its backup copy",
                        "Oldest unsynchronised object: 6m 40s (limit 5m).",
                    )
                ],
            },
        ],
    },
    "MultiCloudCostAnomaly": {
        # A day at 100 USD/h, then aws doubles (alert) while azure rises 40 % (no alert).
        "input_series": [
            {"series": f'{COST_HOURLY}{{cloud="aws",account="prod"}}', "values": "100x1440 200x30"},
            {"series": f'{COST_HOURLY}{{cloud="azure",account="prod"}}', "values": "100x1440 140x30"},
        ],
        "alert_rule_test": [
            {"eval_time": "1450m", "alertname": "MultiCloudCostAnomaly", "exp_alerts": []},
            {
                "eval_time": "1460m",
                "alertname": "MultiCloudCostAnomaly",
                "exp_alerts": [
                    alert(
                        "MultiCloudCostAnomaly",
                        {"severity": "warning", "cloud": "aws"},
                        "aws spends 50 % more than at this time yesterday",
                        "Current hourly spend: 200 USD.",
                    )
                ],
            },
        ],
    },
    "PostgresReplicationLagHigh": {
        "input_series": [
            {
                "series": f'{REPLICATION_LAG}{{cloud="gcp",region="us-central1",subscription="platform_gcp"}}',
                "values": "45x5",
            },
            # Exactly at the threshold is not above it.
            {
                "series": f'{REPLICATION_LAG}{{cloud="azure",region="eastus",subscription="platform_azure"}}',
                "values": f"{LAG_THRESHOLD}x5",
            },
        ],
        "alert_rule_test": [
            {"eval_time": "30s", "alertname": "PostgresReplicationLagHigh", "exp_alerts": []},
            {
                "eval_time": "2m",
                "alertname": "PostgresReplicationLagHigh",
                "exp_alerts": [
                    alert(
                        "PostgresReplicationLagHigh",
                        {
                            "severity": "critical",
                            "cloud": "gcp",
                            "region": "us-central1",
                            "subscription": "platform_gcp",
                        },
                        "Subscription platform_gcp in gcp lags the primary",
                        f"Replication lag 45s is above the DR threshold of {LAG_THRESHOLD}s.",
                    )
                ],
            },
        ],
    },
    "PostgresReplicationStopped": {
        # azure's subscriber disconnects (its lag gauge would read 0: caught up, idle); gcp's stays connected.
        "input_series": [
            {
                "series": f'{REPLICATION_ACTIVE}{{cloud="azure",region="eastus",subscription="platform_azure"}}',
                "values": "1 1 0 0 0 0 0 0",
            },
            {
                "series": f'{REPLICATION_ACTIVE}{{cloud="gcp",region="us-central1",subscription="platform_gcp"}}',
                "values": "1x8",
            },
        ],
        "alert_rule_test": [
            {"eval_time": "3m", "alertname": "PostgresReplicationStopped", "exp_alerts": []},
            {
                "eval_time": "5m",
                "alertname": "PostgresReplicationStopped",
                "exp_alerts": [
                    alert(
                        "PostgresReplicationStopped",
                        {
                            "severity": "critical",
                            "cloud": "azure",
                            "region": "eastus",
                            "subscription": "platform_azure",
                        },
                        "Subscription platform_azure in azure is disconnected",
                        "Its slot on the primary has had no subscriber for 2 minutes: no data flows.",
                    )
                ],
            },
        ],
    },
}


def test_every_alert_has_a_behaviour_test():
    assert set(CASES) == {rule["alert"] for group in alert_rules(LAG_THRESHOLD) for rule in group["rules"]}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_alert_fires_after_its_for_and_only_above_its_threshold(name: str, tmp_path: Path):
    (tmp_path / "rules.yml").write_text(yaml.safe_dump({"groups": alert_rules(LAG_THRESHOLD)}))
    case = {"interval": "1m", **CASES[name]}
    (tmp_path / "test.yml").write_text(
        yaml.safe_dump({"rule_files": ["rules.yml"], "evaluation_interval": "30s", "tests": [case]})
    )
    result = run_tool(tool("promtool"), "test", "rules", "test.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wrong_expectation_fails(tmp_path: Path):
    # The behaviour tests are live: expecting the replication alert for a lag at the threshold fails.
    (tmp_path / "rules.yml").write_text(yaml.safe_dump({"groups": alert_rules(LAG_THRESHOLD)}))
    case = {
        "interval": "1m",
        "input_series": [{"series": f'{REPLICATION_LAG}{{cloud="gcp",region="r",subscription="s"}}', "values": "30x5"}],
        "alert_rule_test": [
            {
                "eval_time": "3m",
                "alertname": "PostgresReplicationLagHigh",
                "exp_alerts": [
                    {"exp_labels": {"severity": "critical", "cloud": "gcp", "region": "r", "subscription": "s"}}
                ],
            }
        ],
    }
    (tmp_path / "test.yml").write_text(yaml.safe_dump({"rule_files": ["rules.yml"], "tests": [case]}))
    assert run_tool(tool("promtool"), "test", "rules", "test.yml", cwd=tmp_path).returncode != 0
