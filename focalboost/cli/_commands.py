"""The commands of ``focalboost demo|compare|fit|predict``.

Each command reads its parsed arguments, calls the public API (and the
cross-validation runner and report of :mod:`focalboost.cli`), prints, and
returns an exit code. A problem the user can fix raises :class:`UsageError`.

- ``demo``: log loss vs focal loss on generated data, both backends.
- ``compare [DATA] --target COL``: cross-validated log loss vs balanced log
  loss vs a focal ``alpha x gamma`` grid; a table on stdout and a report
  folder. Without DATA it runs on the embedded Wine Quality task
  (:func:`focalboost.datasets.load_wine_quality`).
- ``fit DATA --target COL -o MODEL`` and ``predict MODEL DATA -o CSV``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import numpy as np

from ._table import UsageError

__all__ = ["run_compare_command", "run_demo", "run_fit", "run_info", "run_predict"]

_MODEL_FORMAT = "focalboost-cli-model"


def _demo_data(n_samples: int, random_state: int):
    from sklearn.datasets import make_classification

    # 3% positives, some label noise and redundant features: a small stand-in
    # for a fraud-style problem that the package can generate offline.
    return make_classification(
        n_samples=n_samples,
        n_features=20,
        n_informative=6,
        n_redundant=4,
        weights=[0.97],
        flip_y=0.01,
        class_sep=0.8,
        random_state=random_state,
    )


def run_demo(n_samples: int = 20000, random_state: int = 0) -> list[dict]:
    """Fit log-loss and focal-loss models on both backends and score them.

    Parameters
    ----------
    n_samples : int, default=20000
        Rows of the generated imbalanced data set.
    random_state : int, default=0
        Seed of the data and the split.

    Returns
    -------
    list of dict
        One row per model: backend, loss, PR-AUC, ROC-AUC, log loss, Brier
        score and fit time on the held-out 30%.

    Examples
    --------
    >>> rows = run_demo(n_samples=2000)
    >>> sorted(rows[0])[:3]
    ['backend', 'brier', 'fit_s']
    """
    from sklearn.metrics import (
        average_precision_score,
        brier_score_loss,
        log_loss,
        roc_auc_score,
    )
    from sklearn.model_selection import train_test_split

    from ..lightgbm import FocalLGBMClassifier
    from ..xgboost import FocalXGBClassifier

    X, y = _demo_data(n_samples, random_state)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=random_state
    )
    arms = [
        ("xgboost", "log loss (gamma=0)", FocalXGBClassifier, {"gamma": 0.0}),
        ("xgboost", "focal a=.25 g=2", FocalXGBClassifier, {"alpha": 0.25}),
        ("lightgbm", "log loss (gamma=0)", FocalLGBMClassifier, {"gamma": 0.0}),
        ("lightgbm", "focal a=.25 g=2", FocalLGBMClassifier, {"alpha": 0.25}),
    ]
    rows = []
    for backend, name, cls, params in arms:
        clf = cls(n_estimators=200, learning_rate=0.1, random_state=0, **params)
        start = time.perf_counter()
        clf.fit(X_tr, y_tr)
        fit_s = time.perf_counter() - start
        proba = clf.predict_proba(X_te)[:, 1]
        rows.append(
            {
                "backend": backend,
                "loss": name,
                "pr_auc": average_precision_score(y_te, proba),
                "roc_auc": roc_auc_score(y_te, proba),
                "log_loss": log_loss(y_te, proba),
                "brier": brier_score_loss(y_te, proba),
                "fit_s": fit_s,
            }
        )
    return rows


def format_demo_table(rows: list[dict]) -> str:
    """Format the demo's rows as an aligned table."""
    head = f"{'backend':<9} {'loss':<20} {'PR-AUC':>7} {'ROC-AUC':>8} "
    head += f"{'logloss':>8} {'Brier':>7} {'fit s':>6}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['backend']:<9} {r['loss']:<20} {r['pr_auc']:>7.4f} "
            f"{r['roc_auc']:>8.4f} {r['log_loss']:>8.4f} {r['brier']:>7.4f} "
            f"{r['fit_s']:>6.2f}"
        )
    return "\n".join(lines)


