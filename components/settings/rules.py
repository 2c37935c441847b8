"""Cross-field rules: what no single field can check on its own.

Each rule yields `Problem`s naming the key path it is about, so a bad stack file gets one clear line
per problem. Rules only run once every field is individually valid.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from ipaddress import IPv4Network, collapse_addresses, ip_network
from itertools import combinations
from urllib.parse import urlsplit

from ..lib.cidr import gke_ranges
from ..lib.cognito_rules import ACCESS_TOKEN_RANGE, REFRESH_TOKEN_RANGE, RESERVED_DOMAIN_WORDS, ses_email_problems
from ..lib.edge_geo import cloudflare_region
from ..lib.gcs_locations import DUAL_REGION_MEMBERS, dual_region_problem, multi_region_of
from ..lib.gke import MAX_PODS_PER_NODE, node_capacity, nodes_needed
from ..lib.naming import REGION_CODES, InvalidNameError, StackNames
from ..lib.private_dns import AZURE_BLOCK_PREFIX, GCP_SUBNET_PREFIX
from ..lib.tunnels import TUNNELS_PER_LEG, MeshPlan, TunnelPlanError
from . import catalog
from .durations import format_duration
from .fields import shown
from .models import CLOUDS, PlatformSettings


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a stack's settings, at one key path (`clouds.aws.regions[0].cidr`)."""

    path: str
    message: str


def check(s: PlatformSettings) -> list[Problem]:
    """Every cross-field problem of `s`, in a stable order."""
    return [p for rule in RULES for p in rule(s)]


def _clouds(s: PlatformSettings) -> Iterator[Problem]:
    enabled = s.clouds.enabled()
    if not enabled:
        yield Problem("clouds", "no cloud is enabled; allowed: enable at least one of aws, azure, gcp")
        return
    roles = [c.role for c in enabled.values()]
    if roles.count("primary") != 1:
        yield Problem("clouds", f"{roles.count('primary')} enabled clouds have role primary; allowed: exactly one")
    for role in sorted({r for r in roles if roles.count(r) > 1 and r != "primary"}):
        yield Problem("clouds", f"several enabled clouds have role {role}; allowed: one cloud per role")
    for cloud, settings in enabled.items():
        names = [r.name for r in settings.regions]
        for i, name in enumerate(names):
            if name not in catalog.REGIONS[cloud]:
                yield Problem(
                    f"clouds.{cloud}.regions[{i}].name",
                    f"{shown(name)} is not {CLOUD_TITLES[cloud]} region; allowed: a region name such as "
                    f"{EXAMPLE_REGIONS[cloud]} (components/settings/catalog.py lists them)",
                )
            elif name in names[:i] and name not in names[names.index(name) + 1:i]:  # each repeated name once
                yield Problem(
                    f"clouds.{cloud}.regions[{i}].name", f"region {name} is listed twice; allowed: each region once"
                )
        if s.edge.enabled and not any(r.weight > 0 for r in settings.regions):
            yield Problem(
                f"clouds.{cloud}.regions", "every region has weight 0, so the load balancer sends it nothing; "
                "allowed: a weight above 0 in at least one region (or disable the cloud)"
            )


CLOUD_TITLES = {"aws": "an AWS", "azure": "an Azure", "gcp": "a Google Cloud"}
EXAMPLE_REGIONS = {"aws": "us-east-1", "azure": "eastus", "gcp": "us-central1"}


def _cidrs(s: PlatformSettings) -> Iterator[Problem]:
    enabled = s.clouds.enabled()
    regions = [
        (f"clouds.{cloud}.regions[{i}].cidr", r.cidr)
        for cloud, settings in enabled.items()
        for i, r in enumerate(settings.regions)
    ]
    for (path_a, a), (path_b, b) in combinations(regions, 2):
        if a.overlaps(b):
            yield Problem(path_b, f"{b} overlaps {path_a} ({a}); allowed: a range no other region uses")
    # The ranges inside the clusters of the enabled clouds that use them.
    inside_clusters = {
        what: ip_network(reserved)
        for what, reserved, users in (
            ("AKS pod", catalog.CLUSTER_POD_CIDR, {"azure"}),
            ("AKS and EKS service", catalog.CLUSTER_SERVICE_CIDR, {"aws", "azure"}),
        )
        if users & enabled.keys()
    }
    for path, cidr in regions:
        for what, reserved in inside_clusters.items():
            if cidr.overlaps(reserved):
                yield Problem(
                    path,
                    f"{cidr} overlaps {reserved}, the {what} range inside the clusters; "
                    f"allowed: a range outside {catalog.CLUSTER_POD_CIDR} and {catalog.CLUSTER_SERVICE_CIDR}",
                )


def _pools(s: PlatformSettings) -> Iterator[Problem]:
    for cloud in s.clouds.enabled():
        pools = getattr(s.kubernetes.pools, cloud)
        if not pools:
            yield Problem(f"kubernetes.pools.{cloud}", "no node pool; allowed: at least one pool")
        for name, pool in pools.items():
            path = f"kubernetes.pools.{cloud}.{name}"
            if not pool.min_size <= pool.desired_size <= pool.max_size:
                yield Problem(
                    path,
                    f"min {pool.min_size}, desired {pool.desired_size}, max {pool.max_size}; "
                    "allowed: min <= desired <= max",
                )
            if cloud != "aws" and len(pool.instance_types) != 1:
                yield Problem(
                    f"{path}.instance_types", f"{len(pool.instance_types)} types; allowed: exactly one on {cloud}"
                )
            for j, instance_type in enumerate(pool.instance_types):
                problem = catalog.instance_type_problem(cloud, instance_type)
                if problem:
                    yield Problem(f"{path}.instance_types[{j}]", f"{shown(instance_type)} {problem}")
                elif pool.gpu and not pool.system and cloud != "gcp" and not catalog.has_gpu(cloud, instance_type):
                    yield Problem(
                        f"{path}.instance_types[{j}]",
                        f"{instance_type} has no NVIDIA GPU; allowed for gpu: true: a GPU type such as "
                        f"{'g5.xlarge' if cloud == 'aws' else 'Standard_NC4as_T4_v3'}",
                    )
            if pool.gpu and not pool.system and pool.desired_size > 0:  # (a GPU system pool is refused below)
                # GPU quotas start at 0 in most accounts and a GPU create holds the first deploy back; the
                # autoscaler adds GPU nodes when a pod asks (the deploy check's gpu-pools-start-at-zero).
                yield Problem(f"{path}.desired_size", f"{pool.desired_size} GPU nodes at creation; allowed: 0")
            if pool.system and (pool.capacity == "spot" or pool.gpu or pool.min_size < 1):
                yield Problem(path, "a system pool must be on-demand, non-GPU and keep at least one node")
            if cloud == "gcp" and pool.gpu and pool.instance_types[0] not in catalog.GKE_GPU_MACHINES:
                yield Problem(
                    f"{path}.instance_types",
                    f"{pool.instance_types[0]} has no attached GPU; allowed: a machine type with GPUs, g2-standard-<n> "
                    "or a2-highgpu-<n>g (catalog.GKE_GPU_MACHINES)",
                )
        if cloud == "azure" and pools and sum(p.system for p in pools.values()) != 1:
            yield Problem("kubernetes.pools.azure", "AKS needs exactly one pool with system: true")


