"""The deploy check: what the clouds refuse that the mock runtime accepts, caught on the plan's dependency graph.

Pure rules over the recording (or a saved `plan --json` file): each rule encodes one documented cloud behaviour
(propagation after grants, operations a cloud serializes, prerequisites, readiness of in-cluster objects) and
names the resources that break it. The same graph gives the deploy-time estimate and its critical path.

The graph is the engine's: a resource starts once its dependencies, its provider and its custom parent exist, and
a dependency on a component means every custom resource below it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TextIO

from components.gcp.services import AGENT_SERVICES, READ_AGENTS, RUNTIME_APIS, SERVICE_TYPE, api_of
from components.lib import gcs_locations, waits
from components.lib.aks_pools import pool_name
from components.lib.fingerprint import fingerprint
from components.lib.waits import Wait

from .compute_needs import machines, summary

Violations = list[tuple[tuple[str, ...], str]]
"""(resources, message) of each violation of one rule."""
SLEEP = "time:index/sleep:Sleep"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
KMS_GRANT = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"
AKS = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
EKS = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
EKS_ADDON = "aws:eks/addon:Addon"
GKE = "gcp:container/cluster:Cluster"
GKE_POOL = "gcp:container/nodePool:NodePool"
K8S_PROVIDER = "pulumi:providers:kubernetes"
FLEX_SERVER = "azure-native:dbforpostgresql:Server"
FLEX_WRITES = ("azure-native:dbforpostgresql:Database", "azure-native:dbforpostgresql:Configuration")
AKS_RBAC_ROLES = {
    "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b": "Azure Kubernetes Service RBAC Cluster Admin",
    "3498e952-d568-435e-9b2c-8d77e338d7f7": "Azure Kubernetes Service RBAC Admin",
    "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb": "Azure Kubernetes Service RBAC Writer",
    "7f6c6a51-bcf8-42ba-9220-52d62157d7db": "Azure Kubernetes Service RBAC Reader",
}
"""Built-in roles whose grant the AKS authorizer must learn before a Kubernetes call succeeds."""
CORE_ADDONS = ("coredns", "aws-ebs-csi-driver", "metrics-server")
"""EKS add-ons that run as Deployments on the nodes: DNS, volumes, resource metrics (what in-cluster objects need)."""


# --- the graph ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """One registered resource, as the rules see it."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    provider: str
    """URN of its provider ('' for the default one)."""
    dependencies: tuple[str, ...]
    inputs: Mapping[str, Any]
    ignore_changes: tuple[str, ...] = ()
    outputs: Mapping[str, Any] = field(default_factory=dict)
    """What the provider reports after create (a plan file holds them for `OUTPUTS_READ` types only)."""
    protect: bool = False
    retain_on_delete: bool = False
    replace_on_changes: tuple[str, ...] = ()
    delete_before_replace: bool | None = None
    """As the program set it (None: the provider decides; azure-native deletes first when a name changes)."""
    id: str = ""
    """The id the resource gets (ARM ids under the realistic mocks: what lock scopes are compared with)."""


class Graph:
    """The plan's resources and the engine's ordering between them."""

    def __init__(self, nodes: Iterable[Node]):
        self.nodes: dict[str, Node] = {n.urn: n for n in nodes}
        self._children: dict[str, list[str]] = {}
        for node in self.nodes.values():
            self._children.setdefault(node.parent, []).append(node.urn)
        self._ancestors: dict[str, frozenset[str]] = {}

    @classmethod
    def from_recording(cls, recording: Any) -> Graph:
        """From a `scripts.offline.Recording` (secrets stay wrapped; no rule reads them)."""
        return cls(
            Node(
                r.urn,
                r.type,
                r.name,
                r.parent,
                r.custom,
                r.provider_urn,
                tuple(r.dependencies),
                r.inputs,
                tuple(r.ignore_changes),
                r.outputs,
                r.protect,
                r.retain_on_delete,
                tuple(r.replace_on_changes),
                r.delete_before_replace,
                r.id,
            )
            for r in recording.resources
        )

    @classmethod
    def from_plan(cls, document: Mapping[str, Any]) -> Graph:
        """From a `plan --json` document (its `resources`)."""
        return cls(
            Node(
                r["urn"],
                r["type"],
                r["name"],
                r.get("parent", ""),
                bool(r.get("custom", True)),
                str(r.get("provider") or "").rsplit("::", 1)[0],
                tuple(r.get("dependencies") or ()),
                r.get("inputs") or {},
                tuple(r.get("ignore_changes") or ()),
                r.get("outputs") or {},
                bool(r.get("protect")),
                bool(r.get("retain_on_delete")),
                tuple(r.get("replace_on_changes") or ()),
                r.get("delete_before_replace"),
                str(r.get("id") or ""),
            )
            for r in document["resources"]
        )

    def of_type(self, *types: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.type in types]

    def descendants(self, urn: str) -> list[str]:
        """Custom resources below `urn`, at any depth."""
        found, frontier = [], list(self._children.get(urn, []))
        while frontier:
            child = frontier.pop()
            if self.nodes[child].custom:
                found.append(child)
            frontier += self._children.get(child, [])
        return found

    @cached_property
    def _direct(self) -> dict[str, frozenset[str]]:
        direct: dict[str, frozenset[str]] = {}
        for node in self.nodes.values():
            waits_for: set[str] = set()
            for dep in node.dependencies:
                target = self.nodes.get(dep)
                if target is None:
                    continue
                if target.custom:
                    waits_for.add(dep)
                else:  # a component: every custom resource below it
                    waits_for.update(self.descendants(dep))
            if node.provider in self.nodes:
                waits_for.add(node.provider)
            parent = self.nodes.get(node.parent)
            if parent is not None and parent.custom:
                waits_for.add(parent.urn)
            waits_for.discard(node.urn)
            direct[node.urn] = frozenset(waits_for)
        return direct

    def direct(self, urn: str) -> frozenset[str]:
        """What `urn` waits for directly: its dependencies (a component's descendants), its provider, its parent."""
        return self._direct[urn]

    def ancestors(self, urn: str) -> frozenset[str]:
        """Everything `urn` waits for, transitively (memoized; an iterative depth-first walk: plans are deep)."""
        if urn in self._ancestors:
            return self._ancestors[urn]
        stack = [(urn, iter(sorted(self.direct(urn))))]
        on_stack = {urn}
        while stack:
            current, pending = stack[-1]
            dep = next((d for d in pending if d not in self._ancestors and d not in on_stack), None)
            if dep is not None:
                stack.append((dep, iter(sorted(self.direct(dep)))))
                on_stack.add(dep)
                continue
            stack.pop()
            on_stack.discard(current)
            result: set[str] = set()
            for d in self.direct(current):
                result.add(d)
                result |= self._ancestors.get(d, frozenset())
            self._ancestors[current] = frozenset(result)
        return self._ancestors[urn]

    def waits_for(self, urn: str, target: str) -> bool:
        return target in self.ancestors(urn)


def sleep_seconds(node: Node) -> int:
    """The create duration of a Sleep, 0 when unreadable."""
    try:
        return waits.seconds_of(str(node.inputs.get("createDuration") or "0s"))
    except ValueError:
        return 0


def waited(graph: Graph, consumer: str, grant: str, seconds: int) -> bool:
    """`consumer` starts at least `seconds` after `grant` completes: a Sleep that long lies between them."""
    return any(
        graph.nodes[s].type == SLEEP and sleep_seconds(graph.nodes[s]) >= seconds and graph.waits_for(s, grant)
        for s in graph.ancestors(consumer)
    )


# --- findings and rules ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One broken rule."""

    rule: str
    severity: str
    """`blocker` (the cloud refuses it) or `warning`."""
    resources: tuple[str, ...]
    """URNs of the resources involved (the consumer first)."""
    message: str


