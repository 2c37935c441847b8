"""The offline checker: engine emulation (config reconciliation, levels, attribution), the report, the CLI,
and the real dev/prod programs end to end."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import struct_pb2
from pulumi_policy import EnforcementLevel, StackValidationPolicy
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from policies.rules import ALL_POLICIES, META, aws, cloudflare
from scripts.offline import Recording
from scripts.policy_check import (
    PolicyConfigError,
    PolicyReport,
    Violation,
    check,
    main,
    new_analyzer,
    print_report,
    reconcile,
    stack_urn,
)

from .cases import LB, RDS
from .harness import Res, patch, recording, run

INFO = new_analyzer().GetAnalyzerInfo(None, None).policies
PUBLIC_DB = [Res(aws.RDS_INSTANCE, "db", patch(RDS, {"publiclyAccessible": True}))]


# --- config reconciliation (what the engine does before Configure) ------------------------------------------


def test_defaults_and_levels_come_from_the_policies() -> None:
    config = reconcile(INFO, "prod", {})
    assert config["aws-rds-backup-retention"] == ("mandatory", {"minRetentionDays": 7})
    assert config["aws-s3-acls-disabled"] == ("advisory", {})
    assert config["aws-rds-multi-az"] == ("advisory", {"environment": "prod"})
    assert set(config) == set(META)


def test_all_then_per_policy_levels() -> None:
    config = reconcile(INFO, "prod", {"all": "advisory", "aws-rds-not-public": {"enforcementLevel": "mandatory"}})
    assert {level for name, (level, _) in config.items() if name != "aws-rds-not-public"} == {"advisory"}
    assert config["aws-rds-not-public"][0] == "mandatory"


def test_settings_merge_over_defaults() -> None:
    config = reconcile(INFO, "dev", {"kubernetes-spot-pools": {"allowSpot": False}})
    assert config["kubernetes-spot-pools"] == ("advisory", {"allowSpot": False, "requireTaint": True})


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"aws-rds-nope": "mandatory"}, "aws-rds-nope: no such policy"),
        ({"aws-rds-not-public": "blocking"}, "'blocking' is not one of"),
        ({"aws-rds-backup-retention": {"minRetentionDays": "seven"}}, "expected integer"),
        ({"aws-rds-backup-retention": {"minRetentionDays": 7.5}}, "expected integer"),
        ({"aws-rds-backup-retention": {"minRetentionDays": 0}}, "below the minimum 1"),
        ({"aws-rds-backup-retention": {"minRetentionDays": 7, "days": 3}}, "days: not a setting"),
        ({"kubernetes-supported-version": {"allowedVersions": ["1.35", "2"]}}, "[1] '2' does not match"),
        ({"aws-eks-audit-logs": {"requiredLogTypes": ["audit", "kubelet"]}}, '[1] "kubelet" is not one of'),
        ({"aws-rds-multi-az": {"environment": "dev"}}, "the stack's environment is 'prod'"),
        ({"all": {"enforcementLevel": "advisory", "minRetentionDays": 1}}, "all: only an enforcement level"),
        ({"aws-rds-not-public": 3}, "expected an enforcement level or an object"),
    ],
)
def test_config_problems_are_reported(config: dict, problem: str) -> None:
    with pytest.raises(PolicyConfigError) as err:
        reconcile(INFO, "prod", config)
    assert any(problem in p for p in err.value.problems), err.value.problems


def test_levels_are_configurable_per_stack() -> None:
    assert [v.level for v in run("aws-rds-not-public", PUBLIC_DB).violations] == ["mandatory"]
    assert [v.level for v in run("aws-rds-not-public", PUBLIC_DB, {"aws-rds-not-public": "advisory"}).violations] == [
        "advisory"
    ]
    assert run("aws-rds-not-public", PUBLIC_DB, {"aws-rds-not-public": "disabled"}).violations == []
    assert run("aws-rds-not-public", PUBLIC_DB, {"all": "disabled"}).violations == []


def test_remediate_level_reports_as_mandatory() -> None:
    """A validate-only policy set to remediate still blocks (pulumi-policy downgrades to mandatory)."""
    assert [v.level for v in run("aws-rds-not-public", PUBLIC_DB, {"aws-rds-not-public": "remediate"}).violations] == [
        "mandatory"
    ]


def test_prod_only_rules_are_not_applicable_in_dev() -> None:
    resources = [Res(aws.RDS_INSTANCE, "db", patch(RDS, {"multiAz": False}))]
    prod = run("aws-rds-multi-az", resources)
    dev = run("aws-rds-multi-az", resources, environment="dev")
    assert [v.policy for v in prod.violations] == ["aws-rds-multi-az"] and prod.not_applicable == 0
    assert dev.violations == [] and dev.not_applicable == 1


def test_stack_diagnostics_without_urn_go_to_the_root_stack() -> None:
    policy = StackValidationPolicy(
        name="always",
        description="always",
        enforcement_level=EnforcementLevel.MANDATORY,
        validate=lambda args, report: report("whole stack", None),
    )
    report = check(recording([Res(aws.VPC, "vpc")]), "prod", {}, policies=[policy])
    assert report.violations == [
        Violation("always", stack_urn(recording([]), "proj"), "(stack)", "mandatory", "whole stack")
    ]


def test_messages_drop_the_description_prefix() -> None:
    [violation] = run("aws-rds-not-public", PUBLIC_DB).violations
    assert violation.message.startswith("publiclyAccessible is true")
    assert "Remediation" not in violation.message


# --- report ------------------------------------------------------------------------------------------------


def test_print_report_without_violations() -> None:
    out = io.StringIO()
    print_report(PolicyReport(policies=73, resources=10), out)
    assert out.getvalue() == "no violations (73 policies, 10 resources)\n"


def test_print_report_aligns_columns_mandatory_first() -> None:
    report = PolicyReport(
        violations=[
            Violation("required-tags", "urn:a", "a-long-resource-name", "advisory", "tags lack owner"),
            Violation("aws-rds-not-public", "urn:b", "db", "mandatory", "publiclyAccessible is true"),
        ],
        policies=2,
        resources=2,
    )
    out = io.StringIO()
    print_report(report, out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["POLICY", "RESOURCE", "LEVEL", "MESSAGE"]
    assert lines[1].startswith("aws-rds-not-public") and "mandatory" in lines[1]
    assert (
        len({line.index(word) for line, word in zip(lines[:3], ["LEVEL", "mandatory", "advisory"], strict=True)}) == 1
    )
    assert lines[-1] == "2 violation(s): 1 mandatory, 1 advisory (2 policies, 2 resources)"
    assert report.mandatory == 1 and report.advisory == 1


# --- the real programs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_files_have_no_mandatory_violation(recorded: Callable[[str], Recording], stack: str) -> None:
    report = check(recorded(stack), stack)
    assert report.mandatory == 0, [v for v in report.violations if v.level == "mandatory"]
    assert report.resources == len(recorded(stack).resources) and report.policies == len(ALL_POLICIES)


def test_dev_program_checked_as_prod_fails(recorded: Callable[[str], Recording]) -> None:
    """Environment awareness: the dev program breaks the prod-only rules."""
    report = check(recorded("dev"), "prod", {})
    flagged = {v.policy for v in report.violations if v.level == "mandatory"}
    assert {"aws-rds-deletion-protection", "prod-stateful-protected", "aws-eks-private-endpoint"} <= flagged
    assert "aws-rds-multi-az" in {v.policy for v in report.violations if v.level == "advisory"}


def _replace(recording: Recording, urn: str, **changes: Any) -> Recording:
    resources = [dataclasses.replace(r, **changes) if r.urn == urn else r for r in recording.resources]
    return dataclasses.replace(recording, resources=resources)


def test_public_database_is_mandatory(recorded: Callable[[str], Recording]) -> None:
    prod = recorded("prod")
    instance = prod.of_type(aws.RDS_INSTANCE)[0]
    assert instance.properties is not None
    properties = struct_pb2.Struct()
    properties.CopyFrom(instance.properties)
    properties["publiclyAccessible"] = True
    report = check(_replace(prod, instance.urn, properties=properties), "prod")
    assert [(v.policy, v.resource_urn, v.level) for v in report.violations] == [
        ("aws-rds-not-public", instance.urn, "mandatory")
    ]
    assert instance.properties["publiclyAccessible"] is False  # the cached recording is untouched


def test_bucket_without_encryption_is_mandatory(recorded: Callable[[str], Recording]) -> None:
    prod = recorded("prod")
    encryption = prod.of_type(aws.S3_ENCRYPTION)[0]
    bucket = next(b for b in prod.of_type(aws.S3_BUCKET) if b.urn in encryption.dependencies)
    stripped = dataclasses.replace(prod, resources=[r for r in prod.resources if r.urn != encryption.urn])
    report = check(stripped, "prod")
    assert [(v.policy, v.resource_urn, v.level) for v in report.violations] == [
        ("storage-bucket-companions", bucket.urn, "mandatory")
    ]
    assert "default encryption" in report.violations[0].message


def test_cli_prod_exits_zero(cli_prod: subprocess.Popen[str]) -> None:
    """`python -m scripts.policy_check --stack prod` in a subprocess (started early by conftest.py)."""
    stdout, stderr = cli_prod.communicate(timeout=300)
    assert cli_prod.returncode == 0, stderr
    assert "stack prod (prod)" in stdout


def test_cli_exits_three_on_mandatory_violations(
    recorded: Callable[[str], Recording],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("scripts.plan.plan", lambda stack, project_dir: recorded(stack))  # reuse the recording
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"aws-rds-backup-retention": {"minRetentionDays": 30}}))
    assert main(["--stack", "prod", "--config", str(strict)]) == 3
    out = capsys.readouterr().out
    assert "aws-rds-backup-retention" in out and "mandatory" in out


def test_cli_exits_two_on_config_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert main(["--stack", "prod", "--config", str(broken)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["--stack", "prod", "--config", str(tmp_path / "absent.json")]) == 2
    assert main(["--stack", "nope"]) == 2


def test_per_type_analyzers_report_what_one_analyzer_reports() -> None:
    """`check(by_type=True)` (the default) is an optimisation: same diagnostics as the engine's single analyzer."""
    stack = recording(
        [
            Res(aws.RDS_INSTANCE, "db", patch(RDS, {"publiclyAccessible": True, "multiAz": False, "tags": {}})),
            Res(aws.VPC, "vpc", {"tags": {"owner": "x"}}),
            Res(aws.S3_BUCKET, "bucket", {"bucket": "b"}),
            Res("kubernetes:apps/v1:Deployment", "app", {"metadata": {"namespace": "apps"}, "spec": {}}),
            Res("random:index/randomPassword:RandomPassword", "password", {"length": 32}),
        ]
    )
    fast, engine = check(stack, "prod", {}), check(stack, "prod", {}, by_type=False)
    assert sorted(map(repr, fast.violations)) == sorted(map(repr, engine.violations))
    assert len(fast.violations) >= 8


