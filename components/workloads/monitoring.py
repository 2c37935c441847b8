"""Prometheus in one cluster: the community kube-prometheus-stack chart, a ServiceMonitor for the API, and either
an internal load balancer the central Prometheus federates through (every other cluster) or the federation
scrape job and the platform's alert rules (the central cluster)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ..lib.alertmanager import SnsTarget, alertmanager_config
from ..lib.prometheus import FEDERATION_PORT, FederationSource, alert_rules, federation_scrape_config
from ..settings import catalog
from ..settings.durations import format_duration
from ..settings.models import Cloud, MonitoringSettings
from .charts import pinned_release
from .profiles import INTERNAL_LOAD_BALANCER, STORAGE_CLASS

NAMESPACE = "monitoring"
"""Namespace of the chart in every cluster."""
RELEASE = "prometheus-stack"
"""Helm release name and the chart's `fullnameOverride` (names of everything the chart creates)."""
PROMETHEUS_SELECTOR = {"app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": f"{RELEASE}-prometheus"}
"""Labels of the chart's Prometheus pods."""
ALERTMANAGER_SERVICE_ACCOUNT = f"{RELEASE}-alertmanager"
"""The central Alertmanager's service account (what its publisher role trusts)."""
IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"
"""https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html"""
CRD_UPGRADE_BUSYBOX_TAG = "1.37.0"
"""Image of the CRD upgrade job's unpacking step, pinned (the chart defaults to `latest`)."""


@dataclass(frozen=True)
class Federation:
    """The central cluster's view of the others: whom it scrapes."""

    sources: Sequence[tuple[str, str, pulumi.Input[str]]]
    """(cloud, region, federation host) of every other cluster."""


@dataclass(frozen=True)
class AlertRoute:
    """Where the central Alertmanager sends the platform's alerts: the stack's SNS alert topic, published to with
    the role its service account assumes (IRSA)."""

    target: SnsTarget
    role_arn: pulumi.Input[str]
    ready: Sequence[pulumi.Resource] = ()
    """What the Alertmanager waits for (the role's permission: IAM is eventually consistent)."""


@dataclass(frozen=True)
class ClusterMonitoringArgs:
    """Inputs of ClusterMonitoring."""

    cloud: Cloud
    region: str
    cluster: str
    """Cluster label of every series (`<cloud>-<region>`)."""
    monitoring: MonitoringSettings
    """Chart version, retention, storage, scrape interval."""
    replication_lag_threshold: int
    """The DR block's replication-lag threshold in seconds (the replication alert)."""
    api_namespace: str
    """Namespace of the platform API (its ServiceMonitor)."""
    central_cidrs: Sequence[str] = ()
    """Where the central Prometheus scrapes from (the only clients of the federation load balancer)."""
    federation: Federation | None = None
    """Set on the central cluster only: the clusters it federates."""
    alert_route: AlertRoute | None = None
    """The central cluster's alert route (None: its Alertmanager notifies nobody; docs/WORKLOADS.md)."""
    labels: Mapping[str, str] = field(default_factory=dict)


