"""Offline policy check: the recorded program run through the policy pack's own analyzer code path.

`python -m scripts.policy_check --stack prod [--config FILE] [--preview]` records the stack on the mock runtime (no
CLI, no credentials; with `--preview` as the first `pulumi preview` of a new stack sees it) and drives
pulumi-policy's engine-facing analyzer (`_PolicyAnalyzerServicer`, the class `PolicyPack` serves over gRPC) in
process, the way the Pulumi engine does:

1. `GetAnalyzerInfo` for the policies, their enforcement levels and config schemas;
2. the per-stack config reconciled like the engine's `ReconcilePolicyPackConfig`: schema defaults, then an
   `all` enforcement level, then per-policy levels and properties; validated against the schemas; the
   stack's environment set on every environment-aware policy; then `Configure`;
3. `Analyze` for every custom resource, providers included (type, URN, name, properties Struct, options,
   provider);
4. `AnalyzeStack` once with every resource (parent, dependencies, provider).

A rule that needs a value unknown during preview reports itself undecided (a not-applicable outcome whose reason
starts with `policies.rules.common.UNDECIDED`): listed in a section of its own, never a violation; it runs again on
`up`. pulumi-policy's own "can't run policy ... during preview" advisory would be a rule silently downgraded
(`PolicyReport.downgraded`); the pack's rules never produce it.

Exit codes: 0 no mandatory violation, 3 mandatory violation(s), 2 configuration error, 1 program error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi_policy import ResourceValidationPolicy
from pulumi_policy.policy import _PolicyAnalyzerServicer

from policies.rules import ALL_POLICIES, META, PACK_ENFORCEMENT, PACK_NAME
from policies.rules.common import UNDECIDED

from .offline import Recording, Registration

ROOT = Path(__file__).resolve().parents[1]
PACK_DIR = ROOT / "policies"
CONFIG_DIR = PACK_DIR / "config"

LEVELS: dict[str, Any] = {
    "advisory": proto.ADVISORY,
    "mandatory": proto.MANDATORY,
    "remediate": proto.REMEDIATE,
    "disabled": proto.DISABLED,
}
LEVEL_NAMES = {value: name for name, value in LEVELS.items()}
ENVIRONMENT_KEY = "environment"
DOWNGRADED = "can't run policy"
"""How pulumi-policy's advisory for a rule that hit an unknown value during preview begins (policy.py, Analyze)."""


class PolicyConfigError(ValueError):
    """The policy config is not valid for the pack (what the engine refuses before analysing)."""

    def __init__(self, problems: Sequence[str]):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Violation:
    """One diagnostic of the analyzer."""

    policy: str
    resource_urn: str
    resource_name: str
    level: str
    """`mandatory` or `advisory` (what the engine would do with it)."""
    message: str


@dataclass(frozen=True)
class UndecidedCheck:
    """A rule that could not decide during preview (a value it needs is unknown): re-checked on `up`."""

    policy: str
    resource_urn: str
    resource_name: str
    reason: str


@dataclass
class PolicyReport:
    """Everything the pack reported for one recording."""

    violations: list[Violation] = field(default_factory=list)
    policies: int = 0
    resources: int = 0
    not_applicable: int = 0
    """Policies that do not apply (prod-only rules in dev), undecided ones excepted."""
    undecided: list[UndecidedCheck] = field(default_factory=list)
    """Rules that could not decide during preview (policies.rules.common.UNDECIDED), re-checked on `up`."""

    @property
    def downgraded(self) -> list[Violation]:
        """pulumi-policy's own "can't run policy ... during preview" advisories: a rule (mandatory ones included)
        that raised on an unknown value instead of deciding or reporting itself undecided."""
        return [v for v in self.violations if v.message.startswith(DOWNGRADED)]

    @property
    def mandatory(self) -> int:
        """Number of mandatory violations (any blocks `pulumi up`)."""
        return sum(v.level == "mandatory" for v in self.violations)

    @property
    def advisory(self) -> int:
        """Number of advisory violations."""
        return sum(v.level == "advisory" for v in self.violations)


# --- configuration (what the engine does before Configure) ----------------------------------------------


def pack_version(pack_dir: Path = PACK_DIR) -> str:
    """The pack version from PulumiPolicy.yaml (the CLI uses it instead of the SDK's 0.0.1)."""
    match = re.search(r"^version:\s*['\"]?([^'\"\s]+)", (pack_dir / "PulumiPolicy.yaml").read_text(), re.M)
    return match.group(1) if match else "0.0.1"


def new_analyzer(policies: Sequence[Any] | None = None) -> Any:
    """The analyzer `PolicyPack` would serve, without the server."""
    return _PolicyAnalyzerServicer(PACK_NAME, pack_version(), list(policies or ALL_POLICIES), PACK_ENFORCEMENT)


