"""The region's S3 server-access-log bucket: private, owner-enforced, encrypted, expiring, S3-logging-only."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .bucket import bucket_arn, deny_insecure_transport, private_bucket

LOGGING_SERVICE = "logging.s3.amazonaws.com"
# Server access logs: delivered by the logging service principal, allowed by the destination's bucket policy (not by
# ACLs: BucketOwnerEnforced), with aws:SourceAccount / aws:SourceArn naming the source buckets; the destination's
# default encryption is SSE-S3, the one the log delivery supports for destination buckets, and it must not log itself.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
LOG_ENCRYPTION = "AES256"
ABORT_INCOMPLETE_UPLOAD_DAYS = 7
NONCURRENT_DAYS = 1
"""A log object is never overwritten: a noncurrent version exists only after a delete, and goes a day later."""


@dataclass(frozen=True)
class AwsAccessLogBucketArgs:
    """Inputs of AwsAccessLogBucket."""

    bucket_name: pulumi.Input[str]
    """Physical (globally unique) name of the log bucket."""
    source_bucket_names: Sequence[pulumi.Input[str]]
    """The region's buckets whose server access logs land here (the only sources the policy admits)."""
    retention_days: int
    """Days a log object is kept."""
    protect: bool
    """Pulumi-protect the bucket (prod)."""
    tags: dict[str, str]
    """Tags of the bucket."""


class AwsAccessLogBucket(pulumi.ComponentResource):
    """S3 bucket receiving the region's server access logs: all four public-access blocks, BucketOwnerEnforced,
    versioning, SSE-S3, expiry after the retention, and a policy that denies non-TLS access and lets only the S3
    logging service write, for this account's source buckets."""

    bucket_name: pulumi.Output[str]
    """Name of the log bucket (the logging target of the region's buckets)."""
    ready: list[pulumi.Resource]
    """What a source bucket's logging configuration waits for (the bucket policy admitting the delivery)."""

    def __init__(self, name: str, args: AwsAccessLogBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:aws:AccessLogBucket", name, {}, opts)
        bucket, block, versioning = private_bucket(name, self, args.bucket_name, args.protect, args.tags)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            # the name the program sets (known at preview: the CMK policy's log-bucket exemption reads it)
            bucket=args.bucket_name,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": LOG_ENCRYPTION}}],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[bucket]),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket.id,
            rules=[
                {
                    "id": "expire-access-logs",
                    "status": "Enabled",
                    "filter": {},
                    "expiration": {"days": args.retention_days},
                    "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_DAYS},
                },
                {
                    "id": "abort-incomplete-uploads",
                    "status": "Enabled",
                    "filter": {},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_INCOMPLETE_UPLOAD_DAYS},
                },
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        policy = aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket.id,
            policy=pulumi.Output.all(identity.account_id, args.bucket_name, *args.source_bucket_names).apply(
                lambda v: log_bucket_policy(v[1], v[0], v[2:])
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[block]),
        )
        self.bucket_name = bucket.bucket
        self.ready = [policy]
        self.register_outputs({"bucket_name": self.bucket_name})


def log_bucket_policy(bucket_name: str, account_id: str, sources: Sequence[str]) -> str:
    """TLS only; s3:PutObject for the S3 logging service, only for logs of this account's `sources`."""
    arn = bucket_arn(bucket_name)
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                deny_insecure_transport(arn),
                {
                    "Sid": "S3ServerAccessLogsPolicy",
                    "Effect": "Allow",
                    "Principal": {"Service": LOGGING_SERVICE},
                    "Action": "s3:PutObject",
                    "Resource": f"{arn}/*",
                    "Condition": {
                        "ArnLike": {"aws:SourceArn": [bucket_arn(s) for s in sources]},
                        "StringEquals": {"aws:SourceAccount": account_id},
                    },
                },
            ],
        }
    )
