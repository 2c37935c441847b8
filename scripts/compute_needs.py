"""The machines a stack's first `up` starts in each region, read from the plan: what the compute quotas must hold.

Pure over the deploy check's graph (`scripts/deploy_check.py`). Counted at create, not at scale: each pool at its
initial size (GKE's `initial_node_count` is per zone of the pool; an EKS node group's desired size), AKS's inline
bootstrap pool beside its AgentPools, and the default pool a GKE cluster creates before it removes it
(`remove_default_node_pool`: its nodes exist while the cluster is created, before any pool of the stack, so it is a
separate peak). Quota limits differ per account
and project, so they are asked of the clouds before `up` (`scripts/preflight.py`), never assumed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

GKE = "gcp:container/cluster:Cluster"
GKE_POOL = "gcp:container/nodePool:NodePool"
AKS = "azure-native:containerservice:ManagedCluster"
AKS_POOL = "azure-native:containerservice:AgentPool"
EKS_POOL = "aws:eks/nodeGroup:NodeGroup"
GKE_DEFAULT_MACHINE = "e2-medium"
"""A GKE node's machine type when none is set ("If unspecified, the default machine type is e2-medium", the GKE
API's NodeConfig.machineType, https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/NodeConfig)."""
GKE_DEFAULT_DISK = (100, "pd-balanced")
"""A GKE node's boot disk when none is set: 100 GB (NodeConfig.diskSizeGb, same page); the platform always sets
the type (`pd-balanced`)."""


@dataclass(frozen=True)
class Machines:
    """`count` machines of one type one pool starts in one region."""

    cloud: str
    """`aws`, `azure` or `gcp`."""
    region: str
    pool: str
    """The resource's name in the plan."""
    machine_type: str
    """GCE machine type, Azure VM size or EC2 instance type."""
    count: int
    spot: bool
    """Spot (preemptible) machines: Azure counts them in low-priority vCPUs, GCE in its preemptible quota."""
    disk_gb: int = 0
    """Boot disk per machine (GCE's disk quotas; Azure has none for managed disks at this size)."""
    disk_type: str = ""
    zones: tuple[str, ...] = ()
    """The pool's zones (GCE: where its machine type must be offered)."""
    transient: bool = False
    """The GKE default pool: gone before the stack's pools start, so a peak of its own."""
    alternatives: tuple[str, ...] = ()
    """Other types the pool may launch instead (an EKS spot group's diversified types): counted at the largest."""


def machines(graph: Any) -> list[Machines]:
    """Every pool of the plan, with the machines it starts at create (0 for a pool that starts empty: its type must
    still be offered where it runs)."""
    found = [_gke(node.inputs, node.type, node.name) for node in graph.of_type(GKE, GKE_POOL)]
    clusters = {(str(c.inputs.get("resourceGroupName")), str(c.inputs.get("resourceName"))): c for c in
                graph.of_type(AKS)}  # fmt: skip
    for cluster in clusters.values():
        for profile in cluster.inputs.get("agentPoolProfiles") or []:
            found.append(_aks(profile, str(cluster.inputs.get("location")), f"{cluster.name}/{profile.get('name')}"))
    for pool in graph.of_type(AKS_POOL):
        owner = clusters.get((str(pool.inputs.get("resourceGroupName")), str(pool.inputs.get("resourceName"))))
        if owner is not None:
            found.append(_aks(pool.inputs, str(owner.inputs.get("location")), pool.name))
    for group in graph.of_type(EKS_POOL):
        provider = graph.nodes.get(group.provider)
        types = [str(t) for t in group.inputs.get("instanceTypes") or []]
        found.append(Machines(
            cloud="aws",
            region=str(provider.inputs.get("region")) if provider else "default",
            pool=group.name,
            machine_type=types[0] if types else "",
            count=int((group.inputs.get("scalingConfig") or {}).get("desiredSize") or 0),
            spot=group.inputs.get("capacityType") == "SPOT",
            alternatives=tuple(types[1:]),
        ))  # fmt: skip
    return found


def _gke(inputs: Mapping[str, Any], kind: str, name: str) -> Machines:
    config = inputs.get("nodeConfig") or {}
    zones = list(inputs.get("nodeLocations") or [])
    per_zone = int(inputs.get("initialNodeCount") or inputs.get("nodeCount") or 0)
    region = str(inputs.get("location"))
    return Machines(
        cloud="gcp",
        region=region,
        pool=name,
        machine_type=str(config.get("machineType") or GKE_DEFAULT_MACHINE),
        count=per_zone * max(len(zones), 1),
        spot=bool(config.get("spot") or config.get("preemptible")),
        disk_gb=int(config.get("diskSizeGb") or GKE_DEFAULT_DISK[0]),
        disk_type=str(config.get("diskType") or GKE_DEFAULT_DISK[1]),
        zones=tuple(zones),
        transient=kind == GKE,
    )


def _aks(profile: Mapping[str, Any], region: str, name: str) -> Machines:
    return Machines(
        cloud="azure",
        region=region,
        pool=name,
        machine_type=str(profile.get("vmSize")),
        count=int(profile.get("count") or 0),
        spot=profile.get("scaleSetPriority") == "Spot",
        zones=tuple(str(z) for z in profile.get("availabilityZones") or []),
    )


def summary(found: list[Machines]) -> list[str]:
    """One line per cloud and region: the machines by type (what the deploy check prints before the first up)."""
    lines: dict[tuple[str, str], dict[str, int]] = {}
    for m in (m for m in found if m.count > 0):
        kind = "|".join((m.machine_type, *m.alternatives))
        label = f"{kind}{' spot' if m.spot else ''}{' (default pool, removed)' if m.transient else ''}"
        by_type = lines.setdefault((m.cloud, m.region), {})
        by_type[label] = by_type.get(label, 0) + m.count
    return [
        f"{cloud} {region}: " + ", ".join(f"{count} x {label}" for label, count in sorted(by_type.items()))
        for (cloud, region), by_type in sorted(lines.items())
    ]
