"""A private DNS zone linked to one VNet: how a private endpoint or a VNet-injected server resolves in the VNet."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native


def linked_private_zone(
    resource_name: str,
    *,
    zone_name: pulumi.Input[str],
    link_name: pulumi.Input[str],
    resource_group_name: pulumi.Input[str],
    vnet_id: pulumi.Input[str],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> tuple[azure_native.privatedns.PrivateZone, azure_native.privatedns.VirtualNetworkLink]:
    """The zone `zone_name` (`<resource_name>`) and its link to the VNet (`<resource_name>-link`, no
    auto-registration), as children of the calling component (`opts`)."""
    zone = azure_native.privatedns.PrivateZone(
        resource_name,
        private_zone_name=zone_name,
        resource_group_name=resource_group_name,
        location="global",
        tags=tags,
        opts=opts,
    )
    link = azure_native.privatedns.VirtualNetworkLink(
        f"{resource_name}-link",
        virtual_network_link_name=link_name,
        private_zone_name=zone.name,
        resource_group_name=resource_group_name,
        location="global",
        virtual_network={"id": vnet_id},
        registration_enabled=False,
        tags=tags,
        opts=opts,
    )
    return zone, link
