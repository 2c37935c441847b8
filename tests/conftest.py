"""Shared fixtures: the real program recorded on the mock runtime for each stack file."""

from __future__ import annotations

import fcntl
import os
import pickle
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, cast

import pytest
from hypothesis import settings as hypothesis_settings

from components.program import run
from components.settings import PLATFORM_KEY, PROJECT, PlatformSettings, load_settings, read_stack_config
from components.settings.models import deep_merge
from scripts import plan as offline_plan
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


_CACHE: dict[tuple[str, bool], Recording] = {}


def recorded_stack(stack: str, preview: bool = False) -> Recording:
    """The stack file's recording (with `preview`, as its first `pulumi preview` sees it), made once per test
    session and shared by every test, and by the session's xdist workers (see _shared_recording)."""
    if (stack, preview) not in _CACHE:
        _CACHE[stack, preview] = _shared_recording(
            f"{stack}-{'preview' if preview else 'up'}",
            lambda: record(stack, stack_config(stack), run, PROJECT, preview=preview),
        )
    return _CACHE[stack, preview]


_SHARED_DIR: list[Path] = []
"""Where this run's xdist workers share recordings (set by `committed_stacks_recorded_once`; empty without xdist)."""


def _shared_recording(key: str, make: Callable[[], Recording]) -> Recording:
    """`make()`, once per test run: under pytest-xdist the first worker to ask records and pickles it, under a file
    lock, into the run's temporary directory; the other workers load it (0.5 s against ~6 s for prod)."""
    if not _SHARED_DIR:
        return make()
    path = _SHARED_DIR[0] / f"recording-{key}.pickle"
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if path.exists():
            return cast(Recording, pickle.loads(path.read_bytes()))
        recording = make()
        path.write_bytes(pickle.dumps(recording))
        return recording


def _is_committed(project_dir: Path, stack: str) -> bool:
    """Whether `project_dir` holds this repository's own project and stack file, byte for byte."""
    try:
        return all(
            (project_dir / n).read_bytes() == (ROOT / n).read_bytes() for n in ("Pulumi.yaml", f"Pulumi.{stack}.yaml")
        )
    except OSError:  # a stack file that is not there, or a name no file can have
        return False


_record_plan = offline_plan.plan


def _plan_once(stack: str, project_dir: Path = ROOT, *, preview: bool = False) -> Recording:
    """`scripts.plan.plan` with the committed stack files' recordings shared: the same config recorded by the same
    program gives the same registrations, so the commands under test (plan, policy check, the driver's phases) reuse
    the session's recording instead of recording it again (about 4 s dev, 6 s prod each). Any other project or stack
    file, e.g. a test's edited copy, is recorded as usual."""
    if not _is_committed(project_dir, stack):
        return _record_plan(stack, project_dir, preview=preview)
    load_settings(stack, read_stack_config(project_dir, stack))  # what plan checks first
    return recorded_stack(stack, preview)


@pytest.fixture(scope="session", autouse=True)
def committed_stacks_recorded_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every offline plan of a committed stack file in this session is the session's recording (see _plan_once),
    shared by the run's xdist workers through the directory above their own temporary ones."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        _SHARED_DIR.append(tmp_path_factory.getbasetemp().parent)
    patch = pytest.MonkeyPatch()
    patch.setattr(offline_plan, "plan", _plan_once)
    yield
    patch.undo()


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


