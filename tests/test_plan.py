"""The offline plan command: exit codes, clean config errors, the tree and the JSON document."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from google.protobuf import struct_pb2

from scripts import deploy
from scripts.offline import Recording
from tests.conftest import ROOT, recorded_stack


def project_copy(tmp_path: Path, stack: str, edit=None) -> Path:
    """A copy of Pulumi.yaml and one stack file, the stack's platform object edited by `edit`."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    if edit:
        edit(document["config"]["multicloud-platform:platform"])
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document))
    return tmp_path


def test_dev_plan_prints_the_tree_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert deploy.main(["plan", "--stack", "dev"]) == 0
    out = capsys.readouterr().out
    assert "flow-dev  multicloud:index:Platform" in out
    assert "flow-dev-aws-use1-eks-cluster  aws.eks.Cluster" in out
    assert "by region: aws/us-east-1" in out
    assert "[protected]" not in out


def test_prod_plan_marks_stateful_resources_protected(capsys: pytest.CaptureFixture[str]) -> None:
    assert deploy.main(["plan", "--stack", "prod"]) == 0
    out = capsys.readouterr().out
    assert "flow-prod-aws-usw2-postgres-instance  aws.rds.Instance  [protected]" in out
    assert "aws/us-east-1" in out and "aws/us-west-2" in out


def test_json_lists_every_resource_with_secrets_hidden(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    assert deploy.main(["plan", "--stack", "prod", "--json", str(out), "--quiet"]) == 0
    document = json.loads(out.read_text())
    resources = document["resources"]
    assert document["summary"]["resources"] == len(resources)
    assert {"urn", "type", "name", "parent", "custom", "protect", "provider", "inputs"} <= set(resources[0])
    cluster = next(r for r in resources if r["type"] == "aws:eks/cluster:Cluster")
    assert cluster["protect"] is True and cluster["provider"].startswith("urn:pulumi:prod::")
    assert document["outputs"]["aws_kubeconfigs"] == "[secret]"
    assert document["outputs"]["aws_clusters"] == {"us-east-1": "flow-prod-use1", "us-west-2": "flow-prod-usw2"}
    assert "4dabf18193072939515e22adb298388d" not in out.read_text()  # no raw secret envelope leaks


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda p: p["clouds"]["aws"]["regions"][1].update(cidr="10.10.0.0/16"),
         "multicloud-platform:platform.clouds.aws.regions[1].cidr: 10.10.0.0/16 overlaps"),
        (lambda p: p["kubernetes"].update(version="1.28"),
         "multicloud-platform:platform.kubernetes.version: Kubernetes 1.28 is not supported"),
        (lambda p: p["postgres"]["tier"].update(gcp="db-standard-4"),
         "multicloud-platform:platform.postgres.tier.gcp: 'db-standard-4' is not a Cloud SQL for PostgreSQL tier"),
        (lambda p: p["clouds"]["azure"]["regions"][1].update(name="francecentral"),
         "multicloud-platform:platform.clouds.azure.regions[1].name: "
         "azure storage account name 'flowprodfrancecentral?????' is 26 characters"),
        (lambda p: p.update(name="acmec"),  # fits eastus's geo vault, not westus2's once the suffix is counted
         "multicloud-platform:platform.name: azure key vault name 'acmec-prod-wus2-geo-?????' is 25 characters"),
        (lambda p: p["vpn"].update(pinned={"aws-azure/us-west-2/westus2/3": "169.254.21.0/30"}),
         "multicloud-platform:platform.vpn.pinned.aws-azure/us-west-2/westus2/3: 169.254.21.0/30 overlaps "
         "169.254.21.0/30 of tunnel aws-azure/us-east-1/eastus/0; allowed: a free /30"),
        (lambda p: p["identity"]["trusts"].append({"source": "aws", "targets": ["oracle"]}),
         "multicloud-platform:platform.identity.trusts[3].targets[0]: 'oracle'; allowed: 'aws', 'azure', 'gcp'"),
        (lambda p: p["clouds"]["gcp"].update(enabled=False) or p["identity"].update(trusts=[])
         or p.setdefault("edge", {}).update(region_pools={"SEAS": ["gcp", "aws"]}),
         "multicloud-platform:platform.edge.region_pools.SEAS: steers to gcp, which is not enabled; "
         "allowed: aws, azure"),
        (lambda p: p["clouds"]["gcp"]["regions"][1].update(cidr="172.21.0.0/16"),
         "multicloud-platform:platform.clouds.gcp.regions[1].cidr: 172.21.0.0/16 overlaps 172.21.0.0/16, "
         "the AKS and EKS service range inside the clusters; allowed: a range outside 172.20.0.0/16 and "
         "172.21.0.0/16"),
        (lambda p: p["clouds"]["azure"]["regions"][0].update(cidr="172.20.0.0/16"),
         "multicloud-platform:platform.clouds.azure.regions[0].cidr: 172.20.0.0/16 overlaps 172.20.0.0/16, "
         "the AKS pod range inside the clusters"),
    ],
    ids=["overlapping-cidrs", "kubernetes-1.28", "cloudsql-tier", "storage-account-name", "platform-name-with-suffix",
         "overlapping-tunnel",
         "unknown-trust-target", "steering-to-disabled-cloud", "region-on-service-range", "region-on-aks-pods"],
)
def test_bad_config_exits_2_with_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit, expected: str
) -> None:
    project = project_copy(tmp_path, "prod", edit)
    assert deploy.main(["plan", "--stack", "prod", "--project-dir", str(project)]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"Pulumi.prod.yaml: {expected}")
    assert lines[-1] == "stack prod: 1 configuration problem(s); nothing was planned"
    assert "Traceback" not in err and out == ""


