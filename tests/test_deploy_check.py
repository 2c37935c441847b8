"""The deploy check: each rule on a recording that satisfies it (both stacks as committed) and on one that breaks it
(the same recording with the fix taken out); the graph semantics; the deploy-time estimate; `check --plan`."""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from components.lib.naming import SUFFIX_LENGTH, SUFFIX_LETTERS
from components.lib.waits import seconds_of
from scripts import deploy, deploy_check
from scripts.deploy_check import Graph, Node
from scripts.plan import write_json
from tests.conftest import recorded_stack

STACKS = ("dev", "prod")


def graph_of(stack: str) -> Graph:
    return Graph.from_recording(recorded_stack(stack))


def edited(graph: Graph, edit: Callable[[Node, Graph], Node]) -> Graph:
    """A copy of `graph` with every node passed through `edit`."""
    return Graph(edit(node, graph) for node in graph.nodes.values())


def bypass_sleeps(consumer: Callable[[Node], bool]) -> Callable[[Node, Graph], Node]:
    """Take the waits out: a matching consumer depends on what its Sleeps waited for, not on the Sleeps."""

    def edit(node: Node, graph: Graph) -> Node:
        if not consumer(node):
            return node
        deps: list[str] = []
        for dep in node.dependencies:
            target = graph.nodes[dep]
            deps += list(target.dependencies) if target.type == deploy_check.SLEEP else [dep]
        return dataclasses.replace(node, dependencies=tuple(dict.fromkeys(deps)))

    return edit


def drop_deps(consumer: Callable[[Node], bool], dropped: Callable[[Node], bool]) -> Callable[[Node, Graph], Node]:
    def edit(node: Node, graph: Graph) -> Node:
        if not consumer(node):
            return node
        return dataclasses.replace(
            node, dependencies=tuple(d for d in node.dependencies if not dropped(graph.nodes[d]))
        )

    return edit


def of(*types: str) -> Callable[[Node], bool]:
    return lambda node: node.type in types


def gpu_pool(node: Node) -> bool:
    return node.type == deploy_check.NODE_GROUP and "nvidia.com/gpu" in json.dumps(node.inputs)


def add_gpu_dependency(node: Node, graph: Graph) -> Node:
    """coredns waits for the GPU group of its cluster (what the seed did with every group)."""
    if node.type != deploy_check.EKS_ADDON or node.inputs.get("addonName") != "coredns":
        return node
    gpu = [
        n.urn
        for n in graph.of_type(deploy_check.NODE_GROUP)
        if gpu_pool(n) and n.inputs["clusterName"] == node.inputs["clusterName"]
    ]
    return dataclasses.replace(node, dependencies=(*node.dependencies, *gpu))


def gpu_starts_at_one(node: Node, graph: Graph) -> Node:
    if not gpu_pool(node):
        return node
    return dataclasses.replace(
        node, inputs={**node.inputs, "scalingConfig": {**node.inputs["scalingConfig"], "desiredSize": 1}}
    )


def disabled_on_destroy(node: Node, graph: Graph) -> Node:
    if node.type != deploy_check.SERVICE_TYPE:
        return node
    return dataclasses.replace(node, inputs={**node.inputs, "disableOnDestroy": True})


def with_inputs(types: tuple[str, ...], change: Callable[[dict], dict]) -> Callable[[Node, Graph], Node]:
    """Matching nodes get `change(inputs)` as inputs."""

    def edit(node: Node, graph: Graph) -> Node:
        if node.type not in types:
            return node
        return dataclasses.replace(node, inputs=change(dict(node.inputs)))

    return edit


def without_ignore_changes(node: Node, graph: Graph) -> Node:
    return dataclasses.replace(node, ignore_changes=()) if node.type == deploy_check.FLEX_SERVER else node


def fixed_storage_account_name(node: Node, graph: Graph) -> Node:
    """The seed's storage account: `<platform><env><region>`, no stack-unique part (and so no dependency on it)."""
    if node.type != "azure-native:storage:StorageAccount":
        return node
    unique = stack_unique_urn(graph)
    return dataclasses.replace(
        node,
        inputs={**node.inputs, "accountName": node.inputs["accountName"][:-SUFFIX_LENGTH]},
        dependencies=tuple(d for d in node.dependencies if d != unique),
    )


def stack_unique_urn(graph: Graph) -> str:
    [unique] = [n.urn for n in graph.of_type(deploy_check.STACK_UNIQUE) if n.name.endswith("-unique")]
    return unique


