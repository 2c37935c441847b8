"""A private path between two AWS regions of the platform: inter-region VPC peering with routes both ways."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class AwsPeeringSide:
    """One region's VPC on a peering."""

    region: str
    """AWS region."""
    vpc_id: pulumi.Input[str]
    """The region's VPC."""
    cidr: str
    """The region's CIDR (the other side routes it to the peering)."""
    route_table_ids: Sequence[pulumi.Input[str]]
    """Route tables that get a route to the other side (the private ones: nodes, pods, databases, internal LBs)."""
    provider: pulumi.ProviderResource
    """The region's explicit provider."""


@dataclass(frozen=True)
class AwsRegionPeeringArgs:
    """Inputs of AwsRegionPeering."""

    requester: AwsPeeringSide
    """The side that requests the peering (the one earlier in the cloud's region list)."""
    accepter: AwsPeeringSide
    """The side that accepts it."""
    tags: dict[str, str]
    """Tags of the peering."""


class AwsRegionPeering(pulumi.ComponentResource):
    """Inter-region VPC peering between two of the platform's VPCs: requested in one region, accepted in the other
    (cross-region peering cannot be auto-accepted by the requester, so the accepter resource does it), and a route
    to the other VPC's CIDR in every private route table of both sides. A peering is not transitive: it carries no
    traffic to the other region's VPN gateway, so the other clouds never transit it (and it never transits them).

    Why peering and not a Transit Gateway: with at most 4 regions per cloud a full mesh is at most 6 peerings, which
    have no hourly charge (a TGW attachment is billed per hour and per GB processed), and the VPN legs stay on the
    VGWs. https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html"""

    peering_id: pulumi.Output[str]
    """Id of the VPC peering connection (`pcx-...`), once accepted."""

    def __init__(self, name: str, args: AwsRegionPeeringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:connectivity:AwsRegionPeering", name, {}, opts)
        a, b = args.requester, args.accepter
        tags = {**args.tags, "Name": name}
        request = aws.ec2.VpcPeeringConnection(
            f"{name}-request",
            vpc_id=a.vpc_id,
            peer_vpc_id=b.vpc_id,
            peer_region=b.region,
            tags={**tags, "side": "requester"},
            opts=pulumi.ResourceOptions(parent=self, provider=a.provider),
        )
        accept = aws.ec2.VpcPeeringConnectionAccepter(
            f"{name}-accept",
            vpc_peering_connection_id=request.id,
            auto_accept=True,
            tags={**tags, "side": "accepter"},
            opts=pulumi.ResourceOptions(parent=self, provider=b.provider),
        )
        # The accepter's id is the peering's id once it is active: every route waits for the acceptance.
        peering_id = accept.id
        for side, other, label in ((a, b, "requester"), (b, a, "accepter")):
            for i, route_table_id in enumerate(side.route_table_ids):
                aws.ec2.Route(
                    f"{name}-{label}-route-{i}",
                    route_table_id=route_table_id,
                    destination_cidr_block=other.cidr,
                    vpc_peering_connection_id=peering_id,
                    opts=pulumi.ResourceOptions(parent=self, provider=side.provider),
                )
        self.peering_id = peering_id
        self.register_outputs({"peering_id": self.peering_id})
