"""GlobalLoadBalancer on the mock runtime: one HTTPS monitor from the DR settings, one pool per (cloud, region)
with that region's ingress addresses and weight only, probed from near the region, a proxied geo-steered load
balancer in failover order whose region map lists each cloud's nearest region first, and a proxied break-glass DNS
record; all parented to the component and on the caller's Cloudflare provider."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from functools import cache
from typing import Any

import pulumi
import pulumi_cloudflare as cloudflare
import pytest

from components.edge.load_balancer import (
    COOKIE_AFFINITY_TTL,
    GlobalLoadBalancer,
    GlobalLoadBalancerArgs,
    Origin,
    monitor_retries,
    record_type,
)
from components.lib import edge_geo
from components.settings import PROJECT
from components.settings.models import Cloud, PlatformSettings, deep_merge
from policies.rules import cloudflare as cloudflare_rules
from scripts.mock_clouds.cloudflare import cloudflare_id
from scripts.offline import Recording, Registration, record
from scripts.policy_check import check
from tests.sdk_checks import args_class, unknown_wire_keys

COMPONENT = "multicloud:edge:GlobalLoadBalancer"
PROVIDER = "pulumi:providers:cloudflare"
MONITOR, POOL = cloudflare.LoadBalancerMonitor.pulumi_type, cloudflare.LoadBalancerPool.pulumi_type
LOAD_BALANCER, RECORD = cloudflare.LoadBalancer.pulumi_type, cloudflare.DnsRecord.pulumi_type
ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
ZONE_ID = "fedcba9876543210fedcba9876543210"
FQDN = "api.example.com"
HEX32 = re.compile(r"[0-9a-f]{32}")

# Ingress addresses of the clusters (documentation ranges), by region.
ADDRESSES = {
    "us-east-1": "203.0.113.10",
    "us-west-2": "203.0.113.11",
    "eastus": "198.51.100.20",
    "westus2": "198.51.100.21",
    "us-central1": "192.0.2.30",
    "us-east1": "192.0.2.31",
}
# The seed's prod layout: cloud -> (region, weight), primary region first.
PROD_ORIGINS = {
    "aws": [("us-east-1", 1.0), ("us-west-2", 0.8)],
    "azure": [("eastus", 0.7), ("westus2", 0.6)],
    "gcp": [("us-central1", 0.5), ("us-east1", 0.5)],
}
POOL_KEYS = [f"{cloud}-{region}" for cloud, regions in PROD_ORIGINS.items() for region, _ in regions]
"""Every prod pool, in failover order: primary cloud's primary region first."""
NORTH_AMERICA = ["ENAM", "NSAM", "WNAM"]
"""Where a pool in ENAM or WNAM is probed from: its own region and the two nearest (lib/edge_geo.py)."""

# Stack variants (overrides of the platform settings) recorded once each.
VARIANTS: dict[str, dict[str, Any]] = {
    "prod": {},
    "two-clouds": {"clouds": {"gcp": {"enabled": False}}},
    "azure-primary": {"clouds": {"aws": {"role": "secondary"}, "azure": {"role": "primary"}}},
    "fallback-azure": {"edge": {"fallback": "azure"}},
    "cookie": {"edge": {"session_affinity": "cookie"}},
    "latency": {"edge": {"steering": "dynamic_latency"}},
    "slow-dr": {"dr": {"health_check_interval": "30s", "failure_threshold": 4, "recovery_threshold": 3},
                "edge": {"health_timeout": "10s", "health_path": "/livez", "cloudflare_plan": "business"}},
}


def settings(variant: str) -> PlatformSettings:
    """Prod-like settings of one variant (real-looking Cloudflare ids, zone example.com, host api)."""
    base = {
        "name": "flow",
        "environment": "prod",
        "edge": {"account_id": ACCOUNT_ID, "zone_id": ZONE_ID, "zone": "example.com", "hostname": "api"},
    }
    return PlatformSettings.model_validate(deep_merge(base, VARIANTS[variant]))


def origins_of(s: PlatformSettings) -> dict[Cloud, list[Origin]]:
    """What the Platform passes: each enabled cloud in failover order, its regions' addresses and weights."""
    return {
        cloud: [Origin(cloud=cloud, region=r.name, address=ADDRESSES[r.name], weight=r.weight) for r in c.regions]
        for cloud, c in s.clouds.enabled().items()
    }


