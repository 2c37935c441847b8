"""The whole platform of one stack, composed from its settings."""

from __future__ import annotations

import importlib

import pulumi

from .lib.naming import region_code
from .regional import CloudRegion, RegionArgs
from .settings import Cloud, PlatformSettings

# Each cloud's region component and provider factory; a module is imported only when its cloud is enabled,
# so a stack loads only the SDKs it uses.
REGION_MODULES: dict[Cloud, tuple[str, str]] = {
    "aws": ("components.aws.region", "AwsRegion"),
    "azure": ("components.azure.region", "AzureRegion"),
    "gcp": ("components.gcp.region", "GcpRegion"),
}


class Platform(pulumi.ComponentResource):
    """Every enabled cloud in every configured region, each region with its own explicit provider."""

    regions: dict[Cloud, dict[str, CloudRegion]]
    """Region components by cloud, then by region name (primary region first)."""
    providers: dict[tuple[str, str], pulumi.ProviderResource]
    """Explicit provider of each (cloud, region)."""
    mesh: pulumi.ComponentResource | None = None
    """The cross-cloud VPN mesh (VpnMesh; None with a single cloud or the mesh off)."""

    def __init__(self, name: str, settings: PlatformSettings, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:index:Platform", name, {}, opts)
        platform_cidrs = [str(r.cidr) for c in settings.clouds.enabled().values() for r in c.regions]
        mesh = settings.mesh_plan()
        self.regions, self.providers = {}, {}
        for cloud, cloud_settings in settings.clouds.enabled().items():
            if cloud not in REGION_MODULES:
                continue
            module_name, class_name = REGION_MODULES[cloud]
            module = importlib.import_module(module_name)
            self.regions[cloud] = {}
            for region in cloud_settings.regions:
                region_name = f"{name}-{cloud}-{region_code(region.name)}"
                provider = module.regional_provider(region_name, region, settings, pulumi.ResourceOptions(parent=self))
                self.providers[(cloud, region.name)] = provider
                self.regions[cloud][region.name] = getattr(module, class_name)(
                    region_name,
                    RegionArgs(cloud=cloud, region=region, settings=settings, platform_cidrs=platform_cidrs, mesh=mesh),
                    opts=pulumi.ResourceOptions(parent=self, providers=[provider]),
                )
        if mesh.legs:
            from .connectivity.mesh import End, VpnMesh, VpnMeshArgs

            ends: dict[tuple[str, str], End] = {
                (cloud, region_name): region.vpn_end
                for cloud, regions in self.regions.items()
                for region_name, region in regions.items()
                if region.vpn_end is not None
            }
            self.mesh = VpnMesh(
                f"{name}-vpn",
                VpnMeshArgs(plan=mesh, ends=ends, providers=self.providers, tags=settings.tags()),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({})
