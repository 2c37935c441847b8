"""Where one AWS region's VPN tunnels report: their CloudWatch log group and the SNS topic their alarms notify."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class AwsMeshWatchArgs:
    """Inputs of AwsMeshWatch."""

    emails: Sequence[str]
    """Subscribers of the alarm topic (each confirms its subscription once)."""
    log_retention_days: int
    """Retention of the tunnel logs (a CloudWatch Logs value)."""
    logs_key_arn: pulumi.Input[str]
    """KMS key of the region's log groups."""
    tags: dict[str, str]


class AwsMeshWatch(pulumi.ComponentResource):
    """An SNS topic with one e-mail subscription per address (alarm and OK notifications of the region's tunnels)
    and a KMS-encrypted log group the tunnels write their IKE/IPsec and BGP logs to. The topic keeps SNS's default
    encryption at rest: CloudWatch alarms cannot publish to a topic under the AWS-managed `aws/sns` key
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html)."""

    topic_arn: pulumi.Output[str]
    """The alarm topic."""
    log_group_arn: pulumi.Output[str]
    """The tunnel log group."""

    def __init__(self, name: str, args: AwsMeshWatchArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:aws:MeshWatch", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        topic = aws.sns.Topic(f"{name}-alarms", name=f"{name}-alarms", tags=args.tags, opts=child)
        for i, email in enumerate(args.emails):
            aws.sns.TopicSubscription(
                f"{name}-alarms-{i}", topic=topic.arn, protocol="email", endpoint=email, opts=child
            )
        group = aws.cloudwatch.LogGroup(
            f"{name}-tunnel-logs",
            name=f"/vpn/{name}/tunnels",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.logs_key_arn,
            tags=args.tags,
            opts=child,
        )
        self.topic_arn = topic.arn
        self.log_group_arn = group.arn
        self.register_outputs({"topic_arn": self.topic_arn, "log_group_arn": self.log_group_arn})
