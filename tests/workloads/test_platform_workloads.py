"""The workloads as the platform deploys them on the recorded stacks: in every cluster, through that cluster's own
Kubernetes provider, the hardened API with its autoscaler, disruption budget, default-deny network policies and
the ingress Service on the addresses the Cloudflare pool points at, bound to the federated identities."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.lib.naming import region_code
from components.settings.catalog import CLOUDFLARE_IPV4_RANGES
from components.workloads.api import HTTPS_PORT, METRICS_PORT
from scripts.offline import Recording, Registration
from tests.aws.helpers import descendants, one
from tests.conftest import stack_settings
from tests.sdk_checks import args_class, unknown_wire_keys
from tests.workloads.helpers import K8S_PROVIDER, integral, is_object

STACKS = ("dev", "prod")
COMPONENT = "multicloud:workloads:ClusterWorkloads"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
# The taints the cluster components put on spot pools: (resource type, how to read them from the recorded inputs).
SPOT_POOLS = {
    "aws": "aws:eks/nodeGroup:NodeGroup",
    "azure": "azure-native:containerservice:AgentPool",
    "gcp": "gcp:container/nodePool:NodePool",
}


def clusters(stack: str) -> list[tuple[str, str]]:
    """(cloud, region) of every cluster the stack configures."""
    s = stack_settings(stack)
    return [(cloud, r.name) for cloud, c in s.clouds.enabled().items() for r in c.regions]


def workloads(rec: Recording, cloud: str, region: str) -> Registration:
    s = stack_settings(rec.stack)
    return one(
        r
        for r in rec.of_type(COMPONENT)
        if r.name == f"{s.name}-{s.environment}-{cloud}-{region_code(region)}-workloads"
    )


def objects(rec: Recording, cloud: str, region: str, kind: str | None = None) -> list[Registration]:
    found = [r for r in descendants(rec, workloads(rec, cloud, region)) if is_object(r)]
    return [r for r in found if kind is None or r.type == kind]


def named(rec: Recording, cloud: str, region: str, kind: str, name: str) -> Registration:
    return one(r for r in objects(rec, cloud, region, kind) if r.inputs["metadata"]["name"] == name)


def pod_spec(rec: Recording, cloud: str, region: str) -> dict[str, Any]:
    return integral(named(rec, cloud, region, DEPLOYMENT, "api").inputs["spec"]["template"]["spec"])


def env_of(spec: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in spec["containers"][0]["env"]}


def token_audiences(spec: dict[str, Any]) -> dict[str, str]:
    """Projected token path -> audience."""
    projected = [v for v in spec["volumes"] if "projected" in v]
    sources = projected[0]["projected"]["sources"] if projected else []
    return {s["serviceAccountToken"]["path"]: s["serviceAccountToken"]["audience"] for s in sources}


@pytest.mark.parametrize("stack", STACKS)
def test_every_cluster_gets_its_workloads_through_a_provider_built_from_its_own_kubeconfig(recorded, stack):
    rec = recorded(stack)
    assert len(rec.of_type(COMPONENT)) == len(clusters(stack))
    by_urn = rec.by_urn()
    for cloud, region in clusters(stack):
        component = workloads(rec, cloud, region)
        provider = one(r for r in descendants(rec, component) if r.type == K8S_PROVIDER)
        kubeconfig = provider.inputs["kubeconfig"]
        assert isinstance(kubeconfig, dict) and "value" in kubeconfig, "the kubeconfig must stay secret"
        assert kubeconfig["value"] == rec.outputs[f"{cloud}_kubeconfigs"]["value"][region]
        for obj in objects(rec, cloud, region):
            assert by_urn[obj.provider_urn] is provider, f"{obj.name} would deploy to another cluster"
    # Nothing anywhere talks to a cluster through the ambient kubeconfig (a default provider).
    assert all(r.provider_urn in by_urn for r in rec.resources if is_object(r))


@pytest.mark.parametrize("stack", STACKS)
def test_the_api_has_the_seed_shape_and_a_hardened_pod(recorded, stack):
    rec, api = recorded(stack), stack_settings(stack).workloads.api
    for cloud, region in clusters(stack):
        deployment = integral(named(rec, cloud, region, DEPLOYMENT, "api").inputs)
        assert deployment["metadata"]["namespace"] == api.namespace
        assert deployment["spec"]["replicas"] == api.replicas == 3
        spec = deployment["spec"]["template"]["spec"]
        (container,) = spec["containers"]
        assert container["image"] == api.image
        assert container["resources"] == {
            "requests": {"cpu": "250m", "memory": "512Mi"},
            "limits": {"cpu": "500m", "memory": "1Gi"},
        }
        assert env_of(spec)["CLOUD_PROVIDER"] == cloud and env_of(spec)["CLOUD_REGION"] == region
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False and security["privileged"] is False
        assert security["capabilities"] == {"drop": ["ALL"]}
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            assert container[probe]["httpGet"] == {"path": "/health", "port": "https", "scheme": "HTTPS"}
        zone = one(c for c in spec["topologySpreadConstraints"] if c["topologyKey"] == "topology.kubernetes.io/zone")
        assert zone["whenUnsatisfiable"] == ("DoNotSchedule" if stack == "prod" else "ScheduleAnyway")
        assert zone["labelSelector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]


def _spot_taints(rec: Recording, cloud: str, region: str) -> list[tuple[str, str, str]]:
    """(key, value, effect) of the taints on the region's spot pools, as the cluster component recorded them."""
    region_component = one(
        r for r in rec.resources if r.type == f"multicloud:{cloud}:Region" and r.name.endswith(region_code(region))
    )
    taints = []
    for pool in (r for r in descendants(rec, region_component) if r.type == SPOT_POOLS[cloud]):
        if cloud == "aws" and pool.inputs.get("capacityType") == "SPOT":
            taints += [(t["key"], t["value"], "NoSchedule") for t in pool.inputs["taints"] if "spot" in t["key"]]
        if cloud == "azure" and pool.inputs.get("scaleSetPriority") == "Spot":
            for taint in pool.inputs["nodeTaints"]:
                key_value, effect = taint.split(":")
                taints.append((*key_value.split("="), effect))  # type: ignore[arg-type]
        if cloud == "gcp" and pool.inputs["nodeConfig"].get("spot"):
            taints += [(t["key"], t["value"], "NoSchedule") for t in pool.inputs["nodeConfig"]["taints"]]
    return taints


