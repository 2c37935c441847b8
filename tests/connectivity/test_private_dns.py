"""Cross-cloud private DNS on the recorded stacks: every region of the mesh forwards exactly the private names the
other regions host (read off the recorded Flexible Servers, storage accounts and private clusters), to the hosting
region's inbound resolver addresses (read off the recorded endpoints), from resolvers whose fixed addresses sit in
their own reserved or delegated subnets; and the settings rules that guard the resolver ranges."""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Network, ip_address
from typing import Any

import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_gcp as gcp
import pytest

from components.lib.naming import region_code
from components.lib.private_dns import GCP_FORWARDER_SOURCE
from components.settings import SettingsError, load_settings
from scripts.offline import Recording, Registration
from tests.conftest import stack_config, stack_suffix
from tests.conftest import stack_settings as settings

STACKS = ("dev", "prod")
RESOLVERS = {
    "aws": "multicloud:aws:DnsResolver",
    "azure": "multicloud:azure:DnsResolver",
    "gcp": "multicloud:gcp:DnsResolver",
}
GCP_FORWARDING = "multicloud:gcp:DnsForwarding"
dr = azure_native.dnsresolver


def region_of(rec: Recording, r: Registration) -> tuple[str, str]:
    """(cloud, region component name) of the region component `r` is under."""
    urns = rec.by_urn()
    node: Registration | None = r
    while node is not None:
        if node.type.startswith("multicloud:") and node.type.endswith(":Region"):
            return node.type.split(":")[1], node.name
        node = urns.get(node.parent)
    raise AssertionError(f"{r.name} is not under a region")


def under(rec: Recording, component: Registration, resource_type: str) -> list[Registration]:
    urns = rec.by_urn()

    def inside(r: Registration) -> bool:
        node = urns.get(r.parent)
        while node is not None:
            if node.urn == component.urn:
                return True
            node = urns.get(node.parent)
        return False

    return [r for r in rec.of_type(resource_type) if inside(r)]


def hosted_names(rec: Recording) -> dict[str, tuple[str, str]]:
    """Every private name the recording hands out across networks -> its region, from the resources themselves."""
    names: dict[str, tuple[str, str]] = {}
    zones = {z.inputs["privateZoneName"] for z in rec.of_type(azure_native.privatedns.PrivateZone.pulumi_type)}
    for server in rec.of_type(azure_native.dbforpostgresql.Server.pulumi_type):
        assert f"{server.inputs['serverName']}.private.postgres.database.azure.com" in zones
        names[f"{server.inputs['serverName']}.postgres.database.azure.com"] = region_of(rec, server)
    for account in rec.of_type(azure_native.storage.StorageAccount.pulumi_type):
        if rec.of_type(azure_native.network.PrivateEndpoint.pulumi_type):
            names[f"{account.inputs['accountName']}.blob.core.windows.net"] = region_of(rec, account)
    for cluster in rec.of_type(azure_native.containerservice.ManagedCluster.pulumi_type):
        if cluster.inputs.get("apiServerAccessProfile", {}).get("enablePrivateCluster"):
            names[f"privatelink.{cluster.inputs['location']}.azmk8s.io"] = region_of(rec, cluster)
    providers = rec.by_urn()
    for cluster in rec.of_type(aws.eks.Cluster.pulumi_type):
        vpc = cluster.inputs["vpcConfig"]
        if vpc.get("endpointPrivateAccess") and not vpc.get("endpointPublicAccess"):
            region = providers[cluster.provider_urn].inputs["region"]
            names[f"{region}.eks.amazonaws.com"] = region_of(rec, cluster)
    return names


def inbound_addresses(rec: Recording) -> dict[tuple[str, str], set[str]]:
    """Each region's inbound resolver addresses, from the recorded endpoints."""
    found: dict[tuple[str, str], set[str]] = {}
    for e in rec.of_type(aws.route53.ResolverEndpoint.pulumi_type):
        if e.inputs["direction"] == "INBOUND":
            found.setdefault(region_of(rec, e), set()).update(a["ip"] for a in e.inputs["ipAddresses"])
    for e in rec.of_type(dr.InboundEndpoint.pulumi_type):
        found.setdefault(region_of(rec, e), set()).update(c["privateIpAddress"] for c in e.inputs["ipConfigurations"])
    for a in rec.of_type(gcp.compute.Address.pulumi_type):
        if a.inputs.get("purpose") == "DNS_RESOLVER":
            found.setdefault(region_of(rec, a), set()).add(a.inputs["address"])
    return found


