"""Cross-cloud workload identity federation: Kubernetes service accounts of one cloud's clusters act in the
other clouds through their cluster's OIDC issuer, with no static credentials anywhere.

For each trust `source -> target` (one service account, `system:serviceaccount:<namespace>:<name>`):
- target aws: an IAM OIDC provider per source-cluster issuer (shared by the trusts of that source) and one role
  only that subject can assume through those providers (audience `sts.amazonaws.com`), with an inline policy on
  the backups buckets (and their KMS keys, through S3 only);
- target gcp: a workload identity pool per source cloud with one OIDC provider per source-cluster issuer whose
  attribute condition admits only the trusted subjects, and a service account per trust that only that subject
  may impersonate, granted object roles on the backups buckets;
- target azure: a user-assigned identity per trust with one federated credential per source-cluster issuer
  (audience `api://AzureADTokenExchange`), granted a Storage Blob Data role on each backups container.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_gcp as gcp

from ..azure.roles import assign_role
from ..lib.audiences import AWS_AUDIENCE, AZURE_AUDIENCE
from ..lib.naming import SUFFIX, SUFFIX_LENGTH, region_code, unique
from ..settings.models import Cloud, Trust

STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7fe"
"""Built-in role: read and list blobs."""
STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453e-a403-e96b0abfccbe"
"""Built-in role: read, write and delete blobs."""
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
"""GCP role letting a federated principal impersonate a service account."""
CLOUDS: tuple[Cloud, ...] = ("aws", "azure", "gcp")
CLUSTER_KINDS: dict[str, str] = {"aws": "eks", "azure": "aks", "gcp": "gke"}
"""Kubernetes service of each cloud (names of per-issuer resources)."""

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")
_GCP_ID = re.compile(r"[a-z0-9-]{4,32}")
_GCP_SERVICE_ACCOUNT = re.compile(r"[a-z][-a-z0-9]{4,28}[a-z0-9]")


@dataclass(frozen=True)
class Grant:
    """What one access level grants in each cloud."""

    s3_object_actions: tuple[str, ...]
    """Object actions on the backups buckets' objects (s3:ListBucket on the buckets comes with every level)."""
    kms_actions: tuple[str, ...]
    """Actions on the buckets' KMS keys, through S3 only (SSE-KMS needs them to read or write objects)."""
    gcs_roles: tuple[str, ...]
    """Bucket-level roles on the GCS backups buckets."""
    azure_role: str
    """Built-in role on the Azure backups containers."""


GRANTS: dict[str, Grant] = {
    "read-backups": Grant(
        s3_object_actions=("s3:GetObject",),
        kms_actions=("kms:Decrypt",),
        gcs_roles=("roles/storage.objectViewer",),
        azure_role=STORAGE_BLOB_DATA_READER,
    ),
    # Write adds creating objects, not deleting them: a compromised workload cannot wipe the backups
    # (S3 and GCS keep versions; Azure has no built-in data role that writes without delete).
    "write-backups": Grant(
        s3_object_actions=("s3:GetObject", "s3:PutObject"),
        kms_actions=("kms:Decrypt", "kms:GenerateDataKey"),
        gcs_roles=("roles/storage.objectViewer", "roles/storage.objectCreator"),
        azure_role=STORAGE_BLOB_DATA_CONTRIBUTOR,
    ),
}


# --- Args ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterIssuer:
    """The OIDC issuer of one region's Kubernetes cluster."""

    region: str
    """Cloud region of the cluster."""
    issuer_url: pulumi.Input[str]
    """Issuer of the cluster's service-account tokens (their `iss` claim, https)."""


@dataclass(frozen=True)
class AwsBackups:
    """The backups bucket of one AWS region."""

    region: str
    """AWS region of the bucket."""
    bucket_name: pulumi.Input[str]
    """Physical S3 bucket name."""
    kms_key_arn: pulumi.Input[str] | None = None
    """KMS key of the bucket's SSE-KMS default encryption (None for SSE-S3)."""


@dataclass(frozen=True)
class AwsTarget:
    """What trusts targeting AWS get access to."""

    backups: Sequence[AwsBackups]
    """Backups buckets of every AWS region."""


