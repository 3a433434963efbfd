"""The package's layers, read from its imports: the next change cannot undo them.

Every module of ``focalboost`` belongs to exactly one layer of :data:`LAYERS`,
and imports (at module level or inside a function) run downwards only:

    maths  <-  shared  <-  contract  <-  backends  <-  applications  <-  face

Also: no module imports the package's face (``focalboost/__init__.py``), there
is no import cycle (lazy imports count), a name imported from another module
of the package has no leading underscore (what is private stays in its
module), the maths imports only numpy and scipy, and only the backends and
what stands on them import xgboost, lightgbm or dask.
"""

import ast
from pathlib import Path

import pytest

import focalboost

PACKAGE = Path(focalboost.__file__).resolve().parent

#: The layers, bottom up; a module imports only modules of its own layer or
#: of the layers below.
LAYERS = {
    "maths": {
        "focalboost._link",
        "focalboost._kernels",
        "focalboost.losses",
        "focalboost.losses._common",
        "focalboost.losses._binary",
        "focalboost.losses._softmax",
    },
    "shared": {
        "focalboost._compat",
        "focalboost._version",
        "focalboost._validation",
        "focalboost._input",
        "focalboost._params",
        "focalboost._objective",
        "focalboost._training",
        "focalboost._persist",
        "focalboost.metrics",
        "focalboost.datasets",
    },
    "contract": {"focalboost._base"},
    "backends": {"focalboost.xgboost", "focalboost.lightgbm"},
    "applications": {
        "focalboost.dask",
        "focalboost.dask._base",
        "focalboost.dask._xgboost",
        "focalboost.dask._lightgbm",
        "focalboost.cli",
        "focalboost.cli._commands",
        "focalboost.cli._compare",
        "focalboost.cli._report",
        "focalboost.cli._scores",
        "focalboost.cli._table",
        "focalboost.export",
        "focalboost.export._onnx",
        "focalboost.export._posterior",
    },
    "face": {"focalboost", "focalboost.__main__"},
}
ORDER = list(LAYERS)
LAYER_OF = {module: layer for layer, mods in LAYERS.items() for module in mods}
LAYER_OF["focalboost._ckernels"] = "maths"
#: Third-party packages a layer may not import (nor any layer below it).
FORBIDDEN_BELOW = {
    "backends": ("xgboost", "lightgbm"),
    "applications": ("dask", "distributed"),
}
MATHS_MAY_IMPORT = {"numpy", "scipy"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {
    _module_name(p): p
    for p in sorted(PACKAGE.rglob("*.py"))
    if "__pycache__" not in p.parts
}
#: Compiled extension modules, by their C source (built or not): maths.
EXTENSIONS = {_module_name(p) for p in PACKAGE.rglob("*.c")}


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _imports(module: str):
    """``(target module, imported names, line)`` of every import in ``module``."""
    tree = ast.parse(MODULES[module].read_text())
    base = module if _is_package(module) else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = base.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                target = ".".join(parts + ([node.module] if node.module else []))
            else:
                target = node.module
            yield target, [a.name for a in node.names], node.lineno


def _internal_edges(module: str):
    """Modules of the package that ``module`` imports, with the names taken."""
    for target, names, line in _imports(module):
        if not (target == "focalboost" or target.startswith("focalboost.")):
            continue
        known = MODULES.keys() | EXTENSIONS
        submodules = [n for n in names if f"{target}.{n}" in known]
        if submodules:
            for name in submodules:
                yield f"{target}.{name}", [], line
            names = [n for n in names if n not in submodules]
            if not names:
                continue
        yield target, names, line


def test_every_module_has_a_layer():
    assert set(MODULES) | EXTENSIONS == set(LAYER_OF), (
        "place new modules in a layer of tests/test_architecture.py: "
        f"{sorted((set(MODULES) | EXTENSIONS) ^ set(LAYER_OF))}"
    )


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_downwards(module):
    here = ORDER.index(LAYER_OF[module])
    for target, _, line in _internal_edges(module):
        if target == "focalboost" and module != "focalboost":
            pytest.fail(f"{module}:{line} imports the package's face (__init__)")
        if target not in LAYER_OF:
            continue
        there = ORDER.index(LAYER_OF[target])
        assert there <= here, (
            f"{module}:{line} ({LAYER_OF[module]}) imports {target} "
            f"({LAYER_OF[target]}), a higher layer"
        )


@pytest.mark.parametrize("module", sorted(MODULES))
def test_private_names_stay_in_their_module(module):
    for target, names, line in _internal_edges(module):
        private = [n for n in names if n.startswith("_") and n != "__version__"]
        assert not private, f"{module}:{line} imports {private} from {target}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_third_party_imports_by_layer(module):
    here = ORDER.index(LAYER_OF[module])
    for target, _, line in _imports(module):
        top = target.split(".")[0]
        if top == "focalboost":
            continue
        if LAYER_OF[module] == "maths":
            stdlib = top in {"__future__", "math", "numbers", "typing", "os"}
            stdlib |= top in {"threading", "contextlib", "contextvars", "functools"}
            stdlib |= top in {"collections", "concurrent"}
            stdlib |= top in {"warnings", "importlib"}  # _kernels: kernel absent
            assert stdlib or top in MATHS_MAY_IMPORT, f"{module}:{line} imports {top}"
        for layer, packages in FORBIDDEN_BELOW.items():
            if here < ORDER.index(layer):
                assert top not in packages, (
                    f"{module}:{line} ({LAYER_OF[module]}) imports {top}, which "
                    f"only the {layer} layer and above may"
                )


def test_no_import_cycles():
    graph = {m: {t for t, _, _ in _internal_edges(m) if t in MODULES} for m in MODULES}
    # a package's face may re-export its own submodules: that is no cycle
    for m in MODULES:
        if _is_package(m):
            graph[m] = {t for t in graph[m] if not t.startswith(m + ".")}
    state: dict[str, int] = {}

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
