"""Benchmark: does focal loss beat log loss for boosted trees on real imbalanced data?

Every arm is a :class:`focalboost.FocalXGBClassifier` with the same trees
(``tree_method="hist"``, :data:`TREES`: 200 rounds of depth-4 trees at learning
rate 0.1, every other parameter at the estimator default, ``n_jobs=1``); only
the loss and the weights differ:

``log``
    ``alpha=None, gamma=0``: exactly the log loss.
``weighted_log``
    The log loss with ``sample_weight=compute_sample_weight("balanced", y)``.
``focal``
    Focal loss with (alpha, gamma) tuned over :data:`FOCAL_GRID` (alpha in
    {None, 0.25, "balanced"} x gamma in {0, 1, 2}; ``(None, 0)`` is the log
    loss itself) by PR-AUC on out-of-fold predictions of the *training* part
    of each outer fold (inner stratified 3-fold CV, or one stratified 25 %
    hold-out when the training part has more than :data:`INNER_CV_MAX_ROWS`
    rows); the test fold is never looked at.
``focal_g2``
    Untuned focal loss at the estimator default ``alpha=None, gamma=2``.

Outer loop: stratified, shuffled 5-fold CV (seed 0). Each arm's decision
threshold is the F1-maximising one on the same out-of-fold predictions of the
training part; the arm is then refit on the whole training part and scored on
the test fold: PR-AUC (average precision), ROC-AUC, F1 / precision / recall at
that threshold, Brier score and ECE (15 equal-width bins) of the *posterior*
probabilities (``probability="posterior"``, the default) and of the *raw
focal* ones (``probability="focal"``), and the single-thread fit time.
Arms are compared per data set with the Nadeau-Bengio corrected paired t-test
over the folds (tie when p >= 0.05) and across data sets with the Wilcoxon
signed-rank test on the per-data-set means.

A second experiment reproduces, with boosted trees, the protocol of the
focal-loss article on the credit-card fraud data (stratified 70/30 split;
confusion matrices at threshold 0.5 and at the F1-optimal threshold picked on
the training part).

Run from the repository root::

    python -m benchmarks.quality              # full run, ~30 min on one core
    python -m benchmarks.quality --quick      # smoke run, < 3 min

Results go to ``benchmarks/results`` (``--out``): ``quality.{json,md}``,
``quality_winrate.png``, ``quality_calibration.png`` and
``creditcard_reproduction.{json,md,png}`` (``--quick`` writes ``*_quick.*``).
The data folder is ``--data-dir``, else ``$FOCALBOOST_DATA``, else
``../shared/data`` (see :mod:`benchmarks.datasets`); the script exits with
status 2 and a message when the data are missing.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks._common import (
    add_data_dir_argument,
    data_dir_or_exit,
    log,
    parser,
    provenance,
    write_results,
)
from benchmarks._quality_plots import plot_quality, plot_reproduction
from benchmarks._quality_protocol import (
    CREDITCARD,
    FOCAL_GRID,
    INNER_CV_MAX_ROWS,
    N_BINS,
    NO_SPLIT,
    QUICK_DATASETS,
    QUICK_TREES,
    TREES,
    reproduce_creditcard,
    run_dataset,
)
from benchmarks._quality_report import (
    REPRODUCTION_TITLE,
    TITLE,
    quality_body,
    reproduction_body,
)
from benchmarks._quality_summary import P_TIE, summarise
from benchmarks.datasets import DATASETS, available_datasets

#: Significant digits of the floats in the JSON files.
DIGITS = 6


def _parse(argv: Sequence[str]):
    p = parser("quality", "Focal vs log-loss boosting on real imbalanced data sets.")
    add_data_dir_argument(p)
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {', '.join(QUICK_DATASETS)}, 3 folds, "
        f"{QUICK_TREES['n_estimators']} rounds (< 3 min)",
    )
    p.add_argument(
        "--datasets",
        default=None,
        help="comma-separated data set names (default: all found)",
    )
    p.add_argument(
        "--no-reproduction",
        action="store_true",
        help="skip the credit-card reproduction",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--native-min-child-weight",
        type=float,
        default=None,
        help="pass this min_child_weight to XGBoost unscaled (booster_params) "
        "in every arm; 0.01 reproduces the defaults before min_child_weight "
        "was expressed in log-loss Hessian units",
    )
    p.add_argument(
        "--tag",
        default="",
        help="suffix of the output file names (quality_TAG.*)",
    )
    return p.parse_args(argv)


def _datasets(args, data_dir: Path) -> tuple[list[str], list[str]]:
    """(data sets to run, data sets found); exit with status 2 if one is missing."""
    found = available_datasets(data_dir)
    if args.datasets:
        names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    else:
        names = list(QUICK_DATASETS) if args.quick else found
    unknown = [n for n in names if n not in DATASETS]
    missing = [n for n in names if n in DATASETS and n not in found]
    if not (unknown or missing or not names):
        return names, found
    why = "no data set files found" if not found else "nothing to run"
    if unknown:
        why = f"unknown data sets {unknown} (known: {sorted(DATASETS)})"
    elif missing:
        why = f"files missing for {missing}"
    print(
        f"error: {why} under {data_dir}. Point --data-dir or $FOCALBOOST_DATA "
        "at the data folder; `python -m benchmarks.datasets` lists what it finds.",
        file=sys.stderr,
    )
    raise SystemExit(2)


def _config(args, argv: Sequence[str], names: list[str]) -> dict[str, Any]:
    trees = dict(QUICK_TREES if args.quick else TREES)
    if args.native_min_child_weight is not None:
        trees["booster_params"] = {"min_child_weight": args.native_min_child_weight}
    return dict(
        command=" ".join(["python -m benchmarks.quality", *argv]),
        datasets=names,
        trees=trees,
        n_jobs=1,
        n_splits=3 if args.quick else 5,
        seed=args.seed,
        focal_grid=[list(c) for c in FOCAL_GRID],
        inner_cv_max_rows=INNER_CV_MAX_ROWS,
        ece_bins=N_BINS,
        tie_p=P_TIE,
    )


def _run(cfg: dict[str, Any], data_dir: Path, reproduction: bool):
    """All data sets (and the reproduction); the warnings raised, counted."""
    results, rep = [], None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in cfg["datasets"]:
            t1 = time.perf_counter()
            results.append(
                run_dataset(
                    name, data_dir, cfg["n_splits"], cfg["trees"], cfg["seed"], log
                )
            )
            log(f"{name}: {time.perf_counter() - t1:.0f}s")
        if reproduction:
            log("credit-card reproduction")
            rep = reproduce_creditcard(data_dir, cfg["trees"], cfg["seed"], log)
    warned = Counter(f"{w.category.__name__}: {w.message}" for w in caught)
    return results, rep, [f"{m} (x{n})" for m, n in warned.items()]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.quality``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(argv)
    data_dir = data_dir_or_exit(args.data_dir)
    names, found = _datasets(args, data_dir)
    cfg = _config(args, argv, names)
    stem = ("quality_quick" if args.quick else "quality") + (
        f"_{args.tag}" if args.tag else ""
    )
    result = provenance("quality", argv, fit_threads=1)
    result["machine"]["threads_per_model"] = 1  # the key quality.json had
    log(
        f"quality benchmark: {len(names)} data sets, {cfg['n_splits']}-fold CV, "
        f"{cfg['trees']}"
    )
    t0 = time.perf_counter()
    reproduction = not args.no_reproduction and CREDITCARD in found
    results, rep, warned = _run(cfg, data_dir, reproduction)
    result.update(
        runtime_s=time.perf_counter() - t0,
        config=cfg,
        warnings=warned,
        no_split={k: dict(v) for k, v in NO_SPLIT.items()},
        summary=summarise(results),
        datasets=results,
    )
    written = write_results(
        args.out, stem, result, TITLE, quality_body(result), digits=DIGITS
    )
    written += plot_quality(result, args.out, stem)
    if rep is not None:
        rstem = "creditcard_reproduction" + ("_quick" if args.quick else "")
        body = {k: v for k, v in rep.items() if k != "curves"}
        doc = {k: result[k] for k in ("command", "created", "machine", "versions")}
        doc.update(body, config=cfg)
        rep_body = reproduction_body(doc)
        written += write_results(
            args.out, rstem, doc, REPRODUCTION_TITLE, rep_body, digits=DIGITS
        )
        plot_reproduction(rep, args.out / f"{rstem}.png")
        written.append(args.out / f"{rstem}.png")
    log(f"done in {result['runtime_s']:.0f}s; wrote " + ", ".join(map(str, written)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