def _lock_vaults_too(node: Node, graph: Graph) -> Node:
    """The seed's locks: the server's lock on the Key Vault instead (where the deployer's grants live)."""
    if node.type != deploy_check.LOCK:
        return node
    vault = next(n for n in graph.of_type("azure-native:keyvault:Vault") if n.inputs["location"] == "eastus")
    return dataclasses.replace(node, inputs={**node.inputs, "scope": vault.id})


BREAKS: dict[str, tuple[Callable[[Node, Graph], Node], str]] = {
    # rule -> (the fix taken out, a name the findings must mention)
    "stack-unique-names": (fixed_storage_account_name, "storage-account"),
    "azure-rbac-propagation": (bypass_sleeps(of("azure-native:keyvault:Key")), "vault-key-aks"),
    "aks-rbac-propagation": (bypass_sleeps(of(deploy_check.K8S_PROVIDER)), "deployer-cluster-admin"),
    "gcp-iam-propagation": (bypass_sleeps(of(deploy_check.GKE)), "kms-key-gke-agent"),
    "kubernetes-after-cluster-grant": (  # the seed's kubeconfigs: the cluster only, no deployer access
        drop_deps(
            of(deploy_check.K8S_PROVIDER),
            lambda n: n.type == deploy_check.EKS_ADMIN_ASSOCIATION or "gcp-deployer" in n.name,
        ),
        "aws-use1-eks-cluster",
    ),
    "gcp-service-agents-exist": (  # the seed's GKE key grant: the agent's e-mail, derived from the project number
        drop_deps(of(deploy_check.KMS_GRANT), of(deploy_check.SERVICE_IDENTITY)),
        "kms-key-gke-agent",
    ),
    "aks-agent-pools-serial": (drop_deps(of(deploy_check.AGENT_POOL), of(deploy_check.AGENT_POOL)), "aks-pool-"),
    "azure-vnet-writes-serial": (  # the seed's peerings: after the network's subnets only, both at once
        drop_deps(of(deploy_check.PEERING), lambda n: n.type == deploy_check.PEERING or "-dns-subnet-" in n.name),
        "peering-to-first",
    ),
    "flexible-server-serial": (
        drop_deps(of(*deploy_check.FLEX_WRITES), of(*deploy_check.FLEX_WRITES)),
        "postgres-config-",
    ),
    "gcs-cmek-location": (  # the DR sink's key left in the primary region's ring while the bucket is a US dual-region
        with_inputs(
            ("gcp:storage/bucket:Bucket",),
            lambda i: {**i, "encryption": {**i["encryption"], "defaultKmsKeyName": i["encryption"][
                "defaultKmsKeyName"].replace("/locations/us/", "/locations/us-central1/")}},
        ),
        "backups-bucket",
    ),
    "gcp-apis-enabled": (drop_deps(lambda n: n.type.startswith("gcp:"), of(deploy_check.SERVICE_TYPE)), "gke-cluster"),
    "in-cluster-readiness": (  # the seed's kubeconfig: the cluster only, no nodes, no add-ons
        drop_deps(
            of(deploy_check.K8S_PROVIDER), of(deploy_check.NODE_GROUP, deploy_check.EKS_ADDON, deploy_check.GKE_POOL)
        ),
        "eks-pool-general",
    ),
    "core-addons-on-general-pools": (add_gpu_dependency, "eks-pool-gpu"),
    "gpu-pools-start-at-zero": (gpu_starts_at_one, "eks-pool-gpu"),
    "eks-node-groups-by-prefix": (
        with_inputs((deploy_check.NODE_GROUP,), lambda i: {**i, "nodeGroupName": i["nodeGroupNamePrefix"].rstrip("-")}),
        "eks-pool-general",
    ),
    "autogrow-size-ignored": (without_ignore_changes, "postgres-server"),
    "rds-update-safety": (
        with_inputs((deploy_check.RDS,), lambda i: {**i, "allowMajorVersionUpgrade": False}),
        "postgres-instance",
    ),
    "database-backup-values": (
        with_inputs((deploy_check.FLEX_SERVER,), lambda i: {**i, "backup": {**i["backup"], "backupRetentionDays": 3}}),
        "postgres-server",
    ),
    "azure-storage-ip-rules": (
        with_inputs(
            ("azure-native:storage:StorageAccount",),
            lambda i: {
                **i,
                "networkRuleSet": {
                    **i["networkRuleSet"],
                    "ipRules": [{"iPAddressOrRange": "1.2.3.4/32", "action": "Allow"}],
                },
            },
        ),
        "storage-account",
    ),
    "azure-key-vault-keys-immutable": (  # the seed's keys: fixed names, updated in place, deleted on replace
        lambda n, g: (
            dataclasses.replace(
                n,
                inputs={**n.inputs, "keyName": n.inputs["keyName"].rsplit("-", 1)[0]},
                replace_on_changes=(),
                delete_before_replace=None,
                retain_on_delete=False,
            )
            if n.type == deploy_check.VAULT_KEY
            else n
        ),
        "vault-key-aks",
    ),
    "aks-kms-key-pinned": (  # the seed's KMS key: Key Vault's yearly Rotate action beside the pinned version
        lambda n, g: (
            _with_rotate(n) if n.type == deploy_check.VAULT_KEY and "kms-vault" in n.name else n
        ),
        "kms-vault-key-aks",
    ),
    "aks-pools-manageable": (  # the seed's pools: fixed names, the inline list sent on updates
        lambda n, g: (
            dataclasses.replace(n, inputs={**n.inputs, "agentPoolName": n.inputs["agentPoolName"][:-5]})
            if n.type == deploy_check.AGENT_POOL
            else dataclasses.replace(n, ignore_changes=())
            if n.type == deploy_check.AKS
            else n
        ),
        "aks-pool-system",
    ),
    "azure-locks-block-nothing": (lambda n, g: _lock_vaults_too(n, g), "deployer-crypto-officer"),
    "aws-role-permissions-first": (  # the seed's IRSA add-ons: the role, not its policy
        drop_deps(of(deploy_check.EKS_ADDON), of(*deploy_check.ROLE_POLICIES)),
        "vpc-cni-role-AmazonEKS_CNI_Policy",
    ),
    "budget-topics-permitted-first": (  # the budget's SNS subscriber without its topic policy first
        drop_deps(of(deploy_check.BUDGET), of(deploy_check.SNS_TOPIC_POLICY)),
        "budgets-emergency",
    ),
    "gke-vulnerability-mode": (
        with_inputs(
            (deploy_check.GKE,),
            lambda i: {**i, "securityPostureConfig": {"mode": "BASIC", "vulnerabilityMode": "VULNERABILITY_BASIC"}},
        ),
        "gke-cluster",
    ),
}


