"""The project's GKE service agent (`service-<number>@container-engine-robot.iam.gserviceaccount.com`), made sure of
before anything is granted to it or a cluster runs as it.

- Enabling the Kubernetes Engine API creates the agent, but not always by the time the enable call returns, and "If a
  service agent hasn't been created yet, then you can't grant roles to the service agent"
  (https://cloud.google.com/iam/docs/create-service-agents): the clusters' KMS key grant fails with 400 "Service
  account ... does not exist" (GoogleCloudPlatform/gke-enterprise-mt#2). A `ServiceIdentity` returns the agent,
  creating it if the enablement has not yet.
- "Service agents created on user request aren't automatically granted roles" (same page), and a cluster whose agent
  lacks `roles/container.serviceAgent` on the project cannot be created (gcpdiag's GKE rule err_2021_007,
  https://github.com/GoogleCloudPlatform/gcpdiag/blob/main/gcpdiag/lint/gke/err_2021_007_gke_sa.py): the role is
  granted here, and the clusters start once it has propagated (`GCP_IAM`).
- The grant is kept on destroy (`retain_on_delete`): the agent and its role are the project's, and other clusters
  of the project run on them (as the APIs stay enabled on destroy, components/gcp/services.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from ..lib.waits import GCP_IAM
from ..wait import wait_after

SERVICE = "container.googleapis.com"
ROLE = "roles/container.serviceAgent"


@dataclass(frozen=True)
class GcpGkeServiceAgentArgs:
    """Inputs of GcpGkeServiceAgent."""

    project: str
    """The stack's project (one agent per project)."""


class GcpGkeServiceAgent(pulumi.ComponentResource):
    """The GKE service agent, its project role, and the wait for that role. Create it once per project."""

    member: pulumi.Output[str]
    """IAM member of the agent (`serviceAccount:service-<number>@container-engine-robot.iam.gserviceaccount.com`),
    known once the agent exists: grant to it (the clusters' KMS key)."""
    ready: pulumi.Resource
    """What a cluster waits for: the agent's project role, propagated."""

    def __init__(self, name: str, args: GcpGkeServiceAgentArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:GkeServiceAgent", name, {}, opts)
        agent = gcp.projects.ServiceIdentity(
            f"{name}-identity", project=args.project, service=SERVICE, opts=pulumi.ResourceOptions(parent=self)
        )
        role = gcp.projects.IAMMember(
            f"{name}-role",
            project=args.project,
            role=ROLE,
            member=agent.member,
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )
        self.member = agent.member
        self.ready = wait_after(f"{name}-role-wait", self, [role], GCP_IAM)
        self.register_outputs({"member": self.member})
