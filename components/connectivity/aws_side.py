"""The AWS half of a mesh leg: one BGP VPN connection (two tunnels) to one peer address."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from ..lib.tunnels import Tunnel
from .ends import AwsEnd
from .ipsec import AWS_TUNNEL_OPTIONS, aws_tunnel_args


def aws_connection(
    name: str,
    aws_end: AwsEnd,
    peer_ip: pulumi.Input[str],
    peer_asn: int,
    tunnels: tuple[Tunnel, Tunnel],
    psks: dict[int, pulumi.Output[str]],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> aws.ec2.VpnConnection:
    """A customer gateway for `peer_ip` (`<name>-cgw`) and a BGP VPN connection to it (`<name>`) whose two tunnels
    are `tunnels`, each on its inside /30 and its own key."""
    customer_gateway = aws.ec2.CustomerGateway(
        f"{name}-cgw",
        ip_address=peer_ip,
        bgp_asn=str(peer_asn),
        type="ipsec.1",
        tags={**tags, "Name": f"{name}-cgw"},
        opts=opts,
    )
    first, second = tunnels
    connection = aws.ec2.VpnConnection(
        name,
        vpn_gateway_id=aws_end.gateway_id,
        customer_gateway_id=customer_gateway.id,
        type="ipsec.1",
        static_routes_only=False,
        tunnel1_inside_cidr=str(first.inside_cidr),
        tunnel2_inside_cidr=str(second.inside_cidr),
        tunnel1_preshared_key=psks[first.number],
        tunnel2_preshared_key=psks[second.number],
        **aws_tunnel_args(AWS_TUNNEL_OPTIONS),
        **tunnel_logs(aws_end),
        tags={**tags, "Name": name},
        opts=opts,
    )
    topic = aws_end.alarm_topic_arn
    if topic is not None:
        for n, outside_ip in ((1, connection.tunnel1_address), (2, connection.tunnel2_address)):
            tunnel_state_alarm(f"{name}-tunnel{n}-state", connection.id, outside_ip, topic, tags, opts)
    return connection


TUNNEL_STATE_PERIOD = 300
"""TunnelState is 1 while the tunnel is up (for a BGP connection: up with BGP established) and 0 while down
(https://docs.aws.amazon.com/vpn/latest/s2svpn/monitoring-cloudwatch-vpn.html): the alarm fires when a tunnel's
maximum over one 5-minute period is below 1, i.e. it was down for the whole period (a flap inside it does not page)."""


def tunnel_logs(aws_end: AwsEnd) -> dict[str, Any]:
    """`tunnel1_log_options`/`tunnel2_log_options`: IKE/IPsec and BGP logs of both tunnels to the region's group."""
    if aws_end.tunnel_log_group_arn is None:
        return {}
    options = {
        "cloudwatch_log_options": {
            "log_enabled": True,
            "log_group_arn": aws_end.tunnel_log_group_arn,
            "log_output_format": "json",
            "bgp_log_enabled": True,
            "bgp_log_group_arn": aws_end.tunnel_log_group_arn,
            "bgp_log_output_format": "json",
        }
    }
    return {"tunnel1_log_options": options, "tunnel2_log_options": options}


def tunnel_state_alarm(
    name: str,
    vpn_id: pulumi.Input[str],
    outside_ip: pulumi.Input[str],
    topic_arn: pulumi.Input[str],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.MetricAlarm:
    """The alarm on one tunnel's `AWS/VPN` `TunnelState` (dimensions: the connection and the tunnel's outside IP);
    no data counts as down (a tunnel that reports nothing is not carrying traffic)."""
    return aws.cloudwatch.MetricAlarm(
        name,
        name=name,
        alarm_description="VPN tunnel down (TunnelState < 1: IPsec or BGP down)",
        namespace="AWS/VPN",
        metric_name="TunnelState",
        dimensions={"VpnId": vpn_id, "TunnelIpAddress": outside_ip},
        statistic="Maximum",
        period=TUNNEL_STATE_PERIOD,
        evaluation_periods=1,
        threshold=1,
        comparison_operator="LessThanThreshold",
        treat_missing_data="breaching",
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
        tags=tags,
        opts=opts,
    )
