"""Constants re-exported by a package are documented by their own ``#:`` comment.

autodoc documents ``.. autodata:: focalboost.losses.HESSIAN_FLOOR`` from the
source of ``focalboost/losses/__init__.py``; the constant is defined, with its
``#:`` documentation comment, in a private submodule that the package imports
it from. Finding no comment where the name is re-exported, autodoc falls back
to the docstring of the value's type: a tuple becomes "Built-in immutable
sequence", a float "Convert a string or number to a floating point number".

This hook replaces that type docstring by the ``#:`` comment of the module
that defines the constant (the submodule of the package that holds the very
same object under that name). A constant that has neither a docstring of its
own nor such a comment is a build warning, hence an error under ``-W``.
"""

from __future__ import annotations

import importlib
import pkgutil

from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _has_own_doc(obj) -> bool:
    # equality, not identity: a built-in type's __doc__ is a new string on
    # every access
    doc = getattr(obj, "__doc__", None)
    return bool(doc) and doc != getattr(type(obj), "__doc__", None)


def _defining_comment(module_name: str, attr: str, obj) -> list[str] | None:
    """Return the ``#:`` comment of ``attr`` where ``obj`` is defined, or None."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    candidates = [module_name]
    if hasattr(module, "__path__"):  # a package: its submodules, private too
        candidates += [
            f"{module_name}.{info.name}"
            for info in pkgutil.iter_modules(module.__path__)
        ]
    for name in candidates:
        try:
            sub = importlib.import_module(name)
            docs = ModuleAnalyzer.for_module(name).find_attr_docs()
        except Exception:  # noqa: BLE001 (a module that cannot be analysed)
            continue
        if getattr(sub, attr, None) is obj and ("", attr) in docs:
            return [line for line in docs[("", attr)]]
    return None


def _process(app, what, name, obj, options, lines):
    if what != "data" or _has_own_doc(obj):
        return
    module_name, _, attr = name.rpartition(".")
    comment = _defining_comment(module_name, attr, obj)
    if comment is None:
        logger.warning(
            "%s has no documentation of its own (a '#:' comment where it is "
            "defined); autodoc would show the docstring of %s",
            name,
            type(obj).__name__,
            location=name,
        )
        lines[:] = []
        return
    if lines[: len(comment)] != comment:
        lines[:] = comment


def setup(app):
    """Connect the hook."""
    app.setup_extension("sphinx.ext.autodoc")
    app.connect("autodoc-process-docstring", _process)
    return {"version": "1", "parallel_read_safe": True}
