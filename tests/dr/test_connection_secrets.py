"""Every database's connection secret in every cloud's secret store, as the recorded stacks write them: one per
(database, store), secret in state, encrypted with the store cloud's customer key, protected in prod, and
holding what a client needs to reach that database."""

from __future__ import annotations

import json

import pytest
from pulumi.runtime import rpc

from components.lib.naming import region_code
from scripts.offline import Recording, Registration
from tests.aws.helpers import descendants, one
from tests.conftest import stack_settings

STACKS = ("dev", "prod")
SECRETS = {
    "aws": ("aws:secretsmanager/secretVersion:SecretVersion", "secretString"),
    "azure": ("azure-native:keyvault:Secret", "properties.value"),
    "gcp": ("gcp:secretmanager/secretVersion:SecretVersion", "secretData"),
}


def component(rec: Recording) -> list[Registration]:
    return descendants(rec, one(rec.of_type("multicloud:dr:ConnectionSecrets")))


def secret_value(r: Registration, path: str) -> tuple[bool, str]:
    """(whether the value is secret at some level of `path`, the plain value)."""
    current, secret = r.inputs, False
    for part in path.split("."):
        if rpc.is_rpc_secret(current):
            current, secret = rpc.unwrap_rpc_secret(current), True
        current = current[part]
    if rpc.is_rpc_secret(current):
        current, secret = rpc.unwrap_rpc_secret(current), True
    return secret, current


def databases(stack: str) -> list[tuple[str, str]]:
    s = stack_settings(stack)
    return [(cloud, region.name) for cloud, c in s.clouds.enabled().items() for region in c.regions]


@pytest.mark.parametrize("stack", STACKS)
def test_every_store_holds_every_database_as_a_secret_with_what_a_client_needs(recorded, stack):
    rec = recorded(stack)
    passwords = {r.name: r.outputs["result"] for r in rec.of_type("random:index/randomPassword:RandomPassword")}
    masters = {
        r.outputs["address"]: r.outputs["masterUserSecrets"][0]["secretArn"]
        for r in rec.of_type("aws:rds/instance:Instance")
    }
    for store, (resource_type, path) in SECRETS.items():
        documents = {}
        for r in component(rec):
            if r.type == resource_type:
                secret, plain = secret_value(r, path)
                assert secret, f"{r.name} is not a secret in state"
                documents[r.name] = json.loads(plain)
        assert len(documents) == len(databases(stack)), store
        hosts = {doc["host"]: doc for doc in documents.values()}
        for cloud, region in databases(stack):
            doc = hosts[rec.outputs[f"{cloud}_postgres"][region]]
            assert (doc["engine"], doc["port"], doc["sslmode"], doc["username"]) == (
                "postgres",
                5432,
                "require",
                "platform_admin",
            )
            assert doc["dbname"] == stack_settings(stack).postgres.database
            if cloud == "aws":  # RDS rotates its own master password: the entry names that secret
                assert "password" not in doc and doc["password_secret"] == masters[doc["host"]]
            else:
                assert doc["password"] in passwords.values()


@pytest.mark.parametrize("stack", STACKS)
def test_each_store_encrypts_with_its_clouds_customer_key_and_keeps_the_secrets_in_prod(recorded, stack):
    rec, s = recorded(stack), stack_settings(stack)
    aws_key = one(r for r in rec.of_type("aws:kms/key:Key") if r.name.endswith("use1-kms-rds-key")).outputs["arn"]
    for secret in (r for r in component(rec) if r.type == "aws:secretsmanager/secret:Secret"):
        assert secret.inputs["kmsKeyId"] == aws_key
        assert secret.protect is s.deletion_protection
    primary_gcp = s.clouds.gcp.regions[0].name
    gcp_key = one(r for r in rec.of_type("gcp:kms/cryptoKey:CryptoKey") if r.name.endswith("usc1-kms-key-secrets")).id
    for secret in (r for r in component(rec) if r.type == "gcp:secretmanager/secret:Secret"):
        (replica,) = secret.inputs["replication"]["userManaged"]["replicas"]
        assert replica == {"location": primary_gcp, "customerManagedEncryption": {"kmsKeyName": gcp_key}}
        assert secret.protect is s.deletion_protection
    vault = one(r for r in rec.of_type("azure-native:keyvault:Vault") if r.name.endswith("eus-vault-vault"))
    for secret in (r for r in component(rec) if r.type == "azure-native:keyvault:Secret"):
        assert secret.inputs["vaultName"] == vault.inputs["vaultName"]
        assert secret.protect is s.deletion_protection


@pytest.mark.parametrize("stack", STACKS)
def test_the_aws_copies_replicate_to_every_other_aws_region_under_that_regions_key(recorded, stack):
    """aws 20: the primary region's loss leaves a copy in the other AWS region, encrypted with that region's own
    database key (never aws/secretsmanager); the recovery window stays on the primary (30 days in prod)."""
    rec, s = recorded(stack), stack_settings(stack)
    others = [region.name for region in s.clouds.aws.regions[1:]]
    keys = {
        region: one(
            r for r in rec.of_type("aws:kms/key:Key") if r.name.endswith(f"{region_code(region)}-kms-rds-key")
        ).outputs["arn"]
        for region in others
    }
    secrets = [r for r in component(rec) if r.type == "aws:secretsmanager/secret:Secret"]
    assert len(secrets) == len(databases(stack))
    for secret in secrets:
        replicas = secret.inputs.get("replicas") or []
        assert replicas == [{"region": region, "kmsKeyId": keys[region]} for region in others]
        assert secret.inputs["recoveryWindowInDays"] == (30 if s.is_prod else 7)
    if stack == "prod":
        assert others == ["us-west-2"] and len(set(keys.values())) == 1
        primary_key = one(r for r in rec.of_type("aws:kms/key:Key") if r.name.endswith("use1-kms-rds-key"))
        assert keys["us-west-2"] != primary_key.outputs["arn"]