@dataclass(frozen=True)
class Rule:
    """One cloud behaviour."""

    id: str
    severity: str
    behaviour: str
    doc: str
    check: Callable[[Graph], Violations]
    """Yields (resources, message) for each violation."""

    def run(self, graph: Graph) -> list[Finding]:
        return [Finding(self.id, self.severity, res, msg) for res, msg in self.check(graph)]


def _propagation(
    consumer: Callable[[Node], bool], grant_types: tuple[str, ...], wait: Wait, grant: Callable[[Node], bool]
) -> Callable[[Graph], Violations]:
    def check(graph: Graph) -> Violations:
        found: Violations = []
        for node in graph.nodes.values():
            if not node.custom or not consumer(node):
                continue
            for urn in sorted(graph.ancestors(node.urn)):
                g = graph.nodes[urn]
                if g.type in grant_types and grant(g) and not waited(graph, node.urn, urn, wait.seconds):
                    found.append(
                        ((node.urn, urn), f"{node.name} starts less than {wait.seconds} s after grant {g.name}")
                    )
        return found

    return check


def _encrypted_by_key_vault(node: Node) -> bool:
    i = node.inputs
    if node.type in ("azure-native:keyvault:Key", "azure-native:keyvault:Secret"):
        return True
    if node.type == FLEX_SERVER:
        return (i.get("dataEncryption") or {}).get("type") == "AzureKeyVault"
    if node.type == "azure-native:storage:StorageAccount":
        return (i.get("encryption") or {}).get("keySource") == "Microsoft.Keyvault"
    if node.type == AKS:
        return bool(((i.get("securityProfile") or {}).get("azureKeyVaultKms") or {}).get("enabled"))
    return False


def _cmek_consumer(node: Node) -> bool:
    i = node.inputs
    if node.type == GKE:
        return bool((i.get("databaseEncryption") or {}).get("keyName"))
    if node.type == "gcp:sql/databaseInstance:DatabaseInstance":
        return bool(i.get("encryptionKeyName"))
    if node.type == "gcp:storage/bucket:Bucket":
        return bool((i.get("encryption") or {}).get("defaultKmsKeyName"))
    if node.type == "gcp:secretmanager/secret:Secret":
        return "customerManagedEncryption" in json.dumps(i.get("replication") or {})
    return False


def _role_guid(node: Node) -> str:
    return str(node.inputs.get("roleDefinitionId") or "").rsplit("/", 1)[-1]


def _aks_rbac(graph: Graph) -> Violations:
    found: Violations = []
    for provider in graph.of_type(K8S_PROVIDER):
        clusters = [graph.nodes[u] for u in graph.ancestors(provider.urn) if graph.nodes[u].type == AKS]
        for cluster in clusters:
            grants = [
                graph.nodes[u]
                for u in graph.ancestors(provider.urn)
                if graph.nodes[u].type == ROLE_ASSIGNMENT and _role_guid(graph.nodes[u]) in AKS_RBAC_ROLES
            ]
            azure_rbac = (cluster.inputs.get("aadProfile") or {}).get("enableAzureRbac")
            if azure_rbac and cluster.inputs.get("disableLocalAccounts") and not grants:
                found.append(((provider.urn, cluster.urn), f"{provider.name} holds no AKS RBAC role on {cluster.name}"))
            for grant in grants:
                if not waited(graph, provider.urn, grant.urn, waits.AKS_RBAC.seconds):
                    found.append(
                        (
                            (provider.urn, grant.urn),
                            f"{provider.name} calls Kubernetes less than {waits.AKS_RBAC.seconds} s after {grant.name}",
                        )
                    )
    return found


EKS_ADMIN_ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
EKS_CLUSTER_ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
PROJECT_IAM_MEMBER = "gcp:projects/iAMMember:IAMMember"
GKE_ADMIN_ROLES = ("roles/container.admin", "roles/container.clusterAdmin")


def _cluster_grants(graph: Graph) -> Violations:
    """A Kubernetes provider on EKS or GKE logs in as the deployer: it waits for the grant that lets it in (EKS: a
    cluster-admin access policy association on that cluster; GKE: a container admin project grant, and its
    propagation wait). AKS is `aks-rbac-propagation`'s."""
    found: Violations = []
    for provider in graph.of_type(K8S_PROVIDER):
        before = [graph.nodes[u] for u in graph.ancestors(provider.urn)]
        for cluster in (n for n in before if n.type == EKS):
            name = cluster.inputs.get("name")
            if not any(
                n.type == EKS_ADMIN_ASSOCIATION
                and n.inputs.get("policyArn") == EKS_CLUSTER_ADMIN
                and n.inputs.get("clusterName") == name
                for n in before
            ):
                found.append(((provider.urn, cluster.urn), f"{provider.name} calls {name} before any admin access"))
        wait = waits.GCP_DEPLOYER_IAM.seconds
        if any(n.type == GKE for n in before):
            grants = [n for n in before if n.type == PROJECT_IAM_MEMBER and n.inputs.get("role") in GKE_ADMIN_ROLES]
            if not grants:
                found.append(((provider.urn,), f"{provider.name} calls GKE before the deployer's admin grant"))
            for grant in grants:
                if not waited(graph, provider.urn, grant.urn, wait):
                    found.append(
                        ((provider.urn, grant.urn), f"{provider.name} calls GKE less than {wait} s after {grant.name}")
                    )
    return found


SERVICE_IDENTITY = "gcp:projects/serviceIdentity:ServiceIdentity"
AGENT_MEMBER = re.compile(r"serviceAccount:service-\d+@(?P<agent>[a-z0-9-]+)\.iam\.gserviceaccount\.com")
GKE_AGENT_ROLE = "roles/container.serviceAgent"


def _gcp_service_agents(graph: Graph) -> Violations:
    """A grant to a Google service agent waits for the agent's `ServiceIdentity` (an agent may not exist yet, and
    one cannot be granted to before it does); a GKE cluster starts `GCP_IAM` after its agent's project role (an agent
    created on request has none)."""
    found: Violations = []
    identities = graph.of_type(SERVICE_IDENTITY)
    for node in graph.nodes.values():
        if not (node.custom and node.type.startswith("gcp:") and node.type.endswith(("IAMMember", "IAMBinding"))):
            continue
        for member in [node.inputs.get("member"), *(node.inputs.get("members") or [])]:
            match = AGENT_MEMBER.fullmatch(str(member or ""))
            if match is None or match["agent"] in READ_AGENTS:
                continue
            service = AGENT_SERVICES.get(match["agent"], f"<the service of {match['agent']}>")
            if not any(i.inputs.get("service") == service and graph.waits_for(node.urn, i.urn) for i in identities):
                found.append(((node.urn,), f"{node.name} grants to the {match['agent']} agent before {service}'s "
                              "ServiceIdentity makes sure it exists"))
    roles = [n for n in graph.of_type(PROJECT_IAM_MEMBER) if n.inputs.get("role") == GKE_AGENT_ROLE]
    wait = waits.GCP_IAM.seconds
    for cluster in graph.of_type(GKE):
        if not any(waited(graph, cluster.urn, role.urn, wait) for role in roles):
            found.append(((cluster.urn,), f"{cluster.name} starts less than {wait} s after its agent's role"))
    return found


def _unordered(graph: Graph, nodes: list[Node]) -> list[tuple[Node, Node]]:
    """Pairs of `nodes` neither of which waits for the other (the engine may run them at once)."""
    return [
        (a, b)
        for i, a in enumerate(nodes)
        for b in nodes[i + 1 :]
        if not graph.waits_for(a.urn, b.urn) and not graph.waits_for(b.urn, a.urn)
    ]


def _group(nodes: Iterable[Node], *keys: str) -> dict[tuple[str, ...], list[Node]]:
    groups: dict[tuple[str, ...], list[Node]] = {}
    for node in nodes:
        groups.setdefault(tuple(str(node.inputs.get(k)) for k in keys), []).append(node)
    return groups


def _agent_pools_serial(graph: Graph) -> Violations:
    found: Violations = []
    for (_, cluster), pools in _group(graph.of_type(AGENT_POOL), "resourceGroupName", "resourceName").items():
        for a, b in _unordered(graph, pools):
            found.append(((a.urn, b.urn), f"agent pools {a.name} and {b.name} of {cluster} may run at once"))
    return found


