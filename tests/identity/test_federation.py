"""WorkloadFederation: every trust's subject/audience/issuer wiring in each target cloud, least-privilege
access to exactly the backups, the GCP id rules, and the explicit providers.

The program builds the component directly with plain-value inputs: the prod stack's trust graph (every cloud
trusts the other two for `platform/api`, read-backups) plus write trusts of a second service account, with
the cluster issuers of all three clouds in two regions each."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_gcp as gcp
import pytest

from components.identity.federation import (
    AWS_AUDIENCE,
    AZURE_AUDIENCE,
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    STORAGE_BLOB_DATA_READER,
    AwsBackups,
    AwsTarget,
    AzureBackups,
    AzureTarget,
    ClusterIssuer,
    GcpBackups,
    GcpTarget,
    WorkloadFederation,
    WorkloadFederationArgs,
    backups_policy,
    bounded,
    check_trusts,
    gcp_service_account_id,
    issuer_host,
    pool_id,
    pool_provider_id,
    subject,
    subject_condition,
    trust_key,
)
from components.settings import load_settings
from components.settings.models import Trust
from policies.rules.common import TAG_PATHS
from scripts.mock_clouds.gcp import PROJECT_NUMBER
from scripts.offline import Recording, Registration, record
from scripts.policy_check import check
from tests.aws.helpers import descendants, one
from tests.conftest import stack_config
from tests.sdk_checks import args_class, unknown_wire_keys

COMPONENT = "multicloud:identity:WorkloadFederation"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
TENANT = "72f988bf-0000-4000-8000-000000000001"
PROJECT = "mock-project"
PREFIX = "flow-prod"
UNIQUE = "ab12c"
"""The stack-unique suffix the component gets (the platform's RandomString)."""
ISSUERS: dict[str, dict[str, str]] = {
    "aws": {
        "us-east-1": "https://oidc.eks.us-east-1.amazonaws.com/id/A1B2C3D4E5F60718293A4B5C6D7E8F90",
        "us-west-2": "https://oidc.eks.us-west-2.amazonaws.com/id/0F1E2D3C4B5A69788796A5B4C3D2E1F0",
    },
    "azure": {
        "eastus": f"https://eastus.oic.prod-aks.azure.com/{TENANT}/6f1c2d3e-0000-4000-8000-00000000e001/",
        "westus2": f"https://westus2.oic.prod-aks.azure.com/{TENANT}/6f1c2d3e-0000-4000-8000-00000000e002/",
    },
    "gcp": {
        "us-central1": f"https://container.googleapis.com/v1/projects/{PROJECT}/locations/us-central1/clusters/flow-prod-usc1",
        "us-east1": f"https://container.googleapis.com/v1/projects/{PROJECT}/locations/us-east1/clusters/flow-prod-use1",
    },
}
AWS_BACKUPS = {
    "us-east-1": (
        "flow-prod-backups-use1",
        "arn:aws:kms:us-east-1:123456789012:key/11111111-0000-4000-8000-000000000001",
    ),
    "us-west-2": (
        "flow-prod-backups-usw2",
        "arn:aws:kms:us-west-2:123456789012:key/22222222-0000-4000-8000-000000000002",
    ),
}
AZURE_ACCOUNTS = {
    region: f"/subscriptions/{SUBSCRIPTION}/resourceGroups/flow-prod-{code}"
    f"/providers/Microsoft.Storage/storageAccounts/flowprod{code}"
    for region, code in (("eastus", "eus"), ("westus2", "wus2"))
}
GCP_BACKUPS = {"us-central1": "flow-prod-backups-usc1", "us-east1": "flow-prod-backups-use1"}
EXTRA_TRUSTS = [
    Trust(source="azure", targets=["aws", "gcp"], namespace="backup", service_account="writer", access="write-backups"),
    Trust(source="gcp", targets=["azure"], namespace="backup", service_account="writer", access="write-backups"),
]
PROVIDER_NAMES = {"aws": "aws-primary", "azure-native": "azure-primary", "gcp": "gcp-primary"}


@cache
def trusts() -> tuple[Trust, ...]:
    settings = load_settings("prod", stack_config("prod"))
    assert settings.identity.trusts, "the prod stack file configures the trust graph"
    return (*settings.identity.trusts, *EXTRA_TRUSTS)


def federation_args(trust_list: Any = None) -> WorkloadFederationArgs:
    return WorkloadFederationArgs(
        trusts=list(trusts() if trust_list is None else trust_list),
        issuers={
            cloud: [ClusterIssuer(r, url) for r, url in by_region.items()] for cloud, by_region in ISSUERS.items()
        },
        name_prefix=PREFIX,
        suffix=UNIQUE,
        tags={"owner": "platform-team", "environment": "prod", "cost-center": "platform-prod", "managed-by": "pulumi"},
        aws=AwsTarget([AwsBackups(r, name, key) for r, (name, key) in AWS_BACKUPS.items()]),
        azure=AzureTarget(
            subscription_id=SUBSCRIPTION,
            resource_group_name="flow-prod-eus",
            location="eastus",
            backups=[AzureBackups(r, account, "backups") for r, account in AZURE_ACCOUNTS.items()],
        ),
        gcp=GcpTarget(project=PROJECT, backups=[GcpBackups(r, name) for r, name in GCP_BACKUPS.items()]),
    )


def program() -> None:
    providers = [
        aws.Provider(PROVIDER_NAMES["aws"], region="us-east-1", allowed_account_ids=["123456789012"]),  # pinned
        azure_native.Provider(PROVIDER_NAMES["azure-native"], location="eastus", subscription_id=SUBSCRIPTION),
        gcp.Provider(PROVIDER_NAMES["gcp"], project=PROJECT, region="us-central1"),
    ]
    federation = WorkloadFederation(
        "identity-federation", federation_args(), pulumi.ResourceOptions(providers=providers)
    )
    pulumi.export("aws_role_arns", federation.aws_role_arns)
    pulumi.export("aws_oidc_provider_arns", federation.aws_oidc_provider_arns)
    pulumi.export("gcp_service_accounts", federation.gcp_service_accounts)
    pulumi.export("gcp_provider_names", federation.gcp_provider_names)
    pulumi.export("azure_client_ids", federation.azure_client_ids)
    pulumi.export("azure_tenant_id", federation.azure_tenant_id)


@cache
def recording() -> Recording:
    return record("prod", {}, program, "multicloud-platform")


def component() -> Registration:
    return one(recording().of_type(COMPONENT))


def resources(resource_type: type) -> list[Registration]:
    return [r for r in descendants(recording(), component()) if r.type == resource_type.pulumi_type]  # type: ignore[attr-defined]


def named(resource_type: type, name: str) -> Registration:
    return one(r for r in resources(resource_type) if r.name == name)


def slug(trust: Trust) -> str:
    return f"{trust.source}-{trust.namespace}-{trust.service_account}"


def sub(trust: Trust) -> str:
    return f"system:serviceaccount:{trust.namespace}:{trust.service_account}"


def pairs(target: str) -> list[Trust]:
    return [t for t in trusts() if target in t.targets]


def ids(items: list[Trust]) -> list[str]:
    return [trust_key(t) for t in items]


# --- the tree -----------------------------------------------------------------------------------------


def test_every_child_is_parented_to_the_component_and_uses_the_callers_provider():
    rec = recording()
    provider_urns = {
        r.type.removeprefix("pulumi:providers:"): r.urn for r in rec.resources if r.type.startswith("pulumi:providers:")
    }
    assert set(provider_urns) == set(PROVIDER_NAMES)
    children = descendants(rec, component())
    assert children and all(r.parent == component().urn for r in children), "no nested components or reparenting"
    for resource in children:
        assert resource.provider_urn == provider_urns[resource.type.split(":")[0]], resource.name


def test_child_set_is_exactly_what_the_trust_graph_needs():
    sources = {target: list(dict.fromkeys(t.source for t in pairs(target))) for target in ("aws", "gcp")}
    assert len(resources(aws.iam.OpenIdConnectProvider)) == sum(len(ISSUERS[s]) for s in sources["aws"])
    assert len(resources(aws.iam.Role)) == len(resources(aws.iam.RolePolicy)) == len(pairs("aws"))
    assert len(resources(gcp.iam.WorkloadIdentityPool)) == len(sources["gcp"])
    assert len(resources(gcp.iam.WorkloadIdentityPoolProvider)) == sum(len(ISSUERS[s]) for s in sources["gcp"])
    assert (
        len(resources(gcp.serviceaccount.Account)) == len(resources(gcp.serviceaccount.IAMMember)) == len(pairs("gcp"))
    )
    assert len(resources(azure_native.managedidentity.UserAssignedIdentity)) == len(pairs("azure"))
    assert len(resources(azure_native.managedidentity.FederatedIdentityCredential)) == sum(
        len(ISSUERS[t.source]) for t in pairs("azure")
    )
    assert len(resources(azure_native.authorization.RoleAssignment)) == len(pairs("azure")) * len(AZURE_ACCOUNTS)


# --- AWS target -----------------------------------------------------------------------------------------


def oidc_providers() -> dict[str, Registration]:
    """IAM OIDC providers by issuer URL."""
    found = {r.inputs["url"]: r for r in resources(aws.iam.OpenIdConnectProvider)}
    assert len(found) == len(resources(aws.iam.OpenIdConnectProvider)), "one provider per issuer"
    return found


def test_iam_oidc_providers_are_the_aks_and_gke_issuers_never_eks():
    providers = oidc_providers()
    assert set(providers) == {*ISSUERS["azure"].values(), *ISSUERS["gcp"].values()}
    for provider in providers.values():
        assert provider.inputs["clientIdLists"] == [AWS_AUDIENCE]
        assert "thumbprintLists" not in provider.inputs  # IAM fetches/validates the issuer's CA itself


@pytest.mark.parametrize("trust", pairs("aws"), ids=ids(pairs("aws")))
def test_role_trusts_only_the_subject_through_exactly_the_source_issuers(trust):
    role = named(aws.iam.Role, f"identity-federation-{slug(trust)}-to-aws-role")
    statements = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    providers = oidc_providers()
    expected = {providers[url].outputs["arn"]: url for url in ISSUERS[trust.source].values()}
    assert sorted(s["Principal"]["Federated"] for s in statements) == sorted(expected)
    for statement in statements:
        issuer = expected[statement["Principal"]["Federated"]].removeprefix("https://")
        assert statement["Effect"] == "Allow"
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Condition"] == {
            "StringEquals": {f"{issuer}:sub": sub(trust), f"{issuer}:aud": AWS_AUDIENCE}
        }, "exact match on the issuer's own sub and aud keys, no wildcards"
    by_urn = recording().by_urn()
    assert {
        by_urn[u].inputs["url"]
        for u in role.dependencies
        if by_urn[u].type == aws.iam.OpenIdConnectProvider.pulumi_type
    } == set(ISSUERS[trust.source].values())
    assert len(role.inputs["name"]) <= 64
    assert role.inputs["maxSessionDuration"] == 3600


