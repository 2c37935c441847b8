"""The cross-cloud private DNS plan: where each region's resolver endpoints sit (static addresses, so every
forwarding target is known at plan time), which private names each region hosts, and what every other region
forwards where. Pure: no resources, no SDKs.

A name is forwarded to the resolver of the region that hosts it, and only there: that resolver answers from the
private zones linked to its own network (an Azure region's Flexible Server and blob zones, an AWS region's EKS
endpoint zone). Names are forwarded from every other region with a resolver, the same cloud's other regions
included, so a second Azure region resolves the first one's `privatelink` names without linking one zone
everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network

from .cidr import gke_ranges, nth_subnet, subnet_plan
from .naming import StackNames, stem

GCP_FORWARDER_SOURCE = "35.199.192.0/19"
"""Where Cloud DNS sends queries to private forwarding targets from: the other clouds must route it back over the
mesh and admit it on 53 (https://cloud.google.com/dns/docs/zones/forwarding-zones#firewall-rules)."""
DNS_PORT = 53

AWS_ENDPOINT_ZONES = 2
"""Zones (private subnets) each Route 53 Resolver endpoint has an address in: the minimum of two, in two
availability zones (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-forwarding-inbound-queries.html)."""
AWS_RESERVATION_PREFIX = 28
"""The explicit CIDR reservation at the top of each private subnet that holds the endpoint addresses, so that no
ENI or pod of the VPC CNI takes them (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-cidr-reservation.html)."""
AZURE_BLOCK_PREFIX = 27
"""An Azure region's resolver block: two /28 subnets, inbound then outbound, each delegated to
`Microsoft.Network/dnsResolvers` (/28 is the smallest subnet an endpoint takes:
https://learn.microsoft.com/azure/dns/dns-private-resolver-overview#subnet-restrictions)."""
GCP_SUBNET_PREFIX = 28
"""The GCP region's dedicated DNS subnet, the last /28 of the region's free `reserved` quarter."""


@dataclass(frozen=True)
class Resolver:
    """One region's resolver endpoints."""

    cloud: str
    region: str
    inbound: tuple[str, ...]
    """Inbound addresses: what the other regions forward to."""
    outbound: tuple[str, ...]
    """Outbound addresses chosen here (AWS; Azure's outbound endpoint takes one from its subnet; GCP forwards
    from 35.199.192.0/19)."""
    subnets: tuple[IPv4Network, ...]
    """AWS: the reservation of each endpoint zone; Azure: inbound then outbound subnet; GCP: the DNS subnet."""


@dataclass(frozen=True)
class HostedName:
    """A private name one region hosts and the other regions forward."""

    domain: str
    """The name clients query (what forwarding rules match)."""
    cloud: str
    region: str
    private_zone: str
    """The private zone that answers it in the hosting region."""
    purpose: str


@dataclass(frozen=True)
class Forward:
    """One forwarding rule of a region: `domain` goes to `targets` (the hosting region's inbound addresses)."""

    domain: str
    targets: tuple[str, ...]
    cloud: str
    """Hosting cloud."""
    region: str
    """Hosting region."""


@dataclass(frozen=True)
class DnsPlan:
    """Resolvers and hosted names of one stack."""

    resolvers: Mapping[tuple[str, str], Resolver]
    names: tuple[HostedName, ...]

    def resolver(self, cloud: str, region: str) -> Resolver | None:
        return self.resolvers.get((cloud, region))

    def forwards_from(self, cloud: str, region: str) -> list[Forward]:
        """What (cloud, region) forwards: every name hosted by another region that has a resolver. Every GCP region
        forwards the same names, through the one set of forwarding zones on the stack's global VPC."""
        if (cloud, region) not in self.resolvers:
            return []
        return [
            Forward(n.domain, self.resolvers[(n.cloud, n.region)].inbound, n.cloud, n.region)
            for n in self.names
            if (n.cloud, n.region) != (cloud, region) and (n.cloud, n.region) in self.resolvers
        ]


def aws_resolver(cidr: IPv4Network, zones: int) -> tuple[tuple[IPv4Network, ...], tuple[str, ...], tuple[str, ...]]:
    """Reservations (the last /28 of the first two private subnets), inbound addresses (the 5th of each) and
    outbound addresses (the 6th): AWS keeps the first four and the last address of a subnet, none of which
    is the 5th or 6th address of its last /28."""
    private = subnet_plan(cidr, zones).private[:AWS_ENDPOINT_ZONES]
    blocks = tuple(nth_subnet(s, AWS_RESERVATION_PREFIX, -1) for s in private)
    return blocks, tuple(str(b[4]) for b in blocks), tuple(str(b[5]) for b in blocks)


def azure_resolver_block(cidr: IPv4Network) -> IPv4Network:
    """Default resolver block of an Azure region: the /27 right after `GatewaySubnet` (the second /24 of the
    VNet's second half starts with the gateway's /27; see components/azure/network.py `azure_subnet_plan`)."""
    _, rest = cidr.subnets(prefixlen_diff=1)
    return nth_subnet(nth_subnet(rest, 24, 1), AZURE_BLOCK_PREFIX, 1)


def gcp_dns_subnet(cidr: IPv4Network) -> IPv4Network:
    """Default DNS subnet of a GCP region: the last /28 of the region's `reserved` quarter (left free)."""
    return nth_subnet(gke_ranges(cidr)["reserved"], GCP_SUBNET_PREFIX, -1)


def resolver(cloud: str, region: str, cidr: IPv4Network, zones: int, block: IPv4Network | None = None) -> Resolver:
    """The resolver of one region (`block`: the configured Azure /27 or GCP /28, else the default)."""
    if cloud == "aws":
        blocks, inbound, outbound = aws_resolver(cidr, zones)
        return Resolver(cloud, region, inbound, outbound, blocks)
    if cloud == "azure":
        inbound_subnet, outbound_subnet = (block or azure_resolver_block(cidr)).subnets(new_prefix=28)
        # Azure keeps the first four and the last address of a subnet: the 5th is the first one it hands out.
        return Resolver(cloud, region, (str(inbound_subnet[4]),), (), (inbound_subnet, outbound_subnet))
    subnet = block or gcp_dns_subnet(cidr)
    # GCP keeps the first two and the last two addresses of a subnet's primary range.
    return Resolver(cloud, region, (str(subnet[2]),), (), (subnet,))


def hosted_names(cloud: str, region: str, names: StackNames, private_endpoints: bool) -> list[HostedName]:
    """The private names one region hosts that the other clouds are handed (connection secrets, blob endpoints,
    private cluster API servers). A server's or account's name is a template (lib/naming.py `SUFFIX`): the
    components fill it (`naming.filled`) where a resource takes the domain."""
    if cloud == "azure":
        server, account = names.postgres_server(region), names.storage_account(region)
        hosted = [
            # The server's FQDN is a public CNAME to `<server>.private.postgres.database.azure.com`, the private
            # zone linked to the region's VNet (https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-networking-private#private-dns-zone-and-virtual-network-peering).
            HostedName(
                f"{server}.postgres.database.azure.com",
                cloud,
                region,
                f"{server}.private.postgres.database.azure.com",
                "PostgreSQL Flexible Server (connection secrets)",
            ),
            # `<account>.blob.core.windows.net` CNAMEs to `<account>.privatelink.blob.core.windows.net`
            # (https://learn.microsoft.com/azure/private-link/private-endpoint-dns#storage).
            HostedName(
                f"{account}.blob.core.windows.net",
                cloud,
                region,
                "privatelink.blob.core.windows.net",
                "blob private endpoint (federated backups)",
            ),
        ]
        if private_endpoints:
            # A private AKS API server with `private_dns_zone: system` (https://learn.microsoft.com/azure/aks/private-clusters).
            zone = f"privatelink.{region}.azmk8s.io"
            hosted.append(HostedName(zone, cloud, region, zone, "private AKS API server"))
        return hosted
    if cloud == "aws" and private_endpoints:
        # EKS answers a private-only endpoint from a Route 53 private hosted zone it associates with the cluster's
        # VPC (https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html).
        domain = f"{region}.eks.amazonaws.com"
        return [HostedName(domain, cloud, region, f"{domain} (EKS-managed private hosted zone)", "private EKS API")]
    # GCP hands out addresses, not names: Cloud SQL's private IP and the GKE private endpoint's IP.
    return []


def plan_dns(
    regions: Mapping[str, Sequence[tuple[str, IPv4Network]]],
    *,
    names: StackNames,
    zones: int,
    private_endpoints: bool,
    blocks: Mapping[str, IPv4Network] | None = None,
) -> DnsPlan:
    """The plan for the regions given (cloud -> [(region, cidr)], those taking part in the mesh); `blocks` are the
    configured resolver ranges by `<cloud>/<region>`."""
    blocks = blocks or {}
    resolvers = {
        (cloud, region): resolver(cloud, region, cidr, zones, blocks.get(f"{cloud}/{region}"))
        for cloud, items in regions.items()
        for region, cidr in items
    }
    hosted = tuple(
        n
        for cloud, items in regions.items()
        for region, _ in items
        for n in hosted_names(cloud, region, names, private_endpoints)
    )
    return DnsPlan(resolvers=resolvers, names=hosted)


def rule_key(domain: str) -> str:
    """A resource-name key of a forwarded domain, without the stack-unique part of a template
    (`flowprodeus?????.blob.core.windows.net` -> `flowprodeus-blob`, `privatelink.eastus.azmk8s.io` ->
    `privatelink-eastus-azmk8s`)."""
    labels = stem(domain).rstrip(".").split(".")
    return "-".join(labels[:3] if labels[0] == "privatelink" else labels[:2])


def resolvable_zones(plan: DnsPlan) -> dict[tuple[str, str], frozenset[str]]:
    """The private zones each region with a resolver can resolve through its forwarding rules: the zone that answers
    each name it forwards (the reachability model's DNS facts, `components/lib/reachability.py`)."""
    zones: dict[tuple[str, str], frozenset[str]] = {}
    for cloud, region in plan.resolvers:
        domains = {f.domain for f in plan.forwards_from(cloud, region)}
        zones[(cloud, region)] = frozenset(n.private_zone for n in plan.names if n.domain in domains)
    return zones
