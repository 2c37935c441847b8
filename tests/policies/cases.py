"""Tables of resource-policy cases: for every policy a violating, a compliant and a missing-property case, and
an override case where the policy has config. `violates` is whether any violation is expected; `expect` a
substring of one message."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from policies.rules import aws, azure, cloudflare, gcp

from .harness import DELETE, patch

KINDS = ("violating", "compliant", "missing", "override")


@dataclass(frozen=True)
class Case:
    policy: str
    kind: str
    type: str
    props: Mapping[str, Any]
    violates: bool
    config: Mapping[str, Any] = field(default_factory=dict)
    environment: str = "prod"
    expect: str = ""
    provider: Mapping[str, Any] | None = None
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.policy}:{self.kind}:{self.note or self.type.rsplit(':', 1)[-1]}"


def cases(policy: str, resource_type: str, base: Mapping[str, Any], *rows: tuple[Any, ...]) -> list[Case]:
    """Rows of (kind, changes to `base`, violates[, expect[, config[, environment[, note]]]])."""
    out = []
    for row in rows:
        kind, changes, violates, *rest = row
        expect, config, environment, note = (list(rest) + ["", {}, "prod", ""][len(rest) :])[:4]
        out.append(
            Case(policy, kind, resource_type, patch(base, changes), violates, config, environment, expect, note=note)
        )
    return out


TAGS = {"owner": "platform-team", "environment": "prod", "cost-center": "platform-prod"}

FLOW_LOG_SCOPE = {
    "StringEquals": {"aws:SourceAccount": "123456789012"},
    "ArnLike": {"aws:SourceArn": "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*"},
}


def autoscaler_policy(condition: Mapping[str, Any], resource: Any = "*", action: Any = None) -> str:
    write: dict[str, Any] = {
        "Sid": "ScaleOwnGroups",
        "Effect": "Allow",
        "Action": action or ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
        "Resource": resource,
    }
    if condition:
        write["Condition"] = condition
    describe = {"Effect": "Allow", "Action": ["autoscaling:DescribeAutoScalingGroups"], "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [describe, write]})


ASG_ARN = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/g"
WILDCARD_SCOPE = {"StringEquals": {"aws:ResourceTag/eks:cluster-name": "f*"}}
AUTOSCALER_SCOPE = {"StringEquals": {"aws:ResourceTag/eks:cluster-name": "flow-prod-aws-use1"}}


POD_TAGS = {
    "aws:SourceAccount": "123456789012",
    "aws:RequestTag/eks-cluster-arn": "arn:aws:eks:us-east-1:123456789012:cluster/c",
    "aws:RequestTag/kubernetes-namespace": "platform",
    "aws:RequestTag/kubernetes-service-account": "api",
}


def pod_identity_trust(equals: Mapping[str, Any]) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": "pods.eks.amazonaws.com"},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
    }
    if equals:
        statement["Condition"] = {"StringEquals": dict(equals)}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def flow_log_trust(condition: Mapping[str, Any], service: str = "vpc-flow-logs.amazonaws.com") -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


LT_NODE_GROUP = {
    "clusterName": "flow-prod-use1",
    "nodeRoleArn": "arn:aws:iam::123456789012:role/nodes",
    "subnetIds": ["subnet-1"],
    "scalingConfig": {"minSize": 1, "desiredSize": 2, "maxSize": 3},
    "launchTemplate": {"id": "lt-0abc", "version": "1"},
}
LAUNCH_TEMPLATE = {
    "namePrefix": "flow-prod-use1-general-",
    "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1},
    "blockDeviceMappings": [
        {
            "deviceName": "/dev/xvda",
            "ebs": {"volumeSize": 100, "volumeType": "gp3", "encrypted": "true", "kmsKeyId": "arn:aws:kms:k"},
        }
    ],
}

ISSUER = "oidc.prod-aks.azure.com/72f988bf/0d1e"
SUB = "system:serviceaccount:platform:api"


def web_identity_policy(condition: Mapping[str, Any]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{ISSUER}"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": condition,
                }
            ],
        }
    )


def google_policy(condition: Mapping[str, Any]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": "accounts.google.com"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": condition,
                }
            ],
        }
    )


WEB_IDENTITY_ROLE = {
    "name": "flow-prod-wif-azure-platform-api",
    "assumeRolePolicy": web_identity_policy(
        {"StringEquals": {f"{ISSUER}:sub": SUB, f"{ISSUER}:aud": "sts.amazonaws.com"}}
    ),
    "tags": TAGS,
}
SERVICE_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}

# --- AWS ---------------------------------------------------------------------------------------------------

S3_SSE = {
    "bucket": "b",
    "rules": [
        {
            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "arn:aws:kms:k"},
            "bucketKeyEnabled": True,
        }
    ],
}
S3_PAB = {
    "bucket": "b",
    "blockPublicAcls": True,
    "blockPublicPolicy": True,
    "ignorePublicAcls": True,
    "restrictPublicBuckets": True,
}
TLS_POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Sid": "DenyInsecureTransport", "Effect": "Deny", '
    '"Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], '
    '"Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}'
)
TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"
SNS_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "BudgetsPublish",
                "Effect": "Allow",
                "Principal": {"Service": "budgets.amazonaws.com"},
                "Action": "SNS:Publish",
                "Resource": TOPIC,
                "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "SNS:Publish",
                "Resource": TOPIC,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }
)
RDS = {
    "identifier": "db",
    "engine": "postgres",
    "engineVersion": "16",
    "publiclyAccessible": False,
    "storageEncrypted": True,
    "kmsKeyId": "arn:aws:kms:k",
    "backupRetentionPeriod": 7,
    "multiAz": True,
    "deletionProtection": True,
    "skipFinalSnapshot": False,
}
EKS = {
    "name": "c",
    "version": "1.35",
    "vpcConfig": {"subnetIds": ["s"], "endpointPrivateAccess": True, "endpointPublicAccess": False},
    "encryptionConfig": {"provider": {"keyArn": "arn:aws:kms:k"}, "resources": ["secrets"]},
    "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
}
SG = {
    "vpcId": "v",
    "ingress": [
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]},
        {"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": ["10.0.0.0/8"]},
    ],
}
VPN = {"customerGatewayId": "cgw", "type": "ipsec.1", "tunnel1IkeVersions": ["ikev2"], "tunnel2IkeVersions": ["ikev2"]}

AWS_CASES = [
    *cases(
        "aws-s3-encryption-customer-key",
        aws.S3_ENCRYPTION,
        S3_SSE,
        ("violating", {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]}, True, "AES256"),
        (
            "violating",
            {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]},
            True,
            "aws/s3",
            {},
            "prod",
            "aws-managed-key",
        ),
        ("compliant", {}, False),
        (
            "compliant",
            {
                "bucket": "flow-prod-access-logs-use1",
                "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
            },
            False,
            "",
            {},
            "prod",
            "access-log-bucket-sse-s3",
        ),
        (
            "violating",
            {
                "bucket": "flow-prod-data-use1",
                "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
            },
            True,
            "AES256",
            {},
            "prod",
            "data-bucket-sse-s3",
        ),
        (
            "override",
            {
                "bucket": "flow-prod-logs-use1",
                "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
            },
            False,
            "",
            {"accessLogBucketPattern": "-logs-"},
        ),
        ("missing", {"rules": DELETE}, True, "no default-encryption rule"),
    ),
    *cases(
        "aws-s3-public-access-block",
        aws.S3_PUBLIC_ACCESS_BLOCK,
        S3_PAB,
        ("violating", {"blockPublicPolicy": False}, True, "blockPublicPolicy"),
        ("compliant", {}, False),
        ("missing", {"restrictPublicBuckets": DELETE}, True, "restrictPublicBuckets"),
    ),
    *cases(
        "aws-s3-versioning",
        aws.S3_VERSIONING,
        {"bucket": "b", "versioningConfiguration": {"status": "Enabled"}},
        ("violating", {"versioningConfiguration.status": "Suspended"}, True, "Suspended"),
        ("compliant", {}, False),
        ("missing", {"versioningConfiguration": DELETE}, True, "None"),
    ),
    *cases(
        "aws-s3-tls-only",
        aws.S3_POLICY,
        {"bucket": "b", "policy": TLS_POLICY},
        ("violating", {"policy": TLS_POLICY.replace('"Deny"', '"Allow"')}, True, "SecureTransport"),
        ("violating", {"policy": "{not json"}, True, "not a JSON", {}, "prod", "invalid-json"),
        ("compliant", {}, False),
        ("missing", {"policy": DELETE}, True, "absent"),
    ),
    *cases(
        "aws-sns-publish-guarded",
        aws.SNS_TOPIC_POLICY,
        {"arn": TOPIC, "policy": SNS_POLICY},
        ("compliant", {}, False),
        ("violating", {"policy": SNS_POLICY.replace('"Deny"', '"Allow"')}, True, "SecureTransport"),
        (
            "violating",
            {"policy": SNS_POLICY.replace("aws:SourceAccount", "aws:PrincipalTag/x")},
            True,
            "budgets",
            {},
            "prod",
            "unscoped-service",
        ),
        ("missing", {"policy": DELETE}, True, "absent"),
    ),
    *cases(
        "aws-s3-no-public-acl",
        aws.S3_ACL,
        {"bucket": "b", "acl": "private"},
        ("violating", {"acl": "public-read"}, True, "public-read"),
        (
            "violating",
            {
                "acl": DELETE,
                "accessControlPolicy": {
                    "grants": [
                        {
                            "grantee": {"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"},
                            "permission": "READ",
                        }
                    ]
                },
            },
            True,
            "AllUsers",
            {},
            "prod",
            "grant",
        ),
        ("compliant", {}, False),
        ("missing", {"acl": DELETE}, False),
    ),
    *cases(
        "aws-s3-acls-disabled",
        aws.S3_OWNERSHIP,
        {"bucket": "b", "rule": {"objectOwnership": "BucketOwnerEnforced"}},
        ("violating", {"rule.objectOwnership": "ObjectWriter"}, True, "ObjectWriter"),
        ("compliant", {}, False),
        ("missing", {"rule": DELETE}, True),
    ),
    *cases(
        "aws-rds-not-public",
        aws.RDS_INSTANCE,
        RDS,
        ("violating", {"publiclyAccessible": True}, True, "publiclyAccessible"),
        ("compliant", {}, False),
        ("missing", {"publiclyAccessible": DELETE}, False),
    ),
    *cases(
        "aws-rds-encryption-customer-key",
        aws.RDS_INSTANCE,
        RDS,
        ("violating", {"storageEncrypted": False}, True, "storageEncrypted"),
        ("violating", {"kmsKeyId": DELETE}, True, "aws/rds", {}, "prod", "aws-managed-key"),
        ("compliant", {}, False),
        ("missing", {"storageEncrypted": DELETE, "kmsKeyId": DELETE}, True, "unencrypted by default"),
    ),
    *cases(
        "aws-rds-backup-retention",
        aws.RDS_INSTANCE,
        RDS,
        ("violating", {"backupRetentionPeriod": 0}, True, "0 day(s)"),
        ("compliant", {}, False),
        ("missing", {"backupRetentionPeriod": DELETE}, True, "defaults to 1 day"),
        ("override", {"backupRetentionPeriod": 3}, False, "", {"minRetentionDays": 3}),
        ("override", {"backupRetentionPeriod": 7}, True, ">= 14", {"minRetentionDays": 14}, "prod", "stricter"),
    ),
    *cases(
        "aws-rds-multi-az",
        aws.RDS_INSTANCE,
        RDS,
        ("violating", {"multiAz": False}, True, "multiAz"),
        ("compliant", {}, False),
        ("missing", {"multiAz": DELETE}, True),
        ("override", {"multiAz": False}, False, "", {}, "dev"),
    ),
    *cases(
        "aws-cognito-ses-email",
        aws.USER_POOL,
        {
            "name": "p",
            "emailConfiguration": {
                "emailSendingAccount": "DEVELOPER",
                "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/example.net",
                "fromEmailAddress": "no-reply@example.net",
            },
        },
        ("violating", {"emailConfiguration.emailSendingAccount": "COGNITO_DEFAULT"}, True, "daily cap"),
        (
            "violating",
            {"emailConfiguration.sourceArn": DELETE},
            True,
            "sourceArn is not set",
            {},
            "prod",
            "no-identity",
        ),
        ("compliant", {}, False),
        ("missing", {"emailConfiguration": DELETE}, True, "COGNITO_DEFAULT"),
        ("override", {"emailConfiguration": DELETE}, False, "", {}, "dev"),
    ),
    *cases(
        "aws-rds-deletion-protection",
        aws.RDS_INSTANCE,
        RDS,
        ("violating", {"deletionProtection": False}, True, "deletionProtection"),
        ("violating", {"skipFinalSnapshot": True}, True, "final snapshot", {}, "prod", "skip-final-snapshot"),
        ("compliant", {}, False),
        ("missing", {"deletionProtection": DELETE}, True),
        ("override", {"deletionProtection": False, "skipFinalSnapshot": True}, False, "", {}, "dev"),
    ),
    *cases(
        "aws-eks-private-endpoint",
        aws.EKS_CLUSTER,
        EKS,
        (
            "violating",
            {"vpcConfig.endpointPublicAccess": True, "vpcConfig.publicAccessCidrs": ["203.0.113.0/24"]},
            True,
            "private",
        ),
        (
            "violating",
            {"vpcConfig.endpointPublicAccess": True, "vpcConfig.publicAccessCidrs": ["0.0.0.0/0"]},
            True,
            "0.0.0.0/0",
            {},
            "dev",
            "dev-open",
        ),
        ("compliant", {}, False),
        (
            "compliant",
            {"vpcConfig.endpointPublicAccess": True, "vpcConfig.publicAccessCidrs": ["203.0.113.0/24"]},
            False,
            "",
            {},
            "dev",
            "dev-allow-listed",
        ),
        (
            "missing",
            {"vpcConfig.endpointPublicAccess": DELETE, "vpcConfig.endpointPrivateAccess": DELETE},
            True,
            "public by default",
        ),
        (
            "missing",
            {"vpcConfig.endpointPublicAccess": DELETE},
            True,
            "defaults to 0.0.0.0/0",
            {},
            "dev",
            "dev-no-cidrs",
        ),
    ),
    *cases(
        "aws-eks-secrets-encryption",
        aws.EKS_CLUSTER,
        EKS,
        ("violating", {"encryptionConfig.resources": []}, True, "secrets"),
        ("compliant", {}, False),
        ("missing", {"encryptionConfig": DELETE}, True),
    ),
    *cases(
        "aws-eks-audit-logs",
        aws.EKS_CLUSTER,
        EKS,
        ("violating", {"enabledClusterLogTypes": ["api"]}, True, "audit, authenticator"),
        ("compliant", {}, False),
        ("missing", {"enabledClusterLogTypes": DELETE}, True),
        ("override", {"enabledClusterLogTypes": ["api", "audit"]}, False, "", {"requiredLogTypes": ["api", "audit"]}),
    ),
    *cases(
        "aws-kms-key-rotation",
        aws.KMS_KEY,
        {"enableKeyRotation": True, "rotationPeriodInDays": 365},
        ("violating", {"enableKeyRotation": False}, True, "enableKeyRotation"),
        ("compliant", {}, False),
        (
            "compliant",
            {"enableKeyRotation": DELETE, "customerMasterKeySpec": "RSA_2048"},
            False,
            "",
            {},
            "prod",
            "asymmetric",
        ),
        ("missing", {"enableKeyRotation": DELETE}, True),
        ("override", {}, True, "<= 180", {"maxRotationDays": 180}),
    ),
    *cases(
        "aws-log-group-encryption",
        aws.LOG_GROUP,
        {"name": "/x", "kmsKeyId": "arn:aws:kms:k", "retentionInDays": 30},
        ("violating", {"kmsKeyId": ""}, True, "kmsKeyId"),
        ("compliant", {}, False),
        ("missing", {"kmsKeyId": DELETE}, True),
    ),
    *cases(
        "aws-secret-customer-key",
        aws.SECRET,
        {"name": "s", "kmsKeyId": "arn:aws:kms:k"},
        ("violating", {"kmsKeyId": ""}, True, "aws/secretsmanager"),
        (
            "violating",
            {"replicas": [{"region": "us-west-2", "kmsKeyId": "arn:aws:kms:w"}, {"region": "eu-west-1"}]},
            True,
            "replicas[1] (eu-west-1) has no kmsKeyId",
            {},
            "prod",
            "replica",
        ),
        (
            "compliant",
            {"replicas": [{"region": "us-west-2", "kmsKeyId": "arn:aws:kms:w"}]},
            False,
            "",
            {},
            "prod",
            "replica",
        ),
        ("compliant", {}, False),
        ("missing", {"kmsKeyId": DELETE}, True),
    ),
    *cases(
        "aws-no-public-ingress",
        aws.SECURITY_GROUP,
        SG,
        (
            "violating",
            {"ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}]},
            True,
            "ports 22",
        ),
        (
            "violating",
            {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": ["::/0"]}]},
            True,
            "every protocol",
            {},
            "prod",
            "all-ipv6",
        ),
        (
            "violating",
            {"ingress": [{"protocol": "tcp", "fromPort": 80, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}]},
            True,
            "80-443",
            {},
            "prod",
            "range",
        ),
        ("compliant", {}, False),
        ("missing", {"ingress": DELETE}, False),
        (
            "override",
            {"ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}]},
            False,
            "",
            {"allowedPublicPorts": [22, 443]},
        ),
    ),
    *cases(
        "aws-no-public-ingress",
        aws.SECURITY_GROUP_RULE,
        {
            "type": "ingress",
            "protocol": "tcp",
            "fromPort": 5432,
            "toPort": 5432,
            "cidrBlocks": ["10.0.0.0/8"],
            "securityGroupId": "sg",
        },
        ("violating", {"cidrBlocks": ["0.0.0.0/0"]}, True, "5432"),
        ("compliant", {"type": "egress", "cidrBlocks": ["0.0.0.0/0"]}, False, "", {}, "prod", "egress"),
        ("missing", {"cidrBlocks": DELETE}, False),
    ),
    *cases(
        "aws-no-public-ingress",
        aws.SECURITY_GROUP_INGRESS,
        {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "0.0.0.0/0", "securityGroupId": "sg"},
        ("violating", {"ipProtocol": "-1", "fromPort": DELETE, "toPort": DELETE}, True, "every protocol"),
        ("compliant", {}, False),
        ("missing", {"cidrIpv4": DELETE}, False),
    ),
    *cases(
        "aws-subnet-no-public-ip",
        aws.SUBNET,
        {"vpcId": "v", "cidrBlock": "10.0.0.0/24", "mapPublicIpOnLaunch": False},
        ("violating", {"mapPublicIpOnLaunch": True}, True, "public IP"),
        ("compliant", {}, False),
        ("missing", {"mapPublicIpOnLaunch": DELETE}, False),
    ),
    *cases(
        "aws-iam-web-identity-pinned",
        aws.IAM_ROLE,
        WEB_IDENTITY_ROLE,
        (
            "violating",
            {"assumeRolePolicy": web_identity_policy({"StringLike": {f"{ISSUER}:sub": "system:*"}})},
            True,
            "does not pin the token's sub",
        ),
        (
            "violating",
            {"assumeRolePolicy": web_identity_policy({"StringEquals": {f"{ISSUER}:sub": SUB}})},
            True,
            "does not pin the token's aud",
            {},
            "prod",
            "no-audience",
        ),
        ("compliant", {}, False),
        ("compliant", {"assumeRolePolicy": json.dumps(SERVICE_TRUST)}, False, "", {}, "prod", "service-role"),
        # A Google service account (Storage Transfer's agent) is pinned by its unique numeric sub alone ...
        (
            "compliant",
            {"assumeRolePolicy": google_policy({"StringEquals": {"accounts.google.com:sub": "1083475"}})},
            False,
            "",
            {},
            "prod",
            "google-sub",
        ),
        # ... but must still be pinned.
        (
            "violating",
            {"assumeRolePolicy": google_policy({"StringLike": {"accounts.google.com:sub": "*"}})},
            True,
            "does not pin the token's sub",
            {},
            "prod",
            "google-any",
        ),
        ("missing", {"assumeRolePolicy": DELETE}, False),
    ),
    *cases(
        "aws-vpn-ikev2",
        aws.VPN_CONNECTION,
        VPN,
        ("violating", {"tunnel2IkeVersions": ["ikev1", "ikev2"]}, True, "tunnel2IkeVersions"),
        ("compliant", {}, False),
        ("missing", {"tunnel1IkeVersions": DELETE}, True, "ikev1 and ikev2"),
    ),
    *cases(
        "aws-vpn-dh-groups",
        aws.VPN_CONNECTION,
        {**VPN, **{f"tunnel{t}Phase{p}DhGroupNumbers": [14] for t in (1, 2) for p in (1, 2)}},
        ("violating", {"tunnel2Phase1DhGroupNumbers": [2, 14]}, True, "weak group(s) 2"),
        (
            "violating",
            {"tunnel1Phase2DhGroupNumbers": [14, 24]},
            True,
            "tunnel1Phase2DhGroupNumbers",
            {},
            "prod",
            "g24",
        ),
        ("compliant", {}, False),
        ("compliant", {"tunnel1Phase1DhGroupNumbers": [19, 20, 21]}, False, "", {}, "prod", "ecp"),
        ("missing", {"tunnel2Phase2DhGroupNumbers": DELETE}, True, "groups 2 and 5"),
    ),
    *cases(
        "aws-kms-deletion-window",
        aws.KMS_KEY,
        {"enableKeyRotation": True, "deletionWindowInDays": 30},
        ("violating", {"deletionWindowInDays": 7}, True, "required: >= 30"),
        ("compliant", {}, False),
        ("missing", {"deletionWindowInDays": DELETE}, False),
        ("override", {"deletionWindowInDays": 7}, False, "", {"minDeletionWindowDays": 7}),
    ),
    *cases(
        "aws-secret-recovery-window",
        aws.SECRET,
        {"name": "s", "kmsKeyId": "arn:aws:kms:k", "recoveryWindowInDays": 30},
        ("violating", {"recoveryWindowInDays": 0}, True, "no recovery"),
        ("violating", {"recoveryWindowInDays": 0}, True, "no recovery", {"minRecoveryWindowDays": 7}, "dev", "zero"),
        ("compliant", {}, False),
        ("missing", {"recoveryWindowInDays": DELETE}, False),
        ("override", {"recoveryWindowInDays": 7}, False, "", {"minRecoveryWindowDays": 7}),
    ),
    *cases(
        "aws-iam-pod-identity-pinned",
        aws.IAM_ROLE,
        {"assumeRolePolicy": pod_identity_trust(POD_TAGS)},
        (
            "violating",
            {"assumeRolePolicy": pod_identity_trust({**POD_TAGS, "aws:RequestTag/kubernetes-service-account": "*"})},
            True,
            "aws:RequestTag/kubernetes-service-account",
        ),
        ("compliant", {}, False),
        ("missing", {"assumeRolePolicy": pod_identity_trust({})}, True, "any association in the account"),
    ),
    *cases(
        "aws-iam-service-trust-scoped",
        aws.IAM_ROLE,
        {"assumeRolePolicy": flow_log_trust(FLOW_LOG_SCOPE)},
        ("violating", {"assumeRolePolicy": flow_log_trust({})}, True, "aws:SourceAccount and aws:SourceArn"),
        (
            "violating",
            {"assumeRolePolicy": flow_log_trust({"StringEquals": {"aws:SourceAccount": "123456789012"}})},
            True,
            "without aws:SourceArn",
            {},
            "prod",
            "no-source-arn",
        ),
        ("compliant", {}, False),
        (
            "compliant",
            {"assumeRolePolicy": flow_log_trust({}, "eks.amazonaws.com")},
            False,
            "",
            {},
            "prod",
            "other-service",
        ),
        ("missing", {"assumeRolePolicy": DELETE}, False),
        (
            "override",
            {"assumeRolePolicy": flow_log_trust({}, "eks.amazonaws.com")},
            True,
            "eks.amazonaws.com",
            {"services": ["eks.amazonaws.com"]},
        ),
    ),
    *cases(
        "aws-iam-autoscaling-writes-scoped",
        aws.IAM_ROLE_POLICY,
        {"role": "r", "policy": autoscaler_policy(AUTOSCALER_SCOPE)},
        ("violating", {"policy": autoscaler_policy({})}, True, "on every Auto Scaling group"),
        (
            "violating",
            {"policy": autoscaler_policy({"StringLike": {"aws:ResourceTag/eks:cluster-name": "*"}}, ["*"])},
            True,
            "autoscaling:setdesiredcapacity",
            {},
            "prod",
            "string-like",
        ),
        (
            "violating",
            {"policy": autoscaler_policy(WILDCARD_SCOPE, action="autoscaling:*")},
            True,
            "autoscaling:*",
            {},
            "prod",
            "wildcard",
        ),
        ("compliant", {}, False),
        (
            "compliant",
            {"policy": autoscaler_policy({}, [ASG_ARN])},
            False,
            "",
            {},
            "prod",
            "by-arn",
        ),
        ("missing", {"policy": DELETE}, False),
    ),
    *cases(
        "aws-eks-node-group-launch-template",
        aws.EKS_NODE_GROUP,
        LT_NODE_GROUP,
        ("violating", {"launchTemplate": DELETE}, True, "no launchTemplate"),
        ("violating", {"launchTemplate": {"id": "lt-0abc"}}, True, "version is not set", {}, "prod", "no-version"),
        ("compliant", {}, False),
        ("compliant", {"launchTemplate": {"name": "t", "version": "3"}}, False, "", {}, "prod", "by-name"),
        ("missing", {"launchTemplate": {}}, True, "no launchTemplate"),
    ),
    *cases(
        "aws-launch-template-imdsv2",
        aws.LAUNCH_TEMPLATE,
        LAUNCH_TEMPLATE,
        ("violating", {"metadataOptions": {"httpTokens": "optional", "httpPutResponseHopLimit": 1}}, True, "IMDSv1"),
        (
            "violating",
            {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 2}},
            True,
            "containers reach",
            {},
            "prod",
            "hop-limit",
        ),
        ("compliant", {}, False),
        ("compliant", {"metadataOptions": {"httpEndpoint": "disabled"}}, False, "", {}, "prod", "no-imds"),
        ("missing", {"metadataOptions": DELETE}, True, "not 'required'"),
        (
            "override",
            {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 2}},
            False,
            "",
            {"maxHopLimit": 2},
        ),
    ),
    *cases(
        "aws-launch-template-encrypted-volumes",
        aws.LAUNCH_TEMPLATE,
        LAUNCH_TEMPLATE,
        (
            "violating",
            {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false", "volumeSize": 100}}]},
            True,
            "is not encrypted",
        ),
        (
            "violating",
            {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}]},
            True,
            "aws/ebs key",
            {},
            "prod",
            "aws-managed-key",
        ),
        ("compliant", {}, False),
        ("missing", {"blockDeviceMappings": DELETE}, True, "account's EBS default"),
    ),
]

# --- Azure -------------------------------------------------------------------------------------------------

STORAGE = {
    "accountName": "flowprodeus",
    "resourceGroupName": "rg",
    "kind": "StorageV2",
    "sku": {"name": "Standard_GRS"},
    "enableHttpsTrafficOnly": True,
    "minimumTlsVersion": "TLS1_2",
    "allowBlobPublicAccess": False,
    "encryption": {
        "keySource": "Microsoft.Keyvault",
        "keyVaultProperties": {"keyName": "storage", "keyVaultUri": "https://v.vault.azure.net/"},
    },
    "tags": TAGS,
}
BLOB_SERVICE = {
    "accountName": "a",
    "resourceGroupName": "rg",
    "blobServicesName": "default",
    "isVersioningEnabled": True,
    "deleteRetentionPolicy": {"enabled": True, "days": 14},
    "containerDeleteRetentionPolicy": {"enabled": True, "days": 14},
}
PG = {
    "serverName": "pg",
    "resourceGroupName": "rg",
    "version": "16",
    "network": {"delegatedSubnetResourceId": "/subscriptions/x/subnets/postgres", "publicNetworkAccess": "Disabled"},
    "dataEncryption": {"type": "AzureKeyVault", "primaryKeyURI": "https://v.vault.azure.net/keys/pg"},
    "backup": {"backupRetentionDays": 7, "geoRedundantBackup": "Enabled"},
    "highAvailability": {"mode": "ZoneRedundant"},
}
AKS = {
    "resourceName": "aks",
    "resourceGroupName": "rg",
    "kubernetesVersion": "1.35",
    "enableRBAC": True,
    "disableLocalAccounts": True,
    "aadProfile": {"managed": True, "enableAzureRBAC": True},
    "apiServerAccessProfile": {"enablePrivateCluster": True},
    "oidcIssuerProfile": {"enabled": True},
    "securityProfile": {
        "workloadIdentity": {"enabled": True},
        "azureKeyVaultKms": {"enabled": True, "keyId": "https://v.vault.azure.net/keys/aks/1"},
    },
    "agentPoolProfiles": [
        {
            "name": "system",
            "mode": "System",
            "count": 3,
            "enableAutoScaling": True,
            "minCount": 2,
            "maxCount": 10,
            "vmSize": "Standard_D4s_v3",
        }
    ],
}
VAULT = {
    "vaultName": "v",
    "resourceGroupName": "rg",
    "properties": {
        "tenantId": "t",
        "sku": {"family": "A", "name": "standard"},
        "enablePurgeProtection": True,
        "enableSoftDelete": True,
        "softDeleteRetentionInDays": 90,
    },
}

AZURE_CASES = [
    *cases(
        "azure-storage-tls-only",
        azure.STORAGE_ACCOUNT,
        STORAGE,
        ("violating", {"minimumTlsVersion": "TLS1_0"}, True, "TLS1_0"),
        ("violating", {"enableHttpsTrafficOnly": False}, True, "plain HTTP", {}, "prod", "http"),
        ("compliant", {}, False),
        ("missing", {"minimumTlsVersion": DELETE}, True, "interpreted as TLS1_0"),
    ),
    *cases(
        "azure-storage-no-public-access",
        azure.STORAGE_ACCOUNT,
        STORAGE,
        ("violating", {"allowBlobPublicAccess": True}, True, "anonymously"),
        ("compliant", {}, False),
        ("missing", {"allowBlobPublicAccess": DELETE}, True),
    ),
    *cases(
        "azure-blob-container-private",
        azure.BLOB_CONTAINER,
        {"accountName": "a", "containerName": "c", "publicAccess": "None"},
        ("violating", {"publicAccess": "Container"}, True, "Container"),
        ("compliant", {}, False),
        ("missing", {"publicAccess": DELETE}, False),
    ),
    *cases(
        "azure-storage-customer-key",
        azure.STORAGE_ACCOUNT,
        STORAGE,
        ("violating", {"encryption.keySource": "Microsoft.Storage"}, True, "Microsoft-managed"),
        ("violating", {"encryption.keyVaultProperties": DELETE}, True, "keyName", {}, "prod", "no-key"),
        ("compliant", {}, False),
        ("missing", {"encryption": DELETE}, True, "Microsoft.Storage"),
    ),
    *cases(
        "azure-blob-data-protection",
        azure.BLOB_SERVICE,
        BLOB_SERVICE,
        ("violating", {"deleteRetentionPolicy.enabled": False}, True, "deleteRetentionPolicy.enabled"),
        ("compliant", {}, False),
        (
            "missing",
            {"isVersioningEnabled": DELETE, "containerDeleteRetentionPolicy": DELETE},
            True,
            "isVersioningEnabled",
        ),
        ("override", {}, True, ">= 30", {"minRetentionDays": 30}),
    ),
    *cases(
        "azure-storage-geo-redundant",
        azure.STORAGE_ACCOUNT,
        STORAGE,
        ("violating", {"sku.name": "Standard_LRS"}, True, "Standard_LRS"),
        ("compliant", {}, False),
        ("compliant", {"sku.name": "Standard_RAGZRS"}, False, "", {}, "prod", "ragzrs"),
        ("missing", {"sku": DELETE}, True),
        ("override", {"sku.name": "Standard_LRS"}, False, "", {}, "dev"),
        # azure R11: zone-redundant primary copies where configured (prod)
        ("override", {"sku.name": "Standard_GRS"}, True, "one zone", {"zoneRedundant": True}, "prod", "grs-one-zone"),
        ("override", {"sku.name": "Standard_GZRS"}, False, "", {"zoneRedundant": True}, "prod", "gzrs"),
    ),
    *cases(
        "azure-keyvault-secret-expiry",
        azure.KEY_VAULT_SECRET,
        {
            "secretName": "pg-admin-password",
            "vaultName": "flow-prod-eus",
            "properties": {"value": "x", "attributes": {"expires": 1827619200}},
        },
        ("violating", {"properties.attributes": DELETE}, True, "never expires"),
        ("compliant", {}, False),
        ("violating", {"properties.attributes.expires": 0}, True, "never expires", {}, "prod", "zero"),
        ("missing", {"properties": DELETE}, True),
    ),
    *cases(
        "azure-log-analytics-daily-cap",
        azure.LOG_WORKSPACE,
        {"workspaceName": "flow-prod-eus-logs", "sku": {"name": "PerGB2018"}, "workspaceCapping": {"dailyQuotaGb": 20}},
        ("violating", {"workspaceCapping": DELETE}, True, "no daily limit"),
        ("compliant", {}, False),
        ("violating", {"workspaceCapping.dailyQuotaGb": -1}, True, "no daily limit", {}, "prod", "unlimited"),
        ("missing", {"workspaceCapping": DELETE}, True),
        ("override", {}, True, "<= 10", {"maxDailyQuotaGb": 10}),
    ),
    *cases(
        "azure-postgres-private",
        azure.POSTGRES_SERVER,
        PG,
        ("violating", {"network": {"publicNetworkAccess": "Enabled"}}, True, "publicNetworkAccess"),
        ("compliant", {}, False),
        ("compliant", {"network": {"publicNetworkAccess": "Disabled"}}, False, "", {}, "prod", "private-endpoint"),
        ("missing", {"network": DELETE}, True),
    ),
    *cases(
        "azure-postgres-customer-key",
        azure.POSTGRES_SERVER,
        PG,
        ("violating", {"dataEncryption.type": "SystemManaged"}, True, "SystemManaged"),
        ("compliant", {}, False),
        ("missing", {"dataEncryption": DELETE}, True, "unset"),
    ),
    *cases(
        "azure-postgres-backup-retention",
        azure.POSTGRES_SERVER,
        PG,
        ("violating", {"backup.backupRetentionDays": 3}, True, "is 3"),
        ("compliant", {}, False),
        ("missing", {"backup": DELETE}, False),
        ("override", {"backup.backupRetentionDays": 3}, False, "", {"minRetentionDays": 1}),
    ),
    *cases(
        "azure-postgres-high-availability",
        azure.POSTGRES_SERVER,
        PG,
        ("violating", {"highAvailability.mode": "Disabled"}, True, "Disabled"),
        ("compliant", {}, False),
        ("missing", {"highAvailability": DELETE}, True),
        ("override", {"highAvailability": DELETE}, False, "", {}, "dev"),
    ),
    *cases(
        "azure-postgres-tls",
        azure.POSTGRES_CONFIGURATION,
        {
            "serverName": "pg",
            "resourceGroupName": "rg",
            "configurationName": "require_secure_transport",
            "value": "on",
            "source": "user-override",
        },
        ("violating", {"value": "OFF"}, True, "require_secure_transport"),
        (
            "violating",
            {"configurationName": "ssl_min_protocol_version", "value": "TLSv1.1"},
            True,
            "TLS",
            {},
            "prod",
            "tls-version",
        ),
        ("compliant", {}, False),
        ("compliant", {"configurationName": "wal_level", "value": "logical"}, False, "", {}, "prod", "other"),
        ("missing", {"value": DELETE}, False),
    ),
    *cases(
        "azure-aks-private-api",
        azure.AKS_CLUSTER,
        AKS,
        (
            "violating",
            {"apiServerAccessProfile": {"enablePrivateCluster": False, "authorizedIPRanges": ["203.0.113.0/24"]}},
            True,
            "private",
        ),
        (
            "violating",
            {"apiServerAccessProfile": {"authorizedIPRanges": ["0.0.0.0/0"]}},
            True,
            "0.0.0.0/0",
            {},
            "dev",
            "dev-open",
        ),
        ("compliant", {}, False),
        (
            "compliant",
            {"apiServerAccessProfile": {"authorizedIPRanges": ["203.0.113.0/24"]}},
            False,
            "",
            {},
            "dev",
            "dev-allow-listed",
        ),
        ("missing", {"apiServerAccessProfile": DELETE}, True),
    ),
    *cases(
        "azure-aks-workload-identity",
        azure.AKS_CLUSTER,
        AKS,
        ("violating", {"securityProfile.workloadIdentity.enabled": False}, True, "workloadIdentity"),
        ("compliant", {}, False),
        ("missing", {"oidcIssuerProfile": DELETE}, True, "oidcIssuerProfile"),
    ),
    *cases(
        "azure-aks-entra-rbac",
        azure.AKS_CLUSTER,
        AKS,
        ("violating", {"disableLocalAccounts": False}, True, "disableLocalAccounts"),
        ("violating", {"aadProfile.enableAzureRBAC": False}, True, "enableAzureRBAC", {}, "prod", "no-azure-rbac"),
        ("compliant", {}, False),
        ("missing", {"aadProfile": DELETE}, True),
    ),
    *cases(
        "azure-aks-secrets-encryption",
        azure.AKS_CLUSTER,
        AKS,
        ("violating", {"securityProfile.azureKeyVaultKms.enabled": False}, True, "azureKeyVaultKms"),
        ("compliant", {}, False),
        ("missing", {"securityProfile.azureKeyVaultKms": DELETE}, True),
    ),
    *cases(
        "azure-keyvault-purge-protection",
        azure.KEY_VAULT,
        VAULT,
        ("violating", {"properties.enablePurgeProtection": False}, True, "purged"),
        ("compliant", {}, False),
        ("missing", {"properties.enablePurgeProtection": DELETE}, True),
        ("override", {"properties.softDeleteRetentionInDays": 30}, True, ">= 60", {"minSoftDeleteDays": 60}),
    ),
    *cases(
        "azure-vpn-ikev2",
        azure.VPN_CONNECTION,
        {
            "connectionType": "IPsec",
            "connectionProtocol": "IKEv2",
            "resourceGroupName": "rg",
            "virtualNetworkGateway1": {"id": "g"},
            "ipsecPolicies": [
                {
                    "ikeEncryption": "AES256",
                    "ipsecEncryption": "GCMAES256",
                    "ikeIntegrity": "SHA384",
                    "ipsecIntegrity": "GCMAES256",
                    "dhGroup": "DHGroup24",
                    "pfsGroup": "PFS24",
                    "saDataSizeKilobytes": 102400000,
                    "saLifeTimeSeconds": 27000,
                }
            ],
        },
        ("violating", {"connectionProtocol": "IKEv1"}, True, "IKEv1"),
        (
            "violating",
            {"ipsecPolicies": [{"ikeEncryption": "DES3", "ipsecEncryption": "AES256"}]},
            True,
            "DES3",
            {},
            "prod",
            "des",
        ),
        ("compliant", {}, False),
        ("missing", {"connectionProtocol": DELETE, "ipsecPolicies": DELETE}, False),
    ),
    *cases(
        "azure-vpn-dh-groups",
        azure.VPN_CONNECTION,
        {
            "connectionType": "IPsec",
            "resourceGroupName": "rg",
            "virtualNetworkGateway1": {"id": "g"},
            "ipsecPolicies": [{"ikeEncryption": "AES256", "dhGroup": "DHGroup14", "pfsGroup": "PFS2048"}],
        },
        ("violating", {"ipsecPolicies": [{"dhGroup": "DHGroup2", "pfsGroup": "PFS2048"}]}, True, "DHGroup2"),
        (
            "violating",
            {"ipsecPolicies": [{"dhGroup": "ECP384", "pfsGroup": "PFS24"}]},
            True,
            "pfsGroup",
            {},
            "prod",
            "pfs",
        ),
        ("compliant", {}, False),
        ("missing", {"ipsecPolicies": DELETE}, True, "DH group 2"),
    ),
]

# --- GCP ---------------------------------------------------------------------------------------------------

BUCKET = {
    "name": "b",
    "location": "US",
    "publicAccessPrevention": "enforced",
    "uniformBucketLevelAccess": True,
    "encryption": {"defaultKmsKeyName": "projects/p/locations/us/keyRings/r/cryptoKeys/gcs"},
    "versioning": {"enabled": True},
    "labels": TAGS,
}
SQL = {
    "name": "pg",
    "databaseVersion": "POSTGRES_16",
    "encryptionKeyName": "projects/p/cryptoKeys/sql",
    "deletionProtection": True,
    "settings": {
        "tier": "db-custom-4-16384",
        "availabilityType": "REGIONAL",
        "deletionProtectionEnabled": True,
        "ipConfiguration": {
            "ipv4Enabled": False,
            "privateNetwork": "projects/p/global/networks/n",
            "sslMode": "ENCRYPTED_ONLY",
        },
        "backupConfiguration": {
            "enabled": True,
            "pointInTimeRecoveryEnabled": True,
            "backupRetentionSettings": {"retainedBackups": 7},
        },
        "userLabels": TAGS,
    },
}
CIS_FLAGS = [
    {"name": "log_error_verbosity", "value": "default"},
    {"name": "log_connections", "value": "on"},
    {"name": "log_disconnections", "value": "on"},
    {"name": "log_statement", "value": "ddl"},
    {"name": "log_min_messages", "value": "warning"},
    {"name": "log_min_error_statement", "value": "error"},
    {"name": "log_min_duration_statement", "value": "-1"},
    {"name": "cloudsql.enable_pgaudit", "value": "on"},
    {"name": "pgaudit.log", "value": "ddl,role"},
]
GKE = {
    "name": "c",
    "location": "us-central1",
    "minMasterVersion": "1.35",
    "privateClusterConfig": {"enablePrivateNodes": True, "enablePrivateEndpoint": True},
    "workloadIdentityConfig": {"workloadPool": "p.svc.id.goog"},
    "databaseEncryption": {"state": "ENCRYPTED", "keyName": "projects/p/cryptoKeys/gke"},
    "loggingConfig": {"enableComponents": ["SYSTEM_COMPONENTS", "APISERVER", "WORKLOADS"]},
}
NODE_SA = "flow-prod-usc1-nodes@flow-prod-platform.iam.gserviceaccount.com"
FIREWALL = {
    "network": "n",
    "direction": "INGRESS",
    "sourceRanges": ["0.0.0.0/0"],
    "allows": [{"protocol": "tcp", "ports": ["443"]}],
}

GCP_CASES = [
    *cases(
        "gcp-bucket-no-public-access",
        gcp.BUCKET,
        BUCKET,
        ("violating", {"publicAccessPrevention": "inherited"}, True, "inherited"),
        ("violating", {"uniformBucketLevelAccess": False}, True, "uniformBucketLevelAccess", {}, "prod", "acls"),
        ("compliant", {}, False),
        ("missing", {"publicAccessPrevention": DELETE}, True, "unset"),
    ),
    *cases(
        "gcp-bucket-customer-key",
        gcp.BUCKET,
        BUCKET,
        ("violating", {"encryption.defaultKmsKeyName": ""}, True, "Google-managed"),
        ("compliant", {}, False),
        ("missing", {"encryption": DELETE}, True),
    ),
    *cases(
        "gcp-bucket-versioning",
        gcp.BUCKET,
        BUCKET,
        ("violating", {"versioning.enabled": False}, True, "versioning"),
        ("compliant", {}, False),
        # GCS refuses versioning beside a retention policy, which keeps the objects instead.
        (
            "compliant",
            {"versioning.enabled": False, "retentionPolicy": {"retentionPeriod": "604800"}},
            False,
            "",
            {},
            "prod",
            "retained",
        ),
        ("missing", {"versioning": DELETE}, True),
    ),
    *cases(
        "gcp-bucket-backups-retention",
        gcp.BUCKET,
        {**BUCKET, "labels": {**TAGS, "bucket": "backups"}, "retentionPolicy": {"retentionPeriod": "604800"}},
        ("violating", {"retentionPolicy.retentionPeriod": "86400"}, True, "is 1 days; required: >= 7"),
        ("compliant", {}, False),
        ("compliant", {"labels.bucket": "data", "retentionPolicy": DELETE}, False, "", {}, "prod", "data-bucket"),
        ("missing", {"retentionPolicy": DELETE}, True, "retentionPolicy is not set"),
        ("override", {"retentionPolicy.retentionPeriod": "86400"}, False, "", {"minRetentionDays": 1}),
    ),
    *cases(
        "gcp-backups-sink-dual-region",
        gcp.BUCKET,
        {
            **BUCKET,
            "labels": {**TAGS, "bucket": "backups", "dr": "sink"},
            "customPlacementConfig": {"dataLocations": ["US-CENTRAL1", "US-EAST4"]},
            "rpo": "ASYNC_TURBO",
        },
        ("violating", {"location": "US-CENTRAL1", "customPlacementConfig": DELETE}, True, "US-CENTRAL1 with no"),
        ("violating", {"rpo": "DEFAULT"}, True, "required: ASYNC_TURBO", {}, "prod", "default-rpo"),
        ("compliant", {}, False),
        ("compliant", {"labels.dr": DELETE, "customPlacementConfig": DELETE}, False, "", {}, "prod", "not-the-sink"),
        ("missing", {"customPlacementConfig": DELETE, "rpo": DELETE}, True, "no customPlacementConfig"),
        ("override", {"customPlacementConfig": DELETE}, False, "", {}, "dev"),
        ("override", {"rpo": DELETE}, False, "", {"turboReplication": False}, "prod", "no-turbo"),
    ),
    *cases(
        "gcp-sql-no-public-ip",
        gcp.SQL_INSTANCE,
        SQL,
        ("violating", {"settings.ipConfiguration.ipv4Enabled": True}, True, "ipv4Enabled"),
        (
            "violating",
            {"settings.ipConfiguration.authorizedNetworks": [{"value": "0.0.0.0/0"}]},
            True,
            "0.0.0.0/0",
            {},
            "prod",
            "authorized-world",
        ),
        ("compliant", {}, False),
        ("missing", {"settings.ipConfiguration": DELETE}, True, "default"),
    ),
    *cases(
        "gcp-sql-tls-only",
        gcp.SQL_INSTANCE,
        SQL,
        ("violating", {"settings.ipConfiguration.sslMode": "ALLOW_UNENCRYPTED_AND_ENCRYPTED"}, True, "ALLOW"),
        ("compliant", {}, False),
        ("missing", {"settings.ipConfiguration.sslMode": DELETE}, True, "unset"),
    ),
    *cases(
        "gcp-sql-customer-key",
        gcp.SQL_INSTANCE,
        SQL,
        ("violating", {"encryptionKeyName": ""}, True, "Google-managed"),
        ("compliant", {}, False),
        ("missing", {"encryptionKeyName": DELETE}, True),
    ),
    *cases(
        "gcp-sql-backups-pitr",
        gcp.SQL_INSTANCE,
        SQL,
        ("violating", {"settings.backupConfiguration.pointInTimeRecoveryEnabled": False}, True, "pointInTime"),
        (
            "violating",
            {"settings.backupConfiguration.backupRetentionSettings.retainedBackups": 3},
            True,
            "is 3",
            {},
            "prod",
            "few-backups",
        ),
        ("compliant", {}, False),
        ("missing", {"settings.backupConfiguration": DELETE}, True, "enabled"),
        (
            "missing",
            {"settings.backupConfiguration.backupRetentionSettings": DELETE},
            False,
            "",
            {},
            "prod",
            "default-retention",
        ),
        (
            "override",
            {"settings.backupConfiguration.pointInTimeRecoveryEnabled": False},
            False,
            "",
            {"requirePitr": False},
        ),
        (
            "override",
            {"settings.backupConfiguration.backupRetentionSettings.retainedBackups": 3},
            False,
            "",
            {"minRetainedBackups": 3},
            "prod",
            "fewer-backups",
        ),
    ),
    *cases(
        "gcp-sql-cis-logging-flags",
        gcp.SQL_INSTANCE,
        patch(SQL, {"settings.databaseFlags": CIS_FLAGS}),
        (
            "violating",
            {"settings.databaseFlags": [f for f in CIS_FLAGS if f["name"] != "log_connections"]},
            True,
            "log_connections is unset",
        ),
        (
            "violating",
            {
                "settings.databaseFlags": [
                    *CIS_FLAGS[:-3],
                    {"name": "log_min_duration_statement", "value": "1000"},
                    *CIS_FLAGS[-2:],
                ]
            },
            True,
            "log_min_duration_statement is 1000",
            {},
            "prod",
            "slow-statements",
        ),
        (
            "violating",
            {"settings.databaseFlags": CIS_FLAGS[:-1]},
            True,
            "pgaudit.log is unset",
            {},
            "prod",
            "pgaudit-logs-nothing",
        ),
        ("compliant", {}, False),
        # Not PostgreSQL (the 6.2 flags are PostgreSQL's).
        (
            "compliant",
            {"databaseVersion": "MYSQL_8_0", "settings.databaseFlags": DELETE},
            False,
            "",
            {},
            "prod",
            "mysql",
        ),
        ("missing", {"settings.databaseFlags": DELETE}, True, "unset (the default)"),
    ),
    *cases(
        "gcp-sql-high-availability",
        gcp.SQL_INSTANCE,
        SQL,
        ("violating", {"settings.availabilityType": "ZONAL"}, True, "ZONAL"),
        ("compliant", {}, False),
        ("missing", {"settings.availabilityType": DELETE}, True),
        ("override", {"settings.availabilityType": "ZONAL"}, False, "", {}, "dev"),
    ),
    *cases(
        "gcp-sql-deletion-protection",
        gcp.SQL_INSTANCE,
        SQL,
        ("violating", {"settings.deletionProtectionEnabled": False}, True, "API-level"),
        ("violating", {"deletionProtection": False}, True, "deletionProtection is false", {}, "prod", "pulumi-flag"),
        ("compliant", {}, False),
        ("missing", {"settings.deletionProtectionEnabled": DELETE, "deletionProtection": DELETE}, True),
        ("override", {"settings.deletionProtectionEnabled": False}, False, "", {}, "dev"),
    ),
    *cases(
        "gcp-gke-private-cluster",
        gcp.GKE_CLUSTER,
        GKE,
        ("violating", {"privateClusterConfig.enablePrivateNodes": False}, True, "public IPs"),
        (
            "violating",
            {"privateClusterConfig.enablePrivateEndpoint": False},
            True,
            "stay private",
            {},
            "prod",
            "public-endpoint",
        ),
        (
            "violating",
            {
                "privateClusterConfig.enablePrivateEndpoint": False,
                "masterAuthorizedNetworksConfig": {"cidrBlocks": [{"cidrBlock": "0.0.0.0/0"}]},
            },
            True,
            "0.0.0.0/0",
            {},
            "dev",
            "dev-open",
        ),
        ("compliant", {}, False),
        (
            "compliant",
            {
                "privateClusterConfig.enablePrivateEndpoint": False,
                "masterAuthorizedNetworksConfig": {"cidrBlocks": [{"cidrBlock": "203.0.113.0/24"}]},
            },
            False,
            "",
            {},
            "dev",
            "dev-allow-listed",
        ),
        (
            "compliant",
            {
                "privateClusterConfig.enablePrivateEndpoint": DELETE,
                "controlPlaneEndpointsConfig": {"ipEndpointsConfig": {"enabled": False}},
            },
            False,
            "",
            {},
            "prod",
            "dns-endpoint",
        ),
        ("missing", {"privateClusterConfig": DELETE}, True),
    ),
    *cases(
        "gcp-gke-workload-identity",
        gcp.GKE_CLUSTER,
        GKE,
        ("violating", {"workloadIdentityConfig.workloadPool": ""}, True, "workloadPool"),
        ("compliant", {}, False),
        ("missing", {"workloadIdentityConfig": DELETE}, True),
    ),
    *cases(
        "gcp-gke-workload-identity",
        gcp.GKE_NODE_POOL,
        {"cluster": "c", "nodeConfig": {"workloadMetadataConfig": {"mode": "GKE_METADATA"}}},
        ("violating", {"nodeConfig.workloadMetadataConfig.mode": "GCE_METADATA"}, True, "GCE_METADATA"),
        ("compliant", {}, False),
        ("missing", {"nodeConfig": DELETE}, False),
    ),
    *cases(
        "gcp-gke-secrets-encryption",
        gcp.GKE_CLUSTER,
        GKE,
        ("violating", {"databaseEncryption.state": "DECRYPTED"}, True, "DECRYPTED"),
        ("compliant", {}, False),
        ("missing", {"databaseEncryption": DELETE}, True, "unset"),
    ),
    *cases(
        "gcp-gke-control-plane-logs",
        gcp.GKE_CLUSTER,
        GKE,
        ("violating", {"loggingConfig.enableComponents": ["SYSTEM_COMPONENTS"]}, True, "APISERVER"),
        ("violating", {"loggingService": "none"}, True, "'none'", {}, "prod", "logging-off"),
        ("compliant", {}, False),
        ("missing", {"loggingConfig": DELETE}, True),
        (
            "override",
            {"loggingConfig.enableComponents": ["SYSTEM_COMPONENTS"]},
            False,
            "",
            {"requiredComponents": ["SYSTEM_COMPONENTS"]},
        ),
    ),
    *cases(
        "gcp-gke-node-service-account",
        gcp.GKE_NODE_POOL,
        {"cluster": "c", "nodeConfig": {"machineType": "e2-standard-4", "serviceAccount": NODE_SA}},
        (
            "violating",
            {"nodeConfig.serviceAccount": "483920175316-compute@developer.gserviceaccount.com"},
            True,
            "Compute Engine default",
        ),
        ("violating", {"nodeConfig.serviceAccount": "default"}, True, "unset", {}, "prod", "default"),
        ("compliant", {}, False),
        ("missing", {"nodeConfig.serviceAccount": DELETE}, True, "unset"),
    ),
    *cases(
        "gcp-gke-node-service-account",
        gcp.GKE_CLUSTER,
        {**GKE, "nodeConfig": {"serviceAccount": NODE_SA}},
        ("violating", {"nodeConfig": DELETE}, True, "unset"),
        ("compliant", {}, False),
        # The default pool is removed and no node config is given: no node runs with it.
        ("compliant", {"nodeConfig": DELETE, "removeDefaultNodePool": True}, False, "", {}, "prod", "removed"),
        ("missing", {"nodeConfig.serviceAccount": DELETE}, True, "unset"),
    ),
    *cases(
        "gcp-kms-key-rotation",
        gcp.CRYPTO_KEY,
        {"keyRing": "r", "name": "k", "rotationPeriod": "7776000s"},
        ("violating", {"rotationPeriod": "63072000s"}, True, "63072000s"),
        ("compliant", {}, False),
        ("compliant", {"purpose": "ASYMMETRIC_SIGN", "rotationPeriod": DELETE}, False, "", {}, "prod", "asymmetric"),
        ("missing", {"rotationPeriod": DELETE}, True, "never rotates"),
        ("override", {}, True, "<= 30", {"maxRotationDays": 30}),
    ),
    *cases(
        "gcp-firewall-no-public-ingress",
        gcp.FIREWALL,
        FIREWALL,
        ("violating", {"allows": [{"protocol": "tcp", "ports": ["22"]}]}, True, "22"),
        ("violating", {"allows": [{"protocol": "tcp"}]}, True, "every tcp port", {}, "prod", "all-ports"),
        ("violating", {"allows": [{"protocol": "all"}]}, True, "every all", {}, "prod", "all-protocols"),
        ("compliant", {}, False),
        (
            "compliant",
            {"allows": [{"protocol": "tcp", "ports": ["22"]}], "sourceRanges": ["35.235.240.0/20"]},
            False,
            "",
            {},
            "prod",
            "iap",
        ),
        (
            "compliant",
            {"allows": [{"protocol": "tcp", "ports": ["22"]}], "direction": "EGRESS"},
            False,
            "",
            {},
            "prod",
            "egress",
        ),
        ("missing", {"sourceRanges": DELETE}, False),
        (
            "override",
            {"allows": [{"protocol": "tcp", "ports": ["8443"]}]},
            False,
            "",
            {"allowedPublicPorts": [443, 8443]},
        ),
    ),
    *cases(
        "gcp-wif-provider-condition",
        gcp.WORKLOAD_IDENTITY_PROVIDER,
        {
            "workloadIdentityPoolId": "wif-flow-prod-aws",
            "workloadIdentityPoolProviderId": "eks-use1",
            "oidc": {"issuerUri": "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"},
            "attributeMapping": {"google.subject": "assertion.sub"},
            "attributeCondition": f"assertion.sub == '{SUB}'",
        },
        ("violating", {"attributeCondition": "  "}, True, "attributeCondition is not set"),
        ("compliant", {}, False),
        ("missing", {"attributeCondition": DELETE}, True, "attributeCondition is not set"),
    ),
    *cases(
        "gcp-vpn-ikev2",
        gcp.VPN_TUNNEL,
        {"name": "t", "ikeVersion": 2, "sharedSecret": "s"},
        ("violating", {"ikeVersion": 1}, True, "ikeVersion is 1"),
        ("compliant", {}, False),
        ("missing", {"ikeVersion": DELETE}, False),
    ),
    *cases(
        "gcp-audit-logs-data-access",
        gcp.AUDIT_CONFIG,
        {
            "project": "p",
            "service": "allServices",
            "auditLogConfigs": [{"logType": "ADMIN_READ"}, {"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}],
        },
        ("violating", {"auditLogConfigs": [{"logType": "ADMIN_READ"}]}, True, "lacks DATA_READ, DATA_WRITE"),
        (
            "violating",
            {
                "service": "storage.googleapis.com",
                "auditLogConfigs": [{"logType": "DATA_READ", "exemptedMembers": ["user:ops@example.com"]}],
            },
            True,
            "exempts user:ops@example.com",
            {},
            "prod",
            "exempted",
        ),
        ("compliant", {}, False),
        ("missing", {"auditLogConfigs": DELETE}, True, "lacks ADMIN_READ"),
    ),
    *cases(
        "gcp-log-bucket-retention",
        gcp.LOG_BUCKET,
        {"project": "p", "location": "global", "bucketId": "_Default", "retentionDays": 365},
        ("violating", {"retentionDays": 30}, True, "retentionDays is 30; required: >= 365"),
        ("compliant", {}, False),
        ("missing", {"retentionDays": DELETE}, True, "unset"),
        ("override", {"retentionDays": 30}, False, "", {"minRetentionDays": 30}, "dev"),
    ),
    *cases(
        "gcp-vpn-dh-groups",
        gcp.VPN_TUNNEL,
        {
            "name": "t",
            "ikeVersion": 2,
            "cipherSuite": {"phase1": {"dhs": ["Group-14"]}, "phase2": {"pfs": ["Group-14"]}},
        },
        (
            "violating",
            {"cipherSuite": {"phase1": {"dhs": ["Group-14", "Group-2"]}, "phase2": {"pfs": ["Group-14"]}}},
            True,
            "Group-2",
        ),
        ("compliant", {}, False),
        ("missing", {"cipherSuite": DELETE}, True, "groups 2 and 5"),
    ),
]

# --- Kubernetes --------------------------------------------------------------------------------------------

NODE_GROUP = {
    "clusterName": "c",
    "version": "1.35",
    "capacityType": "ON_DEMAND",
    "scalingConfig": {"minSize": 2, "desiredSize": 3, "maxSize": 10},
    "taints": [],
}
SPOT_GROUP = patch(
    NODE_GROUP,
    {"capacityType": "SPOT", "taints": [{"key": "aws.amazon.com/spot", "value": "true", "effect": "NO_SCHEDULE"}]},
)
AGENT_POOL = {
    "resourceName": "aks",
    "agentPoolName": "user",
    "mode": "User",
    "orchestratorVersion": "1.35",
    "enableAutoScaling": True,
    "minCount": 1,
    "maxCount": 20,
    "count": 2,
    "vmSize": "Standard_D8s_v3",
}
GKE_POOL = {
    "cluster": "c",
    "version": "1.35.1-gke.1200",
    "autoscaling": {"totalMinNodeCount": 1, "totalMaxNodeCount": 15},
    "nodeConfig": {"machineType": "c2-standard-8", "spot": False},
}
CONTAINER = {
    "name": "app",
    "image": "ghcr.io/acme/app:1.4.2",
    "resources": {"limits": {"memory": "512Mi"}, "requests": {"cpu": "250m", "memory": "256Mi"}},
    "securityContext": {"privileged": False, "allowPrivilegeEscalation": False, "runAsNonRoot": True},
}
DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "app", "namespace": "apps"},
    "spec": {"template": {"spec": {"containers": [CONTAINER]}}},
}
DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment"
HARDENED = patch(CONTAINER, {"securityContext.readOnlyRootFilesystem": True, "securityContext.runAsUser": 10001})
HARDENED_DEPLOYMENT = patch(DEPLOYMENT, {"spec.template.spec.containers": [HARDENED]})
PUBLIC_SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "api-ingress", "namespace": "platform"},
    "spec": {"type": "LoadBalancer", "loadBalancerSourceRanges": ["173.245.48.0/20"], "ports": [{"port": 443}]},
}
CRONJOB = {
    "apiVersion": "batch/v1",
    "kind": "CronJob",
    "metadata": {"name": "job", "namespace": "apps"},
    "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [CONTAINER]}}}}},
}

KUBERNETES_CASES = [
    *cases(
        "kubernetes-supported-version",
        aws.EKS_CLUSTER,
        EKS,
        ("violating", {"version": "1.28"}, True, "1.28"),
        ("compliant", {}, False),
        ("missing", {"version": DELETE}, True, "not set"),
        ("override", {"version": "1.28"}, False, "", {"allowedVersions": ["1.28", "1.29"]}),
    ),
    *cases(
        "kubernetes-supported-version",
        aws.EKS_NODE_GROUP,
        NODE_GROUP,
        ("violating", {"version": "1.30"}, True, "1.30"),
        ("compliant", {}, False),
        ("missing", {"version": DELETE}, False),
    ),
    *cases(
        "kubernetes-supported-version",
        azure.AKS_CLUSTER,
        AKS,
        (
            "violating",
            {"agentPoolProfiles": [{"name": "system", "orchestratorVersion": "1.29"}]},
            True,
            "agentPoolProfiles[0].orchestratorVersion",
        ),
        ("compliant", {}, False),
        ("missing", {"kubernetesVersion": DELETE}, True, "kubernetesVersion"),
    ),
    *cases(
        "kubernetes-supported-version",
        azure.AKS_AGENT_POOL,
        AGENT_POOL,
        ("violating", {"orchestratorVersion": "1.33.2"}, True, "1.33.2"),
        ("compliant", {}, False),
        ("missing", {"orchestratorVersion": DELETE}, False),
    ),
    *cases(
        "kubernetes-supported-version",
        gcp.GKE_NODE_POOL,
        GKE_POOL,
        ("violating", {"version": "1.31.2-gke.100"}, True, "1.31.2-gke.100"),
        ("compliant", {}, False),
        ("missing", {"version": DELETE}, False),
    ),
    *cases(
        "kubernetes-supported-version",
        gcp.GKE_CLUSTER,
        GKE,
        ("violating", {"minMasterVersion": "latest"}, True, "latest"),
        ("compliant", {"minMasterVersion": "1.36.0-gke.1"}, False),
        ("missing", {"minMasterVersion": DELETE}, True),
    ),
    *cases(
        "kubernetes-node-pool-bounds",
        aws.EKS_NODE_GROUP,
        NODE_GROUP,
        ("violating", {"scalingConfig.maxSize": 50}, True, "maxSize 50"),
        ("violating", {"scalingConfig.desiredSize": 12}, True, "outside", {}, "prod", "desired-above-max"),
        ("compliant", {}, False),
        ("missing", {"scalingConfig": DELETE}, True, "not set"),
        ("override", {"scalingConfig.maxSize": 50}, False, "", {"maxNodes": 100}),
    ),
    *cases(
        "kubernetes-node-pool-bounds",
        azure.AKS_AGENT_POOL,
        AGENT_POOL,
        ("violating", {"minCount": 25, "maxCount": 30}, True, "exceeds"),
        ("compliant", {}, False),
        (
            "compliant",
            {"enableAutoScaling": False, "minCount": DELETE, "maxCount": DELETE},
            False,
            "",
            {},
            "prod",
            "fixed-size",
        ),
        ("missing", {"maxCount": DELETE}, True, "without minCount/maxCount"),
    ),
    *cases(
        "kubernetes-node-pool-bounds",
        azure.AKS_CLUSTER,
        AKS,
        (
            "violating",
            {
                "agentPoolProfiles": [
                    {"name": "system", "mode": "System", "enableAutoScaling": True, "minCount": 2, "maxCount": 200}
                ]
            },
            True,
            "agentPoolProfiles[0]",
        ),
        ("compliant", {}, False),
        ("missing", {"agentPoolProfiles": DELETE}, False),
    ),
    *cases(
        "kubernetes-node-pool-bounds",
        gcp.GKE_NODE_POOL,
        GKE_POOL,
        ("violating", {"autoscaling.totalMaxNodeCount": 40}, True, "40"),
        ("compliant", {}, False),
        ("missing", {"autoscaling": {"totalMinNodeCount": 1}}, True, "no maxNodeCount"),
        ("missing", {"autoscaling": DELETE}, False, "", {}, "prod", "fixed-size"),
    ),
    *cases(
        "kubernetes-spot-pools",
        aws.EKS_NODE_GROUP,
        SPOT_GROUP,
        ("violating", {"taints": []}, True, "NoSchedule taint"),
        ("compliant", {}, False),
        ("missing", {"capacityType": DELETE, "taints": DELETE}, False),
        ("override", {}, True, "not allowed", {"allowSpot": False}),
        ("override", {"taints": []}, False, "", {"requireTaint": False}, "prod", "no-taint-required"),
    ),
    *cases(
        "kubernetes-spot-pools",
        azure.AKS_AGENT_POOL,
        patch(AGENT_POOL, {"scaleSetPriority": "Spot"}),
        ("violating", {"mode": "System"}, True, "System pool"),
        ("compliant", {}, False),
        ("missing", {"scaleSetPriority": DELETE, "mode": "System"}, False),
    ),
    *cases(
        "kubernetes-spot-pools",
        azure.AKS_CLUSTER,
        AKS,
        (
            "violating",
            {"agentPoolProfiles": [{"name": "system", "mode": "System", "scaleSetPriority": "Spot"}]},
            True,
            "agentPoolProfiles[0]: a System pool",
        ),
        (
            "compliant",
            {
                "agentPoolProfiles": [
                    {"name": "system", "mode": "System"},
                    {"name": "batch", "mode": "User", "scaleSetPriority": "Spot"},
                ]
            },
            False,
        ),
        ("missing", {"agentPoolProfiles": DELETE}, False),
    ),
    *cases(
        "kubernetes-spot-pools",
        gcp.GKE_NODE_POOL,
        patch(
            GKE_POOL,
            {
                "nodeConfig.spot": True,
                "nodeConfig.taints": [{"key": "cloud.google.com/gke-spot", "value": "true", "effect": "NO_SCHEDULE"}],
            },
        ),
        ("violating", {"nodeConfig.taints": DELETE}, True, "NoSchedule"),
        (
            "violating",
            {"nodeConfig.spot": False, "nodeConfig.preemptible": True, "nodeConfig.taints": []},
            True,
            "NoSchedule",
            {},
            "prod",
            "preemptible",
        ),
        ("compliant", {}, False),
        ("missing", {"nodeConfig": DELETE}, False),
    ),
    *cases(
        "kubernetes-no-privileged-workloads",
        DEPLOYMENT_TYPE,
        DEPLOYMENT,
        (
            "violating",
            {"spec.template.spec.containers": [patch(CONTAINER, {"securityContext.privileged": True})]},
            True,
            "privileged",
        ),
        ("violating", {"spec.template.spec.hostPID": True}, True, "hostPID", {}, "prod", "host-pid"),
        (
            "violating",
            {
                "spec.template.spec.containers": [
                    patch(CONTAINER, {"securityContext.capabilities": {"add": ["SYS_ADMIN"]}})
                ]
            },
            True,
            "SYS_ADMIN",
            {},
            "prod",
            "capabilities",
        ),
        ("compliant", {}, False),
        (
            "compliant",
            {"metadata.namespace": "kube-system", "spec.template.spec.hostNetwork": True},
            False,
            "",
            {},
            "prod",
            "exempt-namespace",
        ),
        ("missing", {"spec.template.spec.containers": [patch(CONTAINER, {"securityContext": DELETE})]}, False),
        (
            "override",
            {"metadata.namespace": "monitoring", "spec.template.spec.hostNetwork": True},
            False,
            "",
            {"exemptNamespaces": ["kube-system", "monitoring"]},
        ),
    ),
    *cases(
        "kubernetes-no-privileged-workloads",
        "kubernetes:batch/v1:CronJob",
        CRONJOB,
        (
            "violating",
            {
                "spec.jobTemplate.spec.template.spec.initContainers": [
                    patch(CONTAINER, {"securityContext.privileged": True})
                ]
            },
            True,
            "initContainers",
        ),
        ("compliant", {}, False),
        ("missing", {"spec": DELETE}, False),
    ),
    *cases(
        "kubernetes-resource-limits",
        DEPLOYMENT_TYPE,
        DEPLOYMENT,
        (
            "violating",
            {"spec.template.spec.containers": [patch(CONTAINER, {"resources.limits": {}})]},
            True,
            "memory limit",
        ),
        ("compliant", {}, False),
        ("missing", {"spec.template.spec.containers": [patch(CONTAINER, {"resources": DELETE})]}, True, "CPU request"),
    ),
    *cases(
        "kubernetes-image-pinned",
        DEPLOYMENT_TYPE,
        DEPLOYMENT,
        (
            "violating",
            {"spec.template.spec.containers": [patch(CONTAINER, {"image": "nginx:latest"})]},
            True,
            "nginx:latest",
        ),
        ("compliant", {}, False),
        (
            "compliant",
            {"spec.template.spec.containers": [patch(CONTAINER, {"image": "registry:5000/app@sha256:" + "a" * 64})]},
            False,
            "",
            {},
            "prod",
            "digest",
        ),
        (
            "missing",
            {"spec.template.spec.containers": [patch(CONTAINER, {"image": "registry:5000/app"})]},
            True,
            "not pinned",
        ),
    ),
    *cases(
        "kubernetes-non-root-read-only",
        DEPLOYMENT_TYPE,
        HARDENED_DEPLOYMENT,
        (
            "violating",
            {"spec.template.spec.containers": [patch(HARDENED, {"securityContext.runAsUser": 0})]},
            True,
            "may run as root",
        ),
        (
            "violating",
            {"spec.template.spec.containers": [patch(HARDENED, {"securityContext.readOnlyRootFilesystem": False})]},
            True,
            "writable root filesystem",
        ),
        ("compliant", {}, False),
        # runAsNonRoot inherited from the pod's security context.
        (
            "compliant",
            {
                "spec.template.spec.securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
                "spec.template.spec.containers": [patch(HARDENED, {"securityContext.runAsNonRoot": DELETE})],
            },
            False,
            "",
            {},
            "prod",
            "pod-level",
        ),
        (
            "compliant",
            {"metadata.namespace": "kube-system", "spec.template.spec.containers": [CONTAINER]},
            False,
            "",
            {},
            "prod",
            "exempt-namespace",
        ),
        (
            "override",
            {"metadata.namespace": "monitoring", "spec.template.spec.containers": [CONTAINER]},
            False,
            "",
            {"exemptNamespaces": ["kube-system", "monitoring"]},
        ),
        (
            "missing",
            {"spec.template.spec.containers": [patch(HARDENED, {"securityContext": DELETE})]},
            True,
            "may run as root",
        ),
    ),
    *cases(
        "kubernetes-load-balancer-source-ranges",
        "kubernetes:core/v1:Service",
        PUBLIC_SERVICE,
        ("violating", {"spec.loadBalancerSourceRanges": ["0.0.0.0/0"]}, True, "admit the whole internet"),
        ("compliant", {}, False),
        (
            "compliant",
            {
                "spec.loadBalancerSourceRanges": DELETE,
                "metadata.annotations": {"networking.gke.io/load-balancer-type": "Internal"},
            },
            False,
            "",
            {},
            "prod",
            "internal",
        ),
        (
            "compliant",
            {"spec.type": "ClusterIP", "spec.loadBalancerSourceRanges": DELETE},
            False,
            "",
            {},
            "prod",
            "cluster-ip",
        ),
        ("missing", {"spec.loadBalancerSourceRanges": DELETE}, True, "accepts the whole internet"),
    ),
]

# --- Cloudflare --------------------------------------------------------------------------------------------

POOL = {
    "accountId": "a",
    "name": "aws",
    "monitor": "m",
    "minimumOrigins": 1,
    "origins": [{"name": "aws-use1", "address": "lb.example.com", "enabled": True, "weight": 1.0}],
    "checkRegions": ["ENAM", "NSAM", "WNAM"],
}
LB = {
    "zoneId": "z",
    "name": "api.example.com",
    "defaultPools": ["p-aws", "p-azure", "p-gcp"],
    "fallbackPool": "p-gcp",
    "proxied": True,
    "steeringPolicy": "geo",
}
MONITOR = {
    "accountId": "a",
    "type": "https",
    "method": "GET",
    "path": "/health",
    "interval": 10,
    "timeout": 5,
    "retries": 3,
    "expectedCodes": "200",
    "allowInsecure": False,
}

CLOUDFLARE_CASES = [
    *cases(
        "cloudflare-pool-monitored",
        cloudflare.POOL,
        POOL,
        ("violating", {"monitor": ""}, True, "monitor is not set"),
        ("violating", {"checkRegions": []}, True, "checkRegions is not set", {}, "prod", "no-check-regions"),
        (
            "violating",
            {"origins": [{"name": "x", "address": "a", "enabled": False}]},
            True,
            "no enabled origin",
            {},
            "prod",
            "disabled-origins",
        ),
        ("compliant", {}, False),
        ("missing", {"monitor": DELETE}, True, "monitor"),
    ),
    *cases(
        "cloudflare-lb-fallback",
        cloudflare.LOAD_BALANCER,
        LB,
        ("violating", {"defaultPools": ["p-gcp"]}, True, "nothing to fail over"),
        ("compliant", {}, False),
        ("missing", {"fallbackPool": DELETE}, True, "fallbackPool"),
        ("override", {"defaultPools": ["p-aws"]}, False, "", {"minDefaultPools": 1}),
    ),
    *cases(
        "cloudflare-monitor-https",
        cloudflare.MONITOR,
        MONITOR,
        ("violating", {"type": "http"}, True, "type is http"),
        ("violating", {"allowInsecure": True}, True, "allowInsecure", {}, "prod", "insecure"),
        ("compliant", {}, False),
        ("missing", {"type": DELETE}, True, "http"),
    ),
    *cases(
        "cloudflare-monitor-timing",
        cloudflare.MONITOR,
        MONITOR,
        ("violating", {"interval": 120}, True, "120s"),
        ("violating", {"timeout": 10}, True, "not shorter", {}, "prod", "timeout"),
        ("compliant", {}, False),
        ("missing", {"interval": DELETE}, True, "60s", {"maxIntervalSeconds": 30}),  # the service default is 60 s
        ("override", {"interval": 30, "timeout": 10}, True, "<= 10s", {"maxIntervalSeconds": 10}),
    ),
    *cases(
        "cloudflare-proxied",
        cloudflare.LOAD_BALANCER,
        LB,
        ("violating", {"proxied": False}, True, "proxied"),
        ("compliant", {}, False),
        ("missing", {"proxied": DELETE}, True),
    ),
    *cases(
        "cloudflare-proxied",
        cloudflare.DNS_RECORD,
        {"zoneId": "z", "name": "api", "type": "CNAME", "content": "x", "proxied": True, "ttl": 1},
        ("violating", {"proxied": False}, True, "proxied"),
        ("compliant", {"type": "TXT", "proxied": False}, False, "", {}, "prod", "txt"),
        ("missing", {"proxied": DELETE}, True),
    ),
]

# --- common ------------------------------------------------------------------------------------------------

COMMON_CASES = [
    *cases(
        "required-tags",
        aws.S3_BUCKET,
        {"bucket": "b", "tags": TAGS},
        ("violating", {"tags": {"owner": "platform-team"}}, True, "environment, cost-center"),
        ("violating", {"tags.environment": "dev"}, True, "'dev' in a prod stack", {}, "prod", "wrong-environment"),
        ("compliant", {}, False),
        (
            "compliant",
            {"tags": {"environment": "dev", "owner": "x", "cost-center": "y"}},
            False,
            "",
            {},
            "dev",
            "dev-stack",
        ),
        ("missing", {"tags": DELETE}, True, "lacks owner"),
        ("override", {"tags": {"owner": "platform-team"}}, False, "", {"requiredKeys": ["owner"]}),
    ),
    *cases(
        "required-tags",
        azure.STORAGE_ACCOUNT,
        STORAGE,
        ("violating", {"tags.owner": ""}, True, "owner"),
        ("compliant", {}, False),
        ("missing", {"tags": DELETE}, True),
    ),
    *cases(
        "required-tags",
        gcp.SQL_INSTANCE,
        SQL,
        ("violating", {"settings.userLabels": {"owner": "x"}}, True, "settings.userLabels"),
        ("compliant", {}, False),
        ("missing", {"settings.userLabels": DELETE}, True),
    ),
    *cases(
        "required-tags",
        "kubernetes:core/v1:Namespace",
        {"metadata": {"name": "apps", "labels": TAGS}},
        ("violating", {"metadata.labels": {}}, True, "metadata.labels"),
        ("compliant", {}, False),
        ("missing", {"metadata.labels": DELETE}, True),
    ),
]

# Provider default tags count: an untagged resource under an AWS provider with defaultTags complies.
PROVIDER_TAG_CASES = [
    Case(
        "required-tags",
        "compliant",
        aws.S3_BUCKET,
        {"bucket": "b"},
        False,
        provider={"region": "us-east-1", "defaultTags": {"tags": TAGS}},
        note="aws-provider-default-tags",
    ),
    Case(
        "required-tags",
        "compliant",
        gcp.BUCKET,
        {"name": "b"},
        False,
        provider={"project": "p", "defaultLabels": TAGS},
        note="gcp-provider-default-labels",
    ),
    Case(
        "required-tags",
        "violating",
        aws.S3_BUCKET,
        {"bucket": "b"},
        True,
        provider={"region": "us-east-1", "defaultTags": {"tags": {"owner": "x"}}},
        expect="environment",
        note="aws-provider-partial-tags",
    ),
]

RESOURCE_CASES = [
    *AWS_CASES,
    *AZURE_CASES,
    *GCP_CASES,
    *KUBERNETES_CASES,
    *CLOUDFLARE_CASES,
    *COMMON_CASES,
    *PROVIDER_TAG_CASES,
]
