"""GcpCloudSql: PostgreSQL on a valid tier, REGIONAL in prod and ZONAL in dev, private IP only, TLS required,
CMEK, logical decoding, backups at 03:00 with PITR, maintenance window, deletion protection on both layers in
prod only, and a generated admin password that exists only as a secret and in Secret Manager."""

from __future__ import annotations

from ipaddress import IPv4Network, ip_address

import pulumi_gcp as gcp
import pulumi_random as random
import pytest
from pulumi.runtime.rpc import is_rpc_secret

from components.lib.waits import GCP_IAM
from scripts.offline import Recording, Registration
from tests.aws.helpers import depends_on, deps_of_type, of_type, one, one_of, platform_config, waits_after
from tests.conftest import stack_suffix

from .helpers import (
    ALL_REGIONS,
    CLOUDSQL,
    EXPECT,
    KMS,
    REGION_CODES,
    STACKS,
    component,
    project_of,
    psa_connection,
    psa_range,
    vpc,
)


def cloudsql(rec: Recording, region: str) -> Registration:
    return component(rec, region, CLOUDSQL)


def instance(rec: Recording, region: str) -> Registration:
    return one_of(rec, gcp.sql.DatabaseInstance, cloudsql(rec, region))


def settings(rec: Recording, region: str) -> dict:
    value: dict = instance(rec, region).inputs["settings"]
    return value


