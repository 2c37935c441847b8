"""RDS for PostgreSQL: private, encrypted, TLS-only, managed master password, replication-ready."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from .policies import assume_role_policy

ADMIN_USER = "platform_admin"
LOG_EXPORTS = ("postgresql", "upgrade")
"""The RDS for PostgreSQL log types exported to CloudWatch Logs (postgresql | upgrade | iam-db-auth-error,
https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html)."""


def log_group_name(identifier: str, log: str) -> str:
    """The group RDS publishes one exported log of an instance to: `/aws/rds/instance/<id>/<log>`
    (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Concepts.PostgreSQL.PublishtoCloudWatchLogs.html)."""
    return f"/aws/rds/instance/{identifier}/{log}"


@dataclass(frozen=True)
class AwsPostgresArgs:
    """Inputs of AwsPostgres."""

    identifier: str
    """RDS instance identifier."""
    version: str
    """PostgreSQL major version."""
    instance_class: str
    """RDS instance class."""
    storage_gb: int
    """Allocated storage."""
    max_storage_gb: int
    """Storage autoscaling ceiling."""
    multi_az: bool
    """Synchronous standby in another zone."""
    backup_retention_days: int
    """Automated backup (and PITR) retention."""
    backup_window: str
    """Daily backup window, UTC (`03:00-04:00`)."""
    maintenance_window: str
    """Weekly maintenance window, UTC (`sun:04:30-sun:05:30`)."""
    database: str
    """Application database created with the instance."""
    vpc_id: pulumi.Input[str]
    """VPC of the instance."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets of the instance."""
    allowed_cidrs: Sequence[str]
    """The platform's CIDRs: the only sources admitted on 5432."""
    kms_key_arn: pulumi.Input[str]
    """Customer key for storage, Performance Insights and the master-password secret."""
    logs_key_arn: pulumi.Input[str]
    """Customer key of the exported-log groups (its policy admits CloudWatch Logs of the region)."""
    log_retention_days: int
    """Retention of the exported-log groups."""
    deletion_protection: bool
    """API-level deletion protection, final snapshot and Pulumi protect (prod)."""
    monitoring_role_name: str
    """Account-unique name of the enhanced-monitoring role."""
    tags: dict[str, str]
    """Tags of every resource."""


