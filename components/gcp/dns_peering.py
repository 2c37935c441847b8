"""DNS peering of the GCP regions into the DNS hub region's VPC, for the names the hub forwards to other clouds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from ..lib.private_dns import rule_key


@dataclass(frozen=True)
class GcpDnsPeeringArgs:
    """Inputs of GcpDnsPeering."""

    project: str
    hub_network_id: pulumi.Input[str]
    """The VPC of the hub region (`PlatformSettings.dns_plan().gcp_hub`), which forwards the names."""
    domains: Mapping[str, Sequence[str]]
    """Region -> the forwarded names its VPC looks up in the hub's VPC."""
    network_ids: Mapping[str, pulumi.Input[str]]
    """Region -> its VPC."""
    name_prefixes: Mapping[str, str]
    """Region -> `<platform>-<environment>-<region code>`."""
    labels: dict[str, str]


class GcpDnsPeering(pulumi.ComponentResource):
    """One private peering zone per forwarded name and non-hub region, visible to that region's VPC and resolved in
    the hub's VPC (where the forwarding zone sends it on through the hub's tunnels). Give it the primary GCP
    region's provider."""

    def __init__(self, name: str, args: GcpDnsPeeringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:DnsPeering", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        for region, domains in args.domains.items():
            prefix = args.name_prefixes[region]
            for domain in domains:
                key = rule_key(domain)
                gcp.dns.ManagedZone(
                    f"{name}-{region}-{key}",
                    name=f"{prefix}-peer-{key}"[:63].rstrip("-"),
                    project=args.project,
                    dns_name=domain.rstrip(".") + ".",
                    description=f"Looks {domain} up in the DNS hub's VPC",
                    visibility="private",
                    private_visibility_config={"networks": [{"network_url": args.network_ids[region]}]},
                    peering_config={"target_network": {"network_url": args.hub_network_id}},
                    labels=args.labels,
                    opts=child,
                )
        self.register_outputs({})