def test_unknown_references_count_as_given_during_preview() -> None:
    """In a real preview, ids and ARNs of resources being created are unknown: key, pool and monitor
    references then count as set, and the rule still judges the known properties."""
    unknown_key = patch(RDS, {"kmsKeyId": UNKNOWN_STRING_VALUE})
    assert run("aws-rds-encryption-customer-key", [Res(aws.RDS_INSTANCE, "db", unknown_key)]).violations == []
    unencrypted = patch(unknown_key, {"storageEncrypted": False})
    assert [
        v.level for v in run("aws-rds-encryption-customer-key", [Res(aws.RDS_INSTANCE, "db", unencrypted)]).violations
    ] == ["mandatory"]
    lb = patch(LB, {"defaultPools": [UNKNOWN_STRING_VALUE, UNKNOWN_STRING_VALUE], "fallbackPool": UNKNOWN_STRING_VALUE})
    assert run("cloudflare-lb-fallback", [Res(cloudflare.LOAD_BALANCER, "lb", lb)]).violations == []


def test_unknown_judged_values_are_undecided_not_the_engines_preview_advisory() -> None:
    """A rule reading a value unknown during preview reports itself undecided (re-checked on up), where
    pulumi-policy on its own would report an advisory "can't run policy" (see test_preview.py)."""
    pab = {"bucket": "b", "blockPublicAcls": UNKNOWN_STRING_VALUE}
    report = run("aws-s3-public-access-block", [Res(aws.S3_PUBLIC_ACCESS_BLOCK, "pab", pab)])
    assert report.violations == [] and report.downgraded == []
    assert [(u.policy, u.resource_name) for u in report.undecided] == [("aws-s3-public-access-block", "pab")]
