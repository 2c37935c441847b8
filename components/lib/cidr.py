"""Subnet plan of one region's network: private subnets for nodes and databases, small public ones."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network


@dataclass(frozen=True)
class SubnetPlan:
    """Per-zone subnets carved from a region's CIDR, in zone order."""

    private: list[IPv4Network]
    public: list[IPv4Network]


def nth_subnet(network: IPv4Network, new_prefix: int, index: int) -> IPv4Network:
    """The `index`-th /`new_prefix` of `network` (negative counts from the end), as
    `list(network.subnets(new_prefix=new_prefix))[index]` gives it, without listing the others."""
    count = 1 << (new_prefix - network.prefixlen)
    if not -count <= index < count:
        raise IndexError(f"{network} has {count} /{new_prefix} subnets; no index {index}")
    size = 1 << (32 - new_prefix)
    return IPv4Network((int(network.network_address) + (index % count) * size, new_prefix))


def subnet_plan(cidr: IPv4Network, zones: int) -> SubnetPlan:
    """Split `cidr` into quarters: one private quarter per zone (pods need room), the last quarter
    cut into sixteen small public subnets for load balancers and NAT. Deterministic and non-overlapping."""
    if not 1 <= zones <= 3:
        raise ValueError(f"zones must be 1 to 3, got {zones}")
    quarters = list(cidr.subnets(prefixlen_diff=2))
    public = list(quarters[3].subnets(prefixlen_diff=4))
    return SubnetPlan(private=quarters[:zones], public=public[:zones])


def gke_ranges(cidr: IPv4Network) -> dict[str, IPv4Network]:
    """Carve one GCP region's CIDR for a VPC-native GKE cluster and private services access:
    `pods` is the first half (pods take one /24 per node), the second half is cut into quarters:
    `nodes` (the subnet's primary range), `services` (ClusterIPs), `private_services` (the range
    peered to Google's service producers, e.g. Cloud SQL private IP) and `reserved` (left free,
    e.g. for a proxy-only subnet). Everything stays inside `cidr`, so one route per region covers
    nodes, pods, services and databases. Deterministic and non-overlapping; needs /21 or larger
    (every quarter at least a /24, the smallest private-services range Cloud SQL accepts)."""
    if cidr.prefixlen > 21:
        raise ValueError(f"{cidr} is a /{cidr.prefixlen}; allowed: /21 or larger (each range at least a /24)")
    pods, rest = cidr.subnets(prefixlen_diff=1)
    nodes, services, private_services, reserved = rest.subnets(prefixlen_diff=2)
    return {
        "nodes": nodes,
        "pods": pods,
        "services": services,
        "private_services": private_services,
        "reserved": reserved,
    }
