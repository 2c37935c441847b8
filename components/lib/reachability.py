"""Which private endpoints each network of the platform reaches, and by which path. Pure: settings (or a
recording's resources) in, plain records out; no resources, no cloud calls.

A network is one region of one cloud. Between two networks there is at most one private path:

- `same-network`: both ends in one VPC/VNet.
- `same-cloud`: two regions of one cloud: AWS inter-region VPC peering, Azure global VNet peering, GCP's one global
  VPC (`SAME_CLOUD_PATHS`). Never through another cloud: every region of a cloud shares its ASN, so BGP loop
  prevention drops a route to one's own cloud learned from another, and peerings are not transitive.
- `mesh`: two clouds, over the VPN leg between exactly those two regions. A peering carries nothing to the other
  region's VPN gateway (AWS VPC peering has no edge-to-edge routing, Azure peers use no remote gateway, GCP routing
  is regional and each Cloud Router advertises only its own region), so with `vpn.scope: primary` a secondary
  region has no path to another cloud: the model reports that as a blocker instead of guessing.

What the platform hands to another network (`uses`): the central Prometheus's federation scrapes, the logical
replication subscriptions, every database's connection secret in every cloud's store, and the Azure blob private
endpoints the other clouds' workloads read through identity federation. `check` gives each use its path or a
blocker; the plan prints it and its JSON carries it (`reachability`).

DNS: `Topology.resolves` says which private zones each network can resolve (`resolved_zones`): the private zones
linked to it (`linked_zones`: an Azure region its Flexible Server's zone) and the zones answering every name its
resolver forwards (`private_dns.resolvable_zones` of `settings.dns_plan()`). A use whose endpoint's name is in a zone
the source cannot resolve is reported `resolves=False` with a blocker: with `dns.enabled: false`, or a forwarding
rule missing, the blocker comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from itertools import combinations
from typing import Any, Literal

from .cidr import subnet_plan
from .naming import StackNames
from .private_dns import DnsPlan, resolvable_zones

Net = tuple[str, str]
"""(cloud, region): one network of the platform."""
PathKind = Literal["same-network", "same-cloud", "mesh"]
Purpose = Literal["scrape", "replication", "connection-secret", "blob", "deploy"]
EndpointKind = Literal["cluster-api", "database", "blob", "federation", "resolver"]

SAME_CLOUD_PATHS = {"aws": "VPC peering", "azure": "global VNet peering", "gcp": "global VPC"}
"""How two regions of one cloud reach each other."""
PORTS: dict[EndpointKind, int] = {"cluster-api": 443, "database": 5432, "blob": 443, "federation": 9090, "resolver": 53}
"""Port of each kind of private endpoint (PostgreSQL, HTTPS, Prometheus `FEDERATION_PORT`, DNS)."""
PURPOSES: dict[Purpose, str] = {
    "scrape": "federation scrapes (central Prometheus -> each cluster)",
    "replication": "replication (subscriber -> primary database)",
    "connection-secret": "connection secrets (every region -> every database)",
    "blob": "federated blob reads (other clouds -> Azure blob private endpoints)",
}
"""What each purpose of a use is, as the plan prints it."""


@dataclass(frozen=True)
class Endpoint:
    """A private endpoint in one network."""

    kind: EndpointKind
    net: Net
    zone: str | None = None
    """The private DNS zone its name lives in (None: addressed by IP or by a publicly resolvable name)."""

    @property
    def port(self) -> int:
        return PORTS[self.kind]

    @property
    def key(self) -> str:
        return f"{self.net[0]}/{self.net[1]}"


@dataclass(frozen=True)
class Path:
    """How one network reaches another."""

    kind: PathKind
    via: str
    """Readable: `aws VPC peering us-east-1<->us-west-2`, `mesh leg aws-gcp/us-east-1/us-central1`."""


@dataclass(frozen=True)
class Use:
    """One network using one endpoint of (usually) another."""

    purpose: Purpose
    source: Net
    endpoint: Endpoint


@dataclass(frozen=True)
class Verdict:
    """A use and its path, or why there is none."""

    use: Use
    path: Path | None
    blocker: str | None = None
    resolves: bool = True
    """False when the endpoint's private name is in a zone the source cannot resolve (the DNS hook)."""

    @property
    def ok(self) -> bool:
        return self.path is not None and self.resolves

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": f"{self.use.source[0]}/{self.use.source[1]}",
            "target": self.use.endpoint.key,
            "endpoint": self.use.endpoint.kind,
            "port": self.use.endpoint.port,
            "path": self.path.kind if self.path else None,
            "via": self.path.via if self.path else None,
            "resolves": self.resolves,
            "blocker": self.blocker,
        }


