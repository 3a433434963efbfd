"""Arms, split, fits and scores of ``python -m benchmarks.multilabel``.

Every arm is **one** estimator fitted once on the whole 0/1 indicator matrix
(made by :func:`benchmarks._common.make_estimator`); see the face module
:mod:`benchmarks.multilabel` for the protocol.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, f1_score
from sklearn.model_selection import KFold, train_test_split

from benchmarks._common import make_estimator

#: Boosting rounds and learning rate of every arm.
ROUNDS, LEARNING_RATE = 200, 0.1
#: Tree settings per backend (small trees: the run stays a few minutes).
TREES = {
    "xgboost": {"max_depth": 4, "max_bin": 64},
    "lightgbm": {"num_leaves": 15, "max_bin": 63},
}
#: The losses compared.
LOSSES = {
    "log": {"gamma": 0.0, "alpha": None},
    "focal": {"gamma": 2.0, "alpha": "balanced"},
    "g2": {"gamma": 2.0, "alpha": None},
}
#: Model families: (backend, extra parameters).
FAMILIES = {
    "XGB1": ("xgboost", {"multi_strategy": "one_output_per_tree"}),
    "XGBV": ("xgboost", {"multi_strategy": "multi_output_tree"}),
    "LGBM": ("lightgbm", {}),
}
#: The arms, ``"FAMILY LOSS"``.
ARMS = (
    "XGB1 log",
    "XGB1 focal",
    "XGB1 g2",
    "XGBV log",
    "XGBV focal",
    "LGBM log",
    "LGBM focal",
)
#: Held-out share of the split; bootstrap resamples of the test rows.
TEST_SIZE, N_BOOT = 0.3, 200
#: Folds of the out-of-fold predictions the per-label thresholds are tuned on.
THRESHOLD_FOLDS = 3


def make_arm(arm: str, seed: int, n_jobs: int, rounds: int = ROUNDS):
    """The unfitted estimator of one arm."""
    family, loss = arm.split()
    backend, extra = FAMILIES[family]
    return make_estimator(
        backend,
        **LOSSES[loss],
        **extra,
        **TREES[backend],
        n_estimators=rounds,
        learning_rate=LEARNING_RATE,
        n_jobs=n_jobs,
        random_state=seed,
    )


def label_sets(Y: np.ndarray, min_count: int = 5) -> np.ndarray:
    """Stratification key: the label combination, rare combinations pooled."""
    keys = np.array(["".join(map(str, row)) for row in Y])
    uniq, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    keys = np.where(counts[inverse] >= min_count, keys, "rare")
    if np.sum(keys == "rare") == 1:  # one pooled row cannot be stratified
        keys[keys == "rare"] = uniq[np.argmax(counts)]
    return keys


def split(X: np.ndarray, Y: np.ndarray, seed: int):
    """Seeded 70/30 split stratified on the label combination."""
    return train_test_split(
        X, Y, test_size=TEST_SIZE, random_state=seed, stratify=label_sets(Y)
    )


def bootstrap_macro_ap(
    Y: np.ndarray, proba_a: np.ndarray, proba_b: np.ndarray, seed: int
) -> list[float]:
    """95 % paired bootstrap interval (test rows) of macro AP(a) - macro AP(b)."""
    rng = np.random.default_rng(seed)
    diffs: list[float] = []
    while len(diffs) < N_BOOT:
        rows = rng.integers(0, Y.shape[0], Y.shape[0])
        Yb = Y[rows]
        if np.any(Yb.sum(axis=0) == 0):
            continue
        ap_a = average_precision_score(Yb, proba_a[rows], average=None)
        ap_b = average_precision_score(Yb, proba_b[rows], average=None)
        diffs.append(float(np.mean(ap_a - ap_b)))
    return [float(v) for v in np.percentile(diffs, [2.5, 97.5])]


def _f1(Y: np.ndarray, Y_pred: np.ndarray) -> np.ndarray:
    return f1_score(Y, Y_pred, average=None, zero_division=0)


def score_arm(model, X_train, X_test, Y_train, Y_test) -> dict[str, Any]:
    """Fit one arm and score it per label on the test part."""
    t0 = time.perf_counter()
    model.fit(X_train, Y_train)  # one call, all labels
    fit_s = time.perf_counter() - t0
    proba = model.predict_proba(X_test)  # posterior estimates (default)
    Y_post = model.predict(X_test)
    Y_focal = model.set_params(probability="focal").predict(X_test)
    model.set_params(probability="posterior")
    return dict(
        ap=average_precision_score(Y_test, proba, average=None),
        f1=_f1(Y_test, Y_post),
        said_yes=Y_post.mean(axis=0),
        f1_focal=_f1(Y_test, Y_focal),
        said_yes_focal=Y_focal.mean(axis=0),
        fit_s=fit_s,
        proba=proba,
    )


def best_thresholds(Y: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Per label, the probability threshold with the highest F1 on (Y, proba)."""
    out = np.empty(Y.shape[1])
    for j in range(Y.shape[1]):
        cands = np.unique(proba[:, j])
        f1 = [f1_score(Y[:, j], proba[:, j] >= t, zero_division=0) for t in cands]
        out[j] = cands[int(np.argmax(f1))]
    return out


