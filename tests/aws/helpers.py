"""Small, readable queries over a `Recording` and the spec's per-stack expectations.

Resources are found by type (`aws.eks.Cluster.pulumi_type`) and by the component tree (parent URNs);
references between resources are followed through the dependencies the engine is told about, so the
tests do not depend on how the mock runtime spells ids.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any, TypeVar

import pulumi_aws as aws
from pulumi.runtime import rpc

from components.settings import PLATFORM_KEY, read_stack_config
from scripts.offline import Recording, Registration

ROOT = Path(__file__).resolve().parents[2]
STACKS = ("dev", "prod")
T = TypeVar("T")

# Component tokens (components have no `pulumi_type` attribute).
PLATFORM = "multicloud:index:Platform"
REGION = "multicloud:aws:Region"
KMS_KEY = "multicloud:aws:KmsKey"
NETWORK = "multicloud:aws:Network"
EKS = "multicloud:aws:EksCluster"
POSTGRES = "multicloud:aws:Postgres"
BUCKET = "multicloud:aws:Bucket"
VPN_GATEWAY = "multicloud:aws:VpnGateway"
VPN_MESH = "multicloud:connectivity:VpnMesh"
CROSS_CLOUD = (
    "multicloud:connectivity:",
    "multicloud:identity:",
    "multicloud:edge:",
    "multicloud:workloads:",
    "multicloud:dr:",
    "multicloud:aws:Budgets",
    "multicloud:aws:AlertTopic",
    "multicloud:aws:ApiIdentity",  # per cluster, over the connection secrets (aws 23)
    "multicloud:azure:Budget",
    "multicloud:gcp:Budget",
    "multicloud:gcp:MeshAlerts",
    "multicloud:gcp:DnsPeering",
)
"""Token prefixes of the components above the regions (cross-cloud, per-cluster workloads, account-wide budgets)."""
AWS_PROVIDER = "pulumi:providers:aws"

KEY_PURPOSES = ("eks", "rds", "s3", "logs")
REGION_CODES = {"us-east-1": "use1", "us-west-2": "usw2"}
"""Short codes in the component and physical names (the naming scheme of the spec)."""

STATEFUL = (aws.eks.Cluster, aws.rds.Instance, aws.s3.Bucket, aws.kms.Key)
"""Resources whose loss loses data: protected in prod, never in dev."""


@dataclass(frozen=True)
class Expect:
    """What the spec fixes per stack (config-driven values are read from the stack file instead)."""

    region_count: int
    nats_per_region: int
    log_retention_days: int
    public_endpoint: bool
    protect: bool
    multi_az: bool
    backup_retention_days: int
    platform_cidrs: tuple[str, ...]


_DEV_CIDRS = ("10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16")
_PROD_CIDRS = ("10.10.0.0/16", "10.11.0.0/16", "10.20.0.0/16", "10.21.0.0/16", "10.30.0.0/16", "10.31.0.0/16")
EXPECT = {
    "dev": Expect(region_count=1, nats_per_region=1, log_retention_days=30, public_endpoint=True, protect=False,
                  multi_az=False, backup_retention_days=3, platform_cidrs=_DEV_CIDRS),
    "prod": Expect(region_count=2, nats_per_region=3, log_retention_days=365, public_endpoint=False, protect=True,
                   multi_az=True, backup_retention_days=7, platform_cidrs=_PROD_CIDRS),
}


# --- stack config ---------------------------------------------------------------------------------


def platform_config(stack: str) -> dict[str, Any]:
    """The raw `multicloud-platform:platform` object of `Pulumi.<stack>.yaml`."""
    return read_stack_config(ROOT, stack)[PLATFORM_KEY]


def config_regions(stack: str) -> dict[str, IPv4Network]:
    """Configured AWS regions and their CIDRs."""
    return {r["name"]: IPv4Network(r["cidr"]) for r in platform_config(stack)["clouds"]["aws"]["regions"]}


def config_buckets(stack: str) -> dict[str, dict[str, Any]]:
    """Configured buckets by logical name (the `- data` shorthand becomes `{name: data}`)."""
    raw = platform_config(stack)["buckets"]
    buckets = [{"name": b} if isinstance(b, str) else b for b in raw]
    return {b["name"]: b for b in buckets}


# --- the component tree ---------------------------------------------------------------------------


def token(resource_type: type | str) -> str:
    """Type token of a resource class (`aws.eks.Cluster`) or a token string."""
    return resource_type if isinstance(resource_type, str) else resource_type.pulumi_type  # type: ignore[attr-defined]


def one(items: Iterable[T]) -> T:
    """The single item of `items` (fails with what was found otherwise)."""
    found = list(items)
    assert len(found) == 1, f"expected exactly one, found {[getattr(r, 'name', r) for r in found]}"
    return found[0]


def children_of(rec: Recording, component: Registration) -> list[Registration]:
    """Direct children of `component`."""
    return [r for r in rec.resources if r.parent == component.urn]


def in_cross_cloud_components(rec: Recording) -> set[str]:
    """URNs of everything below a cross-cloud component (VPN mesh, identity, edge)."""
    return {r.urn for c in rec.resources if c.type.startswith(CROSS_CLOUD) for r in descendants(rec, c)}


def descendants(rec: Recording, component: Registration) -> list[Registration]:
    """Everything below `component`, at any depth."""
    found: list[Registration] = []
    frontier = [component.urn]
    while frontier:
        level = [r for r in rec.resources if r.parent in frontier]
        found += level
        frontier = [r.urn for r in level]
    return found


def of_type(rec: Recording, resource_type: type | str, under: Registration | None = None) -> list[Registration]:
    """Registrations of one type, in the whole recording or below one component."""
    pool = rec.resources if under is None else descendants(rec, under)
    return [r for r in pool if r.type == token(resource_type)]


def one_of(rec: Recording, resource_type: type | str, under: Registration | None = None) -> Registration:
    """The single registration of one type (below `under`)."""
    return one(of_type(rec, resource_type, under))


def named(rec: Recording, resource_type: type | str, suffix: str, under: Registration | None = None) -> Registration:
    """The registration of one type whose logical name ends with `suffix`."""
    return one(r for r in of_type(rec, resource_type, under) if r.name.endswith(suffix))


def regions(rec: Recording) -> dict[str, Registration]:
    """Region components by AWS region name."""
    components = rec.of_type(REGION)
    return {region: one(c for c in components if c.name.endswith(f"-aws-{code}"))
            for region, code in REGION_CODES.items() if any(c.name.endswith(f"-aws-{code}") for c in components)}


def region_params(stack: str) -> list[tuple[str, str]]:
    """`(stack, region)` pairs for parametrising per-region tests."""
    return [(stack, region) for region in config_regions(stack)]


ALL_REGIONS = [pair for stack in STACKS for pair in region_params(stack)]


def depends_on(resource: Registration, target: Registration) -> bool:
    """The engine is told `resource` depends on `target`."""
    return target.urn in resource.dependencies


def waits_after(rec: Recording, resource: Registration, target: Registration, seconds: int) -> bool:
    """`resource` depends on a `pulumiverse_time.Sleep` of at least `seconds` that depends on `target`: it starts
    only once `target` has existed that long (a grant's propagation)."""
    from components.lib.waits import seconds_of

    sleeps = deps_of_type(rec, resource, "time:index/sleep:Sleep")
    return any(
        depends_on(sleep, target) and seconds_of(sleep.inputs["createDuration"]) >= seconds for sleep in sleeps
    )


def deps_of_type(rec: Recording, resource: Registration, resource_type: type | str) -> list[Registration]:
    """The dependencies of `resource` that have the given type."""
    by_urn = rec.by_urn()
    return [by_urn[u] for u in resource.dependencies if u in by_urn and by_urn[u].type == token(resource_type)]


# --- keys and policies ----------------------------------------------------------------------------


def kms_component(rec: Recording, region: Registration, purpose: str) -> Registration:
    """The region's AwsKmsKey component of one purpose (eks, rds, s3, logs)."""
    return one(c for c in of_type(rec, KMS_KEY, region) if c.name == f"{region.name}-kms-{purpose}")


def kms_key(rec: Recording, region: Registration, purpose: str) -> Registration:
    """The region's `aws.kms.Key` of one purpose."""
    return one_of(rec, aws.kms.Key, kms_component(rec, region, purpose))


def assert_uses_key(rec: Recording, resource: Registration, value: Any, region: Registration, purpose: str) -> None:
    """`value` (an input of `resource`) is the ARN of the region's `purpose` key, and the engine knows it."""
    component = kms_component(rec, region, purpose)
    key_id = one_of(rec, aws.kms.Alias, component).inputs["targetKeyId"]
    assert isinstance(value, str) and value.startswith("arn:aws:kms:"), f"{resource.name}: {value!r} is not a key ARN"
    assert value.endswith(f":key/{key_id}"), f"{resource.name}: {value} is not the {purpose} key ({key_id})"
    assert depends_on(resource, kms_key(rec, region, purpose)), f"{resource.name} does not depend on the {purpose} key"


def policy(document: str) -> dict[str, Any]:
    """A JSON policy document."""
    parsed: dict[str, Any] = json.loads(document)
    return parsed


# --- secrets and SDK wire names -------------------------------------------------------------------

SECRET_KEY = re.compile(r"password|secret|token|passphrase|private_?key|credential", re.IGNORECASE)
NOT_SECRET_KEYS = frozenset(
    {
        "masterUserSecretKmsKeyId",
        "skipCredentialsValidation",
        "federatedIdentityCredentialResourceName",
        "imagePullCredentialsType",  # CodeBuild: who pulls the build image (CODEBUILD), a mode
        "httpTokens",  # IMDSv2 on a launch template: "required", a mode
    }
)
"""Keys that match SECRET_KEY but hold a reference or a flag, not secret material."""
NOT_SECRET_PARENTS = frozenset({"tokenValidityUnits."})
"""Mappings whose secret-looking keys hold settings (Cognito's token lifetime units), not secret material."""


def plain_secrets(value: Any, path: str = "") -> Iterator[str]:
    """Paths of secret-looking keys holding a plain (not RPC-wrapped) string, at any depth."""
    if rpc.is_rpc_secret(value):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if (SECRET_KEY.search(str(key)) and str(key) not in NOT_SECRET_KEYS and isinstance(item, str)
                    and not rpc.is_rpc_secret(item) and path not in NOT_SECRET_PARENTS):
                yield f"{path}{key}"
            yield from plain_secrets(item, f"{path}{key}.")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from plain_secrets(item, f"{path}[{i}].")
