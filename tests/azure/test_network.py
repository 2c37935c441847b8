"""AzureNetwork: resource group, log workspace, VNet from config, AKS / delegated PostgreSQL / GatewaySubnet
subnets with their NSGs, and the subnet plan itself."""

from __future__ import annotations

from ipaddress import IPv4Network

import pulumi_azure_native as azure_native
import pytest

from components.azure.network import azure_subnet_plan, edge_inbound_rules
from components.azure.roles import NETWORK_CONTRIBUTOR
from components.settings.catalog import CLOUDFLARE_IPV4_RANGES
from tests.aws.helpers import depends_on, of_type, one

from .helpers import (
    ALL_REGIONS,
    NETWORK,
    REGION_CODES,
    component,
    recording,
    ref,
    resource,
    role_assignments_on,
    role_guid,
    settings,
)

az = azure_native


def subnet(rec, region, subnet_name):
    net = component(rec, region, NETWORK)
    return one(s for s in of_type(rec, az.network.Subnet, net) if s.inputs["subnetName"] == subnet_name)


@pytest.mark.parametrize(
    ("cidr", "aks", "postgres", "gateway"),
    [
        ("10.20.0.0/16", "10.20.0.0/17", "10.20.128.0/24", "10.20.129.0/27"),
        ("10.21.0.0/16", "10.21.0.0/17", "10.21.128.0/24", "10.21.129.0/27"),
        ("172.16.0.0/20", "172.16.0.0/21", "172.16.8.0/24", "172.16.9.0/27"),
        ("192.168.0.0/18", "192.168.0.0/19", "192.168.32.0/24", "192.168.33.0/27"),
    ],
)
def test_subnet_plan(cidr, aks, postgres, gateway):
    plan = azure_subnet_plan(IPv4Network(cidr))
    assert (str(plan.aks), str(plan.postgres), str(plan.gateway)) == (aks, postgres, gateway)
    parts = [plan.aks, plan.postgres, plan.gateway]
    assert all(p.subnet_of(IPv4Network(cidr)) for p in parts)
    assert not any(a.overlaps(b) for i, a in enumerate(parts) for b in parts[i + 1 :])


def test_subnet_plan_rejects_a_range_too_small_for_a_delegated_24():
    with pytest.raises(ValueError, match="allowed: /20 or larger"):
        azure_subnet_plan(IPv4Network("10.0.0.0/21"))


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_resource_group_and_vnet_follow_config(stack, region):
    rec = recording(stack)
    group = resource(rec, region, NETWORK, az.resources.ResourceGroup)
    assert group.inputs["resourceGroupName"] == f"flow-{stack}-{REGION_CODES[region]}"
    assert group.inputs["location"] == region
    vnet = resource(rec, region, NETWORK, az.network.VirtualNetwork)
    cidr = {r.name: str(r.cidr) for r in settings(stack).clouds.azure.regions}[region]
    assert vnet.inputs["addressSpace"] == {"addressPrefixes": [cidr]}
    assert "subnets" not in vnet.inputs, "subnets are separate resources; inline ones would fight them"
    assert depends_on(vnet, group)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_subnets_are_carved_from_the_region_cidr_one_after_another(stack, region):
    rec = recording(stack)
    cidr = {r.name: r.cidr for r in settings(stack).clouds.azure.regions}[region]
    plan = azure_subnet_plan(cidr)
    vnet = resource(rec, region, NETWORK, az.network.VirtualNetwork)
    aks, postgres, gateway = (subnet(rec, region, n) for n in ("aks", "postgres", "GatewaySubnet"))
    assert [s.inputs["addressPrefix"] for s in (aks, postgres, gateway)] == [
        str(plan.aks),
        str(plan.postgres),
        str(plan.gateway),
    ]
    for s in (aks, postgres, gateway):
        assert s.inputs["virtualNetworkName"] == vnet.outputs["name"]
        assert depends_on(s, vnet)
    assert depends_on(postgres, aks) and depends_on(gateway, postgres)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_postgres_subnet_is_delegated_to_flexible_server(stack, region):
    rec = recording(stack)
    delegations = subnet(rec, region, "postgres").inputs["delegations"]
    assert [d["serviceName"] for d in delegations] == ["Microsoft.DBforPostgreSQL/flexibleServers"]
    assert "delegations" not in subnet(rec, region, "aks").inputs


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_gateway_subnet_has_no_nsg_and_the_others_have_their_own(stack, region):
    rec = recording(stack)
    assert "networkSecurityGroup" not in subnet(rec, region, "GatewaySubnet").inputs
    for name in ("aks", "postgres"):
        nsg = ref(rec, subnet(rec, region, name).inputs["networkSecurityGroup"]["id"])
        assert nsg.type == az.network.NetworkSecurityGroup.pulumi_type
        assert nsg.name.endswith(f"-{name}-nsg")


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_aks_subnet_has_the_storage_service_endpoint_and_admits_only_the_edge_on_443(stack, region):
    rec = recording(stack)
    aks = subnet(rec, region, "aks")
    assert aks.inputs["serviceEndpoints"] == [{"service": "Microsoft.Storage"}]
    nsg = ref(rec, aks.inputs["networkSecurityGroup"]["id"])
    (rule,) = nsg.inputs["securityRules"]
    assert rule["sourceAddressPrefixes"] == list(CLOUDFLARE_IPV4_RANGES)
    assert (rule["access"], rule["direction"], rule["protocol"]) == ("Allow", "Inbound", "Tcp")
    assert (rule["destinationPortRange"], rule["priority"]) == ("443", 200)


