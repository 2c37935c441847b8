"""Run the real Pulumi program on Pulumi's mock runtime and record every registration.

No CLI, no plugins, no credentials: the mocks answer each resource with realistic outputs (ARNs,
endpoints, OIDC issuers in the resource's own region) and each invoke by token; an unknown invoke
fails loudly. The recording keeps what the engine would be told: type, name, parent, provider,
protect, dependencies and inputs (secrets still wrapped), for the plan, the tests and the policies.
"""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pulumi
from google.protobuf import struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as runtime_resource
from pulumi.runtime import rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.proto import resource_pb2, source_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from components import sdk_imports

from . import mock_clouds

sdk_imports.install()
"""The offline runtime (plan, bench, tests) loads only the SDK modules the program uses (components/sdk_imports.py);
a real `pulumi up` runs __main__.py, which never imports this module, so the SDKs load there as generated."""

SECRET = "[secret]"
UNKNOWN = "[unknown]"


@dataclass
class Registration:
    """One resource as the engine would see it."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    protect: bool
    provider: str
    dependencies: list[str]
    inputs: dict[str, Any]
    """Inputs with wire (camelCase) names; secret values are wrapped in the RPC secret envelope."""
    outputs: dict[str, Any] = field(default_factory=dict)
    """The state the mocks answered with (what the provider would report after create)."""
    id: str = ""
    """The id the mocks answered with (what other resources receive as a reference)."""
    properties: struct_pb2.Struct | None = None
    """The inputs exactly as sent to the engine (what a policy analyzer receives)."""
    retain_on_delete: bool = False
    """The engine drops it from state on delete without deleting it in the cloud."""
    deleted_with: str = ""
    """URN of the resource whose deletion deletes this one (no Delete call of its own)."""
    ignore_changes: list[str] = field(default_factory=list)
    """Properties Pulumi leaves alone after creation (`ignore_changes`)."""
    replace_on_changes: list[str] = field(default_factory=list)
    """Properties whose change replaces the resource (`replace_on_changes`)."""
    delete_before_replace: bool | None = None
    """`delete_before_replace` as the program set it (None: the provider decides)."""
    alias_types: list[str] = field(default_factory=list)
    """The types of the aliases sent with the resource (a resource's earlier type tokens)."""

    @property
    def provider_urn(self) -> str:
        """URN part of the provider reference (`urn::id`)."""
        return self.provider.rsplit("::", 1)[0] if self.provider else ""

    def public_inputs(self) -> Any:
        """Inputs with every secret replaced by "[secret]" (safe to print or write)."""
        return redact(self.inputs)


@dataclass
class Recording:
    """Everything one program run registered, in registration order."""

    stack: str
    resources: list[Registration] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    """Resolved stack outputs; secret ones wrapped in the RPC secret envelope."""

    def of_type(self, resource_type: str) -> list[Registration]:
        """Registrations of one type token (use `Class.pulumi_type`... or the component token)."""
        return [r for r in self.resources if r.type == resource_type]

    def by_urn(self) -> dict[str, Registration]:
        """Registrations keyed by URN."""
        return {r.urn: r for r in self.resources}

    def children(self, parent: Registration) -> list[Registration]:
        """Direct children of `parent`."""
        return [r for r in self.resources if r.parent == parent.urn]


def redact(value: Any) -> Any:
    """`value` with every RPC-wrapped secret replaced by "[secret]" and every value unknown during preview by
    "[unknown]"."""
    if rpc.is_rpc_secret(value):
        return SECRET
    if isinstance(value, pulumi.output.Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class RealisticMocks(pulumi_mocks.Mocks):
    """Outputs shaped like the real providers', in the resource's own region (see scripts/mock_clouds)."""

    def __init__(self) -> None:
        self.provider_regions: dict[str, str] = {}
        """Provider URN -> region, filled by RecordingMonitor as providers register."""

    def _region(self, provider_ref: str | None) -> str:
        return self.provider_regions.get((provider_ref or "").rsplit("::", 1)[0], "")

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = {k: rpc.unwrap_rpc_secret(v) for k, v in args.inputs.items()}
        if not args.custom:
            return "", {}
        if args.typ.startswith("pulumi:providers:"):
            return f"{args.name}-id", inputs
        physical = str(inputs.get("name") or inputs.get("bucket") or inputs.get("identifier") or args.name)
        state = {**inputs, **mock_clouds.outputs(args.typ, physical, self._region(args.provider), inputs)}
        return state.pop("__id", f"{physical}-id"), state

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return mock_clouds.invoke(args.token, self._region(args.provider), dict(args.args)), []


class FirstPreviewMocks(RealisticMocks):
    """What the providers answer in the first `pulumi preview` of a new stack: nothing exists yet, so each planned
    resource comes back with its inputs only. Every id and every output the provider computes (ARNs, generated
    names, endpoints, OIDC issuers) stays unknown, and so does any input built from one; inputs the program sets
    from config or literals stay known. Invokes still answer (a preview runs them when their arguments are known).

    The Python SDK treats an empty id as unknown ("TFBridge in particular is known to send the empty string as an
    ID when doing a preview", pulumi/runtime/resource.py) and, in a dry run, resolves an output the answer leaves
    out as unknown. An input holding an unknown value (built from another resource's output) is left unknown as a
    whole, and so is one the provider reports in another shape (azure-native's `identity.userAssignedIdentities`:
    a list of ids in, a map keyed by id out)."""

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if not args.custom:
            return "", {}
        inputs = {k: rpc.unwrap_rpc_secret(v) for k, v in args.inputs.items()}
        known = {k: v for k, v in inputs.items() if not _has_unknown(v)}
        try:
            _, created = super().new_resource(
                pulumi_mocks.MockResourceArgs(args.typ, args.name, known, args.provider, args.resource_id, True)
            )
        except Exception:  # a cloud mock that needs an input left unknown here: no shapes to compare
            created = {}
        return "", {k: v for k, v in known.items() if _same_shape(v, created.get(k, v))}


def _has_unknown(value: Any) -> bool:
    if isinstance(value, pulumi.output.Unknown):
        return True
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False


def _same_shape(planned: Any, created: Any) -> bool:
    """Whether two values have the same JSON shape all the way down (maps, lists, scalars)."""
    if isinstance(planned, dict) and isinstance(created, dict):
        return all(_same_shape(v, created[k]) for k, v in planned.items() if k in created)
    if isinstance(planned, list) and isinstance(created, list):
        return all(_same_shape(p, c) for p, c in zip(planned, created, strict=False))
    return not isinstance(planned, dict | list) and not isinstance(created, dict | list)


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, keeping every RegisterResource request (parent, provider, protect...)."""

    def __init__(self, mocks: pulumi_mocks.Mocks):
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        if request.type == "pulumi:pulumi:Stack":
            return super().RegisterResource(request)
        response = self._register(request)
        recorded_inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
        if request.type.startswith("pulumi:providers:") and isinstance(self.mocks, RealisticMocks):
            region = recorded_inputs.get("region") or recorded_inputs.get("location") or ""
            self.mocks.provider_regions[response.urn] = str(region)
        registered = self.resources.get(response.urn)
        self.registrations.append(
            Registration(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                custom=bool(request.custom),
                protect=bool(request.protect),
                provider=request.provider,
                dependencies=list(request.dependencies),
                ignore_changes=list(request.ignoreChanges),
                replace_on_changes=list(request.replaceOnChanges),
                delete_before_replace=(
                    bool(request.deleteBeforeReplace) if request.deleteBeforeReplaceDefined else None
                ),
                alias_types=[a.spec.type for a in request.aliases if a.HasField("spec") and a.spec.type],
                inputs=recorded_inputs,
                outputs=dict(registered.state) if registered else {},
                id=str(registered.id or "") if registered else "",
                properties=request.object,
                retain_on_delete=bool(request.retainOnDelete),
                deleted_with=request.deletedWith,
            )
        )
        return response

    def _register(self, request: Any) -> Any:
        """MockMonitor.RegisterResource, except that the mocks' answer goes back as a Struct built in place when it
        is plain data (every answer of ours is): the SDK's async serializer spins an event loop in this worker
        thread for each of a plan's ~900 resources."""
        urn = self.make_urn(request.parent, request.type, request.name)
        _ensure_event_loop()  # deserializing a resource reference needs one on this thread
        resource_id, state = self.mocks.new_resource(
            pulumi_mocks.MockResourceArgs(
                typ=request.type,
                name=request.name,
                inputs=rpc.deserialize_properties(request.object),
                provider=request.provider,
                resource_id=request.importId,
                custom=request.custom or False,
                transforms=pulumi_mocks._resolve_callbacks(request.transforms),
            )
        )
        state_proto = plain_struct(state)
        if state_proto is None:
            state_proto = _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, resource_id or "", state)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id or "", object=state_proto)


