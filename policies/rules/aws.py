"""AWS (pulumi-aws 7) resource guardrails: S3, RDS, EKS, KMS, logs, networking, VPN, secrets."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .common import (
    STRONG_DH_GROUPS,
    Context,
    dig,
    items,
    mapping,
    number,
    ports_outside,
    provided,
    public_cidrs,
    resource_policy,
)

S3_BUCKET = "aws:s3/bucket:Bucket"
S3_ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
S3_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
S3_ACL = "aws:s3/bucketAcl:BucketAcl"
S3_OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
S3_LOGGING = "aws:s3/bucketLogging:BucketLogging"
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
EKS_ADDON = "aws:eks/addon:Addon"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
IAM_OIDC_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
KMS_KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SECURITY_GROUP_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SUBNET = "aws:ec2/subnet:Subnet"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
VPN_CONNECTION = "aws:ec2/vpnConnection:VpnConnection"
CUSTOMER_GATEWAY = "aws:ec2/customerGateway:CustomerGateway"
SECRET = "aws:secretsmanager/secret:Secret"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
USER_POOL = "aws:cognito/userPool:UserPool"

AREA = "aws"
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
ALLOWED_PUBLIC_PORTS = {
    "type": "array",
    "items": {"type": "integer", "minimum": 0, "maximum": 65535},
    "default": [80, 443],
    "description": "Ports that may be open to 0.0.0.0/0 or ::/0 (load-balancer listeners).",
}


# --- S3 --------------------------------------------------------------------------------------------------


def _s3_encryption(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    rules = items(props.get("rules"))
    if not rules:
        yield "no default-encryption rule: objects get SSE-S3 with an AWS-owned key"
        return
    for i, rule in enumerate(rules):
        default = mapping(dig(rule, "applyServerSideEncryptionByDefault"))
        algorithm = default.get("sseAlgorithm")
        if algorithm == "AES256" and _log_bucket(props.get("bucket"), ctx):
            continue  # a server-access-log destination: SSE-S3 is the default encryption log delivery supports
        if algorithm not in KMS_ALGORITHMS:
            yield f"rules[{i}] uses sseAlgorithm {algorithm!r}, not SSE-KMS with a customer key"
        elif not provided(default, "kmsMasterKeyId"):
            yield f"rules[{i}] uses SSE-KMS without kmsMasterKeyId (the AWS-managed aws/s3 key)"


def _log_bucket(name: Any, ctx: Context) -> bool:
    """Whether a bucket is a server-access-log destination, by the name pattern the policy is configured with."""
    return isinstance(name, str) and re.search(ctx.config["accessLogBucketPattern"], name) is not None


def _s3_public_access_block(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    off = [flag for flag in PUBLIC_ACCESS_FLAGS if props.get(flag) is not True]
    if off:
        yield f"{', '.join(off)} not true: the bucket can be made public"


def _s3_versioning(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    status = dig(props, "versioningConfiguration.status")
    if status != "Enabled":
        yield f"versioningConfiguration.status is {status!r}, not 'Enabled'"


def _policy_document(value: Any) -> Mapping[str, Any] | None:
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        try:
            document = json.loads(value)
        except ValueError:
            return None
        return document if isinstance(document, dict) else None
    return None


def _denies_insecure_transport(statement: Mapping[str, Any], action: str = "s3:*") -> bool:
    if statement.get("Effect") != "Deny":
        return False
    principal = statement.get("Principal")
    if principal != "*" and dig(principal, "AWS") not in ("*", ["*"]):
        return False
    actions = statement.get("Action")
    actions = [actions] if isinstance(actions, str) else items(actions)
    if not any(a.lower() in (action.lower(), f"{action.split(':')[0].lower()}:*", "*") for a in actions):
        return False
    secure = dig(statement, "Condition.Bool.aws:SecureTransport")
    return str(secure).lower() == "false"


def _sns_publish_guarded(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    """A topic policy refuses publishing without TLS, and lets an AWS service publish only on behalf of this
    account's resources (the confused-deputy conditions)."""
    document = _policy_document(props.get("policy"))
    if document is None:
        yield "policy is absent or not a JSON policy document"
        return
    statements = document.get("Statement")
    statements = [mapping(s) for s in ([statements] if isinstance(statements, Mapping) else items(statements))]
    if not any(_denies_insecure_transport(s, "sns:Publish") for s in statements):
        yield "no statement denies sns:Publish to every principal when aws:SecureTransport is false"
    for s in statements:
        service = dig(s, "Principal.Service")
        conditions = {k.lower() for test in mapping(s.get("Condition")).values() for k in mapping(test)}
        if s.get("Effect") == "Allow" and service and not conditions & {"aws:sourceaccount", "aws:sourcearn"}:
            yield f"{service} may publish without an aws:SourceAccount or aws:SourceArn condition"


