"""The GCP deployer's access to the project's GKE clusters: one project grant (and the previews' read-only one), and
the wait for them to propagate."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp
import pulumiverse_time

from ..lib.waits import GCP_DEPLOYER_IAM
from ..wait import wait_after

# Full control of the project's clusters and their Kubernetes API objects (GKE maps it to cluster-admin):
# https://cloud.google.com/kubernetes-engine/docs/how-to/iam#predefined
CLUSTER_ADMIN_ROLE = "roles/container.admin"
CLUSTER_VIEWER_ROLE = "roles/container.viewer"
"""Read-only access to the clusters and their Kubernetes objects (Secrets excluded): the PR previews."""


@dataclass(frozen=True)
class GcpDeployerAccessArgs:
    """Inputs of GcpDeployerAccess."""

    project: str
    service_account: str
    """The configured deployer (settings `deployer.gcp.service_account`), never the caller of the run."""
    viewer_service_account: str | None = None
    """The PR previews' service account (`deployer.preview.gcp`): read-only on the clusters."""


class GcpDeployerAccess(pulumi.ComponentResource):
    """`roles/container.admin` on the project for the deployer, once per project (a second IAMMember of the same
    binding would remove it when deleted), and the propagation wait every GKE Kubernetes provider starts after."""

    ready: pulumiverse_time.Sleep
    """Done once the grant has propagated: what each GKE kubeconfig waits for."""

    def __init__(self, name: str, args: GcpDeployerAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:DeployerAccess", name, {}, opts)
        grant = gcp.projects.IAMMember(
            f"{name}-cluster-admin",
            project=args.project,
            role=CLUSTER_ADMIN_ROLE,
            member=f"serviceAccount:{args.service_account}",
            opts=pulumi.ResourceOptions(parent=self),
        )
        grants = [grant]
        if args.viewer_service_account:
            grants.append(
                gcp.projects.IAMMember(
                    f"{name}-cluster-viewer",
                    project=args.project,
                    role=CLUSTER_VIEWER_ROLE,
                    member=f"serviceAccount:{args.viewer_service_account}",
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )
        self.ready = wait_after(f"{name}-cluster-admin-wait", self, grants, GCP_DEPLOYER_IAM)
        self.register_outputs({})
