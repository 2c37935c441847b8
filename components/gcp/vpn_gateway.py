"""The GCP end of the VPN mesh in one region: an HA VPN gateway on the region's VPC, with what the peers need
to reach the whole region through it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp as gcp

PRIVATE_SERVICES_PEERING = "servicenetworking-googleapis-com"
"""Name of the VPC peering `servicenetworking.Connection` creates (Cloud SQL's private IP lives behind it)."""

PEER_PORTS = ("443", "5432")
"""What the peer clouds may open towards the region: HTTPS (APIs, ingress, federation scrapes) and PostgreSQL
(logical replication between the clouds' databases)."""


@dataclass(frozen=True)
class GcpVpnGatewayArgs:
    """Inputs of GcpVpnGateway."""

    project: str
    """Project of the region."""
    region: str
    """GCP region."""
    gateway_name: str
    """Physical name of the HA VPN gateway."""
    network_id: pulumi.Input[str]
    """The region's VPC."""
    network_name: pulumi.Input[str]
    """Name of the region's VPC (for the private-services peering)."""
    private_services_range: pulumi.Input[str]
    """The private-services range (resolves once its peering exists)."""
    peer_cidrs: Sequence[str]
    """CIDRs of the peer clouds' regions (admitted by the firewall)."""
    labels: dict[str, str]
    """Labels of the gateway."""


class GcpVpnGateway(pulumi.ComponentResource):
    """An IPv4 HA VPN gateway (two interfaces, 99.99% SLA), the private-services peering exporting the routes
    learned over VPN (so Cloud SQL answers the peer clouds), and one logged firewall rule admitting only the
    peer clouds' CIDRs on PEER_PORTS. The region's Cloud Router runs the BGP sessions."""

    gateway_id: pulumi.Output[str]
    """Id of the HA VPN gateway."""
    interface_ips: list[pulumi.Output[str]]
    """Public IPs of interface 0 and interface 1."""

    def __init__(self, name: str, args: GcpVpnGatewayArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:VpnGateway", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        gateway = gcp.compute.HaVpnGateway(
            f"{name}-havpn",
            name=args.gateway_name,
            project=args.project,
            region=args.region,
            network=args.network_id,
            stack_type="IPV4_ONLY",
            labels=args.labels,
            opts=child,
        )
        gcp.compute.NetworkPeeringRoutesConfig(
            f"{name}-psa-routes",
            project=args.project,
            # Waits for the private-services range, i.e. for the peering itself.
            network=pulumi.Output.all(args.network_name, args.private_services_range).apply(lambda v: str(v[0])),
            peering=PRIVATE_SERVICES_PEERING,
            export_custom_routes=True,
            import_custom_routes=False,
            opts=child,
        )
        gcp.compute.Firewall(
            f"{name}-peers",
            name=f"{args.gateway_name}-peers",
            project=args.project,
            network=args.network_id,
            direction="INGRESS",
            priority=1000,
            source_ranges=list(args.peer_cidrs),
            allows=[{"protocol": "tcp", "ports": list(PEER_PORTS)}, {"protocol": "icmp"}],
            log_config={"metadata": "INCLUDE_ALL_METADATA"},
            description="Peer clouds over the VPN mesh: HTTPS and PostgreSQL only",
            opts=child,
        )
        self.gateway_id = gateway.id
        self.interface_ips = [gateway.vpn_interfaces.apply(_interface_ip(i)) for i in (0, 1)]
        self.register_outputs({"gateway_id": self.gateway_id, "interface_ips": self.interface_ips})


def _interface_ip(index: int) -> Callable[[Any], str]:
    """Reads the public IP of interface `index` from an HA VPN gateway's `vpn_interfaces`."""
    return lambda interfaces: str((interfaces or [])[index].ip_address or "")
