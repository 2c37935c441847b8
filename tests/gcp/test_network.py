"""GcpNetwork: custom-mode VPC per region, a node subnet with pod and service secondary ranges carved from the
region's CIDR, Cloud Router + NAT for the private nodes, and private services access for Cloud SQL."""

from __future__ import annotations

from ipaddress import IPv4Network

import pulumi_gcp as gcp
import pytest

from scripts.offline import Recording, Registration
from tests.aws.helpers import depends_on, deps_of_type, one_of

from .helpers import ALL_REGIONS, NETWORK, REGION_CODES, component, config_regions, project_of


def network(rec: Recording, region: str) -> Registration:
    return component(rec, region, NETWORK)


def part(rec: Recording, region: str, resource_type: type) -> Registration:
    return one_of(rec, resource_type, network(rec, region))


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_vpc_is_custom_mode_and_regional(gcp_recorded, stack, region):
    vpc = part(gcp_recorded(stack), region, gcp.compute.Network)
    assert vpc.inputs["autoCreateSubnetworks"] is False
    assert vpc.inputs["routingMode"] == "REGIONAL"
    assert vpc.inputs["name"] == f"flow-{stack}-{REGION_CODES[region]}-vpc"
    assert vpc.inputs["project"] == project_of(stack)
    assert not vpc.inputs.get("deleteDefaultRoutesOnCreate")  # private nodes reach NAT through the default route


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_subnet_ranges_are_carved_from_the_region_cidr_without_overlap(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    subnet = part(rec, region, gcp.compute.Subnetwork)
    cidr = config_regions(stack)[region]
    assert subnet.inputs["region"] == region
    assert deps_of_type(rec, subnet, gcp.compute.Network) == [part(rec, region, gcp.compute.Network)]
    primary = IPv4Network(subnet.inputs["ipCidrRange"])
    secondary = {r["rangeName"]: IPv4Network(r["ipCidrRange"]) for r in subnet.inputs["secondaryIpRanges"]}
    assert set(secondary) == {"pods", "services"}
    psa = part(rec, region, gcp.compute.GlobalAddress)
    private_services = IPv4Network(f"{psa.inputs['address']}/{int(psa.inputs['prefixLength'])}")
    ranges = [primary, secondary["pods"], secondary["services"], private_services]
    assert all(r.subnet_of(cidr) for r in ranges), ranges
    assert not any(a.overlaps(b) for i, a in enumerate(ranges) for b in ranges[i + 1 :]), ranges
    # Pods take one /24 per node: at least a /17 of a /16 region, more room than nodes or services.
    assert secondary["pods"].num_addresses >= cidr.num_addresses // 2
    assert secondary["pods"].num_addresses > secondary["services"].num_addresses
    assert primary.prefixlen <= 24 and private_services.prefixlen <= 24


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_subnet_has_private_google_access_and_flow_logs(gcp_recorded, stack, region):
    subnet = part(gcp_recorded(stack), region, gcp.compute.Subnetwork)
    assert subnet.inputs["privateIpGoogleAccess"] is True
    assert subnet.inputs["logConfig"]["metadata"] == "INCLUDE_ALL_METADATA"
    assert 0 < subnet.inputs["logConfig"]["flowSampling"] <= 1
    assert subnet.inputs.get("stackType") == "IPV4_ONLY"


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_cloud_nat_on_the_regions_router_serves_the_node_subnet(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    router = part(rec, region, gcp.compute.Router)
    nat = part(rec, region, gcp.compute.RouterNat)
    subnet = part(rec, region, gcp.compute.Subnetwork)
    assert router.inputs["region"] == nat.inputs["region"] == region
    assert deps_of_type(rec, router, gcp.compute.Network) == [part(rec, region, gcp.compute.Network)]
    assert nat.inputs["router"] == router.inputs["name"] and depends_on(nat, router)
    assert nat.inputs["natIpAllocateOption"] == "AUTO_ONLY"
    assert nat.inputs["sourceSubnetworkIpRangesToNat"] == "LIST_OF_SUBNETWORKS"
    (served,) = nat.inputs["subnetworks"]
    assert served["name"].endswith(f"/regions/{region}/subnetworks/{subnet.inputs['name']}")
    assert served["sourceIpRangesToNats"] == ["ALL_IP_RANGES"] and depends_on(nat, subnet)
    assert nat.inputs["logConfig"] == {"enable": True, "filter": "ERRORS_ONLY"}


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_private_services_access_peers_a_reserved_internal_range(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    vpc = part(rec, region, gcp.compute.Network)
    psa = part(rec, region, gcp.compute.GlobalAddress)
    connection = part(rec, region, gcp.servicenetworking.Connection)
    assert (psa.inputs["purpose"], psa.inputs["addressType"]) == ("VPC_PEERING", "INTERNAL")
    assert depends_on(psa, vpc) and depends_on(connection, vpc) and depends_on(connection, psa)
    assert connection.inputs["service"] == "servicenetworking.googleapis.com"
    assert connection.inputs["reservedPeeringRanges"] == [psa.inputs["name"]]
    assert connection.inputs["deletionPolicy"] == "REMOVE_PEERING"
