"""Load a stack's settings from Pulumi config and turn every problem into one readable line.

The same function serves `pulumi up` (config from the engine) and the offline plan (config read
from `Pulumi.yaml` + `Pulumi.<stack>.yaml`), so both fail alike: one line per problem, naming the
stack file, the key path, what is wrong and what is allowed.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from . import rules
from .models import PlatformSettings, deep_merge

PROJECT = "multicloud-platform"
PLATFORM_KEY = f"{PROJECT}:platform"
# Provider keys the settings read (besides the platform object itself).
PROVIDER_KEYS = ("aws:region", "azure-native:subscriptionId", "gcp:project")


class SettingsError(Exception):
    """A stack configuration that cannot be deployed; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def load_settings(stack: str, config: Mapping[str, Any], source: str | None = None) -> PlatformSettings:
    """Validate a stack's flat config (`{"ns:key": value}`) into settings, or raise SettingsError."""
    source = source or f"Pulumi.{stack}.yaml"
    raw = config.get(PLATFORM_KEY)
    if not isinstance(raw, dict):
        got = "missing" if raw is None else f"a {type(raw).__name__}"
        raise SettingsError([f"{source}: {PLATFORM_KEY}: {got}; allowed: a mapping (see schema/stack.schema.json)"])
    raw = deep_merge(_from_provider_keys(stack, config), raw)
    try:
        settings = PlatformSettings.model_validate(raw)
    except ValidationError as err:
        raise SettingsError(
            [f"{source}: {PLATFORM_KEY}.{_path(e['loc'])}: {_message(e)}" for e in err.errors()]
        ) from None
    problems = [f"{source}: {PLATFORM_KEY}.{p.path}: {p.message}" for p in rules.check(settings)]
    problems += [f"{source}: {line}" for line in _provider_key_problems(settings, config)]
    if problems:
        raise SettingsError(problems)
    return settings


def read_stack_config(project_dir: Path, stack: str) -> dict[str, Any]:
    """The flat config `pulumi` would give the program: Pulumi.yaml values and defaults under
    Pulumi.<stack>.yaml. A missing or malformed file is a SettingsError with one line."""
    config: dict[str, Any] = {}
    for key, spec in _config_section(project_dir / "Pulumi.yaml").items():
        full_key = key if ":" in key else f"{PROJECT}:{key}"
        if not isinstance(spec, dict):
            config[full_key] = spec  # `aws:region: us-east-1` in the project file
        elif "value" in spec or "default" in spec:
            config[full_key] = spec.get("value", spec.get("default"))
    config.update(_config_section(project_dir / f"Pulumi.{stack}.yaml"))
    return config


def _config_section(path: Path) -> dict[str, Any]:
    """The `config:` mapping of a Pulumi project or stack file."""
    if not path.exists():
        raise SettingsError([f"{path.name}: no such file; create it or pick an existing stack"])
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise SettingsError([f"{path.name}: not valid YAML: {str(err).splitlines()[0]}"]) from None
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not isinstance(config, dict | None):
        raise SettingsError([f"{path.name}: config: not a mapping; allowed: `config:` with one key per setting"])
    return config or {}


def _from_provider_keys(stack: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """Settings that default from the stack name and the providers' own config keys."""
    base: dict[str, Any] = {"environment": stack} if stack in ("dev", "prod") else {}
    clouds: dict[str, Any] = {}
    if config.get("azure-native:subscriptionId"):
        clouds["azure"] = {"subscription_id": config["azure-native:subscriptionId"]}
    if config.get("gcp:project"):
        clouds["gcp"] = {"project": config["gcp:project"]}
    if clouds:
        base["clouds"] = clouds
    return base


def _provider_key_problems(settings: PlatformSettings, config: Mapping[str, Any]) -> list[str]:
    aws = settings.clouds.aws
    region = config.get("aws:region")
    if aws.enabled and region and region != aws.regions[0].name:
        return [
            f"aws:region: {region} is not the primary AWS region; "
            f"allowed: {aws.regions[0].name} (clouds.aws.regions[0])"
        ]
    return []


def _path(loc: tuple[int | str, ...]) -> str:
    """`("clouds", "aws", "regions", 1, "cidr")` -> `clouds.aws.regions[1].cidr`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part!s}".replace("\n", "\\n")
    return text.lstrip(".")


def _message(error: Any) -> str:
    kind, msg = error["type"], error["msg"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(error["loc"][:-1])
        return f"unknown key; allowed: {', '.join(allowed)}" if allowed else "unknown key"
    if kind == "missing":
        return "required key is missing"
    msg = msg.removeprefix("Value error, ")
    value = error.get("input")
    if kind not in ("value_error", "assertion_error") and isinstance(value, str | int | float | bool):
        msg += f" (got {value!r})"
    return msg


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    """Field names of the model found at `loc`, to suggest what a mistyped key should be."""
    annotation: Any = PlatformSettings
    for part in loc:
        model = _model_in(annotation)
        if model is not None and isinstance(part, str) and part in model.model_fields:
            annotation = model.model_fields[part].annotation
        else:
            annotation = _item_type(annotation)
    model = _model_in(annotation)
    return sorted(model.model_fields) if model else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in (
        typing.get_args(annotation)
        if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union
        else ()
    ):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _item_type(annotation: Any) -> Any:
    """The element type of a list or the value type of a dict."""
    args = typing.get_args(annotation)
    return args[-1] if args else None