@dataclass(frozen=True)
class AzureBackups:
    """The backups container of one Azure region."""

    region: str
    """Azure region of the storage account."""
    storage_account_id: pulumi.Input[str]
    """ARM id of the region's storage account."""
    container_name: pulumi.Input[str]
    """Name of the backups blob container."""


@dataclass(frozen=True)
class AzureTarget:
    """Where trusts targeting Azure get their identities, and what those may access."""

    subscription_id: str
    """Subscription of the identities and role definitions."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the user-assigned identities (the primary region's)."""
    location: str
    """Azure region of the user-assigned identities."""
    backups: Sequence[AzureBackups]
    """Backups containers of every Azure region."""


@dataclass(frozen=True)
class GcpBackups:
    """The backups bucket of one GCP region."""

    region: str
    """GCP region of the bucket."""
    bucket_name: pulumi.Input[str]
    """Physical GCS bucket name."""


@dataclass(frozen=True)
class GcpTarget:
    """Where trusts targeting GCP get their pools and service accounts, and what those may access."""

    project: str
    """Project of the pools and service accounts."""
    backups: Sequence[GcpBackups]
    """Backups buckets of every GCP region."""
    project_number: pulumi.Input[str] | None = None
    """Number of `project` (principal URIs need it); None reads it with `organizations.get_project`."""


@dataclass(frozen=True)
class WorkloadFederationArgs:
    """Inputs of WorkloadFederation."""

    trusts: Sequence[Trust]
    """The trust graph: each source cloud's service account trusted by each of its targets."""
    issuers: Mapping[Cloud, Sequence[ClusterIssuer]]
    """Every region's cluster issuer, per cloud (at least the trusts' source clouds)."""
    name_prefix: str
    """`<platform>-<environment>`: prefix of every physical name (account- or project-global ones)."""
    tags: Mapping[str, str]
    """Tags of the taggable resources (IAM roles and OIDC providers, Azure identities)."""
    suffix: pulumi.Input[str]
    """The stack-unique part of the workload identity pool ids (lib/naming.py)."""
    aws: AwsTarget | None = None
    """AWS as a target (required when a trust targets aws)."""
    azure: AzureTarget | None = None
    """Azure as a target (required when a trust targets azure)."""
    gcp: GcpTarget | None = None
    """GCP as a target (required when a trust targets gcp)."""


# --- pure helpers (names, subjects, policies) ------------------------------------------------------


def subject(namespace: str, service_account: str) -> str:
    """The `sub` claim of a Kubernetes service account's token, after checking both names are Kubernetes names."""
    if not _DNS_LABEL.fullmatch(namespace):
        raise ValueError(f"namespace '{namespace}' is not a Kubernetes name; allowed: 1-63 of [a-z0-9-]")
    if not _DNS_SUBDOMAIN.fullmatch(service_account) or len(service_account) > 253:
        raise ValueError(f"service account '{service_account}' is not a Kubernetes name; allowed: [a-z0-9-.]")
    return f"system:serviceaccount:{namespace}:{service_account}"


def trust_subject(trust: Trust) -> str:
    """The subject a trust admits."""
    return subject(trust.namespace, trust.service_account)


def trust_key(trust: Trust) -> str:
    """Key of a trust in the component's outputs: `<source>:<namespace>/<service account>`."""
    return f"{trust.source}:{trust.namespace}/{trust.service_account}"


def trust_slug(trust: Trust) -> str:
    """`<source>-<namespace>-<service account>`: the trust's part of logical and physical names."""
    return f"{trust.source}-{trust.namespace}-{trust.service_account}".replace(".", "-")


def bounded(name: str, max_len: int) -> str:
    """`name` if it fits `max_len`, else its head plus a 6-hex hash of the whole (stable and still unique)."""
    if len(name) <= max_len:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:6]
    return f"{name[: max_len - 7].rstrip('-')}-{digest}"


def iam_role_name(prefix: str, trust: Trust) -> str:
    """IAM role name of a trust targeting AWS (account-global, at most 64 characters)."""
    return bounded(f"{prefix}-wif-{trust_slug(trust)}", 64)


def azure_identity_name(prefix: str, trust: Trust) -> str:
    """User-assigned identity name of a trust targeting Azure (3-128 of [a-zA-Z0-9-_])."""
    return bounded(f"{prefix}-wif-{trust_slug(trust)}", 128)


