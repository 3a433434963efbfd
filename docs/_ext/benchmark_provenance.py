"""Sphinx directive ``measured``: when, where and on what a result was measured.

Usage, next to the figures a page quotes from a results file::

    .. measured:: ../benchmarks/results/perf.json
       :committed-in: 81a0704

The line is read from the JSON file the benchmark wrote (its ``created``
time, ``command``, ``machine`` and ``versions``), so it changes when the file
is regenerated. The source commit is quoted from the file when the benchmark
recorded it (``focalboost_source.git_commit`` or ``commit``); otherwise the
line says that the file does not record it and, with ``:committed-in:``,
names the commit that added the file to the repository (``tests/test_docs.py``
checks that against ``git log``).
"""

from __future__ import annotations

import json
import os
from datetime import datetime

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

# the versions worth naming, in this order, as the JSON spells them
_VERSIONS = (
    ("focalboost", "focalboost"),
    ("xgboost", "XGBoost"),
    ("lightgbm", "LightGBM"),
    ("scikit_learn", "scikit-learn"),
    ("numpy", "numpy"),
    ("dask", "Dask"),
)


def _commit(result: dict) -> str | None:
    source = result.get("focalboost_source") or {}
    commit = source.get("git_commit") or result.get("commit")
    return str(commit)[:7] if commit else None


def _when(result: dict) -> str | None:
    created = result.get("created")
    if not created:
        return None
    when = datetime.fromisoformat(created)
    return f"{when.day} {when:%B %Y}, {when:%H:%M} UTC"


def _machine(result: dict) -> str:
    machine = result.get("machine") or {}
    parts = []
    platform = machine.get("platform", "")
    if platform:
        parts.append(platform.split("-")[0])
    if machine.get("cpu"):
        parts.append(machine["cpu"])
    cpus = machine.get("usable_cpus") or machine.get("cpu_count")
    if cpus:
        parts.append(f"{cpus} CPUs")
    return ", ".join(parts)


def _versions(result: dict) -> str:
    machine = result.get("machine") or {}
    versions = result.get("versions") or machine.get("versions") or {}
    parts = [f"Python {machine['python']}"] if machine.get("python") else []
    parts += [f"{label} {versions[key]}" for key, label in _VERSIONS if key in versions]
    return ", ".join(parts)


def provenance(result: dict, path: str, committed_in: str | None) -> list:
    """Return the inline nodes of the provenance sentence of ``result``."""
    command = result.get("command") or (result.get("config") or {}).get("command")
    out: list = [nodes.strong(text="Measured")]
    when = _when(result)
    out.append(nodes.Text(f" on {when}" if when else " (no date recorded)"))
    if command:
        out += [nodes.Text(" with "), nodes.literal(text=command)]
    machine, versions = _machine(result), _versions(result)
    if machine:
        out.append(nodes.Text(f" on {machine}"))
    if versions:
        out.append(nodes.Text(f" ({versions})"))
    out.append(nodes.Text(". "))
    commit = _commit(result)
    if commit:
        out += [
            nodes.Text("Source commit "),
            nodes.literal(text=commit),
            nodes.Text("."),
        ]
    else:
        out += [
            nodes.literal(text=path),
            nodes.Text(" does not record the source commit"),
        ]
        if committed_in:
            out += [
                nodes.Text("; it was added to the repository in commit "),
                nodes.literal(text=committed_in),
            ]
        out.append(nodes.Text("."))
    return out


class Measured(SphinxDirective):
    """``.. measured:: PATH`` (see the module docstring)."""

    required_arguments = 1
    option_spec = {"committed-in": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        """Return the provenance paragraph of the results file."""
        rel, absolute = self.env.relfn2path(self.arguments[0])
        self.env.note_dependency(rel)
        with open(absolute, encoding="utf-8") as f:
            result = json.load(f)
        # the path from the repository root (docs/ is one level down)
        shown = os.path.normpath(rel).replace(os.sep, "/").removeprefix("../")
        para = nodes.paragraph(classes=["measured"])
        para += provenance(result, shown, self.options.get("committed-in"))
        return [para]


def setup(app):
    """Register the directive."""
    app.add_directive("measured", Measured)
    return {"version": "1", "parallel_read_safe": True}