@pytest.mark.parametrize("stack", STACKS)
def test_the_api_tolerates_exactly_the_spot_taint_of_its_clusters_spot_pools(recorded, stack):
    rec = recorded(stack)
    for cloud, region in clusters(stack):
        taints = _spot_taints(rec, cloud, region)
        assert taints, f"{cloud} {region} has no spot pool to check against"
        tolerated = {(t["key"], t["value"], t["effect"]) for t in pod_spec(rec, cloud, region)["tolerations"]}
        assert set(taints) == tolerated


@pytest.mark.parametrize("stack", STACKS)
def test_autoscaler_budget_and_services_select_the_api_pods(recorded, stack):
    rec, api = recorded(stack), stack_settings(stack).workloads.api
    for cloud, region in clusters(stack):
        deployment = named(rec, cloud, region, DEPLOYMENT, "api").inputs["spec"]
        pods = deployment["template"]["metadata"]["labels"]
        hpa = integral(named(rec, cloud, region, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "api").inputs)
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}
        assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (api.replicas, api.max_replicas)
        pdb = integral(named(rec, cloud, region, "kubernetes:policy/v1:PodDisruptionBudget", "api").inputs)
        assert pdb["spec"]["maxUnavailable"] == 1
        assert pdb["spec"]["selector"]["matchLabels"].items() <= pods.items()
        for service in objects(rec, cloud, region, SERVICE):
            if service.inputs["metadata"]["namespace"] == api.namespace:
                assert service.inputs["spec"]["selector"].items() <= pods.items()


@pytest.mark.parametrize("stack", STACKS)
def test_the_namespace_denies_by_default_and_admits_only_the_edge_the_network_and_prometheus(recorded, stack):
    rec, s = recorded(stack), stack_settings(stack)
    platform_cidrs = [str(r.cidr) for c in s.clouds.enabled().values() for r in c.regions]
    for cloud, region in clusters(stack):
        policies = {
            p.inputs["metadata"]["name"]: integral(p.inputs["spec"])
            for p in objects(rec, cloud, region, NETWORK_POLICY)
        }
        assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        https, metrics = policies["api-ingress"]["ingress"]
        assert https["ports"] == [{"protocol": "TCP", "port": HTTPS_PORT}]
        assert [b["ipBlock"]["cidr"] for b in https["from"]] == [*CLOUDFLARE_IPV4_RANGES, *platform_cidrs]
        assert metrics["ports"] == [{"protocol": "TCP", "port": METRICS_PORT}]
        assert metrics["from"] == [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
        ]
        # Egress leaves the network on 443 only; 5432 goes to the platform's own ranges.
        for rule in policies["api-egress"]["egress"]:
            for peer in rule["to"]:
                if peer.get("ipBlock", {}).get("cidr") == "0.0.0.0/0":
                    assert rule["ports"] == [{"protocol": "TCP", "port": 443}]


