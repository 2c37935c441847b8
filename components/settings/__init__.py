"""Typed stack configuration: models, cross-field rules, loader and JSON schema."""

from .loader import (
    PLATFORM_KEY,
    PROJECT,
    PROVIDER_KEYS,
    SettingsError,
    environment_of,
    load_settings,
    read_stack_config,
)
from .models import CLOUDS, Cloud, NodePool, PlatformSettings

__all__ = [
    "CLOUDS",
    "PLATFORM_KEY",
    "PROJECT",
    "PROVIDER_KEYS",
    "Cloud",
    "NodePool",
    "PlatformSettings",
    "SettingsError",
    "environment_of",
    "load_settings",
    "read_stack_config",
]
