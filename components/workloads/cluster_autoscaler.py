"""The Kubernetes Cluster Autoscaler on an EKS cluster (AKS and GKE autoscale their pools themselves): the
kubernetes/autoscaler chart, discovering the cluster's managed node groups by the tags EKS puts on their Auto Scaling
groups and scaling them within their bounds, with AWS credentials from the cluster's Pod Identity association."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ..settings import catalog
from .charts import pinned_release
from .profiles import on_pools

RELEASE = "cluster-autoscaler"
"""Helm release name and the chart's `fullnameOverride`."""
NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "cluster-autoscaler"
"""The service account the Pod Identity association binds (AwsEksCluster's AUTOSCALER_SERVICE_ACCOUNT)."""


@dataclass(frozen=True)
class ClusterAutoscalerArgs:
    """Inputs of ClusterAutoscaler."""

    cluster_name: pulumi.Input[str]
    """Physical EKS cluster name (auto-discovery: `k8s.io/cluster-autoscaler/<name>`)."""
    region: str
    """AWS region of the cluster."""
    kubernetes_version: str
    """The cluster's Kubernetes minor: the autoscaler runs the same minor."""
    general_pools: Sequence[str]
    """Untainted on-demand pools, where the autoscaler itself runs (never on a node it may remove at no notice)."""
    identity: pulumi.Resource
    """The Pod Identity association of `kube-system/cluster-autoscaler`: the pod needs its credentials at start."""


class ClusterAutoscaler(pulumi.ComponentResource):
    """The cluster-autoscaler chart in `kube-system`. Give it the cluster's Kubernetes provider through
    `opts.providers`."""

    release: k8s.helm.v3.Release
    """The chart's release."""

    def __init__(self, name: str, args: ClusterAutoscalerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:workloads:ClusterAutoscaler", name, {}, opts)
        self.release = pinned_release(
            f"{name}-release",
            release=RELEASE,
            namespace=NAMESPACE,
            chart="cluster-autoscaler",
            version=catalog.CLUSTER_AUTOSCALER_CHART_VERSION,
            repo=catalog.CLUSTER_AUTOSCALER_REPO,
            values=chart_values(args),
            timeout=600,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.identity]),
        )
        self.register_outputs({})


def chart_values(args: ClusterAutoscalerArgs) -> dict[str, Any]:
    """cluster-autoscaler values: AWS auto-discovery of this cluster's groups, the image of the cluster's minor, two
    replicas (leader election) behind a PodDisruptionBudget, on the general-purpose pools."""
    return {
        "fullnameOverride": RELEASE,
        "cloudProvider": "aws",
        "awsRegion": args.region,
        # The chart's default discovery tags, k8s.io/cluster-autoscaler/enabled and k8s.io/cluster-autoscaler/<name>:
        # EKS puts both on every managed node group's Auto Scaling group
        # (https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html).
        "autoDiscovery": {"clusterName": args.cluster_name},
        # "use the latest Cluster Autoscaler release that corresponds to the minor version of Kubernetes that their
        # cluster is running" (https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/README.md#releases)
        "image": {"tag": catalog.CLUSTER_AUTOSCALER_IMAGE_TAGS[args.kubernetes_version]},
        "rbac": {"serviceAccount": {"create": True, "name": SERVICE_ACCOUNT}},
        # https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/FAQ.md#what-are-the-parameters-to-ca
        "extraArgs": {
            # least-waste: the group that leaves the least idle CPU (then memory) after the scale-up (the AWS example
            # manifest's choice, cloudprovider/aws/examples/cluster-autoscaler-autodiscover.yaml).
            "expander": "least-waste",
            # Pools of the same shape grow together instead of one filling first.
            "balance-similar-node-groups": True,
            # CoreDNS, EBS CSI and metrics-server run as Deployments with PDBs in kube-system: they may move, so a
            # node they sit on can still be removed (the default, true, would pin every such node).
            "skip-nodes-with-system-pods": False,
            # emptyDir scratch space (the Prometheus config reloader's) is not data: the AWS example sets this too.
            "skip-nodes-with-local-storage": False,
        },
        # Two replicas with leader election: one is always there while a node drains (the PDB keeps one up).
        "replicaCount": 2,
        "podDisruptionBudget": {"maxUnavailable": 1},
        # The AWS example manifest's requests (100m, 600Mi); memory limited to the request.
        "resources": {"requests": {"cpu": "100m", "memory": "600Mi"}, "limits": {"memory": "600Mi"}},
        "affinity": on_pools(args.general_pools),
    }