def _prod(s: PlatformSettings) -> Iterator[Problem]:
    if not s.is_prod:
        return
    if not s.postgres.ha:
        yield Problem("postgres.ha", "false in prod; allowed: true (multi-AZ / zone-redundant / regional)")
    if s.postgres.backup_retention_days < 7:
        yield Problem("postgres.backup_retention_days", f"{s.postgres.backup_retention_days} in prod; allowed: 7 to 35")
    if not s.deletion_protection:
        yield Problem("deletion_protection", "false in prod; allowed: true")
    if s.kubernetes.public_endpoint:
        yield Problem("kubernetes.public_endpoint", "true in prod; allowed: false (private API endpoint)")
    for cloud, settings in s.clouds.enabled().items():
        if settings.role == "primary" and len(settings.regions) < 2:
            yield Problem(
                f"clouds.{cloud}.regions",
                f"the primary cloud has {len(settings.regions)} region in prod; allowed: 2 or more",
            )
    yield from _placeholders(s)
    if s.clouds.azure.enabled and not s.clouds.azure.admin_group_object_ids:
        yield Problem(
            "clouds.azure.admin_group_object_ids",
            "empty in prod, so nobody but the deployer can administer AKS (local accounts are off); "
            "allowed: the object ids of the Entra ID groups of the cluster admins",
        )


ZERO_GUID = "00000000-0000-0000-0000-000000000000"
# Names reserved for documentation and testing, never a real zone: https://www.rfc-editor.org/rfc/rfc2606
RESERVED_ZONES = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("example", "test", "invalid", "localhost", "local", "internal")


def _placeholders(s: PlatformSettings) -> Iterator[Problem]:
    """Prod deploys into real accounts: a placeholder id or zone (the defaults, or all zeros) is a mistake."""
    azure, edge = s.clouds.azure, s.edge
    if azure.enabled and azure.subscription_id == ZERO_GUID:
        yield Problem("clouds.azure.subscription_id", f"{ZERO_GUID} is a placeholder; allowed in prod: the "
                      "subscription id (or azure-native:subscriptionId)")
    azure_ad = s.identity.providers.get("azure_ad")
    if azure_ad is not None and azure_ad.tenant_id == ZERO_GUID:
        yield Problem("identity.providers.azure_ad.tenant_id", f"{ZERO_GUID} is a placeholder; allowed in prod: "
                      "the Entra ID tenant id")
    if not edge.enabled:
        return
    for key in ("account_id", "zone_id"):
        if set(getattr(edge, key)) == {"0"}:
            yield Problem(f"edge.{key}", f"all zeros is a placeholder; allowed in prod: the Cloudflare {key}")
    if edge.zone in RESERVED_ZONES or edge.zone.rsplit(".", 1)[-1] in RESERVED_TLDS:
        yield Problem("edge.zone", f"{edge.zone} is reserved for documentation and tests (RFC 2606); "
                      "allowed in prod: your Cloudflare zone")


def _endpoint(s: PlatformSettings) -> Iterator[Problem]:
    if s.kubernetes.public_endpoint and not s.kubernetes.public_access_cidrs:
        yield Problem(
            "kubernetes.public_access_cidrs",
            "empty while public_endpoint is true; allowed: the CIDRs that may reach the API",
        )
    yield from _public_allow_list("kubernetes.public_access_cidrs", s.kubernetes.public_access_cidrs, "the API")


# Ranges that are never a client on the internet: RFC 1918, shared (CGNAT), loopback, link-local, this-network,
# multicast and reserved (https://www.iana.org/assignments/iana-ipv4-special-registry/).
NOT_INTERNET = tuple(
    ip_network(r)
    for r in ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
              "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4")
)
# Placeholders: the documentation ranges (RFC 5737 TEST-NET-1/2/3) and benchmarking (RFC 2544) in the same
# registry. No real client comes from them, so an allow-list holding one is an example never replaced. (IPv6,
# 2001:db8::/32 of RFC 3849 included, is refused by the field type: every allow-list here is IPv4.)
PLACEHOLDER = tuple(
    ip_network(r) for r in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "198.18.0.0/15")
)
WIDEST_ALLOWED = 8  # an allow-list that merges into anything wider than a /8 (16.7M addresses) is not a list


def _public_allow_list(path: str, cidrs: Sequence[IPv4Network], what: str) -> Iterator[Problem]:
    """An allow-list of internet clients: public ranges that together stay well short of the whole internet."""
    for i, cidr in enumerate(cidrs):
        private = next((r for r in NOT_INTERNET if cidr.overlaps(r)), None)
        placeholder = next((r for r in PLACEHOLDER if cidr.overlaps(r)), None)
        if cidr.prefixlen == 0:
            yield Problem(f"{path}[{i}]", f"{cidr} opens {what} to the internet; allowed: specific CIDRs")
        elif placeholder is not None:
            yield Problem(
                f"{path}[{i}]", f"{cidr} overlaps {placeholder}, a documentation/benchmarking range (a placeholder); "
                "allowed: the real public ranges your clients come from"
            )
        elif private is not None:
            yield Problem(
                f"{path}[{i}]", f"{cidr} overlaps {private}, which is not on the internet; allowed: public ranges"
            )
    merged = [n for n in collapse_addresses(c for c in cidrs if c.prefixlen) if n.prefixlen < WIDEST_ALLOWED]
    if merged:
        yield Problem(
            path,
            f"the ranges together cover {merged[0]} ({merged[0].num_addresses:,} addresses); "
            f"allowed: specific CIDRs, none wider than a /{WIDEST_ALLOWED} together",
        )


