"""The offline plan: the real program on the mock runtime, shown as a tree with counts, or as JSON."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from components.lib.reachability import Verdict, check, observed_same_cloud, topology
from components.settings import PROJECT, PlatformSettings, load_settings, read_stack_config

from .offline import Recording, Registration, record, redact

ROOT = Path(__file__).resolve().parents[1]


def plan(stack: str, project_dir: Path = ROOT, *, preview: bool = False) -> Recording:
    """Validate the stack's config (SettingsError on a bad one), then record its program offline: as `pulumi up`
    registers it, or with `preview` as the first `pulumi preview` of a new stack sees it (ids and computed outputs
    unknown; see offline.FirstPreviewMocks)."""
    from components.program import run  # imported here: the SDKs load only when a plan runs

    config = read_stack_config(project_dir, stack)
    load_settings(stack, config)
    return record(stack, config, run, PROJECT, preview=preview)


def cloud_of(resource: Registration) -> str:
    """`aws`, `azure`, `gcp`, `cloudflare`, `kubernetes` or `platform` (components)."""
    package = resource.type.split(":")[0]
    if package == "pulumi":
        package = resource.type.split(":")[2]
    return {"azure-native": "azure", "multicloud": "platform"}.get(package, package)


def regions_by_resource(recording: Recording) -> dict[str, str]:
    """URN -> region of the provider it was registered with (providers map to their own region)."""
    provider_region = {
        r.urn: str(r.inputs.get("region") or r.inputs.get("location") or "")
        for r in recording.resources
        if r.type.startswith("pulumi:providers:")
    }
    regions = {}
    for r in recording.resources:
        regions[r.urn] = provider_region.get(r.urn) or provider_region.get(r.provider_urn, "")
    return regions


def summary(recording: Recording) -> dict[str, Any]:
    """Counts per cloud, per cloud region, per type; protected resources."""
    regions = regions_by_resource(recording)
    custom = [r for r in recording.resources if r.custom]
    return {
        "resources": len(recording.resources),
        "custom": len(custom),
        "components": len(recording.resources) - len(custom),
        "protected": sum(r.protect for r in custom),
        "retained_on_delete": sum(r.retain_on_delete for r in custom),
        "by_cloud": dict(sorted(Counter(cloud_of(r) for r in custom).items())),
        "by_region": dict(sorted(Counter(f"{cloud_of(r)}/{regions[r.urn]}" for r in custom if regions[r.urn]).items())),
        "by_type": dict(sorted(Counter(r.type for r in recording.resources).items())),
    }


def print_tree(recording: Recording, out: TextIO) -> None:
    """Component -> children, with each resource's type and flags, then the counts."""
    children: dict[str, list[Registration]] = {}
    for r in sorted(recording.resources, key=lambda r: (r.custom, r.name)):  # components first, then by name
        children.setdefault(r.parent, []).append(r)
    roots = [r for r in recording.resources if r.parent not in {x.urn for x in recording.resources}]
    regions = regions_by_resource(recording)

    def label(r: Registration) -> str:
        flags = [
            f
            for f, on in (("protected", r.protect), (regions[r.urn], r.type.startswith("pulumi:providers:")))
            if on and f
        ]
        return f"{r.name}  {_short_type(r.type)}" + (f"  [{', '.join(flags)}]" if flags else "")

    def walk(r: Registration, prefix: str, last: bool) -> None:
        out.write(f"{prefix}{'└── ' if last else '├── '}{label(r)}\n")
        kids = children.get(r.urn, [])
        for i, kid in enumerate(kids):
            walk(kid, prefix + ("    " if last else "│   "), i == len(kids) - 1)

    out.write(f"{PROJECT} · stack {recording.stack} · offline plan on the mock runtime (no cloud calls)\n\n")
    for i, root in enumerate(roots):
        walk(root, "", i == len(roots) - 1)
    out.write("\n")
    print_counts(recording, out)


def print_counts(recording: Recording, out: TextIO) -> None:
    """Resource counts per cloud, region and type."""
    s = summary(recording)
    out.write(f"{s['custom']} resources in {s['components']} components, {s['protected']} protected\n")
    out.write("by cloud:  " + ", ".join(f"{k} {v}" for k, v in s["by_cloud"].items()) + "\n")
    out.write("by region: " + ", ".join(f"{k} {v}" for k, v in s["by_region"].items()) + "\n")
    out.write("by type:\n")
    for resource_type, count in s["by_type"].items():
        out.write(f"  {count:4d}  {_short_type(resource_type)}\n")


def reachability(recording: Recording, settings: PlatformSettings) -> list[Verdict]:
    """Every use one network makes of another's private endpoints, with its path or blocker: the same-cloud links
    the recording actually builds (peerings both ways with their routes, GCP's shared VPC) and the mesh's legs."""
    regions = regions_by_resource(recording)
    built = observed_same_cloud(recording.resources, lambda r: regions[r.urn])
    return check(settings, replace(topology(settings), same_cloud=built))


def write_json(
    recording: Recording,
    path: Path,
    reachability: dict[str, Any] | None = None,
    deploy_estimate: dict[str, Any] | None = None,
    prerequisites: dict[str, Any] | None = None,
) -> None:
    """Every registration (inputs with secrets shown as "[secret]", ignore_changes: what the deploy check reads) and
    the summary, with the reachability report (`summary.reachability`, from `components.lib.reachability`) and the
    deploy-time estimate (`summary.deploy_estimate`) when given."""
    from .deploy_check import OUTPUTS_READ  # here: the deploy check loads the GCP SDK, a plan needn't

    document = {
        "project": PROJECT,
        "stack": recording.stack,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "custom": r.custom,
                "protect": r.protect,
                "retain_on_delete": r.retain_on_delete,
                "deleted_with": r.deleted_with,
                "provider": r.provider,
                "dependencies": r.dependencies,
                "ignore_changes": r.ignore_changes,
                "replace_on_changes": r.replace_on_changes,
                "delete_before_replace": r.delete_before_replace,
                "id": r.id,
                "inputs": r.public_inputs(),
                **({"outputs": redact(r.outputs)} if r.type in OUTPUTS_READ else {}),
            }
            for r in recording.resources
        ],
        "outputs": redact(recording.outputs),
        "summary": {
            **summary(recording),
            **({"reachability": reachability} if reachability is not None else {}),
            **({"deploy_estimate": deploy_estimate} if deploy_estimate else {}),
            **({"deploy_prerequisites": prerequisites} if prerequisites else {}),
        },
    }
    path.write_text(json.dumps(document, indent=2, sort_keys=True, default=str) + "\n")


def _short_type(resource_type: str) -> str:
    """`aws:eks/cluster:Cluster` -> `aws.eks.Cluster`; component tokens stay as they are."""
    parts = resource_type.split(":")
    if len(parts) == 3 and "/" in parts[1]:
        return f"{parts[0]}.{parts[1].split('/')[0]}.{parts[2]}"
    return resource_type
