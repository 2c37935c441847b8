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
- Compute quotas: the nodes the clusters start at create (`scripts/compute_needs.py`) fit each region's quota
  limits, and every machine type is offered where its pool runs. Azure counts a VM against its family's vCPUs and
  the region's total vCPUs (spot VMs against low-priority vCPUs; https://learn.microsoft.com/azure/virtual-machines/quotas,
  https://learn.microsoft.com/azure/virtual-machines/spot-vms); GCE against the machine series' CPU quota, the
  project's CPUs in all regions and the boot disks' disk quota (https://cloud.google.com/compute/resource-usage);
  EC2 against the vCPU quota of the instance family, on-demand or spot
  (https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html).
  A fresh subscription or project starts with limits below prod's nodes, and a node the quota refuses fails the
  cluster or pool create. Limits are compared, not what is in use: a re-up of a deployed stack asks for no new
  quota, and what other workloads hold is theirs to watch (docs/DEPLOY.md, "The preflight").
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
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from components.identity.idp_secrets import DOCS as IDP_SECRETS_DOCS
from components.identity.idp_secrets import IdpSecret, idp_secrets
from components.settings import PlatformSettings

from .compute_needs import Machines, machines
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


SKIPPED = -1
"""The code of a call not made: its CLI is missing or already failed (said once, by the first call)."""


def _asked_until_broken(cli: RunCli) -> RunCli:
    """`cli`, but a CLI that is missing or fails is not asked again (one line says so, not one per check)."""
    broken: set[str] = set()

    def run(argv: Sequence[str]) -> CliResult:
        if argv[0] in broken:
            return CliResult(SKIPPED, "")
        result = cli(argv)
        if result.code != 0 and not _expected_failure(argv, result):
            broken.add(argv[0])
        return result

    return run


def _expected_failure(argv: Sequence[str], result: CliResult) -> bool:
    """A failure that is an answer, not a broken CLI: a secret that does not exist."""
    return argv[1:3] == ["secretsmanager", "describe-secret"] and "ResourceNotFoundException" in result.stderr


def check(stack: str, settings: PlatformSettings, graph: Graph, cli: RunCli = run_cli) -> list[str]:
    """One line per prerequisite of `stack` the clouds do not meet (empty: the first `up` can start)."""
    cli = _asked_until_broken(cli)
    needs = prerequisites(graph)
    problems: list[str] = []
    if needs["azure_resource_providers"]:
        problems += _azure_providers(stack, settings, needs["azure_resource_providers"], cli)
    if needs["gcp_bootstrap_apis"]:
        problems += _gcp_apis(stack, settings, needs["gcp_bootstrap_apis"], cli)
    for region, count in sorted(eips_by_region(graph).items()):
        problems += _aws_eip_quota(stack, settings, region, count, cli)
    nodes: dict[str, dict[str, list[Machines]]] = {}
    for m in machines(graph):
        nodes.setdefault(m.cloud, {}).setdefault(m.region, []).append(m)
    for region, in_region in sorted(nodes.get("aws", {}).items()):
        problems += _aws_compute(stack, region, in_region, cli)
    for region, in_region in sorted(nodes.get("azure", {}).items()):
        problems += _azure_compute(stack, settings, region, in_region, cli)
    if "gcp" in nodes:
        problems += _gcp_compute(stack, settings, [m for in_region in nodes["gcp"].values() for m in in_region], cli)
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
    if result.code == SKIPPED:
        return None, []
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


def _ec2_quota(stack: str, what: str, code: str, region: str, cli: RunCli) -> tuple[int | None, list[str]]:
    """An EC2 Service Quotas value in `region` (None, and the problem line, when it cannot be asked)."""
    argv = [
        "aws", "service-quotas", "get-service-quota", "--service-code", "ec2", "--quota-code", code,
        "--region", region, "--query", "Quota.Value", "--output", "text",
    ]  # fmt: skip
    out, problems = _ask(stack, f"{what} in {region}", argv, cli)
    return (None, problems) if out is None else (int(float(out.strip())), [])


def _aws_eip_quota(stack: str, settings: PlatformSettings, region: str, count: int, cli: RunCli) -> list[str]:
    quota, problems = _ec2_quota(stack, "the Elastic IP quota", EIP_QUOTA_CODE, region, cli)
    if quota is None:
        return problems
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


EC2_VCPU_QUOTAS = {
    "standard": ("L-1216C47A", "L-34B43A08"),
    "g": ("L-DB2E81BA", "L-3819A6DF"),
    "vt": ("L-DB2E81BA", "L-3819A6DF"),
    "p": ("L-417A185B", "L-7212CCBC"),
}
"""Instance families by their (on-demand, spot) vCPU quota codes: the standard families (A, C, D, H, I, M, R, T,
Z), G and VT, P (https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html). Other families
are not asked."""
STANDARD_FAMILIES = set("acdhimrtz")
OWN_QUOTA_FAMILIES = {"dl", "hpc", "inf", "mac", "trn"}
"""Families starting with a standard letter that have quotas of their own (not asked)."""
AWS_QUOTA_DOCS = "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html"


def ec2_quota_codes(instance_type: str) -> tuple[str, str] | None:
    """The (on-demand, spot) vCPU quota codes of an instance type's family (None: a family not listed)."""
    family = re.match(r"[a-z]*", instance_type)[0]  # type: ignore[index]
    if family in EC2_VCPU_QUOTAS:
        return EC2_VCPU_QUOTAS[family]
    if family[:1] in STANDARD_FAMILIES and family not in OWN_QUOTA_FAMILIES:
        return EC2_VCPU_QUOTAS["standard"]
    return None


def _aws_compute(stack: str, region: str, nodes: list[Machines], cli: RunCli) -> list[str]:
    """The node groups' vCPUs at their desired sizes fit each family's on-demand and spot vCPU quota in `region` (a
    spot group counted at its largest type)."""
    types = sorted({t for m in nodes for t in (m.machine_type, *m.alternatives)})
    argv = [
        "aws", "ec2", "describe-instance-types", "--region", region, "--instance-types", *types,
        "--query", "InstanceTypes[].{type: InstanceType, vcpus: VCpuInfo.DefaultVCpus}", "--output", "json",
    ]  # fmt: skip
    out, problems = _ask(stack, f"the instance types in {region}", argv, cli)
    if out is None:
        return problems
    vcpus_of = {str(t["type"]): int(t["vcpus"]) for t in json.loads(out or "[]")}
    need: dict[str, int] = {}
    for m in nodes:
        codes = ec2_quota_codes(m.machine_type)
        sizes = [vcpus_of[t] for t in (m.machine_type, *m.alternatives) if t in vcpus_of]
        if codes is None or not sizes or m.count == 0:
            continue
        code = codes[1] if m.spot else codes[0]
        need[code] = need.get(code, 0) + m.count * max(sizes)
    for code, vcpus in sorted(need.items()):
        quota, asked = _ec2_quota(stack, f"the EC2 vCPU quota {code}", code, region, cli)
        problems += asked
        if quota is not None and vcpus > quota:
            problems.append(
                f"preflight {stack}: {region}'s node groups start {vcpus} vCPUs under EC2 quota {code}, above the "
                f"account's {quota}: aws service-quotas request-service-quota-increase "
                f"--service-code ec2 --quota-code {code} --region {region} --desired-value {vcpus} ({AWS_QUOTA_DOCS})"
            )
    return problems


AZURE_QUOTA_DOCS = "https://learn.microsoft.com/azure/quotas/per-vm-quota-requests"
GCP_QUOTA_DOCS = "https://cloud.google.com/docs/quotas/help/request_increase"
AZURE_TOTAL, AZURE_SPOT = "cores", "lowPriorityCores"
"""`az vm list-usage` names of a region's Total Regional vCPUs and Total Regional Low-priority vCPUs."""


def _azure_compute(
    stack: str, settings: PlatformSettings, region: str, nodes: list[Machines], cli: RunCli
) -> list[str]:
    """The region's VM sizes are offered to the subscription, and its nodes fit the family, total and spot vCPU
    limits (the cloud's own vCPU counts and family names, from its SKU list)."""
    subscription = settings.clouds.azure.subscription_id or ""
    sizes = sorted({m.machine_type for m in nodes})
    query = (
        "[?" + " || ".join(f"name=='{size}'" for size in sizes) + "]"
        ".{name: name, family: family, vcpus: capabilities[?name=='vCPUs'] | [0].value, "
        "restricted: length(restrictions[?type=='Location']), "
        "restricted_zones: restrictions[?type=='Zone'].restrictionInfo.zones[]}"
    )  # a size the subscription may not use at all is left out of the list (`--all` would show it)
    skus_argv = [
        "az", "vm", "list-skus", "--location", region, "--resource-type", "virtualMachines",
        "--subscription", subscription, "--query", query, "--output", "json",
    ]  # fmt: skip
    out, problems = _ask(stack, f"the VM sizes offered in {region}", skus_argv, cli)
    if out is None:
        return problems
    skus = {str(s["name"]): s for s in json.loads(out or "[]") if not s.get("restricted")}
    problems = [
        f"preflight {stack}: VM size {size} is not offered to subscription {subscription} in {region} (its pools "
        f"would fail to create or grow): pick another size for them, or ask for access ({AZURE_QUOTA_DOCS})"
        for size in sizes
        if size not in skus
    ]
    problems += [
        f"preflight {stack}: VM size {m.machine_type} is not offered to subscription {subscription} in zone(s) "
        f"{', '.join(blocked)} of {region}, where pool {m.pool} runs: pick other zones or another size for it"
        for m in nodes
        if m.machine_type in skus
        and (blocked := sorted(set(m.zones) & {str(z) for z in skus[m.machine_type].get("restricted_zones") or []}))
    ]
    need: dict[str, int] = {}
    for m in nodes:
        sku = skus.get(m.machine_type)
        if sku is None:
            continue
        vcpus = m.count * int(sku["vcpus"])
        for quota in (AZURE_SPOT,) if m.spot else (str(sku["family"]), AZURE_TOTAL):
            need[quota] = need.get(quota, 0) + vcpus
    usage_argv = ["az", "vm", "list-usage", "--location", region, "--subscription", subscription, "--output", "json"]
    out, asked = _ask(stack, f"the vCPU quotas in {region}", usage_argv, cli)
    if out is None:
        return problems + asked
    limits = {str(u["name"]["value"]).lower(): (int(u["limit"]), str(u["name"].get("localizedValue") or ""))
              for u in json.loads(out or "[]")}  # fmt: skip
    for quota, vcpus in sorted(need.items()):
        if quota.lower() not in limits:
            continue  # a family the usage list does not name has no limit of its own there
        limit, label = limits[quota.lower()]
        if vcpus > limit:
            problems.append(
                f"preflight {stack}: {region} starts {vcpus} vCPUs of {label or quota} ({quota}) for this stack's "
                f"nodes, above subscription {subscription}'s limit of {limit}: raise it to at least {vcpus} "
                f"({AZURE_QUOTA_DOCS})"
            )
    return problems


PREEMPTIBLE_CPUS, ALL_REGIONS_CPUS = "PREEMPTIBLE_CPUS", "CPUS_ALL_REGIONS"
GCE_CPU_METRICS = {
    series: f"{series.upper()}_CPUS"
    for series in ("a2", "a3", "c2", "c2d", "c3", "c3d", "c4", "c4a", "c4d", "g2", "h3", "m1", "m2", "m3", "n2",
                   "n2d", "n4", "t2a", "t2d", "z3")
}
"""Machine series whose vCPUs count against a quota of their own (used where the region lists it); E2 and N1 count
against `CPUS` (though a region may list an `E2_CPUS`)."""
GCE_DISK_METRICS = {"pd-standard": "DISKS_TOTAL_GB", "pd-balanced": "SSD_TOTAL_GB", "pd-ssd": "SSD_TOTAL_GB"}
"""Persistent disk types by the regional quota metric their size counts against."""


def gce_cpu_metric(machine_type: str, listed: Mapping[str, int]) -> str:
    """The regional quota metric a GCE machine type's vCPUs count against: its series' own (`GCE_CPU_METRICS`) where
    the region lists one, else `CPUS`."""
    own = GCE_CPU_METRICS.get(machine_type.split("-", 1)[0], "CPUS")
    return own if own in listed else "CPUS"


def gce_disk_metric(disk_type: str) -> str:
    """The regional quota metric a persistent disk type counts against (`GCE_DISK_METRICS`)."""
    return GCE_DISK_METRICS.get(disk_type, "SSD_TOTAL_GB")


def _gce_peak(nodes: list[Machines], vcpus_of: Mapping[str, int], limits: Mapping[str, int]) -> dict[str, int]:
    """What one region's nodes hold of each quota metric at the create's peak: the default pools while the clusters
    are created, or the stack's pools after (never both: a cluster removes its default pool before pools start).
    Spot nodes take the preemptible quota where the project has one, else the standard quotas ("To prevent Spot VMs
    from consuming your quotas for standard VMs' CPUs ... consider requesting preemptible quota",
    https://cloud.google.com/compute/docs/instances/create-use-spot)."""
    preemptible = limits.get(PREEMPTIBLE_CPUS, 0) > 0
    phases: tuple[dict[str, int], dict[str, int]] = ({}, {})
    for m in nodes:
        vcpus = vcpus_of.get(m.machine_type)
        if vcpus is None:
            continue
        cpu = PREEMPTIBLE_CPUS if m.spot and preemptible else gce_cpu_metric(m.machine_type, limits)
        phase = phases[0 if m.transient else 1]
        for metric, amount in ((cpu, m.count * vcpus), (ALL_REGIONS_CPUS, m.count * vcpus),
                               (gce_disk_metric(m.disk_type), m.count * m.disk_gb)):  # fmt: skip
            phase[metric] = phase.get(metric, 0) + amount
    return {metric: max(phase.get(metric, 0) for phase in phases) for metric in {*phases[0], *phases[1]}}


def _gce_limits(stack: str, what: str, argv: list[str], cli: RunCli) -> tuple[dict[str, int] | None, list[str]]:
    """The quota limits by metric; none (and a problem line) when the CLI fails or the answer holds no quotas (GCE
    omits them when the quota information is unavailable,
    https://cloud.google.com/compute/docs/reference/rest/v1/regions/get)."""
    out, problems = _ask(stack, what, argv, cli)
    if out is None:
        return None, problems
    quotas = (json.loads(out or "{}") or {}).get("quotas") or []
    if not quotas:
        return None, [f"preflight {stack}: cannot check {what}: `{' '.join(argv)}` listed no quotas"]
    return {str(q["metric"]): int(q["limit"]) for q in quotas}, []


def _gcp_compute(stack: str, settings: PlatformSettings, nodes: list[Machines], cli: RunCli) -> list[str]:
    """Every pool's machine type is offered in its zone, and the nodes fit each region's CPU and disk limits and the
    project's CPUs in all regions."""
    project = settings.clouds.gcp.project or ""
    types_argv = [
        "gcloud", "compute", "machine-types", "list", "--project", project,
        "--zones", ",".join(sorted({zone for m in nodes for zone in m.zones})),
        "--filter", f"name=({' '.join(sorted({m.machine_type for m in nodes}))})",
        "--format", "json(name,zone,guestCpus)",
    ]  # fmt: skip
    out, problems = _ask(stack, f"the machine types of project {project}", types_argv, cli)
    if out is None:
        return problems
    listed = [(str(t["name"]), str(t["zone"]).rsplit("/", 1)[-1], int(t["guestCpus"])) for t in json.loads(out or "[]")]
    offered = {(name, zone) for name, zone, _ in listed}
    vcpus_of = {name: vcpus for name, _, vcpus in listed}
    problems = [
        f"preflight {stack}: machine type {m.machine_type} is not offered in {zone} (pool {m.pool} would fail to "
        "create there): pick another type or other zones for it"
        for m in nodes
        for zone in m.zones
        if (m.machine_type, zone) not in offered
    ]
    total = 0
    for region in sorted({m.region for m in nodes}):
        argv = ["gcloud", "compute", "regions", "describe", region, "--project", project, "--format", "json(quotas)"]
        limits, asked = _gce_limits(stack, f"the quotas of project {project} in {region}", argv, cli)
        if limits is None:
            problems += asked
            continue
        need = _gce_peak([m for m in nodes if m.region == region], vcpus_of, limits)
        total += need.pop(ALL_REGIONS_CPUS, 0)
        problems += [  # a metric the region does not list is not enforced there
            f"preflight {stack}: {region} starts nodes holding {amount} of {metric} for this stack, above project "
            f"{project}'s limit of {limits[metric]}: raise it to at least {amount} ({GCP_QUOTA_DOCS})"
            for metric, amount in sorted(need.items())
            if metric in limits and amount > limits[metric]
        ]
    argv = ["gcloud", "compute", "project-info", "describe", "--project", project, "--format", "json(quotas)"]
    limits, asked = _gce_limits(stack, f"the global quotas of project {project}", argv, cli)
    if limits is None:
        return problems + asked
    if ALL_REGIONS_CPUS in limits and total > limits[ALL_REGIONS_CPUS]:
        problems.append(
            f"preflight {stack}: the stack's GKE nodes start {total} vCPUs across regions, above project {project}'s "
            f"{ALL_REGIONS_CPUS} limit of {limits[ALL_REGIONS_CPUS]}: raise it to at least {total} "
            f"({GCP_QUOTA_DOCS})"
        )
    return problems
