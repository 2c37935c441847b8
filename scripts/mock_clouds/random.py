"""Mock outputs of pulumi-random resources: deterministic values of the requested shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import token_of


def outputs(resource_type: str, physical: str, region: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """`result` of a RandomPassword/RandomString: the requested length, never a real secret."""
    if resource_type in ("random:index/randomPassword:RandomPassword", "random:index/randomString:RandomString"):
        length = int(inputs.get("length", 32))
        seed = token_of(resource_type, physical)
        return {"result": ("Mock-" + seed * 8)[:length]}
    if resource_type == "random:index/randomId:RandomId":
        size = int(inputs.get("byteLength", 4))
        return {"hex": (token_of(resource_type, physical) * 8)[: 2 * size]}
    return {}
