"""The guardrail policies, by area. `ALL_POLICIES` is what the pack (policies/__main__.py) enforces."""

from __future__ import annotations

from typing import Any

from . import aws, azure, cloudflare, common, gcp, kubernetes, stack
from .common import META, PolicyMeta

PACK_NAME = "multicloud-platform-guardrails"
PACK_ENFORCEMENT = common.ADVISORY
"""Pack-wide default; every policy sets its own level (mandatory for security rules)."""

ALL_POLICIES: list[Any] = [
    *aws.POLICIES,
    *azure.POLICIES,
    *gcp.POLICIES,
    *kubernetes.POLICIES,
    *cloudflare.POLICIES,
    *common.POLICIES,
    *stack.POLICIES,
]

__all__ = ["ALL_POLICIES", "META", "PACK_ENFORCEMENT", "PACK_NAME", "PolicyMeta"]
