"""Helpers shared by the per-cloud mock modules."""

from __future__ import annotations

import hashlib


def token_of(resource_type: str, physical: str) -> str:
    """A stable 12-hex-digit token per resource, for ids and hostnames that must differ across resources."""
    return hashlib.sha1(f"{resource_type}/{physical}".encode()).hexdigest()[:12]