def args_of(s: PlatformSettings) -> GlobalLoadBalancerArgs:
    return GlobalLoadBalancerArgs(
        edge=s.edge, dr=s.dr, origins=origins_of(s), name_prefix=f"{s.name}-{s.environment}", environment=s.environment
    )


def run(args: GlobalLoadBalancerArgs, addresses_as_outputs: bool = False) -> Recording:
    """Record the component alone on the mocks (addresses optionally as Outputs, as the Platform passes them)."""

    def program() -> None:
        provider = cloudflare.Provider("cf")
        built = args
        if addresses_as_outputs:  # Outputs must be created inside the program, never at import time
            origins = {c: [replace(o, address=pulumi.Output.from_input(o.address)) for o in os_]
                       for c, os_ in args.origins.items()}
            built = replace(args, origins=origins)
        lb = GlobalLoadBalancer("edge", built, opts=pulumi.ResourceOptions(providers=[provider]))
        pulumi.export("hostname", lb.hostname)
        pulumi.export("load_balancer_id", lb.load_balancer_id)
        pulumi.export("pool_ids", lb.pool_ids)
        pulumi.export("monitor_id", lb.monitor_id)

    return record("prod", {}, program, PROJECT)


@cache
def recorded(variant: str) -> Recording:
    return run(args_of(settings(variant)))


def component(rec: Recording) -> Registration:
    (found,) = rec.of_type(COMPONENT)
    return found


def one(rec: Recording, resource_type: str) -> Registration:
    found = rec.of_type(resource_type)
    assert len(found) == 1, [r.name for r in found]
    return found[0]


def pools(rec: Recording) -> dict[str, Registration]:
    """Pools by `<cloud>-<region>` (from the logical name `edge-pool-<cloud>-<region>`)."""
    return {p.name.removeprefix("edge-pool-"): p for p in rec.of_type(POOL)}


def pool_id(rec: Recording, key: str) -> str:
    """The id of a region's pool (as the mocks assign it), checked against the component's output."""
    expected = cloudflare_id(POOL, pools(rec)[key].inputs["name"])
    assert rec.outputs["pool_ids"][key] == expected
    return expected


def ids(rec: Recording, *keys: str) -> list[str]:
    return [pool_id(rec, key) for key in keys]


# --- the component tree ---------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["prod", "two-clouds"])
def test_exact_children_parented_to_the_component_on_the_callers_provider(variant):
    rec = recorded(variant)
    lb = component(rec)
    (provider,) = rec.of_type(PROVIDER)
    assert provider.parent != lb.urn, "the component must not create its own provider"
    children = rec.children(lb)
    regions = [f"{cloud}-{r.name}" for cloud, c in settings(variant).clouds.enabled().items() for r in c.regions]
    assert Counter(c.type for c in children) == Counter(
        {MONITOR: 1, POOL: len(regions), LOAD_BALANCER: 1, RECORD: 1}
    )
    assert {c.name for c in children} == {"edge-monitor", "edge-lb", "edge-record"} | {
        f"edge-pool-{key}" for key in regions
    }
    assert len([r for r in rec.resources if r.custom and not r.type.startswith("pulumi:")]) == len(children)
    for child in children:
        assert child.provider_urn == provider.urn, child.name


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_input_is_a_property_of_the_pinned_sdk(variant):
    rec = recorded(variant)
    for resource in rec.resources:
        if resource.custom and not resource.type.startswith("pulumi:"):
            assert list(unknown_wire_keys(args_class(resource.type), resource.inputs)) == [], resource.name


# --- monitor --------------------------------------------------------------------------------------


def test_one_https_monitor_from_the_dr_settings():
    monitor = one(recorded("prod"), MONITOR)
    assert monitor.inputs == {
        "accountId": ACCOUNT_ID,
        "description": "flow-prod: HTTPS GET /health on every cluster ingress, expect 200",
        "type": "https",
        "method": "GET",
        "path": "/health",
        "expectedCodes": "200",
        "interval": 60,  # Cloudflare's minimum on a Free zone (crosscloud R2)
        "timeout": 5,
        "retries": 3,
        "consecutiveDown": 3,
        "consecutiveUp": 2,
        "header": {"Host": [FQDN]},
        "allowInsecure": False,
        "followRedirects": False,
        "probeZone": "example.com",
    }


def test_monitor_follows_changed_dr_settings():
    monitor = one(recorded("slow-dr"), MONITOR)
    timing = ("interval", "timeout", "retries", "consecutiveDown", "consecutiveUp", "path")
    assert {k: monitor.inputs[k] for k in timing} == {
        "interval": 30, "timeout": 10, "retries": 2, "consecutiveDown": 4, "consecutiveUp": 3, "path": "/livez",
    }