@pytest.mark.parametrize("trust", pairs("aws"), ids=ids(pairs("aws")))
def test_role_policy_grants_only_the_access_level_on_exactly_the_backups_buckets(trust):
    role = named(aws.iam.Role, f"identity-federation-{slug(trust)}-to-aws-role")
    policy = named(aws.iam.RolePolicy, f"identity-federation-{slug(trust)}-to-aws-{trust.access}")
    assert policy.inputs["role"] == role.inputs["name"]  # the role's id is its name
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    buckets = sorted(f"arn:aws:s3:::{name}" for name, _ in AWS_BACKUPS.values())
    writes = trust.access == "write-backups"
    assert all(s["Effect"] == "Allow" for s in statements.values())
    assert statements["ListBackups"]["Action"] == ["s3:ListBucket"]
    assert sorted(statements["ListBackups"]["Resource"]) == buckets
    assert statements["BackupObjects"]["Action"] == (["s3:GetObject", "s3:PutObject"] if writes else ["s3:GetObject"])
    assert sorted(statements["BackupObjects"]["Resource"]) == [f"{b}/*" for b in buckets]
    keys = [s for sid, s in statements.items() if sid.startswith("BackupKeys")]
    assert len(keys) == len(AWS_BACKUPS) and len(statements) == 2 + len(AWS_BACKUPS)
    for region, (_, key) in AWS_BACKUPS.items():
        (statement,) = (s for s in keys if s["Resource"] == [key])
        assert statement["Action"] == (["kms:Decrypt", "kms:GenerateDataKey"] if writes else ["kms:Decrypt"])
        assert statement["Condition"] == {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}


