"""Mesh observability on the recorded stacks: an alarm on every AWS tunnel's TunnelState and tunnel logs, Azure
Monitor alerts and diagnostics on every VPN gateway, Cloud Monitoring policies on every GCP region's tunnels and
BGP sessions, Cloudflare notifications on every pool; each routed to the stack's alert addresses."""

from __future__ import annotations

from collections.abc import Callable

import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_cloudflare as cloudflare
import pulumi_gcp as gcp
import pytest

from scripts.offline import Recording, Registration
from tests.conftest import stack_settings as settings

STACKS = ("dev", "prod")
mon = azure_native.monitor


def provider_region(rec: Recording, r: Registration) -> str:
    return rec.by_urn()[r.provider_urn].inputs["region"]


@pytest.mark.parametrize("stack", STACKS)
def test_every_aws_tunnel_has_a_tunnel_state_alarm_to_its_regions_topic(
    recorded: Callable[[str], Recording], stack: str
) -> None:
    rec = recorded(stack)
    connections = rec.of_type(aws.ec2.VpnConnection.pulumi_type)
    alarms = rec.of_type(aws.cloudwatch.MetricAlarm.pulumi_type)
    assert connections and len(alarms) == 2 * len(connections)
    topics = {provider_region(rec, t): t.outputs["arn"] for t in rec.of_type(aws.sns.Topic.pulumi_type)}
    by_tunnel = {(a.inputs["dimensions"]["VpnId"], a.inputs["dimensions"]["TunnelIpAddress"]): a for a in alarms}
    for connection in connections:
        for n in (1, 2):
            alarm = by_tunnel[(connection.id, connection.outputs[f"tunnel{n}Address"])]
            inputs = alarm.inputs
            assert (inputs["namespace"], inputs["metricName"], inputs["statistic"]) == (
                "AWS/VPN",
                "TunnelState",
                "Maximum",
            )
            assert (inputs["comparisonOperator"], inputs["threshold"]) == ("LessThanThreshold", 1)
            assert inputs["period"] == 300 and inputs["evaluationPeriods"] == 1
            assert inputs["treatMissingData"] == "breaching"
            region = provider_region(rec, alarm)
            assert region == provider_region(rec, connection)
            assert inputs["alarmActions"] == inputs["okActions"] == [topics[region]]


@pytest.mark.parametrize("stack", STACKS)
def test_every_aws_tunnel_logs_ike_and_bgp_to_its_regions_log_group(
    recorded: Callable[[str], Recording], stack: str
) -> None:
    rec = recorded(stack)
    groups = {
        provider_region(rec, g): g.outputs["arn"]
        for g in rec.of_type(aws.cloudwatch.LogGroup.pulumi_type)
        if g.inputs["name"].endswith("/tunnels")
    }
    for connection in rec.of_type(aws.ec2.VpnConnection.pulumi_type):
        arn = groups[provider_region(rec, connection)]
        for n in (1, 2):
            options = connection.inputs[f"tunnel{n}LogOptions"]["cloudwatchLogOptions"]
            assert options["logEnabled"] is options["bgpLogEnabled"] is True
            assert options["logGroupArn"] == options["bgpLogGroupArn"] == arn


@pytest.mark.parametrize("stack", STACKS)
def test_alarm_topics_mail_the_alert_addresses(recorded: Callable[[str], Recording], stack: str) -> None:
    rec = recorded(stack)
    emails = settings(stack).alert_emails()
    assert emails
    for topic in rec.of_type(aws.sns.Topic.pulumi_type):
        subscriptions = [
            s for s in rec.of_type(aws.sns.TopicSubscription.pulumi_type) if s.inputs["topic"] == topic.outputs["arn"]
        ]
        assert sorted(s.inputs["endpoint"] for s in subscriptions) == sorted(emails)
        assert {s.inputs["protocol"] for s in subscriptions} == {"email"}