def _parse_alpha(text: str) -> float | str | None:
    value = text.strip().lower()
    if value == "none":
        return None
    if value == "balanced":
        return "balanced"
    try:
        alpha = float(value)
    except ValueError:
        alpha = float("nan")
    if not 0.0 < alpha < 1.0:
        raise UsageError(
            f"--alpha values must be 'none', 'balanced' or a number in (0, 1); "
            f"got {text!r}"
        )
    return alpha


def _parse_gamma(text: str) -> float:
    try:
        gamma = float(text)
    except ValueError:
        gamma = float("nan")
    if not (gamma >= 0.0 and np.isfinite(gamma)):
        raise UsageError(f"--gamma values must be numbers >= 0; got {text!r}")
    return gamma


def _split_list(text: str, option: str) -> list[str]:
    items = [item for item in text.split(",") if item.strip()]
    if not items:
        raise UsageError(f"{option} needs at least one value; got {text!r}")
    return items


def _check_positive(value: int, option: str, minimum: int = 1) -> None:
    if value < minimum:
        raise UsageError(f"{option} must be >= {minimum}; got {value}")


def _load_xy(
    data: str | None, target: str | None
) -> tuple[np.ndarray, np.ndarray, list[str], str, str]:
    """Return X, y, feature names, target name and a description of the data."""
    from ._table import read_table, split_features

    if data is None:
        from ..datasets import load_wine_quality

        bunch = load_wine_quality()
        name = bunch.target_names[0]
        if target not in (None, name):
            raise UsageError(
                f"--target {target!r} is not a column of the embedded data set; "
                f"its target is {name!r} (give DATA to use your own file)"
            )
        description = (
            "embedded UCI Wine Quality (white), target = quality <= 4 "
            "(CC BY 4.0, Cortez et al. 2009)"
        )
        return bunch.data, bunch.target, list(bunch.feature_names), name, description
    if target is None:
        raise UsageError("--target COLUMN is required with DATA")
    X, y, features = split_features(read_table(data), target, path=data)
    return X, y, features, target, data


def _load_compare(data: str | None, target: str | None):
    """Like ``_load_xy``; ``target`` may name several 0/1 columns (multi-label)."""
    if data is None or target is None or "," not in target:
        return _load_xy(data, target)
    from ._table import read_table, split_targets

    columns = _split_list(target, "--target")
    X, Y, features = split_targets(read_table(data), columns, path=data)
    return X, Y, features, ",".join(columns), data


def _check_classes(y: np.ndarray, target: str) -> np.ndarray:
    classes = np.unique(y)
    if len(classes) < 2:
        raise UsageError(
            f"target column {target!r} has only one class ({_plain(classes[0])!r}); "
            "a classifier needs at least two"
        )
    return classes


def _fraction(value: float, option: str) -> float:
    if not 0.0 < value <= 1.0:
        raise UsageError(f"{option} must be in (0, 1]; got {value!r}")
    return value


def _compare_target(args, labels, target: str, columns):
    """Return (y, kind, class or label names, description) of the target."""
    if labels.ndim == 2:
        positives = labels.sum(axis=0)
        shares = ", ".join(
            f"{c} {100 * p / len(labels):.1f}%"
            for c, p in zip(columns, positives, strict=True)
        )
        return labels, "multilabel", list(columns), f"labels {shares}"
    classes = _check_classes(labels, target)
    counts = np.array([np.sum(labels == c) for c in classes])
    if len(classes) > 2:
        y = np.searchsorted(classes, labels).astype(np.int64)
        shares = ", ".join(
            f"{_plain(c)!r} {100 * n / len(y):.1f}%"
            for c, n in zip(classes, counts, strict=True)
        )
        names = [_plain(c) for c in classes]
        return y, "multiclass", names, f"{len(classes)} classes of {target!r}: {shares}"
    if args.pos_label is None:
        pos = int(np.argmin(counts)) if counts[0] != counts[1] else 1
    else:
        matches = [i for i, c in enumerate(classes) if str(c) == args.pos_label]
        if not matches:
            raise UsageError(
                f"--pos-label {args.pos_label!r} is not a class of {target!r}; "
                f"classes: {[str(c) for c in classes]}"
            )
        pos = matches[0]
    y = (labels == classes[pos]).astype(np.int64)
    text = (
        f"{int(y.sum())} positives ({100 * y.mean():.2f}%; positive class "
        f"{_plain(classes[pos])!r} of {target!r})"
    )
    return y, "binary", [_plain(c) for c in classes], text


