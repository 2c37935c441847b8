"""Preflight: what a stack's first `up` needs that none of its resources can create, checked against the clouds.

The plan's deploy check lists these prerequisites offline (`deploy_check.prerequisites`); before `up` the driver
asks the clouds whether they hold, through their own CLIs and the deployer's credentials, and refuses to start
(exit 2, one line per problem with the command that fixes it) when one does not:

- Azure: every resource provider the stack's resources need is `Registered` in the subscription (a fresh
  subscription fails the first create of an unregistered one with `MissingSubscriptionRegistration`, review
  azure R13; https://learn.microsoft.com/azure/azure-resource-manager/management/resource-providers-and-types).
- GCP: the APIs that enabling the stack's other APIs itself calls are on in the project
  (https://cloud.google.com/service-usage/docs/enable-disable).
- AWS: each region's Elastic IP quota (Service Quotas L-0263D0A3, default 5) leaves room for the stack's
  addresses after those other stacks already hold (review aws 3;
  https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html).
- AWS Budgets: the `environment` cost-allocation tag they filter on is `Active` (a tag counts in Budgets only once
  activated; https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/activating-tags.html; aws 15).
- Cognito: each federated IdP's client secret (`identity.providers.<idp>.client_secret_name`) exists with a current
  value and is not scheduled for deletion. The program reads them with an invoke that `preview` runs too, so a fresh
  account needs them before its first preview (aws 16b; `components/identity/idp_secrets.py`). Asked with
  `describe-secret`, which returns metadata only: no secret value reaches this process or its log
  (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html).
- The in-network runner: its CodeConnections connection is `AVAILABLE` (a new one stays `PENDING` until its
  handshake in the console, and CodeBuild's webhook cannot be created before;
  https://docs.aws.amazon.com/dtconsole/latest/userguide/connections-update.html).

Nothing here changes a cloud: registering a provider or raising a quota stays the operator's decision (docs/DEPLOY.md).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from components.identity.idp_secrets import DOCS as IDP_SECRETS_DOCS
from components.identity.idp_secrets import IdpSecret, idp_secrets
from components.settings import PlatformSettings

from .deploy_check import EIP_QUOTA_CODE, Graph, eips_by_region, prerequisites

CODEBUILD_PROJECT = "aws:codebuild/project:Project"
AWS_BUDGET = "aws:budgets/budget:Budget"
COGNITO_IDP = "aws:cognito/identityProvider:IdentityProvider"


@dataclass(frozen=True)
class CliResult:
    """What a cloud CLI printed and returned."""

    code: int
    stdout: str
    stderr: str = ""


RunCli = Callable[[Sequence[str]], CliResult]
"""Runs one cloud CLI command line (the test seam: a fake answers like the CLI)."""

CLIS = {
    "az": "install the Azure CLI (https://learn.microsoft.com/cli/azure/install-azure-cli) and `az login`",
    "gcloud": "install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install) and `gcloud auth login`",
    "aws": "install the AWS CLI v2 (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)",
}


def run_cli(argv: Sequence[str]) -> CliResult:
    """The real runner: the CLI on PATH (code 127 when it is missing, like a shell)."""
    if shutil.which(argv[0]) is None:
        return CliResult(127, "", f"{argv[0]}: command not found")
    done = subprocess.run(list(argv), capture_output=True, text=True, timeout=120, check=False)
    return CliResult(done.returncode, done.stdout, done.stderr)


def check(stack: str, settings: PlatformSettings, graph: Graph, cli: RunCli = run_cli) -> list[str]:
    """One line per prerequisite of `stack` the clouds do not meet (empty: the first `up` can start)."""
    needs = prerequisites(graph)
    problems: list[str] = []
    if needs["azure_resource_providers"]:
        problems += _azure_providers(stack, settings, needs["azure_resource_providers"], cli)
    if needs["gcp_bootstrap_apis"]:
        problems += _gcp_apis(stack, settings, needs["gcp_bootstrap_apis"], cli)
    for region, count in sorted(eips_by_region(graph).items()):
        problems += _aws_eip_quota(stack, settings, region, count, cli)
    if graph.of_type(CODEBUILD_PROJECT):
        problems += _runner(stack, settings, cli)
    if graph.of_type(AWS_BUDGET):
        problems += _cost_allocation_tag(stack, cli)
    if graph.of_type(COGNITO_IDP):
        for secret in idp_secrets(settings):
            problems += _idp_secret(stack, secret, cli)
    return problems


def check_preview(stack: str, settings: PlatformSettings, cli: RunCli = run_cli) -> list[str]:
    """One line per prerequisite a preview itself needs (the IdPs' client secrets, which the program reads with an
    invoke every preview runs); from the settings alone, so a preview costs no offline plan."""
    return [line for secret in idp_secrets(settings) for line in _idp_secret(stack, secret, cli)]


def _ask(stack: str, what: str, argv: Sequence[str], cli: RunCli) -> tuple[str | None, list[str]]:
    """Run `argv`; (stdout, []) or (None, [the problem line])."""
    result = cli(argv)
    if result.code == 127:
        return None, [f"preflight {stack}: {argv[0]} not found, needed to check {what}: {CLIS[argv[0]]}"]
    if result.code != 0:
        detail = next((line.strip() for line in result.stderr.splitlines() if line.strip()), "no output")
        return None, [f"preflight {stack}: cannot check {what} (`{' '.join(argv)}` exit {result.code}: {detail})"]
    return result.stdout, []


def _azure_providers(stack: str, settings: PlatformSettings, namespaces: list[str], cli: RunCli) -> list[str]:
    subscription = settings.clouds.azure.subscription_id or ""
    argv = [
        "az", "provider", "list", "--subscription", subscription,
        "--query", "[?registrationState=='Registered'].namespace", "--output", "json",
    ]  # fmt: skip
    out, problems = _ask(stack, f"the resource providers of subscription {subscription}", argv, cli)
    if out is None:
        return problems
    registered = {str(ns).lower() for ns in json.loads(out or "[]")}
    return [
        f"preflight {stack}: resource provider {ns} is not registered in subscription {subscription}: "
        f"az provider register --namespace {ns} --subscription {subscription} --wait"
        for ns in namespaces
        if ns.lower() not in registered
    ]


def _gcp_apis(stack: str, settings: PlatformSettings, apis: list[str], cli: RunCli) -> list[str]:
    project = settings.clouds.gcp.project or ""
    argv = ["gcloud", "services", "list", "--enabled", "--project", project, "--format", "value(config.name)"]
    out, problems = _ask(stack, f"the enabled APIs of project {project}", argv, cli)
    if out is None:
        return problems
    enabled = set(out.split())
    return [
        f"preflight {stack}: API {api} is not enabled in project {project}: "
        f"gcloud services enable {api} --project {project}"
        for api in apis
        if api not in enabled
    ]


def _aws_eip_quota(stack: str, settings: PlatformSettings, region: str, count: int, cli: RunCli) -> list[str]:
    quota_argv = [
        "aws", "service-quotas", "get-service-quota", "--service-code", "ec2", "--quota-code", EIP_QUOTA_CODE,
        "--region", region, "--query", "Quota.Value", "--output", "text",
    ]  # fmt: skip
    out, problems = _ask(stack, f"the Elastic IP quota in {region}", quota_argv, cli)
    if out is None:
        return problems
    quota = int(float(out.strip()))
    addresses_argv = [
        "aws", "ec2", "describe-addresses", "--region", region, "--query", "Addresses[].Tags", "--output", "json",
    ]  # fmt: skip
    out, problems = _ask(stack, f"the Elastic IPs in use in {region}", addresses_argv, cli)
    if out is None:
        return problems
    mine = {"platform": settings.name, "environment": settings.environment}
    held = [{t["Key"]: t["Value"] for t in tags or []} for tags in json.loads(out or "[]")]
    others = sum(1 for tags in held if any(tags.get(k) != v for k, v in mine.items()))
    if others + count <= quota:
        return []
    return [
        f"preflight {stack}: {region} needs {count} Elastic IPs for this stack and {others} are held by others, "
        f"above the quota of {quota}: aws service-quotas request-service-quota-increase --service-code ec2 "
        f"--quota-code {EIP_QUOTA_CODE} --region {region} --desired-value {others + count}"
    ]


def _runner(stack: str, settings: PlatformSettings, cli: RunCli) -> list[str]:
    deployer = settings.deployer
    if deployer is None or deployer.runner is None or deployer.aws is None:
        return []
    arn, region = deployer.runner.connection_arn, deployer.runner.connection_arn.split(":")[3]
    argv = [
        "aws", "codeconnections", "get-connection", "--connection-arn", arn, "--region", region,
        "--query", "Connection.ConnectionStatus", "--output", "text",
    ]  # fmt: skip
    out, problems = _ask(stack, "the runner's GitHub connection", argv, cli)
    if out is not None and out.strip() != "AVAILABLE":
        problems.append(
            f"preflight {stack}: the runner's connection {arn} is {out.strip() or 'unknown'}, not AVAILABLE: finish "
            "its handshake in the console (Developer Tools > Settings > Connections > Update pending connection)"
        )
    return problems


def _cost_allocation_tag(stack: str, cli: RunCli) -> list[str]:
    from components.aws.budgets import COST_ALLOCATION_TAG

    argv = [
        "aws", "ce", "list-cost-allocation-tags", "--tag-keys", COST_ALLOCATION_TAG, "--region", "us-east-1",
        "--query", "CostAllocationTags[0].Status", "--output", "text",
    ]  # fmt: skip
    out, problems = _ask(stack, f"the {COST_ALLOCATION_TAG} cost-allocation tag", argv, cli)
    if out is not None and out.strip() != "Active":
        problems.append(
            f"preflight {stack}: cost-allocation tag {COST_ALLOCATION_TAG} is {out.strip() or 'not found'}, so the "
            "budgets count nothing: aws ce update-cost-allocation-tags-status --cost-allocation-tags-status "
            f"TagKey={COST_ALLOCATION_TAG},Status=Active --region us-east-1"
        )
    return problems


def _idp_secret(stack: str, secret: IdpSecret, cli: RunCli) -> list[str]:
    """One federated IdP's client secret: it exists, has an AWSCURRENT value, and is not scheduled for deletion
    (GetSecretValue refuses one that is). Metadata only: describe-secret never returns the value."""
    argv = [
        "aws", "secretsmanager", "describe-secret", "--secret-id", secret.name, "--region", secret.region,
        "--query", "{stages: VersionIdsToStages, deleted: DeletedDate}", "--output", "json",
    ]  # fmt: skip
    result = cli(argv)
    where = f"preflight {stack}: {secret.key_path}: Secrets Manager secret {secret.name} in {secret.region}"
    if result.code != 0 and "ResourceNotFoundException" in result.stderr:
        return [f"{where} does not exist (the program reads it at preview and up): {secret.create_command()} "
                f"({IDP_SECRETS_DOCS})"]  # fmt: skip
    out, problems = _ask(stack, f"{secret.key_path} ({secret.name})", argv, lambda _: result)
    if out is None:
        return problems
    found = json.loads(out or "{}") or {}
    if found.get("deleted"):
        return [f"{where} is scheduled for deletion: aws secretsmanager restore-secret --secret-id {secret.name} "
                f"--region {secret.region} ({IDP_SECRETS_DOCS})"]  # fmt: skip
    if not any("AWSCURRENT" in stages for stages in (found.get("stages") or {}).values()):
        return [f"{where} has no current value: aws secretsmanager put-secret-value --secret-id {secret.name} "
                f"--region {secret.region} --secret-string file://<file holding the {secret.kind} client secret> "
                f"({IDP_SECRETS_DOCS})"]  # fmt: skip
    return []
