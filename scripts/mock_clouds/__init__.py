"""Realistic mock outputs per cloud for the offline runtime.

One module per provider package (`aws.py`, `azure.py`, `gcp.py`, ...), each with
`outputs(resource_type, physical_name, region, inputs) -> dict` (wire, camelCase names; a `__id` key
sets the resource id) and `INVOKES: {token: (region, args) -> dict}`. A package without a module gets
no computed outputs; an invoke no module answers fails loudly.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from functools import cache
from types import ModuleType
from typing import Any

# Provider package of a type token -> mock module name.
MODULES = {
    "aws": "aws",
    "azure-native": "azure",
    "gcp": "gcp",
    "cloudflare": "cloudflare",
    "kubernetes": "kubernetes",
    "random": "random",
    "time": "time",
}


@cache
def _module(package: str) -> ModuleType | None:
    name = MODULES.get(package)
    try:
        return importlib.import_module(f"{__name__}.{name}") if name else None
    except ModuleNotFoundError:
        return None


def outputs(resource_type: str, physical: str, region: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Computed outputs of one resource, by its provider's mock module."""
    module = _module(resource_type.split(":")[0])
    return module.outputs(resource_type, physical, region, inputs) if module else {}


def invoke(token: str, region: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """The answer to one invoke; NotImplementedError when no module mocks it."""
    module = _module(token.split(":")[0])
    answers: Mapping[str, Callable[[str, Mapping[str, Any]], dict[str, Any]]] = getattr(module, "INVOKES", {})
    if token not in answers:
        raise NotImplementedError(f"offline runtime has no mock for invoke {token}")
    return answers[token](region, args)
