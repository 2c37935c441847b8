"""`live_dev`: the dev program run once more, keeping what a Recording does not: stack outputs (and
whether they are secret) and the outputs the mock returned for each resource."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pytest
from pulumi.runtime.settings import get_monitor, get_root_resource
from pulumi.runtime.sync_await import _sync_await

from components.program import run
from components.settings import PROJECT, read_stack_config
from scripts.offline import Recording, record

from .helpers import ROOT


@dataclass(frozen=True)
class StackOutput:
    value: Any
    secret: bool


@dataclass(frozen=True)
class Live:
    recording: Recording
    outputs: dict[str, StackOutput]
    """Stack outputs, resolved."""
    states: dict[str, dict[str, Any]]
    """Mock output state of every resource, by URN."""


def _resolve(value: Any) -> StackOutput:
    output = pulumi.Output.from_input(value)
    return StackOutput(_sync_await(output.future()), _sync_await(output.is_secret()))


@pytest.fixture(scope="session")
def live_dev() -> Live:
    """Everything is resolved here, before another recording replaces the runtime's event loop and stack."""
    recording = record("dev", read_stack_config(ROOT, "dev"), run, PROJECT)
    outputs = {name: _resolve(value) for name, value in get_root_resource().outputs.items()}  # type: ignore[union-attr]
    states = {urn: dict(r.state) for urn, r in get_monitor().get_registered_resources().items()}  # type: ignore[union-attr]
    return Live(recording, outputs, states)
