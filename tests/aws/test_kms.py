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
    for purpose in ("rds", "s3"):
        statements = policy(kms_key(rec, component, purpose).inputs["policy"])["Statement"]
        assert all(s["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"} for s in statements), purpose


AUTOSCALING_ROLE = (
    "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_eks_key_lets_auto_scaling_launch_encrypted_node_volumes(recorded, stack, region):
    """The node groups' root volumes use the eks key: EC2 Auto Scaling's service-linked role needs key use and
    grants for attached resources only, matched by aws:PrincipalArn (the role may not exist yet when the key is
    created), and no other key admits it."""
    rec = recorded(stack)
    component = regions(rec)[region]
    statements = policy(kms_key(rec, component, "eks").inputs["policy"])["Statement"]
    scaling = [s for s in statements if s["Principal"] == {"AWS": "*"}]
    assert {s["Sid"] for s in scaling} == {"AutoScalingUsesKey", "AutoScalingAttachesVolumes"}
    for statement in scaling:
        assert statement["Effect"] == "Allow"
        assert statement["Condition"]["StringEquals"] == {"aws:PrincipalArn": AUTOSCALING_ROLE}
    use = next(s for s in scaling if s["Sid"] == "AutoScalingUsesKey")
    assert set(use["Action"]) == {"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                                  "kms:DescribeKey"}
    grant = next(s for s in scaling if s["Sid"] == "AutoScalingAttachesVolumes")
    assert grant["Action"] == "kms:CreateGrant"
    assert grant["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}
    for purpose in ("rds", "s3", "logs"):
        other = policy(kms_key(rec, component, purpose).inputs["policy"])["Statement"]
        assert AUTOSCALING_ROLE not in str(other), purpose
