"""Run one policy through the real analyzer path (scripts.policy_check.check) against synthetic resources."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import struct_pb2

from policies.rules import ALL_POLICIES
from scripts.offline import Recording, Registration
from scripts.policy_check import PolicyReport, Violation, check

POLICIES = {p.name: p for p in ALL_POLICIES}
PROJECT = "proj"
STACK = "test"
DELETE = object()
"""Marker for `patch`: remove the key."""


def urn(resource_type: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{resource_type}::{name}"


def struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    """Wire properties as the engine sends them (numbers become floats)."""
    value = struct_pb2.Struct()
    value.update(dict(props))
    return value


def patch(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of `base` with dotted-path `changes` applied (`DELETE` removes the key)."""
    result = copy.deepcopy(dict(base))
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = result
        for part in parents:
            node = node.setdefault(part, {})
        if value is DELETE:
            node.pop(last, None)
        else:
            node[last] = copy.deepcopy(value)
    return result


@dataclass
class Res:
    """A synthetic resource of a synthetic stack."""

    type: str
    name: str
    props: Mapping[str, Any] = field(default_factory=dict)
    protect: bool = False
    depends_on: Sequence[str] = ()
    """Names of the resources this one depends on."""
    provider: str | None = None
    """Name of its provider resource."""


def recording(resources: Sequence[Res]) -> Recording:
    urns = {r.name: urn(r.type, r.name) for r in resources}
    registrations = [
        Registration(
            urn=urns[r.name],
            type=r.type,
            name=r.name,
            parent="",
            custom=True,
            protect=r.protect,
            provider=f"{urns[r.provider]}::{r.provider}-id" if r.provider else "",
            dependencies=[urns[d] for d in r.depends_on],
            inputs=dict(r.props),
            properties=struct(r.props),
        )
        for r in resources
    ]
    return Recording(stack=STACK, resources=registrations)


def run(
    policy: str,
    resources: Sequence[Res],
    config: Mapping[str, Any] | None = None,
    environment: str = "prod",
) -> PolicyReport:
    """`policy` alone against `resources`, configured as the engine would (schema defaults + `config`)."""
    return check(recording(resources), environment, dict(config or {}), policies=[POLICIES[policy]])


def violations(
    policy: str,
    resource_type: str,
    props: Mapping[str, Any],
    settings: Mapping[str, Any] | None = None,
    environment: str = "prod",
    provider_props: Mapping[str, Any] | None = None,
) -> list[Violation]:
    """Violations of one resource under the policy's `settings` (with an optional provider)."""
    resources = [Res(resource_type, "subject", props, provider="provider" if provider_props is not None else None)]
    if provider_props is not None:
        package = resource_type.split(":")[0]
        resources.insert(0, Res(f"pulumi:providers:{package}", "provider", provider_props))
    return run(policy, resources, {policy: dict(settings)} if settings else {}, environment).violations
