"""Alerts and diagnostics of one Azure region's VPN gateway: BGP peers and tunnel bandwidth, logs to the workspace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native

GATEWAY_NAMESPACE = "Microsoft.Network/virtualNetworkGateways"
GATEWAY_ALERTS = {
    # BgpPeerStatus: 1 while a BGP peer is connected, 0 while not; split by peer address, the maximum across the
    # two instances (Azure's half of each GCP connection that can never come up stays quiet).
    "bgp-peer-down": ("BgpPeerStatus", "BgpPeerAddress", "Maximum", "PT5M"),
    # TunnelAverageBandwidth (bytes/s) of a connection: BGP keepalives alone keep an up tunnel above 1 B/s.
    "tunnel-down": ("TunnelAverageBandwidth", "ConnectionName", "Maximum", "PT15M"),
}
"""Alert name -> (metric, dimension split per value, aggregation, window); the metric names and dimensions are
the gateway's (https://learn.microsoft.com/azure/vpn-gateway/monitor-vpn-gateway-reference#metrics); the alert
fires below 1."""
ALERT_THRESHOLD = 1.0


@dataclass(frozen=True)
class AzureMeshAlertsArgs:
    """Inputs of AzureMeshAlerts."""

    gateway_id: pulumi.Input[str]
    """ARM id of the region's VPN gateway."""
    workspace_id: pulumi.Input[str]
    """The region's Log Analytics workspace (the gateway's diagnostics)."""
    resource_group_name: pulumi.Input[str]
    emails: Sequence[str]
    """Who the action group e-mails."""
    name_prefix: str
    """`<platform>-<environment>-<region code>`."""
    tags: dict[str, str]


class AzureMeshAlerts(pulumi.ComponentResource):
    """An action group e-mailing the stack's alert addresses, a metric alert per gateway signal (BGP peer status,
    tunnel bandwidth) split per peer or connection, and the gateway's logs (tunnel, IKE, route, gateway) and metrics
    to the region's Log Analytics workspace."""

    action_group_id: pulumi.Output[str]
    """The region's action group."""

    def __init__(self, name: str, args: AzureMeshAlertsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:azure:MeshAlerts", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = args.name_prefix
        group = azure_native.monitor.ActionGroup(
            f"{name}-action-group",
            action_group_name=f"{prefix}-mesh",
            group_short_name="vpn-mesh",  # at most 12 characters
            resource_group_name=args.resource_group_name,
            location="global",
            enabled=True,
            email_receivers=[
                {"name": f"mail-{i}", "email_address": email, "use_common_alert_schema": True}
                for i, email in enumerate(args.emails)
            ],
            tags=args.tags,
            opts=child,
        )
        for alert, (metric, dimension, aggregation, window) in GATEWAY_ALERTS.items():
            azure_native.monitor.MetricAlert(
                f"{name}-{alert}",
                rule_name=f"{prefix}-vng-{alert}",
                resource_group_name=args.resource_group_name,
                location="global",
                description=f"VPN gateway {metric} below {ALERT_THRESHOLD:g} per {dimension}",
                severity=1,
                enabled=True,
                scopes=[args.gateway_id],
                evaluation_frequency="PT1M",
                window_size=window,
                auto_mitigate=True,
                # typed args: `criteria` is a union, so a plain dict would go out with snake_case keys
                criteria=azure_native.monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
                    odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                    all_of=[
                        azure_native.monitor.MetricCriteriaArgs(
                            criterion_type="StaticThresholdCriterion",
                            name=metric,
                            metric_name=metric,
                            metric_namespace=GATEWAY_NAMESPACE,
                            operator="LessThan",
                            threshold=ALERT_THRESHOLD,
                            time_aggregation=aggregation,
                            dimensions=[_every(dimension)],
                        )
                    ],
                ),
                actions=[{"action_group_id": group.id}],
                tags=args.tags,
                opts=child,
            )
        azure_native.monitor.DiagnosticSetting(
            f"{name}-gateway-logs",
            name="gateway-to-log-analytics",
            resource_uri=args.gateway_id,
            workspace_id=args.workspace_id,
            logs=[{"category_group": "allLogs", "enabled": True}],
            metrics=[{"category": "AllMetrics", "enabled": True}],
            opts=child,
        )
        self.action_group_id = group.id
        self.register_outputs({"action_group_id": self.action_group_id})


def _every(dimension: str) -> azure_native.monitor.MetricDimensionArgs:
    """Split the alert into one series per value of `dimension` (each peer, each connection)."""
    return azure_native.monitor.MetricDimensionArgs(name=dimension, operator="Include", values=["*"])
