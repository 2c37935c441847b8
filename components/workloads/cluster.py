"""Everything the platform runs in one cluster, through a Kubernetes provider built from that cluster's own
kubeconfig output (never the ambient kubeconfig)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from .api import ApiWorkload, ApiWorkloadArgs
from .cluster_autoscaler import ClusterAutoscaler, ClusterAutoscalerArgs
from .gpu_device_plugin import GpuDevicePlugin, GpuDevicePluginArgs
from .monitoring import ClusterMonitoring, ClusterMonitoringArgs


@dataclass(frozen=True)
class ClusterWorkloadsArgs:
    """Inputs of ClusterWorkloads."""

    kubeconfig: pulumi.Input[str]
    """The cluster's kubeconfig (a secret output of its region)."""
    control_plane: pulumi.Resource
    """The cluster resource: every in-cluster object is `deleted_with` it, so destroying the cluster (private and
    unreachable, or already gone) never waits on a Kubernetes API call for objects that go with it."""
    api: ApiWorkloadArgs
    """The platform API in this cluster."""
    monitoring: ClusterMonitoringArgs | None = None
    """The cluster's Prometheus (None with monitoring off)."""
    autoscaler: ClusterAutoscalerArgs | None = None
    """The Cluster Autoscaler (EKS only: AKS and GKE scale their pools themselves)."""
    gpu_device_plugin: GpuDevicePluginArgs | None = None
    """The NVIDIA device plugin (EKS clusters with a GPU pool only)."""


def deleted_with(cluster: pulumi.Resource) -> pulumi.ResourceTransformation:
    """A transformation that marks each custom resource it sees `deleted_with=cluster`."""

    def transform(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if not isinstance(args.resource, pulumi.CustomResource) or args.opts.deleted_with is not None:
            return None
        return pulumi.ResourceTransformationResult(
            args.props, pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(deleted_with=cluster))
        )

    return transform


class ClusterWorkloads(pulumi.ComponentResource):
    """The cluster's Kubernetes provider, its Prometheus stack, the platform API and, on EKS, the Cluster Autoscaler
    and the NVIDIA device plugin."""

    provider: k8s.Provider
    """Kubernetes provider of this cluster."""
    api: ApiWorkload
    """The platform API."""
    monitoring: ClusterMonitoring | None
    """The cluster's Prometheus stack."""
    autoscaler: ClusterAutoscaler | None
    """The Cluster Autoscaler (EKS)."""
    gpu_device_plugin: GpuDevicePlugin | None
    """The NVIDIA device plugin (EKS with GPU pools)."""

    def __init__(self, name: str, args: ClusterWorkloadsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:workloads:ClusterWorkloads", name, {}, opts)
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=pulumi.Output.secret(args.kubeconfig),
            opts=pulumi.ResourceOptions(parent=self),
        )
        on_cluster = pulumi.ResourceOptions(
            parent=self,
            providers=[self.provider],
            transformations=[deleted_with(args.control_plane)],  # applies to every descendant, as Pulumi runs them
        )
        self.monitoring = (
            ClusterMonitoring(f"{name}-monitoring", args.monitoring, opts=on_cluster) if args.monitoring else None
        )
        self.autoscaler = (
            ClusterAutoscaler(f"{name}-autoscaler", args.autoscaler, opts=on_cluster) if args.autoscaler else None
        )
        self.gpu_device_plugin = (
            GpuDevicePlugin(f"{name}-gpu-device-plugin", args.gpu_device_plugin, opts=on_cluster)
            if args.gpu_device_plugin
            else None
        )
        self.api = ApiWorkload(f"{name}-api", args.api, opts=on_cluster)
        self.register_outputs({})
