"""One leg of the VPN mesh: an AWS region and an Azure region, four tunnels with BGP."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native

from ..lib.naming import region_code
from ..lib.tunnels import Leg
from .ends import AwsEnd, AzureEnd
from .ipsec import AWS_TUNNEL_OPTIONS, aws_tunnel_args, azure_ipsec_policy, pre_shared_key


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
        psks = [pre_shared_key(f"{name}-psk-{t.number}", child) for t in tunnels]
        connections = []
        for instance in (0, 1):
            customer_gateway = aws.ec2.CustomerGateway(
                f"{name}-cgw-{instance}",
                ip_address=azure.public_ips[instance],
                bgp_asn=str(azure.asn),
                type="ipsec.1",
                tags={**args.tags, "Name": f"{name}-cgw-{instance}"},
                opts=child,
            )
            first, second = tunnels[2 * instance], tunnels[2 * instance + 1]
            connections.append(
                aws.ec2.VpnConnection(
                    f"{name}-vpn-{instance}",
                    vpn_gateway_id=args.aws.gateway_id,
                    customer_gateway_id=customer_gateway.id,
                    type="ipsec.1",
                    static_routes_only=False,
                    tunnel1_inside_cidr=str(first.inside_cidr),
                    tunnel2_inside_cidr=str(second.inside_cidr),
                    tunnel1_preshared_key=psks[first.number],
                    tunnel2_preshared_key=psks[second.number],
                    **aws_tunnel_args(AWS_TUNNEL_OPTIONS),
                    tags={**args.tags, "Name": f"{name}-vpn-{instance}"},
                    opts=child,
                )
            )
        peer = f"aws-{region_code(args.aws.region)}"
        for tunnel in tunnels:
            connection, side = connections[tunnel.number // 2], tunnel.number % 2 + 1
            local_gateway = azure_native.network.LocalNetworkGateway(
                f"{name}-lng-{tunnel.number}",
                local_network_gateway_name=f"{azure.name_prefix}-{peer}-{tunnel.number}",
                resource_group_name=azure.resource_group_name,
                location=azure.region,
                gateway_ip_address=getattr(connection, f"tunnel{side}_address"),
                bgp_settings={
                    "asn": args.aws.asn,
                    "bgp_peering_address": getattr(connection, f"tunnel{side}_vgw_inside_address"),
                },
                tags=args.tags,
                opts=child,
            )
            # Both instances need an address on every connection: the tunnel's own on its instance, the twin
            # tunnel's (same position on the other AWS connection) on the other one.
            twin = tunnels[tunnel.number ^ 2]
            own = {tunnel.azure_instance: tunnel, twin.azure_instance: twin}
            azure_native.network.VirtualNetworkGatewayConnection(
                f"{name}-conn-{tunnel.number}",
                virtual_network_gateway_connection_name=f"{azure.name_prefix}-{peer}-{tunnel.number}",
                resource_group_name=azure.resource_group_name,
                location=azure.region,
                connection_type="IPsec",
                connection_protocol="IKEv2",
                virtual_network_gateway1={"id": azure.gateway_id},
                local_network_gateway2={"id": local_gateway.id},
                shared_key=psks[tunnel.number],
                enable_bgp=True,
                use_policy_based_traffic_selectors=False,
                ipsec_policies=[azure_ipsec_policy()],
                gateway_custom_bgp_ip_addresses=[
                    {
                        "ip_configuration_id": azure.ip_configuration_ids[instance],
                        "custom_bgp_ip_address": str(own[instance].address("azure")),
                    }
                    for instance in (0, 1)
                ],
                tags=args.tags,
                opts=child,
            )
        self.tunnel_keys = [t.key for t in tunnels]
        self.register_outputs({"tunnels": self.tunnel_keys})
