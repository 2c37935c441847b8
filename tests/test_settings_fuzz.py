"""Property tests of load_settings: whatever a stack file holds, the loader answers with settings or with
well-formed problem lines (a SettingsError), never with another exception."""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from components.program import run
from components.settings import loader
from components.settings.loader import PLATFORM_KEY, PROJECT, SettingsError, load_settings, read_stack_config
from components.settings.models import PlatformSettings
from scripts.offline import record
from tests.conftest import ROOT
from tests.test_settings import MINIMAL, PROVIDERS

# The minimal valid stack configs and provider keys the settings tests load (one copy, there).
LINE = re.compile(r"^Pulumi\.(dev|prod)\.yaml: (multicloud-platform:platform(\.|$)|aws:region: )")

Path = tuple[str | int, ...]


def _full(env: str) -> dict[str, Any]:
    """The valid config with every key spelled out (more key paths to mutate than the minimal one)."""
    return load_settings(env, {**PROVIDERS, PLATFORM_KEY: MINIMAL[env]}).model_dump(mode="json")


BASES: list[tuple[str, dict[str, Any]]] = [
    (env, base) for env in ("dev", "prod") for base in (MINIMAL[env], _full(env))
]


def paths(tree: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every key path below the root: `("clouds", "aws", "regions", 0, "cidr")`, containers included."""
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    for key, value in items:
        yield (*prefix, key)
        yield from paths(value, (*prefix, key))


def a_path(draw: st.DrawFn, candidates: list[Path]) -> Path:
    """One of `candidates`, the top-level section first, so the many node-pool keys do not crowd out the rest."""
    sections = sorted({path[0] for path in candidates}, key=str)
    section = draw(st.sampled_from(sections))
    return draw(st.sampled_from([path for path in candidates if path[0] == section]))


def node(tree: Any, path: Path) -> Any:
    for key in path:
        tree = tree[key]
    return tree


def replaced(tree: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(tree)
    node(out, path[:-1])[path[-1]] = value
    return out


def dropped(tree: dict[str, Any], path: Path) -> dict[str, Any]:
    out = copy.deepcopy(tree)
    del node(out, path[:-1])[path[-1]]
    return out


def with_key(tree: dict[str, Any], path: Path, key: str, value: Any) -> dict[str, Any]:
    """`key: value` added to the mapping at `path` (the root when `path` is empty)."""
    out = copy.deepcopy(tree)
    node(out, path)[key] = value
    return out


# Values that reach deeper into validation than random text would.
INTERESTING = [
    "1.35", "1.28", "16", "13", "30s", "15m", "2h", "1d", "0s", "-5m", "10.0.0.0/16", "10.10.0.0/16", "0.0.0.0/0",
    "8.8.8.0/24", "10.0.0.0/8", "aws", "azure", "gcp", "primary", "secondary", "tertiary", "spot", "on-demand",
    "per_az", "single", "dev", "prod", "staging", "db.r6g.large", "db-standard-4", "GP_Standard_D4s_v3", "ENAM",
    "MARS", "data", "southafricanorth", "us-east-1", "us-west-2", "", "x" * 40, 0, -1, 1, 3, 30, 7, 10**400,
    float("inf"), float("nan"),
]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12), st.sampled_from(INTERESTING),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
REGIONS = st.just("us-east-1") | st.sampled_from([None, "us-west-2", "eu-west-1", ""])


def similar(value: Any) -> st.SearchStrategy[Any]:
    """Values of the same type as `value`, so that mutated configs often pass field validation and reach the rules."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(-2, 2 * abs(value) + 2) | st.sampled_from([0, 1, 3, 7, 30, 365, 86400])
    if isinstance(value, float):
        return st.floats(0, 2 * abs(value) + 1) if math.isfinite(value) else st.floats()
    if isinstance(value, str):  # a known value, or this one made longer (to reach the name-length limits)
        longer = st.integers(1, 40).map(lambda n: value + "x" * n)
        return st.sampled_from([value] + [v for v in INTERESTING if isinstance(v, str)]) | longer
    return JSON


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_loads_or_explains(env: str, platform: dict[str, Any], aws_region: str | None = "us-east-1") -> str:
    """The property: settings, or a SettingsError whose every line names the stack file and a key."""
    config = {**PROVIDERS, "aws:region": aws_region, PLATFORM_KEY: platform}
    if aws_region is None:
        del config["aws:region"]
    try:
        result = loader.load_settings(env, config)
    except SettingsError as err:
        assert err.problems, "SettingsError without problems"
        bad = [line for line in err.problems if not LINE.match(line)]
        assert not bad, bad
        return "rejected"
    else:
        assert isinstance(result, PlatformSettings)
        assert result.environment in ("dev", "prod")
        return "loaded"


def test_the_bases_are_valid() -> None:
    for env, base in BASES:
        assert isinstance(load_settings(env, {**PROVIDERS, PLATFORM_KEY: base}), PlatformSettings)
    assert len(list(paths(BASES[-1][1]))) > 200  # the full config really offers many paths


@pytest.mark.parametrize(("escape", "caught"), [
    pytest.param(KeyError("clouds"), KeyError, id="other-exception"),
    pytest.param(SettingsError(["Pulumi.prod.yaml: platform: no namespace"]), AssertionError, id="malformed-line"),
    pytest.param(SettingsError(["Pulumi.prod.yaml: multicloud-platform:platform: a list"]), AssertionError,
                 id="platform-line-without-key-path"),
    pytest.param(SettingsError([]), AssertionError, id="no-problems"),
])
def test_the_property_can_fail(monkeypatch: pytest.MonkeyPatch, escape: Exception, caught: type[Exception]) -> None:
    def broken(*_: Any) -> PlatformSettings:
        raise escape

    monkeypatch.setattr(loader, "load_settings", broken)
    with pytest.raises(caught):
        assert_loads_or_explains("prod", MINIMAL["prod"])


@FUZZ
@given(data=st.data())
def test_random_value_at_a_random_key_path(data: st.DataObject) -> None:
    env, base = data.draw(st.sampled_from(BASES), label="base")
    path = a_path(data.draw, list(paths(base)))
    value = data.draw(JSON, label="value")
    event(assert_loads_or_explains(env, replaced(base, path, value)))


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, dict[str, Any], str | None]:
    """A valid base with 1-3 random mutations: drop a key, replace a leaf, add an unknown key; and an aws:region."""
    env, platform = draw(st.sampled_from(BASES))
    for _ in range(draw(st.integers(1, 3))):
        every = list(paths(platform))
        kind = draw(st.sampled_from(["drop", "drop", "leaf", "leaf", "leaf", "unknown"]))
        if kind == "drop" and every:
            platform = dropped(platform, a_path(draw, every))
        elif kind == "leaf" and every:
            leaves = [p for p in every if not isinstance(node(platform, p), dict | list)] or every
            leaf = a_path(draw, leaves)
            typed = draw(st.integers(0, 3)) > 0  # mostly a value of the leaf's own type
            platform = replaced(platform, leaf, draw(similar(node(platform, leaf)) if typed else JSON))
        else:
            mappings = [p for p in every if isinstance(node(platform, p), dict)] or [()]
            key = draw(st.sampled_from(["nmae", "enabled_", "region", "tier", "x"]) | st.text(min_size=1, max_size=8))
            target = draw(st.just(()) | st.sampled_from(mappings))
            platform = with_key(platform, target, key, draw(JSON))
    return env, platform, draw(REGIONS)


