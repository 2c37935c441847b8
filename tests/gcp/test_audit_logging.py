"""GcpAuditLogging: Data Access audit logs on every service (CIS GCP 2.1) and the `_Default` log bucket keeping the
stack's flow-log retention (gcp review 15), once per stack, on the primary GCP region's provider."""

from __future__ import annotations

import pulumi_gcp as gcp
import pytest

from tests.aws.helpers import depends_on, of_type, one, platform_config

from .helpers import GCP_PROVIDER, STACKS, project_of

AUDIT = "multicloud:gcp:AuditLogging"


@pytest.mark.parametrize("stack", STACKS)
def test_data_access_audit_logs_cover_every_service_and_exempt_nobody(gcp_recorded, stack):
    rec = gcp_recorded(stack)
    component = one(rec.of_type(AUDIT))
    config = one(of_type(rec, gcp.projects.IAMAuditConfig))
    assert config.parent == component.urn
    assert (config.inputs["project"], config.inputs["service"]) == (project_of(stack), "allServices")
    assert config.inputs["auditLogConfigs"] == [
        {"logType": "ADMIN_READ"},
        {"logType": "DATA_READ"},
        {"logType": "DATA_WRITE"},
    ]  # no exemptedMembers
    apis = [r for r in rec.of_type(gcp.projects.Service.pulumi_type) if r.inputs["service"] == "logging.googleapis.com"]
    assert apis and depends_on(config, apis[0])


@pytest.mark.parametrize("stack", STACKS)
def test_the_default_log_bucket_keeps_the_stacks_flow_log_retention(gcp_recorded, stack):
    rec = gcp_recorded(stack)
    bucket = one(of_type(rec, gcp.logging.ProjectBucketConfig))
    expected = platform_config(stack).get("network", {}).get("flow_log_retention_days", 30 if stack == "dev" else 365)
    assert (bucket.inputs["bucketId"], bucket.inputs["location"]) == ("_Default", "global")
    assert bucket.inputs["retentionDays"] == expected == {"dev": 30, "prod": 365}[stack]
    assert rec.by_urn()[bucket.provider_urn].type == GCP_PROVIDER
