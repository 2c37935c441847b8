"""Automation API driver: preview, up, refresh, destroy and outputs of the project's stacks.

The program is the Pulumi project on disk (work_dir = the project folder), so `pulumi up` and this
driver run the same `__main__.py`. Everything that can be checked without the Pulumi CLI is checked
first, for every requested stack, and reported in one line (exit 2): unknown stack, bad stack config
(preview/up), a prod destroy without `--yes-destroy-prod`, a missing policy pack, a file backend
without a passphrase, a missing CLI. Then each stack runs in order with the CLI's output streamed.

After a successful `up`, each Azure Flexible Server whose `wal_level` waits for a restart (a static parameter the
stack sets after creating the server) is restarted, one at a time, and waited for; a server with nothing pending
is left alone, so a second `up` restarts nothing (scripts/postgres_restart.py, docs/DEPLOY.md). A restart is a short
outage: a prod stack's servers are restarted only with `--yes-restart-prod`, else each is reported with the command
that restarts it (exit 0: the update itself succeeded); `--no-restart` skips the step. A failed check or restart is
one line and exit 1.

Exit codes: 0 ok, 1 a Pulumi command failed (its stderr tail, no traceback), 2 usage/config/environment.
Importing this module has no side effects.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import unquote, urlparse

from pulumi import automation as auto
from semver import VersionInfo

from components.settings import PlatformSettings, SettingsError, environment_of, load_settings, read_stack_config

if TYPE_CHECKING:  # the deploy check loads the cloud SDKs: imported where a stack's plan is needed
    from .deploy_check import Graph
    from .postgres_restart import FlexibleServerApi
    from .preflight import RunCli

ROOT = Path(__file__).resolve().parents[1]

COMMANDS = ("preview", "up", "refresh", "destroy", "outputs")
# Commands that go on with the next stack when one fails (read-only); the others stop at the first failure.
CONTINUE_ON_FAILURE = frozenset({"preview", "outputs"})
STATE_DIR = ".pulumi-state"
POLICY_DIR = "policies"
PASSPHRASE_VARS = ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")
# Waits before the 2nd, 3rd and 4th attempt when another update holds the stack's lock.
RETRY_DELAYS: tuple[float, ...] = (2.0, 4.0, 8.0)
STDERR_TAIL_LINES = 8
SECRET = "[secret]"
INSTALL_HINT = (
    "pulumi CLI not found: install it with `curl -fsSL https://get.pulumi.com | sh` "
    "(or see https://www.pulumi.com/docs/install/)"
)
# The first CLI that accepts Pulumi.yaml's `type: object` config declaration (pulumi/pulumi#20129); older ones fail
# with "could not validate Pulumi.yaml". The PR workflow installs the SDK's own version (3.272.0).
MINIMUM_CLI = VersionInfo(3, 186, 0)


PHASES = ("auto", "1", "2", "all")
"""Phase 1 is everything but the in-cluster objects (every Kubernetes provider and what depends on it are
excluded), phase 2 the whole stack; `all` runs 1 then 2; `auto` is `all` where the deployer reaches the cluster
APIs from here (an `outside` deployer, or the in-network runner), else phase 1 only (docs/DEPLOY.md)."""
RUNNER_ENV = "CODEBUILD_BUILD_ARN"
"""Set in every CodeBuild build, so on the in-network runner
(https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-env-vars.html)."""


class DriverError(Exception):
    """A usage, configuration or environment problem, reported before (or instead of) running the CLI: exit 2.
    `lines` holds one line per problem."""

    def __init__(self, *lines: str):
        super().__init__("\n".join(lines))
        self.lines = list(lines)


@dataclass(frozen=True)
class Options:
    """What the command line chose besides the command and the stacks."""

    project_dir: Path = ROOT
    backend: str | None = None  # --backend; else $PULUMI_BACKEND_URL; else file://<project>/.pulumi-state
    show_secrets: bool = False  # outputs: print secret outputs in clear
    yes_destroy_prod: bool = False  # destroy: allow a prod stack
    phase: str = "auto"  # preview/up: 1, 2, all or auto (PHASES)
    skip_preflight: bool = False  # preview/up: do not ask the clouds for the prerequisites first
    in_network: bool = False  # preview/up: this machine reaches the private cluster APIs (not the runner)
    no_restart: bool = False  # up: leave a Flexible Server whose wal_level waits for a restart as it is
    yes_restart_prod: bool = False  # up: allow that restart (a short outage) in a prod stack


def stack_names(project_dir: Path) -> list[str]:
    """Every stack with a `Pulumi.<stack>.yaml` in the project folder, sorted (what `--all` runs)."""
    names = (p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
    return sorted(n for n in names if n)


def backend_url(project_dir: Path, override: str | None = None) -> str:
    """`--backend`, else `$PULUMI_BACKEND_URL`, else the git-ignored state folder in the project."""
    return override or os.environ.get("PULUMI_BACKEND_URL") or (project_dir / STATE_DIR).as_uri()


def file_backend_dir(url: str, project_dir: Path) -> Path | None:
    """The folder of a `file://` backend (`~` expanded, relative to the project like the CLI's cwd), else None."""
    if not url.startswith("file://"):
        return None
    path = Path(unquote(url[len("file://") :].split("?", 1)[0])).expanduser()
    return path if path.is_absolute() else project_dir / path


def redacted(url: str) -> str:
    """The backend URL for messages: a password in it (postgres://user:pw@host/db) is masked."""
    parts = urlparse(url)
    if not parts.password:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()


def is_self_managed(url: str) -> bool:
    """DIY backends (file://, s3://, gs://, azblob://, postgres://) encrypt secrets with the passphrase by default;
    Pulumi Cloud (https://) does not need one."""
    return not url.startswith(("https://", "http://"))


def is_prod(project_dir: Path, stack: str) -> bool:
    """The stack is a prod stack by its name (`prod`, `*-prod`); a name bound to no environment counts as prod."""
    return environment_of(stack) != "dev"


@dataclass(frozen=True)
class Policy:
    """`policy_packs=` and `policy_pack_configs=` of a stack's preview and up."""

    packs: list[str]
    configs: list[str] | None


def policy_args(project_dir: Path, stack: str) -> Policy:
    """The project's policy pack, with policies/config/<stack>.json as its config when that file exists."""
    pack = project_dir / POLICY_DIR
    if not (pack / "PulumiPolicy.yaml").is_file():
        raise DriverError(f"policy pack not found: {pack}/PulumiPolicy.yaml (preview and up always run it)")
    if not (pack / "venv" / "bin" / "python").is_file():  # the CLI runs the pack with it, and never creates it
        raise DriverError(
            f"policy pack runtime not found: {pack}/venv (create it with `make policy-venv`: "
            f"python3 -m venv {pack}/venv && {pack}/venv/bin/pip install -r {pack}/requirements.txt)"
        )
    config = policy_config(project_dir, stack)
    if not config.is_file():
        raise DriverError(f"policy config not found: {config} (the guardrails of stack {stack})")
    return Policy(packs=[str(pack)], configs=[str(config)])


def policy_config(project_dir: Path, stack: str) -> Path:
    """The pack config of a stack: `policies/config/<environment>.json`, the environment bound to the stack's name
    (components.settings.environment_of). The driver, `plan --policy` and CI all pick it this way; a stack bound to
    no environment gets prod's."""
    return project_dir / POLICY_DIR / "config" / f"{environment_of(stack) or 'prod'}.json"


def find_cli() -> auto.PulumiCommand:
    """The `pulumi` on PATH, at least MINIMUM_CLI (its constructor runs `pulumi version` and refuses an older one),
    or a DriverError with how to install it."""
    if shutil.which("pulumi") is None:
        raise DriverError(INSTALL_HINT)
    try:
        return auto.PulumiCommand(version=MINIMUM_CLI)
    except FileNotFoundError as err:
        raise DriverError(INSTALL_HINT) from err
    except auto.InvalidVersionError as err:
        raise DriverError(f"pulumi CLI unusable: {err}") from err


_GRAPHS: dict[tuple[str, bytes, bytes], Graph] = {}


def offline_graph(project_dir: Path, stack: str) -> Graph:
    """The offline plan's graph of a stack, recorded once per content of its project and stack files."""
    key = (stack, (project_dir / "Pulumi.yaml").read_bytes(), (project_dir / f"Pulumi.{stack}.yaml").read_bytes())
    if key not in _GRAPHS:
        from . import plan as offline_plan
        from .deploy_check import Graph

        _GRAPHS[key] = Graph.from_recording(offline_plan.plan(stack, project_dir))
    return _GRAPHS[key]


def run(
    command: str,
    stacks: Sequence[str] | None,
    options: Options,
    *,
    pulumi_command: auto.PulumiCommand | None = None,
    sleep: Callable[[float], None] = time.sleep,
    out: TextIO | None = None,
    err: TextIO | None = None,
    preflight: RunCli | None = None,
    flexible_servers: FlexibleServerApi | None = None,
) -> int:
    """Run `command` on `stacks` (None: every stack file); returns the exit code. `pulumi_command`, `sleep`,
    `preflight` (what runs the cloud CLIs) and `flexible_servers` (what asks Azure for pending restarts and restarts)
    are test seams (a fake CLI, no real waiting, no cloud)."""
    out = out or sys.stdout  # looked up per call, so captured streams work
    err = err or sys.stderr
    try:
        driver = Driver(
            command,
            stacks,
            options,
            pulumi_command=pulumi_command,
            sleep=sleep,
            out=out,
            err=err,
            preflight=preflight,
            flexible_servers=flexible_servers,
        )
    except DriverError as problem:
        for line in problem.lines:
            print(line, file=err)
        return 2
    return driver.run()


class Driver:
    """One invocation: all checks at construction (DriverError), then `run()` stack by stack."""

    def __init__(
        self,
        command: str,
        stacks: Sequence[str] | None,
        options: Options,
        *,
        pulumi_command: auto.PulumiCommand | None,
        sleep: Callable[[float], None],
        out: TextIO,
        err: TextIO,
        preflight: RunCli | None = None,
        flexible_servers: FlexibleServerApi | None = None,
    ):
        if command not in COMMANDS:
            raise DriverError(f"unknown command {command!r}; allowed: {', '.join(COMMANDS)}")
        self.command = command
        self.options = options
        self.project_dir = options.project_dir.resolve()
        self.sleep = sleep
        self.out = out
        self.err = err
        self.settings: dict[str, PlatformSettings] = {}
        self.phase_running: str | None = None  # the phase of `up` in progress (for the resume hint)
        self.stacks = self._check_stacks(stacks)
        self.policy = {s: policy_args(self.project_dir, s) for s in self.stacks} if command in ("preview", "up") else {}
        self.phases = {s: self._phases(s) for s in self.stacks} if command in ("preview", "up") else {}
        self.backend = backend_url(self.project_dir, options.backend)
        self._check_backend()
        self.cli = pulumi_command or find_cli()
        self.cloud_cli = preflight  # what runs the clouds' CLIs (None: the real ones)
        self.flexible_servers = flexible_servers  # what restarts the Flexible Servers (None: the Azure SDK)
        if command == "up":
            self._check_restart_sdk()
        if command in ("preview", "up") and not options.skip_preflight:
            self._check_preflight()
        state = file_backend_dir(self.backend, self.project_dir)
        if state is not None:  # the CLI does not create a file backend's folder itself
            state.mkdir(parents=True, exist_ok=True)

    # -- checks before any CLI call ------------------------------------------------------------------------------

    def _check_stacks(self, stacks: Sequence[str] | None) -> list[str]:
        known = stack_names(self.project_dir)
        if stacks is None:
            if not known:
                raise DriverError(f"no Pulumi.<stack>.yaml in {self.project_dir}: nothing to {self.command}")
            stacks = known
        missing = [s for s in stacks if s not in known]
        if missing:
            raise DriverError(
                *(f"Pulumi.{s}.yaml: no such file in {self.project_dir}; stacks: {', '.join(known)}" for s in missing)
            )
        if self.command in ("preview", "up"):
            problems: list[str] = []
            for stack in stacks:
                try:
                    self.settings[stack] = load_settings(stack, read_stack_config(self.project_dir, stack))
                except SettingsError as bad:
                    problems += bad.problems
                    problems.append(f"stack {stack}: {len(bad.problems)} configuration problem(s); nothing was run")
            if problems:
                raise DriverError(*problems)
        if self.command == "destroy" and not self.options.yes_destroy_prod:
            prod = [s for s in stacks if is_prod(self.project_dir, s)]
            if prod:
                raise DriverError(
                    f"refusing to destroy prod stack(s) {', '.join(prod)}: pass --yes-destroy-prod to really do it"
                )
        return list(stacks)

    def _phases(self, stack: str) -> tuple[str, ...]:
        """The phases this run performs on `stack` (PHASES); a preview shows only the last one's changes."""
        chosen = self.options.phase
        reaches = not self._in_network(stack) or bool(os.environ.get(RUNNER_ENV)) or self.options.in_network
        if chosen == "auto":
            chosen = "all" if reaches else "1"
        elif chosen != "1" and not reaches:
            raise DriverError(
                f"stack {stack}: --phase {chosen} reaches the private cluster APIs, which only the in-network runner "
                "does (deployer.position: in-network); run it there, or pass --in-network on a machine inside the "
                "network"
            )
        phases = {"1": ("1",), "2": ("2",), "all": ("1", "2")}[chosen]
        return phases[-1:] if self.command == "preview" else phases

    def graph(self, stack: str) -> Graph:
        """The stack's offline plan as the deploy check sees it (URNs are the engine's: same project, stack, types,
        names and parents)."""
        return offline_graph(self.project_dir, stack)

    def _check_preflight(self) -> None:
        """Ask the clouds for what no resource can create (scripts/preflight.py); refuse `up` when one is missing, and
        `preview` when a prerequisite of the preview itself is (the IdPs' client secrets it reads: aws 16b)."""
        from . import preflight

        problems: list[str] = []
        cli = self.cloud_cli or preflight.run_cli
        for stack in self.stacks:
            if self.command == "preview":
                self._line(f"==> preflight · stack {stack}: the identity-provider secrets a preview reads")
                found = preflight.check_preview(stack, self.settings[stack], cli)
            else:
                self._line(f"==> preflight · stack {stack}: providers, APIs, quotas and secrets the first up needs")
                found = preflight.check(stack, self.settings[stack], self.graph(stack), cli)
            if found:
                problems += [*found, f"stack {stack}: {len(found)} preflight problem(s); nothing was run "
                             "(fix them, or pass --skip-preflight to run anyway)"]  # fmt: skip
        if problems:
            raise DriverError(*problems)

    def _check_restart_sdk(self) -> None:
        """The Flexible Server restart after `up` needs the Azure SDK: refuse before anything runs without it."""
        azure = any(self.settings[s].clouds.azure.enabled for s in self.stacks)
        if not azure or self.options.no_restart or self.flexible_servers is not None:
            return
        from . import postgres_restart

        problem = postgres_restart.sdk_problem()
        if problem:
            raise DriverError(problem)

    def in_cluster_roots(self, stack: str) -> list[str]:
        """URNs of the stack's Kubernetes providers: excluded with their dependents, they leave phase 1 without any
        in-cluster object."""
        from .deploy_check import K8S_PROVIDER

        return sorted(n.urn for n in self.graph(stack).of_type(K8S_PROVIDER))

    def _check_backend(self) -> None:
        if not is_self_managed(self.backend):
            return
        if not any(os.environ.get(v) is not None for v in PASSPHRASE_VARS):
            raise DriverError(
                "PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) is not set: the backend "
                f"{redacted(self.backend)} encrypts stack secrets with it; export it and retry"
            )

    # -- running -------------------------------------------------------------------------------------------------

    def run(self) -> int:
        worst = 0
        results: dict[str, Any] = {}
        for stack in self.stacks:
            code = self._run_stack(stack, results)
            worst = max(worst, code)
            if code and self.command not in CONTINUE_ON_FAILURE:
                break
        if self.command == "outputs" and results:
            document = results if len(self.stacks) > 1 else results[self.stacks[0]]
            self.out.write(json.dumps(document, indent=2, sort_keys=True, default=str) + "\n")
        return worst

    def workspace_options(self) -> auto.LocalWorkspaceOptions:
        """The backend goes in the workspace env; the passphrase stays in the inherited environment (it would
        otherwise show in the workspace's repr)."""
        return auto.LocalWorkspaceOptions(env_vars={"PULUMI_BACKEND_URL": self.backend}, pulumi_command=self.cli)

    def open_stack(self, stack: str) -> auto.Stack:
        """preview and up create the stack on first use; refresh, destroy and outputs need it to exist."""
        opener = auto.create_or_select_stack if self.command in ("preview", "up") else auto.select_stack
        return opener(stack_name=stack, work_dir=str(self.project_dir), opts=self.workspace_options())

    def _line(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _run_stack(self, stack: str, results: dict[str, Any]) -> int:
        if self.command != "outputs":
            self._line(f"==> pulumi {self.command} · stack {stack} · backend {redacted(self.backend)}")
        try:
            handle = self.open_stack(stack)
            result = self._operate(handle, stack)
        except auto.StackNotFoundError:
            print(
                f"error: stack {stack} does not exist in {redacted(self.backend)}: nothing to {self.command}",
                file=self.err,
            )
            return 2
        except auto.ConcurrentUpdateError as locked:
            print(
                f"error: stack {stack} is still locked by another update after {len(RETRY_DELAYS) + 1} attempts; "
                f"wait for it, or clear a stale lock with `pulumi cancel --stack {stack}`",
                file=self.err,
            )
            self._tail(locked)
            return 1
        except auto.CommandError as failed:
            code, _, _ = _command_result(failed)
            print(f"error: pulumi {self.command} failed for stack {stack} (exit {code}):", file=self.err)
            self._tail(failed)
            self._resume_hint(stack)
            return 1
        except Exception as failed:  # the automation layer's own errors (e.g. a preview with no summary)
            print(f"error: pulumi {self.command} failed for stack {stack}: {failed}", file=self.err)
            return 1
        if self.command == "outputs":
            results[stack] = result
        else:
            self._line(f"==> stack {stack}: {self.command} done{_changes(result)}")
        if self.command == "up":
            return self._restart_postgres(stack, result)
        return 0

    def _restart_postgres(self, stack: str, result: Any) -> int:
        """After `up`: restart each Flexible Server whose wal_level waits for it (azure R3); exit 1 on a failure."""
        from . import postgres_restart as pr

        outputs = {key: getattr(o, "value", o) for key, o in (getattr(result, "outputs", None) or {}).items()}
        try:
            found = pr.servers(outputs)
        except pr.RestartError as bad:
            print(f"error: stack {stack}: {bad}", file=self.err)
            return 1
        if not found:
            return 0
        if self.options.no_restart:
            self._line(f"==> postgres restart · stack {stack}: skipped (--no-restart): a {pr.PARAMETER} pending a "
                       "restart stays pending")  # fmt: skip
            return 0
        prod = is_prod(self.project_dir, stack)
        self._line(
            f"==> postgres restart · stack {stack}: {len(found)} Azure Flexible Server(s); {pr.PARAMETER}=logical "
            "takes effect at a restart"
        )
        try:
            outcome = pr.restart_pending(
                found,
                self.flexible_servers if self.flexible_servers is not None else pr.AzureFlexibleServers(),
                allowed=not prod or self.options.yes_restart_prod,
                line=self._line,
            )
        except pr.RestartError as failed:
            print(
                f"error: stack {stack}: {failed}; `up` is done, re-run it to retry the restart (idempotent)",
                file=self.err,
            )
            return 1
        for server in outcome.held:
            print(
                f"warning: stack {stack}: {server.label} publishes no logical replication until it restarts "
                f"(a short outage): `{server.az_restart}`, or `python -m scripts.deploy up --stack {stack} "
                "--yes-restart-prod` (docs/DEPLOY.md)",
                file=self.err,
            )
        return 0

    def _operate(self, handle: auto.Stack, stack: str) -> Any:
        stream = self._line
        if self.command in ("preview", "up"):
            result = None
            for phase in self.phases[stack]:
                result = self._run_phase(handle, stack, phase)
            if self.phases[stack] == ("1",) and self.options.phase == "auto":
                self._line(
                    f"==> stack {stack}: its cluster APIs are reached from the in-network runner only; phase 2 (the "
                    f"in-cluster objects) runs there: python -m scripts.deploy {self.command} --stack {stack}"
                )
            return result
        if self.command == "refresh":
            return self._with_retry(stack, lambda: handle.refresh(on_output=stream))
        if self.command == "destroy":
            return self._with_retry(stack, lambda: handle.destroy(on_output=stream))
        return {
            key: (output.value if self.options.show_secrets or not output.secret else SECRET)
            for key, output in handle.outputs().items()
        }

    def _run_phase(self, handle: auto.Stack, stack: str, phase: str) -> Any:
        """One phase of preview/up: 1 leaves out every Kubernetes provider and what depends on it, 2 is the whole
        stack (what phase 1 created is unchanged by it)."""
        self.phase_running = phase
        if phase == "1":
            excluded = self.in_cluster_roots(stack)
            what = f"everything but the in-cluster objects ({len(excluded)} Kubernetes providers and their dependents)"
            extra: dict[str, Any] = {"exclude": excluded, "exclude_dependents": True}
        else:
            what, extra = "the whole stack, in-cluster objects included", {}
        self._line(f"==> phase {phase} · stack {stack}: {what}")
        policy = self.policy[stack]
        operation = handle.preview if self.command == "preview" else handle.up
        result = self._with_retry(
            stack,
            lambda: operation(
                on_output=self._line, policy_packs=policy.packs, policy_pack_configs=policy.configs, **extra
            ),
        )
        self.phase_running = None
        if self.command == "up":
            self._line(f"==> phase {phase} · stack {stack}: done{_changes(result)}")
        return result

    def _resume_hint(self, stack: str) -> None:
        """After a failed phase of `up`: what is done and the command that resumes (up is idempotent)."""
        phase, self.phase_running = self.phase_running, None
        if self.command != "up" or phase is None:
            return
        done = "phase 1 is done; " if phase == "2" else ""
        where = " from the in-network runner" if phase == "2" and self._in_network(stack) else ""
        print(
            f"stack {stack}: phase {phase} stopped; {done}resume with `python -m scripts.deploy up --stack {stack} "
            f"--phase {phase}`{where} (docs/DEPLOY.md, 'A failed phase')",
            file=self.err,
        )

    def _in_network(self, stack: str) -> bool:
        deployer = self.settings[stack].deployer
        return deployer is not None and deployer.position == "in-network"

    def _with_retry(self, stack: str, operation: Callable[[], Any]) -> Any:
        """Retry on ConcurrentUpdateError (the stack's lock is held) after each of RETRY_DELAYS."""
        for delay in RETRY_DELAYS:
            try:
                return operation()
            except auto.ConcurrentUpdateError:
                print(f"stack {stack} is locked by another update; retrying in {delay:g} s", file=self.err)
                self.sleep(delay)
        return operation()

    def _tail(self, failed: auto.CommandError) -> None:
        _, stdout, stderr = _command_result(failed)
        lines = [line for line in (stderr or stdout).splitlines() if line.strip()]
        for line in lines[-STDERR_TAIL_LINES:]:
            print(f"  {line}", file=self.err)


def _command_result(failed: auto.CommandError) -> tuple[str, str, str]:
    """(code, stdout, stderr) back from a CommandError, whose message is `str(CommandResult)`:
    "\\n code: N\\n stdout: ...\\n stderr: ..."."""
    text = str(failed)
    head, _, stderr = text.rpartition("\n stderr: ")
    head, _, stdout = head.partition("\n stdout: ")
    code = head.partition(" code: ")[2].strip() or "?"
    return code, stdout, stderr


def _changes(result: Any) -> str:
    """`: create 3, same 120` from a preview's change summary or an update's summary."""
    changes = getattr(result, "change_summary", None)
    if changes is None:
        changes = getattr(getattr(result, "summary", None), "resource_changes", None)
    if not changes:
        return ""
    return ": " + ", ".join(f"{op} {n}" for op, n in sorted(changes.items()))
