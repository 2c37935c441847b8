"""The NVIDIA device plugin on an EKS cluster's GPU pools: a DaemonSet that advertises `nvidia.com/gpu` on each GPU
node. The EKS AL2023 NVIDIA AMIs carry the driver but not the plugin ("When using the EKS-optimized AL2023 AMIs with
NVIDIA GPUs, you must install the NVIDIA Kubernetes device plugin",
https://docs.aws.amazon.com/eks/latest/userguide/ml-eks-k8s-device-plugin.html); AKS and GKE install theirs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ..settings import catalog
from .charts import pinned_release
from .profiles import on_pools

RELEASE = "nvidia-device-plugin"
NAMESPACE = "kube-system"
GPU_TAINT = "nvidia.com/gpu"
"""The taint every GPU node group carries (AwsEksCluster's GPU_TAINT)."""


@dataclass(frozen=True)
class GpuDevicePluginArgs:
    """Inputs of GpuDevicePlugin."""

    gpu_pools: Sequence[str]
    """The cluster's GPU pools (node label `platform/pool`): the plugin runs on their nodes only."""


class GpuDevicePlugin(pulumi.ComponentResource):
    """NVIDIA's nvidia-device-plugin chart in `kube-system`. Give it the cluster's Kubernetes provider through
    `opts.providers`."""

    release: k8s.helm.v3.Release
    """The chart's release."""

    def __init__(self, name: str, args: GpuDevicePluginArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:workloads:GpuDevicePlugin", name, {}, opts)
        # A DaemonSet on pools that may be at 0 nodes: nothing to wait for (an empty DaemonSet is ready).
        self.release = pinned_release(
            f"{name}-release",
            release=RELEASE,
            namespace=NAMESPACE,
            chart="nvidia-device-plugin",
            version=catalog.NVIDIA_DEVICE_PLUGIN_VERSION,
            repo=catalog.NVIDIA_DEVICE_PLUGIN_REPO,
            values=chart_values(args),
            timeout=600,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({})


def chart_values(args: GpuDevicePluginArgs) -> dict[str, Any]:
    """nvidia-device-plugin values: on the GPU pools' nodes only, tolerating their taint. The chart's default
    affinity wants node-feature-discovery labels, which nothing here sets (NFD and GFD stay off): it is replaced by
    the pool label the node groups set."""
    return {
        "affinity": on_pools(args.gpu_pools),
        "tolerations": [{"key": GPU_TAINT, "operator": "Exists", "effect": "NoSchedule"}],
        "gfd": {"enabled": False},
        "nfd": {"enabled": False},
    }
