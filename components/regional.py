"""What every cloud's region component takes and exposes, so the platform composes them alike.

Each cloud package has `components/<cloud>/region.py` with a `Region` class (a ComponentResource
taking `RegionArgs`) and a `provider(name, region, settings, opts)` function returning that region's
explicit provider. The platform imports a cloud's module only when the stack enables that cloud.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pulumi

from .settings.models import PlatformSettings, Region


@dataclass(frozen=True)
class RegionArgs:
    """Inputs of every cloud's region component."""

    region: Region
    """The region and its CIDR."""
    settings: PlatformSettings
    """The stack's settings (sizes, versions, protection)."""
    platform_cidrs: list[str]
    """Every enabled region's CIDR across clouds (database and peer ingress)."""


class CloudRegion(Protocol):
    """The outputs every cloud's region component exposes to the rest of the platform."""

    cluster_name: pulumi.Output[str]
    """Kubernetes cluster name."""
    cluster_endpoint: pulumi.Output[str]
    """Kubernetes API endpoint."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig of the cluster (secret)."""
    oidc_issuer_url: pulumi.Output[str]
    """OIDC issuer of the cluster's service-account tokens (workload identity federation)."""
    postgres_host: pulumi.Output[str]
    """Private hostname (or IP) of the region's PostgreSQL."""
    bucket_names: dict[str, pulumi.Output[str]]
    """Physical bucket (container) names by logical bucket name."""
