"""Where the platform's alerts go, as the recorded stacks deploy it: the central Alertmanager publishes every alert
to the stack's SNS alert topic with a role only its service account can assume, the emergency budget pages through
the same topic, and the Alertmanager configuration the chart renders passes `amtool check-config`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi_aws as aws
import pytest
import yaml

from components.lib.alertmanager import (
    NULL_RECEIVER,
    PLATFORM_RECEIVER,
    SNS_SUBJECT_LIMIT,
    SnsTarget,
    alertmanager_config,
    sns_subject,
)
from components.workloads.monitoring import ALERTMANAGER_SERVICE_ACCOUNT, NAMESPACE
from scripts.offline import Recording, Registration
from tests.aws.helpers import depends_on, named, of_type, one, policy
from tests.workloads.helpers import run_tool, tool
from tests.workloads.test_monitoring import STACKS, release, values
from tests.workloads.test_platform_workloads import clusters

TOPIC_COMPONENT = "multicloud:aws:AlertTopic"


def alert_topic(rec: Recording) -> Registration:
    return one(r for r in rec.resources if r.type == TOPIC_COMPONENT)


def topic_of(rec: Recording) -> Registration:
    return named(rec, aws.sns.Topic, "-topic", alert_topic(rec))


@pytest.mark.parametrize("stack", STACKS)
def test_the_central_alertmanager_routes_every_alert_to_the_stack_topic_with_its_own_role(recorded, stack):
    rec = recorded(stack)
    central, *others = clusters(stack)
    assert central[0] == "aws"  # both stacks' central cluster is an EKS cluster
    manager = values(rec, *central)["alertmanager"]
    route = manager["config"]["route"]
    assert route["receiver"] == PLATFORM_RECEIVER
    assert route["routes"] == [{"receiver": NULL_RECEIVER, "matchers": ['alertname =~ "Watchdog|InfoInhibitor"']}]
    receivers = {r["name"]: r for r in manager["config"]["receivers"]}
    (sns,) = receivers[PLATFORM_RECEIVER]["sns_configs"]
    assert sns == {
        "topic_arn": topic_of(rec).outputs["arn"],
        "sigv4": {"region": central[1]},
        "subject": sns_subject(),
        "send_resolved": True,
    }
    assert "access_key" not in sns["sigv4"] and "secret_key" not in sns["sigv4"]  # credentials come from IRSA
    role = named(rec, aws.iam.Role, "-publisher", alert_topic(rec))
    account = manager["serviceAccount"]
    assert account["name"] == ALERTMANAGER_SERVICE_ACCOUNT
    assert account["annotations"] == {"eks.amazonaws.com/role-arn": role.outputs["arn"]}
    for cloud, region in others:
        assert values(rec, cloud, region)["alertmanager"] == {"enabled": False}


@pytest.mark.parametrize("stack", STACKS)
def test_only_the_alertmanager_service_account_assumes_the_publisher_role_and_it_may_only_publish(recorded, stack):
    rec = recorded(stack)
    component = alert_topic(rec)
    role = named(rec, aws.iam.Role, "-publisher", component)
    (trust,) = policy(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    (sub,) = [v for k, v in trust["Condition"]["StringEquals"].items() if k.endswith(":sub")]
    assert sub == f"system:serviceaccount:{NAMESPACE}:{ALERTMANAGER_SERVICE_ACCOUNT}"
    provider = one(r for r in rec.resources if r.type == "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
                   and r.outputs["arn"] == trust["Principal"]["Federated"])
    assert provider.name.startswith(f"flow-{stack}-aws-use1")  # the central EKS cluster's own issuer
    (permission,) = of_type(rec, aws.iam.RolePolicy, component)
    assert policy(permission.inputs["policy"])["Statement"] == [
        {"Sid": "PublishAlerts", "Effect": "Allow", "Action": "sns:Publish", "Resource": topic_of(rec).outputs["arn"]}
    ]
    assert depends_on(release(rec, *clusters(stack)[0]), permission)  # IAM is eventually consistent


@pytest.mark.parametrize("stack", STACKS)
def test_the_topic_takes_budgets_of_this_account_and_tls_only_and_the_emergency_budget_pages_through_it(
    recorded, stack
):
    rec = recorded(stack)
    topic = topic_of(rec)
    topic_policy = named(rec, aws.sns.TopicPolicy, "-policy", alert_topic(rec))
    statements = {s["Sid"]: s for s in policy(topic_policy.inputs["policy"])["Statement"]}
    account = topic.outputs["arn"].split(":")[4]
    assert statements["BudgetsPublish"]["Resource"] == topic.outputs["arn"]
    assert statements["BudgetsPublish"]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": account},
        "ArnLike": {"aws:SourceArn": f"arn:aws:budgets::{account}:*"},
    }
    assert statements["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    subscriptions = of_type(rec, aws.sns.TopicSubscription, alert_topic(rec))
    assert subscriptions and all(s.inputs["protocol"] == "email" for s in subscriptions)
    budgets = {b.name.rsplit("-", 1)[-1]: b for b in of_type(rec, aws.budgets.Budget)}
    (page,) = budgets["emergency"].inputs["notifications"]
    assert page["subscriberSnsTopicArns"] == [topic.outputs["arn"]]
    assert depends_on(budgets["emergency"], topic_policy)  # Budgets checks it may publish
    for kind in ("monthly", "daily"):
        assert all(not n.get("subscriberSnsTopicArns") for n in budgets[kind].inputs["notifications"]), kind


def write_config(tmp_path: Path, config: dict[str, Any]) -> Path:
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(json.loads(json.dumps(config))))
    return path


@pytest.mark.parametrize("stack", STACKS)
def test_amtool_accepts_the_central_alertmanager_configuration(recorded, stack, tmp_path: Path):
    config = values(recorded(stack), *clusters(stack)[0])["alertmanager"]["config"]
    checked = run_tool(tool("amtool"), "check-config", str(write_config(tmp_path, config)))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert " - 2 receivers" in checked.stdout and " - 4 inhibit rules" in checked.stdout


def test_amtool_accepts_the_configuration_without_a_target_and_rejects_a_broken_one(tmp_path: Path):
    empty = write_config(tmp_path, alertmanager_config(None))
    assert run_tool(tool("amtool"), "check-config", str(empty)).returncode == 0
    broken = alertmanager_config(SnsTarget("arn:aws:sns:us-east-1:123456789012:alerts", "us-east-1"))
    broken["route"]["receiver"] = "nobody"  # a route to a receiver that does not exist
    assert run_tool(tool("amtool"), "check-config", str(write_config(tmp_path, broken))).returncode != 0


def render(tmp_path: Path, text: str) -> str:
    (tmp_path / "empty.tmpl").write_text("")
    rendered = run_tool(
        tool("amtool"), "template", "render", f"--template.glob={tmp_path}/empty.tmpl", f"--template.text={text}"
    )
    assert rendered.returncode == 0, rendered.stderr
    return rendered.stdout.rstrip("\n")


def test_the_sns_subject_stays_within_what_sns_accepts_whatever_the_labels(tmp_path: Path):
    # SNS refuses a subject of 100 characters or more, non-ASCII or with a line break; amtool renders the template
    # with the longest, most hostile label values in place of the group labels.
    hostile = '"' + "é\\n" + "x" * 300 + '"'
    worst = sns_subject().replace(".Status", '"resolved"')
    for label in ("alertname", "cloud", "region"):
        worst = worst.replace(f".GroupLabels.{label}", hostile)
    subject = render(tmp_path, worst)
    assert subject.startswith("[RESOLVED] x")
    assert len(subject) < SNS_SUBJECT_LIMIT and subject.isascii() and "\n" not in subject, subject
    plain = sns_subject().replace(".Status", '"firing"').replace(".GroupLabels.alertname", '"CloudProviderDown"')
    plain = plain.replace(".GroupLabels.cloud", '"aws"').replace(".GroupLabels.region", '"us-east-1"')
    assert render(tmp_path, plain) == "[FIRING] CloudProviderDown aws/us-east-1"


@pytest.mark.parametrize("stack", STACKS)
def test_chart_upgrades_bring_their_crds_through_the_charts_upgrade_job(recorded, stack):
    rec = recorded(stack)
    for cloud, region in clusters(stack):
        crds = values(rec, cloud, region)["crds"]
        assert crds["enabled"] is True
        job = crds["upgradeJob"]
        assert job["enabled"] is True and job["forceConflicts"] is True
        assert job["image"]["busybox"]["tag"] not in ("", "latest")  # pinned
