"""The Kubernetes objects a recorded stack applies, as the manifests the API server would receive."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scripts.offline import Recording, Registration, redact

ROOT = Path(__file__).resolve().parents[2]

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


def tool(name: str, env_var: str | None = None) -> str:
    """Path of a real tool the tests drive (`make test` installs them: promtool from Debian, checkov in
    venv/scanner); a missing tool fails the test, it never skips."""
    candidates = [os.environ.get(env_var or ""), str(ROOT / "venv" / "scanner" / "bin" / name), shutil.which(name)]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail(f"{name} is not installed; `make tools` (or `make test`) installs it")


def run_tool(*command: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a tool, capturing its output (no check: the caller asserts on the exit code)."""
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)
