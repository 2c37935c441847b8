"""Table-driven tests of components/lib/cidr: gke_ranges (GCP: nodes, pods, services, private services), nth_subnet."""

from __future__ import annotations

from ipaddress import IPv4Network

import pytest

from components.lib.cidr import gke_ranges, nth_subnet
from components.lib.gke import node_capacity, nodes_needed

KEYS = {"nodes", "pods", "services", "private_services", "reserved"}


@pytest.mark.parametrize(
    ("cidr", "expected"),
    [
        (
            "10.30.0.0/16",
            {
                "pods": "10.30.0.0/17",
                "nodes": "10.30.128.0/19",
                "services": "10.30.160.0/19",
                "private_services": "10.30.192.0/19",
                "reserved": "10.30.224.0/19",
            },
        ),
        (
            "172.16.16.0/20",
            {
                "pods": "172.16.16.0/21",
                "nodes": "172.16.24.0/23",
                "services": "172.16.26.0/23",
                "private_services": "172.16.28.0/23",
                "reserved": "172.16.30.0/23",
            },
        ),
        (
            "192.168.0.0/21",
            {
                "pods": "192.168.0.0/22",
                "nodes": "192.168.4.0/24",
                "services": "192.168.5.0/24",
                "private_services": "192.168.6.0/24",
                "reserved": "192.168.7.0/24",
            },
        ),
    ],
    ids=str,
)
def test_ranges_of_known_cidrs(cidr: str, expected: dict[str, str]) -> None:
    assert {k: str(v) for k, v in gke_ranges(IPv4Network(cidr)).items()} == expected


@pytest.mark.parametrize("prefix", range(8, 22))
def test_ranges_tile_the_cidr_without_overlap_and_pods_get_half(prefix: int) -> None:
    cidr = IPv4Network(f"10.0.0.0/{prefix}")
    ranges = gke_ranges(cidr)
    assert set(ranges) == KEYS
    values = list(ranges.values())
    assert all(r.subnet_of(cidr) for r in values)
    assert not any(a.overlaps(b) for i, a in enumerate(values) for b in values[i + 1 :])
    assert sum(r.num_addresses for r in values) == cidr.num_addresses
    assert ranges["pods"].num_addresses == cidr.num_addresses // 2
    assert ranges["pods"].num_addresses > ranges["services"].num_addresses
    assert min(r.prefixlen for r in values if r is not ranges["pods"]) >= ranges["pods"].prefixlen
    assert all(r.prefixlen <= 24 for r in values)


def test_same_cidr_same_ranges() -> None:
    assert gke_ranges(IPv4Network("10.31.0.0/16")) == gke_ranges(IPv4Network("10.31.0.0/16"))


@pytest.mark.parametrize("cidr", ["10.0.0.0/22", "10.0.0.0/24", "10.0.0.0/28"])
def test_too_small_cidr_is_rejected_with_the_allowed_size(cidr: str) -> None:
    with pytest.raises(ValueError, match=r"allowed: /21 or larger"):
        gke_ranges(IPv4Network(cidr))


@pytest.mark.parametrize(
    ("cidr", "pods", "nodes"),
    [("10.30.0.0/16", 128, 8188), ("10.30.0.0/19", 16, 1020), ("10.30.0.0/20", 8, 508)],
)
def test_gke_node_capacity_is_one_pods_slash24_per_node(cidr: str, pods: int, nodes: int) -> None:
    """Half the region is pods, a /24 per node at 110 pods; the node range loses GCP's 4 reserved addresses."""
    assert node_capacity(IPv4Network(cidr)) == (pods, nodes)
    assert nodes_needed([10, 15, 10, 4]) == 43  # prod's GCP pools at max, one surge node each


@pytest.mark.parametrize(
    ("network", "prefix", "index"),
    [("10.0.0.0/18", 28, -1), ("10.0.0.0/18", 28, 0), ("10.20.128.0/17", 24, 1), ("10.20.1.0/24", 27, 1),
     ("10.30.192.0/18", 28, -1), ("10.0.0.0/16", 16, 0), ("10.0.0.0/16", 20, -16)],
)
def test_nth_subnet_is_the_listed_subnet(network: str, prefix: int, index: int) -> None:
    net = IPv4Network(network)
    assert nth_subnet(net, prefix, index) == list(net.subnets(new_prefix=prefix))[index]


def test_nth_subnet_out_of_range_is_an_index_error() -> None:
    with pytest.raises(IndexError, match="has 4 /18 subnets; no index 4"):
        nth_subnet(IPv4Network("10.0.0.0/16"), 18, 4)
