"""The Kubernetes objects a recorded stack applies, as the manifests the API server would receive."""

from __future__ import annotations

from typing import Any

from scripts.offline import Recording, Registration, redact

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
K8S_PROVIDER = "pulumi:providers:kubernetes"


def is_object(r: Registration) -> bool:
    """A Kubernetes object (not a provider, not a Helm release)."""
    return r.custom and r.type.startswith("kubernetes:") and r.type != HELM_RELEASE


def manifest(r: Registration) -> dict[str, Any]:
    """The object's manifest: its recorded inputs (wire names are the Kubernetes API's own), secrets redacted."""
    inputs = integral(redact(r.inputs))
    return {"apiVersion": inputs.pop("apiVersion"), "kind": inputs.pop("kind"), **inputs}


def integral(value: Any) -> Any:
    """`value` with whole-number floats as ints: the RPC's Struct carries every number as a double, the Kubernetes
    API (and a manifest scanner) wants integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral(v) for v in value]
    return value


def manifests(recording: Recording) -> list[tuple[Registration, dict[str, Any]]]:
    """Every Kubernetes object of the recording with its manifest."""
    return [(r, manifest(r)) for r in recording.resources if is_object(r)]