def forwards(rec: Recording, resolver: Registration) -> dict[str, set[str]]:
    """Domain (no trailing dot) -> target addresses, of one region's resolver component."""
    cloud = resolver.type.split(":")[1]
    if cloud == "aws":
        rules = under(rec, resolver, aws.route53.ResolverRule.pulumi_type)
        return {r.inputs["domainName"]: {t["ip"] for t in r.inputs["targetIps"]} for r in rules}
    if cloud == "azure":
        rules = under(rec, resolver, dr.ForwardingRule.pulumi_type)
        return {
            r.inputs["domainName"].rstrip("."): {t["ipAddress"] for t in r.inputs["targetDnsServers"]} for r in rules
        }
    # every GCP region forwards through the one set of forwarding zones on the stack's global VPC
    (forwarding,) = rec.of_type(GCP_FORWARDING)
    zones = under(rec, forwarding, gcp.dns.ManagedZone.pulumi_type)
    targets = {z.inputs["dnsName"].rstrip("."): z.inputs["forwardingConfig"]["targetNameServers"] for z in zones}
    return {domain: {t["ipv4Address"] for t in servers} for domain, servers in targets.items()}


def resolvers(rec: Recording) -> list[Registration]:
    return [r for token in RESOLVERS.values() for r in rec.of_type(token)]


@pytest.mark.parametrize("stack", STACKS)
def test_every_mesh_region_of_every_cloud_has_a_resolver(recorded: Callable[[str], Recording], stack: str) -> None:
    rec = recorded(stack)
    mesh = settings(stack).mesh_plan()
    in_mesh = {(cloud, region) for leg in mesh.legs for cloud, region in zip(leg.pair, leg.regions, strict=True)}
    prefix = f"{settings(stack).name}-{stack}"
    assert in_mesh
    assert sorted(region_of(rec, r) for r in resolvers(rec)) == sorted(
        (cloud, f"{prefix}-{cloud}-{region_code(region)}") for cloud, region in in_mesh
    )


@pytest.mark.parametrize("stack", STACKS)
def test_each_region_forwards_exactly_the_private_names_the_other_regions_host(
    recorded: Callable[[str], Recording], stack: str
) -> None:
    rec = recorded(stack)
    names = hosted_names(rec)
    assert names, "the stack hands out no private name"
    for resolver in resolvers(rec):
        own = region_of(rec, resolver)
        expected = {domain for domain, host in names.items() if host != own}
        assert set(forwards(rec, resolver)) == expected, resolver.name


@pytest.mark.parametrize("stack", STACKS)
def test_forwarding_targets_are_the_hosting_regions_inbound_addresses(
    recorded: Callable[[str], Recording], stack: str
) -> None:
    rec = recorded(stack)
    names, inbound = hosted_names(rec), inbound_addresses(rec)
    assert len(inbound) == len(resolvers(rec))
    for resolver in resolvers(rec):
        for domain, targets in forwards(rec, resolver).items():
            assert targets == inbound[names[domain]], (resolver.name, domain)
            assert not targets & inbound[region_of(rec, resolver)], "a region forwards to itself"


def test_prod_forwards_the_azure_names_from_aws_and_gcp_and_the_eks_names_from_azure(
    recorded: Callable[[str], Recording],
) -> None:
    rec = recorded("prod")
    suffix = stack_suffix(rec)  # the server and account names end in the stack-unique part
    by_region = {region_of(rec, r)[1]: forwards(rec, r) for r in resolvers(rec)}
    for region in ("flow-prod-aws-use1", "flow-prod-gcp-usc1"):
        assert by_region[region][f"flow-prod-pg-eus-{suffix}.postgres.database.azure.com"] == {"10.20.129.36"}
        assert by_region[region][f"flowprodwus2{suffix}.blob.core.windows.net"] == {"10.21.129.36"}
    assert by_region["flow-prod-azure-eus"]["us-east-1.eks.amazonaws.com"] == {"10.10.63.244", "10.10.127.244"}
    assert f"flow-prod-pg-eus-{suffix}.postgres.database.azure.com" not in by_region["flow-prod-azure-eus"]
    assert by_region["flow-prod-azure-wus2"][f"flowprodeus{suffix}.blob.core.windows.net"] == {"10.20.129.36"}


