"""Resolve type tokens and wire property paths against the installed provider SDKs."""

from __future__ import annotations

import importlib
import re
from typing import Any

PACKAGES = {
    "aws": "pulumi_aws",
    "azure-native": "pulumi_azure_native",
    "gcp": "pulumi_gcp",
    "cloudflare": "pulumi_cloudflare",
    "kubernetes": "pulumi_kubernetes",
}


def resource_class(token: str) -> Any:
    """The SDK class of a type token (`aws:s3/bucket:Bucket` -> pulumi_aws.s3.Bucket)."""
    package, module, name = token.split(":")
    if (package, module) == ("pulumi", "providers"):  # a provider: pulumi:providers:aws -> pulumi_aws.Provider
        return importlib.import_module(PACKAGES[name]).Provider
    parts = module.split("/")
    if package == "kubernetes":
        path = parts  # core/v1 -> core.v1
    elif parts[0] == "index":
        path = []
    else:
        path = parts[:1]
    return getattr(importlib.import_module(".".join([PACKAGES[package], *path])), name)


def wire_properties(cls: Any) -> dict[str, property]:
    """Wire name -> property of an SDK resource, args or output class."""
    found: dict[str, property] = {}
    for klass in getattr(cls, "__mro__", ()):
        for value in vars(klass).values():
            name = getattr(getattr(value, "fget", None), "_pulumi_name", None)
            if isinstance(value, property) and name:
                found.setdefault(name, value)
    return found


def _property_classes(prop: property) -> list[Any]:
    """SDK classes named in a property's return annotation (Output/Optional/Sequence/Union... unwrapped):
    every dotted name in it, looked up from the namespace of the module defining the property."""
    annotation = prop.fget.__annotations__.get("return", "") if prop.fget else ""
    text = annotation if isinstance(annotation, str) else repr(annotation)
    namespace = prop.fget.__globals__ if prop.fget else {}
    classes = []
    for dotted in set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*", text)):
        head, *rest = dotted.split(".")
        value: Any = namespace.get(head)
        for attribute in rest:
            value = getattr(value, attribute, None)
        if isinstance(value, type) and wire_properties(value):
            classes.append(value)
    return classes


def resolve(token: str, path: str) -> bool:
    """Whether the dotted wire path exists on the resource (its args or outputs), through nested types."""
    resource = resource_class(token)
    module = importlib.import_module(resource.__module__)
    candidates = [c for c in (resource, getattr(module, f"{resource.__name__}Args", None)) if c is not None]
    parts = path.split(".")
    for i, part in enumerate(parts):
        following: list[Any] = []
        matched = False
        for cls in candidates:
            prop = wire_properties(cls).get(part)
            if prop is not None:
                matched = True
                following += _property_classes(prop)
        if not matched or (i < len(parts) - 1 and not following):
            return False
        candidates = following
    return True
