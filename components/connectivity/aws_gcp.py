"""One leg of the VPN mesh: an AWS region and a GCP region, four tunnels with BGP (HA VPN to AWS)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from ..lib.naming import region_code
from ..lib.tunnels import Leg
from .aws_side import aws_connection
from .ends import AwsEnd, GcpEnd
from .gcp_side import gcp_import_policy, gcp_tunnel
from .ipsec import pre_shared_key


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
        psks = {t.number: pre_shared_key(f"{name}-psk-{t.number}", child) for t in tunnels}
        connections = [
            aws_connection(
                f"{name}-vpn-{interface}",
                args.aws,
                end.interface_ips[interface],
                end.asn,
                (tunnels[2 * interface], tunnels[2 * interface + 1]),
                psks,
                args.tags,
                child,
            )
            for interface in (0, 1)
        ]

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
        policy = gcp_import_policy(name, end, peer, args.aws.cidr, child)
        for tunnel in tunnels:
            n = tunnel.number
            gcp_tunnel(
                name,
                end,
                peer,
                n,
                (n // 2, n),  # HA VPN interface 0 to connection 0's tunnels, interface 1 to connection 1's
                external.id,
                psks[n],
                (tunnel_output(n, "cgw_inside_address"), tunnel_output(n, "vgw_inside_address"), args.aws.asn),
                args.tags,
                child,
                import_policy=policy.name,
            )
        self.tunnel_keys = [t.key for t in tunnels]
        self.register_outputs({"tunnels": self.tunnel_keys})
