"""Drive the platform's stacks.

  python -m scripts.deploy plan --stack dev [--json FILE] [--policy] [--preview]
                                                                  offline plan on the mock runtime, and
                                                                  the CrossGuard pack run against it
                                                                  (--preview: as a new stack's first
                                                                  `pulumi preview` sees it)
  python -m scripts.deploy check --plan FILE                       the deploy check and the deploy-time estimate
                                                                  on a saved `plan --json` file
  python -m scripts.deploy preview|up|refresh|destroy|outputs (--stack NAME | --all)
                                                                  the Pulumi CLI via the Automation API
                                                                  (up: preflight first; preview/up --phase
                                                                  1|2|all|auto: docs/DEPLOY.md; after up, a
                                                                  Flexible Server whose wal_level waits for
                                                                  a restart is restarted: prod only with
                                                                  --yes-restart-prod, never with --no-restart)
  python -m scripts.deploy replicate --stack prod --dsn-file dsns.json [--lag-only] [--prometheus FILE]
                                                                  after `up`: logical replication from the
                                                                  primary database to the other clouds'

Exit codes: 0 ok, 2 configuration/usage/environment error (one line per problem on stderr),
1 program or Pulumi command error, 3 mandatory policy violations (`plan --policy`), 4 deploy-check blockers (`plan`,
`check`: what a real cloud would refuse; see docs/DEPLOY_CHECK.md).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from components.lib import reachability
from components.settings import SettingsError, load_settings, read_stack_config
from components.settings.fields import shown
from components.settings.loader import STACK_NAME

from . import plan as offline_plan

if TYPE_CHECKING:
    from pulumi.automation import PulumiCommand

    from .offline import Recording
    from .postgres_restart import FlexibleServerApi
    from .preflight import RunCli


def main(
    argv: list[str] | None = None,
    *,
    pulumi_command: PulumiCommand | None = None,
    sleep: Callable[[float], None] = time.sleep,
    preflight: RunCli | None = None,
    flexible_servers: FlexibleServerApi | None = None,
) -> int:
    """Parse the command line and run the command; returns the process exit code.
    `pulumi_command`, `sleep`, `preflight` and `flexible_servers` are test seams for the Automation API commands (a
    fake Pulumi CLI, no waiting, fake cloud CLIs, a fake Azure Flexible Server API)."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.deploy", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser("plan", help="offline plan of a stack on the mock runtime (no CLI, no credentials)")
    plan.add_argument("--stack", default="dev", help="stack name: reads Pulumi.<stack>.yaml (default: dev)")
    plan.add_argument("--json", type=Path, metavar="FILE", help="also write every resource and a summary to FILE")
    plan.add_argument("--quiet", action="store_true", help="print the counts only, not the tree")
    plan.add_argument(
        "--policy",
        action="store_true",
        help="run the policy pack on the plan (policies/config/<environment>.json, the environment bound to the "
        "stack name); exit 3 on a mandatory violation",
    )
    plan.add_argument(
        "--preview",
        action="store_true",
        help="record the stack as the first `pulumi preview` of a new stack sees it (ids and computed outputs "
        "unknown); with --policy, rules that need an unknown value are listed as undecided (re-checked on up)",
    )
    plan.add_argument(
        "--project-dir",
        type=Path,
        default=offline_plan.ROOT,
        help="folder holding Pulumi.yaml and the stack files (default: this repo)",
    )
    check = commands.add_parser(
        "check",
        help="the deploy check and deploy-time estimate on a saved plan (exit 4 on blockers)",
        description="the deploy check and deploy-time estimate on a saved `plan --json` file (exit 4 on blockers)",
    )
    check.add_argument("--plan", type=Path, required=True, metavar="FILE", help="a `plan --json` file")
    _add_driver_commands(commands)
    _add_replicate_command(commands)
    args = parser.parse_args(argv)

    if args.command == "replicate":
        return _replicate(args)
    if args.command == "check":
        from . import deploy_check

        return deploy_check.check_plan_file(args.plan, sys.stdout, sys.stderr)
    if args.command != "plan":
        from . import driver  # imported here: `plan` never loads the Automation API

        options = driver.Options(
            project_dir=args.project_dir,
            backend=args.backend,
            show_secrets=getattr(args, "show_secrets", False),
            yes_destroy_prod=getattr(args, "yes_destroy_prod", False),
            phase=getattr(args, "phase", "auto"),
            skip_preflight=getattr(args, "skip_preflight", False),
            in_network=getattr(args, "in_network", False),
            no_restart=getattr(args, "no_restart", False),
            yes_restart_prod=getattr(args, "yes_restart_prod", False),
        )
        stacks = None if args.all else [args.stack]
        return driver.run(
            args.command,
            stacks,
            options,
            pulumi_command=pulumi_command,
            sleep=sleep,
            preflight=preflight,
            flexible_servers=flexible_servers,
        )

    json_problem = _json_path_problem(args.json) if args.json is not None else None
    if json_problem:  # checked before the plan runs, not after it
        print(f"--json {shown(str(args.json))}: {json_problem}", file=sys.stderr)
        return 2
    try:
        if args.preview:
            recording = offline_plan.plan(args.stack, args.project_dir, preview=True)
        else:
            recording = offline_plan.plan(args.stack, args.project_dir)
    except SettingsError as err:
        for line in err.problems:
            print(line, file=sys.stderr)
        name = args.stack if STACK_NAME.fullmatch(args.stack) else shown(args.stack)
        print(f"stack {name}: {len(err.problems)} configuration problem(s); nothing was planned", file=sys.stderr)
        return 2
    except Exception as err:
        traceback.print_exc(file=sys.stderr)
        print(f"error: the program failed for stack {args.stack}: {err}", file=sys.stderr)
        return 1
    if args.quiet:
        offline_plan.print_counts(recording, sys.stdout)
    else:
        offline_plan.print_tree(recording, sys.stdout)
    from . import costs

    settings = load_settings(args.stack, read_stack_config(args.project_dir, args.stack))
    costs.print_estimate(costs.estimate(recording), sys.stdout, monthly_budget=settings.budgets.monthly)
    verdicts = offline_plan.reachability(recording, settings)
    reachability.print_report(verdicts, sys.stdout.write)
    from . import deploy_check

    # The check reads the values a full plan resolves; a --preview recording leaves them unknown.
    graph = None if args.preview else deploy_check.Graph.from_recording(recording)
    blockers = [f for f in deploy_check.report(graph, sys.stdout) if f.severity == "blocker"] if graph else []
    if graph is None:
        print("\ndeploy check: skipped with --preview (run the plan without it for the check and the estimate)")
    if args.json:
        try:
            offline_plan.write_json(
                recording,
                args.json,
                reachability=reachability.report(verdicts),
                deploy_estimate=deploy_check.estimate(graph).as_json() if graph else None,
                prerequisites=deploy_check.prerequisites(graph) if graph else None,
            )
        except OSError as err:
            print(f"--json {shown(str(args.json))}: cannot write it: {err.strerror or err}", file=sys.stderr)
            return 2
        print(f"wrote {args.json}")
    if args.preview:
        print("recorded as the first `pulumi preview` of a new stack: ids and computed outputs unknown")
    status = _check_policies(recording, settings.environment) if args.policy else 0
    return 4 if status == 0 and blockers else status