@pytest.mark.parametrize(
    ("interval", "timeout", "retries"),
    [(10, 5, 1), (30, 10, 2), (60, 10, 3), (60, 5, 3), (10, 9, 0), (20, 5, 3), (15, 5, 2)],
)
def test_retries_keep_a_probe_with_its_retries_inside_the_interval(interval, timeout, retries):
    assert monitor_retries(interval, timeout) == retries
    assert timeout * (retries + 1) <= interval or retries == 0


# --- pools ----------------------------------------------------------------------------------------


def expected_origins(region: str, weight: float) -> list[dict[str, Any]]:
    """A region's pool origins as the pool must send them."""
    return [{"name": f"{cloud_of(region)}-{region}", "address": ADDRESSES[region], "weight": weight, "enabled": True,
             "header": {"hosts": [FQDN]}}]


def cloud_of(region: str) -> str:
    return next(cloud for cloud, regions in PROD_ORIGINS.items() if region in dict(regions))


def test_one_monitored_pool_per_region_with_only_that_regions_origins():
    """crosscloud G3: a pool per (cloud, region), so geo steering can pick a region, not a whole cloud."""
    rec = recorded("prod")
    monitor = one(rec, MONITOR)
    monitor_id = rec.outputs["monitor_id"]
    assert monitor_id == cloudflare_id(MONITOR, monitor.name)
    found = pools(rec)
    assert sorted(found) == sorted(POOL_KEYS)  # registration order is the engine's; defaultPools has ours
    for cloud, regions in PROD_ORIGINS.items():
        for region, weight in regions:
            pool = found[f"{cloud}-{region}"]
            assert pool.inputs["name"] == f"flow-prod-{cloud}-{region}"
            assert pool.inputs["accountId"] == ACCOUNT_ID
            assert pool.inputs["origins"] == expected_origins(region, weight)
            assert pool.inputs["monitor"] == monitor_id
            assert monitor.urn in pool.dependencies
            assert pool.inputs["minimumOrigins"] == 1
            assert pool.inputs["enabled"] is True
            assert pool.inputs["originSteering"] == {"policy": "least_outstanding_requests"}
            assert all("port" not in origin for origin in pool.inputs["origins"])


def test_a_regions_addresses_are_sent_in_name_order_and_the_config_order_is_the_failover_order():
    s = settings("prod")
    aws = [Origin(cloud="aws", region="us-west-2", address=ADDRESSES["us-west-2"], weight=0.8),
           *(Origin(cloud="aws", region="us-east-1", address=f"203.0.113.{20 + i}", weight=1.0, index=i)
             for i in (1, 0))]
    rec = run(GlobalLoadBalancerArgs(edge=s.edge, dr=s.dr, origins={"aws": aws}, name_prefix="flow-prod",
                                     environment="prod"))
    assert [o["name"] for o in pools(rec)["aws-us-east-1"].inputs["origins"]] == ["aws-us-east-1-0", "aws-us-east-1-1"]
    assert one(rec, LOAD_BALANCER).inputs["defaultPools"] == ids(rec, "aws-us-west-2", "aws-us-east-1")
    # The break-glass record still points at the configured primary region (listed first), not the sorted first.
    assert one(rec, RECORD).inputs["content"] == ADDRESSES["us-west-2"]


def test_pools_are_probed_from_near_their_origins():
    """crosscloud G3: from the pool's own Cloudflare region (then the nearest, as many as edge.health_check_regions:
    1 by default, what a self-serve subscription includes), not from where users are."""
    own = {key: [edge_geo.cloudflare_region(*key.split("-", 1))] for key in POOL_KEYS}
    assert {key: p.inputs["checkRegions"] for key, p in pools(recorded("prod")).items()} == own
    assert edge_geo.check_regions(edge_geo.cloudflare_region("aws", "us-east-1") or "", 3) == NORTH_AMERICA


# --- load balancer --------------------------------------------------------------------------------