def _postgres(s: PlatformSettings) -> Iterator[Problem]:
    if s.clouds.azure.enabled and s.postgres.ha and s.postgres.tier.azure.startswith("B_"):
        yield Problem(
            "postgres.tier.azure",
            f"{s.postgres.tier.azure} is Burstable, which has no high availability; allowed: GP_ or MO_ with ha: true",
        )
    if s.clouds.azure.enabled and s.postgres.backup_retention_days > 35:
        # Flexible Server: "Possible values are between 7 and 35 days" (fewer than 7 are raised to 7 for Azure only)
        # https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-backup-restore
        yield Problem(
            "postgres.backup_retention_days",
            f"{s.postgres.backup_retention_days} days; allowed with Azure enabled: at most 35 (Flexible Server)",
        )
    if s.postgres.max_storage_gb < s.postgres.storage_gb:
        yield Problem(
            "postgres.max_storage_gb",
            f"{s.postgres.max_storage_gb} is below storage_gb {s.postgres.storage_gb}; allowed: >= storage_gb",
        )
    yield from _windows(s.postgres.backup_window, s.postgres.maintenance_window)


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEK = 7 * 24 * 60
MIN_WINDOW = 30  # minutes: RDS's minimum for both windows (PreferredBackupWindow, PreferredMaintenanceWindow),
# https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _windows(backup: str, maintenance: str) -> Iterator[Problem]:
    """Both windows at least 30 minutes long, and the daily backup clear of the weekly maintenance (RDS refuses
    overlapping windows)."""
    start, end = (_minutes(t) for t in backup.split("-"))
    backup_length = (end - start) % (24 * 60)
    if backup_length < MIN_WINDOW:
        yield Problem(
            "postgres.backup_window", f"{backup} lasts {backup_length} minutes; allowed: {MIN_WINDOW} or more"
        )
    first, last = maintenance.split("-")
    m_start = DAYS.index(first[:3]) * 24 * 60 + _minutes(first[4:])
    m_end = DAYS.index(last[:3]) * 24 * 60 + _minutes(last[4:])
    maintenance_length = (m_end - m_start) % WEEK
    if maintenance_length < MIN_WINDOW:
        yield Problem(
            "postgres.maintenance_window",
            f"{maintenance} lasts {maintenance_length} minutes; allowed: {MIN_WINDOW} or more",
        )
        return
    if backup_length < MIN_WINDOW:
        return
    maintenance_minutes = {(m_start + m) % WEEK for m in range(maintenance_length)}
    daily = {(day * 24 * 60 + start + m) % WEEK for day in range(7) for m in range(backup_length)}
    if maintenance_minutes & daily:
        yield Problem(
            "postgres.backup_window",
            f"{backup} overlaps the maintenance window {maintenance}; allowed: a window clear of it",
        )


GKE_MIN_AVAILABILITY_HOURS = 48
"""GKE: "You must allow at least 48 hours of maintenance availability in a 32-day rolling window"
(https://cloud.google.com/kubernetes-engine/docs/how-to/maintenance-windows-and-exclusions)."""
GKE_NO_UPGRADES_MAX_DAYS = 30
"""The longest "no upgrades" exclusion GKE accepts (same page, "Scope of upgrades")."""


CLOUD_LOGGING_MAX_RETENTION_DAYS = 3650
"""Cloud Logging buckets keep logs 1 to 3650 days (https://cloud.google.com/logging/docs/buckets#custom-retention)."""


def _gcp_log_retention(s: PlatformSettings) -> Iterator[Problem]:
    """The flow-log retention is also the GCP `_Default` log bucket's: it must be one Cloud Logging accepts."""
    days = s.network.flow_log_retention_days
    if s.clouds.gcp.enabled and days > CLOUD_LOGGING_MAX_RETENTION_DAYS:
        yield Problem(
            "network.flow_log_retention_days",
            f"{days} days; allowed with gcp enabled: at most {CLOUD_LOGGING_MAX_RETENTION_DAYS} (the Cloud Logging "
            "bucket the GCP flow logs land in), e.g. 2922",
        )


def _backups_dual_region(s: PlatformSettings) -> Iterator[Problem]:
    """The DR sink (the primary GCP region's backups bucket) is a configurable dual-region of one multi-region, homed in
    that region; prod requires one wherever the primary region can pair (gcp review 20)."""
    gcp = s.clouds.gcp
    if not gcp.enabled:
        return
    home = gcp.regions[0].name
    if gcp.backups_dual_region:
        problem = dual_region_problem(gcp.backups_dual_region, home)
        if problem:
            yield Problem("clouds.gcp.backups_dual_region", problem)
        return
    multi = multi_region_of(home)
    if s.is_prod and not s.backups_pair() and multi:
        others = ", ".join(sorted(DUAL_REGION_MEMBERS[multi] - {home}))
        yield Problem(
            "clouds.gcp.backups_dual_region",
            f"{'empty' if gcp.backups_dual_region == [] else 'unset, and no pair is derived'} in prod, "
            f"so every cloud's DR copies sit in {home} alone; allowed: [{home}, one of {others}]",
        )


def _gke_capacity(s: PlatformSettings) -> Iterator[Problem]:
    """Every GCP region's ranges hold the GKE pools at their maximum plus a surge node each (gcp review 10): the pods
    range gives every node a /24, so a /20 region (a /21 of pods) holds 8 nodes."""
    if not s.clouds.gcp.enabled or not s.kubernetes.pools.gcp:
        return
    pools = s.kubernetes.pools.gcp
    need = nodes_needed([p.max_size for p in pools.values()])
    for i, region in enumerate(s.clouds.gcp.regions):
        by_pods, by_nodes = node_capacity(region.cidr)
        if need > min(by_pods, by_nodes):
            which = (
                f"its pods range holds {by_pods} nodes ({MAX_PODS_PER_NODE} pods, a /24 each)"
                if by_pods < by_nodes
                else f"its node range holds {by_nodes}"
            )
            yield Problem(
                f"clouds.gcp.regions[{i}].cidr",
                f"{region.cidr}: the GKE pools reach {need} nodes (max_size {sum(p.max_size for p in pools.values())} "
                f"+ 1 surge per pool) but {which}; allowed: a larger CIDR or smaller kubernetes.pools.gcp max_size",
            )


MIN_NODE_ZONES, MAX_NODE_ZONES = 2, 4
"""A regional cluster spreads over at least two zones (one zone is a zonal cluster in effect); no region has more
than four (https://cloud.google.com/compute/docs/regions-zones#available)."""


