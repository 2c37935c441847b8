"""Load a stack's settings from Pulumi config and turn every problem into one readable line.

The same function serves `pulumi up` (config from the engine) and the offline plan (config read
from `Pulumi.yaml` + `Pulumi.<stack>.yaml`), so both fail alike: one line per problem, naming the
stack file, the key path, what is wrong and what is allowed.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from . import catalog, rules
from .fields import shown
from .models import Environment, PlatformSettings, deep_merge

PROJECT = "multicloud-platform"
PLATFORM_KEY = f"{PROJECT}:platform"
# Provider keys the settings read (besides the platform object itself).
PROVIDER_KEYS = ("aws:region", "azure-native:subscriptionId", "gcp:project")
# Provider credentials: they come from the environment (or `pulumi config set --secret`), never in clear in a stack
# file that is committed. Key -> where to put it instead.
CREDENTIAL_KEYS: dict[str, str] = {
    "aws:accessKey": "AWS_ACCESS_KEY_ID",
    "aws:secretKey": "AWS_SECRET_ACCESS_KEY",
    "aws:token": "AWS_SESSION_TOKEN",
    "azure-native:clientSecret": "ARM_CLIENT_SECRET (or workload identity)",
    "azure-native:clientCertificatePassword": "ARM_CLIENT_CERTIFICATE_PASSWORD",
    "gcp:credentials": "GOOGLE_APPLICATION_CREDENTIALS (or workload identity)",
    "gcp:accessToken": "GOOGLE_OAUTH_ACCESS_TOKEN",
    "cloudflare:apiToken": "CLOUDFLARE_API_TOKEN",
    "cloudflare:apiKey": "CLOUDFLARE_API_KEY",
}
# Pulumi's own rule for stack names (the CLI refuses others): https://www.pulumi.com/docs/iac/concepts/stacks/
STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
MAX_DEPTH = 24  # the deepest key path of the settings is 7; deeper YAML is a mistake (or an attack on the parser)
MAX_LINE = 300  # characters of one problem line


class SettingsError(Exception):
    """A stack configuration that cannot be deployed; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def environment_of(stack: str) -> Environment | None:
    """The environment a stack is bound to, by its name: `dev` and `prod`, or a name ending in `-dev` or `-prod`
    (`eu-prod`, `alice-dev`). The one place that decides it: the settings, the driver's policy config and the
    offline policy check all follow it, so no value inside a stack file can lower its guardrails."""
    suffix = stack.rsplit("-", 1)[-1]
    return "prod" if suffix == "prod" else "dev" if suffix == "dev" else None


def stack_name_problem(stack: str) -> str | None:
    """Why `stack` cannot name a stack of this project, or None."""
    if not STACK_NAME.fullmatch(stack):
        return (
            f"stack {shown(stack)}: not a Pulumi stack name; allowed: 1-100 letters, digits, hyphens, "
            "underscores and periods"
        )
    if environment_of(stack) is None:
        return (
            f"stack {stack}: the name sets the environment; allowed: dev, prod, or a name ending in -dev or -prod "
            "(e.g. eu-prod)"
        )
    return None


def load_settings(stack: str, config: Mapping[str, Any], source: str | None = None) -> PlatformSettings:
    """Validate a stack's flat config (`{"ns:key": value}`) into settings, or raise SettingsError listing every
    problem found: the field problems and, where the rest of the file is valid, the cross-field ones too."""
    source = source or f"Pulumi.{stack}.yaml"
    name_problem = stack_name_problem(stack)
    if name_problem:
        raise SettingsError([name_problem])
    problems = [f"{source}: {line}" for line in _config_key_problems(config)]
    raw = config.get(PLATFORM_KEY)
    if not isinstance(raw, dict):
        got = "missing" if raw is None else f"a {type(raw).__name__}"
        problems.append(f"{source}: {PLATFORM_KEY}: {got}; allowed: a mapping (see schema/stack.schema.json)")
        raise SettingsError(_readable(problems))
    environment = environment_of(stack)
    written = raw.get("environment", environment)
    if written != environment:
        problems.append(
            f"{source}: {PLATFORM_KEY}.environment: {shown(written)} in stack {stack}, which is a {environment} "
            f"stack by its name; allowed: {environment} (or leave it out)"
        )
    raw = deep_merge(_from_provider_keys(config), {**raw, "environment": environment})
    settings, field_problems, failed = _validate(raw)
    problems += [f"{source}: {PLATFORM_KEY}.{path}: {message}" for path, message in field_problems]
    if settings is not None:
        problems += [
            f"{source}: {PLATFORM_KEY}.{p.path}: {p.message}"
            for p in rules.check(settings)
            if not any(_within(p.path, bad) for bad in failed)
        ]
        problems += [f"{source}: {line}" for line in _provider_key_problems(settings, config)]
    if problems:
        raise SettingsError(_readable(problems))
    assert settings is not None
    return settings