# --- GCP target -----------------------------------------------------------------------------------------


def pools() -> dict[str, Registration]:
    return {
        r.name.removeprefix("identity-federation-").removesuffix("-pool"): r
        for r in resources(gcp.iam.WorkloadIdentityPool)
    }


def test_one_pool_per_source_cloud_with_valid_ids():
    found = pools()
    assert set(found) == {t.source for t in pairs("gcp")}
    for source, pool in found.items():
        assert pool.inputs["workloadIdentityPoolId"] == f"wif-{PREFIX}-{source}-{UNIQUE}"
        assert pool.inputs["project"] == PROJECT
        assert pool.inputs["disabled"] is False


def _admitted(condition: str) -> set[str]:
    """The subjects a generated CEL condition admits (only the two shapes the component emits)."""
    single = re.fullmatch(r"assertion\.sub == '([^']+)'", condition)
    if single:
        return {single.group(1)}
    listed = re.fullmatch(r"assertion\.sub in \[('[^']+'(?:, '[^']+')*)\]", condition)
    assert listed, f"unexpected condition shape: {condition}"
    return set(re.findall(r"'([^']+)'", listed.group(1)))


@pytest.mark.parametrize("source", sorted({t.source for t in pairs("gcp")}))
def test_pool_providers_pin_each_source_issuer_audience_and_exactly_the_trusted_subjects(source):
    pool = pools()[source]
    pool_id_ = pool.inputs["workloadIdentityPoolId"]
    providers = [
        r for r in resources(gcp.iam.WorkloadIdentityPoolProvider) if r.inputs["workloadIdentityPoolId"] == pool_id_
    ]
    assert sorted(p.inputs["oidc"]["issuerUri"] for p in providers) == sorted(ISSUERS[source].values())
    subjects = {sub(t) for t in pairs("gcp") if t.source == source}
    for provider in providers:
        provider_id = provider.inputs["workloadIdentityPoolProviderId"]
        region = one(r for r, url in ISSUERS[source].items() if url == provider.inputs["oidc"]["issuerUri"])
        assert provider_id == pool_provider_id(source, region)
        assert provider.inputs["attributeMapping"] == {"google.subject": "assertion.sub"}
        assert _admitted(provider.inputs["attributeCondition"]) == subjects
        assert provider.inputs["oidc"]["allowedAudiences"] == [
            f"//iam.googleapis.com/projects/{PROJECT_NUMBER}/locations/global/workloadIdentityPools/{pool_id_}/providers/{provider_id}"
        ]
        assert pool.urn in provider.dependencies


