"""Mock outputs of pulumi-random resources: deterministic values of the requested shape."""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping
from typing import Any

from .common import token_of


def outputs(resource_type: str, physical: str, region: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """`result` of a RandomPassword/RandomString: the requested length, never a real secret."""
    if resource_type == "random:index/randomString:RandomString":
        return {"result": _string(resource_type, physical, inputs)}
    if resource_type == "random:index/randomPassword:RandomPassword":
        length = int(inputs.get("length", 32))
        seed = token_of(resource_type, physical)
        return {"result": ("Mock-" + seed * 8)[:length]}
    if resource_type == "random:index/randomId:RandomId":
        size = int(inputs.get("byteLength", 4))
        return {"hex": (token_of(resource_type, physical) * 8)[: 2 * size]}
    return {}


def _string(resource_type: str, physical: str, inputs: Mapping[str, Any]) -> str:
    """A RandomString of the requested length drawn from the character classes it enables (lower, upper, numeric,
    special: pulumi-random's defaults are all on), stable per resource."""
    alphabet = "".join(
        chars
        for key, chars in (
            ("lower", string.ascii_lowercase),
            ("upper", string.ascii_uppercase),
            ("numeric", string.digits),
            ("special", str(inputs.get("overrideSpecial") or "!@#$%&*()-_=+[]{}<>:?")),
        )
        if inputs.get(key, True) is not False
    )
    length = int(inputs.get("length", 32))
    digest = hashlib.sha256(token_of(resource_type, physical).encode()).digest() * (length // 32 + 1)
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])
