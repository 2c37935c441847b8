"""Load only the provider-SDK modules a program uses.

The generated packages of the provider SDKs re-export every module they hold from their `__init__`
(`from .network import *`: ~300 resource modules for `pulumi_gcp.compute`, all ~400 of `pulumi_cloudflare`), so
the first class a program touches runs them all: more than half of a whole-stack plan's time, and the same cost
on every `pulumi preview`/`up`. `install()` adds an import hook that runs such an `__init__` without its star
imports and gives the package a module `__getattr__` (PEP 562): a name resolves on first use by importing only
the module whose `__all__` exports it, which is exactly what the star import would have bound. Everything else
in the `__init__` (the SDK's resource-module registration, lazy subpackages) runs as generated.

A service's `_inputs` and `outputs` modules (thousands of argument and output classes: 4.6 MB of `_inputs` for
Cloudflare or GCP compute, about 60 % of a plan's imports) load lazily too, by `LazyClassesLoader`: their imports
run at once, and each class is defined on first use (from its body in the module's own bytecode) after the classes
it names (the names and string constants of that bytecode: its annotations' forward references). A sibling
resource module's `from ._inputs import *` binds just the classes that module's bytecode names. Annotations
resolve in the module's namespace (`typing.get_type_hints`, which the Pulumi SDK uses to translate nested inputs
and outputs) exactly as eagerly; a module of any other shape loads as generated. tests/test_sdk_imports.py
compares names, classes, hints and a whole plan with the eager import (`MULTICLOUD_EAGER_SDK_IMPORTS=1`).
"""

from __future__ import annotations

import ast
import bisect
import builtins
import functools
import importlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import CodeType, FunctionType, ModuleType
from typing import Any, NamedTuple

SDKS = ("pulumi_aws", "pulumi_gcp", "pulumi_azure_native", "pulumi_cloudflare", "pulumi_kubernetes")
"""Provider SDKs whose packages (the SDK itself, its service and API-version packages) re-export their modules."""

_ALL = b"\n__all__ = ["
_STAR_IMPORT = re.compile(r"^from \.\w+ import \*$", re.MULTILINE)
_REEXPORT = re.compile(r"^(?:from \.(\w+) import \*|from \. import outputs)$", re.MULTILINE)
"""The top-level statements of a generated package `__init__` that the hook defers: star imports, `outputs`."""
_OUTPUTS_IMPORT = re.compile(r"^from \. import outputs$", re.MULTILINE)
_CLASS_START = re.compile(rb"\n(?=[@c])((?:@[\w.]+\n)*)class (\w+)(?:\(([\w.]+(?:, [\w.]+)*)\))?:\n")
"""A top-level class statement of generated code, with its decorators: `@pulumi.input_type` / `class XArgs:`.
(Each pattern starts at the newline before its line: much faster than `^` over megabytes of source; bytes are
matched, the source is not decoded.)"""
_STATEMENT = re.compile(rb"\n[^\s#]")


EAGER = "MULTICLOUD_EAGER_SDK_IMPORTS"
"""Environment variable: set to 1 to load the SDKs exactly as generated (no hook), e.g. to rule the hook out."""


