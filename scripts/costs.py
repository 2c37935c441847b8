"""Monthly cost estimate of a recorded plan, per cloud and for the stack, from a dated list-price table.

What is priced: what runs whether or not anyone uses it (control planes, nodes at their desired size, databases
with their HA standby and provisioned storage, NAT and VPN gateways, tunnels, reserved public IPs, the
Cloudflare load balancer). Usage-based charges (object storage, egress, requests, logs) are left out, as are
discounts (savings plans, committed use) and taxes. It is a budgeting aid, not a quote.

A resource whose SKU the table lacks is reported in `unpriced`; a test keeps every SKU of the committed stack
files priced.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from .offline import Recording, Registration

PRICES_DATE = "2026-11"
"""When the list prices below were taken (on-demand, Linux, US regions: us-east-1, eastus, us-central1)."""
HOURS_PER_MONTH = 730

HOURLY: dict[str, dict[str, float]] = {
    "aws": {
        # EC2 instances
        "m5.large": 0.096,
        "m5a.large": 0.086,
        "m6i.large": 0.096,
        "m5.xlarge": 0.192,
        "g5.xlarge": 1.006,
        "p3.2xlarge": 3.06,
        # RDS for PostgreSQL, single-AZ (multi-AZ doubles)
        "db.t4g.medium": 0.065,
        "db.r6g.large": 0.225,
        "db.r6g.xlarge": 0.45,
        # fixed-price services
        "eks-control-plane": 0.10,
        "nat-gateway": 0.045,
        "vpn-connection": 0.05,
        "public-ipv4": 0.005,
        # Route 53 Resolver: per endpoint IP address (ENI) and hour (https://aws.amazon.com/route53/pricing/)
        "resolver-endpoint-ip": 0.125,
    },
    "azure": {
        "Standard_D2s_v3": 0.096,
        "Standard_D4s_v3": 0.192,
        "Standard_D8s_v3": 0.384,
        "Standard_NC6s_v3": 3.06,
        "Standard_NC4as_T4_v3": 0.526,
        # Flexible Server compute (zone-redundant HA doubles)
        "flex:Standard_B1ms": 0.017,
        "flex:Standard_B2ms": 0.068,
        "flex:Standard_D2s_v3": 0.178,
        "flex:Standard_D4s_v3": 0.356,
        "flex:Standard_D8s_v3": 0.712,
        "aks-standard-tier": 0.10,
        "aks-free-tier": 0.0,
        "VpnGw1AZ": 0.361,
        "VpnGw2AZ": 0.63,
        "VpnGw3AZ": 1.16,
        "public-ipv4": 0.005,
    },
    "gcp": {
        "e2-standard-2": 0.067,
        "e2-standard-4": 0.134,
        "c2-standard-8": 0.4176,
        "g2-standard-8": 0.854,
        "gke-control-plane": 0.10,
        # Cloud SQL Enterprise: per vCPU and per GiB of memory (REGIONAL doubles)
        "cloudsql-vcpu": 0.0413,
        "cloudsql-gib": 0.007,
        "cloud-nat": 0.044,
        "vpn-tunnel": 0.05,
        "public-ipv4": 0.005,
    },
}
"""On-demand hourly list prices in USD."""
MONTHLY: dict[str, float] = {
    "aws:rds-gp3-gib": 0.115,
    "azure:flex-storage-gib": 0.115,
    "gcp:cloudsql-ssd-gib": 0.17,
    # DNS Private Resolver: per endpoint and per ruleset (https://azure.microsoft.com/pricing/details/dns/)
    "azure:dns-resolver-endpoint": 180.0,
    "azure:dns-forwarding-ruleset": 2.5,
    # Cloud DNS: per managed zone, the first 25 of a project (https://cloud.google.com/dns/pricing)
    "gcp:dns-managed-zone": 0.20,
    # CloudWatch: per standard-resolution alarm metric (https://aws.amazon.com/cloudwatch/pricing/)
    "aws:cloudwatch-alarm": 0.10,
    "cloudflare:load-balancer": 5.0,
    "cloudflare:extra-origin": 5.0,
}
"""Monthly list prices in USD (storage per GiB; Cloudflare: a load balancer with two origins, then per origin)."""
PER_GB: dict[str, float] = {
    # Inter-region VPC peering: no hourly charge; the standard inter-region data transfer rate, charged at the
    # sending side (us-east-1 <-> us-west-2: $0.02/GB). https://aws.amazon.com/vpc/pricing/ and
    # https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer
    "aws:inter-region-peering-gb": 0.02,
    # Global VNet peering, zone 1 <-> zone 1: $0.035/GB outbound at the source plus $0.035/GB inbound at the
    # destination. https://azure.microsoft.com/pricing/details/virtual-network/
    "azure:global-vnet-peering-gb": 0.07,
    # One global VPC: VM-to-VM data transfer between regions within Northern America, per GiB, at the source.
    # https://cloud.google.com/vpc/network-pricing
    "gcp:inter-region-gib": 0.02,
}
"""Usage prices of the same-cloud cross-region paths, USD per GB crossing (both ends' charges together). Not in the
monthly total (usage-based); printed next to it. The AWS alternative, a Transit Gateway per region with peering,
would add $0.05 per attachment-hour and $0.02/GB processed (https://aws.amazon.com/transit-gateway/pricing/)."""
SPOT_FACTOR = {"aws": 0.35, "azure": 0.2, "gcp": 0.3}
"""Typical spot/preemptible price as a fraction of on-demand (varies by market; an estimate)."""


@dataclass(frozen=True)
class Line:
    """One priced resource."""

    cloud: str
    resource: str
    sku: str
    monthly: float


@dataclass
class CostEstimate:
    """The monthly estimate of one stack."""

    lines: list[Line] = field(default_factory=list)
    unpriced: list[tuple[str, str]] = field(default_factory=list)
    """(resource name, SKU) the table has no price for."""
    per_gb: list[Line] = field(default_factory=list)
    """Usage-priced same-cloud paths: `monthly` holds the price per GB crossing (not added to the total)."""

    def by_cloud(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for line in self.lines:
            totals[line.cloud] = totals.get(line.cloud, 0.0) + line.monthly
        return totals

    @property
    def total(self) -> float:
        return sum(line.monthly for line in self.lines)


class _Pricer:
    def __init__(self, estimate: CostEstimate):
        self.estimate = estimate

    def hourly(self, r: Registration, cloud: str, sku: str, count: float = 1.0, factor: float = 1.0) -> None:
        price = HOURLY[cloud].get(sku)
        if price is None:
            self.estimate.unpriced.append((r.name, f"{cloud}:{sku}"))
            return
        if price and count:  # a free tier or a pool at zero adds no line
            self.estimate.lines.append(Line(cloud, r.name, sku, price * count * factor * HOURS_PER_MONTH))

    def monthly(self, r: Registration, cloud: str, sku: str, quantity: float) -> None:
        self.estimate.lines.append(Line(cloud, r.name, sku, MONTHLY[sku] * quantity))


def estimate(recording: Recording) -> CostEstimate:
    """The monthly estimate of every priced resource the recording registers."""
    result = CostEstimate()
    pricer = _Pricer(result)
    zones = _gke_zones(recording)
    for r in recording.resources:
        price = PRICERS.get(r.type)
        if price is not None:
            price(pricer, r, zones)
    _cloudflare_origins(pricer, recording)
    result.per_gb = _same_cloud_paths(recording)
    return result


def _same_cloud_paths(recording: Recording) -> list[Line]:
    """One usage line per same-cloud cross-region path: each AWS peering (its requester), each Azure VNet pair (its
    two peerings count once), the GCP VPC when it spans more than one region."""
    lines = [
        Line("aws", r.name, "aws:inter-region-peering-gb", PER_GB["aws:inter-region-peering-gb"])
        for r in recording.of_type("aws:ec2/vpcPeeringConnection:VpcPeeringConnection")
    ]
    azure = recording.of_type("azure-native:network:VirtualNetworkPeering")
    lines += [
        Line("azure", r.name, "azure:global-vnet-peering-gb", PER_GB["azure:global-vnet-peering-gb"])
        for r in azure
        if r.name.endswith("-to-second")
    ]
    by_network: dict[str, set[str]] = {}
    for subnet in recording.of_type("gcp:compute/subnetwork:Subnetwork"):
        by_network.setdefault(str(subnet.inputs.get("network")), set()).add(str(subnet.inputs.get("region")))
    lines += [
        Line("gcp", network, "gcp:inter-region-gib", PER_GB["gcp:inter-region-gib"])
        for network, regions in by_network.items()
        if len(regions) > 1
    ]
    return lines


def _gke_zones(recording: Recording) -> dict[str, int]:
    """Provider URN -> zones of that region's GKE cluster (a regional node pool's count is per zone)."""
    return {
        c.provider_urn: len(c.inputs.get("nodeLocations") or []) or 3
        for c in recording.of_type("gcp:container/cluster:Cluster")
    }


def _node_group(p: _Pricer, r: Registration, _: Any) -> None:
    spot = r.inputs.get("capacityType") == "SPOT"
    p.hourly(r, "aws", r.inputs["instanceTypes"][0], r.inputs["scalingConfig"]["desiredSize"], _spot("aws", spot))


def _rds(p: _Pricer, r: Registration, _: Any) -> None:
    copies = 2 if r.inputs.get("multiAz") else 1
    p.hourly(r, "aws", r.inputs["instanceClass"], copies)
    p.monthly(r, "aws", "aws:rds-gp3-gib", float(r.inputs.get("allocatedStorage") or 0) * copies)


def _aks(p: _Pricer, r: Registration, _: Any) -> None:
    tier = (r.inputs.get("sku") or {}).get("tier", "Free")
    p.hourly(r, "azure", "aks-standard-tier" if tier in ("Standard", "Premium") else "aks-free-tier")
    for pool in r.inputs.get("agentPoolProfiles") or []:
        spot = pool.get("scaleSetPriority") == "Spot"
        p.hourly(r, "azure", pool["vmSize"], pool.get("count") or 0, _spot("azure", spot))


def _agent_pool(p: _Pricer, r: Registration, _: Any) -> None:
    spot = r.inputs.get("scaleSetPriority") == "Spot"
    p.hourly(r, "azure", r.inputs["vmSize"], r.inputs.get("count") or 0, _spot("azure", spot))


def _flexible_server(p: _Pricer, r: Registration, _: Any) -> None:
    copies = 2 if (r.inputs.get("highAvailability") or {}).get("mode") in ("ZoneRedundant", "SameZone") else 1
    p.hourly(r, "azure", "flex:" + r.inputs["sku"]["name"], copies)
    p.monthly(r, "azure", "azure:flex-storage-gib", float(r.inputs["storage"]["storageSizeGB"]) * copies)


def _node_pool(p: _Pricer, r: Registration, zones: dict[str, int]) -> None:
    config = r.inputs.get("nodeConfig") or {}
    count = float(r.inputs.get("nodeCount") or r.inputs.get("initialNodeCount") or 0) * zones.get(r.provider_urn, 3)
    p.hourly(r, "gcp", config.get("machineType", "e2-medium"), count, _spot("gcp", bool(config.get("spot"))))


_CUSTOM_TIER = re.compile(r"db-custom-(\d+)-(\d+)")


def _cloud_sql(p: _Pricer, r: Registration, _: Any) -> None:
    settings = r.inputs["settings"]
    copies = 2 if settings.get("availabilityType") == "REGIONAL" else 1
    match = _CUSTOM_TIER.fullmatch(settings["tier"])
    if not match:
        p.estimate.unpriced.append((r.name, f"gcp:{settings['tier']}"))
        return
    vcpus, mib = int(match[1]), int(match[2])
    p.hourly(r, "gcp", "cloudsql-vcpu", vcpus * copies)
    p.hourly(r, "gcp", "cloudsql-gib", mib / 1024 * copies)
    p.monthly(r, "gcp", "gcp:cloudsql-ssd-gib", float(settings.get("diskSize") or 10) * copies)


def _fixed(cloud: str, sku: str) -> Callable[[_Pricer, Registration, Any], None]:
    return lambda p, r, _: p.hourly(r, cloud, sku)


def _vnet_gateway(p: _Pricer, r: Registration, _: Any) -> None:
    p.hourly(r, "azure", r.inputs["sku"]["name"])


def _cloudflare_lb(p: _Pricer, r: Registration, _: Any) -> None:
    p.monthly(r, "cloudflare", "cloudflare:load-balancer", 1)


def _cloudflare_origins(p: _Pricer, recording: Recording) -> None:
    """The origins beyond the two the load balancer includes, counted over all its pools (one pool per region now,
    so a per-pool count would miss most of them); billed on the first pool."""
    pools = recording.of_type("cloudflare:index/loadBalancerPool:LoadBalancerPool")
    extra = max(0, sum(len(r.inputs.get("origins") or []) for r in pools) - 2)
    if extra:
        p.monthly(pools[0], "cloudflare", "cloudflare:extra-origin", extra)


def _resolver_endpoint(p: _Pricer, r: Registration, _: Any) -> None:
    p.hourly(r, "aws", "resolver-endpoint-ip", len(r.inputs.get("ipAddresses") or []))


def _monthly(sku: str) -> Callable[[_Pricer, Registration, Any], None]:
    cloud = sku.split(":")[0]
    return lambda p, r, _: p.monthly(r, cloud, sku, 1)


def _spot(cloud: str, spot: bool) -> float:
    return SPOT_FACTOR[cloud] if spot else 1.0


PRICERS: dict[str, Callable[[_Pricer, Registration, Any], None]] = {
    "aws:eks/cluster:Cluster": _fixed("aws", "eks-control-plane"),
    "aws:eks/nodeGroup:NodeGroup": _node_group,
    "aws:rds/instance:Instance": _rds,
    "aws:ec2/natGateway:NatGateway": _fixed("aws", "nat-gateway"),
    "aws:ec2/vpnConnection:VpnConnection": _fixed("aws", "vpn-connection"),
    "aws:ec2/eip:Eip": _fixed("aws", "public-ipv4"),
    "azure-native:containerservice:ManagedCluster": _aks,
    "azure-native:containerservice:AgentPool": _agent_pool,
    "azure-native:dbforpostgresql:Server": _flexible_server,
    "azure-native:network:VirtualNetworkGateway": _vnet_gateway,
    "azure-native:network:PublicIPAddress": _fixed("azure", "public-ipv4"),
    "gcp:container/cluster:Cluster": _fixed("gcp", "gke-control-plane"),
    "gcp:container/nodePool:NodePool": _node_pool,
    "gcp:sql/databaseInstance:DatabaseInstance": _cloud_sql,
    "gcp:compute/routerNat:RouterNat": _fixed("gcp", "cloud-nat"),
    "gcp:compute/vPNTunnel:VPNTunnel": _fixed("gcp", "vpn-tunnel"),
    "gcp:compute/address:Address": _fixed("gcp", "public-ipv4"),
    "aws:route53/resolverEndpoint:ResolverEndpoint": _resolver_endpoint,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _monthly("aws:cloudwatch-alarm"),
    "azure-native:dnsresolver:InboundEndpoint": _monthly("azure:dns-resolver-endpoint"),
    "azure-native:dnsresolver:OutboundEndpoint": _monthly("azure:dns-resolver-endpoint"),
    "azure-native:dnsresolver:DnsForwardingRuleset": _monthly("azure:dns-forwarding-ruleset"),
    "gcp:dns/managedZone:ManagedZone": _monthly("gcp:dns-managed-zone"),
    "cloudflare:index/loadBalancer:LoadBalancer": _cloudflare_lb,
}
"""How each priced resource type turns into lines."""


def print_estimate(result: CostEstimate, out: IO[str], monthly_budget: float | None = None) -> None:
    """The estimate per cloud and in total (USD per month), against the stack's monthly budget."""
    print(
        f"\nmonthly cost estimate (USD, list prices of {PRICES_DATE}, {HOURS_PER_MONTH} h; "
        "usage-based charges excluded)",
        file=out,
    )
    for cloud, amount in sorted(result.by_cloud().items()):
        print(f"  {cloud:<12} {amount:>12,.0f}", file=out)
    print(f"  {'total':<12} {result.total:>12,.0f}", file=out)
    if monthly_budget is not None:
        share = result.total / monthly_budget
        verdict = "within" if share <= 1 else "OVER"
        print(f"  {verdict} budgets.monthly {monthly_budget:,.0f} ({share:.0%} before usage)", file=out)
    if result.per_gb:
        paths = ", ".join(f"{line.cloud} {line.sku.split(':')[1]} ${line.monthly:.3f}" for line in result.per_gb)
        print(f"  per GB between regions of one cloud (usage, not in the total): {paths}", file=out)
    for name, sku in result.unpriced:
        print(f"  unpriced: {name} ({sku}): add it to scripts/costs.py", file=out)
