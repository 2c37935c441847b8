"""GcpGlobalNetwork and GcpNetwork: one custom-mode global VPC for every GCP region (the regions reach each other
over subnet routes), a node subnet per region with pod and service secondary ranges carved from the region's CIDR,
Cloud Router + NAT for the private nodes, and one private-services connection holding every region's range."""

from __future__ import annotations

from ipaddress import IPv4Network

import pulumi_gcp as gcp
import pytest

from scripts.offline import Recording, Registration
from tests.aws.helpers import depends_on, deps_of_type, descendants, one_of

from .helpers import (
    ALL_REGIONS,
    NETWORK,
    STACKS,
    component,
    config_regions,
    global_network,
    project_of,
    psa_connection,
    psa_range,
    vpc,
)


def network(rec: Recording, region: str) -> Registration:
    return component(rec, region, NETWORK)


def part(rec: Recording, region: str, resource_type: type) -> Registration:
    return one_of(rec, resource_type, network(rec, region))


@pytest.mark.parametrize("stack", STACKS)
def test_one_custom_mode_vpc_holds_every_gcp_region_with_standard_best_path_selection(gcp_recorded, stack):
    rec = gcp_recorded(stack)
    network = vpc(rec)
    assert len(rec.of_type(gcp.compute.Network.pulumi_type)) == 1
    assert network.inputs["autoCreateSubnetworks"] is False
    assert network.inputs["routingMode"] == "REGIONAL"  # each region's router serves its own tunnels
    assert network.inputs["bgpBestPathSelectionMode"] == "STANDARD"  # deliberate: AS-path length counts
    assert network.inputs["name"] == f"flow-{stack}-vpc"
    assert network.inputs["project"] == project_of(stack)
    assert not network.inputs.get("deleteDefaultRoutesOnCreate")  # private nodes reach NAT through the default route
    subnets = rec.of_type(gcp.compute.Subnetwork.pulumi_type)
    assert {s.inputs["region"] for s in subnets} == set(config_regions(stack))
    assert all(depends_on(s, network) for s in subnets)


@pytest.mark.parametrize("stack", STACKS)
def test_the_other_gcp_regions_are_admitted_on_https_and_postgres(gcp_recorded, stack):
    rec = gcp_recorded(stack)
    rules = {r.name: r for r in descendants(rec, global_network(rec)) if r.type == gcp.compute.Firewall.pulumi_type}
    own = {str(c) for c in config_regions(stack).values()}
    name = f"flow-{stack}-gcp-network-regions"
    if len(own) < 2:
        assert name not in rules  # nothing to admit with one region
        return
    rule = rules[name]
    assert set(rule.inputs["sourceRanges"]) == own and rule.inputs["direction"] == "INGRESS"
    assert {a["protocol"]: a.get("ports") for a in rule.inputs["allows"]} == {"tcp": ["443", "5432"], "icmp": None}


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_subnet_ranges_are_carved_from_the_region_cidr_without_overlap(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    subnet = part(rec, region, gcp.compute.Subnetwork)
    cidr = config_regions(stack)[region]
    assert subnet.inputs["region"] == region
    assert deps_of_type(rec, subnet, gcp.compute.Network) == [vpc(rec)]
    primary = IPv4Network(subnet.inputs["ipCidrRange"])
    secondary = {r["rangeName"]: IPv4Network(r["ipCidrRange"]) for r in subnet.inputs["secondaryIpRanges"]}
    assert set(secondary) == {"pods", "services"}
    psa = psa_range(rec, region)
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
    assert deps_of_type(rec, router, gcp.compute.Network) == [vpc(rec)]
    assert nat.inputs["router"] == router.inputs["name"] and depends_on(nat, router)
    assert nat.inputs["natIpAllocateOption"] == "AUTO_ONLY"
    assert nat.inputs["sourceSubnetworkIpRangesToNat"] == "LIST_OF_SUBNETWORKS"
    (served,) = nat.inputs["subnetworks"]
    assert served["name"].endswith(f"/regions/{region}/subnetworks/{subnet.inputs['name']}")
    assert served["sourceIpRangesToNats"] == ["ALL_IP_RANGES"] and depends_on(nat, subnet)
    assert nat.inputs["logConfig"] == {"enable": True, "filter": "ERRORS_ONLY"}


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_cloud_nat_allocates_ports_dynamically_without_endpoint_independent_mapping(gcp_recorded, stack, region):
    nat = part(gcp_recorded(stack), region, gcp.compute.RouterNat)
    assert nat.inputs["enableDynamicPortAllocation"] is True
    assert nat.inputs["enableEndpointIndependentMapping"] is False  # mutually exclusive with dynamic allocation
    low, high = int(nat.inputs["minPortsPerVm"]), int(nat.inputs["maxPortsPerVm"])
    assert (low, high) == (128, 4096)
    # Cloud NAT's rules: powers of two, min >= 32 (above the static default of 64 here), max above min, <= 65536.
    assert all(n & (n - 1) == 0 for n in (low, high)) and 64 < low < high <= 65536


@pytest.mark.parametrize("stack", STACKS)
def test_one_private_services_connection_holds_every_regions_reserved_range(gcp_recorded, stack):
    rec = gcp_recorded(stack)
    network, connection = vpc(rec), psa_connection(rec)
    ranges = [psa_range(rec, region) for region in config_regions(stack)]
    for psa in ranges:
        assert (psa.inputs["purpose"], psa.inputs["addressType"]) == ("VPC_PEERING", "INTERNAL")
        assert depends_on(psa, network) and depends_on(connection, psa)
    assert depends_on(connection, network)
    assert connection.inputs["service"] == "servicenetworking.googleapis.com"
    assert connection.inputs["reservedPeeringRanges"] == [psa.inputs["name"] for psa in ranges]
    assert connection.inputs["deletionPolicy"] == "REMOVE_PEERING"
