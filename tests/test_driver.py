"""The Automation API driver against a fake Pulumi CLI: exact command lines, backend and passphrase
environment, policy pack, retries, the prod destroy guard, missing CLI/passphrase, `--all`, outputs.

The fake replaces `PulumiCommand` (what `LocalWorkspace` runs every CLI call through), so the real
automation code builds every argv; the fake only answers like the CLI would, including the engine's
summary event over the gRPC event log a preview waits for.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import requests
import urllib3
import yaml
from pulumi import automation as auto
from pulumi.automation._cmd import _parse_and_validate_pulumi_version
from pulumi.automation._minimum_version import _MINIMUM_VERSION
from pulumi.automation.errors import create_command_error
from pulumi.runtime.proto import events_pb2, events_pb2_grpc

from components.settings import load_settings
from scripts import deploy, driver, postgres_restart
from tests.conftest import ROOT, FakeClouds, recorded_stack, stack_config, stack_settings

PASSPHRASE = "test-passphrase"
EVENT_LOG = "<event-log>"  # `tcp://127.0.0.1:<port>` of the automation API's event server, port normalized
LOCKED = (
    "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete "
    "the lock file with `pulumi cancel`.\n  file:///state/.pulumi/locks/organization/multicloud-platform/dev/x.json"
)
HISTORY = [
    {
        "kind": "update",
        "startTime": "2026-01-01T00:00:00.000Z",
        "endTime": "2026-01-01T00:01:00.000Z",
        "message": "",
        "environment": {},
        "config": {},
        "result": "succeeded",
        "version": 1,
        "resourceChanges": {"create": 3, "same": 1},
    }
]
OUTPUTS_PLAIN = {"aws_clusters": {"us-east-1": "flow-dev-use1"}, "aws_kubeconfigs": {"us-east-1": "apiVersion: v1"}}
OUTPUTS_MASKED = {"aws_clusters": {"us-east-1": "flow-dev-use1"}, "aws_kubeconfigs": "[secret]"}


@dataclass
class Call:
    argv: list[str]  # as the CLI receives it (after PulumiCommand.run's `--non-interactive`)
    cwd: str
    additional_env: dict[str, str]  # what the workspace adds
    env: dict[str, str]  # what the process would get: os.environ + additional_env + PULUMI_AUTOMATION_API


class FakePulumi(auto.PulumiCommand):
    """A PulumiCommand that records every command line and answers like the CLI.

    `locked`: how many lifecycle commands fail with the file backend's lock error first.
    `stacks`: stacks that exist in the backend (`stack init` adds one).
    `fail`: subcommand -> (code, stdout, stderr) for a command that fails.
    `fail_if`: argv -> (code, stdout, stderr) or None, for a failure of some command lines only.
    `probe`: called after each streamed line (to check the line was written before the command returned).
    `outputs`: stack -> its outputs (plain, none secret), instead of OUTPUTS_PLAIN/OUTPUTS_MASKED.
    """

    def __init__(
        self,
        version: str = "v3.272.0",
        *,
        locked: int = 0,
        stacks: tuple[str, ...] = ("dev", "prod", "staging"),
        fail: dict[str, tuple[int, str, str]] | None = None,
        fail_if: Callable[[list[str]], tuple[int, str, str] | None] | None = None,
        probe: Callable[[], None] | None = None,
        outputs: dict[str, dict[str, Any]] | None = None,
    ) -> None:  # no super().__init__: that would run the real `pulumi version`
        self.command = "pulumi"
        self.calls: list[Call] = [Call(["version"], "", {}, {})]  # what PulumiCommand.__init__ runs
        self.version = _parse_and_validate_pulumi_version(_MINIMUM_VERSION, version.removeprefix("v"), False)
        self.locked = locked
        self.stacks = set(stacks)
        self.fail = fail or {}
        self.fail_if = fail_if or (lambda argv: None)
        self.probe = probe
        self.outputs = outputs

    def run(self, args, cwd, additional_env, on_output=None, on_error=None) -> auto.CommandResult:
        sep = args.index("--") if "--" in args else len(args)
        if "--non-interactive" not in args[:sep]:  # exactly what PulumiCommand.run does
            args.insert(0, "--non-interactive")
        env = {**os.environ, **additional_env, "PULUMI_AUTOMATION_API": "true"}
        self.calls.append(Call(list(args), cwd, dict(additional_env), env))
        result = self._answer(args[1:], on_output)
        if result.code != 0:
            raise create_command_error(result)
        return result

    def _answer(self, args: list[str], on_output: Callable[[str], Any] | None) -> auto.CommandResult:
        def ok(stdout: str = "") -> auto.CommandResult:
            return auto.CommandResult(stdout=stdout, stderr="", code=0)

        stack = args[args.index("--stack") + 1] if "--stack" in args else ""
        if args[:2] == ["stack", "select"]:
            if stack in self.stacks:
                return ok()
            return auto.CommandResult("", f"error: no stack named '{stack}' found", 255)
        if args[:2] == ["stack", "init"]:
            self.stacks.add(args[2])
            return ok()
        if args[:2] == ["stack", "history"]:
            return ok(json.dumps(HISTORY))
        if args[:2] == ["stack", "output"]:
            if self.outputs is not None:
                return ok(json.dumps(self.outputs.get(stack, {})))
            return ok(json.dumps(OUTPUTS_PLAIN if "--show-secrets" in args else OUTPUTS_MASKED))
        command = args[0]
        if command in ("preview", "up", "refresh", "destroy"):
            if self.locked:
                self.locked -= 1
                return auto.CommandResult("", LOCKED, 255)
            verb = "Previewing" if command == "preview" else "Updating"
            lines = [f"{verb} ({stack})", "Resources:", "    + 3 to create"]
            for line in lines:
                if on_output:
                    on_output(line)
                if self.probe:
                    self.probe()
            if "--event-log" in args:
                _send_summary_event(args[args.index("--event-log") + 1])
            failure = self.fail.get(command) or self.fail_if(args)
            if failure:
                return auto.CommandResult(*failure[1:], code=failure[0])  # type: ignore[misc]
            return ok("\n".join(lines))
        raise AssertionError(f"unexpected pulumi command: {args}")

    def runs(self, command: str) -> list[Call]:
        """The calls of one lifecycle command (`preview`, `up`, ...)."""
        return [c for c in self.calls if c.argv[1:2] == [command]]


def _send_summary_event(target: str) -> None:
    """What the engine does at the end of an operation: a summary event to the automation API's event log."""
    events = [
        {"sequence": 1, "timestamp": 0, "summaryEvent": {"resourceChanges": {"create": 3}, "PolicyPacks": {}}},
        {"sequence": 2, "timestamp": 0, "cancelEvent": {}},
    ]
    assert target.startswith("tcp://"), target  # CLI > 3.205 streams events over gRPC
    with grpc.insecure_channel(target.removeprefix("tcp://")) as channel:
        events_pb2_grpc.EventsStub(channel).StreamEvents(
            iter([events_pb2.EventRequest(event=json.dumps(e)) for e in events]), timeout=5
        )


