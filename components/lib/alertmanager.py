"""The central Alertmanager's configuration: every alert of the platform to the stack's notification targets.

Pure: plain data in, plain data out (kube-prometheus-stack's `alertmanager.config`). The tests feed what this
renders to `amtool check-config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NULL_RECEIVER = "null"
"""Receives what nobody should be paged for: the always-firing `Watchdog` and `InfoInhibitor`."""
PLATFORM_RECEIVER = "platform"
"""The stack's notification targets."""
GROUP_BY = ("alertname", "cloud", "region")
"""One notification per alert and place (the central Prometheus's alerts carry the cloud and region they are about)."""
SILENCED = ("Watchdog", "InfoInhibitor")
"""The chart's dead-man's-switch and inhibit-helper alerts, which fire by design."""
SNS_SUBJECT_LIMIT = 100
"""SNS refuses a subject of 100 characters or more, or with a non-ASCII or control character (400 Invalid parameter:
Subject, and Alertmanager drops the notification): https://docs.aws.amazon.com/sns/latest/api/API_Publish.html."""
SUBJECT_PARTS = (("alertname", 50), ("cloud", 10), ("region", 25))
"""The group labels an SNS subject names, each cut to its share of the limit ("[RESOLVED]" takes 10, spaces 3)."""


def _printable(field: str, width: int) -> str:
    """A template expression: `field` with every character outside printable ASCII dropped, cut to `width`."""
    return f'{{{{ reReplaceAll "(?s)^(.{{0,{width}}}).*$" "$1" (reReplaceAll "[^ -~]" "" {field}) }}}}'


def sns_subject() -> str:
    """The subject template: `[FIRING] <alertname> <cloud>/<region>`, always within SNS's limit (Alertmanager's default
    subject lists every common label and passes it on uncut: prometheus/alertmanager#2781)."""
    alertname, cloud, region = (_printable(f".GroupLabels.{label}", width) for label, width in SUBJECT_PARTS)
    return f"[{{{{ .Status | toUpper }}}}] {alertname} {cloud}/{region}"


@dataclass(frozen=True)
class SnsTarget:
    """An SNS topic the Alertmanager publishes to with its own role's credentials (no key in the config)."""

    topic_arn: Any
    """The topic (a plain string, or an output inside chart values)."""
    region: str
    """Region of the topic (SigV4 signing region)."""


def alertmanager_config(target: SnsTarget | None) -> dict[str, Any]:
    """The whole Alertmanager configuration (it replaces the chart's default): route and receivers, the chart's own
    inhibit rules (critical mutes warning and info of the same alert; info-level noise stays muted) and templates.
    Without a target every alert goes to the null receiver, as the chart's default does."""
    receivers: list[dict[str, Any]] = [{"name": NULL_RECEIVER}]
    if target is not None:
        receivers.append(
            {
                "name": PLATFORM_RECEIVER,
                # https://prometheus.io/docs/alerting/latest/configuration/#sns_config
                "sns_configs": [
                    {
                        "topic_arn": target.topic_arn,
                        "sigv4": {"region": target.region},
                        "subject": sns_subject(),
                        "send_resolved": True,
                    }
                ],
            }
        )
    return {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": PLATFORM_RECEIVER if target is not None else NULL_RECEIVER,
            "group_by": list(GROUP_BY),
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
            "routes": [{"receiver": NULL_RECEIVER, "matchers": [f'alertname =~ "{"|".join(SILENCED)}"']}],
        },
        # kube-prometheus-stack's default inhibit rules (charts/kube-prometheus-stack/values.yaml, alertmanager.config)
        "inhibit_rules": [
            {
                "source_matchers": ["severity = critical"],
                "target_matchers": ["severity =~ warning|info"],
                "equal": ["namespace", "alertname"],
            },
            {
                "source_matchers": ["severity = warning"],
                "target_matchers": ["severity = info"],
                "equal": ["namespace", "alertname"],
            },
            {
                "source_matchers": ["alertname = InfoInhibitor"],
                "target_matchers": ["severity = info"],
                "equal": ["namespace"],
            },
            {"target_matchers": ["alertname = InfoInhibitor"]},
        ],
        "receivers": receivers,
        "templates": ["/etc/alertmanager/config/*.tmpl"],
    }
