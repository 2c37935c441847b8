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
SKIP_AWAIT = {"pulumi.com/skipAwait": "true"}
"""On the Deployment and its Services: the pods start once the operator has created the TLS Secret (after the
first `up`, in the namespace it creates), so `up` must not wait for them to become ready."""


@dataclass(frozen=True)
class TrustBindings:
    """What the API's service account may become in the other clouds (the federation's outputs for its cluster)."""

    aws_role_arn: pulumi.Input[str] | None = None
    """IAM role assumed with the cluster's token (audience sts.amazonaws.com)."""
    aws_region: str | None = None
    """AWS region the SDKs call (STS regional endpoint, the buckets): the stack's primary AWS region."""
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
        self._args = args
        self._app = {"app.kubernetes.io/name": "api", "app.kubernetes.io/part-of": "multicloud-platform"}
        self._labels = {**args.labels, **self._app, "app.kubernetes.io/managed-by": "pulumi"}
        api = args.api
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={
                "name": api.namespace,
                # Pod Security Admission: the API must meet the `restricted` profile.
                "labels": {
                    **self._labels,
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/audit": "restricted",
                    "pod-security.kubernetes.io/warn": "restricted",
                },
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        in_namespace = pulumi.ResourceOptions(parent=self, depends_on=[namespace])
        account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata=self._meta(api.service_account, {"platform/trusted-by": ",".join(args.bindings.targets)}),
            automount_service_account_token=False,
            opts=in_namespace,
        )
        credentials = None
        if "gcp" in args.bindings.targets:
            credentials = k8s.core.v1.ConfigMap(
                f"{name}-gcp-credentials",
                metadata=self._meta(f"{api.service_account}-gcp-credentials"),
                data={"credentials.json": gcp_external_account(args.bindings)},
                opts=in_namespace,
            )
        k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=self._meta("api", SKIP_AWAIT),
            spec={
                "replicas": api.replicas,
                "revision_history_limit": 5,
                "selector": {"match_labels": self._app},
                "strategy": {"type": "RollingUpdate", "rolling_update": {"max_unavailable": 0, "max_surge": 1}},
                "template": {
                    "metadata": {"labels": {**self._app, "app.kubernetes.io/version": image_version(api.image)}},
                    "spec": self._pod_spec(account, credentials),
                },
            },
            # The autoscaler owns the replica count once the Deployment exists.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[namespace], ignore_changes=["spec.replicas"]),
        )
        k8s.core.v1.Service(
            f"{name}-service",
            metadata=self._meta("api", SKIP_AWAIT),
            spec={
                "type": "ClusterIP",
                "selector": self._app,
                "ports": [
                    {"name": "https", "port": 443, "target_port": "https", "protocol": "TCP"},
                    {"name": "metrics", "port": METRICS_PORT, "target_port": "metrics", "protocol": "TCP"},
                ],
            },
            opts=in_namespace,
        )
        annotations, address = ingress_service(args.cloud, args.ingress_binding, args.health_path)
        ingress = k8s.core.v1.Service(
            f"{name}-ingress",
            metadata=self._meta("api-ingress", {**annotations, **SKIP_AWAIT}),
            spec={
                "type": "LoadBalancer",
                "selector": self._app,
                # Keeps the client's address, so the load balancer and the network policy admit only the edge.
                "external_traffic_policy": "Local",
                "load_balancer_source_ranges": list(args.edge_cidrs),
                "load_balancer_ip": address,
                "ports": [{"name": "https", "port": 443, "target_port": "https", "protocol": "TCP"}],
            },
            opts=in_namespace,
        )
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-autoscaler",
            metadata=self._meta("api"),
            spec={
                "scale_target_ref": {"api_version": "apps/v1", "kind": "Deployment", "name": "api"},
                "min_replicas": api.replicas,
                "max_replicas": api.max_replicas,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "average_utilization": api.cpu_utilization},
                        },
                    }
                ],
                "behavior": {"scale_down": {"stabilization_window_seconds": 300}},
            },
            opts=in_namespace,
        )
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-disruption-budget",
            metadata=self._meta("api"),
            spec={"max_unavailable": 1, "selector": {"match_labels": self._app}},
            opts=in_namespace,
        )
        self._network_policies(name, in_namespace)

        self.namespace = namespace.metadata.name
        self.service_account = account.metadata.name
        self.ingress_service = ingress.metadata.name
        self.register_outputs({"namespace": self.namespace, "ingress_service": self.ingress_service})

    def _meta(self, name: str, annotations: Mapping[str, Any] | None = None) -> k8s.meta.v1.ObjectMetaArgsDict:
        """Metadata of an object of the API's namespace."""
        meta: k8s.meta.v1.ObjectMetaArgsDict = {
            "name": name,
            "namespace": self._args.api.namespace,
            "labels": self._labels,
        }
        if annotations:
            meta["annotations"] = dict(annotations)
        return meta

    def _pod_spec(
        self, account: k8s.core.v1.ServiceAccount, credentials: k8s.core.v1.ConfigMap | None
    ) -> k8s.core.v1.PodSpecArgsDict:
        """Non-root, read-only, no capabilities, RuntimeDefault seccomp; spread across zones; on the cloud's user
        nodes, tolerating spot; the TLS certificate and the other clouds' projected tokens mounted read-only."""
        args, api = self._args, self._args.api
        resources = api.resources
        probe: k8s.core.v1.ProbeArgsDict = {
            "http_get": {"path": args.health_path, "port": "https", "scheme": "HTTPS"},
            "timeout_seconds": 2,
        }
        volumes: list[k8s.core.v1.VolumeArgsDict] = [
            {"name": "tls", "secret": {"secret_name": api.tls_secret, "default_mode": 0o440}},
            {"name": "tmp", "empty_dir": {"size_limit": "64Mi"}},
        ]
        mounts: list[k8s.core.v1.VolumeMountArgsDict] = [
            {"name": "tls", "mount_path": "/etc/platform/tls", "read_only": True},
            {"name": "tmp", "mount_path": "/tmp"},
        ]
        audiences = token_audiences(args.bindings)
        if audiences:
            volumes.append(
                {
                    "name": "cloud-tokens",
                    "projected": {
                        "default_mode": 0o440,
                        "sources": [
                            {
                                "service_account_token": {
                                    "audience": aud,
                                    "expiration_seconds": 3600,
                                    "path": f"{cloud}/token",
                                }
                            }
                            for cloud, aud in audiences.items()
                        ],
                    },
                }
            )
            mounts.append({"name": "cloud-tokens", "mount_path": TOKENS_DIR, "read_only": True})
        if credentials is not None:
            volumes.append(
                {"name": "gcp-credentials", "config_map": {"name": credentials.metadata.name, "default_mode": 0o444}}
            )
            mounts.append(
                {"name": "gcp-credentials", "mount_path": GCP_CREDENTIALS.rsplit("/", 1)[0], "read_only": True}
            )
        env: list[k8s.core.v1.EnvVarArgsDict] = [
            {"name": "CLOUD_PROVIDER", "value": args.cloud},
            {"name": "CLOUD_REGION", "value": args.region},
            {"name": "PLATFORM_ENVIRONMENT", "value": args.environment},
            {"name": "PUBLIC_HOSTNAME", "value": args.hostname},
            {"name": "TLS_CERT_FILE", "value": "/etc/platform/tls/tls.crt"},
            {"name": "TLS_KEY_FILE", "value": "/etc/platform/tls/tls.key"},
            {"name": "METRICS_PORT", "value": str(METRICS_PORT)},
            *credential_env(args.bindings),
        ]
        zone_spread = "DoNotSchedule" if args.environment == "prod" else "ScheduleAnyway"
        return {
            "service_account_name": account.metadata.name,
            "automount_service_account_token": False,
            "enable_service_links": False,
            "termination_grace_period_seconds": 30,
            "security_context": {
                "run_as_non_root": True,
                "run_as_user": RUN_AS,
                "run_as_group": RUN_AS,
                "fs_group": RUN_AS,
                "seccomp_profile": {"type": "RuntimeDefault"},
            },
            "affinity": {"node_affinity": node_affinity(args.cloud)},
            "tolerations": [SPOT_TOLERATIONS[args.cloud]],
            "topology_spread_constraints": [
                {
                    "max_skew": 1,
                    "topology_key": "topology.kubernetes.io/zone",
                    "when_unsatisfiable": zone_spread,
                    "label_selector": {"match_labels": self._app},
                },
                {
                    "max_skew": 1,
                    "topology_key": "kubernetes.io/hostname",
                    "when_unsatisfiable": "ScheduleAnyway",
                    "label_selector": {"match_labels": self._app},
                },
            ],
            "containers": [
                {
                    "name": "api",
                    "image": api.image,
                    "image_pull_policy": "Always",
                    "ports": [
                        {"name": "https", "container_port": HTTPS_PORT, "protocol": "TCP"},
                        {"name": "metrics", "container_port": METRICS_PORT, "protocol": "TCP"},
                    ],
                    "env": env,
                    "resources": {
                        "requests": {"cpu": resources.cpu_request, "memory": resources.memory_request},
                        "limits": {"cpu": resources.cpu_limit, "memory": resources.memory_limit},
                    },
                    "security_context": {
                        "run_as_non_root": True,
                        "run_as_user": RUN_AS,
                        "allow_privilege_escalation": False,
                        "privileged": False,
                        "read_only_root_filesystem": True,
                        "capabilities": {"drop": ["ALL"]},
                        "seccomp_profile": {"type": "RuntimeDefault"},
                    },
                    "startup_probe": {**probe, "period_seconds": 5, "failure_threshold": 24},
                    "liveness_probe": {**probe, "period_seconds": 10, "failure_threshold": 3},
                    "readiness_probe": {**probe, "period_seconds": 5, "failure_threshold": 2},
                    "volume_mounts": mounts,
                }
            ],
            "volumes": volumes,
        }

    def _network_policies(self, name: str, opts: pulumi.ResourceOptions) -> None:
        """Deny everything in the namespace, then admit what the API needs and nothing else."""
        args = self._args
        k8s.networking.v1.NetworkPolicy(
            f"{name}-default-deny",
            metadata=self._meta("default-deny"),
            spec={"pod_selector": {}, "policy_types": ["Ingress", "Egress"]},
            opts=opts,
        )
        ingress: list[k8s.networking.v1.NetworkPolicyIngressRuleArgsDict] = [
            {
                "from_": [{"ip_block": {"cidr": cidr}} for cidr in [*args.edge_cidrs, *args.platform_cidrs]],
                "ports": [{"protocol": "TCP", "port": HTTPS_PORT}],
            }
        ]
        if args.monitoring_namespace:
            ingress.append(
                {
                    "from_": [{"namespace_selector": {"match_labels": _namespace(args.monitoring_namespace)}}],
                    "ports": [{"protocol": "TCP", "port": METRICS_PORT}],
                }
            )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-allow-ingress",
            metadata=self._meta("api-ingress"),
            spec={"pod_selector": {"match_labels": self._app}, "policy_types": ["Ingress"], "ingress": ingress},
            opts=opts,
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-allow-egress",
            metadata=self._meta("api-egress"),
            spec={
                "pod_selector": {"match_labels": self._app},
                "policy_types": ["Egress"],
                "egress": [
                    {
                        "to": [
                            {
                                "namespace_selector": {"match_labels": _namespace("kube-system")},
                                "pod_selector": {"match_labels": {"k8s-app": "kube-dns"}},
                            }
                        ],
                        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                    },
                    # The databases and private endpoints of every region, over the VPC and the VPN mesh.
                    {
                        "to": [{"ip_block": {"cidr": cidr}} for cidr in args.platform_cidrs],
                        "ports": [{"protocol": "TCP", "port": 5432}, {"protocol": "TCP", "port": 443}],
                    },
                    # The clouds' public APIs (token exchange, object storage) over TLS only.
                    {"to": [{"ip_block": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]},
                ],
            },
            opts=opts,
        )


