"""GcpKms: a regional key ring with rotating keys for GKE secrets, Cloud SQL, GCS and Secret Manager, each
usable only by its own Google service agent; protected in prod only."""

from __future__ import annotations

import pulumi_gcp as gcp
import pytest

from scripts.offline import Recording, Registration
from tests.aws.helpers import deps_of_type, of_type, one, one_of
from tests.conftest import stack_suffix

from .helpers import ALL_REGIONS, EXPECT, KEY_PURPOSES, KMS, PROJECT_NUMBER, REGION_CODES, component, project_of

ENCRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
NINETY_DAYS = f"{90 * 86400}s"
AGENTS = {
    "gke": f"serviceAccount:service-{PROJECT_NUMBER}@container-engine-robot.iam.gserviceaccount.com",
    "sql": f"serviceAccount:service-{PROJECT_NUMBER}@gcp-sa-cloud-sql.iam.gserviceaccount.com",
    "gcs": f"serviceAccount:service-{PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com",
    "secrets": f"serviceAccount:service-{PROJECT_NUMBER}@gcp-sa-secretmanager.iam.gserviceaccount.com",
}
"""The Google-managed service agent of each purpose (derived from the project number)."""


def kms(rec: Recording, region: str) -> Registration:
    return component(rec, region, KMS)


def keys(rec: Recording, region: str) -> dict[str, Registration]:
    return {k.inputs["name"]: k for k in of_type(rec, gcp.kms.CryptoKey, kms(rec, region))}


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_key_ring_lives_in_the_region(gcp_recorded, stack, region):
    ring = one_of(gcp_recorded(stack), gcp.kms.KeyRing, kms(gcp_recorded(stack), region))
    assert ring.inputs["location"] == region
    assert ring.inputs["name"] == f"flow-{stack}-{REGION_CODES[region]}-{stack_suffix(gcp_recorded(stack))}"
    assert ring.inputs["project"] == project_of(stack)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_one_rotating_symmetric_key_per_purpose_in_the_ring(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    ring = one_of(rec, gcp.kms.KeyRing, kms(rec, region))
    found = keys(rec, region)
    assert set(found) == set(KEY_PURPOSES)
    for purpose, key in found.items():
        assert key.inputs["rotationPeriod"] == NINETY_DAYS, purpose
        assert key.inputs["purpose"] == "ENCRYPT_DECRYPT", purpose
        assert key.inputs["versionTemplate"]["algorithm"] == "GOOGLE_SYMMETRIC_ENCRYPTION", purpose
        assert key.inputs["destroyScheduledDuration"] == f"{30 * 86400}s", purpose
        assert (
            key.inputs["keyRing"] == f"projects/{project_of(stack)}/locations/{region}/keyRings/{ring.inputs['name']}"
        )
        assert deps_of_type(rec, key, gcp.kms.KeyRing) == [ring], purpose


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_each_key_admits_only_its_service_agent(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    component_ = kms(rec, region)
    grants = of_type(rec, gcp.kms.CryptoKeyIAMMember, component_)
    assert len(grants) == len(KEY_PURPOSES)
    for purpose, key in keys(rec, region).items():
        grant = one(g for g in grants if deps_of_type(rec, g, gcp.kms.CryptoKey) == [key])
        assert grant.inputs["role"] == ENCRYPTER, purpose
        assert grant.inputs["member"] == AGENTS[purpose], purpose
        assert grant.inputs["cryptoKeyId"].endswith(f"/cryptoKeys/{purpose}"), purpose


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_cloud_sql_and_secret_manager_agents_are_created_on_demand(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    identities = of_type(rec, gcp.projects.ServiceIdentity, kms(rec, region))
    assert sorted(i.inputs["service"] for i in identities) == [
        "secretmanager.googleapis.com",
        "sqladmin.googleapis.com",
    ]
    assert {i.inputs["project"] for i in identities} == {project_of(stack)}
    sql_grant = one(
        g
        for g in of_type(rec, gcp.kms.CryptoKeyIAMMember, kms(rec, region))
        if g.inputs["cryptoKeyId"].endswith("/sql")
    )
    sql_identity = one(i for i in identities if i.inputs["service"] == "sqladmin.googleapis.com")
    assert deps_of_type(rec, sql_grant, gcp.projects.ServiceIdentity) == [sql_identity]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_ring_and_keys_are_protected_in_prod_only(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    protected = [one_of(rec, gcp.kms.KeyRing, kms(rec, region)), *keys(rec, region).values()]
    assert [r.protect for r in protected] == [EXPECT[stack].protect] * 5