def _flexible_server_serial(graph: Graph) -> Violations:
    found: Violations = []
    servers: dict[tuple[str, ...], Node] = {
        (str(s.inputs.get("resourceGroupName")), str(s.inputs.get("serverName"))): s for s in graph.of_type(FLEX_SERVER)
    }
    for key, writes in _group(graph.of_type(*FLEX_WRITES), "resourceGroupName", "serverName").items():
        for a, b in _unordered(graph, writes):
            found.append(((a.urn, b.urn), f"{a.name} and {b.name} write server {key[1]} at once"))
        server: Node | None = servers.get(key)
        seconds = waits.FLEXIBLE_SERVER_SETTLE.seconds
        for write in writes:
            if server is not None and not waited(graph, write.urn, server.urn, seconds):
                found.append(((write.urn, server.urn), f"{write.name} writes less than {seconds} s after the server"))
    return found


SUBNET = "azure-native:network:Subnet"
PEERING = "azure-native:network:VirtualNetworkPeering"
VNET_ID = re.compile(r"/resourceGroups/(?P<group>[^/]+)/providers/Microsoft\.Network/virtualNetworks/(?P<vnet>[^/]+)",
                     re.IGNORECASE)


def _vnet_writes(graph: Graph) -> dict[tuple[str, str], list[Node]]:
    """Per VNet (resource group, name), what writes it: its subnets, its peerings and the peerings pointing at it
    (a peering needs both VNets `Succeeded`)."""
    writes: dict[tuple[str, str], list[Node]] = {}
    for node in graph.of_type(SUBNET, PEERING):
        vnets = [(str(node.inputs.get("resourceGroupName")), str(node.inputs.get("virtualNetworkName")))]
        remote = VNET_ID.search(str((node.inputs.get("remoteVirtualNetwork") or {}).get("id", "")))
        if node.type == PEERING and remote is not None:
            vnets.append((remote["group"], remote["vnet"]))
        for vnet in vnets:
            writes.setdefault(vnet, []).append(node)
    return writes


def _vnet_writes_serial(graph: Graph) -> Violations:
    return [
        ((a.urn, b.urn), f"{a.name} and {b.name} write VNet {vnet} at once")
        for (_, vnet), writes in _vnet_writes(graph).items()
        for a, b in _unordered(graph, writes)
    ]


def _gcp_apis(graph: Graph) -> Violations:
    found: Violations = []
    services = {str(s.inputs.get("service")): s for s in graph.of_type(SERVICE_TYPE)}
    for name, service in services.items():
        if service.inputs.get("disableOnDestroy") is not False:
            found.append(((service.urn,), f"{service.name} would disable {name} on destroy (disable_on_destroy)"))
    for node in graph.nodes.values():
        api = api_of(node.type) if node.custom else None
        if api is None or node.type == SERVICE_TYPE:
            continue
        enabling = services.get(api)
        if enabling is None:
            found.append(((node.urn,), f"{node.name} needs {api}, which the stack does not enable"))
        elif not graph.waits_for(node.urn, enabling.urn):
            found.append(((node.urn, enabling.urn), f"{node.name} does not wait for {api} to be enabled"))
    if graph.of_type("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"):
        for api in RUNTIME_APIS:
            if api not in services:
                found.append(((), f"workload identity federation needs {api} (token exchange), not enabled"))
    return found


@dataclass(frozen=True)
class ClusterPools:
    """One cluster and its node pools, split into general-purpose and optional (tainted: spot, GPU)."""

    cluster: Node
    general: list[Node] = field(default_factory=list)
    optional: list[Node] = field(default_factory=list)
    core_addons: list[Node] = field(default_factory=list)


def _is_gpu(pool: Node) -> bool:
    text = json.dumps(pool.inputs)
    return "nvidia.com/gpu" in text or "guestAccelerators" in text or "NVIDIA" in str(pool.inputs.get("amiType"))


def _is_optional(pool: Node) -> bool:
    """Tainted (nothing without a toleration lands there), spot, or GPU."""
    i = pool.inputs
    taints = i.get("taints") or i.get("nodeTaints") or (i.get("nodeConfig") or {}).get("taints") or []
    spot = i.get("capacityType") == "SPOT" or i.get("scaleSetPriority") == "Spot"
    spot = spot or bool((i.get("nodeConfig") or {}).get("spot"))
    return bool(taints) or spot or _is_gpu(pool)


def clusters(graph: Graph) -> dict[str, ClusterPools]:
    """Every Kubernetes cluster of the plan with its pools and core add-ons, by cluster URN."""
    found: dict[str, ClusterPools] = {}
    for cluster in graph.of_type(EKS, GKE, AKS):
        name = str(cluster.inputs.get("resourceName") if cluster.type == AKS else cluster.inputs.get("name"))
        entry = ClusterPools(cluster)
        for pool in graph.of_type(NODE_GROUP, GKE_POOL, AGENT_POOL):
            ref = str(pool.inputs.get("clusterName") or pool.inputs.get("resourceName") or pool.inputs.get("cluster"))
            same_kind = {NODE_GROUP: EKS, GKE_POOL: GKE, AGENT_POOL: AKS}[pool.type] == cluster.type
            if same_kind and (ref == name or ref.endswith(f"/clusters/{name}")):
                (entry.optional if _is_optional(pool) else entry.general).append(pool)
        for addon in graph.of_type(EKS_ADDON):
            if (
                cluster.type == EKS
                and addon.inputs.get("clusterName") == name
                and addon.inputs["addonName"] in CORE_ADDONS
            ):
                entry.core_addons.append(addon)
        found[cluster.urn] = entry
    return found


def _in_cluster_readiness(graph: Graph) -> Violations:
    found: Violations = []
    by_cluster = clusters(graph)
    for provider in graph.of_type(K8S_PROVIDER):
        for urn in graph.ancestors(provider.urn):
            entry = by_cluster.get(urn)
            if entry is None:
                continue
            if not entry.general and entry.cluster.type != AKS:
                found.append(((provider.urn, urn), f"{entry.cluster.name} has no general-purpose (untainted) pool"))
            for needed in [*entry.general, *entry.core_addons]:
                if not graph.waits_for(provider.urn, needed.urn):
                    found.append(
                        (
                            (provider.urn, needed.urn),
                            f"{provider.name} (in-cluster objects) does not wait for {needed.name}",
                        )
                    )
    return found


def _core_addons_not_on_optional(graph: Graph) -> Violations:
    found: Violations = []
    for entry in clusters(graph).values():
        for addon in entry.core_addons:
            for pool in entry.optional:
                if graph.waits_for(addon.urn, pool.urn):
                    found.append(
                        ((addon.urn, pool.urn), f"core add-on {addon.name} waits for optional pool {pool.name}")
                    )
            if entry.general and not any(graph.waits_for(addon.urn, p.urn) for p in entry.general):
                found.append(((addon.urn,), f"core add-on {addon.name} waits for no general-purpose pool"))
    return found


def _initial_size(pool: Node) -> float:
    i = pool.inputs
    if pool.type == NODE_GROUP:
        return float((i.get("scalingConfig") or {}).get("desiredSize") or 0)
    if pool.type == AGENT_POOL:
        return float(i.get("count") or 0)
    return float(i.get("initialNodeCount") or i.get("nodeCount") or 0)


def _gpu_start_at_zero(graph: Graph) -> Violations:
    return [
        ((pool.urn,), f"GPU pool {pool.name} starts with {_initial_size(pool):g} node(s)")
        for pool in graph.of_type(NODE_GROUP, GKE_POOL, AGENT_POOL)
        if _is_gpu(pool) and _initial_size(pool) > 0
    ]


EIP = "aws:ec2/eip:Eip"
DEFAULT_EIP_QUOTA = 5
"""Elastic IP addresses per Region, the default quota (Service Quotas code L-0263D0A3)."""


