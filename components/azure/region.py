"""Everything the platform runs in one Azure region: network, Key Vault keys, AKS, Flexible Server, Storage."""

from __future__ import annotations

import dataclasses
from typing import Any

import pulumi
import pulumi_azure_native as azure_native

from ..connectivity.ends import AzureEnd
from ..lib.naming import StackNames, unique
from ..regional import PostgresConnection, RegionArgs, served_by
from ..settings import catalog
from ..settings.models import PlatformSettings, Region
from .aks_cluster import AzureAksCluster, AzureAksClusterArgs
from .dns_resolver import AzureDnsResolver, AzureDnsResolverArgs
from .keyvault import AzureKeyVault, AzureKeyVaultArgs
from .mesh_alerts import AzureMeshAlerts, AzureMeshAlertsArgs
from .network import AzureNetwork, AzureNetworkArgs, azure_subnet_plan
from .postgres import ADMIN_USER, AzurePostgres, AzurePostgresArgs
from .roles import NETWORK_CONTRIBUTOR, assign_role
from .storage import AzureStorage, AzureStorageArgs
from .vpn_gateway import AzureVpnGateway, AzureVpnGatewayArgs

KEYS = {"postgres": 3072, "storage": 3072}
"""Customer-managed keys of the region's (closed) vault and their RSA sizes."""
KMS_KEYS = {"aks": 2048}
"""The AKS KMS key, alone in its own public vault (AKS KMS takes RSA 2048)."""


def regional_provider(
    name: str, region: Region, settings: PlatformSettings, opts: pulumi.ResourceOptions
) -> azure_native.Provider:
    """The explicit `azure_native.Provider` of one region (credentials from the environment: Azure CLI,
    managed identity or OIDC in CI)."""
    return azure_native.Provider(
        name, location=region.name, subscription_id=settings.clouds.azure.subscription_id, opts=opts
    )


