"""Addresses of the cross-cloud VPN mesh: which legs exist, the inside /30 of every tunnel and every
region's BGP ASN. Pure and deterministic; no resources.

Every tunnel has a fixed slot computed from where it sits, never from what else exists: its cloud pair,
the position of each of its two regions in their cloud's region list and its tunnel number. So adding a
cloud, or appending a region, never moves an existing tunnel's addresses (only reordering a cloud's
regions does). Each pair draws from a range every cloud on it accepts:

- AWS <-> Azure and Azure <-> GCP: Azure's custom APIPA range 169.254.21.0-169.254.22.255 (the only BGP
  addresses an Azure VPN gateway takes), AWS <-> Azure in 169.254.21.0/24, Azure <-> GCP in 169.254.22.0/25;
  169.254.22.128/25 is left for pinned tunnels.
- AWS <-> GCP: 169.254.32.0/24, clear of the /30s AWS reserves (169.254.<0-5>.0/30 and 169.254.169.252/30).

The pair's first cloud takes the first host of each /30 and the other the second: on an AWS tunnel that is
what AWS itself assigns from `tunnelN_inside_cidr` (the AWS side .1, the customer side .2).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from itertools import product

MAX_REGIONS = 4
"""Regions per cloud the fixed slot layout holds."""

PAIRS: tuple[tuple[str, str], ...] = (("aws", "azure"), ("aws", "gcp"), ("azure", "gcp"))
"""Cloud pairs in canonical order; a leg's first cloud takes the first host of each /30."""

TUNNELS_PER_LEG: dict[tuple[str, str], int] = {("aws", "azure"): 4, ("aws", "gcp"): 4, ("azure", "gcp"): 2}
"""Two AWS VPN connections (2 tunnels each) per AWS leg; one tunnel per HA VPN interface to Azure."""

POOLS: dict[tuple[str, str], IPv4Network] = {
    ("aws", "azure"): IPv4Network("169.254.21.0/24"),
    ("aws", "gcp"): IPv4Network("169.254.32.0/24"),
    ("azure", "gcp"): IPv4Network("169.254.22.0/25"),
}
"""Where each pair's allocated /30s come from (each holds MAX_REGIONS**2 legs of tunnels)."""

AZURE_APIPA = (IPv4Network("169.254.21.0/24"), IPv4Network("169.254.22.0/24"))
"""The only range Azure VPN gateways accept as custom BGP (APIPA) addresses."""

LINK_LOCAL = IPv4Network("169.254.0.0/16")
AWS_RESERVED = (*(IPv4Network(f"169.254.{i}.0/30") for i in range(6)), IPv4Network("169.254.169.252/30"))
"""Inside CIDRs AWS refuses for VPN tunnels."""


class TunnelPlanError(ValueError):
    """A mesh the clouds cannot build: `problems` holds (key path, message) pairs, one per problem
    (a pinned /30 outside its pair's range, overlapping tunnels, too many regions...)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))
        self.problems = problems


@dataclass(frozen=True)
class Tunnel:
    """One IPsec tunnel with one BGP session over its inside /30."""

    key: str
    """`<cloud>-<cloud>/<region>/<region>/<n>`: stable, readable, what `vpn.pinned` refers to."""
    pair: tuple[str, str]
    number: int
    """Tunnel number within its leg (0-based)."""
    inside_cidr: IPv4Network
    pinned: bool = False

    def address(self, cloud: str) -> IPv4Address:
        """BGP address of `cloud`'s side: the pair's first cloud takes the first host."""
        first, second = list(self.inside_cidr.hosts())
        return first if cloud == self.pair[0] else second

    @property
    def azure_instance(self) -> int | None:
        """Which instance of an active-active Azure gateway terminates the tunnel: AWS connection n//2 goes to
        Azure public IP n//2; HA VPN interface n to Azure public IP n. None without Azure."""
        if "azure" not in self.pair:
            return None
        return self.number // 2 if self.pair == ("aws", "azure") else self.number


@dataclass(frozen=True)
class Leg:
    """The tunnels between one region of one cloud and one region of another."""

    pair: tuple[str, str]
    regions: tuple[str, str]
    """Region names, in the pair's cloud order."""
    positions: tuple[int, int]
    """Index of each region in its cloud's region list."""
    tunnels: tuple[Tunnel, ...]

    @property
    def key(self) -> str:
        """`<cloud>-<cloud>/<region>/<region>`."""
        return f"{self.pair[0]}-{self.pair[1]}/{self.regions[0]}/{self.regions[1]}"

    def region(self, cloud: str) -> str:
        """This leg's region of `cloud`."""
        return self.regions[self.pair.index(cloud)]


@dataclass(frozen=True)
class MeshPlan:
    """Every leg of the mesh and every region's ASN."""

    legs: tuple[Leg, ...]
    asns: Mapping[tuple[str, str], int] = field(default_factory=dict)
    """(cloud, region) -> BGP ASN."""

    def tunnels(self) -> Iterator[Tunnel]:
        """Every tunnel, leg by leg."""
        for leg in self.legs:
            yield from leg.tunnels

    def legs_of(self, cloud: str, region: str) -> list[Leg]:
        """The legs one region takes part in."""
        return [leg for leg in self.legs if cloud in leg.pair and leg.region(cloud) == region]

    def azure_bgp_addresses(self, region: str) -> tuple[list[str], list[str]]:
        """Custom APIPA addresses of instance 0 and instance 1 of the Azure gateway in `region`."""
        instances: tuple[list[str], list[str]] = ([], [])
        for leg in self.legs_of("azure", region):
            for tunnel in leg.tunnels:
                instances[tunnel.azure_instance or 0].append(str(tunnel.address("azure")))
        return instances


