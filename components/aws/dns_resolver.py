"""One AWS region's Route 53 Resolver: inbound and outbound endpoints and the forwarding rules of the other
regions' private names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..lib.naming import filled
from ..lib.private_dns import DNS_PORT, Forward, Resolver, rule_key


@dataclass(frozen=True)
class AwsDnsResolverArgs:
    """Inputs of AwsDnsResolver."""

    resolver: Resolver
    """The region's endpoint addresses and their reservations (`PlatformSettings.dns_plan()`)."""
    forwards: Sequence[Forward]
    """The other regions' names and their inbound addresses."""
    vpc_id: pulumi.Input[str]
    """The region's VPC (the rules are associated with it)."""
    private_subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets in zone order (the endpoints use the first two)."""
    source_cidrs: Sequence[str]
    """Where queries come from and go to: the platform CIDRs (plus Cloud DNS's forwarder range)."""
    tags: dict[str, str]
    """Tags of every resource."""
    suffix: pulumi.Input[str]
    """The stack-unique part the forwarded domains' templates take (lib/naming.py)."""


class AwsDnsResolver(pulumi.ComponentResource):
    """An explicit CIDR reservation at the top of two private subnets (so no ENI or pod takes the fixed addresses),
    a security group admitting DNS (53 tcp/udp) from the platform only, an inbound endpoint at the planned
    addresses (what the other regions forward to), an outbound endpoint, and one FORWARD rule per name another
    region hosts, associated with the region's VPC."""

    inbound_ips: list[str]
    """The inbound endpoint's addresses."""
    rule_domains: list[pulumi.Input[str]]
    """The domains forwarded from this region."""

    def __init__(self, name: str, args: AwsDnsResolverArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:aws:DnsResolver", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        r = args.resolver
        reservations = [
            aws.ec2.SubnetCidrReservation(
                f"{name}-reservation-{i}",
                subnet_id=subnet_id,
                cidr_block=str(block),
                reservation_type="explicit",
                description="Route 53 Resolver endpoint addresses",
                opts=child,
            )
            for i, (subnet_id, block) in enumerate(zip(args.private_subnet_ids, r.subnets, strict=False))
        ]
        sources = list(args.source_cidrs)
        ingress: list[aws.ec2.SecurityGroupIngressArgsDict] = [
            {"protocol": p, "from_port": DNS_PORT, "to_port": DNS_PORT, "cidr_blocks": sources, "description": "DNS"}
            for p in ("udp", "tcp")
        ]
        egress: list[aws.ec2.SecurityGroupEgressArgsDict] = [
            {"protocol": p, "from_port": DNS_PORT, "to_port": DNS_PORT, "cidr_blocks": sources, "description": "DNS"}
            for p in ("udp", "tcp")
        ]
        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            name=f"{name}-dns",
            description="Route 53 Resolver endpoints: DNS from and to the platform networks",
            vpc_id=args.vpc_id,
            ingress=ingress,
            egress=egress,
            tags={**args.tags, "Name": f"{name}-dns"},
            opts=child,
        )
        after_reservations = pulumi.ResourceOptions(parent=self, depends_on=reservations)

        def addresses(ips: Sequence[str]) -> list[aws.route53.ResolverEndpointIpAddressArgsDict]:
            return [{"subnet_id": s, "ip": ip} for s, ip in zip(args.private_subnet_ids, ips, strict=False)]

        inbound, outbound = (
            aws.route53.ResolverEndpoint(
                f"{name}-{direction.lower()}",
                name=f"{name}-{direction.lower()}",
                direction=direction,
                resolver_endpoint_type="IPV4",
                protocols=["Do53"],
                security_group_ids=[group.id],
                ip_addresses=addresses(ips),
                tags={**args.tags, "Name": f"{name}-{direction.lower()}"},
                opts=after_reservations,
            )
            for direction, ips in (("INBOUND", r.inbound), ("OUTBOUND", r.outbound))
        )
        for forward in args.forwards:
            key = rule_key(forward.domain)
            rule = aws.route53.ResolverRule(
                f"{name}-rule-{key}",
                name=f"{name}-{key}"[:64],
                domain_name=filled(forward.domain, args.suffix),
                rule_type="FORWARD",
                resolver_endpoint_id=outbound.id,
                target_ips=[{"ip": ip, "port": DNS_PORT, "protocol": "Do53"} for ip in forward.targets],
                tags={**args.tags, "Name": f"{name}-{key}"[:64], "hosted-by": f"{forward.cloud}-{forward.region}"},
                opts=child,
            )
            aws.route53.ResolverRuleAssociation(
                f"{name}-rule-{key}-vpc", resolver_rule_id=rule.id, vpc_id=args.vpc_id, opts=child
            )
        self.inbound_ips = list(r.inbound)
        self.rule_domains = [filled(f.domain, args.suffix) for f in args.forwards]
        self.register_outputs({"inbound_ips": self.inbound_ips, "inbound_endpoint_id": inbound.id})
