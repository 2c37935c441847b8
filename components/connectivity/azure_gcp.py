"""One leg of the VPN mesh: an Azure region and a GCP region, two tunnels with BGP over APIPA addresses."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native
import pulumi_gcp as gcp

from ..lib.naming import region_code
from ..lib.tunnels import Leg
from .ends import AzureEnd, GcpEnd
from .ipsec import azure_ipsec_policy, gcp_cipher_suite, pre_shared_key


@dataclass(frozen=True)
class AzureGcpLegArgs:
    """Inputs of AzureGcpLeg."""

    leg: Leg
    """The leg's tunnels and their inside /30s (from the mesh plan)."""
    azure: AzureEnd
    """The Azure region's gateway."""
    gcp: GcpEnd
    """The GCP region's HA VPN gateway and Cloud Router."""
    tags: dict[str, str]
    """Tags (Azure) and labels (GCP) of every resource."""


class AzureGcpLeg(pulumi.ComponentResource):
    """HA VPN interface n to Azure gateway instance n (Google's topology for an active-active Azure gateway, one
    peer with two IPs: TWO_IPS_REDUNDANCY), the BGP session of each tunnel on Azure custom APIPA addresses; on
    Azure one local network gateway per HA VPN interface and one IKEv2 connection each. Each tunnel has its own
    generated pre-shared key. Give it the Azure and the GCP region's providers through `opts.providers`."""

    tunnel_keys: list[str]
    """Mesh keys of the leg's tunnels."""

    def __init__(self, name: str, args: AzureGcpLegArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:connectivity:AzureGcpLeg", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        tunnels, azure, end = args.leg.tunnels, args.azure, args.gcp
        psks = [pre_shared_key(f"{name}-psk-{t.number}", child) for t in tunnels]
        azure_peer, gcp_peer = f"azure-{region_code(azure.region)}", f"gcp-{region_code(end.region)}"
        external = gcp.compute.ExternalVpnGateway(
            f"{name}-peer",
            name=f"{end.name_prefix}-{azure_peer}",
            project=end.project,
            redundancy_type="TWO_IPS_REDUNDANCY",
            interfaces=[{"id": i, "ip_address": azure.public_ips[i]} for i in (0, 1)],
            description=f"Azure {azure.region}: the two instances of the active-active VPN gateway",
            labels=args.tags,
            opts=child,
        )
        for tunnel in tunnels:
            n = tunnel.number
            vpn_tunnel = gcp.compute.VPNTunnel(
                f"{name}-tunnel-{n}",
                name=f"{end.name_prefix}-{azure_peer}-{n}",
                project=end.project,
                region=end.region,
                vpn_gateway=end.gateway_id,
                vpn_gateway_interface=n,
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
                name=f"{azure_peer}-{n}",
                project=end.project,
                region=end.region,
                router=end.router_name,
                ip_range=f"{tunnel.address('gcp')}/30",
                vpn_tunnel=vpn_tunnel.name,
                opts=child,
            )
            gcp.compute.RouterPeer(
                f"{name}-bgp-peer-{n}",
                name=f"{azure_peer}-{n}",
                project=end.project,
                region=end.region,
                router=end.router_name,
                interface=bgp_interface.name,
                peer_ip_address=str(tunnel.address("azure")),
                peer_asn=azure.asn,
                advertised_route_priority=100,
                advertise_mode="CUSTOM",
                advertised_ip_ranges=[{"range": end.advertised_cidr}],
                opts=child,
            )
            local_gateway = azure_native.network.LocalNetworkGateway(
                f"{name}-lng-{n}",
                local_network_gateway_name=f"{azure.name_prefix}-{gcp_peer}-{n}",
                resource_group_name=azure.resource_group_name,
                location=azure.region,
                gateway_ip_address=end.interface_ips[n],
                bgp_settings={"asn": end.asn, "bgp_peering_address": str(tunnel.address("gcp"))},
                tags=args.tags,
                opts=child,
            )
            # Both instances need an address on every connection: this tunnel's on its own instance, the other
            # tunnel's on the other instance.
            by_instance = {t.azure_instance: t for t in tunnels}
            azure_native.network.VirtualNetworkGatewayConnection(
                f"{name}-conn-{n}",
                virtual_network_gateway_connection_name=f"{azure.name_prefix}-{gcp_peer}-{n}",
                resource_group_name=azure.resource_group_name,
                location=azure.region,
                connection_type="IPsec",
                connection_protocol="IKEv2",
                virtual_network_gateway1={"id": azure.gateway_id},
                local_network_gateway2={"id": local_gateway.id},
                shared_key=psks[n],
                enable_bgp=True,
                use_policy_based_traffic_selectors=False,
                ipsec_policies=[azure_ipsec_policy()],
                gateway_custom_bgp_ip_addresses=[
                    {
                        "ip_configuration_id": azure.ip_configuration_ids[i],
                        "custom_bgp_ip_address": str(by_instance[i].address("azure")),
                    }
                    for i in (0, 1)
                ],
                tags=args.tags,
                opts=child,
            )
        self.tunnel_keys = [t.key for t in tunnels]
        self.register_outputs({"tunnels": self.tunnel_keys})
