"""The reachability model (components/lib/reachability.py): every region pair of a cloud has a private path both
ways, every address one network hands to another routes there (federation scrapes, replication, connection secrets,
blob endpoints), the recording builds exactly the links the model expects (removing one peering loses its pair), a
missing mesh leg or DNS zone is a named blocker, and the plan prints and exports the result."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from ipaddress import IPv4Network, ip_address
from itertools import combinations

import pytest

from components.lib import reachability as r
from scripts import plan as offline_plan
from scripts.offline import Recording
from tests.conftest import stack_settings as settings

STACKS = ("dev", "prod")
CLOUDS = ("aws", "azure", "gcp")


def built_links(rec: Recording, resources=None) -> frozenset:
    regions = offline_plan.regions_by_resource(rec)
    return r.observed_same_cloud(rec.resources if resources is None else resources, lambda x: regions[x.urn])


def verdicts(rec: Recording, stack: str) -> list[r.Verdict]:
    return offline_plan.reachability(rec, settings(stack))


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("stack", STACKS)
def test_every_region_pair_of_a_cloud_has_a_private_path_both_ways(stack, cloud):
    s = settings(stack)
    topo = r.topology(s)
    nets = [(cloud, region.name) for region in getattr(s.clouds, cloud).regions]
    for a, b in combinations(nets, 2):
        there, back = topo.path(a, b), topo.path(b, a)
        assert there is not None and back is not None, (a, b)
        assert there.kind == back.kind == "same-cloud" and there.via == back.via
        assert cloud in there.via and r.SAME_CLOUD_PATHS[cloud] in there.via  # never through another cloud


@pytest.mark.parametrize("stack", STACKS)
def test_the_recording_builds_every_same_cloud_link_the_model_expects(recorded, stack):
    rec = recorded(stack)
    assert built_links(rec) == r.topology(settings(stack)).same_cloud


PEERING_PARTS = (
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
    "aws:ec2/route:Route",
    "azure-native:network:VirtualNetworkPeering",
)


@pytest.mark.parametrize("part", PEERING_PARTS)
def test_removing_any_part_of_a_peering_loses_that_region_pair(recorded, part):
    """The link check is not vacuous: drop one requester, accepter, peering route or one direction of a VNet peering
    from the prod recording and exactly that pair loses its path (and the test above would fail)."""
    rec = recorded("prod")
    full = built_links(rec)
    for victim in [x for x in rec.resources if x.type == part and "-peering-" in x.name]:
        left = built_links(rec, [x for x in rec.resources if x is not victim])
        assert len(full - left) == 1 and left < full, victim.name


def test_a_second_gcp_vpc_splits_the_regions(recorded):
    rec = recorded("prod")
    subnets = [x for x in rec.resources if x.type == "gcp:compute/subnetwork:Subnetwork"]
    # every subnet of the second region (its nodes and its DNS subnet) into another VPC
    region = subnets[-1].inputs["region"]
    moved = {
        x.urn: replace(x, inputs={**x.inputs, "network": "projects/p/global/networks/other"})
        for x in subnets
        if x.inputs["region"] == region
    }
    left = built_links(rec, [moved.get(x.urn, x) for x in rec.resources])
    assert not any(net[0] == "gcp" for pair in left for net in pair)


@pytest.mark.parametrize("stack", STACKS)
def test_every_use_of_another_networks_endpoint_has_a_path(recorded, stack):
    found = verdicts(recorded(stack), stack)
    assert {v.use.purpose for v in found} == {"scrape", "replication", "connection-secret", "blob"}
    assert [v for v in found if v.path is None] == []
    for v in found:
        if v.use.source[0] != v.use.endpoint.net[0]:
            assert v.path.kind == "mesh"  # type: ignore[union-attr]
        elif v.use.source != v.use.endpoint.net:
            assert v.path.kind == "same-cloud"  # type: ignore[union-attr]


@pytest.mark.parametrize("stack", STACKS)
def test_federation_targets_handed_to_the_central_prometheus_route_from_its_region(recorded, stack):
    rec = recorded(stack)
    hosts = rec.outputs["prometheus_federation_hosts"]
    central = tuple(rec.outputs["prometheus_central_cluster"].split("-", 1))
    scrapes = {v.use.endpoint.key.replace("/", "-"): v for v in verdicts(rec, stack) if v.use.purpose == "scrape"}
    assert set(scrapes) == set(hosts)  # every target the central Prometheus is given, and only those
    for v in scrapes.values():
        assert v.use.source == central and v.path is not None and v.use.endpoint.port == 9090


@pytest.mark.parametrize("stack", STACKS)
def test_connection_secrets_in_every_store_name_databases_each_region_of_that_cloud_reaches(recorded, stack):
    rec = recorded(stack)
    s = settings(stack)
    routed = {(v.use.source, v.use.endpoint.net) for v in verdicts(rec, stack) if v.use.purpose == "connection-secret"}
    for store_cloud, secrets in rec.outputs["connection_secrets"].items():
        readers = [(store_cloud, region.name) for region in getattr(s.clouds, store_cloud).regions]
        for key in secrets:
            target = tuple(key.split("/"))
            assert all((reader, target) in routed for reader in readers), (store_cloud, key)


@pytest.mark.parametrize("stack", STACKS)
def test_addresses_handed_out_lie_in_the_target_regions_cidr(recorded, stack):
    """What the model routes is a region's whole CIDR (peering routes, BGP advertisements): the private addresses
    handed to other networks (Cloud SQL IPs, blob private endpoints) are inside their region's CIDR."""
    rec = recorded(stack)
    nets = r.topology(settings(stack)).networks
    for region, host in rec.outputs["gcp_postgres"].items():
        assert ip_address(host) in nets[("gcp", region)]
    for region, endpoint in rec.outputs["azure_blob_private_endpoints"].items():
        assert ip_address(endpoint["ip"]) in nets[("azure", region)]