class ClusterMonitoring(pulumi.ComponentResource):
    """Prometheus, Alertmanager and the exporters in one cluster. Give it the cluster's Kubernetes provider through
    `opts.providers`."""

    namespace: pulumi.Output[str]
    """Namespace of the chart."""
    release: k8s.helm.v3.Release
    """The chart's release (custom resources of its CRDs depend on it)."""
    federation_host: pulumi.Output[str] | None
    """Private address of the federation load balancer (None on the central cluster)."""
    rules: dict[str, Any] | None
    """The central cluster's PrometheusRule spec (rule groups), None elsewhere."""

    def __init__(self, name: str, args: ClusterMonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:workloads:ClusterMonitoring", name, {}, opts)
        m = args.monitoring
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={"name": NAMESPACE, "labels": {**args.labels, "app.kubernetes.io/part-of": "monitoring"}},
            opts=pulumi.ResourceOptions(parent=self),
        )
        volumes: list[pulumi.Resource] = []
        if args.cloud == "aws":  # EKS has no default storage class: an encrypted gp3 class on the EBS CSI driver
            volumes.append(
                k8s.storage.v1.StorageClass(
                    f"{name}-gp3",
                    metadata={"name": STORAGE_CLASS["aws"], "labels": dict(args.labels)},
                    provisioner="ebs.csi.aws.com",
                    parameters={"type": "gp3", "encrypted": "true"},
                    volume_binding_mode="WaitForFirstConsumer",
                    allow_volume_expansion=True,
                    reclaim_policy="Retain",
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )
        self.release = pinned_release(
            f"{name}-release",
            release=RELEASE,
            namespace=namespace.metadata.name,
            chart="kube-prometheus-stack",
            version=m.chart_version,
            repo=catalog.KUBE_PROMETHEUS_STACK_REPO,
            values=chart_values(args),
            timeout=900,
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[*volumes, *(args.alert_route.ready if args.alert_route else ())]
            ),
        )
        after_chart = pulumi.ResourceOptions(parent=self, depends_on=[self.release])
        k8s.apiextensions.CustomResource(
            f"{name}-api-monitor",
            api_version="monitoring.coreos.com/v1",
            kind="ServiceMonitor",
            metadata={"name": "platform-api", "namespace": namespace.metadata.name, "labels": dict(args.labels)},
            spec={
                "namespaceSelector": {"matchNames": [args.api_namespace]},
                "selector": {"matchLabels": {"app.kubernetes.io/name": "api"}},
                "endpoints": [{"port": "metrics", "path": "/metrics", "interval": "30s", "scheme": "http"}],
            },
            opts=after_chart,
        )
        k8s.apiextensions.CustomResource(
            f"{name}-recording-rules",
            api_version="monitoring.coreos.com/v1",
            kind="PrometheusRule",
            metadata={"name": "platform-recording", "namespace": namespace.metadata.name, "labels": dict(args.labels)},
            spec={"groups": recording_rules()},
            opts=after_chart,
        )
        self.federation_host, self.rules = None, None
        if args.federation is None:
            service = k8s.core.v1.Service(
                f"{name}-federation",
                metadata={
                    "name": f"{RELEASE}-federation",
                    "namespace": namespace.metadata.name,
                    "labels": dict(args.labels),
                    "annotations": dict(INTERNAL_LOAD_BALANCER[args.cloud]),
                },
                spec={
                    "type": "LoadBalancer",
                    "selector": PROMETHEUS_SELECTOR,
                    "load_balancer_source_ranges": list(args.central_cidrs),
                    "ports": [
                        {"name": "web", "port": FEDERATION_PORT, "target_port": FEDERATION_PORT, "protocol": "TCP"}
                    ],
                },
                opts=after_chart,
            )
            self.federation_host = service.status.apply(load_balancer_host)
        else:
            self.rules = {"groups": alert_rules(args.replication_lag_threshold)}
            k8s.apiextensions.CustomResource(
                f"{name}-alert-rules",
                api_version="monitoring.coreos.com/v1",
                kind="PrometheusRule",
                metadata={"name": "platform-alerts", "namespace": namespace.metadata.name, "labels": dict(args.labels)},
                spec=self.rules,
                opts=after_chart,
            )
        self.namespace = namespace.metadata.name
        self.register_outputs({"namespace": self.namespace, "federation_host": self.federation_host})


