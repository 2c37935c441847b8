"""Benchmark the offline plan: `python -m scripts.bench [--runs N]`.

Each run is a fresh `python -m scripts.deploy plan --stack S --quiet` process (imports included, as a
user pays them); prints the median wall seconds and the peak RSS per stack against the targets, and
exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Targets of the AWS slice on the 2-core CI machine (issue: dev <= 3 s, prod <= 4 s, <= 400 MB).
TARGETS = {"dev": (3.0, 400.0), "prod": (4.0, 400.0)}


def run_once(stack: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one plan process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.deploy", "plan", "--stack", stack, "--quiet"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"plan --stack {stack} failed: {process.stderr.read().decode() if process.stderr else ''}")
    return seconds, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and report against the targets."""
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per stack (default 5)")
    args = parser.parse_args(argv)
    missed = 0
    print(f"{'stack':6} {'median s':>9} {'target s':>9} {'peak MB':>8} {'target MB':>10}  result")
    for stack, (max_seconds, max_mb) in TARGETS.items():
        runs = [run_once(stack) for _ in range(args.runs)]
        median = statistics.median(s for s, _ in runs)
        peak = max(mb for _, mb in runs)
        ok = median <= max_seconds and peak <= max_mb
        missed += not ok
        print(f"{stack:6} {median:9.2f} {max_seconds:9.1f} {peak:8.0f} {max_mb:10.0f}  {'ok' if ok else 'MISSED'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
