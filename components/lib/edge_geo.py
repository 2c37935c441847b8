"""Where the clusters sit in Cloudflare's load-balancing geography: pure data and rules, no resources.

Cloudflare steers and health-checks by its 13 load-balancing regions
(https://developers.cloudflare.com/load-balancing/reference/region-mapping-api/: WNAM, ENAM, WEU, EEU, NSAM, SSAM,
OC, ME, NAF, SAF, SAS, SEAS, NEAS). A user's region is the region of the Cloudflare data centre that answers them
(https://developers.cloudflare.com/load-balancing/understand-basics/traffic-steering/steering-policies/geo-steering/).

`CLOUDFLARE_REGION` places every cloud region of components/settings/catalog.py in the Cloudflare region of the
country (US and Canada: the state or province) its data centres are in. The locations are each cloud's own:
AWS https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html ,
Azure https://learn.microsoft.com/azure/reliability/regions-list ,
Google Cloud https://cloud.google.com/compute/docs/regions-zones . The state/country -> Cloudflare region step is
Cloudflare's Regions API (GET /accounts/{id}/load_balancers/regions?country_code_a2=..&subdivision_code=..); its
documented example puts AB, BC, Mexico, AZ, CA, CO, MN, MO, NV, OR, TX, UT and WA in WNAM
(https://developers.cloudflare.com/api/resources/load_balancers/subresources/regions/methods/get/). The placements
in `UNVERIFIED` follow the region names and geography only: confirm them with that API before relying on them.

Nearness between Cloudflare regions is the great-circle distance between one representative city per region
(`CENTRES`): a documented approximation, enough to order "this region, then the next coast, then overseas".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import asin, cos, radians, sin, sqrt

CENTRES: dict[str, tuple[float, float, str]] = {
    "WNAM": (40.76, -111.89, "Salt Lake City"),
    "ENAM": (39.96, -82.99, "Columbus, Ohio"),
    "WEU": (50.11, 8.68, "Frankfurt"),
    "EEU": (52.23, 21.01, "Warsaw"),
    "NSAM": (4.71, -74.07, "Bogota"),
    "SSAM": (-23.55, -46.63, "Sao Paulo"),
    "OC": (-33.87, 151.21, "Sydney"),
    "ME": (25.20, 55.27, "Dubai"),
    "NAF": (30.04, 31.24, "Cairo"),
    "SAF": (-26.20, 28.05, "Johannesburg"),
    "SAS": (19.08, 72.88, "Mumbai"),
    "SEAS": (1.35, 103.82, "Singapore"),
    "NEAS": (35.68, 139.69, "Tokyo"),
}
"""Representative city (latitude, longitude) of each Cloudflare load-balancing region."""

_BY_REGION: dict[str, dict[str, tuple[str, ...]]] = {
    "aws": {
        "ENAM": ("us-east-1", "us-east-2", "ca-central-1"),  # N. Virginia, Ohio, Montreal
        "WNAM": ("us-west-1", "us-west-2", "ca-west-1", "mx-central-1"),  # N. California, Oregon, Calgary, Queretaro
        "SSAM": ("sa-east-1",),  # Sao Paulo
        "WEU": ("eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2",
                "eu-north-1"),  # Frankfurt, Zurich, Ireland, London, Paris, Milan, Aragon, Stockholm
        "ME": ("il-central-1", "me-south-1", "me-central-1"),  # Tel Aviv, Bahrain, UAE
        "SAF": ("af-south-1",),  # Cape Town
        "SAS": ("ap-south-1", "ap-south-2"),  # Mumbai, Hyderabad
        "SEAS": ("ap-southeast-1", "ap-southeast-3", "ap-southeast-5", "ap-southeast-7"),  # Singapore, Jakarta,
        # Malaysia, Thailand
        "OC": ("ap-southeast-2", "ap-southeast-4", "ap-southeast-6"),  # Sydney, Melbourne, New Zealand
        "NEAS": ("ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3"),  # Hong Kong,
        # Taipei, Tokyo, Seoul, Osaka
    },
    "azure": {
        "ENAM": ("eastus", "eastus2", "northcentralus", "canadacentral", "canadaeast"),  # Virginia x2, Illinois,
        # Toronto, Quebec City
        "WNAM": ("centralus", "southcentralus", "westcentralus", "westus", "westus2", "westus3", "mexicocentral"),
        # Iowa, Texas, Wyoming, California, Washington, Arizona, Queretaro
        "SSAM": ("brazilsouth", "brazilsoutheast", "chilecentral"),  # Sao Paulo state, Rio de Janeiro, Santiago
        "WEU": ("northeurope", "westeurope", "uksouth", "ukwest", "francecentral", "francesouth", "germanywestcentral",
                "germanynorth", "switzerlandnorth", "switzerlandwest", "norwayeast", "norwaywest", "swedencentral",
                "swedensouth", "italynorth", "spaincentral", "austriaeast", "belgiumcentral", "denmarkeast"),
        "EEU": ("polandcentral",),  # Warsaw
        "ME": ("israelcentral", "qatarcentral", "uaenorth", "uaecentral"),
        "SAF": ("southafricanorth", "southafricawest"),  # Johannesburg, Cape Town
        "SAS": ("centralindia", "southindia", "westindia", "jioindiawest", "jioindiacentral"),
        "SEAS": ("southeastasia", "indonesiacentral", "malaysiawest"),  # Singapore, Jakarta, Kuala Lumpur
        "OC": ("australiaeast", "australiasoutheast", "australiacentral", "australiacentral2", "newzealandnorth"),
        "NEAS": ("eastasia", "japaneast", "japanwest", "koreacentral", "koreasouth"),  # Hong Kong, Tokyo, Osaka,
        # Seoul, Busan
    },
    "gcp": {
        "ENAM": ("us-east1", "us-east4", "us-east5", "northamerica-northeast1", "northamerica-northeast2"),
        # South Carolina, N. Virginia, Columbus, Montreal, Toronto
        "WNAM": ("us-central1", "us-south1", "us-west1", "us-west2", "us-west3", "us-west4", "northamerica-south1"),
        # Iowa, Dallas, Oregon, Los Angeles, Salt Lake City, Las Vegas, Queretaro
        "SSAM": ("southamerica-east1", "southamerica-west1"),  # Sao Paulo, Santiago
        "WEU": ("europe-west1", "europe-west2", "europe-west3", "europe-west4", "europe-west6", "europe-west8",
                "europe-west9", "europe-west10", "europe-west12", "europe-southwest1", "europe-north2"),
        # Belgium, London, Frankfurt, Netherlands, Zurich, Milan, Paris, Berlin, Turin, Madrid, Stockholm
        "EEU": ("europe-central2", "europe-north1"),  # Warsaw, Finland
        "ME": ("me-west1", "me-central1", "me-central2"),  # Tel Aviv, Doha, Dammam
        "SAF": ("africa-south1",),  # Johannesburg
        "SAS": ("asia-south1", "asia-south2"),  # Mumbai, Delhi
        "SEAS": ("asia-southeast1", "asia-southeast2"),  # Singapore, Jakarta
        "OC": ("australia-southeast1", "australia-southeast2"),  # Sydney, Melbourne
        "NEAS": ("asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3"),  # Taiwan,
        # Hong Kong, Tokyo, Osaka, Seoul
    },
}

CLOUDFLARE_REGION: dict[str, dict[str, str]] = {
    cloud: {region: code for code, regions in by_code.items() for region in regions}
    for cloud, by_code in _BY_REGION.items()
}
"""Cloud -> cloud region -> the Cloudflare load-balancing region its data centres are in."""

UNVERIFIED: frozenset[tuple[str, str]] = frozenset({
    # Central US states the documented example does not list (Iowa, Illinois, Wyoming): WNAM like their WNAM
    # neighbours MN and MO, except Illinois (east of the Mississippi): ENAM.
    ("azure", "centralus"), ("azure", "northcentralus"), ("azure", "westcentralus"),
    ("gcp", "us-central1"),
    # Brazil: NSAM or SSAM (Sao Paulo and Rio lie in the southern half of the continent).
    ("aws", "sa-east-1"), ("azure", "brazilsouth"), ("azure", "brazilsoutheast"), ("gcp", "southamerica-east1"),
    # Nordics and Austria: WEU or EEU.
    ("aws", "eu-north-1"), ("azure", "norwayeast"), ("azure", "norwaywest"), ("azure", "swedencentral"),
    ("azure", "swedensouth"), ("azure", "denmarkeast"), ("azure", "austriaeast"), ("gcp", "europe-north1"),
    ("gcp", "europe-north2"),
    # Hong Kong and Taiwan: NEAS or SEAS.
    ("aws", "ap-east-1"), ("aws", "ap-east-2"), ("azure", "eastasia"), ("gcp", "asia-east1"), ("gcp", "asia-east2"),
})
"""(cloud, region) placements inferred from geography, not read from Cloudflare's Regions API."""


