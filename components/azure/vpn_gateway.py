"""The Azure end of the VPN mesh in one region: an active-active, zone-redundant VPN gateway with BGP."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native

from ..settings.catalog import AZURE_GENERATION1_SKUS

INSTANCES = (0, 1)
"""The two instances of an active-active gateway, each with its own public IP and APIPA addresses."""


@dataclass(frozen=True)
class AzureVpnGatewayArgs:
    """Inputs of AzureVpnGateway."""

    gateway_name: str
    """Physical name of the virtual network gateway."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the region."""
    location: str
    """Azure region."""
    subscription_id: str
    """Subscription (to spell the gateway's own IP configuration ids)."""
    gateway_subnet_id: pulumi.Input[str]
    """The VNet's `GatewaySubnet`."""
    sku: str
    """Zone-redundant gateway SKU (VpnGw1AZ...)."""
    asn: int
    """BGP ASN of the gateway."""
    bgp_addresses: tuple[Sequence[str], Sequence[str]]
    """Custom APIPA BGP addresses of instance 0 and instance 1 (one per tunnel it terminates)."""
    tags: dict[str, str]
    """Tags of the gateway and its public IPs."""


class AzureVpnGateway(pulumi.ComponentResource):
    """Two zone-redundant Standard public IPs and a route-based, active-active Generation2 VPN gateway in the
    `GatewaySubnet`, BGP on with the custom APIPA addresses the mesh allocated to each instance."""

    gateway_id: pulumi.Output[str]
    """ARM id of the virtual network gateway."""
    public_ips: list[pulumi.Output[str]]
    """Public IP of instance 0 and of instance 1 (the peers' customer/external gateway addresses)."""
    ip_configuration_ids: list[pulumi.Output[str]]
    """ARM ids of the gateway's two IP configurations (a connection picks its APIPA address per instance)."""

    def __init__(self, name: str, args: AzureVpnGatewayArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:azure:VpnGateway", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        ips = [
            azure_native.network.PublicIPAddress(
                f"{name}-pip-{i}",
                public_ip_address_name=f"{args.gateway_name}-pip-{i}",
                resource_group_name=args.resource_group_name,
                location=args.location,
                sku={"name": "Standard", "tier": "Regional"},
                public_ip_allocation_method="Static",
                public_ip_address_version="IPv4",
                zones=["1", "2", "3"],
                tags=args.tags,
                opts=child,
            )
            for i in INSTANCES
        ]
        # The gateway names its own IP configurations in its BGP settings, so their ids are spelled up front.
        config_names = [f"instance-{i}" for i in INSTANCES]
        config_ids = [
            pulumi.Output.concat(
                f"/subscriptions/{args.subscription_id}/resourceGroups/",
                args.resource_group_name,
                f"/providers/Microsoft.Network/virtualNetworkGateways/{args.gateway_name}/ipConfigurations/{n}",
            )
            for n in config_names
        ]
        gateway = azure_native.network.VirtualNetworkGateway(
            f"{name}-vng",
            virtual_network_gateway_name=args.gateway_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            gateway_type="Vpn",
            vpn_type="RouteBased",
            vpn_gateway_generation="Generation1" if args.sku in AZURE_GENERATION1_SKUS else "Generation2",
            sku={"name": args.sku, "tier": args.sku},
            active_active=True,
            enable_bgp=True,
            ip_configurations=[
                {
                    "name": config_names[i],
                    "private_ip_allocation_method": "Dynamic",
                    "public_ip_address": {"id": ips[i].id},
                    "subnet": {"id": args.gateway_subnet_id},
                }
                for i in INSTANCES
            ],
            bgp_settings={
                "asn": args.asn,
                "bgp_peering_addresses": [
                    {"ipconfiguration_id": config_ids[i], "custom_bgp_ip_addresses": list(args.bgp_addresses[i])}
                    for i in INSTANCES
                ],
            },
            tags=args.tags,
            opts=child,
        )
        self.gateway_id = gateway.id
        self.public_ips = [ip.ip_address.apply(lambda a: a or "") for ip in ips]
        self.ip_configuration_ids = [pulumi.Output.concat(gateway.id, f"/ipConfigurations/{n}") for n in config_names]
        self.register_outputs({"gateway_id": self.gateway_id, "public_ips": self.public_ips})
