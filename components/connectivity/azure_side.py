"""The Azure half of a mesh leg: one IKEv2 BGP connection (and its local network gateway) to one peer endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address

import pulumi
import pulumi_azure_native as azure_native

from .ends import AzureEnd
from .ipsec import AZURE_IPSEC_POLICY


def azure_connection(
    name: str,
    azure: AzureEnd,
    peer: str,
    number: int,
    peer_gateway_ip: pulumi.Input[str],
    peer_bgp: tuple[int, pulumi.Input[str]],
    own_addresses: Sequence[IPv4Address],
    psk: pulumi.Input[str],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> None:
    """A local network gateway for one peer tunnel endpoint (`<name>-lng-<n>`; `peer_bgp` is its ASN and BGP
    address) and the gateway's IKEv2 BGP connection to it (`<name>-conn-<n>`), which uses `own_addresses[i]` as
    the APIPA address of gateway instance i (Azure wants one per instance on every connection)."""
    physical = f"{azure.name_prefix}-{peer}-{number}"
    asn, bgp_address = peer_bgp
    local_gateway = azure_native.network.LocalNetworkGateway(
        f"{name}-lng-{number}",
        local_network_gateway_name=physical,
        resource_group_name=azure.resource_group_name,
        location=azure.region,
        gateway_ip_address=peer_gateway_ip,
        bgp_settings={"asn": asn, "bgp_peering_address": bgp_address},
        tags=tags,
        opts=opts,
    )
    azure_native.network.VirtualNetworkGatewayConnection(
        f"{name}-conn-{number}",
        virtual_network_gateway_connection_name=physical,
        resource_group_name=azure.resource_group_name,
        location=azure.region,
        connection_type="IPsec",
        connection_protocol="IKEv2",
        virtual_network_gateway1={"id": azure.gateway_id},
        local_network_gateway2={"id": local_gateway.id},
        shared_key=psk,
        enable_bgp=True,
        use_policy_based_traffic_selectors=False,
        ipsec_policies=[azure_native.network.IpsecPolicyArgs(**AZURE_IPSEC_POLICY)],
        gateway_custom_bgp_ip_addresses=[
            {"ip_configuration_id": config_id, "custom_bgp_ip_address": str(address)}
            for config_id, address in zip(azure.ip_configuration_ids, own_addresses, strict=True)
        ],
        tags=tags,
        opts=opts,
    )
