"""The in-network deploy runner: AWS CodeBuild hosting the repository's GitHub Actions jobs in private subnets.

A workflow job with `runs-on: codebuild-<project>-${{ github.run_id }}-${{ github.run_attempt }}` queues a
`WORKFLOW_JOB_QUEUED` event; the project's webhook starts an ephemeral build that registers as the job's runner, runs
it and goes away (https://docs.aws.amazon.com/codebuild/latest/userguide/action-runner.html). The build runs in the
primary AWS region's private subnets under the deployer's own role, so it reaches every private cluster API over the
platform's same-cloud paths and VPN mesh, and the other clouds through workload identity federation (no keys).

The build's own service role can run the build and nothing else (its logs, its network interfaces, the GitHub
connection): a job gets deploy or preview rights only by assuming the deployer or preview role through GitHub's OIDC
token in its environment, so the webhook's workflow-name filter, which a workflow file's author controls, is never
what guards the deployer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .policies import document, service_trust_policy

# https://docs.aws.amazon.com/codebuild/latest/userguide/ec2-compute-images.html: the Ubuntu 22.04 standard image
# (Docker, AWS CLI v2), the platform the workflow's actions (setup-python among them) support.
IMAGE = "aws/codebuild/standard:7.0"
QUEUED = "WORKFLOW_JOB_QUEUED"


@dataclass(frozen=True)
class AwsDeployRunnerArgs:
    """Inputs of AwsDeployRunner."""

    project_name: str
    """CodeBuild project name (the `runs-on` label's middle part)."""
    region: str
    """The project's AWS region (the primary one)."""
    repository: str
    """https://github.com/<owner>/<repo> whose workflow jobs it runs."""
    connection_arn: str
    """The authorized CodeConnections connection to GitHub."""
    role_name: str
    """Name of the build's own service role (account-global)."""
    workflow: str
    """The name of the only workflow whose jobs it takes (`deploy` or `pr`)."""
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    """The primary region's private subnets (egress through its NAT)."""
    compute_type: str
    timeout_minutes: int
    logs_key_arn: pulumi.Input[str]
    log_retention_days: int
    tags: Mapping[str, str]


class AwsDeployRunner(pulumi.ComponentResource):
    """CodeBuild project, webhook, security group and build log group of the in-network runner."""

    project_name: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: AwsDeployRunnerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:aws:DeployRunner", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Egress only: HTTPS for GitHub, the clouds' APIs and every cluster API (private ones over the mesh, in the
        # platform's ranges, public ones through the NAT); HTTP for the Ubuntu archive the job's apt installs use.
        # Nothing connects to a build.
        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args.vpc_id,
            description="In-network deploy runner (CodeBuild): HTTPS and HTTP out only",
            egress=[
                {"protocol": "tcp", "from_port": port, "to_port": port, "cidr_blocks": ["0.0.0.0/0"]}
                for port in (443, 80)
            ],
            tags={**args.tags, "Name": f"{name}-sg"},
            opts=child,
        )
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/codebuild/{args.project_name}",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.logs_key_arn,
            tags=args.tags,
            opts=child,
        )
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        role = aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            assume_role_policy=identity.account_id.apply(
                lambda account: service_trust_policy(
                    "codebuild.amazonaws.com",
                    source_account=account,
                    source_arn=f"arn:aws:codebuild:{args.region}:{account}:project/{args.project_name}",
                )
            ),
            tags=args.tags,
            opts=child,
        )
        # What a VPC build with a CodeConnections source needs, nothing more:
        # https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html,
        # https://docs.aws.amazon.com/codebuild/latest/userguide/auth-and-access-control-iam-identity-based-access-control.html#customer-managed-policies-example-create-vpc-network-interface,
        # https://docs.aws.amazon.com/codebuild/latest/userguide/connections-github-app.html
        permissions = aws.iam.RolePolicy(
            f"{name}-role-build",
            role=role.id,
            policy=pulumi.Output.all(logs.arn, identity.account_id).apply(
                lambda v: runner_policy(v[0], v[1], args.region, args.connection_arn)
            ),
            opts=child,
        )
        project = aws.codebuild.Project(
            f"{name}-project",
            name=args.project_name,
            description=f"GitHub Actions runner for {args.repository} in the platform's private subnets",
            service_role=role.arn,
            source={
                "type": "GITHUB",
                "location": args.repository,
                "auth": {"type": "CODECONNECTIONS", "resource": args.connection_arn},
            },
            artifacts={"type": "NO_ARTIFACTS"},
            environment={
                "type": "LINUX_CONTAINER",
                "compute_type": args.compute_type,
                "image": IMAGE,
                "image_pull_credentials_type": "CODEBUILD",
            },
            vpc_config={"vpc_id": args.vpc_id, "subnets": list(args.subnet_ids), "security_group_ids": [group.id]},
            logs_config={"cloudwatch_logs": {"status": "ENABLED", "group_name": logs.name}},
            build_timeout=args.timeout_minutes,
            queued_timeout=60,
            tags=args.tags,
            # CodeBuild checks the role's permissions (the connection, the VPC) when the project is created.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[permissions]),
        )
        # A build per queued job of its one workflow (the filters of a group all apply), nothing on pushes or pull
        # requests: https://docs.aws.amazon.com/codebuild/latest/userguide/github-webhook.html
        aws.codebuild.Webhook(
            f"{name}-webhook",
            project_name=project.name,
            build_type="BUILD",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[permissions]),
            filter_groups=[
                {
                    "filters": [
                        {"type": "EVENT", "pattern": QUEUED},
                        {"type": "WORKFLOW_NAME", "pattern": f"^{args.workflow}$"},
                    ]
                }
            ],
        )
        self.project_name = project.name
        self.security_group_id = group.id
        self.register_outputs({"project_name": project.name})



def runner_policy(log_group_arn: str, account: str, region: str, connection_arn: str) -> str:
    """The build's own permissions: write its log streams, manage its network interfaces in the VPC, use the
    GitHub connection."""
    return document(
        {
            "Sid": "BuildLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [log_group_arn, f"{log_group_arn}:*"],
        },
        {
            "Sid": "VpcNetworkInterfaces",
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterface",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeVpcs",
            ],
            "Resource": "*",
        },
        {
            "Sid": "VpcNetworkInterfacePermission",
            "Effect": "Allow",
            "Action": "ec2:CreateNetworkInterfacePermission",
            "Resource": f"arn:aws:ec2:{region}:{account}:network-interface/*",
            "Condition": {"StringEquals": {"ec2:AuthorizedService": "codebuild.amazonaws.com"}},
        },
        {
            "Sid": "GitHubConnection",
            "Effect": "Allow",
            "Action": [
                "codeconnections:GetConnectionToken",
                "codeconnections:GetConnection",
                "codeconnections:UseConnection",
                "codestar-connections:GetConnectionToken",
                "codestar-connections:GetConnection",
                "codestar-connections:UseConnection",
            ],
            "Resource": connection_arn,
        },
    )