def test_no_edge_ranges_means_no_internet_rule():
    assert edge_inbound_rules(()) == []
    assert edge_inbound_rules(["1.2.3.0/24"])[0]["source_address_prefixes"] == ["1.2.3.0/24"]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_postgres_nsg_admits_only_postgres_from_the_platform_cidrs(stack, region):
    rec = recording(stack)
    postgres = subnet(rec, region, "postgres")
    rules = {r["name"]: r for r in ref(rec, postgres.inputs["networkSecurityGroup"]["id"]).inputs["securityRules"]}
    platform = sorted(str(r.cidr) for c in settings(stack).clouds.enabled().values() for r in c.regions)
    allow = rules["allow-postgres-from-platform"]
    assert (allow["access"], allow["direction"], allow["protocol"]) == ("Allow", "Inbound", "Tcp")
    assert sorted(allow["sourceAddressPrefixes"]) == platform
    assert allow["destinationPortRanges"] == ["5432", "6432"]
    assert allow["destinationAddressPrefix"] == postgres.inputs["addressPrefix"]
    intra = rules["allow-intra-subnet"]
    assert intra["sourceAddressPrefix"] == intra["destinationAddressPrefix"] == postgres.inputs["addressPrefix"]
    deny = rules["deny-all-other-inbound"]
    assert (deny["access"], deny["direction"], deny["sourceAddressPrefix"]) == ("Deny", "Inbound", "*")
    assert deny["priority"] > allow["priority"] and deny["priority"] > intra["priority"]
    assert all(r["direction"] == "Inbound" for r in rules.values())
    assert "0.0.0.0/0" not in str(rules) and "Internet" not in str(rules)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_log_workspace_keeps_logs_as_long_as_the_flow_logs_setting(stack, region):
    rec = recording(stack)
    workspace = resource(rec, region, NETWORK, az.operationalinsights.Workspace)
    assert workspace.inputs["retentionInDays"] == {"dev": 30, "prod": 365}[stack]
    assert workspace.inputs["retentionInDays"] == settings(stack).network.flow_log_retention_days
    assert workspace.inputs["sku"] == {"name": "PerGB2018"}


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_ingress_ip_has_its_own_group_where_the_cluster_identity_is_network_contributor(stack, region):
    rec = recording(stack)
    code = REGION_CODES[region]
    (pip,) = [r for r in of_type(rec, azure_native.network.PublicIPAddress) if r.name.endswith(f"{code}-ingress")]
    group = one(
        r for r in of_type(rec, azure_native.resources.ResourceGroup)
        if r.inputs["resourceGroupName"] == pip.inputs["resourceGroupName"]
    )
    assert group.inputs["resourceGroupName"].endswith(f"-{code}-ingress")
    (grant,) = role_assignments_on(rec, group)
    assert role_guid(grant) == NETWORK_CONTRIBUTOR
    assert role_assignments_on(rec, pip) == []
