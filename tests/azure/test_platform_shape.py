"""The Azure half of each stack: exact component tree and children, explicit regional providers, regions
and locations, protection and delete locks, tags, no plain secrets, wire names the pinned SDK knows."""

from __future__ import annotations

import json
from collections import Counter

import pulumi_azure_native as azure_native
import pulumi_random as random
import pytest
from pulumi.runtime.rpc import is_rpc_secret, unwrap_rpc_secret

from components.settings import PLATFORM_KEY, read_stack_config
from scripts.mock_clouds.azure import SUBSCRIPTION_ID
from scripts.offline import Registration
from tests.aws.helpers import children_of, descendants, one, plain_secrets, token
from tests.conftest import ROOT, stack_suffix
from tests.sdk_checks import unknown_wire_keys

from .helpers import (
    AKS,
    ALL_REGIONS,
    KEY_VAULT,
    NETWORK,
    PAIRED,
    PLATFORM,
    POSTGRES,
    PROVIDER,
    REGION,
    REGION_CODES,
    STACKS,
    STATEFUL,
    STORAGE,
    VPN_GATEWAY,
    args_class,
    azure_resources,
    config_regions,
    provider,
    recording,
    regions,
    settings,
)

az = azure_native
LOCK = az.authorization.ManagementLockByScope
RA = az.authorization.RoleAssignment
NOT_SECRET_KEYS = frozenset({"secretName", "passwordAuth"})
"""Keys that match the secret scan but hold a name or a flag (the scan still sees them: it is not blind)."""


DNS_RESOLVER = "multicloud:azure:DnsResolver"
MESH_ALERTS = "multicloud:azure:MeshAlerts"
GLOBAL_MONITOR = (az.monitor.ActionGroup.pulumi_type, az.monitor.MetricAlert.pulumi_type)
"""Azure Monitor resources that only exist in `global` (the metric alerts evaluate in the gateway's region)."""


def type_counts(resources: list[Registration]) -> Counter[str]:
    return +Counter(r.type for r in resources)


SLEEP = "time:index/sleep:Sleep"
"""pulumiverse_time.Sleep: a grant's propagation wait (components/wait.py)."""


