"""Starts the slow CLI subprocess test's command at the beginning of the session, so it records the prod
program on the second core while the in-process tests run."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI_PROD = [sys.executable, "-m", "scripts.policy_check", "--stack", "prod"]
CLI_TEST = "test_cli_prod_exits_zero"


@pytest.fixture(scope="session", autouse=True)
def cli_prod(request: pytest.FixtureRequest) -> Iterator[subprocess.Popen[str] | None]:
    """`python -m scripts.policy_check --stack prod`, started early when its test is selected."""
    if not any(item.name == CLI_TEST for item in request.session.items):
        yield None
        return
    process = subprocess.Popen(CLI_PROD, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield process
    if process.poll() is None:
        process.kill()
    process.communicate()
