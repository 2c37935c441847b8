"""AwsBucket: one per configured bucket per region, private, owner-enforced, versioned, SSE-KMS with the
region's s3 key, lifecycle rules from config, TLS-only policy, protected in prod."""

from __future__ import annotations

import pulumi_aws as aws
import pytest

from scripts.offline import Recording, Registration
from tests.conftest import stack_suffix

from .helpers import (
    ALL_REGIONS,
    BUCKET,
    EXPECT,
    REGION_CODES,
    assert_uses_key,
    config_buckets,
    deps_of_type,
    of_type,
    one,
    one_of,
    policy,
    regions,
)


def buckets(rec: Recording, region: str) -> dict[str, Registration]:
    """The region's AwsBucket components by logical name."""
    component = regions(rec)[region]
    prefix = f"{component.name}-bucket-"
    return {b.name.removeprefix(prefix): b for b in of_type(rec, BUCKET, component)}


def part(rec: Recording, bucket: Registration, resource_type: type) -> Registration:
    """One resource of `bucket`, checked to target that bucket."""
    resource = one_of(rec, resource_type, bucket)
    if resource_type is not aws.s3.Bucket:
        assert deps_of_type(rec, resource, aws.s3.Bucket) == [one_of(rec, aws.s3.Bucket, bucket)], resource.name
    return resource


BUCKET_PARAMS = [(stack, region, name) for stack, region in ALL_REGIONS for name in config_buckets(stack)]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_one_bucket_per_configured_bucket_with_its_physical_name(recorded, stack, region):
    rec = recorded(stack)
    found = buckets(rec, region)
    assert set(found) == set(config_buckets(stack))
    for name, bucket in found.items():
        physical = one_of(rec, aws.s3.Bucket, bucket).inputs["bucket"]
        assert physical == f"flow-{stack}-{name}-{REGION_CODES[region]}-{stack_suffix(rec)}"
        assert one_of(rec, aws.s3.Bucket, bucket).inputs.get("forceDestroy") is not True


@pytest.mark.parametrize(("stack", "region", "name"), BUCKET_PARAMS)
def test_bucket_blocks_all_public_access_and_enforces_owner(recorded, stack, region, name):
    rec = recorded(stack)
    bucket = buckets(rec, region)[name]
    block = part(rec, bucket, aws.s3.BucketPublicAccessBlock)
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    assert {flag: block.inputs[flag] for flag in flags} == dict.fromkeys(flags, True)
    ownership = part(rec, bucket, aws.s3.BucketOwnershipControls)
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


@pytest.mark.parametrize(("stack", "region", "name"), BUCKET_PARAMS)
def test_bucket_is_versioned_and_kms_encrypted_with_the_s3_key(recorded, stack, region, name):
    rec = recorded(stack)
    bucket = buckets(rec, region)[name]
    assert part(rec, bucket, aws.s3.BucketVersioning).inputs["versioningConfiguration"]["status"] == "Enabled"
    encryption = part(rec, bucket, aws.s3.BucketServerSideEncryptionConfiguration)
    (rule,) = encryption.inputs["rules"]
    assert rule["bucketKeyEnabled"] is True
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    key_arn = rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]
    assert_uses_key(rec, encryption, key_arn, regions(rec)[region], "s3")


@pytest.mark.parametrize(("stack", "region", "name"), BUCKET_PARAMS)
def test_lifecycle_expires_noncurrent_versions_aborts_uploads_and_cools_if_configured(recorded, stack, region, name):
    rec = recorded(stack)
    bucket = buckets(rec, region)[name]
    rules = part(rec, bucket, aws.s3.BucketLifecycleConfiguration).inputs["rules"]
    assert all(r["status"] == "Enabled" for r in rules)
    noncurrent = one_rule(rules, "noncurrentVersionExpiration")["noncurrentVersionExpiration"]
    assert noncurrent["noncurrentDays"] > 0
    aborts = one_rule(rules, "abortIncompleteMultipartUpload")["abortIncompleteMultipartUpload"]
    assert aborts["daysAfterInitiation"] > 0
    transitions = [t for r in rules for t in r.get("transitions", [])]
    cool_after = config_buckets(stack)[name].get("cool_after_days")
    if cool_after:
        assert transitions == [{"days": cool_after, "storageClass": "STANDARD_IA"}]
    else:
        assert transitions == []


def one_rule(rules: list[dict], action: str) -> dict:
    (rule,) = [r for r in rules if action in r]
    return rule


def test_backups_bucket_is_configured_to_cool_after_30_days():
    assert config_buckets("prod")["backups"]["cool_after_days"] == 30
    assert config_buckets("dev")["backups"]["cool_after_days"] == 30


