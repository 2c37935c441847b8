"""How long a consumer waits after a grant before the cloud honours it: the documented propagation delays.

Pure data, shared by the components (which create a `pulumiverse_time.Sleep` of this length between a grant and its
first consumer, see components/wait.py) and the deploy check (scripts/deploy_check.py, which refuses a plan whose
consumer does not wait this long after its grant). Each number carries the documentation it encodes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Wait:
    """One documented propagation delay."""

    seconds: int
    """How long the consumer waits after the grant completes."""
    what: str
    """What propagates (one line: the deploy check's message)."""
    source: str
    """The documentation the number comes from."""

    @property
    def duration(self) -> str:
        """The delay as `pulumiverse_time.Sleep.create_duration` takes it (a Go duration)."""
        return f"{self.seconds}s"


AZURE_KEY_VAULT_RBAC = Wait(
    120,
    "an Azure RBAC grant on a Key Vault reaching its data plane (keys, secrets, CMK wrap/unwrap by an identity)",
    # Key Vault answers 403 ForbiddenByRbac "... observe propagation time" right after the grant; Microsoft's own
    # Verified Module waits before key and secret operations (`wait_for_rbac_before_key_operations`, 30 s default,
    # and the AVM issue #78 fix) and the platform review (azure F5) measured 60-120 s as the safe range.
    "https://learn.microsoft.com/azure/key-vault/general/rbac-guide ; "
    "https://github.com/Azure/terraform-azurerm-avm-res-keyvault-vault/issues/78",
)
AKS_RBAC = Wait(
    300,
    "an Azure RBAC grant on an AKS cluster reaching its Kubernetes authorizer",
    # "New role assignments can take up to five minutes to propagate and be updated by the authorization server."
    "https://learn.microsoft.com/azure/aks/manage-azure-rbac",
)
GCP_IAM = Wait(
    120,
    "a GCP IAM grant to a service agent on a KMS key (CMEK consumers: GKE, Cloud SQL, GCS, Secret Manager)",
    # "In most cases, a policy change takes effect within 2 minutes"; Cloud SQL answers "Unable to delegate the
    # access of CMEK. Please try again later." inside that window (hashicorp/terraform-provider-google#17333).
    "https://cloud.google.com/iam/docs/access-change-propagation",
)
FLEXIBLE_SERVER_SETTLE = Wait(
    60,
    "a new Azure Flexible Server finishing its post-create work before the first database or configuration write",
    # Configuration writes right after server creation "will usually fail with ServerIsBusy ... insert an arbitrary
    # wait" (Azure/azure-postgresql#134, on the SDK's 2025-08-01 API); the writes themselves are chained.
    "https://github.com/Azure/azure-postgresql/issues/134",
)
GCP_DEPLOYER_IAM = Wait(
    120,
    "the deployer's project grant (roles/container.admin) before its first Kubernetes call to a GKE cluster",
    # "In most cases, a policy change takes effect within 2 minutes" (access-change-propagation); until then the
    # GKE API server answers the deployer's token with 403 Forbidden.
    "https://cloud.google.com/iam/docs/access-change-propagation",
)

ALL = {
    "azure-key-vault-rbac": AZURE_KEY_VAULT_RBAC,
    "aks-rbac": AKS_RBAC,
    "gcp-iam": GCP_IAM,
    "gcp-deployer-iam": GCP_DEPLOYER_IAM,
    "flexible-server-settle": FLEXIBLE_SERVER_SETTLE,
}
"""Every wait by the key the Sleeps carry in their `triggers` (the deploy check reads it back)."""


def seconds_of(duration: str) -> int:
    """Seconds of a Go duration as Sleep takes it (`90s`, `5m`, `1m30s`, `2h`); ValueError on anything else."""
    total, number = 0, ""
    units = {"h": 3600, "m": 60, "s": 1}
    for char in duration.strip():
        if char.isdigit():
            number += char
        elif char in units and number:
            total += int(number) * units[char]
            number = ""
        else:
            raise ValueError(f"not a duration: {duration!r}")
    if number:
        raise ValueError(f"not a duration (no unit): {duration!r}")
    return total
