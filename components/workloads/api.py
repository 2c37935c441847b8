"""The platform API in one cluster: hardened Deployment, autoscaling, disruption budget, default-deny network
policies, the internet-facing Service on the region's reserved addresses (the Cloudflare origins), and a service
account whose tokens the other clouds accept (the federation's trusts)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ..lib.audiences import AWS_AUDIENCE, AZURE_AUDIENCE
from ..settings.models import ApiWorkloadSettings, Cloud
from .profiles import SPOT_TOLERATIONS, ingress_service, node_affinity

HTTPS_PORT = 8443
"""Container port serving the API over TLS (the origin certificate of the edge hostname)."""
METRICS_PORT = 9102
"""Container port of the API's Prometheus metrics (plain HTTP, reachable from the monitoring namespace only)."""
RUN_AS = 10001
"""Non-root UID/GID the API runs as."""
TOKENS_DIR = "/var/run/secrets/platform"
"""Where the projected service-account tokens for the other clouds are mounted (one file per cloud)."""
GCP_CREDENTIALS = "/etc/platform/gcp/credentials.json"
"""Google external-account credential file (no key: it points at the projected token)."""


@dataclass(frozen=True)
class TrustBindings:
    """What the API's service account may become in the other clouds (the federation's outputs for its cluster)."""

    aws_role_arn: pulumi.Input[str] | None = None
    """IAM role assumed with the cluster's token (audience sts.amazonaws.com)."""
    azure_client_id: pulumi.Input[str] | None = None
    """Client id of the user-assigned identity with a federated credential for the cluster's issuer."""
    azure_tenant_id: pulumi.Input[str] | None = None
    """Tenant of that identity."""
    gcp_audience: pulumi.Input[str] | None = None
    """Audience of the cluster's workload identity pool provider (`//iam.googleapis.com/projects/...`)."""
    gcp_service_account: pulumi.Input[str] | None = None
    """E-mail of the GCP service account the cluster's token may impersonate."""

    @property
    def targets(self) -> list[Cloud]:
        """Clouds the service account can act in."""
        bound: list[Cloud] = []
        if self.aws_role_arn is not None:
            bound.append("aws")
        if self.azure_client_id is not None:
            bound.append("azure")
        if self.gcp_audience is not None and self.gcp_service_account is not None:
            bound.append("gcp")
        return bound


@dataclass(frozen=True)
class ApiWorkloadArgs:
    """Inputs of ApiWorkload."""

    cloud: Cloud
    """The cluster's cloud (tolerations, node selection, load-balancer annotations)."""
    region: str
    """The cluster's region (`CLOUD_REGION`)."""
    environment: str
    """dev or prod (prod spreads replicas across zones strictly)."""
    api: ApiWorkloadSettings
    """Image, replicas, resources, namespace, service account, TLS secret."""
    ingress_binding: Mapping[str, Any]
    """The region's reserved ingress addresses, in the cloud's terms (see CloudRegion.ingress_binding)."""
    health_path: str
    """Path the probes and the Cloudflare monitor check."""
    hostname: str
    """Public hostname the API serves (`PUBLIC_HOSTNAME`; the TLS certificate names it)."""
    edge_cidrs: Sequence[str]
    """Source ranges of the edge (Cloudflare): the only internet clients of the ingress Service."""
    platform_cidrs: Sequence[str]
    """Every region's CIDR across clouds: in-network and cross-cloud callers, and the databases."""
    monitoring_namespace: str | None = None
    """Namespace of the cluster's Prometheus (it alone may scrape the metrics port); None without monitoring."""
    bindings: TrustBindings = field(default_factory=TrustBindings)
    """The other clouds' identities the service account is bound to."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Extra labels on every object (platform, environment, owner...)."""


