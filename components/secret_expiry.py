"""An expiry date for a stored secret that stays put between runs: a `pulumiverse_time.Rotating` (its base time is
fixed at creation), renewed when a refreshing `up` finds the period over (the Rotating is then replaced)."""

from __future__ import annotations

from datetime import datetime

import pulumi
import pulumiverse_time

SECRET_LIFETIME_DAYS = 365
"""Expiry of a Key Vault secret after its creation or last renewal (CIS Microsoft Azure Foundations 8.3/8.4 ask for
an expiration date on every secret; Key Vault then emits SecretNearExpiry 30 days before:
https://learn.microsoft.com/azure/key-vault/general/event-grid-overview)."""


def expires_at(resource_name: str, parent: pulumi.Resource, days: int = SECRET_LIFETIME_DAYS) -> pulumi.Output[int]:
    """Seconds since the epoch at which the secret expires (Key Vault's `attributes.expires`)."""
    rotating = pulumiverse_time.Rotating(resource_name, rotation_days=days, opts=pulumi.ResourceOptions(parent=parent))
    return rotating.rotation_rfc3339.apply(epoch_seconds)


def epoch_seconds(rfc3339: str) -> int:
    """`2027-12-01T00:00:00Z` -> 1827619200."""
    return int(datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp())