def test_proxied_geo_load_balancer_in_failover_order_with_the_seed_geo_map():
    rec = recorded("prod")
    lb = one(rec, LOAD_BALANCER)
    aws_e, aws_w, az_e, az_w, gcp_c, gcp_e = ids(rec, *POOL_KEYS)
    assert lb.inputs["zoneId"] == ZONE_ID
    assert lb.inputs["name"] == FQDN
    assert lb.inputs["proxied"] is True
    assert lb.inputs["enabled"] is True
    assert lb.inputs["steeringPolicy"] == "geo"
    assert lb.inputs["defaultPools"] == [aws_e, aws_w, az_e, az_w, gcp_c, gcp_e]
    assert lb.inputs["fallbackPool"] == aws_e
    # The seed's clouds per Cloudflare region, each cloud's regions nearest first: WNAM users reach us-west-2 and
    # westus2 first; Asia-Pacific reaches the western regions first, except South Asia (Mumbai is nearer Ohio).
    assert lb.inputs["regionPools"] == {
        "ENAM": [aws_e, aws_w, az_e, az_w],
        "WNAM": [aws_w, aws_e, az_w, az_e],
        "WEU": [az_e, az_w, aws_e, aws_w],
        "EEU": [az_e, az_w, aws_e, aws_w],
        "SEAS": [gcp_c, gcp_e, aws_w, aws_e],
        "NEAS": [gcp_c, gcp_e, aws_w, aws_e],
        "SAS": [gcp_e, gcp_c, aws_e, aws_w],
        "OC": [gcp_c, gcp_e, aws_w, aws_e],
    }
    assert lb.inputs["adaptiveRouting"] == {"failoverAcrossPools": True}
    assert lb.inputs["sessionAffinity"] == "none"
    for perpetual_diff in ("ttl", "countryPools", "popPools", "locationStrategy", "randomSteering",
                           "sessionAffinityTtl", "sessionAffinityAttributes"):
        assert perpetual_diff not in lb.inputs, perpetual_diff
    assert {p.urn for p in pools(rec).values()} <= set(lb.dependencies)
    assert one(rec, RECORD).urn in lb.dependencies, "the break-glass record exists before the LB shadows it"


def test_two_clouds_restrict_the_geo_map_and_the_failover_order():
    rec = recorded("two-clouds")
    lb = one(rec, LOAD_BALANCER)
    assert sorted(pools(rec)) == sorted(POOL_KEYS[:4])
    aws_e, aws_w, az_e, az_w = ids(rec, *POOL_KEYS[:4])
    assert lb.inputs["defaultPools"] == [aws_e, aws_w, az_e, az_w]
    assert lb.inputs["fallbackPool"] == aws_e
    assert lb.inputs["regionPools"]["SEAS"] == [aws_w, aws_e]
    assert lb.inputs["regionPools"]["SAS"] == [aws_e, aws_w]
    assert lb.inputs["regionPools"]["WEU"] == [az_e, az_w, aws_e, aws_w]


def test_failover_order_and_fallback_follow_the_cloud_roles():
    rec = recorded("azure-primary")
    lb = one(rec, LOAD_BALANCER)
    order = ["azure-eastus", "azure-westus2", "aws-us-east-1", "aws-us-west-2", "gcp-us-central1", "gcp-us-east1"]
    assert lb.inputs["defaultPools"] == ids(rec, *order)
    assert lb.inputs["fallbackPool"] == pool_id(rec, "azure-eastus")
    assert one(rec, RECORD).inputs["content"] == ADDRESSES["eastus"]


def test_configured_fallback_pool_wins_over_the_primary():
    rec = recorded("fallback-azure")
    lb = one(rec, LOAD_BALANCER)
    assert lb.inputs["fallbackPool"] == pool_id(rec, "azure-eastus")
    assert lb.inputs["defaultPools"][0] == pool_id(rec, "aws-us-east-1")


def test_cookie_affinity_sets_the_apis_own_ttl_and_attributes():
    lb = one(recorded("cookie"), LOAD_BALANCER)
    assert lb.inputs["sessionAffinity"] == "cookie"
    assert lb.inputs["sessionAffinityTtl"] == COOKIE_AFFINITY_TTL == 82800
    assert lb.inputs["sessionAffinityAttributes"] == {
        "samesite": "Auto", "secure": "Always", "drainDuration": 0, "zeroDowntimeFailover": "none",
    }


def test_non_geo_steering_sends_no_region_map():
    lb = one(recorded("latency"), LOAD_BALANCER)
    assert lb.inputs["steeringPolicy"] == "dynamic_latency"
    assert "regionPools" not in lb.inputs
    assert len(lb.inputs["defaultPools"]) == 6


# --- DNS record -----------------------------------------------------------------------------------


