"""Every Kubernetes object the dev and prod stacks apply validates with kubernetes-validate in strict mode (unknown
fields are errors, as `kubectl apply --validate=strict` makes them) against the OpenAPI schemas of each Kubernetes
minor the settings catalogue supports. kubernetes-validate 1.37.0 ships schemas for 1.34 to 1.37, so every supported
minor (1.34, 1.35, 1.36) is checked against its own schemas, never an older one's: the version each validation reports
is asserted. Custom resources (the Prometheus operator's ServiceMonitor and PrometheusRule) have no built-in schema;
they are the only objects left to the checkov scan beside this one, and that is asserted too. Deliberately broken
copies of a real Deployment (an unknown field, a wrong type) are validated alongside, so strict mode is proven live."""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from typing import Any

import kubernetes_validate
import pytest
from kubernetes_validate import utils

from components.settings.catalog import KUBERNETES_VERSIONS
from tests.conftest import recorded_stack
from tests.workloads.helpers import manifests

STACKS = ("dev", "prod")
# Custom resources of the kube-prometheus-stack chart's CRDs (kubernetes-validate knows only the built-in API).
CUSTOM_API_GROUPS = {"monitoring.coreos.com"}


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
