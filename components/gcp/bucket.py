"""A GCS bucket: uniform access, public access prevented, versioned, CMEK only, lifecycle, soft delete."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from ..settings.models import BucketSettings

COOL_STORAGE_CLASS = "NEARLINE"
"""GCS's infrequent-access class (30-day minimum storage, like S3 STANDARD_IA)."""


@dataclass(frozen=True)
class GcpBucketArgs:
    """Inputs of GcpBucket."""

    project: str
    """Project of the bucket."""
    bucket_name: pulumi.Input[str]
    """Physical (globally unique) bucket name, with the stack-unique part (lib/naming.py)."""
    location: str
    """Region of the bucket (a single-region bucket next to the cluster and its key), or the multi-region code (`US`)
    of a configurable dual-region whose regions are `data_locations`."""
    settings: BucketSettings
    """Lifecycle settings of the bucket."""
    kms_key_id: pulumi.Input[str]
    """Cloud KMS key new objects are encrypted with."""
    soft_delete_days: int
    """Days deleted objects stay restorable."""
    protect: bool
    """Pulumi-protect the bucket (prod)."""
    labels: dict[str, str]
    """Labels of the bucket."""
    retention_days: int | None = None
    """Bucket retention policy (the backups buckets): objects younger than this can be neither deleted nor replaced.
    GCS refuses object versioning beside it, so a bucket with retention is not versioned."""
    retention_locked: bool = False
    """Lock the retention policy (irreversible)."""
    data_locations: tuple[str, ...] = ()
    """The two regions of a configurable dual-region (upper case, components/lib/gcs_locations.placement); empty: a
    single-region bucket. Changing them recreates the bucket."""
    turbo_replication: bool = False
    """Turbo replication of a dual-region (`rpo = ASYNC_TURBO`): new objects reach the second region within 15 minutes
    instead of the default's no guarantee."""


class GcpBucket(pulumi.ComponentResource):
    """GCS bucket with uniform bucket-level access (no object ACLs), public access prevention enforced,
    object versioning (or, for backups, a retention policy nobody without storage.buckets.update can lift), CMEK
    as the default key with Google-managed and customer-supplied keys refused for
    new objects, lifecycle rules (noncurrent versions, incomplete uploads, optional cool tier), a soft-delete
    window, and no force-destroy. GCS serves HTTPS only, so no TLS policy is needed."""

    bucket_name: pulumi.Output[str]
    """Name of the bucket."""
    url: pulumi.Output[str]
    """`gs://` URL of the bucket."""

    def __init__(self, name: str, args: GcpBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:Bucket", name, {}, opts)
        bucket = gcp.storage.Bucket(
            f"{name}-bucket",
            name=args.bucket_name,
            project=args.project,
            location=args.location.upper(),
            # A configurable dual-region: the multi-region as `location`, its two regions here
            # (https://cloud.google.com/storage/docs/locations#configurable).
            custom_placement_config={"data_locations": list(args.data_locations)} if args.data_locations else None,
            # "ASYNC_TURBO ... data in a dual-region bucket will replicate between regions within 15 minutes"; DEFAULT
            # gives "no guarantee on the amount of time it takes" (https://cloud.google.com/storage/docs/managing-turbo-
            # replication ; the Rpo enum, https://documentation.s3ns.fr/java/docs/reference/google-cloud-storage/2.10.0/
            # com.google.cloud.storage.Rpo). The SDK: "If used with single-region bucket, It will throw an error".
            rpo="ASYNC_TURBO" if args.data_locations and args.turbo_replication else None,
            storage_class="STANDARD",
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            # "Object versioning cannot be enabled on a bucket with a retention policy"
            # (https://cloud.google.com/storage/docs/bucket-lock#object-versioning): retention is the stronger guard.
            versioning={"enabled": args.retention_days is None},
            retention_policy={
                "retention_period": str(args.retention_days * 86400),
                "is_locked": args.retention_locked,
            }
            if args.retention_days is not None
            else None,
            encryption={
                "default_kms_key_name": args.kms_key_id,
                "google_managed_encryption_enforcement_config": {"restriction_mode": "FullyRestricted"},
                "customer_supplied_encryption_enforcement_config": {"restriction_mode": "FullyRestricted"},
            },
            lifecycle_rules=_lifecycle_rules(args.settings),
            soft_delete_policy={"retention_duration_seconds": args.soft_delete_days * 86400},
            force_destroy=False,
            labels=args.labels,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.bucket_name = bucket.name
        self.url = bucket.url
        self.register_outputs({"bucket_name": self.bucket_name, "url": self.url})


def _lifecycle_rules(settings: BucketSettings) -> list[gcp.storage.BucketLifecycleRuleArgsDict]:
    rules: list[gcp.storage.BucketLifecycleRuleArgsDict] = [
        {
            "action": {"type": "Delete"},
            "condition": {"days_since_noncurrent_time": settings.noncurrent_version_days, "with_state": "ARCHIVED"},
        },
        {
            "action": {"type": "AbortIncompleteMultipartUpload"},
            "condition": {"age": settings.abort_incomplete_upload_days},
        },
    ]
    if settings.cool_after_days:
        rules.append(
            {
                "action": {"type": "SetStorageClass", "storage_class": COOL_STORAGE_CLASS},
                "condition": {"age": settings.cool_after_days, "matches_storage_classes": ["STANDARD"]},
            }
        )
    return rules
