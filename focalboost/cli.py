"""Command line interface: ``focalboost demo|compare|fit|predict``.

Thin by design: parse arguments, call the public API, print, return an exit
code. User errors exit with status 2 and a one-line message, no traceback.

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
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._tabular import UsageError

__all__ = ["main", "run_demo"]

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

    from . import FocalLGBMClassifier, FocalXGBClassifier

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


def _format_table(rows: list[dict]) -> str:
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
    from ._tabular import read_table, split_features

    if data is None:
        from .datasets import load_wine_quality

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


def _check_classes(y: np.ndarray, target: str) -> np.ndarray:
    classes = np.unique(y)
    if len(classes) < 2:
        raise UsageError(
            f"target column {target!r} has only one class ({_plain(classes[0])!r}); "
            "a classifier needs at least two"
        )
    return classes


def _run_compare(args: argparse.Namespace) -> int:
    from ._compare import format_table, make_arms, run_compare, write_report

    _check_positive(args.cv, "--cv", 2)
    _check_positive(args.n_estimators, "--n-estimators")
    # dict.fromkeys: drop repeated grid values, keep their order.
    alphas = list(
        dict.fromkeys(_parse_alpha(a) for a in _split_list(args.alpha, "--alpha"))
    )
    gammas = list(
        dict.fromkeys(_parse_gamma(g) for g in _split_list(args.gamma, "--gamma"))
    )
    X, labels, features, target, description = _load_xy(args.data, args.target)
    classes = _check_classes(labels, target)
    if len(classes) > 2:
        raise UsageError(
            f"compare needs a binary target; column {target!r} has "
            f"{len(classes)} classes (fit and predict handle multiclass)"
        )
    counts = np.array([np.sum(labels == c) for c in classes])
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
    need = 2 * args.cv if args.threshold == "oof" else args.cv
    if counts.min() < need:
        raise UsageError(
            f"--cv {args.cv} with --threshold {args.threshold} needs at least "
            f"{need} rows of each class; class "
            f"{_plain(classes[int(np.argmin(counts))])!r} has {int(counts.min())} "
            "(use a smaller --cv or --threshold train)"
        )
    y = (labels == classes[pos]).astype(np.int64)
    arms = make_arms(alphas, gammas)
    print(
        f"Data: {description}; {len(y)} rows, {X.shape[1]} features, "
        f"{int(y.sum())} positives ({100 * y.mean():.2f}%). {args.backend}, "
        f"{args.n_estimators} rounds, {args.cv}-fold stratified CV, "
        f"{len(arms)} arms.\n",
        flush=True,
    )
    result = run_compare(
        X,
        y,
        arms=arms,
        backend=args.backend,
        cv=args.cv,
        n_estimators=args.n_estimators,
        seed=args.seed,
        device=args.device,
        n_jobs=args.n_jobs,
        threshold=args.threshold,
        progress=None if args.quiet else sys.stderr,
    )
    config = {
        "command": "compare",
        "data": description,
        "target": target,
        "pos_label": classes[pos].item()
        if isinstance(classes[pos], np.generic)
        else classes[pos],
        "feature_names": features,
        "n_samples": int(len(y)),
        "n_features": int(X.shape[1]),
        "n_positive": int(y.sum()),
        "positive_rate": float(y.mean()),
        "backend": args.backend,
        "device": args.device,
        "n_jobs": args.n_jobs,
        "n_estimators": args.n_estimators,
        "cv": args.cv,
        "seed": args.seed,
        "alphas": alphas,
        "gammas": gammas,
        "threshold": args.threshold,
    }
    written = write_report(
        result, y, args.out, config=config, alphas=alphas, gammas=gammas
    )
    print(format_table(result))
    print(
        f"\n* best focal arm by mean PR-AUC: {result['best_focal']}. Mean±std "
        f"over {args.cv} test folds; F1/recall at the F1-optimal threshold of "
        + (
            "out-of-fold predictions on each fold's training part. "
            if args.threshold == "oof"
            else "each fold's in-sample training predictions. "
        )
        + f"{result['total_s']:.1f} s in all."
    )
    where = os.path.join(args.out, "report.md")
    if written["note"]:
        print(f"Report: {where} (no plots: {written['note']})")
    else:
        print(f"Report: {where}, results.json and {len(written['plots'])} plots")
    return 0


def _run_fit(args: argparse.Namespace) -> int:
    import joblib

    from . import __version__
    from ._compare import make_estimator

    _check_positive(args.n_estimators, "--n-estimators")
    alpha = _parse_alpha(args.alpha)
    gamma = _parse_gamma(args.gamma)
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
    clf.fit(X, y)
    bundle = {
        "format": _MODEL_FORMAT,
        "focalboost_version": __version__,
        "estimator": clf,
        "feature_names": features,
        "target": target,
    }
    try:
        joblib.dump(bundle, args.output)
    except OSError as exc:
        raise UsageError(f"cannot write model to {args.output!r}: {exc}") from None
    print(
        f"Fitted {type(clf).__name__}(alpha={alpha!r}, gamma={gamma:g}) on "
        f"{len(y)} rows, {len(features)} features, classes "
        f"{[str(c) for c in clf.classes_]}; saved to {args.output}"
    )
    return 0


def _load_model(path: str) -> dict[str, Any]:
    import joblib

    if not os.path.isfile(path):
        raise UsageError(f"no such model file: {path!r}")
    try:
        bundle = joblib.load(path)
    except Exception as exc:  # any unpickling failure is a user error
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"cannot load model {path!r}: {first}") from None
    if not (isinstance(bundle, dict) and bundle.get("format") == _MODEL_FORMAT):
        raise UsageError(f"{path!r} is not a model written by `focalboost fit`")
    return bundle


def _run_predict(args: argparse.Namespace) -> int:
    from ._tabular import read_table, split_features, write_csv

    bundle = _load_model(args.model)
    clf = bundle["estimator"]
    X, _, _ = split_features(
        read_table(args.data), None, bundle["feature_names"], path=args.data
    )
    if hasattr(X, "iloc") and not getattr(clf, "categories_", None):
        text = [str(c) for c in X.columns if X[c].dtype.name == "category"]
        raise UsageError(
            f"column(s) {text} of {args.data!r} hold text, but the model was "
            "fitted on numeric columns"
        )
    try:
        decision = clf.decision_function(X)  # once, for both outputs
    except (ValueError, TypeError) as exc:  # e.g. a column's kind changed
        first = str(exc).splitlines()[0]
        raise UsageError(
            f"cannot predict {args.data!r} with this model: {first}"
        ) from None
    proba = clf._proba_from_decision(decision)
    pred = clf._labels_from_decision(decision)
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
    print(
        f"Predicted {len(pred)} rows ({bundle['target']!r}: classes {names}); "
        f"wrote {args.output}"
    )
    return 0


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="focalboost",
        description="Focal loss for gradient-boosted trees (XGBoost, LightGBM).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="compare log loss and focal loss on generated imbalanced data"
    )
    demo.add_argument("--n-samples", type=int, default=20000)
    demo.add_argument("--random-state", type=int, default=0)

    def add_model_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--backend", choices=["xgboost", "lightgbm"], default="xgboost")
        p.add_argument(
            "--device",
            default=None,
            help="XGBoost device / LightGBM device_type, e.g. cpu, cuda",
        )
        p.add_argument("--n-estimators", type=int, default=100, help="rounds")
        p.add_argument("--seed", type=int, default=0, help="random seed")
        p.add_argument(
            "--n-jobs", type=int, default=None, help="threads (default: all cores)"
        )

    compare = sub.add_parser(
        "compare",
        help="cross-validate log loss, balanced log loss and focal loss",
        description=(
            "Stratified K-fold comparison of the log loss, the log loss with "
            "balanced sample weights, and the focal loss over an alpha x gamma "
            "grid (best by mean PR-AUC). F1 and recall use the F1-optimal "
            "threshold of out-of-fold predictions on each fold's training part "
            "(--threshold oof, an inner 2-fold split) or of the model's own "
            "training predictions (--threshold train). Prints a table "
            "and writes report.md, results.json and PNG plots (with matplotlib) "
            "to --out. Without DATA: the embedded UCI Wine Quality "
            "'quality <= 4' task (CC BY 4.0)."
        ),
    )
    compare.add_argument(
        "data", nargs="?", default=None, help="CSV or Parquet file (default: embedded)"
    )
    compare.add_argument("--target", default=None, help="label column of DATA")
    compare.add_argument(
        "--pos-label",
        default=None,
        help="positive class (default: the rarer class)",
    )
    compare.add_argument("--cv", type=int, default=5, help="folds (default 5)")
    compare.add_argument(
        "--threshold",
        choices=["oof", "train"],
        default="oof",
        help="how the F1/recall threshold is chosen on the training folds",
    )
    compare.add_argument(
        "--alpha",
        default="none,0.25,balanced",
        help="comma-separated focal alphas: none, balanced or (0, 1) numbers",
    )
    compare.add_argument(
        "--gamma", default="0.5,1,2", help="comma-separated focal gammas >= 0"
    )
    add_model_options(compare)
    compare.add_argument(
        "--out", default="focalboost_report", help="report folder (created)"
    )
    compare.add_argument(
        "--quiet", action="store_true", help="no progress bar on stderr"
    )

    fit = sub.add_parser("fit", help="fit a classifier on a file and save it")
    fit.add_argument("data", help="CSV or Parquet file")
    fit.add_argument("--target", required=True, help="label column")
    fit.add_argument("--alpha", default="none", help="none, balanced or (0, 1)")
    fit.add_argument("--gamma", default="2", help="focusing parameter >= 0")
    fit.add_argument("--learning-rate", type=float, default=None)
    add_model_options(fit)
    fit.add_argument(
        "-o", "--output", default="focalboost_model.joblib", help="model file"
    )

    predict = sub.add_parser(
        "predict",
        help="predict classes and probabilities with a saved model",
        description=(
            "Write the predicted class and one probability column per class. "
            "MODEL is a pickle: load only files you trust."
        ),
    )
    predict.add_argument("model", help="file written by `focalboost fit`")
    predict.add_argument("data", help="CSV or Parquet file with the feature columns")
    predict.add_argument("-o", "--output", default="predictions.csv", help="output CSV")
    return parser


def _error(message: str) -> int:
    one_line = " ".join(message.split())
    print(f"focalboost: error: {one_line}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line interface and return its exit code.

    Parameters
    ----------
    argv : sequence of str, default=None
        Arguments (``sys.argv[1:]`` when None).

    Returns
    -------
    int
        0 on success, 2 on a user error.
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the message
        return int(exc.code or 0)
    commands = {"compare": _run_compare, "fit": _run_fit, "predict": _run_predict}
    if args.command in commands:
        try:
            return commands[args.command](args)
        except UsageError as exc:
            return _error(str(exc))
    if args.n_samples < 200:
        return _error("--n-samples must be >= 200")
    rows = run_demo(args.n_samples, args.random_state)
    n_pos = int(round(0.03 * args.n_samples))
    print(
        f"Generated imbalanced data: {args.n_samples} rows, 20 features, "
        f"~{n_pos} positives (3%); 70/30 stratified split; 200 rounds.\n"
    )
    print(_format_table(rows))
    print(
        "\nPR-AUC is the metric that matters for rare positives. Focal "
        "models' predict_proba is the posterior estimate mapped back from "
        "the focal margin (probability='posterior'); the map amplifies any "
        "over-fitting, so their log loss and Brier reward early stopping "
        "(docs/calibration.rst)."
    )
    return 0
