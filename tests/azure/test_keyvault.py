"""AzureKeyVault: RBAC-only vault with soft delete and purge protection, rotating RSA keys, the deployer
as key/secret officer (keys wait for it), audit events to the workspace; a paired-region geo vault in prod."""

from __future__ import annotations

import pulumi_azure_native as azure_native
import pytest

from components.azure import roles
from components.lib.fingerprint import fingerprint
from components.lib.waits import AZURE_KEY_VAULT_RBAC
from scripts.mock_clouds.azure import DEPLOYER_OBJECT_ID, TENANT_ID
from tests.aws.helpers import of_type, one_of, waits_after
from tests.conftest import stack_suffix

from .helpers import (
    ALL_REGIONS,
    KEY_VAULT,
    NETWORK,
    PAIRED,
    REGION_CODES,
    component,
    key_base,
    recording,
    resource,
    role_assignments_on,
    role_guid,
)

az = azure_native
KEY_SIZES = {"postgres": 3072, "storage": 3072}


def vaults(rec, region):
    """The region's vault components: main, the AKS KMS vault (and geo in prod)."""
    found = {
        "main": component(rec, region, KEY_VAULT, "-vault"),
        "kms": component(rec, region, KEY_VAULT, "-kms-vault"),
    }
    if any(c.name.endswith("-geo-vault") for c in of_type(rec, KEY_VAULT)):
        found["geo"] = component(rec, region, KEY_VAULT, "-geo-vault")
    return found


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_vault_is_rbac_only_with_soft_delete_and_purge_protection(stack, region):
    rec = recording(stack)
    for kind, vault_component in vaults(rec, region).items():
        vault = one_of(rec, az.keyvault.Vault, vault_component)
        props = vault.inputs["properties"]
        assert props["enableRbacAuthorization"] is True, kind
        assert props["enablePurgeProtection"] is True, kind
        assert props["enableSoftDelete"] is True, kind
        assert props["softDeleteRetentionInDays"] == {"dev": 7, "prod": 90}[stack]
        assert "accessPolicies" not in props
        assert props["tenantId"] == TENANT_ID
        assert props["sku"] == {"family": "A", "name": "standard"}
        assert not any(
            props[k] for k in ("enabledForDeployment", "enabledForDiskEncryption", "enabledForTemplateDeployment")
        )
        infix = {"geo": "-geo", "kms": "-kms"}.get(kind, "")
        assert vault.inputs["vaultName"] == f"flow-{stack}-{REGION_CODES[region]}{infix}-{stack_suffix(rec)}"


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_vaults_holding_secrets_and_cmks_deny_public_networks_only_the_kms_vault_is_public(stack, region):
    """azure R6: the main and geo vaults (CMKs, DB passwords, connection secrets) take no public traffic; trusted
    services (Storage, Flexible Server) bypass; the AKS KMS vault holds the KMS key alone and stays public (KMS
    `Public` mode) and holds no secret."""
    rec = recording(stack)
    for kind, vault_component in vaults(rec, region).items():
        props = one_of(rec, az.keyvault.Vault, vault_component).inputs["properties"]
        if kind == "kms":
            assert props["publicNetworkAccess"] == "Enabled"
            assert props["networkAcls"] == {"bypass": "AzureServices", "defaultAction": "Allow"}
            assert [key_base(k) for k in of_type(rec, az.keyvault.Key, vault_component)] == ["aks-g1"]
        else:
            assert props["publicNetworkAccess"] == "Disabled", kind
            assert props["networkAcls"] == {"bypass": "AzureServices", "defaultAction": "Deny"}, kind
    kms_name = one_of(rec, az.keyvault.Vault, vaults(rec, region)["kms"]).outputs["name"]
    assert not [s for s in of_type(rec, az.keyvault.Secret) if s.inputs["vaultName"] == kms_name]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_keys_are_rsa_with_a_rotation_policy(stack, region):
    rec = recording(stack)
    keys = {key_base(k): k for k in of_type(rec, az.keyvault.Key, vaults(rec, region)["main"])}
    assert {name: k.inputs["properties"]["keySize"] for name, k in keys.items()} == KEY_SIZES
    for name, key in keys.items():
        props = key.inputs["properties"]
        assert props["kty"] == "RSA", name
        policy = props["rotationPolicy"]
        assert policy["attributes"] == {"expiryTime": "P2Y"}
        actions = {a["action"]["type"]: a["trigger"] for a in policy["lifetimeActions"]}
        assert actions == {"rotate": {"timeAfterCreate": "P1Y"}, "notify": {"timeBeforeExpiry": "P30D"}}
        assert "expires" not in props["attributes"]  # an expired key no longer wraps


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_the_aks_kms_key_never_auto_rotates_and_rotates_by_generation(stack, region):
    """azure R8: AKS pins the KMS key version, so Key Vault never makes a new one (Notify only, no expiry on
    the key); the controlled rotation is the next generation in the key's name."""
    rec = recording(stack)
    (key,) = of_type(rec, az.keyvault.Key, vaults(rec, region)["kms"])
    props = key.inputs["properties"]
    assert props["keySize"] == 2048 and props["kty"] == "RSA"
    assert props["rotationPolicy"]["lifetimeActions"] == [
        {"action": {"type": "notify"}, "trigger": {"timeBeforeExpiry": "P30D"}}
    ]
    assert "expires" not in props["attributes"]
    assert key.inputs["keyName"] == f"aks-g1-{fingerprint(props)}"