def test_secondary_regions_outside_the_mesh_are_named_blockers():
    """With `vpn.scope: primary` a secondary region has no path to another cloud: a peering never reaches the other
    region's VPN gateway, so the model reports the missing leg instead of assuming transit."""
    prod = settings("prod")  # the settings rules refuse this in prod (_reachability): built past them here
    s = prod.model_copy(update={"vpn": prod.vpn.model_copy(update={"scope": "primary"})})
    found = r.check(s)
    blocked = [v for v in found if v.path is None]
    assert blocked and all("vpn.scope" in (v.blocker or "") for v in blocked)
    assert any(v.use.source == ("azure", "westus2") and v.use.purpose == "replication" for v in blocked)
    assert all(v.use.source[0] != v.use.endpoint.net[0] for v in blocked)  # same-cloud paths stay


def test_a_missing_peering_is_a_named_blocker():
    s = settings("prod")
    topo = r.topology(s)
    cut = replace(topo, same_cloud=frozenset(p for p in topo.same_cloud if ("aws", "us-west-2") not in p))
    assert cut.path(("aws", "us-east-1"), ("aws", "us-west-2")) is None
    blocked = [v for v in cut.check(r.uses(s)) if v.path is None]
    assert {v.use.purpose for v in blocked} == {"scrape", "connection-secret"}
    assert all("peering is missing" in (v.blocker or "") for v in blocked)


@pytest.mark.parametrize("stack", STACKS)
def test_the_dns_forwarding_rules_resolve_every_private_name_handed_across_networks(stack):
    s = settings(stack)
    assert s.dns.enabled
    assert all(v.resolves for v in r.check(s))


def test_without_dns_forwarding_the_private_database_names_are_blockers_again():
    s = settings("prod")
    off = s.model_copy(update={"dns": s.dns.model_copy(update={"enabled": False})})
    assert not off.dns_plan().resolvers
    unresolved = [v for v in r.check(off) if not v.resolves]
    # A Flexible Server's private zone is linked to its own VNet only (azure R5): every other network is blocked.
    assert unresolved and all(
        v.use.endpoint.net[0] == "azure" and v.use.endpoint.kind == "database" for v in unresolved
    )
    assert all(v.use.source != v.use.endpoint.net for v in unresolved)
    assert all("does not resolve" in (v.blocker or "") and "no DNS forwarding" in (v.blocker or "") for v in unresolved)


def test_dropping_one_forwarding_rule_brings_back_exactly_its_blockers():
    s = settings("prod")
    plan = s.dns_plan()
    # the pure plan names the server by its template: `?????` is the stack-unique part (lib/naming.py SUFFIX)
    (name,) = [n for n in plan.names if n.domain == "flow-prod-pg-eus-?????.postgres.database.azure.com"]
    cut = replace(plan, names=tuple(n for n in plan.names if n != name))
    topo = replace(r.topology(s), resolves=r.resolved_zones(s, cut))
    unresolved = [v for v in topo.check(r.uses(s)) if not v.resolves]
    assert unresolved
    assert {v.use.endpoint.zone for v in unresolved} == {name.private_zone}
    assert {v.use.source for v in unresolved} == set(topo.networks) - {("azure", "eastus")}
    assert all(v.blocker == f"{name.private_zone} does not resolve in {'/'.join(v.use.source)} (no DNS forwarding)"
               for v in unresolved)


@pytest.mark.parametrize("stack", STACKS)
def test_plan_prints_a_reachability_section_and_exports_it(recorded, stack, tmp_path):
    rec = recorded(stack)
    found = verdicts(rec, stack)
    out = io.StringIO()
    r.print_report(found, out.write)
    text = out.getvalue()
    assert text.startswith("\nreachability")
    for purpose in r.PURPOSES.values():
        assert purpose in text
    assert "mesh leg aws-azure/us-east-1/eastus" in text
    path = tmp_path / "plan.json"
    offline_plan.write_json(rec, path, reachability=r.report(found))
    exported = json.loads(path.read_text())["summary"]["reachability"]
    assert set(exported) == {"scrape", "replication", "connection-secret", "blob"}
    assert sum(p["uses"] for p in exported.values()) == len(found)
    assert all(p["routed"] == p["uses"] for p in exported.values())
    assert all(IPv4Network(str(n)) for n in r.topology(settings(stack)).networks.values())


def test_the_plan_command_prints_the_section_and_writes_the_key(tmp_path, capsys):
    from scripts.deploy import main

    path = tmp_path / "dev.json"
    assert main(["plan", "--stack", "dev", "--quiet", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\nreachability (private paths" in out and "replication (subscriber -> primary database)" in out
    summary = json.loads(path.read_text())["summary"]
    assert summary["reachability"]["scrape"]["routed"] == summary["reachability"]["scrape"]["uses"] == 2
