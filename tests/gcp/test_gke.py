"""GcpGkeCluster: regional, VPC-native, private nodes (private endpoint in prod, allow-listed in dev), Workload
Identity, release channel, shielded nodes, KMS-encrypted secrets, logging and monitoring, node pools from config
on a least-privilege service account, deletion protection in prod, a secret exec-based kubeconfig."""

from __future__ import annotations

import json
import math
from ipaddress import ip_address

import pulumi_gcp as gcp
import pytest
from pulumi.runtime.rpc import is_rpc_secret, unwrap_rpc_secret

from components.gcp.gke_cluster import maintenance_policy
from components.lib.reachability import runner_ranges
from components.lib.waits import GCP_IAM
from components.settings.models import GkeMaintenance, GkeMaintenanceExclusion
from scripts.offline import Recording, Registration
from tests.aws.helpers import depends_on, deps_of_type, of_type, one, one_of, platform_config, waits_after
from tests.conftest import stack_settings

from .helpers import (
    ALL_REGIONS,
    EXPECT,
    GKE,
    KMS,
    NETWORK,
    REGION_CODES,
    STACKS,
    component,
    config_regions,
    configured_pools,
    project_of,
    vpc,
)

NODE_ROLES = {"roles/container.defaultNodeServiceAccount", "roles/artifactregistry.reader"}
"""GKE's predefined node role (the hardening guide's least-privilege node SA) and image pulls; nothing else."""
SPOT_TAINT = {"key": "cloud.google.com/gke-spot", "value": "true", "effect": "NO_SCHEDULE"}


def gke(rec: Recording, region: str) -> Registration:
    return component(rec, region, GKE)


def cluster(rec: Recording, region: str) -> Registration:
    return one_of(rec, gcp.container.Cluster, gke(rec, region))


def node_sa(rec: Recording, region: str) -> Registration:
    return one_of(rec, gcp.serviceaccount.Account, gke(rec, region))


def pools(rec: Recording, region: str) -> dict[str, Registration]:
    return {p.inputs["name"]: p for p in of_type(rec, gcp.container.NodePool, gke(rec, region))}


def configured_region(stack: str, region: str) -> dict:
    """The stack file's entry of a GCP region (its pinned zones)."""
    return next(r for r in platform_config(stack)["clouds"]["gcp"]["regions"] if r["name"] == region)


def sa_email(stack: str, region: str) -> str:
    return f"flow-{stack}-{REGION_CODES[region]}-nodes@{project_of(stack)}.iam.gserviceaccount.com"