def test_a_new_kms_generation_is_a_new_key_name_and_the_rest_keep_theirs():
    from components.azure.keyvault import key_name, rotation_policy

    pinned = {"kty": "RSA", "key_size": 2048, "rotation_policy": rotation_policy(False, "P1Y", "P2Y", "P30D")}
    assert key_name("aks", pinned, 2) != key_name("aks", pinned, 1)
    assert key_name("aks", pinned, 2).startswith("aks-g2-")
    assert key_name("storage", pinned) == f"storage-{fingerprint(pinned)}"
    types = [a["action"]["type"] for a in rotation_policy(True, "P1Y", "P2Y", "P30D")["lifetime_actions"]]
    assert [t.value for t in types] == ["rotate", "notify"]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_keys_are_immutable_a_change_is_a_new_key_beside_the_old_one(stack, region):
    """azure R7: ARM creates keys if they do not exist and never updates them, so a change of the properties
    replaces the key, under a name carrying their fingerprint, created before the old one leaves the state; the
    old one stays in the vault (retained), and nothing protects a key from its own replacement."""
    rec = recording(stack)
    for vault_component in vaults(rec, region).values():
        for key in of_type(rec, az.keyvault.Key, vault_component):
            assert key.inputs["keyName"] == f"{key_base(key)}-{fingerprint(key.inputs['properties'])}"
            assert key.replace_on_changes == ["properties"]
            assert key.delete_before_replace is False
            assert key.retain_on_delete is True
            assert key.protect is False
            assert key.ignore_changes == ["tags"]


