"""Protocol of ``python -m benchmarks.quality``: arms, tuning, scoring.

Every arm is a :class:`focalboost.FocalXGBClassifier` built by
:func:`benchmarks._common.make_estimator` with the same trees; only the loss
and the weights differ (see :mod:`benchmarks.quality`). Tuning and decision
thresholds use out-of-fold predictions of the training part only.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from typing import Any

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    precision_recall_curve,
    roc_auc_score,
)
from sklearn.model_selection import (
    StratifiedKFold,
    StratifiedShuffleSplit,
    train_test_split,
)
from sklearn.utils.class_weight import compute_sample_weight

from benchmarks._common import ece, make_estimator
from benchmarks.datasets import load_dataset
from focalboost import NoSplitWarning
from focalboost.metrics import f1_optimal_threshold

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
#: The article's numbers: test frauds found by its neural nets.
ARTICLE = {"test_frauds": 148, "cross_entropy_tp": 69, "focal_tp": 101}


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
        ece=ece(y, post, N_BINS),
        brier_raw=float(np.mean((raw - y) ** 2)),
        ece_raw=ece(y, raw, N_BINS),
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
    clf = make_estimator(
        "xgboost", alpha=alpha, gamma=gamma, n_jobs=1, random_state=seed, **trees
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
    """Tune, pick thresholds and score every arm on one outer fold.

    Parameters
    ----------
    X, y : ndarray
        The data set.
    train, test : ndarray of int
        Row indices of the outer fold.
    trees : dict
        Tree parameters of every arm.
    seed : int
        Seed of the inner splits and the models.

    Returns
    -------
    dict
        Fold sizes, the inner protocol, the tuning time, the validation
        PR-AUC of every candidate and per arm its configuration, fit time and
        held-out scores (``arms``).
    """
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
    """Outer stratified CV of all arms on one data set.

    Parameters
    ----------
    name : str
        A key of :data:`benchmarks.datasets.DATASETS`.
    data_dir : path-like
        Data folder.
    n_splits : int
        Outer folds.
    trees : dict
        Tree parameters of every arm.
    seed : int
        Seed of the outer split (fold ``i`` uses ``seed + 1 + i`` inside).
    log : callable
        Called with one progress line per fold.

    Returns
    -------
    dict
        Name, shape, positives and the :func:`run_fold` record of each fold.
    """
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


#: Models of the credit-card reproduction: (alpha, gamma, balanced weights).
REPRODUCTION_MODELS = {
    "log": (None, 0.0, False),
    "weighted_log": (None, 0.0, True),
    "focal": (0.25, 2.0, False),
}


def _test_scores(y, post, raw, t: float) -> dict[str, Any]:
    """Held-out scores and confusion matrices of one reproduction model."""

    def cm(p, threshold):
        return confusion_matrix(y, p >= threshold, labels=[0, 1]).tolist()

    scores = {k: v for k, v in _scores(y, post, raw, t).items() if k != "threshold"}
    return dict(
        **scores,
        confusion_05_posterior=cm(post, 0.5),
        confusion_05_raw=cm(raw, 0.5),
        confusion_f1_threshold=cm(post, t),
    )


def reproduce_creditcard(data_dir, trees: dict, seed: int, log) -> dict[str, Any]:
    """Log vs focal boosting on the article's 70/30 credit-card protocol.

    Parameters
    ----------
    data_dir : path-like
        Data folder holding ``creditcard_fraud``.
    trees : dict
        Tree parameters of every model.
    seed : int
        Seed of the split, the inner hold-out and the models.
    log : callable
        Called with one progress line per model.

    Returns
    -------
    dict
        Split sizes, the article's numbers, per model its scores and
        confusion matrices (``models``) and its test PR curve (``curves``:
        precision and recall arrays).
    """
    X, y = load_dataset(CREDITCARD, data_dir)
    Xtr, Xte, ytr, yte = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed
    )
    oof, y_oof, _ = _oof(Xtr, ytr, REPRODUCTION_MODELS, trees, seed)
    out: dict[str, Any] = dict(
        n_train=int(ytr.shape[0]),
        n_test=int(yte.shape[0]),
        train_frauds=int(ytr.sum()),
        test_frauds=int(yte.sum()),
        article=ARTICLE,
        models={},
        curves={},
    )
    for name, (alpha, gamma, weighted) in REPRODUCTION_MODELS.items():
        clf, fit_s = _fit(Xtr, ytr, alpha, gamma, weighted, trees, seed)
        post, raw = _probas(clf, Xte)
        t = f1_optimal_threshold(y_oof, oof[name])
        m = out["models"][name] = dict(
            alpha=alpha,
            gamma=gamma,
            balanced_weights=weighted,
            fit_s=fit_s,
            f1_threshold=t,
            **_test_scores(yte, post, raw, t),
        )
        prec, rec, _ = precision_recall_curve(yte, post)
        out["curves"][name] = (prec, rec)
        log(
            f"  creditcard {name}: TP@0.5 posterior={m['confusion_05_posterior'][1][1]}"
            f" raw={m['confusion_05_raw'][1][1]} TP@F1-thr="
            f"{m['confusion_f1_threshold'][1][1]} of {out['test_frauds']}, "
            f"PR-AUC={m['pr_auc']:.3f}"
        )
    return out
