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


def ses_identity(source_arn: str) -> tuple[str, str]:
    """(region, identity) of an SES identity ARN `arn:aws:ses:<region>:<account>:identity/<domain or address>`."""
    parts = source_arn.split(":", 5)
    return parts[3], parts[5].removeprefix("identity/")


def ses_email_problems(source_arn: str, from_address: str, pool_region: str) -> list[str]:
    """Why Cognito would refuse this DEVELOPER e-mail configuration of a pool in `pool_region` (empty if none).

    - The identity is in the pool's region: "The Region value of the SourceArn parameter must indicate a supported
      AWS Region of your user pool. Typically, the Region in the SourceArn and the user pool Region are the same"
      (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-email.html, "Amazon SES email
      configuration Regions"; only some regions may use another, so the same region is the rule everywhere).
    - The FROM address is the identity (an address identity) or of its domain or a subdomain (a domain identity:
      SES lets a verified domain send from its subdomains too,
      https://docs.aws.amazon.com/ses/latest/dg/creating-identities.html)."""
    region, identity = ses_identity(source_arn)
    problems = []
    if region != pool_region:
        problems.append(f"the SES identity is in {region}, the user pool in {pool_region}; allowed: {pool_region}")
    domain = from_address.rsplit("@", 1)[-1].lower()
    identity = identity.lower()
    if "@" in identity:
        if from_address.lower() != identity:
            problems.append(f"from_address {from_address} is not the SES address identity {identity}")
    elif domain != identity and not domain.endswith(f".{identity}"):
        problems.append(f"from_address {from_address} is not an address of the SES domain identity {identity}")
    return problems
