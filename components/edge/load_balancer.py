"""The Cloudflare global load balancer: one HTTPS monitor, one pool per (cloud, region), geo steering, the DNS record.

Argument shapes are pulumi-cloudflare 6 (Terraform provider v5): map-typed `region_pools`, list
`default_pools`, `DnsRecord`. Fields the API computes or rewrites are left out, and fields whose
provider default differs from what the API stores are set to the API's own value; each one is named
where it is decided. Sources: cloudflare/terraform-provider-cloudflare issues #6140, #7179 (origin
order), #7329 (origin port), #7339 (empty `country_pools`), #5620 (record name FQDN), PR #7103 (computed
nested objects), pulumi/pulumi-cloudflare #669 (proxied records take ttl 1).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_cloudflare as cloudflare

from ..lib import edge_geo
from ..settings.models import Cloud, DrSettings, EdgeSettings

SEED_RETRIES = 3
"""The seed's monitor retries; fewer where timeout x (retries + 1) would not fit in the interval."""
COOKIE_AFFINITY_TTL = 82800
"""What the API stores for cookie / ip_cookie affinity when no TTL is sent (23 h)."""
ORIGIN_STEERING = "least_outstanding_requests"
"""Origin steering of every pool: the origin with the fewest in-flight requests, scaled by the origin weights
(relative to the other origins of the pool, i.e. the addresses of one region's ingress: between regions, the geo
order decides and weight 0 drains), supported with adaptive routing and session affinity on a proxied load balancer
(https://developers.cloudflare.com/load-balancing/understand-basics/traffic-steering/origin-level-steering/least-outstanding-requests-pools/;
the values random, hash, least_outstanding_requests, least_connections: terraform-provider-cloudflare
internal/services/load_balancer_pool/schema.go). Crosscloud review G3."""


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
        return f"{self.pool}" + ("" if self.index is None else f"-{self.index}")

    @property
    def pool(self) -> str:
        """Key of the origin's pool, `<cloud>-<region>`: one pool per region of a cloud."""
        return f"{self.cloud}-{self.region}"


@dataclass(frozen=True)
class GlobalLoadBalancerArgs:
    """Inputs of GlobalLoadBalancer."""

    edge: EdgeSettings
    """Zone, hostname, steering, affinity, monitor path and timeout, geo map, fallback, account and zone ids."""
    dr: DrSettings
    """Health-check interval and the failure/recovery thresholds."""
    origins: dict[Cloud, list[Origin]]
    """Each cloud's origins, primary region first; dict order is the failover order (primary cloud first). Each region
    becomes one pool of the origins of that region only."""
    name_prefix: str
    """Physical name prefix, e.g. `flow-prod`."""
    environment: str
    """Stack environment (dev or prod), for descriptions."""


class GlobalLoadBalancer(pulumi.ComponentResource):
    """Monitor, one pool per region of each cloud, proxied geo-steered load balancer and a break-glass DNS record in
    one Cloudflare account/zone. Give it the `cloudflare.Provider` through `opts.providers`."""

    hostname: pulumi.Output[str]
    """FQDN the load balancer serves."""
    load_balancer_id: pulumi.Output[str]
    """Id of the load balancer."""
    pool_ids: dict[str, pulumi.Output[str]]
    """Pool id by `<cloud>-<region>` (e.g. `aws-us-east-1`), in failover order."""
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
        # Each cloud's regions in failover order, and those the load balancer steers to (a region of weight 0 is
        # drained: its pool stays, monitored, but no steering list names it).
        regions = {cloud: list(dict.fromkeys(o.region for o in origins)) for cloud, origins in args.origins.items()}
        steerable: dict[str, list[str]] = {
            cloud: [r for r in regions[cloud] if any(o.weight > 0 for o in args.origins[cloud] if o.region == r)]
            for cloud in clouds
        }
        geo = edge_geo.region_pools(edge.geo_pools(clouds), steerable)

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

        pools: dict[str, cloudflare.LoadBalancerPool] = {}
        for cloud, origins in args.origins.items():
            for region in regions[cloud]:
                key = f"{cloud}-{region}"
                code = edge_geo.CLOUDFLARE_REGION[cloud][region]
                pools[key] = cloudflare.LoadBalancerPool(
                    f"{name}-pool-{key}",
                    account_id=edge.account_id,
                    name=f"{args.name_prefix}-{key}",  # letters, digits and hyphens only, as the API allows
                    description=f"{args.name_prefix} ({args.environment}): {cloud} {region} cluster ingress",
                    origins=_origins([o for o in origins if o.region == region], fqdn),
                    monitor=monitor.id,
                    enabled=True,
                    minimum_origins=1,
                    origin_steering={"policy": ORIGIN_STEERING},
                    # Probed from where it runs: its own Cloudflare region and the nearest two (lib/edge_geo.py).
                    check_regions=edge_geo.check_regions(code, edge.health_check_regions),
                    # Left out: `latitude`/`longitude` (only proximity steering reads them, and settings refuse it),
                    # `load_shedding`, `notification_filter`, `health_sources` (computed or API-filled objects;
                    # regional health would decide per checking region, and only the regions near the pool check).
                    # The primary region's pool was the cloud's only pool before pools were per region: updated in
                    # place, not replaced.
                    opts=pulumi.ResourceOptions(
                        parent=self,
                        aliases=[pulumi.Alias(name=f"{name}-pool-{cloud}")] if region == regions[cloud][0] else None,
                    ),
                )

        def ids(keys: Sequence[tuple[str, str]]) -> list[pulumi.Output[str]]:
            return [pools[f"{cloud}-{region}"].id for cloud, region in keys]

        failover = [(cloud, region) for cloud in clouds for region in steerable[cloud]]
        fallback_cloud = edge.fallback or primary

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
            # Failover order: the primary cloud's primary region first, then its other regions, then the next cloud.
            default_pools=ids(failover),
            fallback_pool=ids([(fallback_cloud, steerable[fallback_cloud][0])])[0],
            # Each steered Cloudflare region: its clouds in the settings' order, each cloud's regions nearest first.
            region_pools={code: ids(keys) for code, keys in geo.items()} if edge.steering == "geo" else None,
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
        self.pool_ids = {key: pool.id for key, pool in pools.items()}
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
            if edge_geo.cloudflare_region(cloud, origin.region) is None:
                raise ValueError(f"GlobalLoadBalancer: region {origin.region} of {cloud} has no Cloudflare region "
                                 "(components/lib/edge_geo.py CLOUDFLARE_REGION)")
        names = [o.name for o in origins]
        if len(set(names)) != len(names):
            raise ValueError(f"GlobalLoadBalancer: {cloud} has duplicate origins {sorted(names)}")
        if not any(o.weight > 0 for o in origins):
            raise ValueError(f"GlobalLoadBalancer: every origin of {cloud} has weight 0")
    if args.edge.fallback and args.edge.fallback not in args.origins:
        raise ValueError(f"GlobalLoadBalancer: fallback {args.edge.fallback} has no pool")