def _gke_zones(s: PlatformSettings) -> Iterator[Problem]:
    """The GKE node zones are pinned zones of their region (gcp review 7): named like `<region>-<letter>`, known to
    the catalog where it lists the region, each once; a pool's own zones are a subset of them and name a real pool."""
    if not s.clouds.gcp.enabled:
        return
    pools = s.kubernetes.pools.gcp
    for i, region in enumerate(s.clouds.gcp.regions):
        at = f"clouds.gcp.regions[{i}]"
        known = catalog.GCP_ZONES.get(region.name)
        if not region.zones and known is None:
            yield Problem(f"{at}.zones", f"no zones pinned for {region.name} (the catalog lists none); allowed: "
                                         f"{MIN_NODE_ZONES}-{MAX_NODE_ZONES} zones of the region, e.g. {region.name}-a")
        if region.zones and not MIN_NODE_ZONES <= len(region.zones) <= MAX_NODE_ZONES:
            yield Problem(f"{at}.zones", f"{len(region.zones)} zones; allowed: {MIN_NODE_ZONES}-{MAX_NODE_ZONES} "
                                         f"zones of {region.name}")
        for j, zone in enumerate(region.zones):
            yield from _zone_problems(f"{at}.zones[{j}]", zone, region.name, known, region.zones[:j])
        node_zones = region.node_zones(s.network.availability_zones)
        for pool, zones in region.pool_zones.items():
            path = f"{at}.pool_zones.{pool}"
            if pool not in pools:
                yield Problem(path, f"{shown(pool)} is not a GKE pool; allowed: a kubernetes.pools.gcp name "
                                    f"({', '.join(sorted(pools)) or 'none configured'})")
            if not zones:
                yield Problem(path, f"no zones; allowed: 1 or more of {', '.join(node_zones)}")
            for j, zone in enumerate(zones):
                if zone not in node_zones or zone in zones[:j]:
                    yield Problem(f"{path}[{j}]", f"{shown(zone)} is not one of the cluster's node zones or repeats; "
                                                  f"allowed: each of {', '.join(node_zones)} once")


def _zone_problems(path: str, zone: str, region: str, known: tuple[str, ...] | None,
                   before: list[str]) -> Iterator[Problem]:
    match = catalog.GCP_ZONE.fullmatch(zone)
    if not match or match["region"] != region or (known is not None and zone not in known):
        allowed = ", ".join(known) if known else f"{region}-<letter>"
        yield Problem(path, f"{shown(zone)} is not a zone of {region}; allowed: {allowed}")
    elif zone in before:
        yield Problem(path, f"{zone} repeats; allowed: each zone once")


def _gke_maintenance(s: PlatformSettings) -> Iterator[Problem]:
    """The GKE window opens often enough (any 32 days hold each weekday at least 4 times), exclusions run forwards,
    "no upgrades" ones for 30 days at most, and their names are unique."""
    m, path = s.clouds.gcp.maintenance, "clouds.gcp.maintenance"
    repeated = sorted({d for d in m.days if m.days.count(d) > 1})
    if repeated:
        yield Problem(f"{path}.days", f"{', '.join(repeated)} listed twice; allowed: each day once")
    days = len(set(m.days))
    if 4 * days * m.hours < GKE_MIN_AVAILABILITY_HOURS:
        yield Problem(
            f"{path}.hours",
            f"{days} day(s) x {m.hours} h open {4 * days * m.hours} h in the worst 32 days; allowed: at least "
            f"{GKE_MIN_AVAILABILITY_HOURS} h (GKE), e.g. more days or longer windows",
        )
    names: set[str] = set()
    for i, exclusion in enumerate(m.exclusions):
        where = f"{path}.exclusions[{i}]"
        if exclusion.name in names:
            yield Problem(f"{where}.name", f"{exclusion.name} is listed twice; allowed: unique exclusion names")
        names.add(exclusion.name)
        length = (date.fromisoformat(exclusion.end) - date.fromisoformat(exclusion.start)).days
        if length <= 0:
            yield Problem(f"{where}.end", f"{exclusion.end} is not after start {exclusion.start}; allowed: a later day")
        elif exclusion.scope == "NO_UPGRADES" and length > GKE_NO_UPGRADES_MAX_DAYS:
            yield Problem(
                f"{where}.end",
                f"a NO_UPGRADES exclusion of {length} days; allowed: at most {GKE_NO_UPGRADES_MAX_DAYS} "
                "(or scope NO_MINOR_UPGRADES for longer)",
            )


def _dr(s: PlatformSettings) -> Iterator[Problem]:
    dr = s.dr
    if dr.rpo < 86400 and not s.postgres.pitr:
        yield Problem(
            "postgres.pitr",
            f"false but dr.rpo is {format_duration(dr.rpo)}; "
            "allowed: true (an RPO under 24h needs point-in-time recovery)",
        )
    if dr.replication_lag_threshold >= dr.rpo:
        yield Problem(
            "dr.replication_lag_threshold",
            f"{format_duration(dr.replication_lag_threshold)} cannot meet rpo {format_duration(dr.rpo)}; "
            "allowed: below the RPO",
        )
    detection = dr.health_check_interval * dr.failure_threshold
    if detection >= dr.rto:
        yield Problem(
            "dr.health_check_interval",
            f"failover detection takes {format_duration(detection)} (interval x failure_threshold), "
            f"not within rto {format_duration(dr.rto)}",
        )
    if s.edge.enabled:
        plan = s.edge.cloudflare_plan
        low, high = catalog.CLOUDFLARE_MONITOR_INTERVAL_S[plan]
        if not low <= dr.health_check_interval <= high:
            yield Problem(
                "dr.health_check_interval",
                f"{format_duration(dr.health_check_interval)} on Cloudflare plan {plan} (edge.cloudflare_plan); "
                f"allowed: {format_duration(low)} to {format_duration(high)}"
                + ("" if plan == "enterprise" else " (15s from business, 10s on enterprise)"),
            )
    if s.edge.enabled and s.edge.cloudflare_plan != "enterprise" and s.edge.health_check_regions > 8:
        yield Problem(
            "edge.health_check_regions",
            f"{s.edge.health_check_regions} on Cloudflare plan {s.edge.cloudflare_plan} (edge.cloudflare_plan); "
            "allowed: 1 to 8 (more are Enterprise only)",
        )
    if s.edge.health_timeout >= dr.health_check_interval:
        yield Problem(
            "edge.health_timeout",
            f"{format_duration(s.edge.health_timeout)}; "
            f"allowed: below dr.health_check_interval ({format_duration(dr.health_check_interval)})",
        )


