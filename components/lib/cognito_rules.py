"""What Cognito accepts of a user pool's settings: token validities, hosted-UI domain prefixes and redirect URLs.

Pure rules, shared by the settings edge (which reports them as stack-file problems before anything is registered)
and the user-pool component (which keeps them as its own guard).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

ACCESS_TOKEN_RANGE = (300, 86400)
"""Cognito's bounds of an access/ID token validity in seconds (5 minutes to 1 day)."""
REFRESH_TOKEN_RANGE = (3600, 315360000)
"""Cognito's bounds of a refresh token validity in seconds (60 minutes to 10 years)."""
RESERVED_DOMAIN_WORDS = ("aws", "amazon", "cognito")
"""Words Cognito refuses in a hosted-UI domain prefix."""


def check_token_lifetimes(token_lifetime: int, refresh_lifetime: int) -> None:
    """Raise ValueError unless Cognito accepts these validities (seconds) and the refresh token outlives the
    access token."""
    low, high = ACCESS_TOKEN_RANGE
    if not low <= token_lifetime <= high:
        raise ValueError(f"token lifetime {token_lifetime}s is out of range; allowed: {low}-{high} seconds")
    low, high = REFRESH_TOKEN_RANGE
    if not low <= refresh_lifetime <= high:
        raise ValueError(f"refresh lifetime {refresh_lifetime}s is out of range; allowed: {low}-{high} seconds")
    if refresh_lifetime <= token_lifetime:
        raise ValueError(f"refresh lifetime {refresh_lifetime}s must exceed the token lifetime {token_lifetime}s")


def check_domain_prefix(prefix: str) -> str:
    """`prefix` if Cognito accepts it as a hosted-UI prefix (it rejects `aws`, `amazon` and `cognito`)."""
    reserved = [word for word in RESERVED_DOMAIN_WORDS if word in prefix]
    if reserved:
        raise ValueError(f"Cognito domain prefix '{prefix}' contains reserved word {reserved[0]!r}")
    return prefix


def check_redirect_urls(urls: Sequence[str], what: str) -> list[str]:
    """`urls` if each is an absolute https URL without a fragment (what Cognito accepts for non-localhost)."""
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.netloc or parts.fragment:
            raise ValueError(f"{what} URL '{url}' is not an absolute https URL without a fragment")
    if not urls:
        raise ValueError(f"the hosted-UI client needs at least one {what} URL")
    return list(urls)
