"""One leg of the VPN mesh: an AWS region and an Azure region, four tunnels with BGP."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from ..lib.naming import region_code
from ..lib.tunnels import Leg
from .aws_side import aws_connection
from .azure_side import azure_connection
from .ends import AwsEnd, AzureEnd
from .ipsec import pre_shared_key


@dataclass(frozen=True)
class AwsAzureLegArgs:
    """Inputs of AwsAzureLeg."""

    leg: Leg
    """The leg's tunnels and their inside /30s (from the mesh plan)."""
    aws: AwsEnd
    """The AWS region's gateway."""
    azure: AzureEnd
    """The Azure region's gateway."""
    tags: dict[str, str]
    """Tags of every resource."""


class AwsAzureLeg(pulumi.ComponentResource):
    """Two AWS VPN connections, one per Azure gateway instance (customer gateway = that instance's public IP),
    two tunnels each; on Azure one local network gateway and one IKEv2 connection per AWS tunnel, the connection
    pinned to the APIPA address the plan gave its instance. Each tunnel has its own generated pre-shared key.
    Give it the AWS and the Azure region's providers through `opts.providers`."""

    tunnel_keys: list[str]
    """Mesh keys of the leg's tunnels."""

    def __init__(self, name: str, args: AwsAzureLegArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:connectivity:AwsAzureLeg", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        tunnels, azure = args.leg.tunnels, args.azure
        psks = {t.number: pre_shared_key(f"{name}-psk-{t.number}", child) for t in tunnels}
        connections = [
            aws_connection(
                f"{name}-vpn-{instance}",
                args.aws,
                azure.public_ips[instance],
                azure.asn,
                (tunnels[2 * instance], tunnels[2 * instance + 1]),
                psks,
                args.tags,
                child,
            )
            for instance in (0, 1)
        ]
        for tunnel in tunnels:
            connection, side = connections[tunnel.number // 2], tunnel.number % 2 + 1
            # Both instances need an address on every connection: the tunnel's own on its instance, the twin
            # tunnel's (same position on the other AWS connection) on the other one.
            twin = tunnels[tunnel.number ^ 2]
            own = {tunnel.azure_instance: tunnel, twin.azure_instance: twin}
            azure_connection(
                name,
                azure,
                f"aws-{region_code(args.aws.region)}",
                tunnel.number,
                getattr(connection, f"tunnel{side}_address"),
                (args.aws.asn, getattr(connection, f"tunnel{side}_vgw_inside_address")),
                [own[i].address("azure") for i in (0, 1)],
                psks[tunnel.number],
                args.tags,
                child,
            )
        self.tunnel_keys = [t.key for t in tunnels]
        self.register_outputs({"tunnels": self.tunnel_keys})
