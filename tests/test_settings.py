"""Table-driven tests of the stack settings: models, cross-field rules, loader and durations."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.settings import catalog, rules
from components.settings.durations import format_duration, parse_duration
from components.settings.loader import (
    PLATFORM_KEY,
    SettingsError,
    load_settings,
    read_stack_config,
)
from components.settings.models import (
    CLOUDS,
    ENVIRONMENT_DEFAULTS,
    BucketSettings,
    KubernetesSettings,
    NodePool,
    PlatformSettings,
    Region,
    deep_merge,
)

# --- builders -----------------------------------------------------------------------------------

SUBSCRIPTION = "5ddb513c-f4e4-4213-afdc-fb2d2eadbb88"
PROVIDERS: dict[str, Any] = {
    "aws:region": "us-east-1", "gcp:project": "proj-1", "azure-native:subscriptionId": SUBSCRIPTION
}
RUNNER_CONNECTION = "arn:aws:codeconnections:us-east-1:210987654321:connection/4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
SES_IDENTITY = "arn:aws:ses:us-east-1:210987654321:identity/acme.net"
MINIMAL: dict[str, dict[str, Any]] = {
    # prod deploys the API by digest.
    "prod": {
        "deployer": {
            "position": "in-network",
            "aws": {"role_arn": "arn:aws:iam::210987654321:role/acme-deployer"},
            "azure": {"object_id": "7d2e9f3a-8b5c-4d7e-a0f1-2b3c4d5e6f70", "principal_type": "ServicePrincipal"},
            "gcp": {"service_account": "acme-deployer@acme-platform.iam.gserviceaccount.com"},
            "runner": {
                "repository": "https://github.com/acme/platform",
                "connection_arn": RUNNER_CONNECTION,
            },
        },
        "name": "acme",
        "workloads": {"api": {"image": "ghcr.io/acme/api:1.0.0@sha256:" + "0" * 64}},
        "budgets": {"notify": ["platform@example.com"]},
        "clouds": {
            "gcp": {"billing_account": "012345-6789AB-CDEF01"},
            "azure": {"admin_group_object_ids": ["0b5e2f6a-1111-4222-8333-444455556666"]},
        },
        "edge": {"account_id": "a" * 32, "zone_id": "b" * 32, "zone": "acme.net"},
        "identity": {"email": {"source_arn": SES_IDENTITY, "from_address": "no-reply@acme.net"}},
    },
    # dev turns the public API endpoint on, which needs an allow-list.
    "dev": {
        "name": "acme",
        "kubernetes": {"public_access_cidrs": ["85.214.132.0/24"]},
        "deployer": {
            "position": "outside",
            "egress_cidrs": ["85.214.132.0/24"],
            "aws": {"role_arn": "arn:aws:iam::210987654321:role/acme-deployer"},
            "azure": {"object_id": "7d2e9f3a-8b5c-4d7e-a0f1-2b3c4d5e6f70", "principal_type": "Group"},
            "gcp": {"service_account": "acme-deployer@acme-platform.iam.gserviceaccount.com"},
        },
    },
}
NO_GCP: dict[str, Any] = {"clouds": {"gcp": {"enabled": False}}}
NO_AZURE: dict[str, Any] = {"clouds": {"azure": {"enabled": False}}}


def valid(*mutations: dict[str, Any], env: str = "prod", **overrides: Any) -> dict[str, Any]:
    """The minimal valid platform mapping of `env`, with `mutations` and `overrides` merged on top."""
    platform = MINIMAL[env]
    for mutation in (*mutations, overrides):
        platform = deep_merge(platform, mutation)
    return platform


def config(platform: Any, providers: dict[str, Any] | None = None) -> dict[str, Any]:
    """Flat stack config: the platform object plus provider keys (a None provider value drops the key)."""
    flat = {k: v for k, v in {**PROVIDERS, **(providers or {})}.items() if v is not None}
    return {**flat, PLATFORM_KEY: platform}


def problems(stack: str, cfg: dict[str, Any], source: str | None = None) -> list[str]:
    """The problem lines `load_settings` raises (fails the test when it loads)."""
    with pytest.raises(SettingsError) as err:
        load_settings(stack, cfg, source)
    assert err.value.problems, "SettingsError without problems"
    assert str(err.value) == "\n".join(err.value.problems)
    return err.value.problems


def at(lines: list[str], path: str, stack: str = "prod") -> list[str]:
    """The lines about platform key `path` (exact path, not a longer one)."""
    prefix = f"Pulumi.{stack}.yaml: {PLATFORM_KEY}.{path}: "
    return [line for line in lines if line.startswith(prefix)]


def model(env: str, platform: dict[str, Any], providers: dict[str, Any] | None = None) -> PlatformSettings:
    """Field-validated settings (no cross-field rules), with the provider keys filled in like the loader does."""
    keys = {**PROVIDERS, **(providers or {})}
    filled: dict[str, Any] = {"environment": env, "clouds": {}}
    if keys.get("azure-native:subscriptionId"):
        filled["clouds"]["azure"] = {"subscription_id": keys["azure-native:subscriptionId"]}
    if keys.get("gcp:project"):
        filled["clouds"]["gcp"] = {"project": keys["gcp:project"]}
    return PlatformSettings.model_validate(deep_merge(filled, platform))


def region(name: str, cidr: str) -> dict[str, Any]:
    return {"name": name, "cidr": cidr}


def pool(types: str = "m5.large", lo: int = 1, want: int = 1, hi: int = 3, **extra: Any) -> dict[str, Any]:
    return {"instance_types": types.split(","), "min_size": lo, "desired_size": want, "max_size": hi, **extra}


def regions(cloud: str, *specs: tuple[str, str]) -> dict[str, Any]:
    """`regions("aws", ("us-east-1", "10.10.0.0/16"))` -> the mutation that sets AWS's region list."""
    return {"clouds": {cloud: {"regions": [region(name, cidr) for name, cidr in specs]}}}


def gcp_zones(zones: list[str], pools: dict[str, list[str]] | None = None, name: str = "us-central1",
              cidr: str = "10.30.0.0/16") -> dict[str, Any]:
    """The mutation that gives GCP one region with pinned node zones (and pool zones)."""
    entry = {"name": name, "cidr": cidr, "zones": zones, **({"pool_zones": pools} if pools is not None else {})}
    return {"clouds": {"gcp": {"regions": [entry]}}}


def pools(cloud: str, **named: dict[str, Any]) -> dict[str, Any]:
    """The mutation that sets one cloud's node pools (replacing the built-in ones)."""
    return {"kubernetes": {"pools": {cloud: named}}}


AKS = "Standard_D4s_v3"