def _json_path_problem(path: Path) -> str | None:
    """Why the plan cannot be written to `path` (never over a Pulumi project or stack file), or None."""
    if str(path) in ("", "."):
        return "empty; allowed: a file name, e.g. plan.json"
    if path.name == "Pulumi.yaml" or (path.name.startswith("Pulumi.") and path.suffix in (".yaml", ".yml")):
        return "is a Pulumi project or stack file; allowed: another file, e.g. plan.json"
    if path.is_dir():
        return "is a folder; allowed: a file in it, e.g. plan.json"
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        return f"its folder {shown(str(parent))} does not exist"
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return "is not writable"
    return None


def _check_policies(recording: Recording, environment: str) -> int:
    """Run the policy pack on a recorded plan (config policies/config/<environment>.json); print the table.
    Exit 3 on a mandatory violation, 2 on a bad policy config."""
    from . import policy_check  # imported here: a plain plan never loads the policy pack

    try:
        report = policy_check.check(recording, environment)
    except policy_check.PolicyConfigError as err:
        for line in err.problems:
            print(f"policy config: {line}", file=sys.stderr)
        return 2
    print()
    policy_check.print_report(report, sys.stdout)
    return 3 if report.mandatory else 0


def _add_replicate_command(commands: argparse._SubParsersAction) -> None:
    text = (
        "after `up`: publish every table of the primary cloud's primary database and subscribe every database of "
        "the other clouds to it (idempotent), then report the lag of each subscription"
    )
    sub = commands.add_parser("replicate", help=text, description=text)
    sub.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    sub.add_argument(
        "--dsn-file",
        type=Path,
        required=True,
        help='JSON {"<cloud>/<region>": "postgresql://user:password@host:5432/db", ...} for every database of the '
        "stack (credentials from the clouds' secret stores; keep the file out of the repo)",
    )
    sub.add_argument("--publisher-dsn", help="how the subscribers reach the primary, if not as this machine does")
    sub.add_argument("--lag-only", action="store_true", help="report the lag only; change nothing")
    sub.add_argument("--prometheus", type=Path, metavar="FILE", help="also write the lag in Prometheus text format")
    sub.add_argument("--project-dir", type=Path, default=offline_plan.ROOT, help="folder holding the stack files")


