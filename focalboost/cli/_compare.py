"""``focalboost compare``: log loss vs class-weighted log loss vs focal loss.

Stratified K-fold cross-validation of one backend with three kinds of arm:
the log loss (``gamma=0, alpha=None``), the log loss with balanced sample
weights, and the focal loss over an ``alpha x gamma`` grid. The focal arm
reported against the two baselines is the grid point with the best mean
PR-AUC. Everything here is computed from the public estimators; the CLI only
parses arguments and prints.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from ..metrics import f1_optimal_threshold

__all__ = [
    "Arm",
    "Progress",
    "THRESHOLD_RULES",
    "f1_optimal_threshold",
    "make_arms",
    "make_estimator",
    "run_compare",
]

METRICS = ("pr_auc", "roc_auc", "f1", "recall", "brier", "fit_s")
THRESHOLD_RULES = {
    "oof": (
        "F1-optimal threshold on out-of-fold predictions for the training part "
        "(an inner stratified 2-fold split of the training folds, same settings); "
        "the test fold is never used to choose it"
    ),
    "train": (
        "F1-optimal threshold on the fitted model's own (in-sample) predictions "
        "for the training folds; the test fold is never used to choose it. "
        "In-sample probabilities of boosted trees are over-confident, so this "
        "threshold tends to be too high and recall too low"
    ),
}


def make_estimator(
    backend: str,
    *,
    alpha: float | str | None,
    gamma: float,
    n_estimators: int,
    seed: int,
    device: str | None,
    learning_rate: float | None = None,
    n_jobs: int | None = None,
) -> Any:
    """Build an unfitted focalboost classifier for ``backend``.

    Parameters
    ----------
    backend : {"xgboost", "lightgbm"}
        Which classifier.
    alpha : float, "balanced" or None
        Focal class weight.
    gamma : float
        Focusing parameter (0: log loss when ``alpha`` is None).
    n_estimators : int
        Boosting rounds.
    seed : int
        ``random_state``.
    device : str or None
        XGBoost ``device`` / LightGBM ``device_type``; None: the backend's default.
    learning_rate : float or None, default=None
        None: the estimator's default.
    n_jobs : int or None, default=None
        Backend threads; None: the backend's default (all cores).

    Returns
    -------
    FocalXGBClassifier or FocalLGBMClassifier
    """
    from ..lightgbm import FocalLGBMClassifier
    from ..xgboost import FocalXGBClassifier

    params: dict[str, Any] = {
        "alpha": alpha,
        "gamma": gamma,
        "n_estimators": n_estimators,
        "random_state": seed,
        "n_jobs": n_jobs,
    }
    if learning_rate is not None:
        params["learning_rate"] = learning_rate
    if backend == "xgboost":
        return FocalXGBClassifier(device=device, **params)
    if device is not None:
        params["device_type"] = device
    return FocalLGBMClassifier(**params)


@dataclass(frozen=True)
class Arm:
    """One compared configuration.

    Parameters
    ----------
    name : str
        Label in the table and the report.
    alpha : float, "balanced" or None
        Focal class weight.
    gamma : float
        Focusing parameter.
    weighted : bool
        Fit with balanced sample weights.
    focal : bool
        Part of the focal ``alpha x gamma`` grid.
    """

    name: str
    alpha: float | str | None
    gamma: float
    weighted: bool = False
    focal: bool = False


def fmt_alpha(alpha: float | str | None) -> str:
    """Return ``alpha`` as the table writes it."""
    return (
        "none" if alpha is None else alpha if isinstance(alpha, str) else f"{alpha:g}"
    )


def make_arms(
    alphas: Sequence[float | str | None], gammas: Sequence[float]
) -> list[Arm]:
    """List the arms: log loss, balanced log loss, then the focal grid.

    Parameters
    ----------
    alphas : sequence of float, "balanced" or None
        Focal class weights of the grid.
    gammas : sequence of float
        Focusing parameters of the grid.

    Returns
    -------
    list of Arm
    """
    arms = [
        Arm("log loss", None, 0.0),
        Arm("balanced log loss", None, 0.0, weighted=True),
    ]
    for alpha in alphas:
        for gamma in gammas:
            name = f"focal a={fmt_alpha(alpha)} g={gamma:g}"
            arms.append(Arm(name, alpha, float(gamma), focal=True))
    return arms


class Progress:
    """A plain-text progress bar on a stream (stderr).

    On a terminal the bar is redrawn in place after every fit; otherwise one
    line is written when an arm is finished, so logs stay readable.

    Parameters
    ----------
    total : int
        Number of fits.
    stream : file-like or None
        Where to write; None disables the bar.
    """

    def __init__(self, total: int, stream: TextIO | None):
        self.total = total
        self.stream = stream
        self.done = 0
        self.start = time.perf_counter()
        self.tty = bool(stream is not None and stream.isatty())

    def _bar(self) -> str:
        width = 24
        filled = width * self.done // max(self.total, 1)
        elapsed = time.perf_counter() - self.start
        return (
            f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
            f"fits {elapsed:5.1f} s"
        )

    def fit_done(self, label: str) -> None:
        """Count one fit; redraw the bar on a terminal.

        Parameters
        ----------
        label : str
            The arm being fitted.
        """
        self.done += 1
        if self.stream is not None and self.tty:
            self.stream.write(f"\rcompare {self._bar()}  {label:<28}")
            self.stream.flush()

    def arm_done(self, summary: str) -> None:
        """Report a finished arm (one line when not on a terminal).

        Parameters
        ----------
        summary : str
            Arm name and headline result.
        """
        if self.stream is not None and not self.tty:
            self.stream.write(f"compare {self._bar()}  {summary}\n")
            self.stream.flush()

    def close(self) -> None:
        """End the bar's line on a terminal."""
        if self.stream is not None and self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _rows(X, idx: np.ndarray):
    """Rows ``idx`` of an array or of a DataFrame (categorical features)."""
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