def _with_rotate(node: Node) -> Node:
    props = node.inputs["properties"]
    policy = props["rotationPolicy"]
    rotate = {"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": "P1Y"}}
    policy = {**policy, "lifetimeActions": [rotate, *policy["lifetimeActions"]]}
    return dataclasses.replace(node, inputs={**node.inputs, "properties": {**props, "rotationPolicy": policy}})


def findings(graph: Graph, rule: str) -> list[deploy_check.Finding]:
    return [f for f in deploy_check.check(graph) if f.rule == rule]


@pytest.mark.parametrize("stack", STACKS)
def test_the_committed_stacks_have_no_blocker(stack):
    found = deploy_check.check(graph_of(stack))
    assert [f.message for f in found if f.severity == "blocker"] == []


def test_every_rule_has_its_breaking_recording_and_documentation():
    assert {rule.id for rule in deploy_check.RULES} == set(BREAKS) | {"aws-eip-quota"}
    for rule in deploy_check.RULES:
        assert rule.doc.startswith("https://"), rule.id
        assert rule.severity in ("blocker", "warning")


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_each_rule_catches_the_recording_with_its_fix_taken_out(rule):
    good = graph_of("prod")
    edit, named = BREAKS[rule]
    bad = edited(good, edit)
    assert findings(good, rule) == []
    broken = findings(bad, rule)
    assert broken, f"{rule} misses the broken recording"
    assert all(f.severity == "blocker" and f.resources for f in broken)
    assert any(named in bad.nodes[urn].name for f in broken for urn in f.resources), [f.message for f in broken]


def test_the_gke_grant_counts_only_after_its_propagation_wait():
    bad = edited(graph_of("prod"), bypass_sleeps(of(deploy_check.K8S_PROVIDER)))
    messages = [f.message for f in findings(bad, "kubernetes-after-cluster-grant")]
    gke = [m for m in messages if "gcp" in m]
    assert len(gke) == 2 and all("less than 120 s after flow-prod-gcp-deployer-cluster-admin" in m for m in gke)
    eks_only = [m for m in messages if "aws" in m]
    assert eks_only == []  # an EKS association needs no wait: the API authorizes it at once


