"""Benchmark the offline plan: `python -m scripts.bench [--runs N]`.

Each run is a fresh `python -m scripts.deploy plan --stack S --quiet` process (imports included, as a
user pays them); prints the median wall seconds and the peak RSS per case against its target, and exits
1 when one is missed. Cases: the AWS slice of each stack (the stack file with Azure and GCP disabled, in
a temporary project copy) and each whole stack file (all three clouds). A whole stack's time is mostly
importing the azure-native and gcp SDK modules it uses and the Pulumi SDK registering ~400 resources on
the mock runtime (with the cyclic garbage collector paused: see scripts/offline.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from components.settings import PLATFORM_KEY

ROOT = Path(__file__).resolve().parents[1]
# (case, stack, AWS only?, target seconds, target MB) on the 2-core CI machine: the AWS slice carries the
# foundation issue's targets, the whole stacks (3 clouds) the parity issue's.
CASES: list[tuple[str, str, bool, float, float]] = [
    ("dev (aws slice)", "dev", True, 3.0, 400.0),
    ("prod (aws slice)", "prod", True, 4.0, 400.0),
    ("dev (all clouds)", "dev", False, 4.0, 600.0),
    ("prod (all clouds)", "prod", False, 6.0, 600.0),
]


def aws_only_project(stack: str, folder: Path) -> Path:
    """A copy of Pulumi.yaml and the stack file with Azure and GCP disabled (and the trusts naming them)."""
    shutil.copy(ROOT / "Pulumi.yaml", folder / "Pulumi.yaml")
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    platform = document["config"][PLATFORM_KEY]
    for cloud in ("azure", "gcp"):
        platform["clouds"].setdefault(cloud, {})["enabled"] = False
    platform.get("identity", {}).pop("trusts", None)
    (folder / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document))
    return folder


def run_once(stack: str, project_dir: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one plan process."""
    start = time.perf_counter()
    command = [sys.executable, "-m", "scripts.deploy", "plan", "--stack", stack, "--quiet"]
    process = subprocess.Popen(
        [*command, "--project-dir", str(project_dir)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
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
    print(f"{'case':18} {'median s':>9} {'target s':>9} {'peak MB':>8} {'target MB':>10}  result")
    with tempfile.TemporaryDirectory() as tmp:
        for case, stack, aws_only, max_seconds, max_mb in CASES:
            project = aws_only_project(stack, Path(tmp)) if aws_only else ROOT
            runs = [run_once(stack, project) for _ in range(args.runs)]
            median = statistics.median(s for s, _ in runs)
            peak = max(mb for _, mb in runs)
            ok = median <= max_seconds and peak <= max_mb
            missed += not ok
            print(f"{case:18} {median:9.2f} {max_seconds:9.1f} {peak:8.0f} {max_mb:10.0f}  {'ok' if ok else 'MISSED'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
