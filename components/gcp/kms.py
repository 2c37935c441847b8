"""A Cloud KMS key ring: one rotating key per purpose, each usable only by its service's agent."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from ..lib.waits import GCP_IAM
from ..wait import wait_after

ENCRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
PURPOSES = ("gke", "sql", "gcs", "secrets")
"""Keys of the ring: GKE application-layer secrets, Cloud SQL disks, GCS objects, Secret Manager payloads."""
CREATED_AGENTS = {"sql": "sqladmin.googleapis.com", "secrets": "secretmanager.googleapis.com"}
"""Purposes whose service agent exists only once asked for (`gcloud beta services identity create`): created here."""
DESTROY_SCHEDULED = "2592000s"
"""30 days between a destroy request and the destruction of a key version (the AWS deletion window)."""


@dataclass(frozen=True)
class GcpKmsArgs:
    """Inputs of GcpKms."""

    project: str
    """Project of the key ring (and of the service agents)."""
    location: str
    """Location of the key ring: CMEK keys must be in their resource's location (a region; or the KMS multi-region
    of a multi-region or dual-region bucket, components/lib/gcs_locations.py)."""
    key_ring_name: pulumi.Input[str]
    """Key ring name (never reusable: GCP cannot delete key rings), with the stack-unique part (lib/naming.py)."""
    rotation_days: int
    """Rotation period of every key."""
    labels: dict[str, str]
    """Labels of the keys."""
    protect: bool
    """Pulumi-protect the key ring and the keys (prod)."""
    purposes: tuple[str, ...] = PURPOSES
    """The keys of the ring (a subset of PURPOSES); only their service agents are created and granted."""
    gke_agent: pulumi.Input[str] | None = None
    """IAM member of the project's GKE service agent (GcpGkeServiceAgent: one per project, with its project role);
    required with the `gke` key."""


class GcpKms(pulumi.ComponentResource):
    """Key ring with one symmetric key per purpose (`gke`, `sql`, `gcs`, `secrets`), rotated on a schedule,
    30 days of scheduled destruction, and encrypter/decrypter granted on each key only to the Google service
    agent that uses it (GKE, Cloud SQL, Cloud Storage, Secret Manager)."""

    key_ring_id: pulumi.Output[str]
    """Id of the key ring (`projects/<p>/locations/<r>/keyRings/<name>`)."""
    key_ids: dict[str, pulumi.Output[str]]
    """Key id by purpose; each resolves only once its service agent may use the key, so a consumer
    of the id waits for the grant (CMEK creation fails without it)."""
    agents: dict[str, pulumi.Output[str]]
    """IAM member (`serviceAccount:...`) of the service agent of each purpose."""

    def __init__(self, name: str, args: GcpKmsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:Kms", name, {}, opts)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        # Agents are created on demand (Cloud SQL and Secret Manager only create theirs when asked: `gcloud beta
        # services identity create`), given (GKE's, made sure of per project), or read (Cloud Storage's: reading it
        # creates it).
        storage = gcp.storage.get_project_service_account_output(project=args.project, opts=invoke)
        unknown = set(args.purposes) - set(PURPOSES)
        if unknown:
            raise ValueError(f"GcpKms purposes {sorted(unknown)} unknown; allowed: {', '.join(PURPOSES)}")
        self.agents = {}
        if "gke" in args.purposes:
            if args.gke_agent is None:
                raise ValueError("GcpKms needs the project's GKE service agent (gke_agent) for its gke key")
            self.agents["gke"] = pulumi.Output.from_input(args.gke_agent)
        for purpose, service in CREATED_AGENTS.items():
            if purpose in args.purposes:
                self.agents[purpose] = gcp.projects.ServiceIdentity(
                    f"{name}-{purpose}-agent",
                    project=args.project,
                    service=service,
                    opts=pulumi.ResourceOptions(parent=self),
                ).member
        if "gcs" in args.purposes:
            # One Cloud Storage agent per project, whatever the bucket's location (regional, dual- or multi-region).
            self.agents["gcs"] = storage.member

        ring = gcp.kms.KeyRing(
            f"{name}-ring",
            name=args.key_ring_name,
            location=args.location,
            project=args.project,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.key_ring_id = ring.id
        self.key_ids = {}
        for purpose in args.purposes:
            key = gcp.kms.CryptoKey(
                f"{name}-key-{purpose}",
                name=purpose,
                key_ring=ring.id,
                purpose="ENCRYPT_DECRYPT",
                rotation_period=f"{args.rotation_days * 86400}s",
                destroy_scheduled_duration=DESTROY_SCHEDULED,
                version_template={"algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION", "protection_level": "SOFTWARE"},
                labels={**args.labels, "purpose": purpose},
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
            grant = gcp.kms.CryptoKeyIAMMember(
                f"{name}-key-{purpose}-agent",
                crypto_key_id=key.id,
                role=ENCRYPTER,
                member=self.agents[purpose],
                opts=pulumi.ResourceOptions(parent=self),
            )
            # A consumer created right after the grant fails ("Unable to delegate the access of CMEK"): the id
            # resolves once the grant has propagated.
            granted = wait_after(f"{name}-key-{purpose}-agent-wait", self, [grant], GCP_IAM)
            self.key_ids[purpose] = pulumi.Output.all(key.id, granted.id).apply(lambda v: str(v[0]))
        self.register_outputs({"key_ring_id": self.key_ring_id, "key_ids": self.key_ids})