def federated_credential_name(source: str, region: str) -> str:
    """Federated credential name of one source issuer (3-120 characters, unique per identity)."""
    return f"{source}-{region_code(region)}"


def gcp_service_account_id(prefix: str, trust: Trust) -> str:
    """Service account id of a trust targeting GCP (6-30 of [a-z0-9-], starting with a letter)."""
    account = bounded(f"{prefix}-{trust_slug(trust)}", 30)
    if not _GCP_SERVICE_ACCOUNT.fullmatch(account) or "--" in account:
        raise ValueError(f"GCP service account id '{account}' is invalid; allowed: 6-30 of [a-z0-9-], from a letter")
    return account


def _gcp_id(kind: str, value: str) -> str:
    value = bounded(value, 32)
    checked = value.replace(SUFFIX, "a" * SUFFIX_LENGTH)  # a template's stack-unique part: [a-z0-9]
    if not _GCP_ID.fullmatch(checked) or value.startswith("gcp-") or value.endswith("-"):
        raise ValueError(f"GCP {kind} id '{value}' is invalid; allowed: 4-32 of [a-z0-9-], not starting with gcp-")
    return value


def pool_id(prefix: str, source: str) -> str:
    """Workload identity pool id template of one source cloud (4-32 of [a-z0-9-]; the `wif-` head keeps it off
    `gcp-`), ending in the stack-unique part: a deleted pool's id stays taken for 30 days
    (https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools/create); its
    providers live inside it, so theirs need no suffix."""
    head = bounded(f"wif-{prefix}-{source}", 32 - 1 - SUFFIX_LENGTH)
    return _gcp_id("workload identity pool", f"{head}-{SUFFIX}")


def pool_provider_id(source: str, region: str) -> str:
    """Workload identity pool provider id of one source issuer (`<eks|aks|gke>-<region code>`, 4-32 of [a-z0-9-])."""
    return _gcp_id("workload identity pool provider", f"{CLUSTER_KINDS[source]}-{region_code(region)}")


def issuer_host(issuer_url: str) -> str:
    """The issuer without `https://`: the prefix of IAM's `<issuer>:sub`/`:aud` condition keys."""
    if not issuer_url.startswith("https://"):
        raise ValueError(f"OIDC issuer '{issuer_url}' is not an https URL")
    return issuer_url.removeprefix("https://")


def subject_condition(subjects: Sequence[str]) -> str:
    """CEL attribute condition admitting exactly `subjects` (the token's `sub` claim)."""
    if not subjects:
        raise ValueError("an attribute condition needs at least one subject")
    if len(subjects) == 1:
        return f"assertion.sub == '{subjects[0]}'"
    return "assertion.sub in [" + ", ".join(f"'{s}'" for s in subjects) + "]"


def gcp_principal(project_number: str, pool: str, sub: str) -> str:
    """IAM principal of one subject of a workload identity pool."""
    return f"principal://iam.googleapis.com/{_pool_path(project_number, pool)}/subject/{sub}"


def gcp_audience(project_number: str, pool: str, provider: str) -> str:
    """Audience a token for one pool provider carries (the provider's canonical resource name)."""
    return f"//iam.googleapis.com/{_pool_path(project_number, pool)}/providers/{provider}"


def _pool_path(project_number: str, pool: str) -> str:
    return f"projects/{project_number}/locations/global/workloadIdentityPools/{pool}"


