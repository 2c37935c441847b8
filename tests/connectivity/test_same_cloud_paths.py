"""Same-cloud cross-region paths on the recording: AWS inter-region VPC peering (requested in one region, accepted in
the other, a route to the other VPC in every private route table of both), Azure global VNet peering on both VNets
(no gateway transit either way: each region keeps its own VPN gateway), GCP's regions in one VPC; and the GCP import
route policies that keep a third cloud from carrying GCP's traffic (routing hygiene)."""

from __future__ import annotations

from ipaddress import IPv4Network
from itertools import combinations

import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_gcp as gcp
import pytest

from components.lib.naming import region_code
from components.lib.private_dns import GCP_FORWARDER_SOURCE
from scripts.offline import Recording, Registration
from tests.aws.helpers import descendants, one, token
from tests.conftest import stack_settings as settings

STACKS = ("dev", "prod")


def region_of(rec: Recording, resource: Registration) -> str:
    provider = rec.by_urn()[resource.provider_urn]
    return str(provider.inputs.get("region") or provider.inputs.get("location"))


def regions(stack: str, cloud: str) -> list[str]:
    return [r.name for r in getattr(settings(stack).clouds, cloud).regions]


def cidr(stack: str, cloud: str, region: str) -> str:
    return next(str(r.cidr) for r in getattr(settings(stack).clouds, cloud).regions if r.name == region)


def pairs(stack: str, cloud: str) -> list[tuple[str, str]]:
    return list(combinations(regions(stack, cloud), 2))


def peering_component(rec: Recording, cloud: str, a: str, b: str) -> Registration:
    kind = {"aws": "AwsRegionPeering", "azure": "AzureVnetPeering"}[cloud]
    name = f"flow-{rec.stack}-{cloud}-{region_code(a)}-{region_code(b)}-peering"
    return one(r for r in rec.of_type(f"multicloud:connectivity:{kind}") if r.name == name)


@pytest.mark.parametrize("stack", STACKS)
def test_one_peering_component_per_region_pair_of_aws_and_azure(recorded, stack):
    rec = recorded(stack)
    for cloud, kind in (("aws", "AwsRegionPeering"), ("azure", "AzureVnetPeering")):
        assert len(rec.of_type(f"multicloud:connectivity:{kind}")) == len(pairs(stack, cloud))
        for a, b in pairs(stack, cloud):
            peering_component(rec, cloud, a, b)


@pytest.mark.parametrize("stack", STACKS)
def test_aws_peering_is_requested_in_one_region_accepted_in_the_other_and_routed_both_ways(recorded, stack):
    rec = recorded(stack)
    vpcs = {region_of(rec, v): v for v in rec.of_type(token(aws.ec2.Vpc))}
    private = {
        region: {
            t.id
            for t in rec.of_type(token(aws.ec2.RouteTable))
            if "-private-" in t.name and region_of(rec, t) == region
        }
        for region in regions(stack, "aws")
    }
    for a, b in pairs(stack, "aws"):
        component = peering_component(rec, "aws", a, b)
        below = descendants(rec, component)
        request = one(r for r in below if r.type == token(aws.ec2.VpcPeeringConnection))
        accept = one(r for r in below if r.type == token(aws.ec2.VpcPeeringConnectionAccepter))
        assert region_of(rec, request) == a and region_of(rec, accept) == b
        assert (request.inputs["vpcId"], request.inputs["peerVpcId"]) == (vpcs[a].id, vpcs[b].id)
        assert request.inputs["peerRegion"] == b and not request.inputs.get("autoAccept")  # cross-region: accepter
        assert accept.inputs["vpcPeeringConnectionId"] == request.id and accept.inputs["autoAccept"] is True
        routes = [r for r in below if r.type == token(aws.ec2.Route)]
        assert all(r.inputs["vpcPeeringConnectionId"] == accept.id for r in routes)
        for side, other in ((a, b), (b, a)):
            mine = [r for r in routes if region_of(rec, r) == side]
            assert {r.inputs["routeTableId"] for r in mine} == private[side] and len(mine) == len(private[side])
            assert {r.inputs["destinationCidrBlock"] for r in mine} == {cidr(stack, "aws", other)}