def _validate(raw: dict[str, Any]) -> tuple[PlatformSettings | None, list[tuple[str, str]], list[str]]:
    """The settings, or the field problems as (key path, message) and, so that the cross-field rules can still
    run in the same round, the settings of the file with each bad value left at its default (None when that is
    not possible: a required key was bad)."""
    try:
        return PlatformSettings.model_validate(raw), [], []
    except ValidationError as err:
        errors = err.errors()
    problems = [(_path(e["loc"]), _message(e)) for e in errors]
    failed = [path for path, _ in problems]
    relaxed = raw
    for error in errors:
        relaxed = _without(relaxed, error["loc"])
    try:
        return PlatformSettings.model_validate(relaxed), problems, failed
    except (ValidationError, TypeError, ValueError):
        return None, problems, failed


def _without(tree: Any, loc: tuple[int | str, ...]) -> Any:
    """`tree` with the value at `loc` removed (a list keeps its other items), for the relaxed second pass."""
    if not loc:
        return tree
    head, rest = loc[0], loc[1:]
    if isinstance(tree, dict) and head in tree:
        if not rest:
            return {k: v for k, v in tree.items() if k != head}
        return {**tree, head: _without(tree[head], rest)}
    if isinstance(tree, list) and isinstance(head, int) and 0 <= head < len(tree):
        if not rest:
            return tree  # removing an item would shift the paths of the others
        return [*tree[:head], _without(tree[head], rest), *tree[head + 1:]]
    return tree


def _within(path: str, failed: str) -> bool:
    """`path` is `failed` or lies inside or above it (`clouds.aws.regions[0]` and `clouds.aws.regions[0].cidr`)."""
    inside = path.startswith((f"{failed}.", f"{failed}["))
    return path == failed or inside or failed.startswith((f"{path}.", f"{path}["))


def _readable(problems: list[str]) -> list[str]:
    """Each problem once, each cut to a readable length."""
    lines = list(dict.fromkeys(problems))
    return [line if len(line) <= MAX_LINE else line[: MAX_LINE - 3] + "..." for line in lines]


def _config_key_problems(config: Mapping[str, Any]) -> list[str]:
    """Keys of the stack file outside the platform object: the project's own (only `platform`), credentials in
    clear, and the provider keys the settings read."""
    problems = []
    for key, value in config.items():
        if key in CREDENTIAL_KEYS and not (isinstance(value, dict) and set(value) == {"secure"}):
            problems.append(
                f"{key}: a credential in clear in the stack file; allowed: {CREDENTIAL_KEYS[key]} in the "
                "environment, or `pulumi config set --secret`"
            )
    for key in PROVIDER_KEYS:
        if key in config and not (isinstance(config[key], str) and config[key].strip()):
            got = "empty (null)" if config[key] is None else shown(config[key])
            problems.append(f"{key}: {got}; allowed: a non-empty text (or leave the key out)")
    return problems


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
    name_problem = stack_name_problem(stack)
    if name_problem:
        raise SettingsError([name_problem])
    declared = set(config)
    stack_config = _config_section(project_dir / f"Pulumi.{stack}.yaml")
    typos = [k for k in stack_config if k.startswith(f"{PROJECT}:") and k != PLATFORM_KEY and k not in declared]
    if typos:  # a misspelt `multicloud-platform:platfrom` would be ignored while the real key falls back
        raise SettingsError(
            [f"Pulumi.{stack}.yaml: {shown(k)[1:-1]}: unknown key; allowed: {PLATFORM_KEY}" for k in typos]
        )
    config.update(stack_config)
    return config


