"""The project's audit trail: Data Access audit logs for every service and the `_Default` log bucket's retention."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

AUDIT_LOG_TYPES = ("ADMIN_READ", "DATA_READ", "DATA_WRITE")
"""CIS Google Cloud Platform Foundations 3.0, 2.1: "Cloud Audit Logging is configured properly across all services
and all users": DATA_READ, DATA_WRITE and ADMIN_READ on allServices, nobody exempted. Admin Activity logs are always
on; Data Access logs are off by default (https://cloud.google.com/logging/docs/audit/configure-data-access). Cloud
SQL's pgAudit entries are Data Access logs too."""
DEFAULT_BUCKET = "_Default"
"""The log bucket everything but Admin Activity and System Event audit logs lands in: VPC flow logs, GKE control
plane and workload logs, Data Access audit logs. It keeps 30 days unless configured
(https://cloud.google.com/logging/docs/buckets#default-bucket); `_Required` is fixed at 400 days."""


@dataclass(frozen=True)
class GcpAuditLoggingArgs:
    """Inputs of GcpAuditLogging."""

    project: str
    """The stack's project."""
    retention_days: int
    """Days the `_Default` bucket keeps logs (1-3650; the stack's flow-log retention)."""


class GcpAuditLogging(pulumi.ComponentResource):
    """Data Access audit logs (admin reads, data reads and writes) for all services of the project, and the retention
    of its `_Default` log bucket (an existing bucket: the resource takes it over, and destroying it only forgets it)."""

    def __init__(self, name: str, args: GcpAuditLoggingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:AuditLogging", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Authoritative for allServices' audit config only (not an IAM binding): no exemption can be added beside it.
        gcp.projects.IAMAuditConfig(
            f"{name}-data-access",
            project=args.project,
            service="allServices",
            audit_log_configs=[{"log_type": t} for t in AUDIT_LOG_TYPES],
            opts=child,
        )
        gcp.logging.ProjectBucketConfig(
            f"{name}-default-bucket",
            project=args.project,
            location="global",
            bucket_id=DEFAULT_BUCKET,
            retention_days=args.retention_days,
            opts=child,
        )
        self.register_outputs({})
