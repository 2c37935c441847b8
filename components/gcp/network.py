"""One region's share of the platform's global VPC: a GKE subnet with pod and service ranges, Cloud Router and NAT."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network

import pulumi
import pulumi_gcp as gcp

from ..lib.cidr import gke_ranges

PODS_RANGE = "pods"
"""Name of the subnet's secondary range for pod IPs."""
SERVICES_RANGE = "services"
"""Name of the subnet's secondary range for ClusterIP services."""
# Cloud NAT dynamic port allocation (https://cloud.google.com/nat/docs/ports-and-addresses#dynamic-port): a VM starts
# with the minimum and doubles its allocation up to the maximum as its connections need; both must be powers of two,
# the minimum >= 32 and the maximum above it (<= 65536). Static allocation's default of 64 ports per VM is what a node
# running up to 110 pods exhausts (OUT_OF_RESOURCES drops on image pulls, STS and IAM calls; gcp review 13).
BGP_KEEPALIVE_SECONDS = 20
"""Cloud Router BGP keepalive (20-60 s, hold time three times it): the minimum, so a dead peer is dropped after 60 s
at most (BGP takes the smaller hold time of the two peers; Azure VPN gateways hold 180 s, so 60 s applies). HA VPN has
no BFD (https://cloud.google.com/network-connectivity/docs/router/concepts/bfd#bfd-limitations), so this is the fastest
failure detection a GCP BGP session over a tunnel gets, well inside the 5-minute RTO."""
NAT_MIN_PORTS_PER_VM = 128
"""Ports a node always holds: twice the static default (64), about one per pod at GKE's 110 pods per node."""
NAT_MAX_PORTS_PER_VM = 4096
"""Ports a node may grow to: 32 times the minimum; one NAT IP (64,512 ports) still serves 15 nodes at the maximum,
and AUTO_ONLY adds IPs as the nodes need them."""


@dataclass(frozen=True)
class GcpNetworkArgs:
    """Inputs of GcpNetwork."""

    project: str
    """Project of the network."""
    network_id: pulumi.Input[str]
    """The platform's global VPC (GcpGlobalNetwork)."""
    network_self_link: pulumi.Input[str]
    """Its self link."""
    network_name: pulumi.Input[str]
    """Its name."""
    private_services_range: pulumi.Input[str]
    """The region's private-services range in that VPC (resolves once the connection exists)."""
    region: str
    """Region of the subnet, router and NAT."""
    cidr: IPv4Network
    """The region's private CIDR; nodes, pods and services are carved from it (private services by the VPC)."""
    name_prefix: str
    """Prefix of the physical names (`<platform>-<env>-<region code>`)."""
    router_asn: int | None = None
    """BGP ASN of the Cloud Router (set by the VPN mesh; None until then)."""


class GcpNetwork(pulumi.ComponentResource):
    """The region's node subnet in the global VPC, carrying secondary ranges for pods and services, Private Google
    Access and flow logs; a Cloud Router with Cloud NAT for egress of the private nodes (dynamic port allocation,
    errors logged). The other regions' subnets route here natively (one VPC); private services access belongs to the
    VPC."""

    network_id: pulumi.Output[str]
    """Id of the platform's global VPC (`projects/<p>/global/networks/<name>`)."""
    network_self_link: pulumi.Output[str]
    """Self link of the VPC."""
    network_name: pulumi.Output[str]
    """Name of the VPC."""
    subnet_id: pulumi.Output[str]
    """Id of the node subnet."""
    subnet_self_link: pulumi.Output[str]
    """Self link of the node subnet."""
    router_name: pulumi.Output[str]
    """Name of the Cloud Router (NAT today; BGP sessions of the VPN mesh later)."""
    private_services_range: pulumi.Output[str]
    """Name of the private-services range; resolves once the peering exists (Cloud SQL waits for it)."""
    pods_range_name: str
    """Secondary range of the pods."""
    services_range_name: str
    """Secondary range of the services."""

    def __init__(self, name: str, args: GcpNetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:Network", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        ranges = gke_ranges(args.cidr)
        subnet = gcp.compute.Subnetwork(
            f"{name}-subnet",
            name=f"{args.name_prefix}-gke",
            project=args.project,
            region=args.region,
            network=args.network_id,
            ip_cidr_range=str(ranges["nodes"]),
            secondary_ip_ranges=[
                {"range_name": PODS_RANGE, "ip_cidr_range": str(ranges["pods"])},
                {"range_name": SERVICES_RANGE, "ip_cidr_range": str(ranges["services"])},
            ],
            private_ip_google_access=True,
            stack_type="IPV4_ONLY",
            log_config={
                "aggregation_interval": "INTERVAL_5_SEC",
                "flow_sampling": 0.5,
                "metadata": "INCLUDE_ALL_METADATA",
            },
            opts=child,
        )
        router = gcp.compute.Router(
            f"{name}-router",
            name=f"{args.name_prefix}-router",
            project=args.project,
            region=args.region,
            network=args.network_id,
            bgp={"asn": args.router_asn, "keepalive_interval": BGP_KEEPALIVE_SECONDS}
            if args.router_asn is not None
            else None,
            opts=child,
        )
        gcp.compute.RouterNat(
            f"{name}-nat",
            name=f"{args.name_prefix}-nat",
            project=args.project,
            region=args.region,
            router=router.name,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
            subnetworks=[{"name": subnet.self_link, "source_ip_ranges_to_nats": ["ALL_IP_RANGES"]}],
            log_config={"enable": True, "filter": "ERRORS_ONLY"},
            enable_dynamic_port_allocation=True,
            # Endpoint-independent mapping and dynamic port allocation are mutually exclusive (same page,
            # "Dynamic port allocation"): it is off, explicitly.
            enable_endpoint_independent_mapping=False,
            min_ports_per_vm=NAT_MIN_PORTS_PER_VM,
            max_ports_per_vm=NAT_MAX_PORTS_PER_VM,
            opts=child,
        )
        self.network_id = pulumi.Output.from_input(args.network_id)
        self.network_self_link = pulumi.Output.from_input(args.network_self_link)
        self.network_name = pulumi.Output.from_input(args.network_name)
        self.subnet_id = subnet.id
        self.subnet_self_link = subnet.self_link
        self.router_name = router.name
        self.private_services_range = pulumi.Output.from_input(args.private_services_range)
        self.pods_range_name = PODS_RANGE
        self.services_range_name = SERVICES_RANGE
        self.register_outputs(
            {
                "network_id": self.network_id,
                "network_self_link": self.network_self_link,
                "subnet_id": self.subnet_id,
                "router_name": self.router_name,
            }
        )