EIP_QUOTA_CODE = "L-0263D0A3"


def eips_by_region(graph: Graph) -> dict[str, int]:
    """How many Elastic IPs the stack allocates in each AWS region (by its provider's region)."""
    counts: dict[str, int] = {}
    for eip in graph.of_type(EIP):
        provider = graph.nodes.get(eip.provider)
        region = str(provider.inputs.get("region")) if provider else "default"
        counts[region] = counts.get(region, 0) + 1
    return counts


def _eip_quota(graph: Graph) -> Violations:
    per_region: dict[str, list[Node]] = {}
    for eip in graph.of_type(EIP):
        provider = graph.nodes.get(eip.provider)
        region = str(provider.inputs.get("region")) if provider else "default"
        per_region.setdefault(region, []).append(eip)
    return [
        (
            tuple(e.urn for e in eips),
            f"{len(eips)} Elastic IPs in {region}, above the default quota of {DEFAULT_EIP_QUOTA} per region: raise "
            f"{EIP_QUOTA_CODE} (Service Quotas) before the first up, for the whole account (dev and prod share it; "
            "the driver's preflight checks it before up)",
        )
        for region, eips in sorted(per_region.items())
        if len(eips) > DEFAULT_EIP_QUOTA
    ]


AZURE_NAMESPACES = {
    "containerservice": (
        "Microsoft.ContainerService", "Microsoft.Compute", "Microsoft.Network", "Microsoft.Storage",
        "Microsoft.OperationsManagement", "Microsoft.Security",
    ),
    "dbforpostgresql": ("Microsoft.DBforPostgreSQL",),
    "keyvault": ("Microsoft.KeyVault",),
    "network": ("Microsoft.Network",),
    "privatedns": ("Microsoft.Network",),
    "storage": ("Microsoft.Storage",),
    "managedidentity": ("Microsoft.ManagedIdentity",),
    "monitor": ("Microsoft.Insights",),
    "operationalinsights": ("Microsoft.OperationalInsights",),
    "consumption": ("Microsoft.Consumption",),
}
"""Resource providers an azure-native module's resources need registered in the subscription. AKS adds those of the
resources it creates in its node resource group (VM scale sets, the load balancer, disks: "Sometimes, a resource ...
requires supporting resources that aren't in the template ... You need to register those resource providers manually",
https://learn.microsoft.com/azure/azure-resource-manager/management/resource-providers-and-types; a fresh
subscription's AKS create fails "not registered to use namespace 'Microsoft.Network'", MicrosoftDocs/azure-docs#5778,
microsoft/azuredevopslabs#356) and those of Container Insights and Defender. Microsoft.Resources and
Microsoft.Authorization are always registered."""


def prerequisites(graph: Graph) -> dict[str, list[str]]:
    """What no resource of the stack can create and the first `up` needs: Azure resource-provider registrations,
    the GCP APIs that enabling an API itself calls, AWS quotas above their defaults, the nodes the compute quotas
    must hold (docs/DEPLOY_CHECK.md)."""
    from components.gcp.services import BOOTSTRAP_APIS

    namespaces = sorted(
        {
            ns
            for n in graph.nodes.values()
            if n.type.startswith("azure-native:")
            for ns in AZURE_NAMESPACES.get(n.type.split(":")[1], ())
        }
    )
    eips = eips_by_region(graph)
    return {
        "azure_resource_providers": namespaces,
        "gcp_bootstrap_apis": sorted(BOOTSTRAP_APIS) if graph.of_type(SERVICE_TYPE) else [],
        "aws_quotas": [
            f"{EIP_QUOTA_CODE} Elastic IPs in {region}: {count} (default {DEFAULT_EIP_QUOTA})"
            for region, count in sorted(eips.items())
        ],
        "compute_quotas": summary(machines(graph)),
    }


RDS = "aws:rds/instance:Instance"
CLOUD_SQL = "gcp:sql/databaseInstance:DatabaseInstance"


def _node_group_prefix(graph: Graph) -> Violations:
    return [
        ((g.urn,), f"{g.name} has the fixed name {g.inputs['nodeGroupName']!r}: a replacement collides with it")
        for g in graph.of_type(NODE_GROUP)
        if g.inputs.get("nodeGroupName")
    ]


def _autogrow_ignored(graph: Graph) -> Violations:
    found: Violations = []
    for server in graph.of_type(FLEX_SERVER):
        storage = server.inputs.get("storage") or {}
        if storage.get("autoGrow") == "Enabled" and "storage.storageSizeGB" not in server.ignore_changes:
            found.append(((server.urn,), f"{server.name} grows its disk itself but sends storageSizeGB on updates"))
    for instance in graph.of_type(CLOUD_SQL):
        settings = instance.inputs.get("settings") or {}
        if settings.get("diskAutoresize", True) and "settings.diskSize" not in instance.ignore_changes:
            found.append(((instance.urn,), f"{instance.name} resizes its disk itself but sends diskSize on updates"))
    return found


def _rds_update_safety(graph: Graph) -> Violations:
    found: Violations = []
    for db in graph.of_type(RDS):
        if not db.inputs.get("allowMajorVersionUpgrade"):
            found.append(((db.urn,), f"{db.name} refuses the major upgrade a postgres.version bump is"))
        random_ids = [u for u in graph.direct(db.urn) if graph.nodes[u].type == "random:index/randomId:RandomId"]
        if db.inputs.get("skipFinalSnapshot") is False and not random_ids:
            found.append(
                ((db.urn,), f"{db.name}'s final snapshot name {db.inputs.get('finalSnapshotIdentifier')!r} is fixed")
            )
    return found


def _backup_values(graph: Graph) -> Violations:
    found: Violations = []
    for server in graph.of_type(FLEX_SERVER):
        days = (server.inputs.get("backup") or {}).get("backupRetentionDays")
        if days is not None and not 7 <= float(days) <= 35:
            found.append(((server.urn,), f"{server.name} keeps backups {days:g} days; Flexible Server takes 7-35"))
    for instance in graph.of_type(CLOUD_SQL):
        backup = (instance.inputs.get("settings") or {}).get("backupConfiguration") or {}
        retained = (backup.get("backupRetentionSettings") or {}).get("retainedBackups")
        logs = backup.get("transactionLogRetentionDays")
        if retained is not None and logs is not None and float(retained) <= float(logs):
            found.append(((instance.urn,), f"{instance.name} retains {retained:g} backups for {logs:g} log days"))
    return found


def _storage_ip_rules(graph: Graph) -> Violations:
    return [
        ((account.urn,), f"{account.name} admits {rule['iPAddressOrRange']}: Storage refuses /31 and /32 prefixes")
        for account in graph.of_type("azure-native:storage:StorageAccount")
        for rule in ((account.inputs.get("networkRuleSet") or {}).get("ipRules") or [])
        if str(rule.get("iPAddressOrRange", "")).endswith(("/31", "/32"))
    ]


ROLE_POLICIES = ("aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment")


def _aws_role_permissions_first(graph: Graph) -> Violations:
    """A resource handing a role to a service waits for that role's policies (IAM is eventually consistent, and a
    service validating or assuming the role right away gets AccessDenied)."""
    policies: dict[str, list[Node]] = {}
    for policy in graph.of_type(*ROLE_POLICIES):
        policies.setdefault(str(policy.inputs.get("role")), []).append(policy)
    found: Violations = []
    for node in graph.nodes.values():
        if not node.custom or node.type in ROLE_POLICIES:
            continue
        for key, value in _role_arns(node.inputs):
            role = value.rsplit("/", 1)[-1]
            for policy in policies.get(role, []):
                if not graph.waits_for(node.urn, policy.urn):
                    found.append(
                        ((node.urn, policy.urn), f"{node.name} hands over role {role} ({key}) before {policy.name}")
                    )
    return found


BUDGET = "aws:budgets/budget:Budget"
SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"


