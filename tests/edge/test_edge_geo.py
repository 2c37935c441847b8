"""The pure Cloudflare geography (components/lib/edge_geo.py): every catalog region placed, nearest-first steering,
health checks from near the pool."""

from __future__ import annotations

from components.lib import edge_geo
from components.settings import catalog


def test_every_cloud_region_the_settings_accept_has_a_cloudflare_region():
    for cloud, known in catalog.REGIONS.items():
        assert set(edge_geo.CLOUDFLARE_REGION[cloud]) == set(known), cloud
    assert set(edge_geo.CENTRES) == set(catalog.CLOUDFLARE_REGIONS)
    assert set(code for m in edge_geo.CLOUDFLARE_REGION.values() for code in m.values()) <= set(edge_geo.CENTRES)
    assert all(region in edge_geo.CLOUDFLARE_REGION[cloud] for cloud, region in edge_geo.UNVERIFIED)
    # The documented WNAM states (Regions API example): Oregon, Washington, California, Texas.
    assert [edge_geo.cloudflare_region("aws", "us-east-1"), edge_geo.cloudflare_region("aws", "us-west-2"),
            edge_geo.cloudflare_region("azure", "westus2"), edge_geo.cloudflare_region("gcp", "us-south1")] == [
        "ENAM", "WNAM", "WNAM", "WNAM"]


def test_the_geo_map_lists_each_clouds_nearest_region_first_and_keeps_the_cloud_order():
    regions = {"aws": ["us-east-1", "us-west-2", "eu-west-1"], "azure": ["westeurope"]}
    steering = {"WNAM": ["aws"], "WEU": ["azure", "aws"], "SEAS": ["gcp", "aws"], "OC": ["gcp"]}
    assert edge_geo.region_pools(steering, regions) == {
        "WNAM": [("aws", "us-west-2"), ("aws", "us-east-1"), ("aws", "eu-west-1")],
        "WEU": [("azure", "westeurope"), ("aws", "eu-west-1"), ("aws", "us-east-1"), ("aws", "us-west-2")],
        "SEAS": [("aws", "eu-west-1"), ("aws", "us-west-2"), ("aws", "us-east-1")],  # gcp not enabled: skipped
    }  # OC steered only to a cloud with no region: dropped (default_pools apply)
    # Two regions in the same Cloudflare region keep the given (failover) order.
    assert edge_geo.nearest_first("WEU", [("aws", "eu-west-2"), ("aws", "eu-west-1")]) == [
        ("aws", "eu-west-2"), ("aws", "eu-west-1")]


def test_a_pool_is_probed_from_its_own_cloudflare_region_then_the_nearest():
    assert edge_geo.check_regions("ENAM", 3) == edge_geo.check_regions("WNAM", 3) == ["ENAM", "NSAM", "WNAM"]
    assert edge_geo.check_regions("WEU", 3) == ["EEU", "NAF", "WEU"]
    for code in edge_geo.CENTRES:
        assert edge_geo.check_regions(code, 1) == [code]
        regions = edge_geo.check_regions(code, 3)
        assert code in regions and len(set(regions)) == 3, code
