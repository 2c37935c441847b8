"""Queries over recordings of the stack files with GCP enabled, and the spec's per-stack expectations.

Generic tree queries (parents, dependencies, wire names) come from the AWS helpers; everything
GCP-specific is here. Expected values are written down from the spec, or read from the stack files
where configuration decides them, never from the components under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from ipaddress import IPv4Network
from typing import Any

import pulumi_gcp as gcp
import pulumi_random as random

from components.settings import read_stack_config
from scripts.offline import Recording, Registration
from tests.aws.helpers import descendants, one, platform_config
from tests.conftest import ROOT, recorded_stack
from tests.sdk_checks import args_class  # noqa: F401 - re-exported to the tests

STACKS = ("dev", "prod")

# Component tokens (components have no `pulumi_type`).
PLATFORM = "multicloud:index:Platform"
REGION = "multicloud:gcp:Region"
KMS = "multicloud:gcp:Kms"
NETWORK = "multicloud:gcp:Network"
GKE = "multicloud:gcp:GkeCluster"
CLOUDSQL = "multicloud:gcp:CloudSql"
BUCKET = "multicloud:gcp:Bucket"
VPN_GATEWAY = "multicloud:gcp:VpnGateway"
GLOBAL_NETWORK = "multicloud:gcp:GlobalNetwork"
GCP_PROVIDER = "pulumi:providers:gcp"

REGION_CODES = {"us-central1": "usc1", "us-east1": "use1"}
"""Short codes in the component and physical names."""
KEY_PURPOSES = ("gke", "sql", "gcs", "secrets")
PROJECT_NUMBER = "483920175316"
"""The mock runtime's project number (service agents derive from it)."""

STATEFUL = (
    gcp.container.Cluster,
    gcp.sql.DatabaseInstance,
    gcp.sql.Database,
    gcp.storage.Bucket,
    gcp.kms.KeyRing,
    gcp.kms.CryptoKey,
    gcp.secretmanager.Secret,
)
"""Resources whose loss loses data (or cannot be recreated under the same name): protected in prod only."""


@dataclass(frozen=True)
class Expect:
    """What the spec fixes per stack."""

    protect: bool
    private_endpoint: bool
    availability_type: str
    backup_retention_days: int


EXPECT = {
    "dev": Expect(protect=False, private_endpoint=False, availability_type="ZONAL", backup_retention_days=3),
    "prod": Expect(protect=True, private_endpoint=True, availability_type="REGIONAL", backup_retention_days=7),
}


def configured_pools(stack: str) -> dict[str, tuple[str, int, int, int, bool]]:
    """The stack file's GKE pools: name -> (machine type, min, desired, max, spot)."""
    pools = platform_config(stack)["kubernetes"]["pools"]["gcp"]
    return {
        name: (p["instance_types"][0], p["min_size"], p["desired_size"], p["max_size"], p.get("capacity") == "spot")
        for name, p in pools.items()
    }


@cache
def recording(stack: str) -> Recording:
    """The stack file's recording (GCP is enabled there), shared with every other test."""
    return recorded_stack(stack)


# --- stack config ---------------------------------------------------------------------------------


def config_regions(stack: str) -> dict[str, IPv4Network]:
    """Configured GCP regions and their CIDRs."""
    return {r["name"]: IPv4Network(r["cidr"]) for r in platform_config(stack)["clouds"]["gcp"]["regions"]}


def config_buckets(stack: str) -> dict[str, dict[str, Any]]:
    """Configured buckets by logical name."""
    buckets = [{"name": b} if isinstance(b, str) else b for b in platform_config(stack)["buckets"]]
    return {b["name"]: b for b in buckets}


def project_of(stack: str) -> str:
    """The stack file's GCP project (`gcp:project`)."""
    project: str = read_stack_config(ROOT, stack)["gcp:project"]
    return project


def region_params(stack: str) -> list[tuple[str, str]]:
    """`(stack, region)` pairs for parametrising per-region tests."""
    return [(stack, region) for region in config_regions(stack)]


ALL_REGIONS = [pair for stack in STACKS for pair in region_params(stack)]


# --- the component tree ---------------------------------------------------------------------------


def regions(rec: Recording) -> dict[str, Registration]:
    """GcpRegion components by region name."""
    components = rec.of_type(REGION)
    return {
        region: one(c for c in components if c.name.endswith(f"-gcp-{code}"))
        for region, code in REGION_CODES.items()
        if any(c.name.endswith(f"-gcp-{code}") for c in components)
    }


def component(rec: Recording, region: str, component_type: str) -> Registration:
    """The single component of one type inside a region (for KMS: the region's own ring, not the DR sink's)."""
    return one(
        r for r in descendants(rec, regions(rec)[region])
        if r.type == component_type and not r.name.endswith(BACKUPS_KMS)
    )


BACKUPS_KMS = "-backups-kms"
"""Name ending of the DR sink's key ring component (the primary region's, when the sink is a dual-region)."""
DUAL_REGION_SINKS = {"prod": ("us-central1", "US", ["US-CENTRAL1", "US-EAST4"], "us")}
"""The DR sink bucket of each stack that makes it a dual-region: home region, location, data locations, KMS location."""


def resource_class(resource_type: str) -> type:
    """The pinned SDK class of a `gcp:` or `random:` type token."""
    package, path, name = resource_type.split(":")
    module_name = path.split("/")[0]
    root: Any = gcp if package == "gcp" else random
    owner = root if module_name == "index" else getattr(root, module_name)
    cls: type = getattr(owner, name)
    assert cls.pulumi_type == resource_type  # type: ignore[attr-defined]
    return cls


def global_network(rec: Recording) -> Registration:
    """The platform's one GCP VPC component (GcpGlobalNetwork)."""
    return one(rec.of_type(GLOBAL_NETWORK))


def vpc(rec: Recording) -> Registration:
    """The platform's one GCP VPC."""
    return one(r for r in descendants(rec, global_network(rec)) if r.type == gcp.compute.Network.pulumi_type)


def psa_range(rec: Recording, region: str) -> Registration:
    """The private-services range reserved for one region in the VPC."""
    return one(
        r
        for r in descendants(rec, global_network(rec))
        if r.type == gcp.compute.GlobalAddress.pulumi_type and r.name.endswith(f"-psa-{region}")
    )


def psa_connection(rec: Recording) -> Registration:
    """The VPC's one private-services connection."""
    return one(
        r for r in descendants(rec, global_network(rec)) if r.type == gcp.servicenetworking.Connection.pulumi_type
    )
