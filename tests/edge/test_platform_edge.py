"""The edge as the platform wires it on the recorded stacks: one pool per region of each enabled cloud whose origins
are exactly that region's reserved ingress addresses with its weight, geo steering (nearest region first) and
fallback from the settings, the DR block's health checks, and every pool reaching the cluster it fronts."""

from __future__ import annotations

import pulumi_cloudflare as cloudflare
import pytest

from components.lib import edge_geo
from scripts.offline import Recording, Registration
from tests.aws.helpers import descendants, one, token
from tests.conftest import stack_settings

STACKS = ("dev", "prod")
INGRESS = {
    "aws": "aws:ec2/eip:Eip",
    "azure": "azure-native:network:PublicIPAddress",
    "gcp": "gcp:compute/address:Address",
}
ADDRESS = {"aws": "publicIp", "azure": "ipAddress", "gcp": "address"}
CLUSTERS = {
    "aws": "aws:eks/cluster:Cluster",
    "azure": "azure-native:containerservice:ManagedCluster",
    "gcp": "gcp:container/cluster:Cluster",
}


def edge(rec: Recording) -> list[Registration]:
    return descendants(rec, one(rec.of_type("multicloud:edge:GlobalLoadBalancer")))


def pools(rec: Recording) -> dict[tuple[str, str], Registration]:
    """Pools by (cloud, region), from the logical name `<stack>-edge-pool-<cloud>-<region>`."""
    found = {}
    for r in edge(rec):
        if r.type == token(cloudflare.LoadBalancerPool):
            cloud, region = r.name.split("-edge-pool-", 1)[1].split("-", 1)
            found[cloud, region] = r
    return found


def regions(stack: str) -> list[tuple[str, str]]:
    """Every (cloud, region) of the stack in failover order."""
    return [(cloud, r.name) for cloud, c in stack_settings(stack).clouds.enabled().items() for r in c.regions]


def region_of(rec: Recording, resource: Registration) -> str:
    provider = rec.by_urn()[resource.provider_urn]
    return str(provider.inputs.get("region") or provider.inputs.get("location"))


def reach(rec: Recording, resource: Registration) -> set[str]:
    """URNs `resource` depends on, transitively."""
    by_urn, seen, frontier = rec.by_urn(), set(), list(resource.dependencies)
    while frontier:
        urn = frontier.pop()
        if urn not in seen and urn in by_urn:
            seen.add(urn)
            frontier += by_urn[urn].dependencies
    return seen


@pytest.mark.parametrize("stack", STACKS)
def test_one_pool_per_region_with_only_that_regions_ingress_addresses_and_weight(recorded, stack):
    rec, s = recorded(stack), stack_settings(stack)
    assert sorted(pools(rec)) == sorted(regions(stack))  # registration order is the engine's; defaultPools has ours
    for (cloud, region), pool in pools(rec).items():
        weights = {r.name: r.weight for r in getattr(s.clouds, cloud).regions}
        expected = {
            (ingress.outputs[ADDRESS[cloud]], weights[region])
            for ingress in rec.of_type(INGRESS[cloud])
            if "-ingress" in ingress.name and region_of(rec, ingress) == region
        }
        assert expected
        assert {(o["address"], o["weight"]) for o in pool.inputs["origins"]} == expected
        assert all(o["enabled"] is True for o in pool.inputs["origins"])
        monitor = one(r for r in edge(rec) if r.type == token(cloudflare.LoadBalancerMonitor))
        assert pool.inputs["monitor"] == monitor.id


@pytest.mark.parametrize("stack", STACKS)
def test_every_pool_reaches_the_cluster_of_its_region(recorded, stack):
    rec = recorded(stack)
    for (cloud, region), pool in pools(rec).items():
        clusters = {c.urn for c in rec.of_type(CLUSTERS[cloud]) if region_of(rec, c) == region}
        assert clusters and clusters <= reach(rec, pool), f"the {cloud} {region} pool would go live before its cluster"


@pytest.mark.parametrize("stack", STACKS)
def test_geo_steering_fallback_and_health_checks_follow_the_settings(recorded, stack):
    rec, s = recorded(stack), stack_settings(stack)
    ids = {key: pool.id for key, pool in pools(rec).items()}
    lb = one(r for r in edge(rec) if r.type == token(cloudflare.LoadBalancer))
    enabled = list(s.clouds.enabled())
    assert lb.inputs["name"] == f"{s.edge.hostname}.{s.edge.zone}" and lb.inputs["proxied"] is True
    assert lb.inputs["steeringPolicy"] == s.edge.steering == "geo"
    assert lb.inputs["defaultPools"] == [ids[key] for key in regions(stack)]
    fallback = s.edge.fallback or enabled[0]
    assert lb.inputs["fallbackPool"] == ids[fallback, getattr(s.clouds, fallback).regions[0].name]
    by_cloud = {cloud: [r.name for r in c.regions] for cloud, c in s.clouds.enabled().items()}
    assert lb.inputs["regionPools"] == {
        code: [ids[key] for key in keys]
        for code, keys in edge_geo.region_pools(s.edge.geo_pools(enabled), by_cloud).items()
    }
    first = {code: listed[0] for code, listed in lb.inputs["regionPools"].items()}
    assert (first["ENAM"], first["WEU"], first["SEAS"]) == (
        ids["aws", "us-east-1"], ids["azure", "eastus"], ids["gcp", "us-central1"]
    )
    for (cloud, region), pool in pools(rec).items():
        assert edge_geo.cloudflare_region(cloud, region) in pool.inputs["checkRegions"]
    monitor = one(r for r in edge(rec) if r.type == token(cloudflare.LoadBalancerMonitor))
    assert (monitor.inputs["interval"], monitor.inputs["timeout"]) == (
        s.dr.health_check_interval,
        s.edge.health_timeout,
    )
    assert (monitor.inputs["consecutiveDown"], monitor.inputs["consecutiveUp"]) == (
        s.dr.failure_threshold,
        s.dr.recovery_threshold,
    )
    assert (monitor.inputs["type"], monitor.inputs["method"], monitor.inputs["path"]) == ("https", "GET", "/health")
    assert monitor.inputs["expectedCodes"] == "200"


@pytest.mark.parametrize("stack", STACKS)
def test_the_edge_uses_one_cloudflare_provider_without_a_token_in_config(recorded, stack):
    rec = recorded(stack)
    provider = one(rec.of_type("pulumi:providers:cloudflare"))
    assert "apiToken" not in provider.inputs
    assert {r.provider_urn for r in edge(rec) if r.custom} == {provider.urn}


@pytest.mark.parametrize("stack", STACKS)
def test_the_ingress_binding_each_cluster_gets_names_exactly_its_pools_origins(recorded, stack):
    rec = recorded(stack)
    origins: dict[str, set[str]] = {}
    for (cloud, _), pool in pools(rec).items():
        origins.setdefault(cloud, set()).update(o["address"] for o in pool.inputs["origins"])
    eips = {
        r.outputs["allocationId"]: r.outputs["publicIp"] for r in rec.of_type(INGRESS["aws"]) if "-ingress-" in r.name
    }
    aws_bound = {eips[a] for b in rec.outputs["aws_ingress"].values() for a in b["eip_allocation_ids"]}
    assert aws_bound == origins["aws"]
    pips = {r.inputs["publicIpAddressName"]: r.outputs["ipAddress"] for r in rec.of_type(INGRESS["azure"])}
    assert {pips[b["public_ip_name"]] for b in rec.outputs["azure_ingress"].values()} == origins["azure"]
    assert {b["address"] for b in rec.outputs["gcp_ingress"].values()} == origins["gcp"]