@pytest.mark.parametrize("trust", pairs("gcp"), ids=ids(pairs("gcp")))
def test_service_account_is_impersonable_only_by_the_subject_of_the_source_pool(trust):
    base = f"identity-federation-{slug(trust)}-to-gcp"
    account = named(gcp.serviceaccount.Account, f"{base}-sa")
    assert account.inputs["accountId"] == gcp_service_account_id(PREFIX, trust)
    binding = named(gcp.serviceaccount.IAMMember, f"{base}-workload-identity-user")
    assert binding.inputs["serviceAccountId"] == account.outputs["name"]
    assert binding.inputs["role"] == "roles/iam.workloadIdentityUser"
    pool = pools()[trust.source].inputs["workloadIdentityPoolId"]
    assert binding.inputs["member"] == (
        f"principal://iam.googleapis.com/projects/{PROJECT_NUMBER}/locations/global/workloadIdentityPools/{pool}"
        f"/subject/{sub(trust)}"
    )


@pytest.mark.parametrize("trust", pairs("gcp"), ids=ids(pairs("gcp")))
def test_service_account_gets_object_roles_on_exactly_the_backups_buckets(trust):
    base = f"identity-federation-{slug(trust)}-to-gcp"
    account = named(gcp.serviceaccount.Account, f"{base}-sa")
    grants = [r for r in resources(gcp.storage.BucketIAMMember) if r.name.startswith(f"{base}-")]
    roles = ["roles/storage.objectViewer"] + (
        ["roles/storage.objectCreator"] if trust.access == "write-backups" else []
    )
    assert sorted((g.inputs["bucket"], g.inputs["role"]) for g in grants) == sorted(
        (bucket, role) for bucket in GCP_BACKUPS.values() for role in roles
    )
    assert {g.inputs["member"] for g in grants} == {account.outputs["member"]}


