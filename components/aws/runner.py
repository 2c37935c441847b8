"""The in-network deploy runner: AWS CodeBuild hosting the repository's GitHub Actions jobs in private subnets.

A workflow job with `runs-on: codebuild-<project>-${{ github.run_id }}-${{ github.run_attempt }}` queues a
`WORKFLOW_JOB_QUEUED` event; the project's webhook starts an ephemeral build that registers as the job's runner, runs
it and goes away (https://docs.aws.amazon.com/codebuild/latest/userguide/action-runner.html). The build runs in the
primary AWS region's private subnets under the deployer's own role, so it reaches every private cluster API over the
platform's same-cloud paths and VPN mesh, and the other clouds through workload identity federation (no keys).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

# https://docs.aws.amazon.com/codebuild/latest/userguide/ec2-compute-images.html: the Ubuntu 22.04 standard image
# (Docker, AWS CLI v2), the platform the workflow's actions (setup-python among them) support.
IMAGE = "aws/codebuild/standard:7.0"
QUEUED = "WORKFLOW_JOB_QUEUED"


@dataclass(frozen=True)
class AwsDeployRunnerArgs:
    """Inputs of AwsDeployRunner."""

    project_name: str
    """CodeBuild project name (the `runs-on` label's middle part)."""
    repository: str
    """https://github.com/<owner>/<repo> whose workflow jobs it runs."""
    connection_arn: str
    """The authorized CodeConnections connection to GitHub."""
    role_arn: str
    """The build's service role: the AWS deployer (`deployer.aws.role_arn`) or the preview role."""
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
        # Egress only, HTTPS: GitHub, the clouds' APIs and every cluster API (private ones over the mesh, in the
        # platform's ranges, public ones through the NAT). Nothing connects to a build.
        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args.vpc_id,
            description="In-network deploy runner (CodeBuild): HTTPS out only",
            egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
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
        project = aws.codebuild.Project(
            f"{name}-project",
            name=args.project_name,
            description=f"GitHub Actions runner for {args.repository} in the platform's private subnets",
            service_role=args.role_arn,
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
            opts=child,
        )
        # A build per queued job of its one workflow (the filters of a group all apply), nothing on pushes or pull
        # requests: https://docs.aws.amazon.com/codebuild/latest/userguide/github-webhook.html
        aws.codebuild.Webhook(
            f"{name}-webhook",
            project_name=project.name,
            build_type="BUILD",
            filter_groups=[
                {
                    "filters": [
                        {"type": "EVENT", "pattern": QUEUED},
                        {"type": "WORKFLOW_NAME", "pattern": f"^{args.workflow}$"},
                    ]
                }
            ],
            opts=child,
        )
        self.project_name = project.name
        self.security_group_id = group.id
        self.register_outputs({"project_name": project.name})

