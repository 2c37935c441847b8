"""GcpBucket: one per configured bucket per region, uniform access, public access prevention enforced,
versioned, CMEK-only with the region's gcs key, lifecycle rules from config, soft delete, protected in prod."""

from __future__ import annotations

import pulumi_gcp as gcp
import pytest

from components.lib.waits import GCP_IAM
from scripts.offline import Recording, Registration
from tests.aws.helpers import depends_on, of_type, one, one_of, waits_after
from tests.conftest import stack_suffix

from .helpers import (
    ALL_REGIONS,
    BACKUPS_KMS,
    BUCKET,
    DUAL_REGION_SINKS,
    EXPECT,
    KMS,
    REGION_CODES,
    component,
    config_buckets,
    project_of,
    regions,
)

BUCKET_PARAMS = [(stack, region, name) for stack, region in ALL_REGIONS for name in config_buckets(stack)]


def buckets(rec: Recording, region: str) -> dict[str, Registration]:
    """The region's GcpBucket components by logical name."""
    component = regions(rec)[region]
    prefix = f"{component.name}-bucket-"
    return {b.name.removeprefix(prefix): b for b in of_type(rec, BUCKET, component)}


def bucket(rec: Recording, region: str, name: str) -> Registration:
    return one_of(rec, gcp.storage.Bucket, buckets(rec, region)[name])


def dual(stack: str, region: str, name: str) -> bool:
    """The stack's DR sink as a dual-region (prod: us-central1's backups bucket)."""
    return name == "backups" and DUAL_REGION_SINKS.get(stack, ("",))[0] == region