def key(rec: Recording, region: str, purpose: str) -> tuple[Registration, Registration]:
    """The region's key of one purpose and the grant letting its service agent use it."""
    kms = component(rec, region, KMS)
    crypto_key = one(k for k in of_type(rec, gcp.kms.CryptoKey, kms) if k.inputs["name"] == purpose)
    grant = one(g for g in of_type(rec, gcp.kms.CryptoKeyIAMMember, kms) if depends_on(g, crypto_key))
    return crypto_key, grant


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_postgres_version_and_tier_from_config_on_the_enterprise_edition(gcp_recorded, stack, region):
    db = instance(gcp_recorded(stack), region)
    postgres = platform_config(stack)["postgres"]
    assert db.inputs["name"] == f"flow-{stack}-pg-{REGION_CODES[region]}-{stack_suffix(gcp_recorded(stack))}"
    assert db.inputs["region"] == region
    assert db.inputs["databaseVersion"] == f"POSTGRES_{postgres['version']}"
    assert settings(gcp_recorded(stack), region)["tier"] == postgres["tier"]["gcp"]
    assert postgres["tier"]["gcp"].startswith("db-custom-")
    # PostgreSQL 16+ defaults to Enterprise Plus, which has no db-custom tiers.
    assert settings(gcp_recorded(stack), region)["edition"] == "ENTERPRISE"


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_regional_in_prod_zonal_in_dev(gcp_recorded, stack, region):
    assert settings(gcp_recorded(stack), region)["availabilityType"] == EXPECT[stack].availability_type


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_private_ip_only_through_the_peered_range_and_tls_required(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    db = instance(rec, region)
    network, psa = vpc(rec), psa_range(rec, region)
    ip = settings(rec, region)["ipConfiguration"]
    assert ip["ipv4Enabled"] is False
    assert not ip.get("authorizedNetworks")
    assert ip["privateNetwork"] == f"projects/{project_of(stack)}/global/networks/{network.inputs['name']}"
    assert ip["allocatedIpRange"] == psa.inputs["name"]
    assert ip["sslMode"] == "ENCRYPTED_ONLY"
    assert depends_on(db, psa_connection(rec)), "private IP needs the peering first"


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_postgres_host_is_the_private_ip_inside_the_private_services_range(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    psa = psa_range(rec, region)
    host = rec.outputs["gcp_postgres"][region]
    assert host == instance(rec, region).outputs["privateIpAddress"]
    assert ip_address(host) in IPv4Network(f"{psa.inputs['address']}/{int(psa.inputs['prefixLength'])}")


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_disks_and_backups_are_encrypted_with_the_sql_key_once_the_agent_may_use_it(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    db = instance(rec, region)
    crypto_key, grant = key(rec, region, "sql")
    assert db.inputs["encryptionKeyName"] == f"{crypto_key.inputs['keyRing']}/cryptoKeys/sql"
    assert "gcp-sa-cloud-sql" in grant.inputs["member"]
    assert depends_on(db, crypto_key) and waits_after(rec, db, grant, GCP_IAM.seconds)  # propagated (gcp 4)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_logical_decoding_and_iam_authentication_flags(gcp_recorded, stack, region):
    flags = {f["name"]: f["value"] for f in settings(gcp_recorded(stack), region)["databaseFlags"]}
    assert flags["cloudsql.logical_decoding"] == "on"
    assert flags["cloudsql.iam_authentication"] == "on"


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_cis_logging_and_pgaudit_flags(gcp_recorded, stack, region):
    """CIS GCP 3.0 6.2.1-6.2.8: errors, connections, DDL and audit logged; statement durations (and texts) not."""
    names = [f["name"] for f in settings(gcp_recorded(stack), region)["databaseFlags"]]
    flags = {f["name"]: f["value"] for f in settings(gcp_recorded(stack), region)["databaseFlags"]}
    assert len(names) == len(set(names))  # Cloud SQL takes each flag once
    assert {k: flags[k] for k in flags if not k.startswith("cloudsql.") or "pgaudit" in k} == {
        "log_error_verbosity": "default",
        "log_connections": "on",
        "log_disconnections": "on",
        "log_statement": "ddl",
        "log_min_messages": "warning",
        "log_min_error_statement": "error",
        "log_min_duration_statement": "-1",
        "cloudsql.enable_pgaudit": "on",
        "pgaudit.log": "ddl,role",
    }


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_daily_backups_at_three_with_pitr_and_configured_retention(gcp_recorded, stack, region):
    backup = settings(gcp_recorded(stack), region)["backupConfiguration"]
    days = EXPECT[stack].backup_retention_days
    assert backup["enabled"] is True
    assert backup["startTime"] == "03:00"
    assert backup["pointInTimeRecoveryEnabled"] is True
    assert backup["transactionLogRetentionDays"] == min(days, 7)
    # one backup more than the days of logs (gcp 5): the API refuses retained backups <= log retention days
    retained = backup["backupRetentionSettings"]
    assert retained == {"retainedBackups": max(days, min(days, 7) + 1), "retentionUnit": "COUNT"}
    assert retained["retainedBackups"] > backup["transactionLogRetentionDays"]
    assert platform_config(stack)["postgres"]["backup_retention_days"] == days


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_maintenance_window_sunday_four_utc_and_storage_autoresize(gcp_recorded, stack, region):
    s = settings(gcp_recorded(stack), region)
    assert s["maintenanceWindow"]["day"] == 7 and s["maintenanceWindow"]["hour"] == 4
    postgres = platform_config(stack)["postgres"]
    assert (s["diskSize"], s["diskAutoresize"], s["diskAutoresizeLimit"]) == (
        postgres["storage_gb"],
        True,
        postgres["max_storage_gb"],
    )


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_deletion_protection_on_both_layers_and_a_final_backup_in_prod_only(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    db = instance(rec, region)
    s = settings(rec, region)
    protect = EXPECT[stack].protect
    assert db.inputs["deletionProtection"] is protect  # Pulumi/provider side
    assert s["deletionProtectionEnabled"] is protect  # Cloud SQL API
    assert db.protect is protect
    assert s["retainBackupsOnDelete"] is protect
    assert (s.get("finalBackupConfig", {}).get("enabled") is True) is protect


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_application_database_from_config(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    database = one_of(rec, gcp.sql.Database, cloudsql(rec, region))
    assert database.inputs["name"] == platform_config(stack)["postgres"].get("database", "app")
    assert deps_of_type(rec, database, gcp.sql.DatabaseInstance) == [instance(rec, region)]
    assert database.protect is EXPECT[stack].protect


# --- the admin password ---------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_admin_password_is_generated_and_reaches_the_user_only_as_a_secret(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    password = one_of(rec, random.RandomPassword, cloudsql(rec, region))
    assert password.inputs["length"] >= 32
    user = one_of(rec, gcp.sql.User, cloudsql(rec, region))
    assert user.inputs["name"] == "platform_admin" and user.inputs["type"] == "BUILT_IN"
    assert is_rpc_secret(user.inputs["password"])
    assert deps_of_type(rec, user, random.RandomPassword) == [password]
    assert deps_of_type(rec, user, gcp.sql.DatabaseInstance) == [instance(rec, region)]
    assert not instance(rec, region).inputs.get("rootPassword")


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_admin_password_is_kept_in_secret_manager_in_the_region_with_cmek(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    component_ = cloudsql(rec, region)
    secret = one_of(rec, gcp.secretmanager.Secret, component_)
    version = one_of(rec, gcp.secretmanager.SecretVersion, component_)
    password = one_of(rec, random.RandomPassword, component_)
    crypto_key, grant = key(rec, region, "secrets")
    assert is_rpc_secret(version.inputs["secretData"])
    assert deps_of_type(rec, version, random.RandomPassword) == [password]
    assert deps_of_type(rec, version, gcp.secretmanager.Secret) == [secret]
    (replica,) = secret.inputs["replication"]["userManaged"]["replicas"]
    assert replica["location"] == region
    assert replica["customerManagedEncryption"]["kmsKeyName"] == f"{crypto_key.inputs['keyRing']}/cryptoKeys/secrets"
    assert waits_after(rec, secret, grant, GCP_IAM.seconds) and "gcp-sa-secretmanager" in grant.inputs["member"]
    assert secret.inputs["deletionProtection"] is EXPECT[stack].protect


@pytest.mark.parametrize("stack", STACKS)
def test_no_plain_password_input_anywhere(gcp_recorded, stack):
    rec = gcp_recorded(stack)
    secret_inputs = [(r, k) for r in rec.resources for k in r.inputs if k in ("password", "rootPassword", "secretData")]
    assert {k for _, k in secret_inputs} == {"password", "secretData"}
    assert [(r.name, k) for r, k in secret_inputs if not is_rpc_secret(r.inputs[k])] == []