def test_a_bad_config_is_one_line_and_exit_2_from_the_command_line(tmp_path: Path) -> None:
    """The same as a process: `python -m scripts.deploy plan` prints the problem and no traceback."""
    project = project_copy(tmp_path, "prod", lambda p: p["kubernetes"].update(version="1.28"))
    result = subprocess.run(
        [sys.executable, "-m", "scripts.deploy", "plan", "--stack", "prod", "--project-dir", str(project)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    first, last = result.stderr.splitlines()
    assert first.startswith("Pulumi.prod.yaml: multicloud-platform:platform.kubernetes.version: Kubernetes 1.28")
    assert last == "stack prod: 1 configuration problem(s); nothing was planned"
    assert result.stdout == ""


def test_missing_stack_file_is_a_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = project_copy(tmp_path, "dev")
    assert deploy.main(["plan", "--stack", "qa-dev", "--project-dir", str(project)]) == 2
    assert "Pulumi.qa-dev.yaml: no such file" in capsys.readouterr().err


def test_program_error_exits_1(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(stack: str, project_dir: Path) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(deploy.offline_plan, "plan", broken)
    assert deploy.main(["plan", "--stack", "dev"]) == 1
    assert "error: the program failed for stack dev: boom" in capsys.readouterr().err


def test_a_stack_imports_only_the_sdks_of_its_clouds(tmp_path: Path) -> None:
    def aws_only(platform: dict) -> None:
        platform["clouds"]["azure"]["enabled"] = False
        platform["clouds"]["gcp"]["enabled"] = False
        platform["identity"]["trusts"] = []  # trusts name the other clouds

    project = project_copy(tmp_path, "dev", aws_only)
    probe = (
        "import sys; from pathlib import Path; from scripts.plan import plan; "
        f"plan('dev', Path({str(project)!r})); "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('pulumi_') and '.' not in m)))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    # the edge is Cloudflare's; the workloads run through a Kubernetes provider per cluster; the stack-unique suffix
    # of the global names is a RandomString
    assert result.stdout.split() == ["pulumi_aws", "pulumi_cloudflare", "pulumi_kubernetes", "pulumi_random"]


def test_plan_policy_passes_the_dev_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert deploy.main(["plan", "--stack", "dev", "--quiet", "--policy"]) == 0
    assert "no violations (" in capsys.readouterr().out


def test_plan_policy_exits_3_on_a_mandatory_violation(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A regression that made a database public is caught by `plan --policy`, whatever the settings say."""
    prod = recorded_stack("prod")
    instance = prod.of_type("aws:rds/instance:Instance")[0]
    public = struct_pb2.Struct()
    public.CopyFrom(instance.properties)
    public["publiclyAccessible"] = True
    resources = [dataclasses.replace(r, properties=public) if r is instance else r for r in prod.resources]
    monkeypatch.setattr(deploy.offline_plan, "plan", lambda stack, project_dir: Recording("prod", resources))
    assert deploy.main(["plan", "--stack", "prod", "--quiet", "--policy"]) == 3
    out = capsys.readouterr().out
    assert any(line.startswith("aws-rds-not-public") and "mandatory" in line for line in out.splitlines())
