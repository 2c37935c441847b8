"""The Cloudflare global load balancer: one HTTPS monitor, one pool per cloud, geo steering, the DNS record.

Argument shapes are pulumi-cloudflare 6 (Terraform provider v5): map-typed `region_pools`, list
`default_pools`, `DnsRecord`. Fields the API computes or rewrites are left out, and fields whose
provider default differs from what the API stores are set to the API's own value; each one is named
where it is decided. Sources: cloudflare/terraform-provider-cloudflare issues #6140, #7179 (origin
order), #7329 (origin port), #7339 (empty `country_pools`), #5620 (record name FQDN), PR #7103 (computed
nested objects), pulumi/pulumi-cloudflare #669 (proxied records take ttl 1).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_cloudflare as cloudflare

from ..settings.models import Cloud, DrSettings, EdgeSettings

SEED_RETRIES = 3
"""The seed's monitor retries; fewer where timeout x (retries + 1) would not fit in the interval."""
COOKIE_AFFINITY_TTL = 82800
"""What the API stores for cookie / ip_cookie affinity when no TTL is sent (23 h)."""
DEFAULT_CHECK_REGIONS = ("ENAM", "SEAS", "WEU")
"""Health-check regions of a pool no geo rule steers to (null would mean every data centre: Enterprise only)."""


@dataclass(frozen=True)
class Origin:
    """One cluster ingress endpoint in a cloud's pool."""

    cloud: Cloud
    """Cloud of the cluster."""
    region: str
    """Region of the cluster."""
    address: pulumi.Input[str]
    """Public IPv4 address of the cluster's ingress (hostnames work in the pool; the DNS record then is a CNAME)."""
    weight: float
    """Share of the pool's traffic, 0-1 (the region's `weight` in settings)."""
    index: int | None = None
    """Position of the address when the region's ingress has several (an AWS NLB has one per zone)."""

    @property
    def name(self) -> str:
        """Origin name in the pool, `<cloud>-<region>` (`-<index>` when the region has several addresses)."""
        return f"{self.cloud}-{self.region}" + ("" if self.index is None else f"-{self.index}")


@dataclass(frozen=True)
class GlobalLoadBalancerArgs:
    """Inputs of GlobalLoadBalancer."""

    edge: EdgeSettings
    """Zone, hostname, steering, affinity, monitor path and timeout, geo map, fallback, account and zone ids."""
    dr: DrSettings
    """Health-check interval and the failure/recovery thresholds."""
    origins: dict[Cloud, list[Origin]]
    """Each cloud's origins, primary region first; dict order is the failover order (primary cloud first)."""
    name_prefix: str
    """Physical name prefix, e.g. `flow-prod`."""
    environment: str
    """Stack environment (dev or prod), for descriptions."""