def _namespace(name: str) -> dict[str, str]:
    """Labels selecting one namespace by name."""
    return {"kubernetes.io/metadata.name": name}


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


def credential_env(bindings: TrustBindings) -> list[k8s.core.v1.EnvVarArgsDict]:
    """The environment each cloud's SDK reads to exchange the projected token for its own credentials."""
    env: list[k8s.core.v1.EnvVarArgsDict] = []
    if bindings.aws_role_arn is not None:
        env += [
            {"name": "AWS_ROLE_ARN", "value": bindings.aws_role_arn},
            {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": f"{TOKENS_DIR}/aws/token"},
            {"name": "AWS_STS_REGIONAL_ENDPOINTS", "value": "regional"},
        ]
        # Off AWS nothing tells an SDK its region (no instance metadata of EKS): most fail before any call without
        # one ("You must set a default AWS Region", https://docs.aws.amazon.com/sdk-for-rust/latest/dg/region.html;
        # aws/aws-sdk-go-v2#515). AWS_REGION is the SDKs' shared variable
        # (https://docs.aws.amazon.com/sdkref/latest/guide/feature-region.html); boto3 reads AWS_DEFAULT_REGION
        # (https://boto3.amazonaws.com/v1/documentation/api/latest/guide/configuration.html).
        if bindings.aws_region is not None:
            env += [
                {"name": "AWS_REGION", "value": bindings.aws_region},
                {"name": "AWS_DEFAULT_REGION", "value": bindings.aws_region},
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
