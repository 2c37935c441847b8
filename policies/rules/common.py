"""Shared machinery of the guardrails (policy builders, property access, config) and the tagging policy.

Every policy is built by `resource_policy` or `stack_policy`, which add what pulumi-policy leaves to the
author: the severity and the remediation in the description (and in pulumi-policy's own `severity` and
`remediation_steps` fields), mandatory enforcement for security rules, a config schema with the
`environment` switch for environment-aware rules, and typed config values (the engine sends numbers as
floats). `META` keeps, per policy, the area, resource types and wire properties it reads: the README
table and the SDK-name tests are generated from it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY
ENVIRONMENTS = ("dev", "prod")
ENVIRONMENT_PROPERTY: dict[str, Any] = {
    "type": "string",
    "enum": list(ENVIRONMENTS),
    "default": "prod",
    "description": "Environment of the stack: prod-only rules are not applicable in dev (default: prod).",
}
PUBLIC_CIDRS = ("0.0.0.0/0", "::/0")
STRONG_DH_GROUPS = frozenset({14, 15, 16, 17, 18, 19, 20, 21})
"""IKE/PFS Diffie-Hellman groups allowed on a tunnel: MODP 2048 and up, and the NIST ECP curves. RFC 8247 section
2.4 (https://www.rfc-editor.org/rfc/rfc8247#section-2.4): groups 1, 2 and 5 MUST NOT be used, 22-24 SHOULD NOT."""


def _kubernetes_versions() -> tuple[str, ...]:
    """Supported versions from components/settings/catalog.py (loaded by path: the pack's own venv has no
    pydantic, so the settings package can't be imported); the fallback serves a pack published alone and
    is kept equal to the catalogue by a test."""
    catalog = Path(__file__).resolve().parents[2] / "components" / "settings" / "catalog.py"
    spec = importlib.util.spec_from_file_location("_platform_catalog", catalog) if catalog.is_file() else None
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
            return tuple(module.KUBERNETES_VERSIONS)
        except Exception:  # the catalogue changed shape: serve the copy (the test flags the drift)
            pass
    return FALLBACK_KUBERNETES_VERSIONS


FALLBACK_KUBERNETES_VERSIONS: tuple[str, ...] = ("1.35", "1.36")
KUBERNETES_VERSIONS = _kubernetes_versions()


# --- metadata ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyMeta:
    """What the README table and the tests need to know about one policy."""

    name: str
    area: str
    severity: str
    summary: str
    remediation: str
    enforcement: str
    resource_types: tuple[str, ...]
    reads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Wire (camelCase) property paths read per resource type (checked against the installed SDKs)."""
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    environment_aware: bool = False
    prod_only: bool = False
    stack: bool = False


META: dict[str, PolicyMeta] = {}


@dataclass(frozen=True)
class Context:
    """What a check sees besides the properties."""

    resource_type: str
    name: str
    urn: str
    config: Mapping[str, Any]
    protect: bool = False
    provider_props: Mapping[str, Any] = field(default_factory=dict)

    @property
    def environment(self) -> str:
        return str(self.config.get("environment", "prod"))

    @property
    def prod(self) -> bool:
        return self.environment == "prod"


ResourceCheck = Callable[[Mapping[str, Any], Context], Iterable["str | Undecided"]]


@dataclass(frozen=True)
class StackResource:
    """A resource of the stack as stack checks see it (plain values, links resolved by URN)."""

    urn: str
    type: str
    name: str
    props: Mapping[str, Any]
    protect: bool
    parent: str | None
    dependencies: tuple[str, ...]
    provider: str | None


@dataclass(frozen=True)
class Undecided:
    """A finding of a resource or stack check that can't be decided during preview: `what` needs a value still
    unknown (a check reading an unknown value raises UnknownValueError, which counts the same)."""

    what: str
    urn: str | None = None


StackCheck = Callable[[Sequence[StackResource], Mapping[str, Any]], Iterable["tuple[str, str | None] | Undecided"]]

UNDECIDED = "undecided at preview"
"""Prefix of the reason of the pack's own outcome for a rule that needs a value unknown during preview.

pulumi-policy turns an unknown value a rule reads into an advisory "can't run policy ... during preview": a mandatory
rule silently downgraded. The pack's rules instead report a not-applicable outcome with this reason (the
protocol's only other outcome: AnalyzeResponse.not_applicable), so nothing blocks or warns falsely; the same rule runs
again with every value known when `pulumi up` analyses the resource before creating it (resource rules) and once
the update has finished (stack rules), and blocks there. The offline check lists these in their own section."""


def undecided_reason(detail: str) -> str:
    """The not-applicable reason of an undecided rule."""
    return f"{UNDECIDED}: {detail}; re-checked on up"


def _description(severity: str, summary: str, remediation: str) -> str:
    return f"[{severity}] {summary} Remediation: {remediation}"


def _schema(config: Mapping[str, Mapping[str, Any]], environment_aware: bool) -> PolicyConfigSchema | None:
    properties = {k: dict(v) for k, v in config.items()}
    if environment_aware:
        properties["environment"] = dict(ENVIRONMENT_PROPERTY)
    return PolicyConfigSchema(properties=properties) if properties else None


def typed_config(raw: Mapping[str, Any] | None, schema: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Schema defaults under the given values; integers back to int (the engine sends floats)."""
    values: dict[str, Any] = {k: v["default"] for k, v in schema.items() if "default" in v}
    values.update(raw or {})
    for key, spec in schema.items():
        value = values.get(key)
        if spec.get("type") == "integer" and isinstance(value, float) and value.is_integer():
            values[key] = int(value)
        if spec.get("type") == "array" and spec.get("items", {}).get("type") == "integer" and isinstance(value, list):
            values[key] = [int(v) if isinstance(v, float) and v.is_integer() else v for v in value]
    return values


def _register(meta: PolicyMeta) -> None:
    if meta.name in META:
        raise ValueError(f"duplicate policy name {meta.name}")
    META[meta.name] = meta


def resource_policy(
    name: str,
    *,
    area: str,
    types: Sequence[str],
    severity: str,
    summary: str,
    remediation: str,
    check: ResourceCheck,
    security: bool = True,
    reads: Mapping[str, Sequence[str]] | None = None,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    environment_aware: bool = False,
    prod_only: bool = False,
) -> Any:
    """A resource policy over `types`: `check(props, ctx)` yields one message per violation.

    `security` rules are mandatory, the others advisory (both overridable per stack). `prod_only`
    rules are not applicable when the policy's `environment` config is `dev`."""
    schema = dict(config or {})
    env = environment_aware or prod_only
    full_schema = {**schema, **({"environment": ENVIRONMENT_PROPERTY} if env else {})}
    type_set = frozenset(types)
    enforcement = MANDATORY if security else ADVISORY

    def validate(args: Any, report_violation: Callable[..., None]) -> None:
        if args.resource_type not in type_set:
            return
        values = typed_config(args.get_config(), full_schema)
        if prod_only and values.get("environment") != "prod":
            args.not_applicable(f"{name} applies to prod stacks only")
        undecided: list[str] = []
        try:
            provider = args.provider.props if args.provider is not None else {}
            ctx = Context(args.resource_type, args.name, args.urn, values, bool(args.opts.protect), provider)
            for message in check(args.props, ctx):
                if isinstance(message, Undecided):
                    undecided.append(message.what)
                else:
                    report_violation(message, None)
        except UnknownValueError as unknown:  # violations found before it stand; the rest waits for `up`
            undecided.append(unknown.message)
        if undecided:
            args.not_applicable(undecided_reason("; ".join(undecided)))

    _register(
        PolicyMeta(
            name=name,
            area=area,
            severity=severity,
            summary=summary,
            remediation=remediation,
            enforcement=enforcement.value,
            resource_types=tuple(types),
            reads={t: tuple(p) for t, p in (reads or {}).items()},
            config=schema,
            environment_aware=env,
            prod_only=prod_only,
        )
    )
    return ResourceValidationPolicy(
        name=name,
        description=_description(severity, summary, remediation),
        validate=validate,
        enforcement_level=enforcement,
        config_schema=_schema(schema, env),
        severity=Severity(severity),
        remediation_steps=remediation,
        tags=[area],
    )


def stack_policy(
    name: str,
    *,
    area: str,
    types: Sequence[str],
    severity: str,
    summary: str,
    remediation: str,
    check: StackCheck,
    security: bool = True,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    prod_only: bool = False,
) -> Any:
    """A stack policy: `check(resources, config)` yields `(message, urn or None)` per violation."""
    schema = dict(config or {})
    full_schema = {**schema, **({"environment": ENVIRONMENT_PROPERTY} if prod_only else {})}
    enforcement = MANDATORY if security else ADVISORY

    def validate(args: Any, report_violation: Callable[..., None]) -> None:
        values = typed_config(args.get_config(), full_schema)
        if prod_only and values.get("environment") != "prod":
            args.not_applicable(f"{name} applies to prod stacks only")
        resources = [_stack_resource(r) for r in args.resources]
        undecided: list[str] = []
        try:
            for finding in check(resources, values):
                if isinstance(finding, Undecided):
                    undecided.append(finding.what)
                else:
                    report_violation(*finding)
        except UnknownValueError as unknown:  # a value the check did not expect to be unknown: the rest waits
            undecided.append(unknown.message)
        if undecided:
            args.not_applicable(undecided_reason("; ".join(undecided)))

    _register(
        PolicyMeta(
            name=name,
            area=area,
            severity=severity,
            summary=summary,
            remediation=remediation,
            enforcement=enforcement.value,
            resource_types=tuple(types),
            config=schema,
            environment_aware=prod_only,
            prod_only=prod_only,
            stack=True,
        )
    )
    return StackValidationPolicy(
        name=name,
        description=_description(severity, summary, remediation),
        validate=validate,
        enforcement_level=enforcement,
        config_schema=_schema(schema, prod_only),
        severity=Severity(severity),
        remediation_steps=remediation,
        tags=[area, "stack"],
    )


def _stack_resource(resource: Any) -> StackResource:
    return StackResource(
        urn=resource.urn,
        type=resource.resource_type,
        name=resource.name,
        props=resource.props,
        protect=bool(resource.opts.protect),
        parent=resource.parent.urn if resource.parent is not None else resource.opts.parent,
        dependencies=tuple(d.urn for d in resource.dependencies),
        provider=resource.provider.urn if resource.provider is not None else None,
    )


# --- property access -----------------------------------------------------------------------------------


def dig(value: Any, path: str) -> Any:
    """`value["a"]["b"]` for path "a.b"; None when any step is absent or not a mapping."""
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def items(value: Any) -> list[Any]:
    """A list property as a list (absent -> [])."""
    if value is None or isinstance(value, str | bytes) or not isinstance(value, Sequence):
        return []
    return list(value)


def mapping(value: Any) -> Mapping[str, Any]:
    """A map property as a mapping (absent -> {})."""
    return value if isinstance(value, Mapping) else {}


def number(value: Any) -> float | None:
    """A numeric property (numbers arrive as floats; numeric strings are accepted)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def is_set(value: Any) -> bool:
    """A non-empty string/list/map, or any other non-None value."""
    if value is None:
        return False
    if isinstance(value, str | Sequence | Mapping):
        return len(value) > 0
    return True


def provided(value: Any, path: str) -> bool:
    """Whether a reference (key ARN/URI, subnet, pool or monitor id) is given at `path`. A value that is
    unknown during preview is computed from another resource, so it will be set: it counts as given (and the
    rule still runs on the known properties instead of becoming a "can't run during preview" advisory)."""
    try:
        return is_set(dig(value, path))
    except UnknownValueError:
        return True


def minor_version(value: Any) -> str | None:
    """`1.35` out of "1.35", "v1.35.2", "1.35.1-gke.1200"; None when unparseable."""
    if not isinstance(value, str):
        return None
    parts = value.strip().lstrip("v").split("-")[0].split(".")
    if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    return f"{int(parts[0])}.{int(parts[1])}"


def public_cidrs(cidrs: Iterable[Any]) -> list[str]:
    """The world-open ranges among `cidrs`."""
    return [str(c) for c in cidrs if str(c).strip() in PUBLIC_CIDRS]


def ports_outside(low: float | None, high: float | None, allowed: Iterable[int]) -> bool:
    """Whether the port range [low, high] (None = every port) contains a port not in `allowed`."""
    allowed_set = {int(p) for p in allowed}
    if low is None or high is None or low < 0 or high < 0:
        return True
    lo, hi = int(low), int(high)
    if hi - lo + 1 > len(allowed_set):
        return True
    return any(port not in allowed_set for port in range(lo, hi + 1))


def kind_of(resource_type: str) -> str:
    """`StorageAccount` out of `azure-native:storage:StorageAccount`."""
    return resource_type.rsplit(":", 1)[-1]


# --- tags and labels -----------------------------------------------------------------------------------

# Where each taggable type of each provider keeps its tags/labels (wire paths). One policy covers them all.
TAG_PATHS: dict[str, str] = {
    **{
        f"aws:{t}": "tags"
        for t in (
            "ec2/vpc:Vpc",
            "ec2/subnet:Subnet",
            "ec2/internetGateway:InternetGateway",
            "ec2/natGateway:NatGateway",
            "ec2/routeTable:RouteTable",
            "ec2/eip:Eip",
            "ec2/securityGroup:SecurityGroup",
            "ec2/defaultSecurityGroup:DefaultSecurityGroup",
            "ec2/flowLog:FlowLog",
            "ec2/vpnGateway:VpnGateway",
            "ec2/customerGateway:CustomerGateway",
            "ec2/vpnConnection:VpnConnection",
            "eks/cluster:Cluster",
            "eks/nodeGroup:NodeGroup",
            "eks/addon:Addon",
            "eks/accessEntry:AccessEntry",
            "iam/role:Role",
            "iam/openIdConnectProvider:OpenIdConnectProvider",
            "kms/key:Key",
            "rds/instance:Instance",
            "rds/subnetGroup:SubnetGroup",
            "rds/parameterGroup:ParameterGroup",
            "s3/bucket:Bucket",
            "cloudwatch/logGroup:LogGroup",
            "secretsmanager/secret:Secret",
            "cognito/userPool:UserPool",
            "budgets/budget:Budget",
        )
    },
    **{
        f"azure-native:{t}": "tags"
        for t in (
            "resources:ResourceGroup",
            "network:VirtualNetwork",
            "network:PublicIPAddress",
            "network:VirtualNetworkGateway",
            "network:LocalNetworkGateway",
            "network:VirtualNetworkGatewayConnection",
            "containerservice:ManagedCluster",
            "containerservice:AgentPool",
            "dbforpostgresql:Server",
            "storage:StorageAccount",
            "keyvault:Vault",
            "managedidentity:UserAssignedIdentity",
        )
    },
    "gcp:storage/bucket:Bucket": "labels",
    "gcp:sql/databaseInstance:DatabaseInstance": "settings.userLabels",
    "gcp:container/cluster:Cluster": "resourceLabels",
    "gcp:kms/cryptoKey:CryptoKey": "labels",
    "gcp:secretmanager/secret:Secret": "labels",
    "gcp:compute/haVpnGateway:HaVpnGateway": "labels",
    "gcp:compute/externalVpnGateway:ExternalVpnGateway": "labels",
    "gcp:compute/vPNTunnel:VPNTunnel": "labels",
    "kubernetes:core/v1:Namespace": "metadata.labels",
}


def _provider_default_tags(resource_type: str, provider: Mapping[str, Any]) -> Mapping[str, Any]:
    """Tags the resource inherits from its provider: aws `defaultTags.tags`, gcp `defaultLabels`."""
    if resource_type.startswith("aws:"):
        return mapping(dig(provider, "defaultTags.tags"))
    if resource_type.startswith("gcp:"):
        return mapping(provider.get("defaultLabels"))
    return {}


def _check_tags(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    path = TAG_PATHS[ctx.resource_type]
    tags = {**_provider_default_tags(ctx.resource_type, ctx.provider_props), **mapping(dig(props, path))}
    missing = [k for k in ctx.config["requiredKeys"] if not str(tags.get(k) or "").strip()]
    if missing:
        yield f"{path} lacks {', '.join(missing)}"
    environment = tags.get("environment")
    if environment and environment != ctx.environment:
        yield f"{path}.environment is '{environment}' in a {ctx.environment} stack"


REQUIRED_TAGS = resource_policy(
    "required-tags",
    area="common",
    types=list(TAG_PATHS),
    severity="medium",
    summary="Taggable resources carry the owner, environment and cost-center tags/labels (AWS and Azure tags, "
    "GCP labels, Kubernetes namespace labels; provider default tags count); the environment tag matches the stack.",
    remediation="Pass PlatformSettings.tags() to every resource (or set the provider's default tags/labels).",
    check=_check_tags,
    security=False,
    environment_aware=True,
    reads={t: (p,) for t, p in TAG_PATHS.items()},
    config={
        "requiredKeys": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["owner", "environment", "cost-center"],
            "description": "Tag/label keys every taggable resource must carry.",
        }
    },
)

POLICIES = [REQUIRED_TAGS]