def load_config(environment: str, path: Path | None = None) -> dict[str, Any]:
    """The pack config file of an environment (`policies/config/<environment>.json`), or `path`."""
    file = path or CONFIG_DIR / f"{environment}.json"
    if not file.is_file():
        if path is not None:
            raise PolicyConfigError([f"{file}: no such file"])
        return {}
    try:
        document = json.loads(file.read_text())
    except ValueError as err:
        raise PolicyConfigError([f"{file}: not valid JSON: {err}"]) from None
    if not isinstance(document, dict):
        raise PolicyConfigError([f"{file}: expected an object of policy name -> level or settings"])
    return document


def _split(name: str, value: Any, problems: list[str]) -> tuple[str | None, dict[str, Any]]:
    """A config entry (`"mandatory"` or `{"enforcementLevel": ..., prop: value}`) as (level, properties)."""
    level: str | None
    if isinstance(value, str):
        level, properties = value, {}
    elif isinstance(value, dict):
        properties = dict(value)
        level = properties.pop("enforcementLevel", None)
    else:
        problems.append(f"{name}: expected an enforcement level or an object, got {json.dumps(value)}")
        return None, {}
    if level is not None and level not in LEVELS:
        problems.append(f"{name}: enforcementLevel {level!r} is not one of {', '.join(LEVELS)}")
        level = None
    return level, properties