class FakeClouds:
    """Answers the preflight's cloud CLI calls (scripts/preflight.py) like az, gcloud and aws would.

    `unregistered`: Azure resource providers not registered; `disabled`: GCP APIs not enabled; `eip_quota`: the
    Elastic IP quota of every region; `held`: the tags of each Elastic IP already allocated in a region;
    `missing`: CLIs not installed; `fail`: CLI -> (exit code, stderr); `secrets`: Secrets Manager secret name ->
    `missing`, `empty` (no AWSCURRENT version) or `deleted` (scheduled for deletion); any other secret exists.
    `limits`: compute quota name (Azure usage name, GCE metric or EC2 quota code) -> limit, any other is
    `default_limit`;
    `unoffered`: VM sizes or `machine-type@zone` pairs the cloud does not offer; `zone_restricted`: VM size -> the
    zones of its region the subscription may not use it in; `unlisted`: quota names `az vm list-usage` leaves out."""

    AZURE_SKUS: ClassVar[dict[str, tuple[str, int]]] = {  # the SKU list's family and vCPUs of the stacks' sizes
        "Standard_D2s_v3": ("standardDSv3Family", 2),
        "Standard_D4s_v3": ("standardDSv3Family", 4),
        "Standard_D8s_v3": ("standardDSv3Family", 8),
        "Standard_NC4as_T4_v3": ("Standard NCASv3_T4 Family", 4),
    }

    def __init__(
        self,
        *,
        unregistered: tuple[str, ...] = (),
        disabled: tuple[str, ...] = (),
        eip_quota: float = 20.0,
        held: list[dict[str, str]] | None = None,
        missing: tuple[str, ...] = (),
        fail: dict[str, tuple[int, str]] | None = None,
        connection: str = "AVAILABLE",
        cost_tag: str = "Active",
        secrets: dict[str, str] | None = None,
        limits: dict[str, int] | None = None,
        default_limit: int = 1000,
        unoffered: tuple[str, ...] = (),
        zone_restricted: dict[str, list[str]] | None = None,
        unlisted: tuple[str, ...] = (),
    ) -> None:
        self.unregistered = {n.lower() for n in unregistered}
        self.disabled = set(disabled)
        self.eip_quota = eip_quota
        self.held = held or []
        self.missing = missing
        self.fail = fail or {}
        self.connection = connection
        self.cost_tag = cost_tag
        self.secrets = secrets or {}
        self.limits = limits or {}
        self.default_limit = default_limit
        self.unoffered = set(unoffered)
        self.zone_restricted = zone_restricted or {}
        self.unlisted = set(unlisted)
        self.calls: list[list[str]] = []

    def __call__(self, argv: Any) -> Any:
        import json

        from components.gcp.services import BOOTSTRAP_APIS
        from scripts.deploy_check import AZURE_NAMESPACES
        from scripts.preflight import CliResult

        argv = list(argv)
        self.calls.append(argv)
        tool = argv[0]
        if tool in self.missing:
            return CliResult(127, "", f"{tool}: command not found")
        if tool in self.fail:
            code, stderr = self.fail[tool]
            return CliResult(code, "", stderr)
        if argv[:3] == ["az", "provider", "list"]:
            known = {ns for group in AZURE_NAMESPACES.values() for ns in group} | {"Microsoft.Compute"}
            return CliResult(0, json.dumps(sorted(ns for ns in known if ns.lower() not in self.unregistered)))
        if argv[:3] == ["gcloud", "services", "list"]:
            return CliResult(0, "\n".join(a for a in (*BOOTSTRAP_APIS, "iam.googleapis.com") if a not in self.disabled))
        if argv[:3] == ["aws", "service-quotas", "get-service-quota"]:
            code = argv[argv.index("--quota-code") + 1]
            value = self.eip_quota if code == "L-0263D0A3" else self.limits.get(code, self.default_limit)
            return CliResult(0, f"{value}\n")
        if argv[:3] == ["aws", "ec2", "describe-instance-types"]:
            types = argv[argv.index("--instance-types") + 1 : argv.index("--query")]
            vcpus = {"large": 2, "xlarge": 4, "2xlarge": 8}
            return CliResult(0, json.dumps([{"type": t, "vcpus": vcpus[t.split(".")[1]]} for t in types]))
        if argv[:3] == ["aws", "ec2", "describe-addresses"]:
            return CliResult(0, json.dumps([[{"Key": k, "Value": v} for k, v in t.items()] for t in self.held]))
        if argv[:3] == ["aws", "ce", "list-cost-allocation-tags"]:
            return CliResult(0, f"{self.cost_tag}\n")
        if argv[:3] == ["aws", "codeconnections", "get-connection"]:
            return CliResult(0, f"{self.connection}\n")
        if argv[:3] == ["aws", "secretsmanager", "describe-secret"]:
            state = self.secrets.get(argv[argv.index("--secret-id") + 1])
            if state == "missing":
                error = "Secrets Manager can't find the specified secret."
                return CliResult(254, "", f"An error occurred (ResourceNotFoundException) when calling the "
                                 f"DescribeSecret operation: {error}")  # fmt: skip
            stages = {} if state == "empty" else {"EXAMPLE1-90ab-cdef-fedc-ba987SECRET1": ["AWSCURRENT"]}
            deleted = "2026-12-04T02:00:00+00:00" if state == "deleted" else None
            return CliResult(0, json.dumps({"stages": stages or None, "deleted": deleted}))
        if argv[:3] == ["az", "vm", "list-skus"]:
            asked = re.findall(r"name=='([^']+)'", argv[argv.index("--query") + 1].split("]", 1)[0])
            return CliResult(0, json.dumps([
                {"name": n, "family": self.AZURE_SKUS[n][0], "vcpus": str(self.AZURE_SKUS[n][1]), "restricted": 0,
                 "restricted_zones": self.zone_restricted.get(n) or None}
                for n in asked if n not in self.unoffered
            ]))  # fmt: skip
        if argv[:3] == ["az", "vm", "list-usage"]:
            names = {"cores", "lowPriorityCores", *(family for family, _ in self.AZURE_SKUS.values())}
            return CliResult(0, json.dumps([
                {"name": {"value": n, "localizedValue": n}, "currentValue": 0,
                 "limit": self.limits.get(n, self.default_limit)}
                for n in sorted(names - self.unlisted)
            ]))  # fmt: skip
        if argv[:4] == ["gcloud", "compute", "machine-types", "list"]:
            zones = argv[argv.index("--zones") + 1].split(",")
            names = re.fullmatch(r"name=\((.*)\)", argv[argv.index("--filter") + 1])[1].split()  # type: ignore[index]
            return CliResult(0, json.dumps([
                {"name": n, "zone": f"https://www.googleapis.com/compute/v1/projects/p/zones/{z}",
                 "guestCpus": 2 if n == "e2-medium" else int(n.rsplit("-", 1)[1])}
                for n in names for z in zones if f"{n}@{z}" not in self.unoffered
            ]))  # fmt: skip
        if argv[:4] == ["gcloud", "compute", "regions", "describe"]:
            metrics = ("CPUS", "C2_CPUS", "G2_CPUS", "PREEMPTIBLE_CPUS", "SSD_TOTAL_GB", "DISKS_TOTAL_GB")
            return CliResult(0, json.dumps({"quotas": [
                {"metric": m, "limit": float(self.limits.get(m, self.default_limit)), "usage": 0.0} for m in metrics
            ]}))  # fmt: skip
        if argv[:4] == ["gcloud", "compute", "project-info", "describe"]:
            metrics = ("CPUS_ALL_REGIONS", "NETWORKS")
            return CliResult(0, json.dumps({"quotas": [
                {"metric": m, "limit": float(self.limits.get(m, self.default_limit)), "usage": 0.0} for m in metrics
            ]}))  # fmt: skip
        raise AssertionError(f"unexpected cloud CLI call: {argv}")


SLOWEST_FIRST = (
    "tests/test_sdk_imports.py",
    "tests/policies/test_preview.py",
    "tests/policies/test_policy_check.py",
    "tests/test_plan.py",
    "tests/aws/test_eks.py",
    "tests/workloads/test_manifest_scan.py",
    "tests/test_settings_fuzz.py",
)
"""The files that take longest (`pytest --durations=0`, summed per file), in that order."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Collect the slowest files first: pytest-xdist hands whole files to the workers in collection order, so the
    long ones start at once and the run does not end on one worker finishing a long file while the other idles."""
    rank = {path: i for i, path in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