@pytest.mark.parametrize("stack", STACKS)
def test_aws_endpoints_use_reserved_addresses_admit_dns_from_the_platform_and_rules_reach_the_vpc(
    recorded: Callable[[str], Recording], stack: str
) -> None:
    rec = recorded(stack)
    cidrs = {str(r.cidr) for c in settings(stack).clouds.enabled().values() for r in c.regions}
    for resolver in rec.of_type(RESOLVERS["aws"]):
        reserved = [
            IPv4Network(r.inputs["cidrBlock"]) for r in under(rec, resolver, aws.ec2.SubnetCidrReservation.pulumi_type)
        ]
        assert len(reserved) == 2 and all(
            r.inputs["reservationType"] == "explicit"
            for r in under(rec, resolver, aws.ec2.SubnetCidrReservation.pulumi_type)
        )
        endpoints = under(rec, resolver, aws.route53.ResolverEndpoint.pulumi_type)
        assert sorted(e.inputs["direction"] for e in endpoints) == ["INBOUND", "OUTBOUND"]
        for endpoint in endpoints:
            ips = [ip_address(a["ip"]) for a in endpoint.inputs["ipAddresses"]]
            assert len({a["subnetId"] for a in endpoint.inputs["ipAddresses"]}) == 2, "two zones"
            assert all(any(ip in block for block in reserved) for ip in ips)
        (group,) = under(rec, resolver, aws.ec2.SecurityGroup.pulumi_type)
        for rule in group.inputs["ingress"]:
            assert (rule["fromPort"], rule["toPort"]) == (53, 53) and rule["protocol"] in ("tcp", "udp")
            assert set(rule["cidrBlocks"]) == cidrs | {GCP_FORWARDER_SOURCE}
        assert {r["protocol"] for r in group.inputs["ingress"]} == {"tcp", "udp"}
        rules = under(rec, resolver, aws.route53.ResolverRule.pulumi_type)
        associations = under(rec, resolver, aws.route53.ResolverRuleAssociation.pulumi_type)
        assert all(r.inputs["ruleType"] == "FORWARD" for r in rules)
        assert len(associations) == len(rules) and all(a.inputs["vpcId"] for a in associations)
        assert len({a.inputs["vpcId"] for a in associations}) <= 1, "one region's rules go to its own VPC"


@pytest.mark.parametrize("stack", STACKS)
def test_azure_endpoints_sit_in_dedicated_delegated_subnets_and_the_ruleset_is_linked(
    recorded: Callable[[str], Recording], stack: str
) -> None:
    rec = recorded(stack)
    for resolver in rec.of_type(RESOLVERS["azure"]):
        subnets = {s.inputs["subnetName"]: s for s in under(rec, resolver, azure_native.network.Subnet.pulumi_type)}
        assert set(subnets) == {"dns-inbound", "dns-outbound"}
        for s in subnets.values():
            assert IPv4Network(s.inputs["addressPrefix"]).prefixlen == 28
            assert [d["serviceName"] for d in s.inputs["delegations"]] == ["Microsoft.Network/dnsResolvers"]
        (inbound,) = under(rec, resolver, dr.InboundEndpoint.pulumi_type)
        (config,) = inbound.inputs["ipConfigurations"]
        assert config["privateIpAllocationMethod"] == "Static"
        assert ip_address(config["privateIpAddress"]) in IPv4Network(subnets["dns-inbound"].inputs["addressPrefix"])
        assert len(under(rec, resolver, dr.PrivateResolverVirtualNetworkLink.pulumi_type)) == 1
        rules = under(rec, resolver, dr.ForwardingRule.pulumi_type)
        assert all(r.inputs["domainName"].endswith(".") for r in rules)
        assert rules or stack == "dev", "prod's private EKS names are forwarded"  # dev's clusters are public


