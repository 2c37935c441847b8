"""AzureAksCluster: private API in prod and authorized IP ranges in dev, Entra ID + Azure RBAC with local
accounts off, OIDC issuer and workload identity, KMS with the vault key, control-plane and audit logs,
Defender and Container Insights, upgrades in maintenance windows, agent pools from config, kubeconfig."""

from __future__ import annotations

import json
from ipaddress import IPv4Network

import pulumi_azure_native as azure_native
import pytest
from pulumi.runtime.rpc import is_rpc_secret, unwrap_rpc_secret

from components.azure import roles
from components.lib.aks_pools import BOOTSTRAP_POOL, pool_name
from components.lib.waits import AZURE_KEY_VAULT_RBAC
from scripts.mock_clouds.azure import CA_DATA, DEPLOYER_OBJECT_ID
from tests.aws.helpers import depends_on, of_type, one, waits_after

from .helpers import (
    ADMIN_GROUP,
    AKS,
    ALL_REGIONS,
    KEY_VAULT,
    NETWORK,
    STACKS,
    component,
    key_base,
    recording,
    ref,
    resource,
    role_assignments_on,
    role_guid,
    settings,
)

az = azure_native
SPOT_TAINT = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"
GPU_TAINT = "nvidia.com/gpu=true:NoSchedule"


def cluster(rec, region):
    return resource(rec, region, AKS, az.containerservice.ManagedCluster)


def pools(rec, region):
    """AgentPool resources by configured pool name (their `platform/pool` label; the ARM name adds a fingerprint)."""
    return {
        p.inputs["nodeLabels"]["platform/pool"]: p
        for p in of_type(rec, az.containerservice.AgentPool, component(rec, region, AKS))
    }


def aks_subnet(rec, region):
    net = component(rec, region, NETWORK)
    return one(s for s in of_type(rec, az.network.Subnet, net) if s.inputs["subnetName"] == "aks")


def vault_key(rec, region, name):
    """A key of the region's public KMS vault (the AKS key, named `<base>-g<generation>`)."""
    vault = component(rec, region, KEY_VAULT, "-kms-vault")
    return one(k for k in of_type(rec, az.keyvault.Key, vault) if key_base(k) == name)


