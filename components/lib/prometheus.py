"""Prometheus configuration the platform generates: the central federation scrape job and the alert rules.

Pure: plain data in, plain data out (what kube-prometheus-stack's values and a PrometheusRule take). The tests
feed every file rendered from here to `promtool check config` / `check rules` / `test rules`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

FEDERATION_JOB = "federate"
"""Job name of the central Prometheus's scrapes of the clusters' `/federate` endpoints."""
FEDERATION_MATCH: tuple[str, ...] = ('{__name__=~"job:.*"}', '{__name__=~"platform_.*"}')
"""Series each cluster hands to the central Prometheus: recording rules (`job:*`) and the platform's metrics."""
FEDERATION_PORT = 9090
"""Port of each cluster's Prometheus (and of its internal federation load balancer)."""

# The platform API's metrics (what the alerts read).
CROSS_CLOUD_LATENCY = "platform_cross_cloud_request_duration_seconds"
"""Histogram of the API's requests to another cloud, labelled source_cloud and target_cloud."""
DATA_SYNC_LAG = "platform_data_sync_lag_seconds"
"""Gauge: age of the newest object not yet copied into the backup cloud, per bucket."""
COST_HOURLY = "platform_cloud_cost_usd_hourly"
"""Gauge: the cloud's current hourly spend in USD (from its billing export)."""
REPLICATION_LAG = "platform_postgres_replication_lag_seconds"
"""Gauge: logical replication lag of each subscription behind the primary database."""
REPLICATION_ACTIVE = "platform_postgres_replication_slot_active"
"""Gauge: 1 while the subscription's slot on the primary has a connected subscriber, else 0."""


@dataclass(frozen=True)
class FederationSource:
    """One cluster's Prometheus that the central Prometheus federates."""

    cloud: str
    region: str
    address: str
    """Host (IP or DNS name) of the cluster's internal federation load balancer."""


def federation_scrape_config(sources: Sequence[FederationSource], interval_seconds: int) -> dict[str, Any]:
    """The central Prometheus's `federate` job: one static target per cluster, labelled with its cloud and region
    (the clusters' own external labels come along as well: `honor_labels`)."""
    return {
        "job_name": FEDERATION_JOB,
        "honor_labels": True,
        "metrics_path": "/federate",
        "params": {"match[]": list(FEDERATION_MATCH)},
        "scrape_interval": f"{interval_seconds}s",
        "scrape_timeout": f"{max(1, min(interval_seconds - 1, 20))}s",
        "static_configs": [
            {"targets": [f"{s.address}:{FEDERATION_PORT}"], "labels": {"cloud": s.cloud, "region": s.region}}
            for s in sources
        ],
    }


def alert_rules(threshold: int) -> list[dict[str, Any]]:
    """The seed's four alerts and the replication-lag alert at the DR threshold (`threshold` seconds of lag), as
    Prometheus rule groups."""
    return [
        {
            "name": "multicloud-platform",
            "rules": [
                {
                    "alert": "CloudProviderDown",
                    "expr": f'max by (cloud) (up{{job="{FEDERATION_JOB}"}}) == 0',
                    "for": "2m",
                    "labels": {"severity": "critical"},
                    "annotations": {
                        "summary": "No cluster of {{ $labels.cloud }} answers the central Prometheus",
                        "description": "Every federation target of {{ $labels.cloud }} has been down for 2 minutes.",
                    },
                },
                {
                    "alert": "CrossCloudLatencyHigh",
                    "expr": (
                        "histogram_quantile(0.95, sum by (le, source_cloud, target_cloud) "
                        f"(rate({CROSS_CLOUD_LATENCY}_bucket[5m]))) > 1"
                    ),
                    "for": "5m",
                    "labels": {"severity": "warning"},
                    "annotations": {
                        "summary": "p95 latency {{ $labels.source_cloud }} -> {{ $labels.target_cloud }} above 1 s",
                        "description": "The 95th percentile is {{ $value | humanizeDuration }}.",
                    },
                },
                {
                    "alert": "DataSyncLagHigh",
                    "expr": f"max by (cloud, bucket) ({DATA_SYNC_LAG}) > 300",
                    "for": "2m",
                    "labels": {"severity": "warning"},
                    "annotations": {
                        "summary": "Bucket {{ $labels.bucket }} of {{ $labels.cloud }} is behind its backup copy",
                        "description": "Oldest unsynchronised object: {{ $value | humanizeDuration }} (limit 5m).",
                    },
                },
                {
                    "alert": "MultiCloudCostAnomaly",
                    "expr": (f"sum by (cloud) ({COST_HOURLY}) > 1.5 * sum by (cloud) ({COST_HOURLY} offset 1d)"),
                    "for": "15m",
                    "labels": {"severity": "warning"},
                    "annotations": {
                        "summary": "{{ $labels.cloud }} spends 50 % more than at this time yesterday",
                        "description": "Current hourly spend: {{ $value | humanize }} USD.",
                    },
                },
                {
                    "alert": "PostgresReplicationLagHigh",
                    "expr": f"max by (cloud, region, subscription) ({REPLICATION_LAG}) > {threshold}",
                    "for": "1m",
                    "labels": {"severity": "critical"},
                    "annotations": {
                        "summary": "Subscription {{ $labels.subscription }} in {{ $labels.cloud }} lags the primary",
                        "description": (
                            "Replication lag {{ $value | humanizeDuration }} is above the DR threshold "
                            f"of {threshold}s."
                        ),
                    },
                },
                {
                    "alert": "PostgresReplicationStopped",
                    "expr": f"min by (cloud, region, subscription) ({REPLICATION_ACTIVE}) == 0",
                    "for": "2m",
                    "labels": {"severity": "critical"},
                    "annotations": {
                        "summary": "Subscription {{ $labels.subscription }} in {{ $labels.cloud }} is disconnected",
                        "description": "Its slot on the primary has had no subscriber for 2 minutes: no data flows.",
                    },
                },
            ],
        }
    ]


def prometheus_config(scrape_configs: Sequence[dict[str, Any]], rule_files: Sequence[str]) -> dict[str, Any]:
    """A whole `prometheus.yml` around `scrape_configs`: what `promtool check config` reads."""
    return {
        "global": {"scrape_interval": "30s", "evaluation_interval": "30s"},
        "rule_files": list(rule_files),
        "scrape_configs": list(scrape_configs),
    }