class AzureRegion(pulumi.ComponentResource):
    """One Azure region of the platform. Give it the region's `azure_native.Provider` through `opts.providers`."""

    cluster_name: pulumi.Output[str]
    """AKS cluster name."""
    cluster_endpoint: pulumi.Output[str]
    """AKS API server URL."""
    control_plane: pulumi.CustomResource
    """The cluster resource (in-cluster objects are deleted with it)."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig of the cluster (secret; `kubelogin` with the Azure CLI login)."""
    oidc_issuer_url: pulumi.Output[str]
    """OIDC issuer of the cluster (workload identity federation)."""
    postgres_host: pulumi.Output[str]
    """Private FQDN of the Flexible Server."""
    bucket_names: dict[str, pulumi.Output[str]]
    """Blob container names by logical bucket name."""
    resource_group_name: pulumi.Output[str]
    """The region's resource group."""
    vnet_id: pulumi.Output[str]
    """ARM id of the region's VNet."""
    vnet_name: pulumi.Output[str]
    """Name of the region's VNet."""
    vnet_writes: list[pulumi.Resource]
    """What writes the region's VNet (the network's subnets, then the DNS resolver's): a later write of the VNet (a
    peering) waits for them, as a VNet's subnet and peering writes run one at a time."""
    gateway_subnet_id: pulumi.Output[str]
    """`GatewaySubnet` of the region's VNet (for the VPN gateway)."""
    key_vault_id: pulumi.Output[str]
    """ARM id of the region's Key Vault."""
    key_vault_uri: pulumi.Output[str]
    """Data-plane URI of the region's Key Vault."""
    storage_account_name: pulumi.Output[str]
    """The region's storage account."""
    storage_account_id: pulumi.Output[str]
    """ARM id of the region's storage account."""
    blob_private_endpoint: dict[str, pulumi.Input[str]]
    """Host and private IP of the storage account's blob endpoint (the other clouds' path to the blobs)."""
    workspace_id: pulumi.Output[str]
    """The region's Log Analytics workspace."""
    ingress_addresses: list[pulumi.Output[str]]
    """Static public IP of the AKS ingress load balancer (the cluster identity may attach it)."""
    ingress_binding: dict[str, Any]
    """Name and resource group of that public IP (the ingress Service's annotations)."""
    vpn_end: AzureEnd | None
    """The region's VPN gateway in the mesh (None outside it)."""
    network: AzureNetwork
    """The region's resource group and VNet."""
    vault: AzureKeyVault
    """The region's Key Vault (closed to public networks): CMKs and secrets."""
    kms_vault: AzureKeyVault
    """The region's public vault holding only the AKS KMS key."""
    cluster: AzureAksCluster
    """The region's AKS cluster."""
    postgres: AzurePostgres
    """The region's Flexible Server."""
    storage: AzureStorage
    """The region's storage account."""

    def __init__(self, name: str, args: RegionArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:azure:Region", name, {}, opts)
        s, region = args.settings, args.region.name
        azure = s.clouds.azure
        if not azure.subscription_id:
            raise ValueError("clouds.azure.subscription_id is required (or azure-native:subscriptionId)")
        subscription = azure.subscription_id
        names = StackNames(s.name, s.environment)
        prefix = names.prefix(region)
        protect = s.deletion_protection
        tags = {**s.tags(), "region": region}
        child = pulumi.ResourceOptions(parent=self)
        client = azure_native.authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self))
        configured = s.deployer.azure if s.deployer else None
        if configured is None:  # the settings edge requires it (deployer.azure); never the caller of the run
            raise ValueError("deployer.azure is required with Azure enabled")
        # Grants key on the configured principal, never on whoever runs `up` (a second operator's run would replace
        # them under the delete locks: ScopeLocked); the client config gives only the tenant.
        deployer_id, deployer_type = configured.object_id, configured.principal_type
        viewer = s.deployer.preview.azure if s.deployer and s.deployer.preview else None  # the PR previews

        self.network = AzureNetwork(
            f"{name}-network",
            AzureNetworkArgs(
                resource_group_name=names.resource_group(region),
                location=region,
                cidr=args.region.cidr,
                platform_cidrs=args.platform_cidrs,
                log_retention_days=s.network.flow_log_retention_days,
                log_daily_cap_gb=s.network.log_daily_cap_gb,
                name_prefix=prefix,
                tags=tags,
                edge_cidrs=catalog.CLOUDFLARE_IPV4_RANGES if s.edge.enabled else (),
            ),
            opts=child,
        )
        rg, workspace = self.network.resource_group_name, self.network.workspace_id
        soft_delete_days = 90 if s.is_prod else 7
        vault_args = AzureKeyVaultArgs(
            vault_name=unique(names.key_vault(region), args.suffix),
            resource_group_name=rg,
            location=region,
            tenant_id=client.tenant_id,
            deployer_object_id=deployer_id,
            deployer_principal_type=deployer_type,
            subscription_id=subscription,
            keys=KEYS,
            soft_delete_retention_days=soft_delete_days,
            workspace_id=workspace,
            protect=protect,
            tags=tags,
        )
        self.vault = AzureKeyVault(f"{name}-vault", vault_args, opts=child)
        # The AKS KMS key alone in a public vault (KMS `Public` mode), never auto-rotated (AKS pins its version):
        # a rotation is the next `clouds.azure.kms_key_generation` (azure R6, R8).
        self.kms_vault = AzureKeyVault(
            f"{name}-kms-vault",
            dataclasses.replace(
                vault_args,
                vault_name=unique(names.kms_key_vault(region), args.suffix),
                keys=KMS_KEYS,
                tags={**tags, "purpose": "aks-kms"},
                auto_rotate=False,
                key_generation=azure.kms_key_generation,
                public_network=True,
            ),
            opts=child,
        )
        # Geo-redundant backups (prod) are stored in the paired region and encrypted with a key there.
        geo_location = catalog.AZURE_PAIRED_REGIONS[region] if s.is_prod else None
        geo_vault = (
            AzureKeyVault(
                f"{name}-geo-vault",
                dataclasses.replace(
                    vault_args,
                    vault_name=unique(names.geo_key_vault(region), args.suffix),
                    location=geo_location,
                    keys={"postgres": KEYS["postgres"]},
                    tags={**tags, "purpose": "geo-backup"},
                ),
                opts=child,
            )
            if geo_location
            else None
        )
        cluster_name = names.aks_cluster(region)
        self.cluster = AzureAksCluster(
            f"{name}-aks",
            AzureAksClusterArgs(
                cluster_name=cluster_name,
                version=s.kubernetes.version,
                resource_group_name=rg,
                location=region,
                subnet_id=self.network.aks_subnet_id,
                vnet_id=self.network.vnet_id,
                zones=[str(z) for z in range(1, s.network.availability_zones + 1)],
                pools=s.kubernetes.pools.azure,
                private_cluster=not s.kubernetes.public_endpoint,
                authorized_ip_ranges=[str(c) for c in s.kubernetes.public_access_cidrs],
                kms_key=self.kms_vault.keys["aks"],
                tenant_id=client.tenant_id,
                admin_group_object_ids=azure.admin_group_object_ids,
                deployer_object_id=deployer_id,
                deployer_principal_type=deployer_type,
                viewers=[(viewer.object_id, viewer.principal_type)] if viewer else [],
                workspace_id=workspace,
                identity_name=f"{prefix}-aks",
                subscription_id=subscription,
                sku_tier="Standard" if s.is_prod else "Free",
                deletion_protection=protect,
                tags=tags,
            ),
            opts=child,
        )
        tier, sku_name = s.postgres.tier.azure.split("_", 1)
        server_name = unique(names.postgres_server(region), args.suffix)
        self.postgres = AzurePostgres(
            f"{name}-postgres",
            AzurePostgresArgs(
                server_name=server_name,
                version=s.postgres.version,
                sku_name=sku_name,
                sku_tier=catalog.AZURE_POSTGRES_TIERS[tier],
                storage_gb=s.postgres.storage_gb,
                high_availability=s.postgres.ha,
                backup_retention_days=s.postgres.backup_retention_days,
                maintenance_window=s.postgres.maintenance_window,
                database=s.postgres.database,
                resource_group_name=rg,
                location=region,
                subnet_id=self.network.postgres_subnet_id,
                vnet_id=self.network.vnet_id,
                key=self.vault.keys["postgres"],
                vault_name=self.vault.vault_name,
                vault_access=self.vault.data_plane_access,
                workspace_id=workspace,
                identity_name=f"{prefix}-postgres",
                tenant_id=client.tenant_id,
                subscription_id=subscription,
                deletion_protection=protect,
                tags=tags,
                geo_key=geo_vault.keys["postgres"] if geo_vault else None,
                geo_location=geo_location,
            ),
            opts=child,
        )
        self.storage = AzureStorage(
            f"{name}-storage",
            AzureStorageArgs(
                account_name=unique(names.storage_account(region), args.suffix),
                resource_group_name=rg,
                location=region,
                # Prod: zone-redundant in the region and replicated to the paired one, like AKS and Postgres are
                # (azure R11; https://learn.microsoft.com/azure/storage/common/storage-redundancy#geo-zone-redundant-storage).
                sku="Standard_GZRS" if s.is_prod else "Standard_LRS",
                buckets=s.buckets,
                key=self.vault.keys["storage"],
                vault_uri=self.vault.vault_uri,
                identity_name=f"{prefix}-storage",
                allowed_subnet_ids=[self.network.aks_subnet_id],
                # GCP Storage Transfer pulls the containers from its published ranges (dr.sync)
                allowed_ip_ranges=[str(c) for c in s.dr.sync.azure_source_ranges] if s.synced_buckets() else [],
                private_endpoint_subnet_id=self.network.aks_subnet_id,
                # Nodes take AKS subnet addresses from the bottom (pods use an overlay): the endpoint sits at the top.
                private_endpoint_ip=str(azure_subnet_plan(args.region.cidr).aks[-2]),
                vnet_id=self.network.vnet_id,
                soft_delete_days=30 if s.is_prod else 7,
                subscription_id=subscription,
                protect=protect,
                tags=tags,
                workspace_id=self.network.workspace_id,
            ),
            opts=child,
        )

        # The ingress IP sits in a resource group of its own, where the cluster identity is Network Contributor:
        # cloud-provider-azure finds `azure-pip-name` by listing the public IPs of the Service's
        # `azure-load-balancer-resource-group`, a read at resource-group scope (a grant on the IP alone gets 403;
        # https://learn.microsoft.com/azure/aks/static-ip; azure F2). The group holds nothing else, so the grant
        # stays least-privilege (the region's group also holds the VPN gateway and the vaults).
        ingress_group = azure_native.resources.ResourceGroup(
            f"{name}-ingress-rg",
            resource_group_name=names.ingress_resource_group(region),
            location=region,
            tags=tags,
            opts=child,
        )
        ingress = azure_native.network.PublicIPAddress(
            f"{name}-ingress",
            public_ip_address_name=f"{prefix}-ingress",
            resource_group_name=ingress_group.name,
            location=region,
            sku={"name": "Standard", "tier": "Regional"},
            public_ip_allocation_method="Static",
            public_ip_address_version="IPv4",
            zones=["1", "2", "3"],
            tags=tags,
            opts=child,
        )
        assign_role(
            f"{name}-ingress-network-contributor",
            self,
            scope=ingress_group.id,
            principal_id=self.cluster.identity_principal_id,
            role=NETWORK_CONTRIBUTOR,
            subscription_id=subscription,
        )
        self.ingress_addresses = [
            served_by(self.cluster.cluster_name, ingress.ip_address.apply(lambda address: address or ""))
        ]
        # `service.beta.kubernetes.io/azure-pip-name` and `azure-load-balancer-resource-group` on the Service.
        self.ingress_binding = {"public_ip_name": ingress.name, "resource_group": ingress_group.name}
        self.vpn_end = None
        if args.in_mesh:
            instances = args.mesh.azure_bgp_addresses(region)
            gateway = AzureVpnGateway(
                f"{name}-vpn",
                AzureVpnGatewayArgs(
                    gateway_name=f"{prefix}-vng",
                    resource_group_name=rg,
                    location=region,
                    subscription_id=subscription,
                    gateway_subnet_id=self.network.gateway_subnet_id,
                    sku=s.vpn.azure_gateway_sku,
                    asn=args.asn,
                    bgp_addresses=instances,
                    tags=tags,
                ),
                opts=child,
            )
            if s.mesh_alerts.enabled:
                AzureMeshAlerts(
                    f"{name}-mesh-alerts",
                    AzureMeshAlertsArgs(
                        gateway_id=gateway.gateway_id,
                        workspace_id=workspace,
                        resource_group_name=rg,
                        emails=s.alert_emails(),
                        name_prefix=prefix,
                        tags=tags,
                    ),
                    opts=child,
                )
            self.vpn_end = AzureEnd(
                region=region,
                gateway_id=gateway.gateway_id,
                public_ips=gateway.public_ips,
                ip_configuration_ids=gateway.ip_configuration_ids,
                asn=args.asn,
                resource_group_name=rg,
                name_prefix=prefix,
                cidr=str(args.region.cidr),
            )
        dns = s.dns_plan()
        resolver = dns.resolver("azure", region)
        self.vnet_writes: list[pulumi.Resource] = [self.network]
        if resolver is not None:
            dns_resolver = AzureDnsResolver(
                f"{name}-dns",
                AzureDnsResolverArgs(
                    resolver=resolver,
                    forwards=dns.forwards_from("azure", region),
                    resource_group_name=rg,
                    location=region,
                    vnet_id=self.network.vnet_id,
                    vnet_name=self.network.vnet_name,
                    after_subnet_id=self.network.gateway_subnet_id,
                    name_prefix=prefix,
                    tags=tags,
                    suffix=args.suffix,
                ),
                opts=child,
            )
            self.vnet_writes.append(dns_resolver.last_subnet)

        self.cluster_name = self.cluster.cluster_name
        self.cluster_endpoint = self.cluster.endpoint
        self.control_plane = self.cluster.control_plane
        self.kubeconfig = self.cluster.kubeconfig
        self.oidc_issuer_url = self.cluster.oidc_issuer_url
        self.postgres_host = self.postgres.fqdn
        self.postgres_connection = PostgresConnection(
            host=self.postgres.fqdn,
            database=s.postgres.database,
            username=ADMIN_USER,
            password=self.postgres.admin_password,
        )
        self.bucket_names = dict(self.storage.container_names)
        self.resource_group_name = rg
        self.vnet_id = self.network.vnet_id
        self.vnet_name = self.network.vnet_name
        self.gateway_subnet_id = self.network.gateway_subnet_id
        self.key_vault_id = self.vault.vault_id
        self.key_vault_uri = self.vault.vault_uri
        self.storage_account_name = self.storage.account_name
        self.storage_account_id = self.storage.account_id
        self.blob_private_endpoint = self.storage.blob_private_endpoint
        self.workspace_id = workspace
        self.register_outputs(
            {
                "cluster_endpoint": self.cluster_endpoint,
                "postgres_host": self.postgres_host,
                "bucket_names": self.bucket_names,
                "gateway_subnet_id": self.gateway_subnet_id,
            }
        )
