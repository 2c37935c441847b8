"""Automation API driver: preview, up, refresh, destroy and outputs of the project's stacks.

The program is the Pulumi project on disk (work_dir = the project folder), so `pulumi up` and this
driver run the same `__main__.py`. Everything that can be checked without the Pulumi CLI is checked
first, for every requested stack, and reported in one line (exit 2): unknown stack, bad stack config
(preview/up), a prod destroy without `--yes-destroy-prod`, a missing policy pack, a file backend
without a passphrase, a missing CLI. Then each stack runs in order with the CLI's output streamed.

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
from typing import Any, TextIO
from urllib.parse import unquote, urlparse

from pulumi import automation as auto
from semver import VersionInfo

from components.settings import SettingsError, environment_of, load_settings, read_stack_config

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


def run(
    command: str,
    stacks: Sequence[str] | None,
    options: Options,
    *,
    pulumi_command: auto.PulumiCommand | None = None,
    sleep: Callable[[float], None] = time.sleep,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run `command` on `stacks` (None: every stack file); returns the exit code. `pulumi_command` and `sleep`
    are test seams (a fake CLI, no real waiting)."""
    out = out or sys.stdout  # looked up per call, so captured streams work
    err = err or sys.stderr
    try:
        driver = Driver(command, stacks, options, pulumi_command=pulumi_command, sleep=sleep, out=out, err=err)
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
    ):
        if command not in COMMANDS:
            raise DriverError(f"unknown command {command!r}; allowed: {', '.join(COMMANDS)}")
        self.command = command
        self.options = options
        self.project_dir = options.project_dir.resolve()
        self.sleep = sleep
        self.out = out
        self.err = err
        self.stacks = self._check_stacks(stacks)
        self.policy = {s: policy_args(self.project_dir, s) for s in self.stacks} if command in ("preview", "up") else {}
        self.backend = backend_url(self.project_dir, options.backend)
        self._check_backend()
        self.cli = pulumi_command or find_cli()
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
                    load_settings(stack, read_stack_config(self.project_dir, stack))
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
            result = self._with_retry(stack, lambda: self._operate(handle, stack))
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
            return 1
        except Exception as failed:  # the automation layer's own errors (e.g. a preview with no summary)
            print(f"error: pulumi {self.command} failed for stack {stack}: {failed}", file=self.err)
            return 1
        if self.command == "outputs":
            results[stack] = result
        else:
            self._line(f"==> stack {stack}: {self.command} done{_changes(result)}")
        return 0

    def _operate(self, handle: auto.Stack, stack: str) -> Any:
        stream = self._line
        if self.command in ("preview", "up"):
            policy = self.policy[stack]
            operation = handle.preview if self.command == "preview" else handle.up
            return operation(on_output=stream, policy_packs=policy.packs, policy_pack_configs=policy.configs)
        if self.command == "refresh":
            return handle.refresh(on_output=stream)
        if self.command == "destroy":
            return handle.destroy(on_output=stream)
        return {
            key: (output.value if self.options.show_secrets or not output.secret else SECRET)
            for key, output in handle.outputs().items()
        }

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
