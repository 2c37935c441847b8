"""The platform's one GCP VPC: global, a subnet per region (added by each region), private services access for every
region's Cloud SQL, and the firewall rules for the other regions and the other clouds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network

import pulumi
import pulumi_gcp as gcp

from ..lib.cidr import gke_ranges

PRIVATE_SERVICES_PEERING = "servicenetworking-googleapis-com"
"""Name of the VPC peering `servicenetworking.Connection` creates (Cloud SQL's private IPs live behind it)."""

PEER_PORTS = ("443", "5432")
"""What the other regions and clouds may open towards GCP's nodes: HTTPS (APIs, ingress) and PostgreSQL (logical
replication). The internal federation load balancers get their own rules from GKE (`loadBalancerSourceRanges`)."""


@dataclass(frozen=True)
class GcpRegionRange:
    """One region's share of the global VPC."""

    region: str
    """GCP region."""
    cidr: IPv4Network
    """The region's CIDR (its subnet and private-services range are carved from it)."""
    name_prefix: str
    """`<platform>-<env>-<region code>`: prefix of the region's physical names."""


@dataclass(frozen=True)
class GcpGlobalNetworkArgs:
    """Inputs of GcpGlobalNetwork."""

    project: str
    """Project of the network."""
    network_name: str
    """Physical name of the VPC."""
    regions: Sequence[GcpRegionRange]
    """The stack's GCP regions, primary first."""
    peer_cidrs: Sequence[str]
    """CIDRs of the other clouds' regions reached over the VPN mesh (empty: no mesh, no peer rule)."""


class GcpGlobalNetwork(pulumi.ComponentResource):
    """A custom-mode VPC shared by every GCP region of the stack: subnet routes are global, so two regions reach each
    other inside the network with no peering, gateway or other cloud in between (Google's recommended design,
    https://cloud.google.com/architecture/best-practices-vpc-design). Dynamic routing stays REGIONAL: each region's
    Cloud Router has its own tunnels to every peer region it serves, and a region never sends another cloud's traffic
    through another region's tunnels. BGP best-path selection is set to STANDARD deliberately (the network's
    `routingConfig.bgpBestPathSelectionMode`, https://cloud.google.com/compute/docs/reference/rest/v1/networks;
    standard BGP ordering, AS-path length included, instead of the LEGACY default), and the import policies of the
    BGP peers (connectivity/gcp_side.py) drop what a third cloud re-advertises in the first place.

    One private-services connection holds every region's reserved range (a network has one connection per service,
    https://cloud.google.com/vpc/docs/configure-private-services-access), so every Cloud SQL instance is reachable
    from every region; it exports the VPN-learned routes so the databases answer the other clouds. Firewall: the
    other GCP regions and the other clouds on PEER_PORTS and ICMP, logged."""

    network_id: pulumi.Output[str]
    """Id of the VPC (`projects/<p>/global/networks/<name>`)."""
    network_self_link: pulumi.Output[str]
    """Self link of the VPC."""
    network_name: pulumi.Output[str]
    """Name of the VPC."""
    private_services_ranges: dict[str, pulumi.Output[str]]
    """Each region's private-services range name; resolves once the connection exists (Cloud SQL waits for it)."""

    def __init__(self, name: str, args: GcpGlobalNetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:GlobalNetwork", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        regions = ", ".join(r.region for r in args.regions)
        network = gcp.compute.Network(
            f"{name}-vpc",
            name=args.network_name,
            project=args.project,
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            bgp_best_path_selection_mode="STANDARD",
            description=f"{args.network_name}: one subnet per region ({regions}), private services of each",
            opts=child,
        )
        ranges = []
        for r in args.regions:
            private_services = gke_ranges(r.cidr)["private_services"]
            ranges.append(
                gcp.compute.GlobalAddress(
                    f"{name}-psa-{r.region}",
                    name=f"{r.name_prefix}-psa",
                    project=args.project,
                    network=network.id,
                    purpose="VPC_PEERING",
                    address_type="INTERNAL",
                    address=str(private_services.network_address),
                    prefix_length=private_services.prefixlen,
                    description=f"Private services access in {r.region} (Cloud SQL private IP)",
                    opts=child,
                )
            )
        connection = gcp.servicenetworking.Connection(
            f"{name}-psa",
            network=network.id,
            service="servicenetworking.googleapis.com",
            reserved_peering_ranges=[r.name for r in ranges],
            # Cloud SQL releases its producer resources asynchronously, so deleting the connection right after
            # the instances is refused; REMOVE_PEERING then drops the peering so the network can be deleted.
            deletion_policy="REMOVE_PEERING",
            opts=child,
        )
        if args.peer_cidrs:
            gcp.compute.NetworkPeeringRoutesConfig(
                f"{name}-psa-routes",
                project=args.project,
                # Waits for the connection, i.e. for the peering itself.
                network=pulumi.Output.all(network.name, connection.id).apply(lambda v: str(v[0])),
                peering=PRIVATE_SERVICES_PEERING,
                export_custom_routes=True,
                import_custom_routes=False,
                opts=child,
            )
            self._allow(name, "peers", args, network, args.peer_cidrs, "Peer clouds over the VPN mesh")
        if len(args.regions) > 1:
            own = [str(r.cidr) for r in args.regions]
            self._allow(name, "regions", args, network, own, "The platform's other GCP regions, inside the VPC")
        self.network_id = network.id
        self.network_self_link = network.self_link
        self.network_name = network.name
        self.private_services_ranges = {
            r.region: pulumi.Output.all(address.name, connection.id).apply(lambda v: str(v[0]))
            for r, address in zip(args.regions, ranges, strict=True)
        }
        self.register_outputs({"network_id": self.network_id, "network_self_link": self.network_self_link})

    def _allow(
        self,
        name: str,
        what: str,
        args: GcpGlobalNetworkArgs,
        network: gcp.compute.Network,
        sources: Sequence[str],
        description: str,
    ) -> None:
        """A logged INGRESS rule admitting `sources` on PEER_PORTS and ICMP (`<network>-<what>`)."""
        gcp.compute.Firewall(
            f"{name}-{what}",
            name=f"{args.network_name}-{what}",
            project=args.project,
            network=network.id,
            direction="INGRESS",
            priority=1000,
            source_ranges=list(sources),
            allows=[{"protocol": "tcp", "ports": list(PEER_PORTS)}, {"protocol": "icmp"}],
            log_config={"metadata": "INCLUDE_ALL_METADATA"},
            description=f"{description}: HTTPS and PostgreSQL only",
            opts=pulumi.ResourceOptions(parent=self),
        )