class GlobalLoadBalancer(pulumi.ComponentResource):
    """Monitor, per-cloud pools, proxied geo-steered load balancer and a break-glass DNS record in one
    Cloudflare account/zone. Give it the `cloudflare.Provider` through `opts.providers`."""

    hostname: pulumi.Output[str]
    """FQDN the load balancer serves."""
    load_balancer_id: pulumi.Output[str]
    """Id of the load balancer."""
    pool_ids: dict[str, pulumi.Output[str]]
    """Pool id by cloud."""
    monitor_id: pulumi.Output[str]
    """Id of the health monitor."""

    def __init__(self, name: str, args: GlobalLoadBalancerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:edge:GlobalLoadBalancer", name, {}, opts)
        _check(args)
        edge, dr = args.edge, args.dr
        child = pulumi.ResourceOptions(parent=self)
        fqdn = edge.fqdn
        clouds: list[Cloud] = list(args.origins)
        primary = clouds[0]
        geo = edge.geo_pools(clouds)

        monitor = cloudflare.LoadBalancerMonitor(
            f"{name}-monitor",
            account_id=edge.account_id,
            description=f"{args.name_prefix}: HTTPS GET {edge.health_path} on every cluster ingress, expect 200",
            type="https",
            method="GET",
            path=edge.health_path,
            expected_codes="200",
            interval=dr.health_check_interval,
            timeout=edge.health_timeout,
            retries=monitor_retries(dr.health_check_interval, edge.health_timeout),
            consecutive_down=dr.failure_threshold,
            consecutive_up=dr.recovery_threshold,
            # The origins are IPs: the Host header (and SNI) must name the served hostname.
            header={"Host": [fqdn]},
            allow_insecure=False,
            follow_redirects=False,
            # Probe through the zone's settings (authenticated origin pulls, WAF), as Cloudflare recommends.
            probe_zone=edge.zone,
            # Left out: `port` (0 = the protocol's default; the provider's default too) and `expected_body`.
            opts=child,
        )

        pools = {
            cloud: cloudflare.LoadBalancerPool(
                f"{name}-pool-{cloud}",
                account_id=edge.account_id,
                name=f"{args.name_prefix}-{cloud}",
                description=f"{args.name_prefix} ({args.environment}): {cloud} cluster ingresses",
                origins=_origins(origins, fqdn),
                monitor=monitor.id,
                enabled=True,
                minimum_origins=1,
                origin_steering={"policy": "random"},  # weighted random: the origin weights apply
                check_regions=check_regions(cloud, geo),
                # Left out: `latitude`/`longitude` (only proximity steering reads them), `load_shedding`,
                # `notification_filter`, `health_sources` (computed or API-filled objects).
                opts=child,
            )
            for cloud, origins in args.origins.items()
        }

        first = args.origins[primary][0]
        # Break-glass record: Cloudflare serves an existing record at the load balancer's hostname only
        # while the load balancer is disabled; otherwise the load balancer takes precedence.
        # https://developers.cloudflare.com/load-balancing/load-balancers/dns-records/
        record = cloudflare.DnsRecord(
            f"{name}-record",
            zone_id=edge.zone_id,
            name=fqdn,  # the FQDN: the API stores FQDNs, a relative name diffs forever (#5620)
            type=record_type(first.address),
            content=first.address,
            proxied=True,
            ttl=1,  # "automatic": the only TTL a proxied record keeps (pulumi-cloudflare #669)
            comment=f"Break-glass: {first.name}, served only while the load balancer is disabled",
            opts=child,
        )

        affinity = edge.session_affinity != "none"
        balancer = cloudflare.LoadBalancer(
            f"{name}-lb",
            zone_id=edge.zone_id,
            name=fqdn,
            description=f"{args.name_prefix} ({args.environment}): {', '.join(clouds)} in failover order",
            enabled=True,
            proxied=True,
            # Always explicit: the provider's default "" is stored by the API as "off" or "geo".
            steering_policy=edge.steering,
            default_pools=[pools[cloud].id for cloud in clouds],
            fallback_pool=pools[edge.fallback or primary].id,
            region_pools=(
                {region: [pools[cloud].id for cloud in steered] for region, steered in geo.items()}
                if edge.steering == "geo"
                else None
            ),
            # Explicit, also "none": the API echoes what it is sent.
            session_affinity=edge.session_affinity,
            # Cookie affinity: the API's own TTL and attribute values, so nothing is left for it to fill in
            # (one unset computed attribute makes the whole object diff, PR #7103); none without affinity.
            session_affinity_ttl=COOKIE_AFFINITY_TTL if affinity else None,
            session_affinity_attributes=(
                {"samesite": "Auto", "secure": "Always", "drain_duration": 0, "zero_downtime_failover": "none"}
                if affinity
                else None
            ),
            adaptive_routing={"failover_across_pools": True},
            # Left out: `ttl` (unproxied load balancers only; the API rewrites it on a proxied one),
            # `country_pools`/`pop_pools` (an empty map diffs forever, #7339), `location_strategy`
            # (non-proxied requests only), `random_steering` (random/least_* steering only), `rules` (beta),
            # `networks`.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[record]),
        )

        self.hostname = balancer.name
        self.load_balancer_id = balancer.id
        self.pool_ids = {cloud: pool.id for cloud, pool in pools.items()}
        self.monitor_id = monitor.id
        self.register_outputs(
            {
                "hostname": self.hostname,
                "load_balancer_id": self.load_balancer_id,
                "pool_ids": self.pool_ids,
                "monitor_id": self.monitor_id,
            }
        )


def monitor_retries(interval: int, timeout: int) -> int:
    """Retries on timeout: they fire immediately, so one probe can take timeout x (retries + 1) seconds.
    Keep that within the interval (5 s timeout, 10 s interval: 1 retry), never above the seed's 3;
    `consecutive_down` already guards against a single slow probe."""
    return max(0, min(SEED_RETRIES, interval // timeout - 1))


def check_regions(cloud: Cloud, geo: Mapping[str, Sequence[Cloud]]) -> list[str]:
    """Cloudflare regions that probe a cloud's pool: those whose users the geo map steers to it, sorted."""
    regions = sorted(region for region, clouds in geo.items() if cloud in clouds)
    return regions or list(DEFAULT_CHECK_REGIONS)


def record_type(address: pulumi.Input[str]) -> str:
    """DNS record type for an origin address: A or AAAA for an IP, CNAME for a hostname; an address not
    known yet is taken as the IPv4 ingress address the platform provides."""
    if not isinstance(address, str):
        return "A"
    try:
        return "A" if ipaddress.ip_address(address).version == 4 else "AAAA"
    except ValueError:
        return "CNAME"


def _origins(origins: list[Origin], fqdn: str) -> list[cloudflare.LoadBalancerPoolOriginArgsDict]:
    """The pool's origins sorted by name: the API returns them sorted, any other order diffs forever
    (#6140, #7179). Left out: `port` (computed, 0 diffs, #7329), `flatten_cname`, `virtual_network_id`."""
    return [
        {
            "name": origin.name,
            "address": origin.address,
            "weight": origin.weight,
            "enabled": True,
            "header": {"hosts": [fqdn]},
        }
        for origin in sorted(origins, key=lambda o: o.name)
    ]


def _check(args: GlobalLoadBalancerArgs) -> None:
    """Refuse arguments Cloudflare would reject or that would leave a pool without an origin."""
    if not args.origins:
        raise ValueError("GlobalLoadBalancer needs origins of at least one cloud")
    for cloud, origins in args.origins.items():
        if not origins:
            raise ValueError(f"GlobalLoadBalancer: {cloud} has no origin")
        for origin in origins:
            if origin.cloud != cloud:
                raise ValueError(f"GlobalLoadBalancer: origin {origin.name} listed under {cloud}")
            if not 0.0 <= origin.weight <= 1.0:
                raise ValueError(f"GlobalLoadBalancer: origin {origin.name} weight {origin.weight}; allowed: 0 to 1")
        names = [o.name for o in origins]
        if len(set(names)) != len(names):
            raise ValueError(f"GlobalLoadBalancer: {cloud} has duplicate origins {sorted(names)}")
    if args.edge.fallback and args.edge.fallback not in args.origins:
        raise ValueError(f"GlobalLoadBalancer: fallback {args.edge.fallback} has no pool")
