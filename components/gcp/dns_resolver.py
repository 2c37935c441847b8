"""The GCP side of the cross-cloud DNS. The stack has one global VPC (GcpGlobalNetwork), so the Cloud DNS side is
bound once to it: one inbound server policy and one private forwarding zone per name another cloud hosts
(GcpDnsForwarding, built by the platform), and each GCP region of the mesh keeps its own /28 DNS subnet with the
inbound address reserved in it (GcpDnsResolver). No DNS peering zones: every GCP region is in that one VPC."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from ..lib.naming import filled
from ..lib.private_dns import Forward, Resolver, rule_key


@dataclass(frozen=True)
class GcpDnsResolverArgs:
    """Inputs of GcpDnsResolver."""

    resolver: Resolver
    """The region's DNS subnet and inbound address (`PlatformSettings.dns_plan()`)."""
    project: str
    region: str
    network_id: pulumi.Input[str]
    """The stack's global VPC (`projects/<p>/global/networks/<name>`)."""
    name_prefix: str
    """`<platform>-<environment>-<region code>`."""
    labels: dict[str, str]


class GcpDnsResolver(pulumi.ComponentResource):
    """One GCP region's share of the cross-cloud DNS: a dedicated /28 DNS subnet of the global VPC with the inbound
    address reserved in it (purpose `DNS_RESOLVER`), where the inbound server policy (GcpDnsForwarding) answers the
    other clouds' forwarded queries."""

    inbound_ip: str
    """The inbound address in the DNS subnet."""
    address: gcp.compute.Address
    """The reserved inbound address (the server policy waits for it)."""

    def __init__(self, name: str, args: GcpDnsResolverArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:DnsResolver", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = args.name_prefix
        (subnet_range,) = args.resolver.subnets
        subnet = gcp.compute.Subnetwork(
            f"{name}-subnet",
            name=f"{prefix}-dns",
            project=args.project,
            region=args.region,
            network=args.network_id,
            ip_cidr_range=str(subnet_range),
            private_ip_google_access=True,
            stack_type="IPV4_ONLY",
            description="Cloud DNS inbound forwarder address (cross-cloud DNS)",
            opts=child,
        )
        self.inbound_ip = args.resolver.inbound[0]
        self.address = gcp.compute.Address(
            f"{name}-inbound",
            name=f"{prefix}-dns-inbound",
            project=args.project,
            region=args.region,
            address_type="INTERNAL",
            purpose="DNS_RESOLVER",
            subnetwork=subnet.id,
            address=self.inbound_ip,
            description="Inbound server policy address the other clouds forward to",
            labels=args.labels,
            opts=child,
        )
        self.register_outputs({"inbound_ip": self.inbound_ip})


@dataclass(frozen=True)
class GcpDnsForwardingArgs:
    """Inputs of GcpDnsForwarding."""

    forwards: Sequence[Forward]
    """The names the other clouds host and their inbound addresses (the same for every GCP region)."""
    project: str
    network_id: pulumi.Input[str]
    """The stack's global VPC (`projects/<p>/global/networks/<name>`)."""
    name_prefix: str
    """`<platform>-<environment>`."""
    labels: dict[str, str]
    suffix: pulumi.Input[str]
    """The stack-unique part the forwarded domains' templates take (lib/naming.py)."""
    addresses: Sequence[pulumi.Resource] = ()
    """The regions' reserved inbound addresses: the policy is created after them."""


class GcpDnsForwarding(pulumi.ComponentResource):
    """Cloud DNS bound once to the global VPC: an inbound server policy with query logging (the other clouds
    forward to the regions' reserved addresses) and one private forwarding zone per name another cloud hosts,
    visible to the VPC, forwarding over the VPC (`private` path: the targets are reached through the VPN tunnels,
    from 35.199.192.0/19, which every GCP region's Cloud Router advertises)."""

    zone_domains: list[pulumi.Input[str]]
    """The DNS names of the forwarding zones (trailing dot)."""

    def __init__(self, name: str, args: GcpDnsForwardingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:DnsForwarding", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = args.name_prefix
        gcp.dns.Policy(
            f"{name}-inbound-policy",
            name=f"{prefix}-inbound",
            project=args.project,
            description="Answers the other clouds' forwarded queries for the VPC's names",
            enable_inbound_forwarding=True,
            enable_logging=True,
            networks=[{"network_url": args.network_id}],
            # the policy allocates its forwarder addresses from the subnets that exist when it is created
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.addresses)),
        )
        self.zone_domains = []
        for forward in args.forwards:
            domain = filled(forward.domain.rstrip(".") + ".", args.suffix)
            zone_name = re.sub(r"-+$", "", f"{prefix}-fwd-{rule_key(forward.domain)}"[:63])
            gcp.dns.ManagedZone(
                f"{name}-fwd-{rule_key(forward.domain)}",
                name=zone_name,
                project=args.project,
                dns_name=domain,
                description=pulumi.Output.concat(
                    "Forwards ", filled(forward.domain, args.suffix), f" to {forward.cloud} {forward.region}"
                ),
                visibility="private",
                private_visibility_config={"networks": [{"network_url": args.network_id}]},
                forwarding_config={
                    "target_name_servers": [
                        {"ipv4_address": ip, "forwarding_path": "private"} for ip in forward.targets
                    ]
                },
                labels=args.labels,
                opts=child,
            )
            self.zone_domains.append(domain)
        self.register_outputs({"zone_domains": self.zone_domains})