def _pair(a: Net, b: Net) -> frozenset[Net]:
    return frozenset((a, b))


@dataclass(frozen=True)
class Topology:
    """The platform's networks and the private links between them."""

    networks: Mapping[Net, IPv4Network]
    """Every network and its CIDR, primary cloud and region first."""
    same_cloud: frozenset[frozenset[Net]]
    """Region pairs of one cloud with a same-cloud path."""
    legs: Mapping[frozenset[Net], str]
    """Region pairs of two clouds with a VPN leg -> the leg's key."""
    resolves: Mapping[Net, frozenset[str]] = field(default_factory=dict)
    """DNS hook: private zones each network resolves (`linked_zones` by default; a missing network: none)."""

    def path(self, source: Net, target: Net) -> Path | None:
        """The private path from `source` to `target`, or None."""
        if source == target:
            return Path("same-network", f"inside {source[0]} {source[1]}")
        if source[0] == target[0]:
            if _pair(source, target) in self.same_cloud:
                a, b = sorted((source, target), key=self.order)
                return Path("same-cloud", f"{source[0]} {SAME_CLOUD_PATHS[source[0]]} {a[1]}<->{b[1]}")
            return None
        leg = self.legs.get(_pair(source, target))
        return Path("mesh", f"mesh leg {leg}") if leg else None

    def blocker(self, source: Net, target: Net) -> str:
        """Why `source` has no path to `target`."""
        src, dst = "/".join(source), "/".join(target)
        if source[0] == target[0]:
            return f"no same-cloud path between {src} and {dst} (a peering is missing)"
        if not self.legs:
            return f"no VPN mesh: {src} cannot reach {dst} (vpn.enabled)"
        return f"no VPN leg between {src} and {dst} (vpn.scope connects {self._scope_hint()})"

    def order(self, net: Net) -> int:
        return list(self.networks).index(net)

    def zones_of(self, net: Net) -> frozenset[str]:
        return self.resolves.get(net, frozenset())

    def _scope_hint(self) -> str:
        regions = {n for pair in self.legs for n in pair}
        return "only " + ", ".join(sorted("/".join(n) for n in regions))

    def check(self, uses: Iterable[Use]) -> list[Verdict]:
        """Each use with its path (or blocker) and whether its endpoint's name resolves at the source."""
        verdicts = []
        for use in uses:
            path = self.path(use.source, use.endpoint.net)
            zone = use.endpoint.zone
            resolves = zone is None or zone in self.zones_of(use.source)
            blocker = None if path else self.blocker(use.source, use.endpoint.net)
            if path and not resolves:
                blocker = f"{zone} does not resolve in {'/'.join(use.source)} (no DNS forwarding)"
            verdicts.append(Verdict(use, path, blocker, resolves))
        return verdicts


# --- from the settings -----------------------------------------------------------------------------------------


def topology(settings: Any) -> Topology:
    """The topology the settings ask for: every two regions of a cloud linked, the VPN mesh's legs."""
    networks = {(cloud, r.name): r.cidr for cloud, c in settings.clouds.enabled().items() for r in c.regions}
    same_cloud = frozenset(_pair(a, b) for a, b in combinations(networks, 2) if a[0] == b[0])
    legs = {
        _pair((leg.pair[0], leg.regions[0]), (leg.pair[1], leg.regions[1])): leg.key
        for leg in settings.mesh_plan().legs
    }
    return Topology(networks, same_cloud, legs, resolved_zones(settings))


def resolved_zones(settings: Any, dns: DnsPlan | None = None) -> dict[Net, frozenset[str]]:
    """The private zones each network resolves: those linked to it, and those its resolver's forwarding rules reach
    (`dns`, by default `settings.dns_plan()`, components/lib/private_dns.py; empty when `dns.enabled` is false or
    there is no mesh)."""
    zones = linked_zones(settings)
    for net, forwarded in resolvable_zones(settings.dns_plan() if dns is None else dns).items():
        zones[net] = zones.get(net, frozenset()) | forwarded
    return zones


def linked_zones(settings: Any) -> dict[Net, frozenset[str]]:
    """The private zones each network resolves with no forwarding: those linked to it."""
    zones: dict[Net, frozenset[str]] = {}
    for cloud, c in settings.clouds.enabled().items():
        for r in c.regions:
            zone = db_zone(settings, (cloud, r.name))
            zones[(cloud, r.name)] = frozenset({zone} if zone else set())
    return zones


