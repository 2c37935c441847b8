"""Subnet plan of one region's network: private subnets for nodes and databases, small public ones."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network


@dataclass(frozen=True)
class SubnetPlan:
    """Per-zone subnets carved from a region's CIDR, in zone order."""

    private: list[IPv4Network]
    public: list[IPv4Network]


def subnet_plan(cidr: IPv4Network, zones: int) -> SubnetPlan:
    """Split `cidr` into quarters: one private quarter per zone (pods need room), the last quarter
    cut into sixteen small public subnets for load balancers and NAT. Deterministic and non-overlapping."""
    if not 1 <= zones <= 3:
        raise ValueError(f"zones must be 1 to 3, got {zones}")
    quarters = list(cidr.subnets(prefixlen_diff=2))
    public = list(quarters[3].subnets(prefixlen_diff=4))
    return SubnetPlan(private=quarters[:zones], public=public[:zones])
