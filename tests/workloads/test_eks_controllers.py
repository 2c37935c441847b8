"""The controllers an EKS cluster's managed node groups need in the cluster (aws review 7 and 8): the Cluster
Autoscaler, bound to its Pod Identity association, and the NVIDIA device plugin on the GPU pools. AKS and GKE get
neither (their pools autoscale and advertise GPUs themselves)."""

from __future__ import annotations

import pytest

from components.settings import catalog
from tests.aws.helpers import depends_on, descendants, one
from tests.conftest import stack_settings
from tests.workloads.helpers import HELM_RELEASE, integral
from tests.workloads.test_platform_workloads import clusters, workloads

STACKS = ("dev", "prod")
ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"


def releases(rec, cloud, region, chart):
    return [r for r in descendants(rec, workloads(rec, cloud, region)) if r.type == HELM_RELEASE
            and r.inputs["chart"] == chart]


@pytest.mark.parametrize("stack", STACKS)
def test_every_eks_cluster_runs_the_autoscaler_of_its_minor_after_its_pod_identity(recorded, stack):
    rec = recorded(stack)
    s = stack_settings(stack)
    pools = s.kubernetes.pools.aws
    for cloud, region in clusters(stack):
        found = releases(rec, cloud, region, "cluster-autoscaler")
        if cloud != "aws":
            assert not found, f"{cloud} autoscales natively"
            continue
        release = one(found)
        assert release.inputs["version"] == catalog.CLUSTER_AUTOSCALER_CHART_VERSION
        assert release.inputs["repositoryOpts"]["repo"] == "https://kubernetes.github.io/autoscaler"
        assert release.inputs["namespace"] == "kube-system"
        values = integral(release.inputs["values"])
        assert values["cloudProvider"] == "aws" and values["awsRegion"] == region
        name = values["autoDiscovery"]["clusterName"]
        assert name in {c.inputs["name"] for c in rec.of_type("aws:eks/cluster:Cluster")}
        # the autoscaler's minor is the cluster's
        tag = values["image"]["tag"]
        assert tag.startswith(f"v{s.kubernetes.version}."), tag
        assert values["rbac"]["serviceAccount"] == {"create": True, "name": "cluster-autoscaler"}
        association = one(
            r for r in rec.of_type(ASSOCIATION)
            if r.inputs["clusterName"] == name and r.inputs["namespace"] == release.inputs["namespace"]
        )
        assert (association.inputs["namespace"], association.inputs["serviceAccount"]) == (
            release.inputs["namespace"], values["rbac"]["serviceAccount"]["name"])
        assert depends_on(release, association), "the pod needs its credentials when it starts"
        args = values["extraArgs"]
        assert args["balance-similar-node-groups"] is True and args["skip-nodes-with-system-pods"] is False
        assert args["expander"] == "least-waste"
        assert values["resources"]["requests"] == {"cpu": "100m", "memory": "600Mi"}
        assert values["replicaCount"] == 2 and values["podDisruptionBudget"] == {"maxUnavailable": 1}
        term = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        [expression] = term["nodeSelectorTerms"][0]["matchExpressions"]
        general = {n for n, p in pools.items() if not (p.gpu or p.taints or p.capacity == "spot")}
        assert expression["key"] == "platform/pool" and set(expression["values"]) == general and general
        assert "tolerations" not in values, "never on a spot or GPU node"


def test_every_kubernetes_minor_has_an_autoscaler_image():
    assert set(catalog.CLUSTER_AUTOSCALER_IMAGE_TAGS) == set(catalog.KUBERNETES_VERSIONS)
    for minor, tag in catalog.CLUSTER_AUTOSCALER_IMAGE_TAGS.items():
        assert tag.startswith(f"v{minor}.")


@pytest.mark.parametrize("stack", STACKS)
def test_gpu_pools_get_the_nvidia_device_plugin_on_their_nodes_only(recorded, stack):
    rec = recorded(stack)
    gpu_pools = {n for n, p in stack_settings(stack).kubernetes.pools.aws.items() if p.gpu}
    assert gpu_pools, "both stacks have an EKS GPU pool"
    for cloud, region in clusters(stack):
        found = releases(rec, cloud, region, "nvidia-device-plugin")
        if cloud != "aws":
            assert not found
            continue
        release = one(found)
        assert release.inputs["version"] == catalog.NVIDIA_DEVICE_PLUGIN_VERSION
        assert release.inputs["repositoryOpts"]["repo"] == "https://nvidia.github.io/k8s-device-plugin"
        values = integral(release.inputs["values"])
        # the taint the GPU node groups carry
        gpu_groups = [g for g in rec.of_type(NODE_GROUP) if g.inputs["labels"]["platform/pool"] in gpu_pools]
        assert gpu_groups
        for group in gpu_groups:
            [taint] = [t for t in group.inputs["taints"] if t["key"] == "nvidia.com/gpu"]
            assert any(t["key"] == taint["key"] and t["effect"] == "NoSchedule" for t in values["tolerations"])
        term = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        [expression] = term["nodeSelectorTerms"][0]["matchExpressions"]
        assert (expression["key"], expression["operator"], set(expression["values"])) == (
            "platform/pool", "In", gpu_pools)
        assert values["nfd"] == {"enabled": False} and values["gfd"] == {"enabled": False}


def test_prod_gpu_pools_start_empty():
    """aws review 4/8: a GPU pool starts at 0 nodes; the autoscaler adds one when a GPU pod is pending."""
    for pool in stack_settings("prod").kubernetes.pools.aws.values():
        if pool.gpu:
            assert pool.desired_size == 0 and pool.min_size == 0