# --- the control plane ----------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_api_server_is_private_in_prod_and_allow_listed_in_dev(stack, region):
    access = cluster(recording(stack), region).inputs["apiServerAccessProfile"]
    k8s = settings(stack).kubernetes
    if stack == "prod":
        assert k8s.public_endpoint is False
        assert access["enablePrivateCluster"] is True
        assert access["enablePrivateClusterPublicFQDN"] is False
        assert "authorizedIPRanges" not in access
    else:
        assert k8s.public_endpoint is True
        assert access["enablePrivateCluster"] is False
        assert access["authorizedIPRanges"] == [str(c) for c in k8s.public_access_cidrs] == ["85.214.132.0/24"]
        assert "0.0.0.0/0" not in access["authorizedIPRanges"]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_entra_id_with_azure_rbac_and_no_local_accounts(stack, region):
    inputs = cluster(recording(stack), region).inputs
    assert inputs["disableLocalAccounts"] is True
    assert inputs["enableRBAC"] is True
    aad = inputs["aadProfile"]
    assert aad["managed"] is True
    assert aad["enableAzureRBAC"] is True
    assert aad["adminGroupObjectIDs"] == settings(stack).clouds.azure.admin_group_object_ids
    assert aad["adminGroupObjectIDs"] == ([ADMIN_GROUP] if stack == "prod" else [])


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_oidc_issuer_and_workload_identity_are_enabled(stack, region):
    the_cluster = cluster(recording(stack), region)
    assert the_cluster.inputs["oidcIssuerProfile"] == {"enabled": True}
    assert the_cluster.inputs["securityProfile"]["workloadIdentity"] == {"enabled": True}
    issuer = the_cluster.outputs["oidcIssuerProfile"]["issuerURL"]
    assert recording(stack).outputs["azure_oidc_issuers"][region] == issuer


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_secrets_are_encrypted_with_the_versioned_aks_key_of_the_regions_vault(stack, region):
    rec = recording(stack)
    the_cluster = cluster(rec, region)
    kms = the_cluster.inputs["securityProfile"]["azureKeyVaultKms"]
    key = vault_key(rec, region, "aks-g1")
    assert kms["enabled"] is True
    assert kms["keyId"] == key.outputs["keyUriWithVersion"]
    assert kms["keyId"].startswith(key.outputs["keyUri"] + "/")
    assert kms["keyVaultNetworkAccess"] == "Public"
    assert depends_on(the_cluster, key)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_control_plane_identity_may_use_the_key_and_join_the_network_before_the_cluster_exists(stack, region):
    rec = recording(stack)
    the_cluster = cluster(rec, region)
    identity = resource(rec, region, AKS, az.managedidentity.UserAssignedIdentity)
    assert the_cluster.inputs["identity"] == {
        "type": "UserAssigned",
        "userAssignedIdentities": [identity.outputs["id"]],
    }
    network = aks_subnet(rec, region) if stack == "dev" else resource(rec, region, NETWORK, az.network.VirtualNetwork)
    for scope, role in (
        (vault_key(rec, region, "aks-g1"), roles.KEY_VAULT_CRYPTO_USER),
        (network, roles.NETWORK_CONTRIBUTOR),
    ):
        (grant,) = role_assignments_on(rec, scope)
        assert role_guid(grant) == role
        assert grant.inputs["principalId"] == identity.outputs["principalId"]
        assert grant.inputs["principalType"] == "ServicePrincipal"
        assert grant.inputs["roleDefinitionId"].startswith(
            f"/subscriptions/{settings(stack).clouds.azure.subscription_id}/"
        )
        # Not only created: propagated to Key Vault and ARM before the cluster validates its KMS key (azure F5).
        assert waits_after(rec, the_cluster, grant, AZURE_KEY_VAULT_RBAC.seconds)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_apiserver_and_audit_logs_go_to_the_region_workspace(stack, region):
    rec = recording(stack)
    setting = resource(rec, region, AKS, az.monitor.DiagnosticSetting)
    workspace = resource(rec, region, NETWORK, az.operationalinsights.Workspace)
    assert setting.inputs["resourceUri"] == cluster(rec, region).outputs["id"]
    assert setting.inputs["workspaceId"] == workspace.outputs["id"]
    categories = {log["category"] for log in setting.inputs["logs"] if log["enabled"]}
    assert {"kube-apiserver", "kube-audit-admin"} <= categories
    assert "kube-audit" not in categories  # every get and list too: the volume the baseline avoids (azure R15)
    assert categories == {
        "kube-apiserver",
        "kube-audit-admin",
        "kube-controller-manager",
        "kube-scheduler",
        "cluster-autoscaler",
        "guard",
    }
    assert setting.inputs["logAnalyticsDestinationType"] == "Dedicated"


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_defender_and_container_insights_report_to_the_workspace(stack, region):
    rec = recording(stack)
    the_cluster = cluster(rec, region)
    workspace_id = resource(rec, region, NETWORK, az.operationalinsights.Workspace).outputs["id"]
    defender = the_cluster.inputs["securityProfile"]["defender"]
    assert defender == {"logAnalyticsWorkspaceResourceId": workspace_id, "securityMonitoring": {"enabled": True}}
    oms = the_cluster.inputs["addonProfiles"]["omsagent"]
    assert oms == {"enabled": True, "config": {"logAnalyticsWorkspaceResourceID": workspace_id, "useAADAuth": "true"}}
    rule = resource(rec, region, AKS, az.monitor.DataCollectionRule)
    assert [d["workspaceResourceId"] for d in rule.inputs["destinations"]["logAnalytics"]] == [workspace_id]
    link = resource(rec, region, AKS, az.monitor.DataCollectionRuleAssociation)
    assert link.inputs["resourceUri"] == the_cluster.outputs["id"]
    assert ref(rec, link.inputs["dataCollectionRuleId"]) == rule


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_patch_upgrades_and_node_images_only_inside_weekly_windows(stack, region):
    rec = recording(stack)
    the_cluster = cluster(rec, region)
    assert the_cluster.inputs["autoUpgradeProfile"] == {"upgradeChannel": "patch", "nodeOSUpgradeChannel": "NodeImage"}
    windows = {
        m.inputs["configName"]: m
        for m in of_type(rec, az.containerservice.MaintenanceConfiguration, component(rec, region, AKS))
    }
    assert set(windows) == {"aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"}
    for window in windows.values():
        spec = window.inputs["maintenanceWindow"]
        assert spec["durationHours"] >= 4
        assert spec["schedule"]["weekly"]["intervalWeeks"] == 1
        assert window.inputs["resourceName"] == the_cluster.outputs["name"]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_version_tier_and_overlay_network(stack, region):
    the_cluster = cluster(recording(stack), region)
    assert the_cluster.inputs["kubernetesVersion"] == settings(stack).kubernetes.version
    assert the_cluster.inputs["sku"] == {"name": "Base", "tier": "Standard" if stack == "prod" else "Free"}
    net = the_cluster.inputs["networkProfile"]
    assert (net["networkPlugin"], net["networkPluginMode"], net["networkPolicy"]) == ("azure", "overlay", "cilium")
    platform = [r.cidr for c in settings(stack).clouds.enabled().values() for r in c.regions]
    for cidr in (net["podCidr"], net["serviceCidr"]):
        assert not any(IPv4Network(cidr).overlaps(p) for p in platform), cidr
    assert IPv4Network(net["dnsServiceIP"] + "/32").subnet_of(IPv4Network(net["serviceCidr"]))


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_deletion_protection_in_prod_only(stack, region):
    assert cluster(recording(stack), region).protect is (stack == "prod")


