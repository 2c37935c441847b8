"""The import hook of components/sdk_imports.py: an SDK package resolves every name to the very object its eager
star imports bind, loads only the modules a program touches, and leaves other packages alone."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

PACKAGES = ["pulumi_aws.s3", "pulumi_azure_native.network", "pulumi_gcp.compute", "pulumi_cloudflare"]
"""Packages with name clashes between modules (aws.s3's BucketVersioningArgs, functions named like their module),
the largest service packages, and an SDK whose top-level package re-exports everything (Cloudflare)."""

DUMP = """
import importlib, json, sys
{install}
found = {{}}
for name in sys.argv[1:]:
    package = importlib.import_module(name)
    getattr(package, '_utilities')  # loads a lazily imported service package (dir() alone does not)
    found[name] = {{
        n: f"{{getattr(package, n).__module__}}.{{getattr(getattr(package, n), '__qualname__', n)}}"
        for n in sorted(n for n in dir(package) if not n.startswith('_'))
        if hasattr(getattr(package, n), '__module__')
    }}
print(json.dumps(found))
"""


def test_every_name_resolves_to_what_the_eager_package_binds():
    # Public name -> where its object is defined, for each package, with and without the hook (both at once).
    runs = {
        hooked: subprocess.Popen(
            [sys.executable, "-c", DUMP.format(install="import components" if hooked else ""), *PACKAGES],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )
        for hooked in (False, True)
    }
    eager, lazy = (json.loads(runs[hooked].communicate(timeout=180)[0]) for hooked in (False, True))
    for package in PACKAGES:
        assert len(eager[package]) > 50, package
        assert lazy[package] == eager[package], package


def test_a_program_loads_only_the_modules_it_touches():
    probe = (
        "import sys, components, pulumi_gcp as gcp; gcp.compute.VPNTunnel; "
        "print(sorted(m for m in sys.modules if m.startswith('pulumi_gcp.compute.')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    loaded = eval(result.stdout)  # a printed list of module names
    assert "pulumi_gcp.compute.vpn_tunnel" in loaded
    assert "pulumi_gcp.compute.instance" not in loaded  # the eager __init__ would run ~300 modules
    assert len(loaded) < 10


def test_an_unknown_name_is_an_attribute_error_and_other_packages_load_as_usual():
    probe = (
        "import components, pulumi_aws.config as c, pulumi_aws as aws\n"
        "try:\n    aws.ec2.NoSuchResource\nexcept AttributeError as e:\n    print('attribute error:', e)\n"
        "print(type(c.__spec__.loader).__name__)"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines() == [
        "attribute error: module 'pulumi_aws.ec2' has no attribute 'NoSuchResource'",
        "SourceFileLoader",  # `config` packages do more than re-export: not hooked
    ]


def test_every_hooked_package_names_its_exports_literally():
    """The hook reads each star-imported module's `__all__` as text: every such module of every installed SDK
    must spell one (a module without it would export names the hook cannot see)."""
    import importlib.util
    from pathlib import Path

    from components.sdk_imports import SDKS, exports, split_init

    checked = 0
    for sdk in SDKS:
        root = Path(importlib.util.find_spec(sdk).origin).parent  # type: ignore[union-attr, arg-type]
        for init in [root / "__init__.py", *sorted(root.glob("*/__init__.py"))]:
            modules, _ = split_init(init)
            for module in modules:
                text = (init.parent / f"{module}.py").read_text()
                if "__all__" in text:
                    assert exports(init.parent / f"{module}.py"), f"{init.parent.name}.{module}: unreadable __all__"
                else:
                    assert not [line for line in text.splitlines() if line.startswith(("class ", "def "))], module
                checked += 1
    assert checked > 5000