def _check_counts(y, kind, names, cv, inner_cv) -> None:
    """Every class (every label's both values) fills the outer and inner folds."""
    need = cv * inner_cv
    if kind == "multilabel":
        counts = np.minimum(y.sum(axis=0), len(y) - y.sum(axis=0))
    else:
        counts = np.bincount(y, minlength=len(names))
    worst = int(np.argmin(counts))
    if counts[worst] < need:
        what = "label" if kind == "multilabel" else "class"
        raise UsageError(
            f"--cv {cv} with --inner-cv {inner_cv} needs at least {need} rows of "
            f"each class; {what} {names[worst]!r} has {int(counts[worst])} (use a "
            "smaller --cv or --inner-cv)"
        )


def _compare_options(args) -> dict:
    for option in ("cv", "inner_cv"):
        if getattr(args, option) is not None:
            _check_positive(getattr(args, option), "--" + option.replace("_", "-"), 2)
    _check_positive(args.repeats, "--repeats")
    _check_positive(args.n_estimators, "--n-estimators")
    if args.n_jobs is not None and args.n_jobs != -1:
        _check_positive(args.n_jobs, "--n-jobs")
    if args.time_budget is not None and not args.time_budget > 0:
        raise UsageError(f"--time-budget must be > 0 seconds; got {args.time_budget}")
    backends = list(dict.fromkeys(_split_list(args.backend, "--backend")))
    unknown = [b for b in backends if b not in ("xgboost", "lightgbm")]
    if unknown:
        raise UsageError(
            f"--backend must be xgboost, lightgbm or both; got {unknown[0]!r}"
        )
    # dict.fromkeys: drop repeated grid values, keep their order
    return {
        "backends": backends,
        "alphas": list(
            dict.fromkeys(_parse_alpha(a) for a in _split_list(args.alpha, "--alpha"))
        ),
        "gammas": list(
            dict.fromkeys(_parse_gamma(g) for g in _split_list(args.gamma, "--gamma"))
        ),
        "at_precision": _fraction(args.at_precision, "--at-precision"),
        "at_recall": _fraction(args.at_recall, "--at-recall"),
    }


