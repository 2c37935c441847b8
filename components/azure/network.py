"""One Azure region's resource group, log workspace and VNet: AKS, delegated PostgreSQL and gateway subnets, NSGs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network

import pulumi
import pulumi_azure_native as azure_native

from .diagnostics import send_logs

POSTGRES_DELEGATION = "Microsoft.DBforPostgreSQL/flexibleServers"
GATEWAY_SUBNET = "GatewaySubnet"
"""The only name Azure accepts for a VPN gateway's subnet."""
POSTGRES_PORTS = ["5432", "6432"]
"""PostgreSQL and the built-in PgBouncer."""


@dataclass(frozen=True)
class AzureSubnetPlan:
    """Subnets carved from a region's CIDR."""

    aks: IPv4Network
    """Nodes of every agent pool (pods use an overlay range, not VNet addresses)."""
    postgres: IPv4Network
    """Delegated to Flexible Server."""
    gateway: IPv4Network
    """`GatewaySubnet` of the VPN gateway (a /27, as Azure recommends for active-active BGP gateways)."""


def azure_subnet_plan(cidr: IPv4Network) -> AzureSubnetPlan:
    """First half of `cidr` for AKS nodes; from the second half the first /24 for PostgreSQL and a /27
    right after it for the gateway; the rest stays free. Deterministic and non-overlapping for /16 to /20."""
    if cidr.prefixlen > 20:
        raise ValueError(f"{cidr} is a /{cidr.prefixlen}; allowed: /20 or larger")
    aks, rest = cidr.subnets(prefixlen_diff=1)
    postgres, after = list(rest.subnets(new_prefix=24))[:2]
    return AzureSubnetPlan(aks=aks, postgres=postgres, gateway=next(after.subnets(new_prefix=27)))


@dataclass(frozen=True)
class AzureNetworkArgs:
    """Inputs of AzureNetwork."""

    resource_group_name: str
    """Physical name of the region's resource group."""
    location: str
    """Azure region (e.g. eastus)."""
    cidr: IPv4Network
    """The region's private CIDR (the VNet's address space)."""
    platform_cidrs: Sequence[str]
    """Every enabled region's CIDR across clouds: the only sources admitted to PostgreSQL."""
    log_retention_days: int
    """Retention of the region's Log Analytics workspace (clamped to the 30-730 days Azure accepts)."""
    log_daily_cap_gb: float
    """Daily ingestion cap of the workspace in GB (ingestion stops until the next reset once reached)."""
    name_prefix: str
    """`<platform>-<environment>-<region code>`: prefix of the physical names."""
    tags: dict[str, str]
    """Tags of every resource."""
    edge_cidrs: Sequence[str] = ()
    """Sources admitted on TCP/443 to the AKS subnet: the edge's published ranges (Cloudflare IPv4)."""


EDGE_RULE_PRIORITY = 200
"""Priority of the edge's inbound rule on the AKS subnet NSG (custom rules take 100-4096, lower wins:
https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#security-rules)."""


def edge_inbound_rules(edge_cidrs: Sequence[str]) -> list[azure_native.network.SecurityRuleArgsDict]:
    """The AKS subnet NSG's rule admitting the edge on 443 (azure F3). AKS writes only the NSG it manages on
    the nodes, never a bring-your-own subnet's, so without it the default `DenyAllInBound` (65500) drops every
    Cloudflare request before it reaches the ingress (https://github.com/Azure/AKS/issues/674). The destination is
    any address in the subnet: the load balancer forwards with floating IP, so packets still carry the ingress
    frontend IP; the AKS-managed NSG then admits only the Service's IP and `loadBalancerSourceRanges`."""
    if not edge_cidrs:
        return []
    return [
        {
            "name": "allow-edge-https",
            "description": "HTTPS from the Cloudflare edge to the ingress load balancer",
            "priority": EDGE_RULE_PRIORITY,
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "Tcp",
            "source_address_prefixes": list(edge_cidrs),
            "source_port_range": "*",
            "destination_address_prefix": "*",
            "destination_port_range": "443",
        }
    ]