def _replicate(args: argparse.Namespace) -> int:
    """The replicate command: exit 0 done, 2 when a database cannot be used (one line each; nothing changed)."""
    import json

    from . import replication as r

    try:
        settings = load_settings(args.stack, read_stack_config(args.project_dir, args.stack))
        clouds = list(settings.clouds.enabled().items())
        primary_key = f"{clouds[0][0]}/{clouds[0][1].regions[0].name}"
        subscriber_keys = [f"{cloud}/{region.name}" for cloud, c in clouds[1:] for region in c.regions]
        try:
            dsns = json.loads(args.dsn_file.read_text())
        except (OSError, ValueError) as err:
            raise r.ReplicationError([f"{args.dsn_file}: {err}"]) from None
        if not isinstance(dsns, dict) or not all(isinstance(v, str) for v in dsns.values()):
            raise r.ReplicationError([f"{args.dsn_file}: expected a JSON object of connection strings"])
        primary, *subscribers = r.databases([primary_key, *subscriber_keys], dsns)
        if not args.lag_only:
            for change in r.bootstrap(primary, subscribers, publisher_dsn=args.publisher_dsn):
                print(f"{change.key:<24} {change.action:<10} {change.what}")
        lags = r.lag(primary)
    except SettingsError as err:
        for line in err.problems:
            print(line, file=sys.stderr)
        return 2
    except r.ReplicationError as err:
        for line in err.problems:
            print(f"replicate: {line}", file=sys.stderr)
        print(f"stack {args.stack}: nothing was changed", file=sys.stderr)
        return 2
    print(f"\n{'slot':<32} {'active':<7} {'lag bytes':>10} {'lag s':>8}")
    for slot in lags:
        seconds = "-" if slot.lag_seconds is None else f"{slot.lag_seconds:.1f}"
        print(f"{slot.slot:<32} {'yes' if slot.active else 'no':<7} {slot.lag_bytes:>10} {seconds:>8}")
    if args.prometheus:
        args.prometheus.write_text("\n".join(r.prometheus_lines(lags, subscribers)) + "\n")
    return 0


