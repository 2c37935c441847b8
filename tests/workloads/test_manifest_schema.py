"""Every Kubernetes object the dev and prod stacks apply validates with kubernetes-validate in strict mode (unknown
fields are errors, as `kubectl apply --validate=strict` makes them) against the OpenAPI schemas of each Kubernetes
minor the settings catalogue supports. kubernetes-validate 1.37.0 ships schemas for 1.34 to 1.37, so every supported
minor (1.35, 1.36) is checked against its own schemas, never an older one's: the version each validation reports
is asserted. Custom resources (the Prometheus operator's ServiceMonitor and PrometheusRule) have no built-in schema
(asserted: they are the only objects without one); they are validated, as strictly, against the openAPIV3Schema of
the CRDs the pinned chart installs (tests/workloads/crds/). Deliberately broken copies of a real Deployment and
ServiceMonitor (an unknown field, a wrong type) are validated alongside, so strict mode is proven live."""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate import utils

from components.settings.catalog import KUBE_PROMETHEUS_STACK_VERSION, KUBERNETES_VERSIONS
from tests.conftest import recorded_stack
from tests.workloads.helpers import ROOT, manifests

STACKS = ("dev", "prod")
# Custom resources of the kube-prometheus-stack chart's CRDs (kubernetes-validate knows only the built-in API).
CUSTOM_API_GROUPS = {"monitoring.coreos.com"}
CRDS = ROOT / "tests" / "workloads" / "crds"


