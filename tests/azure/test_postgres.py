"""AzurePostgres: Flexible Server in its delegated subnet with a private DNS zone and no public access,
HA and geo-redundant backups in prod only, customer-managed keys through user-assigned identities,
logical replication and TLS-only parameters, a generated admin password that only ever travels as a secret."""

from __future__ import annotations

import pulumi_azure_native as azure_native
import pulumi_random as random
import pytest
from pulumi.runtime.rpc import is_rpc_secret, unwrap_rpc_secret

from components.azure import roles
from components.azure.postgres import flexible_server_backup_days, storage_size_gb
from components.lib.waits import AZURE_KEY_VAULT_RBAC
from components.settings import catalog
from tests.aws.helpers import depends_on, of_type, one, one_of, waits_after
from tests.conftest import stack_suffix

from .helpers import (
    ALL_REGIONS,
    KEY_VAULT,
    NETWORK,
    PAIRED,
    POSTGRES,
    REGION_CODES,
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


def server(rec, region):
    return resource(rec, region, POSTGRES, az.dbforpostgresql.Server)


def subnet(rec, region, name):
    return one(
        s for s in of_type(rec, az.network.Subnet, component(rec, region, NETWORK)) if s.inputs["subnetName"] == name
    )


def key(rec, region, vault_suffix="-vault"):
    vault = component(rec, region, KEY_VAULT, vault_suffix)
    return one(k for k in of_type(rec, az.keyvault.Key, vault) if key_base(k) == "postgres")


@pytest.mark.parametrize(
    ("requested", "size"), [(20, 32), (32, 32), (50, 64), (256, 256), (1000, 1024), (16384, 16384), (20000, 32767)]
)
def test_storage_is_rounded_up_to_a_size_flexible_server_offers(requested, size):
    assert storage_size_gb(requested) == size


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_server_is_vnet_integrated_with_a_private_dns_zone_and_no_public_access(stack, region):
    rec = recording(stack)
    db = server(rec, region)
    network = db.inputs["network"]
    assert network["publicNetworkAccess"] == "Disabled"
    assert ref(rec, network["delegatedSubnetResourceId"]) == subnet(rec, region, "postgres")
    zone = ref(rec, network["privateDnsZoneArmResourceId"])
    assert zone.type == az.privatedns.PrivateZone.pulumi_type
    assert zone.inputs["privateZoneName"] == f"{db.inputs['serverName']}.private.postgres.database.azure.com"
    link = resource(rec, region, POSTGRES, az.privatedns.VirtualNetworkLink)
    assert link.inputs["privateZoneName"] == zone.outputs["name"]
    assert ref(rec, link.inputs["virtualNetwork"]["id"]) == resource(rec, region, NETWORK, az.network.VirtualNetwork)
    assert link.inputs["registrationEnabled"] is False
    assert depends_on(db, link), "the zone must be linked before the server is created in the VNet"


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_zone_redundant_ha_and_geo_redundant_backup_in_prod_only(stack, region):
    db = server(recording(stack), region)
    prod = stack == "prod"
    assert settings(stack).postgres.ha is prod
    assert db.inputs["highAvailability"] == {"mode": "ZoneRedundant" if prod else "Disabled"}
    assert db.inputs["backup"] == {
        "backupRetentionDays": max(7, settings(stack).postgres.backup_retention_days),
        "geoRedundantBackup": "Enabled" if prod else "Disabled",
    }
    # dev's 3 days (fine for RDS and Cloud SQL) is raised to Flexible Server's minimum of 7 (azure F1)
    assert settings(stack).postgres.backup_retention_days == {"dev": 3, "prod": 7}[stack]
    assert db.inputs["backup"]["backupRetentionDays"] == 7


@pytest.mark.parametrize("days", [1, 3, 7, 20, 35, 40])
def test_flexible_server_backup_days_stay_within_7_to_35(days):
    assert 7 <= flexible_server_backup_days(days) <= 35
    assert flexible_server_backup_days(days) == days or days not in range(7, 36)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_sku_version_and_storage_come_from_config(stack, region):
    db = server(recording(stack), region)
    pg = settings(stack).postgres
    prefix, size = pg.tier.azure.split("_", 1)
    assert db.inputs["sku"] == {"tier": catalog.AZURE_POSTGRES_TIERS[prefix], "name": size}
    assert (
        db.inputs["sku"]
        == {
            "dev": {"tier": "Burstable", "name": "Standard_B2ms"},
            "prod": {"tier": "GeneralPurpose", "name": "Standard_D4s_v3"},
        }[stack]
    )
    assert db.inputs["version"] == pg.version
    assert db.inputs["storage"] == {"storageSizeGB": {"dev": 64, "prod": 256}[stack], "autoGrow": "Enabled"}
    assert "storage.storageSizeGB" in db.ignore_changes  # autogrow owns the live size (azure R1)
    assert db.inputs["serverName"] == f"flow-{stack}-pg-{REGION_CODES[region]}-{stack_suffix(recording(stack))}"
    database = resource(recording(stack), region, POSTGRES, az.dbforpostgresql.Database)
    assert database.inputs["databaseName"] == pg.database


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_data_is_encrypted_with_the_vault_key_through_a_user_assigned_identity(stack, region):
    rec = recording(stack)
    db = server(rec, region)
    postgres = component(rec, region, POSTGRES)
    identities = {
        i.name.removeprefix(postgres.name + "-"): i
        for i in of_type(rec, az.managedidentity.UserAssignedIdentity, postgres)
    }
    assert set(identities) == ({"identity", "geo-identity"} if stack == "prod" else {"identity"})
    encryption = db.inputs["dataEncryption"]
    assert encryption["type"] == "AzureKeyVault"
    pairs = [("primaryKeyURI", "primaryUserAssignedIdentityId", key(rec, region), identities["identity"])]
    if stack == "prod":
        geo_identity = identities["geo-identity"]
        assert geo_identity.inputs["location"] == PAIRED[region]
        pairs.append(
            ("geoBackupKeyURI", "geoBackupUserAssignedIdentityId", key(rec, region, "-geo-vault"), geo_identity)
        )
    else:
        assert not {"geoBackupKeyURI", "geoBackupUserAssignedIdentityId"} & set(encryption)
    assert set(db.inputs["identity"]["userAssignedIdentities"]) == {i.outputs["id"] for i in identities.values()}
    assert db.inputs["identity"]["type"] == "UserAssigned"
    for uri_key, identity_key, the_key, identity in pairs:
        assert encryption[uri_key] == the_key.outputs["keyUri"], "versionless: the server follows key rotations"
        assert encryption[identity_key] == identity.outputs["id"]
        (grant,) = role_assignments_on(rec, the_key)
        assert role_guid(grant) == roles.KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER
        assert grant.inputs["principalId"] == identity.outputs["principalId"]
        assert waits_after(rec, db, grant, AZURE_KEY_VAULT_RBAC.seconds)  # propagated, not just created (F5)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_logical_replication_and_tls_only_parameters_one_at_a_time(stack, region):
    rec = recording(stack)
    db = server(rec, region)
    configurations = of_type(rec, az.dbforpostgresql.Configuration, component(rec, region, POSTGRES))
    values = {c.inputs["configurationName"]: c.inputs["value"] for c in configurations}
    assert values == {"wal_level": "logical", "require_secure_transport": "on"}
    assert {c.inputs["serverName"] for c in configurations} == {db.outputs["name"]}
    assert {c.inputs["source"] for c in configurations} == {"user-override"}
    wal, tls = sorted(configurations, key=lambda c: c.inputs["configurationName"] != "wal_level")
    assert depends_on(tls, wal)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_admin_password_is_generated_and_only_travels_as_a_secret(stack, region):
    rec = recording(stack)
    db = server(rec, region)
    password = resource(rec, region, POSTGRES, random.RandomPassword)
    assert password.inputs["length"] >= 32 and password.inputs["special"] is True
    assert is_rpc_secret(db.inputs["administratorLoginPassword"])
    generated = password.outputs["result"]
    assert generated and len(generated) == password.inputs["length"]
    assert unwrap_rpc_secret(db.inputs["administratorLoginPassword"]) == generated
    assert depends_on(db, password)
    secret = resource(rec, region, POSTGRES, az.keyvault.Secret)
    assert is_rpc_secret(secret.inputs["properties"])
    assert unwrap_rpc_secret(secret.inputs["properties"])["value"] == generated
    vault = one_of(rec, az.keyvault.Vault, component(rec, region, KEY_VAULT))
    assert secret.inputs["vaultName"] == vault.outputs["name"]
    assert secret.inputs["secretName"] == f"{db.inputs['serverName']}-admin-password"
    officer = one(a for a in role_assignments_on(rec, vault) if role_guid(a) == roles.KEY_VAULT_SECRETS_OFFICER)
    assert waits_after(rec, secret, officer, AZURE_KEY_VAULT_RBAC.seconds)
    plain = [r.name for r in rec.resources if generated in str(r.public_inputs())]
    assert plain == [], "the password appears unwrapped"
    assert db.inputs["administratorLogin"] == "platform_admin"


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_password_authentication_only_as_no_entra_administrator_is_configured(stack, region):
    """azure R16: Entra ID sign-in without an Entra administrator on the server is unusable; it is off."""
    rec = recording(stack)
    auth = server(rec, region).inputs["authConfig"]
    assert auth == {"activeDirectoryAuth": "Disabled", "passwordAuth": "Enabled"}
    assert rec.of_type("azure-native:dbforpostgresql:Administrator") == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_key_vault_secret_expires_a_year_after_creation(stack):
    """azure R16 (CIS 8.3/8.4): the admin password and the connection secrets carry attributes.expires, from a
    Rotating whose base time stays put between runs (the mock clock: 2026-12-01)."""
    from pulumi.runtime.rpc import unwrap_rpc_secret

    from components.secret_expiry import epoch_seconds

    secrets = recording(stack).of_type("azure-native:keyvault:Secret")
    assert len(secrets) >= 2
    expiry = epoch_seconds("2027-12-01T00:00:00Z")
    for secret in secrets:
        properties = unwrap_rpc_secret(secret.inputs["properties"])  # the value makes the whole object secret
        assert properties["attributes"]["expires"] == expiry, secret.name


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_maintenance_window_and_logs(stack, region):
    rec = recording(stack)
    db = server(rec, region)
    assert settings(stack).postgres.maintenance_window == "sun:04:30-sun:05:30"
    assert db.inputs["maintenanceWindow"] == {
        "customWindow": "Enabled",
        "dayOfWeek": 0,
        "startHour": 4,
        "startMinute": 30,
    }
    setting = resource(rec, region, POSTGRES, az.monitor.DiagnosticSetting)
    assert setting.inputs["resourceUri"] == db.outputs["id"]
    assert setting.inputs["logs"] == [{"category": "PostgreSQLLogs", "enabled": True}]
    assert (
        setting.inputs["workspaceId"] == resource(rec, region, NETWORK, az.operationalinsights.Workspace).outputs["id"]
    )


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_server_is_protected_in_prod_only(stack, region):
    assert server(recording(stack), region).protect is (stack == "prod")
