"""A real wait between a grant and its first consumer: `pulumiverse_time.Sleep` of a documented length."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumiverse_time

from .lib.waits import ALL, Wait


def wait_after(
    resource_name: str,
    parent: pulumi.Resource,
    after: Sequence[pulumi.Resource],
    wait: Wait,
    *,
    rerun_on_replace: bool = False,
) -> pulumiverse_time.Sleep:
    """A Sleep that starts once every resource of `after` exists and lasts `wait`; make the consumer depend on it.
    Its `triggers` name the wait (the deploy check reads the kind back from the plan). Replacing a grant re-runs
    the wait only if the trigger changes: a consumer that already exists has already waited, unless
    `rerun_on_replace` puts the ids of `after` in the triggers (a CMK consumer moving to a replaced key's new grant
    must wait for that grant like the first time)."""
    kind = next(key for key, known in ALL.items() if known == wait)
    triggers: dict[str, pulumi.Input[str]] = {"wait": kind}
    if rerun_on_replace:
        ids = [r.id for r in after if isinstance(r, pulumi.CustomResource)]
        triggers["after"] = pulumi.Output.all(*ids).apply(lambda values: ",".join(sorted(map(str, values))))
    return pulumiverse_time.Sleep(
        resource_name,
        create_duration=wait.duration,
        triggers=triggers,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(after)),
    )
