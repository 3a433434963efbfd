"""Benchmark: focal loss vs log loss for multi-label data, one model per arm.

Two standard multi-label data sets of the Mulan / MEKA collection (see
:mod:`benchmarks.datasets`): *scene* (2,407 images, 294 features, 6 labels)
and *emotions* (MEKA's ``Music.arff``: 592 songs, 71 features, 6 labels).
Each arm is **one** estimator fitted once on the whole 0/1 indicator matrix
(:func:`benchmarks._common.make_estimator`):

``XGB1``, ``XGBV``, ``LGBM``
    XGBoost with ``multi_strategy="one_output_per_tree"``, XGBoost with
    ``multi_strategy="multi_output_tree"``, LightGBM;
``log``, ``focal``, ``g2``
    ``gamma=0, alpha=None`` (the log loss), ``gamma=2, alpha="balanced"``,
    ``gamma=2, alpha=None`` (focusing only; XGB1 only).

Protocol: a seeded 70/30 split stratified on the label combination; 200
rounds at learning rate 0.1 (XGBoost ``max_depth=4, max_bin=64``; LightGBM
``num_leaves=15, max_bin=63``), every other parameter at the estimator
default. Per label on the test part: PR-AUC (average precision of
``predict_proba``), F1 of ``predict`` (posterior, the default) and of
``predict`` with ``probability="focal"``, the share of rows ``predict`` marks
positive. Per family, focal minus log loss: the macro PR-AUC difference with
a 95 % paired bootstrap interval over the test rows, and the macro F1
differences, on the main split (seed 0) and on further split seeds (1-4).
For LightGBM, the macro F1 at per-label thresholds tuned on 3-fold
out-of-fold predictions of the training part.

Run from the repository root::

    python -m benchmarks.multilabel            # ~6 min on 2 cores
    python -m benchmarks.multilabel --quick    # one seed, 50 rounds

Results: ``benchmarks/results/multilabel.{json,md,png}`` (``--out``;
``--quick`` writes ``multilabel_quick.*``). The data folder is
``--data-dir``, else ``$FOCALBOOST_DATA``, else ``../shared/data``; the
script exits with status 2 and a message when the data are missing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any

from benchmarks._common import (
    add_data_dir_argument,
    data_dir_or_exit,
    log,
    parser,
    provenance,
    write_results,
)
from benchmarks._multilabel_protocol import (
    FAMILIES,
    LEARNING_RATE,
    LOSSES,
    N_BOOT,
    ROUNDS,
    TEST_SIZE,
    THRESHOLD_FOLDS,
    TREES,
    run_split,
    tuned_threshold_f1,
)
from benchmarks._multilabel_report import TITLE, markdown_body, plot
from benchmarks.datasets import MULTILABEL_DATASETS, load_multilabel

#: Significant digits of the floats in the JSON file.
DIGITS = 6
#: Arms whose per-label thresholds are tuned (main split only).
THRESHOLD_ARMS = ("LGBM log", "LGBM focal")


def _dataset(name, data_dir, seeds, n_jobs, rounds, thresholds) -> dict[str, Any]:
    spec = MULTILABEL_DATASETS[name]
    X, Y = load_multilabel(name, data_dir)
    log(f"{name}: X{X.shape}, Y{Y.shape}")
    splits = [run_split(X, Y, seed, n_jobs, rounds, log) for seed in seeds]
    X_train, X_test, Y_train, Y_test = splits[0].pop("_split")
    for s in splits[1:]:
        del s["_split"]
    tuned = {}
    if thresholds:
        for arm in THRESHOLD_ARMS:
            tuned[arm] = tuned_threshold_f1(
                arm, X_train, X_test, Y_train, Y_test, seeds[0], n_jobs, rounds
            )
            log(f"  tuned thresholds {arm}: macro F1 {tuned[arm]['f1'].mean():.3f}")
    return dict(
        description=spec.description,
        file=spec.file,
        n_samples=int(X.shape[0]),
        n_features=int(X.shape[1]),
        labels=list(spec.label_names),
        cardinality=float(Y.sum(axis=1).mean()),
        positive_share=Y.mean(axis=0),
        splits=splits,
        tuned_thresholds=tuned,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.multilabel``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    p = parser("multilabel", __doc__.splitlines()[0])
    add_data_dir_argument(p)
    p.add_argument("--quick", action="store_true", help="one seed, 50 rounds")
    p.add_argument(
        "--seeds",
        default="0,1,2,3,4",
        help="split seeds; the first is the main split (default 0,1,2,3,4)",
    )
    p.add_argument(
        "--n-jobs",
        type=int,
        default=1,
        help="threads per model (default 1: on a busy 2-core machine 2 threads "
        "per model were slower)",
    )
    args = p.parse_args(argv)
    data_dir = data_dir_or_exit(args.data_dir)
    missing = [
        s.file
        for s in MULTILABEL_DATASETS.values()
        if not (data_dir / s.file).is_file()
    ]
    if missing:
        print(f"error: {missing} not found under {data_dir}", file=sys.stderr)
        return 2
    seeds = [0] if args.quick else [int(s) for s in args.seeds.split(",")]
    rounds = 50 if args.quick else ROUNDS
    doc = provenance("multilabel", argv, fit_threads=args.n_jobs)
    doc["config"] = dict(
        seeds=seeds,
        rounds=rounds,
        learning_rate=LEARNING_RATE,
        trees=TREES,
        losses=LOSSES,
        families={k: dict(backend=b, **e) for k, (b, e) in FAMILIES.items()},
        test_size=TEST_SIZE,
        n_boot=N_BOOT,
        threshold_folds=THRESHOLD_FOLDS,
        threshold_arms=list(THRESHOLD_ARMS),
    )
    t0 = time.perf_counter()
    doc["datasets"] = {
        name: _dataset(name, data_dir, seeds, args.n_jobs, rounds, not args.quick)
        for name in MULTILABEL_DATASETS
    }
    doc["runtime_s"] = time.perf_counter() - t0
    stem = "multilabel_quick" if args.quick else "multilabel"
    written = write_results(
        args.out, stem, doc, TITLE, markdown_body(doc), digits=DIGITS
    )
    if plot(doc, args.out / f"{stem}.png"):
        written.append(args.out / f"{stem}.png")
    log(f"done in {doc['runtime_s']:.0f}s; wrote " + ", ".join(map(str, written)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