def tuned_threshold_f1(arm, X_train, X_test, Y_train, Y_test, seed, n_jobs, rounds):
    """Macro F1 on the test part at per-label thresholds tuned out of fold.

    The thresholds maximise each label's F1 on 3-fold out-of-fold posterior
    estimates of the training part; the arm refitted on the whole training
    part is then thresholded there.
    """
    oof = np.empty(Y_train.shape, dtype=np.float64)
    folds = KFold(THRESHOLD_FOLDS, shuffle=True, random_state=seed)
    for tr, va in folds.split(X_train):
        model = make_arm(arm, seed, n_jobs, rounds).fit(X_train[tr], Y_train[tr])
        oof[va] = model.predict_proba(X_train[va])
    thresholds = best_thresholds(Y_train, oof)
    model = make_arm(arm, seed, n_jobs, rounds).fit(X_train, Y_train)
    Y_pred = (model.predict_proba(X_test) >= thresholds).astype(int)
    return dict(thresholds=thresholds, f1=_f1(Y_test, Y_pred))


def run_split(
    X: np.ndarray,
    Y: np.ndarray,
    seed: int,
    n_jobs: int,
    rounds: int,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Every arm on one split: per-label scores and the focal - log contrasts."""
    X_train, X_test, Y_train, Y_test = split(X, Y, seed)
    arms = {}
    for arm in ARMS:
        arms[arm] = score_arm(
            make_arm(arm, seed, n_jobs, rounds), X_train, X_test, Y_train, Y_test
        )
        log(f"  seed {seed} {arm}: fit {arms[arm]['fit_s']:.1f}s")
    contrasts = {}
    for family in FAMILIES:
        focal, logl = arms[f"{family} focal"], arms[f"{family} log"]
        contrasts[family] = dict(
            macro_ap=float(focal["ap"].mean() - logl["ap"].mean()),
            macro_ap_ci=bootstrap_macro_ap(Y_test, focal["proba"], logl["proba"], seed),
            labels_ahead=int(np.sum(focal["ap"] > logl["ap"])),
            macro_f1=float(focal["f1"].mean() - logl["f1"].mean()),
            macro_f1_focal=float(focal["f1_focal"].mean() - logl["f1_focal"].mean()),
        )
    for record in arms.values():
        del record["proba"]
    return dict(
        seed=seed,
        n_train=int(X_train.shape[0]),
        n_test=int(X_test.shape[0]),
        prevalence=Y_test.mean(axis=0),
        arms=arms,
        contrasts=contrasts,
        _split=(X_train, X_test, Y_train, Y_test),
    )