def _budget_topics_permitted_first(graph: Graph) -> Violations:
    """A budget notifying an SNS topic waits for the topic's policy letting budgets.amazonaws.com publish (the
    default topic policy does not: Budgets cannot deliver, and the console reports the topic as not permitted)."""
    policies = {
        str(p.inputs.get("arn")): p
        for p in graph.of_type(SNS_TOPIC_POLICY)
        if "budgets.amazonaws.com" in str(p.inputs.get("policy", ""))
    }
    found: Violations = []
    for budget in graph.of_type(BUDGET):
        for notification in budget.inputs.get("notifications") or []:
            for topic in notification.get("subscriberSnsTopicArns") or []:
                policy = policies.get(str(topic))
                if policy is None:
                    found.append(((budget.urn,), f"{budget.name} notifies {topic}: no topic policy admits Budgets"))
                elif not graph.waits_for(budget.urn, policy.urn):
                    found.append(((budget.urn, policy.urn), f"{budget.name} notifies {topic} before {policy.name}"))
    return found


def _role_arns(inputs: Mapping[str, Any], path: str = "") -> list[tuple[str, str]]:
    """(input path, value) of every IAM role ARN among `inputs`, nested ones included."""
    found: list[tuple[str, str]] = []
    for key, value in inputs.items():
        where = f"{path}.{key}" if path else key
        if isinstance(value, str) and value.startswith("arn:aws:iam::") and ":role/" in value:
            found.append((where, value))
        elif isinstance(value, Mapping):
            found += _role_arns(value, where)
    return found


STACK_UNIQUE = "random:index/randomString:RandomString"
"""The stack-unique suffix's type (components/platform.py `stack_unique`, a direct child of the Platform)."""
PLATFORM = "multicloud:index:Platform"
OUTPUTS_READ = (STACK_UNIQUE,)
"""Types whose outputs a plan file keeps (`plan --json`): what the rules read besides inputs."""
UNIQUE_NAMES: dict[str, str] = {
    # global namespaces
    "aws:s3/bucket:Bucket": "bucket",
    "aws:cognito/userPoolDomain:UserPoolDomain": "domain",
    "azure-native:storage:StorageAccount": "accountName",
    "azure-native:keyvault:Vault": "vaultName",  # global, and reserved after deletion under purge protection
    FLEX_SERVER: "serverName",  # <name>.postgres.database.azure.com
    "gcp:storage/bucket:Bucket": "name",
    # reserved after deletion
    "gcp:kms/keyRing:KeyRing": "name",  # never deleted; its keys live inside it
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": "workloadIdentityPoolId",  # 30 days; providers inside it
    CLOUD_SQL: "name",  # up to a week
    "aws:secretsmanager/secret:Secret": "name",  # for its recovery window (7-30 days)
}
"""Resource types whose name must carry the stack-unique part, and the input holding the name."""


def _stack_unique_names(graph: Graph) -> Violations:
    """Every global or reserved-after-delete name ends in the stack-unique suffix and waits for it."""
    named = [n for n in graph.nodes.values() if n.type in UNIQUE_NAMES]
    uniques = [
        u for u in graph.of_type(STACK_UNIQUE) if (p := graph.nodes.get(u.parent)) is not None and p.type == PLATFORM
    ]
    if not named:
        return []
    if len(uniques) != 1:
        return [((n.urn,), f"{n.name}: the stack has {len(uniques)} stack-unique suffixes, not one") for n in named]
    unique = uniques[0]
    value = str(unique.outputs.get("result") or "")
    found: Violations = []
    for n in named:
        name = str(n.inputs.get(UNIQUE_NAMES[n.type]) or "")
        if unique.urn not in n.dependencies:
            found.append(((n.urn, unique.urn), f"{n.name} ({name!r}) does not depend on {unique.name}"))
        elif not value or not name.endswith(value):
            found.append(((n.urn, unique.urn), f"{n.name} has the fixed name {name!r}: no stack-unique part"))
    return found


def _gke_vulnerability_mode(graph: Graph) -> Violations:
    return [
        ((c.urn,), f"{c.name} asks for the retired VULNERABILITY_BASIC scanning")
        for c in graph.of_type(GKE)
        if (c.inputs.get("securityPostureConfig") or {}).get("vulnerabilityMode") == "VULNERABILITY_BASIC"
    ]


GCS_BUCKET = "gcp:storage/bucket:Bucket"


def _gcs_placement(graph: Graph) -> Violations:
    """GCS refuses a default CMEK key outside the bucket's location (400 "Cloud KMS region ... not available for use
    with GCS region ...") and turbo replication on a bucket that is no dual-region; the mock takes both."""
    found: Violations = []
    for bucket in graph.of_type(GCS_BUCKET):
        location = str(bucket.inputs.get("location") or "")
        key = (bucket.inputs.get("encryption") or {}).get("defaultKmsKeyName")
        where = gcs_locations.key_location(key) if isinstance(key, str) else None
        if where is not None and where != gcs_locations.kms_location(location):
            found.append(
                ((bucket.urn,), f"{bucket.name} in {location} has its default key in {where}; GCS accepts only "
                 f"{gcs_locations.kms_location(location)}")
            )
        data_locations = [str(r).lower() for r in (bucket.inputs.get("customPlacementConfig") or {}).get(
            "dataLocations") or []]
        if bucket.inputs.get("rpo") == "ASYNC_TURBO" and not data_locations:
            found.append(((bucket.urn,), f"{bucket.name} asks for turbo replication but is no dual-region"))
        if frozenset(data_locations) in gcs_locations.PREDEFINED_ONLY:
            found.append(((bucket.urn,), f"{bucket.name} pairs {' and '.join(data_locations)} as a configurable "
                          "dual-region, which they form only as a predefined one (GCS answers 400)"))
    return found


VAULT_KEY = "azure-native:keyvault:Key"


def _vault_keys_immutable(graph: Graph) -> Violations:
    """Key Vault creates a key if it does not exist and never updates it: a change must be a new key, under a new
    name, created before consumers move to it, and the old one kept for what it wrapped."""
    found: Violations = []
    for key in graph.of_type(VAULT_KEY):
        name, props = str(key.inputs.get("keyName")), key.inputs.get("properties") or {}
        problems = []
        if not {"properties", "*"} & set(key.replace_on_changes):
            problems.append("a change of its properties would be sent as an update ARM never applies")
        if not name.endswith(f"-{fingerprint(props)}"):
            problems.append(f"its name {name!r} does not carry its properties' fingerprint (a replacement collides)")
        if key.delete_before_replace is not False:
            problems.append("it is not created before the old key goes (delete_before_replace=False)")
        if not key.retain_on_delete:
            problems.append("a replacement would delete the old key, which still unwraps data (retain_on_delete)")
        if key.protect:
            problems.append("protect refuses its replacement")
        found += [((key.urn,), f"{key.name}: {problem}") for problem in problems]
    return found


VAULT = "azure-native:keyvault:Vault"
VAULT_SECRET = "azure-native:keyvault:Secret"
KMS_KEY_ID = re.compile(r"^https://(?P<vault>[a-z0-9-]+)\.vault\.azure\.net/keys/(?P<key>[A-Za-z0-9-]+)/(?P<version>[0-9a-f]{32})$")
"""A versioned Key Vault key id (AKS KMS takes no versionless one: https://learn.microsoft.com/azure/aks/use-kms-etcd-encryption)."""