def normalized(argv: list[str]) -> list[str]:
    return [EVENT_LOG if re.fullmatch(r"tcp://127\.0\.0\.1:\d+", a) else a for a in argv]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's Pulumi files with a stub policy pack and per-stack policy configs; the
    passphrase set, no backend in the environment."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"):
        shutil.copy(ROOT / name, project / name)
    (project / "policies" / "config").mkdir(parents=True)
    (project / "policies" / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (project / "policies" / "venv" / "bin").mkdir(parents=True)
    (project / "policies" / "venv" / "bin" / "python").write_text("")
    for stack in ("dev", "prod"):
        (project / "policies" / "config" / f"{stack}.json").write_text("{}\n")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    return project


class FakeFlexibleServers:
    """The Flexible Server API of the restart after `up` (scripts/postgres_restart.FlexibleServerApi): `pending` names
    the servers whose wal_level waits for a restart (a restart clears it); `fail`: server name -> the error its
    restart raises. `calls` records (what, server name); a restart counts as waited for once it has returned."""

    def __init__(self, pending: tuple[str, ...] = (), fail: dict[str, Exception] | None = None) -> None:
        self.pending = set(pending)
        self.fail = fail or {}
        self.calls: list[tuple[str, str]] = []

    def pending_restart(self, server: Any, parameter: str) -> bool:
        assert parameter == "wal_level"
        self.calls.append(("pending", server.name))
        return server.name in self.pending

    def restart(self, server: Any) -> None:
        self.calls.append(("restart", server.name))
        if server.name in self.fail:
            raise self.fail[server.name]
        self.pending.discard(server.name)
        self.calls.append(("restarted", server.name))


def deploy_main(
    project: Path,
    *argv: str,
    fake: FakePulumi | None = None,
    sleeps: list[float] | None = None,
    clouds: FakeClouds | None = None,
    servers: FakeFlexibleServers | None = None,
) -> int:
    """`python -m scripts.deploy <argv> --project-dir <project>` with a fake Pulumi CLI, fake cloud CLIs (a ready
    account unless `clouds` says otherwise) and a fake Flexible Server API (nothing pending unless `servers` says)."""
    sleeps = [] if sleeps is None else sleeps
    return deploy.main(
        [*argv, "--project-dir", str(project)],
        pulumi_command=fake,
        sleep=sleeps.append,
        preflight=clouds or FakeClouds(),
        flexible_servers=servers or FakeFlexibleServers(),
    )


# -- exact command lines ----------------------------------------------------------------------------------------


def test_preview_attaches_the_policy_pack_and_its_config(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakePulumi()
    assert deploy_main(project, "preview", "--stack", "dev", fake=fake) == 0
    (preview,) = fake.runs("preview")
    assert normalized(preview.argv) == [
        "--non-interactive", "preview",
        "--policy-pack", f"{project}/policies",
        "--policy-pack-config", f"{project}/policies/config/dev.json",
        "--exec-kind", "auto.local",
        "--event-log", EVENT_LOG,
        "--stack", "dev",
    ]  # fmt: skip
    assert preview.cwd == str(project)  # the project on disk is the program
    assert ["--non-interactive", "stack", "select", "--stack", "dev"] in [c.argv for c in fake.calls]
    out = capsys.readouterr().out
    assert "Previewing (dev)\nResources:\n    + 3 to create\n" in out
    assert out.rstrip().endswith("==> stack dev: preview done: create 3")


def in_cluster_roots(stack: str) -> list[str]:
    """The stack's Kubernetes providers, from its committed recording: what phase 1 leaves out, with dependents."""
    return sorted(r.urn for r in recorded_stack(stack).resources if r.type == "pulumi:providers:kubernetes")


def excluded(stack: str) -> list[str]:
    return [a for urn in in_cluster_roots(stack) for a in ("--exclude", urn)]


def test_up_runs_without_a_second_preview_and_with_the_policy_pack(project: Path) -> None:
    """prod deploys in-network: from here `up` runs phase 1, everything but the in-cluster objects."""
    fake = FakePulumi()
    assert deploy_main(project, "up", "--stack", "prod", fake=fake) == 0
    (up,) = fake.runs("up")
    assert up.argv == [
        "--non-interactive", "up", "--yes", "--skip-preview",
        *excluded("prod"),
        "--policy-pack", f"{project}/policies",
        "--policy-pack-config", f"{project}/policies/config/prod.json",
        "--exclude-dependents",
        "--exec-kind", "auto.local",
        "--stack", "prod",
    ]  # fmt: skip
    clusters = (
        "aws:eks/cluster:Cluster",
        "azure-native:containerservice:ManagedCluster",
        "gcp:container/cluster:Cluster",
    )
    assert len(in_cluster_roots("prod")) == sum(len(recorded_stack("prod").of_type(c)) for c in clusters) == 6
    argvs = [c.argv for c in fake.calls]  # after up the automation API reads outputs and the last update
    assert ["--non-interactive", "stack", "output", "--json", "--stack", "prod"] in argvs
    assert [
        "--non-interactive", "stack", "history", "--json", "--show-secrets", "--page-size", "1", "--page", "1",
        "--stack", "prod",
    ] in argvs  # fmt: skip


# -- the two-phase deploy ---------------------------------------------------------------------------------------


def phase_of(call: Call) -> str:
    """1 when the command line leaves out the in-cluster objects, else 2."""
    return "1" if "--exclude-dependents" in call.argv else "2"


def whole_stack_fails(argv: list[str]) -> tuple[int, str, str] | None:
    if "--exclude-dependents" not in argv:
        return 255, "", "error: kubernetes:helm.sh/v3:Release flow-dev-aws-use1-workloads-monitoring-release: timeout"
    return None


def test_an_outside_deployer_runs_phase_1_then_phase_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakePulumi()
    assert deploy_main(project, "up", "--stack", "dev", fake=fake) == 0
    first, second = fake.runs("up")
    assert [phase_of(first), phase_of(second)] == ["1", "2"]
    assert [a for a in first.argv if a.startswith("urn:")] == in_cluster_roots("dev")
    assert not any(a.startswith(("--exclude", "--target")) for a in second.argv)
    out = capsys.readouterr().out
    assert out.index("==> phase 1 · stack dev: done") < out.index("==> phase 2 · stack dev: the whole stack")


def test_an_in_network_stack_runs_phase_2_on_the_runner_only(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakePulumi()
    assert deploy_main(project, "up", "--stack", "prod", fake=fake) == 0
    assert [phase_of(c) for c in fake.runs("up")] == ["1"]
    assert "phase 2 (the in-cluster objects) runs there: python -m scripts.deploy up --stack prod" in (
        capsys.readouterr().out
    )
    monkeypatch.setenv(driver.RUNNER_ENV, "arn:aws:codebuild:us-east-1:210987654321:build/flow-prod-runner:1")
    assert deploy_main(project, "up", "--stack", "prod", fake=fake) == 0
    assert [phase_of(c) for c in fake.runs("up")] == ["1", "1", "2"]  # on the runner: both phases


def test_no_phase_2_when_phase_1_fails(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakePulumi(fail={"up": (255, "", "error: creating EKS cluster: ResourceLimitExceeded")})
    assert deploy_main(project, "up", "--stack", "dev", fake=fake) == 1
    assert [phase_of(c) for c in fake.runs("up")] == ["1"]
    err = capsys.readouterr().err
    assert "ResourceLimitExceeded" in err
    assert "stack dev: phase 1 stopped; resume with `python -m scripts.deploy up --stack dev --phase 1`" in err


def test_a_failed_phase_2_resumes_with_phase_2_alone(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakePulumi(fail_if=whole_stack_fails)
    assert deploy_main(project, "up", "--stack", "dev", fake=fake) == 1
    assert [phase_of(c) for c in fake.runs("up")] == ["1", "2"]
    assert "phase 1 is done; resume with `python -m scripts.deploy up --stack dev --phase 2`" in capsys.readouterr().err
    fake.fail_if = lambda argv: None  # the timeout was fixed
    assert deploy_main(project, "up", "--stack", "dev", "--phase", "2", fake=fake) == 0
    assert [phase_of(c) for c in fake.runs("up")] == ["1", "2", "2"]


def test_a_failed_phase_2_of_an_in_network_stack_resumes_on_the_runner(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakePulumi(fail_if=whole_stack_fails)
    assert deploy_main(project, "up", "--stack", "prod", "--phase", "all", "--in-network", fake=fake) == 1
    assert "--phase 2` from the in-network runner" in capsys.readouterr().err


def test_phase_2_of_an_in_network_stack_is_refused_from_outside(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakePulumi()
    for phase in ("2", "all"):
        assert deploy_main(project, "up", "--stack", "prod", "--phase", phase, fake=fake) == 2
        assert "reaches the private cluster APIs, which only the in-network runner does" in capsys.readouterr().err
    assert fake.runs("up") == []


def test_preview_shows_the_last_phase_only(project: Path) -> None:
    fake = FakePulumi()
    assert deploy_main(project, "preview", "--stack", "prod", fake=fake) == 0
    assert deploy_main(project, "preview", "--stack", "prod", "--phase", "all", "--in-network", fake=fake) == 0
    assert [phase_of(c) for c in fake.runs("preview")] == ["1", "2"]


# -- the preflight ------------------------------------------------------------------------------------------------


def test_up_asks_the_clouds_first_and_a_missing_prerequisite_stops_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, clouds = FakePulumi(), FakeClouds(unregistered=("Microsoft.ContainerService",), eip_quota=5.0)
    assert deploy_main(project, "up", "--stack", "prod", fake=fake, clouds=clouds) == 2
    assert fake.calls == [Call(["version"], "", {}, {})]  # no stack selected, nothing run
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 4  # the provider, each region's addresses, the summary line
    assert "Microsoft.ContainerService is not registered" in err[0]
    assert err[-1] == (
        "stack prod: 3 preflight problem(s); nothing was run (fix them, or pass --skip-preflight to run anyway)"
    )
    assert (
        deploy_main(
            project,
            "up",
            "--stack",
            "prod",
            "--skip-preflight",
            fake=fake,
            clouds=FakeClouds(missing=("az", "gcloud", "aws")),
        )
        == 0
    )
    assert len(fake.runs("up")) == 1


def test_preview_asks_only_for_the_idp_secrets_and_refresh_and_outputs_ask_nothing(project: Path) -> None:
    clouds = FakeClouds()
    assert deploy_main(project, "preview", "--stack", "dev", fake=FakePulumi(), clouds=clouds) == 0
    assert [c[1:3] for c in clouds.calls] == [["secretsmanager", "describe-secret"]] * 2
    clouds.calls.clear()
    for command in ("refresh", "outputs"):
        assert deploy_main(project, command, "--stack", "dev", fake=FakePulumi(), clouds=clouds) == 0
    assert clouds.calls == []


def test_a_preview_without_the_idp_secrets_stops_with_one_line_each(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """aws 16b: a fresh account has no IdP secrets, which the program reads at preview: refused before any Pulumi
    call, one line per secret (no traceback); --skip-preflight previews anyway."""
    fake = FakePulumi()
    clouds = FakeClouds(secrets={"platform/identity/azure-ad": "missing", "platform/identity/google": "missing"})
    assert deploy_main(project, "preview", "--stack", "dev", fake=fake, clouds=clouds) == 2
    assert fake.runs("preview") == []
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3 and all("aws secretsmanager create-secret --name platform/identity/" in e for e in err[:2])
    assert deploy_main(project, "preview", "--stack", "dev", "--skip-preflight", fake=fake, clouds=clouds) == 0


def test_refresh_and_destroy_command_lines(project: Path) -> None:
    fake = FakePulumi()
    assert deploy_main(project, "refresh", "--stack", "dev", fake=fake) == 0
    assert deploy_main(project, "destroy", "--stack", "dev", fake=fake) == 0
    (refresh,) = fake.runs("refresh")
    (destroy,) = fake.runs("destroy")
    assert refresh.argv == ["--non-interactive", "refresh", "--skip-preview", "--yes", "--exec-kind", "auto.local",
                            "--stack", "dev"]  # fmt: skip
    assert destroy.argv == ["--non-interactive", "destroy", "--skip-preview", "--yes", "--exec-kind", "auto.local",
                            "--stack", "dev"]  # fmt: skip
    assert not any(c.argv[1:3] == ["stack", "init"] for c in fake.calls)  # refresh/destroy never create a stack


def test_a_missing_policy_config_is_an_environment_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without its config the pack would run with its defaults: refused, so a stack never runs other guardrails."""
    (project / "policies" / "config" / "dev.json").unlink()
    fake = FakePulumi()
    assert deploy_main(project, "preview", "--stack", "dev", fake=fake) == 2
    assert fake.runs("preview") == []
    assert capsys.readouterr().err.startswith(f"policy config not found: {project}/policies/config/dev.json")


@pytest.mark.parametrize(
    ("stack", "config"),
    [
        ("dev", "dev"),
        ("prod", "prod"),
        ("eu-prod", "prod"),
        ("alice-dev", "dev"),
        ("staging", "prod"),
    ],
)
def test_every_path_picks_the_policy_config_of_the_environment_bound_to_the_stack_name(stack: str, config: str) -> None:
    """The driver (preview/up), `plan --policy` (by the settings' environment) and CI (which runs both) read the
    same file: the environment comes from the stack's name alone."""
    from scripts import policy_check

    assert driver.policy_config(ROOT, stack) == ROOT / "policies" / "config" / f"{config}.json"
    if stack != "staging":  # a stack bound to no environment is refused before the offline check runs
        environment = load_settings(stack, stack_config(config)).environment
        assert policy_check.CONFIG_DIR / f"{environment}.json" == driver.policy_config(ROOT, stack)


def test_preview_creates_a_missing_stack_refresh_does_not(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakePulumi(stacks=())
    assert deploy_main(project, "preview", "--stack", "dev", fake=fake) == 0
    argvs = [c.argv for c in fake.calls]
    select, init = (
        argvs.index(["--non-interactive", "stack", "select", "--stack", "dev"]),
        argvs.index(["--non-interactive", "stack", "init", "dev"]),
    )
    assert select < init < argvs.index(fake.runs("preview")[0].argv)

    fake = FakePulumi(stacks=())
    assert deploy_main(project, "refresh", "--stack", "dev", fake=fake) == 2
    assert [c.argv[1:3] for c in fake.calls[1:]] == [["stack", "select"]]
    assert capsys.readouterr().err.endswith(
        f"error: stack dev does not exist in {(project / '.pulumi-state').as_uri()}: nothing to refresh\n"
    )


# -- backend and passphrase -------------------------------------------------------------------------------------


def test_default_backend_is_the_state_folder_and_the_passphrase_is_inherited(project: Path) -> None:
    fake = FakePulumi()
    assert deploy_main(project, "preview", "--stack", "dev", fake=fake) == 0
    state = project / ".pulumi-state"
    assert state.is_dir()  # the CLI does not create a file backend's folder
    for call in fake.calls[1:]:
        assert call.additional_env["PULUMI_BACKEND_URL"] == state.as_uri() == f"file://{state}"
        assert call.env["PULUMI_CONFIG_PASSPHRASE"] == PASSPHRASE
        assert "PULUMI_CONFIG_PASSPHRASE" not in call.additional_env  # not in the workspace (nor its repr)
    assert fake.runs("preview")[0].additional_env == {
        "PULUMI_DEBUG_COMMANDS": "true",
        "PULUMI_BACKEND_URL": state.as_uri(),
    }


def test_backend_flag_beats_the_environment_which_beats_the_default(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PULUMI_BACKEND_URL", "s3://team-state/platform")
    fake = FakePulumi()
    assert deploy_main(project, "refresh", "--stack", "dev", fake=fake) == 0
    assert fake.runs("refresh")[0].additional_env["PULUMI_BACKEND_URL"] == "s3://team-state/platform"

    flag = (tmp_path / "elsewhere").as_uri()
    fake = FakePulumi()
    assert deploy_main(project, "refresh", "--stack", "dev", "--backend", flag, fake=fake) == 0
    assert fake.runs("refresh")[0].additional_env["PULUMI_BACKEND_URL"] == flag
    assert (tmp_path / "elsewhere").is_dir() and not (project / ".pulumi-state").exists()


def test_missing_passphrase_fails_in_one_line_before_any_cli_call(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    fake = FakePulumi()
    assert deploy_main(project, "up", "--stack", "dev", fake=fake) == 2
    assert len(fake.calls) == 1  # only the fake's own `pulumi version`
    assert capsys.readouterr().err == (
        "PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) is not set: the backend "
        f"{(project / '.pulumi-state').as_uri()} encrypts stack secrets with it; export it and retry\n"
    )
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE_FILE", str(project / "passphrase.txt"))
    assert deploy_main(project, "refresh", "--stack", "dev", fake=FakePulumi()) == 0
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE")  # Pulumi Cloud keeps secrets itself: no passphrase needed
    cloud = "https://api.pulumi.com"
    assert deploy_main(project, "refresh", "--stack", "dev", "--backend", cloud, fake=FakePulumi()) == 0


# -- retry, failures, guards ------------------------------------------------------------------------------------


def test_a_locked_stack_is_retried_with_backoff(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake, sleeps = FakePulumi(locked=2), []
    assert deploy_main(project, "up", "--stack", "dev", fake=fake, sleeps=sleeps) == 0
    assert sleeps == [2.0, 4.0]
    assert len(fake.runs("up")) == 4  # phase 1 three times (twice locked), then phase 2 (dev: all from outside)
    assert len({tuple(c.argv) for c in fake.runs("up")[:3]}) == 1  # the same command line each time
    assert capsys.readouterr().err.count("stack dev is locked by another update; retrying in") == 2


def test_a_stack_locked_too_long_fails_with_exit_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake, sleeps = FakePulumi(locked=10), []
    assert deploy_main(project, "preview", "--stack", "dev", fake=fake, sleeps=sleeps) == 1
    assert sleeps == [2.0, 4.0, 8.0] and len(fake.runs("preview")) == 4
    err = capsys.readouterr().err
    assert "error: stack dev is still locked by another update after 4 attempts" in err
    assert "  error: the stack is currently locked by 1 lock(s)." in err and "Traceback" not in err


def test_a_failed_command_prints_its_stderr_tail_and_exits_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stderr = "\n".join(f"noise {i}" for i in range(20)) + "\nerror: preview failed: 1 mandatory policy violation"
    fake = FakePulumi(fail={"preview": (255, "Policies:\n    mandatory: encryption", stderr)})
    assert deploy_main(project, "preview", "--stack", "dev", fake=fake) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "error: pulumi preview failed for stack dev (exit 255):"
    tail = [f"  noise {i}" for i in range(13, 20)] + ["  error: preview failed: 1 mandatory policy violation"]
    assert err[1:] == tail  # the last 8 lines


def test_prod_destroy_is_refused_without_the_flag(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakePulumi()
    assert deploy_main(project, "destroy", "--stack", "prod", fake=fake) == 2
    assert len(fake.calls) == 1
    assert capsys.readouterr().err == (
        "refusing to destroy prod stack(s) prod: pass --yes-destroy-prod to really do it\n"
    )
    assert deploy_main(project, "destroy", "--stack", "prod", "--yes-destroy-prod", fake=fake) == 0
    assert fake.runs("destroy")[0].argv[-2:] == ["--stack", "prod"]


def test_a_stack_not_named_dev_counts_as_prod(project: Path) -> None:
    shutil.copy(project / "Pulumi.dev.yaml", project / "Pulumi.staging.yaml")  # dev settings inside
    fake = FakePulumi()
    assert deploy_main(project, "destroy", "--stack", "staging", fake=fake) == 2
    assert deploy_main(project, "destroy", "--all", fake=fake) == 2  # refused up front: dev is not destroyed either
    assert fake.runs("destroy") == []


def test_missing_cli_is_one_line_with_how_to_install(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert deploy_main(project, "preview", "--stack", "dev") == 2  # no fake: the real lookup
    assert capsys.readouterr().err == (
        "pulumi CLI not found: install it with `curl -fsSL https://get.pulumi.com | sh` "
        "(or see https://www.pulumi.com/docs/install/)\n"
    )


@pytest.mark.parametrize(("answer", "code"), [("v3.185.1", 2), ("v3.186.0", 0)])
def test_a_cli_older_than_the_minimum_is_refused_in_one_line(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    answer: str,
    code: int,
) -> None:
    """The real `pulumi version` check (no fake): 3.186.0 is the first CLI to accept `type: object` config."""
    assert driver.MINIMUM_CLI == (3, 186, 0)
    monkeypatch.delenv("PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK", raising=False)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(f"#!/bin/sh\ncase \"$*\" in version) echo {answer} ;; *) echo '{{}}' ;; esac\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert deploy.main(["outputs", "--stack", "dev", "--project-dir", str(project)]) == code
    err = capsys.readouterr().err
    if code:
        assert err.startswith("pulumi CLI unusable: ") and "3.186.0" in err and err.count("\n") == 1, err


def test_bad_config_and_unknown_stack_never_reach_the_cli(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = yaml.safe_load((project / "Pulumi.prod.yaml").read_text())
    document["config"]["multicloud-platform:platform"]["kubernetes"]["version"] = "1.28"
    (project / "Pulumi.prod.yaml").write_text(yaml.safe_dump(document))
    fake = FakePulumi()
    assert deploy_main(project, "preview", "--all", fake=fake) == 2
    assert deploy_main(project, "up", "--stack", "qa", fake=fake) == 2
    assert len(fake.calls) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("Pulumi.prod.yaml: multicloud-platform:platform.kubernetes.version: Kubernetes 1.28")
    assert err[1] == "stack prod: 1 configuration problem(s); nothing was run"
    assert err[2] == f"Pulumi.qa.yaml: no such file in {project}; stacks: dev, prod"


def test_a_policy_pack_without_its_venv_is_an_environment_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Python language host runs a pack with policies/venv/bin/python but creates that venv only for programs
    (ecosystem review F3): without it every preview and up would fail to start the pack."""
    shutil.rmtree(project / "policies" / "venv")
    fake = FakePulumi()
    assert deploy_main(project, "preview", "--stack", "dev", fake=fake) == 2
    assert capsys.readouterr().err.startswith(f"policy pack runtime not found: {project}/policies/venv (create it with")


def test_missing_policy_pack_is_an_environment_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree(project / "policies")
    assert deploy_main(project, "up", "--stack", "dev", fake=FakePulumi()) == 2
    assert capsys.readouterr().err == (
        f"policy pack not found: {project}/policies/PulumiPolicy.yaml (preview and up always run it)\n"
    )


# -- --all, outputs, streaming, CLI parsing ---------------------------------------------------------------------


def test_all_runs_every_stack_file_in_order(project: Path) -> None:
    fake = FakePulumi()
    assert deploy_main(project, "preview", "--all", fake=fake) == 0
    assert [c.argv[-1] for c in fake.runs("preview")] == ["dev", "prod"]
    assert [c.argv[c.argv.index("--policy-pack-config") + 1] for c in fake.runs("preview")] == [
        f"{project}/policies/config/dev.json",
        f"{project}/policies/config/prod.json",
    ]


def test_all_stops_mutating_commands_at_the_first_failure(project: Path) -> None:
    fake = FakePulumi(fail={"up": (255, "", "error: update failed"), "preview": (255, "", "error: preview failed")})
    assert deploy_main(project, "up", "--all", fake=fake) == 1
    assert [c.argv[-1] for c in fake.runs("up")] == ["dev"]  # prod is not touched after dev failed
    assert deploy_main(project, "preview", "--all", fake=fake) == 1
    assert [c.argv[-1] for c in fake.runs("preview")] == ["dev", "prod"]  # a preview reports every stack


def test_outputs_masks_secrets_unless_asked(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakePulumi()
    assert deploy_main(project, "outputs", "--stack", "dev", fake=fake) == 0
    assert json.loads(capsys.readouterr().out) == OUTPUTS_MASKED
    assert deploy_main(project, "outputs", "--stack", "dev", "--show-secrets", fake=fake) == 0
    assert json.loads(capsys.readouterr().out) == OUTPUTS_PLAIN
    assert deploy_main(project, "outputs", "--all", fake=fake) == 0
    assert json.loads(capsys.readouterr().out) == {"dev": OUTPUTS_MASKED, "prod": OUTPUTS_MASKED}
    assert ["--non-interactive", "stack", "output", "--json", "--show-secrets", "--stack", "dev"] in [
        c.argv for c in fake.calls
    ]


def test_output_is_streamed_while_the_command_runs(project: Path) -> None:
    out, seen = io.StringIO(), []
    fake = FakePulumi(probe=lambda: seen.append(out.getvalue()))
    options = driver.Options(project_dir=project)
    code = driver.run("preview", ["dev"], options, pulumi_command=fake, out=out, preflight=FakeClouds())
    assert code == 0
    assert seen[0].endswith("Previewing (dev)\n") and seen[1].endswith("Resources:\n")


@pytest.mark.parametrize("argv", [["preview"], ["preview", "--stack", "dev", "--all"], ["up", "--yes-destroy-prod"]])
def test_stack_xor_all_and_flags_per_command(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        deploy.main(argv, pulumi_command=FakePulumi())
    assert exit_.value.code == 2
    capsys.readouterr()


def test_the_real_pulumi_command_class_drives_an_executable_on_path(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No injection: `shutil.which`, `PulumiCommand()` running `pulumi version`, subprocess env and argv."""
    bin_dir, log = tmp_path / "bin", tmp_path / "argv.log"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$* | $PULUMI_BACKEND_URL | $PULUMI_CONFIG_PASSPHRASE" >> {log}\n'
        'case "$*" in\n'
        "  version) echo v3.272.0 ;;\n"
        f"  *--show-secrets*) echo '{json.dumps(OUTPUTS_PLAIN)}' ;;\n"
        f"  *'stack output'*) echo '{json.dumps(OUTPUTS_MASKED)}' ;;\n"
        "esac\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert deploy.main(["outputs", "--stack", "dev", "--project-dir", str(project)]) == 0
    assert json.loads(capsys.readouterr().out) == OUTPUTS_MASKED
    state = (project / ".pulumi-state").as_uri()
    assert log.read_text().splitlines() == [
        f"version |  | {PASSPHRASE}",  # PulumiCommand() itself; the workspace env is not applied to it
        f"--non-interactive stack select --stack dev | {state} | {PASSPHRASE}",
        f"--non-interactive stack output --json --stack dev | {state} | {PASSPHRASE}",
        f"--non-interactive stack output --json --show-secrets --stack dev | {state} | {PASSPHRASE}",
    ]


def test_backend_paths_and_passwords(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakePulumi()
    assert deploy_main(project, "refresh", "--stack", "dev", "--backend", "file://./state", fake=fake) == 0
    assert (project / "state").is_dir()  # relative to the project, the CLI's working directory
    assert fake.runs("refresh")[0].additional_env["PULUMI_BACKEND_URL"] == "file://./state"  # passed as given
    assert driver.file_backend_dir("file://~/st", project) == Path("~/st").expanduser()
    assert driver.file_backend_dir("s3://bucket/prefix", project) is None
    capsys.readouterr()
    assert deploy_main(project, "refresh", "--stack", "dev", "--backend", "postgres://u:pw@db/state", fake=fake) == 0
    out = capsys.readouterr().out
    assert "backend postgres://u:***@db/state" in out and "pw@" not in out


# -- the Flexible Server restart after up (azure R3) --------------------------------------------------------------


def recorded_outputs(stack: str) -> dict[str, Any]:
    """The stack outputs `up` returns: the committed stack's recording (the restart reads azure_postgres_servers)."""
    return {"azure_postgres_servers": recorded_stack(stack).outputs["azure_postgres_servers"]}


def server_names(stack: str) -> list[str]:
    return [postgres_restart.FlexibleServer.from_id(r, i).name for r, i in sorted(recorded_outputs(stack)[
        "azure_postgres_servers"].items())]  # fmt: skip


def test_the_outputs_name_every_flexible_server_of_the_stack() -> None:
    """One id per Azure region, each the recorded server's: its subscription, resource group and name."""
    from components.azure.postgres import SERVER_PARAMETERS

    assert SERVER_PARAMETERS[postgres_restart.PARAMETER] == "logical"
    for stack in ("dev", "prod"):
        recording = recorded_stack(stack)
        found = postgres_restart.servers(recording.outputs)
        assert [s.region for s in found] == sorted(r.name for r in stack_settings(stack).clouds.azure.regions)
        expected = {
            (str(stack_settings(stack).clouds.azure.subscription_id), r.inputs["resourceGroupName"],
             r.inputs["serverName"]) for r in recording.of_type("azure-native:dbforpostgresql:Server")
        }  # fmt: skip
        assert {(s.subscription_id, s.resource_group, s.name) for s in found} == expected
    assert postgres_restart.servers({}) == []  # no Azure: nothing to restart
    with pytest.raises(postgres_restart.RestartError, match="is not a Flexible Server id"):
        postgres_restart.servers({"azure_postgres_servers": {"eastus": "/subscriptions/x/resourceGroups/y"}})


def test_a_pending_wal_level_restarts_its_server_once_and_a_second_up_restarts_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, (name,) = FakePulumi(outputs={"dev": recorded_outputs("dev")}), server_names("dev")
    servers = FakeFlexibleServers(pending=(name,))
    assert deploy_main(project, "up", "--stack", "dev", fake=fake, servers=servers) == 0
    assert servers.calls == [("pending", name), ("restart", name), ("restarted", name)]
    out = capsys.readouterr().out
    assert out.index("==> stack dev: up done") < out.index("==> postgres restart · stack dev: 1 Azure Flexible")
    assert re.search(rf"\n  azure/eastus {name}: restarted in \d+ s \(wal_level was pending a restart\)\n", out)
    servers.calls.clear()
    assert deploy_main(project, "up", "--stack", "dev", fake=fake, servers=servers) == 0
    assert servers.calls == [("pending", name)]  # asked, not restarted
    assert f"  azure/eastus {name}: unchanged (wal_level is not pending a restart)\n" in capsys.readouterr().out
    servers.pending.add(name)
    assert deploy_main(project, "up", "--stack", "dev", "--no-restart", fake=fake, servers=servers) == 0
    assert servers.calls == [("pending", name)]  # --no-restart: not even asked


def test_a_prod_restart_needs_the_flag_and_says_how(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake, names = FakePulumi(outputs={"prod": recorded_outputs("prod")}), server_names("prod")
    servers = FakeFlexibleServers(pending=tuple(names))
    assert deploy_main(project, "up", "--stack", "prod", fake=fake, servers=servers) == 0  # the update succeeded
    assert [what for what, _ in servers.calls] == ["pending", "pending"]
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith("warning: stack prod: azure/") for line in err)
    assert "`az postgres flexible-server restart --ids /subscriptions/" in err[0]
    assert "`python -m scripts.deploy up --stack prod --yes-restart-prod`" in err[0]
    assert deploy_main(project, "up", "--stack", "prod", "--yes-restart-prod", fake=fake, servers=servers) == 0
    assert [c for c in servers.calls[2:] if c[0] != "pending"] == [
        (what, name) for name in names for what in ("restart", "restarted")
    ]  # one at a time, each waited for
    assert "restarting 2 server(s) one at a time: a short outage each" in capsys.readouterr().out


def test_a_failed_restart_is_one_line_and_exit_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake, (name,) = FakePulumi(outputs={"dev": recorded_outputs("dev")}), server_names("dev")
    busy = RuntimeError("(ServerIsBusy) The server is busy with another operation.\nCode: ServerIsBusy")
    servers = FakeFlexibleServers(pending=(name,), fail={name: busy})
    assert deploy_main(project, "up", "--stack", "dev", fake=fake, servers=servers) == 1
    assert capsys.readouterr().err == (
        f"error: stack dev: azure/eastus {name}: restart failed: (ServerIsBusy) The server is busy with another "
        "operation.; `up` is done, re-run it to retry the restart (idempotent)\n"
    )


class FakeArm(requests.adapters.BaseAdapter):
    """Azure Resource Manager for the real SDK's requests session: the wal_level configuration (pending a restart),
    the restart (202 and an Azure-AsyncOperation that reports InProgress twice, then Succeeded), or `busy`: the
    restart refused with 409 ServerIsBusy."""

    def __init__(self, busy: bool = False) -> None:
        super().__init__()
        self.busy, self.polls, self.calls = busy, 0, []

    def send(self, request: Any, **kwargs: Any) -> requests.Response:
        path = request.url.removeprefix("https://management.azure.com").partition("?")[0]
        self.calls.append(f"{request.method} {path}")
        status, headers, body = 200, {}, None  # no Retry-After on a 409: azure-core would retry it
        if path.endswith("/configurations/wal_level"):
            body = {"name": "wal_level", "properties": {"value": "logical", "isConfigPendingRestart": True}}
        elif path.endswith("/restart") and self.busy:
            status = 409
            body = {"error": {"code": "ServerIsBusy", "message": "Server pg is busy with another operation."}}
        elif path.endswith("/restart"):
            status, headers["Retry-After"] = 202, "0"
            headers["Azure-AsyncOperation"] = "https://management.azure.com/operations/1?api-version=2026-10-01"
            headers["Location"] = "https://management.azure.com/results/1?api-version=2026-10-01"
        elif path == "/operations/1":
            self.polls += 1
            headers["Retry-After"] = "0"
            body = {"status": "InProgress" if self.polls < 3 else "Succeeded"}
        response = requests.Response()
        response.status_code, response.request, response.url = status, request, request.url
        response.headers.update({**headers, "Content-Type": "application/json"})
        content = json.dumps(body).encode() if body is not None else b""
        response.raw = urllib3.HTTPResponse(io.BytesIO(content), headers=response.headers, status=status,
                                            preload_content=False)  # fmt: skip
        return response

    def close(self) -> None:
        pass


@pytest.mark.parametrize("busy", [False, True])
def test_the_azure_sdk_is_asked_for_the_pending_restart_and_waits_for_the_restart(busy: bool) -> None:
    """AzureFlexibleServers through the real Azure SDK, only the network replaced: `isConfigPendingRestart` read from
    Configurations - Get, and the restart's long-running operation polled until it succeeded; a refused restart is
    one line naming the server."""
    from azure.core.credentials import AccessToken
    from azure.core.pipeline.transport import RequestsTransport
    from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient

    class Credential:
        def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            return AccessToken("token", 2**31)

    arm, session = FakeArm(busy=busy), requests.Session()
    session.mount("https://", arm)
    client = PostgreSQLManagementClient(
        Credential(), "sub", transport=RequestsTransport(session=session), polling_interval=0
    )
    server = postgres_restart.FlexibleServer.from_id(
        "eastus", "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg"
    )
    api, lines = postgres_restart.AzureFlexibleServers(_clients={"sub": client}), []
    base = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg"
    if busy:
        with pytest.raises(postgres_restart.RestartError) as failed:
            postgres_restart.restart_pending([server], api, allowed=True, line=lines.append)
        assert str(failed.value) == (
            "azure/eastus pg: restart failed: (ServerIsBusy) Server pg is busy with another operation."
        )
        return
    outcome = postgres_restart.restart_pending([server], api, allowed=True, line=lines.append)
    assert outcome.restarted == [server]
    assert arm.calls == [
        f"GET {base}/configurations/wal_level",
        f"POST {base}/restart",
        *["GET /operations/1"] * 3,  # InProgress, InProgress, Succeeded: waited for
        "GET /results/1",
    ]
    assert re.fullmatch(r"  azure/eastus pg: restarted in \d+ s \(wal_level was pending a restart\)", lines[-1])


def test_up_without_the_azure_sdk_stops_before_any_cli_call(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(postgres_restart, "SDK_MODULES", ("azure.mgmt.not_installed",))
    fake = FakePulumi()
    argv = ["up", "--stack", "dev", "--project-dir", str(project)]
    assert deploy.main(argv, pulumi_command=fake, preflight=FakeClouds()) == 2
    assert fake.runs("up") == []
    assert capsys.readouterr().err.startswith("the Azure SDK for the Flexible Server restart after up is not installed")
    assert deploy.main([*argv, "--no-restart"], pulumi_command=fake, preflight=FakeClouds()) == 0
