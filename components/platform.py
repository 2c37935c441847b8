"""The whole platform of one stack, composed from its settings."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from .aws.region import AwsRegion, AwsRegionArgs
from .lib.naming import region_code
from .settings import PlatformSettings


class Platform(pulumi.ComponentResource):
    """Every enabled cloud in every configured region, each region with its own explicit provider.

    This version provisions AWS; Azure and GCP settings are validated but their resources are not
    built yet (see the README's status table)."""

    aws_regions: dict[str, AwsRegion]
    """AWS regions by region name."""

    def __init__(self, name: str, settings: PlatformSettings, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:index:Platform", name, {}, opts)
        platform_cidrs = [str(r.cidr) for c in settings.clouds.enabled().values() for r in c.regions]
        self.aws_regions = {}
        if settings.clouds.aws.enabled:
            for region in settings.clouds.aws.regions:
                code = region_code(region.name)
                provider = aws.Provider(
                    f"{name}-aws-{code}", region=region.name, opts=pulumi.ResourceOptions(parent=self)
                )
                self.aws_regions[region.name] = AwsRegion(
                    f"{name}-aws-{code}",
                    AwsRegionArgs(region=region, settings=settings, platform_cidrs=platform_cidrs),
                    opts=pulumi.ResourceOptions(parent=self, providers={"aws": provider}),
                )
        self.register_outputs({})
