"""GCP recordings: the real program with GCP enabled in each stack file, recorded once per session."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scripts.offline import Recording

from .helpers import recording


@pytest.fixture(scope="session")
def gcp_recorded() -> Callable[[str], Recording]:
    """`gcp_recorded("prod")`: the stack file with `clouds.gcp.enabled: true`, recorded once per session."""
    return recording