def test_a_vnet_takes_its_subnets_and_peerings_one_at_a_time():
    """azure: concurrent subnet writes fail AnotherOperationInProgress, a peering beside a subnet write on either
    VNet fails ReferencedResourceNotProvisioned; every write of a VNet (both peerings included) is ordered."""
    good = graph_of("prod")
    writes = deploy_check._vnet_writes(good)
    eastus = sorted(n.name for n in writes[("flow-prod-eus", "flow-prod-eus-vnet")])
    # the network's three subnets, the resolver's two, the peering on it and the one pointing at it
    assert [n.rsplit("-", 1)[-1] for n in eastus] == [
        "inbound", "outbound", "aks", "gateway", "postgres", "first", "second"
    ], eastus
    assert findings(good, "azure-vnet-writes-serial") == []
    subnets_at_once = edited(good, drop_deps(of(deploy_check.SUBNET), of(deploy_check.SUBNET)))
    assert any("subnet-postgres" in f.message for f in findings(subnets_at_once, "azure-vnet-writes-serial"))


def test_a_gke_cluster_not_waiting_for_its_agents_project_role_is_caught():
    """gcp: an agent created on request has no role, and a cluster whose agent lacks roles/container.serviceAgent
    cannot be created; the cluster starts GCP_IAM after the role."""
    good = graph_of("prod")
    grants = good.of_type(deploy_check.PROJECT_IAM_MEMBER)
    [role] = [n for n in grants if n.inputs["role"] == deploy_check.GKE_AGENT_ROLE]
    assert role.inputs["member"].endswith("@container-engine-robot.iam.gserviceaccount.com") and role.retain_on_delete
    bad = edited(good, bypass_sleeps(of(deploy_check.GKE)))
    messages = [f.message for f in findings(bad, "gcp-service-agents-exist")]
    assert len(messages) == 2 and all("less than 120 s after its agent's role" in m for m in messages), messages


@pytest.mark.parametrize("stack", STACKS)
def test_every_global_or_reserved_name_ends_in_the_stacks_one_suffix(stack):
    graph = graph_of(stack)
    unique = graph.nodes[stack_unique_urn(graph)]
    suffix = unique.outputs["result"]
    assert len(suffix) == SUFFIX_LENGTH and set(suffix) <= set(SUFFIX_LETTERS + "0123456789")
    named = [n for n in graph.nodes.values() if n.type in deploy_check.UNIQUE_NAMES]
    assert {n.type for n in named} == set(deploy_check.UNIQUE_NAMES)  # the stacks create every kind
    for n in named:
        assert n.inputs[deploy_check.UNIQUE_NAMES[n.type]].endswith(suffix), n.name
        assert unique.urn in n.dependencies, n.name


def test_a_name_that_does_not_wait_for_the_suffix_breaks_the_rule():
    """The suffix typed in by hand: the name carries it, but nothing orders the resource after it."""
    graph = graph_of("dev")
    unique = stack_unique_urn(graph)
    bad = edited(graph, drop_deps(of("gcp:kms/keyRing:KeyRing"), lambda n: n.urn == unique))
    [finding] = findings(bad, "stack-unique-names")
    suffix = graph.nodes[unique].outputs["result"]
    ring = f"flow-dev-usc1-{suffix}"
    assert finding.message == f"flow-dev-gcp-usc1-kms-ring ('{ring}') does not depend on flow-dev-unique"


def test_a_stack_without_its_suffix_breaks_the_rule_for_every_name():
    graph = graph_of("dev")
    unique = stack_unique_urn(graph)
    bad = Graph(n for n in graph.nodes.values() if n.urn != unique)
    broken = findings(bad, "stack-unique-names")
    assert len(broken) == len([n for n in graph.nodes.values() if n.type in deploy_check.UNIQUE_NAMES])
    assert all("0 stack-unique suffixes" in f.message for f in broken)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"replace_on_changes": ()}, "update ARM never applies"),
        ({"delete_before_replace": True}, "created before the old key goes"),
        ({"retain_on_delete": False}, "still unwraps data"),
        ({"protect": True}, "protect refuses its replacement"),
    ],
)
def test_each_half_of_key_immutability_is_checked(change, problem):
    def edit(node: Node, graph: Graph) -> Node:
        return dataclasses.replace(node, **change) if node.type == deploy_check.VAULT_KEY else node

    broken = findings(edited(graph_of("dev"), edit), "azure-key-vault-keys-immutable")
    assert broken and all(problem in f.message for f in broken), [f.message for f in broken]


