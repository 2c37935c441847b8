"""The Google APIs the stack uses, enabled by the stack itself, and the transformation that makes every GCP resource
wait for them (on a fresh project the first call of a disabled API answers 403 SERVICE_DISABLED)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

SERVICE_TYPE = "gcp:projects/service:Service"

API_OF_MODULE = {
    "compute": "compute.googleapis.com",
    "container": "container.googleapis.com",
    "sql": "sqladmin.googleapis.com",
    "servicenetworking": "servicenetworking.googleapis.com",
    "kms": "cloudkms.googleapis.com",
    "secretmanager": "secretmanager.googleapis.com",
    "storage": "storage.googleapis.com",
    "iam": "iam.googleapis.com",
    "serviceaccount": "iam.googleapis.com",
    "projects": "cloudresourcemanager.googleapis.com",
    "billing": "billingbudgets.googleapis.com",
    "monitoring": "monitoring.googleapis.com",
    "logging": "logging.googleapis.com",
    "pubsub": "pubsub.googleapis.com",
}
"""The API behind each SDK module's resources (the deploy check maps a resource type to its API with it)."""
API_OF_TYPE = {
    "gcp:storage/transferJob:TransferJob": "storagetransfer.googleapis.com",
    "gcp:projects/serviceIdentity:ServiceIdentity": "serviceusage.googleapis.com",
}
"""Types whose API is not their module's."""
RUNTIME_APIS = ("sts.googleapis.com", "iamcredentials.googleapis.com")
"""APIs no resource calls but the workloads do: the workload-identity token exchange and SA impersonation."""
AGENT_SERVICES = {
    "container-engine-robot": "container.googleapis.com",
    "gcp-sa-cloud-sql": "sqladmin.googleapis.com",
    "gcp-sa-secretmanager": "secretmanager.googleapis.com",
}
"""The service behind each per-project service agent the stack grants to
(`service-<number>@<agent>.iam.gserviceaccount.com`, https://cloud.google.com/iam/docs/service-agents): a grant to one
waits for the `ServiceIdentity` of that service (the deploy check's `gcp-service-agents-exist`)."""
READ_AGENTS = ("gs-project-accounts",)
"""Agents created by reading them: Cloud Storage's, which `storage.get_project_service_account` creates
(its SDK docstring; https://cloud.google.com/storage/docs/projects#service-accounts)."""
BOOTSTRAP_APIS = (
    "serviceusage.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "compute.googleapis.com",
    "storage.googleapis.com",
    "storagetransfer.googleapis.com",
)
"""What must be on before the first `up`: enabling an API itself calls Service Usage and Resource Manager, and the
program's invokes run at preview, before any Service exists (`organizations.get_project`,
the GCS and Storage Transfer service accounts). See docs/DEPLOY_CHECK.md. They are declared as Services too, so
that a later disable by hand shows up as drift."""


def api_of(resource_type: str) -> str | None:
    """The API a GCP resource type is created through; None for providers and types outside the table."""
    if resource_type in API_OF_TYPE:
        return API_OF_TYPE[resource_type]
    parts = resource_type.split(":")
    if len(parts) != 3 or parts[0] != "gcp":
        return None
    return API_OF_MODULE.get(parts[1].split("/")[0])


def stack_apis(include_runtime: bool = True) -> list[str]:
    """Every API the platform's GCP resources (and, with `include_runtime`, its workloads) use, sorted."""
    apis = {*API_OF_MODULE.values(), *API_OF_TYPE.values(), *BOOTSTRAP_APIS}
    return sorted(apis | set(RUNTIME_APIS if include_runtime else ()))


@dataclass(frozen=True)
class GcpServicesArgs:
    """Inputs of GcpServices."""

    project: str
    """Project the APIs are enabled in (the stack's project: `user_project_override` bills every call to it)."""
    apis: Sequence[str]
    """Service names (`compute.googleapis.com`...)."""


class GcpServices(pulumi.ComponentResource):
    """One `gcp.projects.Service` per API. `disable_on_destroy=False`: destroying the stack (or this resource) never
    turns an API off under whatever else the project runs."""

    services: list[gcp.projects.Service]
    """The Service resources (what GCP resources depend on)."""

    def __init__(self, name: str, args: GcpServicesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:Services", name, {}, opts)
        self.services = [
            gcp.projects.Service(
                f"{name}-{api.split('.')[0]}",
                project=args.project,
                service=api,
                disable_on_destroy=False,
                disable_dependent_services=False,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for api in args.apis
        ]
        self.register_outputs({})

    def transformation(self) -> pulumi.ResourceTransformation:
        """A transformation making every GCP custom resource (not the Services, not providers) depend on the
        Services: give it to each component that holds GCP resources (`ResourceOptions.transformations`)."""
        services = list(self.services)

        def after_apis(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
            if (
                not isinstance(args.resource, pulumi.CustomResource)
                or isinstance(args.resource, pulumi.ProviderResource)
                or not args.type_.startswith("gcp:")
                or args.type_ == SERVICE_TYPE
            ):
                return None
            return pulumi.ResourceTransformationResult(
                args.props, pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(depends_on=services))
            )

        return after_apis