# --- Azure target ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("trust", pairs("azure"), ids=ids(pairs("azure")))
def test_identity_has_one_federated_credential_per_source_issuer_for_the_subject(trust):
    base = f"identity-federation-{slug(trust)}-to-azure"
    identity = named(azure_native.managedidentity.UserAssignedIdentity, f"{base}-identity")
    assert identity.inputs["resourceGroupName"] == "flow-prod-eus" and identity.inputs["location"] == "eastus"
    credentials = [
        r for r in resources(azure_native.managedidentity.FederatedIdentityCredential) if r.name.startswith(f"{base}-")
    ]
    assert sorted(c.inputs["issuer"] for c in credentials) == sorted(ISSUERS[trust.source].values())
    for credential in credentials:
        assert credential.inputs["subject"] == sub(trust)
        assert credential.inputs["audiences"] == [AZURE_AUDIENCE]
        assert credential.inputs["resourceName"] == identity.outputs["name"]
        assert credential.inputs["resourceGroupName"] == identity.inputs["resourceGroupName"]
        assert identity.urn in credential.dependencies
    # Entra ID refuses concurrent credential writes on one identity: each waits for the previous one.
    first, second = credentials
    assert first.urn in second.dependencies


@pytest.mark.parametrize("trust", pairs("azure"), ids=ids(pairs("azure")))
def test_identity_gets_the_blob_role_on_exactly_each_backups_container(trust):
    base = f"identity-federation-{slug(trust)}-to-azure"
    identity = named(azure_native.managedidentity.UserAssignedIdentity, f"{base}-identity")
    assignments = [r for r in resources(azure_native.authorization.RoleAssignment) if r.name.startswith(f"{base}-")]
    role = STORAGE_BLOB_DATA_CONTRIBUTOR if trust.access == "write-backups" else STORAGE_BLOB_DATA_READER
    assert sorted(a.inputs["scope"] for a in assignments) == sorted(
        f"{account}/blobServices/default/containers/backups" for account in AZURE_ACCOUNTS.values()
    )
    for assignment in assignments:
        assert assignment.inputs["principalId"] == identity.outputs["principalId"]
        assert assignment.inputs["principalType"] == "ServicePrincipal"
        assert assignment.inputs["roleDefinitionId"] == (
            f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/{role}"
        )


# --- outputs, tags, SDK names, policies -----------------------------------------------------------------


