"""Cloud SQL for PostgreSQL: private IP only, TLS only, CMEK, PITR, replication-ready, password in Secret Manager."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random

ADMIN_USER = "platform_admin"
FINAL_BACKUP_RETENTION_DAYS = 30
"""Days Cloud SQL keeps the final backup taken when a protected instance is deleted (the RDS final snapshot)."""
MAX_TRANSACTION_LOG_DAYS = {"ENTERPRISE": 7, "ENTERPRISE_PLUS": 35}
"""Upper bound of PITR log retention per edition."""
PGAUDIT_CLASSES = "ddl,role"
"""What pgAudit logs: schema changes and role/privilege changes (GRANT, CREATE ROLE), not reads or writes of rows."""
DATABASE_FLAGS: list[gcp.sql.DatabaseInstanceSettingsDatabaseFlagArgsDict] = [
    # Replication and authentication (the review's "found correct" list).
    {"name": "cloudsql.logical_decoding", "value": "on"},
    {"name": "cloudsql.iam_authentication", "value": "on"},
    # CIS Google Cloud Platform Foundations 3.0, 6.2.1-6.2.8 (PostgreSQL), each a Cloud SQL supported flag
    # (https://cloud.google.com/sql/docs/postgres/flags#list-flags-postgres):
    {"name": "log_error_verbosity", "value": "default"},  # 6.2.1: DEFAULT or more
    {"name": "log_connections", "value": "on"},  # 6.2.2
    {"name": "log_disconnections", "value": "on"},  # 6.2.3
    {"name": "log_statement", "value": "ddl"},  # 6.2.4
    {"name": "log_min_messages", "value": "warning"},  # 6.2.5: at least WARNING
    {"name": "log_min_error_statement", "value": "error"},  # 6.2.6: ERROR or stricter
    # 6.2.7: -1 (off), "logging SQL statements may include sensitive information"; Query Insights keeps the slow
    # queries (without the client address).
    {"name": "log_min_duration_statement", "value": "-1"},
    # 6.2.8: pgAudit (https://cloud.google.com/sql/docs/postgres/pg-audit). Turning the flag on restarts the
    # instance once; `CREATE EXTENSION pgaudit` in the database is a post-deploy step (docs/DEPLOY.md).
    {"name": "cloudsql.enable_pgaudit", "value": "on"},
    {"name": "pgaudit.log", "value": PGAUDIT_CLASSES},
]
"""Database flags of every instance: replication, IAM auth, and the CIS 6.2 logging and audit flags."""
DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
"""Cloud SQL maintenance days (1 = Monday)."""


@dataclass(frozen=True)
class GcpCloudSqlArgs:
    """Inputs of GcpCloudSql."""

    project: str
    """Project of the instance and the secret."""
    region: str
    """Region of the instance (and of the secret's only replica)."""
    instance_name: pulumi.Input[str]
    """Cloud SQL instance name (not reusable for a week after deletion), with the stack-unique part."""
    version: str
    """PostgreSQL major version."""
    tier: str
    """Cloud SQL machine tier (`db-custom-*`, `db-perf-optimized-N-*`, shared core)."""
    ha: bool
    """REGIONAL (synchronous standby in another zone) or ZONAL."""
    storage_gb: int
    """Initial SSD size."""
    max_storage_gb: int
    """Storage autoresize ceiling."""
    backup_retention_days: int
    """Daily backups kept (and PITR log days, up to the edition's maximum)."""
    pitr: bool
    """Point-in-time recovery (write-ahead-log archiving)."""
    backup_window: str
    """Daily backup window, UTC (`03:00-04:00`): backups start at its start."""
    maintenance_window: str
    """Weekly maintenance window, UTC (`sun:04:30-sun:05:30`): its day and hour are used."""
    database: str
    """Application database created in the instance."""
    network_id: pulumi.Input[str]
    """VPC the private IP lives in."""
    private_services_range: pulumi.Input[str]
    """Name of the peered private-services range the private IP is allocated from."""
    kms_key_id: pulumi.Input[str]
    """Cloud KMS key of the instance's disks and backups."""
    secrets_key_id: pulumi.Input[str]
    """Cloud KMS key of the Secret Manager secret holding the admin password."""
    deletion_protection: bool
    """Provider-side and API-level deletion protection, final backup and Pulumi protect (prod)."""
    labels: dict[str, str]
    """Labels of the instance and the secret."""


class GcpCloudSql(pulumi.ComponentResource):
    """Cloud SQL for PostgreSQL with a private IP only (no public IPv4, private services access), TLS required,
    CMEK, IAM database authentication, logical decoding on for replication, the CIS 6.2 logging flags and pgAudit,
    daily backups with PITR, a weekly
    maintenance window, Query Insights, and an admin user whose generated password lives only as a secret
    (Pulumi state encrypted, Secret Manager with CMEK). Prod: REGIONAL, deletion protection on both layers,
    a final backup on deletion."""

    instance_name: pulumi.Output[str]
    """Name of the instance."""
    connection_name: pulumi.Output[str]
    """`<project>:<region>:<instance>` for the Cloud SQL connectors."""
    private_ip: pulumi.Output[str]
    """Private IP of the instance."""
    admin_user: str
    """Built-in admin user."""
    password_secret_id: pulumi.Output[str]
    """Secret Manager secret with the admin password."""
    admin_password: pulumi.Output[str]
    """The generated admin password (secret; the connection secrets in the other clouds carry it)."""

    def __init__(self, name: str, args: GcpCloudSqlArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:CloudSql", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        protect = args.deletion_protection
        edition = "ENTERPRISE_PLUS" if args.tier.startswith("db-perf-optimized-") else "ENTERPRISE"
        day, hour = _maintenance(args.maintenance_window)
        log_days = min(args.backup_retention_days, MAX_TRANSACTION_LOG_DAYS[edition])
        instance = gcp.sql.DatabaseInstance(
            f"{name}-instance",
            name=args.instance_name,
            project=args.project,
            region=args.region,
            database_version=f"POSTGRES_{args.version}",
            encryption_key_name=args.kms_key_id,
            deletion_protection=protect,
            settings={
                "tier": args.tier,
                # PostgreSQL 16+ defaults to Enterprise Plus, which rejects db-custom tiers.
                "edition": edition,
                "availability_type": "REGIONAL" if args.ha else "ZONAL",
                "disk_type": "PD_SSD",
                "disk_size": args.storage_gb,
                "disk_autoresize": True,
                "disk_autoresize_limit": args.max_storage_gb,
                "deletion_protection_enabled": protect,
                "retain_backups_on_delete": protect,
                "final_backup_config": {"enabled": True, "retention_days": FINAL_BACKUP_RETENTION_DAYS}
                if protect
                else None,
                "ip_configuration": {
                    "ipv4_enabled": False,
                    "private_network": args.network_id,
                    "allocated_ip_range": args.private_services_range,
                    "ssl_mode": "ENCRYPTED_ONLY",
                    "enable_private_path_for_google_cloud_services": False,
                },
                "backup_configuration": {
                    "enabled": True,
                    "start_time": args.backup_window.split("-")[0],
                    "point_in_time_recovery_enabled": args.pitr,
                    "transaction_log_retention_days": log_days,
                    # More backups than log days: the API has refused "backup retention should be > transaction
                    # log retention", and Google recommends "one more than the days of log retention"
                    # (https://cloud.google.com/sql/docs/postgres/backup-recovery/pitr; gcp review 5).
                    "backup_retention_settings": {
                        "retained_backups": max(args.backup_retention_days, log_days + 1),
                        "retention_unit": "COUNT",
                    },
                },
                "maintenance_window": {"day": day, "hour": hour, "update_track": "stable"},
                "database_flags": DATABASE_FLAGS,
                "insights_config": {"query_insights_enabled": True, "record_client_address": False},
                "user_labels": args.labels,
            },
            # The disk grows by autoresize: config only sets the initial size.
            opts=pulumi.ResourceOptions(parent=self, protect=protect, ignore_changes=["settings.diskSize"]),
        )
        gcp.sql.Database(
            f"{name}-database",
            name=args.database,
            project=args.project,
            instance=instance.name,
            opts=pulumi.ResourceOptions(parent=self, protect=protect),
        )
        password = random.RandomPassword(
            f"{name}-admin-password",
            length=40,
            special=True,
            override_special="-_.~",
            min_lower=4,
            min_upper=4,
            min_numeric=4,
            opts=child,
        )
        gcp.sql.User(
            f"{name}-admin",
            name=ADMIN_USER,
            project=args.project,
            instance=instance.name,
            type="BUILT_IN",
            password=password.result,
            # PostgreSQL refuses to drop a role that owns objects: leave it to the instance's deletion.
            deletion_policy="ABANDON",
            opts=child,
        )
        secret = gcp.secretmanager.Secret(
            f"{name}-admin-secret",
            secret_id=pulumi.Output.concat(args.instance_name, "-admin-password"),
            project=args.project,
            replication={
                "user_managed": {
                    "replicas": [
                        {
                            "location": args.region,
                            "customer_managed_encryption": {"kms_key_name": args.secrets_key_id},
                        }
                    ]
                }
            },
            deletion_protection=protect,
            labels={**args.labels, "instance": args.instance_name},
            opts=pulumi.ResourceOptions(parent=self, protect=protect),
        )
        gcp.secretmanager.SecretVersion(
            f"{name}-admin-secret-version",
            secret=secret.id,
            secret_data=password.result,
            opts=child,
        )
        self.instance_name = instance.name
        self.connection_name = instance.connection_name
        self.private_ip = instance.private_ip_address
        self.admin_user = ADMIN_USER
        self.password_secret_id = secret.id
        self.admin_password = pulumi.Output.secret(password.result)
        self.register_outputs(
            {
                "instance_name": self.instance_name,
                "connection_name": self.connection_name,
                "private_ip": self.private_ip,
                "password_secret_id": self.password_secret_id,
            }
        )


def _maintenance(window: str) -> tuple[int, int]:
    """`sun:04:30-sun:05:30` -> (7, 4): Cloud SQL takes a day and a one-hour slot starting on the hour."""
    day, hour = window.split("-")[0].split(":")[:2]
    return DAYS[day], int(hour)
