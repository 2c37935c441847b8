"""The VPN allocator: every /30 where every cloud on its tunnel accepts it, unique, and stable as the mesh grows."""

from __future__ import annotations

from ipaddress import IPv4Network

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.lib.tunnels import (
    AWS_RESERVED,
    AZURE_APIPA,
    LINK_LOCAL,
    MAX_REGIONS,
    PAIRS,
    TUNNELS_PER_LEG,
    TunnelPlanError,
    plan_mesh,
)

REGION_NAMES = {
    "aws": ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"],
    "azure": ["eastus", "westus2", "westeurope", "southeastasia"],
    "gcp": ["us-central1", "us-east1", "europe-west1", "asia-southeast1"],
}
ASNS = {"aws": 64512, "azure": 65010, "gcp": 65020}

meshes = st.fixed_dictionaries({cloud: st.integers(min_value=0, max_value=MAX_REGIONS) for cloud in REGION_NAMES}).map(
    lambda counts: {cloud: REGION_NAMES[cloud][:n] for cloud, n in counts.items() if n}
)
scopes = st.sampled_from(["all", "primary"])


def cidrs(plan) -> dict[str, IPv4Network]:
    return {t.key: t.inside_cidr for t in plan.tunnels()}


@given(meshes, scopes)
def test_every_tunnel_gets_a_unique_slash_30_its_clouds_accept(regions, scope):
    tunnels = list(plan_mesh(regions, scope, ASNS).tunnels())
    for i, tunnel in enumerate(tunnels):
        cidr = tunnel.inside_cidr
        assert cidr.prefixlen == 30
        if "azure" in tunnel.pair:
            assert any(cidr.subnet_of(r) for r in AZURE_APIPA), f"{tunnel.key}: {cidr} is not Azure APIPA"
        assert cidr.subnet_of(LINK_LOCAL)
        if "aws" in tunnel.pair:
            assert not any(cidr.overlaps(r) for r in AWS_RESERVED), f"{tunnel.key}: {cidr} is reserved by AWS"
        assert not any(cidr.overlaps(other.inside_cidr) for other in tunnels[:i]), tunnel.key
        assert tunnel.address(tunnel.pair[0]) != tunnel.address(tunnel.pair[1])


@given(meshes, meshes, scopes)
def test_adding_clouds_or_regions_never_moves_an_existing_tunnel(first, second, scope):
    # The union of two meshes is the first one grown by clouds and appended regions.
    grown = {c: REGION_NAMES[c][: max(len(first.get(c, [])), len(second.get(c, [])))] for c in REGION_NAMES}
    grown = {c: names for c, names in grown.items() if names}
    before, after = cidrs(plan_mesh(first, scope, ASNS)), cidrs(plan_mesh(grown, scope, ASNS))
    assert set(before) <= set(after)
    assert {key: after[key] for key in before} == before


@given(meshes)
def test_every_region_takes_its_clouds_asn_so_no_cloud_is_transit_between_two_regions_of_another(regions):
    plan = plan_mesh(regions, "all", ASNS)
    assert plan.asns == {(c, r): ASNS[c] for c, names in regions.items() for r in names}


@given(meshes, scopes)
def test_each_azure_instance_lists_the_addresses_of_exactly_the_tunnels_it_terminates(regions, scope):
    plan = plan_mesh(regions, scope, ASNS)
    for region in regions.get("azure", []):
        instances = plan.azure_bgp_addresses(region)
        expected: tuple[list[str], list[str]] = ([], [])
        for leg in plan.legs_of("azure", region):
            for tunnel in leg.tunnels:
                expected[tunnel.azure_instance].append(str(tunnel.address("azure")))
        assert instances == expected
        assert all(any(IPv4Network(f"{a}/32").subnet_of(r) for r in AZURE_APIPA) for a in instances[0] + instances[1])


def test_the_seed_mesh_has_every_pair_and_region_pair_with_four_or_two_tunnels_each():
    regions = {cloud: names[:2] for cloud, names in REGION_NAMES.items()}
    plan = plan_mesh(regions, "all", ASNS)
    assert [leg.pair for leg in plan.legs] == [pair for pair in PAIRS for _ in range(4)]
    assert {leg.key: len(leg.tunnels) for leg in plan.legs} == {leg.key: TUNNELS_PER_LEG[leg.pair] for leg in plan.legs}
    assert plan.legs[0].key == "aws-azure/us-east-1/eastus"
    primary = plan_mesh(regions, "primary", ASNS)
    assert [leg.regions for leg in primary.legs] == [
        ("us-east-1", "eastus"),
        ("us-east-1", "us-central1"),
        ("eastus", "us-central1"),
    ]


