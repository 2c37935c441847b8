"""Helpers shared by the per-cloud mock modules."""

from __future__ import annotations

import hashlib


def token_of(resource_type: str, physical: str) -> str:
    """A stable 12-hex-digit token per resource, for ids and hostnames that must differ across resources."""
    return hashlib.sha1(f"{resource_type}/{physical}".encode()).hexdigest()[:12]


def public_ip(token: str, first: int) -> str:
    """A stable public-looking IPv4 address per resource (first octet chosen by the caller's cloud)."""
    digest = hashlib.sha1(token.encode()).digest()
    return f"{first}.{digest[0]}.{digest[1]}.{digest[2] or 1}"
