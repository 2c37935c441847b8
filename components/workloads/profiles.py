"""What differs per cloud in a cluster's workloads: spot tolerations, node selection, load-balancer Services.

Pure: Kubernetes spec fragments as the SDK's typed dicts, with Pulumi inputs where the cloud's values are
outputs (EIP allocations, IP names).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ..settings.models import Cloud

SPOT_TOLERATIONS: dict[Cloud, k8s.core.v1.TolerationArgsDict] = {
    "aws": {"key": "aws.amazon.com/spot", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
    "azure": {
        "key": "kubernetes.azure.com/scalesetpriority",
        "operator": "Equal",
        "value": "spot",
        "effect": "NoSchedule",
    },
    "gcp": {"key": "cloud.google.com/gke-spot", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
}
"""The taint each cluster component puts on its spot pools, tolerated by the API (it survives evictions)."""

_ON_DEMAND: dict[Cloud, k8s.core.v1.NodeSelectorRequirementArgsDict] = {
    "aws": {"key": "eks.amazonaws.com/capacityType", "operator": "In", "values": ["ON_DEMAND"]},
    "azure": {"key": "kubernetes.azure.com/scalesetpriority", "operator": "NotIn", "values": ["spot"]},
    "gcp": {"key": "cloud.google.com/gke-spot", "operator": "DoesNotExist"},
}
"""Node label expression of an on-demand node in each cloud."""


def node_affinity(cloud: Cloud) -> k8s.core.v1.NodeAffinityArgsDict:
    """Linux user nodes only (on AKS never the system pool), preferring on-demand capacity over spot."""
    required: list[k8s.core.v1.NodeSelectorRequirementArgsDict] = [
        {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}
    ]
    if cloud == "azure":
        required.append({"key": "kubernetes.azure.com/mode", "operator": "In", "values": ["user"]})
    return {
        "required_during_scheduling_ignored_during_execution": {
            "node_selector_terms": [{"match_expressions": required}]
        },
        "preferred_during_scheduling_ignored_during_execution": [
            {"weight": 80, "preference": {"match_expressions": [_ON_DEMAND[cloud]]}}
        ],
    }


def on_pools(pools: Sequence[str]) -> dict[str, Any]:
    """An affinity that admits only the nodes of these platform pools (the `platform/pool` label every EKS node group
    sets; the chart values' camelCase form)."""
    term = {"matchExpressions": [{"key": "platform/pool", "operator": "In", "values": list(pools)}]}
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}}


def ingress_service(cloud: Cloud, binding: Mapping[str, Any], health_path: str) -> tuple[dict[str, Any], Any]:
    """(annotations, the reserved address for `load_balancer_ip` or None) of the internet-facing Service that takes
    the region's reserved addresses, the origins of the Cloudflare pool."""
    if cloud == "aws":
        # EKS's cloud controller: an NLB on the public subnets, one reserved EIP per subnet mapping.
        return {
            "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
            "service.beta.kubernetes.io/aws-load-balancer-eip-allocations": _joined(binding["eip_allocation_ids"]),
            "service.beta.kubernetes.io/aws-load-balancer-subnets": _joined(binding["subnet_ids"]),
        }, None
    if cloud == "azure":
        return {
            "service.beta.kubernetes.io/azure-pip-name": binding["public_ip_name"],
            "service.beta.kubernetes.io/azure-load-balancer-resource-group": binding["resource_group"],
            "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": health_path,
        }, None
    # GKE: an external passthrough NLB on the reserved regional address.
    return {}, binding["address"]


STORAGE_CLASS: dict[Cloud, str] = {"aws": "gp3", "azure": "managed-csi-premium", "gcp": "premium-rwo"}
"""Storage class of Prometheus's volume: AKS and GKE ship these; on EKS (no default class since 1.30) the cluster's
workloads create `gp3` on the EBS CSI driver."""

INTERNAL_LOAD_BALANCER: dict[Cloud, dict[str, str]] = {
    "aws": {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    },
    "azure": {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"},
    "gcp": {"networking.gke.io/load-balancer-type": "Internal"},
}
"""Annotations that keep a LoadBalancer Service private to the region's network (reached over the VPN mesh)."""


def _joined(values: Any) -> pulumi.Output[str]:
    """A list of (output) strings as the comma-separated annotation value the cloud controller reads."""
    return pulumi.Output.from_input(values).apply(lambda items: ",".join(str(i) for i in items))
