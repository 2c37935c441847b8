"""GKE's address arithmetic, pure: how many nodes a region's ranges (lib/cidr.py `gke_ranges`) hold."""

from __future__ import annotations

from ipaddress import IPv4Network

from .cidr import gke_ranges

MAX_PODS_PER_NODE = 110
"""GKE Standard's default maximum pods per node (the cluster sets no other)."""
POD_PREFIX_PER_NODE = 24
"""With 110 pods per node GKE gives every node a /24 of the pods range (twice the pods, rounded up to a power of two),
https://cloud.google.com/kubernetes-engine/docs/how-to/flexible-pod-cidr#cidr_settings_for_flexible_pod_cidr."""
MAX_SURGE = 1
"""Extra node per pool during a surge upgrade (components/gcp/gke_cluster.py `upgrade_settings`)."""
SUBNET_RESERVED = 4
"""Addresses GCP keeps in every subnet's primary range,
https://cloud.google.com/vpc/docs/subnets#unusable-ip-addresses-in-every-subnet."""


def node_capacity(cidr: IPv4Network) -> tuple[int, int]:
    """(nodes the pods range holds, nodes the primary range holds) in a region with CIDR `cidr`."""
    ranges = gke_ranges(cidr)
    pods = 2 ** max(POD_PREFIX_PER_NODE - ranges["pods"].prefixlen, 0)
    return pods, ranges["nodes"].num_addresses - SUBNET_RESERVED


def nodes_needed(max_sizes: list[int]) -> int:
    """Nodes the pools may run at once: every pool at its maximum, plus its surge node during an upgrade."""
    return sum(max_sizes) + MAX_SURGE * len(max_sizes)