def web_identity_trust_policy(providers: Sequence[tuple[str, str]], sub: str) -> str:
    """Trust policy admitting `sub` through each `(OIDC provider ARN, issuer URL)`, audience sts.amazonaws.com."""
    statements = [
        {
            "Sid": f"Issuer{i}",
            "Effect": "Allow",
            "Principal": {"Federated": arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {f"{issuer_host(issuer)}:aud": AWS_AUDIENCE, f"{issuer_host(issuer)}:sub": sub}
            },
        }
        for i, (arn, issuer) in enumerate(providers)
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def backups_policy(buckets: Sequence[tuple[str, str, str | None]], access: str) -> str:
    """Least-privilege S3 policy on `(region, bucket name, KMS key ARN or None)` for one access level."""
    grant = GRANTS[access]
    arns = [f"arn:aws:s3:::{name}" for _, name, _ in buckets]
    statements: list[dict[str, Any]] = [
        {"Sid": "ListBackups", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": arns},
        {
            "Sid": "BackupObjects",
            "Effect": "Allow",
            "Action": list(grant.s3_object_actions),
            "Resource": [f"{arn}/*" for arn in arns],
        },
    ]
    keys: dict[str, list[str]] = {}
    for region, _, key in buckets:
        if key:
            keys.setdefault(region, []).append(key)
    for region, region_keys in keys.items():
        statements.append(
            {
                "Sid": f"BackupKeys{region.replace('-', '').title()}",
                "Effect": "Allow",
                "Action": list(grant.kms_actions),
                "Resource": sorted(set(region_keys)),
                "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def check_trusts(args: WorkloadFederationArgs) -> None:
    """Raise ValueError for a trust graph the clouds cannot honour (self-trust, unknown issuers or targets,
    duplicates, invalid Kubernetes names, a target with nothing to grant)."""
    seen: set[tuple[str, str, str, str]] = set()
    for i, trust in enumerate(args.trusts):
        where = f"trust {i} ({trust_key(trust)})"
        trust_subject(trust)
        if trust.access not in GRANTS:
            raise ValueError(f"{where}: unknown access '{trust.access}'; allowed: {', '.join(GRANTS)}")
        if trust.source in trust.targets:
            raise ValueError(f"{where}: {trust.source} cannot federate with itself; allowed targets: other clouds")
        if not args.issuers.get(trust.source):
            raise ValueError(f"{where}: no cluster issuers given for source {trust.source}")
        for target in trust.targets:
            config = getattr(args, target)
            if config is None:
                raise ValueError(f"{where}: targets {target} but no {target} target arguments were given")
            if not config.backups:
                raise ValueError(f"{where}: {target} has no backups to grant access to")
            key = (trust.source, trust.namespace, trust.service_account, target)
            if key in seen:
                raise ValueError(f"{where}: {trust.source} -> {target} is listed twice for this service account")
            seen.add(key)


# --- the component ---------------------------------------------------------------------------------


class WorkloadFederation(pulumi.ComponentResource):
    """The cross-cloud trust graph. Give it the primary regions' providers (one `aws.Provider`, one
    `azure_native.Provider`, one `gcp.Provider`, each needed only when a trust targets that cloud) through
    `opts.providers`; identity resources are global (IAM, Entra ID, GCP IAM) except the Azure identities,
    which live in `azure.resource_group_name`."""

    aws_role_arns: dict[str, pulumi.Output[str]]
    """Trust key (`<source>:<namespace>/<sa>`) -> IAM role to assume with the service account's token
    (audience sts.amazonaws.com; `AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE`)."""
    aws_oidc_provider_arns: dict[str, pulumi.Output[str]]
    """`<source>/<region>` -> IAM OIDC provider of that cluster's issuer."""
    gcp_service_accounts: dict[str, pulumi.Output[str]]
    """Trust key -> e-mail of the GCP service account to impersonate."""
    gcp_provider_names: dict[str, pulumi.Output[str]]
    """`<source>/<region>` -> pool provider resource name (`projects/<n>/locations/global/workloadIdentityPools/
    <pool>/providers/<id>`); the token audience is `//iam.googleapis.com/` + this name."""
    azure_client_ids: dict[str, pulumi.Output[str]]
    """Trust key -> client id of the user-assigned identity (`azure.workload.identity/client-id`)."""
    azure_tenant_id: pulumi.Output[str] | None
    """Tenant of the Azure identities (None without trusts targeting Azure)."""

    def __init__(self, name: str, args: WorkloadFederationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:identity:WorkloadFederation", name, {}, opts)
        check_trusts(args)
        for issuers in args.issuers.values():
            for issuer in issuers:
                if isinstance(issuer.issuer_url, str):
                    issuer_host(issuer.issuer_url)
        by_target = {cloud: [t for t in args.trusts if cloud in t.targets] for cloud in CLOUDS}

        self.aws_role_arns, self.aws_oidc_provider_arns = {}, {}
        self.gcp_service_accounts, self.gcp_provider_names = {}, {}
        self.azure_client_ids, self.azure_tenant_id = {}, None
        if by_target["aws"] and args.aws:
            self._aws(name, args, args.aws, by_target["aws"])
        if by_target["gcp"] and args.gcp:
            self._gcp(name, args, args.gcp, by_target["gcp"])
        if by_target["azure"] and args.azure:
            self._azure(name, args, args.azure, by_target["azure"])
        self.register_outputs(
            {
                "aws_role_arns": self.aws_role_arns,
                "gcp_service_accounts": self.gcp_service_accounts,
                "gcp_provider_names": self.gcp_provider_names,
                "azure_client_ids": self.azure_client_ids,
            }
        )

    # --- AWS ---

    def _aws(self, name: str, args: WorkloadFederationArgs, target: AwsTarget, trusts: list[Trust]) -> None:
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        providers: dict[str, list[tuple[aws.iam.OpenIdConnectProvider, pulumi.Input[str]]]] = {}
        for source in dict.fromkeys(t.source for t in trusts):
            providers[source] = []
            for issuer in args.issuers[source]:
                provider = aws.iam.OpenIdConnectProvider(
                    f"{name}-{source}-{region_code(issuer.region)}-oidc",
                    url=issuer.issuer_url,
                    client_id_lists=[AWS_AUDIENCE],
                    tags={**tags, "source-cloud": source, "source-region": issuer.region},
                    opts=child,
                )
                providers[source].append((provider, issuer.issuer_url))
                self.aws_oidc_provider_arns[f"{source}/{issuer.region}"] = provider.arn
        buckets = pulumi.Output.all(
            *[pulumi.Output.all(b.region, b.bucket_name, b.kms_key_arn) for b in target.backups]
        )
        for trust in trusts:
            resource = f"{name}-{trust_slug(trust)}-to-aws"
            pairs = providers[trust.source]
            trust_policy = pulumi.Output.all(*[p.arn for p, _ in pairs], *[url for _, url in pairs]).apply(
                _trust_policy_of(len(pairs), trust_subject(trust))
            )
            role = aws.iam.Role(
                f"{resource}-role",
                name=iam_role_name(args.name_prefix, trust),
                description=f"Workload identity of {trust_key(trust)} ({trust.access})",
                assume_role_policy=trust_policy,
                max_session_duration=3600,
                tags={**tags, "source-cloud": trust.source},
                opts=child,
            )
            aws.iam.RolePolicy(
                f"{resource}-{trust.access}",
                name=trust.access,
                role=role.id,
                policy=buckets.apply(_backups_policy_of(trust.access)),
                opts=child,
            )
            self.aws_role_arns[trust_key(trust)] = role.arn

    # --- GCP ---

    def _gcp(self, name: str, args: WorkloadFederationArgs, target: GcpTarget, trusts: list[Trust]) -> None:
        child = pulumi.ResourceOptions(parent=self)
        number = pulumi.Output.from_input(
            target.project_number
            if target.project_number is not None
            else gcp.organizations.get_project_output(
                project_id=target.project, opts=pulumi.InvokeOutputOptions(parent=self)
            ).number
        )
        pools: dict[str, gcp.iam.WorkloadIdentityPool] = {}
        for source in dict.fromkeys(t.source for t in trusts):
            pool = gcp.iam.WorkloadIdentityPool(
                f"{name}-{source}-pool",
                project=target.project,
                workload_identity_pool_id=unique(pool_id(args.name_prefix, source), args.suffix),
                display_name=f"{source} clusters",
                description=f"Service accounts of the {source} clusters trusted by this project",
                disabled=False,
                opts=child,
            )
            pools[source] = pool
            condition = subject_condition(list(dict.fromkeys(trust_subject(t) for t in trusts if t.source == source)))
            for issuer in args.issuers[source]:
                provider_id = pool_provider_id(source, issuer.region)
                audience = pulumi.Output.all(number, pool.workload_identity_pool_id).apply(_audience_of(provider_id))
                provider = gcp.iam.WorkloadIdentityPoolProvider(
                    f"{name}-{source}-{region_code(issuer.region)}-provider",
                    project=target.project,
                    workload_identity_pool_id=pool.workload_identity_pool_id,
                    workload_identity_pool_provider_id=provider_id,
                    display_name=f"{source} {issuer.region}"[:32],
                    description=f"Cluster issuer of {source} {issuer.region}",
                    attribute_mapping={"google.subject": "assertion.sub"},
                    attribute_condition=condition,
                    oidc={"issuer_uri": issuer.issuer_url, "allowed_audiences": [audience]},
                    disabled=False,
                    opts=child,
                )
                self.gcp_provider_names[f"{source}/{issuer.region}"] = provider.name
        for trust in trusts:
            resource = f"{name}-{trust_slug(trust)}-to-gcp"
            account = gcp.serviceaccount.Account(
                f"{resource}-sa",
                project=target.project,
                account_id=gcp_service_account_id(args.name_prefix, trust),
                display_name=f"Workload identity of {trust_key(trust)}"[:100],
                description=f"Impersonated by {trust_subject(trust)} of the {trust.source} clusters ({trust.access})",
                opts=child,
            )
            principal = pulumi.Output.all(number, pools[trust.source].workload_identity_pool_id).apply(
                _principal_of(trust_subject(trust))
            )
            gcp.serviceaccount.IAMMember(
                f"{resource}-workload-identity-user",
                service_account_id=account.name,
                role=WORKLOAD_IDENTITY_USER,
                member=principal,
                opts=child,
            )
            for backup in target.backups:
                for role in GRANTS[trust.access].gcs_roles:
                    gcp.storage.BucketIAMMember(
                        f"{resource}-{region_code(backup.region)}-{role.rsplit('/', 1)[-1].lower()}",
                        bucket=backup.bucket_name,
                        role=role,
                        member=account.member,
                        opts=child,
                    )
            self.gcp_service_accounts[trust_key(trust)] = account.email

    # --- Azure ---

    def _azure(self, name: str, args: WorkloadFederationArgs, target: AzureTarget, trusts: list[Trust]) -> None:
        for trust in trusts:
            resource = f"{name}-{trust_slug(trust)}-to-azure"
            identity = azure_native.managedidentity.UserAssignedIdentity(
                f"{resource}-identity",
                resource_name_=azure_identity_name(args.name_prefix, trust),
                resource_group_name=target.resource_group_name,
                location=target.location,
                tags={**args.tags, "source-cloud": trust.source},
                opts=pulumi.ResourceOptions(parent=self),
            )
            # Entra ID rejects concurrent federated-credential writes under one identity: create them in turn.
            previous: list[pulumi.Resource] = []
            for issuer in args.issuers[trust.source]:
                credential = azure_native.managedidentity.FederatedIdentityCredential(
                    f"{resource}-{region_code(issuer.region)}-credential",
                    resource_name_=identity.name,
                    resource_group_name=target.resource_group_name,
                    federated_identity_credential_resource_name=federated_credential_name(trust.source, issuer.region),
                    issuer=issuer.issuer_url,
                    subject=trust_subject(trust),
                    audiences=[AZURE_AUDIENCE],
                    opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
                )
                previous = [credential]
            role = GRANTS[trust.access].azure_role
            for backup in target.backups:
                assign_role(
                    f"{resource}-{region_code(backup.region)}-"
                    + ("blob-reader" if role == STORAGE_BLOB_DATA_READER else "blob-contributor"),
                    self,
                    scope=pulumi.Output.concat(
                        backup.storage_account_id, "/blobServices/default/containers/", backup.container_name
                    ),
                    principal_id=identity.principal_id,
                    role=role,
                    subscription_id=target.subscription_id,
                )
            self.azure_client_ids[trust_key(trust)] = identity.client_id
            if self.azure_tenant_id is None:
                self.azure_tenant_id = identity.tenant_id


# --- apply callbacks (bound per trust; pure, no resources) -----------------------------------------


def _trust_policy_of(count: int, sub: str) -> Callable[[list[Any]], str]:
    """[provider ARNs..., issuer URLs...] -> the role's trust policy."""
    return lambda values: web_identity_trust_policy(list(zip(values[:count], values[count:], strict=True)), sub)


def _backups_policy_of(access: str) -> Callable[[list[Any]], str]:
    """[(region, bucket, key ARN)...] -> the role's backups policy."""
    return lambda buckets: backups_policy(buckets, access)


def _audience_of(provider: str) -> Callable[[list[Any]], str]:
    """[project number, pool id] -> the provider's token audience."""
    return lambda values: gcp_audience(values[0], values[1], provider)


def _principal_of(sub: str) -> Callable[[list[Any]], str]:
    """[project number, pool id] -> the subject's principal URI."""
    return lambda values: gcp_principal(values[0], values[1], sub)
