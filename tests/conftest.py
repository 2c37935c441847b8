"""Shared fixtures: the real program recorded on the mock runtime for each stack file."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from components.program import run
from components.settings import PLATFORM_KEY, PROJECT, PlatformSettings, load_settings, read_stack_config
from components.settings.models import deep_merge
from scripts.offline import Recording, record

# Property tests are judged on their examples, not on wall-clock time: on a shared 2-core machine one example can
# take longer than hypothesis' default 200 ms deadline, which would fail a correct test.
hypothesis_settings.register_profile("project", deadline=None)
hypothesis_settings.load_profile("project")

ROOT = Path(__file__).resolve().parents[1]


def stack_config(stack: str, **platform_overrides: Any) -> dict[str, Any]:
    """The stack file's config, with `platform_overrides` merged into the platform object."""
    config = read_stack_config(ROOT, stack)
    config[PLATFORM_KEY] = deep_merge(config[PLATFORM_KEY], platform_overrides)
    return config


def record_stack(stack: str, **platform_overrides: Any) -> Recording:
    """Record the real program for `stack` (optionally with overridden platform settings)."""
    return record(stack, stack_config(stack, **platform_overrides), run, PROJECT)


@cache
def stack_settings(stack: str) -> PlatformSettings:
    """The settings of the stack file as committed (what `recorded(stack)` ran with)."""
    return load_settings(stack, stack_config(stack))


_CACHE: dict[str, Recording] = {}


def recorded_stack(stack: str) -> Recording:
    """The stack file's recording, made once per test session and shared by every test."""
    if stack not in _CACHE:
        _CACHE[stack] = record_stack(stack)
    return _CACHE[stack]


def stack_suffix(recording: Recording) -> str:
    """The stack-unique part of the recording's global and reserved names: the result of the Platform's RandomString
    (components/platform.py `stack_unique`; the mocks give each stack its own)."""
    random_strings = [r for r in recording.resources if r.type == "random:index/randomString:RandomString"]
    [unique] = [r for r in random_strings if r.name.endswith("-unique")]
    return str(unique.outputs["result"])


@pytest.fixture(scope="session")
def recorded() -> Callable[[str], Recording]:
    """`recorded("prod")`: the stack file's recording, made once per test session."""
    return recorded_stack