def test_outputs_name_what_each_workload_annotates():
    out = recording().outputs
    assert set(out["aws_role_arns"]) == set(ids(pairs("aws")))
    for trust in pairs("aws"):
        role = named(aws.iam.Role, f"identity-federation-{slug(trust)}-to-aws-role")
        assert out["aws_role_arns"][trust_key(trust)] == f"arn:aws:iam::123456789012:role/{role.inputs['name']}"
    assert set(out["gcp_service_accounts"]) == set(ids(pairs("gcp")))
    for trust in pairs("gcp"):
        assert out["gcp_service_accounts"][trust_key(trust)] == (
            f"{gcp_service_account_id(PREFIX, trust)}@{PROJECT}.iam.gserviceaccount.com"
        )
    assert set(out["gcp_provider_names"]) == {
        f"{source}/{region}" for source in {t.source for t in pairs("gcp")} for region in ISSUERS[source]
    }
    assert set(out["azure_client_ids"]) == set(ids(pairs("azure")))
    for trust in pairs("azure"):
        identity = named(
            azure_native.managedidentity.UserAssignedIdentity, f"identity-federation-{slug(trust)}-to-azure-identity"
        )
        assert out["azure_client_ids"][trust_key(trust)] == identity.outputs["clientId"]
    assert out["azure_tenant_id"] == TENANT
    assert set(out["aws_oidc_provider_arns"].values()) == {p.outputs["arn"] for p in oidc_providers().values()}


def test_taggable_children_carry_the_required_tags():
    tagged = [r for r in descendants(recording(), component()) if r.type in TAG_PATHS]
    assert {r.type for r in tagged} >= {
        aws.iam.Role.pulumi_type,
        azure_native.managedidentity.UserAssignedIdentity.pulumi_type,
    }
    for resource in tagged:
        tags = resource.inputs[TAG_PATHS[resource.type]]
        assert {"owner", "environment", "cost-center"} <= set(tags), resource.name
        assert tags["environment"] == "prod"


def test_inputs_use_only_property_names_of_the_pinned_sdks():
    unknown = [
        f"{r.name}: {key}"
        for r in recording().resources
        if r.custom
        for key in unknown_wire_keys(args_class(r.type), r.inputs)
    ]
    assert unknown == []


def test_policy_pack_finds_nothing_on_the_federation():
    report = check(recording(), "prod")
    mine = {r.urn for r in descendants(recording(), component())}
    assert [v for v in report.violations if v.urn in mine] == []


def test_no_static_credentials_are_created():
    types = {r.type for r in descendants(recording(), component())}
    assert not types & {aws.iam.AccessKey.pulumi_type, gcp.serviceaccount.Key.pulumi_type}
    assert not [t for t in types if re.search(r"secret|password|key:", t, re.IGNORECASE)], types


# --- validation and the pure naming helpers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("trust_list", "message"),
    [
        ([Trust(source="aws", targets=["aws"])], "cannot federate with itself"),
        ([Trust(source="aws", targets=["gcp"]), Trust(source="aws", targets=["gcp"], access="write-backups")], "twice"),
        # names the settings refuse first (constructed without validation): the component keeps its own guard
        ([Trust.model_construct(source="aws", targets=["gcp"], namespace="Platform", service_account="api",
                                access="read-backups")], "not a Kubernetes name"),
        ([Trust.model_construct(source="aws", targets=["gcp"], namespace="platform", service_account="api_v2",
                                access="read-backups")], "not a Kubernetes name"),
    ],
)
def test_check_trusts_rejects_impossible_graphs(trust_list, message):
    with pytest.raises(ValueError, match=message):
        check_trusts(federation_args(trust_list))


def test_check_trusts_rejects_a_target_without_arguments_or_backups_and_a_source_without_issuers():
    base = federation_args([Trust(source="azure", targets=["gcp"])])
    with pytest.raises(ValueError, match="no gcp target arguments"):
        check_trusts(WorkloadFederationArgs(**{**base.__dict__, "gcp": None}))
    with pytest.raises(ValueError, match="no backups"):
        check_trusts(WorkloadFederationArgs(**{**base.__dict__, "gcp": GcpTarget(project=PROJECT, backups=[])}))
    with pytest.raises(ValueError, match="no cluster issuers"):
        check_trusts(WorkloadFederationArgs(**{**base.__dict__, "issuers": {"aws": base.issuers["aws"]}}))
    check_trusts(base)