class ApiWorkload(pulumi.ComponentResource):
    """The platform API in one cluster. Give it the cluster's Kubernetes provider through `opts.providers`."""

    namespace: pulumi.Output[str]
    """Namespace of the API."""
    service_account: pulumi.Output[str]
    """Name of the API's service account (the trusts' subject)."""
    ingress_service: pulumi.Output[str]
    """Name of the internet-facing Service on the reserved addresses."""

    def __init__(self, name: str, args: ApiWorkloadArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:workloads:ApiWorkload", name, {}, opts)
        api, ns = args.api, args.api.namespace
        app = {"app.kubernetes.io/name": "api", "app.kubernetes.io/part-of": "multicloud-platform"}
        labels = {**args.labels, **app, "app.kubernetes.io/managed-by": "pulumi"}
        child = pulumi.ResourceOptions(parent=self)

        def meta(object_name: str, **extra: Any) -> dict[str, Any]:
            return {"name": object_name, "namespace": ns, "labels": labels, **extra}

        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={
                "name": ns,
                # Pod Security Admission: the API must meet the `restricted` profile.
                "labels": {
                    **labels,
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/audit": "restricted",
                    "pod-security.kubernetes.io/warn": "restricted",
                },
            },
            opts=child,
        )
        in_ns = pulumi.ResourceOptions(parent=self, depends_on=[namespace])
        account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata=meta(api.service_account, annotations={"platform/trusted-by": ",".join(args.bindings.targets)}),
            automount_service_account_token=False,
            opts=in_ns,
        )
        extra_volumes: list[dict[str, Any]] = []
        extra_mounts: list[dict[str, Any]] = []
        if "gcp" in args.bindings.targets:
            credentials = k8s.core.v1.ConfigMap(
                f"{name}-gcp-credentials",
                metadata=meta(f"{api.service_account}-gcp-credentials"),
                data={"credentials.json": gcp_external_account(args.bindings)},
                opts=in_ns,
            )
            extra_volumes.append(
                {"name": "gcp-credentials", "configMap": {"name": credentials.metadata.name, "defaultMode": 0o444}}
            )
            extra_mounts.append({"name": "gcp-credentials", "mountPath": GCP_CREDENTIALS.rsplit("/", 1)[0], "readOnly": True})

        self._deployment(name, args, meta, app, account, extra_volumes, extra_mounts, in_ns)
        k8s.core.v1.Service(
            f"{name}-service",
            metadata=meta("api"),
            spec={
                "type": "ClusterIP",
                "selector": app,
                "ports": [
                    {"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"},
                    {"name": "metrics", "port": METRICS_PORT, "targetPort": "metrics", "protocol": "TCP"},
                ],
            },
            opts=in_ns,
        )
        annotations, extra_spec = ingress_service(args.cloud, args.ingress_binding, args.health_path)
        ingress = k8s.core.v1.Service(
            f"{name}-ingress",
            metadata=meta("api-ingress", annotations=annotations),
            spec={
                "type": "LoadBalancer",
                "selector": app,
                # Keeps the client's address, so the load balancer and the network policy admit only the edge.
                "externalTrafficPolicy": "Local",
                "loadBalancerSourceRanges": list(args.edge_cidrs),
                "ports": [{"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"}],
                **extra_spec,
            },
            opts=in_ns,
        )
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-autoscaler",
            metadata=meta("api"),
            spec={
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
                "minReplicas": api.replicas,
                "maxReplicas": api.max_replicas,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": api.cpu_utilization},
                        },
                    }
                ],
                "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
            },
            opts=in_ns,
        )
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-disruption-budget",
            metadata=meta("api"),
            spec={"maxUnavailable": 1, "selector": {"matchLabels": app}},
            opts=in_ns,
        )
        self._network_policies(name, args, meta, app, in_ns)

        self.namespace = namespace.metadata.name
        self.service_account = account.metadata.name
        self.ingress_service = ingress.metadata.name
        self.register_outputs({"namespace": self.namespace, "ingress_service": self.ingress_service})

    def _deployment(
        self,
        name: str,
        args: ApiWorkloadArgs,
        meta: Any,
        app: dict[str, str],
        account: k8s.core.v1.ServiceAccount,
        extra_volumes: list[dict[str, Any]],
        extra_mounts: list[dict[str, Any]],
        opts: pulumi.ResourceOptions,
    ) -> None:
        api, resources = args.api, args.api.resources
        probe = {"httpGet": {"path": args.health_path, "port": "https", "scheme": "HTTPS"}, "timeoutSeconds": 2}
        zone_spread = "DoNotSchedule" if args.environment == "prod" else "ScheduleAnyway"
        token_sources = [
            {"serviceAccountToken": {"audience": audience, "expirationSeconds": 3600, "path": f"{cloud}/token"}}
            for cloud, audience in token_audiences(args.bindings).items()
        ]
        volumes = [
            {"name": "tls", "secret": {"secretName": api.tls_secret, "defaultMode": 0o400}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
            *([{"name": "cloud-tokens", "projected": {"sources": token_sources, "defaultMode": 0o400}}] if token_sources else []),
            *extra_volumes,
        ]
        mounts = [
            {"name": "tls", "mountPath": "/etc/platform/tls", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
            *([{"name": "cloud-tokens", "mountPath": TOKENS_DIR, "readOnly": True}] if token_sources else []),
            *extra_mounts,
        ]
        env = [
            {"name": "CLOUD_PROVIDER", "value": args.cloud},
            {"name": "CLOUD_REGION", "value": args.region},
            {"name": "PLATFORM_ENVIRONMENT", "value": args.environment},
            {"name": "PUBLIC_HOSTNAME", "value": args.hostname},
            {"name": "TLS_CERT_FILE", "value": "/etc/platform/tls/tls.crt"},
            {"name": "TLS_KEY_FILE", "value": "/etc/platform/tls/tls.key"},
            {"name": "METRICS_PORT", "value": str(METRICS_PORT)},
            *credential_env(args.bindings),
        ]
        k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=meta("api"),
            spec={
                "replicas": api.replicas,
                "revisionHistoryLimit": 5,
                "selector": {"matchLabels": app},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
                "template": {
                    "metadata": {"labels": {**app, "app.kubernetes.io/version": image_version(api.image)}},
                    "spec": {
                        "serviceAccountName": account.metadata.name,
                        "automountServiceAccountToken": False,
                        "enableServiceLinks": False,
                        "terminationGracePeriodSeconds": 30,
                        "securityContext": {
                            "runAsNonRoot": True,
                            "runAsUser": RUN_AS,
                            "runAsGroup": RUN_AS,
                            "fsGroup": RUN_AS,
                            "seccompProfile": {"type": "RuntimeDefault"},
                        },
                        "affinity": {"nodeAffinity": node_affinity(args.cloud)},
                        "tolerations": [SPOT_TOLERATIONS[args.cloud]],
                        "topologySpreadConstraints": [
                            {
                                "maxSkew": 1,
                                "topologyKey": "topology.kubernetes.io/zone",
                                "whenUnsatisfiable": zone_spread,
                                "labelSelector": {"matchLabels": app},
                            },
                            {
                                "maxSkew": 1,
                                "topologyKey": "kubernetes.io/hostname",
                                "whenUnsatisfiable": "ScheduleAnyway",
                                "labelSelector": {"matchLabels": app},
                            },
                        ],
                        "containers": [
                            {
                                "name": "api",
                                "image": api.image,
                                "imagePullPolicy": "Always",
                                "ports": [
                                    {"name": "https", "containerPort": HTTPS_PORT, "protocol": "TCP"},
                                    {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"},
                                ],
                                "env": env,
                                "resources": {
                                    "requests": {"cpu": resources.cpu_request, "memory": resources.memory_request},
                                    "limits": {"cpu": resources.cpu_limit, "memory": resources.memory_limit},
                                },
                                "securityContext": {
                                    "runAsNonRoot": True,
                                    "runAsUser": RUN_AS,
                                    "allowPrivilegeEscalation": False,
                                    "privileged": False,
                                    "readOnlyRootFilesystem": True,
                                    "capabilities": {"drop": ["ALL"]},
                                    "seccompProfile": {"type": "RuntimeDefault"},
                                },
                                "startupProbe": {**probe, "periodSeconds": 5, "failureThreshold": 24},
                                "livenessProbe": {**probe, "periodSeconds": 10, "failureThreshold": 3},
                                "readinessProbe": {**probe, "periodSeconds": 5, "failureThreshold": 2},
                                "volumeMounts": mounts,
                            }
                        ],
                        "volumes": volumes,
                    },
                },
            },
            # The autoscaler owns the replica count once the Deployment exists.
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(ignore_changes=["spec.replicas"])),
        )

    def _network_policies(
        self, name: str, args: ApiWorkloadArgs, meta: Any, app: dict[str, str], opts: pulumi.ResourceOptions
    ) -> None:
        """Deny everything in the namespace, then admit what the API needs and nothing else."""
        k8s.networking.v1.NetworkPolicy(
            f"{name}-default-deny",
            metadata=meta("default-deny"),
            spec={"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
            opts=opts,
        )
        ingress: list[dict[str, Any]] = [
            {
                "from": [{"ipBlock": {"cidr": cidr}} for cidr in [*args.edge_cidrs, *args.platform_cidrs]],
                "ports": [{"protocol": "TCP", "port": HTTPS_PORT}],
            }
        ]
        if args.monitoring_namespace:
            ingress.append(
                {
                    "from": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": args.monitoring_namespace}
                            }
                        }
                    ],
                    "ports": [{"protocol": "TCP", "port": METRICS_PORT}],
                }
            )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-allow-ingress",
            metadata=meta("api-ingress"),
            spec={"podSelector": {"matchLabels": app}, "policyTypes": ["Ingress"], "ingress": ingress},
            opts=opts,
        )
        dns = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
        k8s.networking.v1.NetworkPolicy(
            f"{name}-allow-egress",
            metadata=meta("api-egress"),
            spec={
                "podSelector": {"matchLabels": app},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [
                            {
                                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                            }
                        ],
                        "ports": dns,
                    },
                    # The databases and private endpoints of every region, over the VPC and the VPN mesh.
                    {
                        "to": [{"ipBlock": {"cidr": cidr}} for cidr in args.platform_cidrs],
                        "ports": [{"protocol": "TCP", "port": 5432}, {"protocol": "TCP", "port": 443}],
                    },
                    # The clouds' public APIs (token exchange, object storage) over TLS only.
                    {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]},
                ],
            },
            opts=opts,
        )