def run_compare_command(args: argparse.Namespace) -> int:
    """Run ``focalboost compare``; return the exit code."""
    from .._kernels import kernel_summary
    from ._compare import TimeBudgetError, default_folds, make_grid, run_compare
    from ._report import format_text, write_report

    options = _compare_options(args)
    X, labels, features, target, description = _load_compare(args.data, args.target)
    columns = _split_list(target, "--target")
    y, kind, names, target_text = _compare_target(args, labels, target, columns)
    n_outputs = 1 if kind == "binary" else len(names)
    auto_cv, auto_inner = default_folds(len(y), int(X.shape[1]), n_outputs)
    cv = auto_cv if args.cv is None else args.cv
    inner_cv = auto_inner if args.inner_cv is None else args.inner_cv
    _check_counts(y, kind, names, cv, inner_cv)
    grid = make_grid(options["alphas"], options["gammas"])
    print(
        f"Data: {description}; {len(y)} rows, {X.shape[1]} features, {target_text}. "
        f"{kind} target; {', '.join(options['backends'])}; {args.n_estimators} "
        f"rounds; {cv}-fold CV x {args.repeats} repeat(s), {inner_cv}-fold "
        f"inner CV over {len(grid)} focal grid points.\n"
        f"Objective kernel: {kernel_summary()}.",
        flush=True,
    )
    try:
        result = run_compare(
            X,
            y,
            kind=kind,
            cv=cv,
            repeats=args.repeats,
            inner_cv=inner_cv,
            n_estimators=args.n_estimators,
            seed=args.seed,
            device=args.device,
            n_jobs=args.n_jobs,
            time_budget=args.time_budget,
            progress=None if args.quiet else sys.stderr,
            **options,
        )
    except TimeBudgetError as exc:
        raise UsageError(str(exc)) from None
    config = {
        "command": "compare",
        "data": description,
        "target": target,
        "target_description": target_text,
        "kind": kind,
        "columns": names,
        "feature_names": features,
        "n_samples": int(len(y)),
        "n_features": int(X.shape[1]),
        "device": args.device,
        "n_jobs": args.n_jobs,
        "processes": result["processes"],
        "threads_per_fit": result["threads_per_fit"],
        "kernel": kernel_summary(),
        "n_estimators": args.n_estimators,
        "cv": cv,
        "repeats": args.repeats,
        "inner_cv": inner_cv,
        "seed": args.seed,
        "time_budget": args.time_budget,
        "balanced_rule": (
            "alpha='balanced', gamma=0 (per-label class weights)"
            if kind == "multilabel"
            else "sample_weight=compute_sample_weight('balanced', y)"
        ),
        "total_s": result["total_s"],
        **options,
    }
    try:
        written = write_report(result, args.out, config=config)
    except OSError as exc:
        raise UsageError(f"cannot write the report to {args.out!r}: {exc}") from None
    print(format_text(result, config))
    print(
        f"{result['total_s']:.1f} s in all: {result['n_fits']} fits in "
        f"{result['processes']} process(es) x {result['threads_per_fit']} "
        "thread(s) per fit."
    )
    where = os.path.join(args.out, "report.html")
    if written["note"]:
        print(f"Report: {where} (no plots: {written['note']}), report.md, results.json")
    else:
        print(
            f"Report: {where} (open it in a browser), report.md, results.json "
            f"and {len(written['plots'])} plots"
        )
    return 0


#: Model file suffixes of ``focalboost fit -o``: the backend's native file
#: (save_model; the backend it needs), skops, or a pickle.
NATIVE_SUFFIXES = {".json": "xgboost", ".ubj": "xgboost", ".txt": "lightgbm"}
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")
_FORMATS_TEXT = (
    ".json or .ubj (XGBoost's native file), .txt (LightGBM's), .skops, or "
    ".joblib/.pkl (a pickle)"
)