# --- agent pools ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_the_inline_pool_is_a_one_node_bootstrap_and_every_configured_pool_an_agent_pool(stack, region):
    """azure R2: the cluster carries only the System pool AKS needs at create, ignored afterwards (no pool PUT
    through the cluster, no diff after a refresh lists every live pool); the configured system pool is an AgentPool
    like the others, so it can be resized and rotated."""
    rec = recording(stack)
    configured = settings(stack).kubernetes.pools.azure
    the_cluster = cluster(rec, region)
    (inline,) = the_cluster.inputs["agentPoolProfiles"]
    (system,) = [name for name, pool in configured.items() if pool.system]
    assert inline["name"] == BOOTSTRAP_POOL
    assert inline["mode"] == "System"
    assert (inline["minCount"], inline["count"], inline["maxCount"]) == (1, 1, 1)
    assert inline["vmSize"] == configured[system].instance_types[0]
    assert "CriticalAddonsOnly=true:NoSchedule" in inline["nodeTaints"]
    assert the_cluster.ignore_changes == ["agentPoolProfiles"]
    assert set(pools(rec, region)) == set(configured)
    assert {name: p.inputs["mode"] for name, p in pools(rec, region).items()} == {
        name: "System" if pool.system else "User" for name, pool in configured.items()
    }
    assert "CriticalAddonsOnly=true:NoSchedule" in pools(rec, region)[system].inputs["nodeTaints"]


SPOT_KEYS = ("scaleSetPriority", "scaleSetEvictionPolicy", "spotMaxPrice")


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_a_pool_change_aks_cannot_make_in_place_is_a_new_pool_created_first(stack, region):
    """Each pool's ARM name is its configured name plus the fingerprint of its VM size, OS disk, zones and priority;
    the replacement is created before the old pool is deleted (AKS drains a pool it deletes)."""
    rec = recording(stack)
    the_cluster = cluster(rec, region)
    for name, pool in pools(rec, region).items():
        arm = pool.inputs["agentPoolName"]
        assert arm.startswith(name) and len(arm) == len(name) + 5 and len(arm) <= 12, arm
        keys = ("vmSize", "osType", "osSKU", "osDiskSizeGB", "availabilityZones", *SPOT_KEYS)
        immutable = {k: pool.inputs[k] for k in keys if k in pool.inputs}
        assert arm == pool_name(name, immutable), name
        assert pool.delete_before_replace is False, name
        assert pool.ignore_changes == ["count"], name
        assert depends_on(pool, the_cluster)
    resized = {"vm_size": "Standard_D8s_v3", "os_type": "Linux", "os_disk_size_gb": 128}
    assert pool_name("system", resized) != pool_name("system", {**resized, "vm_size": "Standard_D4s_v3"})
    assert pool_name("system", resized) == pool_name("system", {**resized, "min_count": 5, "node_labels": {}})


def test_aks_pool_names_leave_room_for_the_fingerprint_at_the_settings_edge():
    from pydantic import ValidationError

    from components.settings.models import ClusterPools, NodePool

    pool = NodePool(instance_types=["Standard_D4s_v3"], min_size=1, desired_size=1, max_size=2)
    ClusterPools(azure={"general": pool})
    for bad in ("generalx", BOOTSTRAP_POOL):
        with pytest.raises(ValidationError, match="at most 7 characters"):
            ClusterPools(azure={bad: pool})


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_every_pool_autoscales_within_its_configured_bounds_in_the_aks_subnet(stack, region):
    rec = recording(stack)
    the_cluster = cluster(rec, region)
    profiles = {name: p.inputs for name, p in pools(rec, region).items()}
    subnet_id = aks_subnet(rec, region).outputs["id"]
    for name, pool in settings(stack).kubernetes.pools.azure.items():
        profile = profiles[name]
        assert profile["vmSize"] == pool.instance_types[0], name
        assert profile["enableAutoScaling"] is True, name
        assert (profile["minCount"], profile["count"], profile["maxCount"]) == (
            pool.min_size,
            pool.desired_size,
            pool.max_size,
        ), name
        assert profile["vnetSubnetID"] == subnet_id, name
        assert profile["availabilityZones"] == ["1", "2", "3"], name
        assert profile["orchestratorVersion"] == settings(stack).kubernetes.version, name
        assert profile["nodeLabels"]["platform/pool"] == name
    for pool in pools(rec, region).values():
        assert pool.inputs["resourceName"] == the_cluster.outputs["name"]
        assert depends_on(pool, the_cluster)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_user_pool_is_regular_untainted_and_sized_from_config(stack, region):
    user = pools(recording(stack), region)["user"].inputs
    assert user["vmSize"] == settings(stack).kubernetes.pools.azure["user"].instance_types[0]
    assert user["nodeTaints"] == []
    assert "scaleSetPriority" not in user


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_spot_pool_is_deleted_on_eviction_and_tainted(stack, region):
    spot = pools(recording(stack), region)["spot"].inputs
    assert spot["scaleSetPriority"] == "Spot"
    assert spot["scaleSetEvictionPolicy"] == "Delete"
    assert spot["spotMaxPrice"] == -1
    assert SPOT_TAINT in spot["nodeTaints"]
    assert spot["minCount"] == 0


