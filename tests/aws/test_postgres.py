"""AwsPostgres: private, KMS-encrypted, IAM auth, RDS-managed master password, HA/backups per stack,
protection in prod, ingress from the platform only, TLS-only replication-ready parameters."""

from __future__ import annotations

import pulumi_aws as aws
import pytest

from scripts.offline import Recording, Registration

from .helpers import (
    ALL_REGIONS,
    EXPECT,
    NETWORK,
    POSTGRES,
    STACKS,
    assert_uses_key,
    depends_on,
    deps_of_type,
    of_type,
    one_of,
    platform_config,
    regions,
)


def postgres(rec: Recording, region: str) -> Registration:
    return one_of(rec, POSTGRES, regions(rec)[region])


def instance(rec: Recording, region: str) -> Registration:
    return one_of(rec, aws.rds.Instance, postgres(rec, region))


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_instance_is_private_with_iam_auth(recorded, stack, region):
    db = instance(recorded(stack), region)
    assert db.inputs["publiclyAccessible"] is False
    assert db.inputs["iamDatabaseAuthenticationEnabled"] is True
    assert db.inputs["engine"] == "postgres"
    assert db.inputs["engineVersion"] == platform_config(stack)["postgres"]["version"]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_storage_and_performance_insights_are_encrypted_with_the_rds_key(recorded, stack, region):
    rec = recorded(stack)
    db = instance(rec, region)
    assert db.inputs["storageEncrypted"] is True
    assert db.inputs["performanceInsightsEnabled"] is True
    for key_input in ("kmsKeyId", "performanceInsightsKmsKeyId", "masterUserSecretKmsKeyId"):
        assert_uses_key(rec, db, db.inputs[key_input], regions(rec)[region], "rds")


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_rds_manages_the_master_password(recorded, stack, region):
    db = instance(recorded(stack), region)
    assert db.inputs["manageMasterUserPassword"] is True
    assert not {"password", "passwordWo", "passwordWoVersion"} & set(db.inputs)


@pytest.mark.parametrize("stack", STACKS)
def test_no_password_input_anywhere(recorded, stack):
    rec = recorded(stack)
    aws_resources = [r for r in rec.resources if r.type.startswith("aws:")]
    passwords = [k for r in aws_resources for k in r.inputs if k.lower().startswith("password")]
    assert passwords == ["passwordPolicy"] * len(rec.of_type("aws:cognito/userPool:UserPool"))  # a policy, no secret


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_high_availability_and_backups_per_stack(recorded, stack, region):
    db = instance(recorded(stack), region)
    assert db.inputs["multiAz"] is EXPECT[stack].multi_az
    assert db.inputs["backupRetentionPeriod"] == EXPECT[stack].backup_retention_days


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_deletion_protection_and_final_snapshot_in_prod_skip_in_dev(recorded, stack, region):
    db = instance(recorded(stack), region)
    if stack == "prod":
        assert db.protect is True
        assert db.inputs["deletionProtection"] is True
        assert db.inputs["skipFinalSnapshot"] is False
        # unique per instance (a snapshot of the previous instance's name would block the delete; aws 14)
        rec = recorded(stack)
        (suffix,) = [r for r in rec.of_type("random:index/randomId:RandomId") if depends_on(db, r)]
        assert suffix.inputs["keepers"] == {"identifier": db.inputs["identifier"]}
        assert db.inputs["finalSnapshotIdentifier"] == f"{db.inputs['identifier']}-final-{suffix.outputs['hex']}"
    else:
        assert db.protect is False
        assert db.inputs["deletionProtection"] is False
        assert db.inputs["skipFinalSnapshot"] is True
        assert "finalSnapshotIdentifier" not in db.inputs
    assert db.inputs["allowMajorVersionUpgrade"] is True  # a version bump in config is a major upgrade (aws 14)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_security_group_admits_only_postgres_from_the_platform_cidrs(recorded, stack, region):
    rec = recorded(stack)
    group = one_of(rec, aws.ec2.SecurityGroup, postgres(rec, region))
    (rule,) = group.inputs["ingress"]
    assert (rule["protocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 5432, 5432)
    assert sorted(rule["cidrBlocks"]) == sorted(EXPECT[stack].platform_cidrs)
    assert not rule.get("ipv6CidrBlocks") and not rule.get("securityGroups") and not rule.get("self")
    assert all("0.0.0.0/0" not in r.get("cidrBlocks", []) for r in group.inputs["ingress"] + group.inputs["egress"])
    assert deps_of_type(rec, instance(rec, region), aws.ec2.SecurityGroup) == [group]
    # aws review 25: out to PostgreSQL of the platform only, so the instance can subscribe after a failover
    (out,) = group.inputs["egress"]
    assert (out["protocol"], out["fromPort"], out["toPort"]) == ("tcp", 5432, 5432)
    assert sorted(out["cidrBlocks"]) == sorted(EXPECT[stack].platform_cidrs)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_parameter_group_forces_tls_and_enables_logical_replication(recorded, stack, region):
    rec = recorded(stack)
    params = one_of(rec, aws.rds.ParameterGroup, postgres(rec, region))
    assert params.inputs["family"] == "postgres16"
    values = {p["name"]: p["value"] for p in params.inputs["parameters"]}
    assert values["rds.logical_replication"] == "1"
    assert values["rds.force_ssl"] == "1"
    assert deps_of_type(rec, instance(rec, region), aws.rds.ParameterGroup) == [params]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_subnet_group_uses_the_private_subnets_only(recorded, stack, region):
    rec = recorded(stack)
    group = one_of(rec, aws.rds.SubnetGroup, postgres(rec, region))
    net = one_of(rec, NETWORK, regions(rec)[region])
    private = {s.urn for s in of_type(rec, aws.ec2.Subnet, net) if "-private-" in s.name}
    assert len(private) == 3
    assert {s.urn for s in deps_of_type(rec, group, aws.ec2.Subnet)} == private
    assert len(group.inputs["subnetIds"]) == 3
    assert deps_of_type(rec, instance(rec, region), aws.rds.SubnetGroup) == [group]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_exported_logs_go_to_pre_created_encrypted_groups_with_configured_retention(recorded, stack, region):
    """aws review 13: RDS would create /aws/rds/instance/<id>/<log> itself (no key, kept forever); the component
    creates both groups first, under the region's logs key (whose policy admits CloudWatch Logs of the region)."""
    rec = recorded(stack)
    db = instance(rec, region)
    identifier = db.inputs["identifier"]
    groups = {g.inputs["name"]: g for g in of_type(rec, aws.cloudwatch.LogGroup, postgres(rec, region))}
    assert db.inputs["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    assert set(groups) == {f"/aws/rds/instance/{identifier}/{log}" for log in ("postgresql", "upgrade")}
    for group in groups.values():
        assert group.inputs["retentionInDays"] == EXPECT[stack].log_retention_days
        assert_uses_key(rec, group, group.inputs["kmsKeyId"], regions(rec)[region], "logs")
        assert depends_on(db, group), group.name
