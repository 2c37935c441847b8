"""Azure Database for PostgreSQL Flexible Server: VNet-integrated, private DNS, customer-managed keys,
zone-redundant HA and geo-redundant backups in prod, TLS-only and replication-ready."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native
import pulumi_random as random

from ..lib.waits import AZURE_KEY_VAULT_RBAC, FLEXIBLE_SERVER_SETTLE
from ..secret_expiry import expires_at
from ..wait import wait_after
from .keyvault import AzureKey
from .private_dns import linked_private_zone
from .roles import KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, assign_role, delete_lock

ADMIN_USER = "platform_admin"
STORAGE_SIZES_GB = (32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767)
"""Premium SSD sizes Flexible Server accepts; a configured size is rounded up to the next one."""
SERVER_PARAMETERS = {"wal_level": "logical", "require_secure_transport": "on"}
"""Logical replication (data sync, CDC) and TLS-only connections. Flexible Server spells the TLS switch
`require_secure_transport`. `wal_level` is static: set after the server is created, it takes effect only at a
restart (https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-logical), which no resource of the
stack performs. The driver does it after `up`: each server whose `wal_level` reports `isConfigPendingRestart` is
restarted and waited for (scripts/postgres_restart.py; a prod stack only with `--yes-restart-prod`), and the
replication bootstrap checks `SHOW wal_level` on the publisher (azure R3)."""
WEEKDAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
"""Flexible Server's dayOfWeek numbering."""
PASSWORD_SPECIALS = "!#%*-_=+?"
"""Specials that need no quoting in connection strings."""


def storage_size_gb(requested: int) -> int:
    """The smallest size Flexible Server accepts that holds `requested` GiB."""
    return next((size for size in STORAGE_SIZES_GB if size >= requested), STORAGE_SIZES_GB[-1])


@dataclass(frozen=True)
class AzurePostgresArgs:
    """Inputs of AzurePostgres."""

    server_name: pulumi.Input[str]
    """Physical server name (global DNS namespace)."""
    version: str
    """PostgreSQL major version."""
    sku_name: str
    """Compute size, e.g. Standard_D4s_v3."""
    sku_tier: str
    """Burstable, GeneralPurpose or MemoryOptimized."""
    storage_gb: int
    """Requested storage (rounded up to a size Azure offers; autogrow on)."""
    high_availability: bool
    """Zone-redundant standby (prod)."""
    backup_retention_days: int
    """Backup and point-in-time-restore retention."""
    maintenance_window: str
    """Weekly window `sun:04:30-sun:05:30` (UTC); Azure takes its start."""
    database: str
    """Application database."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the server and its companions."""
    location: str
    """Azure region."""
    subnet_id: pulumi.Input[str]
    """Subnet delegated to Flexible Server."""
    vnet_id: pulumi.Input[str]
    """VNet the private DNS zone is linked to."""
    key: AzureKey
    """Customer-managed key of the server's data (in the region's vault)."""
    vault_name: pulumi.Input[str]
    """Vault that stores the generated admin password."""
    vault_access: Sequence[pulumi.Resource]
    """What writing a secret to that vault must wait for (the deployer's role assignments)."""
    workspace_id: pulumi.Input[str]
    """Log Analytics workspace receiving the server logs."""
    identity_name: str
    """Name of the user-assigned identity that unwraps the key."""
    tenant_id: pulumi.Input[str]
    """Entra ID tenant for Entra ID authentication."""
    subscription_id: str
    """Subscription of the built-in role definitions."""
    deletion_protection: bool
    """Pulumi protect and a delete lock on the server, protect on its database and log setting (prod)."""
    tags: dict[str, str]
    """Tags of every resource."""
    geo_key: AzureKey | None = None
    """Key for the geo-redundant backup copy, in a vault of the paired region; None: no geo-redundant backup."""
    geo_location: str | None = None
    """The paired region holding `geo_key` (and its identity)."""


FLEXIBLE_SERVER_BACKUP_DAYS = (7, 35)
"""Backup retention Flexible Server accepts (azure F1: dev's 3 was refused): "Possible values are between 7 and 35
days" (https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-backup-restore)."""


