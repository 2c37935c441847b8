"""What every cloud's region component takes and exposes, so the platform composes them alike.

Each cloud package has `components/<cloud>/region.py` with a `Region` class (a ComponentResource
taking `RegionArgs`) and a `provider(name, region, settings, opts)` function returning that region's
explicit provider. The platform imports a cloud's module only when the stack enables that cloud.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import pulumi

from .connectivity.ends import AwsEnd, AzureEnd, GcpEnd
from .lib.tunnels import MeshPlan
from .settings.models import Cloud, PlatformSettings, Region


@dataclass(frozen=True)
class RegionArgs:
    """Inputs of every cloud's region component."""

    cloud: Cloud
    """The region's cloud."""
    region: Region
    """The region and its CIDR."""
    settings: PlatformSettings
    """The stack's settings (sizes, versions, protection)."""
    platform_cidrs: list[str]
    """Every enabled region's CIDR across clouds (database and peer ingress)."""
    mesh: MeshPlan
    """The stack's VPN mesh: a region in one of its legs builds its VPN gateway."""
    suffix: pulumi.Input[str]
    """The stack-unique part of the global and reserved-after-delete names (`Platform.unique`; lib/naming.py)."""
    shared_network: Any = None
    """The cloud-wide network the region joins, when its cloud has one (GCP's global VPC: GcpGlobalNetwork)."""
    cluster_access: Any = None
    """The deployer's cloud-wide cluster grant, when its cloud grants per project (GCP: GcpDeployerAccess)."""
    cluster_agent: Any = None
    """The service agent the region's cluster runs as, when its cloud has one per project (GCP: GcpGkeServiceAgent)."""

    @property
    def in_mesh(self) -> bool:
        """The region takes part in the VPN mesh."""
        return bool(self.mesh.legs_of(self.cloud, self.region.name))

    @property
    def asn(self) -> int:
        """The region's BGP ASN in the mesh."""
        return self.mesh.asns[(self.cloud, self.region.name)]

    @property
    def peer_cidrs(self) -> list[str]:
        """CIDRs of the other clouds' regions (what the VPN brings in)."""
        own = {str(r.cidr) for r in getattr(self.settings.clouds, self.cloud).regions}
        return [c for c in self.platform_cidrs if c not in own]


@dataclass(frozen=True)
class PostgresConnection:
    """How a client reaches a region's database: what the connection secrets in every cloud hold."""

    host: pulumi.Input[str]
    """Private hostname or IP."""
    database: str
    """Application database."""
    username: str
    """Admin login."""
    password: pulumi.Input[str] | None = None
    """The admin password (secret), where Pulumi generated it."""
    password_secret: pulumi.Input[str] | None = None
    """Where the cloud keeps a password Pulumi never sees (the RDS-managed, rotated master secret)."""
    port: int = 5432


class CloudRegion(Protocol):
    """The outputs every cloud's region component exposes to the rest of the platform."""

    cluster_name: pulumi.Output[str]
    """Kubernetes cluster name."""
    cluster_endpoint: pulumi.Output[str]
    """Kubernetes API endpoint."""
    control_plane: pulumi.CustomResource
    """The cluster resource (in-cluster objects are deleted with it)."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig of the cluster (secret)."""
    oidc_issuer_url: pulumi.Output[str]
    """OIDC issuer of the cluster's service-account tokens (workload identity federation)."""
    postgres_host: pulumi.Output[str]
    """Private hostname (or IP) of the region's PostgreSQL."""
    bucket_names: dict[str, pulumi.Output[str]]
    """Physical bucket (container) names by logical bucket name."""
    ingress_addresses: list[pulumi.Output[str]]
    """Reserved public IPv4 addresses of the cluster's ingress load balancer (the Cloudflare pool origins);
    they resolve once the cluster exists, so what uses them depends on the cluster."""
    ingress_binding: dict[str, Any]
    """What the cluster's ingress Service needs to take those addresses, in the cloud's own terms (AWS: the EIP
    allocation ids for the NLB's subnet mappings; Azure: the IP's name and resource group; GCP: the address)."""
    vpn_end: AwsEnd | AzureEnd | GcpEnd | None
    """The region's VPN gateway, when it takes part in the mesh."""
    postgres_connection: PostgresConnection
    """Host, database, user and password (or its secret) of the region's PostgreSQL."""


def served_by(cluster_name: pulumi.Output[str], address: pulumi.Input[str]) -> pulumi.Output[str]:
    """`address`, resolving once the cluster that serves it exists (its users then depend on the cluster)."""
    return pulumi.Output.all(cluster_name, address).apply(lambda values: str(values[1]))