_PLAIN_SCALARS = (str, bool, int, float, type(None))


def _is_plain(value: Any) -> bool:
    if isinstance(value, _PLAIN_SCALARS):
        return not isinstance(value, Enum)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_plain(v) for v in value)
    return False


def plain_struct(state: Mapping[str, Any]) -> struct_pb2.Struct | None:
    """`state` as `rpc.serialize_properties` sends it (top-level None values left out), when it is plain JSON-like
    data; None otherwise (an unknown, a resource reference, an asset: the SDK's serializer handles those)."""
    if not _is_plain(dict(state)):
        return None
    struct = struct_pb2.Struct()
    struct.update({key: value for key, value in state.items() if value is not None})
    return struct


def flatten_config(config: Mapping[str, Any]) -> dict[str, str]:
    """Config values as the engine passes them to a program: strings, objects as JSON."""
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}


def record(
    stack: str, config: Mapping[str, Any], program: Callable[[], Any], project: str, preview: bool = False
) -> Recording:
    """Run `program` for `stack` with `config` on the mock runtime; return what it registered.

    `preview=True` records the first `pulumi preview` of a new stack (FirstPreviewMocks: ids and computed outputs
    unknown); the default records what `pulumi up` registers, every output resolved (RealisticMocks).
    Safe to call repeatedly in one process, also after a run that failed: each run gets a fresh root stack, event
    loop and set of tracked outputs (set_mocks leaves the last run's in place, and a failed run's never finish: the
    next run would wait on them forever, as pulumi's own `@pulumi.runtime.test` clears them too)."""
    runtime_settings.ROOT.set(None)
    runtime_settings.SETTINGS.outputs.clear()
    asyncio.set_event_loop(asyncio.new_event_loop())
    monitor = RecordingMonitor(FirstPreviewMocks() if preview else RealisticMocks())
    pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    pulumi.runtime.set_all_config(flatten_config(config))
    try:
        with _gc_paused(), _stack_traces_skipped():
            _sync_await(run_pulumi_func(program))
            outputs = _resolved_stack_outputs()
    finally:
        pulumi.runtime.set_all_config({})
    return Recording(stack=stack, resources=monitor.registrations, outputs=outputs)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one program run, then restore it.

    A run imports the SDK modules it uses (millions of long-lived objects) and churns through ~150k
    asyncio handles, tasks and Outputs; each allocation burst triggers a collection and the full (gen 2)
    ones traverse the whole SDK heap: about half a whole-stack plan's time (prod 7.3 s -> 3.9 s measured
    with the collector off). A run is short and bounded, so deferring the collection costs a few tens of
    MB at most; reference counting still frees everything acyclic, and the collector resumes afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _stack_traces_skipped() -> Iterator[None]:
    """Skip the SDK's capture of each resource's stack trace for one program run, then restore it.

    The engine shows the trace as a resource's source position in diagnostics; the recording keeps none. Capturing
    it (`traceback.extract_stack`, which reads every frame's source line, and a file URI per frame) is about 1 ms
    per resource: a dev plan took 3.7 s with it and 3.3 s without. The SDK sends an empty trace itself when it
    finds no user frame; an SDK without this function runs unchanged. A real `pulumi preview`/`up` still captures
    every trace."""
    original = getattr(runtime_resource, "_get_stack_trace", None)
    if original is None:
        yield
        return
    runtime_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        runtime_resource._get_stack_trace = original


def _resolved_stack_outputs() -> dict[str, Any]:
    """The program's `pulumi.export`s, resolved; secret ones wrapped in the RPC secret envelope."""
    root = runtime_settings.get_root_resource()
    resolved: dict[str, Any] = {}
    for name, value in (getattr(root, "outputs", None) or {}).items():
        output = pulumi.Output.from_input(value)
        plain = _sync_await(output.future())
        resolved[name] = rpc.wrap_rpc_secret(plain) if _sync_await(output.is_secret()) else plain
    return resolved