def _data_sync(s: PlatformSettings) -> Iterator[Problem]:
    sync = s.dr.sync
    if not sync.enabled or len(s.clouds.enabled()) < 2:
        return
    names = {b.name for b in s.buckets}
    blockers = []
    if "gcp" not in s.clouds.enabled():
        blockers.append("gcp is disabled; the copies land in GCP (Storage Transfer)")
    if "backups" not in names:
        blockers.append("buckets has no backups bucket, where the copies land")
    if blockers:  # the default follows the stack; only an explicit `enabled: true` is a mistake
        if "enabled" in sync.model_fields_set:
            yield from (Problem("dr.sync.enabled", f"true but {blocker}") for blocker in blockers)
        return
    unknown = [b for b in sync.buckets or [] if b not in names]
    if unknown:
        yield Problem("dr.sync.buckets", f"names {', '.join(unknown)}, which buckets does not list")
    if sync.interval < 3600:
        yield Problem("dr.sync.interval", f"{format_duration(sync.interval)}; allowed: 1h or more (Storage Transfer)")
    yield from _public_allow_list("dr.sync.azure_source_ranges", sync.azure_source_ranges, "the storage accounts")


def _edge_regions(s: PlatformSettings) -> Iterator[Problem]:
    """Every region of an enabled cloud is a Cloudflare pool steered by its Cloudflare region: one the pure map
    (lib/edge_geo.py) does not place would only fail when the load balancer is built."""
    if not s.edge.enabled:
        return
    for cloud, settings in s.clouds.enabled().items():
        for i, region in enumerate(settings.regions):
            if region.name in catalog.REGIONS[cloud] and cloudflare_region(cloud, region.name) is None:
                yield Problem(
                    f"clouds.{cloud}.regions[{i}].name",
                    f"{region.name} has no Cloudflare load-balancing region, so the edge cannot steer to or probe its "
                    "pool; allowed: a region components/lib/edge_geo.py CLOUDFLARE_REGION places (or add it there)",
                )


def _cross_cloud(s: PlatformSettings) -> Iterator[Problem]:
    enabled = set(s.clouds.enabled())
    # The built-in geo map is trimmed to the enabled clouds; a map the stack writes must be exact.
    explicit = s.edge.region_pools if "region_pools" in s.edge.model_fields_set else {}
    for region, clouds in explicit.items():
        for cloud in clouds:
            if cloud not in enabled:
                yield Problem(
                    f"edge.region_pools.{region}",
                    f"steers to {cloud}, which is not enabled; allowed: {', '.join(sorted(enabled))}",
                )
    if s.edge.fallback and s.edge.fallback not in enabled:
        yield Problem("edge.fallback", f"{s.edge.fallback} is not enabled; allowed: {', '.join(sorted(enabled))}")
    yield from _edge_regions(s)
    for i, trust in enumerate(s.identity.trusts):
        for cloud in [trust.source, *trust.targets]:
            if cloud not in enabled:
                yield Problem(
                    f"identity.trusts[{i}]",
                    f"names {cloud}, which is not enabled; allowed: {', '.join(sorted(enabled))}",
                )
        if trust.source in trust.targets:
            yield Problem(f"identity.trusts[{i}].targets", f"{trust.source} trusts itself; allowed: other clouds")


def _identity(s: PlatformSettings) -> Iterator[Problem]:
    identity, enabled = s.identity, s.clouds.enabled()
    for kind in s.federated_providers():
        if kind not in identity.providers:
            yield Problem(
                f"identity.providers.{kind}",
                f"missing while federated_providers lists {kind}; allowed: its client_id and client_secret_name",
            )
        elif kind == "azure_ad" and not identity.providers[kind].tenant_id and "azure" not in enabled:
            yield Problem(
                "identity.providers.azure_ad.tenant_id",
                "missing and Azure is not enabled to default it from; allowed: the Entra ID tenant id",
            )
    if identity.trusts and "backups" not in {b.name for b in s.buckets}:
        yield Problem(
            "identity.trusts", "trusts grant the backups bucket, which buckets does not list; allowed: add it"
        )
    yield from _trusts(s)
    if "aws" not in enabled:
        return
    for key, seconds, (low, high) in (
        ("token_lifetime", identity.token_lifetime, ACCESS_TOKEN_RANGE),
        ("refresh_lifetime", identity.refresh_lifetime, REFRESH_TOKEN_RANGE),
    ):
        if not low <= seconds <= high:
            yield Problem(
                f"identity.{key}",
                f"{format_duration(seconds)}; allowed: {format_duration(low)} to {format_duration(high)} (Cognito)",
            )
    if identity.refresh_lifetime <= identity.token_lifetime:
        yield Problem(
            "identity.refresh_lifetime",
            f"{format_duration(identity.refresh_lifetime)} does not outlive identity.token_lifetime "
            f"({format_duration(identity.token_lifetime)}); allowed: longer than it",
        )
    if identity.email is None and s.is_prod:
        yield Problem(
            "identity.email",
            "missing in prod, so Cognito sends with its daily-capped default sender (COGNITO_DEFAULT); allowed: "
            "{source_arn: <verified SES identity ARN in the primary AWS region>, from_address: <its address>}",
        )
    elif identity.email is not None:
        pool_region = s.clouds.aws.regions[0].name
        for message in ses_email_problems(identity.email.source_arn, identity.email.from_address, pool_region):
            yield Problem("identity.email", message)
    prefix = identity.domain_prefix or f"{s.name}-{s.environment}-auth"
    reserved = [word for word in RESERVED_DOMAIN_WORDS if word in prefix]
    if reserved:
        written = "" if identity.domain_prefix else f" (the default, from name {s.name})"
        yield Problem(
            "identity.domain_prefix",
            f"{prefix}{written} contains {reserved[0]!r}, which Cognito reserves; allowed: a prefix without "
            f"{', '.join(RESERVED_DOMAIN_WORDS)}",
        )
    for i, url in enumerate(identity.callback_urls):
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname or parts.fragment or " " in url or len(url) > 1024:
            yield Problem(
                f"identity.callback_urls[{i}]",
                f"{shown(url)} is not an absolute https URL; allowed: https://<host>/<path>, no fragment",
            )


