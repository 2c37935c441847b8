"""Mock outputs of pulumiverse-time resources: a fixed clock, so plans are deterministic."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

NOW = datetime(2026, 12, 1, tzinfo=UTC)
"""The mock clock (what `Rotating` answers as its base time)."""


def outputs(resource_type: str, physical: str, region: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """`rfc3339`, `unix` and `rotationRfc3339` of a Rotating (its base time plus the requested period)."""
    if resource_type != "time:index/rotating:Rotating":
        return {}
    period = timedelta(
        days=float(inputs.get("rotationDays") or 0) + 365 * float(inputs.get("rotationYears") or 0),
        hours=float(inputs.get("rotationHours") or 0),
        minutes=float(inputs.get("rotationMinutes") or 0),
    )
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    return {
        "rfc3339": NOW.strftime(stamp),
        "unix": int(NOW.timestamp()),
        "rotationRfc3339": (NOW + period).strftime(stamp),
    }