def _s3_tls_only(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    document = _policy_document(props.get("policy"))
    if document is None:
        yield "policy is absent or not a JSON policy document"
        return
    statements = document.get("Statement")
    statements = [statements] if isinstance(statements, Mapping) else items(statements)
    if not any(_denies_insecure_transport(mapping(s)) for s in statements):
        yield "no statement denies s3:* to every principal when aws:SecureTransport is false"


def _s3_no_public_acl(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    acl = props.get("acl")
    if acl in PUBLIC_ACLS:
        yield f"canned ACL {acl!r} grants access outside the account"
    for grant in items(dig(props, "accessControlPolicy.grants")):
        uri = dig(grant, "grantee.uri")
        if uri in PUBLIC_GRANTEES:
            yield f"accessControlPolicy grants {dig(grant, 'permission')} to {uri}"


def _s3_acls_disabled(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    ownership = dig(props, "rule.objectOwnership")
    if ownership != "BucketOwnerEnforced":
        yield f"rule.objectOwnership is {ownership!r}: ACLs stay active"


# --- RDS -------------------------------------------------------------------------------------------------


def _rds_not_public(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if props.get("publiclyAccessible") is True:
        yield "publiclyAccessible is true: the instance gets a public DNS name and IP"


def _rds_encrypted(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if props.get("storageEncrypted") is not True:
        yield "storageEncrypted is not true (RDS storage is unencrypted by default)"
    elif not provided(props, "kmsKeyId"):
        yield "kmsKeyId is not set: storage uses the AWS-managed aws/rds key"


def _rds_backups(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    minimum = ctx.config["minRetentionDays"]
    days = number(props.get("backupRetentionPeriod"))
    if days is None:
        yield f"backupRetentionPeriod is not set (AWS defaults to 1 day); required: >= {minimum} days"
    elif days < minimum:
        yield f"backupRetentionPeriod is {int(days)} day(s) (0 disables backups and PITR); required: >= {minimum}"


def _rds_multi_az(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if props.get("multiAz") is not True:
        yield "multiAz is not true: a zone failure takes the database down"


def _rds_deletion_protection(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if props.get("deletionProtection") is not True:
        yield "deletionProtection is not true"
    if props.get("skipFinalSnapshot") is True:
        yield "skipFinalSnapshot is true: deleting the instance keeps no final snapshot"


# --- EKS -------------------------------------------------------------------------------------------------


def _eks_endpoint(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    vpc = mapping(props.get("vpcConfig"))
    if vpc.get("endpointPrivateAccess") is not True:
        yield "vpcConfig.endpointPrivateAccess is not true: nodes reach the API over the internet"
    public = vpc.get("endpointPublicAccess") is not False  # the EKS default is public
    if not public:
        return
    if ctx.prod:
        yield "vpcConfig.endpointPublicAccess is not false (public by default): prod API endpoints stay private"
        return
    cidrs = items(vpc.get("publicAccessCidrs"))
    if not cidrs:
        yield "public endpoint without vpcConfig.publicAccessCidrs (defaults to 0.0.0.0/0)"
    elif public_cidrs(cidrs):
        yield f"public endpoint open to {', '.join(public_cidrs(cidrs))}"


def _eks_secrets_encryption(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    encryption = mapping(props.get("encryptionConfig"))
    if "secrets" not in items(encryption.get("resources")):
        yield "encryptionConfig does not cover 'secrets': Kubernetes secrets lack envelope encryption"
    elif not provided(encryption, "provider.keyArn"):
        yield "encryptionConfig.provider.keyArn is not set"


def _eks_audit_logs(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    enabled = set(items(props.get("enabledClusterLogTypes")))
    missing = [t for t in ctx.config["requiredLogTypes"] if t not in enabled]
    if missing:
        yield f"enabledClusterLogTypes lacks {', '.join(missing)}"


def _node_group_launch_template(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    template = mapping(props.get("launchTemplate"))
    if not (provided(template, "id") or provided(template, "name")):
        yield (
            "no launchTemplate: the nodes' metadata options and root volume are EKS's defaults (IMDSv1 allowed, "
            "hop limit 2, volume encrypted only by the account's EBS default)"
        )
    elif not provided(template, "version"):
        yield "launchTemplate.version is not set: the group does not follow the template's updates"


def _launch_template_imdsv2(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    options = mapping(props.get("metadataOptions"))
    if options.get("httpEndpoint") == "disabled":
        return  # no metadata service at all
    if options.get("httpTokens") != "required":
        yield (
            f"metadataOptions.httpTokens is {options.get('httpTokens')!r}, not 'required': IMDSv1 answers unsigned "
            "requests (SSRF to the node role's credentials)"
        )
    hops = number(options.get("httpPutResponseHopLimit"))
    maximum = ctx.config["maxHopLimit"]
    if hops is None:
        yield (
            f"metadataOptions.httpPutResponseHopLimit is not set (the AMI's default, 2 on EKS AMIs); "
            f"required: <= {maximum}"
        )
    elif hops > maximum:
        yield (
            f"metadataOptions.httpPutResponseHopLimit is {int(hops)}: containers reach the node's metadata; "
            f"required: <= {maximum}"
        )


def _launch_template_volumes(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    mappings = [m for m in items(props.get("blockDeviceMappings")) if dig(m, "ebs") is not None]
    if not mappings:
        yield (
            "no EBS block device mapping: the root volume is encrypted only if the account's EBS default "
            "encryption is on"
        )
    for i, device in enumerate(mappings):
        ebs = mapping(dig(device, "ebs"))
        if str(ebs.get("encrypted")).lower() != "true":
            yield f"blockDeviceMappings[{i}] ({dig(device, 'deviceName')}) is not encrypted"
        elif not provided(ebs, "kmsKeyId"):
            yield f"blockDeviceMappings[{i}] ({dig(device, 'deviceName')}) uses the AWS-managed aws/ebs key"


# --- KMS, logs, secrets -------------------------------------------------------------------------------


def _kms_rotation(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    spec = props.get("customerMasterKeySpec") or "SYMMETRIC_DEFAULT"
    if spec != "SYMMETRIC_DEFAULT":
        return  # only symmetric encryption keys rotate automatically
    if props.get("enableKeyRotation") is not True:
        yield "enableKeyRotation is not true"
        return
    period = number(props.get("rotationPeriodInDays"))
    maximum = ctx.config["maxRotationDays"]
    if period is not None and period > maximum:
        yield f"rotationPeriodInDays is {int(period)}; allowed: <= {maximum}"


def _log_group_encrypted(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if not provided(props, "kmsKeyId"):
        yield "kmsKeyId is not set: the log group uses the service-owned key"


def _kms_deletion_window(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    days = number(props.get("deletionWindowInDays"))
    minimum = ctx.config["minDeletionWindowDays"]
    if days is None:
        days = (
            30  # the API's default (https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html)
        )
    if days < minimum:
        yield f"deletionWindowInDays is {int(days)}; required: >= {minimum}"


def _secret_recovery_window(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    days = number(props.get("recoveryWindowInDays"))
    minimum = ctx.config["minRecoveryWindowDays"]
    if days == 0:
        yield "recoveryWindowInDays is 0: a delete removes the secret at once, with no recovery"
    elif days is not None and days < minimum:
        yield f"recoveryWindowInDays is {int(days)}; required: >= {minimum}"


def _secret_cmk(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if not provided(props, "kmsKeyId"):
        yield "kmsKeyId is not set: the secret uses the AWS-managed aws/secretsmanager key"
    for i, replica in enumerate(items(props.get("replicas"))):  # a replica without one falls back to that key too
        if not provided(mapping(replica), "kmsKeyId"):
            yield f"replicas[{i}] ({dig(replica, 'region')}) has no kmsKeyId: that copy uses aws/secretsmanager"


def _user_pool_ses(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    account = dig(props, "emailConfiguration.emailSendingAccount") or "COGNITO_DEFAULT"
    if account != "DEVELOPER":
        yield (
            f"emailConfiguration.emailSendingAccount is {account}: Cognito's built-in sender has a daily cap "
            "below production volume"
        )
    elif not provided(props, "emailConfiguration.sourceArn"):
        yield "emailConfiguration.sourceArn is not set: DEVELOPER sending needs the verified SES identity"


# --- networking ------------------------------------------------------------------------------------------


def _open_rule(protocol: Any, low: Any, high: Any, cidrs: list[Any], allowed: list[int], where: str) -> Iterator[str]:
    world = public_cidrs(cidrs)
    if not world:
        return
    if str(protocol) in ("-1", "all"):
        yield f"{where} opens every protocol and port to {', '.join(world)}"
    elif ports_outside(number(low), number(high), allowed):
        yield f"{where} opens ports {_ports(low, high)} to {', '.join(world)}; allowed publicly: {allowed}"


def _ports(low: Any, high: Any) -> str:
    lo, hi = number(low), number(high)
    return f"{int(lo)}-{int(hi)}" if lo is not None and hi is not None and lo != hi else str(int(lo or 0))


def _security_group_ingress(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    allowed = ctx.config["allowedPublicPorts"]
    if ctx.resource_type == SECURITY_GROUP:
        for i, rule in enumerate(items(props.get("ingress"))):
            cidrs = items(dig(rule, "cidrBlocks")) + items(dig(rule, "ipv6CidrBlocks"))
            yield from _open_rule(
                dig(rule, "protocol"), dig(rule, "fromPort"), dig(rule, "toPort"), cidrs, allowed, f"ingress[{i}]"
            )
    elif ctx.resource_type == SECURITY_GROUP_RULE:
        if props.get("type") == "ingress":
            cidrs = items(props.get("cidrBlocks")) + items(props.get("ipv6CidrBlocks"))
            yield from _open_rule(
                props.get("protocol"), props.get("fromPort"), props.get("toPort"), cidrs, allowed, "rule"
            )
    else:
        cidrs = [c for c in (props.get("cidrIpv4"), props.get("cidrIpv6")) if c]
        yield from _open_rule(
            props.get("ipProtocol"), props.get("fromPort"), props.get("toPort"), cidrs, allowed, "rule"
        )


def _subnet_public_ip(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if props.get("mapPublicIpOnLaunch") is True:
        yield "mapPublicIpOnLaunch is true: every instance launched here gets a public IP"


def _web_identity_pinned(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    document = _policy_document(props.get("assumeRolePolicy"))
    for i, statement in enumerate(items(document.get("Statement")) if document else []):
        actions = statement.get("Action")
        if "sts:AssumeRoleWithWebIdentity" not in ([actions] if isinstance(actions, str) else items(actions)):
            continue
        equals = mapping(dig(statement, "Condition.StringEquals"))
        # Google's tokens (accounts.google.com) name one service account by its unique numeric sub: that pins it.
        google = dig(statement, "Principal.Federated") == "accounts.google.com"
        for claim in ("sub",) if google else ("sub", "aud"):
            pinned = [k for k, v in equals.items() if str(k).endswith(f":{claim}") and isinstance(v, str) and v]
            if not pinned or any("*" in str(equals[k]) for k in pinned):
                yield f"Statement[{i}] does not pin the token's {claim} with StringEquals"


POD_IDENTITY_TAGS = ("eks-cluster-arn", "kubernetes-namespace", "kubernetes-service-account")
"""Session tags EKS Pod Identity sets, which pin a role to one service account of one cluster
(https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html)."""


def _pod_identity_pinned(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    document = _policy_document(props.get("assumeRolePolicy"))
    for i, statement in enumerate(items(document.get("Statement")) if document else []):
        principal = dig(statement, "Principal.Service")
        named = {principal} if isinstance(principal, str) else set(items(principal))
        if statement.get("Effect") != "Allow" or "pods.eks.amazonaws.com" not in named:
            continue
        equals = {str(k).lower(): v for k, v in mapping(dig(statement, "Condition.StringEquals")).items()}
        loose = [
            tag
            for tag in POD_IDENTITY_TAGS
            if not isinstance(equals.get(f"aws:requesttag/{tag}"), str)
            or not equals[f"aws:requesttag/{tag}"]
            or "*" in equals[f"aws:requesttag/{tag}"]
        ]
        if loose:
            yield (
                f"Statement[{i}] lets EKS Pod Identity assume the role without StringEquals on "
                f"{', '.join(f'aws:RequestTag/{t}' for t in loose)}: any association in the account could use it"
            )


def _service_trust_scoped(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    services = set(ctx.config["services"])
    document = _policy_document(props.get("assumeRolePolicy"))
    for i, statement in enumerate(items(document.get("Statement")) if document else []):
        if statement.get("Effect") != "Allow":
            continue
        principal = dig(statement, "Principal.Service")
        named = {principal} if isinstance(principal, str) else set(items(principal))
        if not named & services:
            continue
        keys = {str(k).lower() for op in mapping(statement.get("Condition")).values() for k in mapping(op)}
        missing = [k for k in ("aws:SourceAccount", "aws:SourceArn") if k.lower() not in keys]
        if missing:
            yield (
                f"Statement[{i}] lets {', '.join(sorted(named & services))} assume the role without "
                f"{' and '.join(missing)}: any account's resources could make the service act as this role"
            )


AUTOSCALING_WRITES = (
    "autoscaling:setdesiredcapacity",
    "autoscaling:terminateinstanceinautoscalinggroup",
    "autoscaling:updateautoscalinggroup",
)


def _autoscaling_writes_scoped(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    document = _policy_document(props.get("policy"))
    for i, statement in enumerate(items(document.get("Statement")) if document else []):
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action")
        named = {str(a).lower() for a in ([actions] if isinstance(actions, str) else items(actions))}
        writes = sorted(
            a for a in named if a in AUTOSCALING_WRITES or a in ("autoscaling:*", "*") or a.startswith("autoscaling:*")
        )
        if not writes:
            continue
        resources = statement.get("Resource")
        if "*" not in ([resources] if isinstance(resources, str) else items(resources)):
            continue  # named Auto Scaling group ARNs: scoped by resource
        equals = mapping(dig(statement, "Condition.StringEquals"))
        tags = [k for k, v in equals.items() if str(k).startswith("aws:ResourceTag/") and isinstance(v, str) and v]
        if not tags or any("*" in str(equals[k]) for k in tags):
            yield (
                f"Statement[{i}] allows {', '.join(writes)} on every Auto Scaling group: scope it with StringEquals "
                "aws:ResourceTag/<key> (the cluster's own groups)"
            )


def _vpn_ikev2(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    for tunnel in ("tunnel1", "tunnel2"):
        versions = items(props.get(f"{tunnel}IkeVersions"))
        if versions != ["ikev2"]:
            shown = versions or "unset (ikev1 and ikev2)"
            yield f"{tunnel}IkeVersions is {shown}; required: ['ikev2']"


def _vpn_dh_groups(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    for tunnel in ("tunnel1", "tunnel2"):
        for phase in ("Phase1", "Phase2"):
            key = f"{tunnel}{phase}DhGroupNumbers"
            groups = [number(g) for g in items(props.get(key))]
            if not groups:
                yield f"{key} is unset: AWS then offers groups 2 and 5 too"
            weak = sorted({int(g) for g in groups if g is not None and g not in STRONG_DH_GROUPS})
            if weak:
                yield f"{key} offers weak group(s) {', '.join(map(str, weak))}; allowed: 14 to 21"


POLICIES = [
    resource_policy(
        "aws-s3-encryption-customer-key",
        area=AREA,
        types=[S3_ENCRYPTION],
        severity="high",
        summary="S3 default encryption is SSE-KMS with a customer-managed key.",
        remediation="Add a rule with sseAlgorithm 'aws:kms', kmsMasterKeyId = the region's S3 CMK, bucketKeyEnabled.",
        check=_s3_encryption,
        reads={
            S3_ENCRYPTION: (
                "bucket",
                "rules.applyServerSideEncryptionByDefault.sseAlgorithm",
                "rules.applyServerSideEncryptionByDefault.kmsMasterKeyId",
            )
        },
        config={
            "accessLogBucketPattern": {
                "type": "string",
                "default": "-access-logs-",
                "description": "Regular expression of the server-access-log buckets' names: SSE-S3 is allowed there, "
                "the default encryption S3 log delivery supports for a destination bucket.",
            }
        },
    ),
    resource_policy(
        "aws-s3-public-access-block",
        area=AREA,
        types=[S3_PUBLIC_ACCESS_BLOCK],
        severity="critical",
        summary="All four S3 public-access blocks are on.",
        remediation="Set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.",
        check=_s3_public_access_block,
        reads={S3_PUBLIC_ACCESS_BLOCK: PUBLIC_ACCESS_FLAGS},
    ),
    resource_policy(
        "aws-s3-versioning",
        area=AREA,
        types=[S3_VERSIONING],
        severity="high",
        summary="S3 versioning is enabled (recovery from deletes and overwrites).",
        remediation="Set versioningConfiguration.status to 'Enabled'.",
        check=_s3_versioning,
        reads={S3_VERSIONING: ("versioningConfiguration.status",)},
    ),
    resource_policy(
        "aws-s3-tls-only",
        area=AREA,
        types=[S3_POLICY],
        severity="high",
        summary="S3 bucket policies deny any request made without TLS.",
        remediation="Add a Deny statement for s3:* to Principal '*' with Condition Bool aws:SecureTransport = false.",
        check=_s3_tls_only,
        reads={S3_POLICY: ("policy",)},
    ),
    resource_policy(
        "aws-sns-publish-guarded",
        area=AREA,
        types=[SNS_TOPIC_POLICY],
        severity="high",
        summary="SNS topic policies deny publishing without TLS and scope service publishers to this account.",
        remediation="Add a Deny for sns:Publish to Principal '*' with Bool aws:SecureTransport = false; give every "
        "service principal's Allow an aws:SourceAccount or aws:SourceArn condition.",
        check=_sns_publish_guarded,
        reads={SNS_TOPIC_POLICY: ("policy",)},
    ),
    resource_policy(
        "aws-s3-no-public-acl",
        area=AREA,
        types=[S3_ACL],
        severity="critical",
        summary="S3 ACLs grant nothing to AllUsers or AuthenticatedUsers.",
        remediation="Use acl 'private' (better: no BucketAcl at all, with BucketOwnerEnforced ownership).",
        check=_s3_no_public_acl,
        reads={S3_ACL: ("acl", "accessControlPolicy.grants.grantee.uri", "accessControlPolicy.grants.permission")},
    ),
    resource_policy(
        "aws-s3-acls-disabled",
        area=AREA,
        types=[S3_OWNERSHIP],
        severity="low",
        summary="S3 object ownership is BucketOwnerEnforced (ACLs disabled; access by policy only).",
        remediation="Set rule.objectOwnership to 'BucketOwnerEnforced'.",
        check=_s3_acls_disabled,
        security=False,
        reads={S3_OWNERSHIP: ("rule.objectOwnership",)},
    ),
    resource_policy(
        "aws-rds-not-public",
        area=AREA,
        types=[RDS_INSTANCE],
        severity="critical",
        summary="RDS instances are not publicly accessible.",
        remediation="Set publiclyAccessible to false and place the instance in private subnets.",
        check=_rds_not_public,
        reads={RDS_INSTANCE: ("publiclyAccessible",)},
    ),
    resource_policy(
        "aws-rds-encryption-customer-key",
        area=AREA,
        types=[RDS_INSTANCE],
        severity="high",
        summary="RDS storage is encrypted with a customer-managed KMS key.",
        remediation="Set storageEncrypted true and kmsKeyId to the region's RDS CMK (needs a new instance).",
        check=_rds_encrypted,
        reads={RDS_INSTANCE: ("storageEncrypted", "kmsKeyId")},
    ),
    resource_policy(
        "aws-rds-backup-retention",
        area=AREA,
        types=[RDS_INSTANCE],
        severity="high",
        summary="RDS automated backups (and with them point-in-time recovery) are kept long enough.",
        remediation="Set backupRetentionPeriod to at least minRetentionDays (postgres.backup_retention_days).",
        check=_rds_backups,
        reads={RDS_INSTANCE: ("backupRetentionPeriod",)},
        config={
            "minRetentionDays": {
                "type": "integer",
                "minimum": 1,
                "maximum": 35,
                "default": 7,
                "description": "Minimum automated-backup retention in days.",
            }
        },
    ),
    resource_policy(
        "aws-rds-multi-az",
        area=AREA,
        types=[RDS_INSTANCE],
        severity="high",
        summary="Prod RDS instances run multi-AZ.",
        remediation="Set multiAz true (postgres.ha: true).",
        check=_rds_multi_az,
        security=False,
        prod_only=True,
        reads={RDS_INSTANCE: ("multiAz",)},
    ),
    resource_policy(
        "aws-rds-deletion-protection",
        area=AREA,
        types=[RDS_INSTANCE],
        severity="high",
        summary="Prod RDS instances have deletion protection and keep a final snapshot.",
        remediation="Set deletionProtection true, skipFinalSnapshot false and a finalSnapshotIdentifier.",
        check=_rds_deletion_protection,
        prod_only=True,
        reads={RDS_INSTANCE: ("deletionProtection", "skipFinalSnapshot")},
    ),
    resource_policy(
        "aws-eks-private-endpoint",
        area=AREA,
        types=[EKS_CLUSTER],
        severity="critical",
        summary="EKS API endpoints are private in prod; in dev a public endpoint must be allow-listed.",
        remediation="Set vpcConfig.endpointPrivateAccess true and endpointPublicAccess false "
        "(dev: publicAccessCidrs without 0.0.0.0/0).",
        check=_eks_endpoint,
        environment_aware=True,
        reads={
            EKS_CLUSTER: (
                "vpcConfig.endpointPrivateAccess",
                "vpcConfig.endpointPublicAccess",
                "vpcConfig.publicAccessCidrs",
            )
        },
    ),
    resource_policy(
        "aws-eks-secrets-encryption",
        area=AREA,
        types=[EKS_CLUSTER],
        severity="high",
        summary="EKS envelope-encrypts Kubernetes secrets with a customer-managed KMS key.",
        remediation="Set encryptionConfig {resources: ['secrets'], provider.keyArn: the region's EKS CMK}.",
        check=_eks_secrets_encryption,
        reads={EKS_CLUSTER: ("encryptionConfig.resources", "encryptionConfig.provider.keyArn")},
    ),
    resource_policy(
        "aws-eks-audit-logs",
        area=AREA,
        types=[EKS_CLUSTER],
        severity="high",
        summary="EKS control-plane audit logging is on.",
        remediation="Add the required types to enabledClusterLogTypes (api, audit, authenticator at least).",
        check=_eks_audit_logs,
        reads={EKS_CLUSTER: ("enabledClusterLogTypes",)},
        config={
            "requiredLogTypes": {
                "type": "array",
                "items": {"type": "string", "enum": EKS_LOG_TYPES},
                "default": ["api", "audit", "authenticator"],
                "description": "Control-plane log types that must be enabled.",
            }
        },
    ),
    resource_policy(
        "aws-eks-node-group-launch-template",
        area=AREA,
        types=[EKS_NODE_GROUP],
        severity="high",
        summary="EKS managed node groups launch through a launch template of the stack (metadata and root-volume "
        "settings under its control), following its latest version.",
        remediation="Set launchTemplate {id: the pool's ec2.LaunchTemplate, version: its latestVersion} (and drop "
        "diskSize: the template's root volume sets it).",
        check=_node_group_launch_template,
        reads={EKS_NODE_GROUP: ("launchTemplate.id", "launchTemplate.name", "launchTemplate.version")},
    ),
    resource_policy(
        "aws-launch-template-imdsv2",
        area=AREA,
        types=[LAUNCH_TEMPLATE],
        severity="high",
        summary="Launch templates require IMDSv2 with a response hop limit of 1 (pods cannot reach the node "
        "role's credentials).",
        remediation="Set metadataOptions {httpEndpoint: 'enabled', httpTokens: 'required', "
        "httpPutResponseHopLimit: 1}.",
        check=_launch_template_imdsv2,
        reads={
            LAUNCH_TEMPLATE: (
                "metadataOptions.httpEndpoint",
                "metadataOptions.httpTokens",
                "metadataOptions.httpPutResponseHopLimit",
            )
        },
        config={
            "maxHopLimit": {
                "type": "integer",
                "minimum": 1,
                "maximum": 64,
                "default": 1,
                "description": "Highest allowed metadata response hop limit (1: the instance itself only).",
            }
        },
    ),
    resource_policy(
        "aws-launch-template-encrypted-volumes",
        area=AREA,
        types=[LAUNCH_TEMPLATE],
        severity="high",
        summary="Launch templates encrypt every EBS volume (the nodes' root volumes) with a customer-managed key.",
        remediation="Give each blockDeviceMappings entry ebs {encrypted: 'true', kmsKeyId: the region's CMK} (its "
        "key policy must admit AWSServiceRoleForAutoScaling).",
        check=_launch_template_volumes,
        reads={
            LAUNCH_TEMPLATE: (
                "blockDeviceMappings.deviceName",
                "blockDeviceMappings.ebs.encrypted",
                "blockDeviceMappings.ebs.kmsKeyId",
            )
        },
    ),
    resource_policy(
        "aws-kms-key-rotation",
        area=AREA,
        types=[KMS_KEY],
        severity="medium",
        summary="Symmetric KMS keys rotate automatically.",
        remediation="Set enableKeyRotation true (rotationPeriodInDays <= maxRotationDays).",
        check=_kms_rotation,
        reads={KMS_KEY: ("enableKeyRotation", "rotationPeriodInDays", "customerMasterKeySpec")},
        config={
            "maxRotationDays": {
                "type": "integer",
                "minimum": 90,
                "maximum": 2560,
                "default": 365,
                "description": "Longest allowed rotation period in days.",
            }
        },
    ),
    resource_policy(
        "aws-log-group-encryption",
        area=AREA,
        types=[LOG_GROUP],
        severity="medium",
        summary="CloudWatch log groups (flow logs, control-plane logs) are encrypted with a customer key.",
        remediation="Set kmsKeyId to the region's logs CMK (its key policy must admit logs.<region>.amazonaws.com).",
        check=_log_group_encrypted,
        reads={LOG_GROUP: ("kmsKeyId",)},
    ),
    resource_policy(
        "aws-kms-deletion-window",
        area=AREA,
        types=[KMS_KEY],
        severity="high",
        summary="A deleted KMS key stays recoverable for the configured window (30 days in prod).",
        remediation="Set deletionWindowInDays to at least minDeletionWindowDays (7-30).",
        check=_kms_deletion_window,
        reads={KMS_KEY: ("deletionWindowInDays",)},
        config={
            "minDeletionWindowDays": {
                "type": "integer",
                "minimum": 7,
                "maximum": 30,
                "default": 30,
                "description": "Shortest allowed pending-deletion window in days (AWS allows 7-30).",
            }
        },
    ),
    resource_policy(
        "aws-secret-recovery-window",
        area=AREA,
        types=[SECRET],
        severity="high",
        summary="A deleted secret stays recoverable (never force-deleted; 30 days in prod).",
        remediation="Set recoveryWindowInDays to at least minRecoveryWindowDays (7-30), never 0.",
        check=_secret_recovery_window,
        reads={SECRET: ("recoveryWindowInDays",)},
        config={
            "minRecoveryWindowDays": {
                "type": "integer",
                "minimum": 7,
                "maximum": 30,
                "default": 30,
                "description": "Shortest allowed recovery window in days (AWS allows 7-30, or 0 to force-delete).",
            }
        },
    ),
    resource_policy(
        "aws-secret-customer-key",
        area=AREA,
        types=[SECRET],
        severity="medium",
        summary="Secrets Manager secrets, and each of their replicas in other regions, are encrypted with a "
        "customer-managed key.",
        remediation="Set kmsKeyId, and kmsKeyId of every replicas entry, to a customer-managed KMS key of its region.",
        check=_secret_cmk,
        reads={SECRET: ("kmsKeyId", "replicas.region", "replicas.kmsKeyId")},
    ),
    resource_policy(
        "aws-cognito-ses-email",
        area=AREA,
        types=[USER_POOL],
        severity="medium",
        summary="Prod user pools send their e-mail through an SES identity (DEVELOPER), not Cognito's daily-capped "
        "default sender.",
        remediation="Set emailConfiguration {emailSendingAccount: DEVELOPER, sourceArn: the verified SES identity, "
        "fromEmailAddress} (identity.email in the stack file).",
        check=_user_pool_ses,
        prod_only=True,
        reads={USER_POOL: ("emailConfiguration.emailSendingAccount", "emailConfiguration.sourceArn")},
    ),
    resource_policy(
        "aws-no-public-ingress",
        area=AREA,
        types=[SECURITY_GROUP, SECURITY_GROUP_RULE, SECURITY_GROUP_INGRESS],
        severity="critical",
        summary="Security groups open no port but the allowed ones (80/443) to the internet.",
        remediation="Restrict the source to the platform CIDRs or a prefix list, or put the service behind a load "
        "balancer.",
        check=_security_group_ingress,
        reads={
            SECURITY_GROUP: (
                "ingress.cidrBlocks",
                "ingress.ipv6CidrBlocks",
                "ingress.protocol",
                "ingress.fromPort",
                "ingress.toPort",
            ),
            SECURITY_GROUP_RULE: ("type", "cidrBlocks", "ipv6CidrBlocks", "protocol", "fromPort", "toPort"),
            SECURITY_GROUP_INGRESS: ("cidrIpv4", "cidrIpv6", "ipProtocol", "fromPort", "toPort"),
        },
        config={"allowedPublicPorts": ALLOWED_PUBLIC_PORTS},
    ),
    resource_policy(
        "aws-subnet-no-public-ip",
        area=AREA,
        types=[SUBNET],
        severity="medium",
        summary="Subnets do not hand out public IPs on launch.",
        remediation="Set mapPublicIpOnLaunch false; expose services through load balancers.",
        check=_subnet_public_ip,
        reads={SUBNET: ("mapPublicIpOnLaunch",)},
    ),
    resource_policy(
        "aws-iam-web-identity-pinned",
        area=AREA,
        types=[IAM_ROLE],
        severity="critical",
        summary="Roles assumable with a web identity (Kubernetes service-account tokens) pin the token's subject "
        "and audience exactly.",
        remediation="In every sts:AssumeRoleWithWebIdentity statement add StringEquals on '<issuer>:sub' "
        "(system:serviceaccount:<namespace>:<name>) and '<issuer>:aud' (sts.amazonaws.com).",
        check=_web_identity_pinned,
        reads={IAM_ROLE: ("assumeRolePolicy",)},
    ),
    resource_policy(
        "aws-iam-pod-identity-pinned",
        area=AREA,
        types=[IAM_ROLE],
        severity="critical",
        summary="Roles EKS Pod Identity assumes (pods.eks.amazonaws.com) pin the cluster, namespace and service "
        "account with the session tags.",
        remediation="Add StringEquals aws:RequestTag/eks-cluster-arn, aws:RequestTag/kubernetes-namespace and "
        "aws:RequestTag/kubernetes-service-account to the trust statement.",
        check=_pod_identity_pinned,
        reads={IAM_ROLE: ("assumeRolePolicy",)},
    ),
    resource_policy(
        "aws-iam-service-trust-scoped",
        area=AREA,
        types=[IAM_ROLE],
        severity="high",
        summary="Roles that AWS services assume on behalf of a resource (VPC flow logs) trust them only for this "
        "account's resources: aws:SourceAccount and aws:SourceArn (confused deputy).",
        remediation="Add Condition StringEquals aws:SourceAccount = <account> and ArnLike aws:SourceArn = "
        "arn:aws:ec2:<region>:<account>:vpc-flow-log/* to the trust statement.",
        check=_service_trust_scoped,
        reads={IAM_ROLE: ("assumeRolePolicy",)},
        config={
            "services": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["vpc-flow-logs.amazonaws.com"],
                "description": "Service principals whose trust must carry aws:SourceAccount and aws:SourceArn.",
            }
        },
    ),
    resource_policy(
        "aws-iam-autoscaling-writes-scoped",
        area=AREA,
        types=[IAM_ROLE_POLICY],
        severity="high",
        summary="A role that may resize or terminate Auto Scaling groups (the EKS Cluster Autoscaler's) may do so only "
        "on its own cluster's groups: a StringEquals aws:ResourceTag condition or named group ARNs.",
        remediation="Add Condition StringEquals aws:ResourceTag/eks:cluster-name = <cluster> to the statement with "
        "autoscaling:SetDesiredCapacity / TerminateInstanceInAutoScalingGroup, or list the groups' ARNs.",
        check=_autoscaling_writes_scoped,
        reads={IAM_ROLE_POLICY: ("policy",)},
    ),
    resource_policy(
        "aws-vpn-ikev2",
        area=AREA,
        types=[VPN_CONNECTION],
        severity="high",
        summary="Site-to-site VPN tunnels negotiate IKEv2 only.",
        remediation="Set tunnel1IkeVersions and tunnel2IkeVersions to ['ikev2'].",
        check=_vpn_ikev2,
        reads={VPN_CONNECTION: ("tunnel1IkeVersions", "tunnel2IkeVersions")},
    ),
    resource_policy(
        "aws-vpn-dh-groups",
        area=AREA,
        types=[VPN_CONNECTION],
        severity="high",
        summary="VPN tunnels offer only strong Diffie-Hellman groups (14-21) in both phases, never 2 or 5 beside them.",
        remediation="Set tunnel{1,2}Phase{1,2}DhGroupNumbers to [14] (or other groups 14-21).",
        check=_vpn_dh_groups,
        reads={VPN_CONNECTION: tuple(f"tunnel{t}Phase{p}DhGroupNumbers" for t in (1, 2) for p in (1, 2))},
    ),
]