def test_break_glass_record_is_a_proxied_a_record_at_the_lb_hostname():
    record_ = one(recorded("prod"), RECORD)
    assert record_.inputs["zoneId"] == ZONE_ID
    assert record_.inputs["name"] == FQDN
    assert record_.inputs["type"] == "A"
    assert record_.inputs["content"] == ADDRESSES["us-east-1"]
    assert record_.inputs["proxied"] is True
    assert record_.inputs["ttl"] == 1
    assert "load balancer is disabled" in record_.inputs["comment"]
    assert len(record_.inputs["comment"]) <= 100  # the free plan's comment limit


@pytest.mark.parametrize(
    ("address", "expected"),
    [("203.0.113.10", "A"), ("2001:db8::1", "AAAA"), ("ingress.example.net", "CNAME")],
)
def test_record_type_follows_the_address(address, expected):
    assert record_type(address) == expected


def test_addresses_known_only_at_deploy_time_make_an_a_record_and_reach_the_pools():
    rec = run(args_of(settings("prod")), addresses_as_outputs=True)
    record_ = one(rec, RECORD)
    assert (record_.inputs["type"], record_.inputs["content"]) == ("A", ADDRESSES["us-east-1"])
    assert pools(rec)["gcp-us-east1"].inputs["origins"] == expected_origins("us-east1", 0.5)


# --- outputs, policies, validation ----------------------------------------------------------------


def test_outputs_name_the_hostname_and_the_ids():
    rec = recorded("prod")
    assert rec.outputs["hostname"] == FQDN
    assert rec.outputs["load_balancer_id"] == cloudflare_id(LOAD_BALANCER, FQDN)
    assert list(rec.outputs["pool_ids"]) == POOL_KEYS
    assert all(HEX32.fullmatch(v) for v in [*rec.outputs["pool_ids"].values(), rec.outputs["monitor_id"]])


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_the_cloudflare_policies_pass(variant):
    config = {"cloudflare-monitor-timing": {"maxIntervalSeconds": 30 if variant == "slow-dr" else 60}}
    report = check(recorded(variant), "prod", config, policies=cloudflare_rules.POLICIES)
    assert report.violations == []
    assert report.resources == len(recorded(variant).resources)


def test_the_policies_see_a_broken_monitor():
    """The policy check above can fail: a monitor slower than the prod limit is reported."""
    report = check(recorded("slow-dr"), "prod", {"cloudflare-monitor-timing": {"maxIntervalSeconds": 15}},
                   policies=cloudflare_rules.POLICIES)
    assert [v.policy for v in report.violations] == ["cloudflare-monitor-timing"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"fallback": "gcp", "clouds": ["aws", "azure"]}, "fallback gcp has no pool"),
        ({"misfiled": True}, "origin azure-eastus listed under aws"),
        ({"empty": "azure"}, "azure has no origin"),
        ({"region": "mars-1"}, "region mars-1 of aws has no Cloudflare region"),
    ],
)
def test_inconsistent_arguments_are_refused(change, message):
    s = settings("prod")
    origins = origins_of(s)
    edge = s.edge
    if "fallback" in change:
        edge = edge.model_copy(update={"fallback": change["fallback"]})
        origins = {c: o for c, o in origins.items() if c in change["clouds"]}
    if change.get("misfiled"):
        origins["aws"] = [*origins["aws"], origins["azure"][0]]
    if "empty" in change:
        origins[change["empty"]] = []
    if "region" in change:
        origins["aws"] = [replace(origins["aws"][0], region=change["region"])]
    args = GlobalLoadBalancerArgs(edge=edge, dr=s.dr, origins=origins, name_prefix="flow-prod", environment="prod")
    with pytest.raises(Exception, match=message):
        run(args)


def test_a_drained_region_keeps_its_monitored_pool_out_of_every_steering_list():
    """Weight 0 drains a region: its pool stays (probed, ready to return) but no list steers to it."""
    s = settings("prod")
    origins = origins_of(s)
    origins["aws"] = [replace(origins["aws"][0], weight=0.0), origins["aws"][1]]
    rec = run(GlobalLoadBalancerArgs(edge=s.edge, dr=s.dr, origins=origins, name_prefix="flow-prod",
                                     environment="prod"))
    lb, drained = one(rec, LOAD_BALANCER), pool_id(rec, "aws-us-east-1")
    assert "aws-us-east-1" in pools(rec)
    assert drained not in lb.inputs["defaultPools"]
    assert all(drained not in listed for listed in lb.inputs["regionPools"].values())
    assert lb.inputs["fallbackPool"] == pool_id(rec, "aws-us-west-2")
