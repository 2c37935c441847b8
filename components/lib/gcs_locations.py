"""Where a GCS bucket lives and where the Cloud KMS key of its default CMEK must live: pure data and rules.

Shared by the settings edge (which pairs of regions a dual-region backups bucket may take), the GCP region component
(the bucket's `location` + `custom_placement_config`, and the key ring's location), the CrossGuard policy and the
deploy check (a bucket whose default key sits in a location GCS does not accept).

- A configurable dual-region is created with the multi-region's code as its `location` and the two regions as
  `customPlacementConfig.dataLocations`: "precisely two eligible regions within the same multi-region"
  (https://cloud.google.com/storage/docs/locations#configurable ; the API's CustomPlacementConfig,
  https://docs.cloud.google.com/java/docs/reference/google-cloud-storage/latest/com.google.storage.v2.Bucket.CustomPlacementConfig.md.txt).
  The `gcloud` form is `--location=us --placement=<region>,<region>`
  (https://docs.cloud.google.com/sdk/gcloud/reference/alpha/storage/buckets/relocate).
- Not every two eligible regions pair: "The US-CENTRAL1 and US-EAST1 dual-region pairing is only available as a
  predefined dual-region" (https://cloud.google.com/storage/docs/locations, the configurable dual-region table's
  footnote), and GCS refuses it as a configurable one with 400 "Please create your bucket in NAM4, which is made up of
  the regions (US-EAST1, US-CENTRAL1)" (https://github.com/terraform-google-modules/terraform-example-foundation/issues/1414).
  The predefined NAM4 is not used instead: its Cloud KMS counterpart `nam4` is "Iowa, South Carolina, and Oklahoma"
  (https://cloud.google.com/kms/docs/locations), so which key location GCS takes for it is not established here.
- The default key must be in the bucket's location (https://cloud.google.com/storage/docs/encryption/customer-managed-keys,
  its restrictions; the stored copy read here stops before that section, so the wording is UNVERIFIED); GCS refuses
  another with 400 "Cloud KMS region 'global' not available for use with GCS region 'US'"
  (https://github.com/googleapis/google-cloud-go/issues/1787), which the mock runtime accepts.
  A configurable dual-region's location is its multi-region (`US`), so its key lives in the KMS multi-region of that
  name (`us`), as Google's example foundation pairs them (`location_gcs = "US"`, `location_kms = "us"`,
  terraform-google-modules/terraform-example-foundation 4-projects). Only the US is carried (DUAL_REGION_MEMBERS).
"""

from __future__ import annotations

from collections.abc import Sequence

DUAL_REGION_MEMBERS: dict[str, frozenset[str]] = {
    # https://cloud.google.com/storage/docs/locations#configurable (the US regions eligible for configurable
    # dual-regions). The other continents' tables have their own location codes and footnotes (e.g. configurable ASIA
    # is one pair only) and are not carried here: a pair outside the US is refused at the settings edge.
    "US": frozenset({
        "us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2", "us-west3", "us-west4",
    }),
}
"""Regions a configurable dual-region may pair, by the multi-region (its bucket `location`) they belong to."""

PREDEFINED_ONLY: frozenset[frozenset[str]] = frozenset({frozenset({"us-central1", "us-east1"})})
"""Eligible regions GCS pairs only as a predefined dual-region (NAM4), never as a configurable one (docstring)."""

PARTNERS: tuple[str, ...] = ("us-east4", "us-central1")
"""Second regions tried, in order, for a primary region whose stack's second region does not pair with it
(us-central1 + us-east4: Iowa and Northern Virginia, about 1,300 km apart)."""

KMS_MULTI_REGIONS: dict[str, str] = {"US": "us"}
"""The Cloud KMS location of the key of a bucket in each GCS multi-region (or a configurable dual-region of it)."""


def multi_region_of(region: str) -> str | None:
    """The multi-region a region may form a configurable dual-region in (None: none)."""
    return next((multi for multi, members in DUAL_REGION_MEMBERS.items() if region in members), None)


def dual_region_problem(pair: Sequence[str], home: str) -> str | None:
    """Why `pair` cannot be the dual-region of a bucket homed in `home` (None: it can)."""
    if len(pair) != 2 or pair[0] == pair[1]:
        return f"{list(pair)} is not two different regions; allowed: exactly two, e.g. [{home}, <another region>]"
    if home not in pair:
        return f"{list(pair)} leaves out {home}, the region whose backups bucket it places; allowed: a pair with {home}"
    multis = [multi_region_of(r) for r in pair]
    if None in multis or multis[0] != multis[1]:
        multi = multi_region_of(home)
        allowed = (
            f"{home} with another region of {multi}: {', '.join(sorted(DUAL_REGION_MEMBERS[multi] - {home}))}"
            if multi
            else f"none: {home} forms no configurable dual-region (components/lib/gcs_locations.py)"
        )
        return f"{pair[0]} and {pair[1]} are not two regions of one multi-region; allowed: {allowed}"
    if frozenset(pair) in PREDEFINED_ONLY:
        return (
            f"{pair[0]} and {pair[1]} pair only as a predefined dual-region, which GCS refuses as a configurable one; "
            f"allowed: {home} with another region of {multi_region_of(home)}, e.g. [{home}, "
            f"{next(p for p in PARTNERS if p != home)}]"
        )
    return None


def default_pair(regions: Sequence[str]) -> list[str]:
    """The dual-region of a bucket homed in `regions[0]`: with `regions[1]` when they pair, else with the first of
    PARTNERS that does; empty when none does."""
    home = regions[0]
    candidates = [[home, r] for r in [*regions[1:2], *PARTNERS]]
    return next((pair for pair in candidates if dual_region_problem(pair, home) is None), [])


def placement(pair: Sequence[str]) -> tuple[str, list[str]]:
    """The bucket `location` and `customPlacementConfig.dataLocations` of a configurable dual-region (upper case, as
    GCS reports them back: lower case would show a diff on every refresh, hashicorp/terraform-provider-google#13116)."""
    multi = multi_region_of(pair[0])
    if multi is None or dual_region_problem(pair, pair[0]):
        raise ValueError(f"{list(pair)} is not a configurable dual-region")
    return multi, [r.upper() for r in pair]


def kms_location(bucket_location: str) -> str:
    """The Cloud KMS location a bucket's default key must be in: the region of a regional bucket, the KMS multi-region
    of a multi-region or configurable dual-region one."""
    location = bucket_location.upper()
    return KMS_MULTI_REGIONS.get(location, location.lower())


def key_location(key_name: str) -> str | None:
    """The location of a Cloud KMS key name (`projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>`)."""
    parts = key_name.split("/")
    return parts[3] if len(parts) >= 4 and parts[2] == "locations" else None