@pytest.mark.parametrize("region", [r for s, r in ALL_REGIONS if s == "prod"])
def test_gpu_pool_scales_from_zero_and_is_tainted(region):
    gpu = pools(recording("prod"), region)["gpu"].inputs
    assert gpu["minCount"] == 0
    assert gpu["enableAutoScaling"] is True
    assert GPU_TAINT in gpu["nodeTaints"]
    assert gpu["vmSize"] == "Standard_NC4as_T4_v3"


@pytest.mark.parametrize("stack", STACKS)
def test_gpu_taint_only_where_a_gpu_pool_is_configured(stack):
    rec = recording(stack)
    gpu_pools = {name for name, pool in settings(stack).kubernetes.pools.azure.items() if pool.gpu}
    assert gpu_pools == ({"gpu"} if stack == "prod" else set())
    tainted = {
        p.inputs["nodeLabels"]["platform/pool"]
        for p in rec.of_type(az.containerservice.AgentPool.pulumi_type)
        if GPU_TAINT in p.inputs["nodeTaints"]
    }
    assert tainted == gpu_pools


# --- outputs --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_endpoint_is_the_private_fqdn_in_prod_and_the_public_one_in_dev(stack, region):
    rec = recording(stack)
    outputs = cluster(rec, region).outputs
    host = outputs["privateFQDN"] if stack == "prod" else outputs["fqdn"]
    assert host
    assert rec.outputs["azure_cluster_endpoints"][region] == f"https://{host}:443"


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_kubeconfig_is_secret_and_uses_kubelogin_with_the_cluster_ca(stack, region):
    rec = recording(stack)
    assert is_rpc_secret(rec.outputs["azure_kubeconfigs"])
    config = json.loads(unwrap_rpc_secret(rec.outputs["azure_kubeconfigs"])[region])
    name = cluster(rec, region).inputs["resourceName"]
    assert config["current-context"] == name
    (entry,) = config["clusters"]
    assert entry["cluster"] == {
        "server": rec.outputs["azure_cluster_endpoints"][region],
        "certificate-authority-data": CA_DATA,
    }
    (user,) = config["users"]
    assert user["user"]["exec"]["command"] == "kubelogin"
    assert user["user"]["exec"]["args"][:3] == ["get-token", "--login", "azurecli"]
    assert not {"token", "client-key-data", "password"} & set(user["user"])


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_the_deployer_is_cluster_admin_before_the_workloads_provider_connects(stack, region):
    """Local accounts are off and Kubernetes authorization is Azure RBAC: the program's own Kubernetes provider
    signs in as the deployer, who holds no Kubernetes data actions as Owner or Contributor."""
    rec = recording(stack)
    the_cluster = cluster(rec, region)
    admins = [a for a in role_assignments_on(rec, the_cluster) if role_guid(a) == roles.AKS_RBAC_CLUSTER_ADMIN]
    (grant,) = admins
    from tests.azure.test_keyvault import configured_azure_deployer

    object_id, principal_type = configured_azure_deployer(stack)
    assert grant.inputs["principalId"] == object_id != DEPLOYER_OBJECT_ID  # the configured one, not the caller
    assert grant.inputs["principalType"] == principal_type
    (provider,) = [p for p in rec.of_type("pulumi:providers:kubernetes") if depends_on(p, the_cluster)]
    # "New role assignments can take up to five minutes to propagate" (azure F5): the provider waits them out.
    assert waits_after(rec, provider, grant, 300)


def test_the_prod_recording_carries_the_gpu_pool_the_gpu_tests_rely_on():
    assert "gpu" in pools(recording("prod"), "eastus")
    assert "gpu" not in pools(recording("dev"), "eastus")
