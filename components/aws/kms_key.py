"""A customer-managed KMS key with rotation and an alias."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class AwsKmsKeyArgs:
    """Inputs of AwsKmsKey."""

    alias: str
    """Alias name, `alias/...`."""
    description: str
    """What the key protects."""
    tags: dict[str, str]
    """Tags of the key."""
    protect: bool = False
    """Pulumi-protect the key (prod)."""
    logs_region: str | None = None
    """Let CloudWatch Logs of this region encrypt log groups of this account with the key."""
    autoscaling_volumes: bool = False
    """Let EC2 Auto Scaling's service-linked role launch instances whose EBS volumes the key encrypts (the EKS
    managed node groups' root volumes)."""


class AwsKmsKey(pulumi.ComponentResource):
    """Symmetric KMS key, yearly rotation, 30-day deletion window, account-admin key policy."""

    key_arn: pulumi.Output[str]
    """ARN of the key."""
    key_id: pulumi.Output[str]
    """Id of the key."""

    def __init__(self, name: str, args: AwsKmsKeyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:aws:KmsKey", name, {}, opts)
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
        policy = pulumi.Output.all(identity.account_id, partition.partition).apply(
            lambda ids: _key_policy(ids[0], ids[1], args.logs_region, args.autoscaling_volumes)
        )
        key = aws.kms.Key(
            f"{name}-key",
            description=args.description,
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=30,
            policy=policy,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        aws.kms.Alias(
            f"{name}-alias", name=args.alias, target_key_id=key.key_id, opts=pulumi.ResourceOptions(parent=self)
        )
        self.key_arn = key.arn
        self.key_id = key.key_id
        self.register_outputs({"key_arn": self.key_arn, "key_id": self.key_id})


AUTOSCALING_ROLE = "role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
"""The default service-linked role EC2 Auto Scaling launches instances with (managed node groups' groups too)."""


def _autoscaling_statements(account_id: str, partition: str) -> list[dict[str, object]]:
    """The two statements EC2 Auto Scaling needs to launch instances with volumes encrypted by a customer key: use
    of the key, and grants for the attached volumes only (kms:GrantIsForAWSResource). Without them the group's
    launches fail with Client.InternalError. The role is matched by `aws:PrincipalArn`, not named as Principal:
    KMS refuses a key policy naming a principal that does not exist yet (MalformedPolicyDocumentException), and
    Auto Scaling creates its service-linked role only with the account's first group, i.e. after this key.
    https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html"""
    role = {"StringEquals": {"aws:PrincipalArn": f"arn:{partition}:iam::{account_id}:{AUTOSCALING_ROLE}"}}
    return [
        {
            "Sid": "AutoScalingUsesKey",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            "Resource": "*",
            "Condition": role,
        },
        {
            "Sid": "AutoScalingAttachesVolumes",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "kms:CreateGrant",
            "Resource": "*",
            "Condition": {**role, "Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
    ]


def _key_policy(account_id: str, partition: str, logs_region: str | None, autoscaling_volumes: bool = False) -> str:
    statements: list[dict[str, object]] = [
        {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if logs_region:
        statements.append(
            {
                "Sid": "CloudWatchLogsEncrypt",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{logs_region}.amazonaws.com"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{logs_region}:{account_id}:*"
                    }
                },
            }
        )
    if autoscaling_volumes:
        statements.extend(_autoscaling_statements(account_id, partition))
    return json.dumps({"Version": "2012-10-17", "Statement": statements})
