"""Benchmark: which part of focal loss helps, the class weight alpha or gamma?

Focal loss changes the log loss in two ways: a class weight ``alpha`` and
the focusing term ``(1 - p_t) ** gamma``. This script separates them with
the nested cross-validation of ``focalboost compare`` on every binary data
set found, one :class:`focalboost.FocalXGBClassifier` per fit (the
estimator's defaults, :data:`ROUNDS` rounds, one thread per fit):

``log loss``
    ``alpha=None, gamma=0``.
``alpha-weighted log loss (tuned)``
    ``alpha`` tuned over {None, 0.25, "balanced"} at ``gamma=0``.
``focal (tuned)``
    ``alpha`` x ``gamma`` tuned over {None, 0.25, "balanced"} x {0, 1, 2}.

Outer: stratified, shuffled 3-fold CV (seed 0). Tuning: PR-AUC of the pooled
out-of-fold predictions of an inner stratified 3-fold CV of each outer
training part (ties go to the earlier grid point: ``gamma=0`` first, then
``alpha=None``); the outer test fold only scores. Every grid point is fitted
once per inner and outer fold, and both tuned arms pick from the same fits.
Across data sets: the mean PR-AUC difference of each pair of arms, how many
data sets went up and down, and the Wilcoxon signed-rank test on the
per-data-set mean differences; per fold: which ``gamma`` tuning chose.

Data sets larger than ``--max-rows`` (:data:`MAX_ROWS`) rows are cut to a stratified
subsample of that size (seed 0); the credit-card data set is left out (its
284,807 rows dominate the run time, and it has its own reproduction in
:mod:`benchmarks.quality`). Run from the repository root::

    nice -n 10 python -m benchmarks.alpha_gamma --cache /tmp/ag   # ~40 min, 2 cores
    python -m benchmarks.alpha_gamma --datasets imb_oil,imb_ecoli --n-jobs 1

Results: ``benchmarks/results/alpha_gamma.{json,md}`` (``--out``). With
``--cache DIR`` every finished data set is kept in ``DIR`` and not run again
(an interrupted run resumes). The data
folder is ``--data-dir``, else ``$FOCALBOOST_DATA``, else ``../shared/data``;
the script exits with status 2 and a message when the data are missing.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._common import (
    add_data_dir_argument,
    data_dir_or_exit,
    log,
    parser,
    provenance,
    write_results,
)
from benchmarks.datasets import available_datasets, load_dataset

#: Boosting rounds of every fit (``focalboost compare``'s default).
ROUNDS = 100
#: Default of ``--max-rows``: rows above which a data set is cut to a
#: stratified subsample (keeps the run under an hour on a shared 2-core box).
MAX_ROWS = 5_000
#: Left out (see the module docstring).
SKIPPED = ("creditcard_fraud",)
ALPHAS: tuple[float | str | None, ...] = (None, 0.25, "balanced")
GAMMAS = (0.0, 1.0, 2.0)
#: The grid, gamma-major so that ties go to gamma=0, then to alpha=None.
GRID = [(a, g) for g in GAMMAS for a in ALPHAS]
ARMS = ("log loss", "alpha-weighted log loss (tuned)", "focal (tuned)")
#: The pairs compared across data sets.
PAIRS = (
    ("alpha-weighted log loss (tuned)", "log loss"),
    ("focal (tuned)", "alpha-weighted log loss (tuned)"),
    ("focal (tuned)", "log loss"),
)
DIGITS = 6


def _name(alpha, gamma) -> str:
    a = "none" if alpha is None else (alpha if isinstance(alpha, str) else f"{alpha:g}")
    return f"a={a} g={gamma:g}"


def _subsample(X, y, seed: int, max_rows: int):
    if len(y) <= max_rows:
        return X, y
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(
        np.arange(len(y)), train_size=max_rows, stratify=y, random_state=seed
    )
    keep = np.sort(keep)
    return X[keep], y[keep]


def _fit_config(X, y, train, test, inner, alpha, gamma, seed):
    """Inner out-of-fold and outer test probabilities of one grid point."""
    from focalboost import FocalXGBClassifier

    def fit_predict(fit_idx, pred_idx):
        clf = FocalXGBClassifier(
            alpha=alpha, gamma=gamma, n_estimators=ROUNDS, random_state=seed, n_jobs=1
        )
        clf.fit(X[fit_idx], y[fit_idx])
        return clf.predict_proba(X[pred_idx])[:, 1]

    oof = np.empty(len(train))
    for a, b in inner:
        oof[b] = fit_predict(train[a], train[b])
    return oof, fit_predict(train, test)


def run_dataset(name, X, y, seed: int, n_jobs: int) -> dict[str, Any]:
    """Nested CV of the three arms on one data set."""
    from joblib import Parallel, delayed
    from sklearn.metrics import average_precision_score
    from sklearn.model_selection import StratifiedKFold

    outer = list(StratifiedKFold(3, shuffle=True, random_state=seed).split(X, y))
    inners = [
        list(
            StratifiedKFold(3, shuffle=True, random_state=seed + 1).split(
                train, y[train]
            )
        )
        for train, _ in outer
    ]
    tasks = [(k, a, g) for k in range(len(outer)) for a, g in GRID]
    got = Parallel(n_jobs=n_jobs)(
        delayed(_fit_config)(X, y, *outer[k], inners[k], a, g, seed)
        for k, a, g in tasks
    )
    preds = {(k, _name(a, g)): r for (k, a, g), r in zip(tasks, got, strict=True)}
    folds = []
    for k, (train, test) in enumerate(outer):
        inner_score = {
            _name(a, g): average_precision_score(y[train], preds[k, _name(a, g)][0])
            for a, g in GRID
        }
        outer_score = {
            _name(a, g): average_precision_score(y[test], preds[k, _name(a, g)][1])
            for a, g in GRID
        }
        pools = {
            "log loss": [(None, 0.0)],
            "alpha-weighted log loss (tuned)": [(a, g) for a, g in GRID if g == 0],
            "focal (tuned)": GRID,
        }
        chosen = {
            arm: max(pool, key=lambda c: inner_score[_name(*c)])
            for arm, pool in pools.items()
        }
        folds.append(
            {
                "pr_auc": {arm: outer_score[_name(*c)] for arm, c in chosen.items()},
                "chosen": {arm: _name(*c) for arm, c in chosen.items()},
                "chosen_gamma": chosen["focal (tuned)"][1],
                "grid_pr_auc": outer_score,
            }
        )
    mean = {arm: float(np.mean([f["pr_auc"][arm] for f in folds])) for arm in ARMS}
    return {
        "name": name,
        "n_samples": int(len(y)),
        "n_features": int(X.shape[1]),
        "n_positive": int(y.sum()),
        "mean_pr_auc": mean,
        "folds": folds,
    }


def summarise(results: list[dict]) -> dict[str, Any]:
    """Across data sets: mean differences, ups and downs, Wilcoxon tests."""
    from scipy.stats import wilcoxon

    pairs = []
    for first, second in PAIRS:
        d = np.array(
            [r["mean_pr_auc"][first] - r["mean_pr_auc"][second] for r in results]
        )
        nonzero = d[d != 0]
        p = float(wilcoxon(nonzero).pvalue) if nonzero.size >= 2 else float("nan")
        pairs.append(
            {
                "first": first,
                "second": second,
                "mean_difference": float(d.mean()),
                "median_difference": float(np.median(d)),
                "up": int(np.sum(d > 0)),
                "down": int(np.sum(d < 0)),
                "equal": int(np.sum(d == 0)),
                "wilcoxon_p": p,
            }
        )
    gammas = Counter(f["chosen_gamma"] for r in results for f in r["folds"])
    return {
        "n_datasets": len(results),
        "pairs": pairs,
        "chosen_gamma": {f"{g:g}": gammas.get(g, 0) for g in GAMMAS},
        "n_folds": sum(len(r["folds"]) for r in results),
    }


TITLE = "Which part of focal loss helps: alpha or gamma?"


def body(doc: dict[str, Any]) -> list[str]:
    """Markdown lines of the results."""
    s = doc["summary"]
    cfg = doc["config"]
    lines = [
        f"{s['n_datasets']} binary data sets, 3-fold outer CV (seed {cfg['seed']}), "
        f"inner 3-fold tuning by PR-AUC, FocalXGBClassifier with {cfg['rounds']} "
        f"rounds and its other defaults; data sets above {cfg['max_rows']} rows cut "
        f"to a stratified subsample; left out: {', '.join(cfg['skipped'])}.",
        "",
        "## Across data sets",
        "",
        "| comparison | mean PR-AUC difference | median | up | down | equal "
        "| Wilcoxon p |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in s["pairs"]:
        lines.append(
            f"| {p['first']} vs {p['second']} | {p['mean_difference']:+.4f} | "
            f"{p['median_difference']:+.4f} | {p['up']} | {p['down']} | "
            f"{p['equal']} | {p['wilcoxon_p']:.3g} |"
        )
    chosen = ", ".join(f"gamma={g}: {n}" for g, n in s["chosen_gamma"].items())
    lines += [
        "",
        f"Focal tuning chose, over {s['n_folds']} outer folds: {chosen}.",
        "",
        "## Per data set (mean outer-fold PR-AUC)",
        "",
        "| data set | rows | positives | " + " | ".join(ARMS) + " | gamma chosen |",
        "|---|---|---|" + "---|" * len(ARMS) + "---|",
    ]
    for r in doc["datasets"]:
        g = ", ".join(f"{f['chosen_gamma']:g}" for f in r["folds"])
        cells = " | ".join(f"{r['mean_pr_auc'][a]:.4f}" for a in ARMS)
        lines.append(
            f"| {r['name']} | {r['n_samples']} | {r['n_positive']} | {cells} | {g} |"
        )
    return lines


def _commit() -> str:
    """The repository's commit (short hash), or "unknown"."""
    import subprocess

    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def body_head(doc: dict[str, Any]) -> list[str]:
    """The commit line of the Markdown file."""
    return [f"Commit: {doc.get('commit', 'unknown')}.", ""]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.alpha_gamma``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    p = parser("alpha_gamma", "Tuned alpha at gamma=0 vs tuned alpha x gamma.")
    add_data_dir_argument(p)
    p.add_argument("--datasets", default=None, help="comma-separated names")
    p.add_argument("--n-jobs", type=int, default=2, help="worker processes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tag", default="", help="suffix of the output file names")
    p.add_argument("--max-rows", type=int, default=MAX_ROWS, help="subsample above")
    p.add_argument("--cache", default=None, help="folder of per-data-set results")
    args = p.parse_args(argv)
    data_dir = data_dir_or_exit(args.data_dir)
    found = [n for n in available_datasets(data_dir) if n not in SKIPPED]
    names = (
        [n.strip() for n in args.datasets.split(",") if n.strip()]
        if args.datasets
        else found
    )
    missing = [n for n in names if n not in available_datasets(data_dir)]
    if missing or not names:
        print(f"error: not found under {data_dir}: {missing}", file=sys.stderr)
        return 2
    doc = provenance("alpha_gamma", argv, fit_threads=1)
    doc["commit"] = _commit()
    doc["config"] = dict(
        rounds=ROUNDS,
        max_rows=args.max_rows,
        skipped=list(SKIPPED),
        alphas=list(ALPHAS),
        gammas=list(GAMMAS),
        seed=args.seed,
        n_jobs=args.n_jobs,
        datasets=names,
    )
    t0 = time.perf_counter()
    results = []
    for name in names:
        t1 = time.perf_counter()
        cached = Path(args.cache, f"{name}.json") if args.cache else None
        if cached is not None and cached.is_file():
            results.append(json.loads(cached.read_text()))
        else:
            X, y = _subsample(*load_dataset(name, data_dir), args.seed, args.max_rows)
            results.append(run_dataset(name, X, y, args.seed, args.n_jobs))
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                cached.write_text(json.dumps(results[-1]))
        m = results[-1]["mean_pr_auc"]
        log(
            f"{name}: {time.perf_counter() - t1:.0f} s; "
            + ", ".join(f"{a} {v:.4f}" for a, v in m.items())
        )
    doc.update(
        runtime_s=time.perf_counter() - t0, summary=summarise(results), datasets=results
    )
    stem = "alpha_gamma" + (f"_{args.tag}" if args.tag else "")
    lines = body_head(doc) + body(doc)
    written = write_results(args.out, stem, doc, TITLE, lines, digits=DIGITS)
    log(f"done in {doc['runtime_s']:.0f} s; wrote " + ", ".join(map(str, written)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
