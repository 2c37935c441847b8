"""One region's VPC: public and private subnets per zone, NAT, routes and flow logs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Network

import pulumi
import pulumi_aws as aws

from ..lib.cidr import subnet_plan
from .policies import document, service_trust_policy

FLOW_LOG_WRITE_ACTIONS = [
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:DescribeLogStreams",
]
"""With logs:DescribeLogGroups, what the flow-log role "must include at least"
(https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html)."""


@dataclass(frozen=True)
class AwsNetworkArgs:
    """Inputs of AwsNetwork."""

    region: str
    """The region (the flow-log role's trust names flow logs of this region only)."""
    cidr: IPv4Network
    """The region's private CIDR."""
    zones: int
    """Availability zones to spread subnets over."""
    nat_per_zone: bool
    """One NAT gateway per zone (prod) or a single one (dev)."""
    flow_log_retention_days: int
    """Retention of the VPC flow-log group."""
    logs_key_arn: pulumi.Input[str]
    """KMS key encrypting the flow-log group."""
    cluster_name: str
    """EKS cluster that will use the subnets (for load-balancer discovery tags)."""
    tags: dict[str, str]
    """Tags of every resource."""


class AwsNetwork(pulumi.ComponentResource):
    """VPC with private subnets for nodes and databases, public subnets for load balancers and NAT,
    a locked-down default security group, and flow logs of all traffic to an encrypted log group."""

    vpc_id: pulumi.Output[str]
    """Id of the VPC."""
    private_subnet_ids: list[pulumi.Output[str]]
    """Private subnets, one per zone."""
    public_subnet_ids: list[pulumi.Output[str]]
    """Public subnets, one per zone."""
    private_route_table_ids: list[pulumi.Output[str]]
    """Route tables of the private subnets (for VPN route propagation)."""

    def __init__(self, name: str, args: AwsNetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:aws:Network", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        plan = subnet_plan(args.cidr, args.zones)
        # Availability Zones only: a Local or Wavelength Zone the account opted into would sort first
        # (us-west-2-lax-1a < us-west-2a), and EKS refuses subnets there (UnsupportedAvailabilityZoneException). Zones
        # that need no opt-in are exactly the region's AZs (opt-in-status, https://docs.aws.amazon.com/AWSEC2/latest/
        # APIReference/API_DescribeAvailabilityZones.html).
        zones = aws.get_availability_zones_output(
            state="available",
            filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=pulumi.InvokeOutputOptions(parent=self),
        )

        def tags(resource: str, **extra: str) -> dict[str, str]:
            return {**args.tags, "Name": f"{name}-{resource}", **extra}

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=str(args.cidr),
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags=tags("vpc"),
            opts=child,
        )
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg", vpc_id=vpc.id, ingress=[], egress=[], tags=tags("default-sg"), opts=child
        )
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags=tags("igw"), opts=child)

        public_rt = aws.ec2.RouteTable(f"{name}-public-rt", vpc_id=vpc.id, tags=tags("public-rt"), opts=child)
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=child,
        )

        cluster_tag = f"kubernetes.io/cluster/{args.cluster_name}"
        public_ids, private_ids, private_rts, nats = [], [], [], []
        for i in range(args.zones):
            zone = zones.names.apply(_nth(i))
            public = aws.ec2.Subnet(
                f"{name}-public-{i}",
                vpc_id=vpc.id,
                cidr_block=str(plan.public[i]),
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags=tags(f"public-{i}", **{"kubernetes.io/role/elb": "1", cluster_tag: "shared"}),
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{i}-rta", subnet_id=public.id, route_table_id=public_rt.id, opts=child
            )
            private = aws.ec2.Subnet(
                f"{name}-private-{i}",
                vpc_id=vpc.id,
                cidr_block=str(plan.private[i]),
                availability_zone=zone,
                tags=tags(f"private-{i}", **{"kubernetes.io/role/internal-elb": "1", cluster_tag: "shared"}),
                opts=child,
            )
            if args.nat_per_zone or i == 0:
                eip = aws.ec2.Eip(f"{name}-nat-{i}-eip", domain="vpc", tags=tags(f"nat-{i}-eip"), opts=child)
                nats.append(
                    aws.ec2.NatGateway(
                        f"{name}-nat-{i}",
                        allocation_id=eip.allocation_id,
                        subnet_id=public.id,
                        tags=tags(f"nat-{i}"),
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                    )
                )
            private_rt = aws.ec2.RouteTable(
                f"{name}-private-{i}-rt", vpc_id=vpc.id, tags=tags(f"private-{i}-rt"), opts=child
            )
            aws.ec2.Route(
                f"{name}-private-{i}-default",
                route_table_id=private_rt.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nats[-1].id,
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{i}-rta", subnet_id=private.id, route_table_id=private_rt.id, opts=child
            )
            public_ids.append(public.id)
            private_ids.append(private.id)
            private_rts.append(private_rt.id)

        self._flow_logs(name, vpc, args, tags("flow-logs"))
        self.vpc_id = vpc.id
        self.private_subnet_ids = private_ids
        self.public_subnet_ids = public_ids
        self.private_route_table_ids = private_rts
        self.register_outputs(
            {"vpc_id": self.vpc_id, "private_subnet_ids": private_ids, "public_subnet_ids": public_ids}
        )

    def _flow_logs(self, name: str, vpc: aws.ec2.Vpc, args: AwsNetworkArgs, tags: dict[str, str]) -> None:
        """All VPC traffic to a KMS-encrypted log group with bounded retention."""
        child = pulumi.ResourceOptions(parent=self)
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=f"/vpc/{name}/flow-logs",
            retention_in_days=args.flow_log_retention_days,
            kms_key_id=args.logs_key_arn,
            tags=tags,
            opts=child,
        )
        # The trust names this account's flow logs of this region only (aws:SourceAccount, aws:SourceArn), against the
        # confused deputy; the permissions are the five the flow-log role "must include at least", on this group
        # (DescribeLogGroups is a list call: on the region's groups). https://docs.aws.amazon.com/vpc/latest/
        # userguide/flow-logs-iam-role.html
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
        role = aws.iam.Role(
            f"{name}-flow-logs-role",
            assume_role_policy=pulumi.Output.all(identity.account_id, partition.partition).apply(
                lambda v: service_trust_policy(
                    "vpc-flow-logs.amazonaws.com",
                    source_account=v[0],
                    source_arn=f"arn:{v[1]}:ec2:{args.region}:{v[0]}:vpc-flow-log/*",
                )
            ),
            tags=tags,
            opts=child,
        )
        write = aws.iam.RolePolicy(
            f"{name}-flow-logs-write",
            role=role.id,
            policy=pulumi.Output.all(group.arn, identity.account_id, partition.partition).apply(
                lambda v: document(
                    {
                        "Sid": "WriteFlowLogs",
                        "Effect": "Allow",
                        "Action": FLOW_LOG_WRITE_ACTIONS,
                        "Resource": [v[0], f"{v[0]}:*"],
                    },
                    {
                        "Sid": "FindLogGroups",
                        "Effect": "Allow",
                        "Action": ["logs:DescribeLogGroups"],
                        "Resource": f"arn:{v[2]}:logs:{args.region}:{v[1]}:log-group:*",
                    },
                )
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[write]),  # the role may write before it is used
        )


def _nth(index: int) -> Callable[[list[str]], str]:
    """`names -> names[index]`, for picking a zone out of an Output list."""
    return lambda names: names[index]
