"""Mock outputs of the Cloudflare resources the platform uses (pulumi-cloudflare 6 wire names)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import token_of

CREATED_ON = "2025-01-01T00:00:00.000000Z"
"""Creation (and last modification) time every mocked resource reports."""

MONITOR = "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor"
POOL = "cloudflare:index/loadBalancerPool:LoadBalancerPool"
LOAD_BALANCER = "cloudflare:index/loadBalancer:LoadBalancer"
DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord"


def cloudflare_id(resource_type: str, physical: str) -> str:
    """A stable 32-hex-digit id, the shape of every Cloudflare object id."""
    return "".join(token_of(resource_type, f"{physical}/{part}") for part in range(3))[:32]


def outputs(resource_type: str, physical: str, region: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Computed outputs of one Cloudflare resource (Cloudflare has no regions: `region` is unused)."""
    if resource_type not in (MONITOR, POOL, LOAD_BALANCER, DNS_RECORD):
        return {}
    out: dict[str, Any] = {
        "__id": cloudflare_id(resource_type, physical),
        "createdOn": CREATED_ON,
        "modifiedOn": CREATED_ON,
    }
    if resource_type == MONITOR:
        out.update(port=0)
    elif resource_type == POOL:
        out.update(networks=["cloudflare"])
    elif resource_type == LOAD_BALANCER:
        name = str(inputs.get("name", ""))
        out.update(zoneName=name.split(".", 1)[1] if "." in name else name, networks=["cloudflare"])
    elif resource_type == DNS_RECORD:
        out.update(
            proxiable=inputs.get("type") in ("A", "AAAA", "CNAME"),
            meta="{}",
            settings={"flattenCname": False, "ipv4Only": False, "ipv6Only": False},
        )
    return out


INVOKES: dict[str, Any] = {}
"""The platform calls no Cloudflare invokes."""