def expected_children(stack: str) -> dict[tuple[str, str], Counter[str]]:
    """The exact multiset of child types per (component type, name suffix after the region component's
    name); an empty multiset means the component must not exist."""
    s = settings(stack)
    prod, locked = s.is_prod, int(s.deletion_protection)
    user_pools = len(s.kubernetes.pools.azure) - 1
    vault = {
        token(az.keyvault.Vault): 1, token(RA): 2, SLEEP: 1,  # the deployer's grants, then their propagation wait
        token(az.monitor.DiagnosticSetting): 1,  # no lock: it would cover the grants on the vault (azure F7)
    }
    return {
        (REGION, ""): +Counter({
            NETWORK: 1, KEY_VAULT: 3 if prod else 2, AKS: 1, POSTGRES: 1, STORAGE: 1,
            # ingress IP in its own group, where AKS is Network Contributor (azure F2)
            token(az.resources.ResourceGroup): 1, token(az.network.PublicIPAddress): 1, token(RA): 1,
            VPN_GATEWAY: 1,  # every region is in the stack's VPN mesh
            DNS_RESOLVER: 1,  # ... and resolves the other regions' private names
            MESH_ALERTS: 1,  # ... and its gateway alerts and logs
        }),
        (MESH_ALERTS, "-mesh-alerts"): Counter({
            token(az.monitor.ActionGroup): 1, token(az.monitor.MetricAlert): 2, token(az.monitor.DiagnosticSetting): 1,
        }),
        (DNS_RESOLVER, "-dns"): +Counter({
            token(az.network.Subnet): 2, token(azure_native.dnsresolver.DnsResolver): 1,
            token(azure_native.dnsresolver.InboundEndpoint): 1, token(azure_native.dnsresolver.OutboundEndpoint): 1,
            token(azure_native.dnsresolver.DnsForwardingRuleset): 1,
            token(azure_native.dnsresolver.PrivateResolverVirtualNetworkLink): 1,
            # the names the other regions host (prod: two private EKS APIs, the other Azure region's three)
            token(azure_native.dnsresolver.ForwardingRule): 5 if prod else 0,
        }),
        (VPN_GATEWAY, "-vpn"): Counter(
            {token(az.network.PublicIPAddress): 2, token(az.network.VirtualNetworkGateway): 1}
        ),
        (NETWORK, "-network"): Counter(
            {
                token(az.resources.ResourceGroup): 1,
                token(az.operationalinsights.Workspace): 1,
                token(az.network.NetworkSecurityGroup): 2,
                token(az.monitor.DiagnosticSetting): 2,  # each NSG's events and rule counters (azure G2)
                token(az.network.VirtualNetwork): 1,
                token(az.network.Subnet): 3,
            }
        ),
        (KEY_VAULT, "-vault"): +Counter({**vault, token(az.keyvault.Key): 2}),
        (KEY_VAULT, "-kms-vault"): +Counter({**vault, token(az.keyvault.Key): 1}),
        (KEY_VAULT, "-geo-vault"): +Counter({**vault, token(az.keyvault.Key): 1}) if prod else Counter(),
        (AKS, "-aks"): +Counter(
            {
                token(az.managedidentity.UserAssignedIdentity): 1,
                # KMS key and network for the control plane, cluster admin for the deployer, cluster user and RBAC
                # Reader for the previews
                token(RA): 5,
                SLEEP: 2,  # after the control plane's grants; after the deployer's cluster-admin grant
                token(az.containerservice.ManagedCluster): 1,
                token(az.containerservice.AgentPool): user_pools + 1,  # and the system pool (azure R2)
                token(az.containerservice.MaintenanceConfiguration): 2,
                token(az.monitor.DiagnosticSetting): 1,
                token(az.monitor.DataCollectionRule): 1,
                token(az.monitor.DataCollectionRuleAssociation): 1,
            }
        ),
        (POSTGRES, "-postgres"): +Counter(
            {
                token(az.managedidentity.UserAssignedIdentity): 2 if prod else 1,
                token(RA): 2 if prod else 1,
                SLEEP: 2,  # after the CMK grants; after the server, before its first write
                "time:index/rotating:Rotating": 1,  # the admin password secret's expiry (azure R16)
                token(az.privatedns.PrivateZone): 1,
                token(az.privatedns.VirtualNetworkLink): 1,
                token(random.RandomPassword): 1,
                token(az.keyvault.Secret): 1,
                token(az.dbforpostgresql.Server): 1,
                token(az.dbforpostgresql.Database): 1,
                token(az.dbforpostgresql.Configuration): 2,
                token(az.monitor.DiagnosticSetting): 1,
                token(LOCK): locked,
            }
        ),
        (STORAGE, "-storage"): +Counter(
            {
                token(az.managedidentity.UserAssignedIdentity): 1,
                token(RA): 1,
                SLEEP: 1,  # after the CMK grant
                token(az.storage.StorageAccount): 1,
                token(az.storage.BlobServiceProperties): 1,
                token(az.monitor.DiagnosticSetting): 1,  # blob read, write and delete logs (azure G2)
                token(az.storage.BlobContainer): len(s.buckets),
                token(az.storage.ManagementPolicy): 1,
                # blob private endpoint: the other clouds' path through the firewall
                token(az.network.PrivateEndpoint): 1,
                token(az.network.PrivateDnsZoneGroup): 1,
                token(az.privatedns.PrivateZone): 1,
                token(az.privatedns.VirtualNetworkLink): 1,
            }
        ),
    }


@pytest.mark.parametrize("stack", STACKS)
def test_one_azure_provider_and_region_component_per_configured_region(stack):
    rec = recording(stack)
    platform = one(rec.of_type(PLATFORM))
    children = children_of(rec, platform)
    count = len(config_regions(stack))
    assert count == (2 if stack == "prod" else 1)
    assert sum(c.type == PROVIDER for c in children) == count
    assert sum(c.type == REGION for c in children) == count
    assert sorted(regions(rec)) == sorted(config_regions(stack))
    assert sorted(c.name for c in children if c.type == REGION) == sorted(
        f"flow-{stack}-azure-{REGION_CODES[r]}" for r in config_regions(stack)
    )