def kms_of(rec: Recording, stack: str, region: str, name: str) -> Registration:
    """The key ring component whose gcs key encrypts the bucket."""
    if dual(stack, region, name):
        return one(c for c in of_type(rec, KMS, regions(rec)[region]) if c.name.endswith(BACKUPS_KMS))
    return component(rec, region, KMS)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_one_bucket_per_configured_bucket_with_its_physical_name_in_the_region(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    found = buckets(rec, region)
    assert set(found) == set(config_buckets(stack))
    for name in found:
        resource = bucket(rec, region, name)
        assert resource.inputs["name"] == f"flow-{stack}-{name}-{REGION_CODES[region]}-{stack_suffix(rec)}"
        assert resource.inputs["location"] == ("US" if dual(stack, region, name) else region.upper())
        assert resource.inputs["project"] == project_of(stack)
        assert resource.inputs.get("forceDestroy") is not True


@pytest.mark.parametrize(("stack", "region", "name"), BUCKET_PARAMS)
def test_uniform_access_and_public_access_prevention(gcp_recorded, stack, region, name):
    resource = bucket(gcp_recorded(stack), region, name)
    assert resource.inputs["uniformBucketLevelAccess"] is True
    assert resource.inputs["publicAccessPrevention"] == "enforced"


@pytest.mark.parametrize(("stack", "region", "name"), BUCKET_PARAMS)
def test_versioned_and_encrypted_only_with_the_regions_gcs_key(gcp_recorded, stack, region, name):
    rec = gcp_recorded(stack)
    resource = bucket(rec, region, name)
    # The backups buckets hold a retention policy instead: GCS allows one or the other.
    assert resource.inputs["versioning"] == {"enabled": name != "backups"}
    kms = kms_of(rec, stack, region, name)
    key = one(k for k in of_type(rec, gcp.kms.CryptoKey, kms) if k.inputs["name"] == "gcs")
    grant = one(g for g in of_type(rec, gcp.kms.CryptoKeyIAMMember, kms) if depends_on(g, key))
    encryption = resource.inputs["encryption"]
    assert encryption["defaultKmsKeyName"] == f"{key.inputs['keyRing']}/cryptoKeys/gcs"
    assert encryption["googleManagedEncryptionEnforcementConfig"] == {"restrictionMode": "FullyRestricted"}
    assert encryption["customerSuppliedEncryptionEnforcementConfig"] == {"restrictionMode": "FullyRestricted"}
    assert "gs-project-accounts" in grant.inputs["member"]
    assert depends_on(resource, key) and waits_after(rec, resource, grant, GCP_IAM.seconds), "granted, and propagated"


@pytest.mark.parametrize(("stack", "region", "name"), BUCKET_PARAMS)
def test_lifecycle_expires_noncurrent_versions_aborts_uploads_and_cools_if_configured(
    gcp_recorded, stack, region, name
):
    rules = bucket(gcp_recorded(stack), region, name).inputs["lifecycleRules"]
    configured = config_buckets(stack)[name]
    by_action = {r["action"]["type"]: r for r in rules}
    assert len(by_action) == len(rules)
    noncurrent = by_action["Delete"]["condition"]
    assert noncurrent["daysSinceNoncurrentTime"] == configured.get("noncurrent_version_days", 90)
    assert noncurrent.get("withState") == "ARCHIVED"
    aborts = by_action["AbortIncompleteMultipartUpload"]["condition"]
    assert aborts == {"age": configured.get("abort_incomplete_upload_days", 7)}
    cool_after = configured.get("cool_after_days")
    if cool_after:
        cool = by_action["SetStorageClass"]
        assert cool["action"]["storageClass"] == "NEARLINE"
        assert cool["condition"] == {"age": cool_after, "matchesStorageClasses": ["STANDARD"]}
    else:
        assert "SetStorageClass" not in by_action


def test_the_backups_bucket_cools_and_the_data_bucket_does_not():
    assert [config_buckets(stack)["backups"].get("cool_after_days") for stack in ("dev", "prod")] == [30, 30]
    assert [config_buckets(stack)["data"].get("cool_after_days") for stack in ("dev", "prod")] == [None, None]


@pytest.mark.parametrize(("stack", "region", "name"), BUCKET_PARAMS)
def test_soft_delete_keeps_deleted_objects_for_a_week(gcp_recorded, stack, region, name):
    policy = bucket(gcp_recorded(stack), region, name).inputs["softDeletePolicy"]
    assert policy == {"retentionDurationSeconds": 7 * 86400}


@pytest.mark.parametrize(("stack", "region", "name"), BUCKET_PARAMS)
def test_bucket_is_protected_in_prod_only(gcp_recorded, stack, region, name):
    assert bucket(gcp_recorded(stack), region, name).protect is EXPECT[stack].protect


@pytest.mark.parametrize(("stack", "region", "name"), BUCKET_PARAMS)
def test_backups_are_write_once_for_a_week_and_the_data_bucket_is_versioned(gcp_recorded, stack, region, name):
    """The retention policy (clouds.gcp.backups_retention_days, default 7, unlocked): no copy can be deleted or
    replaced before it is a week old, whatever the credentials short of storage.buckets.update."""
    policy = bucket(gcp_recorded(stack), region, name).inputs.get("retentionPolicy")
    if name == "backups":
        assert policy == {"retentionPeriod": str(7 * 86400), "isLocked": False}
    else:
        assert policy is None


@pytest.mark.parametrize(("stack", "region", "name"), BUCKET_PARAMS)
def test_the_prod_dr_sink_is_a_turbo_dual_region_keyed_in_its_multi_region_and_the_rest_single_region(
    gcp_recorded, stack, region, name
):
    """gcp review 20: prod's DR sink (us-central1's backups bucket) keeps its objects in US-CENTRAL1 and US-EAST4, with
    its key ring in Cloud KMS `us` (the location GCS takes for a US dual-region); every other bucket, and dev's
    sink, stays a single region keyed in its region."""
    rec = gcp_recorded(stack)
    resource = bucket(rec, region, name)
    ring = one_of(rec, gcp.kms.KeyRing, kms_of(rec, stack, region, name))
    sink = region == next(iter(regions(rec))) and name == "backups"
    assert resource.inputs["labels"].get("dr") == ("sink" if sink else None)
    if dual(stack, region, name):
        _, location, data_locations, kms_location = DUAL_REGION_SINKS[stack]
        assert (resource.inputs["location"], resource.inputs["customPlacementConfig"]) == (
            location, {"dataLocations": data_locations}
        )
        assert resource.inputs["rpo"] == "ASYNC_TURBO"
        assert ring.inputs["location"] == kms_location
        assert ring.inputs["name"] == f"flow-{stack}-{kms_location}-{stack_suffix(rec)}" and ring.protect
        key = resource.inputs["encryption"]["defaultKmsKeyName"]
        assert key.startswith(f"projects/{project_of(stack)}/locations/{kms_location}/")
    else:
        assert "customPlacementConfig" not in resource.inputs and "rpo" not in resource.inputs
        assert ring.inputs["location"] == region