def flexible_server_backup_days(days: int) -> int:
    """The stack's backup retention within what Flexible Server accepts (RDS and Cloud SQL take 1 day; Azure 7)."""
    low, high = FLEXIBLE_SERVER_BACKUP_DAYS
    return min(max(days, low), high)


class AzurePostgres(pulumi.ComponentResource):
    """Flexible Server in its delegated subnet with a private DNS zone linked to the VNet and public network
    access disabled; data encrypted with the vault key through a user-assigned identity (and the geo-backup
    copy with a paired-region key); Entra ID plus password authentication, the admin password generated by
    Pulumi and kept only as a secret (state, Key Vault); zone-redundant HA, geo-redundant backups,
    configurable retention; `wal_level=logical` and TLS required; server logs to Log Analytics."""

    server_name: pulumi.Output[str]
    """Name of the server."""
    server_id: pulumi.Output[str]
    """ARM id of the server."""
    fqdn: pulumi.Output[str]
    """Private FQDN of the server (resolves in the linked VNet)."""
    admin_login: str
    """Administrator login."""
    admin_password_secret_name: pulumi.Output[str]
    """Key Vault secret holding the admin password."""
    admin_password: pulumi.Output[str]
    """The generated admin password (secret; the connection secrets in the other clouds carry it)."""

    def __init__(self, name: str, args: AzurePostgresArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:azure:Postgres", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)

        identity = azure_native.managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=args.identity_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            tags=args.tags,
            opts=child,
        )
        grants = [
            assign_role(
                f"{name}-key-access",
                self,
                scope=args.key.id,
                principal_id=identity.principal_id,
                role=KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER,
                subscription_id=args.subscription_id,
            )
        ]
        identity_ids = [identity.id]
        encryption: azure_native.dbforpostgresql.DataEncryptionArgsDict = {
            "type": "AzureKeyVault",
            "primary_key_uri": args.key.uri,
            "primary_user_assigned_identity_id": identity.id,
        }
        geo = args.geo_key is not None and args.geo_location is not None
        if args.geo_key is not None and args.geo_location is not None:
            # The geo-redundant backup copy lives in the paired region and is encrypted there.
            geo_identity = azure_native.managedidentity.UserAssignedIdentity(
                f"{name}-geo-identity",
                resource_name_=f"{args.identity_name}-geo",
                resource_group_name=args.resource_group_name,
                location=args.geo_location,
                tags=args.tags,
                opts=child,
            )
            grants.append(
                assign_role(
                    f"{name}-geo-key-access",
                    self,
                    scope=args.geo_key.id,
                    principal_id=geo_identity.principal_id,
                    role=KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER,
                    subscription_id=args.subscription_id,
                )
            )
            identity_ids.append(geo_identity.id)
            encryption["geo_backup_key_uri"] = args.geo_key.uri
            encryption["geo_backup_user_assigned_identity_id"] = geo_identity.id

        zone, link = linked_private_zone(
            f"{name}-dns",
            zone_name=pulumi.Output.concat(args.server_name, ".private.postgres.database.azure.com"),
            link_name=pulumi.Output.concat(args.server_name, "-vnet"),
            resource_group_name=args.resource_group_name,
            vnet_id=args.vnet_id,
            tags=args.tags,
            opts=child,
        )

        password = random.RandomPassword(
            f"{name}-admin-password",
            length=40,
            special=True,
            override_special=PASSWORD_SPECIALS,
            min_lower=2,
            min_upper=2,
            min_numeric=2,
            min_special=2,
            opts=child,
        )
        secret_password: pulumi.Output[str] = pulumi.Output.secret(password.result)
        secret = azure_native.keyvault.Secret(
            f"{name}-admin-password-secret",
            secret_name=pulumi.Output.concat(args.server_name, "-admin-password"),
            vault_name=args.vault_name,
            resource_group_name=args.resource_group_name,
            properties={
                "value": secret_password,
                "content_type": pulumi.Output.concat(f"password of {ADMIN_USER} on ", args.server_name),
                "attributes": {"expires": expires_at(f"{name}-admin-password-expiry", self)},  # azure R16
            },
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.vault_access)),
        )

        day, start = args.maintenance_window.split("-")[0].split(":", 1)
        hour, minute = (int(part) for part in start.split(":"))
        server = azure_native.dbforpostgresql.Server(
            f"{name}-server",
            server_name=args.server_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            version=args.version,
            sku={"name": args.sku_name, "tier": args.sku_tier},
            administrator_login=ADMIN_USER,
            administrator_login_password=secret_password,
            # Password sign-in only: Entra ID sign-in needs an Entra administrator on the server (a
            # dbforpostgresql.Administrator), which the platform does not configure, so it stays off rather than
            # on and unusable (azure R16).
            auth_config={"active_directory_auth": "Disabled", "password_auth": "Enabled"},
            storage={"storage_size_gb": storage_size_gb(args.storage_gb), "auto_grow": "Enabled"},
            backup={
                "backup_retention_days": flexible_server_backup_days(args.backup_retention_days),
                "geo_redundant_backup": "Enabled" if geo else "Disabled",
            },
            high_availability={"mode": "ZoneRedundant" if args.high_availability else "Disabled"},
            network={
                "delegated_subnet_resource_id": args.subnet_id,
                "private_dns_zone_arm_resource_id": zone.id,
                "public_network_access": "Disabled",
            },
            identity={
                "type": "UserAssigned",
                "user_assigned_identities": pulumi.Output.all(*identity_ids).apply(lambda ids: {i: {} for i in ids}),
            },
            data_encryption=encryption,
            maintenance_window={
                "custom_window": "Enabled",
                "day_of_week": WEEKDAYS[day],
                "start_hour": hour,
                "start_minute": minute,
            },
            tags=args.tags,
            # The CMK identities' grants must have reached Key Vault before the server validates its keys.
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.deletion_protection,
                # Autogrow enlarges the disk itself; sending the configured (smaller) size on a later update is
                # refused ("cannot be less than current size"; azure R1).
                ignore_changes=["storage.storageSizeGB"],
                depends_on=[
                    link,
                    wait_after(f"{name}-key-access-wait", self, grants, AZURE_KEY_VAULT_RBAC, rerun_on_replace=True),
                ],
            ),
        )
        # One write at a time on a fresh server, after it settles: the database, then each parameter (Flexible
        # Server answers ServerIsBusy to a write while another operation runs on the server).
        settled = wait_after(f"{name}-server-settle-wait", self, [server], FLEXIBLE_SERVER_SETTLE)
        database = azure_native.dbforpostgresql.Database(
            f"{name}-database",
            database_name=args.database,
            server_name=server.name,
            resource_group_name=args.resource_group_name,
            charset="UTF8",
            collation="en_US.utf8",
            # Under the server's delete lock: protected like it, so the stack never attempts a delete the lock
            # refuses (azure F7).
            opts=pulumi.ResourceOptions(parent=self, depends_on=[settled], protect=args.deletion_protection),
        )
        previous: list[pulumi.Resource] = [database]
        for parameter, value in SERVER_PARAMETERS.items():
            configuration = azure_native.dbforpostgresql.Configuration(
                f"{name}-config-{parameter.replace('_', '-')}",
                configuration_name=parameter,
                server_name=server.name,
                resource_group_name=args.resource_group_name,
                value=value,
                source="user-override",
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
            )
            previous = [configuration]
        azure_native.monitor.DiagnosticSetting(
            f"{name}-logs",
            name="server-logs-to-log-analytics",
            resource_uri=server.id,
            workspace_id=args.workspace_id,
            logs=[{"category": "PostgreSQLLogs", "enabled": True}],
            opts=pulumi.ResourceOptions(parent=self, protect=args.deletion_protection),  # under the lock too
        )
        # The one delete lock of the stack: on the server, where nothing the stack may delete lives underneath (the
        # database and the log setting are protected; configurations have no Delete operation, only Put). Removing
        # or replacing any of them is a deliberate step: unprotect, drop the lock, change, re-lock (azure F7).
        if args.deletion_protection:
            delete_lock(f"{name}-lock", self, server.id, pulumi.Output.concat("PostgreSQL server ", args.server_name))

        self.server_name = server.name
        self.server_id = server.id
        self.fqdn = server.fully_qualified_domain_name
        self.admin_login = ADMIN_USER
        self.admin_password_secret_name = secret.name
        self.admin_password = secret_password
        self.register_outputs({"fqdn": self.fqdn, "admin_password_secret_name": self.admin_password_secret_name})