def uses(settings: Any) -> list[Use]:
    """What the platform hands from one network to another, as the components build it."""
    enabled = settings.clouds.enabled()
    nets = [(cloud, r.name) for cloud, c in enabled.items() for r in c.regions]
    found: list[Use] = []
    workloads = settings.workloads
    if workloads.enabled and workloads.monitoring.enabled and nets:
        central = nets[0]  # the primary cloud's primary region hosts the central Prometheus
        found += [Use("scrape", central, Endpoint("federation", net)) for net in nets[1:]]
    clouds = list(enabled.items())
    if len(clouds) > 1:
        primary = (clouds[0][0], clouds[0][1].regions[0].name)
        # scripts.deploy replicate: every database of the other clouds subscribes to the primary's
        subscribers = [(cloud, r.name) for cloud, c in clouds[1:] for r in c.regions]
        found += [
            Use("replication", net, Endpoint("database", primary, zone=db_zone(settings, primary)))
            for net in subscribers
        ]
        # components.dr.connection_secrets: every database's connection in every cloud's store, read in every region
        found += [
            Use("connection-secret", source, Endpoint("database", target, zone=db_zone(settings, target)))
            for source in nets
            for target in nets
        ]
    trusts = settings.identity.trusts
    if "azure" in enabled:
        readers = {t.source for t in trusts if "azure" in t.targets}
        found += [
            Use("blob", source, Endpoint("blob", ("azure", r.name)))
            for source in nets
            if source[0] in readers
            for r in enabled["azure"].regions
        ]
    return found


def deployer_uses(settings: Any) -> list[Use]:
    """An in-network deployer (the runner in the primary AWS region's private subnets) using every cluster API;
    none for a deployer outside (it reaches public APIs over the internet, never a private path)."""
    d = settings.deployer
    nets = [(cloud, r.name) for cloud, c in settings.clouds.enabled().items() for r in c.regions]
    if d is None or d.position != "in-network" or not nets:
        return []
    # The runner's network: the primary AWS region; without AWS, the primary region of the first enabled cloud.
    runner: Net = ("aws", settings.clouds.aws.regions[0].name) if settings.clouds.aws.enabled else nets[0]
    return [Use("deploy", runner, Endpoint("cluster-api", net)) for net in nets]


def runner_ranges(settings: Any) -> list[str]:
    """The CIDRs the in-network runner's jobs come from: the private subnets of the primary AWS region (where
    components/aws/runner.py puts it); none for a deployer outside. Every cluster API admits exactly these."""
    d = settings.deployer
    if d is None or d.position != "in-network" or not settings.clouds.aws.enabled:
        return []
    primary = settings.clouds.aws.regions[0]
    return [str(net) for net in subnet_plan(primary.cidr, settings.network.availability_zones).private]


def deployer_verdicts(settings: Any, topo: Topology | None = None) -> list[Verdict]:
    """Each cluster API from the in-network deployer: its path or the blocker."""
    return (topo or topology(settings)).check(deployer_uses(settings))


def db_zone(settings: Any, net: Net) -> str | None:
    """The private zone of a database's name: Azure Flexible Server's FQDN resolves through the private
    `<server>.private.postgres.database.azure.com` zone linked to its VNet only (components/azure/postgres.py); RDS
    names resolve publicly to the private address and Cloud SQL is addressed by IP (None: nothing to forward). The
    server's name is a template (its stack-unique part is `?????`, lib/naming.py), as in the DNS plan."""
    if net[0] != "azure":
        return None
    server = StackNames(settings.name, settings.environment).postgres_server(net[1])
    return f"{server}.private.postgres.database.azure.com"


def check(settings: Any, topo: Topology | None = None) -> list[Verdict]:
    """Every use of the settings with its path or blocker (against `topo`, by default what the settings ask)."""
    return (topo or topology(settings)).check(uses(settings))


def report(verdicts: Iterable[Verdict]) -> dict[str, Any]:
    """The plan JSON's `reachability`: per purpose, every use with its path or blocker, and the counts."""
    by_purpose: dict[str, list[dict[str, Any]]] = {}
    for v in verdicts:
        by_purpose.setdefault(v.use.purpose, []).append(v.as_dict())
    return {
        purpose: {
            "uses": len(items),
            "routed": sum(1 for i in items if i["path"]),
            "blocked": sum(1 for i in items if i["blocker"]),
            "items": items,
        }
        for purpose, items in by_purpose.items()
    }


