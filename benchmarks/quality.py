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

import os

# OpenMP threads that spin while waiting slow XGBoost down badly when other
# processes share the cores; must be set before xgboost is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    average_precision_score,
    confusion_matrix,
    precision_recall_curve,
    roc_auc_score,
)
from sklearn.model_selection import (  # noqa: E402
    StratifiedKFold,
    StratifiedShuffleSplit,
    train_test_split,
)
from sklearn.utils.class_weight import compute_sample_weight  # noqa: E402

from benchmarks._common import versions  # noqa: E402
from benchmarks.datasets import (  # noqa: E402
    DATASETS,
    available_datasets,
    load_dataset,
    require_data_dir,
)
from focalboost import FocalXGBClassifier, NoSplitWarning  # noqa: E402
from focalboost._compare import f1_optimal_threshold  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
TREES: dict[str, Any] = dict(
    n_estimators=200, learning_rate=0.1, max_depth=4, tree_method="hist"
)
QUICK_TREES: dict[str, Any] = dict(TREES, n_estimators=60)
FOCAL_GRID: list[tuple[float | str | None, float]] = [
    (a, g) for a in (None, 0.25, "balanced") for g in (0.0, 1.0, 2.0)
]
ARMS = ("log", "weighted_log", "focal", "focal_g2")
QUICK_DATASETS = ("imb_oil", "imb_yeast_me2", "imb_car_eval_4")
CREDITCARD = "creditcard_fraud"
INNER_CV_MAX_ROWS = 20_000
N_BINS = 15
P_TIE = 0.05
#: Metrics compared between arms, and whether higher is better.
COMPARED = {"pr_auc": True, "roc_auc": True, "f1": True, "recall": True, "brier": False}
#: The article's numbers: test frauds found by its neural nets.
ARTICLE = {"test_frauds": 148, "cross_entropy_tp": 69, "focal_tp": 101}


# ------------------------------------------------------------------ metrics
def ece(y: np.ndarray, p: np.ndarray, n_bins: int = N_BINS) -> float:
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


def _at_threshold(y: np.ndarray, p: np.ndarray, t: float) -> dict[str, float]:
    tn, fp, fn, tp = confusion_matrix(y, p >= t, labels=[0, 1]).ravel()
    return dict(
        f1=2 * tp / max(2 * tp + fp + fn, 1),
        precision=tp / max(tp + fp, 1),
        recall=tp / max(tp + fn, 1),
    )


def _scores(y: np.ndarray, post: np.ndarray, raw: np.ndarray, t: float) -> dict:
    """Held-out metrics of one arm on one fold."""
    out = dict(
        pr_auc=average_precision_score(y, post),
        pr_auc_raw=average_precision_score(y, raw),
        roc_auc=roc_auc_score(y, post),
        threshold=t,
        **_at_threshold(y, post, t),
        brier=float(np.mean((post - y) ** 2)),
        ece=ece(y, post),
        brier_raw=float(np.mean((raw - y) ** 2)),
        ece_raw=ece(y, raw),
    )
    for name, p in (("post", post), ("raw", raw)):
        at = _at_threshold(y, p, 0.5)
        out[f"recall_05_{name}"], out[f"f1_05_{name}"] = at["recall"], at["f1"]
    return out


# ------------------------------------------------------------------ fitting
def _key(alpha, gamma, weighted=False) -> str:
    a = "none" if alpha is None else alpha
    return f"alpha={a},gamma={gamma:g}" + (",balanced_weights" if weighted else "")


#: Fits and NoSplitWarning counts per (alpha, gamma, weights) configuration.
NO_SPLIT: dict[str, Counter] = {}


def _fit(X, y, alpha, gamma, weighted, trees, seed):
    """Fit one model; return it and its fit time in seconds.

    ``trees`` may hold ``booster_params`` (e.g. a native ``min_child_weight``,
    which the estimator then passes unscaled). Fits that warn
    :class:`~focalboost.NoSplitWarning` are counted in :data:`NO_SPLIT`.
    """
    clf = FocalXGBClassifier(
        alpha=alpha, gamma=gamma, n_jobs=1, random_state=seed, **trees
    )
    w = compute_sample_weight("balanced", y) if weighted else None
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NoSplitWarning)
        clf.fit(X, y, sample_weight=w)
    elapsed = time.perf_counter() - t0
    tally = NO_SPLIT.setdefault(_key(alpha, gamma, weighted), Counter())
    tally["fits"] += 1
    for w in caught:
        if issubclass(w.category, NoSplitWarning):
            tally["no_split"] += 1
        else:  # pass every other warning on to the run's record
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return clf, elapsed


