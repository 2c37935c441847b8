"""Copies of the AWS and Azure buckets in the backup cloud: GCP Storage Transfer jobs pull every configured bucket
of every region into the primary GCP region's backups bucket (under `<cloud>/<region>/<bucket>/`) on a schedule.

No static key anywhere: the project's Storage Transfer service agent authenticates with its Google identity
(`accounts.google.com`, pinned by its unique subject id)
- to AWS by assuming one IAM role that only it can assume, allowed to list and read those buckets (and decrypt
  their objects through S3);
- to Azure through a user-assigned identity with a federated credential for that subject, granted Storage Blob
  Data Reader on those containers only;
- and it may write the destination bucket only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_gcp as gcp

from ..aws.policies import document, google_identity_trust_policy
from ..azure.roles import assign_role
from ..gcp.budget import email_channels
from ..identity.federation import STORAGE_BLOB_DATA_READER
from ..lib.audiences import AZURE_AUDIENCE
from ..lib.naming import region_code

GOOGLE_ISSUER = "accounts.google.com"
"""Issuer of the Storage Transfer service agent's identity tokens."""
DESTINATION_ROLES = ("roles/storage.legacyBucketWriter", "roles/storage.objectViewer")
"""The Storage Transfer minimum on a Cloud Storage sink (https://cloud.google.com/storage-transfer/docs/sink-cloud-storage):
storage.buckets.get, objects.create, objects.list and objects.delete (GCS needs it to replace an object) from Storage
Legacy Bucket Writer, the role that page names, plus objects.get from Storage Object Viewer, which overwrite-when-
DIFFERENT needs to compare. No storage.buckets.update, so the agent can never lift the sink's retention policy, and
no objects.update/setIamPolicy (objectAdmin had them; gcp review 21)."""


FAILURE_EVENTS = ("TRANSFER_OPERATION_FAILED", "TRANSFER_OPERATION_ABORTED")
"""What the jobs publish to the failure topic (https://cloud.google.com/storage-transfer/docs/pub-sub-transfer)."""
PUBLISHED = "pubsub.googleapis.com/topic/send_message_operation_count"
"""Messages published to a topic (https://cloud.google.com/monitoring/api/metrics_gcp_p_z#gcp-pubsub): above 0 on the
failure topic means a run failed."""


@dataclass(frozen=True)
class S3Source:
    """One AWS bucket to copy."""

    region: str
    logical: str
    bucket_name: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]


@dataclass(frozen=True)
class BlobSource:
    """One Azure container to copy."""

    region: str
    logical: str
    storage_account_name: pulumi.Input[str]
    storage_account_id: pulumi.Input[str]
    container_name: pulumi.Input[str]


@dataclass(frozen=True)
class DataSyncArgs:
    """Inputs of CrossCloudDataSync."""

    project: str
    """GCP project running the transfer jobs."""
    destination_bucket: pulumi.Input[str]
    """Backups bucket of the primary GCP region."""
    name_prefix: str
    """`<name>-<environment>` (role and identity names)."""
    interval_seconds: int
    start_date: str
    """First run, YYYY-MM-DD (UTC)."""
    s3: Sequence[S3Source] = ()
    blobs: Sequence[BlobSource] = ()
    azure_resource_group: pulumi.Input[str] | None = None
    """Where the transfer identity lives (the primary Azure region's group)."""
    azure_location: str | None = None
    azure_subscription_id: str | None = None
    tags: dict[str, str] | None = None
    alert_emails: Sequence[str] = ()
    """Who hears of a failed or aborted run (new e-mail channels, unless `alert_channel_ids` are given)."""
    alert_channel_ids: Sequence[pulumi.Input[str]] = ()
    """Existing notification channels to reuse (the budget's, when they go to the same addresses)."""


