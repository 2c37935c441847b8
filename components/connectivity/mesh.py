"""The cross-cloud VPN mesh: one leg component per pair of connected regions."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from ..lib.naming import region_code
from ..lib.tunnels import MeshPlan
from .ends import AwsEnd, AzureEnd, GcpEnd

End = AwsEnd | AzureEnd | GcpEnd

LEG_CLASSES: dict[tuple[str, str], tuple[str, str, str]] = {
    ("aws", "azure"): ("components.connectivity.aws_azure", "AwsAzureLeg", "AwsAzureLegArgs"),
    ("aws", "gcp"): ("components.connectivity.aws_gcp", "AwsGcpLeg", "AwsGcpLegArgs"),
    ("azure", "gcp"): ("components.connectivity.azure_gcp", "AzureGcpLeg", "AzureGcpLegArgs"),
}
"""Leg component of each cloud pair (imported only when the mesh has such a leg)."""


@dataclass(frozen=True)
class VpnMeshArgs:
    """Inputs of VpnMesh."""

    plan: MeshPlan
    """Legs, tunnel /30s and ASNs (`PlatformSettings.mesh_plan()`)."""
    ends: Mapping[tuple[str, str], End]
    """(cloud, region) -> that region's gateway."""
    providers: Mapping[tuple[str, str], pulumi.ProviderResource]
    """(cloud, region) -> that region's explicit provider."""
    tags: dict[str, str]
    """Tags/labels of every resource."""


class VpnMesh(pulumi.ComponentResource):
    """Every leg of the plan, each built on the two regions' own providers."""

    tunnels: dict[str, list[str]]
    """Tunnel keys by leg key (`aws-gcp/us-east-1/us-central1` -> [...]) ."""

    def __init__(self, name: str, args: VpnMeshArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:connectivity:VpnMesh", name, {}, opts)
        self.tunnels = {}
        for leg in args.plan.legs:
            (a, b), (region_a, region_b) = leg.pair, leg.regions
            module_name, class_name, args_name = LEG_CLASSES[leg.pair]
            module = importlib.import_module(module_name)
            leg_args = getattr(module, args_name)(
                leg, args.ends[(a, region_a)], args.ends[(b, region_b)], {**args.tags, "purpose": "vpn"}
            )
            component = getattr(module, class_name)(
                f"{name}-{a}-{region_code(region_a)}-{b}-{region_code(region_b)}",
                leg_args,
                opts=pulumi.ResourceOptions(
                    parent=self, providers=[args.providers[(a, region_a)], args.providers[(b, region_b)]]
                ),
            )
            self.tunnels[leg.key] = component.tunnel_keys
        self.register_outputs({"tunnels": self.tunnels})
