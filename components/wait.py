"""A real wait between a grant and its first consumer: `pulumiverse_time.Sleep` of a documented length."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumiverse_time

from .lib.waits import ALL, Wait


def wait_after(
    resource_name: str, parent: pulumi.Resource, after: Sequence[pulumi.Resource], wait: Wait
) -> pulumiverse_time.Sleep:
    """A Sleep that starts once every resource of `after` exists and lasts `wait`; make the consumer depend on it.
    Its `triggers` name the wait (the deploy check reads the kind back from the plan). Replacing a grant re-runs
    the wait only if the trigger changes: a consumer that already exists has already waited."""
    kind = next(key for key, known in ALL.items() if known == wait)
    return pulumiverse_time.Sleep(
        resource_name,
        create_duration=wait.duration,
        triggers={"wait": kind},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(after)),
    )