class AwsPostgres(pulumi.ComponentResource):
    """Private RDS PostgreSQL: security group admitting 5432 from the platform only, a parameter group
    with logical replication and forced SSL, KMS everywhere, IAM authentication, a master password that
    RDS manages in Secrets Manager (never in config or state), backups, and deletion protection in prod."""

    endpoint: pulumi.Output[str]
    """`host:port` of the instance."""
    address: pulumi.Output[str]
    """Hostname of the instance."""
    port: pulumi.Output[int]
    """Port of the instance."""
    master_secret_arn: pulumi.Output[str]
    """Secrets Manager secret holding the managed master password."""
    security_group_id: pulumi.Output[str]
    """Security group of the instance."""

    def __init__(self, name: str, args: AwsPostgresArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:aws:Postgres", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        subnets = aws.rds.SubnetGroup(f"{name}-subnets", subnet_ids=list(args.subnet_ids), tags=args.tags, opts=child)
        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args.vpc_id,
            description="PostgreSQL from the platform networks only",
            ingress=[
                {
                    "protocol": "tcp",
                    "from_port": 5432,
                    "to_port": 5432,
                    "cidr_blocks": list(args.allowed_cidrs),
                    "description": "PostgreSQL from platform CIDRs",
                }
            ],
            # Out only to PostgreSQL of the platform: a logical-replication subscription runs on the subscriber's
            # instance and connects out to the publisher's 5432 (after a failover this instance subscribes; aws 25).
            # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.RDSSecurityGroups.html
            egress=[
                {
                    "protocol": "tcp",
                    "from_port": 5432,
                    "to_port": 5432,
                    "cidr_blocks": list(args.allowed_cidrs),
                    "description": "PostgreSQL replication to platform CIDRs",
                }
            ],
            tags=args.tags,
            opts=child,
        )
        parameters = aws.rds.ParameterGroup(
            f"{name}-params",
            family=f"postgres{args.version}",
            description=f"{args.identifier}: logical replication, TLS only",
            parameters=[
                {"name": "rds.logical_replication", "value": "1", "apply_method": "pending-reboot"},
                {"name": "rds.force_ssl", "value": "1", "apply_method": "immediate"},
                {"name": "log_min_duration_statement", "value": "1000", "apply_method": "immediate"},
            ],
            tags=args.tags,
            opts=child,
        )
        monitoring = aws.iam.Role(
            f"{name}-monitoring-role",
            name=args.monitoring_role_name,
            assume_role_policy=assume_role_policy("monitoring.rds.amazonaws.com"),
            tags=args.tags,
            opts=child,
        )
        monitoring_policy = aws.iam.RolePolicyAttachment(
            f"{name}-monitoring-policy",
            role=monitoring.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
            opts=child,
        )
        # A final snapshot name is refused when a snapshot of that name exists (the previous instance's): each
        # instance's is unique, and stays the same for its lifetime (aws review 14).
        final_snapshot = (
            _random()
            .RandomId(
                f"{name}-final-snapshot-suffix",
                byte_length=4,
                keepers={"identifier": args.identifier},
                opts=child,
            )
            .hex.apply(lambda suffix: f"{args.identifier}-final-{suffix}")
            if args.deletion_protection
            else None
        )
        # Created here, before the instance: otherwise RDS creates them on first export, with no key and logs kept
        # forever (aws review 13; terraform-aws-modules/rds `create_cloudwatch_log_group`). An existing stack whose RDS
        # already made them imports them first (`pulumi import aws:cloudwatch/logGroup:LogGroup ... <name>`).
        log_groups = [
            aws.cloudwatch.LogGroup(
                f"{name}-logs-{log}",
                name=log_group_name(args.identifier, log),
                retention_in_days=args.log_retention_days,
                kms_key_id=args.logs_key_arn,
                tags=args.tags,
                opts=child,
            )
            for log in LOG_EXPORTS
        ]
        instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=args.identifier,
            engine="postgres",
            engine_version=args.version,
            auto_minor_version_upgrade=True,
            # A `postgres.version` bump (16 -> 17) is a major upgrade, which RDS refuses without this flag (aws 14).
            allow_major_version_upgrade=True,
            instance_class=args.instance_class,
            allocated_storage=args.storage_gb,
            max_allocated_storage=args.max_storage_gb,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            db_name=args.database,
            username=ADMIN_USER,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=args.kms_key_arn,
            iam_database_authentication_enabled=True,
            multi_az=args.multi_az,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[group.id],
            parameter_group_name=parameters.name,
            publicly_accessible=False,
            backup_retention_period=args.backup_retention_days,
            backup_window=args.backup_window,
            maintenance_window=args.maintenance_window,
            copy_tags_to_snapshot=True,
            delete_automated_backups=not args.deletion_protection,
            deletion_protection=args.deletion_protection,
            skip_final_snapshot=not args.deletion_protection,
            final_snapshot_identifier=final_snapshot,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=args.kms_key_arn,
            performance_insights_retention_period=7,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            monitoring_interval=60,
            monitoring_role_arn=monitoring.arn,
            ca_cert_identifier="rds-ca-rsa2048-g1",
            tags=args.tags,
            # Enhanced monitoring checks the role's permissions at create; the log groups exist before the first export.
            opts=pulumi.ResourceOptions(
                parent=self, protect=args.deletion_protection, depends_on=[monitoring_policy, *log_groups]
            ),
        )
        self.endpoint = instance.endpoint
        self.address = instance.address
        self.port = instance.port
        self.resource_id = instance.resource_id
        """DbiResourceId: the IAM-auth resource is `arn:aws:rds-db:<region>:<account>:dbuser:<id>/<user>`."""
        self.master_secret_arn = instance.master_user_secrets.apply(
            lambda secrets: (secrets[0].secret_arn or "") if secrets else ""
        )
        self.security_group_id = group.id
        self.register_outputs({"endpoint": self.endpoint, "master_secret_arn": self.master_secret_arn})


def _random() -> Any:
    """pulumi_random, imported where a stack keeps final snapshots (the platform's stack-unique suffix loads it in
    every stack)."""
    import pulumi_random

    return pulumi_random