def chart_values(args: ClusterMonitoringArgs) -> dict[str, Any]:
    """kube-prometheus-stack values: managed control planes (no etcd/scheduler/controller-manager scrapes), every
    series labelled with its cloud, region and cluster, rules and monitors picked up from any namespace, persistent
    storage; on the central cluster, the federation job."""
    m = args.monitoring
    central = args.federation is not None
    spec: dict[str, Any] = {
        "externalLabels": {"cloud": args.cloud, "region": args.region, "cluster": args.cluster},
        "retention": format_duration(m.central_retention if central else m.retention),
        "ruleSelectorNilUsesHelmValues": False,
        "serviceMonitorSelectorNilUsesHelmValues": False,
        "podMonitorSelectorNilUsesHelmValues": False,
        "resources": {"requests": {"cpu": "500m", "memory": "2Gi"}, "limits": {"memory": "4Gi"}},
        "storageSpec": {
            "volumeClaimTemplate": {
                "spec": {
                    "storageClassName": STORAGE_CLASS[args.cloud],
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": f"{m.storage_gb}Gi"}},
                }
            }
        },
    }
    if args.federation is not None:
        spec["additionalScrapeConfigs"] = pulumi.Output.all(
            *[pulumi.Output.from_input(host) for _, _, host in args.federation.sources]
        ).apply(_federation_job(args.federation.sources, m.scrape_interval))
    return {
        "fullnameOverride": RELEASE,
        # Helm installs a chart's CRDs once and never upgrades them; the chart's pre-install/pre-upgrade hook job
        # applies the CRDs of the chart version server-side, so a chart bump brings its operator's CRDs
        # (charts/kube-prometheus-stack/UPGRADE.md: `crds.upgradeJob.enabled`, since 68.4.0).
        "crds": {
            "enabled": True,
            "upgradeJob": {
                "enabled": True,
                "forceConflicts": True,
                "image": {"busybox": {"tag": CRD_UPGRADE_BUSYBOX_TAG}},
            },
        },
        # Managed control planes: nothing to scrape there; kube-proxy runs on EKS only (AKS/GKE use eBPF).
        "kubeEtcd": {"enabled": False},
        "kubeScheduler": {"enabled": False},
        "kubeControllerManager": {"enabled": False},
        # Off on EKS too: its kube-proxy add-on serves metrics on 127.0.0.1:10249 only, so the target is always down
        # and KubeProxyDown fires forever (https://github.com/aws/containers-roadmap/issues/657; aws review 18).
        "kubeProxy": {"enabled": False},
        # Dashboards are left out: no Grafana with a default admin password.
        "grafana": {"enabled": False},
        "alertmanager": _alertmanager(args) if central else {"enabled": False},
        "prometheus": {"prometheusSpec": spec},
    }


def _alertmanager(args: ClusterMonitoringArgs) -> dict[str, Any]:
    """The central Alertmanager: the platform's route, and the role it publishes with on its service account."""
    route = args.alert_route
    values: dict[str, Any] = {
        "enabled": True,
        "config": alertmanager_config(route.target if route else None),
        "serviceAccount": {"name": ALERTMANAGER_SERVICE_ACCOUNT},
    }
    if route is not None:
        values["serviceAccount"]["annotations"] = {IRSA_ROLE_ANNOTATION: route.role_arn}
    return values


def _federation_job(sources: Sequence[tuple[str, str, Any]], interval: int) -> Any:
    """[hosts...] -> the additionalScrapeConfigs list with the federation job."""
    return lambda hosts: [
        federation_scrape_config(
            [
                FederationSource(cloud, region, str(host))
                for (cloud, region, _), host in zip(sources, hosts, strict=True)
            ],
            interval,
        )
    ]


def recording_rules() -> list[dict[str, Any]]:
    """Recording rules every cluster evaluates and hands to the central Prometheus (`job:*` is federated)."""
    return [
        {
            "name": "platform-recording",
            "rules": [
                {"record": "job:up:avg", "expr": "avg by (job, namespace) (up)"},
                {
                    "record": "job:platform_http_requests:rate5m",
                    "expr": "sum by (job, namespace, code) (rate(platform_http_requests_total[5m]))",
                },
            ],
        }
    ]


def load_balancer_host(status: Any) -> str:
    """The first address of a LoadBalancer Service's status (IP on Azure/GCP, DNS name on AWS); empty until the
    cloud has assigned one."""
    ingress = getattr(getattr(status, "load_balancer", None), "ingress", None) or []
    if not ingress:
        return ""
    first = ingress[0]
    return str(getattr(first, "ip", None) or getattr(first, "hostname", None) or "")
