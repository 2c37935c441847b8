"""An EKS cluster: private API, encrypted secrets, audit logs, access entries, IRSA, managed node groups."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ..lib.kubeconfig import exec_kubeconfig
from ..settings import catalog
from ..settings.models import NodePool, OfficeHours
from .policies import assume_role_policy, document, irsa_trust_policy, pod_identity_trust_policy

CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
SPOT_TAINT = "aws.amazon.com/spot"
ADDON_CONFIGURATION: dict[str, str] = {
    # The VPC CNI's network policy agent: without it EKS ignores the workloads' NetworkPolicies.
    "vpc-cni": json.dumps({"enableNetworkPolicy": "true"}),
}
GPU_TAINT = "nvidia.com/gpu"
_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}
_ARN = "arn:aws:iam::aws:policy"
ROOT_DEVICE = "/dev/xvda"
"""Root device of the EKS-optimized AL2023 AMIs (https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html)."""
# EKS Best Practices Guide, "Restrict access to the instance profile assigned to the worker node": IMDSv2 only
# (token required) and a response hop limit of 1, so that pods (one hop further, behind the node's network
# namespace) cannot reach the node role's credentials; pods get their own roles through IRSA / Pod Identity.
# https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html
# (Security Hub AutoScaling.4: hop limit not above 1, https://docs.aws.amazon.com/securityhub/latest/userguide/autoscaling-controls.html)
IMDS_HOP_LIMIT = 1
ROOT_VOLUME_TYPE = "gp3"
TAGGED_RESOURCES = ("instance", "volume", "network-interface")
"""What a node launch tags (tag specifications; the node group's own tags stay on the group only)."""
POD_IDENTITY_AGENT = "eks-pod-identity-agent"
NODE_ADDONS = ("vpc-cni", "kube-proxy", POD_IDENTITY_AGENT)
"""The add-ons nodes need to become Ready (and pods to get Pod Identity credentials), in creation order."""
AUTOSCALER_NAMESPACE = "kube-system"
AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler"
"""Where the Cluster Autoscaler runs (its chart's service account, `rbac.serviceAccount.name`)."""
CLUSTER_TAG = "eks:cluster-name"
"""The tag EKS puts on every managed node group's Auto Scaling group, valued with the cluster's name (the autoscaler
itself reads it to recognise a managed group: cluster-autoscaler/cloudprovider/aws/aws_manager.go)."""


@dataclass(frozen=True)
class AwsEksClusterArgs:
    """Inputs of AwsEksCluster."""

    cluster_name: str
    """Physical cluster name."""
    version: str
    """Kubernetes minor version."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets of the control-plane ENIs and the nodes."""
    secrets_key_arn: pulumi.Input[str]
    """KMS key for envelope encryption of Kubernetes secrets."""
    logs_key_arn: pulumi.Input[str]
    """KMS key of the control-plane log group."""
    volumes_key_arn: pulumi.Input[str]
    """KMS key of the nodes' root volumes (its policy admits EC2 Auto Scaling's service-linked role)."""
    log_retention_days: int
    """Retention of the control-plane log group."""
    pools: Mapping[str, NodePool]
    """Managed node groups by name."""
    public_endpoint: bool
    """Expose the API publicly (dev only, allow-listed)."""
    public_access_cidrs: Sequence[str]
    """CIDRs allowed to reach a public endpoint."""
    deletion_protection: bool
    """API-level deletion protection and Pulumi protect (prod)."""
    role_prefix: str
    """Account-unique prefix of the IAM role names."""
    tags: dict[str, str]
    """Tags of every resource."""
    admin_role_arns: Sequence[str] = field(default_factory=list)
    """IAM principals granted cluster-admin through access entries."""
    deployer_role_arn: str | None = None
    """The configured deployer (settings `deployer.aws.role_arn`): cluster-admin through its own access entry, and
    the kubeconfig waits for that grant (never the caller of the run)."""
    office_hours: OfficeHours | None = None
    """Scale every node group to zero outside these hours (non-production); None keeps them running."""
    vpc_id: pulumi.Input[str] | None = None
    """The cluster's VPC: holds the API clients' security group."""
    api_client_cidrs: Sequence[str] = ()
    """Private ranges admitted to the API on 443 (the in-network runner's subnets, reachability.runner_ranges)."""
    viewer_role_arns: Sequence[str] = ()
    """Read-only principals (the PR workflow's preview role): an access entry with the cluster-scope view policy."""


class AwsEksCluster(pulumi.ComponentResource):
    """EKS with a private endpoint, KMS-encrypted secrets, all control-plane logs, API authentication
    through access entries (no aws-auth ConfigMap), an OIDC provider for service-account roles, core
    add-ons (VPC CNI and EBS CSI with their own least-privilege roles) and managed node groups."""

    control_plane: aws.eks.Cluster
    """The cluster resource itself (what in-cluster objects are deleted with)."""
    cluster_name: pulumi.Output[str]
    """Name of the cluster."""
    endpoint: pulumi.Output[str]
    """API server endpoint."""
    oidc_issuer_url: pulumi.Output[str]
    """OIDC issuer of the cluster's service-account tokens."""
    oidc_provider_arn: pulumi.Output[str]
    """IAM OIDC provider trusting that issuer."""
    node_role_arn: pulumi.Output[str]
    """Role of the managed nodes."""
    autoscaler_role_arn: pulumi.Output[str]
    """Role of the Cluster Autoscaler, bound to `kube-system/cluster-autoscaler` through EKS Pod Identity."""
    autoscaler_identity: aws.eks.PodIdentityAssociation
    """That binding: the autoscaler's release waits for it (its pod needs credentials when it starts)."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig using `aws eks get-token` (secret)."""

    def __init__(self, name: str, args: AwsEksClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:aws:EksCluster", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        cluster_role, cluster_policies = self._role(
            f"{name}-cluster-role",
            f"{args.role_prefix}-eks-cluster",
            "eks.amazonaws.com",
            ["AmazonEKSClusterPolicy"],
            args.tags,
            actions=("sts:AssumeRole", "sts:TagSession"),
        )
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-control-plane-logs",
            name=f"/aws/eks/{args.cluster_name}/cluster",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.logs_key_arn,
            tags=args.tags,
            opts=child,
        )
        # EKS puts the private endpoint's ENIs in its own cluster security group, which admits only itself: the
        # group below, given at create, admits the in-network runner (its rules change without touching the
        # cluster; https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html).
        api_clients = aws.ec2.SecurityGroup(
            f"{name}-api-clients",
            vpc_id=args.vpc_id,
            description=f"{args.cluster_name}: private API clients (the in-network deploy runner)",
            tags={**args.tags, "Name": f"{args.cluster_name}-api-clients"},
            opts=child,
        )
        for i, cidr in enumerate(args.api_client_cidrs):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-api-client-{i}",
                security_group_id=api_clients.id,
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                cidr_ipv4=cidr,
                description="in-network deploy runner",
                tags=args.tags,
                opts=child,
            )
        cluster = aws.eks.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            version=args.version,
            role_arn=cluster_role.arn,
            vpc_config={
                "subnet_ids": list(args.subnet_ids),
                "security_group_ids": [api_clients.id],
                "endpoint_private_access": True,
                "endpoint_public_access": args.public_endpoint,
                "public_access_cidrs": list(args.public_access_cidrs) if args.public_endpoint else None,
            },
            # Named, not left to EKS (which picks 172.20.0.0/16 or 10.100.0.0/16 by the VPC range): settings keep
            # every region range clear of it.
            kubernetes_network_config={"ip_family": "ipv4", "service_ipv4_cidr": catalog.CLUSTER_SERVICE_CIDR},
            encryption_config={"provider": {"key_arn": args.secrets_key_arn}, "resources": ["secrets"]},
            enabled_cluster_log_types=CONTROL_PLANE_LOGS,
            access_config={"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": False},
            bootstrap_self_managed_addons=False,
            upgrade_policy={"support_type": "STANDARD"},
            deletion_protection=args.deletion_protection,
            tags=args.tags,
            # The role's policies attached first: EKS needs them to create (and, on delete, to clean up) the
            # security groups and ENIs it manages.
            opts=pulumi.ResourceOptions(
                parent=self, protect=args.deletion_protection, depends_on=[log_group, *cluster_policies]
            ),
        )
        issuer = cluster.identities.apply(_issuer)
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc", url=issuer, client_id_lists=["sts.amazonaws.com"], tags=args.tags, opts=child
        )

        # The bootstrap creator-admin flag stays off (flipping it replaces the cluster, pulumi-aws#3997): the deployer
        # and every admin get an access entry with the cluster-scope admin policy instead.
        # https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
        admins = [(f"{name}-deployer", args.deployer_role_arn)] if args.deployer_role_arn else []
        admins += [(f"{name}-admin-{i}", p) for i, p in enumerate(args.admin_role_arns) if p != args.deployer_role_arn]
        # Previews read what the cluster holds, nothing more (AmazonEKSViewPolicy, cluster scope).
        viewers = [(f"{name}-viewer-{i}", p) for i, p in enumerate(args.viewer_role_arns)]
        grants: list[pulumi.Output[str]] = []
        for entry_name, principal, policy in [
            *((n, p, "AmazonEKSClusterAdminPolicy") for n, p in admins),
            *((n, p, "AmazonEKSViewPolicy") for n, p in viewers),
        ]:
            entry = aws.eks.AccessEntry(
                entry_name,
                cluster_name=cluster.name,
                principal_arn=principal,
                type="STANDARD",
                tags=args.tags,
                opts=child,
            )
            association = aws.eks.AccessPolicyAssociation(
                f"{entry_name}-policy",
                cluster_name=cluster.name,
                principal_arn=principal,
                policy_arn=f"arn:aws:eks::aws:cluster-access-policy/{policy}",
                access_scope={"type": "cluster"},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[entry]),
            )
            if principal == args.deployer_role_arn:
                grants.append(association.id)

        node_role, node_policies = self._role(
            f"{name}-node-role",
            f"{args.role_prefix}-eks-nodes",
            "ec2.amazonaws.com",
            ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"],
            args.tags,
        )
        # Nodes become Ready only once the CNI runs (no self-managed add-ons are bootstrapped);
        # coredns and the EBS CSI controller are Deployments that need nodes in turn.
        cni_role, cni_policy = self._irsa_role(
            f"{name}-vpc-cni-role",
            f"{args.role_prefix}-vpc-cni",
            oidc,
            issuer,
            "aws-node",
            "AmazonEKS_CNI_Policy",
            args.tags,
        )
        ebs_role, ebs_policy = self._irsa_role(
            f"{name}-ebs-csi-role",
            f"{args.role_prefix}-ebs-csi",
            oidc,
            issuer,
            "ebs-csi-controller-sa",
            "service-role/AmazonEBSCSIDriverPolicy",
            args.tags,
        )
        node_addons = self._addons(
            name,
            cluster,
            dict(zip(NODE_ADDONS, [(cni_role.arn, cni_policy), None, None], strict=True)),
            [],
            args,
        )
        node_groups = [
            self._node_group(name, pool_name, pool, cluster, node_role, [*node_addons, *node_policies], args)
            for pool_name, pool in args.pools.items()
        ]
        # The core add-ons run on the general-purpose (untainted) groups only: waiting for a spot or GPU group, whose
        # capacity may be short, would hold them (and everything in the cluster) back for nothing.
        general = [
            group for pool, group in zip(args.pools.values(), node_groups, strict=True) if general_purpose(pool)
        ]
        # metrics-server: the resource metrics the workloads' autoscalers scale on (EKS does not ship it)
        core_addons = self._addons(
            name,
            cluster,
            {"coredns": None, "aws-ebs-csi-driver": (ebs_role.arn, ebs_policy), "metrics-server": None},
            general,
            args,
        )
        agent = node_addons[NODE_ADDONS.index(POD_IDENTITY_AGENT)]
        self.autoscaler_identity = self._autoscaler_identity(name, cluster, agent, args)
        self.autoscaler_role_arn = self.autoscaler_identity.role_arn
        if args.office_hours is not None:
            for (pool_name, pool), group in zip(args.pools.items(), node_groups, strict=True):
                keep = 1 if group in general else 0
                self._office_hours(f"{name}-pool-{pool_name}", pool, group, args.office_hours, keep)

        self.control_plane = cluster
        self.cluster_name = cluster.name
        self.endpoint = cluster.endpoint
        self.oidc_issuer_url = issuer
        self.oidc_provider_arn = oidc.arn
        self.node_role_arn = node_role.arn
        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(
                cluster.name,
                cluster.endpoint,
                cluster.certificate_authority.data,
                cluster.region,
                # What runs in the cluster waits for its nodes and core add-ons (DNS, volumes, metrics).
                *[group.arn for group in general],
                *[addon.arn for addon in core_addons],
                *grants,  # the deployer's access entry and admin policy: the Kubernetes provider logs in as it
            ).apply(lambda v: _kubeconfig(v[0], v[1], v[2], v[3]))
        )
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "endpoint": self.endpoint,
                "oidc_issuer_url": self.oidc_issuer_url,
                "oidc_provider_arn": self.oidc_provider_arn,
                "kubeconfig": self.kubeconfig,
            }
        )

    def _role(
        self,
        resource_name: str,
        role_name: str,
        service: str,
        managed: list[str],
        tags: dict[str, str],
        actions: tuple[str, ...] = (),
    ) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
        """A role a service assumes, with AWS-managed policies attached by name (what its users depend on)."""
        role = aws.iam.Role(
            resource_name,
            name=role_name,
            assume_role_policy=assume_role_policy(service, *actions),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{resource_name}-{policy}",
                role=role.name,
                policy_arn=f"{_ARN}/{policy}",
                opts=pulumi.ResourceOptions(parent=self),
            )
            for policy in managed
        ]
        return role, attachments

    def _irsa_role(
        self,
        name: str,
        role_name: str,
        oidc: aws.iam.OpenIdConnectProvider,
        issuer: pulumi.Output[str],
        service_account: str,
        policy: str,
        tags: dict[str, str],
    ) -> tuple[aws.iam.Role, aws.iam.RolePolicyAttachment]:
        """A role only `kube-system/<service_account>` of this cluster can assume, and its policy attachment."""
        trust = pulumi.Output.all(oidc.arn, issuer).apply(
            lambda v: irsa_trust_policy(v[0], v[1], "kube-system", service_account)
        )
        role = aws.iam.Role(
            name, name=role_name, assume_role_policy=trust, tags=tags, opts=pulumi.ResourceOptions(parent=self)
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-{policy}", role=role.name, policy_arn=f"{_ARN}/{policy}", opts=pulumi.ResourceOptions(parent=self)
        )
        return role, attachment

    def _node_group(
        self,
        name: str,
        pool_name: str,
        pool: NodePool,
        cluster: aws.eks.Cluster,
        node_role: aws.iam.Role,
        after: list[pulumi.Resource],
        args: AwsEksClusterArgs,
    ) -> aws.eks.NodeGroup:
        taints: list[aws.eks.NodeGroupTaintArgsDict] = [
            {"key": t.key, "value": t.value, "effect": _EFFECTS[t.effect]} for t in pool.taints
        ]
        if pool.gpu:
            taints.append({"key": GPU_TAINT, "value": "true", "effect": "NO_SCHEDULE"})
        if pool.capacity == "spot":
            taints.append({"key": SPOT_TAINT, "value": "true", "effect": "NO_SCHEDULE"})
        template = self._launch_template(name, pool_name, pool, args)
        return aws.eks.NodeGroup(
            f"{name}-pool-{pool_name}",
            cluster_name=cluster.name,
            # A prefix, not a fixed name: instance types, disk, AMI and capacity type force a replacement, which
            # Pulumi creates before it deletes the old group; a fixed name collides (ResourceInUseException; aws 5).
            node_group_name_prefix=f"{pool_name}-",
            node_role_arn=node_role.arn,
            subnet_ids=list(args.subnet_ids),
            version=cluster.version,
            instance_types=pool.instance_types,
            capacity_type="SPOT" if pool.capacity == "spot" else "ON_DEMAND",
            ami_type=_ami_type(pool),
            # The disk is the template's root volume: EKS refuses disk_size together with a launch template. The
            # version follows the template, so a template change rolls the nodes (update_config below).
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            scaling_config={"min_size": pool.min_size, "desired_size": pool.desired_size, "max_size": pool.max_size},
            update_config={"max_unavailable_percentage": 33},
            labels={"platform/pool": pool_name, "platform/capacity": pool.capacity, **pool.labels},
            taints=taints,
            # No Cluster Autoscaler tags here: EKS tags the group's Auto Scaling group for auto-discovery itself
            # (k8s.io/cluster-autoscaler/enabled and k8s.io/cluster-autoscaler/<cluster>,
            # https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html), does not copy these tags
            # there, and the autoscaler takes an empty group's labels and taints from eks:DescribeNodegroup
            # (https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md).
            tags=args.tags,
            # The cluster autoscaler owns the live size; config only sets the bounds.
            opts=pulumi.ResourceOptions(parent=self, depends_on=after, ignore_changes=["scalingConfig.desiredSize"]),
        )

    def _launch_template(
        self, name: str, pool_name: str, pool: NodePool, args: AwsEksClusterArgs
    ) -> aws.ec2.LaunchTemplate:
        """The pool's node settings EKS has no node-group field for: IMDSv2 with hop limit 1, an encrypted gp3 root
        volume under the stack's key, and the stack's tags on instances, volumes and ENIs. No AMI, instance type or
        user data: EKS keeps choosing those from the node group (ami_type, instance_types)."""
        tags = {**args.tags, "Name": f"{args.cluster_name}-{pool_name}"}
        return aws.ec2.LaunchTemplate(
            f"{name}-pool-{pool_name}-template",
            name_prefix=f"{args.cluster_name}-{pool_name}-",
            description=f"{args.cluster_name} {pool_name} nodes: IMDSv2, encrypted root volume",
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                "http_put_response_hop_limit": IMDS_HOP_LIMIT,
            },
            block_device_mappings=[
                {
                    "device_name": ROOT_DEVICE,
                    "ebs": {
                        "volume_size": pool.disk_gb,
                        "volume_type": ROOT_VOLUME_TYPE,
                        "encrypted": "true",
                        "kms_key_id": args.volumes_key_arn,
                        "delete_on_termination": "true",
                    },
                }
            ],
            tag_specifications=[{"resource_type": kind, "tags": tags} for kind in TAGGED_RESOURCES],
            update_default_version=True,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _office_hours(
        self, name: str, pool: NodePool, group: aws.eks.NodeGroup, hours: OfficeHours, keep: int
    ) -> None:
        """Scheduled actions on the node group's Auto Scaling group: down to `keep` nodes at the end of the day, back
        to the pool's size at its start, on the configured weekdays. A general-purpose group keeps one node, so
        CoreDNS, EBS CSI and metrics-server stay up and a night-time `up` completes (aws 19); the others go to 0."""
        asg = group.resources.apply(_autoscaling_group)
        # The Cluster Autoscaler keeps every size within the ASG's min and max: at night the max drops to `keep` too,
        # so the autoscaler cannot scale a sleeping group back up, and in the morning the pool's bounds return
        # (the autoscaler then moves desired within them; Pulumi ignores desiredSize).
        for action, at, (low, desired, high) in (
            ("sleep", hours.end, (keep, keep, keep)),
            ("wake", hours.start, (pool.min_size, pool.desired_size, pool.max_size)),
        ):
            hour, minute = at.split(":")
            aws.autoscaling.Schedule(
                f"{name}-{action}",
                scheduled_action_name=f"platform-office-hours-{action}",
                autoscaling_group_name=asg,
                recurrence=f"{int(minute)} {int(hour)} * * {hours.weekdays}",
                time_zone=hours.time_zone,
                min_size=low,
                desired_capacity=desired,
                max_size=high,
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _autoscaler_identity(
        self, name: str, cluster: aws.eks.Cluster, agent: aws.eks.Addon, args: AwsEksClusterArgs
    ) -> aws.eks.PodIdentityAssociation:
        """The Cluster Autoscaler's role (least privilege from its AWS README) and its Pod Identity association,
        created once the pod-identity agent add-on runs (the agent hands the pods their credentials)."""
        role = aws.iam.Role(
            f"{name}-autoscaler-role",
            name=f"{args.role_prefix}-cluster-autoscaler",
            assume_role_policy=cluster.arn.apply(
                lambda arn: pod_identity_trust_policy(
                    arn.split(":")[4], arn, AUTOSCALER_NAMESPACE, AUTOSCALER_SERVICE_ACCOUNT
                )
            ),
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        permissions = aws.iam.RolePolicy(
            f"{name}-autoscaler-policy",
            role=role.name,
            policy=autoscaler_policy(args.cluster_name),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.eks.PodIdentityAssociation(
            f"{name}-autoscaler-identity",
            cluster_name=cluster.name,
            namespace=AUTOSCALER_NAMESPACE,
            service_account=AUTOSCALER_SERVICE_ACCOUNT,
            role_arn=role.arn,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[agent, permissions]),
        )

    def _addons(
        self,
        name: str,
        cluster: aws.eks.Cluster,
        roles: dict[str, tuple[pulumi.Output[str], pulumi.Resource] | None],
        depends_on: Sequence[pulumi.Resource],
        args: AwsEksClusterArgs,
    ) -> list[aws.eks.Addon]:
        """EKS add-ons by name, each with its IRSA role where it has one (never node-role permissions), started once
        that role has its policy."""
        return [
            aws.eks.Addon(
                f"{name}-addon-{addon}",
                cluster_name=cluster.name,
                addon_name=addon,
                # Pinned to EKS's default version for the configured Kubernetes minor, so a `kubernetes.version`
                # bump upgrades the add-on with it (aws 17) while an unrelated `up` never moves it (most_recent
                # would follow every new release): https://docs.aws.amazon.com/eks/latest/userguide/updating-an-add-on.html
                addon_version=aws.eks.get_addon_version_output(
                    addon_name=addon,
                    kubernetes_version=args.version,
                    most_recent=False,
                    opts=pulumi.InvokeOutputOptions(parent=self),
                ).version,
                service_account_role_arn=role[0] if role else None,
                configuration_values=ADDON_CONFIGURATION.get(addon),
                resolve_conflicts_on_create="OVERWRITE",
                resolve_conflicts_on_update="OVERWRITE",
                tags=args.tags,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[*depends_on, *([role[1]] if role else [])]),
            )
            for addon, role in roles.items()
        ]


def general_purpose(pool: NodePool) -> bool:
    """An untainted on-demand pool: where the core add-ons and the cluster's controllers run."""
    return not (pool.gpu or pool.taints or pool.capacity == "spot")


def autoscaler_policy(cluster_name: str) -> str:
    """The Cluster Autoscaler's least-privilege policy (the AWS README's "full Cluster Autoscaler features" policy):
    describe calls on everything, writes only on the Auto Scaling groups of this cluster's managed node groups (the
    README: "strongly recommended to restrict the target resources ... using tag based conditionals")."""
    return document(
        {
            "Sid": "Describe",
            "Effect": "Allow",
            "Action": [
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "autoscaling:DescribeTags",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements",
                "eks:DescribeNodegroup",
            ],
            "Resource": "*",
        },
        {
            "Sid": "ScaleOwnGroups",
            "Effect": "Allow",
            "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            "Resource": "*",
            "Condition": {"StringEquals": {f"aws:ResourceTag/{CLUSTER_TAG}": cluster_name}},
        },
    )


def _autoscaling_group(resources: Sequence[aws.eks.outputs.NodeGroupResource]) -> str:
    """The name of a managed node group's Auto Scaling group."""
    groups = resources[0].autoscaling_groups or []
    return str(groups[0].name) if groups else ""


def _issuer(identities: Sequence[aws.eks.outputs.ClusterIdentity]) -> str:
    """The OIDC issuer URL out of the cluster's identities."""
    oidcs = identities[0].oidcs if identities else None
    return (oidcs[0].issuer or "") if oidcs else ""


_GRAVITON = re.compile(r"^[a-z]+\d+g")
"""Graviton families: a `g` right after the generation (m6g, m6gd, c6gn, c7gn, im4gn, is4gen, x2gd, t4g, g5g)."""


def graviton(instance_type: str) -> bool:
    """Whether an instance type is Arm (Graviton)."""
    return bool(_GRAVITON.match(instance_type.split(".")[0]))


def _ami_type(pool: NodePool) -> str:
    """AL2023 AMI matching the pool's architecture, NVIDIA for GPU (g5g: Arm NVIDIA); EKS refuses a mismatch at
    CreateNodegroup (aws review 21: c6gn, c7gn, im4gn, is4gen and g5g were taken for x86)."""
    arm = graviton(pool.instance_types[0])
    if pool.gpu:
        return "AL2023_ARM_64_NVIDIA" if arm else "AL2023_x86_64_NVIDIA"
    return "AL2023_ARM_64_STANDARD" if arm else "AL2023_x86_64_STANDARD"


def _kubeconfig(cluster_name: str, endpoint: str, ca_data: str, region: str) -> str:
    """Kubeconfig authenticating with `aws eks get-token` (the caller's AWS credentials)."""
    args = ["eks", "get-token", "--cluster-name", cluster_name, "--region", region]
    return exec_kubeconfig(cluster_name, endpoint, ca_data, "aws", args=args)
