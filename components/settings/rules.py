"""Cross-field rules: what no single field can check on its own.

Each rule yields `Problem`s naming the key path it is about, so a bad stack file gets one clear line
per problem. Rules only run once every field is individually valid.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import ip_network
from itertools import combinations

from ..lib.naming import InvalidNameError, StackNames
from ..lib.tunnels import TUNNELS_PER_LEG, MeshPlan, TunnelPlanError
from . import catalog
from .durations import format_duration
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
            if name in names[:i]:
                yield Problem(
                    f"clouds.{cloud}.regions[{i}].name", f"region {name} is listed twice; allowed: each region once"
                )


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
            if pool.system and (pool.capacity == "spot" or pool.gpu or pool.min_size < 1):
                yield Problem(path, "a system pool must be on-demand, non-GPU and keep at least one node")
            if cloud == "gcp" and pool.gpu and pool.instance_types[0] not in catalog.GKE_GPU_MACHINES:
                yield Problem(
                    f"{path}.instance_types",
                    f"{pool.instance_types[0]} has no attached GPU; allowed: {', '.join(catalog.GKE_GPU_MACHINES)}",
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


def _endpoint(s: PlatformSettings) -> Iterator[Problem]:
    if s.kubernetes.public_endpoint and not s.kubernetes.public_access_cidrs:
        yield Problem(
            "kubernetes.public_access_cidrs",
            "empty while public_endpoint is true; allowed: the CIDRs that may reach the API",
        )
    for i, cidr in enumerate(s.kubernetes.public_access_cidrs):
        if cidr.prefixlen == 0:
            yield Problem(
                f"kubernetes.public_access_cidrs[{i}]", f"{cidr} opens the API to the internet; allowed: specific CIDRs"
            )


def _postgres(s: PlatformSettings) -> Iterator[Problem]:
    if s.clouds.azure.enabled and s.postgres.ha and s.postgres.tier.azure.startswith("B_"):
        yield Problem(
            "postgres.tier.azure",
            f"{s.postgres.tier.azure} is Burstable, which has no high availability; allowed: GP_ or MO_ with ha: true",
        )
    if s.postgres.max_storage_gb < s.postgres.storage_gb:
        yield Problem(
            "postgres.max_storage_gb",
            f"{s.postgres.max_storage_gb} is below storage_gb {s.postgres.storage_gb}; allowed: >= storage_gb",
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


def _azure_pairs(s: PlatformSettings) -> Iterator[Problem]:
    if not (s.is_prod and s.clouds.azure.enabled):
        return
    for i, region in enumerate(s.clouds.azure.regions):
        if region.name not in catalog.AZURE_PAIRED_REGIONS:
            yield Problem(
                f"clouds.azure.regions[{i}].name",
                f"{region.name} has no known paired region for geo-redundant backups in prod; "
                f"allowed: {', '.join(sorted(catalog.AZURE_PAIRED_REGIONS))}",
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
    enabled = set(s.clouds.enabled())
    if b.shares is not None:
        if set(b.shares) != enabled:
            yield Problem("budgets.shares", f"names {', '.join(sorted(b.shares))}; allowed: exactly the enabled "
                          f"clouds ({', '.join(sorted(enabled))})")
        elif abs(sum(b.shares.values()) - 1) > 0.001:
            yield Problem("budgets.shares", f"add up to {sum(b.shares.values()):g}; allowed: 1")
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
                yield Problem(f"clouds.{cloud}.regions[{i}].name", f"{err} (shorten name or the region code)")


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
        if quantity(request) > quantity(limit):
            yield Problem(f"workloads.api.resources.{what}_limit", f"{limit} is below the {what} request ({request})")


_UNITS = {"m": 0.001, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


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
    if not blocked:
        return
    first = blocked[0]
    example = f"{first.use.purpose} {'/'.join(first.use.source)} -> {first.use.endpoint.key}"
    sources = sorted({"/".join(v.use.source) for v in blocked})
    yield Problem(
        "vpn.scope",
        f"{s.vpn.scope} in prod leaves {len(blocked)} private uses without a path (e.g. {example}; from "
        f"{', '.join(sources)}); allowed: all, or one region per cloud (clouds.<cloud>.regions)",
    )


RULES = (
    _clouds,
    _cidrs,
    _pools,
    _prod,
    _endpoint,
    _postgres,
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
    _reachability,
)
