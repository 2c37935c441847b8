"""Composition of the same-cloud cross-region paths: a peering between every two regions of AWS and of Azure (GCP's
regions share one global VPC, so their subnets already route to each other). Never through another cloud."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations
from typing import Any

import pulumi

from ..lib.naming import region_code
from ..settings import PlatformSettings


def same_cloud_paths(
    parent: pulumi.Resource,
    name: str,
    settings: PlatformSettings,
    regions: Mapping[Any, Mapping[str, Any]],
    providers: Mapping[tuple[str, str], pulumi.ProviderResource],
) -> dict[str, pulumi.ComponentResource]:
    """One peering component per region pair of AWS and of Azure (`<name>-<cloud>-<code>-<code>-peering`), keyed
    `<cloud>/<region>/<region>` in the cloud's region order."""
    built: dict[str, pulumi.ComponentResource] = {}
    cidrs = {(cloud, r.name): str(r.cidr) for cloud, c in settings.clouds.enabled().items() for r in c.regions}
    opts = pulumi.ResourceOptions(parent=parent)
    if len(regions.get("aws", {})) > 1:
        from .aws_region_peering import AwsPeeringSide, AwsRegionPeering, AwsRegionPeeringArgs

        def aws_side(region: str) -> AwsPeeringSide:
            network = regions["aws"][region].network
            return AwsPeeringSide(
                region=region,
                vpc_id=network.vpc_id,
                cidr=cidrs[("aws", region)],
                route_table_ids=network.private_route_table_ids,
                provider=providers[("aws", region)],
            )

        for a, b in combinations(regions["aws"], 2):
            built[f"aws/{a}/{b}"] = AwsRegionPeering(
                f"{name}-aws-{region_code(a)}-{region_code(b)}-peering",
                AwsRegionPeeringArgs(requester=aws_side(a), accepter=aws_side(b), tags=settings.tags()),
                opts=opts,
            )
    if len(regions.get("azure", {})) > 1:
        from .azure_vnet_peering import AzurePeeringSide, AzureVnetPeering, AzureVnetPeeringArgs

        # a VNet's subnet and peering writes run one at a time: each peering waits for its VNets' subnets and the
        # earlier peerings
        last_writes = {region: list(component.vnet_writes) for region, component in regions["azure"].items()}

        def azure_side(region: str) -> AzurePeeringSide:
            component = regions["azure"][region]
            return AzurePeeringSide(
                region=region,
                resource_group_name=component.resource_group_name,
                vnet_name=component.vnet_name,
                vnet_id=component.vnet_id,
                ready=last_writes[region],
                provider=providers[("azure", region)],
            )

        for a, b in combinations(regions["azure"], 2):
            peering = AzureVnetPeering(
                f"{name}-azure-{region_code(a)}-{region_code(b)}-peering",
                AzureVnetPeeringArgs(first=azure_side(a), second=azure_side(b)),
                opts=opts,
            )
            built[f"azure/{a}/{b}"] = peering
            last_writes[a] = last_writes[b] = [peering]
    return built
