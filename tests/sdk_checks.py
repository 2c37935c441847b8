"""Checks of recorded inputs against the pinned SDKs: every property name must exist in the SDK's
input types, so a misspelt or removed property fails here instead of at `pulumi up`."""

from __future__ import annotations

import importlib
import sys
import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi import _types as pulumi_types
from pulumi.runtime import rpc

# Provider package of a type token -> the SDK's Python package.
SDK_PACKAGES = {"aws": "pulumi_aws", "azure-native": "pulumi_azure_native", "gcp": "pulumi_gcp",
                "random": "pulumi_random", "cloudflare": "pulumi_cloudflare", "kubernetes": "pulumi_kubernetes"}


def resource_class(resource_type: str) -> type:
    """The SDK class of a type token (`aws:eks/cluster:Cluster`, `azure-native:network:Subnet`,
    `pulumi:providers:aws`)."""
    package, middle, name = resource_type.split(":")
    if package == "pulumi" and middle == "providers":
        return importlib.import_module(SDK_PACKAGES[name]).Provider
    sdk = importlib.import_module(SDK_PACKAGES[package])
    module = middle.split("/")[0]
    if package == "kubernetes":  # `core/v1`, `networking.k8s.io/v1`, `helm.sh/v3` -> core.v1, networking.v1, helm.v3
        group, version = middle.split("/")
        module = f"{group.split('.')[0]}.{version}"
    owner = sdk if module == "index" else importlib.import_module(f"{SDK_PACKAGES[package]}.{module}")
    found: type = getattr(owner, name)
    assert getattr(found, "pulumi_type", None) == resource_type, resource_type
    return found


def args_class(resource_type: str) -> type:
    """The pinned SDK's `*Args` input type of a resource token (`aws:eks/cluster:Cluster` -> `eks.ClusterArgs`)."""
    cls = resource_class(resource_type)
    module = sys.modules[cls.__module__]
    # The resource's own module exports its args class; where the name clashes with a nested type
    # (`aws.s3.BucketVersioningArgs` belongs to the legacy Bucket) the SDK calls it `<Name>InitArgs`.
    (args_name,) = (n for n in module.__all__ if n != cls.__name__)
    args: type = getattr(module, args_name)
    return args


def _input_classes(annotation: Any) -> list[type]:
    """Every input type inside an annotation: one, or the members of a union of input types (Azure metric-alert
    `criteria` is one of three criteria types)."""
    if isinstance(annotation, type) and pulumi_types.is_input_type(annotation):
        return [annotation]
    members = typing.get_args(annotation) if typing.get_origin(annotation) is typing.Union else ()
    return [found for member in members for found in _input_classes(member)]


def unknown_wire_keys(args: type, value: Mapping[str, Any], path: str = "") -> Iterator[str]:
    """Keys of `value` (at any depth) that are not properties of the SDK input type `args`."""
    types = pulumi_types.input_type_types(args)
    for key, item in value.items():
        if key not in types:
            yield f"{path}{key}"
        else:
            yield from _unknown_in(types[key], item, f"{path}{key}.")


def _unknown_in(annotation: Any, value: Any, path: str) -> Iterator[str]:
    if rpc.is_rpc_secret(value):
        value = rpc.unwrap_rpc_secret(value)
    nested = _input_classes(annotation)
    if nested and isinstance(value, Mapping):
        # the union member the value fits best: a key is unknown only if no member has it
        yield from min((list(unknown_wire_keys(n, value, path)) for n in nested), key=len)
    elif isinstance(value, list) and typing.get_origin(annotation) in (Sequence, list):
        (element,) = typing.get_args(annotation)
        for i, item in enumerate(value):
            yield from _unknown_in(element, item, f"{path}[{i}].")
