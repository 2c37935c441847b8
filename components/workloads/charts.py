"""How the platform installs a community chart: one pinned version from the chart's own repository, rolled back
whole when it fails."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s


def pinned_release(
    name: str,
    *,
    release: str,
    namespace: pulumi.Input[str],
    chart: str,
    version: str,
    repo: str,
    values: dict[str, Any],
    timeout: int,
    opts: pulumi.ResourceOptions,
) -> k8s.helm.v3.Release:
    """A Helm release of `chart` at `version`: atomic (a failed install or upgrade rolls back, its leftovers
    cleaned up), `timeout` seconds for its resources to become ready, five revisions kept for `helm rollback`."""
    return k8s.helm.v3.Release(
        name,
        name=release,
        namespace=namespace,
        chart=chart,
        version=version,
        repository_opts={"repo": repo},
        values=values,
        atomic=True,
        cleanup_on_fail=True,
        timeout=timeout,
        max_history=5,
        opts=opts,
    )