def _probas(clf, X) -> tuple[np.ndarray, np.ndarray]:
    """Posterior and raw focal probabilities of class 1."""
    post = clf.set_params(probability="posterior").predict_proba(X)[:, 1]
    raw = clf.set_params(probability="focal").predict_proba(X)[:, 1]
    clf.set_params(probability="posterior")
    return post, raw


def _inner_splits(y: np.ndarray, seed: int):
    """Inner 3-fold CV, or one 25 % hold-out for large training parts."""
    if y.shape[0] <= INNER_CV_MAX_ROWS:
        return list(StratifiedKFold(3, shuffle=True, random_state=seed).split(y, y))
    sss = StratifiedShuffleSplit(1, test_size=0.25, random_state=seed)
    return list(sss.split(y, y))


def _oof(X, y, specs: dict, trees: dict, seed: int):
    """Out-of-fold posterior probabilities of each spec on ``(X, y)``.

    Returns the predictions restricted to the rows that were held out at least
    once, their labels, and the total fit time.
    """
    splits = _inner_splits(y, seed)
    rows = np.concatenate([va for _, va in splits])
    pred = {k: np.full(y.shape[0], np.nan) for k in specs}
    fit_s = 0.0
    for tr, va in splits:
        for k, (alpha, gamma, weighted) in specs.items():
            clf, dt = _fit(X[tr], y[tr], alpha, gamma, weighted, trees, seed)
            pred[k][va] = _probas(clf, X[va])[0]
            fit_s += dt
    return {k: v[rows] for k, v in pred.items()}, y[rows], fit_s


def run_fold(X, y, train, test, trees: dict, seed: int) -> dict[str, Any]:
    """Tune, pick thresholds and score every arm on one outer fold."""
    Xtr, ytr = X[train], y[train]
    specs = {_key(a, g): (a, g, False) for a, g in FOCAL_GRID}
    specs["weighted_log"] = (None, 0.0, True)
    oof, y_oof, tune_s = _oof(Xtr, ytr, specs, trees, seed)
    val_ap = {k: average_precision_score(y_oof, oof[k]) for k in specs}
    best = max((_key(a, g) for a, g in FOCAL_GRID), key=lambda k: val_ap[k])
    arm_spec = {
        "log": _key(None, 0.0),
        "weighted_log": "weighted_log",
        "focal": best,
        "focal_g2": _key(None, 2.0),
    }
    arms, fitted = {}, {}
    for arm, k in arm_spec.items():
        if k not in fitted:  # the tuned arm often coincides with another one
            fitted[k] = _fit(Xtr, ytr, *specs[k], trees, seed)
        clf, fit_s = fitted[k]
        post, raw = _probas(clf, X[test])
        t = f1_optimal_threshold(y_oof, oof[k])
        arms[arm] = dict(config=k, fit_s=fit_s, **_scores(y[test], post, raw, t))
    return dict(
        n_train=int(train.shape[0]),
        n_test=int(test.shape[0]),
        test_positives=int(y[test].sum()),
        inner="3-fold" if ytr.shape[0] <= INNER_CV_MAX_ROWS else "25% hold-out",
        tune_s=tune_s,
        val_pr_auc=val_ap,
        arms=arms,
    )


def run_dataset(name, data_dir, n_splits, trees, seed, log) -> dict[str, Any]:
    """Outer stratified CV of all arms on one data set."""
    X, y = load_dataset(name, data_dir)
    folds = []
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
    for i, (train, test) in enumerate(cv.split(X, y)):
        t0 = time.perf_counter()
        folds.append(run_fold(X, y, train, test, trees, seed + 1 + i))
        a = folds[-1]["arms"]
        log(
            f"  {name} fold {i}: PR-AUC "
            + " ".join(f"{k}={a[k]['pr_auc']:.3f}" for k in ARMS)
            + f" [focal: {a['focal']['config']}] {time.perf_counter() - t0:.0f}s"
        )
    return dict(
        name=name,
        n_samples=int(X.shape[0]),
        n_features=int(X.shape[1]),
        n_positive=int(y.sum()),
        folds=folds,
    )


