"""The stack's alert topic on AWS: where the emergency budget pages on-call and the central Alertmanager sends the
platform's alerts, with one e-mail subscription per notification target."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from .policies import document, irsa_trust_policy


@dataclass(frozen=True)
class ServiceAccountIdentity:
    """A Kubernetes service account of an EKS cluster, as IRSA names it."""

    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    namespace: str
    service_account: str


@dataclass(frozen=True)
class AwsAlertTopicArgs:
    """Inputs of AwsAlertTopic."""

    topic_name: str
    region: str
    """Region of the topic (the provider's)."""
    role_name: str
    """Name of the publisher role (IAM names are account-wide: the stack's prefix)."""
    emails: Sequence[str]
    """Subscribers (each confirms its subscription once)."""
    publisher: ServiceAccountIdentity | None
    """The central Alertmanager's service account (None: the central cluster is not on AWS)."""
    tags: dict[str, str]


class AwsAlertTopic(pulumi.ComponentResource):
    """An SNS topic only AWS Budgets (for this account's budgets) and the Alertmanager's own role may publish to,
    over TLS only, and that role (IRSA: only the Alertmanager's service account may assume it). The topic keeps SNS's
    default encryption at rest: Budgets cannot publish to a topic under the AWS-managed `aws/sns` key
    (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html)."""

    topic_arn: pulumi.Output[str]
    publisher_role_arn: pulumi.Output[str] | None
    """The Alertmanager's role (None without a publisher)."""
    ready: list[pulumi.Resource]
    """What a publisher waits for: the topic policy (Budgets checks it can publish) and the role's permission."""

    def __init__(self, name: str, args: AwsAlertTopicArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:aws:AlertTopic", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        topic = aws.sns.Topic(f"{name}-topic", name=args.topic_name, tags=args.tags, opts=child)
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        policy = aws.sns.TopicPolicy(
            f"{name}-policy",
            arn=topic.arn,
            # Built from the topic's name, so a preview of a new stack already judges the document.
            policy=identity.account_id.apply(
                lambda account: topic_policy(topic_arn(args.region, account, args.topic_name), account)
            ),
            opts=child,
        )
        for i, email in enumerate(args.emails):
            aws.sns.TopicSubscription(
                f"{name}-email-{i}", topic=topic.arn, protocol="email", endpoint=email, opts=child
            )
        self.ready = [policy]
        self.publisher_role_arn = None
        if args.publisher is not None:
            p = args.publisher
            role = aws.iam.Role(
                f"{name}-publisher",
                name=args.role_name,
                assume_role_policy=pulumi.Output.all(p.oidc_provider_arn, p.oidc_issuer_url).apply(
                    lambda v: irsa_trust_policy(v[0], v[1], p.namespace, p.service_account)
                ),
                tags=args.tags,
                opts=child,
            )
            permission = aws.iam.RolePolicy(
                f"{name}-publish",
                role=role.name,
                policy=topic.arn.apply(publish_policy),
                opts=child,
            )
            self.ready.append(permission)
            self.publisher_role_arn = role.arn
        self.topic_arn = topic.arn
        self.register_outputs({"topic_arn": self.topic_arn, "publisher_role_arn": self.publisher_role_arn})


def topic_arn(region: str, account_id: str, topic_name: str) -> str:
    """ARN of a standard SNS topic."""
    return f"arn:aws:sns:{region}:{account_id}:{topic_name}"


def topic_policy(topic_arn: str, account_id: str) -> str:
    """Budgets of this account may publish (the confused-deputy conditions of the Budgets guide); the account's own
    roles publish through their IAM policies (same-account access needs no topic statement); nothing publishes
    except over TLS (https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html)."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "BudgetsPublish",
            "Effect": "Allow",
            "Principal": {"Service": "budgets.amazonaws.com"},
            "Action": "SNS:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": f"arn:aws:budgets::{account_id}:*"},
            },
        },
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "SNS:Publish",
            "Resource": topic_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]
    return document(*statements)


def publish_policy(topic_arn: str) -> str:
    """Publishing to this one topic, nothing else."""
    return document({"Sid": "PublishAlerts", "Effect": "Allow", "Action": "sns:Publish", "Resource": topic_arn})