def print_report(verdicts: list[Verdict], write: Callable[[str], Any]) -> None:
    """The plan's short `reachability` section: per purpose the paths used (counted) and every blocker."""
    write("\nreachability (private paths of what one network hands to another)\n")
    for purpose, text in PURPOSES.items():
        group = [v for v in verdicts if v.use.purpose == purpose]
        if not group:
            continue
        counts: dict[str, int] = {}
        for v in group:
            if v.path:
                counts[v.path.kind] = counts.get(v.path.kind, 0) + 1
        paths = ", ".join(f"{kind} {n}" for kind, n in counts.items()) or "none"
        write(f"  {text}: {len(group)} uses; paths: {paths}\n")
        for v in group:
            if v.path and v.path.kind != "same-network" and purpose in ("scrape", "replication"):
                write(f"    {'/'.join(v.use.source)} -> {v.use.endpoint.key}:{v.use.endpoint.port}  {v.path.via}\n")
        blocked = [v for v in group if v.blocker]
        for v in blocked[:10]:
            write(f"    BLOCKED {'/'.join(v.use.source)} -> {v.use.endpoint.key}: {v.blocker}\n")
        if len(blocked) > 10:
            write(f"    ... {len(blocked) - 10} more blocked (plan --json: summary.reachability)\n")


# --- from a recording --------------------------------------------------------------------------------------------


def observed_same_cloud(resources: Iterable[Any], region_of: Callable[[Any], str]) -> frozenset[frozenset[Net]]:
    """The same-cloud links a recording's resources build, each only when it carries traffic both ways:

    - AWS: a peering requested in one region towards another, accepted there, and a route to the other side's VPC
      CIDR through it in every private route table of both sides;
    - Azure: a peering on each of the two VNets pointing at the other, with virtual network access;
    - GCP: node subnets of two regions in one VPC.

    `resources` have `type`, `name`, `id`, `inputs`; `region_of(resource)` is its provider's region."""
    items = list(resources)

    def of(token: str) -> list[Any]:
        return [r for r in items if r.type == token]

    links: set[frozenset[Net]] = set()
    vpcs = {v.id: (region_of(v), v.inputs.get("cidrBlock")) for v in of("aws:ec2/vpc:Vpc")}
    private_tables: dict[str, set[str]] = {}
    for table in of("aws:ec2/routeTable:RouteTable"):
        if "-private-" in table.name:
            private_tables.setdefault(region_of(table), set()).add(table.id)
    routes = of("aws:ec2/route:Route")
    accepted = {a.inputs.get("vpcPeeringConnectionId"): a for a in of(_ACCEPTER) if a.inputs.get("autoAccept")}
    for request in of("aws:ec2/vpcPeeringConnection:VpcPeeringConnection"):
        accepter = accepted.get(request.id)
        a, b = vpcs.get(request.inputs.get("vpcId")), vpcs.get(request.inputs.get("peerVpcId"))
        if accepter is None or a is None or b is None or request.inputs.get("peerRegion") != b[0]:
            continue
        if region_of(accepter) != b[0]:
            continue
        through = [r for r in routes if r.inputs.get("vpcPeeringConnectionId") == accepter.id]
        both_ways = all(
            {r.inputs.get("routeTableId") for r in through if r.inputs.get("destinationCidrBlock") == other[1]}
            >= private_tables.get(side[0], {"<none>"})
            for side, other in ((a, b), (b, a))
        )
        if both_ways:
            links.add(_pair(("aws", a[0]), ("aws", b[0])))
    vnets = {v.id: v for v in of("azure-native:network:VirtualNetwork")}
    by_name = {(v.inputs.get("resourceGroupName"), v.inputs.get("virtualNetworkName")): v for v in vnets.values()}
    directed = set()
    for peering in of("azure-native:network:VirtualNetworkPeering"):
        local = by_name.get((peering.inputs.get("resourceGroupName"), peering.inputs.get("virtualNetworkName")))
        remote = vnets.get((peering.inputs.get("remoteVirtualNetwork") or {}).get("id"))
        if local is not None and remote is not None and peering.inputs.get("allowVirtualNetworkAccess"):
            directed.add((local.inputs.get("location"), remote.inputs.get("location")))
    for a, b in directed:
        if (b, a) in directed and a < b:
            links.add(_pair(("azure", a), ("azure", b)))
    subnets: dict[str, set[str]] = {}
    for subnet in of("gcp:compute/subnetwork:Subnetwork"):
        subnets.setdefault(subnet.inputs.get("network"), set()).add(subnet.inputs.get("region"))
    for regions in subnets.values():
        links |= {_pair(("gcp", a), ("gcp", b)) for a, b in combinations(sorted(regions), 2)}
    return frozenset(links)


_ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