def _aks_kms_key_pinned(graph: Graph) -> Violations:
    """AKS KMS pins a key version and does not follow new ones: the key must be the stack's own, never rotated by
    Key Vault behind the cluster (a refresh + up would jump versions; two rotations without re-encryption wedge the
    cluster, kubernetes-kms #291), never expiring (no more encrypt), and in `Public` mode in a vault KMS reaches over
    its public endpoint that holds nothing else (every other vault is closed: azure R6)."""
    found: Violations = []
    keys = {(str(k.inputs.get("vaultName")), str(k.inputs.get("keyName"))): k for k in graph.of_type(VAULT_KEY)}
    vaults = {str(v.inputs.get("vaultName")): v for v in graph.of_type(VAULT)}
    for cluster in graph.of_type(AKS):
        kms = (cluster.inputs.get("securityProfile") or {}).get("azureKeyVaultKms") or {}
        if not kms.get("enabled"):
            continue
        match = KMS_KEY_ID.match(str(kms.get("keyId") or ""))
        if not match:
            found.append(((cluster.urn,), f"{cluster.name}: KMS keyId {kms.get('keyId')!r} is no versioned key id"))
            continue
        key = keys.get((match["vault"], match["key"]))
        if key is None:
            found.append(((cluster.urn,), f"{cluster.name}: KMS key {match['key']} is not a key of this stack"))
            continue
        props = key.inputs.get("properties") or {}
        actions = (props.get("rotationPolicy") or {}).get("lifetimeActions") or []
        if any(str((a.get("action") or {}).get("type")).lower() == "rotate" for a in actions):
            found.append(((key.urn, cluster.urn), f"{key.name} auto-rotates while {cluster.name} pins its version"))
        if (props.get("attributes") or {}).get("expires") is not None:
            found.append(((key.urn, cluster.urn), f"{key.name} expires: KMS can no longer encrypt after that"))
        vault = vaults.get(match["vault"])
        if kms.get("keyVaultNetworkAccess") == "Public" and vault is not None:
            vprops = vault.inputs.get("properties") or {}
            acls = vprops.get("networkAcls") or {}
            if vprops.get("publicNetworkAccess") == "Disabled" or acls.get("defaultAction") == "Deny":
                found.append(((vault.urn, cluster.urn), f"{vault.name} is closed, which KMS Public mode cannot reach"))
            others = [
                n.name
                for n in (*graph.of_type(VAULT_KEY), *graph.of_type(VAULT_SECRET))
                if n.inputs.get("vaultName") == match["vault"] and n.urn != key.urn
            ]
            if others:
                held = ", ".join(others)
                found.append(((vault.urn,), f"{vault.name} must stay public for KMS yet also holds {held}"))
    return found


def _aks_pools_manageable(graph: Graph) -> Violations:
    """The cluster never PUTs pools (its inline list ignored after create); every pool is an AgentPool whose name
    carries the fingerprint of what AKS cannot change in place, created before the pool it replaces."""
    found: Violations = []
    for cluster in graph.of_type(AKS):
        if not {"agentPoolProfiles", "*"} & set(cluster.ignore_changes):
            found.append(((cluster.urn,), f"{cluster.name} sends its inline agent pools on every update"))
    for pool in graph.of_type(AGENT_POOL):
        name = str(pool.inputs.get("agentPoolName"))
        base = str((pool.inputs.get("nodeLabels") or {}).get("platform/pool") or name[:-5])
        if name != pool_name(base, pool.inputs):
            found.append(((pool.urn,), f"{pool.name}: {name!r} is not {base!r} plus its VM size/disk/zones print"))
        if pool.delete_before_replace is not False:
            found.append(((pool.urn,), f"{pool.name} would be deleted before its replacement exists"))
    return found


LOCK = "azure-native:authorization:ManagementLockByScope"
NO_DELETE_OPERATION = ("azure-native:dbforpostgresql:Configuration",)
"""Types whose removal is a PUT back to the default (Flexible Server configurations have Get, List, Put and Update
only), which a CanNotDelete lock does not refuse."""


def _arm_scopes(node: Node) -> list[str]:
    """Where a resource lives in ARM: its id, and the scope of an extension resource (role assignment, diagnostic
    setting, lock, DCR association)."""
    found = [node.id] if node.id.startswith("/subscriptions/") else []
    found += [str(node.inputs[k]) for k in ("scope", "resourceUri") if isinstance(node.inputs.get(k), str)]
    return [f.lower() for f in found]


def _locks_block_nothing(graph: Graph) -> Violations:
    """A lock is inherited by everything under its scope, role assignments included: nothing the stack manages there
    may be deleted by it (a role assignment never, anything else only if protected or without a Delete operation)."""
    found: Violations = []
    for lock in graph.of_type(LOCK):
        scope = str(lock.inputs.get("scope") or "").lower()
        if not scope:
            continue
        for node in graph.nodes.values():
            if node.urn == lock.urn or not node.custom or not any(s.startswith(scope + "/") for s in _arm_scopes(node)):
                continue
            if node.type == ROLE_ASSIGNMENT:
                found.append(((node.urn, lock.urn), f"grant {node.name} lives under {lock.name}: never deletable"))
            elif not node.protect and node.type not in NO_DELETE_OPERATION:
                found.append(((node.urn, lock.urn), f"{node.name} lives under {lock.name} unprotected: a delete fails"))
    return found


