"""The pack as a whole: size, names, metadata, test coverage of every policy, SDK names, docs and config files."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from components.settings import catalog
from policies import docs
from policies.rules import ALL_POLICIES, META, PACK_NAME, common
from scripts.policy_check import CONFIG_DIR, PACK_DIR, load_config, new_analyzer, reconcile

from .cases import RESOURCE_CASES
from .sdk import resolve, resource_class
from .test_stack_policies import STACK_CASES

NAMES = [p.name for p in ALL_POLICIES]


def test_at_least_forty_policies_with_unique_names() -> None:
    assert len(ALL_POLICIES) >= 40
    assert len(set(NAMES)) == len(NAMES)
    assert set(NAMES) == set(META)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", n) for n in NAMES)


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=NAMES)
def test_policy_metadata(policy: object) -> None:
    meta = META[policy.name]  # type: ignore[attr-defined]
    description: str = policy.description  # type: ignore[attr-defined]
    assert description.startswith(f"[{meta.severity}] ")
    assert "Remediation: " in description
    assert policy.severity.value == meta.severity  # type: ignore[attr-defined]
    assert policy.remediation_steps  # type: ignore[attr-defined]
    assert policy.enforcement_level.value == meta.enforcement  # type: ignore[attr-defined]
    assert meta.resource_types


def test_security_rules_are_mandatory() -> None:
    """Critical rules (public exposure, privilege) never ship advisory."""
    assert all(m.enforcement == "mandatory" for m in META.values() if m.severity == "critical")


def _kinds() -> dict[str, set[str]]:
    kinds: dict[str, set[str]] = defaultdict(set)
    for case in RESOURCE_CASES:
        kinds[case.policy].add(case.kind)
        if case.config or case.environment != "prod":
            kinds[case.policy].add("override")
    for stack_case in STACK_CASES:
        kinds[stack_case.policy].add(stack_case.kind)
        if stack_case.config or stack_case.environment != "prod":
            kinds[stack_case.policy].add("override")
        if stack_case.kind == "missing":
            kinds[stack_case.policy].add("violating")
    return kinds


@pytest.mark.parametrize("name", NAMES)
def test_every_policy_is_tested(name: str) -> None:
    """Violating and compliant cases for all; missing-property for resource policies; override with config."""
    meta, kinds = META[name], _kinds()[name]
    required = {"violating", "compliant"}
    if not meta.stack:
        required.add("missing")
    if meta.config or meta.environment_aware:
        required.add("override")
    assert required <= kinds, f"{name} lacks {sorted(required - kinds)} cases"


def test_every_resource_type_of_a_policy_is_exercised() -> None:
    tested = {(c.policy, c.type) for c in RESOURCE_CASES}
    for meta in META.values():
        if meta.stack or meta.name in (
            "required-tags",
            "kubernetes-no-privileged-workloads",
            "kubernetes-resource-limits",
            "kubernetes-image-pinned",
            "kubernetes-non-root-read-only",
        ):
            continue  # data-driven over many types: sampled per provider
        missing = [t for t in meta.resource_types if (meta.name, t) not in tested]
        assert not missing, f"{meta.name}: untested types {missing}"


def test_types_and_wire_properties_exist_in_the_installed_sdks() -> None:
    problems = []
    for meta in META.values():
        for token in meta.resource_types:
            if getattr(resource_class(token), "pulumi_type", None) != token:
                problems.append(f"{meta.name}: {token} is not a type token of the SDK")
        for token, paths in meta.reads.items():
            problems += [f"{meta.name}: {token}.{p} does not exist" for p in paths if not resolve(token, p)]
    assert not problems
    assert not resolve("aws:eks/cluster:Cluster", "vpcConfig.endpointPublicAcces")


def test_every_resource_policy_declares_what_it_reads() -> None:
    assert [m.name for m in META.values() if not m.stack and not m.reads] == []


def test_kubernetes_versions_default_to_the_catalog() -> None:
    assert common.KUBERNETES_VERSIONS == catalog.KUBERNETES_VERSIONS
    assert common.FALLBACK_KUBERNETES_VERSIONS == catalog.KUBERNETES_VERSIONS
    assert META["kubernetes-supported-version"].config["allowedVersions"]["default"] == list(
        catalog.KUBERNETES_VERSIONS
    )


def test_main_only_builds_the_pack() -> None:
    tree = ast.parse((PACK_DIR / "__main__.py").read_text())
    calls = [n.value for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
    packs = [c for c in calls if isinstance(c.func, ast.Name) and c.func.id == "PolicyPack"]
    assert len(packs) == 1
    assert {k.arg for k in packs[0].keywords} == {"name", "policies", "enforcement_level"}
    others = [ast.unparse(c.func) for c in calls if c not in packs]
    assert others == ["sys.path.insert"]  # the pack folder on sys.path, nothing else runs
    assert all(isinstance(n, ast.Import | ast.ImportFrom | ast.Expr) for n in tree.body)
    assert PACK_NAME == "multicloud-platform-guardrails"


def test_pack_files() -> None:
    yaml = (PACK_DIR / "PulumiPolicy.yaml").read_text()
    assert re.search(r"^version: \d+\.\d+\.\d+$", yaml, re.M)
    assert re.search(r"runtime:\s+name: python\s+options:\s+virtualenv: venv", yaml)
    requirements = (PACK_DIR / "requirements.txt").read_text().split()
    assert {"pulumi-policy==1.21.0", "pulumi==3.272.0"} <= set(requirements)


def test_analyzer_info_is_what_the_engine_reads() -> None:
    info = new_analyzer().GetAnalyzerInfo(None, None)
    assert info.name == PACK_NAME and info.supportsConfig
    assert len(info.policies) == len(ALL_POLICIES)
    assert sum(p.policy_type == 2 for p in info.policies) == sum(m.stack for m in META.values())


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_shipped_config_files_fit_the_pack(environment: str) -> None:
    config = load_config(environment)
    info = new_analyzer().GetAnalyzerInfo(None, None)
    reconciled = reconcile(info.policies, environment, config)  # raises on any problem
    aware = {n for n, m in META.items() if m.environment_aware}
    # the CLI doesn't inject the environment: the file must carry it for every environment-aware policy
    assert {n for n, v in config.items() if isinstance(v, dict) and v.get("environment") == environment} == aware
    assert all(reconciled[n][1]["environment"] == environment for n in aware)


def test_config_files_are_named_by_environment() -> None:
    assert sorted(p.name for p in Path(CONFIG_DIR).glob("*.json")) == ["dev.json", "prod.json"]


def test_readme_table_is_in_sync() -> None:
    readme = docs.README.read_text()
    assert readme == docs.render(readme), "run: python -m policies.docs"
    assert all(f"`{n}`" in readme for n in NAMES)


def test_pack_entry_point_serves_the_analyzer() -> None:
    """`python -u policies` (how the CLI's python analyzer host runs a pack folder) prints its gRPC port."""
    process = subprocess.Popen(
        [sys.executable, "-u", str(PACK_DIR)], cwd=PACK_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        port = process.stdout.readline() if process.stdout else b""
    finally:
        process.kill()
        _, stderr = process.communicate()
    assert port.strip().isdigit(), stderr.decode()
