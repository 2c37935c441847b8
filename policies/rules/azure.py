"""Azure (azure-native 3) resource guardrails: Storage, PostgreSQL Flexible Server, AKS, Key Vault, VPN."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .common import Context, dig, items, mapping, number, provided, public_cidrs, resource_policy

STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_CONTAINER = "azure-native:storage:BlobContainer"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
POSTGRES_SERVER = "azure-native:dbforpostgresql:Server"
POSTGRES_CONFIGURATION = "azure-native:dbforpostgresql:Configuration"
AKS_CLUSTER = "azure-native:containerservice:ManagedCluster"
AKS_AGENT_POOL = "azure-native:containerservice:AgentPool"
KEY_VAULT = "azure-native:keyvault:Vault"
KEY_VAULT_SECRET = "azure-native:keyvault:Secret"
KEY_VAULT_KEY = "azure-native:keyvault:Key"
VPN_CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
VPN_GATEWAY = "azure-native:network:VirtualNetworkGateway"
LOCAL_GATEWAY = "azure-native:network:LocalNetworkGateway"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
NSG = "azure-native:network:NetworkSecurityGroup"
LOG_WORKSPACE = "azure-native:operationalinsights:Workspace"

AREA = "azure"
TLS12_OR_LATER = ("TLS1_2", "TLS1_3")
GEO_REDUNDANT_SKUS = ("GRS", "RAGRS", "GZRS", "RAGZRS")
WEAK_IKE_CIPHERS = ("DES", "DES3")
INSECURE_SERVER_PARAMETERS = {
    "require_secure_transport": ("off", "0", "false"),
    "ssl_min_protocol_version": ("tlsv1", "tlsv1.1"),
}


# --- Storage ---------------------------------------------------------------------------------------------


def _storage_tls(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if props.get("enableHttpsTrafficOnly") is False:
        yield "enableHttpsTrafficOnly is false: plain HTTP is accepted"
    tls = props.get("minimumTlsVersion")
    if tls not in TLS12_OR_LATER:
        yield f"minimumTlsVersion is {tls or 'unset (interpreted as TLS1_0)'}; required: TLS1_2"


def _storage_no_public(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if props.get("allowBlobPublicAccess") is not False:
        yield "allowBlobPublicAccess is not false: containers can be made anonymously readable"


def _container_private(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    access = props.get("publicAccess")
    if access not in (None, "None"):
        yield f"publicAccess is {access!r}: blobs are readable anonymously"


def _storage_cmk(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    encryption = mapping(props.get("encryption"))
    source = str(encryption.get("keySource") or "Microsoft.Storage")
    if source.lower() != "microsoft.keyvault":
        yield f"encryption.keySource is {source}: data is encrypted with a Microsoft-managed key"
    elif not provided(encryption, "keyVaultProperties.keyName"):
        yield "encryption.keyVaultProperties.keyName is not set"


def _blob_data_protection(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    minimum = ctx.config["minRetentionDays"]
    if props.get("isVersioningEnabled") is not True:
        yield "isVersioningEnabled is not true"
    for policy in ("deleteRetentionPolicy", "containerDeleteRetentionPolicy"):
        retention = mapping(props.get(policy))
        days = number(retention.get("days"))
        if retention.get("enabled") is not True:
            yield f"{policy}.enabled is not true: deleted data is gone at once"
        elif days is None or days < minimum:
            yield f"{policy}.days is {int(days) if days is not None else 'unset'}; required: >= {minimum}"


def _storage_geo_redundant(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    sku = str(dig(props, "sku.name") or "")
    replication = sku.rsplit("_", 1)[-1]
    if replication not in GEO_REDUNDANT_SKUS:
        yield f"sku.name is {sku or 'unset'}: data does not survive a region outage (use *_GRS or *_GZRS)"
    elif ctx.config["zoneRedundant"] and "Z" not in replication:
        yield f"sku.name is {sku}: the primary copy lives in one zone (use Standard_GZRS or Standard_RAGZRS)"


def _workspace_capped(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    cap = number(dig(props, "workspaceCapping.dailyQuotaGb"))
    if cap is None or cap <= 0:
        yield "workspaceCapping.dailyQuotaGb is not set: ingestion (AKS audit, Container Insights) has no daily limit"
    elif cap > ctx.config["maxDailyQuotaGb"]:
        yield f"workspaceCapping.dailyQuotaGb is {cap:g}; allowed: <= {ctx.config['maxDailyQuotaGb']}"


def _secret_expires(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    expires = number(dig(props, "properties.attributes.expires"))
    if expires is None or expires <= 0:
        yield "properties.attributes.expires is not set: the secret never expires (CIS Azure 8.3/8.4)"


# --- PostgreSQL Flexible Server --------------------------------------------------------------------------


def _postgres_private(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    network = mapping(props.get("network"))
    if provided(network, "delegatedSubnetResourceId"):
        return  # VNet-integrated servers have no public endpoint
    if network.get("publicNetworkAccess") != "Disabled":
        yield "network.publicNetworkAccess is not 'Disabled' and the server is not VNet-integrated"


def _postgres_cmk(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    encryption = mapping(props.get("dataEncryption"))
    if encryption.get("type") != "AzureKeyVault":
        yield f"dataEncryption.type is {encryption.get('type') or 'unset (SystemManaged)'}; required: AzureKeyVault"
    elif not provided(encryption, "primaryKeyURI"):
        yield "dataEncryption.primaryKeyURI is not set"


def _postgres_backups(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    minimum = ctx.config["minRetentionDays"]
    days = number(dig(props, "backup.backupRetentionDays"))
    effective = 7.0 if days is None else days  # the service default
    if effective < minimum:
        yield f"backup.backupRetentionDays is {int(effective)}; required: >= {minimum}"


def _postgres_ha(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    mode = dig(props, "highAvailability.mode")
    if mode not in ("ZoneRedundant", "SameZone"):
        yield f"highAvailability.mode is {mode or 'unset (Disabled)'}; required: ZoneRedundant"


def _postgres_tls(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    parameter = str(props.get("configurationName") or "").lower()
    value = str(props.get("value") or "").lower()
    if value and value in INSECURE_SERVER_PARAMETERS.get(parameter, ()):
        yield f"{parameter} = {props.get('value')} lets clients connect without current TLS"


# --- AKS -------------------------------------------------------------------------------------------------


def _aks_private(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    access = mapping(props.get("apiServerAccessProfile"))
    if access.get("enablePrivateCluster") is True:
        return
    if ctx.prod:
        yield "apiServerAccessProfile.enablePrivateCluster is not true: prod API servers stay private"
        return
    ranges = items(access.get("authorizedIPRanges"))
    if not ranges:
        yield "public API server without apiServerAccessProfile.authorizedIPRanges"
    elif public_cidrs(ranges):
        yield f"public API server open to {', '.join(public_cidrs(ranges))}"


def _aks_workload_identity(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if dig(props, "securityProfile.workloadIdentity.enabled") is not True:
        yield "securityProfile.workloadIdentity.enabled is not true"
    if dig(props, "oidcIssuerProfile.enabled") is not True:
        yield "oidcIssuerProfile.enabled is not true (workload identity federation needs the issuer)"


def _aks_entra_rbac(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if props.get("disableLocalAccounts") is not True:
        yield "disableLocalAccounts is not true: static admin kubeconfigs remain available"
    if dig(props, "aadProfile.enableAzureRBAC") is not True:
        yield "aadProfile.enableAzureRBAC is not true: authorization is not tied to Entra ID"
    if props.get("enableRBAC") is False:
        yield "enableRBAC is false"


def _aks_secrets_kms(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    kms = mapping(dig(props, "securityProfile.azureKeyVaultKms"))
    if kms.get("enabled") is not True:
        yield "securityProfile.azureKeyVaultKms.enabled is not true: etcd secrets use platform keys only"
    elif not provided(kms, "keyId"):
        yield "securityProfile.azureKeyVaultKms.keyId is not set"


# --- Key Vault, VPN ----------------------------------------------------------------------------------------


def _vault_protection(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    properties = mapping(props.get("properties"))
    if properties.get("enablePurgeProtection") is not True:
        yield "properties.enablePurgeProtection is not true: deleted keys can be purged at once"
    if properties.get("enableSoftDelete") is False:
        yield "properties.enableSoftDelete is false"
    days = number(properties.get("softDeleteRetentionInDays"))
    if days is not None and days < ctx.config["minSoftDeleteDays"]:
        yield f"properties.softDeleteRetentionInDays is {int(days)}; required: >= {ctx.config['minSoftDeleteDays']}"


def _vpn_ikev2(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    protocol = props.get("connectionProtocol")
    if protocol is not None and protocol != "IKEv2":
        yield f"connectionProtocol is {protocol}; required: IKEv2"
    for i, policy in enumerate(items(props.get("ipsecPolicies"))):
        for key in ("ikeEncryption", "ipsecEncryption"):
            if dig(policy, key) in WEAK_IKE_CIPHERS:
                yield f"ipsecPolicies[{i}].{key} is {dig(policy, key)}"


STRONG_AZURE_DH = ("DHGroup14", "DHGroup2048", "ECP256", "ECP384")
STRONG_AZURE_PFS = ("PFS14", "PFS2048", "ECP256", "ECP384")


def _vpn_dh_groups(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    policies = items(props.get("ipsecPolicies"))
    if not policies:
        yield "ipsecPolicies is unset: the gateway's default proposals include DH group 2"
    for i, policy in enumerate(policies):
        for key, strong in (("dhGroup", STRONG_AZURE_DH), ("pfsGroup", STRONG_AZURE_PFS)):
            value = dig(policy, key)
            if value not in strong:
                yield f"ipsecPolicies[{i}].{key} is {value}; allowed: {', '.join(strong)}"


POLICIES = [
    resource_policy(
        "azure-storage-tls-only",
        area=AREA,
        types=[STORAGE_ACCOUNT],
        severity="high",
        summary="Storage accounts accept HTTPS only, with TLS 1.2 or later.",
        remediation="Set enableHttpsTrafficOnly true and minimumTlsVersion 'TLS1_2'.",
        check=_storage_tls,
        reads={STORAGE_ACCOUNT: ("enableHttpsTrafficOnly", "minimumTlsVersion")},
    ),
    resource_policy(
        "azure-storage-no-public-access",
        area=AREA,
        types=[STORAGE_ACCOUNT],
        severity="critical",
        summary="Storage accounts forbid anonymous blob access.",
        remediation="Set allowBlobPublicAccess false.",
        check=_storage_no_public,
        reads={STORAGE_ACCOUNT: ("allowBlobPublicAccess",)},
    ),
    resource_policy(
        "azure-blob-container-private",
        area=AREA,
        types=[BLOB_CONTAINER],
        severity="critical",
        summary="Blob containers are private.",
        remediation="Set publicAccess 'None' (or leave it unset).",
        check=_container_private,
        reads={BLOB_CONTAINER: ("publicAccess",)},
    ),
    resource_policy(
        "azure-storage-customer-key",
        area=AREA,
        types=[STORAGE_ACCOUNT],
        severity="high",
        summary="Storage accounts encrypt data with a customer-managed Key Vault key.",
        remediation="Set encryption.keySource 'Microsoft.Keyvault' with keyVaultProperties (keyName, keyVaultUri) "
        "and an identity allowed to use the key.",
        check=_storage_cmk,
        reads={STORAGE_ACCOUNT: ("encryption.keySource", "encryption.keyVaultProperties.keyName")},
    ),
    resource_policy(
        "azure-blob-data-protection",
        area=AREA,
        types=[BLOB_SERVICE],
        severity="high",
        summary="Blob versioning and blob/container soft delete are on, with enough retention.",
        remediation="Set isVersioningEnabled true and deleteRetentionPolicy/containerDeleteRetentionPolicy "
        "{enabled: true, days >= minRetentionDays}.",
        check=_blob_data_protection,
        reads={
            BLOB_SERVICE: (
                "isVersioningEnabled",
                "deleteRetentionPolicy.enabled",
                "deleteRetentionPolicy.days",
                "containerDeleteRetentionPolicy.enabled",
                "containerDeleteRetentionPolicy.days",
            )
        },
        config={
            "minRetentionDays": {
                "type": "integer",
                "minimum": 1,
                "maximum": 365,
                "default": 7,
                "description": "Minimum soft-delete retention in days.",
            }
        },
    ),
    resource_policy(
        "azure-storage-geo-redundant",
        area=AREA,
        types=[STORAGE_ACCOUNT],
        severity="medium",
        summary="Prod storage accounts replicate to the paired region (and across zones where configured).",
        remediation="Use sku.name Standard_GZRS (or Standard_RAGZRS; Standard_GRS where zoneRedundant is off).",
        check=_storage_geo_redundant,
        security=False,
        prod_only=True,
        reads={STORAGE_ACCOUNT: ("sku.name",)},
        config={
            "zoneRedundant": {
                "type": "boolean",
                "default": False,
                "description": "Also require zone-redundant primary copies (GZRS/RA-GZRS), as AKS and Postgres are.",
            }
        },
    ),
    resource_policy(
        "azure-keyvault-secret-expiry",
        area=AREA,
        types=[KEY_VAULT_SECRET],
        severity="medium",
        summary="Key Vault secrets carry an expiration date (CIS Microsoft Azure Foundations 8.3/8.4).",
        remediation="Set properties.attributes.expires (components/secret_expiry.py: expires_at).",
        check=_secret_expires,
        reads={KEY_VAULT_SECRET: ("properties.attributes.expires",)},
    ),
    resource_policy(
        "azure-log-analytics-daily-cap",
        area=AREA,
        types=[LOG_WORKSPACE],
        severity="low",
        summary="Log Analytics workspaces have a daily ingestion cap (network.log_daily_cap_gb).",
        remediation="Set workspace_capping.daily_quota_gb (network.log_daily_cap_gb) within maxDailyQuotaGb.",
        check=_workspace_capped,
        security=False,
        reads={LOG_WORKSPACE: ("workspaceCapping.dailyQuotaGb",)},
        config={
            "maxDailyQuotaGb": {
                "type": "number",
                "minimum": 0,
                "default": 100,
                "description": "Largest allowed daily cap per workspace (GB).",
            }
        },
    ),
    resource_policy(
        "azure-postgres-private",
        area=AREA,
        types=[POSTGRES_SERVER],
        severity="critical",
        summary="PostgreSQL Flexible Servers have no public endpoint.",
        remediation="Deploy into a delegated subnet (network.delegatedSubnetResourceId + private DNS zone) "
        "or set network.publicNetworkAccess 'Disabled' with a private endpoint.",
        check=_postgres_private,
        reads={POSTGRES_SERVER: ("network.publicNetworkAccess", "network.delegatedSubnetResourceId")},
    ),
    resource_policy(
        "azure-postgres-customer-key",
        area=AREA,
        types=[POSTGRES_SERVER],
        severity="high",
        summary="PostgreSQL Flexible Servers encrypt data with a customer-managed Key Vault key.",
        remediation="Set dataEncryption {type: 'AzureKeyVault', primaryKeyURI, primaryUserAssignedIdentityId}.",
        check=_postgres_cmk,
        reads={POSTGRES_SERVER: ("dataEncryption.type", "dataEncryption.primaryKeyURI")},
    ),
    resource_policy(
        "azure-postgres-backup-retention",
        area=AREA,
        types=[POSTGRES_SERVER],
        severity="high",
        summary="PostgreSQL Flexible Server backups (the point-in-time-restore window) are kept long enough.",
        remediation="Set backup.backupRetentionDays to at least minRetentionDays.",
        check=_postgres_backups,
        reads={POSTGRES_SERVER: ("backup.backupRetentionDays",)},
        config={
            "minRetentionDays": {
                "type": "integer",
                "minimum": 1,
                "maximum": 35,
                "default": 7,
                "description": "Minimum backup retention in days.",
            }
        },
    ),
    resource_policy(
        "azure-postgres-high-availability",
        area=AREA,
        types=[POSTGRES_SERVER],
        severity="high",
        summary="Prod PostgreSQL Flexible Servers run zone-redundant HA.",
        remediation="Set highAvailability.mode 'ZoneRedundant' (postgres.ha: true).",
        check=_postgres_ha,
        security=False,
        prod_only=True,
        reads={POSTGRES_SERVER: ("highAvailability.mode",)},
    ),
    resource_policy(
        "azure-postgres-tls",
        area=AREA,
        types=[POSTGRES_CONFIGURATION],
        severity="high",
        summary="Server parameters keep TLS mandatory (require_secure_transport on, TLS 1.2+).",
        remediation="Leave require_secure_transport 'on' and ssl_min_protocol_version at TLSv1.2 or later.",
        check=_postgres_tls,
        reads={POSTGRES_CONFIGURATION: ("configurationName", "value")},
    ),
    resource_policy(
        "azure-aks-private-api",
        area=AREA,
        types=[AKS_CLUSTER],
        severity="critical",
        summary="AKS API servers are private in prod; in dev a public API server must be allow-listed.",
        remediation="Set apiServerAccessProfile.enablePrivateCluster true (dev: authorizedIPRanges without 0.0.0.0/0).",
        check=_aks_private,
        environment_aware=True,
        reads={
            AKS_CLUSTER: ("apiServerAccessProfile.enablePrivateCluster", "apiServerAccessProfile.authorizedIPRanges")
        },
    ),
    resource_policy(
        "azure-aks-workload-identity",
        area=AREA,
        types=[AKS_CLUSTER],
        severity="high",
        summary="AKS has workload identity and the OIDC issuer on.",
        remediation="Set securityProfile.workloadIdentity.enabled and oidcIssuerProfile.enabled to true.",
        check=_aks_workload_identity,
        reads={AKS_CLUSTER: ("securityProfile.workloadIdentity.enabled", "oidcIssuerProfile.enabled")},
    ),
    resource_policy(
        "azure-aks-entra-rbac",
        area=AREA,
        types=[AKS_CLUSTER],
        severity="high",
        summary="AKS uses Entra ID with Azure RBAC and no local accounts.",
        remediation="Set disableLocalAccounts true and aadProfile {managed: true, enableAzureRBAC: true}.",
        check=_aks_entra_rbac,
        reads={AKS_CLUSTER: ("disableLocalAccounts", "aadProfile.enableAzureRBAC", "enableRBAC")},
    ),
    resource_policy(
        "azure-aks-secrets-encryption",
        area=AREA,
        types=[AKS_CLUSTER],
        severity="high",
        summary="AKS encrypts Kubernetes secrets in etcd with a customer-managed Key Vault key (KMS).",
        remediation="Set securityProfile.azureKeyVaultKms {enabled: true, keyId, keyVaultNetworkAccess}.",
        check=_aks_secrets_kms,
        reads={AKS_CLUSTER: ("securityProfile.azureKeyVaultKms.enabled", "securityProfile.azureKeyVaultKms.keyId")},
    ),
    resource_policy(
        "azure-keyvault-purge-protection",
        area=AREA,
        types=[KEY_VAULT],
        severity="high",
        summary="Key vaults holding customer keys keep soft delete and purge protection on.",
        remediation="Set properties.enablePurgeProtection true and leave soft delete on "
        "(softDeleteRetentionInDays >= minSoftDeleteDays).",
        check=_vault_protection,
        reads={
            KEY_VAULT: (
                "properties.enablePurgeProtection",
                "properties.enableSoftDelete",
                "properties.softDeleteRetentionInDays",
            )
        },
        config={
            "minSoftDeleteDays": {
                "type": "integer",
                "minimum": 7,
                "maximum": 90,
                "default": 7,
                "description": "Minimum soft-delete retention in days.",
            }
        },
    ),
    resource_policy(
        "azure-vpn-ikev2",
        area=AREA,
        types=[VPN_CONNECTION],
        severity="high",
        summary="Azure VPN connections negotiate IKEv2 with no DES ciphers.",
        remediation="Set connectionProtocol 'IKEv2' (the default) and AES/GCM ciphers in ipsecPolicies.",
        check=_vpn_ikev2,
        reads={VPN_CONNECTION: ("connectionProtocol", "ipsecPolicies.ikeEncryption", "ipsecPolicies.ipsecEncryption")},
    ),
    resource_policy(
        "azure-vpn-dh-groups",
        area=AREA,
        types=[VPN_CONNECTION],
        severity="high",
        summary="Azure VPN connections pin a custom IPsec policy with strong DH and PFS groups (MODP 2048 or ECP).",
        remediation="Set ipsecPolicies with dhGroup DHGroup14/ECP256/ECP384 and pfsGroup PFS2048/ECP256/ECP384.",
        check=_vpn_dh_groups,
        reads={VPN_CONNECTION: ("ipsecPolicies.dhGroup", "ipsecPolicies.pfsGroup")},
    ),
]