def allocated_cidr(pair: tuple[str, str], positions: tuple[int, int], number: int) -> IPv4Network:
    """The fixed /30 of one tunnel: a pure function of where it sits in the mesh."""
    per_leg = TUNNELS_PER_LEG[pair]
    if not all(0 <= p < MAX_REGIONS for p in positions) or not 0 <= number < per_leg:
        raise ValueError(f"no slot for {pair} regions {positions} tunnel {number}")
    slot = (positions[0] * MAX_REGIONS + positions[1]) * per_leg + number
    return IPv4Network((int(POOLS[pair].network_address) + 4 * slot, 30))


def allowed_ranges(pair: tuple[str, str]) -> tuple[IPv4Network, ...]:
    """Where a tunnel of `pair` may sit (Azure's APIPA range if Azure is on it, else link-local)."""
    return AZURE_APIPA if "azure" in pair else (LINK_LOCAL,)


def plan_mesh(
    regions: Mapping[str, Sequence[str]],
    scope: str = "all",
    asns: Mapping[str, int] | None = None,
    pinned: Mapping[str, IPv4Network] | None = None,
) -> MeshPlan:
    """The mesh between the enabled clouds' regions (`{cloud: [region, ...]}`, primary region first):
    every region pair across clouds (`scope="all"`) or the primary regions only (`"primary"`).
    Raises TunnelPlanError listing every pin that cannot work and every overlap."""
    unused = dict(pinned or {})
    problems: list[tuple[str, str]] = []
    for cloud, names in regions.items():
        if len(names) > MAX_REGIONS and scope == "all":
            problems.append(
                (f"clouds.{cloud}.regions", f"{len(names)} regions in the VPN mesh; allowed: up to {MAX_REGIONS}")
            )
    if problems:
        raise TunnelPlanError(problems)
    legs: list[Leg] = []
    for pair in PAIRS:
        if not all(regions.get(cloud) for cloud in pair):
            continue
        first, second = (list(regions[c]) if scope == "all" else list(regions[c])[:1] for c in pair)
        for (i, a), (j, b) in product(enumerate(first), enumerate(second)):
            tunnels = []
            for n in range(TUNNELS_PER_LEG[pair]):
                key = f"{pair[0]}-{pair[1]}/{a}/{b}/{n}"
                cidr = unused.pop(key, None)
                tunnels.append(Tunnel(key, pair, n, cidr or allocated_cidr(pair, (i, j), n), pinned=cidr is not None))
            legs.append(Leg(pair, (a, b), (i, j), tuple(tunnels)))
    problems += [(f"vpn.pinned.{key}", "names no tunnel of the mesh; allowed: a key the plan lists") for key in unused]
    plan = MeshPlan(tuple(legs), _asns(regions, asns or {}))
    problems += _pin_problems(plan)
    if problems:
        raise TunnelPlanError(problems)
    return plan


def _asns(regions: Mapping[str, Sequence[str]], asns: Mapping[str, int]) -> dict[tuple[str, str], int]:
    """Every region of a cloud shares the cloud's ASN: BGP loop prevention then drops a route of one's own cloud
    learned through another, so traffic between two regions of a cloud never transits a third cloud's VPN (Azure
    gateways and AWS VGWs re-advertise what they learn), and an ASN never depends on a region's position."""
    return {(cloud, region): asns[cloud] for cloud in asns for region in regions.get(cloud, ())}


def _pin_problems(plan: MeshPlan) -> Iterator[tuple[str, str]]:
    """Every pinned /30 fits its pair's clouds; no two tunnels share an address (allocated /30s never do)."""
    seen: list[Tunnel] = []
    for tunnel in plan.tunnels():
        cidr, path = tunnel.inside_cidr, f"vpn.pinned.{tunnel.key}"
        if tunnel.pinned:
            ranges = allowed_ranges(tunnel.pair)
            if cidr.prefixlen != 30:
                yield path, f"{cidr} is a /{cidr.prefixlen}; allowed: a /30"
            elif not any(cidr.subnet_of(r) for r in ranges):
                yield path, f"{cidr} is outside {' and '.join(map(str, ranges))}; allowed: a /30 inside"
            elif "aws" in tunnel.pair and any(cidr.overlaps(r) for r in AWS_RESERVED):
                yield path, f"{cidr} is reserved by AWS; allowed: another /30 in {ranges[0]}"
        for other in seen:
            if cidr.overlaps(other.inside_cidr):
                culprit, victim = (tunnel, other) if tunnel.pinned else (other, tunnel)
                yield (
                    f"vpn.pinned.{culprit.key}",
                    f"{culprit.inside_cidr} overlaps {victim.inside_cidr} of tunnel {victim.key}; allowed: a free /30",
                )
        seen.append(tunnel)