def _output_format(path: str, backend: str) -> str:
    """Return "native", "skops" or "pickle" for ``fit -o PATH``."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix in NATIVE_SUFFIXES:
        if NATIVE_SUFFIXES[suffix] != backend:
            raise UsageError(
                f"-o {path!r}: a {suffix} file is {NATIVE_SUFFIXES[suffix]}'s "
                f"native model format, not {backend}'s; use "
                + " or ".join(k for k, v in NATIVE_SUFFIXES.items() if v == backend)
                + " or .skops"
            )
        return "native"
    if suffix == ".skops":
        return "skops"
    if suffix in PICKLE_SUFFIXES:
        return "pickle"
    raise UsageError(f"-o {path!r}: the model file must end in {_FORMATS_TEXT}")


def _named(X, features: list[str]):
    """``X`` with its column names (a native file keeps ``feature_names_in_``)."""
    if hasattr(X, "iloc"):
        return X
    try:
        import pandas as pd
    except ImportError:
        raise UsageError(
            "a native model file records the feature columns through a pandas "
            "DataFrame, and pandas is not installed; install it or save as .skops"
        ) from None
    return pd.DataFrame(X, columns=features)


def run_fit(args: argparse.Namespace) -> int:
    """Run ``focalboost fit``; return the exit code."""
    from .._version import __version__
    from ._compare import make_estimator

    _check_positive(args.n_estimators, "--n-estimators")
    alpha = _parse_alpha(args.alpha)
    gamma = _parse_gamma(args.gamma)
    kind = _output_format(args.output, args.backend)
    X, y, features, target, _ = _load_xy(args.data, args.target)
    _check_classes(y, target)
    clf = make_estimator(
        args.backend,
        alpha=alpha,
        gamma=gamma,
        n_estimators=args.n_estimators,
        seed=args.seed,
        device=args.device,
        learning_rate=args.learning_rate,
        n_jobs=args.n_jobs,
    )
    clf.fit(_named(X, features) if kind == "native" else X, y)
    bundle = {
        "format": _MODEL_FORMAT,
        "focalboost_version": __version__,
        "estimator": clf,
        "feature_names": features,
        "target": target,
    }
    try:
        if kind == "native":
            clf.save_model(args.output)  # focal metadata and features inside
        elif kind == "skops":
            import skops.io as sio

            sio.dump(bundle, args.output)
        else:
            import joblib

            joblib.dump(bundle, args.output)
    except ImportError as exc:
        raise UsageError(f"cannot write {args.output!r}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot write model to {args.output!r}: {exc}") from None
    note = " (a pickle: predict loads it only with --allow-pickle)"
    print(
        f"Fitted {type(clf).__name__}(alpha={alpha!r}, gamma={gamma:g}) on "
        f"{len(y)} rows, {len(features)} features, classes "
        f"{[str(c) for c in clf.classes_]}; saved to {args.output}"
        + (note if kind == "pickle" else "")
    )
    return 0


def _skops_trusted() -> set[str]:
    """Return the only types a .skops model may hold besides skops' defaults."""
    import lightgbm
    import xgboost

    from ..lightgbm import FocalLGBMClassifier
    from ..losses import BinaryFocalLoss, MultiLabelFocalLoss, SoftmaxFocalLoss
    from ..xgboost import FocalXGBClassifier

    types = [
        FocalLGBMClassifier,
        FocalXGBClassifier,
        BinaryFocalLoss,
        MultiLabelFocalLoss,
        SoftmaxFocalLoss,
        xgboost.Booster,
        lightgbm.Booster,
    ]
    return {f"{t.__module__}.{t.__qualname__}" for t in types}


