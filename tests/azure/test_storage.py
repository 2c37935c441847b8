"""AzureStorage: one StorageV2 account per region (GZRS in prod, LRS in dev), TLS 1.2, HTTPS and Entra ID only,
no public blobs, firewall, infrastructure encryption plus a customer-managed key; versioning, soft delete,
change feed; one private container per bucket; a lifecycle policy per bucket."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

import pulumi_azure_native as azure_native
import pytest

from components.azure import roles
from components.azure.network import azure_subnet_plan
from components.azure.storage import container_name, storage_ip_rules
from components.lib.naming import InvalidNameError
from components.lib.waits import AZURE_KEY_VAULT_RBAC
from tests.aws.helpers import children_of, depends_on, of_type, one, waits_after
from tests.conftest import stack_suffix

from .helpers import (
    ALL_REGIONS,
    KEY_VAULT,
    NETWORK,
    REGION_CODES,
    STACKS,
    STORAGE,
    component,
    key_base,
    recording,
    ref,
    resource,
    role_assignments_on,
    role_guid,
    settings,
)

az = azure_native


def account(rec, region):
    return resource(rec, region, STORAGE, az.storage.StorageAccount)


def containers(rec, region):
    return {
        c.inputs["containerName"]: c for c in of_type(rec, az.storage.BlobContainer, component(rec, region, STORAGE))
    }


@pytest.mark.parametrize(("bucket", "ok"), [("data", True), ("backups", True), ("db", False), ("Data", False)])
def test_container_names_follow_azure_rules(bucket, ok):
    if ok:
        assert container_name(bucket) == bucket
    else:
        with pytest.raises(InvalidNameError, match="azure blob container name"):
            container_name(bucket)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_account_is_storage_v2_with_geo_replication_in_prod_only(stack, region):
    inputs = account(recording(stack), region).inputs
    assert inputs["kind"] == "StorageV2"
    assert inputs["accountName"] == f"flow{stack}{REGION_CODES[region]}{stack_suffix(recording(stack))}"
    assert inputs["sku"]["name"] == {"dev": "Standard_LRS", "prod": "Standard_GZRS"}[stack]
    assert inputs["sku"]["name"] in (("Standard_GZRS", "Standard_RAGZRS") if stack == "prod" else ("Standard_LRS",))


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_account_transport_access_and_network_are_locked_down(stack, region):
    rec = recording(stack)
    inputs = account(rec, region).inputs
    assert inputs["minimumTlsVersion"] == "TLS1_2"
    assert inputs["enableHttpsTrafficOnly"] is True
    assert inputs["allowBlobPublicAccess"] is False
    assert inputs["allowSharedKeyAccess"] is False
    assert inputs["allowCrossTenantReplication"] is False
    rules = inputs["networkRuleSet"]
    assert rules["defaultAction"] == "Deny"
    aks_subnet = one(
        s for s in of_type(rec, az.network.Subnet, component(rec, region, NETWORK)) if s.inputs["subnetName"] == "aks"
    )
    assert [ref(rec, r["virtualNetworkResourceId"]) for r in rules["virtualNetworkRules"]] == [aks_subnet]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_account_is_double_encrypted_with_the_vault_storage_key(stack, region):
    rec = recording(stack)
    the_account = account(rec, region)
    encryption = the_account.inputs["encryption"]
    identity = resource(rec, region, STORAGE, az.managedidentity.UserAssignedIdentity)
    vault_component = component(rec, region, KEY_VAULT)
    vault = one(of_type(rec, az.keyvault.Vault, vault_component))
    the_key = one(k for k in of_type(rec, az.keyvault.Key, vault_component) if key_base(k) == "storage")
    assert encryption["requireInfrastructureEncryption"] is True
    assert encryption["keySource"] == "Microsoft.Keyvault"
    assert encryption["keyVaultProperties"] == {
        "keyName": the_key.inputs["keyName"],
        "keyVaultUri": vault.outputs["properties"]["vaultUri"],
    }
    assert "keyVersion" not in encryption["keyVaultProperties"], "versionless: the account follows key rotations"
    assert encryption["encryptionIdentity"] == {"encryptionUserAssignedIdentity": identity.outputs["id"]}
    assert the_account.inputs["identity"] == {
        "type": "UserAssigned",
        "userAssignedIdentities": [identity.outputs["id"]],
    }
    assert {s: v["keyType"] for s, v in encryption["services"].items()} == {"blob": "Account", "file": "Account"}
    (grant,) = role_assignments_on(rec, the_key)
    assert role_guid(grant) == roles.KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER
    assert grant.inputs["principalId"] == identity.outputs["principalId"]
    assert waits_after(rec, the_account, grant, AZURE_KEY_VAULT_RBAC.seconds)  # propagated, not just created (F5)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_blob_service_versioning_soft_delete_change_feed_and_restore(stack, region):
    rec = recording(stack)
    service = resource(rec, region, STORAGE, az.storage.BlobServiceProperties)
    days = {"dev": 7, "prod": 30}[stack]
    assert service.inputs["isVersioningEnabled"] is True
    assert service.inputs["deleteRetentionPolicy"] == {"enabled": True, "days": days}
    assert service.inputs["containerDeleteRetentionPolicy"] == {"enabled": True, "days": days}
    assert service.inputs["changeFeed"]["enabled"] is True
    assert service.inputs["restorePolicy"] == {"enabled": True, "days": days - 1}
    assert service.inputs["blobServicesName"] == "default"
    assert service.inputs["accountName"] == account(rec, region).outputs["name"]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_one_private_container_per_configured_bucket(stack, region):
    rec = recording(stack)
    found = containers(rec, region)
    assert set(found) == {b.name for b in settings(stack).buckets} == {"data", "backups"}
    for container in found.values():
        assert container.inputs["publicAccess"] == "None"
        assert container.inputs["accountName"] == account(rec, region).outputs["name"]
        assert container.protect is (stack == "prod")
        assert depends_on(container, resource(rec, region, STORAGE, az.storage.BlobServiceProperties))
    assert rec.outputs["azure_buckets"][region] == {name: name for name in found}


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_lifecycle_policy_per_bucket(stack, region):
    rec = recording(stack)
    policy = resource(rec, region, STORAGE, az.storage.ManagementPolicy)
    assert policy.inputs["managementPolicyName"] == "default"
    rules = {r["name"]: r for r in policy.inputs["policy"]["rules"]}
    buckets = {b.name: b for b in settings(stack).buckets}
    assert set(rules) == {f"{name}Lifecycle" for name in buckets}
    for name, bucket in buckets.items():
        rule = rules[f"{name}Lifecycle"]
        assert rule["enabled"] is True and rule["type"] == "Lifecycle"
        definition = rule["definition"]
        assert definition["filters"] == {"blobTypes": ["blockBlob"], "prefixMatch": [f"{name}/"]}
        actions = definition["actions"]
        assert actions["version"]["delete"] == {"daysAfterCreationGreaterThan": bucket.noncurrent_version_days}
        if bucket.cool_after_days:
            assert actions["baseBlob"]["tierToCool"] == {"daysAfterModificationGreaterThan": bucket.cool_after_days}
        else:
            assert "baseBlob" not in actions
    assert rules["backupsLifecycle"]["definition"]["actions"]["baseBlob"]["tierToCool"] == {
        "daysAfterModificationGreaterThan": 30
    }
    assert depends_on(policy, resource(rec, region, STORAGE, az.storage.BlobServiceProperties))


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_account_is_protected_in_prod_only(stack, region):
    assert account(recording(stack), region).protect is (stack == "prod")


@pytest.mark.parametrize("stack", STACKS)
def test_blob_private_endpoint_is_the_other_clouds_path_through_the_firewall(stack):
    rec, s = recording(stack), settings(stack)
    exported = rec.outputs["azure_blob_private_endpoints"]
    for region in s.clouds.azure.regions:
        component = one(c for c in rec.of_type(STORAGE) if c.name.endswith(f"-{REGION_CODES[region.name]}-storage"))
        children = {r.type: r for r in children_of(rec, component)}
        account = children[azure_native.storage.StorageAccount.pulumi_type]
        endpoint = children[azure_native.network.PrivateEndpoint.pulumi_type]
        assert endpoint.inputs["privateLinkServiceConnections"][0]["privateLinkServiceId"] == account.id
        assert endpoint.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["blob"]
        ip = endpoint.inputs["ipConfigurations"][0]["privateIPAddress"]
        assert IPv4Address(ip) in azure_subnet_plan(region.cidr).aks, "the endpoint sits in the AKS subnet"
        assert IPv4Network(f"{ip}/32").subnet_of(region.cidr), "inside the CIDR the mesh advertises"
        zone = children[azure_native.privatedns.PrivateZone.pulumi_type]
        assert zone.inputs["privateZoneName"] == "privatelink.blob.core.windows.net"
        group = children[azure_native.network.PrivateDnsZoneGroup.pulumi_type]
        assert group.inputs["privateDnsZoneConfigs"][0]["privateDnsZoneId"] == zone.id
        assert account.inputs["networkRuleSet"]["defaultAction"] == "Deny", "public access stays closed"
        assert exported[region.name] == {"host": f"{account.inputs['accountName']}.blob.core.windows.net", "ip": ip}


@pytest.mark.parametrize(
    ("ranges", "rules"),
    [
        (["34.64.0.0/16"], ["34.64.0.0/16"]),
        (["1.2.3.4/32"], ["1.2.3.4"]),
        (["1.2.3.4"], ["1.2.3.4"]),
        (["1.2.3.4/31"], ["1.2.3.4", "1.2.3.5"]),
        (["10.0.0.0/30", "1.2.3.4/32", "1.2.3.4"], ["10.0.0.0/30", "1.2.3.4"]),
    ],
)
def test_storage_firewall_takes_single_addresses_for_31_and_32_prefixes(ranges, rules):
    """azure R12: Storage IP rules refuse /31 and /32 prefixes."""
    assert storage_ip_rules(ranges) == rules
