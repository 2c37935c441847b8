"""A private path between two Azure regions of the platform: global VNet peering, one peering on each VNet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native


@dataclass(frozen=True)
class AzurePeeringSide:
    """One region's VNet on a peering."""

    region: str
    """Azure region (location)."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the VNet."""
    vnet_name: pulumi.Input[str]
    """Name of the VNet."""
    vnet_id: pulumi.Input[str]
    """ARM id of the VNet."""
    ready: Sequence[pulumi.Resource]
    """What writes the VNet before it is peered (its subnets, an earlier peering): a VNet's subnet and peering writes
    run one at a time, and a peering needs both of its VNets `Succeeded` (ReferencedResourceNotProvisioned otherwise,
    hashicorp/terraform-provider-azurerm#2605)."""
    provider: pulumi.ProviderResource
    """The region's explicit provider."""


@dataclass(frozen=True)
class AzureVnetPeeringArgs:
    """Inputs of AzureVnetPeering."""

    first: AzurePeeringSide
    """The side earlier in the cloud's region list."""
    second: AzurePeeringSide
    """The other side."""


class AzureVnetPeering(pulumi.ComponentResource):
    """Global VNet peering between two of the platform's VNets: a peering on each VNet pointing at the other (a
    peering carries traffic only once both exist). Each region keeps its own VPN gateway, so neither side offers
    nor uses the other's gateway (`allow_gateway_transit`/`use_remote_gateways` false): a peered VNet is never
    reached through the other region's VPN tunnels and never lends them. Forwarded traffic is refused, so nothing
    transits a region on its way to the other. Both peerings write both VNets, so the second waits for the first.
    https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview"""

    peering_ids: list[pulumi.Output[str]]
    """ARM ids of the two peerings (first -> second, second -> first)."""

    def __init__(self, name: str, args: AzureVnetPeeringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:connectivity:AzureVnetPeering", name, {}, opts)
        ids = []
        earlier: list[pulumi.Resource] = []
        for side, other, label in ((args.first, args.second, "to-second"), (args.second, args.first, "to-first")):
            peering = azure_native.network.VirtualNetworkPeering(
                f"{name}-{label}",
                virtual_network_peering_name=f"to-{other.region}",
                resource_group_name=side.resource_group_name,
                virtual_network_name=side.vnet_name,
                remote_virtual_network={"id": other.vnet_id},
                allow_virtual_network_access=True,
                allow_forwarded_traffic=False,
                allow_gateway_transit=False,
                use_remote_gateways=False,
                opts=pulumi.ResourceOptions(
                    parent=self, provider=side.provider, depends_on=[*side.ready, *other.ready, *earlier]
                ),
            )
            earlier = [peering]
            ids.append(peering.id)
        self.peering_ids = ids
        self.register_outputs({"peering_ids": self.peering_ids})