class _StackFileLoader(yaml.SafeLoader):
    """`yaml.safe_load` that refuses a key written twice in one mapping, as the Pulumi CLI does (PyYAML would
    keep the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {shown(key)} is written twice in one mapping", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep)


def _depth(tree: Any) -> int:
    """How deeply `tree` nests lists and mappings (iteratively: the depth is what is being checked)."""
    deepest, stack = 0, [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_DEPTH:
            children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _config_section(path: Path) -> dict[str, Any]:
    """The `config:` mapping of a Pulumi project or stack file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SettingsError(
            [f"{path.name}: no such file in {path.parent}; create it or pick an existing stack"]
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise SettingsError([f"{path.name}: cannot be read: {getattr(err, 'strerror', None) or err}"]) from None
    try:
        document = yaml.load(text, Loader=_StackFileLoader) or {}  # a SafeLoader
    except yaml.MarkedYAMLError as err:
        raise SettingsError([f"{path.name}: not valid YAML: {_yaml_problem(err)}"]) from None
    except yaml.YAMLError as err:
        raise SettingsError([f"{path.name}: not valid YAML: {str(err).splitlines()[0]}"]) from None
    except RecursionError:
        raise SettingsError([f"{path.name}: not valid YAML: nested too deeply; allowed: {MAX_DEPTH} levels"]) from None
    if _depth(document) > MAX_DEPTH:
        raise SettingsError([f"{path.name}: nested more than {MAX_DEPTH} levels deep; allowed: {MAX_DEPTH}"])
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not isinstance(config, dict | None):
        raise SettingsError([f"{path.name}: config: not a mapping; allowed: `config:` with one key per setting"])
    return config or {}


def _yaml_problem(err: yaml.MarkedYAMLError) -> str:
    """`line 17, column 20: expected ',' or ']', but got '}' (while parsing a flow sequence)`."""
    mark = err.problem_mark or err.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    context = f" ({err.context})" if err.context else ""
    return f"{where}{err.problem or 'cannot be parsed'}{context}"


def _from_provider_keys(config: Mapping[str, Any]) -> dict[str, Any]:
    """Settings that default from the providers' own config keys."""
    base: dict[str, Any] = {}
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
    primary_known = aws.regions[0].name in catalog.AWS_REGIONS  # else the region's own line says what is wrong
    if aws.enabled and primary_known and isinstance(region, str) and region and region != aws.regions[0].name:
        return [
            f"aws:region: {region} is not the primary AWS region; "
            f"allowed: {aws.regions[0].name} (clouds.aws.regions[0])"
        ]
    return []


def _path(loc: tuple[int | str, ...]) -> str:
    """`("clouds", "aws", "regions", 1, "cidr")` -> `clouds.aws.regions[1].cidr` (odd keys quoted and cut)."""
    text = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker of a problem with a mapping's key (the key is the part before)
            continue
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = str(part)
            text += "." + (name if re.fullmatch(r"[A-Za-z0-9_-]{1,40}", name) else shown(name))
    return text.lstrip(".")


# pydantic error types -> what the stack file must hold there, in the words of a YAML file.
_EXPECTED = {
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dict_type": "a mapping",
    "list_type": "a list",
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
}


def _message(error: Any) -> str:
    """What is wrong with one value, and what is allowed, without class names or patterns."""
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    got = shown(value) if isinstance(value, str | int | float | bool) else _kind_of(value)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(error["loc"][:-1])
        return f"unknown key; allowed: {', '.join(allowed)}" if allowed else "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind in _EXPECTED:
        return f"{got}; allowed: {_EXPECTED[kind]}"
    if kind == "literal_error":
        return f"{got}; allowed: {ctx.get('expected', '').replace(' or ', ', ')}"
    if kind == "string_pattern_mismatch":
        return f"{got} is not of the form: {_description(error['loc']) or 'see schema/stack.schema.json'}"
    if kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        what = "characters" if kind.startswith("string") else "items"
        bound = f"at least {ctx.get('min_length')}" if "short" in kind else f"at most {ctx.get('max_length')}"
        return f"{got}; allowed: {bound} {what}"
    bounds = {"greater_than": "above", "greater_than_equal": "at least", "less_than": "below",
              "less_than_equal": "at most"}
    if kind in bounds:
        limit = next(iter(ctx.values()), "")
        return f"{got}; allowed: {bounds[kind]} {limit}"
    msg = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return msg if kind in ("value_error", "assertion_error") else f"{got}: {msg}"


def _kind_of(value: Any) -> str:
    if value is None:
        return "empty (null)"
    kinds: dict[type, str] = {dict: "a mapping", list: "a list"}
    return kinds.get(type(value), f"a {type(value).__name__}")


def _description(loc: tuple[int | str, ...]) -> str | None:
    """The schema description of the field at `loc` (its readable format), without the trailing dot."""
    annotation: Any = PlatformSettings
    for part in loc[:-1]:
        annotation = _step(annotation, part)
    model = _model_in(annotation)
    field = model.model_fields.get(str(loc[-1])) if model else None
    return field.description.rstrip(".") if field and field.description else None


def _step(annotation: Any, part: int | str) -> Any:
    model = _model_in(annotation)
    if model is not None and isinstance(part, str) and part in model.model_fields:
        return model.model_fields[part].annotation
    return _item_type(annotation)


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    """Field names of the model found at `loc`, to suggest what a mistyped key should be."""
    annotation: Any = PlatformSettings
    for part in loc:
        annotation = _step(annotation, part)
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
    """The element type of a list or the value type of a dict (through `X | None`)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if len(args) == 1 and typing.get_args(args[0]):
        return _item_type(args[0])
    return args[-1] if args else None