RULES: list[Rule] = [
    Rule(
        "stack-unique-names",
        "blocker",
        "global names (buckets, storage accounts, vaults, Flexible Servers, Cognito domains) and names kept after "
        "deletion (KMS key rings, workload identity pools, purge-protected vaults, Cloud SQL) end in the "
        "stack-unique suffix (409 AlreadyExists / VaultAlreadyExists on a first deploy or after a destroy)",
        "https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools/create ; "
        "https://learn.microsoft.com/azure/key-vault/general/key-vault-recovery ; "
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
        _stack_unique_names,
    ),
    Rule(
        "azure-rbac-propagation",
        "blocker",
        f"Key Vault data-plane and CMK consumers wait {waits.AZURE_KEY_VAULT_RBAC.seconds} s after their grants "
        "(403 ForbiddenByRbac, CMK validation failures)",
        waits.AZURE_KEY_VAULT_RBAC.source,
        _propagation(_encrypted_by_key_vault, (ROLE_ASSIGNMENT,), waits.AZURE_KEY_VAULT_RBAC, lambda g: True),
    ),
    Rule(
        "aks-rbac-propagation",
        "blocker",
        f"the first Kubernetes call waits {waits.AKS_RBAC.seconds} s after the AKS RBAC grant it relies on",
        waits.AKS_RBAC.source,
        _aks_rbac,
    ),
    Rule(
        "kubernetes-after-cluster-grant",
        "blocker",
        "an EKS or GKE Kubernetes provider waits for the deployer's cluster access (EKS cluster-admin association; "
        f"GKE container admin grant + {waits.GCP_DEPLOYER_IAM.seconds} s)",
        "https://docs.aws.amazon.com/eks/latest/userguide/access-policies.html, "
        "https://cloud.google.com/kubernetes-engine/docs/how-to/iam",
        _cluster_grants,
    ),
    Rule(
        "gcp-iam-propagation",
        "blocker",
        f"CMEK consumers wait {waits.GCP_IAM.seconds} s after their service agent's grant on the key",
        waits.GCP_IAM.source,
        _propagation(_cmek_consumer, (KMS_GRANT,), waits.GCP_IAM, lambda g: True),
    ),
    Rule(
        "gcp-service-agents-exist",
        "blocker",
        "a grant to a Google service agent waits for its ServiceIdentity (400 \"does not exist\" on a fresh project); "
        f"a GKE cluster starts {waits.GCP_IAM.seconds} s after its agent's {GKE_AGENT_ROLE}",
        "https://cloud.google.com/iam/docs/create-service-agents",
        _gcp_service_agents,
    ),
    Rule(
        "aks-agent-pools-serial",
        "blocker",
        "AKS runs one agent-pool operation per cluster at a time (409 OperationNotAllowed)",
        "https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/error-codes/operationnotallowed-error",
        _agent_pools_serial,
    ),
    Rule(
        "flexible-server-serial",
        "blocker",
        "a fresh Flexible Server takes one write at a time, after it settles (ServerIsBusy)",
        waits.FLEXIBLE_SERVER_SETTLE.source,
        _flexible_server_serial,
    ),
    Rule(
        "azure-vnet-writes-serial",
        "blocker",
        "a VNet's subnet and peering writes run one at a time: its subnets and the peerings on or to it one after "
        "another (AnotherOperationInProgress; ReferencedResourceNotProvisioned ... PutSubnetOperation)",
        "https://github.com/pulumi/pulumi-azure-native/issues/699 ; "
        "https://github.com/hashicorp/terraform-provider-azurerm/issues/2605",
        _vnet_writes_serial,
    ),
    Rule(
        "gcp-apis-enabled",
        "blocker",
        "every Google API the stack calls is enabled by it, and its resources wait for it (403 SERVICE_DISABLED)",
        "https://cloud.google.com/service-usage/docs/enable-disable",
        _gcp_apis,
    ),
    Rule(
        "in-cluster-readiness",
        "blocker",
        "in-cluster objects wait for the cluster's general-purpose nodes and its core add-ons",
        "https://docs.aws.amazon.com/eks/latest/userguide/eks-add-ons.html",
        _in_cluster_readiness,
    ),
    Rule(
        "core-addons-on-general-pools",
        "blocker",
        "core add-ons (DNS, CSI, metrics) wait for a general-purpose pool and never for an optional (spot/GPU) one",
        "https://docs.aws.amazon.com/eks/latest/userguide/managing-coredns.html",
        _core_addons_not_on_optional,
    ),
    Rule(
        "eks-node-groups-by-prefix",
        "blocker",
        "a node group is named by prefix: a replacing change creates the new group first (ResourceInUseException)",
        "https://www.pulumi.com/registry/packages/aws/api-docs/eks/nodegroup/",
        _node_group_prefix,
    ),
    Rule(
        "autogrow-size-ignored",
        "blocker",
        "a database disk the cloud grows itself is ignored after creation (an update sending the smaller size fails)",
        "https://learn.microsoft.com/azure/postgresql/flexible-server/how-to-auto-grow-storage-portal",
        _autogrow_ignored,
    ),
    Rule(
        "rds-update-safety",
        "blocker",
        "RDS allows the major upgrade a version bump is, and its final snapshot name is unique per instance",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.PostgreSQL.MajorVersion.html",
        _rds_update_safety,
    ),
    Rule(
        "database-backup-values",
        "blocker",
        "Flexible Server keeps backups 7-35 days; Cloud SQL retains more backups than its log days",
        "https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-backup-restore ; "
        "https://cloud.google.com/sql/docs/postgres/backup-recovery/pitr",
        _backup_values,
    ),
    Rule(
        "gke-vulnerability-mode",
        "blocker",
        "GKE security posture asks for a supported vulnerability mode (BASIC is retired)",
        "https://cloud.google.com/kubernetes-engine/docs/deprecations/posture-management-deprecation",
        _gke_vulnerability_mode,
    ),
    Rule(
        "gcs-cmek-location",
        "blocker",
        "a GCS bucket's default CMEK key lives in the KMS location its bucket location takes (the region; `us` for "
        "the US multi-region and its configurable dual-regions), only a dual-region asks for turbo replication, and "
        "a configurable dual-region is no pair GCS offers only as a predefined one (us-central1 + us-east1: NAM4)",
        "https://cloud.google.com/storage/docs/encryption/customer-managed-keys ; "
        "https://github.com/googleapis/google-cloud-go/issues/1787 ; https://cloud.google.com/storage/docs/locations",
        _gcs_placement,
    ),
    Rule(
        "azure-storage-ip-rules",
        "blocker",
        "Storage firewall IP rules are single addresses or ranges wider than /31 (R12)",
        "https://learn.microsoft.com/azure/storage/common/storage-network-security",
        _storage_ip_rules,
    ),
    Rule(
        "azure-key-vault-keys-immutable",
        "blocker",
        "a Key Vault key is replaced, never updated (Keys_CreateIfNotExist does not update existing keys): new name "
        "from its properties, created first, the old one retained (R7)",
        "https://learn.microsoft.com/rest/api/keyvault/keyvault/keys/create-if-not-exist",
        _vault_keys_immutable,
    ),
    Rule(
        "aks-kms-key-pinned",
        "blocker",
        "the AKS KMS key is versioned, the stack's own, never auto-rotated or expiring (AKS pins the version; two "
        "rotations without re-encryption wedge the cluster), alone in the one public vault (R6, R8)",
        "https://learn.microsoft.com/azure/aks/use-kms-etcd-encryption",
        _aks_kms_key_pinned,
    ),
    Rule(
        "aks-pools-manageable",
        "blocker",
        "AKS pools change only through AgentPools (a cluster PUT carrying pools is refused), and what AKS cannot "
        "change in place (VM size, OS disk, zones) makes a new pool created first (R2)",
        "https://learn.microsoft.com/azure/aks/manage-node-pools#limitations",
        _aks_pools_manageable,
    ),
    Rule(
        "azure-locks-block-nothing",
        "blocker",
        "a CanNotDelete lock covers everything under its scope (role assignments included): no grant of the stack "
        "lives there, and nothing else it could delete (ScopeLocked on the next change; F7)",
        "https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources",
        _locks_block_nothing,
    ),
    Rule(
        "aws-role-permissions-first",
        "blocker",
        "a resource handing an IAM role to a service waits for the role's policies (eventually consistent IAM)",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency",
        _aws_role_permissions_first,
    ),
    Rule(
        "budget-topics-permitted-first",
        "blocker",
        "a budget notifying an SNS topic waits for the topic policy that lets AWS Budgets publish to it",
        "https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html",
        _budget_topics_permitted_first,
    ),
    Rule(
        "aws-eip-quota",
        "warning",
        f"a region's Elastic IPs fit its quota (default {DEFAULT_EIP_QUOTA}: the next allocation fails with "
        "AddressLimitExceeded)",
        "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html",
        _eip_quota,
    ),
    Rule(
        "gpu-pools-start-at-zero",
        "blocker",
        "GPU pools start at 0 nodes (GPU quota is 0 by default in most accounts; a GPU create holds the deploy)",
        "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html",
        _gpu_start_at_zero,
    ),
]


def check(graph: Graph, rules: Iterable[Rule] | None = None) -> list[Finding]:
    """Every finding of every rule (of `RULES` unless given)."""
    return [finding for rule in (RULES if rules is None else rules) for finding in rule.run(graph)]


# --- the deploy-time estimate ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Typical:
    seconds: int
    source: str


CREATE_SECONDS: dict[str, Typical] = {
    # Documented durations; the rest are the typical create times the cited page gives or the providers' defaults.
    "azure-native:network:VirtualNetworkGateway": Typical(
        2700,
        "https://learn.microsoft.com/azure/vpn-gateway/tutorial-create-gateway-portal",  # "45 minutes or more"
    ),
    "aws:eks/cluster:Cluster": Typical(
        900,
        "https://github.com/aws/containers-roadmap/issues/1227",  # "provisioning time currently averages 15 min"
    ),
    "azure-native:containerservice:ManagedCluster": Typical(
        600,
        "https://learn.microsoft.com/azure/aks/learn/quick-kubernetes-deploy-cli",  # "takes a few minutes"
    ),
    "gcp:container/cluster:Cluster": Typical(
        600, "https://cloud.google.com/kubernetes-engine/docs/how-to/creating-a-regional-cluster"
    ),
    "azure-native:dbforpostgresql:Server": Typical(
        900, "https://learn.microsoft.com/azure/postgresql/flexible-server/quickstart-create-server"
    ),
    "aws:rds/instance:Instance": Typical(
        900, "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CreateDBInstance.html"
    ),
    "gcp:sql/databaseInstance:DatabaseInstance": Typical(
        900, "https://cloud.google.com/sql/docs/postgres/create-instance"
    ),
    "aws:eks/nodeGroup:NodeGroup": Typical(
        300, "https://docs.aws.amazon.com/eks/latest/userguide/create-managed-node-group.html"
    ),
    "azure-native:containerservice:AgentPool": Typical(300, "https://learn.microsoft.com/azure/aks/manage-node-pools"),
    "gcp:container/nodePool:NodePool": Typical(
        300, "https://cloud.google.com/kubernetes-engine/docs/how-to/node-pools"
    ),
    "aws:eks/addon:Addon": Typical(120, "https://docs.aws.amazon.com/eks/latest/userguide/creating-an-add-on.html"),
    "aws:ec2/natGateway:NatGateway": Typical(
        120, "https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html"
    ),
    "aws:ec2/vpnConnection:VpnConnection": Typical(
        300, "https://docs.aws.amazon.com/vpn/latest/s2svpn/SetUpVPNConnections.html"
    ),
    "azure-native:network:VirtualNetworkGatewayConnection": Typical(
        120, "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-aws-bgp"
    ),
    "gcp:servicenetworking/connection:Connection": Typical(
        120, "https://cloud.google.com/vpc/docs/configure-private-services-access"
    ),
    "gcp:projects/service:Service": Typical(60, "https://cloud.google.com/service-usage/docs/enable-disable"),
    "azure-native:keyvault:Vault": Typical(60, "https://learn.microsoft.com/azure/key-vault/general/quick-create-cli"),
    "kubernetes:helm.sh/v3:Release": Typical(
        300, "https://www.pulumi.com/registry/packages/kubernetes/api-docs/helm/v3/release/"
    ),
    "kubernetes:apps/v1:Deployment": Typical(
        120,
        "https://www.pulumi.com/registry/packages/kubernetes/how-to-guides/managing-resources-with-server-side-apply/",
    ),
}
"""Typical create time of the slow resource types (seconds), each with the page it comes from."""
DEFAULT_SECONDS = 10
"""Any other custom resource: one API call and a short poll."""


