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
            lambda ids: _key_policy(ids[0], ids[1], args.logs_region)
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


def _key_policy(account_id: str, partition: str, logs_region: str | None) -> str:
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
    return json.dumps({"Version": "2012-10-17", "Statement": statements})
