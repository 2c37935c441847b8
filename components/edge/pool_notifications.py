"""Cloudflare notification policies on the load balancer's pools: health changes and enablement changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_cloudflare as cloudflare

POLICIES: dict[str, tuple[str, cloudflare.NotificationPolicyFiltersArgsDict]] = {
    # A pool (or one of its origins) changes health: Unhealthy and back to Healthy.
    "pool-health": (
        "load_balancing_health_alert",
        {"new_healths": ["Unhealthy", "Healthy"], "event_sources": ["pool", "origin"]},
    ),
    # A pool is disabled or enabled (by hand or by the API).
    "pool-enablement": ("load_balancing_pool_enablement_alert", {"enableds": ["true", "false"]}),
}
"""Policy suffix -> (alert type, filters besides the pool ids); alert types and filters of Cloudflare's
notifications (https://developers.cloudflare.com/load-balancing/reference/load-balancing-alerts/)."""


@dataclass(frozen=True)
class PoolNotificationsArgs:
    """Inputs of PoolNotifications."""

    account_id: str
    """Cloudflare account of the pools."""
    pool_ids: Mapping[str, pulumi.Input[str]]
    """Pool ids by pool key (`<cloud>-<region>`, GlobalLoadBalancer.pool_ids)."""
    emails: Sequence[str]
    """Who is notified."""
    name_prefix: str
    """`<platform>-<environment>`."""


class PoolNotifications(pulumi.ComponentResource):
    """One account-level notification policy per alert type, filtered to the load balancer's pools, e-mailing the
    stack's alert addresses. Give it the Cloudflare provider through `opts.providers`."""

    def __init__(self, name: str, args: PoolNotificationsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:edge:PoolNotifications", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        pools = [args.pool_ids[cloud] for cloud in sorted(args.pool_ids)]
        for suffix, (alert_type, filters) in POLICIES.items():
            cloudflare.NotificationPolicy(
                f"{name}-{suffix}",
                account_id=args.account_id,
                name=f"{args.name_prefix} {suffix}",
                description=f"{alert_type} of the {args.name_prefix} load balancer's pools",
                alert_type=alert_type,
                enabled=True,
                filters={**filters, "pool_ids": pools},
                mechanisms={"emails": [{"id": email} for email in args.emails]},
                opts=child,
            )
        self.register_outputs({})