def token_audiences(bindings: TrustBindings) -> dict[Cloud, pulumi.Input[str]]:
    """Audience of the projected token each bound cloud accepts."""
    audiences: dict[Cloud, pulumi.Input[str]] = {}
    for cloud in bindings.targets:
        if cloud == "aws":
            audiences["aws"] = AWS_AUDIENCE
        elif cloud == "azure":
            audiences["azure"] = AZURE_AUDIENCE
        elif bindings.gcp_audience is not None:
            audiences["gcp"] = bindings.gcp_audience
    return audiences


def credential_env(bindings: TrustBindings) -> list[dict[str, Any]]:
    """The environment each cloud's SDK reads to exchange the projected token for its own credentials."""
    env: list[dict[str, Any]] = []
    if bindings.aws_role_arn is not None:
        env += [
            {"name": "AWS_ROLE_ARN", "value": bindings.aws_role_arn},
            {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": f"{TOKENS_DIR}/aws/token"},
            {"name": "AWS_STS_REGIONAL_ENDPOINTS", "value": "regional"},
        ]
    if bindings.azure_client_id is not None:
        env += [
            {"name": "AZURE_CLIENT_ID", "value": bindings.azure_client_id},
            {"name": "AZURE_TENANT_ID", "value": bindings.azure_tenant_id or ""},
            {"name": "AZURE_FEDERATED_TOKEN_FILE", "value": f"{TOKENS_DIR}/azure/token"},
            {"name": "AZURE_AUTHORITY_HOST", "value": "https://login.microsoftonline.com/"},
        ]
    if "gcp" in bindings.targets:
        env.append({"name": "GOOGLE_APPLICATION_CREDENTIALS", "value": GCP_CREDENTIALS})
    return env


def gcp_external_account(bindings: TrustBindings) -> pulumi.Output[str]:
    """Google's external-account credential config: exchange the projected token at STS, then impersonate the
    trust's service account. It holds no secret."""
    return pulumi.Output.all(bindings.gcp_audience, bindings.gcp_service_account).apply(
        lambda values: json.dumps(
            {
                "type": "external_account",
                "audience": values[0],
                "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
                "token_url": "https://sts.googleapis.com/v1/token",
                "credential_source": {"file": f"{TOKENS_DIR}/gcp/token", "format": {"type": "text"}},
                "service_account_impersonation_url": (
                    f"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/{values[1]}:generateAccessToken"
                ),
            },
            indent=2,
        )
    )


def image_version(image: str) -> str:
    """The version label of an image reference (its tag, else the digest's first 12 hex digits)."""
    reference = image.split("@", 1)
    last = reference[0].rsplit("/", 1)[-1]
    if ":" in last:
        return last.split(":", 1)[1][:63]
    return reference[1].removeprefix("sha256:")[:12] if len(reference) > 1 else "unknown"
