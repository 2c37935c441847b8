"""scripts/offline.py: the recording monitor answers the SDK with the Struct its own serializer would send."""

from __future__ import annotations

import asyncio
import enum

import pytest
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime.sync_await import _sync_await

from scripts.offline import plain_struct

PLAIN = {
    "name": "flow-dev",
    "count": 3,
    "ratio": 0.5,
    "enabled": False,
    "absent": None,  # left out at the top level, as the SDK does
    "tags": {"env": "dev", "owner": None},  # kept as null below it
    "list": [1, "two", None, {"three": [3.0]}],
    "password": rpc.wrap_rpc_secret("s3cret"),
}


def sdk_struct(state):
    asyncio.set_event_loop(asyncio.new_event_loop())
    return _sync_await(rpc.serialize_properties(state, {}))


def test_plain_state_is_the_struct_the_sdk_serializer_sends():
    assert plain_struct(PLAIN) == sdk_struct(PLAIN)
    assert "absent" not in plain_struct(PLAIN)


class Tier(str, enum.Enum):  # noqa: UP042 (the shape of the SDKs' generated enums)
    STANDARD = "Standard"


@pytest.mark.parametrize("value", [Unknown(), Tier.STANDARD, (1, 2), object(), {1: "non-string key"}])
def test_anything_else_is_left_to_the_sdk_serializer(value):
    assert plain_struct({"nested": {"value": value}}) is None


def test_a_recording_captures_no_stack_traces_and_restores_the_sdk_capture():
    import pulumi
    from pulumi.runtime import resource as runtime_resource

    from scripts.offline import record

    def frames_seen_by_a_resource() -> int:
        """What the SDK captures in a resource's constructor: its third `__init__` frame down to the caller."""

        class Resource:
            def __init__(self):
                self.frames = len(runtime_resource._get_stack_trace().frames)

        class CustomResource(Resource):
            def __init__(self):
                super().__init__()

        class Bucket(CustomResource):
            def __init__(self):
                super().__init__()

        return Bucket().frames

    seen = []

    def program():
        seen.append(frames_seen_by_a_resource())
        pulumi.ComponentResource("test:index:Probe", "probe")

    recording = record("dev", {}, program, project="probe")
    assert [r.type for r in recording.resources] == ["test:index:Probe"]
    assert seen == [0]
    assert frames_seen_by_a_resource() > 0  # outside a recording: the SDK's own capture again


def test_a_run_after_a_failed_one_completes(monkeypatch):
    """A run that fails (here an invoke the provider refuses) leaves Outputs that never finish; the next recording
    in the same process must not wait on them (it did, forever: set_mocks keeps the tracked outputs)."""
    import pulumi
    import pulumi_aws as aws

    from scripts.mock_clouds import aws as aws_mock
    from scripts.offline import record

    def refused(region, args):
        raise RuntimeError("ResourceNotFoundException")

    token = "aws:secretsmanager/getSecretVersion:getSecretVersion"
    monkeypatch.setitem(aws_mock.INVOKES, token, refused)

    def failing():
        secret = aws.secretsmanager.get_secret_version_output(secret_id="platform/identity/google")
        pulumi.ComponentResource("test:index:Probe", "probe", {"secret": secret.secret_string})

    with pytest.raises(Exception, match="ResourceNotFoundException"):
        record("dev", {}, failing, project="probe")
    monkeypatch.undo()

    def working():
        pulumi.ComponentResource("test:index:Probe", "probe")

    assert [r.type for r in record("dev", {}, working, project="probe").resources] == ["test:index:Probe"]