def install() -> None:
    """Put the hook in front of the normal path finder (idempotent); not when EAGER is set."""
    if os.environ.get(EAGER) == "1":
        return
    if not any(isinstance(finder, ReexportFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, ReexportFinder())


def split_init(init: Path, source: str | None = None) -> tuple[list[str], str]:
    """The modules a package `__init__` star-imports, and the rest of its source (`from . import outputs` left out
    too: the output types load with the first resource module that needs them), each left-out statement blanked so
    that line numbers stay. A star import of a module that exports nothing, or whose names cannot be read without
    running it, stays in the rest: it binds what it binds."""
    modules: list[str] = []

    def leave_out(statement: re.Match[str]) -> str:
        module = statement.group(1)
        if module is not None and not exports(init.parent / f"{module}.py"):
            return statement.group(0)
        if module is not None:
            modules.append(module)
        return ""

    return modules, _REEXPORT.sub(leave_out, init.read_text() if source is None else source)


@functools.cache
def exports(module_file: Path) -> list[str] | None:
    """The names `from module import *` binds: a generated module's `__all__` (read once per process; it stands
    near the top, so the rest of the file is read only when it runs on; bytes are searched, which is cheaper than
    decoding the ~2,600 modules of the packages a whole stack uses), or the public names a module without one binds
    at its top level (Kubernetes' hand-written `helm.v3.helm`). None when its statements bind names otherwise."""
    with module_file.open("rb") as source:
        text = b"\n" + source.read(16384)
        start = text.find(_ALL)
        if start < 0 or text.find(b"]", start) < 0:
            text += source.read()
            start = text.find(_ALL)
    end = text.find(b"]", start)
    if start < 0 or end < 0:
        return _top_level_names(text)
    return [name.decode() for name in re.findall(rb"'([^']+)'", text[start:end])]


def _top_level_names(source: bytes) -> list[str] | None:
    """The public names a module's top-level imports, definitions and assignments bind; None for any other
    statement that binds names (a conditional, a loop, a star import...)."""
    names: list[str] = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Import):
            names += [alias.asname or alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and all(alias.name != "*" for alias in node.names):
            names += [alias.asname or alias.name for alias in node.names]
        elif isinstance(node, ast.Assign) and all(isinstance(target, ast.Name) for target in node.targets):
            names += [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names += [node.target.id] if node.value is not None else []
        elif not isinstance(node, ast.Expr):
            return None
    return [name for name in dict.fromkeys(names) if not name.startswith("_")]


class ReexportFinder(importlib.abc.MetaPathFinder):
    """Finds an SDK package or one of its service packages (`pulumi_gcp`, `pulumi_gcp.compute`) that re-exports
    modules, and loads it with ReexportLoader."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        if fullname.split(".")[0] not in SDKS:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or spec.loader is None:
            return spec
        if spec.origin.endswith("__init__.py"):
            # Read when it runs: SDKs look up every service package's spec up front (`_utilities.lazy_import`).
            spec.loader = ReexportLoader(Path(spec.origin), spec.loader)
        elif fullname.endswith(("._inputs", ".outputs")):
            spec.loader = LazyClassesLoader(Path(spec.origin))
        return spec


class ReexportLoader(importlib.abc.Loader):
    """Executes a re-exporting package as a module `__getattr__` over its modules' exports; a package `__init__`
    that star-imports nothing (e.g. `pulumi_aws.config`) runs as generated, by the normal `loader`."""

    def __init__(self, init: Path, loader: importlib.abc.Loader):
        self.init = init
        self.loader = loader
        self.modules: list[str] = []
        self._exports: dict[str, list[str]] | None = None
        self._owners: dict[str, str] = {}

    def __getattr__(self, name: str) -> Any:
        """The normal loader's other methods (`get_data`, `get_resource_reader`...: package data, sources)."""
        if name == "loader":
            raise AttributeError(name)
        return getattr(self.loader, name)

    def exports(self) -> dict[str, list[str]]:
        """Module -> its `__all__`; read once, on the first name looked up."""
        if self._exports is None:
            found = {m: exports(self.init.parent / f"{m}.py") or [] for m in self.modules}
            # A name several modules export is bound by the last star import, as in the generated __init__.
            self._owners = {name: m for m, names in found.items() for name in names}
            self._exports = found  # published last: a concurrent lookup sees both or neither
        return self._exports

    def exec_module(self, module: ModuleType) -> None:
        source = self.init.read_text()
        if not _STAR_IMPORT.search(source):
            self.loader.exec_module(module)
            return
        package = module.__name__
        self.modules, rest = split_init(self.init, source)
        submodules = ["outputs"] if _OUTPUTS_IMPORT.search(source) else []  # imported on first use

        def bind(owner: str, wanted: str) -> None:
            """Import one re-exported module and bind the names its star import binds (a submodule whose name is
            also an exported function, e.g. `get_bucket`, ends up bound to the function, as eagerly). Of a module
            whose classes load lazily, only `wanted` is bound (the others bind when looked up)."""
            imported = importlib.import_module(f"{package}.{owner}")
            lazy = isinstance(getattr(imported, "__loader__", None), LazyClassesLoader)
            for name in [wanted] if lazy else self.exports()[owner]:
                if self._owners[name] == owner:
                    setattr(module, name, getattr(imported, name))
            if owner in self._owners and self._owners[owner] != owner:
                bind(self._owners[owner], owner)

        def __getattr__(name: str) -> Any:  # noqa: N807 (PEP 562 module hook)
            self.exports()
            if name == "__all__":  # `from package import *`: every public name, as the generated package binds
                return [name for name in __dir__() if not name.startswith("_")]
            if name in self._owners:
                bind(self._owners[name], name)
                return module.__dict__[name]
            if not name.startswith("__") and (self.init.parent / f"{name}.py").exists():
                return importlib.import_module(f"{package}.{name}")  # a submodule (`outputs`, `_inputs`)
            raise AttributeError(f"module {package!r} has no attribute {name!r}")

        def __dir__() -> list[str]:  # noqa: N807
            return sorted({*module.__dict__, *self.exports(), *self._owners, *submodules})

        module.__getattr__ = __getattr__  # type: ignore[method-assign]
        module.__dir__ = __dir__  # type: ignore[method-assign]

        def rebind(name: str) -> None:
            """After the import system bound submodule `name` as an attribute: the exported object, if any."""
            self.exports()
            if name in self._owners:
                bind(self._owners[name], name)

        module.__dict__["_rebind_export"] = rebind
        module.__class__ = ReexportingModule
        exec(compile(rest, str(self.init), "exec"), module.__dict__)


class ReexportingModule(ModuleType):
    """A hooked package. Importing a submodule binds it as the package's attribute (`import
    pulumi_kubernetes.core.v1.Namespace`); where the eager star import binds an exported object of that name
    instead (the `Namespace` class, GCP's `get_network` function), the package keeps that object, as eagerly."""

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if isinstance(value, ModuleType) and value.__name__ == f"{self.__name__}.{name}":
            self.__dict__["_rebind_export"](name)


def split_classes(source: bytes) -> tuple[bytes, dict[str, ClassStatement]] | None:
    """A generated `_inputs`/`outputs` module as its header (imports, `__all__`) and its class statements by name.
    None when anything but plainly decorated classes follows the header (such a module loads eagerly)."""
    starts = list(_CLASS_START.finditer(source))
    if not starts:
        return None
    first = starts[0].start() + 1  # the first decorator or class line
    header = source[:first]
    statements = sum(start.group(1).count(b"\n") + 1 for start in starts)  # decorators and class lines
    found = [m.start() + 1 for m in _STATEMENT.finditer(source, first - 1)]
    if len(found) != statements and not _only_in_docstrings(source, starts, found):
        return None  # a decorator call, keyword bases, a statement between classes...: not the generated shape
    if header.rstrip().rsplit(b"\n", 1)[-1].startswith(b"@"):
        return None
    return header, {start.group(2).decode(): ClassStatement(start.group(1), start.group(3) or b"") for start in starts}


def _only_in_docstrings(source: bytes, starts: list[re.Match[bytes]], lines: list[int]) -> bool:
    """Whether every unindented line among `lines` that is not a class's decorator or `class` line sits inside a
    docstring (a description that runs on at column 0), i.e. after an odd number of triple quotes in its class."""
    owners = [start.start() + 1 for start in starts]
    for line in lines:
        owner = bisect.bisect_right(owners, line) - 1
        if line < starts[owner].end():
            continue  # a decorator or `class` line of its own
        if source.count(b'"""', owners[owner], line) % 2 == 0:
            return False
    return True


class ClassStatement(NamedTuple):
    """The head of one top-level class of a generated module: `@decorators` lines and `class name(bases):`."""

    decorator_lines: bytes
    bases_text: bytes

    @property
    def decorators(self) -> tuple[str, ...]:
        return tuple(re.findall(r"@([\w.]+)", self.decorator_lines.decode()))

    @property
    def bases(self) -> str:
        return self.bases_text.decode()


class LazyClassesLoader(importlib.abc.Loader):
    """Executes a generated `_inputs`/`outputs` module's header, then defines each class on first lookup, after those
    it names (the forward references of its annotations, its bases). A class is built from its body as compiled in
    the module's own bytecode (the `__pycache__` file the normal import uses), decorated as in the source."""

    def __init__(self, path: Path):
        self.path = path
        self.classes: dict[str, ClassStatement] = {}

    def exec_module(self, module: ModuleType) -> None:
        namespace = module.__dict__
        code = importlib.machinery.SourceFileLoader(module.__name__, str(self.path)).get_code(module.__name__)
        split = split_classes(self.path.read_bytes())
        bodies = {c.co_name: c for c in code.co_consts if isinstance(c, CodeType)} if code else {}
        if code is None or split is None or not bodies.keys() >= split[1].keys():  # not the generated shape
            exec(code or compile(self.path.read_bytes(), str(self.path), "exec"), namespace)
            return
        header, self.classes = split
        exec(compile(header, str(self.path), "exec"), namespace)
        every_name: list[str] = namespace.pop("__all__")
        defining: set[str] = set()  # by the thread that holds `lock`: a class that names one being defined
        lock = threading.RLock()

        def define(name: str) -> None:
            """`class name(bases): body` with its decorators, as the module's statement would run it."""
            if name in namespace or name in defining:
                return
            defining.add(name)
            try:
                statement = self.classes[name]
                for needed in {*_names(bodies[name]), *re.findall(r"\w+", statement.bases)} & self.classes.keys():
                    define(needed)
                bases = eval(_expression(f"({statement.bases},)"), namespace) if statement.bases else ()
                built = builtins.__build_class__(FunctionType(bodies[name], namespace, name), name, *bases)
                for decorator in reversed(statement.decorators):
                    built = eval(_expression(decorator), namespace)(built)
                namespace[name] = built
            finally:
                defining.discard(name)

        def __getattr__(name: str) -> Any:  # noqa: N807 (PEP 562 module hook)
            if name == "__all__":
                caller = sys._getframe(1)
                # A sibling resource module's `from ._inputs import *`: only the classes its code names.
                known = caller.f_globals
                sibling = known.get("__package__") == module.__package__ and "__path__" not in known
                if sibling and not isinstance(known.get("__loader__"), LazyClassesLoader):
                    named = _names(caller.f_code)
                    return [name for name in every_name if name in named]
                return list(every_name)
            if name in self.classes:
                with lock:  # another thread asking meanwhile waits for the class
                    define(name)
                return namespace[name]
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")

        def __dir__() -> list[str]:  # noqa: N807
            return sorted({*namespace, *every_name})

        module.__getattr__ = __getattr__  # type: ignore[method-assign]
        module.__dir__ = __dir__  # type: ignore[method-assign]


def _names(code: CodeType) -> set[str]:
    """The names and string constants (forward references: `pulumi.Input['XArgs']`) a class body and the functions
    in it use, including those the compiler folds into one tuple (`Union['XArgs', 'XArgsDict']`)."""
    found: set[str] = set()
    pending: list[object] = [code]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, CodeType):
            found.update(item.co_names)
            pending.extend(item.co_consts)
        elif isinstance(item, tuple | frozenset):
            pending.extend(item)
    return found


@functools.cache
def _expression(text: str) -> CodeType:
    """A decorator or bases expression of a generated class, compiled once."""
    return compile(text, "<sdk_imports>", "eval")