def leaves(tree: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """`{"a": {"b": 1}}` -> `[("a.b", 1)]`."""
    out: list[tuple[str, Any]] = []
    for key, value in tree.items():
        path = f"{prefix}{key}"
        out += leaves(value, f"{path}.") if isinstance(value, dict) else [(path, value)]
    return out


# --- valid configs and environment defaults -----------------------------------------------------


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_minimal_config_loads(env: str) -> None:
    settings = load_settings(env, config(valid(env=env)))
    assert isinstance(settings, PlatformSettings)
    assert settings.environment == env
    assert settings.is_prod is (env == "prod")
    assert settings.name == "acme"
    assert list(settings.clouds.enabled()) == ["aws", "azure", "gcp"]
    assert settings.tags() == {"platform": "acme", "environment": env, "owner": "platform-team",
                               "cost-center": "platform", "managed-by": "pulumi"}


@pytest.mark.parametrize(("path", "value"), leaves(ENVIRONMENT_DEFAULTS["dev"]), ids=lambda v: str(v))
def test_dev_gets_relaxed_defaults(path: str, value: Any) -> None:
    assert operator.attrgetter(path)(load_settings("dev", config(valid(env="dev")))) == value


@pytest.mark.parametrize(("path", "value"), [
    ("deletion_protection", True),
    ("postgres.ha", True),
    ("kubernetes.public_endpoint", False),
    ("network.nat", "per_az"),
    ("network.flow_log_retention_days", 365),
    ("postgres.backup_retention_days", 7),
    ("postgres.pitr", True),
], ids=lambda v: str(v))
def test_prod_gets_secure_defaults(path: str, value: Any) -> None:
    assert operator.attrgetter(path)(load_settings("prod", config(valid()))) == value


def test_dev_values_in_the_stack_file_beat_the_dev_defaults() -> None:
    settings = load_settings("dev", config(valid(env="dev", network={"nat": "per_az"}, postgres={"ha": True})))
    assert (settings.network.nat, settings.postgres.ha) == ("per_az", True)
    assert settings.network.flow_log_retention_days == 30  # the sibling dev default survives the merge


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_dumped_settings_load_back_unchanged(env: str) -> None:
    settings = load_settings(env, config(valid(env=env)))
    again = load_settings(env, config(settings.model_dump(mode="json")))
    assert again.model_dump() == settings.model_dump()


# --- cross-field rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleCase:
    """A mutation of the valid `env` config that makes `rule` yield one Problem at `path` saying `says`."""

    id: str
    rule: Any
    platform: dict[str, Any]
    path: str
    says: str
    env: str = "prod"
    providers: dict[str, Any] = field(default_factory=dict)


RULE_CASES = [
    # _clouds
    RuleCase("no-cloud-enabled", rules._clouds, valid(clouds={c: {"enabled": False} for c in CLOUDS}),
             "clouds", "no cloud is enabled; allowed: enable at least one of aws, azure, gcp"),
    RuleCase("no-primary", rules._clouds, valid(clouds={"aws": {"enabled": False}}),
             "clouds", "0 enabled clouds have role primary; allowed: exactly one"),
    RuleCase("two-primaries", rules._clouds, valid(clouds={"azure": {"role": "primary"}}),
             "clouds", "2 enabled clouds have role primary; allowed: exactly one"),
    RuleCase("shared-role", rules._clouds, valid(clouds={"gcp": {"role": "secondary"}}),
             "clouds", "several enabled clouds have role secondary; allowed: one cloud per role"),
    RuleCase("region-twice", rules._clouds,
             valid(regions("aws", ("us-east-1", "10.10.0.0/16"), ("us-east-1", "10.11.0.0/16"))),
             "clouds.aws.regions[1].name", "region us-east-1 is listed twice; allowed: each region once"),
    # _cidrs
    RuleCase("cidr-overlap", rules._cidrs,
             # (a /16: a smaller GCP region would not hold the default GKE pools, _gke_capacity)
             valid(regions("gcp", ("us-central1", "10.30.0.0/16"), ("us-east1", "10.10.0.0/16"))),
             "clouds.gcp.regions[1].cidr",
             "10.10.0.0/16 overlaps clouds.aws.regions[0].cidr (10.10.0.0/16); allowed: a range no other region uses"),
    # _pools
    RuleCase("gcp-gpu-pool-without-gpu-machine", rules._pools,
             valid(pools("gcp", default=pool("e2-standard-4"), gpu=pool("n1-standard-8", lo=0, want=0, gpu=True))),
             "kubernetes.pools.gcp.gpu.instance_types",
             "n1-standard-8 has no attached GPU; allowed: a machine type with GPUs"),
    RuleCase("no-pool", rules._pools, valid(pools("gcp")),
             "kubernetes.pools.gcp", "no node pool; allowed: at least one pool"),
    RuleCase("min-above-desired", rules._pools, valid(pools("aws", general=pool(lo=3, want=2, hi=10))),
             "kubernetes.pools.aws.general", "min 3, desired 2, max 10; allowed: min <= desired <= max"),
    RuleCase("desired-above-max", rules._pools, valid(pools("aws", general=pool(lo=1, want=5, hi=4))),
             "kubernetes.pools.aws.general", "min 1, desired 5, max 4; allowed: min <= desired <= max"),
    RuleCase("gcp-two-types", rules._pools, valid(pools("gcp", default=pool("e2-standard-4,e2-standard-8"))),
             "kubernetes.pools.gcp.default.instance_types", "2 types; allowed: exactly one on gcp"),
    RuleCase("azure-two-types", rules._pools,
             valid(pools("azure", system=pool(AKS, system=True), user=pool(f"{AKS},Standard_D8s_v3"))),
             "kubernetes.pools.azure.user.instance_types", "2 types; allowed: exactly one on azure"),
    RuleCase("system-pool-spot", rules._pools, valid(pools("azure", sys=pool(AKS, system=True, capacity="spot"))),
             "kubernetes.pools.azure.sys", "a system pool must be on-demand, non-GPU and keep at least one node"),
    RuleCase("system-pool-gpu", rules._pools, valid(pools("azure", sys=pool(AKS, system=True, gpu=True))),
             "kubernetes.pools.azure.sys", "a system pool must be on-demand, non-GPU and keep at least one node"),
    RuleCase("system-pool-min-0", rules._pools, valid(pools("azure", sys=pool(AKS, lo=0, want=1, system=True))),
             "kubernetes.pools.azure.sys", "a system pool must be on-demand, non-GPU and keep at least one node"),
    RuleCase("aks-no-system-pool", rules._pools, valid(pools("azure", user=pool(AKS))),
             "kubernetes.pools.azure", "AKS needs exactly one pool with system: true"),
    RuleCase("aks-two-system-pools", rules._pools,
             valid(pools("azure", a=pool(AKS, system=True), b=pool(AKS, system=True))),
             "kubernetes.pools.azure", "AKS needs exactly one pool with system: true"),
    # _prod
    RuleCase("prod-no-ha", rules._prod, valid(postgres={"ha": False}),
             "postgres.ha", "false in prod; allowed: true (multi-AZ / zone-redundant / regional)"),
    RuleCase("prod-short-backups", rules._prod, valid(postgres={"backup_retention_days": 3}),
             "postgres.backup_retention_days", "3 in prod; allowed: 7 to 35"),
    RuleCase("prod-no-deletion-protection", rules._prod, valid(deletion_protection=False),
             "deletion_protection", "false in prod; allowed: true"),
    RuleCase("prod-public-endpoint", rules._prod,
             valid(kubernetes={"public_endpoint": True, "public_access_cidrs": ["85.214.132.0/24"]}),
             "kubernetes.public_endpoint", "true in prod; allowed: false (private API endpoint)"),
    RuleCase("prod-one-primary-region", rules._prod, valid(regions("aws", ("us-east-1", "10.10.0.0/16"))),
             "clouds.aws.regions", "the primary cloud has 1 region in prod; allowed: 2 or more"),
    # _endpoint
    RuleCase("public-endpoint-no-cidrs", rules._endpoint, valid(env="dev", kubernetes={"public_access_cidrs": []}),
             "kubernetes.public_access_cidrs",
             "empty while public_endpoint is true; allowed: the CIDRs that may reach the API", env="dev"),
    RuleCase("public-endpoint-whole-internet", rules._endpoint,
             valid(env="dev", kubernetes={"public_access_cidrs": ["85.214.132.0/24", "0.0.0.0/0"]}),
             "kubernetes.public_access_cidrs[1]",
             "0.0.0.0/0 opens the API to the internet; allowed: specific CIDRs", env="dev"),
    # _postgres
    RuleCase("max-storage-below-storage", rules._postgres, valid(postgres={"max_storage_gb": 200}),
             "postgres.max_storage_gb", "200 is below storage_gb 256; allowed: >= storage_gb"),
    # _gke_capacity
    RuleCase("gke-pools-outgrow-the-pods-range", rules._gke_capacity,
             valid(regions("gcp", ("us-central1", "10.30.0.0/16"), ("us-east1", "10.31.0.0/19"))),
             "clouds.gcp.regions[1].cidr",
             "10.31.0.0/19: the GKE pools reach 38 nodes (max_size 35 + 1 surge per pool) but its pods range holds 16 "
             "nodes (110 pods, a /24 each)"),
    # _gke_zones (pinned GKE node zones, gcp review 7)
    RuleCase("gke-zone-of-another-region", rules._gke_zones,
             valid(gcp_zones(["us-central1-a", "us-east1-b", "us-central1-c"])),
             "clouds.gcp.regions[0].zones[1]",
             "'us-east1-b' is not a zone of us-central1; allowed: us-central1-a, us-central1-b, us-central1-c, "
             "us-central1-f"),
    RuleCase("gke-zone-the-region-lacks", rules._gke_zones,
             valid(gcp_zones(["us-east1-a", "us-east1-b"], name="us-east1")),
             "clouds.gcp.regions[0].zones[0]",
             "'us-east1-a' is not a zone of us-east1; allowed: us-east1-b, us-east1-c, us-east1-d"),
    RuleCase("gke-one-zone", rules._gke_zones, valid(gcp_zones(["us-central1-a"])),
             "clouds.gcp.regions[0].zones", "1 zones; allowed: 2-4 zones of us-central1"),
    RuleCase("gke-zones-unknown-region-unpinned", rules._gke_zones,
             valid(regions("gcp", ("europe-west2", "10.30.0.0/16"))),
             "clouds.gcp.regions[0].zones", "no zones pinned for europe-west2"),
    RuleCase("gke-pool-zone-outside-the-cluster", rules._gke_zones,
             valid(gcp_zones(["us-central1-a", "us-central1-b"], pools={"compute": ["us-central1-f"]})),
             "clouds.gcp.regions[0].pool_zones.compute[0]",
             "'us-central1-f' is not one of the cluster's node zones or repeats; allowed: each of us-central1-a, "
             "us-central1-b once"),
    RuleCase("gke-pool-zones-of-no-pool", rules._gke_zones,
             valid(gcp_zones(["us-central1-a", "us-central1-b"], pools={"gpu": ["us-central1-a"]})),
             "clouds.gcp.regions[0].pool_zones.gpu", "'gpu' is not a GKE pool"),
    # _budgets (GCP channel limit)
    RuleCase("gcp-budget-more-than-five-channels", rules._budgets,
             valid(budgets={"notify": [f"ops{i}@example.com" for i in range(6)]}),
             "budgets.notify", "6 addresses; allowed with gcp enabled: at most 5"),
    # _gcp_log_retention
    RuleCase("gcp-log-retention-over-cloud-logging-max", rules._gcp_log_retention,
             valid(network={"flow_log_retention_days": 3653}),
             "network.flow_log_retention_days", "3653 days; allowed with gcp enabled: at most 3650"),
    # _backups_dual_region (gcp review 20)
    RuleCase("backups-single-region-in-prod", rules._backups_dual_region,
             valid(clouds={"gcp": {"backups_dual_region": []}}),
             "clouds.gcp.backups_dual_region", "empty in prod, so every cloud's DR copies sit in us-central1 alone"),
    RuleCase("backups-dual-region-across-continents", rules._backups_dual_region,
             valid(clouds={"gcp": {"backups_dual_region": ["us-central1", "europe-west1"]}}),
             "clouds.gcp.backups_dual_region", "us-central1 and europe-west1 are not two regions of one multi-region"),
    RuleCase("backups-dual-region-without-its-home", rules._backups_dual_region,
             valid(clouds={"gcp": {"backups_dual_region": ["us-east1", "us-west1"]}}),
             "clouds.gcp.backups_dual_region", "leaves out us-central1"),
    RuleCase("backups-dual-region-predefined-only", rules._backups_dual_region,
             valid(clouds={"gcp": {"backups_dual_region": ["us-central1", "us-east1"]}}),
             "clouds.gcp.backups_dual_region", "pair only as a predefined dual-region"),
    RuleCase("backups-dual-region-one-region-twice", rules._backups_dual_region,
             valid(clouds={"gcp": {"backups_dual_region": ["us-central1", "us-central1"]}}, env="dev"),
             "clouds.gcp.backups_dual_region", "is not two different regions", env="dev"),
    # _gke_maintenance
    RuleCase("gke-window-under-48h", rules._gke_maintenance,
             valid(clouds={"gcp": {"maintenance": {"days": ["sat"], "hours": 8}}}),
             "clouds.gcp.maintenance.hours", "1 day(s) x 8 h open 32 h in the worst 32 days; allowed: at least 48 h"),
    RuleCase("gke-exclusion-backwards", rules._gke_maintenance,
             valid(clouds={"gcp": {"maintenance": {"exclusions": [
                 {"name": "rel", "start": "2026-12-10", "end": "2026-12-10"}]}}}),
             "clouds.gcp.maintenance.exclusions[0].end", "2026-12-10 is not after start 2026-12-10"),
    # _dr
    RuleCase("rpo-without-pitr", rules._dr, valid(postgres={"pitr": False}),
             "postgres.pitr", "false but dr.rpo is 15m; allowed: true (an RPO under 24h needs point-in-time recovery)"),
    RuleCase("lag-not-below-rpo", rules._dr, valid(dr={"replication_lag_threshold": "15m"}),
             "dr.replication_lag_threshold", "15m cannot meet rpo 15m; allowed: below the RPO"),
    RuleCase("detection-not-within-rto", rules._dr, valid(dr={"rto": "2m"}),
             "dr.health_check_interval",
             "failover detection takes 3m (interval x failure_threshold), not within rto 2m"),
    RuleCase("timeout-not-below-interval", rules._dr, valid(edge={"health_timeout": "1m"}),
             "edge.health_timeout", "1m; allowed: below dr.health_check_interval (1m)"),
    RuleCase("more-check-regions-than-self-serve-buys", rules._dr, valid(edge={"health_check_regions": 9}),
             "edge.health_check_regions", "9 on Cloudflare plan free (edge.cloudflare_plan); allowed: 1 to 8"),
    # crosscloud R2: Cloudflare refuses a monitor interval below the plan's minimum
    RuleCase("monitor-interval-below-the-plan", rules._dr, valid(dr={"health_check_interval": "15s"}),
             "dr.health_check_interval",
             "15s on Cloudflare plan free (edge.cloudflare_plan); allowed: 1m to 1h (15s from business, 10s on "
             "enterprise)"),
    RuleCase("monitor-interval-below-business", rules._dr,
             valid(dr={"health_check_interval": "10s"}, edge={"cloudflare_plan": "business"}),
             "dr.health_check_interval",
             "10s on Cloudflare plan business (edge.cloudflare_plan); allowed: 15s to 1h"),
    RuleCase("monitor-interval-below-enterprise", rules._dr,
             valid(dr={"health_check_interval": "5s"}, edge={"health_timeout": "4s", "cloudflare_plan": "enterprise"}),
             "dr.health_check_interval", "5s on Cloudflare plan enterprise (edge.cloudflare_plan); allowed: 10s to 1h"),
    RuleCase("monitor-interval-above-an-hour", rules._dr, valid(dr={"health_check_interval": "2h", "rto": "1d"}),
             "dr.health_check_interval", "2h on Cloudflare plan free (edge.cloudflare_plan); allowed: 1m to 1h"),
    # _cross_cloud
    RuleCase("geo-pool-disabled-cloud", rules._cross_cloud,
             valid(NO_GCP, edge={"region_pools": {"ENAM": ["aws", "gcp"]}}),
             "edge.region_pools.ENAM", "steers to gcp, which is not enabled; allowed: aws, azure"),
    RuleCase("fallback-disabled-cloud", rules._cross_cloud, valid(NO_GCP, edge={"fallback": "gcp"}),
             "edge.fallback", "gcp is not enabled; allowed: aws, azure"),
    RuleCase("trust-disabled-cloud", rules._cross_cloud,
             valid(NO_GCP, identity={"trusts": [{"source": "aws", "targets": ["gcp"]}]}),
             "identity.trusts[0]", "names gcp, which is not enabled; allowed: aws, azure"),
    RuleCase("trust-itself", rules._cross_cloud,
             valid(identity={"trusts": [{"source": "azure", "targets": ["aws", "azure"]}]}),
             "identity.trusts[0].targets", "azure trusts itself; allowed: other clouds"),
    # _identity
    RuleCase("federated-provider-without-registration", rules._identity,
             valid(identity={"providers": {"google": {"client_secret_name": "idp/google"}}}),
             "identity.providers.azure_ad",
             "missing while federated_providers lists azure_ad; allowed: its client_id and client_secret_name"),
    RuleCase("azure-ad-tenant-without-azure", rules._identity,
             valid({"clouds": {"azure": {"enabled": False}}}, identity={"federated_providers": ["azure_ad"]}),
             "identity.providers.azure_ad.tenant_id",
             "missing and Azure is not enabled to default it from; allowed: the Entra ID tenant id"),
    RuleCase("prod-pool-without-ses", rules._identity, valid(identity={"email": None}),
             "identity.email", "missing in prod, so Cognito sends with its daily-capped default sender"),
    RuleCase("ses-identity-in-another-region", rules._identity,
             valid(identity={"email": {"source_arn": SES_IDENTITY.replace("us-east-1", "eu-west-1")}}),
             "identity.email", "the SES identity is in eu-west-1, the user pool in us-east-1; allowed: us-east-1"),
    RuleCase("from-address-outside-the-ses-domain", rules._identity,
             valid(identity={"email": {"from_address": "no-reply@acme.net.evil.io"}}),
             "identity.email", "is not an address of the SES domain identity acme.net"),
    RuleCase("from-address-not-the-ses-address", rules._identity,
             valid(identity={"email": {"source_arn": SES_IDENTITY.replace("acme.net", "ops@acme.net")}}),
             "identity.email", "from_address no-reply@acme.net is not the SES address identity ops@acme.net"),
    RuleCase("trusts-without-backups-bucket", rules._identity,
             valid(buckets=["data"], identity={"trusts": [{"source": "aws", "targets": ["gcp"]}]}),
             "identity.trusts", "trusts grant the backups bucket, which buckets does not list; allowed: add it"),
    # _account_ids
    RuleCase("no-subscription", rules._account_ids, valid(), "clouds.azure.subscription_id",
             "missing; set it or azure-native:subscriptionId", providers={"azure-native:subscriptionId": None}),
    RuleCase("no-project", rules._account_ids, valid(), "clouds.gcp.project",
             "missing; set it or gcp:project", providers={"gcp:project": None}),
    # _buckets
    RuleCase("bucket-twice", rules._buckets, valid(buckets=["data", "logs", "data"]),
             "buckets[2].name", "bucket data is listed twice; allowed: each name once"),
    # _budgets
    RuleCase("daily-above-monthly", rules._budgets, valid(budgets={"daily": 30000, "emergency": 30000}),
             "budgets.daily", "30000 exceeds budgets.monthly 25000"),
    RuleCase("emergency-below-daily", rules._budgets, valid(budgets={"emergency": 500}),
             "budgets.emergency", "500 is below budgets.daily 1000"),
    RuleCase("prod-budgets-notify-no-one", rules._budgets, valid(budgets={"notify": []}),
             "budgets.notify", "empty; allowed in prod: at least one e-mail address"),
    RuleCase("prod-office-hours", rules._budgets, valid(budgets={"office_hours": {"enabled": True}}),
             "budgets.office_hours.enabled", "prod runs around the clock"),
    RuleCase("shares-name-a-disabled-cloud", rules._budgets,
             valid(NO_GCP, budgets={"shares": {"aws": 0.5, "azure": 0.3, "gcp": 0.2}}),
             "budgets.shares", "names aws, azure, gcp; allowed: exactly the enabled clouds (aws, azure)"),
    RuleCase("shares-do-not-add-up", rules._budgets, valid(budgets={"shares": {"aws": 0.5, "azure": 0.3, "gcp": 0.3}}),
             "budgets.shares", "add up to 1.1; allowed: 1"),
    RuleCase("prod-gcp-without-billing-account", rules._budgets,
             valid(clouds={"gcp": {"billing_account": None}}),
             "clouds.gcp.billing_account", "missing; allowed in prod: the project's Cloud Billing account"),
    # _azure_pairs
    RuleCase("azure-region-without-pair-in-prod", rules._azure_pairs,
             valid(regions("azure", ("eastus", "10.20.0.0/16"), ("southafricanorth", "10.21.0.0/16"))),
             "clouds.azure.regions[1].name",
             "southafricanorth has no known paired region for geo-redundant backups in prod; allowed: "),
    # _postgres (Burstable)
    RuleCase("burstable-azure-tier-with-ha", rules._postgres, valid(postgres={"tier": {"azure": "B_Standard_B2ms"}}),
             "postgres.tier.azure", "B_Standard_B2ms is Burstable, which has no high availability"),
    # _vpn
    RuleCase("vpn-pin-overlaps-a-tunnel", rules._vpn,
             valid(vpn={"pinned": {"aws-gcp/us-east-1/us-central1/0": "169.254.32.4/30"}}),
             "vpn.pinned.aws-gcp/us-east-1/us-central1/0",
             "169.254.32.4/30 overlaps 169.254.32.4/30 of tunnel aws-gcp/us-east-1/us-central1/1; allowed: a free /30"),
    RuleCase("vpn-pin-outside-apipa", rules._vpn,
             valid(vpn={"pinned": {"azure-gcp/eastus/us-central1/1": "169.254.40.0/30"}}),
             "vpn.pinned.azure-gcp/eastus/us-central1/1",
             "169.254.40.0/30 is outside 169.254.21.0/24 and 169.254.22.0/24; allowed: a /30 inside"),
    RuleCase("vpn-asn-shared", rules._vpn, valid(vpn={"asns": {"gcp": 64512}}),
             "vpn.asns.gcp", "64512 is also the ASN of aws; allowed: one ASN per cloud"),
    RuleCase("vpn-azure-reserved-asn", rules._vpn, valid(vpn={"asns": {"azure": 65515}}),
             "vpn.asns.azure", "65515 is reserved by Azure (65515-65520); allowed: another private ASN"),
    RuleCase("vpn-aws-gateway-quota", rules._vpn,
             valid(regions("azure", ("eastus", "10.20.0.0/16"), ("westus2", "10.21.0.0/16"),
                           ("centralus", "10.22.0.0/16")),
                   regions("gcp", ("us-central1", "10.30.0.0/16"), ("us-east1", "10.31.0.0/16"),
                           ("us-west1", "10.32.0.0/16"))),
             "vpn.scope",
             "the mesh needs 12 VPN connections on the aws gateway of us-east-1, us-west-2; allowed: 10 per gateway"),
    # _reachability
    RuleCase("prod-secondary-regions-outside-the-mesh", rules._reachability, valid(vpn={"scope": "primary"}),
             "vpn.scope", "primary in prod leaves 22 private uses without a path (e.g. scrape aws/us-east-1 -> "
             "azure/westus2: no VPN leg between the two regions); allowed: all"),
    # _deployer
    RuleCase("prod-without-deployer", rules._deployer, valid(deployer=None), "deployer", "missing; allowed"),
    RuleCase("dev-without-deployer", rules._deployer, valid(env="dev", deployer=None), "deployer", "missing; allowed",
             "dev"),
    RuleCase("deployer-outside-private-apis", rules._deployer, valid(deployer={"position": "outside"}),
             "deployer.position", "private cluster APIs are unreachable from outside; allowed: in-network"),
    RuleCase("deployer-in-network-without-mesh", rules._deployer, valid(vpn={"enabled": False}),
             "deployer.position", "in-network (aws/us-east-1) has no private path to the cluster API of azure/eastus"),
    RuleCase("deployer-outside-without-egress", rules._deployer,
             valid(env="dev", kubernetes={"public_endpoint": True},
                   deployer={"position": "outside", "egress_cidrs": [],
                             "aws": {"role_arn": "arn:aws:iam::210987654321:role/d"},
                                        "azure": {"object_id": "7d2e9f3a-8b5c-4d7e-a0f1-2b3c4d5e6f70",
                                                  "principal_type": "Group"},
                                        "gcp": {"service_account": "deployer@acme-platform.iam.gserviceaccount.com"}}),
             "deployer.egress_cidrs", "empty while the deployer is outside and the cluster APIs are public", "dev"),
    # _data_sync
    RuleCase("sync-more-often-than-storage-transfer-can", rules._data_sync, valid(dr={"sync": {"interval": "15m"}}),
             "dr.sync.interval", "15m; allowed: 1h or more (Storage Transfer)"),
    RuleCase("sync-unknown-bucket", rules._data_sync, valid(dr={"sync": {"buckets": ["data", "logs"]}}),
             "dr.sync.buckets", "names logs, which buckets does not list"),
    RuleCase("sync-without-gcp", rules._data_sync, valid(NO_GCP, dr={"sync": {"enabled": True}}), "dr.sync.enabled",
             "true but gcp is disabled", providers={"gcp:project": None}),
    # _workloads
    RuleCase("hpa-ceiling-below-floor", rules._workloads, valid(workloads={"api": {"max_replicas": 2}}),
             "workloads.api.max_replicas", "2 is below replicas (3)"),
    RuleCase("prod-image-by-tag", rules._workloads, valid(workloads={"api": {"image": "ghcr.io/acme/api:1.0.0"}}),
             "workloads.api.image", "pinned by tag only; allowed in prod: an image pinned by digest"),
    RuleCase("memory-limit-below-request", rules._workloads,
             valid(workloads={"api": {"resources": {"memory_request": "2Gi"}}}),
             "workloads.api.resources.memory_limit", "1Gi is below the memory request (2Gi)"),
    RuleCase("cpu-limit-below-request", rules._workloads,
             valid(workloads={"api": {"resources": {"cpu_request": "1", "cpu_limit": "500m"}}}, env="dev"),
             "workloads.api.resources.cpu_limit", "500m is below the cpu request (1)", env="dev"),
    # _names
    RuleCase("storage-account-too-long", rules._names,
             valid(regions("azure", ("eastus", "10.20.0.0/16"), ("francecentral", "10.21.0.0/16"))),
             "clouds.azure.regions[1].name",
             "azure storage account name 'acmeprodfrancecentral?????' is 26 characters; "
             "allowed: 3-24 lowercase letters and digits (shorten name or the region code)"),
    # a known region's code is short: with the stack-unique part (`?????`), the platform name is what overflows
    RuleCase("platform-name-too-long-for-the-geo-vault", rules._names,
             valid(regions("azure", ("eastus", "10.20.0.0/16")), name="acmecorp"),
             "name",
             "azure key vault name 'acmecorp-prod-eus-geo-?????' is 27 characters; "
             "allowed: 3-24 letters, digits, hyphens (shorten name or the region code)"),
    RuleCase("gcp-service-account-name-too-long", rules._names,
             valid(regions("gcp", ("us-central1", "10.30.0.0/16"), ("northamerica-northeast1", "10.31.0.0/16"))),
             "clouds.gcp.regions[1].name",
             "gcp service account name 'acme-prod-northamericanortheast1-nodes' is 38 characters"),
    # _dns
    RuleCase("dns-resolver-range-on-aks-subnet", rules._dns,
             valid(dns={"resolver_cidrs": {"azure/eastus": "10.20.0.0/27"}}),
             "dns.resolver_cidrs.azure/eastus", "10.20.0.0/27 overlaps the AKS node range 10.20.0.0/17"),
    RuleCase("dns-resolver-range-on-gke-pods", rules._dns,
             valid(dns={"resolver_cidrs": {"gcp/us-central1": "10.30.0.0/28"}}),
             "dns.resolver_cidrs.gcp/us-central1", "10.30.0.0/28 overlaps the pods range 10.30.0.0/17"),
    RuleCase("dns-off-while-azure-names-cross-clouds", rules._dns, valid(dns={"enabled": False}),
             "dns.enabled", "false while clouds.azure.enabled is true with other clouds"),
]


def test_every_rule_has_a_case() -> None:
    assert {case.rule for case in RULE_CASES} == set(rules.RULES)


@pytest.mark.parametrize("case", RULE_CASES, ids=lambda case: case.id)
def test_rule_fires_once_at_its_key_path(case: RuleCase) -> None:
    # The rule itself yields the problem, exactly once at that path ...
    found = [p for p in case.rule(model(case.env, case.platform, case.providers)) if p.path == case.path]
    assert len(found) == 1, found
    assert case.says in found[0].message
    # ... and the loader turns it into exactly one line, the only problem of this mutation.
    lines = problems(case.env, config(case.platform, case.providers))
    expected = f"Pulumi.{case.env}.yaml: {PLATFORM_KEY}.{case.path}: {found[0].message}"
    assert at(lines, case.path, case.env) == [expected]
    assert lines == [expected]


@pytest.mark.parametrize("env", ["dev", "prod"])
@pytest.mark.parametrize("rule", rules.RULES, ids=lambda rule: rule.__name__)
def test_rule_is_quiet_on_the_valid_config(rule: Any, env: str) -> None:
    assert list(rule(model(env, valid(env=env)))) == []


@pytest.mark.parametrize(("env", "platform", "providers"), [
    pytest.param("dev", valid(regions("aws", ("us-east-1", "10.10.0.0/16")), env="dev"), {},
                 id="dev-single-primary-region"),
    pytest.param("prod", valid(postgres={"pitr": False}, dr={"rpo": "1d"}), {}, id="no-pitr-with-1d-rpo"),
    pytest.param("prod", valid(NO_GCP), {"gcp:project": None}, id="gcp-disabled-needs-no-project"),
    pytest.param("prod", valid(clouds={"azure": {"enabled": False}}), {"azure-native:subscriptionId": None},
                 id="azure-disabled-needs-no-subscription"),
    pytest.param("prod", valid(NO_GCP), {}, id="built-in-geo-map-trimmed-to-enabled-clouds"),
    pytest.param("prod", valid(pools("aws", x=pool("m5.large,m5a.large,m6i.large"))), {},
                 id="aws-pool-takes-several-types"),
    pytest.param("prod", valid(budgets={"daily": 25000, "emergency": 25000}), {}, id="daily-equal-monthly"),
    pytest.param("dev", valid(env="dev", clouds={"gcp": {"billing_account": None}}), {},
                 id="dev-gcp-without-billing-account"),
    pytest.param("prod", valid(postgres={"max_storage_gb": 256}), {}, id="max-storage-equal-storage"),
    pytest.param("prod", valid(identity={"trusts": [{"source": "gcp", "targets": ["aws", "azure"]}]}), {},
                 id="trust-other-clouds"),
    pytest.param("prod", valid(identity={"email": {"from_address": "Auth@Login.Acme.net"}}), {},
                 id="ses-from-a-subdomain-of-the-identity"),
    # Azure's default regions: the geo vault `abcd-prod-wus2-geo-?????` is 24 characters
    pytest.param("prod", valid(name="abcd"), {}, id="longest-name-with-default-regions"),
    pytest.param("prod", valid(NO_AZURE, name="abcdefgh"), {}, id="longest-name-without-azure"),
    pytest.param("dev", valid(env="dev", workloads={"api": {"image": "registry.local:5000/team/api:2.0"}}), {},
                 id="dev-image-by-tag-with-registry-port"),
    pytest.param("prod", valid(workloads={"enabled": False, "api": {"image": "ghcr.io/acme/api:1.0.0"}}), {},
                 id="prod-tag-with-workloads-off"),
    pytest.param("prod", valid(workloads={"api": {"resources": {"cpu_request": "500m", "cpu_limit": "0.5"}}}), {},
                 id="cpu-request-equal-limit-in-cores"),
])
def test_near_misses_load(env: str, platform: dict[str, Any], providers: dict[str, Any]) -> None:
    assert isinstance(load_settings(env, config(platform, providers)), PlatformSettings)


# --- field-level errors -------------------------------------------------------------------------

def _allowed(model_cls: Any) -> str:
    return "unknown key; allowed: " + ", ".join(sorted(model_cls.model_fields))


def _aws_cidr(cidr: str) -> dict[str, Any]:
    return regions("aws", ("us-east-1", cidr), ("us-west-2", "10.11.0.0/16"))


def _tier(cloud: str, tier: str) -> dict[str, Any]:
    return {"postgres": {"tier": {cloud: tier}}}


K8S_VERSIONS = ", ".join(catalog.KUBERNETES_VERSIONS)
PG_VERSIONS = ", ".join(catalog.POSTGRES_VERSIONS)
PRIVATE = "allowed: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16"

FIELD_CASES = [
    pytest.param({"kubernetes": {"version": "1.28"}}, "kubernetes.version",
                 ["Kubernetes 1.28 is not supported", f"supported: {K8S_VERSIONS}"], id="kubernetes-1.28"),
    # EKS standard support of 1.34 ended 2026-12-02 (aws review 25)
    pytest.param({"kubernetes": {"version": "1.34"}}, "kubernetes.version",
                 ["Kubernetes 1.34 is not supported", f"supported: {K8S_VERSIONS}"], id="kubernetes-1.34"),
    pytest.param({"kubernetes": {"version": 1.3}}, "kubernetes.version",
                 ["write the Kubernetes version as a quoted string", K8S_VERSIONS], id="kubernetes-unquoted-float"),
    pytest.param({"postgres": {"version": "13"}}, "postgres.version",
                 ["PostgreSQL 13 is not supported", f"supported: {PG_VERSIONS}"], id="postgres-13"),
    pytest.param({"postgres": {"version": 16.0}}, "postgres.version",
                 ["write the PostgreSQL version as a quoted string"], id="postgres-float"),
    pytest.param(_tier("gcp", "db-standard-4"), "postgres.tier.gcp",
                 ["'db-standard-4' is not a Cloud SQL for PostgreSQL tier",
                  "(db-standard-*/db-n1-* tiers are MySQL-only)", "allowed: db-custom-<vCPUs>-<MiB>"],
                 id="cloudsql-mysql-tier"),
    pytest.param(_tier("gcp", "db-n1-standard-2"), "postgres.tier.gcp", ["MySQL-only", "db-custom-"],
                 id="cloudsql-n1-tier"),
    pytest.param(_tier("gcp", "db-custom-4"), "postgres.tier.gcp",
                 ["'db-custom-4' is not a Cloud SQL for PostgreSQL tier; allowed: db-custom-"],
                 id="cloudsql-bad-custom"),
    pytest.param(_tier("aws", "m5.large"), "postgres.tier.aws",
                 ["'m5.large' is not an RDS instance class", "allowed: db.<family>.<size>"], id="rds-class"),
    pytest.param(_tier("azure", "Standard_D4s_v3"), "postgres.tier.azure",
                 ["'Standard_D4s_v3' is not a Flexible Server SKU", "allowed: B_|GP_|MO_Standard_<size>"],
                 id="azure-sku"),
    pytest.param(_aws_cidr("8.8.0.0/16"), "clouds.aws.regions[0].cidr",
                 ["8.8.0.0/16 is not a private range", PRIVATE], id="public-cidr"),
    pytest.param(_aws_cidr("100.64.0.0/16"), "clouds.aws.regions[0].cidr",
                 ["100.64.0.0/16 is not a private range", PRIVATE], id="cgnat-cidr"),
    pytest.param(_aws_cidr("10.0.0.0/8"), "clouds.aws.regions[0].cidr",
                 ["10.0.0.0/8 is a /8", "allowed: /16 to /20"], id="slash-8-cidr"),
    pytest.param(_aws_cidr("10.10.0.0/21"), "clouds.aws.regions[0].cidr",
                 ["is a /21", "allowed: /16 to /20"], id="slash-21-cidr"),
    pytest.param({"kubernetes": {"verison": "1.35"}}, "kubernetes.verison", [_allowed(KubernetesSettings)],
                 id="unknown-key-kubernetes"),
    pytest.param({"nmae": "acme"}, "nmae", [_allowed(PlatformSettings)], id="unknown-key-top-level"),
    pytest.param({"clouds": {"aws": {"regions": [region("us-east-1", "10.10.0.0/16") | {"zone": "a"}]}}},
                 "clouds.aws.regions[0].zone", [_allowed(Region)], id="unknown-key-in-list-item"),
    pytest.param(pools("aws", general=pool(size=3)), "kubernetes.pools.aws.general.size", [_allowed(NodePool)],
                 id="unknown-key-in-dict-value"),
    pytest.param({"buckets": [{"name": "data", "ttl": 3}]}, "buckets[0].ttl", [_allowed(BucketSettings)],
                 id="unknown-key-in-bucket"),
    pytest.param({"dr": {"rpo": "15 minutes"}}, "dr.rpo",
                 ["'15 minutes' is not a duration; allowed: a number with s, m, h or d (e.g. 30s, 15m)"],
                 id="bad-duration"),
    pytest.param({"dr": {"rto": True}}, "dr.rto", ["True is not a duration; allowed: a number with s, m, h or d"],
                 id="bool-duration"),
    pytest.param({"network": {"flow_log_retention_days": 31}}, "network.flow_log_retention_days",
                 ["31 is not a CloudWatch Logs retention",
                  "allowed: " + ", ".join(map(str, catalog.CLOUDWATCH_RETENTION_DAYS))], id="cloudwatch-retention"),
    pytest.param({"network": {"nat": "gateway"}}, "network.nat", ["'gateway'; allowed: 'per_az', 'single'"],
                 id="nat-literal"),
    pytest.param({"edge": {"region_pools": {"MARS": ["aws"]}}}, "edge.region_pools",
                 ["unknown Cloudflare region 'MARS'", "allowed: " + ", ".join(catalog.CLOUDFLARE_REGIONS)],
                 id="cloudflare-region"),
    pytest.param({"name": "Acme"}, "name",
                 ["'Acme' is not of the form: Prefix of every physical name (2-8 lowercase alphanumerics)"],
                 id="uppercase-platform-name"),
    pytest.param({"clouds": {"aws": {"regions": []}}}, "clouds.aws.regions", ["at least 1 item"], id="no-regions"),
    pytest.param(pools("aws", general={"instance_types": ["m5.large"], "min_size": 1, "max_size": 3}),
                 "kubernetes.pools.aws.general.desired_size", ["required key is missing"], id="missing-nested-key"),
    pytest.param({"workloads": {"api": {"image": "ghcr.io/acme/api:latest"}}}, "workloads.api.image",
                 ["'ghcr.io/acme/api:latest' is not pinned", "allowed: a version tag other than latest"],
                 id="image-latest"),
    pytest.param({"workloads": {"api": {"image": "ghcr.io/acme/api"}}}, "workloads.api.image",
                 ["is not pinned"], id="image-untagged"),
    pytest.param({"workloads": {"api": {"image": "GHCR.io/Acme/api:1"}}}, "workloads.api.image",
                 ["is not an image reference"], id="image-uppercase"),
    pytest.param({"workloads": {"api": {"resources": {"memory_limit": "1G"}}}},
                 "workloads.api.resources.memory_limit", ["'1G' is not of the form: Memory limit, e.g. 1Gi"],
                 id="memory-decimal-unit"),
    pytest.param({"workloads": {"monitoring": {"chart_version": "latest"}}}, "workloads.monitoring.chart_version",
                 ["'latest' is not of the form: Pinned", "e.g. 88.5.3"], id="chart-version-unpinned"),
]


@pytest.mark.parametrize(("mutation", "path", "says"), FIELD_CASES)
def test_field_error_is_one_line_at_its_key_path(mutation: dict[str, Any], path: str, says: list[str]) -> None:
    lines = problems("prod", config(valid(mutation)))
    assert len(at(lines, path)) == 1, lines
    assert all(fragment in at(lines, path)[0] for fragment in says), at(lines, path)[0]
    assert len(lines) == 1, lines  # field errors stop before the cross-field rules run


def test_field_errors_are_all_reported_together() -> None:
    lines = problems("prod", config(valid(kubernetes={"version": "1.28"}, postgres={"version": "13"}, nmae="x")))
    assert sorted(line.split(": ")[1] for line in lines) == [
        f"{PLATFORM_KEY}.kubernetes.version", f"{PLATFORM_KEY}.nmae", f"{PLATFORM_KEY}.postgres.version"]


def test_missing_name_is_reported() -> None:
    assert problems("prod", config({})) == [f"Pulumi.prod.yaml: {PLATFORM_KEY}.name: required key is missing"]


@pytest.mark.parametrize(("platform", "got"), [
    pytest.param(None, "missing", id="missing"),
    pytest.param(["name", "acme"], "a list", id="list"),
    pytest.param("acme", "a str", id="string"),
    pytest.param(3, "a int", id="int"),
])
def test_platform_must_be_a_mapping(platform: Any, got: str) -> None:
    cfg = config(platform) if platform is not None else dict(PROVIDERS)
    assert problems("prod", cfg) == [
        f"Pulumi.prod.yaml: {PLATFORM_KEY}: {got}; allowed: a mapping (see schema/stack.schema.json)"]


@pytest.mark.parametrize(("value", "expected"), [
    pytest.param("1.35", "1.35", id="quoted-1.35"),
    pytest.param("1.36", "1.36", id="quoted-1.36"),
])
def test_supported_kubernetes_versions_load(value: str, expected: str) -> None:
    assert load_settings("prod", config(valid(kubernetes={"version": value}))).kubernetes.version == expected


@pytest.mark.parametrize(("value", "expected"), [(16, "16"), ("17", "17"), ("14", "14")],
                         ids=["int-16", "str-17", "str-14"])
def test_postgres_versions_load(value: Any, expected: str) -> None:
    assert load_settings("prod", config(valid(postgres={"version": value}))).postgres.version == expected


@pytest.mark.parametrize("tier", ["db-custom-2-7680", "db-perf-optimized-N-8", "db-f1-micro", "db-g1-small"])
def test_cloudsql_postgres_tiers_load(tier: str) -> None:
    assert load_settings("prod", config(valid(postgres={"tier": {"gcp": tier}}))).postgres.tier.gcp == tier


def test_bucket_shorthand_is_a_name() -> None:
    settings = load_settings("prod", config(valid(buckets=["data", {"name": "logs", "cool_after_days": 60}])))
    assert settings.buckets == [BucketSettings(name="data"), BucketSettings(name="logs", cool_after_days=60)]
    assert settings.buckets[0].noncurrent_version_days == 90


def test_durations_in_the_config_are_seconds() -> None:
    settings = load_settings("prod", config(valid(dr={"rpo": "1h", "rto": "10m", "replication_lag_threshold": "45s"})))
    assert (settings.dr.rpo, settings.dr.rto, settings.dr.replication_lag_threshold) == (3600, 600, 45)


# --- provider keys, environment and the source of problem lines ---------------------------------


def test_provider_keys_fill_project_and_subscription() -> None:
    settings = load_settings("prod", config(valid()))
    assert settings.clouds.gcp.project == "proj-1"
    assert settings.clouds.azure.subscription_id == SUBSCRIPTION


def test_platform_values_beat_provider_keys() -> None:
    own = "0b5e2f6a-aaaa-4222-8333-444455556666"
    platform = valid(clouds={"gcp": {"project": "own-project"}, "azure": {"subscription_id": own}})
    settings = load_settings("prod", config(platform))
    assert (settings.clouds.gcp.project, settings.clouds.azure.subscription_id) == ("own-project", own)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_aws_region_must_be_the_first_aws_region(stack: str) -> None:
    lines = problems(stack, config(valid(env=stack), {"aws:region": "eu-west-1"}))
    says = "eu-west-1 is not the primary AWS region; allowed: us-east-1 (clouds.aws.regions[0])"
    assert lines == [f"Pulumi.{stack}.yaml: aws:region: {says}"]


@pytest.mark.parametrize(("platform", "region"), [
    pytest.param(valid(), None, id="aws-region-unset"),
    pytest.param(valid(regions("aws", ("us-west-2", "10.11.0.0/16"), ("us-east-1", "10.10.0.0/16")),
                       {"deployer": {"runner": {"connection_arn": RUNNER_CONNECTION.replace("east-1", "west-2")}}},
                       {"identity": {"email": {"source_arn": SES_IDENTITY.replace("east-1", "west-2")}}}),
                 "us-west-2", id="reordered-regions"),
    pytest.param(valid(clouds={"aws": {"enabled": False}, "azure": {"role": "primary"}}), "eu-west-1",
                 id="aws-disabled"),
])
def test_aws_region_accepted(platform: dict[str, Any], region: str | None) -> None:
    assert isinstance(load_settings("prod", config(platform, {"aws:region": region})), PlatformSettings)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_environment_defaults_to_the_stack_name(stack: str) -> None:
    platform = valid(env=stack)
    assert "environment" not in platform
    assert load_settings(stack, config(platform)).environment == stack


def test_a_stack_name_without_an_environment_is_refused() -> None:
    assert problems("staging", config(valid())) == [
        "stack staging: the name sets the environment; allowed: dev, prod, or a name ending in -dev or -prod "
        "(e.g. eu-prod)"]


@pytest.mark.parametrize(("stack", "environment"), [("eu-prod", "prod"), ("alice-dev", "dev"), ("a-b-prod", "prod")])
def test_the_environment_follows_the_stack_name(stack: str, environment: str) -> None:
    settings = load_settings(stack, config(valid(env=environment)))
    assert settings.environment == environment
    assert settings.network.nat == ("single" if environment == "dev" else "per_az")


@pytest.mark.parametrize(("stack", "written"), [("prod", "dev"), ("eu-prod", "dev"), ("dev", "prod"), ("prod", None)])
def test_a_stack_file_cannot_change_its_environment(stack: str, written: str | None) -> None:
    """`environment: dev` in Pulumi.prod.yaml would switch off every prod rule: refused, naming the key."""
    lines = problems(stack, config(valid(environment=written)))
    says = f"{written!r} in stack {stack}, which is a {'prod' if stack.endswith('prod') else 'dev'} stack by its name"
    assert [line for line in lines if ".environment: " in line] == [
        f"Pulumi.{stack}.yaml: {PLATFORM_KEY}.environment: {says}; "
        f"allowed: {'prod' if stack.endswith('prod') else 'dev'} (or leave it out)"]


@pytest.mark.parametrize("stack", ["a b", "dév", "x" * 101, "a/b", ""])
def test_names_the_pulumi_cli_refuses_are_refused(stack: str) -> None:
    lines = problems(stack, config(valid()))
    assert len(lines) == 1 and "not a Pulumi stack name" in lines[0] and len(lines[0]) < 200


BROKEN_CONFIGS = [
    pytest.param(config(valid(nmae="x", kubernetes={"version": "1.28"})), id="field-errors"),
    pytest.param(config(valid(postgres={"ha": False}, budgets={"daily": 1e6, "emergency": 1e6}),
                        {"aws:region": "eu-west-1"}), id="rule-and-provider-errors"),
    pytest.param(dict(PROVIDERS), id="platform-missing"),
]


@pytest.mark.parametrize("cfg", BROKEN_CONFIGS)
@pytest.mark.parametrize(("source", "prefix"), [
    pytest.param(None, "Pulumi.prod.yaml: ", id="default-source"),
    pytest.param("stacks/Pulumi.prod.yaml", "stacks/Pulumi.prod.yaml: ", id="given-source"),
])
def test_every_problem_line_starts_with_the_source(cfg: dict[str, Any], source: str | None, prefix: str) -> None:
    lines = problems("prod", cfg, source)
    assert lines and all(line.startswith(prefix) for line in lines), lines
    assert all("\n" not in line for line in lines)


def test_rule_and_provider_problems_are_reported_together() -> None:
    broken = valid(postgres={"ha": False}, budgets={"daily": 1e6, "emergency": 1e6})
    lines = problems("prod", config(broken, {"aws:region": "eu-west-1"}))
    assert len(at(lines, "postgres.ha")) == len(at(lines, "budgets.daily")) == 1
    assert lines[-1].startswith("Pulumi.prod.yaml: aws:region: eu-west-1 ")
    assert len(lines) == 3


# --- read_stack_config --------------------------------------------------------------------------


def _project(tmp_path: Path, project: dict[str, Any], stacks: dict[str, str] | None = None) -> Path:
    (tmp_path / "Pulumi.yaml").write_text(yaml.safe_dump(project))
    for stack, text in (stacks or {}).items():
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(text)
    return tmp_path


PROJECT = {
    "name": "multicloud-platform",
    "runtime": "python",
    "config": {
        "aws:region": {"default": "us-west-2"},
        "gcp:project": {"default": "default-project"},
        "owner": {"type": "string", "default": "team-a"},
        "notes": {"type": "string"},
    },
}


def test_read_stack_config_layers_stack_values_over_project_defaults(tmp_path: Path) -> None:
    stack = {"config": {"aws:region": "us-east-1", "azure-native:subscriptionId": SUBSCRIPTION, PLATFORM_KEY: valid()}}
    cfg = read_stack_config(_project(tmp_path, PROJECT, {"prod": yaml.safe_dump(stack)}), "prod")
    assert cfg == {
        "aws:region": "us-east-1",  # stack value beats the project default
        "gcp:project": "default-project",  # project default fills the gap
        "multicloud-platform:owner": "team-a",  # bare project keys get the project namespace
        "azure-native:subscriptionId": SUBSCRIPTION,
        PLATFORM_KEY: valid(),
    }  # "notes" has no default and is absent
    settings = load_settings("prod", cfg)
    assert (settings.clouds.gcp.project, settings.clouds.azure.subscription_id) == ("default-project", SUBSCRIPTION)


def test_read_stack_config_of_an_empty_stack_file(tmp_path: Path) -> None:
    cfg = read_stack_config(_project(tmp_path, {"name": "p", "runtime": "python"}, {"dev": ""}), "dev")
    assert cfg == {}


@pytest.mark.parametrize(("stacks", "line_start"), [
    pytest.param({}, "Pulumi.prod.yaml: no such file in ",
                 id="missing-stack-file"),
    pytest.param({"prod": "config:\n  aws:region: [us-east-1\n"}, "Pulumi.prod.yaml: not valid YAML: ",
                 id="invalid-yaml"),
    pytest.param({"prod": "config:\n  a: 1\n b: 2\n"}, "Pulumi.prod.yaml: not valid YAML: ", id="bad-indent"),
])
def test_read_stack_config_errors_are_one_line(tmp_path: Path, stacks: dict[str, str], line_start: str) -> None:
    with pytest.raises(SettingsError) as err:
        read_stack_config(_project(tmp_path, PROJECT, stacks), "prod")
    assert len(err.value.problems) == 1
    assert err.value.problems[0].startswith(line_start)
    assert "\n" not in err.value.problems[0]


# --- durations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "seconds"), [
    ("30s", 30), ("15m", 900), ("2h", 7200), ("1d", 86400), (" 5m ", 300), ("90s", 90),
], ids=str)
def test_parse_duration(text: Any, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", [
    "15", "15 m", "1.5h", "-5m", "5M", "1w", "", "m", "h1", "15mm", None, [], {"m": 1}, True, False, "9" * 20 + "s",
], ids=repr)
def test_parse_duration_rejects(text: Any) -> None:
    with pytest.raises(ValueError, match="is not a duration; allowed: a number with s, m, h or d"):
        parse_duration(text)