def test_the_key_fingerprint_follows_the_properties_and_reads_the_wire_form_alike():
    from components.azure.keyvault import key_name

    props = {"kty": "RSA", "key_size": 2048, "rotation_policy": {"attributes": {"expiry_time": "P2Y"}}}
    wire = {"kty": "RSA", "keySize": 2048.0, "rotationPolicy": {"attributes": {"expiryTime": "P2Y"}}}
    assert key_name("aks", props) == f"aks-{fingerprint(wire)}"
    longer = {**props, "rotation_policy": {"attributes": {"expiry_time": "P3Y"}}}
    assert key_name("aks", longer) != key_name("aks", props)
    assert fingerprint({"action": azure_native.keyvault.KeyRotationPolicyActionType.ROTATE}) == fingerprint(
        {"action": "rotate"}
    )


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_the_deployer_manages_keys_and_secrets_and_keys_wait_for_that(stack, region):
    rec = recording(stack)
    for vault_component in vaults(rec, region).values():
        vault = one_of(rec, az.keyvault.Vault, vault_component)
        object_id, principal_type = configured_azure_deployer(stack)
        assert not [a for a in role_assignments_on(rec, vault) if a.inputs["principalId"] == DEPLOYER_OBJECT_ID]
        grants = [a for a in role_assignments_on(rec, vault) if a.inputs["principalId"] == object_id]
        assert sorted(role_guid(a) for a in grants) == sorted(
            [roles.KEY_VAULT_CRYPTO_OFFICER, roles.KEY_VAULT_SECRETS_OFFICER]
        )
        assert {a.inputs["principalType"] for a in grants} == {principal_type}  # the stack file's, not the caller's
        for key in of_type(rec, az.keyvault.Key, vault_component):
            # Created is not enough: the grants must have reached the data plane (403 ForbiddenByRbac, azure F5).
            assert all(waits_after(rec, key, grant, AZURE_KEY_VAULT_RBAC.seconds) for grant in grants), key.name
            assert key.inputs["vaultName"] == vault.outputs["name"]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_vault_audit_events_go_to_the_region_workspace(stack, region):
    rec = recording(stack)
    workspace = resource(rec, region, NETWORK, az.operationalinsights.Workspace)
    for vault_component in vaults(rec, region).values():
        vault = one_of(rec, az.keyvault.Vault, vault_component)
        setting = one_of(rec, az.monitor.DiagnosticSetting, vault_component)
        assert setting.inputs["resourceUri"] == vault.outputs["id"]
        assert setting.inputs["workspaceId"] == workspace.outputs["id"]
        assert setting.inputs["logs"] == [{"categoryGroup": "audit", "enabled": True}]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_geo_backup_vault_in_the_paired_region_in_prod_only(stack, region):
    rec = recording(stack)
    found = vaults(rec, region)
    if stack == "dev":
        assert set(found) == {"main", "kms"}
        return
    geo = one_of(rec, az.keyvault.Vault, found["geo"])
    assert geo.inputs["location"] == PAIRED[region]
    assert [key_base(k) for k in of_type(rec, az.keyvault.Key, found["geo"])] == ["postgres"]
    assert geo.inputs["resourceGroupName"] == f"flow-prod-{REGION_CODES[region]}"


def configured_azure_deployer(stack: str) -> tuple[str, str]:
    """The stack file's `deployer.azure` (object id, principal type): the grants' principal, never the caller."""
    from components.settings import PLATFORM_KEY, read_stack_config
    from tests.conftest import ROOT

    azure = read_stack_config(ROOT, stack)[PLATFORM_KEY]["deployer"]["azure"]
    return azure["object_id"], azure["principal_type"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_cmk_consumers_wait_again_when_a_replaced_key_brings_a_new_grant(stack):
    """The waits in front of AKS, Flexible Server and Storage name their grants' ids in their triggers, so the new
    key-scoped grant of a replaced key gets its propagation wait before the consumer moves to the key."""
    rec = recording(stack)
    by_urn = rec.by_urn()
    waits = [s for s in rec.of_type("time:index/sleep:Sleep") if s.name.endswith(("-key-access-wait", "-rbac-wait"))]
    consumer_waits = [s for s in waits if not s.name.endswith("-deployer-rbac-wait")]
    assert len(consumer_waits) >= 3
    roles_token = "azure-native:authorization:RoleAssignment"
    for sleep in consumer_waits:
        grants = [by_urn[d] for d in sleep.dependencies if by_urn[d].type == roles_token]
        assert grants and sleep.inputs["triggers"]["after"] == ",".join(sorted(g.id for g in grants)), sleep.name
        assert sleep.inputs["triggers"]["wait"] == "azure-key-vault-rbac"
