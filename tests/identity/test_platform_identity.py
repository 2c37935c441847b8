"""The stacks' identity as the platform wires it: the Cognito pool on the primary AWS region, and for every trust of
the stack file the federation resources bound to the recorded issuers of the source clusters and to the target
cloud's own backups buckets."""

from __future__ import annotations

import json

import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_gcp as gcp
import pytest

from components.identity.federation import issuer_host, subject
from scripts.offline import Recording, Registration
from tests.aws.helpers import descendants, one, token
from tests.conftest import stack_settings as settings

STACKS = ("dev", "prod")


def issuers(rec: Recording, cloud: str) -> set[str]:
    """The OIDC issuers of `cloud`'s clusters, as the stack exports them."""
    return set(rec.outputs[f"{cloud}_oidc_issuers"].values())


def federation(rec: Recording) -> list[Registration]:
    return descendants(rec, one(rec.of_type("multicloud:identity:WorkloadFederation")))


def of(resources: list[Registration], kind: type) -> list[Registration]:
    return [r for r in resources if r.type == token(kind)]


def provider_region(rec: Recording, resource: Registration) -> str:
    provider = rec.by_urn()[resource.provider_urn]
    return str(provider.inputs.get("region") or provider.inputs.get("location"))


@pytest.mark.parametrize("stack", STACKS)
def test_every_trust_to_aws_is_a_role_only_its_subject_assumes_from_the_source_issuers(recorded, stack):
    rec, s = recorded(stack), settings(stack)
    children = federation(rec)
    providers = {p.outputs["arn"]: p.inputs["url"] for p in of(children, aws.iam.OpenIdConnectProvider)}
    roles = of(children, aws.iam.Role)
    trusts = [t for t in s.identity.trusts if "aws" in t.targets]
    assert trusts and len(roles) == len(trusts)
    for trust in trusts:
        sub = subject(trust.namespace, trust.service_account)
        role = one(
            r
            for r in roles
            if r.name.endswith(f"-{trust.source}-{trust.namespace}-{trust.service_account}-to-aws-role")
        )
        statements = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        federated = {providers[st["Principal"]["Federated"]] for st in statements}
        assert federated == issuers(rec, trust.source)
        for statement in statements:
            host = issuer_host(providers[statement["Principal"]["Federated"]])
            assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
            assert statement["Condition"] == {"StringEquals": {f"{host}:aud": "sts.amazonaws.com", f"{host}:sub": sub}}
        policy = one(p for p in of(children, aws.iam.RolePolicy) if p.name.startswith(role.name.removesuffix("-role")))
        resources = {r for st in json.loads(policy.inputs["policy"])["Statement"] for r in _list(st["Resource"])}
        buckets = set(rec.outputs["aws_buckets"][region]["backups"] for region in rec.outputs["aws_buckets"])
        assert {f"arn:aws:s3:::{b}" for b in buckets} <= resources
        assert all(b.split(":::")[1].split("/")[0] in buckets for b in resources if b.startswith("arn:aws:s3:::"))


@pytest.mark.parametrize("stack", STACKS)
def test_every_trust_to_gcp_has_a_pool_provider_per_source_issuer_pinned_to_its_subject(recorded, stack):
    rec, s = recorded(stack), settings(stack)
    children = federation(rec)
    pools = of(children, gcp.iam.WorkloadIdentityPool)
    providers = of(children, gcp.iam.WorkloadIdentityPoolProvider)
    trusts = [t for t in s.identity.trusts if "gcp" in t.targets]
    assert len(pools) == len({t.source for t in trusts})
    for source in {t.source for t in trusts}:
        pool = one(p for p in pools if p.name.endswith(f"-{source}-pool"))
        mine = [p for p in providers if p.inputs["workloadIdentityPoolId"] == pool.inputs["workloadIdentityPoolId"]]
        assert {p.inputs["oidc"]["issuerUri"] for p in mine} == issuers(rec, source)
        for trust in (t for t in trusts if t.source == source):
            assert all(subject(trust.namespace, trust.service_account) in p.inputs["attributeCondition"] for p in mine)
    grants = of(children, gcp.storage.BucketIAMMember)
    buckets = {b["backups"] for b in rec.outputs["gcp_buckets"].values()}
    assert {g.inputs["bucket"] for g in grants} == buckets
    assert {g.inputs["role"] for g in grants} == {"roles/storage.objectViewer"}  # read-backups only


@pytest.mark.parametrize("stack", STACKS)
def test_every_trust_to_azure_has_a_federated_credential_per_source_issuer(recorded, stack):
    rec, s = recorded(stack), settings(stack)
    children = federation(rec)
    credentials = of(children, azure_native.managedidentity.FederatedIdentityCredential)
    trusts = [t for t in s.identity.trusts if "azure" in t.targets]
    assert len(of(children, azure_native.managedidentity.UserAssignedIdentity)) == len(trusts)
    for trust in trusts:
        mine = [
            c for c in credentials if f"-{trust.source}-{trust.namespace}-{trust.service_account}-to-azure-" in c.name
        ]
        assert {c.inputs["issuer"] for c in mine} == issuers(rec, trust.source)
        assert {c.inputs["subject"] for c in mine} == {subject(trust.namespace, trust.service_account)}
        assert all(c.inputs["audiences"] == ["api://AzureADTokenExchange"] for c in mine)
    containers = {
        r.id for r in rec.of_type(token(azure_native.storage.BlobContainer)) if r.name.endswith("-container-backups")
    }
    scopes = {a.inputs["scope"] for a in of(children, azure_native.authorization.RoleAssignment)}
    assert scopes == containers


@pytest.mark.parametrize("stack", STACKS)
def test_the_user_pool_lives_in_the_primary_aws_region_with_the_seed_token_lifetimes(recorded, stack):
    rec, s = recorded(stack), settings(stack)
    pool = one(rec.of_type("multicloud:identity:CognitoUserPool"))
    children = descendants(rec, pool)
    primary = s.clouds.aws.regions[0].name
    assert {provider_region(rec, r) for r in children if r.custom and r.type.startswith("aws:")} == {primary}
    client = one(of(children, aws.cognito.UserPoolClient))
    assert (client.inputs["accessTokenValidity"], client.inputs["idTokenValidity"]) == (3600, 3600)
    assert client.inputs["refreshTokenValidity"] == 86400
    assert {p.inputs["providerName"] for p in of(children, aws.cognito.IdentityProvider)} == {"AzureAD", "Google"}
    user_pool = one(of(children, aws.cognito.UserPool))
    assert user_pool.protect is s.is_prod
    assert user_pool.inputs.get("deletionProtection") == ("ACTIVE" if s.is_prod else "INACTIVE")


def _list(value):
    return value if isinstance(value, list) else [value]