# ------------------------------------------------------------------ summary
def corrected_ttest(d: np.ndarray, test_over_train: float) -> float:
    """Two-sided p of the Nadeau-Bengio corrected paired t-test on fold diffs.

    The variance of the mean difference is ``(1/k + n_test/n_train) s^2``
    instead of ``s^2 / k`` because the training sets of the folds overlap.
    Returns 1.0 when all differences are equal to zero.
    """
    k = d.shape[0]
    var = np.var(d, ddof=1) * (1.0 / k + test_over_train)
    if var == 0:
        return 1.0 if np.all(d == 0) else 0.0
    t = float(np.mean(d)) / np.sqrt(var)
    return float(2 * stats.t.sf(abs(t), k - 1))


def _vals(ds, arm, metric):
    return np.array([f["arms"][arm][metric] for f in ds["folds"]], dtype=float)


def _compare(ds, a, b, metric, higher) -> dict[str, Any]:
    d = _vals(ds, a, metric) - _vals(ds, b, metric)
    k = d.shape[0]
    p = corrected_ttest(d, 1.0 / (k - 1))
    better = np.mean(d) > 0 if higher else np.mean(d) < 0
    outcome = "tie" if p >= P_TIE else ("win" if better else "loss")
    return dict(
        diff=float(np.mean(d)), diff_std=float(np.std(d, ddof=1)), p=p, outcome=outcome
    )


PAIRS = (("focal", "log"), ("focal", "weighted_log"), ("focal_g2", "log"))
CALIB_PAIRS = ("focal", "focal_g2")


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-data-set means, paired tests, win/tie/loss counts."""
    metrics = (
        "pr_auc",
        "roc_auc",
        "f1",
        "precision",
        "recall",
        "brier",
        "ece",
        "brier_raw",
        "ece_raw",
        "fit_s",
    )
    per_ds, counts = {}, {}
    for ds in results:
        row: dict[str, Any] = {"mean": {}, "std": {}, "tests": {}, "calibration": {}}
        for arm in ARMS:
            row["mean"][arm] = {m: float(np.mean(_vals(ds, arm, m))) for m in metrics}
            row["std"][arm] = {m: float(np.std(_vals(ds, arm, m))) for m in metrics}
        for a, b in PAIRS:
            for m, higher in COMPARED.items():
                c = _compare(ds, a, b, m, higher)
                row["tests"][f"{a}_vs_{b}:{m}"] = c
                tally = counts.setdefault(f"{a}_vs_{b}:{m}", Counter())
                tally[c["outcome"]] += 1
        for arm in CALIB_PAIRS:  # posterior (mapped) vs raw focal probabilities
            for m in ("brier", "ece"):
                d = _vals(ds, arm, f"{m}_raw") - _vals(ds, arm, m)
                p = corrected_ttest(d, 1.0 / (d.shape[0] - 1))
                out = "tie" if p >= P_TIE else ("win" if d.mean() > 0 else "loss")
                row["calibration"][f"{arm}:{m}"] = dict(
                    diff=float(d.mean()), p=p, outcome=out
                )
                counts.setdefault(f"{arm}_posterior_vs_raw:{m}", Counter())[out] += 1
        row["focal_configs"] = dict(
            Counter(f["arms"]["focal"]["config"] for f in ds["folds"])
        )
        per_ds[ds["name"]] = row
    across = {}
    for a, b in PAIRS:
        for m in COMPARED:
            x = np.array([per_ds[n]["mean"][a][m] for n in per_ds])
            z = np.array([per_ds[n]["mean"][b][m] for n in per_ds])
            nonzero = np.any(x != z) and x.shape[0] >= 2
            p = float(stats.wilcoxon(x, z).pvalue) if nonzero else 1.0
            across[f"{a}_vs_{b}:{m}"] = dict(
                median_diff=float(np.median(x - z)), wilcoxon_p=p
            )
    configs = Counter(
        f["arms"]["focal"]["config"] for ds in results for f in ds["folds"]
    )
    return dict(
        per_dataset=per_ds,
        win_tie_loss={
            k: {o: v.get(o, 0) for o in ("win", "tie", "loss")}
            for k, v in counts.items()
        },
        across_datasets=across,
        focal_configs=dict(configs.most_common()),
    )


# --------------------------------------------------------- credit card repro
def reproduce_creditcard(data_dir, trees, seed, log) -> dict[str, Any]:
    """Log vs focal boosting on the article's 70/30 credit-card protocol."""
    X, y = load_dataset(CREDITCARD, data_dir)
    Xtr, Xte, ytr, yte = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed
    )
    models = {
        "log": (None, 0.0, False),
        "weighted_log": (None, 0.0, True),
        "focal": (0.25, 2.0, False),
    }
    oof, y_oof, _ = _oof(Xtr, ytr, models, trees, seed)
    out: dict[str, Any] = dict(
        n_train=int(ytr.shape[0]),
        n_test=int(yte.shape[0]),
        train_frauds=int(ytr.sum()),
        test_frauds=int(yte.sum()),
        article=ARTICLE,
        models={},
        curves={},
    )

    def cm(p, t):
        return confusion_matrix(yte, p >= t, labels=[0, 1]).tolist()

    for name, (alpha, gamma, weighted) in models.items():
        clf, fit_s = _fit(Xtr, ytr, alpha, gamma, weighted, trees, seed)
        post, raw = _probas(clf, Xte)
        t = f1_optimal_threshold(y_oof, oof[name])
        out["models"][name] = dict(
            alpha=alpha,
            gamma=gamma,
            balanced_weights=weighted,
            fit_s=fit_s,
            f1_threshold=t,
            **{k: v for k, v in _scores(yte, post, raw, t).items() if k != "threshold"},
            confusion_05_posterior=cm(post, 0.5),
            confusion_05_raw=cm(raw, 0.5),
            confusion_f1_threshold=cm(post, t),
        )
        prec, rec, _ = precision_recall_curve(yte, post)
        out["curves"][name] = (prec, rec)
        m = out["models"][name]
        log(
            f"  creditcard {name}: TP@0.5 posterior={m['confusion_05_posterior'][1][1]}"
            f" raw={m['confusion_05_raw'][1][1]} TP@F1-thr="
            f"{m['confusion_f1_threshold'][1][1]} of {out['test_frauds']}, "
            f"PR-AUC={m['pr_auc']:.3f}"
        )
    return out