@pytest.mark.parametrize("stack", STACKS)
def test_every_azure_component_has_exactly_its_expected_children(stack):
    rec = recording(stack)
    checked = 0
    for region_component in regions(rec).values():
        components = [region_component, *(c for c in descendants(rec, region_component) if not c.custom)]
        for (component_type, suffix), expected in expected_children(stack).items():
            found = [c for c in components if c.type == component_type and c.name == region_component.name + suffix]
            assert len(found) == (1 if expected else 0), (component_type, suffix)
            for component in found:
                assert type_counts(children_of(rec, component)) == expected, component.name
                checked += 1
        assert len(components) == (11 if stack == "prod" else 10)
    assert checked == len(regions(rec)) * (11 if stack == "prod" else 10)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_every_azure_resource_uses_the_explicit_provider_of_its_region(stack, region):
    rec = recording(stack)
    the_provider = provider(rec, region)
    assert the_provider.inputs["location"] == region
    assert the_provider.inputs["subscriptionId"] == settings(stack).clouds.azure.subscription_id == SUBSCRIPTION_ID
    assert the_provider.parent == one(rec.of_type(PLATFORM)).urn
    resources = azure_resources(rec, region)
    assert len(resources) > 40
    for resource in resources:
        assert resource.provider_urn == the_provider.urn, f"{resource.name} uses {resource.provider or 'the default'}"


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_resources_live_in_their_region_except_global_dns_and_the_geo_backup_keys(stack, region):
    rec = recording(stack)
    geo = [r.name for r in azure_resources(rec, region) if r.inputs.get("location") == PAIRED[region]]
    for resource in azure_resources(rec, region):
        location = resource.inputs.get("location")
        if resource.type.startswith("azure-native:privatedns:") or resource.type in GLOBAL_MONITOR:
            assert location == "global", resource.name
        elif location is not None and resource.name not in geo:
            assert location == region, resource.name
    prefix = regions(rec)[region].name
    if stack == "prod":
        assert sorted(geo) == [f"{prefix}-geo-vault-vault", f"{prefix}-postgres-geo-identity"]
    else:
        assert geo == []


@pytest.mark.parametrize("stack", STACKS)
def test_child_names_start_with_their_component_name(stack):
    rec = recording(stack)
    by_urn = rec.by_urn()
    for region_component in regions(rec).values():
        for resource in descendants(rec, region_component):
            assert resource.name.startswith(f"{by_urn[resource.parent].name}-"), resource.name


@pytest.mark.parametrize("stack", STACKS)
def test_stateful_resources_are_protected_in_prod_only(stack):
    rec = recording(stack)
    protect = settings(stack).deletion_protection
    assert protect is (stack == "prod")
    for resource_type in STATEFUL:
        resources = rec.of_type(token(resource_type))
        assert resources, token(resource_type)
        assert {r.name: r.protect for r in resources} == {r.name: protect for r in resources}
    azure = {r.urn for region in regions(rec).values() for r in descendants(rec, region)}
    stateful = {token(t) for t in STATEFUL}
    under_lock = [r for r in rec.resources if r.urn in azure and r.protect and r.type not in stateful]
    # what lives under the Flexible Server's delete lock is protected with it (azure F7)
    assert {(r.type, r.name.rsplit("-", 1)[-1]) for r in under_lock} <= {
        (token(az.dbforpostgresql.Database), "database"),
        (token(az.monitor.DiagnosticSetting), "logs"),
    }
    assert all(r.name.endswith(("-postgres-database", "-postgres-logs")) for r in under_lock)
    assert bool(under_lock) is protect


@pytest.mark.parametrize("stack", STACKS)
def test_the_only_delete_lock_guards_the_database_server_in_prod(stack):
    """azure F7: a lock covers everything under its scope, role assignments included. Vaults (grants on them and their
    keys), AKS (pools, grants) and storage (the federated identities' container grants) carry stack resources that a
    later up may delete, so only the Flexible Server is locked, with what lies under it protected."""
    rec = recording(stack)
    locks = rec.of_type(token(LOCK))
    if stack == "dev":
        assert locks == []
        return
    ids = {str(r.outputs["id"]): r for r in rec.resources if r.custom and "id" in r.outputs}
    locked = Counter(ids[lock.inputs["scope"]].type for lock in locks)
    regions_count = len(config_regions(stack))
    assert locked == Counter({token(az.dbforpostgresql.Server): regions_count})
    for lock in locks:
        assert lock.inputs["level"] == "CanNotDelete"
        assert ids[lock.inputs["scope"]].urn in lock.dependencies


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_taggable_resources_carry_the_platform_tags(stack, region):
    rec = recording(stack)
    expected = {**settings(stack).tags(), "region": region}
    tagged = [r for r in azure_resources(rec, region) if "tags" in r.inputs]
    assert len(tagged) >= 15
    for resource in tagged:
        assert resource.inputs["tags"].items() >= expected.items(), resource.name
    untagged_types = {
        token(az.resources.ResourceGroup),
        token(az.containerservice.ManagedCluster),
        token(az.storage.StorageAccount),
        token(az.keyvault.Vault),
        token(az.dbforpostgresql.Server),
    }
    assert untagged_types <= {r.type for r in tagged}


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_appears_unwrapped(stack):
    rec = recording(stack)
    leaks = [
        f"{r.name}: {path}"
        for r in rec.resources
        if r.type.startswith("azure-native:")
        for path in plain_secrets(r.inputs)
        if path.rsplit(".", 1)[-1] not in NOT_SECRET_KEYS
    ]
    assert leaks == []
    assert {p.rsplit(".", 1)[-1] for r in rec.resources for p in plain_secrets(r.inputs)} >= NOT_SECRET_KEYS