def test_a_key_whose_properties_changed_under_the_same_name_is_caught():
    """A new expiry with the old name: the fingerprint no longer matches."""

    def edit(node: Node, graph: Graph) -> Node:
        if node.type != deploy_check.VAULT_KEY:
            return node
        props = node.inputs["properties"]
        policy = {**props["rotationPolicy"], "attributes": {"expiryTime": "P3Y"}}
        return dataclasses.replace(node, inputs={**node.inputs, "properties": {**props, "rotationPolicy": policy}})

    broken = findings(edited(graph_of("dev"), edit), "azure-key-vault-keys-immutable")
    assert broken and all("fingerprint" in f.message for f in broken)


def test_a_pool_deleted_before_its_replacement_or_a_cluster_sending_pools_is_caught():
    def edit(node: Node, graph: Graph) -> Node:
        if node.type == deploy_check.AGENT_POOL:
            return dataclasses.replace(node, delete_before_replace=None)
        return dataclasses.replace(node, ignore_changes=()) if node.type == deploy_check.AKS else node

    messages = [f.message for f in findings(edited(graph_of("dev"), edit), "aks-pools-manageable")]
    assert any("deleted before its replacement" in m for m in messages)
    assert any("sends its inline agent pools" in m for m in messages)


def test_an_unprotected_resource_under_the_servers_lock_is_caught_but_a_configuration_is_not():
    def edit(node: Node, graph: Graph) -> Node:
        return (
            dataclasses.replace(node, protect=False) if node.type == "azure-native:dbforpostgresql:Database" else node
        )

    broken = findings(edited(graph_of("prod"), edit), "azure-locks-block-nothing")
    assert broken and all("postgres-database" in f.message and "unprotected" in f.message for f in broken)
    assert not any("config" in f.message for f in broken)


def test_apis_must_not_be_disabled_on_destroy():
    assert findings(edited(graph_of("dev"), disabled_on_destroy), "gcp-apis-enabled")


def test_a_short_wait_is_no_wait():
    """A Sleep shorter than the documented delay does not count."""

    def shorten(node: Node, graph: Graph) -> Node:
        if node.type != deploy_check.SLEEP:
            return node
        return dataclasses.replace(node, inputs={**node.inputs, "createDuration": "30s"})

    bad = edited(graph_of("dev"), shorten)
    assert findings(bad, "azure-rbac-propagation") and findings(bad, "gcp-iam-propagation")
    assert findings(bad, "aks-rbac-propagation")


def node(urn: str, type_: str = "t:m:R", deps: tuple[str, ...] = (), parent: str = "", custom: bool = True, **inputs):
    return Node(urn, type_, urn, parent, custom, "", deps, inputs)


def test_a_dependency_on_a_component_waits_for_everything_below_it():
    graph = Graph(
        [
            node("comp", "multicloud:x:C", custom=False),
            node("inner", parent="comp"),
            node("deeper", parent="inner"),
            node("user", deps=("comp",)),
        ]
    )
    assert graph.ancestors("user") == {"inner", "deeper"}
    assert graph.ancestors("deeper") == {"inner"}  # a custom parent is waited for


def test_a_resource_waits_for_its_provider():
    provider = node("p", "pulumi:providers:kubernetes", deps=("cluster",))
    thing = dataclasses.replace(node("svc", "kubernetes:core/v1:Service"), provider="p")
    graph = Graph([node("cluster"), provider, thing])
    assert graph.ancestors("svc") == {"p", "cluster"}


def test_the_estimate_follows_the_longest_chain_and_counts_the_waits():
    graph = Graph(
        [
            node("grant", deploy_check.ROLE_ASSIGNMENT),
            node("wait", deploy_check.SLEEP, deps=("grant",), createDuration="5m"),
            node("cluster", deploy_check.AKS, deps=("wait",)),
            node("side", "t:m:Fast"),
        ]
    )
    result = deploy_check.estimate(graph)
    assert result.critical_path == ["grant", "wait", "cluster"]
    assert result.steps == [("grant", 10), ("wait", 300), ("cluster", 600)]
    assert result.seconds == 910 and result.minutes == 15.2


