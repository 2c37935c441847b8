"""Kubernetes guardrails: cluster versions and node pools on EKS, AKS and GKE; workloads (pulumi-kubernetes)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import aws, azure, gcp
from .common import KUBERNETES_VERSIONS, Context, dig, items, mapping, minor_version, number, resource_policy

AREA = "kubernetes"

# Where each cluster / pool type keeps its Kubernetes version; control planes must pin one.
CONTROL_PLANE_VERSION = {
    aws.EKS_CLUSTER: "version",
    azure.AKS_CLUSTER: "kubernetesVersion",
    gcp.GKE_CLUSTER: "minMasterVersion",
}
POOL_VERSION = {
    aws.EKS_NODE_GROUP: "version",
    azure.AKS_AGENT_POOL: "orchestratorVersion",
    gcp.GKE_NODE_POOL: "version",
}
POOL_TYPES = [aws.EKS_NODE_GROUP, azure.AKS_CLUSTER, azure.AKS_AGENT_POOL, gcp.GKE_NODE_POOL]

# Pod specs inside each workload kind (wire paths).
POD_SPEC = {
    "kubernetes:core/v1:Pod": "spec",
    "kubernetes:apps/v1:Deployment": "spec.template.spec",
    "kubernetes:apps/v1:StatefulSet": "spec.template.spec",
    "kubernetes:apps/v1:DaemonSet": "spec.template.spec",
    "kubernetes:apps/v1:ReplicaSet": "spec.template.spec",
    "kubernetes:batch/v1:Job": "spec.template.spec",
    "kubernetes:batch/v1:CronJob": "spec.jobTemplate.spec.template.spec",
}
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
DANGEROUS_CAPABILITIES = ("ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE")
EXEMPT_NAMESPACES = {
    "type": "array",
    "items": {"type": "string"},
    "default": ["kube-system"],
    "description": "Namespaces exempt from this rule (cluster add-ons).",
}


# --- versions --------------------------------------------------------------------------------------------


def _version(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    allowed = list(ctx.config["allowedVersions"])
    if ctx.resource_type in CONTROL_PLANE_VERSION:
        path = CONTROL_PLANE_VERSION[ctx.resource_type]
        value = props.get(path)
        if value is None:
            yield f"{path} is not set: the cloud picks (and later changes) the version; pin one of {allowed}"
        elif minor_version(value) not in allowed:
            yield f"{path} {value} is not a supported version; allowed: {allowed}"
    pools: list[tuple[str, Any]] = []
    if ctx.resource_type in POOL_VERSION:
        pools.append((POOL_VERSION[ctx.resource_type], props.get(POOL_VERSION[ctx.resource_type])))
    if ctx.resource_type == azure.AKS_CLUSTER:
        pools += [
            (f"agentPoolProfiles[{i}].orchestratorVersion", dig(p, "orchestratorVersion"))
            for i, p in enumerate(items(props.get("agentPoolProfiles")))
        ]
    if ctx.resource_type == gcp.GKE_CLUSTER:
        pools.append(("nodeVersion", props.get("nodeVersion")))
    for path, value in pools:  # pools may inherit the control plane's version
        if value is not None and minor_version(value) not in allowed:
            yield f"{path} {value} is not a supported version; allowed: {allowed}"


# --- node pools ------------------------------------------------------------------------------------------


def _pools(props: Mapping[str, Any], resource_type: str) -> list[tuple[str, Mapping[str, Any]]]:
    """(label, pool properties) of every pool the resource defines."""
    if resource_type == azure.AKS_CLUSTER:
        return [(f"agentPoolProfiles[{i}]", mapping(p)) for i, p in enumerate(items(props.get("agentPoolProfiles")))]
    return [("", props)]


def _bounds(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    maximum = ctx.config["maxNodes"]
    for label, pool in _pools(props, ctx.resource_type):
        prefix = f"{label}." if label else ""
        for problem in _pool_bounds(pool, ctx.resource_type, maximum):
            yield prefix + problem


def _pool_bounds(pool: Mapping[str, Any], resource_type: str, maximum: int) -> Iterator[str]:
    if resource_type == aws.EKS_NODE_GROUP:
        scaling = mapping(pool.get("scalingConfig"))
        low, desired, high = (number(scaling.get(k)) for k in ("minSize", "desiredSize", "maxSize"))
        if low is None or high is None:
            yield "scalingConfig.minSize/maxSize are not set"
            return
        labels = ("scalingConfig.minSize", "scalingConfig.maxSize")
    elif resource_type == gcp.GKE_NODE_POOL:
        autoscaling = mapping(pool.get("autoscaling"))
        if not autoscaling:
            fixed = number(pool.get("nodeCount") or pool.get("initialNodeCount"))
            if fixed is not None and fixed > maximum:
                yield f"nodeCount {int(fixed)} exceeds {maximum}"
            return
        low = number(autoscaling.get("minNodeCount", autoscaling.get("totalMinNodeCount")))
        high = number(autoscaling.get("maxNodeCount", autoscaling.get("totalMaxNodeCount")))
        desired = None
        if high is None:
            yield "autoscaling has no maxNodeCount/totalMaxNodeCount"
            return
        low = 0.0 if low is None else low
        labels = ("autoscaling.minNodeCount", "autoscaling.maxNodeCount")
    else:  # AKS agent pool (separate resource or inline profile)
        if pool.get("enableAutoScaling") is not True:
            fixed = number(pool.get("count"))
            if fixed is not None and fixed > maximum:
                yield f"count {int(fixed)} exceeds {maximum}"
            return
        low, high, desired = number(pool.get("minCount")), number(pool.get("maxCount")), number(pool.get("count"))
        if low is None or high is None:
            yield "enableAutoScaling without minCount/maxCount"
            return
        labels = ("minCount", "maxCount")
    if low > high:
        yield f"{labels[0]} {int(low)} exceeds {labels[1]} {int(high)}"
    if desired is not None and not low <= desired <= high:
        yield f"desired size {int(desired)} lies outside [{int(low)}, {int(high)}]"
    if high > maximum:
        yield f"{labels[1]} {int(high)} exceeds the allowed {maximum}"


def _spot(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    for label, pool in _pools(props, ctx.resource_type):
        prefix = f"{label}: " if label else ""
        if not _is_spot(pool, ctx.resource_type):
            continue
        if not ctx.config["allowSpot"]:
            yield f"{prefix}spot capacity is not allowed in this stack"
            continue
        if ctx.resource_type in (azure.AKS_CLUSTER, azure.AKS_AGENT_POOL):
            if pool.get("mode") == "System":
                yield f"{prefix}a System pool runs on spot VMs: evictions take cluster add-ons down"
            continue  # AKS taints spot pools itself (kubernetes.azure.com/scalesetpriority=spot:NoSchedule)
        if ctx.config["requireTaint"] and not _has_no_schedule_taint(pool, ctx.resource_type):
            yield f"{prefix}spot pool without a NoSchedule taint: workloads that can't tolerate eviction land on it"


def _is_spot(pool: Mapping[str, Any], resource_type: str) -> bool:
    if resource_type == aws.EKS_NODE_GROUP:
        return pool.get("capacityType") == "SPOT"
    if resource_type == gcp.GKE_NODE_POOL:
        return dig(pool, "nodeConfig.spot") is True or dig(pool, "nodeConfig.preemptible") is True
    return pool.get("scaleSetPriority") == "Spot"


def _has_no_schedule_taint(pool: Mapping[str, Any], resource_type: str) -> bool:
    taints = items(pool.get("taints")) if resource_type == aws.EKS_NODE_GROUP else items(dig(pool, "nodeConfig.taints"))
    return any(dig(t, "effect") in ("NO_SCHEDULE", "NoSchedule") for t in taints)


# --- workloads -------------------------------------------------------------------------------------------


def _containers(props: Mapping[str, Any], resource_type: str) -> tuple[Mapping[str, Any], list[tuple[str, Any]]]:
    spec = mapping(dig(props, POD_SPEC[resource_type]))
    found = [
        (f"{kind}[{dig(c, 'name') or i}]", c) for kind in CONTAINER_LISTS for i, c in enumerate(items(spec.get(kind)))
    ]
    return spec, found


def _exempt(props: Mapping[str, Any], ctx: Context) -> bool:
    return str(dig(props, "metadata.namespace") or "default") in ctx.config["exemptNamespaces"]


def _privileged(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if _exempt(props, ctx):
        return
    spec, containers = _containers(props, ctx.resource_type)
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(flag) is True:
            yield f"pod spec sets {flag}: the pod shares the node's namespaces"
    for label, container in containers:
        context = mapping(dig(container, "securityContext"))
        if context.get("privileged") is True:
            yield f"{label} is privileged"
        if context.get("allowPrivilegeEscalation") is True:
            yield f"{label} allows privilege escalation"
        added = [c for c in items(dig(context, "capabilities.add")) if str(c).upper() in DANGEROUS_CAPABILITIES]
        if added:
            yield f"{label} adds capabilities {added}"


def _limits(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    _, containers = _containers(props, ctx.resource_type)
    for label, container in containers:
        if label.startswith("ephemeralContainers"):
            continue
        resources = mapping(dig(container, "resources"))
        if dig(resources, "limits.memory") is None:
            yield f"{label} has no memory limit"
        if dig(resources, "requests.cpu") is None:
            yield f"{label} has no CPU request"


def _image_pinned(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    _, containers = _containers(props, ctx.resource_type)
    for label, container in containers:
        image = str(dig(container, "image") or "")
        if "@sha256:" in image:
            continue
        tag = image.rsplit("/", 1)[-1].partition(":")[2]
        if not tag or tag == "latest":
            yield f"{label} image {image or '(none)'} is not pinned to a version tag or digest"


def _non_root(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if _exempt(props, ctx):
        return
    spec, containers = _containers(props, ctx.resource_type)
    pod = mapping(spec.get("securityContext"))
    for label, container in containers:
        context = mapping(dig(container, "securityContext"))
        non_root = context.get("runAsNonRoot", pod.get("runAsNonRoot"))
        user = number(context.get("runAsUser", pod.get("runAsUser")))
        if non_root is not True or user == 0:
            yield f"{label} may run as root: set runAsNonRoot true (and a non-zero runAsUser)"
        if context.get("readOnlyRootFilesystem") is not True and not label.startswith("ephemeralContainers"):
            yield f"{label} has a writable root filesystem: set readOnlyRootFilesystem true"


SERVICE = "kubernetes:core/v1:Service"
INTERNAL_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
    "networking.gke.io/load-balancer-type": "Internal",
}
"""Annotations that keep a LoadBalancer Service private on EKS, AKS and GKE."""


def _load_balancer_sources(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if dig(props, "spec.type") != "LoadBalancer":
        return
    annotations = mapping(dig(props, "metadata.annotations"))
    if any(str(annotations.get(key)) == value for key, value in INTERNAL_ANNOTATIONS.items()):
        return
    sources = [str(c) for c in items(dig(props, "spec.loadBalancerSourceRanges"))]
    if not sources:
        yield "an internet-facing LoadBalancer without spec.loadBalancerSourceRanges accepts the whole internet"
    elif any(c in ("0.0.0.0/0", "::/0") for c in sources):
        yield f"loadBalancerSourceRanges {sources} admit the whole internet"


POLICIES = [
    resource_policy(
        "kubernetes-supported-version",
        area=AREA,
        types=[*CONTROL_PLANE_VERSION, *POOL_VERSION],
        severity="high",
        summary="Clusters pin a Kubernetes version still in standard support on EKS, AKS and GKE; pools don't lag.",
        remediation="Set kubernetes.version to one of the supported versions (components/settings/catalog.py).",
        check=_version,
        reads={
            aws.EKS_CLUSTER: ("version",),
            aws.EKS_NODE_GROUP: ("version",),
            azure.AKS_CLUSTER: ("kubernetesVersion", "agentPoolProfiles.orchestratorVersion"),
            azure.AKS_AGENT_POOL: ("orchestratorVersion",),
            gcp.GKE_CLUSTER: ("minMasterVersion", "nodeVersion"),
            gcp.GKE_NODE_POOL: ("version",),
        },
        config={
            "allowedVersions": {
                "type": "array",
                "items": {"type": "string", "pattern": r"^1\.\d+$"},
                "default": list(KUBERNETES_VERSIONS),
                "description": "Supported Kubernetes minor versions.",
            }
        },
    ),
    resource_policy(
        "kubernetes-node-pool-bounds",
        area=AREA,
        types=POOL_TYPES,
        severity="medium",
        summary="Node pools autoscale within explicit bounds (min <= desired <= max <= maxNodes).",
        remediation="Set the pool's min/max (kubernetes.pools.<cloud>.<pool>) within maxNodes.",
        check=_bounds,
        security=False,
        reads={
            aws.EKS_NODE_GROUP: ("scalingConfig.minSize", "scalingConfig.desiredSize", "scalingConfig.maxSize"),
            azure.AKS_CLUSTER: (
                "agentPoolProfiles.enableAutoScaling",
                "agentPoolProfiles.minCount",
                "agentPoolProfiles.maxCount",
                "agentPoolProfiles.count",
            ),
            azure.AKS_AGENT_POOL: ("enableAutoScaling", "minCount", "maxCount", "count"),
            gcp.GKE_NODE_POOL: (
                "autoscaling.minNodeCount",
                "autoscaling.maxNodeCount",
                "autoscaling.totalMinNodeCount",
                "autoscaling.totalMaxNodeCount",
                "nodeCount",
                "initialNodeCount",
            ),
        },
        config={
            "maxNodes": {
                "type": "integer",
                "minimum": 1,
                "maximum": 1000,
                "default": 20,
                "description": "Largest allowed maximum size of one pool.",
            }
        },
    ),
    resource_policy(
        "kubernetes-spot-pools",
        area=AREA,
        types=POOL_TYPES,
        severity="medium",
        summary="Spot/preemptible pools exist only where allowed, are never system pools and are tainted.",
        remediation="Taint spot pools NoSchedule (workloads opt in with a toleration); keep system pools on-demand; "
        "set allowSpot false to forbid spot in a stack.",
        check=_spot,
        security=False,
        reads={
            aws.EKS_NODE_GROUP: ("capacityType", "taints.effect"),
            azure.AKS_CLUSTER: ("agentPoolProfiles.scaleSetPriority", "agentPoolProfiles.mode"),
            azure.AKS_AGENT_POOL: ("scaleSetPriority", "mode"),
            gcp.GKE_NODE_POOL: ("nodeConfig.spot", "nodeConfig.preemptible", "nodeConfig.taints.effect"),
        },
        config={
            "allowSpot": {"type": "boolean", "default": True, "description": "Whether spot capacity is allowed."},
            "requireTaint": {
                "type": "boolean",
                "default": True,
                "description": "Require a NoSchedule taint on spot pools (EKS, GKE).",
            },
        },
    ),
    resource_policy(
        "kubernetes-no-privileged-workloads",
        area=AREA,
        types=list(POD_SPEC),
        severity="critical",
        summary="Workloads run no privileged containers, no privilege escalation, no host namespaces.",
        remediation="Drop privileged/allowPrivilegeEscalation/hostNetwork/hostPID/hostIPC and dangerous capabilities; "
        "run node agents in an exempt namespace.",
        check=_privileged,
        reads={
            "kubernetes:apps/v1:Deployment": (
                "metadata.namespace",
                "spec.template.spec.hostNetwork",
                "spec.template.spec.containers.securityContext.privileged",
            ),
        },
        config={"exemptNamespaces": EXEMPT_NAMESPACES},
    ),
    resource_policy(
        "kubernetes-resource-limits",
        area=AREA,
        types=list(POD_SPEC),
        severity="low",
        summary="Containers declare a memory limit and a CPU request.",
        remediation="Set resources.limits.memory and resources.requests.cpu on every container.",
        check=_limits,
        security=False,
        reads={"kubernetes:apps/v1:Deployment": ("spec.template.spec.containers.resources",)},
    ),
    resource_policy(
        "kubernetes-image-pinned",
        area=AREA,
        types=list(POD_SPEC),
        severity="medium",
        summary="Container images are pinned to a version tag or digest (never latest).",
        remediation="Reference images as repo:1.2.3 or repo@sha256:...",
        check=_image_pinned,
        security=False,
        reads={"kubernetes:apps/v1:Deployment": ("spec.template.spec.containers.image",)},
    ),
    resource_policy(
        "kubernetes-non-root-read-only",
        area=AREA,
        types=list(POD_SPEC),
        severity="high",
        summary="Containers run as non-root with a read-only root filesystem.",
        remediation="Set securityContext.runAsNonRoot true, a non-zero runAsUser and readOnlyRootFilesystem true "
        "(mount an emptyDir where the process writes).",
        check=_non_root,
        reads={
            "kubernetes:apps/v1:Deployment": (
                "metadata.namespace",
                "spec.template.spec.securityContext.runAsNonRoot",
                "spec.template.spec.containers.securityContext.readOnlyRootFilesystem",
            ),
        },
        config={"exemptNamespaces": EXEMPT_NAMESPACES},
    ),
    resource_policy(
        "kubernetes-load-balancer-source-ranges",
        area=AREA,
        types=[SERVICE],
        severity="high",
        summary="Internet-facing LoadBalancer Services admit only listed source ranges (the edge), never 0.0.0.0/0.",
        remediation="Set spec.loadBalancerSourceRanges to the edge's ranges, or make the Service internal.",
        check=_load_balancer_sources,
        reads={SERVICE: ("spec.type", "metadata.annotations", "spec.loadBalancerSourceRanges")},
    ),
]
