"""Pieces shared by the benchmark scripts.

- :func:`make_estimator`: the one estimator factory (focalboost's estimators,
  the backends' own classifiers, the Dask estimators, CatBoost);
- :func:`provenance` and :func:`write_results`: the command, machine and
  versions of a run, and the one writer of ``results/NAME.{json,md}``;
- :func:`parser`, :func:`add_data_dir_argument`, :func:`data_dir_or_exit`:
  the command-line conventions (``python -m benchmarks.NAME``, ``--out``,
  ``--data-dir``, exit status 2 when the data are missing);
- :func:`ece`: the expected calibration error both quality scripts report.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import platform
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

#: Default output folder of every script (``--out``).
RESULTS_DIR = Path(__file__).resolve().parent / "results"
#: Backends of the focal estimators.
BACKENDS = ("xgboost", "lightgbm")
#: Keys :func:`write_results` requires in every results document.
PROVENANCE_KEYS = ("command", "created", "machine", "versions")


# ----------------------------------------------------------------- estimators
#: (module, class) of each (backend, arm) of :func:`make_estimator`.
_CLASSES = {
    ("xgboost", "focal"): ("focalboost", "FocalXGBClassifier"),
    ("lightgbm", "focal"): ("focalboost", "FocalLGBMClassifier"),
    ("xgboost", "builtin"): ("xgboost", "XGBClassifier"),
    ("lightgbm", "builtin"): ("lightgbm", "LGBMClassifier"),
    ("xgboost", "dask"): ("focalboost.dask", "FocalDaskXGBClassifier"),
    ("lightgbm", "dask"): ("focalboost.dask", "FocalDaskLGBMClassifier"),
}


def make_estimator(backend: str, arm: str = "focal", **params: Any) -> Any:
    """Build the estimator of one benchmark arm.

    Parameters
    ----------
    backend : {"xgboost", "lightgbm", "catboost"}
        Boosting library.
    arm : {"focal", "builtin", "dask"}, default="focal"
        ``"focal"``: :class:`focalboost.FocalXGBClassifier` /
        :class:`focalboost.FocalLGBMClassifier` (for CatBoost its native
        ``Focal`` loss, from ``alpha`` and ``gamma``). ``"builtin"``: the
        backend's own ``XGBClassifier`` / ``LGBMClassifier`` (``verbose=-1``
        unless given) / CatBoost ``Logloss``, with its built-in log loss
        unless ``params`` holds an ``objective``. ``"dask"``:
        ``FocalDaskXGBClassifier`` / ``FocalDaskLGBMClassifier``.
    **params
        Constructor parameters, passed through (CatBoost: its own names;
        ``alpha`` and ``gamma`` define the ``Focal`` loss).

    Returns
    -------
    estimator
        An unfitted scikit-learn compatible classifier.
    """
    if backend == "catboost":
        return _catboost(arm, **params)
    try:
        module, name = _CLASSES[backend, arm]
    except KeyError:
        raise ValueError(f"unknown backend / arm {backend!r} / {arm!r}") from None
    if (backend, arm) == ("lightgbm", "builtin"):
        params.setdefault("verbose", -1)
    return getattr(importlib.import_module(module), name)(**params)


def _catboost(arm: str, alpha: float | None = None, gamma: float = 2.0, **params):
    import catboost

    if arm == "focal":
        loss = f"Focal:focal_alpha={alpha};focal_gamma={gamma}"
    elif arm == "builtin":
        loss = "Logloss"
    else:
        raise ValueError(f"unknown CatBoost arm {arm!r}")
    params = dict(verbose=False, allow_writing_files=False) | params
    return catboost.CatBoostClassifier(loss_function=loss, **params)


# ----------------------------------------------------------------- provenance
def versions() -> dict[str, str]:
    """Versions of focalboost and the libraries the benchmarks run on.

    Returns
    -------
    dict of str to str
        ``focalboost._version.versions()`` without Python (recorded by
        :func:`machine`), ``scikit-learn`` spelled ``scikit_learn``, plus
        ``catboost`` when it imports.
    """
    from focalboost._version import versions as report

    found = {
        ("scikit_learn" if name == "scikit-learn" else name): version
        for name, version in report().items()
        if name != "python"
    }
    try:
        import catboost
    except ImportError:
        return found
    found["catboost"] = catboost.__version__
    return found


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover - not Linux
        pass
    return platform.processor()


def machine(fit_threads: int | None = None) -> dict[str, Any]:
    """Machine and thread settings of a benchmark run.

    Parameters
    ----------
    fit_threads : int or None, default=None
        The threads (``n_jobs``) the fits use, if one number.

    Returns
    -------
    dict
        Platform, CPU model and counts, Python version, ``OMP_WAIT_POLICY``
        and ``fit_threads``. (``python -m benchmarks.run`` adds the compiled
        kernel's state, the one script that may look at it.)
    """
    return dict(
        platform=platform.platform(),
        machine=platform.machine(),
        processor=platform.processor(),
        cpu=_cpu_name(),
        cpu_count=os.cpu_count(),
        usable_cpus=len(os.sched_getaffinity(0)),
        python=platform.python_version(),
        omp_wait_policy=os.environ.get("OMP_WAIT_POLICY"),
        fit_threads=fit_threads,
    )


def command(script: str, argv: Sequence[str]) -> str:
    """The command line ``python -m benchmarks.SCRIPT ARGV...``."""
    return " ".join([f"python -m benchmarks.{script}", *argv])


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def provenance(
    script: str, argv: Sequence[str], *, fit_threads: int | None = None
) -> dict[str, Any]:
    """The provenance keys every results document starts with.

    Parameters
    ----------
    script : str
        Module name under ``benchmarks`` (``"quality"``).
    argv : sequence of str
        The script's arguments.
    fit_threads : int or None, default=None
        See :func:`machine`.

    Returns
    -------
    dict
        ``command``, ``created``, ``machine`` and ``versions``.
    """
    return dict(
        command=command(script, argv),
        created=now(),
        machine=machine(fit_threads),
        versions=versions(),
    )


# --------------------------------------------------------------------- output
def jsonable(obj: Any, digits: int | None = None) -> Any:
    """Strict-JSON copy of ``obj``.

    Parameters
    ----------
    obj : object
        Nested dicts, lists, tuples, numpy scalars and arrays, plain values.
    digits : int or None, default=None
        Round floats to this many significant digits (None: keep them).

    Returns
    -------
    object
        Non-finite floats become None, numpy values plain Python ones, keys
        strings.
    """
    if isinstance(obj, dict):
        return {str(k): jsonable(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [jsonable(v, digits) for v in obj]
    if isinstance(obj, (float, np.floating)):
        if not math.isfinite(obj):
            return None
        return float(f"{obj:.{digits}g}") if digits else float(obj)
    if isinstance(obj, (np.integer, np.bool_)):
        return obj.item()
    return obj


def dump_json(
    doc: dict[str, Any], *, digits: int | None = None, one_line: Sequence[str] = ()
) -> str:
    """Text of ``doc`` as strict JSON (see :func:`jsonable`), indented by one.

    The items of the top-level lists named in ``one_line`` are written one
    per line, each on a single line (keeps files with many records compact);
    those lists come last.
    """
    doc = jsonable(doc, digits)
    head = json.dumps({k: v for k, v in doc.items() if k not in one_line}, indent=1)
    parts = [head[:-2]]  # without the closing "\n}"
    for key in one_line:
        rows = ",\n".join(
            "  " + json.dumps(row, separators=(",", ":")) for row in doc[key]
        )
        parts.append(f',\n "{key}": [\n{rows}\n ]')
    return "".join(parts) + "\n}\n"


def provenance_lines(doc: dict[str, Any]) -> list[str]:
    """Markdown lines with the command, time, machine and versions of ``doc``."""
    m = doc["machine"]
    runtime = f"; runtime {doc['runtime_s']:.0f} s" if "runtime_s" in doc else ""
    threads = f", fits with n_jobs={m['fit_threads']}" if m["fit_threads"] else ""
    if "compiled_kernel" in m:
        built = "built" if m["compiled_kernel"] else "not built"
        threads += (
            f"; compiled focal kernel {built}, {m['kernel_threads']} kernel "
            "threads by default"
        )
        if m.get("simd_paths"):
            threads += (
                f", vector paths {', '.join(m['simd_paths'])} "
                f"(default {m['simd_path']})"
            )
    return [
        f"Command: `{doc['command']}`  ",
        f"Created: {doc['created']}{runtime}.  ",
        f"Machine: {m['cpu']}, {m['usable_cpus']} usable of {m['cpu_count']} CPUs "
        f"({m['platform']}), Python {m['python']}{threads}.  ",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in doc["versions"].items()) + ".",
    ]


def write_results(
    out_dir: Path,
    stem: str,
    doc: dict[str, Any],
    title: str,
    body: Sequence[str],
    *,
    digits: int | None = None,
    one_line: Sequence[str] = (),
) -> list[Path]:
    """Write ``out_dir/STEM.json`` and ``out_dir/STEM.md``.

    Parameters
    ----------
    out_dir : pathlib.Path
        Output folder (created when missing).
    stem : str
        File name without the suffix (``"quality"``).
    doc : dict
        The results document; it must hold the keys of :func:`provenance`
        (and may hold ``runtime_s``).
    title : str
        Heading of the Markdown file.
    body : sequence of str
        Markdown lines after the heading and the provenance lines.
    digits, one_line
        See :func:`dump_json`.

    Returns
    -------
    list of pathlib.Path
        The two files written.
    """
    missing = [k for k in PROVENANCE_KEYS if k not in doc]
    if missing:
        raise ValueError(f"results document without {missing}")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{stem}.json", out_dir / f"{stem}.md"]
    paths[0].write_text(dump_json(doc, digits=digits, one_line=one_line))
    lines = [f"# {title}", "", *provenance_lines(doc), "", *body]
    paths[1].write_text("\n".join(lines).rstrip("\n") + "\n")
    return paths


def log(msg: str) -> None:
    """Print a progress line at once."""
    print(msg, flush=True)


# ------------------------------------------------------------------------ CLI
def parser(
    script: str, description: str, out_aliases: Sequence[str] = ()
) -> argparse.ArgumentParser:
    """Argument parser of ``python -m benchmarks.SCRIPT`` with ``--out``.

    ``out_aliases``: other spellings of ``--out`` a script accepted before.
    """
    p = argparse.ArgumentParser(
        prog=f"python -m benchmarks.{script}", description=description
    )
    p.add_argument(
        "--out",
        *out_aliases,
        type=Path,
        default=RESULTS_DIR,
        help=f"output folder (default: {RESULTS_DIR})",
    )
    return p


def add_data_dir_argument(p: argparse.ArgumentParser) -> None:
    """Add ``--data-dir`` (the real data sets' folder) to ``p``."""
    p.add_argument(
        "--data-dir",
        default=None,
        help="data folder (default: $FOCALBOOST_DATA, else ../shared/data)",
    )


def data_dir_or_exit(data_dir: str | None) -> Path:
    """The resolved data folder; exit with status 2 and a message if absent."""
    from benchmarks._dataset_specs import require_data_dir

    try:
        return require_data_dir(data_dir)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


# -------------------------------------------------------------------- metrics
def ece(y: np.ndarray, p: np.ndarray, n_bins: int = 15) -> float:
    """Expected calibration error of the class-1 probability.

    Parameters
    ----------
    y : ndarray of shape (n,)
        0/1 labels.
    p : ndarray of shape (n,)
        Predicted probability of class 1.
    n_bins : int, default=15
        Equal-width bins on [0, 1] (1.0 falls in the last one).

    Returns
    -------
    float
        ``sum_b |sum_{i in b} (y_i - p_i)| / n``: the bin-size weighted gap
        between the observed positive rate and the mean prediction.
    """
    bins = np.minimum((p * n_bins).astype(np.intp), n_bins - 1)
    gap = np.bincount(bins, weights=y - p, minlength=n_bins)
    return float(np.abs(gap).sum() / y.shape[0])
