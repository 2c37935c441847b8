"""One leg of the VPN mesh: an AWS region and a GCP region, four tunnels with BGP (HA VPN to AWS)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp

from ..lib.naming import region_code
from ..lib.tunnels import Leg
from .ends import AwsEnd, GcpEnd
from .ipsec import AWS_TUNNEL_OPTIONS, aws_tunnel_args, gcp_cipher_suite, pre_shared_key


@dataclass(frozen=True)
class AwsGcpLegArgs:
    """Inputs of AwsGcpLeg."""

    leg: Leg
    """The leg's tunnels and their inside /30s (from the mesh plan)."""
    aws: AwsEnd
    """The AWS region's gateway."""
    gcp: GcpEnd
    """The GCP region's HA VPN gateway and Cloud Router."""
    tags: dict[str, str]
    """Tags (AWS) and labels (GCP) of every resource."""


class AwsGcpLeg(pulumi.ComponentResource):
    """Google's HA VPN to AWS topology: one AWS VPN connection per HA VPN interface (customer gateway = that
    interface's IP), two tunnels each; on GCP an external VPN gateway with FOUR_IPS_REDUNDANCY holding the four
    AWS tunnel endpoints, a tunnel per endpoint (interface 0 to connection 0, interface 1 to connection 1), and
    a Cloud Router interface and BGP peer per tunnel whose addresses come from the AWS tunnels' outputs.
    Give it the AWS and the GCP region's providers through `opts.providers`."""

    tunnel_keys: list[str]
    """Mesh keys of the leg's tunnels."""

    def __init__(self, name: str, args: AwsGcpLegArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:connectivity:AwsGcpLeg", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        tunnels, end = args.leg.tunnels, args.gcp
        psks = [pre_shared_key(f"{name}-psk-{t.number}", child) for t in tunnels]
        connections = []
        for interface in (0, 1):
            customer_gateway = aws.ec2.CustomerGateway(
                f"{name}-cgw-{interface}",
                ip_address=end.interface_ips[interface],
                bgp_asn=str(end.asn),
                type="ipsec.1",
                tags={**args.tags, "Name": f"{name}-cgw-{interface}"},
                opts=child,
            )
            first, second = tunnels[2 * interface], tunnels[2 * interface + 1]
            connections.append(
                aws.ec2.VpnConnection(
                    f"{name}-vpn-{interface}",
                    vpn_gateway_id=args.aws.gateway_id,
                    customer_gateway_id=customer_gateway.id,
                    type="ipsec.1",
                    static_routes_only=False,
                    tunnel1_inside_cidr=str(first.inside_cidr),
                    tunnel2_inside_cidr=str(second.inside_cidr),
                    tunnel1_preshared_key=psks[first.number],
                    tunnel2_preshared_key=psks[second.number],
                    **aws_tunnel_args(AWS_TUNNEL_OPTIONS),
                    tags={**args.tags, "Name": f"{name}-vpn-{interface}"},
                    opts=child,
                )
            )

        def tunnel_output(number: int, attribute: str) -> pulumi.Output[str]:
            """`tunnelN_<attribute>` of the AWS connection carrying mesh tunnel `number`."""
            return getattr(connections[number // 2], f"tunnel{number % 2 + 1}_{attribute}")

        peer = f"aws-{region_code(args.aws.region)}"
        external = gcp.compute.ExternalVpnGateway(
            f"{name}-peer",
            name=f"{end.name_prefix}-{peer}",
            project=end.project,
            redundancy_type="FOUR_IPS_REDUNDANCY",
            interfaces=[{"id": t.number, "ip_address": tunnel_output(t.number, "address")} for t in tunnels],
            description=f"AWS {args.aws.region}: the four tunnel endpoints of two VPN connections",
            labels=args.tags,
            opts=child,
        )
        for tunnel in tunnels:
            n = tunnel.number
            vpn_tunnel = gcp.compute.VPNTunnel(
                f"{name}-tunnel-{n}",
                name=f"{end.name_prefix}-{peer}-{n}",
                project=end.project,
                region=end.region,
                vpn_gateway=end.gateway_id,
                vpn_gateway_interface=n // 2,
                peer_external_gateway=external.id,
                peer_external_gateway_interface=n,
                shared_secret=psks[n],
                router=end.router_name,
                ike_version=2,
                cipher_suite=gcp_cipher_suite(),
                labels=args.tags,
                opts=child,
            )
            bgp_interface = gcp.compute.RouterInterface(
                f"{name}-bgp-if-{n}",
                name=f"{peer}-{n}",
                project=end.project,
                region=end.region,
                router=end.router_name,
                ip_range=tunnel_output(n, "cgw_inside_address").apply(lambda address: f"{address}/30"),
                vpn_tunnel=vpn_tunnel.name,
                opts=child,
            )
            gcp.compute.RouterPeer(
                f"{name}-bgp-peer-{n}",
                name=f"{peer}-{n}",
                project=end.project,
                region=end.region,
                router=end.router_name,
                interface=bgp_interface.name,
                peer_ip_address=tunnel_output(n, "vgw_inside_address"),
                peer_asn=args.aws.asn,
                advertised_route_priority=100,
                advertise_mode="CUSTOM",
                advertised_ip_ranges=[{"range": end.advertised_cidr}],
                opts=child,
            )
        self.tunnel_keys = [t.key for t in tunnels]
        self.register_outputs({"tunnels": self.tunnel_keys})
