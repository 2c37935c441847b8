"""A Key Vault (RBAC, soft delete, purge protection) with customer-managed RSA keys that rotate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native

from ..lib.fingerprint import fingerprint
from ..lib.waits import AZURE_KEY_VAULT_RBAC
from ..wait import wait_after
from .roles import KEY_VAULT_CRYPTO_OFFICER, KEY_VAULT_SECRETS_OFFICER, assign_role

KEY_OPERATIONS = ["wrapKey", "unwrapKey", "encrypt", "decrypt"]
"""Wrap/unwrap for Storage and Flexible Server CMK, encrypt/decrypt for AKS KMS."""
KEY_REPLACEMENT = "properties"
"""What replaces a key when it changes. ARM creates keys with Keys_CreateIfNotExist, which "does not update
existing keys" (https://learn.microsoft.com/rest/api/keyvault/keyvault/keys/create-if-not-exist): a change of
type, size, operations, attributes or rotation policy made in place would never reach Key Vault."""


def key_name(base: str, properties: Mapping[str, object], generation: int | None = None) -> str:
    """`<base>[-g<generation>]-<fingerprint of the properties>`: a changed key (or a new generation) is a new key
    beside the old one (names are 1-127 letters, digits and dashes:
    https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates)."""
    return f"{base}-g{generation}-{fingerprint(properties)}" if generation else f"{base}-{fingerprint(properties)}"


def rotation_policy(
    auto_rotate: bool, rotate_after: str, expire_after: str, notify_before: str
) -> azure_native.keyvault.RotationPolicyArgsDict:
    """The key's rotation policy. `auto_rotate=False` (a key consumed by version: AKS KMS) keeps only the Notify
    action, which is Key Vault's own default policy ("Notify 30 days before expiry",
    https://learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation#key-rotation-policy): Key Vault
    never makes a new version behind the consumer's back, so a refresh never moves AKS's pinned `keyId` and two
    unencrypted-over rotations can never pile up (azure R8, https://github.com/Azure/kubernetes-kms/issues/291)."""
    notify: azure_native.keyvault.LifetimeActionArgsDict = {
        "trigger": {"time_before_expiry": notify_before},
        "action": {"type": azure_native.keyvault.KeyRotationPolicyActionType.NOTIFY},
    }
    rotate: azure_native.keyvault.LifetimeActionArgsDict = {
        "trigger": {"time_after_create": rotate_after},
        "action": {"type": azure_native.keyvault.KeyRotationPolicyActionType.ROTATE},
    }
    actions = [rotate, notify] if auto_rotate else [notify]
    return {"attributes": {"expiry_time": expire_after}, "lifetime_actions": actions}


@dataclass(frozen=True)
class AzureKeyVaultArgs:
    """Inputs of AzureKeyVault."""

    vault_name: pulumi.Input[str]
    """Physical (globally unique) vault name, 3-24 characters, with the stack-unique part (lib/naming.py)."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the vault."""
    location: str
    """Azure region of the vault and its keys."""
    tenant_id: pulumi.Input[str]
    """Entra ID tenant that authenticates requests to the vault."""
    deployer_object_id: pulumi.Input[str]
    """Object id of the principal running Pulumi: granted key and secret management so ARM can write them."""
    deployer_principal_type: pulumi.Input[str]
    """Entra ID type of that principal (`User` or `ServicePrincipal`)."""
    subscription_id: str
    """Subscription of the built-in role definitions."""
    keys: Mapping[str, int]
    """Key name -> RSA key size in bits."""
    soft_delete_retention_days: int
    """Days a deleted vault or key stays recoverable (7-90); purge protection forbids purging earlier."""
    workspace_id: pulumi.Input[str]
    """Log Analytics workspace receiving the vault's audit events."""
    protect: bool
    """Pulumi-protect the vault (prod); keys are retained on delete in every stack."""
    tags: dict[str, str]
    """Tags of the vault and keys."""
    rotate_after: str = "P1Y"
    """ISO 8601 duration after which Key Vault creates a new key version."""
    expire_after: str = "P2Y"
    """ISO 8601 expiry of each key version (after the rotation, so a version never expires in use)."""
    notify_before: str = "P30D"
    """ISO 8601 duration before expiry at which Key Vault emits a near-expiry event."""
    auto_rotate: bool = True
    """Key Vault rotates the keys itself (consumers following the versionless URI: Storage, Flexible Server).
    False for a key consumed by version (AKS KMS): a rotation is a new key generation through the program."""
    key_generation: int | None = None
    """Generation in the key names (`<base>-g<n>-<print>`): a new generation is a new key, created first, which
    the consumer moves to in the same update (the controlled rotation of a key that never auto-rotates)."""
    public_network: bool = False
    """Reachable from public networks (RBAC-gated). Only the AKS KMS vault, which KMS `Public` mode reaches over
    its public endpoint; every other vault denies public networks (trusted services and ARM still pass)."""


@dataclass(frozen=True)
class AzureKey:
    """One key of the vault, as its consumers reference it."""

    id: pulumi.Output[str]
    """ARM id (scope of role assignments on the key)."""
    name: pulumi.Output[str]
    """Key name."""
    uri: pulumi.Output[str]
    """Versionless key URI (consumers that follow rotations: Storage, Flexible Server)."""
    uri_with_version: pulumi.Output[str]
    """Key URI of the current version (AKS KMS needs a versioned key id)."""


class AzureKeyVault(pulumi.ComponentResource):
    """Standard vault with RBAC authorization (no access policies), soft delete and purge protection
    (both required by Storage, Flexible Server and AKS for customer-managed keys), audit events to Log
    Analytics, the deploying principal as crypto and secrets officer, and RSA keys with a rotation policy.
    Closed to public networks (`publicNetworkAccess: Disabled`, `defaultAction: Deny`, trusted Azure services
    bypassing) unless `public_network` (the AKS KMS vault only, holding nothing but that key: azure R6)."""

    vault_id: pulumi.Output[str]
    """ARM id of the vault."""
    vault_name: pulumi.Output[str]
    """Name of the vault."""
    vault_uri: pulumi.Output[str]
    """Data-plane URI, `https://<name>.vault.azure.net/`."""
    keys: dict[str, AzureKey]
    """Keys by name."""
    data_plane_access: list[pulumi.Resource]
    """What writes of keys and secrets must wait for: the propagation wait after the deploying principal's role
    assignments (a write right after the grant gets 403 ForbiddenByRbac)."""

    def __init__(self, name: str, args: AzureKeyVaultArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:azure:KeyVault", name, {}, opts)
        vault = azure_native.keyvault.Vault(
            f"{name}-vault",
            vault_name=args.vault_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            properties={
                "tenant_id": args.tenant_id,
                "sku": {"family": "A", "name": azure_native.keyvault.SkuName.STANDARD},
                "enable_rbac_authorization": True,
                "enable_soft_delete": True,
                "soft_delete_retention_in_days": args.soft_delete_retention_days,
                "enable_purge_protection": True,
                "enabled_for_deployment": False,
                "enabled_for_disk_encryption": False,
                "enabled_for_template_deployment": False,
                # Closed vaults (azure R6, CIS Azure 8.x): "all traffic except private endpoint traffic and that that
                # originates from trusted services will be blocked"
                # (https://learn.microsoft.com/powershell/module/az.keyvault/update-azkeyvault, -PublicNetworkAccess;
                # https://learn.microsoft.com/azure/key-vault/general/network-security). Storage and Flexible Server
                # unwrap their CMKs as trusted services (`AzureServices` bypass), and the stack writes its keys and
                # secrets through ARM (`Microsoft.KeyVault/vaults/keys|secrets`), which the vault firewall does not
                # gate (https://github.com/MicrosoftDocs/azure-docs/issues/68668): the deployer needs no network path.
                # The AKS KMS vault stays public: KMS `Public` mode does not support a vault that allows "public
                # access from specific virtual networks and IP addresses", nor "Disable public access" without API
                # Server VNet Integration (https://learn.microsoft.com/azure/aks/use-kms-etcd-encryption#limitations).
                "public_network_access": "Enabled" if args.public_network else "Disabled",
                "network_acls": {
                    "bypass": "AzureServices",
                    "default_action": "Allow" if args.public_network else "Deny",
                },
            },
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        grants = [
            assign_role(
                f"{name}-deployer-{label}",
                self,
                scope=vault.id,
                principal_id=args.deployer_object_id,
                role=role,
                subscription_id=args.subscription_id,
                principal_type=args.deployer_principal_type,
            )
            for label, role in (
                ("crypto-officer", KEY_VAULT_CRYPTO_OFFICER),
                ("secrets-officer", KEY_VAULT_SECRETS_OFFICER),
            )
        ]
        self.data_plane_access = [wait_after(f"{name}-deployer-rbac-wait", self, grants, AZURE_KEY_VAULT_RBAC)]
        self.keys = {}
        for base, size in args.keys.items():
            properties: azure_native.keyvault.KeyPropertiesArgsDict = {
                "kty": "RSA",
                "key_size": size,
                "key_ops": KEY_OPERATIONS,
                # No expiry on the key itself: an expired key no longer encrypts or wraps, which would stop AKS KMS
                # and the CMKs (https://learn.microsoft.com/azure/key-vault/keys/about-keys-details#key-attributes).
                "attributes": {"enabled": True},
                "rotation_policy": rotation_policy(
                    args.auto_rotate, args.rotate_after, args.expire_after, args.notify_before
                ),
            }
            key = azure_native.keyvault.Key(
                f"{name}-key-{base}",
                key_name=key_name(base, properties, args.key_generation),
                vault_name=vault.name,
                resource_group_name=args.resource_group_name,
                properties=properties,
                tags=args.tags,
                # Immutable: a change is a new key (new name) created first; consumers move to it in the same
                # update; the old key is only dropped from the state and stays enabled in the vault, since data
                # wrapped with it (AKS secrets until re-encrypted, backups) still needs it: docs/DEPLOY_CHECK.md.
                # No `protect`: Pulumi refuses to replace a protected resource; retain_on_delete is the stronger
                # guard (the stack never deletes a key, not even on destroy), soft delete and purge protection
                # the vault's own.
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=self.data_plane_access,
                    replace_on_changes=[KEY_REPLACEMENT],
                    delete_before_replace=False,
                    retain_on_delete=True,
                    # Tags go out with the create only, like the rest (Keys_CreateIfNotExist); a tag edit is not
                    # worth a new key, and the plan should not show an update that never happens.
                    ignore_changes=["tags"],
                ),
            )
            self.keys[base] = AzureKey(
                id=key.id, name=key.name, uri=key.key_uri, uri_with_version=key.key_uri_with_version
            )
        azure_native.monitor.DiagnosticSetting(
            f"{name}-audit-logs",
            name="audit-to-log-analytics",
            resource_uri=vault.id,
            workspace_id=args.workspace_id,
            logs=[{"category_group": "audit", "enabled": True}],
            opts=pulumi.ResourceOptions(parent=self),
        )
        # No management lock: a lock on the vault would cover the role assignments on it and on its keys, so a
        # later change of a grant (or a replaced key's) would fail with ScopeLocked (azure F7). Soft delete and
        # purge protection are the vault's own API-level guard: a deleted vault stays recoverable and its name
        # reserved for `soft_delete_retention_days` (https://learn.microsoft.com/azure/key-vault/general/key-vault-recovery).

        self.vault_id = vault.id
        self.vault_name = vault.name
        self.vault_uri = vault.properties.apply(lambda p: p.vault_uri)
        self.register_outputs({"vault_id": self.vault_id, "vault_uri": self.vault_uri})