@pytest.mark.parametrize("stack", STACKS)
def test_the_ingress_service_takes_the_addresses_the_cloudflare_pool_points_at(recorded, stack):
    rec = recorded(stack)
    origins = {
        o["address"]
        for pool in rec.of_type("cloudflare:index/loadBalancerPool:LoadBalancerPool")
        for o in pool.inputs["origins"]
    }
    for cloud, region in clusters(stack):
        service = named(rec, cloud, region, SERVICE, "api-ingress")
        spec, annotations = service.inputs["spec"], service.inputs["metadata"].get("annotations", {})
        binding = rec.outputs[f"{cloud}_ingress"][region]
        assert spec["type"] == "LoadBalancer" and spec["externalTrafficPolicy"] == "Local"
        # `up` does not wait for pods that start only once the operator adds the TLS Secret
        assert annotations["pulumi.com/skipAwait"] == "true"
        assert spec["loadBalancerSourceRanges"] == list(CLOUDFLARE_IPV4_RANGES)
        if cloud == "aws":
            prefix = "service.beta.kubernetes.io/aws-load-balancer-"
            assert annotations[prefix + "eip-allocations"].split(",") == binding["eip_allocation_ids"]
            assert annotations[prefix + "subnets"].split(",") == binding["subnet_ids"]
            eips = {e.outputs["allocationId"]: e.outputs["publicIp"] for e in rec.of_type("aws:ec2/eip:Eip")}
            assert {eips[a] for a in binding["eip_allocation_ids"]} <= origins
        elif cloud == "azure":
            assert annotations["service.beta.kubernetes.io/azure-pip-name"] == binding["public_ip_name"]
            assert (
                annotations["service.beta.kubernetes.io/azure-load-balancer-resource-group"]
                == binding["resource_group"]
            )
            ip = one(
                r
                for r in rec.of_type("azure-native:network:PublicIPAddress")
                if r.outputs.get("name") == binding["public_ip_name"]
            )
            assert ip.outputs["ipAddress"] in origins
        else:
            assert spec["loadBalancerIP"] == binding["address"] and binding["address"] in origins


def _trust_outputs(rec: Recording, cloud: str, region: str) -> dict[str, Any]:
    key = f"{cloud}:platform/api"
    out = rec.outputs
    return {
        "aws": out.get("federated_aws_roles", {}).get(key),
        "azure": out.get("federated_azure_client_ids", {}).get(key),
        "gcp_sa": out.get("federated_gcp_service_accounts", {}).get(key),
        "gcp_provider": out.get("federated_gcp_providers", {}).get(f"{cloud}/{region}"),
    }


@pytest.mark.parametrize("stack", STACKS)
def test_the_service_account_is_bound_to_the_identities_its_trusts_grant_in_the_other_clouds(recorded, stack):
    rec, s = recorded(stack), stack_settings(stack)
    providers = {
        r.outputs["name"]: r.inputs["oidc"]["allowedAudiences"]
        for r in rec.of_type("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")
    }
    for cloud, region in clusters(stack):
        account = named(rec, cloud, region, "kubernetes:core/v1:ServiceAccount", "api")
        assert account.inputs["metadata"]["namespace"] == "platform"
        assert account.inputs["automountServiceAccountToken"] is False
        targets = {t for trust in s.identity.trusts if trust.source == cloud for t in trust.targets}
        spec, bound = pod_spec(rec, cloud, region), _trust_outputs(rec, cloud, region)
        env, audiences = env_of(spec), token_audiences(spec)
        assert set(audiences) == {f"{t}/token" for t in targets}
        if "aws" in targets:
            assert env["AWS_ROLE_ARN"] == bound["aws"]
            assert audiences["aws/token"] == "sts.amazonaws.com"
            # off AWS nothing else gives the SDKs a region (crosscloud R3)
            assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == s.clouds.aws.regions[0].name
        else:
            assert "AWS_REGION" not in env
        if "azure" in targets:
            assert env["AZURE_CLIENT_ID"] == bound["azure"]
            assert env["AZURE_TENANT_ID"] == rec.outputs["federated_azure_tenant_id"]
            assert audiences["azure/token"] == "api://AzureADTokenExchange"
        if "gcp" in targets:
            credentials = json.loads(
                named(rec, cloud, region, "kubernetes:core/v1:ConfigMap", "api-gcp-credentials").inputs["data"][
                    "credentials.json"
                ]
            )
            # The token's audience is the one the cluster's pool provider admits, and it impersonates the trust's SA.
            assert credentials["audience"] == audiences["gcp/token"] == f"//iam.googleapis.com/{bound['gcp_provider']}"
            assert providers[bound["gcp_provider"]] == [credentials["audience"]]
            assert credentials["service_account_impersonation_url"].endswith(f"/{bound['gcp_sa']}:generateAccessToken")
            assert credentials["credential_source"]["file"] == "/var/run/secrets/platform/gcp/token"
            assert "private_key" not in credentials


@pytest.mark.parametrize("stack", STACKS)
def test_every_kubernetes_object_uses_only_properties_of_the_pinned_sdk(recorded, stack):
    rec = recorded(stack)
    checked = 0
    for r in rec.resources:
        if r.custom and r.type.startswith("kubernetes:") and "monitoring.coreos.com" not in r.type:
            assert list(unknown_wire_keys(args_class(r.type), r.inputs)) == [], r.name
            checked += 1
    assert checked > 10 * len(clusters(stack))