def create_seconds(node: Node) -> int:
    """Typical create time of one resource: a Sleep its own duration, components and providers nothing."""
    if node.type == SLEEP:
        return sleep_seconds(node)
    if not node.custom or node.type.startswith("pulumi:providers:"):
        return 0
    typical = CREATE_SECONDS.get(node.type)
    return typical.seconds if typical else DEFAULT_SECONDS


@dataclass(frozen=True)
class Chain:
    """One chain of creates, each waiting for the one before, and when its last one finishes."""

    seconds: int
    steps: list[tuple[str, int]]
    """(URN, its own create seconds) along the chain; resources that take no time (components, providers) left out."""

    @property
    def minutes(self) -> float:
        return round(self.seconds / 60, 1)

    @property
    def urns(self) -> list[str]:
        return [urn for urn, _ in self.steps]

    def as_json(self) -> dict[str, Any]:
        return {"minutes": self.minutes, "path": self.urns, "steps": [{"urn": u, "seconds": s} for u, s in self.steps]}


@dataclass(frozen=True)
class Estimate:
    """The first deploy's duration: the longest chain of creates (the critical path), and the chain that ends at
    each cluster's in-cluster objects (where the propagation waits and the node pools show)."""

    critical: Chain
    clusters: dict[str, Chain]
    """By Kubernetes provider name: the chain to the last in-cluster object it creates."""

    @property
    def seconds(self) -> int:
        return self.critical.seconds

    @property
    def minutes(self) -> float:
        return self.critical.minutes

    @property
    def critical_path(self) -> list[str]:
        """URNs, each depending on the one before."""
        return self.critical.urns

    @property
    def steps(self) -> list[tuple[str, int]]:
        return self.critical.steps

    def as_json(self) -> dict[str, Any]:
        return {
            "minutes": self.minutes,
            "critical_path": self.critical_path,
            "steps": [{"urn": urn, "seconds": s} for urn, s in self.steps],
            "clusters": {name: chain.as_json() for name, chain in self.clusters.items()},
        }


def estimate(graph: Graph) -> Estimate:
    """Longest path over the graph with each resource's typical create time (unbounded parallelism, as the engine
    runs everything whose dependencies are done)."""
    finish: dict[str, int] = {}
    before: dict[str, str | None] = {}
    order = sorted(graph.nodes, key=lambda u: len(graph.ancestors(u)))  # a topological order
    for urn in order:
        deps = sorted(graph.direct(urn))
        prev = max(deps, key=lambda d: finish[d], default=None)
        start = finish[prev] if prev is not None else 0
        finish[urn] = start + create_seconds(graph.nodes[urn])
        before[urn] = prev

    def chain(end: str) -> Chain:
        path: list[str] = []
        current: str | None = end
        while current is not None:
            path.append(current)
            current = before[current]
        steps = [(u, create_seconds(graph.nodes[u])) for u in reversed(path)]
        return Chain(finish[end], [(u, sec) for u, sec in steps if sec > 0])

    if not finish:
        return Estimate(Chain(0, []), {})
    clusters = {}
    for provider in graph.of_type(K8S_PROVIDER):
        objects = [n.urn for n in graph.nodes.values() if n.provider == provider.urn]
        if objects:
            clusters[provider.name] = chain(max(objects, key=lambda u: finish[u]))
    return Estimate(chain(max(finish, key=lambda u: finish[u])), clusters)


# --- report ---------------------------------------------------------------------------------------------------


SHOWN_PER_RULE = 12
"""Findings printed per rule (the rest are counted): one missing wait often breaks dozens of consumers."""


def report(graph: Graph, out: TextIO) -> list[Finding]:
    """Print the deploy check (findings grouped by rule, each rule with the behaviour and documentation it encodes)
    and the deploy-time estimate; return the findings."""
    findings = check(graph)
    blockers = [f for f in findings if f.severity == "blocker"]
    out.write(f"\ndeploy check: {len(blockers)} blocker(s), {len(findings) - len(blockers)} warning(s)")
    out.write(f" ({len(RULES)} rules)\n")
    for rule in RULES:
        broken = [f for f in findings if f.rule == rule.id]
        if not broken:
            continue
        out.write(f"  {rule.severity} {rule.id} ({len(broken)}): {rule.behaviour}\n    {rule.doc}\n")
        for finding in broken[:SHOWN_PER_RULE]:
            out.write(f"    - {finding.message}\n")
        if len(broken) > SHOWN_PER_RULE:
            out.write(f"    ... and {len(broken) - SHOWN_PER_RULE} more\n")
    needs = prerequisites(graph)
    out.write(
        "\nbefore the first up (no resource of the stack can do these; how to check each: docs/DEPLOY_CHECK.md)\n"
    )
    out.write(f"  Azure resource providers registered: {', '.join(needs['azure_resource_providers']) or '-'}\n")
    out.write(f"  GCP APIs already enabled: {', '.join(needs['gcp_bootstrap_apis']) or '-'}\n")
    out.write(f"  AWS quotas: {'; '.join(needs['aws_quotas']) or '-'}\n")
    out.write(f"  Compute quotas hold the nodes started at create: {'; '.join(needs['compute_quotas']) or '-'}\n")
    result = estimate(graph)
    out.write(f"\ndeploy-time estimate (first deploy): {result.minutes} min along the critical path\n")
    _print_chain(graph, result.critical, out)
    for name, cluster_chain in sorted(result.clusters.items(), key=lambda item: -item[1].seconds):
        waited_s = sum(sec for urn, sec in cluster_chain.steps if graph.nodes[urn].type == SLEEP)
        out.write(f"to the workloads of {name}: {cluster_chain.minutes} min ({waited_s} s of propagation waits)\n")
        _print_chain(graph, cluster_chain, out)
    return findings


def _print_chain(graph: Graph, chain: Chain, out: TextIO) -> None:
    for urn, seconds in chain.steps:
        node = graph.nodes[urn]
        out.write(f"  {seconds:>5} s  {node.name}  ({node.type})\n")


def check_plan_file(path: Path, out: TextIO, err: TextIO) -> int:
    """`check --plan FILE`: 0 clean, 4 with blockers, 2 when the file is not a plan."""
    try:
        document = json.loads(path.read_text())
        graph = Graph.from_plan(document)
    except (OSError, ValueError, KeyError, TypeError) as error:
        err.write(f"check: {path}: not a `plan --json` file ({error})\n")
        return 2
    findings = report(graph, out)
    return 4 if any(f.severity == "blocker" for f in findings) else 0
