"""The GCP end of the VPN mesh in one region: an HA VPN gateway on the platform's VPC."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp as gcp


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
    """The platform's VPC."""
    labels: dict[str, str]
    """Labels of the gateway."""


class GcpVpnGateway(pulumi.ComponentResource):
    """An IPv4 HA VPN gateway (two interfaces, 99.99% SLA) in the region. The region's Cloud Router runs the BGP
    sessions; the VPC (GcpGlobalNetwork) exports the learned routes to Cloud SQL and admits the peer clouds."""

    gateway_id: pulumi.Output[str]
    """Id of the HA VPN gateway."""
    interface_ips: list[pulumi.Output[str]]
    """Public IPs of interface 0 and interface 1."""

    def __init__(self, name: str, args: GcpVpnGatewayArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:VpnGateway", name, {}, opts)
        gateway = gcp.compute.HaVpnGateway(
            f"{name}-havpn",
            name=args.gateway_name,
            project=args.project,
            region=args.region,
            network=args.network_id,
            stack_type="IPV4_ONLY",
            labels=args.labels,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.gateway_id = gateway.id
        self.interface_ips = [gateway.vpn_interfaces.apply(_interface_ip(i)) for i in (0, 1)]
        self.register_outputs({"gateway_id": self.gateway_id, "interface_ips": self.interface_ips})


def _interface_ip(index: int) -> Callable[[Any], str]:
    """Reads the public IP of interface `index` from an HA VPN gateway's `vpn_interfaces`."""
    return lambda interfaces: str((interfaces or [])[index].ip_address or "")