# --- the control plane ----------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_cluster_is_regional_vpc_native_on_the_regions_subnet(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    the_cluster = cluster(rec, region)
    net = component(rec, region, NETWORK)
    subnet = one_of(rec, gcp.compute.Subnetwork, net)
    assert the_cluster.inputs["name"] == f"flow-{stack}-{REGION_CODES[region]}"
    assert the_cluster.inputs["location"] == region
    # The zones are the ones pinned in the stack file (gcp review 7), never a live lookup: a settings edit moves them.
    assert the_cluster.inputs["nodeLocations"] == configured_region(stack, region)["zones"]
    assert "nodeLocations" not in the_cluster.ignore_changes
    assert the_cluster.inputs["networkingMode"] == "VPC_NATIVE"
    assert depends_on(the_cluster, subnet) and depends_on(the_cluster, vpc(rec))
    ranges = {r["rangeName"] for r in subnet.inputs["secondaryIpRanges"]}
    policy = the_cluster.inputs["ipAllocationPolicy"]
    assert {policy["clusterSecondaryRangeName"], policy["servicesSecondaryRangeName"]} == ranges
    assert policy["clusterSecondaryRangeName"] == "pods"


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_nodes_are_private_and_the_endpoint_private_in_prod_allow_listed_in_dev(gcp_recorded, stack, region):
    the_cluster = cluster(gcp_recorded(stack), region)
    private = the_cluster.inputs["privateClusterConfig"]
    assert private["enablePrivateNodes"] is True
    assert private["enablePrivateEndpoint"] is EXPECT[stack].private_endpoint
    authorized = the_cluster.inputs["masterAuthorizedNetworksConfig"]
    assert authorized["gcpPublicCidrsAccessEnabled"] is False
    blocks = [b["cidrBlock"] for b in authorized.get("cidrBlocks", [])]
    if EXPECT[stack].private_endpoint:
        # exactly the in-network runner's subnets (the primary AWS region's private subnets), over the mesh
        assert blocks == runner_ranges(stack_settings(stack)) and blocks
        assert private["masterGlobalAccessConfig"] == {"enabled": True}  # the tunnels end in one region
        assert authorized["privateEndpointEnforcementEnabled"] is True  # the list binds the private endpoint too
    else:
        assert blocks == platform_config(stack)["kubernetes"]["public_access_cidrs"]
        assert blocks and "0.0.0.0/0" not in blocks


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_workload_identity_release_channel_shielded_nodes_no_legacy_auth(gcp_recorded, stack, region):
    the_cluster = cluster(gcp_recorded(stack), region)
    assert the_cluster.inputs["workloadIdentityConfig"] == {"workloadPool": f"{project_of(stack)}.svc.id.goog"}
    assert the_cluster.inputs["releaseChannel"] == {"channel": "REGULAR"}
    assert the_cluster.inputs["enableShieldedNodes"] is True
    assert the_cluster.inputs["enableLegacyAbac"] is False
    assert the_cluster.inputs["masterAuth"] == {"clientCertificateConfig": {"issueClientCertificate": False}}
    assert the_cluster.inputs["datapathProvider"] == "ADVANCED_DATAPATH"


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_secrets_are_encrypted_with_the_regions_gke_key_once_the_gke_agent_may_use_it(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    the_cluster = cluster(rec, region)
    kms = component(rec, region, KMS)
    key = one(k for k in of_type(rec, gcp.kms.CryptoKey, kms) if k.inputs["name"] == "gke")
    grant = one(g for g in of_type(rec, gcp.kms.CryptoKeyIAMMember, kms) if depends_on(g, key))
    encryption = the_cluster.inputs["databaseEncryption"]
    assert encryption["state"] == "ENCRYPTED"
    assert encryption["keyName"] == f"{key.inputs['keyRing']}/cryptoKeys/gke"
    assert "container-engine-robot" in grant.inputs["member"]
    assert depends_on(the_cluster, key) and waits_after(rec, the_cluster, grant, GCP_IAM.seconds)  # gcp 4
    # the agent is made sure of before the grant, and has its project role (propagated) before the cluster
    identities = of_type(rec, gcp.projects.ServiceIdentity)
    [identity] = [r for r in identities if r.inputs["service"] == "container.googleapis.com"]
    [role] = [r for r in of_type(rec, gcp.projects.IAMMember) if r.inputs["role"] == "roles/container.serviceAgent"]
    assert depends_on(grant, identity) and role.inputs["member"] == grant.inputs["member"]
    assert waits_after(rec, the_cluster, role, GCP_IAM.seconds)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_system_workload_and_control_plane_logging_and_monitoring(gcp_recorded, stack, region):
    the_cluster = cluster(gcp_recorded(stack), region)
    logging = set(the_cluster.inputs["loggingConfig"]["enableComponents"])
    assert {"SYSTEM_COMPONENTS", "WORKLOADS", "APISERVER"} <= logging
    monitoring = the_cluster.inputs["monitoringConfig"]
    assert {"SYSTEM_COMPONENTS", "APISERVER", "POD"} <= set(monitoring["enableComponents"])
    assert monitoring["managedPrometheus"] == {"enabled": True}  # workload metrics


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_default_pool_is_removed_and_runs_least_privilege_until_then(gcp_recorded, stack, region):
    the_cluster = cluster(gcp_recorded(stack), region)
    assert the_cluster.inputs["removeDefaultNodePool"] is True
    assert the_cluster.inputs["initialNodeCount"] == 1
    config = the_cluster.inputs["nodeConfig"]
    assert config["serviceAccount"] == sa_email(stack, region)
    assert config["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_auto_upgrades_wait_for_the_weekend_window(gcp_recorded, stack, region):
    """Neither stack file sets clouds.gcp.maintenance: the default window, Saturday and Sunday 02:00-10:00 UTC."""
    policy = cluster(gcp_recorded(stack), region).inputs["maintenancePolicy"]
    assert policy["recurringWindow"] == {
        "startTime": "2026-01-03T02:00:00Z",
        "endTime": "2026-01-03T10:00:00Z",
        "recurrence": "FREQ=WEEKLY;BYDAY=SA,SU",
    }
    assert not policy.get("maintenanceExclusions")


def test_the_window_and_exclusions_follow_the_settings():
    freeze = GkeMaintenanceExclusion(name="black-friday", start="2026-11-25", end="2026-12-02")
    minors = GkeMaintenanceExclusion(name="q1", start="2027-01-01", end="2027-04-01", scope="NO_MINOR_UPGRADES")
    policy = maintenance_policy(
        GkeMaintenance(days=["tue", "thu"], start="22:00", hours=6, exclusions=[freeze, minors])
    )
    # A window that crosses midnight ends the next day; GKE counts it from its start.
    assert policy["recurring_window"] == {
        "start_time": "2026-01-03T22:00:00Z",
        "end_time": "2026-01-04T04:00:00Z",
        "recurrence": "FREQ=WEEKLY;BYDAY=TU,TH",
    }
    assert policy["maintenance_exclusions"] == [
        {
            "exclusion_name": "black-friday",
            "start_time": "2026-11-25T00:00:00Z",
            "end_time": "2026-12-02T00:00:00Z",
            "exclusion_options": {"scope": "NO_UPGRADES"},
        },
        {
            "exclusion_name": "q1",
            "start_time": "2027-01-01T00:00:00Z",
            "end_time": "2027-04-01T00:00:00Z",
            "exclusion_options": {"scope": "NO_MINOR_UPGRADES"},
        },
    ]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_deletion_protection_and_protect_in_prod_only(gcp_recorded, stack, region):
    the_cluster = cluster(gcp_recorded(stack), region)
    assert the_cluster.inputs["deletionProtection"] is EXPECT[stack].protect
    assert the_cluster.protect is EXPECT[stack].protect


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_version_comes_from_config(gcp_recorded, stack, region):
    the_cluster = cluster(gcp_recorded(stack), region)
    assert the_cluster.inputs["minMasterVersion"] == platform_config(stack)["kubernetes"]["version"]


# --- node pools -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_node_pools_are_the_configured_pools_sized_as_configured(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    found = pools(rec, region)
    assert set(found) == set(configured_pools(stack))
    pinned = configured_region(stack, region)
    for name, (machine, low, desired, high, spot) in configured_pools(stack).items():
        pool = found[name]
        # A pool of a zone-limited machine type (C2, L4) keeps to its own pinned zones, the others to the cluster's.
        own = pinned.get("pool_zones", {}).get(name, pinned["zones"])
        assert pool.inputs["nodeLocations"] == own, name
        zones = len(own)
        assert pool.inputs["nodeConfig"]["machineType"] == machine, name
        assert pool.inputs["autoscaling"]["totalMinNodeCount"] == low, name
        assert pool.inputs["autoscaling"]["totalMaxNodeCount"] == high, name
        assert pool.inputs["initialNodeCount"] == math.ceil(desired / zones), name
        assert pool.inputs["nodeConfig"]["spot"] is spot, name
        assert pool.inputs["location"] == region, name
        assert depends_on(pool, cluster(rec, region)), name


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_every_pool_is_hardened_and_self_healing(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    grants = of_type(rec, gcp.projects.IAMMember, gke(rec, region))
    for name, pool in pools(rec, region).items():
        config = pool.inputs["nodeConfig"]
        assert pool.inputs["management"] == {"autoRepair": True, "autoUpgrade": True}, name
        assert config["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}, name
        assert config["serviceAccount"] == sa_email(stack, region), name
        assert config["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableIntegrityMonitoring": True}
        assert config["metadata"]["disable-legacy-endpoints"] == "true", name
        assert "version" not in pool.inputs, f"{name}: the release channel upgrades nodes"
        assert grants and all(depends_on(pool, g) for g in grants), f"{name} starts before its roles exist"


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_spot_pool_is_spot_and_tainted_and_the_others_are_not(gcp_recorded, stack, region):
    found = pools(gcp_recorded(stack), region)
    spot = found["spot"].inputs["nodeConfig"]
    assert spot["spot"] is True
    assert SPOT_TAINT in spot["taints"]
    for name in set(found) - {"spot"}:
        config = found[name].inputs["nodeConfig"]
        assert config["spot"] is False and not config.get("preemptible"), name
        assert SPOT_TAINT not in config.get("taints", []), name


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_node_service_account_has_only_the_least_privilege_roles(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    account = node_sa(rec, region)
    assert account.inputs["accountId"] == f"flow-{stack}-{REGION_CODES[region]}-nodes"
    grants = of_type(rec, gcp.projects.IAMMember, gke(rec, region))
    assert {g.inputs["role"] for g in grants} == NODE_ROLES
    assert len(grants) == len(NODE_ROLES)
    for grant in grants:
        assert grant.inputs["member"] == f"serviceAccount:{sa_email(stack, region)}"
        assert grant.inputs["project"] == project_of(stack)
        assert deps_of_type(rec, grant, gcp.serviceaccount.Account) == [account]
        assert not grant.inputs.get("condition")
    deployer = f"serviceAccount:{platform_config(stack)['deployer']['gcp']['service_account']}"
    everywhere = {g.inputs["role"] for g in of_type(rec, gcp.projects.IAMMember) if g.inputs["member"] != deployer}
    assert not everywhere & {"roles/editor", "roles/owner", "roles/container.admin", "roles/iam.serviceAccountUser"}
    # the one admin grant: the configured deployer's, once per project; the previews' viewer grant (issue 14)
    admins = [g for g in of_type(rec, gcp.projects.IAMMember) if g.inputs["role"] == "roles/container.admin"]
    assert [(g.inputs["member"], g.inputs["project"]) for g in admins] == [(deployer, project_of(stack))]
    preview = f"serviceAccount:{platform_config(stack)['deployer']['preview']['gcp']['service_account']}"
    viewers = [g for g in of_type(rec, gcp.projects.IAMMember) if g.inputs["member"] == preview]
    assert [g.inputs["role"] for g in viewers] == ["roles/container.viewer"]


# --- outputs --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_kubeconfig_is_secret_and_uses_the_gke_auth_plugin(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    kubeconfigs = rec.outputs["gcp_kubeconfigs"]
    assert is_rpc_secret(kubeconfigs)
    config = json.loads(unwrap_rpc_secret(kubeconfigs)[region])
    the_cluster = cluster(rec, region)
    name = the_cluster.inputs["name"]
    assert config["current-context"] == name
    (entry,) = config["clusters"]
    assert entry["cluster"]["server"] == f"https://{the_cluster.outputs['endpoint']}"
    assert entry["cluster"]["certificate-authority-data"] == the_cluster.outputs["masterAuth"]["clusterCaCertificate"]
    (user,) = config["users"]
    assert user["user"]["exec"]["command"] == "gke-gcloud-auth-plugin"
    assert user["user"]["exec"]["apiVersion"] == "client.authentication.k8s.io/v1beta1"
    assert not {"token", "client-key-data", "password"} & set(user["user"]), "no static credentials"


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_endpoint_is_a_private_ip_of_the_region_in_prod_and_issuer_is_gkes(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    endpoint = rec.outputs["gcp_cluster_endpoints"][region]
    assert endpoint.startswith("https://")
    address = ip_address(endpoint.removeprefix("https://"))
    assert (address in config_regions(stack)[region]) is EXPECT[stack].private_endpoint
    assert address.is_private is EXPECT[stack].private_endpoint
    name = cluster(rec, region).inputs["name"]
    assert rec.outputs["gcp_oidc_issuers"][region] == (
        f"https://container.googleapis.com/v1/projects/{project_of(stack)}/locations/{region}/clusters/{name}"
    )


@pytest.mark.parametrize("stack", STACKS)
def test_one_cluster_per_region(gcp_recorded, stack):
    names = [c.inputs["name"] for c in of_type(gcp_recorded(stack), gcp.container.Cluster)]
    assert len(names) == len(set(names)) == len(config_regions(stack))
