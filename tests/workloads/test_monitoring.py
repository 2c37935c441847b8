"""Monitoring as the platform deploys it on the recorded stacks: kube-prometheus-stack in every cluster, each
cluster's Prometheus behind an internal load balancer only the central cluster may reach, and the central
Prometheus federating exactly those; every Prometheus file the stack generates passes `promtool`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from components.lib.prometheus import FEDERATION_JOB, FEDERATION_MATCH, FEDERATION_PORT, prometheus_config
from components.settings import catalog
from components.workloads.monitoring import PROMETHEUS_SELECTOR
from components.workloads.profiles import INTERNAL_LOAD_BALANCER, STORAGE_CLASS
from scripts.offline import Recording, Registration
from tests.aws.helpers import descendants, one
from tests.conftest import stack_settings
from tests.workloads.helpers import HELM_RELEASE, integral, run_tool, tool
from tests.workloads.test_platform_workloads import clusters, workloads

STACKS = ("dev", "prod")
RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"


def release(rec: Recording, cloud: str, region: str) -> Registration:
    found = descendants(rec, workloads(rec, cloud, region))
    return one(r for r in found if r.type == HELM_RELEASE and r.inputs["chart"] == "kube-prometheus-stack")


def values(rec: Recording, cloud: str, region: str) -> dict[str, Any]:
    return integral(release(rec, cloud, region).inputs["values"])


def federation_service(rec: Recording, cloud: str, region: str) -> Registration | None:
    found = [
        r
        for r in descendants(rec, workloads(rec, cloud, region))
        if r.type == "kubernetes:core/v1:Service" and r.inputs["metadata"]["name"] == "prometheus-stack-federation"
    ]
    return found[0] if found else None


def host_of(service: Registration) -> str:
    ingress = service.outputs["status"]["loadBalancer"]["ingress"][0]
    return str(ingress.get("ip") or ingress["hostname"])


@pytest.mark.parametrize("stack", STACKS)
def test_every_cluster_runs_the_pinned_chart_labelled_with_its_cloud_region_and_cluster(recorded, stack):
    rec = recorded(stack)
    for cloud, region in clusters(stack):
        chart = release(rec, cloud, region).inputs
        assert (chart["chart"], chart["version"]) == ("kube-prometheus-stack", catalog.KUBE_PROMETHEUS_STACK_VERSION)
        assert chart["repositoryOpts"] == {"repo": "https://prometheus-community.github.io/helm-charts"}
        assert chart["atomic"] is True and chart["namespace"] == "monitoring"
        spec = values(rec, cloud, region)["prometheus"]["prometheusSpec"]
        assert spec["externalLabels"] == {"cloud": cloud, "region": region, "cluster": f"{cloud}-{region}"}
        assert spec["ruleSelectorNilUsesHelmValues"] is False  # the platform's PrometheusRules are picked up
        assert values(rec, cloud, region)["grafana"] == {"enabled": False}  # no default admin password anywhere
        # managed control planes and kube-proxies that serve no reachable metrics (EKS: 127.0.0.1 only, aws 18)
        for scraped in ("kubeEtcd", "kubeScheduler", "kubeControllerManager", "kubeProxy"):
            assert values(rec, cloud, region)[scraped] == {"enabled": False}, (cloud, scraped)
        claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
        assert claim["storageClassName"] == STORAGE_CLASS[cloud]
        classes = [r for r in descendants(rec, workloads(rec, cloud, region)) if r.type.endswith(":StorageClass")]
        if cloud == "aws":  # EKS has no default class: the workloads bring an encrypted gp3 one first
            (gp3,) = classes
            assert gp3.inputs["provisioner"] == "ebs.csi.aws.com" and gp3.inputs["parameters"]["encrypted"] == "true"
            assert gp3.urn in release(rec, cloud, region).dependencies
        else:
            assert classes == []


@pytest.mark.parametrize("stack", STACKS)
def test_the_central_prometheus_federates_every_other_cluster_through_its_internal_load_balancer(recorded, stack):
    rec, s = recorded(stack), stack_settings(stack)
    central, *others = clusters(stack)
    assert central == (next(iter(s.clouds.enabled())), next(iter(s.clouds.enabled().values())).regions[0].name)
    central_cidr = str(next(iter(s.clouds.enabled().values())).regions[0].cidr)
    assert federation_service(rec, *central) is None
    assert values(rec, *central)["alertmanager"]["enabled"] is True  # its route: tests/workloads/test_alerting.py
    (job,) = values(rec, *central)["prometheus"]["prometheusSpec"]["additionalScrapeConfigs"]
    assert (job["job_name"], job["metrics_path"], job["honor_labels"]) == (FEDERATION_JOB, "/federate", True)
    assert job["params"] == {"match[]": list(FEDERATION_MATCH)}
    expected = []
    for cloud, region in others:
        service = federation_service(rec, cloud, region)
        assert service is not None, f"{cloud} {region} is not exposed to the central Prometheus"
        assert service.inputs["metadata"]["annotations"] == INTERNAL_LOAD_BALANCER[cloud]
        assert service.inputs["spec"]["loadBalancerSourceRanges"] == [central_cidr]
        assert service.inputs["spec"]["selector"] == PROMETHEUS_SELECTOR
        assert values(rec, cloud, region)["alertmanager"] == {"enabled": False}
        expected.append(
            {"targets": [f"{host_of(service)}:{FEDERATION_PORT}"], "labels": {"cloud": cloud, "region": region}}
        )
    assert job["static_configs"] == expected


@pytest.mark.parametrize("stack", STACKS)
def test_the_alerts_are_the_seed_four_and_replication_lag_at_the_dr_threshold(recorded, stack):
    rec, s = recorded(stack), stack_settings(stack)
    (alerts,) = [r for r in rec.of_type(RULE) if r.inputs["metadata"]["name"] == "platform-alerts"]
    rules = {rule["alert"]: rule for group in alerts.inputs["spec"]["groups"] for rule in group["rules"]}
    assert {name: rule["for"] for name, rule in rules.items()} == {
        "CloudProviderDown": "2m",
        "CrossCloudLatencyHigh": "5m",
        "DataSyncLagHigh": "2m",
        "MultiCloudCostAnomaly": "15m",
        "PostgresReplicationLagHigh": "1m",
        "PostgresReplicationStopped": "2m",
    }
    assert rules["PostgresReplicationLagHigh"]["expr"].endswith(f"> {s.dr.replication_lag_threshold}")
    assert alerts.parent == release(rec, *clusters(stack)[0]).parent  # evaluated by the central Prometheus


@pytest.mark.parametrize("stack", STACKS)
def test_promtool_accepts_every_generated_prometheus_file(recorded, stack, tmp_path: Path):
    rec = recorded(stack)
    rule_files = []
    for i, rule in enumerate(rec.of_type(RULE)):
        path = tmp_path / f"rules-{i}.yml"
        path.write_text(yaml.safe_dump(integral(rule.inputs["spec"])))
        rule_files.append(path.name)
        checked = run_tool(tool("promtool"), "check", "rules", str(path))
        assert checked.returncode == 0, checked.stdout + checked.stderr
    assert len(rule_files) == len(clusters(stack)) + 1  # recording rules everywhere, alerts on the central one
    central = values(rec, *clusters(stack)[0])["prometheus"]["prometheusSpec"]["additionalScrapeConfigs"]
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump(prometheus_config(central, rule_files)))
    checked = run_tool(tool("promtool"), "check", "config", str(config), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(rule_files)} rule files found" in checked.stdout


def test_promtool_rejects_a_broken_rule_file(tmp_path: Path):
    # The check above is live: promtool fails a rule whose PromQL does not parse.
    path = tmp_path / "broken.yml"
    path.write_text(
        yaml.safe_dump({"groups": [{"name": "x", "rules": [{"alert": "A", "expr": "max by (cloud (up)"}]}]})
    )
    checked = run_tool(tool("promtool"), "check", "rules", str(path))
    assert checked.returncode != 0
