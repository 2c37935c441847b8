"""One Azure region's DNS Private Resolver: inbound and outbound endpoints in their own delegated subnets and a
forwarding ruleset, linked to the region's VNet, for the names the other regions host."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native

from ..lib.naming import filled, stem
from ..lib.private_dns import DNS_PORT, Forward, Resolver

RESOLVER_DELEGATION = "Microsoft.Network/dnsResolvers"
"""The delegation both endpoint subnets need; nothing else may live in them
(https://learn.microsoft.com/azure/dns/dns-private-resolver-overview#subnet-restrictions)."""


@dataclass(frozen=True)
class AzureDnsResolverArgs:
    """Inputs of AzureDnsResolver."""

    resolver: Resolver
    """The region's inbound address and its two /28 subnets (`PlatformSettings.dns_plan()`)."""
    forwards: Sequence[Forward]
    """The other regions' names and their inbound addresses."""
    resource_group_name: pulumi.Input[str]
    location: str
    vnet_id: pulumi.Input[str]
    """The region's VNet (the resolver's network and the ruleset's link)."""
    vnet_name: pulumi.Input[str]
    after_subnet_id: pulumi.Input[str]
    """The VNet's last subnet: subnets of one VNet are written one after another (AnotherOperationInProgress)."""
    name_prefix: str
    """`<platform>-<environment>-<region code>`."""
    tags: dict[str, str]
    suffix: pulumi.Input[str]
    """The stack-unique part the forwarded domains' templates take (lib/naming.py)."""


class AzureDnsResolver(pulumi.ComponentResource):
    """Inbound and outbound /28 subnets delegated to `Microsoft.Network/dnsResolvers`, the resolver on the VNet,
    an inbound endpoint at the planned static address, an outbound endpoint, and a forwarding ruleset on it with
    one rule per name another region hosts, linked to the VNet (so AKS and anything on Azure DNS use it)."""

    inbound_ip: str
    """The inbound endpoint's static address."""
    rule_domains: list[pulumi.Input[str]]
    """The domains forwarded from this region (trailing dot, as Azure stores them)."""
    last_subnet: pulumi.Resource
    """The last of its subnets (they are written after `after_subnet_id`, one after another): what a later write of
    the VNet (a peering) waits for."""

    def __init__(self, name: str, args: AzureDnsResolverArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:azure:DnsResolver", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        rg, location, prefix = args.resource_group_name, args.location, args.name_prefix
        inbound_range, outbound_range = args.resolver.subnets
        previous: pulumi.Input[str] = args.after_subnet_id
        subnets = {}
        for role, cidr in (("inbound", inbound_range), ("outbound", outbound_range)):
            subnets[role] = azure_native.network.Subnet(
                f"{name}-subnet-{role}",
                subnet_name=f"dns-{role}",
                resource_group_name=rg,
                virtual_network_name=args.vnet_name,
                # the previous subnet's id orders the writes (a data dependency, as depends_on takes resources)
                address_prefix=pulumi.Output.from_input(previous).apply(_constant(str(cidr))),
                delegations=[{"name": "dns-resolvers", "service_name": RESOLVER_DELEGATION}],
                opts=child,
            )
            previous = subnets[role].id
        resolver = azure_native.dnsresolver.DnsResolver(
            f"{name}-resolver",
            dns_resolver_name=f"{prefix}-dns",
            resource_group_name=rg,
            location=location,
            virtual_network={"id": args.vnet_id},
            tags=args.tags,
            opts=child,
        )
        self.last_subnet = subnets["outbound"]
        self.inbound_ip = args.resolver.inbound[0]
        azure_native.dnsresolver.InboundEndpoint(
            f"{name}-inbound",
            inbound_endpoint_name="inbound",
            dns_resolver_name=resolver.name,
            resource_group_name=rg,
            location=location,
            ip_configurations=[
                {
                    "subnet": {"id": subnets["inbound"].id},
                    "private_ip_allocation_method": "Static",
                    "private_ip_address": self.inbound_ip,
                }
            ],
            tags=args.tags,
            opts=child,
        )
        outbound = azure_native.dnsresolver.OutboundEndpoint(
            f"{name}-outbound",
            outbound_endpoint_name="outbound",
            dns_resolver_name=resolver.name,
            resource_group_name=rg,
            location=location,
            subnet={"id": subnets["outbound"].id},
            tags=args.tags,
            opts=child,
        )
        ruleset = azure_native.dnsresolver.DnsForwardingRuleset(
            f"{name}-ruleset",
            dns_forwarding_ruleset_name=f"{prefix}-dns-rules",
            resource_group_name=rg,
            location=location,
            dns_resolver_outbound_endpoints=[{"id": outbound.id}],
            tags=args.tags,
            opts=child,
        )
        self.rule_domains = []
        for forward in args.forwards:
            key = stem(forward.domain).replace(".", "-")[:80]
            domain = filled(forward.domain.rstrip(".") + ".", args.suffix)
            azure_native.dnsresolver.ForwardingRule(
                f"{name}-rule-{key}",
                forwarding_rule_name=key,
                dns_forwarding_ruleset_name=ruleset.name,
                resource_group_name=rg,
                domain_name=domain,
                forwarding_rule_state="Enabled",
                target_dns_servers=[{"ip_address": ip, "port": DNS_PORT} for ip in forward.targets],
                metadata={"hosted-by": f"{forward.cloud}-{forward.region}"},
                opts=child,
            )
            self.rule_domains.append(domain)
        azure_native.dnsresolver.PrivateResolverVirtualNetworkLink(
            f"{name}-ruleset-link",
            virtual_network_link_name=f"{prefix}-vnet",
            dns_forwarding_ruleset_name=ruleset.name,
            resource_group_name=rg,
            virtual_network={"id": args.vnet_id},
            opts=child,
        )
        self.register_outputs({"inbound_ip": self.inbound_ip, "rule_domains": self.rule_domains})


def _constant(value: str) -> Callable[[object], str]:
    """`_ -> value` (an Output that carries `value` once its source resolves)."""
    return lambda _: value