@pytest.mark.parametrize("stack", STACKS)
def test_every_azure_vpn_gateway_has_bgp_and_tunnel_alerts_and_diagnostics(
    recorded: Callable[[str], Recording], stack: str
) -> None:
    rec = recorded(stack)
    gateways = rec.of_type(azure_native.network.VirtualNetworkGateway.pulumi_type)
    assert gateways
    groups = {g.outputs["id"]: g for g in rec.of_type(mon.ActionGroup.pulumi_type)}
    emails = sorted(settings(stack).alert_emails())
    for group in groups.values():
        assert sorted(r["emailAddress"] for r in group.inputs["emailReceivers"]) == emails
    alerts = rec.of_type(mon.MetricAlert.pulumi_type)
    assert len(alerts) == 2 * len(gateways)
    for gateway in gateways:
        mine = [a for a in alerts if a.inputs["scopes"] == [gateway.outputs["id"]]]
        criteria = {c["metricName"]: c for a in mine for c in a.inputs["criteria"]["allOf"]}
        assert set(criteria) == {"BgpPeerStatus", "TunnelAverageBandwidth"}
        assert {d["name"] for c in criteria.values() for d in c["dimensions"]} == {"BgpPeerAddress", "ConnectionName"}
        for c in criteria.values():
            assert (c["operator"], c["threshold"], c["timeAggregation"]) == ("LessThan", 1, "Maximum")
            assert c["metricNamespace"] == "Microsoft.Network/virtualNetworkGateways"
        for alert in mine:
            (action,) = alert.inputs["actions"]
            assert action["actionGroupId"] in groups
        (diagnostics,) = [
            d
            for d in rec.of_type(mon.DiagnosticSetting.pulumi_type)
            if d.inputs["resourceUri"] == gateway.outputs["id"]
        ]
        assert diagnostics.inputs["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
        workspace = diagnostics.inputs["workspaceId"]
        assert f"/resourceGroups/{gateway.inputs['resourceGroupName']}/" in workspace


@pytest.mark.parametrize("stack", STACKS)
def test_every_gcp_mesh_region_has_tunnel_and_bgp_policies_on_the_budget_channels(
    recorded: Callable[[str], Recording], stack: str
) -> None:
    rec = recorded(stack)
    tunnel_regions = {t.inputs["region"] for t in rec.of_type(gcp.compute.VPNTunnel.pulumi_type)}
    mesh = rec.of_type("multicloud:gcp:MeshAlerts")  # (the data sync's failure alert is another component's)
    policies = [p for p in rec.of_type(gcp.monitoring.AlertPolicy.pulumi_type) if p.parent in {m.urn for m in mesh}]
    channels = [c.outputs.get("id") or c.id for c in rec.of_type(gcp.monitoring.NotificationChannel.pulumi_type)]
    assert tunnel_regions and len(policies) == 2 * len(tunnel_regions)
    covered = set()
    for policy in policies:
        (condition,) = policy.inputs["conditions"]
        threshold = condition["conditionThreshold"]
        assert (threshold["comparison"], threshold["thresholdValue"], threshold["duration"]) == (
            "COMPARISON_LT",
            1,
            "300s",
        )
        metric = threshold["filter"].split('"')[1]
        region = threshold["filter"].split('resource.label.region = "')[1].rstrip('"')
        assert metric in ("vpn.googleapis.com/tunnel_established", "router.googleapis.com/bgp/session_up")
        (aggregation,) = threshold["aggregations"]
        assert aggregation["groupByFields"] == [
            "metric.label.tunnel_name" if metric.startswith("vpn.") else "metric.label.bgp_peer_name"
        ]
        covered.add((metric, region))
        # the budget's e-mail channels are reused: no second channel per address
        assert sorted(policy.inputs["notificationChannels"]) == sorted(channels)
    assert len(channels) == len(settings(stack).alert_emails())
    assert covered == {
        (m, r)
        for r in tunnel_regions
        for m in ("vpn.googleapis.com/tunnel_established", "router.googleapis.com/bgp/session_up")
    }


@pytest.mark.parametrize("stack", STACKS)
def test_cloudflare_notifies_on_every_pools_health_and_enablement(
    recorded: Callable[[str], Recording], stack: str
) -> None:
    rec = recorded(stack)
    pools = sorted(p.id for p in rec.of_type(cloudflare.LoadBalancerPool.pulumi_type))
    policies = {p.inputs["alertType"]: p for p in rec.of_type(cloudflare.NotificationPolicy.pulumi_type)}
    assert set(policies) == {"load_balancing_health_alert", "load_balancing_pool_enablement_alert"}
    for policy in policies.values():
        assert sorted(policy.inputs["filters"]["poolIds"]) == pools and pools
        assert sorted(m["id"] for m in policy.inputs["mechanisms"]["emails"]) == sorted(settings(stack).alert_emails())
    assert policies["load_balancing_health_alert"].inputs["filters"]["newHealths"] == ["Unhealthy", "Healthy"]


def test_alerts_go_to_their_own_addresses_else_the_budget_addresses() -> None:
    from components.settings import load_settings
    from tests.conftest import stack_config

    assert settings("prod").alert_emails() == ["platform-team@example.com", "oncall@example.com"]
    own = load_settings("prod", stack_config("prod", mesh_alerts={"notify": ["noc@example.com"]}))
    assert own.alert_emails() == ["noc@example.com"]
