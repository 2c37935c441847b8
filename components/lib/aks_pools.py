"""AKS agent-pool names: the configured name plus a fingerprint of what AKS cannot change in place (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fingerprint import canonical, fingerprint

MAX_NAME_LENGTH = 12
"""Linux agent-pool names: 1-12 lowercase letters and digits, starting with a letter
(https://learn.microsoft.com/azure/aks/create-node-pools#limitations)."""
FINGERPRINT_LENGTH = 5
MAX_BASE_LENGTH = MAX_NAME_LENGTH - FINGERPRINT_LENGTH
"""Longest configured pool name."""
BOOTSTRAP_POOL = "bootstrap"
"""The cluster's inline System pool: AKS creates no cluster without one, and it is never changed afterwards."""
IMMUTABLE = (
    "vm_size",
    "os_type",
    "os_sku",
    "os_disk_size_gb",
    "availability_zones",
    "scale_set_priority",
    "scale_set_eviction_policy",
    "spot_max_price",
)
"""Pool properties AKS cannot update in place ("You can't change the VM size of a node pool after you create it",
https://learn.microsoft.com/azure/aks/manage-node-pools#limitations; likewise the OS disk, zones and priority):
a change of any is a new pool."""


def pool_name(base: str, profile: Mapping[str, Any]) -> str:
    """`<base><5 hex>` of the profile's immutable properties (the program's snake_case profile or the plan's
    camelCase inputs: both fold to the same keys)."""
    folded = canonical(dict(profile))
    wanted = {key.replace("_", "") for key in IMMUTABLE}
    return base + fingerprint({k: v for k, v in folded.items() if k in wanted}, FINGERPRINT_LENGTH)
