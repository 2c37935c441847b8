"""Resource logs to the region's Log Analytics workspace (azure G2; CIS Azure 6.1 / 3.13): one diagnostic setting
per resource, every log category (`allLogs`) and, where the resource has them, its metrics. (The VPN gateways' logs
and metrics are the mesh alerts' own setting, components/azure/mesh_alerts.py: Azure refuses a second setting
sending the same categories to the same workspace.)"""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

SETTING_NAME = "to-log-analytics"


def send_logs(
    resource_name: str,
    parent: pulumi.Resource,
    resource_uri: pulumi.Input[str],
    workspace_id: pulumi.Input[str],
    *,
    metrics: bool = False,
) -> azure_native.monitor.DiagnosticSetting:
    """A diagnostic setting sending `resource_uri`'s logs (and metrics) to the workspace
    (https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings)."""
    return azure_native.monitor.DiagnosticSetting(
        resource_name,
        name=SETTING_NAME,
        resource_uri=resource_uri,
        workspace_id=workspace_id,
        logs=[{"category_group": "allLogs", "enabled": True}],
        metrics=[{"category": "AllMetrics", "enabled": True}] if metrics else None,
        opts=pulumi.ResourceOptions(parent=parent),
    )
