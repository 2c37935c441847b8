"""Cloudflare (pulumi-cloudflare 6) guardrails: load-balancer pools, monitors, steering and proxying."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from .common import Context, Undecided, dig, is_set, items, number, provided, resource_policy

LOAD_BALANCER = "cloudflare:index/loadBalancer:LoadBalancer"
POOL = "cloudflare:index/loadBalancerPool:LoadBalancerPool"
MONITOR = "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor"
DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord"

AREA = "cloudflare"
PROXIABLE_RECORDS = ("A", "AAAA", "CNAME")


def _pool_monitored(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if not provided(props, "monitor"):
        yield "monitor is not set: unhealthy origins keep receiving traffic"
    origins = items(props.get("origins"))
    enabled = [o for o in origins if dig(o, "enabled") is not False]
    if not enabled:
        yield "the pool has no enabled origin"
    minimum = number(props.get("minimumOrigins"))
    if minimum is not None and minimum < 1:
        yield "minimumOrigins is below 1: the pool never counts as unhealthy"
    regions = props.get("checkRegions")
    if not isinstance(regions, Sequence) or isinstance(regions, str) or len(regions) == 0:
        # Null means every data centre (Enterprise only) or, on other plans, a default the pool does not choose:
        # the pool is then probed from wherever, not from near its origins.
        # https://developers.cloudflare.com/load-balancing/monitors/#health-monitor-regions
        yield "checkRegions is not set: say which Cloudflare regions probe the pool (its own and the nearest)"


def _fallback(props: Mapping[str, Any], ctx: Context) -> Iterator[str | Undecided]:
    if not provided(props, "fallbackPool"):
        yield "fallbackPool is not set"
    listed = props.get("defaultPools")  # a list unknown as a whole: undecided (common.UNDECIDED)
    pools = listed if isinstance(listed, Sequence) and not isinstance(listed, str) else []
    defaults, unknown = set(), 0
    for i in range(len(pools)):  # pool ids are unknown while the pools are being created (preview)
        try:
            defaults.add(str(pools[i]))
        except UnknownValueError:
            unknown += 1
    minimum = ctx.config["minDefaultPools"]
    fewest, most = len(defaults) or min(unknown, 1), len(defaults) + unknown  # distinct pools the entries can be
    if most < minimum:
        yield f"defaultPools has {most} pool(s); required: >= {minimum} for failover"
    elif fewest < minimum:
        yield Undecided(f"whether the {len(pools)} default pools (ids unknown) include {minimum} distinct ones")
    try:
        fallback, fallback_known = props.get("fallbackPool"), True
    except UnknownValueError:
        fallback, fallback_known = None, False
    if not is_set(fallback) and fallback_known:
        return  # no fallback pool at all: reported above
    if fallback_known and not unknown:
        if defaults == {str(fallback)}:
            yield "the fallback pool is the only default pool: there is nothing to fail over to"
    elif len(defaults) <= 1 and most >= 1 and (not fallback_known or not defaults or defaults == {str(fallback)}):
        yield Undecided("whether the fallback pool is the only default pool (ids unknown)")


def _monitor_https(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    kind = props.get("type") or "http"
    if kind != "https":
        yield f"type is {kind}; required: https"
    if props.get("allowInsecure") is True:
        yield "allowInsecure is true: origin certificates are not validated"


def _monitor_timing(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    interval = number(props.get("interval"))
    effective = 60.0 if interval is None else interval  # the service default
    maximum = ctx.config["maxIntervalSeconds"]
    if effective > maximum:
        yield f"interval is {int(effective)}s; allowed: <= {maximum}s (failure detection must fit the RTO)"
    timeout = number(props.get("timeout"))
    if timeout is not None and timeout >= effective:
        yield f"timeout {int(timeout)}s is not shorter than the interval {int(effective)}s"
    if (props.get("type") or "http") in ("http", "https") and not is_set(props.get("expectedCodes")):
        yield "expectedCodes is not set"


def _proxied(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if ctx.resource_type == DNS_RECORD and props.get("type") not in PROXIABLE_RECORDS:
        return
    if props.get("proxied") is not True:
        yield "proxied is not true: clients reach the origins directly, without Cloudflare's TLS and WAF"


POLICIES = [
    resource_policy(
        "cloudflare-pool-monitored",
        area=AREA,
        types=[POOL],
        severity="high",
        summary="Load-balancer pools have a health monitor, health-check regions and at least one enabled origin.",
        remediation="Set the pool's monitor (GET /health, expect 200) and checkRegions (the pool's Cloudflare region "
        "and its nearest neighbours), and keep an enabled origin.",
        check=_pool_monitored,
        security=False,
        reads={POOL: ("monitor", "origins.enabled", "minimumOrigins", "checkRegions")},
    ),
    resource_policy(
        "cloudflare-lb-fallback",
        area=AREA,
        types=[LOAD_BALANCER],
        severity="high",
        summary="Load balancers have a fallback pool and enough default pools to fail over.",
        remediation="Set fallbackPool and list every cloud's pool in defaultPools (and the steering maps).",
        check=_fallback,
        security=False,
        reads={LOAD_BALANCER: ("defaultPools", "fallbackPool")},
        config={
            "minDefaultPools": {
                "type": "integer",
                "minimum": 1,
                "maximum": 20,
                "default": 2,
                "description": "Minimum number of distinct default pools.",
            }
        },
    ),
    resource_policy(
        "cloudflare-monitor-https",
        area=AREA,
        types=[MONITOR],
        severity="high",
        summary="Health monitors probe origins over HTTPS with certificate validation.",
        remediation="Set type 'https' and leave allowInsecure false.",
        check=_monitor_https,
        reads={MONITOR: ("type", "allowInsecure")},
    ),
    resource_policy(
        "cloudflare-monitor-timing",
        area=AREA,
        types=[MONITOR],
        severity="medium",
        summary="Health monitors probe often enough for the DR objectives and expect explicit status codes.",
        remediation="Set interval <= maxIntervalSeconds (dr.health_check_interval), timeout < interval, expectedCodes.",
        check=_monitor_timing,
        security=False,
        reads={MONITOR: ("interval", "timeout", "expectedCodes")},
        config={
            "maxIntervalSeconds": {
                "type": "integer",
                "minimum": 5,
                "maximum": 3600,
                "default": 60,
                "description": "Longest allowed probe interval in seconds (60: the minimum a Free or Pro zone takes).",
            }
        },
    ),
    resource_policy(
        "cloudflare-proxied",
        area=AREA,
        types=[LOAD_BALANCER, DNS_RECORD],
        severity="medium",
        summary="Load balancers and A/AAAA/CNAME records are proxied (origins hidden, TLS at the edge).",
        remediation="Set proxied true.",
        check=_proxied,
        security=False,
        reads={LOAD_BALANCER: ("proxied",), DNS_RECORD: ("proxied", "type")},
    ),
]
