"""AwsKmsKey: four rotating keys per region (eks, rds, s3, logs) with aliases, protected in prod; only
the logs key lets CloudWatch Logs of its own region use it."""

from __future__ import annotations

import pulumi_aws as aws
import pytest

from .helpers import (
    ALL_REGIONS,
    EXPECT,
    KEY_PURPOSES,
    REGION_CODES,
    STACKS,
    kms_component,
    kms_key,
    of_type,
    one_of,
    policy,
    regions,
)


@pytest.mark.parametrize("stack", STACKS)
def test_every_key_rotates_and_is_protected_in_prod_only(recorded, stack):
    keys = of_type(recorded(stack), aws.kms.Key)
    assert len(keys) == 4 * EXPECT[stack].region_count
    for key in keys:
        assert key.inputs["enableKeyRotation"] is True, key.name
        assert key.protect is EXPECT[stack].protect, key.name


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_one_key_and_alias_per_purpose(recorded, stack, region):
    rec = recorded(stack)
    component = regions(rec)[region]
    assert len(of_type(rec, aws.kms.Key, component)) == len(KEY_PURPOSES)
    for purpose in KEY_PURPOSES:
        alias = one_of(rec, aws.kms.Alias, kms_component(rec, region=component, purpose=purpose))
        assert alias.inputs["name"] == f"alias/flow-{stack}-{REGION_CODES[region]}-{purpose}"
        assert kms_key(rec, component, purpose).urn in alias.dependencies


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_logs_key_admits_cloudwatch_logs_of_its_region_only(recorded, stack, region):
    rec = recorded(stack)
    component = regions(rec)[region]
    statements = policy(kms_key(rec, component, "logs").inputs["policy"])["Statement"]
    services = [s for s in statements if "Service" in s["Principal"]]
    assert [s["Principal"]["Service"] for s in services] == [f"logs.{region}.amazonaws.com"]
    (logs,) = services
    assert logs["Effect"] == "Allow"
    assert "kms:Decrypt*" in logs["Action"] and "kms:GenerateDataKey*" in logs["Action"]
    context = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert context.startswith(f"arn:aws:logs:{region}:")


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_other_keys_grant_no_service_principal(recorded, stack, region):
    rec = recorded(stack)
    component = regions(rec)[region]
    for purpose in ("eks", "rds", "s3"):
        statements = policy(kms_key(rec, component, purpose).inputs["policy"])["Statement"]
        assert [s for s in statements if "Service" in s["Principal"]] == [], purpose
        assert all(s["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"} for s in statements), purpose
