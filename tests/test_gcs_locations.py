"""components/lib/gcs_locations: the dual-region of the DR sink and the Cloud KMS location its key must be in."""

from __future__ import annotations

import pytest

from components.lib import gcs_locations as g


@pytest.mark.parametrize(("regions", "pair"), [
    (["us-central1", "us-east1"], ["us-central1", "us-east1"]),  # the configured second region
    (["us-east1", "us-west1"], ["us-east1", "us-west1"]),
    (["us-central1", "northamerica-northeast1"], ["us-central1", "us-east1"]),  # no pair: NAM4's partner
    (["us-west1"], []),  # pairs, but no configured or predefined partner: the settings rule asks for one in prod
    (["europe-west2", "europe-west1"], []),  # London forms no configurable dual-region
])
def test_default_pair(regions, pair):
    assert g.default_pair(regions) == pair


@pytest.mark.parametrize(("location", "kms"), [("US-CENTRAL1", "us-central1"), ("US", "us"), ("EU", "europe")])
def test_the_key_location_of_a_bucket_location(location, kms):
    assert g.kms_location(location) == kms


def test_placement_and_key_location():
    assert g.placement(["us-central1", "us-east1"]) == ("US", ["US-CENTRAL1", "US-EAST1"])
    assert g.key_location("projects/p/locations/us/keyRings/r/cryptoKeys/gcs") == "us"
    assert g.key_location("not/a/key") is None
    with pytest.raises(ValueError):
        g.placement(["us-central1", "europe-west1"])
