"""The AWS end of the VPN mesh in one region: a virtual private gateway on the VPC, its routes propagated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class AwsVpnGatewayArgs:
    """Inputs of AwsVpnGateway."""

    vpc_id: pulumi.Input[str]
    """VPC the gateway attaches to."""
    route_table_ids: Sequence[pulumi.Input[str]]
    """Route tables that learn the peer clouds' prefixes from BGP (the private ones)."""
    asn: int
    """Amazon-side BGP ASN."""
    tags: dict[str, str]
    """Tags of the gateway."""


class AwsVpnGateway(pulumi.ComponentResource):
    """A virtual private gateway attached to the region's VPC, with BGP route propagation into the private
    route tables (nodes, pods and databases reach the peer clouds; nothing public does)."""

    gateway_id: pulumi.Output[str]
    """Id of the virtual private gateway (the VPN connections' `vpn_gateway_id`)."""

    def __init__(self, name: str, args: AwsVpnGatewayArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:aws:VpnGateway", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        gateway = aws.ec2.VpnGateway(
            f"{name}-vgw",
            vpc_id=args.vpc_id,
            amazon_side_asn=str(args.asn),
            tags={**args.tags, "Name": f"{name}-vgw"},
            opts=child,
        )
        for i, route_table_id in enumerate(args.route_table_ids):
            aws.ec2.VpnGatewayRoutePropagation(
                f"{name}-propagation-{i}", vpn_gateway_id=gateway.id, route_table_id=route_table_id, opts=child
            )
        self.gateway_id = gateway.id
        self.register_outputs({"gateway_id": self.gateway_id})
