"""The AWS half of a mesh leg: one BGP VPN connection (two tunnels) to one peer address."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ..lib.tunnels import Tunnel
from .ends import AwsEnd
from .ipsec import AWS_TUNNEL_OPTIONS, aws_tunnel_args


def aws_connection(
    name: str,
    aws_end: AwsEnd,
    peer_ip: pulumi.Input[str],
    peer_asn: int,
    tunnels: tuple[Tunnel, Tunnel],
    psks: dict[int, pulumi.Output[str]],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> aws.ec2.VpnConnection:
    """A customer gateway for `peer_ip` (`<name>-cgw`) and a BGP VPN connection to it (`<name>`) whose two tunnels
    are `tunnels`, each on its inside /30 and its own key."""
    customer_gateway = aws.ec2.CustomerGateway(
        f"{name}-cgw",
        ip_address=peer_ip,
        bgp_asn=str(peer_asn),
        type="ipsec.1",
        tags={**tags, "Name": f"{name}-cgw"},
        opts=opts,
    )
    first, second = tunnels
    return aws.ec2.VpnConnection(
        name,
        vpn_gateway_id=aws_end.gateway_id,
        customer_gateway_id=customer_gateway.id,
        type="ipsec.1",
        static_routes_only=False,
        tunnel1_inside_cidr=str(first.inside_cidr),
        tunnel2_inside_cidr=str(second.inside_cidr),
        tunnel1_preshared_key=psks[first.number],
        tunnel2_preshared_key=psks[second.number],
        **aws_tunnel_args(AWS_TUNNEL_OPTIONS),
        tags={**tags, "Name": name},
        opts=opts,
    )