@pytest.fixture(scope="module", autouse=True)
def _schemas_read_once() -> Iterator[None]:
    """kubernetes-validate re-reads and re-parses its schema files (1.6 MB of definitions) on every call; caching
    the reader keeps the ~350 validations under a second without changing what is validated."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(utils, "schema_contents", functools.lru_cache(maxsize=None)(utils.schema_contents))
        yield


def _validate(manifest: dict[str, Any], minor: str) -> str:
    """The schema version kubernetes-validate validated `manifest` against (strict); raises its ValidationError."""
    return kubernetes_validate.validate(manifest, minor, strict=True)


def _is_custom(manifest: dict[str, Any]) -> bool:
    return manifest["apiVersion"].split("/")[0] in CUSTOM_API_GROUPS


def test_kubernetes_validate_has_the_schemas_of_every_supported_minor():
    available = {utils.major_minor(version) for version in utils.all_versions()}
    assert set(KUBERNETES_VERSIONS) <= available, "bump kubernetes-validate for the new minor"


@pytest.mark.parametrize("minor", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("stack", STACKS)
def test_every_built_in_object_validates_strictly(stack: str, minor: str):
    objects = [(r, m) for r, m in manifests(recorded_stack(stack)) if not _is_custom(m)]
    kinds = {m["kind"] for _, m in objects}
    assert kinds >= {"Namespace", "ServiceAccount", "ConfigMap", "Deployment", "Service", "NetworkPolicy"}
    assert kinds >= {"HorizontalPodAutoscaler", "PodDisruptionBudget", "StorageClass"}
    failures = []
    for registration, manifest in objects:
        try:
            assert _validate(manifest, minor) == minor  # its own minor's schemas, not a fallback
        except utils.ValidationError as error:
            path = ".".join(str(p) for p in error.path)
            failures.append(f"{manifest['kind']} {registration.name} at {path or '(root)'}: {error.message[:200]}")
    assert failures == []


@pytest.mark.parametrize("stack", STACKS)
def test_only_custom_resources_lack_a_schema(stack: str):
    without = set()
    for _, manifest in manifests(recorded_stack(stack)):
        try:
            _validate(manifest, KUBERNETES_VERSIONS[-1])
        except utils.SchemaNotFoundError:
            without.add((manifest["apiVersion"], manifest["kind"]))
    assert without == {("monitoring.coreos.com/v1", "ServiceMonitor"), ("monitoring.coreos.com/v1", "PrometheusRule")}


def _deployment() -> dict[str, Any]:
    return copy.deepcopy(next(m for _, m in manifests(recorded_stack("dev")) if m["kind"] == "Deployment"))


@pytest.mark.parametrize("minor", KUBERNETES_VERSIONS)
def test_strict_mode_is_live_an_unknown_field_fails(minor: str):
    broken = _deployment()
    broken["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {"tcpSocket": {"port": 8443}}  # typo
    with pytest.raises(utils.ValidationError, match="livenesProbe"):
        _validate(broken, minor)


@pytest.mark.parametrize("minor", KUBERNETES_VERSIONS)
def test_a_wrong_type_fails(minor: str):
    broken = _deployment()
    broken["spec"]["replicas"] = "three"
    with pytest.raises(utils.ValidationError, match="three"):
        _validate(broken, minor)


# --- custom resources: the chart's own CRDs, made strict ------------------------------------------------------------


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    """The CRD schema with unknown fields refused wherever it lists the fields (the API server would prune them
    silently, so a misspelt field never takes effect), keeping maps and preserve-unknown-fields objects open."""
    strict = dict(schema)
    if "properties" in schema:
        strict["properties"] = {name: _strict(sub) for name, sub in schema["properties"].items()}
        if "additionalProperties" not in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
            strict["additionalProperties"] = False
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            strict[key] = _strict(schema[key])
    for key in ("anyOf", "allOf", "oneOf"):
        if key in schema:
            strict[key] = [_strict(sub) for sub in schema[key]]
    return strict


def _crd_validators() -> dict[tuple[str, str], jsonschema.protocols.Validator]:
    validators = {}
    for path in sorted(CRDS.glob("crd-*.yaml")):
        crd = yaml.safe_load(path.read_text())
        for version in crd["spec"]["versions"]:
            schema = dict(version["schema"]["openAPIV3Schema"])
            schema["properties"] = dict(schema["properties"], metadata={"type": "object"})  # checked by the server
            key = (f"{crd['spec']['group']}/{version['name']}", crd["spec"]["names"]["kind"])
            validators[key] = jsonschema.Draft202012Validator(_strict(schema))
    return validators


VALIDATORS = _crd_validators()


def _custom_errors(manifest: dict[str, Any]) -> list[str]:
    validator = VALIDATORS[(manifest["apiVersion"], manifest["kind"])]
    return [f"{'.'.join(map(str, e.path)) or '(root)'}: {e.message[:200]}" for e in validator.iter_errors(manifest)]


def test_the_vendored_crds_are_the_pinned_charts():
    readme = (CRDS / "README.md").read_text()
    assert f"kube-prometheus-stack-{KUBE_PROMETHEUS_STACK_VERSION}" in readme  # bump the copies with the chart
    assert set(VALIDATORS) == {
        ("monitoring.coreos.com/v1", "ServiceMonitor"),
        ("monitoring.coreos.com/v1", "PrometheusRule"),
    }


@pytest.mark.parametrize("stack", STACKS)
def test_every_custom_resource_validates_strictly_against_the_charts_crd(stack: str):
    objects = [(r, m) for r, m in manifests(recorded_stack(stack)) if _is_custom(m)]
    assert {m["kind"] for _, m in objects} == {"ServiceMonitor", "PrometheusRule"}
    failures = {f"{m['kind']} {r.name}": errors for r, m in objects if (errors := _custom_errors(m))}
    assert failures == {}


def test_the_crd_check_is_live():
    monitor = copy.deepcopy(next(m for _, m in manifests(recorded_stack("dev")) if m["kind"] == "ServiceMonitor"))
    monitor["spec"]["endpoints"][0]["intervall"] = "30s"  # typo: the server would prune it silently
    monitor["spec"]["endpoints"][0]["port"] = 9102  # a port name, not a number
    errors = _custom_errors(monitor)
    assert any("intervall" in e for e in errors) and any("9102" in e for e in errors), errors