def _sniff(path: str) -> str:
    """Return the kind of a model file from its first bytes, never by loading it."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "skops"  # a zip archive
    if head.startswith((b"tree\n", b"tree\r\n")):
        return "lightgbm"
    if head.startswith(b"{"):
        return "xgboost"  # JSON or UBJSON
    if head[:1] == b"\x80" or path.lower().endswith(PICKLE_SUFFIXES):
        return "pickle"
    if head[:1] in (b"x", b"\x1f", b"B", b"\xfd"):  # joblib's compressed pickles
        return "pickle"
    return "unknown"


def _load_model(path: str, allow_pickle: bool = False) -> dict[str, Any]:
    """Return ``{"estimator", "feature_names", "target"}`` of a model file.

    Native files and skops load without running code; a pickle (joblib) is
    read only when ``allow_pickle``. The file's kind comes from its first
    bytes, so a renamed pickle is still refused.
    """
    if not os.path.isfile(path):
        raise UsageError(f"no such model file: {path!r}")
    try:
        kind = _sniff(path)
    except OSError as exc:
        raise UsageError(f"cannot read model {path!r}: {exc}") from None
    if kind in ("xgboost", "lightgbm"):
        from ..lightgbm import FocalLGBMClassifier
        from ..xgboost import FocalXGBClassifier

        cls = FocalXGBClassifier if kind == "xgboost" else FocalLGBMClassifier
        try:
            clf = cls().load_model(path)
        except ValueError as exc:
            first = str(exc).splitlines()[0]
            raise UsageError(f"cannot load model {path!r}: {first}") from None
        names = getattr(clf, "feature_names_in_", None)
        names = None if names is None else [str(c) for c in names]
        return {"estimator": clf, "feature_names": names, "target": None}
    if kind == "skops":
        bundle = _load_skops(path)
    elif kind == "pickle":
        if not allow_pickle:
            raise UsageError(
                f"refusing to load {path!r}: it is a pickle/joblib file, and "
                "loading one runs any code it holds; pass --allow-pickle only "
                "for a file you trust, or save models as .skops or in the native "
                "format (.json/.ubj/.txt)"
            )
        import joblib

        try:
            bundle = joblib.load(path)
        except Exception as exc:  # any unpickling failure is a user error
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UsageError(f"cannot load model {path!r}: {first}") from None
    else:
        raise UsageError(
            f"{path!r} is not a focalboost model file (expected {_FORMATS_TEXT})"
        )
    if not (isinstance(bundle, dict) and bundle.get("format") == _MODEL_FORMAT):
        raise UsageError(f"{path!r} is not a model written by `focalboost fit`")
    return bundle


def _load_skops(path: str):
    try:
        import skops.io as sio
    except ImportError:
        raise UsageError(
            f"cannot load {path!r}: reading .skops files needs skops (pip install "
            "skops)"
        ) from None
    try:
        untrusted = set(sio.get_untrusted_types(file=path))
        other = sorted(untrusted - _skops_trusted())
        if other:
            raise UsageError(
                f"refusing to load {path!r}: it holds types a focalboost model "
                f"does not ({', '.join(other)})"
            )
        return sio.load(path, trusted=sorted(untrusted))
    except UsageError:
        raise
    except Exception as exc:  # a corrupt or foreign archive is a user error
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"cannot load model {path!r}: {first}") from None


def run_predict(args: argparse.Namespace) -> int:
    """Run ``focalboost predict``; return the exit code."""
    from ._table import read_table, split_features, write_csv

    bundle = _load_model(args.model, getattr(args, "allow_pickle", False))
    clf = bundle["estimator"]
    X, _, features = split_features(
        read_table(args.data), None, bundle["feature_names"], path=args.data
    )
    if hasattr(X, "iloc") and not getattr(clf, "categories_", None):
        text = [str(c) for c in X.columns if X[c].dtype.name == "category"]
        raise UsageError(
            f"column(s) {text} of {args.data!r} hold text, but the model was "
            "fitted on numeric columns"
        )
    if getattr(clf, "feature_names_in_", None) is not None:
        X = _named(X, features)
    try:
        proba = clf.predict_proba(X)
        pred = clf.predict(X)
    except (ValueError, TypeError) as exc:  # e.g. a column's kind changed
        first = str(exc).splitlines()[0]
        raise UsageError(
            f"cannot predict {args.data!r} with this model: {first}"
        ) from None
    names = [str(c) for c in clf.classes_]
    try:
        write_csv(
            args.output,
            ["prediction", *names],
            [
                [_plain(v) for v in pred],
                *(proba[:, j].tolist() for j in range(len(names))),
            ],
        )
    except OSError as exc:
        raise UsageError(f"cannot write {args.output!r}: {exc}") from None
    target = "" if bundle["target"] is None else f"{bundle['target']!r}: "
    print(f"Predicted {len(pred)} rows ({target}classes {names}); wrote {args.output}")
    return 0


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def run_info(args: argparse.Namespace) -> int:
    """Print versions, platform and which objective kernel fits use.

    As :func:`sklearn.show_versions`: one ``name: value`` line each for
    focalboost, Python and the libraries it runs on, the platform, the
    kernel (compiled, or the numpy path with the reason and how to get the
    compiled one), its vector path, compiler and threads
    (:func:`focalboost._version.info`).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments of ``focalboost info`` (none are read).

    Returns
    -------
    int
        0.

    Examples
    --------
    >>> import argparse
    >>> run_info(argparse.Namespace())  # doctest: +ELLIPSIS
      focalboost: ...
    0
    """
    from .._version import info

    rows = info()
    width = max(map(len, rows))
    for name, value in rows.items():
        print(f"{name:>{width}}: {value}")
    return 0