@pytest.mark.parametrize(("stack", "region", "name"), BUCKET_PARAMS)
def test_policy_denies_insecure_transport(recorded, stack, region, name):
    rec = recorded(stack)
    bucket = buckets(rec, region)[name]
    bucket_policy = part(rec, bucket, aws.s3.BucketPolicy)
    physical = one_of(rec, aws.s3.Bucket, bucket).inputs["bucket"]
    statement = one(s for s in policy(bucket_policy.inputs["policy"])["Statement"]
                    if s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false")
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Action"] in ("s3:*", ["s3:*"])
    assert sorted(statement["Resource"]) == sorted([f"arn:aws:s3:::{physical}", f"arn:aws:s3:::{physical}/*"])
    assert all(s["Effect"] == "Deny" for s in policy(bucket_policy.inputs["policy"])["Statement"])


@pytest.mark.parametrize(("stack", "region", "name"), BUCKET_PARAMS)
def test_bucket_is_protected_in_prod_only(recorded, stack, region, name):
    rec = recorded(stack)
    bucket = buckets(rec, region)[name]
    assert one_of(rec, aws.s3.Bucket, bucket).protect is EXPECT[stack].protect


# --- server access logging (aws review 24) -------------------------------------------------------------

ACCESS_LOGS = "multicloud:aws:AccessLogBucket"


def log_bucket(rec: Recording, region: str) -> Registration:
    return one_of(rec, ACCESS_LOGS, regions(rec)[region])


@pytest.mark.parametrize(("stack", "region", "name"), BUCKET_PARAMS)
def test_every_bucket_logs_its_access_into_the_regions_log_bucket(recorded, stack, region, name):
    rec = recorded(stack)
    bucket = buckets(rec, region)[name]
    logging = one_of(rec, aws.s3.BucketLogging, bucket)
    target = one_of(rec, aws.s3.Bucket, log_bucket(rec, region))
    own = one_of(rec, aws.s3.Bucket, bucket)
    assert {r.urn for r in deps_of_type(rec, logging, aws.s3.Bucket)} == {own.urn, target.urn}
    physical = one_of(rec, aws.s3.Bucket, bucket).inputs["bucket"]
    assert logging.inputs["targetBucket"] == target.inputs["bucket"]
    assert logging.inputs["targetPrefix"] == f"{physical}/"
    # delivery is allowed by the log bucket's policy: the logging waits for it
    log_policy = one_of(rec, aws.s3.BucketPolicy, log_bucket(rec, region))
    assert deps_of_type(rec, logging, aws.s3.BucketPolicy) == [log_policy]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_log_bucket_is_locked_down_expiring_and_written_by_s3_logging_only(recorded, stack, region):
    rec = recorded(stack)
    component = log_bucket(rec, region)
    bucket = part(rec, component, aws.s3.Bucket)
    name = bucket.inputs["bucket"]
    # named by the same helper as the data buckets (globally unique the same way)
    assert name == f"flow-{stack}-access-logs-{REGION_CODES[region]}-{stack_suffix(rec)}"
    assert bucket.protect is EXPECT[stack].protect
    block = part(rec, component, aws.s3.BucketPublicAccessBlock)
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    assert {flag: block.inputs[flag] for flag in flags} == dict.fromkeys(flags, True)
    ownership = part(rec, component, aws.s3.BucketOwnershipControls)
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    (rule,) = part(rec, component, aws.s3.BucketServerSideEncryptionConfiguration).inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}  # SSE-S3 for log delivery
    lifecycle = part(rec, component, aws.s3.BucketLifecycleConfiguration)
    expire = next(r for r in lifecycle.inputs["rules"] if r["id"] == "expire-access-logs")
    assert expire["expiration"] == {"days": EXPECT[stack].log_retention_days}
    assert not of_type(rec, aws.s3.BucketLogging, component)  # a log bucket logs nowhere
    statements = {s["Sid"]: s for s in policy(part(rec, component, aws.s3.BucketPolicy).inputs["policy"])["Statement"]}
    assert statements["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    allow = statements["S3ServerAccessLogsPolicy"]
    assert [s["Effect"] for s in statements.values()].count("Allow") == 1
    assert allow["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert allow["Action"] == "s3:PutObject"
    assert allow["Resource"] == f"arn:aws:s3:::{name}/*"
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    sources = {one_of(rec, aws.s3.Bucket, b).inputs["bucket"] for b in buckets(rec, region).values()}
    assert set(allow["Condition"]["ArnLike"]["aws:SourceArn"]) == {f"arn:aws:s3:::{s}" for s in sources}