def test_aws_tunnels_put_the_aws_side_on_the_first_host():
    tunnel = next(plan_mesh({"aws": ["us-east-1"], "gcp": ["us-central1"]}, "all", ASNS).tunnels())
    assert (tunnel.key, str(tunnel.inside_cidr)) == ("aws-gcp/us-east-1/us-central1/0", "169.254.32.0/30")
    assert (str(tunnel.address("aws")), str(tunnel.address("gcp"))) == ("169.254.32.1", "169.254.32.2")


def test_a_pinned_tunnel_keeps_its_slash_30():
    regions = {"aws": ["us-east-1"], "azure": ["eastus"]}
    pinned = {"aws-azure/us-east-1/eastus/2": IPv4Network("169.254.22.200/30")}
    plan = plan_mesh(regions, "all", ASNS, pinned)
    assert cidrs(plan)["aws-azure/us-east-1/eastus/2"] == IPv4Network("169.254.22.200/30")
    assert cidrs(plan)["aws-azure/us-east-1/eastus/1"] == IPv4Network("169.254.21.4/30")


BAD_PINS = [
    pytest.param(
        {"aws-azure/us-east-1/eastus/0": "169.254.21.4/30"},
        "vpn.pinned.aws-azure/us-east-1/eastus/0",
        "169.254.21.4/30 overlaps 169.254.21.4/30 of tunnel aws-azure/us-east-1/eastus/1; allowed: a free /30",
        id="overlaps-an-allocated-tunnel",
    ),
    pytest.param(
        {"aws-gcp/us-east-1/us-central1/0": "169.254.40.0/30", "aws-gcp/us-east-1/us-central1/1": "169.254.40.0/30"},
        "vpn.pinned.aws-gcp/us-east-1/us-central1/1",
        "169.254.40.0/30 overlaps 169.254.40.0/30 of tunnel aws-gcp/us-east-1/us-central1/0; allowed: a free /30",
        id="two-pins-overlap",
    ),
    pytest.param(
        {"aws-azure/us-east-1/eastus/0": "169.254.30.0/30"},
        "vpn.pinned.aws-azure/us-east-1/eastus/0",
        "169.254.30.0/30 is outside 169.254.21.0/24 and 169.254.22.0/24; allowed: a /30 inside",
        id="outside-azure-apipa",
    ),
    pytest.param(
        {"aws-gcp/us-east-1/us-central1/3": "169.254.169.252/30"},
        "vpn.pinned.aws-gcp/us-east-1/us-central1/3",
        "169.254.169.252/30 is reserved by AWS; allowed: another /30 in 169.254.0.0/16",
        id="aws-reserved",
    ),
    pytest.param(
        {"aws-gcp/us-east-1/us-central1/0": "169.254.40.0/29"},
        "vpn.pinned.aws-gcp/us-east-1/us-central1/0",
        "169.254.40.0/29 is a /29; allowed: a /30",
        id="not-a-slash-30",
    ),
    pytest.param(
        {"aws-gcp/us-east-1/europe-west9/0": "169.254.40.0/30"},
        "vpn.pinned.aws-gcp/us-east-1/europe-west9/0",
        "names no tunnel of the mesh; allowed: a key the plan lists",
        id="unknown-tunnel",
    ),
]


@pytest.mark.parametrize(("pins", "path", "message"), BAD_PINS)
def test_a_bad_pin_is_named_with_its_key_and_what_is_allowed(pins, path, message):
    regions = {"aws": ["us-east-1"], "azure": ["eastus"], "gcp": ["us-central1"]}
    with pytest.raises(TunnelPlanError) as raised:
        plan_mesh(regions, "all", ASNS, {key: IPv4Network(cidr) for key, cidr in pins.items()})
    assert raised.value.problems == [(path, message)]


def test_more_regions_than_the_layout_holds_is_one_problem_per_cloud():
    regions = {"aws": [f"r{i}" for i in range(MAX_REGIONS + 1)], "gcp": ["us-central1"]}
    with pytest.raises(TunnelPlanError) as raised:
        plan_mesh(regions, "all", ASNS)
    assert raised.value.problems == [("clouds.aws.regions", f"5 regions in the VPN mesh; allowed: up to {MAX_REGIONS}")]
    assert len(list(plan_mesh(regions, "primary", ASNS).tunnels())) == 4
