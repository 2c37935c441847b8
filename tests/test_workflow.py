"""The PR workflow: an offline job without secrets, then a policy-checked preview per stack via pulumi/actions."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "pr.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    document = yaml.safe_load(WORKFLOW.read_text())
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads the key `on` as true
    return document


def step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    (step,) = [s for s in job["steps"] if s.get("uses", "").startswith(f"{action}@")]
    return step


def runs(job: dict[str, Any]) -> list[str]:
    return [s["run"] for s in job["steps"] if "run" in s]


def test_two_jobs_on_pull_requests_read_only_by_default(workflow: dict[str, Any]) -> None:
    assert set(workflow["on"]) == {"pull_request"}
    assert set(workflow["jobs"]) == {"offline", "preview"}
    assert workflow["permissions"] == {"contents": "read"}


def test_offline_job_runs_ci_and_the_policy_check_for_each_stack_without_secrets(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["offline"]
    assert job["runs-on"] == "ubuntu-latest"
    assert step_using(job, "actions/setup-python")["with"]["python-version"] == "3.11"
    assert runs(job) == [
        "bash .ci/run",
        "venv/bin/python -m scripts.deploy plan --stack dev --policy",
        "venv/bin/python -m scripts.deploy plan --stack prod --policy",
    ]
    text = yaml.safe_dump(job)
    assert "secrets." not in text and "vars." not in text
    assert "permissions" not in job and "environment" not in job and "needs" not in job


def test_preview_job_per_stack_with_the_policy_pack(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["preview"]
    assert job["needs"] == "offline"
    assert job["strategy"]["matrix"] == {"stack": ["dev", "prod"]}
    assert job["permissions"] == {"contents": "read", "pull-requests": "write", "id-token": "write"}
    assert job["env"] == {
        "PULUMI_BACKEND_URL": "${{ secrets.PULUMI_BACKEND_URL }}",
        "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        # the Cloudflare provider fails to configure without a token (pulumi/pulumi-cloudflare#513)
        "CLOUDFLARE_API_TOKEN": "${{ secrets.CLOUDFLARE_API_TOKEN }}",
    }
    python = step_using(job, "actions/setup-python")["with"]
    assert set(python["cache-dependency-path"].split()) == {"requirements*.txt", "policies/requirements.txt"}
    pulumi = step_using(job, "pulumi/actions")
    assert pulumi["uses"] == "pulumi/actions@v6"
    assert {k: pulumi["with"][k] for k in ("command", "stack-name", "work-dir", "comment-on-pr")} == {
        "command": "preview",
        "stack-name": "${{ matrix.stack }}",
        "work-dir": ".",
        "comment-on-pr": True,
    }
    assert pulumi["with"]["policyPacks"] == "policies"
    assert pulumi["with"]["policyPackConfigs"] == "policies/config/${{ matrix.stack }}.json"
    requirements = (ROOT / "requirements.txt").read_text()
    assert f"pulumi=={pulumi['with']['pulumi-version']}\n" in requirements  # CLI matches the pinned SDK


def test_clouds_are_reached_through_oidc_only(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["preview"]
    aws = step_using(job, "aws-actions/configure-aws-credentials")["with"]
    assert aws["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
    assert step_using(job, "azure/login")["with"]["client-id"] == "${{ vars.AZURE_CLIENT_ID }}"
    assert "workload_identity_provider" in step_using(job, "google-github-actions/auth")["with"]
    text = WORKFLOW.read_text()
    for forbidden in ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "client-secret", "credentials_json"):
        assert forbidden not in text  # no long-lived cloud keys


def test_every_secret_and_variable_is_documented_in_the_header(workflow: dict[str, Any]) -> None:
    text = WORKFLOW.read_text()
    header = text.split("\nname:", 1)[0]
    used = {word.split("}")[0].strip() for word in text.split("${{")[1:]}
    names = {
        token.rstrip(",)")
        for expr in used
        for token in expr.replace("||", " ").replace("!=", " ").split()
        if token.startswith(("secrets.", "vars."))
    }
    assert names, "the workflow reads no secrets or variables?"
    for name in sorted(names):
        assert name.split(".", 1)[1] in header, f"{name} is not described in the header comment"