@FUZZ
@given(case=mutated())
def test_random_mutations_of_a_valid_config(case: tuple[str, dict[str, Any], str | None]) -> None:
    env, platform, aws_region = case
    event(assert_loads_or_explains(env, platform, aws_region))


FULL = {env: base for env, base in BASES if "clouds" in base}


@FUZZ
@given(
    env=st.sampled_from(["dev", "prod"]),
    name=st.from_regex(r"[a-z][a-z0-9]{1,7}", fullmatch=True),
    cloud=st.sampled_from(["aws", "azure", "gcp"]),
    index=st.integers(0, 1),
    region=st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=2, max_size=40),
    bucket=st.from_regex(r"[a-z][a-z0-9]{1,11}", fullmatch=True),
)
def test_random_names_regions_and_buckets(
    env: str, name: str, cloud: str, index: int, region: str, bucket: str
) -> None:
    # Field-valid values that only the cross-field rules (physical-name lengths) can reject.
    platform = replaced(FULL[env], ("name",), name)
    platform = replaced(platform, ("clouds", cloud, "regions", index, "name"), region)
    platform = replaced(platform, ("buckets", 0, "name"), bucket)
    event(assert_loads_or_explains(env, platform))


# --- end to end: a mutated stack file either explains itself or plans -----------------------------

STACK_FILES = {env: read_stack_config(ROOT, env) for env in ("dev", "prod")}


@st.composite
def mutated_stack_file(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A committed stack file with one leaf replaced by a value of the same type."""
    env = draw(st.sampled_from(sorted(STACK_FILES)))
    config = dict(STACK_FILES[env])
    platform = config[PLATFORM_KEY]
    leaves = [p for p in paths(platform) if not isinstance(node(platform, p), dict | list)]
    leaf = a_path(draw, leaves)
    config[PLATFORM_KEY] = replaced(platform, leaf, draw(similar(node(platform, leaf))))
    return env, config


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated_stack_file())
def test_mutated_stack_file_is_rejected_with_key_paths_or_plans(case: tuple[str, dict[str, Any]]) -> None:
    env, config = case
    try:
        load_settings(env, config)
    except SettingsError as err:
        assert err.problems and all(LINE.match(line) for line in err.problems), err.problems
        event("rejected")
        return
    recording = record(env, config, run, PROJECT)
    event("planned")
    assert any(r.type == "aws:eks/cluster:Cluster" for r in recording.resources)