class CrossCloudDataSync(pulumi.ComponentResource):
    """The transfer jobs and their identities. Give it the primary regions' providers (aws, azure-native, gcp;
    each needed only with sources in that cloud) through `opts.providers`."""

    job_names: dict[str, pulumi.Output[str]]
    """`<cloud>/<region>/<bucket>` -> transfer job name."""
    aws_role_arn: pulumi.Output[str] | None
    """The role the service agent assumes in AWS (None without S3 sources)."""
    azure_client_id: pulumi.Output[str] | None
    """Client id of the Azure identity the service agent federates to (None without Azure sources)."""

    def __init__(self, name: str, args: DataSyncArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:dr:DataSync", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        agent = gcp.storage.get_transfer_project_service_account_output(
            project=args.project, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        destination_grants: list[pulumi.Resource] = [
            gcp.storage.BucketIAMMember(
                f"{name}-destination-{role.rsplit('.', 1)[-1].lower()}",
                bucket=args.destination_bucket,
                role=role,
                member=agent.member,
                opts=child,
            )
            for role in DESTINATION_ROLES
        ]
        self.job_names, self.aws_role_arn, self.azure_client_id = {}, None, None
        schedule = _schedule(args.start_date, args.interval_seconds)
        self._notification: gcp.storage.TransferJobNotificationConfigArgsDict | None = None
        if args.alert_emails or args.alert_channel_ids:
            destination_grants.append(self._failure_alerts(name, args, agent.member))
        if args.s3:
            role, read = self._aws_role(name, args, agent.subject_id)
            self.aws_role_arn = role.arn
            for source in args.s3:
                self._job(
                    name,
                    args,
                    "aws",
                    source.region,
                    source.logical,
                    {"aws_s3_data_source": {"bucket_name": source.bucket_name, "role_arn": role.arn}},
                    schedule,
                    # the role's permissions too, not just the role: a run without them fails AccessDenied (gcp 16)
                    [role, read, *destination_grants],
                )
        if args.blobs:
            identity, grants = self._azure_identity(name, args, agent.subject_id)
            self.azure_client_id = identity.client_id
            for blob in args.blobs:
                self._job(
                    name,
                    args,
                    "azure",
                    blob.region,
                    blob.logical,
                    {
                        "azure_blob_storage_data_source": {
                            "storage_account": blob.storage_account_name,
                            "container": blob.container_name,
                            "federated_identity_config": {
                                "client_id": identity.client_id,
                                "tenant_id": identity.tenant_id,
                            },
                        }
                    },
                    schedule,
                    [*grants, *destination_grants],
                )
        self.register_outputs({"job_names": self.job_names})

    def _failure_alerts(self, name: str, args: DataSyncArgs, agent: pulumi.Output[str]) -> pulumi.Resource:
        """A topic every job reports failed and aborted runs to (the agent may publish there only), and an alert
        policy e-mailing when anything is published (gcp review 20): a copy that stops is known within minutes, not at
        the restore. Returns the publisher grant, which the jobs wait for."""
        child = pulumi.ResourceOptions(parent=self)
        topic = gcp.pubsub.Topic(
            f"{name}-failures",
            name=f"{args.name_prefix}-transfer-failures",
            project=args.project,
            labels=args.tags,
            opts=child,
        )
        grant = gcp.pubsub.TopicIAMMember(
            f"{name}-failures-publisher",
            project=args.project,
            topic=topic.name,
            role="roles/pubsub.publisher",
            member=agent,
            opts=child,
        )
        self._notification = {
            # "Must be of the format: projects/{project}/topics/{topic}" (the SDK): written out, not the provider's id.
            "pubsub_topic": pulumi.Output.concat("projects/", args.project, "/topics/", topic.name),
            "event_types": list(FAILURE_EVENTS),
            "payload_format": "JSON",
        }
        channels: list[pulumi.Input[str]] = list(args.alert_channel_ids) or [
            c.id for c in email_channels(name, args.project, f"{args.name_prefix} data sync", args.alert_emails, child)
        ]
        gcp.monitoring.AlertPolicy(
            f"{name}-failed",
            project=args.project,
            display_name=f"{args.name_prefix} bucket copy failed",
            combiner="OR",
            severity="ERROR",
            conditions=[
                {
                    "display_name": "a Storage Transfer run failed or was aborted",
                    "condition_threshold": {
                        "filter": topic.name.apply(
                            lambda topic_id: (
                                f'metric.type = "{PUBLISHED}" AND resource.type = "pubsub_topic" '
                                f'AND resource.label.topic_id = "{topic_id}"'
                            )
                        ),
                        "comparison": "COMPARISON_GT",
                        "threshold_value": 0,
                        "duration": "0s",
                        "aggregations": [{"alignment_period": "300s", "per_series_aligner": "ALIGN_SUM"}],
                        "trigger": {"count": 1},
                    },
                }
            ],
            documentation={
                "content": "A bucket copy into the backups bucket failed: see the job's operations in the Storage "
                "Transfer console (its FAILED actions are logged) and the message on the failures topic.",
                "mime_type": "text/markdown",
            },
            notification_channels=channels,
            user_labels=args.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[topic]),
        )
        return grant

    def _aws_role(
        self, name: str, args: DataSyncArgs, subject: pulumi.Output[str]
    ) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        """The role only the service agent assumes, and its policy reading exactly the S3 sources."""
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-aws-role",
            name=f"{args.name_prefix}-storage-transfer"[:64],
            description="Assumed by the GCP Storage Transfer service agent to copy the buckets into GCP",
            assume_role_policy=subject.apply(google_identity_trust_policy),
            max_session_duration=3600,
            tags=args.tags,
            opts=child,
        )
        read = aws.iam.RolePolicy(
            f"{name}-aws-read",
            role=role.id,
            policy=pulumi.Output.all(*[(s.bucket_name, s.kms_key_arn) for s in args.s3]).apply(s3_read_policy),
            opts=child,
        )
        return role, read

    def _azure_identity(
        self, name: str, args: DataSyncArgs, subject: pulumi.Output[str]
    ) -> tuple[azure_native.managedidentity.UserAssignedIdentity, list[pulumi.Resource]]:
        """A user-assigned identity the service agent federates to, reading exactly the Azure containers."""
        identity = azure_native.managedidentity.UserAssignedIdentity(
            f"{name}-azure-identity",
            resource_name_=f"{args.name_prefix}-storage-transfer",
            resource_group_name=args.azure_resource_group,
            location=args.azure_location,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        credential = azure_native.managedidentity.FederatedIdentityCredential(
            f"{name}-azure-credential",
            resource_name_=identity.name,
            resource_group_name=args.azure_resource_group,
            federated_identity_credential_resource_name="gcp-storage-transfer",
            issuer=f"https://{GOOGLE_ISSUER}",
            subject=subject,
            audiences=[AZURE_AUDIENCE],
            opts=pulumi.ResourceOptions(parent=self),
        )
        grants: list[pulumi.Resource] = [credential]
        for blob in args.blobs:
            grants.append(
                assign_role(
                    f"{name}-azure-{region_code(blob.region)}-{blob.logical}-reader",
                    self,
                    scope=pulumi.Output.concat(
                        blob.storage_account_id, "/blobServices/default/containers/", blob.container_name
                    ),
                    principal_id=identity.principal_id,
                    role=STORAGE_BLOB_DATA_READER,
                    subscription_id=str(args.azure_subscription_id),
                )
            )
        return identity, grants

    def _job(
        self,
        name: str,
        args: DataSyncArgs,
        cloud: str,
        region: str,
        logical: str,
        source: gcp.storage.TransferJobTransferSpecArgsDict,
        schedule: gcp.storage.TransferJobScheduleArgsDict,
        depends_on: Sequence[pulumi.Resource],
    ) -> None:
        key = f"{cloud}/{region}/{logical}"
        spec: gcp.storage.TransferJobTransferSpecArgsDict = {
            "gcs_data_sink": {"bucket_name": args.destination_bucket, "path": f"{key}/"},
            # A copy, never a mirror: objects deleted at the source stay in the backup cloud.
            "transfer_options": {
                "overwrite_when": "DIFFERENT",
                "delete_objects_unique_in_sink": False,
                "delete_objects_from_source_after_transfer": False,
            },
        }
        spec.update(source)
        job = gcp.storage.TransferJob(
            f"{name}-{cloud}-{region_code(region)}-{logical}",
            project=args.project,
            description=f"Copy of the {logical} bucket of {cloud} {region}"[:1024],
            transfer_spec=spec,
            schedule=schedule,
            logging_config={
                "log_actions": ["FIND", "COPY"],
                "log_action_states": ["SUCCEEDED", "FAILED"],
            },
            status="ENABLED",
            notification_config=self._notification,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
        )
        self.job_names[key] = job.name


def s3_read_policy(sources: Sequence[tuple[str, str]]) -> str:
    """List and read the buckets, decrypt their objects through S3 only."""
    buckets = [f"arn:aws:s3:::{bucket}" for bucket, _ in sources]
    return document(
        {
            "Sid": "List",
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
            "Resource": buckets,
        },
        {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{b}/*" for b in buckets]},
        {
            "Sid": "Decrypt",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": sorted({key for _, key in sources}),
            "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}},
        },
    )


def _schedule(start_date: str, interval_seconds: int) -> gcp.storage.TransferJobScheduleArgsDict:
    year, month, day = (int(part) for part in start_date.split("-"))
    return {
        "schedule_start_date": {"year": year, "month": month, "day": day},
        "repeat_interval": f"{interval_seconds}s",
    }