# ----------------------------------------------------------------- writing
def _fmt(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}"


def _pm(row, arm, m, digits=3) -> str:
    return f"{_fmt(row['mean'][arm][m], digits)} ± {_fmt(row['std'][arm][m], digits)}"


def _metric_table(summary, results, metric, higher, digits=3) -> list[str]:
    head = "| data set | rows | pos | " + " | ".join(ARMS) + " | focal vs log |"
    lines = [head, "|---|---:|---:|" + "---|" * len(ARMS) + "---|"]
    for ds in results:
        row = summary["per_dataset"][ds["name"]]
        means = [row["mean"][a][metric] for a in ARMS]
        best = max(means) if higher else min(means)
        cells = [
            f"**{_pm(row, a, metric, digits)}**"
            if round(v, digits) == round(best, digits)
            else _pm(row, a, metric, digits)
            for a, v in zip(ARMS, means, strict=True)
        ]
        test = row["tests"].get(f"focal_vs_log:{metric}")
        vs = f"{test['diff']:+.{digits}f} (p={test['p']:.2f}, {test['outcome']})"
        lines.append(
            f"| {ds['name']} | {ds['n_samples']} | {ds['n_positive']} | "
            + " | ".join(cells)
            + f" | {vs} |"
        )
    return lines


def write_markdown(result: dict[str, Any], path: Path) -> None:
    """Write the tables of ``quality.md``."""
    s, results, cfg = result["summary"], result["datasets"], result["config"]
    wtl = s["win_tie_loss"]
    lines = [
        "# Quality benchmark: focal vs log loss on boosted trees",
        "",
        f"Command: `{cfg['command']}`  ",
        f"Created: {result['created']}; runtime {result['runtime_s']:.0f} s on "
        f"{result['machine']['cpu_count']} CPUs, every model with n_jobs=1 "
        f"({result['machine']['platform']}, Python {result['machine']['python']}).  ",
        "Versions: "
        + ", ".join(f"{k} {v}" for k, v in result["versions"].items())
        + ".  ",
        f"Trees (all arms): {cfg['trees']}, other parameters at the "
        "FocalXGBClassifier defaults (min_child_weight=1 in log-loss Hessian "
        "units, i.e. XGBoost's min_child_weight = hessian_scale_, unless "
        "booster_params sets it natively; reg_lambda=1).  ",
        f"Outer CV: stratified {cfg['n_splits']}-fold, shuffled, seed {cfg['seed']}."
        " Tuning and thresholds use out-of-fold predictions of the training part "
        f"only (inner stratified 3-fold CV; one 25% hold-out when the training "
        f"part has more than {INNER_CV_MAX_ROWS} rows), never the test fold.  ",
        "Arms: `log` = alpha None, gamma 0 (exact log loss); `weighted_log` = log "
        "loss + balanced sample weights; `focal` = (alpha, gamma) tuned by PR-AUC "
        "over alpha in {None, 0.25, balanced} x gamma in {0, 1, 2} (the grid holds "
        "the log loss itself); `focal_g2` = untuned alpha None, gamma 2.  ",
        "Tests: Nadeau-Bengio corrected paired t-test over the folds (variance "
        "factor 1/k + 1/(k-1)); tie when p >= 0.05. (With 5 folds a Wilcoxon test "
        "cannot reach p < 0.05, hence the t-test.) Across data sets: Wilcoxon "
        "signed-rank on the per-data-set means.  ",
        "Probabilities: `posterior` = predict_proba default (focal margin mapped "
        "back to a posterior estimate), `raw` = probability='focal' (sigmoid of "
        "the margin). For `log` and `weighted_log` the two coincide.",
        "",
        "NoSplitWarning (fits whose trees never split, of all fits, per "
        "configuration, tuning fits included): "
        + ", ".join(
            f"{k} {v.get('no_split', 0)}/{v['fits']}"
            for k, v in sorted(result.get("no_split", {}).items())
        )
        + ".",
        "",
        "## Win / tie / loss (per data set, corrected paired t-test)",
        "",
        "| comparison | " + " | ".join(COMPARED) + " |",
        "|---|" + "---|" * len(COMPARED),
    ]
    for a, b in PAIRS:
        cells = []
        for m in COMPARED:
            c = wtl[f"{a}_vs_{b}:{m}"]
            cells.append(f"{c['win']}/{c['tie']}/{c['loss']}")
        lines.append(f"| {a} vs {b} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Brier: lower is better, so a win means a lower Brier score. "
        "Across data sets (Wilcoxon on the means; median difference, p):",
        "",
        "| comparison | " + " | ".join(COMPARED) + " |",
        "|---|" + "---|" * len(COMPARED),
    ]
    for a, b in PAIRS:
        cells = [
            f"{s['across_datasets'][f'{a}_vs_{b}:{m}']['median_diff']:+.4f}, "
            f"p={s['across_datasets'][f'{a}_vs_{b}:{m}']['wilcoxon_p']:.3f}"
            for m in COMPARED
        ]
        lines.append(f"| {a} vs {b} | " + " | ".join(cells) + " |")
    sections = (
        ("PR-AUC (average precision)", "pr_auc", True),
        ("ROC-AUC", "roc_auc", True),
        ("F1 at the threshold chosen on the training part", "f1", True),
        ("Recall at the threshold chosen on the training part", "recall", True),
        ("Brier score of the posterior probabilities", "brier", False),
    )
    for title, metric, higher in sections:
        lines += ["", f"## {title}", "", "Mean ± std over folds; best in bold.", ""]
        lines += _metric_table(s, results, metric, higher)
    lines += [
        "",
        "## Calibration: posterior (mapped) vs raw focal probabilities",
        "",
        "Brier and ECE (15 equal-width bins) of the class-1 probability; "
        "`log` for reference. Outcome: the mapped posterior against the raw "
        "probabilities of the same model (win = mapped is better).",
        "",
        "| data set | log Brier | focal Brier raw | focal Brier mapped | log ECE | "
        "focal ECE raw | focal ECE mapped | mapped vs raw (ECE) | focal_g2 ECE raw | "
        "focal_g2 ECE mapped |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for ds in results:
        r = s["per_dataset"][ds["name"]]
        m, c = r["mean"], r["calibration"]
        lines.append(
            f"| {ds['name']} | {m['log']['brier']:.4f} | {m['focal']['brier_raw']:.4f}"
            f" | {m['focal']['brier']:.4f} | {m['log']['ece']:.4f} | "
            f"{m['focal']['ece_raw']:.4f} | {m['focal']['ece']:.4f} | "
            f"{c['focal:ece']['outcome']} | {m['focal_g2']['ece_raw']:.4f} | "
            f"{m['focal_g2']['ece']:.4f} |"
        )
    lines += ["", "| mapped vs raw | Brier W/T/L | ECE W/T/L |", "|---|---|---|"]
    for arm in CALIB_PAIRS:
        b, e = wtl[f"{arm}_posterior_vs_raw:brier"], wtl[f"{arm}_posterior_vs_raw:ece"]
        lines.append(
            f"| {arm} | {b['win']}/{b['tie']}/{b['loss']} | "
            f"{e['win']}/{e['tie']}/{e['loss']} |"
        )
    lines += [
        "",
        "## Tuned focal configurations and cost",
        "",
        "Winning (alpha, gamma) of the focal arm, over all folds: "
        + ", ".join(f"{k} x{v}" for k, v in s["focal_configs"].items())
        + ".",
        "",
        "| data set | configs chosen (folds) | fit s log | fit s focal | "
        "tuning s (all candidates) |",
        "|---|---|---:|---:|---:|",
    ]
    for ds in results:
        r = s["per_dataset"][ds["name"]]
        tune = np.mean([f["tune_s"] for f in ds["folds"]])
        cfgs = "; ".join(f"{k} x{v}" for k, v in r["focal_configs"].items())
        lines.append(
            f"| {ds['name']} | {cfgs} | {r['mean']['log']['fit_s']:.2f} | "
            f"{r['mean']['focal']['fit_s']:.2f} | {tune:.1f} |"
        )
    if result.get("warnings"):
        lines += ["", "## Warnings raised during the run", ""]
        lines += [f"- {w}" for w in result["warnings"]]
    path.write_text("\n".join(lines) + "\n")


def plot_quality(result: dict[str, Any], out_dir: Path, stem: str) -> list[Path]:
    """Win-rate plot and calibration scatter."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    s, names = result["summary"], [d["name"] for d in result["datasets"]]
    colour = {"win": "tab:green", "tie": "tab:gray", "loss": "tab:red"}
    fig, (ax, ax2) = plt.subplots(
        1, 2, figsize=(13, 0.32 * len(names) + 2.5), width_ratios=[3, 2]
    )
    order = np.argsort(
        [s["per_dataset"][n]["tests"]["focal_vs_log:pr_auc"]["diff"] for n in names]
    )
    for j, (a, b) in enumerate(PAIRS[:2]):
        for i, n in enumerate(np.array(names)[order]):
            t = s["per_dataset"][n]["tests"][f"{a}_vs_{b}:pr_auc"]
            ax.errorbar(
                t["diff"],
                i + 0.2 * (j - 0.5),
                xerr=t["diff_std"],
                fmt="os"[j],
                color=colour[t["outcome"]],
                ecolor="0.7",
                ms=5,
            )
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(range(len(names)), np.array(names)[order], fontsize=8)
    ax.set_xlabel("PR-AUC difference (mean ± std over folds)")
    ax.set_title(
        "tuned focal − log (o), tuned focal − weighted log (s)\n"
        "green win, grey tie, red loss (corrected t-test, p<0.05)",
        fontsize=9,
    )
    rows = [(f"{a} vs {b}", m) for a, b in PAIRS for m in COMPARED]
    left = np.zeros(len(rows))
    for o in ("win", "tie", "loss"):
        v = np.array(
            [
                s["win_tie_loss"][f"{r[0].replace(' vs ', '_vs_')}:{r[1]}"][o]
                for r in rows
            ]
        )
        ax2.barh(range(len(rows)), v, left=left, color=colour[o], label=o)
        left += v
    ax2.set_yticks(range(len(rows)), [f"{a}: {m}" for a, m in rows], fontsize=8)
    ax2.invert_yaxis()
    ax2.set_xlabel("number of data sets")
    ax2.legend(loc="lower right", fontsize=8)
    ax2.set_title("win / tie / loss per data set", fontsize=9)
    fig.tight_layout()
    paths = [out_dir / f"{stem}_winrate.png"]
    fig.savefig(paths[0], dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    for ax, m in zip(axes, ("ece", "brier"), strict=True):
        seen = []
        for arm, mk in (("focal", "o"), ("focal_g2", "^")):
            raw = [s["per_dataset"][n]["mean"][arm][f"{m}_raw"] for n in names]
            post = [s["per_dataset"][n]["mean"][arm][m] for n in names]
            ax.scatter(raw, post, marker=mk, label=arm, alpha=0.8)
            seen += [v for v in raw + post if v > 0]
        lim = (0.7 * min(seen), 1.4 * max(seen))
        ax.plot(lim, lim, "k--", lw=0.8)
        ax.set(xscale="log", yscale="log", xlim=lim, ylim=lim)
        ax.set(xlabel=f"{m} of the raw focal probabilities")
        ax.set(ylabel=f"{m} of the mapped posterior")
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_minor_formatter(NullFormatter())
        ax.set_title(f"{m.upper()} per data set (below the line: mapping helps)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    paths.append(out_dir / f"{stem}_calibration.png")
    fig.savefig(paths[1], dpi=110)
    plt.close(fig)
    return paths


def write_reproduction(rep: dict[str, Any], out_dir: Path, stem: str, cfg) -> None:
    """JSON, markdown and PR-curve plot of the credit-card reproduction."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 5))
    for name, (prec, rec) in rep["curves"].items():
        m = rep["models"][name]
        ax.plot(rec, prec, label=f"{name} (AP {m['pr_auc']:.3f})")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
    ax.set_title(f"creditcard_fraud, 30% test split ({rep['test_frauds']} frauds)")
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(out_dir / f"{stem}.png", dpi=110)
    plt.close(fig)

    body = {k: v for k, v in rep.items() if k != "curves"}
    body["config"] = cfg
    (out_dir / f"{stem}.json").write_text(json.dumps(_jsonable(body), indent=1))

    def cm(c):
        (tn, fp), (fn, tp) = c
        return f"TP {tp}, FN {fn}, FP {fp}, TN {tn}"

    lines = [
        "# Credit-card fraud: the focal-loss article's protocol with boosted trees",
        "",
        f"Command: `{cfg['command']}`  ",
        f"Split: stratified 70/30 (`train_test_split(..., test_size=0.3, "
        f"stratify=y, random_state={cfg['seed']})`): {rep['n_train']} training rows "
        f"({rep['train_frauds']} frauds), {rep['n_test']} test rows "
        f"({rep['test_frauds']} frauds; the article reports "
        f"{ARTICLE['test_frauds']}).  ",
        f"Trees (all models): {cfg['trees']}, n_jobs=1. Focal: alpha=0.25, "
        "gamma=2 (Lin et al.'s defaults), not tuned. The F1-optimal threshold is "
        "picked on out-of-fold predictions of the training part (inner 25% "
        "hold-out) and applied to the model refit on the whole training part.  ",
        "The article's neural nets (cross-entropy vs focal) found "
        f"{ARTICLE['cross_entropy_tp']}/{ARTICLE['test_frauds']} vs "
        f"{ARTICLE['focal_tp']}/{ARTICLE['test_frauds']} test frauds at threshold "
        "0.5.",
        "",
        "| model | probabilities | threshold | confusion (test) | recall | "
        "precision | F1 |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    n_pos = rep["test_frauds"]
    for name, m in rep["models"].items():
        rows = [("posterior", 0.5, m["confusion_05_posterior"])]
        if name == "focal":
            rows.append(("raw focal", 0.5, m["confusion_05_raw"]))
        rows.append(("posterior", m["f1_threshold"], m["confusion_f1_threshold"]))
        for kind, t, c in rows:
            tp, fp = c[1][1], c[0][1]
            f1 = 2 * tp / max(2 * tp + fp + (n_pos - tp), 1)
            lines.append(
                f"| {name} | {kind} | {t:.3g} | {cm(c)} | {tp}/{n_pos} = "
                f"{tp / n_pos:.3f} | {tp / max(tp + fp, 1):.3f} | {f1:.3f} |"
            )
    lines += [
        "",
        "| model | PR-AUC | ROC-AUC | Brier (posterior) | ECE (posterior) | "
        "Brier (raw) | ECE (raw) | fit s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in rep["models"].items():
        lines.append(
            f"| {name} | {m['pr_auc']:.4f} | {m['roc_auc']:.4f} | {m['brier']:.2e} | "
            f"{m['ece']:.2e} | {m['brier_raw']:.2e} | {m['ece_raw']:.2e} | "
            f"{m['fit_s']:.1f} |"
        )
    (out_dir / f"{stem}.md").write_text("\n".join(lines) + "\n")


def _jsonable(obj: Any) -> Any:
    """Strict JSON: floats to 6 significant digits, non-finite ones to null."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(f"{obj:.6g}") if np.isfinite(obj) else None
    if isinstance(obj, (np.integer, np.bool_)):
        return obj.item()
    return obj


# --------------------------------------------------------------------- CLI
def _parse(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.quality",
        description="Focal vs log-loss boosting on real imbalanced data sets.",
    )
    p.add_argument(
        "--data-dir",
        default=None,
        help="data folder (default: $FOCALBOOST_DATA, else ../shared/data)",
    )
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
    p.add_argument("--out", default=str(RESULTS_DIR), help="output folder")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.quality``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(argv)
    try:
        data_dir = require_data_dir(args.data_dir)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    found = available_datasets(data_dir)
    if args.datasets:
        names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    else:
        names = list(QUICK_DATASETS) if args.quick else found
    unknown = [n for n in names if n not in DATASETS]
    missing = [n for n in names if n in DATASETS and n not in found]
    if unknown or missing or not names:
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
        return 2
    trees = dict(QUICK_TREES if args.quick else TREES)
    if args.native_min_child_weight is not None:
        trees["booster_params"] = {"min_child_weight": args.native_min_child_weight}
    n_splits = 3 if args.quick else 5
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = "quality_quick" if args.quick else "quality"
    stem += f"_{args.tag}" if args.tag else ""
    cfg = dict(
        command=" ".join(["python -m benchmarks.quality", *argv]),
        datasets=names,
        trees=trees,
        n_jobs=1,
        n_splits=n_splits,
        seed=args.seed,
        focal_grid=[list(c) for c in FOCAL_GRID],
        inner_cv_max_rows=INNER_CV_MAX_ROWS,
        ece_bins=N_BINS,
        tie_p=P_TIE,
    )

    def log(msg: str) -> None:
        print(msg, flush=True)

    log(f"quality benchmark: {len(names)} data sets, {n_splits}-fold CV, {trees}")
    t0 = time.perf_counter()
    results = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in names:
            t1 = time.perf_counter()
            results.append(run_dataset(name, data_dir, n_splits, trees, args.seed, log))
            log(f"{name}: {time.perf_counter() - t1:.0f}s")
        rep = None
        if not args.no_reproduction and CREDITCARD in found:
            log("credit-card reproduction")
            rep = reproduce_creditcard(data_dir, trees, args.seed, log)
    runtime = time.perf_counter() - t0
    warned = Counter(f"{w.category.__name__}: {w.message}" for w in caught)
    result = dict(
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        runtime_s=runtime,
        config=cfg,
        machine=dict(
            platform=platform.platform(),
            python=platform.python_version(),
            cpu_count=os.cpu_count(),
            threads_per_model=1,
            omp_wait_policy=os.environ.get("OMP_WAIT_POLICY"),
        ),
        versions=versions(),
        warnings=[f"{m} (x{n})" for m, n in warned.items()],
        no_split={k: dict(v) for k, v in NO_SPLIT.items()},
        summary=summarise(results),
        datasets=results,
    )
    (out_dir / f"{stem}.json").write_text(json.dumps(_jsonable(result), indent=1))
    write_markdown(result, out_dir / f"{stem}.md")
    written = [out_dir / f"{stem}.json", out_dir / f"{stem}.md"]
    written += plot_quality(result, out_dir, stem)
    if rep is not None:
        rstem = "creditcard_reproduction" + ("_quick" if args.quick else "")
        write_reproduction(rep, out_dir, rstem, cfg)
        written += [out_dir / f"{rstem}.{e}" for e in ("json", "md", "png")]
    log(f"done in {runtime:.0f}s; wrote " + ", ".join(map(str, written)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
