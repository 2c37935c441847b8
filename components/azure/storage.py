"""A region's storage account (the platform's buckets are its blob containers): TLS 1.2, HTTPS and Entra ID
only, no public blobs, double encryption with a customer-managed key, versioning, soft delete, change feed,
point-in-time restore and a lifecycle policy."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native

from ..lib.naming import InvalidNameError, NameRule
from ..lib.waits import AZURE_KEY_VAULT_RBAC
from ..settings.models import BucketSettings
from ..wait import wait_after
from .diagnostics import send_logs
from .keyvault import AzureKey
from .private_dns import linked_private_zone
from .roles import KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, assign_role

CONTAINER_NAME = NameRule(3, 63, r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", "-", "3-63 lowercase letters, digits, hyphens")


BLOB_PRIVATE_ZONE = "privatelink.blob.core.windows.net"
"""The private DNS zone Azure resolves a blob private endpoint in."""


def container_name(bucket: str) -> str:
    """The blob container of a logical bucket: the bucket's own name (raises when Azure would reject it)."""
    problem = CONTAINER_NAME.check(bucket)
    if problem:
        raise InvalidNameError(f"azure blob container name '{bucket}' {problem}")
    return bucket


@dataclass(frozen=True)
class AzureStorageArgs:
    """Inputs of AzureStorage."""

    account_name: pulumi.Input[str]
    """Physical (globally unique) account name, 3-24 lowercase alphanumerics, with the stack-unique part
    (lib/naming.py)."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the account."""
    location: str
    """Azure region."""
    sku: str
    """Replication: Standard_LRS (dev) or Standard_GZRS (prod: zone-redundant and geo-replicated)."""
    buckets: Sequence[BucketSettings]
    """One container per bucket, with its lifecycle settings."""
    key: AzureKey
    """Customer-managed key of the account (versionless: the account follows key rotations)."""
    vault_uri: pulumi.Input[str]
    """URI of the vault holding `key`."""
    identity_name: str
    """Name of the user-assigned identity that unwraps the key."""
    allowed_subnet_ids: Sequence[pulumi.Input[str]]
    """Subnets (with the Microsoft.Storage service endpoint) admitted through the account firewall."""
    private_endpoint_subnet_id: pulumi.Input[str]
    """Subnet of the blob private endpoint (reachable from the other clouds over the VPN mesh)."""
    private_endpoint_ip: str
    """Static address of the blob private endpoint in that subnet."""
    vnet_id: pulumi.Input[str]
    """VNet the endpoint's private DNS zone is linked to."""
    soft_delete_days: int
    """Retention of deleted blobs and containers (point-in-time restore reaches one day less)."""
    subscription_id: str
    """Subscription of the built-in role definitions."""
    protect: bool
    """Pulumi-protect the account and containers (prod)."""
    tags: dict[str, str]
    """Tags of the account and identity."""
    allowed_ip_ranges: Sequence[str] = ()
    """Public ranges admitted through the firewall (GCP Storage Transfer's, when the containers are copied)."""
    workspace_id: pulumi.Input[str] | None = None
    """The region's Log Analytics workspace: the blob service's read, write and delete logs go there (azure G2)."""


def storage_ip_rules(ranges: Sequence[str]) -> list[str]:
    """Storage firewall entries for `ranges`: "Small address ranges that use /31 or /32 prefix sizes are not
    supported. Configure these ranges by using individual IP address rules"
    (https://learn.microsoft.com/azure/storage/common/storage-network-security; azure R12). A /32 becomes its
    address, a /31 its two addresses; wider ranges stay CIDRs."""
    entries: list[str] = []
    for text in ranges:
        network = ipaddress.ip_network(text, strict=False)
        if network.prefixlen >= network.max_prefixlen - 1:
            entries += [str(address) for address in network]
        else:
            entries.append(str(network))
    return list(dict.fromkeys(entries))


