"""Everything the platform runs in one GCP region: KMS keys, VPC, GKE, Cloud SQL for PostgreSQL, GCS buckets."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_gcp as gcp

from ..connectivity.ends import GcpEnd
from ..lib.gcs_locations import kms_location, placement
from ..lib.naming import StackNames, unique
from ..lib.private_dns import GCP_FORWARDER_SOURCE
from ..lib.reachability import runner_ranges
from ..regional import PostgresConnection, RegionArgs, served_by
from ..settings.models import GcpRegionSettings, PlatformSettings, Region
from .bucket import GcpBucket, GcpBucketArgs
from .cloudsql import ADMIN_USER, GcpCloudSql, GcpCloudSqlArgs
from .dns_resolver import GcpDnsResolver, GcpDnsResolverArgs
from .gke_cluster import GcpGkeCluster, GcpGkeClusterArgs
from .global_network import GcpGlobalNetwork, GcpGlobalNetworkArgs, GcpRegionRange
from .kms import GcpKms, GcpKmsArgs
from .network import GcpNetwork, GcpNetworkArgs
from .vpn_gateway import GcpVpnGateway, GcpVpnGatewayArgs

BACKUPS = "backups"
"""The logical bucket that holds backups (and the Storage Transfer copies of the other clouds' buckets)."""


def _project(settings: PlatformSettings) -> str:
    project = settings.clouds.gcp.project
    if not project:  # the settings rules reject an enabled GCP without a project; this guards direct use
        raise ValueError("clouds.gcp.project is missing; set it or gcp:project")
    return project


def regional_provider(
    name: str, region: Region, settings: PlatformSettings, opts: pulumi.ResourceOptions
) -> gcp.Provider:
    """The explicit `gcp.Provider` of one region (credentials from the environment: ADC, workload identity).
    Quota and billing of the API calls go to the stack's project (`user_project_override`): user credentials
    calling the Billing Budgets API (and other client-project APIs) need it."""
    project = _project(settings)
    return gcp.Provider(
        name, project=project, region=region.name, billing_project=project, user_project_override=True, opts=opts
    )


def shared_network(name: str, settings: PlatformSettings, opts: pulumi.ResourceOptions) -> GcpGlobalNetwork:
    """The platform's GCP VPC (`<name>-gcp-network`), shared by every GCP region; `opts` carries the primary
    region's provider. The other clouds' CIDRs are admitted when the VPN mesh reaches GCP."""
    names = StackNames(settings.name, settings.environment)
    gcp_regions = settings.clouds.gcp.regions
    own = {str(r.cidr) for r in gcp_regions}
    in_mesh = any("gcp" in leg.pair for leg in settings.mesh_plan().legs)
    peers = [
        str(r.cidr)
        for cloud, c in settings.clouds.enabled().items()
        for r in c.regions
        if cloud != "gcp" and str(r.cidr) not in own
    ]
    return GcpGlobalNetwork(
        f"{name}-gcp-network",
        GcpGlobalNetworkArgs(
            project=_project(settings),
            network_name=f"{settings.name}-{settings.environment}-vpc",
            regions=[GcpRegionRange(r.name, r.cidr, names.prefix(r.name)) for r in gcp_regions],
            peer_cidrs=peers if in_mesh else [],
        ),
        opts=opts,
    )


def _gcp_region(region: Region, settings: PlatformSettings) -> GcpRegionSettings:
    """The region's GCP settings (its pinned zones): the region itself, else the configured one of that name."""
    if isinstance(region, GcpRegionSettings):
        return region
    configured = {r.name: r for r in settings.clouds.gcp.regions}
    return configured.get(region.name) or GcpRegionSettings(name=region.name, cidr=region.cidr, weight=region.weight)


class GcpRegion(pulumi.ComponentResource):
    """One GCP region of the platform. Give it the region's `gcp.Provider` through `opts.providers`.

    Every GCP region of the stack has its subnet, Cloud Router and NAT in the platform's one global VPC
    (GcpGlobalNetwork, built once by `shared_network`): the regions reach each other over subnet routes, never
    through another cloud."""

    cluster_name: pulumi.Output[str]
    """GKE cluster name."""
    cluster_endpoint: pulumi.Output[str]
    """GKE API endpoint (`https://<ip>`, the private IP in prod)."""
    control_plane: pulumi.CustomResource
    """The cluster resource (in-cluster objects are deleted with it)."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig of the cluster (secret, `gke-gcloud-auth-plugin`)."""
    oidc_issuer_url: pulumi.Output[str]
    """OIDC issuer of the cluster's service-account tokens."""
    postgres_host: pulumi.Output[str]
    """Private IP of the Cloud SQL instance."""
    bucket_names: dict[str, pulumi.Output[str]]
    """Physical bucket names by logical name."""
    project: str
    """Project the region deploys into."""
    network_id: pulumi.Output[str]
    """Id of the region's VPC."""
    network_self_link: pulumi.Output[str]
    """Self link of the region's VPC (VPN gateways, peering)."""
    router_name: pulumi.Output[str]
    """Cloud Router of the region (NAT; BGP of the VPN mesh)."""
    workload_pool: str
    """Workload Identity pool of the cluster."""
    postgres_connection_name: pulumi.Output[str]
    """Cloud SQL connection name (`<project>:<region>:<instance>`)."""
    ingress_addresses: list[pulumi.Output[str]]
    """Reserved external IP of the GKE ingress load balancer."""
    ingress_binding: dict[str, Any]
    """The reserved address and its name (the ingress Service's `loadBalancerIP`)."""
    vpn_end: GcpEnd | None
    """The region's HA VPN gateway and Cloud Router in the mesh (None outside it)."""
    kms: GcpKms
    """The region's key ring."""
    network: GcpNetwork
    """The region's VPC."""
    cluster: GcpGkeCluster
    """The region's GKE cluster."""
    postgres: GcpCloudSql
    """The region's Cloud SQL for PostgreSQL."""

    def __init__(self, name: str, args: RegionArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:Region", name, {}, opts)
        s, region = args.settings, args.region.name
        gcp_settings = s.clouds.gcp
        gcp_region = _gcp_region(args.region, s)
        project = _project(s)
        names = StackNames(s.name, s.environment)
        prefix = names.prefix(region)
        protect = s.deletion_protection
        labels = {**s.tags(), "region": region}
        child = pulumi.ResourceOptions(parent=self)
        if args.cluster_agent is None:  # the platform makes sure of it once per project (gcp.gke_agent)
            raise ValueError("GcpRegion needs the platform's GcpGkeServiceAgent in RegionArgs.cluster_agent")

        self.kms = GcpKms(
            f"{name}-kms",
            GcpKmsArgs(
                project=project,
                location=region,
                key_ring_name=unique(names.key_ring(region), args.suffix),
                rotation_days=gcp_settings.key_rotation_days,
                labels=labels,
                protect=protect,
                gke_agent=args.cluster_agent.member,
            ),
            opts=child,
        )
        vpc = args.shared_network
        if vpc is None:  # the platform builds the cloud's VPC first (gcp.region.shared_network)
            raise ValueError("GcpRegion needs the platform's GcpGlobalNetwork in RegionArgs.shared_network")
        self.network = GcpNetwork(
            f"{name}-network",
            GcpNetworkArgs(
                project=project,
                network_id=vpc.network_id,
                network_self_link=vpc.network_self_link,
                network_name=vpc.network_name,
                private_services_range=vpc.private_services_ranges[region],
                region=region,
                cidr=args.region.cidr,
                name_prefix=prefix,
                router_asn=args.asn if args.in_mesh else None,
            ),
            opts=child,
        )
        self.cluster = GcpGkeCluster(
            f"{name}-gke",
            GcpGkeClusterArgs(
                project=project,
                region=region,
                cluster_name=names.gke_cluster(region),
                version=s.kubernetes.version,
                release_channel=gcp_settings.release_channel,
                zones=gcp_region.node_zones(s.network.availability_zones),
                pool_zones={pool: gcp_region.pool_node_zones(pool, s.network.availability_zones)
                            for pool in gcp_region.pool_zones},
                network=self.network.network_id,
                subnetwork=self.network.subnet_id,
                pods_range_name=self.network.pods_range_name,
                services_range_name=self.network.services_range_name,
                secrets_key_id=self.kms.key_ids["gke"],
                pools=s.kubernetes.pools.gcp,
                private_endpoint=not s.kubernetes.public_endpoint,
                authorized_cidrs=(
                    [str(c) for c in s.kubernetes.public_access_cidrs]
                    if s.kubernetes.public_endpoint
                    else runner_ranges(s)
                ),
                node_service_account_id=names.gcp_service_account(region, "nodes"),
                deletion_protection=protect,
                labels=labels,
                maintenance=gcp_settings.maintenance,
                waits_for=[args.cluster_agent.ready],
            ),
            opts=child,
        )
        self.postgres = GcpCloudSql(
            f"{name}-postgres",
            GcpCloudSqlArgs(
                project=project,
                region=region,
                instance_name=unique(names.cloudsql_instance(region), args.suffix),
                version=s.postgres.version,
                tier=s.postgres.tier.gcp,
                ha=s.postgres.ha,
                storage_gb=s.postgres.storage_gb,
                max_storage_gb=s.postgres.max_storage_gb,
                backup_retention_days=s.postgres.backup_retention_days,
                pitr=s.postgres.pitr,
                backup_window=s.postgres.backup_window,
                maintenance_window=s.postgres.maintenance_window,
                database=s.postgres.database,
                network_id=self.network.network_id,
                private_services_range=self.network.private_services_range,
                kms_key_id=self.kms.key_ids["sql"],
                secrets_key_id=self.kms.key_ids["secrets"],
                deletion_protection=protect,
                labels=labels,
            ),
            opts=child,
        )
        # The DR sink (the primary region's backups bucket, where Storage Transfer lands the other clouds' copies) is a
        # configurable dual-region in prod (settings.backups_pair: clouds.gcp.backups_dual_region or its derived pair),
        # with its default key in the KMS location GCS accepts for it (`us` for a US dual-region:
        # components/lib/gcs_locations.py) and turbo replication (gcp review 20). The Storage Transfer grants stay
        # bucket-level roles, none bound to a location (https://cloud.google.com/storage-transfer/docs/sink-cloud-storage),
        # and the project's one Cloud Storage service agent encrypts for every bucket whatever its location
        # (https://cloud.google.com/storage/docs/encryption/customer-managed-keys: "Each project has a special Cloud
        # Storage service account called a service agent"); it is granted on the sink's own key.
        sink_region = region == gcp_settings.regions[0].name
        sink_pair = s.backups_pair() if sink_region else []
        self.backups_kms: GcpKms | None = None
        sink_location = region
        sink_data_locations: tuple[str, ...] = ()
        if sink_pair:
            multi, data_locations = placement(sink_pair)
            sink_location, sink_data_locations = multi, tuple(data_locations)
            self.backups_kms = GcpKms(
                f"{name}-backups-kms",
                GcpKmsArgs(
                    project=project,
                    location=kms_location(multi),
                    key_ring_name=unique(names.key_ring(kms_location(multi)), args.suffix),
                    rotation_days=gcp_settings.key_rotation_days,
                    labels=labels,
                    protect=protect,
                    purposes=("gcs",),
                ),
                opts=child,
            )

        def dual(logical: str) -> bool:
            return logical == BACKUPS and self.backups_kms is not None

        def sink_label(logical: str) -> dict[str, str]:
            return {"dr": "sink"} if sink_region and logical == BACKUPS else {}

        buckets = {
            b.name: GcpBucket(
                f"{name}-bucket-{b.name}",
                GcpBucketArgs(
                    project=project,
                    bucket_name=unique(names.gcs_bucket(b.name, region), args.suffix),
                    location=sink_location if dual(b.name) else region,
                    data_locations=sink_data_locations if dual(b.name) else (),
                    turbo_replication=dual(b.name),
                    settings=b,
                    kms_key_id=(self.backups_kms if dual(b.name) and self.backups_kms else self.kms).key_ids["gcs"],
                    soft_delete_days=gcp_settings.soft_delete_days,
                    protect=protect,
                    # `dr: sink` marks the DR sink for the policies (gcp-backups-sink-dual-region)
                    labels={**labels, "bucket": b.name, **sink_label(b.name)},
                    # The backups buckets (the other clouds' copies land in the primary region's) are write-once for
                    # the retention period: neither the transfer agent nor a stolen credential can delete or replace
                    # a copy (gcp review 21).
                    retention_days=gcp_settings.backups_retention_days if b.name == BACKUPS else None,
                    retention_locked=gcp_settings.backups_retention_locked,
                ),
                opts=child,
            )
            for b in s.buckets
        }
        self.bucket_names = {logical: bucket.bucket_name for logical, bucket in buckets.items()}
        self.project = project
        ingress = gcp.compute.Address(
            f"{name}-ingress",
            name=f"{prefix}-ingress",
            project=project,
            region=region,
            address_type="EXTERNAL",
            network_tier="PREMIUM",
            description="Ingress load balancer of the GKE cluster (Cloudflare pool origin)",
            labels=labels,
            opts=child,
        )
        self.ingress_addresses = [served_by(self.cluster.cluster_name, ingress.address)]
        # The ingress Service's `loadBalancerIP` (a regional external address, as an external passthrough NLB needs).
        self.ingress_binding = {"address": ingress.address, "address_name": ingress.name}
        self.vpn_end = None
        if args.in_mesh:
            gateway = GcpVpnGateway(
                f"{name}-vpn",
                GcpVpnGatewayArgs(
                    project=project,
                    region=region,
                    gateway_name=f"{prefix}-havpn",
                    network_id=self.network.network_id,
                    labels=labels,
                ),
                opts=child,
            )
            self.vpn_end = GcpEnd(
                region=region,
                project=project,
                gateway_id=gateway.gateway_id,
                interface_ips=gateway.interface_ips,
                router_name=self.network.router_name,
                asn=args.asn,
                advertised_cidr=str(args.region.cidr),
                # Cloud DNS forwards from 35.199.192.0/19: the other clouds route the answers back over the tunnels
                # (every region's router: one VPC, and each region's queries leave through its own tunnels)
                extra_advertised=(GCP_FORWARDER_SOURCE,) if s.dns_plan().resolver("gcp", region) else (),
                name_prefix=prefix,
            )
        dns = s.dns_plan()
        resolver = dns.resolver("gcp", region)
        self.dns_resolver: GcpDnsResolver | None = None
        if resolver is not None:  # the server policy and forwarding zones: once, on the VPC (GcpDnsForwarding)
            self.dns_resolver = GcpDnsResolver(
                f"{name}-dns",
                GcpDnsResolverArgs(
                    resolver=resolver,
                    project=project,
                    region=region,
                    network_id=self.network.network_id,
                    name_prefix=prefix,
                    labels=labels,
                ),
                opts=child,
            )
        self.cluster_name = self.cluster.cluster_name
        self.cluster_endpoint = self.cluster.endpoint
        self.control_plane = self.cluster.control_plane
        # The Kubernetes provider logs in as the deployer: its kubeconfig waits for the deployer's project grant.
        access = args.cluster_access
        self.kubeconfig = (
            pulumi.Output.all(self.cluster.kubeconfig, access.ready.id).apply(lambda v: v[0])
            if access is not None
            else self.cluster.kubeconfig
        )
        self.oidc_issuer_url = self.cluster.oidc_issuer_url
        self.workload_pool = self.cluster.workload_pool
        self.postgres_host = self.postgres.private_ip
        self.postgres_connection = PostgresConnection(
            host=self.postgres.private_ip,
            database=s.postgres.database,
            username=ADMIN_USER,
            password=self.postgres.admin_password,
        )
        self.postgres_connection_name = self.postgres.connection_name
        self.network_id = self.network.network_id
        self.network_self_link = self.network.network_self_link
        self.router_name = self.network.router_name
        self.register_outputs(
            {
                "cluster_endpoint": self.cluster_endpoint,
                "postgres_host": self.postgres_host,
                "postgres_connection_name": self.postgres_connection_name,
                "network_self_link": self.network_self_link,
                "bucket_names": self.bucket_names,
            }
        )