@pytest.mark.parametrize("stack", STACKS)
def test_the_stack_estimate_is_a_chain_of_real_dependencies(stack):
    graph = graph_of(stack)
    result = deploy_check.estimate(graph)
    path = result.critical_path
    assert len(path) >= 2
    for before, after in itertools.pairwise(path):
        assert graph.waits_for(after, before), (before, after)
    assert result.seconds == sum(seconds for _, seconds in result.steps)
    # the unavoidable chain: the slowest thing the stack creates (an Azure VPN gateway, 45 min) and what follows it
    assert any(graph.nodes[u].type == "azure-native:network:VirtualNetworkGateway" for u in path)
    assert 45 <= result.minutes <= 60


def test_seconds_of_reads_go_durations():
    assert [seconds_of(d) for d in ("90s", "5m", "1m30s", "2h")] == [90, 300, 90, 7200]
    with pytest.raises(ValueError):
        seconds_of("5")
    with pytest.raises(ValueError):
        seconds_of("five minutes")


def test_check_plan_exits_0_on_the_plan_and_4_once_its_waits_are_removed(tmp_path: Path, capsys):
    plan = tmp_path / "plan.json"
    recording = recorded_stack("prod")
    write_json(recording, plan, deploy_estimate=deploy_check.estimate(Graph.from_recording(recording)).as_json())
    document = json.loads(plan.read_text())
    estimate = document["summary"]["deploy_estimate"]
    assert estimate["minutes"] > 0 and estimate["critical_path"][0].startswith("urn:pulumi:prod::")
    assert deploy.main(["check", "--plan", str(plan)]) == 0
    assert "deploy check: 0 blocker(s)" in capsys.readouterr().out

    sleeps = {r["urn"]: r for r in document["resources"] if r["type"] == deploy_check.SLEEP}
    for resource in document["resources"]:
        deps = []
        for dep in resource["dependencies"]:
            deps += sleeps[dep]["dependencies"] if dep in sleeps else [dep]
        resource["dependencies"] = deps
    plan.write_text(json.dumps(document))
    assert deploy.main(["check", "--plan", str(plan)]) == 4
    out = capsys.readouterr().out
    assert "blocker azure-rbac-propagation" in out and "blocker gcp-iam-propagation" in out