@pytest.mark.parametrize("stack", STACKS)
def test_gcp_dns_is_bound_once_to_the_global_vpc_and_every_router_advertises_the_forwarder_range(
    recorded: Callable[[str], Recording], stack: str
) -> None:
    rec = recorded(stack)
    (network,) = rec.of_type(gcp.compute.Network.pulumi_type)
    (forwarding,) = rec.of_type(GCP_FORWARDING)
    (policy,) = rec.of_type(gcp.dns.Policy.pulumi_type)
    assert under(rec, forwarding, gcp.dns.Policy.pulumi_type) == [policy]
    assert policy.inputs["enableInboundForwarding"] is True
    (bound,) = policy.inputs["networks"]
    assert bound["networkUrl"].endswith(f"/global/networks/{network.inputs['name']}")
    # the policy waits for every region's reserved inbound address
    addresses = {
        a.urn for a in rec.of_type(gcp.compute.Address.pulumi_type) if a.inputs.get("purpose") == "DNS_RESOLVER"
    }
    assert len(addresses) == len(rec.of_type(RESOLVERS["gcp"])) and addresses <= set(policy.dependencies)
    zones = rec.of_type(gcp.dns.ManagedZone.pulumi_type)
    assert zones == under(rec, forwarding, gcp.dns.ManagedZone.pulumi_type), "no peering zones: one VPC"
    assert all("peeringConfig" not in z.inputs for z in zones)
    assert all(z.inputs["visibility"] == "private" for z in zones)
    assert all(z.inputs["privateVisibilityConfig"]["networks"] == policy.inputs["networks"] for z in zones)
    assert all(
        t["forwardingPath"] == "private" for z in zones for t in z.inputs["forwardingConfig"]["targetNameServers"]
    )
    # every GCP region's queries leave through its own tunnels: every Cloud Router advertises the forwarder range
    peers = rec.of_type(gcp.compute.RouterPeer.pulumi_type)
    assert peers
    for peer in peers:
        assert GCP_FORWARDER_SOURCE in {r["range"] for r in peer.inputs["advertisedIpRanges"]}, peer.name


def test_prod_gcp_regions_forward_the_same_names() -> None:
    plan = settings("prod").dns_plan()
    assert plan.forwards_from("gcp", "us-central1") == plan.forwards_from("gcp", "us-east1")
    assert len(plan.forwards_from("gcp", "us-east1")) == 8


# --- settings rules -------------------------------------------------------------------------------------------


def problems(**platform: Any) -> list[str]:
    with pytest.raises(SettingsError) as err:
        load_settings("prod", stack_config("prod", **platform))
    return err.value.problems


def test_a_resolver_range_on_the_aks_subnet_is_refused_naming_the_key() -> None:
    found = problems(dns={"resolver_cidrs": {"azure/eastus": "10.20.0.0/27"}})
    assert any("platform.dns.resolver_cidrs.azure/eastus: " in p and "AKS node" in p for p in found), found


def test_a_resolver_range_on_another_region_or_the_pod_range_is_refused() -> None:
    assert any(
        "clouds.aws.regions[0].cidr" in p for p in problems(dns={"resolver_cidrs": {"gcp/us-central1": "10.10.0.0/28"}})
    )
    assert any("172.20.0.0/16" in p for p in problems(dns={"resolver_cidrs": {"azure/eastus": "172.20.0.0/27"}}))
    assert any("/28 on gcp" in p for p in problems(dns={"resolver_cidrs": {"gcp/us-central1": "10.30.255.0/27"}}))
    assert any(
        "no enabled Azure or GCP region" in p
        for p in problems(dns={"resolver_cidrs": {"azure/uksouth": "10.20.129.64/27"}})
    )


def test_a_free_resolver_range_is_taken() -> None:
    s = load_settings("prod", stack_config("prod", dns={"resolver_cidrs": {"azure/eastus": "10.20.129.64/27"}}))
    assert s.dns_plan().resolver("azure", "eastus").inbound == ("10.20.129.68",)


def test_turning_dns_off_while_azure_names_cross_clouds_names_both_keys() -> None:
    (found,) = [p for p in problems(dns={"enabled": False}) if "platform.dns.enabled: " in p]
    assert "clouds.azure.enabled" in found