@pytest.mark.parametrize("stack", STACKS)
def test_azure_vnets_peer_both_ways_without_gateway_transit(recorded, stack):
    rec = recorded(stack)
    vnets = {region_of(rec, v): v for v in rec.of_type(token(azure_native.network.VirtualNetwork))}
    for a, b in pairs(stack, "azure"):
        peerings = [
            r
            for r in descendants(rec, peering_component(rec, "azure", a, b))
            if r.type == token(azure_native.network.VirtualNetworkPeering)
        ]
        directions = set()
        for p in peerings:
            local = one(v for v in vnets.values() if v.inputs["virtualNetworkName"] == p.inputs["virtualNetworkName"])
            remote = one(v for v in vnets.values() if v.id == p.inputs["remoteVirtualNetwork"]["id"])
            directions.add((local.inputs["location"], remote.inputs["location"]))
            assert region_of(rec, p) == local.inputs["location"]
            assert p.inputs["allowVirtualNetworkAccess"] is True
            # Each region keeps its own VPN gateway: none offered, none used, nothing forwarded through a region.
            assert p.inputs["allowGatewayTransit"] is False and p.inputs["useRemoteGateways"] is False
            assert p.inputs["allowForwardedTraffic"] is False
        assert directions == {(a, b), (b, a)}


@pytest.mark.parametrize("stack", STACKS)
def test_gcp_regions_share_one_vpc_and_each_advertises_only_its_own_cidr_and_the_dns_forwarder_range(recorded, stack):
    rec = recorded(stack)
    (network,) = rec.of_type(token(gcp.compute.Network))
    subnets = rec.of_type(token(gcp.compute.Subnetwork))
    assert {s.inputs["region"] for s in subnets} == set(regions(stack, "gcp"))
    assert {s.inputs["network"] for s in subnets} == {network.id}
    for s in subnets:
        assert IPv4Network(s.inputs["ipCidrRange"]).subnet_of(IPv4Network(cidr(stack, "gcp", s.inputs["region"])))
    for peer in rec.of_type(token(gcp.compute.RouterPeer)):
        region = region_of(rec, peer)
        # with the private DNS on, Cloud DNS's forwarded queries come from 35.199.192.0/19 (docs/CROSS_CLOUD.md)
        dns = [GCP_FORWARDER_SOURCE] if settings(stack).dns_plan().resolver("gcp", region) else []
        assert [r["range"] for r in peer.inputs["advertisedIpRanges"]] == [cidr(stack, "gcp", region), *dns]


@pytest.mark.parametrize("stack", STACKS)
def test_every_gcp_bgp_peer_imports_only_its_peer_regions_cidr(recorded, stack):
    """No cloud is transit for the other two: a GCP session accepts the one prefix its peer region owns, so what AWS
    or Azure re-advertise from the third cloud is dropped (crosscloud R1)."""
    rec = recorded(stack)
    policies = {
        (region_of(rec, p), p.inputs["router"], p.inputs["name"]): p
        for p in rec.of_type(token(gcp.compute.RouterRoutePolicy))
    }
    peers = rec.of_type(token(gcp.compute.RouterPeer))
    assert peers
    for peer in peers:
        cloud, code = peer.inputs["name"].split("-")[:2]
        remote = one(r for r in regions(stack, cloud) if region_code(r) == code)
        (name,) = peer.inputs["importPolicies"]
        policy = policies[(region_of(rec, peer), peer.inputs["router"], name)]
        assert policy.inputs["type"] == "ROUTE_POLICY_TYPE_IMPORT"
        terms = sorted(policy.inputs["terms"], key=lambda t: t["priority"])
        own = cidr(stack, cloud, remote)
        assert [(t["match"]["expression"], [a["expression"] for a in t["actions"]]) for t in terms] == [
            (f"destination == '{own}'", ["accept()"]),
            (f"destination != '{own}'", ["drop()"]),
        ]