@pytest.mark.parametrize("stack", STACKS)
def test_inputs_use_only_property_names_of_the_pinned_sdk(stack):
    rec = recording(stack)
    resources = [r for r in rec.resources if r.custom and r.type.startswith(("azure-native:", PROVIDER))]
    unknown = [f"{r.name}: {key}" for r in resources for key in unknown_wire_keys(args_class(r.type), r.inputs)]
    assert unknown == []


def test_wire_name_check_catches_a_misspelt_azure_property():
    profile = {"enablePrivateCluster": True, "authorisedIpRanges": ["203.0.113.0/24"]}
    assert list(unknown_wire_keys(az.containerservice.ManagedClusterArgs, {"apiServerAccessProfile": profile})) == [
        "apiServerAccessProfile.authorisedIpRanges"
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_stack_outputs_expose_every_region(stack):
    rec = recording(stack)
    s = settings(stack)
    names = {region: f"flow-{stack}-{REGION_CODES[region]}" for region in config_regions(stack)}
    assert rec.outputs["azure_clusters"] == names
    assert rec.outputs["azure_postgres"] == {
        region: f"flow-{stack}-pg-{REGION_CODES[region]}-{stack_suffix(rec)}.postgres.database.azure.com"
        for region in names
    }
    assert rec.outputs["azure_buckets"] == {region: {b.name: b.name for b in s.buckets} for region in names}
    issuers = rec.outputs["azure_oidc_issuers"]
    assert all(issuers[region].startswith(f"https://{region}.oic.prod-aks.azure.com/") for region in names)
    endpoints = rec.outputs["azure_cluster_endpoints"]
    assert all(endpoints[region].startswith("https://") and region in endpoints[region] for region in names)
    assert is_rpc_secret(rec.outputs["azure_kubeconfigs"])
    assert not is_rpc_secret(rec.outputs["azure_clusters"])
    kubeconfigs = unwrap_rpc_secret(rec.outputs["azure_kubeconfigs"])
    assert {region: json.loads(config)["current-context"] for region, config in kubeconfigs.items()} == names


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_mock_ids_are_arm_ids_in_the_regions_resource_group(stack, region):
    rec = recording(stack)
    group = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/flow-{stack}-{REGION_CODES[region]}"
    for resource in azure_resources(rec, region):
        assert str(resource.outputs["id"]).startswith(group), resource.name


@pytest.mark.parametrize("stack", STACKS)
def test_nsgs_gateways_and_blob_services_log_to_their_regions_workspace(stack):
    """azure G2: resource logs of every NSG, storage account (on its blob service) and VPN gateway (the mesh
    alerts' setting) in Log Analytics, all categories, and never two settings on one resource (Azure refuses a
    second one sending the same categories to the same workspace)."""
    rec = recording(stack)
    settings = [r for r in rec.resources if r.type == token(az.monitor.DiagnosticSetting)]
    uris = [d.inputs["resourceUri"] for d in settings]
    assert len(uris) == len(set(uris))
    workspaces = [r for r in rec.resources if r.type == token(az.operationalinsights.Workspace)]
    for kind in (az.network.NetworkSecurityGroup, az.network.VirtualNetworkGateway, az.storage.StorageAccount):
        for resource in (r for r in rec.resources if r.type == token(kind)):
            (setting,) = [d for d in settings if resource.urn in d.dependencies]
            assert setting.inputs["logs"] == [{"categoryGroup": "allLogs", "enabled": True}], resource.name
            assert any(w.urn in setting.dependencies for w in workspaces), resource.name
            if kind is az.storage.StorageAccount:
                assert setting.inputs["resourceUri"].endswith("/blobServices/default")


@pytest.mark.parametrize("stack", STACKS)
def test_the_preview_principal_reads_every_aks_cluster_and_nothing_more(stack):
    """issue 14: the PR workflow's previews fetch the user kubeconfig and read the in-cluster objects."""
    from components.azure import roles

    rec = recording(stack)
    preview = read_stack_config(ROOT, stack)[PLATFORM_KEY]["deployer"]["preview"]["azure"]
    for cluster in (r for r in rec.resources if r.type == token(az.containerservice.ManagedCluster)):
        grants = [
            r for r in rec.resources
            if r.type == token(RA) and r.inputs["principalId"] == preview["object_id"] and cluster.urn in r.dependencies
        ]
        assert sorted(r.inputs["roleDefinitionId"].rsplit("/", 1)[1] for r in grants) == sorted(
            [roles.AKS_CLUSTER_USER, roles.AKS_RBAC_READER]
        ), cluster.name
        assert all(r.inputs["principalType"] == preview["principal_type"] for r in grants)
