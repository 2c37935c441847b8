"""components/lib/aliases.py: the program drops the Azure Native SDK's API-version aliases and keeps every other
alias (type renames, the other SDKs', a program's own)."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native
import pytest

from components.lib.aliases import VERSIONED_AZURE_TYPE, drop_versioned_azure_aliases, is_versioned_azure_alias
from scripts.offline import record

VNET = azure_native.network.VirtualNetwork


def _vnet_program(transform: bool, aliases: list[pulumi.Alias] | None = None):
    def program() -> None:
        if transform:
            pulumi.runtime.register_stack_transformation(drop_versioned_azure_aliases)
        VNET("vnet", resource_group_name="rg", opts=pulumi.ResourceOptions(aliases=aliases))

    return program


def _alias_types(transform: bool, aliases: list[pulumi.Alias] | None = None) -> list[str]:
    recording = record("dev", {}, _vnet_program(transform, aliases), "aliases")
    return next(r for r in recording.resources if r.type == VNET.pulumi_type).alias_types


@pytest.mark.parametrize(
    ("alias", "versioned"),
    [
        (pulumi.Alias(type_="azure-native:network/v20230201:VirtualNetwork"), True),
        (pulumi.Alias(type_="azure-native:dbforpostgresql/v20240801preview:Server"), True),
        (pulumi.Alias(type_="azure-native:insights:DiagnosticSetting"), False),  # a renamed module: kept
        (pulumi.Alias(type_="azure-native:network/v20230201:VirtualNetwork", name="old"), False),  # a program's own
        (pulumi.Alias(name="old-name"), False),
        (pulumi.Alias(type_="aws:s3/bucketV2:BucketV2"), False),
        ("urn:pulumi:dev::p::azure-native:network/v20230201:VirtualNetwork::vnet", False),
    ],
)
def test_only_generated_api_version_aliases_count_as_versioned(alias, versioned):
    assert is_versioned_azure_alias(alias) is versioned


def test_the_sdk_generates_dozens_of_versioned_aliases_per_type():
    generated = _alias_types(transform=False)
    assert len(generated) > 20
    assert all(VERSIONED_AZURE_TYPE.match(t) for t in generated)


def test_the_transformation_drops_them_and_keeps_a_programs_own():
    own = pulumi.Alias(type_="azure-native:network/v20230201:VirtualNetwork", name="vnet-before-rename")
    assert _alias_types(transform=True) == []
    assert _alias_types(transform=True, aliases=[own]) == ["azure-native:network/v20230201:VirtualNetwork"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_azure_resource_of_a_stack_carries_a_versioned_alias(recorded, stack):
    azure = [r for r in recorded(stack).resources if r.type.startswith("azure-native:")]
    assert len(azure) > 50
    assert not [(r.name, t) for r in azure for t in r.alias_types if VERSIONED_AZURE_TYPE.match(t)]
    diagnostics = [r for r in azure if r.type == azure_native.monitor.DiagnosticSetting.pulumi_type]
    assert diagnostics and all(r.alias_types == ["azure-native:insights:DiagnosticSetting"] for r in diagnostics)