def _trusts(s: PlatformSettings) -> Iterator[Problem]:
    """Each trust once per source, target and service account, and naming the service account the API runs as
    (the only workload the platform deploys: any other subject is a trust nobody can use)."""
    api, seen = s.workloads.api, set()
    for i, trust in enumerate(s.identity.trusts):
        for target in trust.targets:
            key = (trust.source, target, trust.namespace, trust.service_account)
            if key in seen:
                yield Problem(
                    f"identity.trusts[{i}]",
                    f"{trust.source} -> {target} for {trust.namespace}/{trust.service_account} is listed twice; "
                    "allowed: each once",
                )
            seen.add(key)
        if s.workloads.enabled and (trust.namespace, trust.service_account) != (api.namespace, api.service_account):
            yield Problem(
                f"identity.trusts[{i}]",
                f"trusts {trust.namespace}/{trust.service_account}, but the API runs as "
                f"{api.namespace}/{api.service_account} (workloads.api); allowed: the API's namespace and "
                "service account",
            )


def _azure_pairs(s: PlatformSettings) -> Iterator[Problem]:
    if not (s.is_prod and s.clouds.azure.enabled):
        return
    for i, region in enumerate(s.clouds.azure.regions):
        if region.name not in catalog.AZURE_PAIRED_REGIONS:
            yield Problem(
                f"clouds.azure.regions[{i}].name",
                f"{region.name} has no known paired region for geo-redundant backups in prod; "
                "allowed: a region with a pair, e.g. eastus, westus2, northeurope (catalog.AZURE_PAIRED_REGIONS)",
            )


def _account_ids(s: PlatformSettings) -> Iterator[Problem]:
    if s.clouds.azure.enabled and not s.clouds.azure.subscription_id:
        yield Problem("clouds.azure.subscription_id", "missing; set it or azure-native:subscriptionId")
    if s.clouds.gcp.enabled and not s.clouds.gcp.project:
        yield Problem("clouds.gcp.project", "missing; set it or gcp:project")


def _buckets(s: PlatformSettings) -> Iterator[Problem]:
    names = [b.name for b in s.buckets]
    for i, name in enumerate(names):
        if name in names[:i]:
            yield Problem(f"buckets[{i}].name", f"bucket {name} is listed twice; allowed: each name once")


GCP_BUDGET_CHANNELS = 5
"""A Cloud Billing budget's `monthly_notification_channels`: "A maximum of 5 channels are allowed" (pulumi-gcp)."""


def _budgets(s: PlatformSettings) -> Iterator[Problem]:
    b = s.budgets
    if b.daily > b.monthly:
        yield Problem("budgets.daily", f"{b.daily:g} exceeds budgets.monthly {b.monthly:g}")
    if b.emergency < b.daily:
        yield Problem("budgets.emergency", f"{b.emergency:g} is below budgets.daily {b.daily:g}; allowed: at least it")
    if s.is_prod and not b.notify:
        yield Problem("budgets.notify", "empty; allowed in prod: at least one e-mail address for the budget alerts")
    if s.is_prod and b.office_hours.enabled:
        yield Problem("budgets.office_hours.enabled", "true; allowed in prod: false (prod runs around the clock)")
    hours = b.office_hours
    if hours.enabled and _minutes(hours.start) >= _minutes(hours.end):
        yield Problem(
            "budgets.office_hours.end",
            f"{hours.end} is not after start {hours.start}; allowed: a day that ends after it starts",
        )
    enabled = set(s.clouds.enabled())
    if b.shares is not None:
        if set(b.shares) != enabled:
            yield Problem("budgets.shares", f"names {', '.join(sorted(b.shares))}; allowed: exactly the enabled "
                          f"clouds ({', '.join(sorted(enabled))})")
        elif abs(sum(b.shares.values()) - 1) > 0.001:
            yield Problem("budgets.shares", f"add up to {sum(b.shares.values()):g}; allowed: 1")
    if "gcp" in enabled and len(b.notify) > GCP_BUDGET_CHANNELS:
        yield Problem(
            "budgets.notify",
            f"{len(b.notify)} addresses; allowed with gcp enabled: at most {GCP_BUDGET_CHANNELS} (a Cloud Billing "
            "budget notifies at most 5 channels; use a mailing list)",
        )
    if s.is_prod and "gcp" in enabled and s.clouds.gcp.billing_account is None:
        yield Problem("clouds.gcp.billing_account", "missing; allowed in prod: the project's Cloud Billing account "
                      "(XXXXXX-XXXXXX-XXXXXX), where the GCP budget lives")


def _vpn(s: PlatformSettings) -> Iterator[Problem]:
    enabled = s.clouds.enabled()
    if not s.vpn.enabled or len(enabled) < 2:
        return
    if any(len({r.name for r in c.regions}) < len(c.regions) for c in enabled.values()):
        return  # a region listed twice (reported by _clouds) has no mesh
    asns = s.vpn.asns.model_dump()
    for (a, asn_a), (b, asn_b) in combinations(asns.items(), 2):
        if asn_a == asn_b:
            yield Problem(f"vpn.asns.{b}", f"{asn_b} is also the ASN of {a}; allowed: one ASN per cloud")
    if asns["azure"] in catalog.AZURE_RESERVED_ASNS:
        yield Problem(
            "vpn.asns.azure",
            f"{asns['azure']} is reserved by Azure ({min(catalog.AZURE_RESERVED_ASNS)}-"
            f"{max(catalog.AZURE_RESERVED_ASNS)}); allowed: another private ASN",
        )
    try:
        plan = s.mesh_plan()
    except TunnelPlanError as err:
        for path, message in err.problems:
            yield Problem(path, message)
        return
    yield from _gateway_limits(s, plan)


def _gateway_limits(s: PlatformSettings, plan: MeshPlan) -> Iterator[Problem]:
    """Each cloud's gateway quota: VPN connections per AWS virtual private gateway, S2S tunnels per Azure SKU."""
    for cloud, limit, per_leg, what in (
        ("aws", catalog.AWS_VPN_CONNECTIONS_PER_VGW, lambda pair: 2, "VPN connections"),
        ("azure", catalog.AZURE_VPN_TUNNELS[s.vpn.azure_gateway_sku], _azure_tunnels, "site-to-site tunnels"),
    ):
        used = {
            r.name: sum(per_leg(leg.pair) for leg in plan.legs_of(cloud, r.name))
            for r in getattr(s.clouds, cloud).regions
        }
        over = {region: n for region, n in used.items() if n > limit}
        if over:
            yield Problem(
                "vpn.scope",
                f"the mesh needs {max(over.values())} {what} on the {cloud} gateway of {', '.join(over)}; "
                f"allowed: {limit} per gateway (scope primary, or fewer peer regions)",
            )


