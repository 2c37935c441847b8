"""Drive the platform's stacks: `python -m scripts.deploy plan --stack dev [--json FILE]`.

Exit codes: 0 ok, 2 configuration error (one line per problem on stderr), 1 program error.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from components.settings import SettingsError

from . import plan as offline_plan


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the command; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m scripts.deploy", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser("plan", help="offline plan of a stack on the mock runtime (no CLI, no credentials)")
    plan.add_argument("--stack", default="dev", help="stack name: reads Pulumi.<stack>.yaml (default: dev)")
    plan.add_argument("--json", type=Path, metavar="FILE", help="also write every resource and a summary to FILE")
    plan.add_argument("--quiet", action="store_true", help="print the counts only, not the tree")
    plan.add_argument(
        "--project-dir",
        type=Path,
        default=offline_plan.ROOT,
        help="folder holding Pulumi.yaml and the stack files (default: this repo)",
    )
    args = parser.parse_args(argv)

    try:
        recording = offline_plan.plan(args.stack, args.project_dir)
    except SettingsError as err:
        for line in err.problems:
            print(line, file=sys.stderr)
        print(f"stack {args.stack}: {len(err.problems)} configuration problem(s); nothing was planned", file=sys.stderr)
        return 2
    except Exception as err:
        traceback.print_exc(file=sys.stderr)
        print(f"error: the program failed for stack {args.stack}: {err}", file=sys.stderr)
        return 1
    if args.quiet:
        offline_plan.print_counts(recording, sys.stdout)
    else:
        offline_plan.print_tree(recording, sys.stdout)
    if args.json:
        offline_plan.write_json(recording, args.json)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
