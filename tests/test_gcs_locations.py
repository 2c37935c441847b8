"""components/lib/gcs_locations: the dual-region of the DR sink and the Cloud KMS location its key must be in."""

from __future__ import annotations

import pytest

from components.lib import gcs_locations as g


@pytest.mark.parametrize(("regions", "pair"), [
    (["us-central1", "us-east1"], ["us-central1", "us-east4"]),  # a predefined-only pair (NAM4): the partner instead
    (["us-east1", "us-west1"], ["us-east1", "us-west1"]),  # the configured second region
    (["us-central1", "northamerica-northeast1"], ["us-central1", "us-east4"]),  # no pair with it: the partner
    (["us-east4"], ["us-east4", "us-central1"]),
    (["europe-west1", "europe-west4"], []),  # outside the US: none (the settings rule does not ask for one)
])
def test_default_pair(regions, pair):
    assert g.default_pair(regions) == pair


@pytest.mark.parametrize(
    ("location", "kms"), [("US-CENTRAL1", "us-central1"), ("US", "us"), ("europe-west1", "europe-west1")]
)
def test_the_key_location_of_a_bucket_location(location, kms):
    assert g.kms_location(location) == kms


def test_placement_and_key_location():
    assert g.placement(["us-central1", "us-east4"]) == ("US", ["US-CENTRAL1", "US-EAST4"])
    assert g.key_location("projects/p/locations/us/keyRings/r/cryptoKeys/gcs") == "us"
    assert g.key_location("not/a/key") is None
    for pair in (["us-central1", "europe-west1"], ["us-central1", "us-east1"]):
        with pytest.raises(ValueError):
            g.placement(pair)


def test_a_predefined_only_pair_is_refused_with_a_pair_that_works():
    assert g.dual_region_problem(["us-central1", "us-east1"], "us-central1") == (
        "us-central1 and us-east1 pair only as a predefined dual-region, which GCS refuses as a configurable one; "
        "allowed: us-central1 with another region of US, e.g. [us-central1, us-east4]"
    )
    assert g.dual_region_problem(["us-central1", "us-east4"], "us-central1") is None