class AzureNetwork(pulumi.ComponentResource):
    """The region's resource group, its Log Analytics workspace (the sink of control-plane, audit and
    database logs), a VNet without inline subnets, and three subnets: AKS nodes (NSG, storage service
    endpoint), PostgreSQL (delegated to Flexible Server, NSG admitting 5432/6432 from platform CIDRs only)
    and `GatewaySubnet` (no NSG: Azure does not support one there)."""

    resource_group_name: pulumi.Output[str]
    """Name of the resource group."""
    resource_group_id: pulumi.Output[str]
    """ARM id of the resource group."""
    workspace_id: pulumi.Output[str]
    """ARM id of the Log Analytics workspace."""
    vnet_id: pulumi.Output[str]
    """ARM id of the VNet."""
    vnet_name: pulumi.Output[str]
    """Name of the VNet."""
    aks_subnet_id: pulumi.Output[str]
    """Subnet of the AKS nodes."""
    postgres_subnet_id: pulumi.Output[str]
    """Subnet delegated to Flexible Server."""
    gateway_subnet_id: pulumi.Output[str]
    """`GatewaySubnet` for the VPN gateway."""
    aks_nsg_name: pulumi.Output[str]
    """NSG of the AKS subnet (where ingress rules for the edge go)."""

    def __init__(self, name: str, args: AzureNetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:azure:Network", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        plan = azure_subnet_plan(args.cidr)
        location, prefix = args.location, args.name_prefix

        group = azure_native.resources.ResourceGroup(
            f"{name}-rg", resource_group_name=args.resource_group_name, location=location, tags=args.tags, opts=child
        )
        workspace = azure_native.operationalinsights.Workspace(
            f"{name}-logs",
            workspace_name=f"{prefix}-logs",
            resource_group_name=group.name,
            location=location,
            sku={"name": "PerGB2018"},
            retention_in_days=min(max(args.log_retention_days, 30), 730),
            # A cap on what AKS audit, Container Insights and the diagnostic settings can cost per day (azure R15):
            # https://learn.microsoft.com/azure/azure-monitor/logs/daily-cap
            workspace_capping={"daily_quota_gb": args.log_daily_cap_gb},
            features={"enable_log_access_using_only_resource_permissions": True},
            tags=args.tags,
            opts=child,
        )
        aks_nsg = azure_native.network.NetworkSecurityGroup(
            f"{name}-aks-nsg",
            network_security_group_name=f"{prefix}-aks-nsg",
            resource_group_name=group.name,
            location=location,
            # Azure's default rules (VNet and load-balancer probes in, Internet in denied) plus the edge on 443.
            security_rules=edge_inbound_rules(args.edge_cidrs),
            tags=args.tags,
            opts=child,
        )
        postgres_nsg = azure_native.network.NetworkSecurityGroup(
            f"{name}-postgres-nsg",
            network_security_group_name=f"{prefix}-postgres-nsg",
            resource_group_name=group.name,
            location=location,
            security_rules=[
                {
                    "name": "allow-postgres-from-platform",
                    "description": "PostgreSQL and PgBouncer from the platform CIDRs",
                    "priority": 100,
                    "direction": "Inbound",
                    "access": "Allow",
                    "protocol": "Tcp",
                    "source_address_prefixes": list(args.platform_cidrs),
                    "source_port_range": "*",
                    "destination_address_prefix": str(plan.postgres),
                    "destination_port_ranges": POSTGRES_PORTS,
                },
                {
                    "name": "allow-intra-subnet",
                    "description": "High-availability replication between primary and standby",
                    "priority": 110,
                    "direction": "Inbound",
                    "access": "Allow",
                    "protocol": "*",
                    "source_address_prefix": str(plan.postgres),
                    "source_port_range": "*",
                    "destination_address_prefix": str(plan.postgres),
                    "destination_port_range": "*",
                },
                {
                    "name": "deny-all-other-inbound",
                    "description": "Nothing else reaches the database subnet (overrides AllowVnetInBound)",
                    "priority": 4096,
                    "direction": "Inbound",
                    "access": "Deny",
                    "protocol": "*",
                    "source_address_prefix": "*",
                    "source_port_range": "*",
                    "destination_address_prefix": "*",
                    "destination_port_range": "*",
                },
            ],
            tags=args.tags,
            opts=child,
        )
        # Subnets are separate resources and the VNet has no `subnets` input (API 2024-05-01 keeps
        # existing subnets when it is omitted). Subnets of one VNet are created one after another:
        # concurrent subnet writes on a VNet fail with AnotherOperationInProgress.
        vnet = azure_native.network.VirtualNetwork(
            f"{name}-vnet",
            virtual_network_name=f"{prefix}-vnet",
            resource_group_name=group.name,
            location=location,
            address_space={"address_prefixes": [str(args.cidr)]},
            tags=args.tags,
            opts=child,
        )
        aks = azure_native.network.Subnet(
            f"{name}-subnet-aks",
            subnet_name="aks",
            resource_group_name=group.name,
            virtual_network_name=vnet.name,
            address_prefix=str(plan.aks),
            network_security_group={"id": aks_nsg.id},
            service_endpoints=[{"service": "Microsoft.Storage"}],
            opts=child,
        )
        postgres = azure_native.network.Subnet(
            f"{name}-subnet-postgres",
            subnet_name="postgres",
            resource_group_name=group.name,
            virtual_network_name=vnet.name,
            address_prefix=str(plan.postgres),
            network_security_group={"id": postgres_nsg.id},
            delegations=[{"name": "flexible-server", "service_name": POSTGRES_DELEGATION}],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[aks]),
        )
        gateway = azure_native.network.Subnet(
            f"{name}-subnet-gateway",
            subnet_name=GATEWAY_SUBNET,
            resource_group_name=group.name,
            virtual_network_name=vnet.name,
            address_prefix=str(plan.gateway),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[postgres]),
        )

        self.resource_group_name = group.name
        self.resource_group_id = group.id
        # NSG events and rule counters (azure G2).
        for label, nsg in (("aks-nsg", aks_nsg), ("postgres-nsg", postgres_nsg)):
            send_logs(f"{name}-{label}-logs", self, nsg.id, workspace.id)
        self.workspace_id = workspace.id
        self.vnet_id = vnet.id
        self.vnet_name = vnet.name
        self.aks_subnet_id = aks.id
        self.postgres_subnet_id = postgres.id
        self.gateway_subnet_id = gateway.id
        self.aks_nsg_name = aks_nsg.name
        self.register_outputs(
            {
                "resource_group_name": self.resource_group_name,
                "vnet_id": self.vnet_id,
                "gateway_subnet_id": self.gateway_subnet_id,
                "workspace_id": self.workspace_id,
            }
        )