def _azure_tunnels(pair: tuple[str, str]) -> int:
    """Tunnels a leg costs an active-active Azure gateway: each connection counts once per instance."""
    return 2 * TUNNELS_PER_LEG[pair]


def _names(s: PlatformSettings) -> Iterator[Problem]:
    names = StackNames(s.name, s.environment)
    buckets = [b.name for b in s.buckets]
    for cloud in CLOUDS:
        settings = getattr(s.clouds, cloud)
        if not settings.enabled:
            continue
        for i, region in enumerate(settings.regions):
            try:
                names.for_region(cloud, region.name, buckets)
            except InvalidNameError as err:
                # A known region has its short code: the platform name is what to shorten. The names count the
                # stack-unique part (`?????`, lib/naming.py SUFFIX) at its real length.
                key = "name" if region.name in REGION_CODES else f"clouds.{cloud}.regions[{i}].name"
                yield Problem(key, f"{err} (shorten name or the region code)")


def _workloads(s: PlatformSettings) -> Iterator[Problem]:
    api = s.workloads.api
    if api.max_replicas < api.replicas:
        yield Problem("workloads.api.max_replicas", f"{api.max_replicas} is below replicas ({api.replicas})")
    if s.is_prod and s.workloads.enabled and not api.pinned_by_digest:
        yield Problem(
            "workloads.api.image",
            f"{api.image!r} is pinned by tag only; allowed in prod: an image pinned by digest (@sha256:...)",
        )
    r = api.resources
    for what, request, limit in (("cpu", r.cpu_request, r.cpu_limit), ("memory", r.memory_request, r.memory_limit)):
        if quantity(request) <= 0:
            yield Problem(f"workloads.api.resources.{what}_request", f"{request}; allowed: more than 0")
        elif quantity(request) > quantity(limit):
            yield Problem(f"workloads.api.resources.{what}_limit", f"{limit} is below the {what} request ({request})")
    if s.workloads.enabled:
        yield from _fits_a_node(s)
    m = s.workloads.monitoring
    if m.scrape_interval > MAX_SCRAPE_INTERVAL:
        yield Problem(
            "workloads.monitoring.scrape_interval",
            f"{format_duration(m.scrape_interval)}; allowed: at most 5m (Prometheus marks series stale after 5m)",
        )
    if m.central_retention < m.retention:
        yield Problem(
            "workloads.monitoring.central_retention",
            f"{format_duration(m.central_retention)} is shorter than each cluster's retention "
            f"({format_duration(m.retention)}); allowed: at least it",
        )


# https://prometheus.io/docs/prometheus/latest/querying/basics/#staleness
MAX_SCRAPE_INTERVAL = 300


def _fits_a_node(s: PlatformSettings) -> Iterator[Problem]:
    """The API's CPU request fits on a node of at least one pool of every enabled cloud (else it never runs)."""
    request = quantity(s.workloads.api.resources.cpu_request)
    for cloud in s.clouds.enabled():
        pools = getattr(s.kubernetes.pools, cloud)
        sizes = [catalog.vcpus(cloud, t) for p in pools.values() for t in p.instance_types]
        known = [n for n in sizes if n is not None]
        if known and len(known) == len(sizes) and request > max(known):
            yield Problem(
                "workloads.api.resources.cpu_request",
                f"{s.workloads.api.resources.cpu_request} cores; the largest {cloud} node has {max(known)} vCPUs, "
                "so the API could never be scheduled; allowed: a request that fits a node",
            )


