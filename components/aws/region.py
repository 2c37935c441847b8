"""Everything the platform runs in one AWS region: keys, network, EKS, RDS PostgreSQL, S3 buckets."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from ..connectivity.ends import AwsEnd
from ..lib.naming import StackNames, unique
from ..lib.private_dns import GCP_FORWARDER_SOURCE
from ..lib.reachability import runner_ranges
from ..regional import PostgresConnection, RegionArgs, served_by
from ..settings.catalog import ACCESS_LOG_BUCKET
from ..settings.models import PlatformSettings, Region
from .access_log_bucket import AwsAccessLogBucket, AwsAccessLogBucketArgs
from .bucket import AwsBucket, AwsBucketArgs
from .dns_resolver import AwsDnsResolver, AwsDnsResolverArgs
from .eks_cluster import AwsEksCluster, AwsEksClusterArgs
from .kms_key import AwsKmsKey, AwsKmsKeyArgs
from .mesh_watch import AwsMeshWatch, AwsMeshWatchArgs
from .network import AwsNetwork, AwsNetworkArgs
from .postgres import ADMIN_USER, AwsPostgres, AwsPostgresArgs
from .runner import AwsDeployRunner, AwsDeployRunnerArgs
from .vpn_gateway import AwsVpnGateway, AwsVpnGatewayArgs

KEY_PURPOSES = ("eks", "rds", "s3", "logs")


def regional_provider(
    name: str, region: Region, settings: PlatformSettings, opts: pulumi.ResourceOptions
) -> aws.Provider:
    """The explicit `aws.Provider` of one region (credentials from the environment), pinned to the deployer's
    account: credentials of any other account fail before the first call (`allowed_account_ids`), so prod never
    lands in a dev account. The stack's tags are the provider's default tags, so every taggable resource carries
    them, including the ones a component leaves untagged."""
    deployer = settings.deployer.aws if settings.deployer else None
    return aws.Provider(
        name,
        region=region.name,
        allowed_account_ids=[deployer.account_id] if deployer else None,
        default_tags={"tags": settings.tags()},
        opts=opts,
    )


class AwsRegion(pulumi.ComponentResource):
    """One AWS region of the platform. Give it the region's `aws.Provider` through `opts.providers`."""

    cluster_name: pulumi.Output[str]
    """EKS cluster name."""
    cluster_endpoint: pulumi.Output[str]
    """EKS API endpoint."""
    control_plane: pulumi.CustomResource
    """The cluster resource (in-cluster objects are deleted with it)."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig of the cluster (secret)."""
    oidc_issuer_url: pulumi.Output[str]
    """OIDC issuer of the cluster."""
    postgres_host: pulumi.Output[str]
    """Private hostname of the RDS instance."""
    cluster: AwsEksCluster
    """The region's EKS cluster."""
    network: AwsNetwork
    """The region's VPC."""
    postgres: AwsPostgres
    """The region's PostgreSQL."""
    bucket_names: dict[str, pulumi.Output[str]]
    """Physical bucket names by logical name."""
    ingress_addresses: list[pulumi.Output[str]]
    """Elastic IPs of the ingress network load balancer, one per zone (its subnet mappings)."""
    ingress_binding: dict[str, Any]
    """EIP allocation ids and public subnets of the ingress NLB's subnet mappings."""
    s3_key_arn: pulumi.Output[str]
    """The customer-managed key of the region's buckets (readers of a bucket need it too)."""
    rds_key_arn: pulumi.Output[str]
    """The customer-managed key of the region's database (and of the connection secrets kept here)."""
    postgres_connection: PostgresConnection
    """How clients reach the region's RDS instance (password in the RDS-managed secret)."""
    vpn_end: AwsEnd | None
    """The region's virtual private gateway in the VPN mesh (None outside it)."""
    runners: dict[str, AwsDeployRunner]
    """The in-network runners by purpose, `runner` (deploys) and `preview-runner` (PR previews): the primary region
    of an in-network deployer only."""

    def __init__(self, name: str, args: RegionArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:aws:Region", name, {}, opts)
        s, region = args.settings, args.region.name
        names = StackNames(s.name, s.environment)
        protect = s.deletion_protection
        tags = {**s.tags(), "region": region}
        child = pulumi.ResourceOptions(parent=self)

        keys = {
            purpose: AwsKmsKey(
                f"{name}-kms-{purpose}",
                AwsKmsKeyArgs(
                    alias=names.kms_alias(region, purpose),
                    description=f"{name}: {purpose} encryption",
                    tags=tags,
                    protect=protect,
                    logs_region=region if purpose == "logs" else None,
                    autoscaling_volumes=purpose == "eks",
                ),
                opts=child,
            )
            for purpose in KEY_PURPOSES
        }
        cluster_name = names.eks_cluster(region)
        self.network = AwsNetwork(
            f"{name}-network",
            AwsNetworkArgs(
                region=region,
                cidr=args.region.cidr,
                zones=s.network.availability_zones,
                nat_per_zone=s.network.nat == "per_az",
                flow_log_retention_days=s.network.flow_log_retention_days,
                logs_key_arn=keys["logs"].key_arn,
                cluster_name=cluster_name,
                tags=tags,
            ),
            opts=child,
        )
        self.cluster = AwsEksCluster(
            f"{name}-eks",
            AwsEksClusterArgs(
                cluster_name=cluster_name,
                version=s.kubernetes.version,
                subnet_ids=self.network.private_subnet_ids,
                secrets_key_arn=keys["eks"].key_arn,
                logs_key_arn=keys["logs"].key_arn,
                volumes_key_arn=keys["eks"].key_arn,
                log_retention_days=s.network.flow_log_retention_days,
                pools=s.kubernetes.pools.aws,
                public_endpoint=s.kubernetes.public_endpoint,
                public_access_cidrs=[str(c) for c in s.kubernetes.public_access_cidrs],
                deletion_protection=protect,
                role_prefix=names.prefix(region),
                admin_role_arns=s.kubernetes.admin_role_arns,
                deployer_role_arn=s.deployer.aws.role_arn if s.deployer and s.deployer.aws else None,
                vpc_id=self.network.vpc_id,
                api_client_cidrs=runner_ranges(s),
                viewer_role_arns=[s.deployer.preview.aws.role_arn]
                if s.deployer and s.deployer.preview and s.deployer.preview.aws
                else [],
                office_hours=s.budgets.office_hours if s.budgets.office_hours.enabled else None,
                tags=tags,
            ),
            opts=child,
        )
        self.postgres = AwsPostgres(
            f"{name}-postgres",
            AwsPostgresArgs(
                identifier=names.rds_instance(region),
                version=s.postgres.version,
                instance_class=s.postgres.tier.aws,
                storage_gb=s.postgres.storage_gb,
                max_storage_gb=s.postgres.max_storage_gb,
                multi_az=s.postgres.ha,
                backup_retention_days=s.postgres.backup_retention_days,
                backup_window=s.postgres.backup_window,
                maintenance_window=s.postgres.maintenance_window,
                database=s.postgres.database,
                vpc_id=self.network.vpc_id,
                subnet_ids=self.network.private_subnet_ids,
                allowed_cidrs=args.platform_cidrs,
                kms_key_arn=keys["rds"].key_arn,
                logs_key_arn=keys["logs"].key_arn,
                log_retention_days=s.network.flow_log_retention_days,
                deletion_protection=protect,
                monitoring_role_name=names.iam_role(region, "rds-monitoring"),
                tags=tags,
            ),
            opts=child,
        )
        # One locked-down bucket per region receives the server access logs of the region's buckets; its name comes
        # from the same naming helper, so it is as globally unique as theirs.
        log_bucket = (
            AwsAccessLogBucket(
                f"{name}-access-logs",
                AwsAccessLogBucketArgs(
                    bucket_name=unique(names.s3_bucket(ACCESS_LOG_BUCKET, region), args.suffix),
                    source_bucket_names=[unique(names.s3_bucket(b.name, region), args.suffix) for b in s.buckets],
                    retention_days=s.network.flow_log_retention_days,
                    protect=protect,
                    tags=tags,
                ),
                opts=child,
            )
            if s.buckets
            else None
        )
        buckets = {
            b.name: AwsBucket(
                f"{name}-bucket-{b.name}",
                AwsBucketArgs(
                    bucket_name=unique(names.s3_bucket(b.name, region), args.suffix),
                    settings=b,
                    kms_key_arn=keys["s3"].key_arn,
                    protect=protect,
                    tags=tags,
                    log_bucket_name=log_bucket.bucket_name if log_bucket else None,
                    log_bucket_ready=log_bucket.ready if log_bucket else [],
                ),
                opts=child,
            )
            for b in s.buckets
        }
        self.bucket_names = {logical: bucket.bucket_name for logical, bucket in buckets.items()}
        self.s3_key_arn = keys["s3"].key_arn
        self.rds_key_arn = keys["rds"].key_arn
        self.postgres_connection = PostgresConnection(
            host=self.postgres.address,
            database=s.postgres.database,
            username=ADMIN_USER,
            password_secret=self.postgres.master_secret_arn,
        )
        ingress = [
            aws.ec2.Eip(f"{name}-ingress-{i}", domain="vpc", tags={**tags, "Name": f"{name}-ingress-{i}"}, opts=child)
            for i in range(s.network.availability_zones)
        ]
        self.ingress_addresses = [served_by(self.cluster.cluster_name, eip.public_ip) for eip in ingress]
        # `service.beta.kubernetes.io/aws-load-balancer-eip-allocations` with the public subnets, zone by zone.
        self.ingress_binding = {
            "eip_allocation_ids": [eip.allocation_id for eip in ingress],
            "subnet_ids": self.network.public_subnet_ids,
        }
        self.vpn_end = None
        if args.in_mesh:
            gateway = AwsVpnGateway(
                f"{name}-vpn",
                AwsVpnGatewayArgs(
                    vpc_id=self.network.vpc_id,
                    route_table_ids=self.network.private_route_table_ids,
                    asn=args.asn,
                    tags=tags,
                ),
                opts=child,
            )
            watch = None
            if s.mesh_alerts.enabled:
                watch = AwsMeshWatch(
                    f"{name}-mesh-watch",
                    AwsMeshWatchArgs(
                        emails=s.alert_emails(),
                        log_retention_days=s.network.flow_log_retention_days,
                        logs_key_arn=keys["logs"].key_arn,
                        tags=tags,
                    ),
                    opts=child,
                )
            self.vpn_end = AwsEnd(
                region=region,
                gateway_id=gateway.gateway_id,
                asn=args.asn,
                alarm_topic_arn=watch.topic_arn if watch else None,
                tunnel_log_group_arn=watch.log_group_arn if watch else None,
                cidr=str(args.region.cidr),
            )
        dns = s.dns_plan()
        resolver = dns.resolver("aws", region)
        if resolver is not None:
            AwsDnsResolver(
                f"{name}-dns",
                AwsDnsResolverArgs(
                    resolver=resolver,
                    forwards=dns.forwards_from("aws", region),
                    vpc_id=self.network.vpc_id,
                    private_subnet_ids=self.network.private_subnet_ids,
                    source_cidrs=[*args.platform_cidrs, GCP_FORWARDER_SOURCE],
                    tags=tags,
                    suffix=args.suffix,
                ),
                opts=child,
            )
        self.runners = {}
        d, primary = s.deployer, args.region == s.clouds.aws.regions[0]
        if d is not None and d.position == "in-network" and d.runner and d.aws and primary:
            # Two runners, one per workflow (deploy, pr); neither's own role can deploy: each job assumes the
            # deployer or the preview role through OIDC in its environment (components/aws/runner.py).
            for purpose, workflow in (("runner", "deploy"), ("preview-runner", "pr")):
                self.runners[purpose] = AwsDeployRunner(
                    f"{name}-{purpose}",
                    AwsDeployRunnerArgs(
                        project_name=f"{names.prefix(region)}-{purpose}",
                        region=region,
                        repository=d.runner.repository,
                        connection_arn=d.runner.connection_arn,
                        role_name=names.iam_role(region, purpose),
                        workflow=workflow,
                        vpc_id=self.network.vpc_id,
                        subnet_ids=self.network.private_subnet_ids,
                        compute_type=d.runner.compute_type,
                        timeout_minutes=d.runner.timeout_minutes,
                        logs_key_arn=keys["logs"].key_arn,
                        log_retention_days=s.network.flow_log_retention_days,
                        tags=tags,
                    ),
                    opts=child,
                )
        self.cluster_name = self.cluster.cluster_name
        self.cluster_endpoint = self.cluster.endpoint
        self.control_plane = self.cluster.control_plane
        self.kubeconfig = self.cluster.kubeconfig
        self.oidc_issuer_url = self.cluster.oidc_issuer_url
        self.postgres_host = self.postgres.address
        self.register_outputs(
            {
                "cluster_endpoint": self.cluster.endpoint,
                "postgres_endpoint": self.postgres.endpoint,
                "bucket_names": self.bucket_names,
            }
        )
