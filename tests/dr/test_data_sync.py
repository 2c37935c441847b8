"""The bucket copies in the backup cloud as the recorded stacks provision them: one Storage Transfer job per AWS or
Azure region and synced bucket, landing under its own path of the primary GCP backups bucket, authenticated only
by the service agent's Google identity (no keys), each identity reading exactly the source buckets."""

from __future__ import annotations

import json
from functools import cache

import pytest

from components.identity.federation import STORAGE_BLOB_DATA_READER
from scripts.mock_clouds.gcp import INVOKES
from scripts.offline import Recording, Registration
from tests.aws.helpers import depends_on, descendants, one
from tests.conftest import record_stack, stack_settings

STACKS = ("dev", "prod")
JOB = "gcp:storage/transferJob:TransferJob"
AGENT = INVOKES["gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount"]("", {})
RANGES = ["34.64.0.0/20", "35.200.0.0/21"]
"""Storage Transfer's source ranges as a stack would configure them (test values)."""


@cache
def with_azure(stack: str) -> Recording:
    """The stack file with `dr.sync.azure_source_ranges` set: the Azure containers are copied too."""
    return record_stack(stack, dr={"sync": {"azure_source_ranges": RANGES}})


def sync(rec: Recording) -> list[Registration]:
    return descendants(rec, one(rec.of_type("multicloud:dr:DataSync")))


def of(rec: Recording, resource_type: str) -> list[Registration]:
    return [r for r in sync(rec) if r.type == resource_type]


@pytest.mark.parametrize(("stack", "azure"), [("dev", False), ("prod", False), ("dev", True)])
def test_one_job_per_source_region_and_bucket_lands_in_its_own_path_of_the_gcp_backups_bucket(recorded, stack, azure):
    rec, s = (with_azure(stack) if azure else recorded(stack)), stack_settings(stack)
    destination = rec.outputs["gcp_buckets"][s.clouds.gcp.regions[0].name]["backups"]
    jobs = {r.inputs["transferSpec"]["gcsDataSink"]["path"]: r.inputs for r in of(rec, JOB)}
    expected = {
        f"{cloud}/{region.name}/{bucket}/"
        for cloud in (("aws", "azure") if azure else ("aws",))
        for region in getattr(s.clouds, cloud).regions
        for bucket in s.synced_buckets()
    }
    assert set(jobs) == expected
    for path, job in jobs.items():
        cloud, region, bucket = path.rstrip("/").split("/")
        spec = job["transferSpec"]
        assert spec["gcsDataSink"]["bucketName"] == destination
        assert spec["transferOptions"]["deleteObjectsUniqueInSink"] is False  # a copy, never a mirror
        assert job["schedule"]["repeatInterval"] == f"{s.dr.sync.interval}s"
        assert job["status"] == "ENABLED"
        source_bucket = rec.outputs[f"{cloud}_buckets"][region][bucket]
        if cloud == "aws":
            assert spec["awsS3DataSource"]["bucketName"] == source_bucket
        else:
            assert spec["azureBlobStorageDataSource"]["container"] == source_bucket


@pytest.mark.parametrize("stack", STACKS)
def test_no_job_carries_a_key(recorded, stack):
    for job in of(recorded(stack), JOB) + of(with_azure("dev"), JOB):
        source = (
            job.inputs["transferSpec"].get("awsS3DataSource")
            or job.inputs["transferSpec"]["azureBlobStorageDataSource"]
        )
        assert not {"awsAccessKey", "azureCredentials", "credentialsSecret"} & set(source)


@pytest.mark.parametrize("stack", STACKS)
def test_only_the_service_agent_assumes_the_aws_role_which_reads_only_the_source_buckets(recorded, stack):
    rec, s = recorded(stack), stack_settings(stack)
    role = one(of(rec, "aws:iam/role:Role"))
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Federated": "accounts.google.com"}
    assert statement["Condition"] == {"StringEquals": {"accounts.google.com:sub": AGENT["subjectId"]}}
    read = one(of(rec, "aws:iam/rolePolicy:RolePolicy"))
    policy = json.loads(read.inputs["policy"])
    buckets = {
        f"arn:aws:s3:::{rec.outputs['aws_buckets'][r.name][b]}"
        for r in s.clouds.aws.regions
        for b in s.synced_buckets()
    }
    by_sid = {st["Sid"]: st for st in policy["Statement"]}
    assert set(by_sid["List"]["Resource"]) == buckets
    assert set(by_sid["Read"]["Resource"]) == {f"{b}/*" for b in buckets}
    assert by_sid["Read"]["Action"] == ["s3:GetObject"]  # no write, no delete
    assert by_sid["Decrypt"]["Condition"] == {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}
    for job in of(rec, JOB):
        if "awsS3DataSource" in job.inputs["transferSpec"]:
            assert job.inputs["transferSpec"]["awsS3DataSource"]["roleArn"] == role.outputs["arn"]
            assert depends_on(job, role) and depends_on(job, read)  # its permissions exist before the job (gcp 16)


