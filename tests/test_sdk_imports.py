"""The import hook of components/sdk_imports.py: an SDK package resolves every name to the very object its eager
star imports bind, loads only the modules a program touches, and leaves other packages alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import ROOT

HOOK = "from components import sdk_imports; sdk_imports.install()"
"""What the offline runtime (scripts/offline.py) and the tests run first; `import components` alone does not."""

PACKAGES = [
    "pulumi_aws.s3", "pulumi_azure_native.network", "pulumi_gcp.compute", "pulumi_cloudflare",
    "pulumi_kubernetes.core.v1", "pulumi_kubernetes.helm.v3",
]
"""Packages with name clashes between modules (aws.s3's BucketVersioningArgs, functions named like their module),
the largest service packages, an SDK whose top-level package re-exports everything (Cloudflare), an API-version
package (Kubernetes), and one that star-imports a module without `__all__` (helm.v3's hand-written `helm`)."""

def eager_and_hooked(script: str, *args: str) -> tuple[Any, Any]:
    """What `script` prints as JSON with the SDKs loaded as generated, and through the hook (`{install}` in it
    becomes HOOK); both processes run at once."""
    runs = {
        hooked: subprocess.Popen(
            [sys.executable, "-c", script.format(install=HOOK if hooked else ""), *args],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )
        for hooked in (False, True)
    }
    eager, lazy = (json.loads(runs[hooked].communicate(timeout=180)[0]) for hooked in (False, True))
    return eager, lazy


DUMP = """
import importlib, json, sys
{install}
found = {{}}
for name in sys.argv[1:]:
    package = importlib.import_module(name)
    getattr(package, '_utilities')  # loads a lazily imported service package (dir() alone does not)
    found[name] = {{
        n: f"{{getattr(package, n).__module__}}.{{getattr(getattr(package, n), '__qualname__', n)}}"
        if hasattr(getattr(package, n), '__module__')
        else f"{{type(getattr(package, n)).__name__}} {{getattr(getattr(package, n), '__name__', '')}}"  # a module
        for n in sorted(n for n in dir(package) if not n.startswith('_'))
    }}
print(json.dumps(found))
"""


def test_every_name_resolves_to_what_the_eager_package_binds():
    # Public name -> where its object is defined, for each package, with and without the hook (both at once).
    eager, lazy = eager_and_hooked(DUMP, *PACKAGES)
    for package in PACKAGES:
        assert len(eager[package]) > 10, package
        assert lazy[package] == eager[package], package


def test_a_program_loads_only_the_modules_it_touches():
    probe = (
        "import sys\n" + HOOK + "\nimport pulumi_gcp as gcp; gcp.compute.VPNTunnel\n"
        "print(sorted(m for m in sys.modules if m.startswith('pulumi_gcp.compute.')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    loaded = eval(result.stdout)  # a printed list of module names
    assert "pulumi_gcp.compute.vpn_tunnel" in loaded
    assert "pulumi_gcp.compute.instance" not in loaded  # the eager __init__ would run ~300 modules
    assert len(loaded) < 10


def test_an_unknown_name_is_an_attribute_error_and_other_packages_load_as_usual():
    probe = (
        HOOK + "\nimport pulumi_aws.config as c, pulumi_aws as aws\n"
        "try:\n    aws.ec2.NoSuchResource\nexcept AttributeError as e:\n    print('attribute error:', e)\n"
        "from components.sdk_imports import ReexportingModule\n"
        "print(isinstance(c, ReexportingModule), '__getattr__' in vars(c), hasattr(c, 'region'))\n"
        "import pkgutil, importlib.resources\n"  # package data through the hooked packages' loaders, as eagerly
        "print(pkgutil.get_data('pulumi_aws.ec2', 'vpc.py')[:14], (importlib.resources.files(c) / 'vars.py').is_file())"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines() == [
        "attribute error: module 'pulumi_aws.ec2' has no attribute 'NoSuchResource'",
        "False False True",  # `config` packages do more than re-export: they run as generated
        "b'# coding=utf-8' True",
    ]


def test_every_hooked_package_names_its_exports_literally():
    """The hook reads each star-imported module's `__all__` as text: every such module of every installed SDK
    spells one, or defines no class or function and so exports none; the few that spell none (hand-written helpers)
    bind plain top-level names, read from their syntax, or stay star-imported as generated."""
    import importlib.util
    from pathlib import Path

    from components.sdk_imports import SDKS, exports, split_init

    checked = without_all = 0
    for sdk in SDKS:
        root = Path(importlib.util.find_spec(sdk).origin).parent  # type: ignore[union-attr, arg-type]
        for init in sorted(root.glob("**/__init__.py")):
            modules, _ = split_init(init)
            for module in modules:
                text = (init.parent / f"{module}.py").read_text()
                assert exports(init.parent / f"{module}.py"), f"{init.parent.name}.{module}: unreadable names"
                without_all += "__all__" not in text
                checked += 1
            for module in kept_eager(init):
                assert not exports(init.parent / f"{module}.py"), f"{init.parent.name}.{module}"
    assert checked > 6000
    assert without_all >= 1  # Kubernetes' helm.v3.helm


def kept_eager(init) -> set[str]:
    """The modules a package's hooked `__init__` still star-imports itself."""
    import ast

    from components.sdk_imports import split_init

    _, rest = split_init(init)
    body = ast.parse(rest).body
    return {n.module for n in body if isinstance(n, ast.ImportFrom) and n.names[0].name == "*" and n.module}


CLASSES = """
import importlib, inspect, json, sys, typing
import pulumi
{install}
module = importlib.import_module(sys.argv[1])
found = {{}}
for name in sys.argv[2:]:
    cls = getattr(module, name)
    found[name] = {{
        # Where each method's code starts (inspect.getsourcelines would parse the whole 4.6 MB module per class).
        "where": [cls.__module__, cls.__qualname__, sorted(
            (n, getattr(v, "fget", v).__code__.co_firstlineno) for n, v in vars(cls).items()
            if inspect.isfunction(getattr(v, "fget", v))
        )],
        "kind": [pulumi._types.is_input_type(cls), typing.is_typeddict(cls)],
        "fields": sorted(vars(cls).get("__annotations__", {{}})),
        "init": str(inspect.signature(cls.__init__)) if not typing.is_typeddict(cls) else None,
        "types": repr(pulumi._types.input_type_types(cls)) if pulumi._types.is_input_type(cls) else None,
    }}
print(json.dumps(found))
"""


@pytest.mark.parametrize(
    ("module", "names", "nested"),
    [
        # Nested argument types (their getters' hints name other classes of the module), a TypedDict, a decorated
        # class.
        (
            "pulumi_gcp.compute._inputs",
            ["VPNTunnelCipherSuiteArgs", "VPNTunnelCipherSuiteArgsDict", "RouterNatLogConfigArgs",
             "InstanceTemplateNetworkInterfaceArgs", "SubnetworkSecondaryIpRangeArgs"],
            ("VPNTunnelCipherSuiteArgs", "VPNTunnelCipherSuitePhase1Args"),
        ),
        # A discriminated union: `Union['DynamicDeliveryAttributeMappingArgs', 'Static...']` compiles to one tuple.
        (
            "pulumi_azure_native.eventgrid._inputs",
            ["AzureFunctionEventSubscriptionDestinationArgs", "AzureFunctionEventSubscriptionDestinationArgsDict"],
            ("AzureFunctionEventSubscriptionDestinationArgs", "StaticDeliveryAttributeMappingArgs"),
        ),
    ],
)
def test_a_lazily_defined_class_is_the_class_the_module_defines_eagerly(module, names, nested):
    eager, lazy = eager_and_hooked(CLASSES, module, *names)
    outer, inner = nested
    assert inner in eager[outer]["types"]  # nested classes resolve
    assert eager[names[1]]["kind"][1] is True
    assert lazy == eager


HINTS = """
import importlib, inspect, json, sys, typing
import pulumi
{install}
found = {{}}
local = {{"Output": pulumi.Output, "T": type(None)}}  # what the Pulumi SDK passes (pulumi/_types.py)
for name in sys.argv[1:]:
    module = importlib.import_module(name)
    for cls in [c for c in vars(module).values() if inspect.isclass(c) and c.__module__ == name]:
        for attribute, value in vars(cls).items():
            function = value.fget if isinstance(value, property) else value
            if not inspect.isfunction(function):
                continue
            for number, signature in enumerate([function, *typing.get_overloads(function)]):
                try:
                    hints = repr(typing.get_type_hints(signature, localns=local))
                except Exception as error:
                    hints = type(error).__name__
                found[f"{{name}}.{{cls.__name__}}.{{attribute}}.{{number}}"] = hints
print(json.dumps(found))
"""


def test_a_resource_module_resolves_every_hint_as_eagerly():
    """A resource module's `from ._inputs import *` binds only the classes its code names: each of its functions'
    annotations (`Union['XArgs', 'XArgsDict']` in the constructors) resolves in its namespace exactly as eagerly."""
    modules = [
        "pulumi_gcp.compute.autoscaler", "pulumi_azure_native.eventgrid.event_subscription", "pulumi_aws.s3.bucket",
        "pulumi_kubernetes.apps.v1.Deployment",
    ]
    eager, lazy = eager_and_hooked(HINTS, *modules)
    assert len(eager) > 100
    assert "AutoscalerAutoscalingPolicyArgsDict" in eager["pulumi_gcp.compute.autoscaler.Autoscaler.__init__.1"]
    assert "Error" not in "".join(eager.values())
    assert lazy == eager


def test_a_lazily_defined_output_class_translates_as_eagerly():
    probe = """
import importlib, json, sys, pulumi
{install}
import pulumi_gcp as gcp
tunnel, router = gcp.compute.VPNTunnel, gcp.compute.RouterNat
print(json.dumps({{
    cls.__name__: repr(pulumi._types.resource_types(cls)) for cls in (tunnel, router)
}} | {{"log": repr(pulumi._types.output_type_types(gcp.compute.outputs.RouterNatLogConfig))}}))
"""
    eager, lazy = eager_and_hooked(probe)
    assert "outputs.RouterNatLogConfig" in eager["RouterNat"]  # an output property typed by a class of `outputs`
    assert lazy == eager


def test_an_inputs_module_defines_only_the_classes_a_program_reaches():
    probe = (
        "import sys\n" + HOOK + "\nimport pulumi_gcp as gcp; gcp.compute.VPNTunnel\n"
        "m = sys.modules['pulumi_gcp.compute._inputs']\n"
        "defined = [n for n in m.__all__ if n in vars(m)]\n"
        "from pulumi_gcp.compute._inputs import *\n"  # outside the package: every name, as eagerly
        "print(len(defined), len(m.__all__), len([n for n in m.__all__ if n in globals()]))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    defined, every, star = map(int, result.stdout.split())
    assert every > 1000
    assert 0 < defined < every / 20
    assert star == every


def test_a_module_of_another_shape_is_split_only_when_it_is_plain_classes():
    from components.sdk_imports import split_classes

    header = b"import pulumi\n__all__ = [\n    'AArgs',\n]\n"
    classes = b"@pulumi.input_type\nclass AArgs:\n    x: int\n\n\nclass ADict(TypedDict):\n    pass\n"
    split = split_classes(header + classes)
    assert split is not None
    assert split[0] == header
    assert {n: (c.decorators, c.bases) for n, c in split[1].items()} == {
        "AArgs": (("pulumi.input_type",), ""), "ADict": ((), "TypedDict"),
    }
    described = b'@pulumi.output_type\nclass B(dict):\n    def b(self):\n        """Runs on\nat column 0."""\n'
    assert set(split_classes(header + classes + described)[1]) == {"AArgs", "ADict", "B"}  # type: ignore[index]
    assert split_classes(header + classes + b"REGISTRY = {}\n") is None  # a statement after the classes
    assert split_classes(header + described + b"REGISTRY = {}\n") is None
    assert split_classes(header + b"@pulumi.input_type(name='a')\nclass AArgs:\n    pass\n") is None
    assert split_classes(header + b"class A(Base, metaclass=M):\n    pass\n") is None


def test_the_offline_plan_is_the_same_with_the_sdks_loaded_as_generated(tmp_path, recorded):
    from components.sdk_imports import EAGER
    from scripts.plan import write_json

    plan = [sys.executable, "-m", "scripts.deploy", "plan", "--stack", "dev", "--quiet", "--json", tmp_path / "eager"]
    subprocess.run(plan, cwd=ROOT, stdout=subprocess.DEVNULL, env={**os.environ, EAGER: "1"}, timeout=300, check=True)
    write_json(recorded("dev"), tmp_path / "hooked")  # this process loads the SDKs through the hook

    def resources(name: str) -> dict[str, Any]:
        found = json.loads((tmp_path / name).read_text())["resources"]
        # Dependencies are a set in the SDK: their order differs from run to run.
        return {r["urn"]: {**r, "dependencies": sorted(r["dependencies"])} for r in found}

    hooked, eager = resources("hooked"), resources("eager")
    assert len(eager) > 300
    assert hooked == eager


def test_importing_a_submodule_keeps_the_object_its_package_exports_under_that_name():
    probe = (
        "{install}\nimport pulumi_kubernetes.core.v1.Namespace, pulumi_kubernetes as k8s\n"
        "print(type(k8s.core.v1.Namespace).__name__, k8s.core.v1.Namespace.__module__)"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", probe.format(install=install)], cwd=ROOT, capture_output=True, text=True, timeout=60
        ).stdout
        for install in ("", HOOK)
    }
    assert outputs == {"type pulumi_kubernetes.core.v1.Namespace\n"}  # the class, with and without the hook


def test_a_star_import_of_a_package_binds_what_the_eager_package_binds():
    probe = (
        "import sys\n{install}\nfound = {{}}\n"
        "for package in ('pulumi_aws.s3', 'pulumi_kubernetes.helm.v3'):\n"
        "    names = {{}}\n    exec(f'from {{package}} import *', names)\n"
        "    found[package] = sorted(n for n in names if n != '__builtins__')\n"
        "print(found)"
    )
    found = [
        subprocess.run(
            [sys.executable, "-c", probe.format(install=install)], cwd=ROOT, capture_output=True, text=True, timeout=120
        ).stdout
        for install in ("", HOOK)
    ]
    eager = eval(found[0])  # a printed dict of name lists
    assert {"Chart", "Release", "BucketV2"} <= {*eager["pulumi_kubernetes.helm.v3"], *eager["pulumi_aws.s3"]}
    assert found[1] == found[0]


def test_classes_asked_for_by_several_threads_at_once_are_each_defined_once():
    probe = (
        "import sys, threading, components\n"
        "import pulumi_gcp.compute._inputs as inputs\n"
        "names = [n for n in inputs.__all__ if n.startswith('Instance')][:400]\n"
        "sys.setswitchinterval(1e-6)\n"
        "errors, seen = [], {}\n"
        "def ask():\n"
        "    for name in names:\n"
        "        try:\n            seen.setdefault(name, set()).add(id(getattr(inputs, name)))\n"
        "        except Exception as error:\n            errors.append(type(error).__name__)\n"
        "threads = [threading.Thread(target=ask) for _ in range(4)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(len(names), len(errors), max(len(ids) for ids in seen.values()))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    asked, failed, classes_per_name = map(int, result.stdout.split())
    assert asked > 200
    assert (failed, classes_per_name) == (0, 1)  # no lookup failed, and each name is one class


def test_every_annotation_of_the_sdk_modules_the_stacks_use_resolves(recorded):
    """A resource module's `from ._inputs import *` binds only the classes its code names, and a class is defined
    after those it names: every annotation of every SDK module both stacks load (constructors and their overloads,
    getters, `get`) still resolves in that module, as it does eagerly."""
    import inspect
    import typing

    import pulumi

    from components.sdk_imports import SDKS, LazyClassesLoader

    recorded("dev"), recorded("prod")  # this process loads the SDKs through the hook
    local = {"Output": pulumi.Output, "T": type(None)}  # what the Pulumi SDK passes (pulumi/_types.py)
    modules = [
        module for name, module in sorted(sys.modules.items())
        if name.split(".")[0] in SDKS and not isinstance(getattr(module, "__loader__", None), LazyClassesLoader)
    ]
    checked, failures = 0, []
    for module in modules:
        for cls in [c for c in vars(module).values() if inspect.isclass(c) and c.__module__ == module.__name__]:
            for attribute, value in vars(cls).items():
                function = value.fget if isinstance(value, property) else value
                for signature in [function, *typing.get_overloads(function)] if inspect.isfunction(function) else []:
                    try:
                        typing.get_type_hints(signature, localns=local)
                    except Exception as error:  # every failure is reported
                        failures.append(f"{cls.__module__}.{cls.__qualname__}.{attribute}: {error!r}")
                    checked += 1
    assert checked > 5000
    assert failures == []


def finders_added_by(statement: str) -> list[str]:
    """The import finders (by class name) that running `statement` in a fresh interpreter adds to sys.meta_path."""
    probe = f"import sys\nbefore = list(sys.meta_path)\n{statement}\n" + (
        "print([type(f).__name__ for f in sys.meta_path if f not in before])"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return eval(result.stdout)  # a printed list of names


def test_import_components_leaves_the_import_system_as_generated():
    """`pulumi up` runs __main__.py, which imports components: the SDKs must load exactly as generated there."""
    assert finders_added_by("import components, components.program, components.platform") == []


def test_the_offline_runtime_installs_the_hook():
    assert finders_added_by("import scripts.offline") == ["ReexportFinder"]
