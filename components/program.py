"""The Pulumi program: load the stack's settings, fail cleanly on bad config, build the platform."""

from __future__ import annotations

from typing import Any

import pulumi

from .lib.aliases import drop_versioned_azure_aliases
from .lib.retention import retain_protected
from .platform import Platform
from .settings import PLATFORM_KEY, PROVIDER_KEYS, SettingsError, load_settings


def engine_config() -> dict[str, Any]:
    """The config keys the settings read, as the engine gives them to the program."""
    config: dict[str, Any] = {}
    project, key = PLATFORM_KEY.split(":")
    platform = pulumi.Config(project).get_object(key)
    if platform is not None:
        config[PLATFORM_KEY] = platform
    for full_key in PROVIDER_KEYS:
        namespace, name = full_key.split(":")
        value = pulumi.Config(namespace).get(name)
        if value is not None:
            config[full_key] = value
    return config


def run() -> Platform:
    """Build the stack's platform; a bad config logs one error per problem and stops without a traceback."""
    stack = pulumi.get_stack()
    try:
        settings = load_settings(stack, engine_config())
    except SettingsError as err:
        for line in err.problems:
            pulumi.log.error(line)
        raise pulumi.RunError(
            f"stack {stack}: {len(err.problems)} configuration problem(s); nothing was changed"
        ) from None
    pulumi.runtime.register_stack_transformation(drop_versioned_azure_aliases)  # seconds per run: see lib/aliases
    pulumi.runtime.register_stack_transformation(retain_protected)  # prod data survives a plain destroy
    platform = Platform(f"{settings.name}-{settings.environment}", settings)
    for cloud, regions in platform.regions.items():
        pulumi.export(f"{cloud}_clusters", {name: r.cluster_name for name, r in regions.items()})
        pulumi.export(f"{cloud}_cluster_endpoints", {name: r.cluster_endpoint for name, r in regions.items()})
        pulumi.export(f"{cloud}_oidc_issuers", {name: r.oidc_issuer_url for name, r in regions.items()})
        pulumi.export(f"{cloud}_postgres", {name: r.postgres_host for name, r in regions.items()})
        pulumi.export(f"{cloud}_buckets", {name: r.bucket_names for name, r in regions.items()})
        pulumi.export(f"{cloud}_kubeconfigs", {name: r.kubeconfig for name, r in regions.items()})
        pulumi.export(f"{cloud}_ingress", {name: r.ingress_binding for name, r in regions.items()})
    for key, value in platform.exports.items():
        pulumi.export(key, value)
    return platform