def test_the_azure_identity_federates_only_the_service_agent_and_reads_only_the_source_containers():
    rec, s = with_azure("dev"), stack_settings("dev")
    identity = one(of(rec, "azure-native:managedidentity:UserAssignedIdentity"))
    credential = one(of(rec, "azure-native:managedidentity:FederatedIdentityCredential")).inputs
    assert (credential["issuer"], credential["subject"]) == ("https://accounts.google.com", AGENT["subjectId"])
    assert credential["audiences"] == ["api://AzureADTokenExchange"]
    grants = of(rec, "azure-native:authorization:RoleAssignment")
    assert len(grants) == len(s.clouds.azure.regions) * len(s.synced_buckets())
    for grant in grants:
        assert grant.inputs["roleDefinitionId"].endswith(STORAGE_BLOB_DATA_READER)
        assert grant.inputs["principalId"] == identity.outputs["principalId"]
        assert "/blobServices/default/containers/" in grant.inputs["scope"]
    for job in of(rec, JOB):
        source = job.inputs["transferSpec"].get("azureBlobStorageDataSource")
        if source:
            assert source["federatedIdentityConfig"]["clientId"] == identity.outputs["clientId"]
    # ... and the storage accounts' firewall admits the transfer service's ranges, nothing else public
    for account in rec.of_type("azure-native:storage:StorageAccount"):
        rules = account.inputs["networkRuleSet"]
        assert rules["defaultAction"] == "Deny"
        assert [r["iPAddressOrRange"] for r in rules["ipRules"]] == RANGES


@pytest.mark.parametrize("stack", STACKS)
def test_without_source_ranges_the_azure_containers_are_not_copied_and_their_firewall_stays_shut(recorded, stack):
    rec = recorded(stack)
    assert of(rec, "azure-native:managedidentity:UserAssignedIdentity") == []
    for account in rec.of_type("azure-native:storage:StorageAccount"):
        assert account.inputs["networkRuleSet"].get("ipRules", []) == []


@pytest.mark.parametrize("stack", STACKS)
def test_the_service_agent_may_write_the_destination_bucket_only(recorded, stack):
    rec = recorded(stack)
    grants = of(rec, "gcp:storage/bucketIAMMember:BucketIAMMember")
    # Storage Transfer's documented sink minimum: no objectAdmin, nothing that can change the bucket (its retention).
    assert {g.inputs["role"] for g in grants} == {"roles/storage.legacyBucketWriter", "roles/storage.objectViewer"}
    assert {g.inputs["member"] for g in grants} == {AGENT["member"]}
    assert len({g.inputs["bucket"] for g in grants}) == 1


@pytest.mark.parametrize("stack", STACKS)
def test_a_failed_or_aborted_run_is_published_and_alerts_the_budgets_addresses(recorded, stack):
    """gcp review 20: every job reports failed and aborted runs to one topic only the agent may publish to, and a
    Cloud Monitoring policy fires on any message there, notifying the budget's e-mail channels (the same people)."""
    rec = recorded(stack)
    component = one(rec.of_type("multicloud:dr:DataSync"))
    topic = one(of(rec, "gcp:pubsub/topic:Topic"))
    grant = one(of(rec, "gcp:pubsub/topicIAMMember:TopicIAMMember"))
    assert topic.parent == grant.parent == component.urn
    assert (grant.inputs["role"], grant.inputs["member"]) == ("roles/pubsub.publisher", AGENT["member"])
    jobs = of(rec, JOB)
    assert jobs
    for job in jobs:
        assert job.inputs["notificationConfig"] == {
            "pubsubTopic": f"projects/{topic.inputs['project']}/topics/{topic.inputs['name']}",
            "eventTypes": ["TRANSFER_OPERATION_FAILED", "TRANSFER_OPERATION_ABORTED"],
            "payloadFormat": "JSON",
        }
        assert depends_on(job, grant)  # the agent may publish before the first run
    policy = one(r for r in of(rec, "gcp:monitoring/alertPolicy:AlertPolicy") if r.parent == component.urn)
    (condition,) = policy.inputs["conditions"]
    threshold = condition["conditionThreshold"]
    assert "pubsub.googleapis.com/topic/send_message_operation_count" in threshold["filter"]
    assert f'resource.label.topic_id = "{topic.inputs["name"]}"' in threshold["filter"]
    assert (threshold["comparison"], threshold["thresholdValue"]) == ("COMPARISON_GT", 0)
    budget_channels = [
        r.id for r in rec.resources if r.type.endswith("NotificationChannel") and "-gcp-budget" in r.name
    ]
    assert budget_channels and sorted(policy.inputs["notificationChannels"]) == sorted(budget_channels)
