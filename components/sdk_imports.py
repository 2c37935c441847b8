"""Load only the provider-SDK modules a program uses.

The generated packages of the provider SDKs re-export every module they hold from their `__init__`
(`from .network import *`: ~300 resource modules for `pulumi_gcp.compute`, all ~400 of `pulumi_cloudflare`), so
the first class a program touches runs them all: more than half of a whole-stack plan's time, and the same cost
on every `pulumi preview`/`up`. `install()` adds an import hook that runs such an `__init__` without its star
imports and gives the package a module `__getattr__` (PEP 562): a name resolves on first use by importing only
the module whose `__all__` exports it, which is exactly what the star import would have bound. Everything else
in the `__init__` (the SDK's resource-module registration, lazy subpackages) runs as generated.
"""

from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.machinery
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

SDKS = ("pulumi_aws", "pulumi_gcp", "pulumi_azure_native", "pulumi_cloudflare")
"""Provider SDKs whose packages (the SDK itself and its service packages) re-export their modules."""

_ALL = re.compile(r"^__all__ = \[(.*?)\]", re.MULTILINE | re.DOTALL)


def install() -> None:
    """Put the hook in front of the normal path finder (idempotent)."""
    if not any(isinstance(finder, ReexportFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, ReexportFinder())


def split_init(init: Path) -> tuple[list[str], ast.Module]:
    """The modules a package `__init__` star-imports, and the rest of it (`from . import outputs` left out too:
    the output types load with the first resource module that needs them)."""
    tree = ast.parse(init.read_text())
    modules, rest = [], []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module and node.names[0].name == "*":
            modules.append(node.module)
        elif not (
            isinstance(node, ast.ImportFrom) and node.level == 1 and [a.name for a in node.names] == ["outputs"]
        ):
            rest.append(node)
    return modules, ast.Module(body=rest, type_ignores=[])


def exports(module_file: Path) -> list[str]:
    """The names in a generated module's `__all__`."""
    found = _ALL.search(module_file.read_text())
    return re.findall(r"'([^']+)'", found.group(1)) if found else []


class ReexportFinder(importlib.abc.MetaPathFinder):
    """Finds an SDK package or one of its service packages (`pulumi_gcp`, `pulumi_gcp.compute`) that re-exports
    modules, and loads it with ReexportLoader."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        if fullname.split(".")[0] not in SDKS or fullname.count(".") > 1:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not spec.origin.endswith("__init__.py"):
            return spec
        modules, rest = split_init(Path(spec.origin))
        if modules:
            spec.loader = ReexportLoader(Path(spec.origin), modules, rest)
        return spec


class ReexportLoader(importlib.abc.Loader):
    """Executes a re-exporting package as a module `__getattr__` over its modules' exports."""

    def __init__(self, init: Path, modules: list[str], rest: ast.Module):
        self.init = init
        self.modules = modules
        self.rest = rest
        self._exports: dict[str, list[str]] | None = None
        self._owners: dict[str, str] = {}

    def exports(self) -> dict[str, list[str]]:
        """Module -> its `__all__`; read once, on the first name looked up."""
        if self._exports is None:
            found = {m: exports(self.init.parent / f"{m}.py") for m in self.modules}
            # A name several modules export is bound by the last star import, as in the generated __init__.
            self._owners = {name: m for m, names in found.items() for name in names}
            self._exports = found  # published last: a concurrent lookup sees both or neither
        return self._exports

    def exec_module(self, module: ModuleType) -> None:
        package = module.__name__

        def bind(owner: str) -> None:
            """Import one re-exported module and bind the names its star import binds (a submodule whose name is
            also an exported function, e.g. `get_bucket`, ends up bound to the function, as eagerly)."""
            imported = importlib.import_module(f"{package}.{owner}")
            for name in self.exports()[owner]:
                if self._owners[name] == owner:
                    setattr(module, name, getattr(imported, name))
            if owner in self._owners and self._owners[owner] != owner:
                bind(self._owners[owner])

        def __getattr__(name: str) -> Any:  # noqa: N807 (PEP 562 module hook)
            self.exports()
            if name == "__all__":
                return list(self._owners)
            if name in self._owners:
                bind(self._owners[name])
                return module.__dict__[name]
            if not name.startswith("__") and (self.init.parent / f"{name}.py").exists():
                return importlib.import_module(f"{package}.{name}")  # a submodule (`outputs`, `_inputs`)
            raise AttributeError(f"module {package!r} has no attribute {name!r}")

        def __dir__() -> list[str]:  # noqa: N807
            return sorted({*module.__dict__, *self.exports(), *self._owners})

        module.__getattr__ = __getattr__  # type: ignore[method-assign]
        module.__dir__ = __dir__  # type: ignore[method-assign]
        exec(compile(self.rest, str(self.init), "exec"), module.__dict__)