def test_check_plan_exits_2_on_a_file_that_is_no_plan(tmp_path: Path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a plan"}')
    assert deploy.main(["check", "--plan", str(bad)]) == 2
    assert "not a `plan --json` file" in capsys.readouterr().err
    assert deploy.main(["check", "--plan", str(tmp_path / "missing.json")]) == 2


def test_elastic_ips_above_the_default_quota_are_a_warning_naming_the_quota():
    """aws 3: prod allocates 6 EIPs per region (3 NAT + 3 ingress), the default quota is 5."""
    prod = findings(graph_of("prod"), "aws-eip-quota")
    assert [f.severity for f in prod] == ["warning", "warning"]
    assert all("L-0263D0A3" in f.message and len(f.resources) == 6 for f in prod)
    assert findings(graph_of("dev"), "aws-eip-quota") == []
    needs = deploy_check.prerequisites(graph_of("prod"))
    # AKS's node resource group holds VM scale sets, a load balancer and disks: no resource of the stack is a VM
    assert {"Microsoft.ContainerService", "Microsoft.Compute"} <= set(needs["azure_resource_providers"])
    assert {"cloudresourcemanager.googleapis.com", "serviceusage.googleapis.com"} <= set(needs["gcp_bootstrap_apis"])
    assert any("us-east-1: 6" in q for q in needs["aws_quotas"])
    # the nodes started at create, per cloud and region, for the preflight's compute-quota checks
    assert [line.split(":", 1)[0] for line in needs["compute_quotas"]] == [
        "aws us-east-1", "aws us-west-2", "azure eastus", "azure westus2", "gcp us-central1", "gcp us-east1"
    ]


def test_a_setting_that_breaks_a_rule_is_refused_at_the_settings_edge_naming_the_key(tmp_path: Path, capsys):
    """A GPU pool that starts with a node, or Azure backups beyond 35 days: exit 2, nothing planned."""
    from tests.test_plan import project_copy

    def gpu_node(platform):
        platform["kubernetes"]["pools"]["aws"]["gpu"]["desired_size"] = 1
        platform["postgres"]["backup_retention_days"] = 40

    project = project_copy(tmp_path, "dev", gpu_node)
    assert deploy.main(["plan", "--stack", "dev", "--quiet", "--project-dir", str(project)]) == 2
    err = capsys.readouterr().err
    assert "kubernetes.pools.aws.gpu.desired_size" in err and "allowed: 0" in err
    assert "postgres.backup_retention_days" in err and "at most 35" in err


def test_plan_prints_the_check_and_exits_4_on_a_blocker(monkeypatch, capsys):
    """The wiring: a blocker found on the recording fails the plan (here a rule that always fires)."""
    always = deploy_check.Rule("always", "blocker", "a test rule", "https://example.com", lambda g: [((), "fired")])
    monkeypatch.setattr(deploy_check, "RULES", [*deploy_check.RULES, always])
    assert deploy.main(["plan", "--stack", "dev", "--quiet"]) == 4
    out = capsys.readouterr().out
    assert "deploy check: 1 blocker(s)" in out and "blocker always (1): a test rule" in out and "- fired" in out
    assert "deploy-time estimate (first deploy):" in out


def _kms_edit(kind: str) -> Callable[[Node, Graph], Node]:
    def edit(node: Node, graph: Graph) -> Node:
        if kind == "closed" and node.type == deploy_check.VAULT and "kms-vault" in node.name:
            props = {**node.inputs["properties"], "networkAcls": {"bypass": "AzureServices", "defaultAction": "Deny"}}
            return dataclasses.replace(node, inputs={**node.inputs, "properties": props})
        if kind == "shared" and node.type == deploy_check.VAULT_KEY and node.name.endswith("-vault-key-storage"):
            kms_vault = next(
                v.inputs["vaultName"] for v in graph.of_type(deploy_check.VAULT) if "kms-vault" in v.name
            )
            return dataclasses.replace(node, inputs={**node.inputs, "vaultName": kms_vault})
        if kind == "versionless" and node.type == deploy_check.AKS:
            security = node.inputs["securityProfile"]
            kms = {**security["azureKeyVaultKms"], "keyId": security["azureKeyVaultKms"]["keyId"].rsplit("/", 1)[0]}
            return dataclasses.replace(
                node, inputs={**node.inputs, "securityProfile": {**security, "azureKeyVaultKms": kms}}
            )
        if kind == "expiring" and node.type == deploy_check.VAULT_KEY and "kms-vault" in node.name:
            props = {**node.inputs["properties"], "attributes": {"enabled": True, "expires": 1893456000}}
            return dataclasses.replace(node, inputs={**node.inputs, "properties": props})
        return node

    return edit


@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        ("closed", "which KMS Public mode cannot reach"),
        ("shared", "must stay public for KMS yet also holds"),
        ("versionless", "is no versioned key id"),
        ("expiring", "KMS can no longer encrypt"),
    ],
)
def test_each_part_of_the_kms_key_rule_is_checked(kind, problem):
    """azure R6/R8: the pinned key's vault is reachable by KMS Public mode and holds nothing else; the key id
    carries a version; the key never expires."""
    broken = findings(edited(graph_of("prod"), _kms_edit(kind)), "aks-kms-key-pinned")
    assert broken and all(problem in f.message for f in broken), [f.message for f in broken]
    assert len(broken) == (1 if kind == "shared" else 2)  # per region; "shared" fills the first KMS vault only


def test_turbo_replication_on_a_single_region_bucket_is_caught():
    regional = edited(
        graph_of("prod"),
        with_inputs(
            ("gcp:storage/bucket:Bucket",), lambda i: i if "customPlacementConfig" in i else {**i, "rpo": "ASYNC_TURBO"}
        ),
    )
    messages = [f.message for f in findings(regional, "gcs-cmek-location")]
    assert messages and all("no dual-region" in m for m in messages)


def test_a_predefined_only_pair_as_a_configurable_dual_region_is_caught():
    """GCS offers us-central1 + us-east1 only as the predefined NAM4; as a configurable pair it answers 400."""
    nam4 = edited(
        graph_of("prod"),
        with_inputs(
            ("gcp:storage/bucket:Bucket",),
            lambda i: {**i, "customPlacementConfig": {"dataLocations": ["US-CENTRAL1", "US-EAST1"]}}
            if "customPlacementConfig" in i else i,
        ),
    )
    [finding] = findings(nam4, "gcs-cmek-location")
    assert "pairs us-central1 and us-east1 as a configurable dual-region" in finding.message
