"""The GCP half of the stack: one explicit provider and GcpRegion per configured region, the exact children
of every GCP component, protection of stateful resources in prod only, no plain secrets, input names the
pinned pulumi-gcp SDK knows, labels, and the region outputs the platform exports."""

from __future__ import annotations

import json
import re
from collections import Counter

import pulumi_gcp as gcp
import pulumi_random as random
import pytest
from pulumi.runtime.rpc import is_rpc_secret, unwrap_rpc_secret

from components.gcp.services import stack_apis
from scripts.offline import Registration
from tests.aws.helpers import children_of, descendants, in_cross_cloud_components, of_type, one, plain_secrets, token
from tests.conftest import stack_suffix
from tests.sdk_checks import unknown_wire_keys

from .helpers import (
    ALL_REGIONS,
    BACKUPS_KMS,
    BUCKET,
    CLOUDSQL,
    DUAL_REGION_SINKS,
    EXPECT,
    GCP_PROVIDER,
    GKE,
    GLOBAL_NETWORK,
    KMS,
    NETWORK,
    PLATFORM,
    REGION,
    REGION_CODES,
    STACKS,
    STATEFUL,
    VPN_GATEWAY,
    args_class,
    config_buckets,
    config_regions,
    configured_pools,
    project_of,
    regions,
)

DNS_RESOLVER = "multicloud:gcp:DnsResolver"


def type_counts(resources: list[Registration]) -> Counter[str]:
    return Counter(r.type for r in resources)


def expected_children(stack: str) -> dict[str, Counter[str]]:
    """The exact multiset of child types of each GCP component type."""
    return {
        REGION: Counter(
            {
                KMS: 1,
                NETWORK: 1,
                GKE: 1,
                CLOUDSQL: 1,
                BUCKET: len(config_buckets(stack)),
                token(gcp.compute.Address): 1,  # ingress load balancer
                VPN_GATEWAY: 1,  # every region is in the stack's VPN mesh
                DNS_RESOLVER: 1,  # ... and forwards the other regions' private names
            }
        ),
        VPN_GATEWAY: Counter(
            {
                token(gcp.compute.HaVpnGateway): 1,
            }
        ),
        GLOBAL_NETWORK: Counter(
            {
                token(gcp.compute.Network): 1,
                token(gcp.compute.GlobalAddress): len(config_regions(stack)),  # one private-services range each
                token(gcp.servicenetworking.Connection): 1,
                token(gcp.compute.NetworkPeeringRoutesConfig): 1,  # the mesh reaches GCP in both stacks
                token(gcp.compute.Firewall): 1 + (len(config_regions(stack)) > 1),  # peer clouds, other regions
            }
        ),
        KMS: Counter(
            {
                token(gcp.kms.KeyRing): 1,
                token(gcp.kms.CryptoKey): 4,
                token(gcp.kms.CryptoKeyIAMMember): 4,
                token(gcp.projects.ServiceIdentity): 2,  # Cloud SQL and Secret Manager agents
                "time:index/sleep:Sleep": 4,  # each grant's propagation before the key id resolves (gcp 4)
            }
        ),
        "multicloud:gcp:Services": Counter({token(gcp.projects.Service): len(stack_apis())}),
        NETWORK: Counter({token(t): 1 for t in (gcp.compute.Subnetwork, gcp.compute.Router, gcp.compute.RouterNat)}),
        GKE: Counter(
            {
                token(gcp.serviceaccount.Account): 1,
                token(gcp.projects.IAMMember): 2,  # defaultNodeServiceAccount + artifactregistry.reader
                token(gcp.container.Cluster): 1,
                token(gcp.container.NodePool): len(configured_pools(stack)),
            }
        ),
        CLOUDSQL: Counter(
            {
                token(t): 1
                for t in (
                    gcp.sql.DatabaseInstance,
                    gcp.sql.Database,
                    gcp.sql.User,
                    random.RandomPassword,
                    gcp.secretmanager.Secret,
                    gcp.secretmanager.SecretVersion,
                )
            }
        ),
        BUCKET: Counter({token(gcp.storage.Bucket): 1}),
    }


@pytest.mark.parametrize("stack", STACKS)
def test_one_gcp_provider_and_region_per_configured_region(gcp_recorded, stack):
    rec = gcp_recorded(stack)
    platform = one(rec.of_type(PLATFORM))
    children = type_counts(children_of(rec, platform))
    count = len(config_regions(stack))
    assert (children[GCP_PROVIDER], children[REGION]) == (count, count)
    assert set(regions(rec)) == set(config_regions(stack))
    for region, component in regions(rec).items():
        assert component.name == f"flow-{stack}-gcp-{REGION_CODES[region]}"
        provider = one(r for r in rec.of_type(GCP_PROVIDER) if r.name == component.name)
        assert provider.inputs["region"] == region
        assert provider.inputs["project"] == project_of(stack)