def cloudflare_region(cloud: str, region: str) -> str | None:
    """The Cloudflare load-balancing region of a cloud region; None when it is not in `CLOUDFLARE_REGION`."""
    return CLOUDFLARE_REGION.get(cloud, {}).get(region)


def distance_km(a: str, b: str) -> float:
    """Great-circle distance between the representative cities of two Cloudflare regions (haversine, R=6371 km)."""
    (lat1, lon1, _), (lat2, lon2, _) = CENTRES[a], CENTRES[b]
    p1, p2, dp, dl = radians(lat1), radians(lat2), radians(lat2 - lat1), radians(lon2 - lon1)
    return 2 * 6371 * asin(sqrt(sin(dp / 2) ** 2 + cos(p1) * cos(p2) * sin(dl / 2) ** 2))


def nearest_first(code: str, regions: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """`regions` ((cloud, region) pairs) ordered by how far their Cloudflare region is from `code`; equally far
    ones (the same Cloudflare region) keep their given order (the failover order: primary region first)."""
    return sorted(regions, key=lambda cr: distance_km(code, CLOUDFLARE_REGION[cr[0]][cr[1]]))


def check_regions(code: str, count: int) -> list[str]:
    """The `count` regions that probe a pool in Cloudflare region `code` (`edge.health_check_regions`): its own and
    the nearest others, sorted (the API stores a set; a sorted list never diffs). Cloudflare probes from 3 data centres
    in each; a region is healthy when most of them pass and an origin when most regions do
    (https://developers.cloudflare.com/load-balancing/monitors/#health-monitor-regions), so 3 regions give a strict
    majority that survives one region's bad path; each one adds 3 probes per interval
    (https://developers.cloudflare.com/load-balancing/troubleshooting/load-balancing-faq/). How many a subscription may
    use is bought: 1 by default on self-serve, up to 8, all 13 on Enterprise
    (https://github.com/cloudflare/cloudflare-docs/issues/31421)."""
    others = sorted((r for r in CENTRES if r != code), key=lambda r: (distance_km(code, r), r))
    return sorted([code, *others[: count - 1]])


def region_pools(
    steering: Mapping[str, Sequence[str]], regions: Mapping[str, Sequence[str]]
) -> dict[str, list[tuple[str, str]]]:
    """Geo steering per (cloud, region) pool: each Cloudflare region gets, cloud by cloud in the order the settings
    steer it, that cloud's regions nearest first. `regions` is each cloud's steerable regions in failover order;
    clouds without one are skipped, and a Cloudflare region left with no pool is dropped."""
    pools: dict[str, list[tuple[str, str]]] = {}
    for code, clouds in steering.items():
        listed = [p for cloud in clouds for p in nearest_first(code, [(cloud, r) for r in regions.get(cloud, ())])]
        if listed:
            pools[code] = listed
    return pools
