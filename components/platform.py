"""The whole platform of one stack, composed from its settings."""

from __future__ import annotations

import importlib
from typing import Any

import pulumi
import pulumi_random as random

from .lib.naming import SUFFIX_LENGTH, SUFFIX_LETTERS, StackNames, region_code
from .lib.tunnels import MeshPlan
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
    """Every enabled cloud in every configured region, each region with its own explicit provider, and the
    cross-cloud layer over them: the VPN mesh, the Cognito user pool, the workload federation, the Cloudflare edge
    (each module imported only when the stack has it)."""

    unique: random.RandomString
    """The stack-unique part of the global and reserved-after-delete names (a RandomString, lib/naming.py SUFFIX):
    created once with the stack, never changed (no keepers), protected in prod; a new stack gets a new one."""
    suffix: pulumi.Output[str]
    """Its value, what `lib.naming.unique` fills the name templates with."""
    regions: dict[Cloud, dict[str, CloudRegion]]
    """Region components by cloud, then by region name (primary region first)."""
    providers: dict[tuple[str, str], pulumi.ProviderResource]
    """Explicit provider of each (cloud, region)."""
    shared_networks: dict[str, pulumi.ComponentResource]
    """A cloud's one network shared by its regions (GCP: the global VPC), by cloud."""
    peerings: dict[str, pulumi.ComponentResource]
    """Same-cloud cross-region peerings (AWS VPC peering, Azure global VNet peering) by `<cloud>/<region>/<region>`;
    GCP's regions share one global VPC."""
    mesh: pulumi.ComponentResource | None = None
    """The cross-cloud VPN mesh (VpnMesh; None with a single cloud or the mesh off)."""
    user_pool: pulumi.ComponentResource | None = None
    """The Cognito user pool, primary identity provider of the platform (CognitoUserPool; needs AWS)."""
    federation: pulumi.ComponentResource | None = None
    """Cross-cloud workload identities of the configured trusts (WorkloadFederation)."""
    edge: pulumi.ComponentResource | None = None
    """The Cloudflare load balancer in front of every cluster (GlobalLoadBalancer)."""
    data_sync: pulumi.ComponentResource | None = None
    """GCP Storage Transfer jobs copying the AWS and Azure buckets into the backup cloud (CrossCloudDataSync)."""
    connection_secrets: pulumi.ComponentResource | None = None
    """Every database's connection secret in every cloud's secret store (ConnectionSecrets)."""
    alert_topic: Any = None
    """The stack's AWS alert topic (AwsAlertTopic; None without AWS): the emergency budget and the central
    Alertmanager page through it."""
    budgets: dict[str, pulumi.ComponentResource]
    """Each enabled cloud's budget component (its share of the stack's budgets)."""
    workloads: dict[tuple[str, str], pulumi.ComponentResource]
    """What runs in each (cloud, region)'s cluster (ClusterWorkloads), the central Prometheus's cluster last."""
    exports: dict[str, Any]
    """Stack outputs of the cross-cloud components (tunnels, edge hostname, identity issuer and federated roles)."""

    def __init__(self, name: str, settings: PlatformSettings, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:index:Platform", name, {}, opts)
        platform_cidrs = [str(r.cidr) for c in settings.clouds.enabled().values() for r in c.regions]
        mesh = settings.mesh_plan()
        self.regions, self.providers, self.exports, self.workloads, self.budgets = {}, {}, {}, {}, {}
        self.shared_networks = {}
        self.unique = stack_unique(f"{name}-unique", self, settings.deletion_protection)
        self.suffix = self.unique.result
        self._after_gcp_apis: list[pulumi.ResourceTransformation] = []
        """Given to every component holding GCP resources: they wait for the stack's enabled APIs."""
        for cloud, cloud_settings in settings.clouds.enabled().items():
            if cloud not in REGION_MODULES:
                continue
            module_name, class_name = REGION_MODULES[cloud]
            module = importlib.import_module(module_name)
            self.regions[cloud] = {}
            shared = None
            for region in cloud_settings.regions:
                region_name = f"{name}-{cloud}-{region_code(region.name)}"
                provider = module.regional_provider(region_name, region, settings, pulumi.ResourceOptions(parent=self))
                self.providers[(cloud, region.name)] = provider
                if cloud == "gcp" and not self._after_gcp_apis:
                    self._gcp_services(name, settings, provider)
                if shared is None and hasattr(module, "shared_network"):  # built once, on the primary's provider
                    shared = module.shared_network(
                        name,
                        settings,
                        pulumi.ResourceOptions(parent=self, providers=[provider], transformations=self._after_gcp_apis),
                    )
                    self.shared_networks[cloud] = shared
                self.regions[cloud][region.name] = getattr(module, class_name)(
                    region_name,
                    RegionArgs(
                        cloud=cloud,
                        region=region,
                        settings=settings,
                        platform_cidrs=platform_cidrs,
                        mesh=mesh,
                        suffix=self.suffix,
                        shared_network=shared,
                        cluster_access=getattr(self, "gcp_deployer_access", None) if cloud == "gcp" else None,
                        cluster_agent=getattr(self, "gke_agent", None) if cloud == "gcp" else None,
                    ),
                    opts=pulumi.ResourceOptions(
                        parent=self, providers=[provider], transformations=self._after_gcp_apis
                    ),
                )
        if "azure" in self.regions:  # what the driver restarts after `up` when wal_level waits for it (azure R3)
            self.exports["azure_postgres_servers"] = {
                region: r.postgres.server_id  # type: ignore[attr-defined]
                for region, r in self.regions["azure"].items()
            }
        from .connectivity.same_cloud import same_cloud_paths

        self.peerings = same_cloud_paths(self, name, settings, self.regions, self.providers)
        if mesh.legs:
            self.mesh = self._mesh(name, mesh, settings)
            self._gcp_dns_forwarding(name, settings)
        if settings.clouds.aws.enabled:
            self.user_pool = self._user_pool(name, settings)
        if settings.identity.trusts:
            self.federation = self._federation(name, settings)
        if settings.edge.enabled:
            self.edge = self._edge(name, settings)
        if "aws" in self.regions:
            self.alert_topic = self._alert_topic(name, settings)
        if settings.workloads.enabled:
            self._workloads(name, settings, platform_cidrs)
        self._budgets(name, settings)  # first: the data sync's failure alert reuses the GCP budget's channels
        if settings.synced_buckets():
            self.data_sync = self._data_sync(name, settings)
        if len(self.regions) > 1:
            self.connection_secrets = self._connection_secrets(name, settings)
        if settings.workloads.enabled and "aws" in self.regions:
            self._api_identities(name, settings)
        if "gcp" in self.regions:
            self._gcp_audit_logging(name, settings)
        if mesh.legs and settings.mesh_alerts.enabled and "gcp" in self.regions:
            self._gcp_mesh_alerts(name, settings)
        self.register_outputs({})

    def _gcp_services(self, name: str, settings: PlatformSettings, provider: pulumi.ProviderResource) -> None:
        """Enable every API the stack uses in its project (through the primary region's provider) before any other
        GCP resource: each component holding GCP resources gets `self._after_gcp_apis`."""
        from .gcp.services import GcpServices, GcpServicesArgs, stack_apis

        services = GcpServices(
            f"{name}-gcp-apis",
            GcpServicesArgs(project=str(settings.clouds.gcp.project), apis=stack_apis()),
            opts=pulumi.ResourceOptions(parent=self, providers=[provider]),
        )
        self._after_gcp_apis = [services.transformation()]
        from .gcp.gke_agent import GcpGkeServiceAgent, GcpGkeServiceAgentArgs

        self.gke_agent = GcpGkeServiceAgent(
            f"{name}-gcp-gke-agent",
            GcpGkeServiceAgentArgs(project=str(settings.clouds.gcp.project)),
            opts=pulumi.ResourceOptions(parent=self, providers=[provider], transformations=self._after_gcp_apis),
        )
        deployer = settings.deployer.gcp if settings.deployer else None
        preview = settings.deployer.preview.gcp if settings.deployer and settings.deployer.preview else None
        if deployer is not None:
            from .gcp.deployer_access import GcpDeployerAccess, GcpDeployerAccessArgs

            self.gcp_deployer_access = GcpDeployerAccess(
                f"{name}-gcp-deployer",
                GcpDeployerAccessArgs(
                    str(settings.clouds.gcp.project),
                    deployer.service_account,
                    viewer_service_account=preview.service_account if preview else None,
                ),
                opts=pulumi.ResourceOptions(parent=self, providers=[provider], transformations=self._after_gcp_apis),
            )

    def _gcp_audit_logging(self, name: str, settings: PlatformSettings) -> None:
        """Data Access audit logs and the `_Default` log bucket's retention (project-wide, so once for the stack;
        gcp review 15): the retention is the stack's flow-log retention, the flow logs landing in that bucket."""
        from .gcp.audit_logging import GcpAuditLogging, GcpAuditLoggingArgs

        GcpAuditLogging(
            f"{name}-gcp-audit",
            GcpAuditLoggingArgs(
                project=str(settings.clouds.gcp.project), retention_days=settings.network.flow_log_retention_days
            ),
            opts=pulumi.ResourceOptions(
                parent=self, providers=[self._primary("gcp")[1]], transformations=self._after_gcp_apis
            ),
        )

    def _primary(self, cloud: Cloud) -> tuple[CloudRegion, pulumi.ProviderResource]:
        """A cloud's primary region component and its provider."""
        region, component = next(iter(self.regions[cloud].items()))
        return component, self.providers[(cloud, region)]

    def _mesh(self, name: str, mesh: MeshPlan, settings: PlatformSettings) -> pulumi.ComponentResource:
        from .connectivity.mesh import End, VpnMesh, VpnMeshArgs

        ends: dict[tuple[str, str], End] = {
            (cloud, region_name): region.vpn_end
            for cloud, regions in self.regions.items()
            for region_name, region in regions.items()
            if region.vpn_end is not None
        }
        component = VpnMesh(
            f"{name}-vpn",
            VpnMeshArgs(plan=mesh, ends=ends, providers=self.providers, tags=settings.tags()),
            opts=pulumi.ResourceOptions(parent=self, transformations=self._after_gcp_apis),
        )
        self.exports["vpn_tunnels"] = component.tunnels
        return component

    def _gcp_dns_forwarding(self, name: str, settings: PlatformSettings) -> None:
        """Cloud DNS's side of the cross-cloud DNS, once for the stack's one GCP VPC: the inbound server policy and a
        forwarding zone per name another cloud hosts (the same for every GCP region: no DNS peering zones)."""
        dns = settings.dns_plan()
        regions = [r for c, r in dns.resolvers if c == "gcp"]
        if not regions or "gcp" not in self.shared_networks:
            return
        from .gcp.dns_resolver import GcpDnsForwarding, GcpDnsForwardingArgs

        gcp_regions = self.regions["gcp"]
        addresses = [
            gcp_regions[r].dns_resolver.address  # type: ignore[attr-defined]
            for r in regions
            if getattr(gcp_regions[r], "dns_resolver", None) is not None
        ]
        GcpDnsForwarding(
            f"{name}-gcp-dns",
            GcpDnsForwardingArgs(
                forwards=dns.forwards_from("gcp", regions[0]),
                project=str(settings.clouds.gcp.project),
                network_id=self.shared_networks["gcp"].network_id,  # type: ignore[attr-defined]
                name_prefix=f"{settings.name}-{settings.environment}",
                labels=settings.tags(),
                addresses=addresses,
                suffix=self.suffix,
            ),
            opts=pulumi.ResourceOptions(
                parent=self, providers=[self._primary("gcp")[1]], transformations=self._after_gcp_apis
            ),
        )

    def _gcp_mesh_alerts(self, name: str, settings: PlatformSettings) -> None:
        """Tunnel and BGP alert policies of the GCP regions in the mesh (project-wide, so once for the stack); they
        reuse the budget's e-mail channels when both go to the same addresses."""
        from .gcp.mesh_alerts import GcpMeshAlerts, GcpMeshAlertsArgs

        emails, budget = settings.alert_emails(), self.budgets.get("gcp")
        reuse = budget is not None and list(settings.budgets.notify) == emails
        GcpMeshAlerts(
            f"{name}-gcp-mesh-alerts",
            GcpMeshAlertsArgs(
                project=str(settings.clouds.gcp.project),
                regions=[r for r, region in self.regions["gcp"].items() if region.vpn_end is not None],
                display_prefix=f"{settings.name}-{settings.environment}",
                emails=emails,
                channel_ids=budget.channel_ids if reuse else [],  # type: ignore[union-attr]
                labels=settings.tags(),
            ),
            opts=pulumi.ResourceOptions(
                parent=self, providers=[self._primary("gcp")[1]], transformations=self._after_gcp_apis
            ),
        )

    def _user_pool(self, name: str, settings: PlatformSettings) -> pulumi.ComponentResource:
        from .identity.user_pool import CognitoUserPool, user_pool_args

        tenant = None
        if "azure" in self.regions:  # Entra ID federation defaults to the subscription's tenant
            _, azure_provider = self._primary("azure")
            tenant = azure_client_config(self, azure_provider).tenant_id
        _, provider = self._primary("aws")
        component = CognitoUserPool(
            f"{name}-users",
            user_pool_args(settings, tenant, self.suffix),
            opts=pulumi.ResourceOptions(parent=self, providers=[provider]),
        )
        self.exports.update(identity_issuer=component.issuer_url, identity_client_id=component.client_id)
        return component

    def _federation(self, name: str, settings: PlatformSettings) -> pulumi.ComponentResource:
        from .identity import federation as f

        regions = self.regions
        backups = "backups"
        targets = {t for trust in settings.identity.trusts for t in trust.targets}
        aws = azure = gcp = None
        if "aws" in targets:
            aws = f.AwsTarget(
                backups=[
                    f.AwsBackups(region, r.bucket_names[backups], r.s3_key_arn)  # type: ignore[attr-defined]
                    for region, r in regions["aws"].items()
                ]
            )
        if "azure" in targets:
            primary, _ = self._primary("azure")
            self.exports["azure_blob_private_endpoints"] = {
                region: r.blob_private_endpoint  # type: ignore[attr-defined]
                for region, r in regions["azure"].items()
            }
            azure = f.AzureTarget(
                subscription_id=str(settings.clouds.azure.subscription_id),
                resource_group_name=primary.resource_group_name,  # type: ignore[attr-defined]
                location=next(iter(regions["azure"])),
                backups=[
                    f.AzureBackups(region, r.storage_account_id, r.bucket_names[backups])  # type: ignore[attr-defined]
                    for region, r in regions["azure"].items()
                ],
            )
        if "gcp" in targets:
            gcp = f.GcpTarget(
                project=str(settings.clouds.gcp.project),
                backups=[f.GcpBackups(region, r.bucket_names[backups]) for region, r in regions["gcp"].items()],
            )
        sources = {trust.source for trust in settings.identity.trusts}
        component = f.WorkloadFederation(
            f"{name}-federation",
            f.WorkloadFederationArgs(
                trusts=settings.identity.trusts,
                issuers={
                    cloud: [f.ClusterIssuer(region, r.oidc_issuer_url) for region, r in regions[cloud].items()]
                    for cloud in sources
                },
                name_prefix=f"{settings.name}-{settings.environment}",
                tags=settings.tags(),
                aws=aws,
                azure=azure,
                gcp=gcp,
                suffix=self.suffix,
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                providers=[self._primary(cloud)[1] for cloud in sorted(sources | targets)],
                transformations=self._after_gcp_apis,
            ),
        )
        self.exports.update(
            federated_aws_roles=component.aws_role_arns,
            federated_gcp_service_accounts=component.gcp_service_accounts,
            federated_azure_client_ids=component.azure_client_ids,
            federated_gcp_providers=component.gcp_provider_names,
            federated_azure_tenant_id=component.azure_tenant_id,
        )
        return component

    def _edge(self, name: str, settings: PlatformSettings) -> pulumi.ComponentResource:
        import pulumi_cloudflare as cloudflare

        from .edge.load_balancer import GlobalLoadBalancer, GlobalLoadBalancerArgs, Origin

        origins: dict[Cloud, list[Origin]] = {}
        for cloud, cloud_settings in settings.clouds.enabled().items():
            origins[cloud] = []
            for region in cloud_settings.regions:
                addresses = self.regions[cloud][region.name].ingress_addresses
                several = len(addresses) > 1
                origins[cloud] += [
                    Origin(cloud, region.name, address, region.weight, index=i if several else None)
                    for i, address in enumerate(addresses)
                ]
        # One account-level provider; the API token comes from CLOUDFLARE_API_TOKEN, never from config.
        provider = cloudflare.Provider(f"{name}-cloudflare", opts=pulumi.ResourceOptions(parent=self))
        component = GlobalLoadBalancer(
            f"{name}-edge",
            GlobalLoadBalancerArgs(
                edge=settings.edge,
                dr=settings.dr,
                origins=origins,
                name_prefix=f"{settings.name}-{settings.environment}",
                environment=settings.environment,
            ),
            opts=pulumi.ResourceOptions(parent=self, providers=[provider]),
        )
        self.exports["edge_hostname"] = component.hostname
        if settings.mesh_alerts.enabled and settings.alert_emails():
            from .edge.pool_notifications import PoolNotifications, PoolNotificationsArgs

            PoolNotifications(
                f"{name}-edge-notifications",
                PoolNotificationsArgs(
                    account_id=settings.edge.account_id,
                    pool_ids=component.pool_ids,
                    emails=settings.alert_emails(),
                    name_prefix=f"{settings.name}-{settings.environment}",
                ),
                opts=pulumi.ResourceOptions(parent=self, providers=[provider]),
            )
        return component

    def _central_cluster(self) -> tuple[Cloud, str]:
        """The cluster of the central Prometheus and Alertmanager: the primary cloud's primary region."""
        cloud = next(iter(self.regions))
        return cloud, next(iter(self.regions[cloud]))

    def _alert_topic(self, name: str, settings: PlatformSettings) -> Any:
        """The stack's AWS alert topic, in the primary AWS region: the emergency budget pages through it, and so
        does the central Alertmanager when the central cluster is an EKS cluster (the topic is then in its region)."""
        from .aws.alert_topic import AwsAlertTopic, AwsAlertTopicArgs, ServiceAccountIdentity
        from .workloads.monitoring import ALERTMANAGER_SERVICE_ACCOUNT, NAMESPACE

        region, provider = self._primary("aws")
        names = StackNames(settings.name, settings.environment)
        publisher = None
        w = settings.workloads
        if w.enabled and w.monitoring.enabled and self._central_cluster()[0] == "aws":
            publisher = ServiceAccountIdentity(
                oidc_provider_arn=region.cluster.oidc_provider_arn,  # type: ignore[attr-defined]  # an AwsRegion
                oidc_issuer_url=region.oidc_issuer_url,
                namespace=NAMESPACE,
                service_account=ALERTMANAGER_SERVICE_ACCOUNT,
            )
        primary = next(iter(self.regions["aws"]))
        return AwsAlertTopic(
            f"{name}-aws-alerts",
            AwsAlertTopicArgs(
                topic_name=names.sns_topic("alerts"),
                region=primary,
                role_name=names.iam_role(primary, "alertmanager"),
                emails=settings.alert_emails(),
                publisher=publisher,
                tags=settings.tags(),
            ),
            opts=pulumi.ResourceOptions(parent=self, providers=[provider]),
        )

    def _workloads(self, name: str, settings: PlatformSettings, platform_cidrs: list[str]) -> None:
        """The API and Prometheus in every cluster; the primary region of the primary cloud hosts the central
        Prometheus, which federates every other cluster through its internal load balancer (over the mesh)."""
        from .lib.alertmanager import SnsTarget
        from .settings.catalog import CLOUDFLARE_IPV4_RANGES
        from .workloads.api import ApiWorkloadArgs
        from .workloads.cluster import ClusterWorkloads, ClusterWorkloadsArgs
        from .workloads.monitoring import NAMESPACE as MONITORING_NAMESPACE
        from .workloads.monitoring import AlertRoute, ClusterMonitoringArgs, Federation

        w = settings.workloads
        clusters = [(cloud, region) for cloud, regions in self.regions.items() for region in regions]
        central = self._central_cluster()
        alert_route = None
        topic = self.alert_topic
        if topic is not None and topic.publisher_role_arn is not None:
            alert_route = AlertRoute(SnsTarget(topic.topic_arn, central[1]), topic.publisher_role_arn, topic.ready)
        central_cidr = str(next(r.cidr for r in getattr(settings.clouds, central[0]).regions))
        sources: list[tuple[str, str, pulumi.Output[str]]] = []
        for cloud, region_name in [*clusters[1:], central]:
            region = self.regions[cloud][region_name]
            cluster_label = f"{cloud}-{region_name}"
            monitoring = None
            if w.monitoring.enabled:
                monitoring = ClusterMonitoringArgs(
                    cloud=cloud,
                    region=region_name,
                    cluster=cluster_label,
                    monitoring=w.monitoring,
                    replication_lag_threshold=settings.dr.replication_lag_threshold,
                    api_namespace=w.api.namespace,
                    central_cidrs=[central_cidr],
                    federation=Federation(sources=list(sources)) if (cloud, region_name) == central else None,
                    alert_route=alert_route if (cloud, region_name) == central else None,
                    labels=settings.tags(),
                )
            component = ClusterWorkloads(
                f"{name}-{cloud}-{region_code(region_name)}-workloads",
                ClusterWorkloadsArgs(
                    kubeconfig=region.kubeconfig,
                    control_plane=region.control_plane,
                    api=ApiWorkloadArgs(
                        cloud=cloud,
                        region=region_name,
                        environment=settings.environment,
                        api=w.api,
                        ingress_binding=region.ingress_binding,
                        health_path=settings.edge.health_path,
                        hostname=settings.edge.fqdn,
                        edge_cidrs=list(CLOUDFLARE_IPV4_RANGES),
                        platform_cidrs=platform_cidrs,
                        monitoring_namespace=MONITORING_NAMESPACE if monitoring else None,
                        bindings=self._trust_bindings(cloud, region_name, settings),
                        labels=settings.tags(),
                    ),
                    monitoring=monitoring,
                    **self._eks_controllers(cloud, region_name, region, settings),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.workloads[(cloud, region_name)] = component
            if component.monitoring is not None and component.monitoring.federation_host is not None:
                sources.append((cloud, region_name, component.monitoring.federation_host))
        if w.monitoring.enabled:
            self.exports["prometheus_central_cluster"] = f"{central[0]}-{central[1]}"
            self.exports["prometheus_federation_hosts"] = {f"{c}-{r}": host for c, r, host in sources}

    @staticmethod
    def _eks_controllers(cloud: Cloud, region_name: str, region: CloudRegion, settings: PlatformSettings) -> Any:
        """On EKS, what the managed node groups need in the cluster: the Cluster Autoscaler (bound to its Pod
        Identity association) and, with a GPU pool, the NVIDIA device plugin. Nothing on AKS and GKE."""
        from .aws.eks_cluster import general_purpose
        from .aws.region import AwsRegion
        from .workloads.cluster_autoscaler import ClusterAutoscalerArgs
        from .workloads.gpu_device_plugin import GpuDevicePluginArgs

        if cloud != "aws" or not isinstance(region, AwsRegion):
            return {}
        pools = settings.kubernetes.pools.aws
        gpu_pools = [name for name, pool in pools.items() if pool.gpu]
        return {
            "autoscaler": ClusterAutoscalerArgs(
                cluster_name=region.cluster.cluster_name,
                region=region_name,
                kubernetes_version=settings.kubernetes.version,
                general_pools=[name for name, pool in pools.items() if general_purpose(pool)],
                identity=region.cluster.autoscaler_identity,
            ),
            "gpu_device_plugin": GpuDevicePluginArgs(gpu_pools=gpu_pools) if gpu_pools else None,
        }

    def _data_sync(self, name: str, settings: PlatformSettings) -> pulumi.ComponentResource:
        from .dr import data_sync as d

        sync, regions, buckets = settings.dr.sync, self.regions, settings.synced_buckets()
        gcp_primary, _ = self._primary("gcp")
        s3 = [
            d.S3Source(region, logical, r.bucket_names[logical], r.s3_key_arn)  # type: ignore[attr-defined]
            for region, r in regions.get("aws", {}).items()
            for logical in buckets
        ]
        blobs = [
            d.BlobSource(
                region,
                logical,
                r.storage_account_name,  # type: ignore[attr-defined]
                r.storage_account_id,  # type: ignore[attr-defined]
                r.bucket_names[logical],
            )
            for region, r in regions.get("azure", {}).items()
            for logical in buckets
            if sync.azure_source_ranges  # without them the accounts' firewall refuses the jobs: not copied
        ]
        azure = self._primary("azure")[0] if "azure" in regions else None
        emails, budget = settings.alert_emails(), self.budgets.get("gcp")
        reuse = budget is not None and list(settings.budgets.notify) == emails
        component = d.CrossCloudDataSync(
            f"{name}-data-sync",
            d.DataSyncArgs(
                project=str(settings.clouds.gcp.project),
                destination_bucket=gcp_primary.bucket_names["backups"],
                name_prefix=f"{settings.name}-{settings.environment}",
                interval_seconds=sync.interval,
                start_date=sync.start_date,
                s3=s3,
                blobs=blobs,
                azure_resource_group=azure.resource_group_name if azure else None,  # type: ignore[attr-defined]
                azure_location=next(iter(regions["azure"])) if azure else None,
                azure_subscription_id=str(settings.clouds.azure.subscription_id) if azure else None,
                tags=settings.tags(),
                alert_emails=emails,
                alert_channel_ids=budget.channel_ids if reuse else [],  # type: ignore[union-attr]
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                providers=[self._primary(c)[1] for c in ("aws", "azure", "gcp") if c in regions],
                transformations=self._after_gcp_apis,
            ),
        )
        self.exports["data_sync_jobs"] = component.job_names
        return component

    def _connection_secrets(self, name: str, settings: PlatformSettings) -> pulumi.ComponentResource:
        from .dr import connection_secrets as c

        stores: dict[str, Any] = {}
        if "aws" in self.regions:
            aws_primary, _ = self._primary("aws")
            stores["aws"] = c.AwsStore(
                kms_key_arn=aws_primary.rds_key_arn,  # type: ignore[attr-defined]
                recovery_window_days=30 if settings.is_prod else 7,
                replicas={  # aws 20: a copy in every other AWS region, under that region's own key
                    region: r.rds_key_arn  # type: ignore[attr-defined]
                    for region, r in list(self.regions["aws"].items())[1:]
                },
            )
        if "azure" in self.regions:
            azure_primary, _ = self._primary("azure")
            stores["azure"] = c.AzureStore(
                vault_name=azure_primary.vault.vault_name,  # type: ignore[attr-defined]
                resource_group_name=azure_primary.resource_group_name,  # type: ignore[attr-defined]
                vault_access=azure_primary.vault.data_plane_access,  # type: ignore[attr-defined]
            )
        if "gcp" in self.regions:
            gcp_primary, _ = self._primary("gcp")
            stores["gcp"] = c.GcpStore(
                project=str(settings.clouds.gcp.project),
                location=next(iter(self.regions["gcp"])),
                kms_key_id=gcp_primary.kms.key_ids["secrets"],  # type: ignore[attr-defined]
            )
        component = c.ConnectionSecrets(
            f"{name}-connection-secrets",
            c.ConnectionSecretsArgs(
                databases={
                    f"{cloud}/{region}": r.postgres_connection
                    for cloud, regions in self.regions.items()
                    for region, r in regions.items()
                },
                name_prefix=f"{settings.name}-{settings.environment}",
                suffix=self.suffix,
                protect=settings.deletion_protection,
                tags=settings.tags(),
                **stores,
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                providers=[self._primary(cloud)[1] for cloud in self.regions],
                transformations=self._after_gcp_apis,
            ),
        )
        self.exports["connection_secrets"] = {
            "aws": component.aws_secret_arns,
            "azure": component.azure_secret_ids,
            "gcp": component.gcp_secret_ids,
        }
        return component

    def _api_identities(self, name: str, settings: PlatformSettings) -> None:
        """aws 23: the API's Pod Identity role in every EKS cluster: its region's connection secret (the primary's
        copy and the in-region replica) and IAM login to its region's RDS as the user that secret names. The
        association waits for the whole cluster component, which holds the eks-pod-identity-agent add-on."""
        from .aws.api_identity import ApiIdentityArgs, AwsApiIdentity

        api = settings.workloads.api
        self.api_identities: dict[str, pulumi.ComponentResource] = {}
        aws_regions = self.regions["aws"]
        primary_region = next(iter(aws_regions))
        primary = aws_regions[primary_region]
        arns = self.exports.get("connection_secrets", {}).get("aws", {})
        for region_name, region in aws_regions.items():
            secret = arns.get(f"aws/{region_name}")
            secret_arns: list[pulumi.Input[str]] = []
            keys: list[pulumi.Input[str]] = []
            if secret is not None:
                secret_arns.append(secret)
                keys.append(primary.rds_key_arn)  # type: ignore[attr-defined]
                if region_name != primary_region:  # its replica here (same ARN, this region)
                    secret_arns.append(secret.apply(lambda arn, r=region_name: replica_arn(arn, r)))
                    keys.append(region.rds_key_arn)  # type: ignore[attr-defined]
            component = AwsApiIdentity(
                f"{name}-aws-{region_code(region_name)}-api-identity",
                ApiIdentityArgs(
                    role_name=f"{settings.name}-{settings.environment}-{region_code(region_name)}-api",
                    region=region_name,
                    cluster_name=region.cluster_name,
                    cluster_arn=region.control_plane.arn,  # type: ignore[attr-defined]
                    namespace=api.namespace,
                    service_account=api.service_account,
                    db_resource_id=region.postgres.resource_id,  # type: ignore[attr-defined]
                    db_user=region.postgres_connection.username,
                    secret_arns=secret_arns,
                    secret_key_arns=keys,
                    waits_for=[region.cluster],  # type: ignore[attr-defined]
                    tags=settings.tags(),
                ),
                opts=pulumi.ResourceOptions(parent=self, providers=[self.providers[("aws", region_name)]]),
            )
            self.api_identities[region_name] = component
        self.exports["api_roles"] = {r: c.role_arn for r, c in self.api_identities.items()}  # type: ignore[attr-defined]

    def _budgets(self, name: str, settings: PlatformSettings) -> None:
        """Each enabled cloud's share of the budgets, in its primary region (budgets are account-wide). GCP needs
        the billing account: a dev stack without one gets no GCP budget (prod requires it)."""
        b, prefix = settings.budgets, f"{settings.name}-{settings.environment}"
        for cloud, share in settings.budget_shares().items():
            opts = pulumi.ResourceOptions(
                parent=self, providers=[self._primary(cloud)[1]], transformations=self._after_gcp_apis
            )
            if cloud == "aws":
                from .aws.budgets import AwsBudgets, AwsBudgetsArgs

                self.budgets[cloud] = AwsBudgets(
                    f"{name}-aws-budgets",
                    AwsBudgetsArgs(
                        name_prefix=prefix,
                        monthly=b.monthly * share,
                        daily=b.daily * share,
                        emergency=b.emergency * share,
                        notify=b.notify,
                        tags=settings.tags(),
                        environment=settings.environment,
                        page_topic_arn=self.alert_topic.topic_arn if self.alert_topic else None,
                        page_ready=self.alert_topic.ready if self.alert_topic else (),
                    ),
                    opts=opts,
                )
            elif cloud == "azure":
                from .azure.budget import AzureBudget, AzureBudgetArgs

                names = StackNames(settings.name, settings.environment)

                self.budgets[cloud] = AzureBudget(
                    f"{name}-azure-budget",
                    AzureBudgetArgs(
                        budget_name=f"{prefix}-monthly",
                        subscription_id=str(settings.clouds.azure.subscription_id),
                        monthly=b.monthly * share,
                        start_month=b.start_month,
                        notify=b.notify,
                        resource_groups=[
                            group(r.name)
                            for r in settings.clouds.azure.regions
                            for group in (
                                names.resource_group,
                                names.ingress_resource_group,
                                names.aks_node_resource_group,
                            )
                        ],
                    ),
                    opts=opts,
                )
            elif settings.clouds.gcp.billing_account is not None:
                from .gcp.budget import GcpBudget, GcpBudgetArgs

                self.budgets[cloud] = GcpBudget(
                    f"{name}-gcp-budget",
                    GcpBudgetArgs(
                        display_name=f"{prefix}-monthly",
                        billing_account=settings.clouds.gcp.billing_account,
                        project=str(settings.clouds.gcp.project),
                        monthly=b.monthly * share,
                        notify=b.notify,
                    ),
                    opts=opts,
                )

    def _trust_bindings(self, cloud: Cloud, region: str, settings: PlatformSettings) -> Any:
        """The other clouds' identities the API's service account in this cluster is bound to (the trusts whose
        source is this cloud and whose subject is the API's service account)."""
        from .workloads.api import TrustBindings

        api = settings.workloads.api
        trusts = [
            t
            for t in settings.identity.trusts
            if t.source == cloud and (t.namespace, t.service_account) == (api.namespace, api.service_account)
        ]
        if self.federation is None or not trusts:
            return TrustBindings()
        from .identity.federation import WorkloadFederation, trust_key

        federation = self.federation
        assert isinstance(federation, WorkloadFederation)
        key = trust_key(trusts[0])
        targets = {target for t in trusts for target in t.targets}
        provider = federation.gcp_provider_names.get(f"{cloud}/{region}")
        return TrustBindings(
            aws_role_arn=federation.aws_role_arns.get(key) if "aws" in targets else None,
            aws_region=settings.clouds.aws.regions[0].name if "aws" in targets else None,
            azure_client_id=federation.azure_client_ids.get(key) if "azure" in targets else None,
            azure_tenant_id=federation.azure_tenant_id if "azure" in targets else None,
            gcp_audience=pulumi.Output.concat("//iam.googleapis.com/", provider) if provider is not None else None,
            gcp_service_account=federation.gcp_service_accounts.get(key) if "gcp" in targets else None,
        )


def stack_unique(name: str, parent: pulumi.Resource, protect: bool) -> random.RandomString:
    """The stack-unique suffix: `SUFFIX_LENGTH` digits and `SUFFIX_LETTERS`, characters every name kind that
    carries it accepts (lib/naming.py). Protected (and so retained, lib/retention.py) with the stack's data."""
    return random.RandomString(
        name,
        length=SUFFIX_LENGTH,
        numeric=True,
        # The letters come as the "special" set: pulumi-random's own lowercase set includes `w`.
        lower=False,
        upper=False,
        special=True,
        override_special=SUFFIX_LETTERS,
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )


def azure_client_config(parent: pulumi.Resource, provider: pulumi.ProviderResource) -> Any:
    """The deploying principal's Azure client config (tenant, object id) through `provider`."""
    import pulumi_azure_native as azure_native

    return azure_native.authorization.get_client_config_output(
        opts=pulumi.InvokeOutputOptions(parent=parent, provider=provider)
    )


def replica_arn(arn: str, region: str) -> str:
    """A Secrets Manager replica's ARN: the primary's with the replica's region."""
    parts = arn.split(":")
    parts[3] = region
    return ":".join(parts)