@pytest.mark.parametrize("stack", STACKS)
def test_every_gcp_component_has_exactly_its_expected_children(gcp_recorded, stack):
    rec = gcp_recorded(stack)
    for component_type, expected in expected_children(stack).items():
        components = rec.of_type(component_type)
        assert components, f"no {component_type}"
        for component in components:
            assert type_counts(children_of(rec, component)) == _exactly(stack, component, expected), component.name


def _exactly(stack: str, component: Registration, expected: Counter[str]) -> Counter[str]:
    """A dual-region DR sink's home region has a second ring (the sink's key alone, in its multi-region)."""
    sink = DUAL_REGION_SINKS.get(stack)
    if component.name.endswith(BACKUPS_KMS):
        ring = (gcp.kms.KeyRing, gcp.kms.CryptoKey, gcp.kms.CryptoKeyIAMMember)
        return Counter({token(t): 1 for t in ring}) + Counter({"time:index/sleep:Sleep": 1})
    if sink and component.type == REGION and component.name.endswith(f"-gcp-{REGION_CODES[sink[0]]}"):
        return expected + Counter({KMS: 1})
    return expected


@pytest.mark.parametrize("stack", STACKS)
def test_child_names_start_with_their_component_name(gcp_recorded, stack):
    rec = gcp_recorded(stack)
    by_urn = rec.by_urn()
    gcp_resources = [r for c in regions(rec).values() for r in [c, *descendants(rec, c)]]
    assert len(gcp_resources) > 40
    for resource in gcp_resources:
        assert resource.name.startswith(f"{by_urn[resource.parent].name}-"), resource.name


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_every_gcp_resource_uses_the_explicit_provider_of_its_region(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    by_urn = rec.by_urn()
    component = regions(rec)[region]
    provider = one(r for r in rec.of_type(GCP_PROVIDER) if r.name == component.name)
    gcp_resources = [r for r in descendants(rec, component) if r.custom and r.type.startswith("gcp:")]
    assert len(gcp_resources) > 20
    for resource in gcp_resources:
        assert resource.provider_urn == provider.urn, f"{resource.name} uses {resource.provider or 'the default'}"
        assert by_urn[resource.provider_urn].inputs["region"] == region


@pytest.mark.parametrize("stack", STACKS)
def test_every_gcp_resource_belongs_to_a_region_or_a_cross_cloud_component(gcp_recorded, stack):
    rec = gcp_recorded(stack)
    in_regions = {r.urn for c in [*regions(rec).values(), *rec.of_type(GLOBAL_NETWORK)] for r in descendants(rec, c)}
    in_regions |= {r.urn for c in rec.of_type("multicloud:gcp:Services") for r in descendants(rec, c)}
    # the deployer's one project grant on the clusters (and its propagation wait)
    in_regions |= {r.urn for c in rec.of_type("multicloud:gcp:DeployerAccess") for r in descendants(rec, c)}
    # the project's GKE service agent and its project role, once per project
    in_regions |= {r.urn for c in rec.of_type("multicloud:gcp:GkeServiceAgent") for r in descendants(rec, c)}
    # the project's audit configuration and log bucket, once per stack
    in_regions |= {r.urn for c in rec.of_type("multicloud:gcp:AuditLogging") for r in descendants(rec, c)}
    # the Cloud DNS server policy and forwarding zones, once on the global VPC
    in_regions |= {r.urn for c in rec.of_type("multicloud:gcp:DnsForwarding") for r in descendants(rec, c)}
    cross_cloud = in_cross_cloud_components(rec)
    outside = [r.name for r in rec.resources if r.type.startswith("gcp:") and r.urn not in in_regions | cross_cloud]
    assert outside == []
    assert any(r.type.startswith("gcp:") for r in rec.resources)


@pytest.mark.parametrize("stack", STACKS)
def test_stateful_resources_are_protected_in_prod_only(gcp_recorded, stack):
    rec = gcp_recorded(stack)
    stateful = {token(t) for t in STATEFUL}
    for resource_type in STATEFUL:
        resources = of_type(rec, resource_type)
        assert resources, token(resource_type)
        assert {r.name: r.protect for r in resources} == {r.name: EXPECT[stack].protect for r in resources}
    everything = [r for c in regions(rec).values() for r in descendants(rec, c) if r.custom]
    assert [r.name for r in everything if r.protect and r.type not in stateful] == []


REFERENCES = {token(gcp.secretmanager.Secret): {"secretId"}, token(gcp.secretmanager.SecretVersion): {"secret"}}
"""Keys that look secret but name a Secret Manager secret (checked to hold names, not material)."""


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_appears_unwrapped(gcp_recorded, stack):
    rec = gcp_recorded(stack)
    gcp_resources = [r for r in rec.resources if r.type.startswith(("gcp:", "random:"))]
    assert gcp_resources
    leaks = [
        f"{r.name}: {path}"
        for r in gcp_resources
        for path in plain_secrets(r.inputs)
        if path not in REFERENCES.get(r.type, set())
    ]
    assert leaks == []
    for resource in gcp_resources:
        for key in REFERENCES.get(resource.type, set()):
            name = resource.inputs[key]
            # the admin password's secret, or a database's connection secret (components/dr/connection_secrets.py)
            assert name.endswith("-admin-password") or "-postgres-" in name, resource.name
    assert [r.name for r in gcp_resources if "PRIVATE KEY-----" in str(r.public_inputs())] == []


@pytest.mark.parametrize("stack", STACKS)
def test_inputs_use_only_property_names_of_the_pinned_sdk(gcp_recorded, stack):
    rec = gcp_recorded(stack)
    resources = [r for r in rec.resources if r.custom and r.type.startswith(("gcp:", "random:", GCP_PROVIDER))]
    assert len(resources) > 20
    unknown = [f"{r.name}: {key}" for r in resources for key in unknown_wire_keys(args_class(r.type), r.inputs)]
    assert unknown == []


def test_wire_name_check_catches_misspelt_gcp_properties():
    settings = {"tier": "db-custom-2-7680", "ipConfiguration": {"ipv4Enabled": False, "requireSsl": True}}
    assert list(unknown_wire_keys(args_class(token(gcp.sql.DatabaseInstance)), {"settings": settings})) == [
        "settings.ipConfiguration.requireSsl"
    ]
    assert list(unknown_wire_keys(args_class(token(gcp.container.Cluster)), {"workloadIdentity": {}})) == [
        "workloadIdentity"
    ]


LABELLED = {
    token(gcp.container.Cluster): "resourceLabels",
    token(gcp.storage.Bucket): "labels",
    token(gcp.kms.CryptoKey): "labels",
    token(gcp.secretmanager.Secret): "labels",
}


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_labelled_resources_carry_the_platform_labels_valid_for_gcp(gcp_recorded, stack, region):
    rec = gcp_recorded(stack)
    resources = [r for r in descendants(rec, regions(rec)[region]) if r.type in LABELLED]
    resources.append(one(of_type(rec, gcp.sql.DatabaseInstance, regions(rec)[region])))
    assert len(resources) >= 8
    for resource in resources:
        labels = (
            resource.inputs["settings"]["userLabels"]
            if resource.type not in LABELLED
            else (resource.inputs[LABELLED[resource.type]])
        )
        assert {"platform": "flow", "environment": stack, "managed-by": "pulumi", "region": region}.items() <= (
            labels.items()
        ), resource.name
        for key, value in labels.items():
            assert key.islower() and len(key) <= 63 and value == value.lower() and len(value) <= 63, resource.name


@pytest.mark.parametrize("stack", STACKS)
def test_region_outputs_are_exported_and_the_kubeconfigs_are_secret(gcp_recorded, stack):
    rec = gcp_recorded(stack)
    for key in ("clusters", "cluster_endpoints", "oidc_issuers", "postgres", "buckets"):
        assert set(rec.outputs[f"gcp_{key}"]) == set(config_regions(stack)), key
        assert not is_rpc_secret(rec.outputs[f"gcp_{key}"]), key
    kubeconfigs = rec.outputs["gcp_kubeconfigs"]
    assert is_rpc_secret(kubeconfigs)
    assert {region: json.loads(config)["kind"] for region, config in unwrap_rpc_secret(kubeconfigs).items()} == {
        region: "Config" for region in config_regions(stack)
    }
    for region, buckets in rec.outputs["gcp_buckets"].items():
        suffix = stack_suffix(rec)
        assert buckets == {b: f"flow-{stack}-{b}-{REGION_CODES[region]}-{suffix}" for b in config_buckets(stack)}


REGIONAL_PATH = re.compile(r"projects/[^/]+/(?:locations|regions)/([a-z0-9-]+)/")


@pytest.mark.parametrize("stack", STACKS)
def test_every_regional_reference_points_into_the_resources_own_region(gcp_recorded, stack):
    rec = gcp_recorded(stack)
    checked = 0
    for region, component in regions(rec).items():
        for resource in descendants(rec, component):
            for value in _strings(resource.inputs):
                for found in REGIONAL_PATH.findall(value):
                    # the DR sink's ring lives in its dual-region's multi-region (test_buckets checks it)
                    assert found == region or f"/keyRings/flow-{stack}-us-" in value, f"{resource.name}: {value}"
                    checked += 1
    assert checked > 10


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value
