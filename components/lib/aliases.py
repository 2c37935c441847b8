"""Drop the Azure Native SDK's API-version aliases, which cost a program seconds and protect nothing here.

Every generated `azure-native` resource class aliases its type to the same type in each versioned module
(`azure-native:network/v20230201:VirtualNetwork`, ... 60 of them for a VNet, 113 for an AKS cluster), so that a
stack built from an explicitly versioned module can switch to the default module without a replacement. The
Python SDK turns each alias into URN Outputs on every run (`preview`, `up` and the offline plan alike): about
25 ms per Azure resource, some 5 s for a prod stack's ~200. This platform builds on the default modules only,
so its state never holds a versioned type and these aliases can never match. Aliases of a renamed type
(`azure-native:insights:DiagnosticSetting` for `monitor.DiagnosticSetting`) and every alias a program sets
itself are kept. A stack whose resources were once created from versioned modules must not use this.
"""

from __future__ import annotations

import copy
import re

import pulumi

VERSIONED_AZURE_TYPE = re.compile(r"^azure-native:[^:/]+/v\d{8}[a-z]*:[^:]+$")
"""A type token of an API-versioned Azure Native module (`v20230201`, `v20240101preview`...)."""


def is_versioned_azure_alias(alias: object) -> bool:
    """An alias that only renames the type to an API-versioned Azure Native type, as the SDK generates them."""
    return (
        isinstance(alias, pulumi.Alias)
        and isinstance(alias.type_, str)
        and bool(VERSIONED_AZURE_TYPE.match(alias.type_))
        and all(value is ... for value in (alias.name, alias.parent, alias.stack, alias.project))
    )


def drop_versioned_azure_aliases(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
    """Stack transformation: the resource's options without its API-versioned Azure Native aliases."""
    aliases = args.opts.aliases
    if not aliases or not args.type_.startswith("azure-native:"):
        return None
    kept = [alias for alias in aliases if not is_versioned_azure_alias(alias)]
    if len(kept) == len(aliases):
        return None
    opts = copy.copy(args.opts)
    opts.aliases = kept
    return pulumi.ResourceTransformationResult(args.props, opts)
