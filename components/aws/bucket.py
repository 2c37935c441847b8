"""An S3 bucket with the aws-7 split resources: versioned, KMS-encrypted, private, TLS-only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from ..settings.models import BucketSettings
from .policies import document


@dataclass(frozen=True)
class AwsBucketArgs:
    """Inputs of AwsBucket."""

    bucket_name: pulumi.Input[str]
    """Physical (globally unique) bucket name, with the stack-unique part (lib/naming.py)."""
    settings: BucketSettings
    """Lifecycle settings of the bucket."""
    kms_key_arn: pulumi.Input[str]
    """Customer key for SSE-KMS."""
    protect: bool
    """Pulumi-protect the bucket (prod)."""
    tags: dict[str, str]
    """Tags of the bucket."""
    log_bucket_name: pulumi.Input[str] | None = None
    """The region's access-log bucket: server access logs of this bucket land there, under `<bucket>/`."""
    log_bucket_ready: Sequence[pulumi.Resource] = field(default_factory=list)
    """What the logging configuration waits for (the log bucket's policy admitting the delivery)."""


class AwsBucket(pulumi.ComponentResource):
    """S3 bucket plus versioning, SSE-KMS with bucket key, all four public-access blocks,
    BucketOwnerEnforced ownership, lifecycle rules, a policy denying non-TLS access and server access logging
    to the region's log bucket."""

    bucket_name: pulumi.Output[str]
    """Name of the bucket."""
    arn: pulumi.Output[str]
    """ARN of the bucket."""

    def __init__(self, name: str, args: AwsBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:aws:Bucket", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        bucket, block, versioning = private_bucket(name, self, args.bucket_name, args.protect, args.tags)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": args.kms_key_arn,
                    },
                    "bucket_key_enabled": True,
                }
            ],
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket.id,
            rules=_lifecycle_rules(args.settings),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        aws.s3.BucketPolicy(
            f"{name}-tls-only",
            bucket=bucket.id,
            # Built from the name the program sets, not from `bucket.arn` (computed by AWS, unknown until the bucket
            # exists): the same document, known at every preview once the stack-unique suffix exists (a new stack's
            # first preview sees the suffix unknown: the TLS-only rule judges it on `up`).
            policy=pulumi.Output.from_input(args.bucket_name).apply(
                lambda n: document(deny_insecure_transport(bucket_arn(n)))
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[block]),
        )
        if args.log_bucket_name is not None:
            # https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
            aws.s3.BucketLogging(
                f"{name}-access-logging",
                bucket=bucket.id,
                target_bucket=args.log_bucket_name,
                target_prefix=pulumi.Output.concat(args.bucket_name, "/"),
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.log_bucket_ready)),
            )
        self.bucket_name = bucket.bucket
        self.arn = bucket.arn
        self.register_outputs({"bucket_name": self.bucket_name, "arn": self.arn})


def _lifecycle_rules(settings: BucketSettings) -> list[aws.s3.BucketLifecycleConfigurationRuleArgsDict]:
    rules: list[aws.s3.BucketLifecycleConfigurationRuleArgsDict] = [
        {
            "id": "expire-noncurrent-versions",
            "status": "Enabled",
            "filter": {},
            "noncurrent_version_expiration": {"noncurrent_days": settings.noncurrent_version_days},
        },
        {
            "id": "abort-incomplete-uploads",
            "status": "Enabled",
            "filter": {},
            "abort_incomplete_multipart_upload": {"days_after_initiation": settings.abort_incomplete_upload_days},
        },
    ]
    if settings.cool_after_days:
        rules.append(
            {
                "id": "cool-tier",
                "status": "Enabled",
                "filter": {},
                "transitions": [{"days": settings.cool_after_days, "storage_class": "STANDARD_IA"}],
            }
        )
    return rules


def bucket_arn(bucket_name: str) -> str:
    """The ARN of a bucket in the commercial partition: `arn:aws:s3:::<bucket>` (no region or account; see
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html)."""
    return f"arn:aws:s3:::{bucket_name}"


def deny_insecure_transport(bucket_arn: str) -> dict[str, Any]:
    """The policy statement refusing every request to the bucket and its objects that is not over TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def private_bucket(
    name: str, parent: pulumi.Resource, bucket_name: pulumi.Input[str], protect: bool, tags: Mapping[str, str]
) -> tuple[aws.s3.Bucket, aws.s3.BucketPublicAccessBlock, aws.s3.BucketVersioning]:
    """A bucket with every public access blocked, ACLs disabled (owner enforced) and versioning on, the base of the
    data and the access-log buckets; the bucket is never force-destroyed and Pulumi-protected when asked."""
    child = pulumi.ResourceOptions(parent=parent)
    bucket = aws.s3.Bucket(
        f"{name}-bucket",
        bucket=bucket_name,
        force_destroy=False,
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )
    block = aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access-block",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=child,
    )
    aws.s3.BucketOwnershipControls(
        f"{name}-ownership", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=child
    )
    versioning = aws.s3.BucketVersioning(
        f"{name}-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=child
    )
    return bucket, block, versioning
