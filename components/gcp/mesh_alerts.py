"""Cloud Monitoring alert policies on the GCP side of the VPN mesh: every tunnel established, every BGP session up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from .budget import email_channels

SIGNALS = {
    # 1 while the tunnel is established, per tunnel (https://cloud.google.com/monitoring/api/metrics_gcp_p_z#gcp-vpn)
    "tunnel-down": ("vpn.googleapis.com/tunnel_established", "vpn_gateway", "metric.label.tunnel_name"),
    # 1 while the BGP session is up, per peer (https://cloud.google.com/monitoring/api/metrics_gcp_p_z#gcp-router)
    "bgp-session-down": ("router.googleapis.com/bgp/session_up", "gce_router", "metric.label.bgp_peer_name"),
}
"""Policy name -> (metric, monitored resource type, the label one series per tunnel/peer is grouped by)."""
THRESHOLD = 1.0
DURATION = "300s"
"""Down (below 1) for 5 minutes, each series aligned to its minimum per minute: a flap shorter than that is quiet."""


@dataclass(frozen=True)
class GcpMeshAlertsArgs:
    """Inputs of GcpMeshAlerts."""

    project: str
    regions: Sequence[str]
    """GCP regions of the mesh (one policy per signal and region)."""
    display_prefix: str
    """`<platform>-<environment>`."""
    emails: Sequence[str]
    """Addresses to notify when no channels are given."""
    channel_ids: Sequence[pulumi.Input[str]] = field(default_factory=list)
    """Existing notification channels to reuse (the budget's, when they go to the same addresses)."""
    labels: dict[str, str] = field(default_factory=dict)


class GcpMeshAlerts(pulumi.ComponentResource):
    """E-mail notification channels (unless existing ones are reused) and, per region of the mesh, one alert policy
    per signal (tunnel established, BGP session up) with one time series per tunnel or peer, firing when a series
    stays below 1 for 5 minutes or stops reporting."""

    channel_ids: list[pulumi.Output[str]] | list[pulumi.Input[str]]
    """The channels the policies notify."""

    def __init__(self, name: str, args: GcpMeshAlertsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:MeshAlerts", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        channels: list[pulumi.Input[str]] = list(args.channel_ids)
        if not channels:
            channels = [
                c.id for c in email_channels(name, args.project, f"{args.display_prefix} mesh", args.emails, child)
            ]
        for region in args.regions:
            for policy, (metric, resource, per) in SIGNALS.items():
                series = (
                    f'metric.type = "{metric}" AND resource.type = "{resource}" AND resource.label.region = "{region}"'
                )
                gcp.monitoring.AlertPolicy(
                    f"{name}-{region}-{policy}",
                    project=args.project,
                    display_name=f"{args.display_prefix} {region} {policy}",
                    combiner="OR",
                    severity="CRITICAL",
                    conditions=[
                        {
                            "display_name": f"{metric} below {THRESHOLD:g}",
                            "condition_threshold": {
                                "filter": series,
                                "comparison": "COMPARISON_LT",
                                "threshold_value": THRESHOLD,
                                "duration": DURATION,
                                "aggregations": [
                                    {
                                        "alignment_period": "60s",
                                        "per_series_aligner": "ALIGN_MIN",
                                        "cross_series_reducer": "REDUCE_MIN",
                                        "group_by_fields": [per],
                                    }
                                ],
                                "trigger": {"count": 1},
                                "evaluation_missing_data": "EVALUATION_MISSING_DATA_ACTIVE",
                            },
                        }
                    ],
                    documentation={
                        "content": f"A VPN {'tunnel' if 'tunnel' in policy else 'BGP session'} of {region} "
                        "is down: check the peer cloud's alarms and `gcloud compute routers get-status`.",
                        "mime_type": "text/markdown",
                    },
                    notification_channels=channels,
                    user_labels=args.labels,
                    opts=child,
                )
        self.channel_ids = channels
        self.register_outputs({})