def _add_driver_commands(commands: argparse._SubParsersAction) -> None:
    """preview, up, refresh, destroy, outputs: the Pulumi CLI through the Automation API (scripts/driver.py)."""
    common = argparse.ArgumentParser(add_help=False)
    which = common.add_mutually_exclusive_group(required=True)
    which.add_argument("--stack", help="one stack: Pulumi.<stack>.yaml")
    which.add_argument("--all", action="store_true", help="every Pulumi.<stack>.yaml in the project folder, in order")
    common.add_argument(
        "--backend",
        metavar="URL",
        help="state backend (default: $PULUMI_BACKEND_URL, else file://<project>/.pulumi-state); "
        "file:// and other self-managed backends need PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE",
    )
    common.add_argument(
        "--project-dir",
        type=Path,
        default=offline_plan.ROOT,
        help="folder holding Pulumi.yaml, the stack files and policies/ (default: this repo)",
    )
    helps = {
        "preview": "pulumi preview with the policy pack (policies/, config policies/config/<stack>.json)",
        "up": "pulumi up with the policy pack",
        "refresh": "pulumi refresh: adopt the clouds' actual state",
        "destroy": "pulumi destroy (a prod stack needs --yes-destroy-prod)",
        "outputs": 'the stack outputs as JSON, secrets shown as "[secret]" unless --show-secrets',
    }
    for name, text in helps.items():
        sub = commands.add_parser(name, parents=[common], help=text, description=text)
        if name in ("preview", "up"):
            sub.add_argument(
                "--phase",
                choices=("auto", "1", "2", "all"),
                default="auto",
                help="1: everything but the in-cluster objects (from outside); 2: the whole stack (from where the "
                "cluster APIs are reachable); all: 1 then 2; auto (default): all for an outside deployer or on the "
                "in-network runner, else 1 (docs/DEPLOY.md)",
            )
            sub.add_argument(
                "--in-network",
                action="store_true",
                help="this machine reaches the private cluster APIs (a host inside the network): phase 2 may run here",
            )
        if name in ("preview", "up"):
            sub.add_argument(
                "--skip-preflight",
                action="store_true",
                help="do not ask the clouds first for what no resource creates (up: resource providers, APIs, quotas, "
                "the identity-provider secrets; preview: those secrets)",
            )
            restart = sub.add_mutually_exclusive_group()
            restart.add_argument(
                "--no-restart",
                action="store_true",
                help="after up, leave an Azure Flexible Server whose wal_level waits for a restart unrestarted",
            )
            restart.add_argument(
                "--yes-restart-prod",
                action="store_true",
                help="after up, restart a prod stack's Flexible Server whose wal_level waits for it (a short outage; "
                "dev stacks restart without it)",
            )
        if name == "destroy":
            sub.add_argument("--yes-destroy-prod", action="store_true", help="allow destroying a prod stack")
        if name == "outputs":
            sub.add_argument("--show-secrets", action="store_true", help="print secret outputs in clear")


if __name__ == "__main__":
    # A `plan` process is short-lived and runs without the cyclic garbage collector (reference counting still
    # frees everything acyclic): its collections mostly traverse the SDK modules' long-lived objects, and the
    # first one after the run (offline.record pauses the collector itself) costs about 0.5 s. The driver
    # commands (up, destroy... which can run long) keep it. On exit, the interpreter's final collection would
    # walk every object once more (about 2 s after a whole-stack plan, measured); frozen objects are skipped
    # and left to the OS, which reclaims the process memory anyway. The CLI process only, never a library
    # call (the tests call main() in-process with the collector on).
    if sys.argv[1:2] == ["plan"]:
        gc.disable()
    try:
        status = main()
        gc.freeze()
        sys.exit(status)
    except BrokenPipeError:  # `plan | head`: the reader left; stop quietly, as other CLI tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