_UNITS = {"m": 0.001, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def _dns(s: PlatformSettings) -> Iterator[Problem]:
    """Resolver ranges inside their region and clear of every other range; DNS kept on while a private name
    crosses clouds."""
    enabled = s.clouds.enabled()
    if not s.dns.enabled and "azure" in enabled and len(enabled) > 1 and s.vpn.enabled:
        yield Problem(
            "dns.enabled",
            "false while clouds.azure.enabled is true with other clouds: their connection secrets hold the Flexible "
            "Server names, which resolve only in Azure without forwarding; allowed: true",
        )
    regions: dict[tuple[str, str], tuple[str, IPv4Network]] = {
        (cloud, r.name): (f"clouds.{cloud}.regions[{i}].cidr", r.cidr)
        for cloud, c in enabled.items()
        for i, r in enumerate(c.regions)
    }
    reserved = [
        (f"the cluster range {cidr}", ip_network(cidr))
        for cidr in (catalog.CLUSTER_POD_CIDR, catalog.CLUSTER_SERVICE_CIDR)
    ]
    for key, block in s.dns.resolver_cidrs.items():
        path = f"dns.resolver_cidrs.{key}"
        cloud, _, region = key.partition("/")
        if (cloud, region) not in regions or cloud == "aws":
            yield Problem(path, f"{key} is no enabled Azure or GCP region; allowed: <azure|gcp>/<a configured region>")
            continue
        size = AZURE_BLOCK_PREFIX if cloud == "azure" else GCP_SUBNET_PREFIX
        if block.prefixlen != size:
            yield Problem(path, f"{block} is a /{block.prefixlen}; allowed: a /{size} on {cloud}")
            continue
        region_path, cidr = regions[(cloud, region)]
        if not block.subnet_of(cidr):
            yield Problem(path, f"{block} is outside {region_path} ({cidr}); allowed: a range inside the region")
        others = [(f"{p} ({c})", c) for k, (p, c) in regions.items() if k != (cloud, region)]
        own = [(f"the {what} range {r} of {region_path}", r) for what, r in _region_ranges(cloud, cidr)]
        for what, other in [*others, *reserved, *own]:
            if block.overlaps(other):
                yield Problem(path, f"{block} overlaps {what}; allowed: a range no region, subnet, pod or service uses")


def _region_ranges(cloud: str, cidr: IPv4Network) -> list[tuple[str, IPv4Network]]:
    """The ranges a region's network already uses (components/azure/network.py, lib/cidr.py `gke_ranges`)."""
    if cloud == "gcp":
        ranges = gke_ranges(cidr)
        return [(what, ranges[what]) for what in ("nodes", "pods", "services", "private_services")]
    aks, rest = cidr.subnets(prefixlen_diff=1)
    postgres, after = list(rest.subnets(new_prefix=24))[:2]
    return [("AKS node", aks), ("PostgreSQL", postgres), ("GatewaySubnet", next(after.subnets(new_prefix=27)))]


def quantity(value: str) -> float:
    """A Kubernetes CPU or memory quantity as a number (cores or bytes)."""
    for unit, factor in _UNITS.items():
        if value.endswith(unit):
            return float(value[: -len(unit)]) * factor
    return float(value)


def _reachability(s: PlatformSettings) -> Iterator[Problem]:
    """Prod with the VPN mesh: everything one network hands to another (federation scrapes, replication,
    connection secrets, blob endpoints) has a private path (components/lib/reachability.py). A peering never
    reaches another region's VPN gateway, so a region outside the mesh has no path to the other clouds; the plan
    lists each blocker."""
    if not s.is_prod or len(s.clouds.enabled()) < 2 or not s.vpn.enabled:
        return  # without the mesh there is no cross-cloud layer to check (the plan lists what then has no path)
    from ..lib.reachability import check as reachability

    try:
        blocked = [v for v in reachability(s) if v.path is None]
    except TunnelPlanError:
        return  # reported by _vpn
    except InvalidNameError:
        return  # reported by _names (the DNS plan's hosted names are physical names)
    if not blocked:
        return
    first = blocked[0]
    example = f"{first.use.purpose} {'/'.join(first.use.source)} -> {first.use.endpoint.key}"
    yield Problem(
        "vpn.scope",
        f"{s.vpn.scope} in prod leaves {len(blocked)} private uses without a path (e.g. {example}: no VPN leg "
        "between the two regions); allowed: all, or one region per cloud (clouds.<cloud>.regions)",
    )


def _deployer(s: PlatformSettings) -> Iterator[Problem]:
    """Who deploys (docs/DEPLOY.md): a principal per enabled cloud, and a position that reaches every cluster API
    (components/lib/reachability.py: `deployer_verdicts`)."""
    d = s.deployer
    if d is None:  # every stack: grants key on the configured principals, never on the caller of the run
        yield Problem(
            "deployer", "missing; allowed: {position: in-network|outside, aws: {role_arn}, azure: {object_id, "
            "principal_type}, gcp: {service_account}} (docs/DEPLOY.md)"
        )
        return
    examples = {
        "aws": "{role_arn: arn:aws:iam::<account>:role/<name>}",
        "azure": "{object_id: <GUID>, principal_type: ServicePrincipal|Group|User}",
        "gcp": "{service_account: <name>@<project>.iam.gserviceaccount.com}",
    }
    for cloud in s.clouds.enabled():
        if getattr(d, cloud) is None:
            yield Problem(f"deployer.{cloud}", f"missing with {cloud} enabled; allowed: {examples[cloud]}")
    k8s = s.kubernetes
    if d.position == "outside":
        if k8s.public_endpoint and not d.egress_cidrs:
            yield Problem(
                "deployer.egress_cidrs", "empty while the deployer is outside and the cluster APIs are public; "
                "allowed: the public CIDRs the deployer comes from (also in kubernetes.public_access_cidrs)"
            )
        yield from _public_allow_list("deployer.egress_cidrs", d.egress_cidrs, "the deployer")
        for i, cidr in enumerate(d.egress_cidrs):
            # (an empty allow-list is _endpoint's problem, named once)
            if k8s.public_access_cidrs and not any(cidr.subnet_of(a) for a in k8s.public_access_cidrs):
                yield Problem(
                    f"deployer.egress_cidrs[{i}]", f"{cidr} is not inside kubernetes.public_access_cidrs, so the "
                    "cluster APIs refuse the deployer; allowed: a range the allow-list covers"
                )
        if not k8s.public_endpoint:
            yield Problem(
                "deployer.position", "outside while kubernetes.public_endpoint is false: the private cluster APIs "
                "are unreachable from outside; allowed: in-network (the runner in the primary AWS region)"
            )
        elif d.runner is not None:
            yield Problem(
                "deployer.runner", "set while the deployer is outside (the runner serves an in-network deployer); "
                "allowed: leave it out, or position: in-network"
            )
        return
    # Without AWS no runner is built: in-network is then the operator's own runner in the first cloud's primary region.
    if s.clouds.aws.enabled and d.runner is None:
        yield Problem(
            "deployer.runner", "missing while the deployer is in-network; allowed: {repository: "
            "https://github.com/<owner>/<repo>, connection_arn: arn:aws:codeconnections:<region>:<account>:"
            "connection/<uuid>} (docs/DEPLOY.md)"
        )
    elif s.clouds.aws.enabled and d.runner is not None:
        primary = s.clouds.aws.regions[0].name
        region, account = d.runner.connection_arn.split(":")[3:5]
        if region != primary:
            yield Problem(
                "deployer.runner.connection_arn", f"is in {region}, not the primary AWS region {primary} where the "
                "runner is built (CodeBuild uses a connection of its own region); allowed: a connection in "
                f"{primary}"
            )
        if d.aws is not None and account != d.aws.role_arn.split(":")[4]:
            yield Problem(
                "deployer.runner.connection_arn", f"is in account {account}, not the deployer's "
                f"{d.aws.role_arn.split(':')[4]}; allowed: a connection of the platform account"
            )
    if d.egress_cidrs:
        yield Problem(
            "deployer.egress_cidrs", "set while the deployer is in-network (it reaches the APIs privately); "
            "allowed: none, or position: outside"
        )
    if any(_reachability(s)):
        return  # the prod mesh's own blocker names vpn.scope; the deployer's paths follow it
    from ..lib.reachability import deployer_verdicts

    try:
        blocked = [v for v in deployer_verdicts(s) if not v.ok]
    except (TunnelPlanError, InvalidNameError):
        return  # reported by _vpn / _names
    if blocked:
        more = f" and {len(blocked) - 1} more" if len(blocked) > 1 else ""
        yield Problem(
            "deployer.position", f"in-network ({'/'.join(blocked[0].use.source)}) has no private path to the "
            f"cluster API of {blocked[0].use.endpoint.key}{more}; allowed: vpn.enabled, vpn.scope: all"
        )


RULES = (
    _clouds,
    _cidrs,
    _pools,
    _prod,
    _endpoint,
    _postgres,
    _gke_capacity,
    _gke_zones,
    _gke_maintenance,
    _gcp_log_retention,
    _backups_dual_region,
    _dr,
    _data_sync,
    _cross_cloud,
    _identity,
    _azure_pairs,
    _account_ids,
    _buckets,
    _budgets,
    _vpn,
    _names,
    _workloads,
    _dns,
    _reachability,
    _deployer,
)