def reconcile(
    infos: Iterable[Any], environment: str, config: Mapping[str, Any]
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Policy name -> (enforcement level, properties) as the engine sends them to Configure.

    Engine order: each policy's level and schema defaults, an `all` level, per-policy levels and
    properties, then validation against each schema. The stack's `environment` is set on every policy
    whose schema has it (a different explicit value is a config error)."""
    problems: list[str] = []
    schemas: dict[str, dict[str, Any]] = {}
    result: dict[str, tuple[str, dict[str, Any]]] = {}
    for info in infos:
        schema = json_format.MessageToDict(info.configSchema.properties) if info.HasField("configSchema") else {}
        schemas[info.name] = schema
        defaults = {k: v["default"] for k, v in schema.items() if "default" in v}
        result[info.name] = (LEVEL_NAMES[info.enforcementLevel], defaults)
    if "all" in config:
        level, properties = _split("all", config["all"], problems)
        if properties:
            problems.append("all: only an enforcement level applies to every policy")
        if level:
            result = {name: (level, props) for name, (_, props) in result.items()}
    for name, value in config.items():
        if name == "all":
            continue
        if name not in result:
            if name not in META:  # a pack policy left out of a partial run is skipped, a typo is not
                problems.append(f"{name}: no such policy in {PACK_NAME}")
            continue
        level, properties = _split(name, value, problems)
        current_level, current = result[name]
        result[name] = (level or current_level, {**current, **properties})
    for name, schema in schemas.items():
        level, properties = result[name]
        if ENVIRONMENT_KEY in schema:
            given = config.get(name, {}).get(ENVIRONMENT_KEY) if isinstance(config.get(name), dict) else None
            if given is not None and given != environment:
                problems.append(f"{name}: environment is {given!r} but the stack's environment is {environment!r}")
            properties = {**properties, ENVIRONMENT_KEY: environment}
            result[name] = (level, properties)
        for key, value in properties.items():
            if key not in schema:
                problems.append(
                    f"{name}: {key}: not a setting of this policy (settings: {', '.join(schema) or 'none'})"
                )
            else:
                problems += [f"{name}: {key}: {p}" for p in validate(value, schema[key])]
    if problems:
        raise PolicyConfigError(problems)
    return result


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int, float),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def validate(value: Any, schema: Mapping[str, Any]) -> list[str]:
    """Problems of `value` against the JSON-schema subset the pack uses (type, enum, bounds, pattern, items)."""
    expected = schema.get("type")
    if expected in _JSON_TYPES:
        ok = isinstance(value, _JSON_TYPES[expected]) and not (expected != "boolean" and isinstance(value, bool))
        if ok and expected == "integer" and isinstance(value, float) and not value.is_integer():
            ok = False
        if not ok:
            return [f"expected {expected}, got {json.dumps(value)}"]
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{json.dumps(value)} is not one of {schema['enum']}")
    if "minimum" in schema and isinstance(value, int | float) and value < schema["minimum"]:
        problems.append(f"{value} is below the minimum {schema['minimum']}")
    if "maximum" in schema and isinstance(value, int | float) and value > schema["maximum"]:
        problems.append(f"{value} is above the maximum {schema['maximum']}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        problems.append(f"{value!r} does not match {schema['pattern']}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += [f"[{i}] {p}" for p in validate(item, schema["items"])]
    return problems


def configure(analyzer: Any, environment: str, config: Mapping[str, Any]) -> Any:
    """Reconcile the config against the analyzer's own policy info, then send it (every policy, as the engine).

    Returns the ConfigureAnalyzerRequest sent."""
    info = analyzer.GetAnalyzerInfo(None, None)
    request = proto.ConfigureAnalyzerRequest()
    for name, (level, properties) in reconcile(info.policies, environment, config).items():
        entry = proto.PolicyConfig(enforcementLevel=LEVELS[level])
        entry.properties.update(properties)
        request.policyConfig[name].CopyFrom(entry)
    analyzer.Configure(request, None)
    return request


# --- analysis ----------------------------------------------------------------------------------------------


def _options(resource: Registration) -> Any:
    return proto.AnalyzerResourceOptions(protect=resource.protect, parent=resource.parent)


def _provider(resource: Registration, by_urn: Mapping[str, Registration]) -> Any:
    provider = by_urn.get(resource.provider_urn)
    if provider is None:
        return None
    return proto.AnalyzerProviderResource(
        type=provider.type, urn=provider.urn, name=provider.name, properties=_properties(provider)
    )


def _properties(resource: Registration) -> struct_pb2.Struct:
    return resource.properties if resource.properties is not None else struct_pb2.Struct()


def stack_urn(recording: Recording, project: str) -> str:
    """URN of the root stack resource (stack-level diagnostics without a resource are attributed to it)."""
    return f"urn:pulumi:{recording.stack}::{project}::pulumi:pulumi:Stack::{project}-{recording.stack}"


def _analyzers_by_type(policies: Sequence[Any], request: Any) -> Callable[[str], Any]:
    """Resource type -> an analyzer holding only the resource policies declared for that type (and any policy
    without metadata), configured like the full one; None when no policy applies. The pack's policies return
    at once for other types, so the diagnostics are the same at a fraction of pulumi-policy's per-policy cost
    (it re-deserializes the properties for every policy)."""
    resource_policies = [p for p in policies if isinstance(p, ResourceValidationPolicy)]
    cache: dict[str, Any] = {}

    def analyzer_for(resource_type: str) -> Any:
        if resource_type not in cache:
            subset = [
                p for p in resource_policies if p.name not in META or resource_type in META[p.name].resource_types
            ]
            cache[resource_type] = new_analyzer(subset) if subset else None
            if subset:
                cache[resource_type].Configure(request, None)
        return cache[resource_type]

    return analyzer_for


def check(
    recording: Recording,
    environment: str,
    config: Mapping[str, Any] | None = None,
    policies: Sequence[Any] | None = None,
    *,
    by_type: bool = True,
) -> PolicyReport:
    """Run the pack (or `policies`) against a recording; `config` defaults to policies/config/<environment>.json.

    `by_type=False` sends every resource through one analyzer holding every policy, exactly as the engine
    does; the default gives the same diagnostics faster (see `_analyzers_by_type`).
    Raises PolicyConfigError when the config doesn't fit the pack."""
    pack = list(policies or ALL_POLICIES)
    analyzer = new_analyzer(pack)
    configuration = configure(analyzer, environment, load_config(environment) if config is None else config)
    analyzer_for = _analyzers_by_type(pack, configuration) if by_type else (lambda resource_type: analyzer)
    by_urn = recording.by_urn()
    names = {r.urn: r.name for r in recording.resources}
    project = recording.resources[0].urn.split("::")[1] if recording.resources else "project"
    root = stack_urn(recording, project)
    report = PolicyReport(policies=len(pack), resources=len(recording.resources))

    for resource in recording.resources:
        resource_analyzer = analyzer_for(resource.type)
        if not resource.custom or resource_analyzer is None:
            continue  # components carry no properties; the engine analyses them too, to no effect here
        request = proto.AnalyzeRequest(
            type=resource.type,
            urn=resource.urn,
            name=resource.name,
            properties=_properties(resource),
            options=_options(resource),
        )
        provider = _provider(resource, by_urn)
        if provider is not None:
            request.provider.CopyFrom(provider)
        try:
            response = resource_analyzer.Analyze(request, None)
        except Exception as err:
            raise RuntimeError(f"policy analysis failed on {resource.urn}: {err}") from err
        _not_applicable(report, response, resource.urn, resource.name)
        for d in response.diagnostics:  # the engine attributes resource diagnostics to the analyzed resource
            report.violations.append(_violation(d, resource.urn, resource.name))

    stack_request = proto.AnalyzeStackRequest()
    for resource in recording.resources:
        entry = proto.AnalyzerResource(
            type=resource.type,
            urn=resource.urn,
            name=resource.name,
            properties=_properties(resource),
            options=_options(resource),
            parent=resource.parent,
            dependencies=resource.dependencies,
        )
        provider = _provider(resource, by_urn)
        if provider is not None:
            entry.provider.CopyFrom(provider)
        stack_request.resources.append(entry)
    response = analyzer.AnalyzeStack(stack_request, None)
    _not_applicable(report, response, root, "(stack)")
    for d in response.diagnostics:
        urn = d.urn if d.urn in names else root
        report.violations.append(_violation(d, urn, names.get(urn, "(stack)")))
    return report


def _not_applicable(report: PolicyReport, response: Any, urn: str, name: str) -> None:
    """Count the not-applicable outcomes; keep the undecided ones (their reason starts with UNDECIDED) apart."""
    for entry in response.not_applicable:
        if entry.reason.startswith(UNDECIDED):
            report.undecided.append(UndecidedCheck(entry.policy_name, urn, name, entry.reason))
        else:
            report.not_applicable += 1


def _violation(diagnostic: Any, urn: str, name: str) -> Violation:
    message = diagnostic.message
    if message.startswith(diagnostic.description):
        message = message[len(diagnostic.description) :].strip() or diagnostic.description
    return Violation(
        policy=diagnostic.policyName,
        resource_urn=urn,
        resource_name=name,
        level=LEVEL_NAMES.get(diagnostic.enforcementLevel, "advisory"),
        message=" ".join(message.split()),
    )


def print_report(report: PolicyReport, out: TextIO) -> None:
    """Violations as an aligned table (mandatory first), then a summary line; rules undecided at preview in a
    section of their own after it."""
    scope = f"{report.policies} policies, {report.resources} resources"
    if not report.violations:
        out.write(f"no violations ({scope})\n")
    else:
        _print_violations(report, scope, out)
    if report.undecided:
        out.write(f"\nundecided at preview, re-checked on up ({len(report.undecided)}):\n")
        rows = [("POLICY", "RESOURCE", "NEEDS")] + [
            (u.policy, u.resource_name, u.reason.removeprefix(f"{UNDECIDED}: ").removesuffix("; re-checked on up"))
            for u in sorted(report.undecided, key=lambda u: (u.policy, u.resource_name))
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(2)]
        for row in rows:
            out.write("  ".join(cell.ljust(width) for cell, width in zip(row[:2], widths, strict=True)))
            out.write(f"  {row[2]}\n")


def _print_violations(report: PolicyReport, scope: str, out: TextIO) -> None:
    rows = [("POLICY", "RESOURCE", "LEVEL", "MESSAGE")] + [
        (v.policy, v.resource_name, v.level, v.message)
        for v in sorted(report.violations, key=lambda v: (v.level != "mandatory", v.policy, v.resource_name))
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)))
        out.write(f"  {row[3]}\n")
    out.write(
        f"\n{len(report.violations)} violation(s): {report.mandatory} mandatory, {report.advisory} advisory ({scope})\n"
    )