@pytest.mark.parametrize(
    ("prefix", "source", "expected"),
    [
        ("flow-prod", "azure", "wif-flow-prod-azure-?????"),  # the stack-unique part last (lib/naming.py SUFFIX)
        ("gcp-dev", "aws", "wif-gcp-dev-aws-?????"),  # never starts with the reserved gcp-
        ("abcdefgh-prod", "azure", "wif-abcdefgh-prod-azure-?????"),  # 29: the longest the settings allow
    ],
)
def test_pool_ids(prefix, source, expected):
    assert pool_id(prefix, source) == expected
    assert 4 <= len(expected) <= 32


def test_a_long_pool_id_keeps_its_stack_unique_part():
    made = pool_id("a" * 30, "azure")
    assert len(made) == 32 and made.endswith("-?????")


@pytest.mark.parametrize(
    ("source", "region", "expected"),
    [("aws", "us-east-1", "eks-use1"), ("azure", "westus2", "aks-wus2"), ("gcp", "us-central1", "gke-usc1")],
)
def test_pool_provider_ids(source, region, expected):
    assert pool_provider_id(source, region) == expected


@pytest.mark.parametrize(
    ("namespace", "service_account", "expected"),
    [
        ("platform", "api", "flow-prod-aws-platform-api"),
        ("backup", "writer", "flow-prod-aws-backup-writer"),
        ("data-pipelines", "exporter", None),  # too long: head + hash
    ],
)
def test_gcp_service_account_ids_fit_6_to_30_characters(namespace, service_account, expected):
    trust = Trust(source="aws", targets=["gcp"], namespace=namespace, service_account=service_account)
    account = gcp_service_account_id("flow-prod", trust)
    assert re.fullmatch(r"[a-z][-a-z0-9]{4,28}[a-z0-9]", account)
    if expected:
        assert account == expected
    else:
        assert len(account) == 30 and account.startswith("flow-prod-aws-data-pip")
        other = Trust(source="aws", targets=["gcp"], namespace=namespace, service_account="exporter2")
        assert gcp_service_account_id("flow-prod", other) != account


@pytest.mark.parametrize(
    ("name", "limit", "expected"),
    [("short", 10, "short"), ("eleven-char", 11, "eleven-char"), ("a-very-long-name-indeed", 12, None)],
)
def test_bounded_keeps_names_within_the_limit_and_unique(name, limit, expected):
    result = bounded(name, limit)
    assert len(result) <= limit
    if expected:
        assert result == expected
    else:
        assert re.fullmatch(r"a-ver-[0-9a-f]{6}", result), result
        assert result != bounded(name + "x", limit)


@pytest.mark.parametrize(
    ("subjects", "condition"),
    [
        (["system:serviceaccount:platform:api"], "assertion.sub == 'system:serviceaccount:platform:api'"),
        (
            ["system:serviceaccount:platform:api", "system:serviceaccount:backup:writer"],
            "assertion.sub in ['system:serviceaccount:platform:api', 'system:serviceaccount:backup:writer']",
        ),
    ],
)
def test_subject_condition(subjects, condition):
    assert subject_condition(subjects) == condition


def test_subject_and_issuer_validation():
    assert subject("platform", "api.v2") == "system:serviceaccount:platform:api.v2"
    with pytest.raises(ValueError):
        subject("-bad", "api")
    assert issuer_host("https://oidc.eks.us-east-1.amazonaws.com/id/X") == "oidc.eks.us-east-1.amazonaws.com/id/X"
    with pytest.raises(ValueError, match="not an https URL"):
        issuer_host("http://issuer.example.com")
    with pytest.raises(ValueError):
        subject_condition([])


def test_backups_policy_without_a_kms_key_has_no_key_statement():
    statements = json.loads(backups_policy([("us-east-1", "b", None)], "read-backups"))["Statement"]
    assert [s["Sid"] for s in statements] == ["ListBackups", "BackupObjects"]
    assert statements[1]["Resource"] == ["arn:aws:s3:::b/*"]
