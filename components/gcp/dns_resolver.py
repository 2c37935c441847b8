"""One GCP region's Cloud DNS side of the cross-cloud DNS: an inbound server policy on the region's VPC and a
private forwarding zone per name the other regions host."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from ..lib.private_dns import Forward, Resolver, rule_key


@dataclass(frozen=True)
class GcpDnsResolverArgs:
    """Inputs of GcpDnsResolver."""

    resolver: Resolver
    """The region's DNS subnet and inbound address (`PlatformSettings.dns_plan()`)."""
    forwards: Sequence[Forward]
    """The other regions' names and their inbound addresses."""
    project: str
    region: str
    network_id: pulumi.Input[str]
    """The region's VPC (`projects/<p>/global/networks/<name>`)."""
    name_prefix: str
    """`<platform>-<environment>-<region code>`."""
    labels: dict[str, str]


class GcpDnsResolver(pulumi.ComponentResource):
    """A dedicated /28 DNS subnet with the inbound address reserved in it (purpose `DNS_RESOLVER`), an inbound
    server policy with query logging on the VPC (the other clouds forward to that address), and one private
    forwarding zone per name another region hosts, visible to the VPC, forwarding over the VPC (`private` path:
    the targets are reached through the VPN tunnels, from 35.199.192.0/19, which the Cloud Router advertises)."""

    inbound_ip: str
    """The inbound address in the DNS subnet."""
    zone_domains: list[str]
    """The DNS names of the forwarding zones (trailing dot)."""

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
        address = gcp.compute.Address(
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
        gcp.dns.Policy(
            f"{name}-inbound-policy",
            name=f"{prefix}-inbound",
            project=args.project,
            description="Answers the other clouds' forwarded queries for this VPC's names",
            enable_inbound_forwarding=True,
            enable_logging=True,
            networks=[{"network_url": args.network_id}],
            # the policy allocates its forwarder addresses from the subnets that exist when it is created
            opts=pulumi.ResourceOptions(parent=self, depends_on=[address]),
        )
        self.zone_domains = []
        for forward in args.forwards:
            domain = forward.domain.rstrip(".") + "."
            zone_name = re.sub(r"-+$", "", f"{prefix}-fwd-{rule_key(forward.domain)}"[:63])
            gcp.dns.ManagedZone(
                f"{name}-fwd-{rule_key(forward.domain)}",
                name=zone_name,
                project=args.project,
                dns_name=domain,
                description=f"Forwards {forward.domain} to {forward.cloud} {forward.region}",
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
        self.register_outputs({"inbound_ip": self.inbound_ip, "zone_domains": self.zone_domains})