def _fold_metrics(y: np.ndarray, proba: np.ndarray, threshold: float) -> dict:
    from sklearn.metrics import average_precision_score, roc_auc_score

    pred = proba >= threshold
    pos = y == 1
    tp = int(np.sum(pred & pos))
    fp = int(np.sum(pred & ~pos))
    fn = int(np.sum(~pred & pos))
    return {
        "pr_auc": float(average_precision_score(y, proba)),
        "roc_auc": float(roc_auc_score(y, proba)),
        "f1": 2 * tp / (2 * tp + fp + fn),
        "recall": tp / (tp + fn),
        "brier": float(np.mean((proba - y) ** 2)),
    }


def run_compare(
    X: np.ndarray,
    y: np.ndarray,
    *,
    arms: Sequence[Arm],
    backend: str = "xgboost",
    cv: int = 5,
    n_estimators: int = 100,
    seed: int = 0,
    device: str | None = None,
    n_jobs: int | None = None,
    threshold: str = "oof",
    progress: TextIO | None = None,
) -> dict:
    """Cross-validate every arm and summarise the folds.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Features (NaN allowed).
    y : ndarray of shape (n_samples,)
        0/1 labels, 1 the positive (rare) class.
    arms : sequence of Arm
        From :func:`make_arms`.
    backend : {"xgboost", "lightgbm"}, default="xgboost"
        Classifier backend.
    cv : int, default=5
        Stratified folds (shuffled with ``seed``).
    n_estimators : int, default=100
        Boosting rounds of every fit.
    seed : int, default=0
        Seed of the folds and the estimators.
    device : str or None, default=None
        Passed to the estimators (XGBoost ``device``, LightGBM ``device_type``).
    n_jobs : int or None, default=None
        Backend threads of every fit; None: the backend's default.
    threshold : {"oof", "train"}, default="oof"
        How each fold's F1/recall threshold is chosen from its training folds
        (see ``THRESHOLD_RULES``): ``"oof"`` fits two more models per fold.
    progress : file-like or None, default=None
        Stream of the progress bar; None: silent.

    Returns
    -------
    dict
        ``arms`` (per arm: parameters, ``folds``, ``summary`` mean/std, and
        out-of-fold probabilities ``oof``), ``best_focal`` (name) and
        ``total_s``.
    """
    from sklearn.model_selection import StratifiedKFold
    from sklearn.utils.class_weight import compute_sample_weight

    start = time.perf_counter()
    folds = list(StratifiedKFold(cv, shuffle=True, random_state=seed).split(X, y))
    inner = StratifiedKFold(2, shuffle=True, random_state=seed + 1)
    bar = Progress(len(arms) * cv * (3 if threshold == "oof" else 1), progress)
    results = []
    for arm in arms:

        def fit(
            idx: np.ndarray, weight: np.ndarray | None, arm: Arm = arm
        ) -> tuple[Any, float]:
            clf = make_estimator(
                backend,
                alpha=arm.alpha,
                gamma=arm.gamma,
                n_estimators=n_estimators,
                seed=seed,
                device=device,
                n_jobs=n_jobs,
            )
            t0 = time.perf_counter()
            clf.fit(_rows(X, idx), y[idx], sample_weight=weight)
            fit_s = time.perf_counter() - t0
            bar.fit_done(arm.name)
            return clf, fit_s

        oof = np.full(len(y), np.nan)
        rows = []
        for k, (train, test) in enumerate(folds):
            weight = (
                compute_sample_weight("balanced", y[train]) if arm.weighted else None
            )
            clf, fit_s = fit(train, weight)
            if threshold == "oof":
                scores = np.empty(len(train))
                for a, b in inner.split(_rows(X, train), y[train]):
                    sub, _ = fit(train[a], None if weight is None else weight[a])
                    scores[b] = sub.predict_proba(_rows(X, train[b]))[:, 1]
            else:
                scores = clf.predict_proba(_rows(X, train))[:, 1]
            cut = f1_optimal_threshold(y[train], scores)
            proba = clf.predict_proba(_rows(X, test))[:, 1]
            oof[test] = proba
            row = {"fold": k, **_fold_metrics(y[test], proba, cut)}
            row.update(fit_s=fit_s, threshold=cut)
            rows.append(row)
        summary = {
            m: {
                "mean": float(np.mean([r[m] for r in rows])),
                "std": float(np.std([r[m] for r in rows])),
            }
            for m in METRICS
        }
        results.append(
            {
                "name": arm.name,
                "alpha": arm.alpha,
                "gamma": arm.gamma,
                "sample_weight": "balanced" if arm.weighted else None,
                "focal": arm.focal,
                "folds": rows,
                "summary": summary,
                "oof": oof,
            }
        )
        bar.arm_done(f"{arm.name}: PR-AUC {summary['pr_auc']['mean']:.3f}")
    bar.close()
    focal = [r for r in results if r["focal"]]
    best = max(focal, key=lambda r: r["summary"]["pr_auc"]["mean"]) if focal else None
    return {
        "arms": results,
        "best_focal": None if best is None else best["name"],
        "total_s": time.perf_counter() - start,
    }
