"""Built-in Azure role definitions the platform assigns, and the two RBAC helpers its components share:
role assignments to a principal on one scope, and delete locks (API-level deletion protection)."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

# Built-in role definition GUIDs (identical in every subscription).
KEY_VAULT_CRYPTO_OFFICER = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"
"""Manage keys (create, rotate): the deploying principal, so ARM can create keys in an RBAC vault."""
KEY_VAULT_SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
"""Manage secrets: the deploying principal, to store the generated database password."""
KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424"
"""Encrypt/decrypt with a key: the AKS control-plane identity for KMS etcd encryption."""
KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
"""Wrap/unwrap with a key: the Flexible Server and Storage identities for customer-managed keys."""
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
"""Join and manage a subnet: the AKS control-plane identity on its bring-your-own subnet."""
AKS_RBAC_CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"
"""Every Kubernetes action in an AKS cluster under Azure RBAC: the deploying principal, whose `kubelogin` token the
program's own Kubernetes provider presents (Owner and Contributor grant no Kubernetes data actions)."""


AKS_RBAC_READER = "7f6c6a51-bcf8-42ba-9220-52d62157d7db"
"""Read most Kubernetes objects in a namespace or cluster under Azure RBAC (not Secrets): the preview identity."""
AKS_CLUSTER_USER = "4abbcc35-e782-43d8-92c5-2d3f1bd2253f"
"""List the cluster user credential (listClusterUserCredential/action): the preview identity's kubeconfig."""


def role_definition_id(subscription_id: str, role: str) -> str:
    """ARM id of a built-in role definition in `subscription_id`."""
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{role}"


def assign_role(
    resource_name: str,
    parent: pulumi.Resource,
    *,
    scope: pulumi.Input[str],
    principal_id: pulumi.Input[str],
    role: str,
    subscription_id: str,
    principal_type: pulumi.Input[str] = "ServicePrincipal",
) -> azure_native.authorization.RoleAssignment:
    """Grant `role` on `scope` to `principal_id`: a managed identity unless `principal_type` says otherwise (ARM
    refuses an assignment whose type is not the principal's own, and the SDK would send `User` if none is given)."""
    return azure_native.authorization.RoleAssignment(
        resource_name,
        scope=scope,
        principal_id=principal_id,
        principal_type=principal_type,
        role_definition_id=role_definition_id(subscription_id, role),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def delete_lock(resource_name: str, parent: pulumi.Resource, scope: pulumi.Input[str], what: pulumi.Input[str]) -> None:
    """A CanNotDelete management lock on `scope`: Azure refuses to delete the resource (or its resource
    group) until the lock is removed, whoever asks."""
    azure_native.authorization.ManagementLockByScope(
        resource_name,
        scope=scope,
        lock_name="do-not-delete",
        level="CanNotDelete",
        notes=pulumi.Output.concat(
            "Platform ", what, ": deletion protection (remove this lock deliberately before deleting)."
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
