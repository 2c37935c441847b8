"""Recordings of the stacks with Azure enabled, and small queries over them.

The generic tree queries (children, descendants, dependencies, secret and wire-name scans) come from
`tests.aws.helpers`; everything Azure-specific lives here. Expectations are read from the same settings
the program loads, so a test follows the stack file instead of restating it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pulumi_azure_native as azure_native

from components.settings import PLATFORM_KEY, load_settings
from components.settings.models import PlatformSettings
from scripts.offline import Recording, Registration
from tests.aws.helpers import children_of, descendants, one, one_of, token
from tests.conftest import recorded_stack, stack_config
from tests.sdk_checks import args_class  # noqa: F401 - re-exported to the tests

STACKS = ("dev", "prod")
ADMIN_GROUP = "0b5e2f6a-1111-4222-8333-444455556666"
"""The Entra ID admin group Pulumi.prod.yaml names."""

# Component tokens (components have no `pulumi_type`).
PLATFORM = "multicloud:index:Platform"
REGION = "multicloud:azure:Region"
NETWORK = "multicloud:azure:Network"
KEY_VAULT = "multicloud:azure:KeyVault"
AKS = "multicloud:azure:AksCluster"
POSTGRES = "multicloud:azure:Postgres"
STORAGE = "multicloud:azure:Storage"
VPN_GATEWAY = "multicloud:azure:VpnGateway"
PROVIDER = "pulumi:providers:azure-native"

REGION_CODES = {"eastus": "eus", "westus2": "wus2"}
PAIRED = {"eastus": "westus", "westus2": "westcentralus"}


STATEFUL = (
    azure_native.containerservice.ManagedCluster,
    azure_native.dbforpostgresql.Server,
    azure_native.storage.StorageAccount,
    azure_native.storage.BlobContainer,
    azure_native.keyvault.Vault,
)
"""Resources whose loss loses data: protected (and locked where Azure has locks) in prod, never in dev. Key Vault
keys are retained on delete instead, in every stack (a protected key could not be replaced; azure R7)."""


@cache
def recording(stack: str) -> Recording:
    """The stack file's recording (prod configures admin groups and a GPU pool), shared with every other test."""
    return recorded_stack(stack)


@cache
def settings(stack: str) -> PlatformSettings:
    """The settings the recorded program ran with."""
    return load_settings(stack, stack_config(stack))


def config_regions(stack: str) -> list[str]:
    """Configured Azure regions, primary first."""
    return [r.name for r in settings(stack).clouds.azure.regions]


ALL_REGIONS = [(stack, region) for stack in STACKS for region in config_regions(stack)]


def regions(rec: Recording) -> dict[str, Registration]:
    """Azure region components by region name."""
    components = rec.of_type(REGION)
    return {
        region: one(c for c in components if c.name.endswith(f"-azure-{code}"))
        for region, code in REGION_CODES.items()
        if any(c.name.endswith(f"-azure-{code}") for c in components)
    }


SUFFIXES = {NETWORK: "-network", KEY_VAULT: "-vault", AKS: "-aks", POSTGRES: "-postgres", STORAGE: "-storage"}
"""Logical-name suffix of each component under its region component (the geo vault is `-geo-vault`)."""


def component(rec: Recording, region: str, component_type: str, suffix: str | None = None) -> Registration:
    """The region's component of one type, by its exact logical name (`<region component><suffix>`)."""
    parent = regions(rec)[region]
    name = parent.name + (SUFFIXES[component_type] if suffix is None else suffix)
    return one(c for c in children_of(rec, parent) if c.type == component_type and c.name == name)


def resource(
    rec: Recording, region: str, component_type: str, resource_type: type | str, suffix: str | None = None
) -> Registration:
    """The single resource of one type inside the region's component of `component_type`."""
    return one_of(rec, resource_type, component(rec, region, component_type, suffix))


def provider(rec: Recording, region: str) -> Registration:
    """The explicit azure-native provider of a region."""
    return one(r for r in rec.of_type(PROVIDER) if r.name == regions(rec)[region].name)


def azure_resources(rec: Recording, region: str) -> list[Registration]:
    """Every azure-native resource below the region's component."""
    return [r for r in descendants(rec, regions(rec)[region]) if r.custom and r.type.startswith("azure-native:")]


def by_id(rec: Recording) -> dict[str, Registration]:
    """Registrations by the ARM id the mocks gave them (follow references such as `subnetId`)."""
    return {str(r.outputs.get("id")): r for r in rec.resources if r.custom and r.outputs.get("id")}


def ref(rec: Recording, arm_id: Any) -> Registration:
    """The resource an ARM id input refers to."""
    found = by_id(rec).get(str(arm_id))
    assert found is not None, f"{arm_id!r} is no recorded resource's id"
    return found


def role_assignments_on(rec: Recording, scope: Registration) -> list[Registration]:
    """Role assignments whose scope is `scope`'s id."""
    scope_id = scope.outputs["id"]
    return [r for r in rec.of_type(token(azure_native.authorization.RoleAssignment)) if r.inputs["scope"] == scope_id]


def role_guid(assignment: Registration) -> str:
    """The built-in role of an assignment (the GUID at the end of its role definition id)."""
    role_definition: str = assignment.inputs["roleDefinitionId"]
    return role_definition.rsplit("/", 1)[-1]


def platform_key(stack: str) -> dict[str, Any]:
    """The raw platform object the recording used."""
    platform: dict[str, Any] = stack_config(stack)[PLATFORM_KEY]
    return platform


def key_base(key: Registration) -> str:
    """The configured name of a Key Vault key (its ARM name without the properties' fingerprint)."""
    name = str(key.inputs["keyName"])
    base, _, digest = name.rpartition("-")
    assert len(digest) == 8 and all(c in "0123456789abcdef" for c in digest), name
    return base
