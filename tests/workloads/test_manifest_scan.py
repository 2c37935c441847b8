"""Every Kubernetes object the dev and prod stacks apply, as its manifest, passes checkov's Kubernetes checks;
the one exception is justified below. A deliberately weakened Deployment is scanned alongside, so the scan is
proven live."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import recorded_stack
from tests.workloads.helpers import manifests, run_tool, tool

STACKS = ("dev", "prod")
JUSTIFIED: dict[tuple[str, str], str] = {
    ("dev", "CKV_K8S_43"): (
        "Image should use digest: dev deploys the API by version tag to iterate; prod must pin a digest "
        "(the workloads.api.image rule) and its scan has no exception."
    ),
}
# What a Deployment of the platform must pass, not merely not fail (the scan really read the pod spec).
REQUIRED_ON_DEPLOYMENTS = {
    "CKV_K8S_8",  # liveness probe
    "CKV_K8S_9",  # readiness probe
    "CKV_K8S_10",  # CPU requests
    "CKV_K8S_11",  # CPU limits
    "CKV_K8S_12",  # memory requests
    "CKV_K8S_13",  # memory limits
    "CKV_K8S_14",  # image tag fixed (not latest or blank)
    "CKV_K8S_16",  # not privileged
    "CKV_K8S_20",  # no privilege escalation
    "CKV_K8S_21",  # not in the default namespace
    "CKV_K8S_22",  # read-only root filesystem
    "CKV_K8S_23",  # not running as root
    "CKV_K8S_28",  # NET_RAW dropped
    "CKV_K8S_31",  # seccomp RuntimeDefault
    "CKV_K8S_37",  # capabilities dropped
    "CKV_K8S_38",  # service account token mounted only where needed
    "CKV_K8S_40",  # high UID
}
# Kinds checkov 3.3 has Kubernetes checks for (it has none for NetworkPolicy, PodDisruptionBudget, Namespace, HPA).
SCANNED_KINDS = {"Deployment", "Service", "ServiceAccount", "ConfigMap"}
WEAKENED = {"CKV_K8S_16", "CKV_K8S_20", "CKV_K8S_22", "CKV_K8S_23"}


def _weakened(deployment: dict[str, Any]) -> dict[str, Any]:
    weak = copy.deepcopy(deployment)
    weak["metadata"]["name"] = "weakened"
    spec = weak["spec"]["template"]["spec"]
    spec["securityContext"] = {}
    spec["containers"][0]["securityContext"] = {"privileged": True, "allowPrivilegeEscalation": True}
    return weak


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One checkov run over both stacks' manifests (a directory per stack) and the weakened control."""
    root = tmp_path_factory.mktemp("manifests")
    files = set()
    for stack in STACKS:
        (root / stack).mkdir()
        for registration, manifest in manifests(recorded_stack(stack)):
            (root / stack / f"{registration.name}.yaml").write_text(yaml.safe_dump(manifest))
            if manifest["kind"] in SCANNED_KINDS:
                files.add(f"/{stack}/{registration.name}.yaml")
    deployment = next(m for r, m in manifests(recorded_stack("dev")) if m["kind"] == "Deployment")
    (root / "control").mkdir()
    (root / "control" / "weakened.yaml").write_text(yaml.safe_dump(_weakened(deployment)))
    result = run_tool(
        tool("checkov", "CHECKOV"),
        *("-d", str(root), "--framework", "kubernetes", "--output", "json", "--skip-download"),
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]  # 1: checks failed (the control does)
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    return {"report": report, "files": files}


def _by_stack(checks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for check in checks:
        grouped.setdefault(Path(check["file_path"]).parts[1], []).append(check)
    return grouped


def test_the_scan_checked_every_object_of_a_kind_it_has_checks_for(scan):
    report = scan["report"]
    assert report["summary"]["parsing_errors"] == 0
    results = report["results"]
    checked = {c["file_path"] for c in results["passed_checks"] + results["failed_checks"]}
    assert len(scan["files"]) > 20 and scan["files"] <= checked, sorted(scan["files"] - checked)


@pytest.mark.parametrize("stack", STACKS)
def test_no_unjustified_failure(scan, stack):
    failed = _by_stack(scan["report"]["results"]["failed_checks"]).get(stack, [])
    unjustified = sorted(
        {
            f"{c['check_id']} {c['check_name']} ({c['resource']})"
            for c in failed
            if (stack, c["check_id"]) not in JUSTIFIED
        }
    )
    assert unjustified == []


@pytest.mark.parametrize("stack", STACKS)
def test_every_deployment_passes_the_pod_hardening_checks(scan, stack):
    passed = _by_stack(scan["report"]["results"]["passed_checks"])[stack]
    deployments = {c["resource"] for c in passed if c["resource"].startswith("Deployment.")}
    assert deployments
    for resource in deployments:
        assert {c["check_id"] for c in passed if c["resource"] == resource} >= REQUIRED_ON_DEPLOYMENTS, resource


def test_the_weakened_control_fails_the_checks_it_breaks(scan):
    failed = {c["check_id"] for c in _by_stack(scan["report"]["results"]["failed_checks"])["control"]}
    assert failed >= WEAKENED


def test_every_exception_is_still_needed(scan):
    failed = {
        (stack, c["check_id"])
        for stack, checks in _by_stack(scan["report"]["results"]["failed_checks"]).items()
        for c in checks
    }
    assert set(JUSTIFIED) <= failed, "an exception no longer needed: drop it"