# --- command line ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """`python -m scripts.policy_check --stack prod [--config FILE]`; returns the exit code."""
    from components.settings import SettingsError, load_settings, read_stack_config

    from . import plan as offline_plan

    parser = argparse.ArgumentParser(prog="python -m scripts.policy_check", description=__doc__.split("\n")[0])
    parser.add_argument("--stack", default="dev", help="stack name: reads Pulumi.<stack>.yaml (default: dev)")
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="policy pack config (default: policies/config/<environment>.json)"
    )
    parser.add_argument(
        "--preview",
        action="store_true",
        help="check the stack as the first `pulumi preview` of a new stack sees it (ids and computed outputs "
        "unknown); rules that need an unknown value are listed as undecided, re-checked on up",
    )
    parser.add_argument("--project-dir", type=Path, default=offline_plan.ROOT, help="folder holding the stack files")
    args = parser.parse_args(argv)

    try:
        environment = load_settings(args.stack, read_stack_config(args.project_dir, args.stack)).environment
        config = load_config(environment, args.config)
        if args.preview:
            recording = offline_plan.plan(args.stack, args.project_dir, preview=True)
        else:
            recording = offline_plan.plan(args.stack, args.project_dir)
        report = check(recording, environment, config)
    except SettingsError as err:
        for line in err.problems:
            print(line, file=sys.stderr)
        print(f"stack {args.stack}: {len(err.problems)} configuration problem(s); nothing was checked", file=sys.stderr)
        return 2
    except PolicyConfigError as err:
        for line in err.problems:
            print(f"policy config: {line}", file=sys.stderr)
        return 2
    except Exception as err:
        traceback.print_exc(file=sys.stderr)
        print(f"error: the policy check failed for stack {args.stack}: {err}", file=sys.stderr)
        return 1
    mode = "first preview of a new stack" if args.preview else "offline policy check"
    print(f"{PACK_NAME} · stack {args.stack} ({environment}) · {mode}\n")
    print_report(report, sys.stdout)
    return 3 if report.mandatory else 0


if __name__ == "__main__":
    sys.exit(main())