@pytest.mark.parametrize("value", ["0s", "0m"], ids=repr)
def test_parse_duration_rejects_non_positive(value: Any) -> None:
    with pytest.raises(ValueError, match="is not a positive duration; allowed: 1s or more"):
        parse_duration(value)


@pytest.mark.parametrize("number", [45, 0, -1, 1.5])
def test_a_duration_needs_its_unit(number: float) -> None:
    """30 could mean seconds or days: a bare number is refused, with the spelling that says it."""
    says = rf"^{number} has no unit; allowed: a number with s, m, h or d, e\.g\. {number}s"
    with pytest.raises(ValueError, match=says):
        parse_duration(number)


@pytest.mark.parametrize(("seconds", "text"), [
    (30, "30s"), (900, "15m"), (7200, "2h"), (86400, "1d"), (172800, "2d"), (90, "90s"), (5400, "90m"), (3660, "61m"),
    (1, "1s"),
], ids=str)
def test_format_duration(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text
    assert parse_duration(format_duration(seconds)) == seconds


# --- regressions: inputs that once slipped through ------------------------------------------------


@pytest.mark.parametrize("cidr", ["127.0.0.0/16", "169.254.0.0/16", "0.0.0.0/16", "198.18.0.0/16", "240.0.0.0/16"])
def test_region_cidr_outside_rfc1918_is_rejected(cidr: str) -> None:
    assert at(problems("prod", config(valid(_aws_cidr(cidr)))), "clouds.aws.regions[0].cidr")


@pytest.mark.parametrize("value", [-1, 0, "0s"], ids=repr)
def test_token_lifetime_must_be_positive(value: Any) -> None:
    assert at(problems("prod", config(valid(identity={"token_lifetime": value}))), "identity.token_lifetime")


@pytest.mark.parametrize("text", ["- a\n- b\n", "config:\n  - aws:region\n", "just a string\n"])
def test_read_stack_config_non_mapping_stack_file_is_one_line(tmp_path: Path, text: str) -> None:
    with pytest.raises(SettingsError) as err:
        read_stack_config(_project(tmp_path, PROJECT, {"prod": text}), "prod")
    assert len(err.value.problems) == 1 and err.value.problems[0].startswith("Pulumi.prod.yaml: ")


def test_read_stack_config_invalid_project_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("config: [\n")
    (tmp_path / "Pulumi.prod.yaml").write_text("config: {}\n")
    with pytest.raises(SettingsError) as err:
        read_stack_config(tmp_path, "prod")
    assert len(err.value.problems) == 1 and err.value.problems[0].startswith("Pulumi.yaml: ")


def test_read_stack_config_takes_project_level_values(tmp_path: Path) -> None:
    project = {"name": "p", "runtime": "python",
               "config": {"aws:region": "us-east-1", "platform": {"value": {"name": "acme"}}}}
    cfg = read_stack_config(_project(tmp_path, project, {"prod": "config: {}\n"}), "prod")
    assert cfg == {"aws:region": "us-east-1", PLATFORM_KEY: {"name": "acme"}}


@pytest.mark.parametrize("pool_name", ["General Pool!", "", "x" * 100], ids=["spaces", "empty", "100-chars"])
def test_node_pool_names_are_validated(pool_name: str) -> None:
    assert at(problems("prod", config(valid(pools("aws", **{pool_name: pool()})))), "kubernetes.pools.aws")


def test_proximity_steering_is_refused_and_geo_accepted():
    """crosscloud R5: proximity steering needs per-pool coordinates the pools do not carry."""
    import pydantic

    from components.settings.models import EdgeSettings

    assert EdgeSettings(steering="geo").steering == "geo"
    with pytest.raises(pydantic.ValidationError):
        EdgeSettings(steering="proximity")


def test_a_region_the_edge_cannot_place_is_refused_at_its_key_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """crosscloud G3: each region is a Cloudflare pool steered by its Cloudflare region; a catalog region the pure
    map (lib/edge_geo.py) does not place fails here, naming the region's key, not when the pool is built."""
    from components.lib import edge_geo

    aws = {k: v for k, v in edge_geo.CLOUDFLARE_REGION["aws"].items() if k != "us-west-2"}
    monkeypatch.setitem(edge_geo.CLOUDFLARE_REGION, "aws", aws)
    lines = problems("prod", config(valid()))
    assert at(lines, "clouds.aws.regions[1].name") == [
        f"Pulumi.prod.yaml: {PLATFORM_KEY}.clouds.aws.regions[1].name: us-west-2 has no Cloudflare load-balancing "
        "region, so the edge cannot steer to or probe its pool; allowed: a region components/lib/edge_geo.py "
        "CLOUDFLARE_REGION places (or add it there)"
    ]
    assert load_settings("prod", config(valid({"edge": {"enabled": False}}))).edge.enabled is False


def test_no_configured_bucket_may_take_the_access_log_buckets_name() -> None:
    """Each AWS region's server-access-log bucket is named like a configured bucket called `access-logs`: the bucket
    name pattern (no hyphen) keeps every configured bucket off that physical name."""
    lines = problems("prod", config(valid(buckets=["data", "backups", catalog.ACCESS_LOG_BUCKET])))
    assert any("buckets[2].name" in line and "is not of the form" in line for line in lines), lines