class AzureStorage(pulumi.ComponentResource):
    """StorageV2 account: TLS 1.2 minimum, HTTPS only, blob public access off, shared keys off (Entra ID
    only), firewall denying all but the AKS subnet and trusted Azure services, infrastructure (double)
    encryption plus a customer-managed key through a user-assigned identity; blob versioning, blob and
    container soft delete, change feed and point-in-time restore; one private container per bucket and a
    lifecycle policy expiring old versions and cooling objects per bucket."""

    account_name: pulumi.Output[str]
    """Name of the account."""
    account_id: pulumi.Output[str]
    """ARM id of the account."""
    blob_endpoint: pulumi.Output[str]
    """Primary blob endpoint."""
    container_names: dict[str, pulumi.Output[str]]
    """Container names by logical bucket name."""
    blob_private_endpoint: dict[str, pulumi.Input[str]]
    """`{"host": <account>.blob.core.windows.net, "ip": <private endpoint>}`: how the other clouds' workloads reach
    the blobs through the account firewall (over the VPN mesh; e.g. a pod `hostAliases` entry)."""

    def __init__(self, name: str, args: AzureStorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:azure:Storage", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        identity = azure_native.managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=args.identity_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            tags=args.tags,
            opts=child,
        )
        grant = assign_role(
            f"{name}-key-access",
            self,
            scope=args.key.id,
            principal_id=identity.principal_id,
            role=KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER,
            subscription_id=args.subscription_id,
        )
        network_rules: azure_native.storage.NetworkRuleSetArgsDict = {
            "default_action": azure_native.storage.DefaultAction.DENY,
            "bypass": "AzureServices",
            "virtual_network_rules": [
                {"virtual_network_resource_id": subnet, "action": azure_native.storage.Action.ALLOW}
                for subnet in args.allowed_subnet_ids
            ],
            "ip_rules": [
                {"i_p_address_or_range": entry, "action": azure_native.storage.Action.ALLOW}
                for entry in storage_ip_rules(args.allowed_ip_ranges)
            ],
        }
        account_identity: azure_native.storage.IdentityArgsDict = {
            "type": "UserAssigned",
            "user_assigned_identities": [identity.id],
        }
        encryption: azure_native.storage.EncryptionArgsDict = {
            "key_source": "Microsoft.Keyvault",
            "key_vault_properties": {"key_name": args.key.name, "key_vault_uri": args.vault_uri},
            "encryption_identity": {"encryption_user_assigned_identity": identity.id},
            "require_infrastructure_encryption": True,
            "services": {
                "blob": {"enabled": True, "key_type": "Account"},
                "file": {"enabled": True, "key_type": "Account"},
            },
        }
        account = azure_native.storage.StorageAccount(
            f"{name}-account",
            account_name=args.account_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            kind="StorageV2",
            sku={"name": args.sku},
            access_tier=azure_native.storage.AccessTier.HOT,
            minimum_tls_version="TLS1_2",
            enable_https_traffic_only=True,
            allow_blob_public_access=False,
            allow_shared_key_access=False,
            default_to_o_auth_authentication=True,
            allow_cross_tenant_replication=False,
            public_network_access="Enabled",
            network_rule_set=network_rules,
            identity=account_identity,
            encryption=encryption,
            tags=args.tags,
            # The identity's grant must have reached Key Vault before the account validates its key.
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.protect,
                depends_on=[
                    wait_after(f"{name}-key-access-wait", self, [grant], AZURE_KEY_VAULT_RBAC, rerun_on_replace=True)
                ],
            ),
        )
        blob_service = azure_native.storage.BlobServiceProperties(
            f"{name}-blob-service",
            account_name=account.name,
            resource_group_name=args.resource_group_name,
            blob_services_name="default",
            is_versioning_enabled=True,
            delete_retention_policy={"enabled": True, "days": args.soft_delete_days},
            container_delete_retention_policy={"enabled": True, "days": args.soft_delete_days},
            change_feed={"enabled": True, "retention_in_days": max(args.soft_delete_days, 30)},
            restore_policy={"enabled": True, "days": args.soft_delete_days - 1},
            opts=child,
        )
        if args.workspace_id is not None:
            # Blob read, write and delete requests (CIS Azure 3.13), on the blob service's own resource id.
            blob_service_id = pulumi.Output.concat(account.id, "/blobServices/default")
            send_logs(f"{name}-blob-logs", self, blob_service_id, args.workspace_id)
        self._private_endpoint(name, args, account)
        self.container_names = {}
        for bucket in args.buckets:
            container = azure_native.storage.BlobContainer(
                f"{name}-container-{bucket.name}",
                container_name=container_name(bucket.name),
                account_name=account.name,
                resource_group_name=args.resource_group_name,
                public_access=azure_native.storage.PublicAccess.NONE,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=[blob_service]),
            )
            self.container_names[bucket.name] = container.name
        azure_native.storage.ManagementPolicy(
            f"{name}-lifecycle",
            account_name=account.name,
            resource_group_name=args.resource_group_name,
            management_policy_name="default",
            policy={"rules": [_lifecycle_rule(bucket) for bucket in args.buckets]},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[blob_service]),
        )
        # No management lock: it would cover the containers, the lifecycle policy and the federated identities'
        # container-scoped grants, so changing a trust would fail with ScopeLocked (azure F7). Data stays guarded by
        # container and blob soft delete, versioning and Pulumi protect, and a deleted account can be recovered for
        # 14 days (https://learn.microsoft.com/azure/storage/common/storage-account-recover).

        self.account_name = account.name
        self.account_id = account.id
        self.blob_endpoint = account.primary_endpoints.apply(lambda e: e.blob)
        self.register_outputs({"account_name": self.account_name, "container_names": self.container_names})

    def _private_endpoint(
        self, name: str, args: AzureStorageArgs, account: azure_native.storage.StorageAccount
    ) -> None:
        """A blob private endpoint at a fixed address, resolvable in the VNet through `privatelink.blob...`:
        private-endpoint traffic passes the account firewall, so workloads of the other clouds reach the blobs
        over the VPN mesh while public access stays limited to the AKS subnet."""
        child = pulumi.ResourceOptions(parent=self)
        endpoint_name = pulumi.Output.concat(args.account_name, "-blob-pe")
        endpoint = azure_native.network.PrivateEndpoint(
            f"{name}-blob-endpoint",
            private_endpoint_name=endpoint_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            subnet={"id": args.private_endpoint_subnet_id},
            private_link_service_connections=[
                {"name": endpoint_name, "private_link_service_id": account.id, "group_ids": ["blob"]}
            ],
            ip_configurations=[
                {
                    "name": "blob",
                    "group_id": "blob",
                    "member_name": "blob",
                    "private_ip_address": args.private_endpoint_ip,
                }
            ],
            tags=args.tags,
            opts=child,
        )
        zone, _ = linked_private_zone(
            f"{name}-blob-dns",
            zone_name=BLOB_PRIVATE_ZONE,
            link_name=pulumi.Output.concat(args.account_name, "-blob"),
            resource_group_name=args.resource_group_name,
            vnet_id=args.vnet_id,
            tags=args.tags,
            opts=child,
        )
        azure_native.network.PrivateDnsZoneGroup(
            f"{name}-blob-dns-group",
            private_dns_zone_group_name="default",
            private_endpoint_name=endpoint.name,
            resource_group_name=args.resource_group_name,
            private_dns_zone_configs=[{"name": "blob", "private_dns_zone_id": zone.id}],
            opts=child,
        )
        self.blob_private_endpoint = {
            "host": pulumi.Output.concat(args.account_name, ".blob.core.windows.net"),
            "ip": args.private_endpoint_ip,
        }


def _lifecycle_rule(bucket: BucketSettings) -> azure_native.storage.ManagementPolicyRuleArgsDict:
    """Expire noncurrent versions and, if configured, cool current blobs, within one container."""
    actions: azure_native.storage.ManagementPolicyActionArgsDict = {
        "version": {"delete": {"days_after_creation_greater_than": bucket.noncurrent_version_days}}
    }
    if bucket.cool_after_days:
        actions["base_blob"] = {"tier_to_cool": {"days_after_modification_greater_than": bucket.cool_after_days}}
    return {
        "name": f"{bucket.name}Lifecycle",
        "type": "Lifecycle",
        "enabled": True,
        "definition": {
            "filters": {"blob_types": ["blockBlob"], "prefix_match": [f"{container_name(bucket.name)}/"]},
            "actions": actions,
        },
    }
