"""What ``focalboost compare`` measures on one test fold, per kind of target.

Every score is computed from ``predict_proba`` on the test fold. Decision
thresholds (binary targets) are chosen on out-of-fold predictions for the
training part only, never on the test fold.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    log_loss,
    precision_recall_curve,
    roc_auc_score,
)

from ..metrics import f1_optimal_threshold

__all__ = [
    "KINDS",
    "fold_scores",
    "primary_score",
    "threshold_at_precision",
    "threshold_at_recall",
]

KINDS = ("binary", "multiclass", "multilabel")


def threshold_at_precision(y, proba, precision: float) -> float:
    """Return the lowest threshold with precision ``>= precision`` on ``(y, proba)``.

    The lowest such threshold has the highest recall. ``inf`` (nothing
    predicted positive) when no threshold reaches the precision.
    """
    p, _, thresholds = precision_recall_curve(y, proba)
    ok = np.flatnonzero(p[:-1] >= precision)
    return float(thresholds[ok[0]]) if ok.size else math.inf


def threshold_at_recall(y, proba, recall: float) -> float:
    """Return the highest threshold whose recall on ``(y, proba)`` is ``>= recall``."""
    _, r, thresholds = precision_recall_curve(y, proba)
    ok = np.flatnonzero(r[:-1] >= recall)
    return float(thresholds[ok[-1]]) if ok.size else -math.inf


def _at(y, proba, threshold):
    """Precision and recall of ``proba >= threshold`` (precision NaN if none)."""
    pred = proba >= threshold
    tp = int(np.sum(pred & (y == 1)))
    positives = int(np.sum(pred))
    precision = tp / positives if positives else math.nan
    return precision, tp / max(int(np.sum(y == 1)), 1)


def _binary(y, proba, y_oof, proba_oof, at_precision, at_recall) -> dict:
    f1_cut = f1_optimal_threshold(y_oof, proba_oof)
    p_cut = threshold_at_precision(y_oof, proba_oof, at_precision)
    r_cut = threshold_at_recall(y_oof, proba_oof, at_recall)
    precision_f1, recall_f1 = _at(y, proba, f1_cut)
    precision_p, recall_p = _at(y, proba, p_cut)
    precision_r, recall_r = _at(y, proba, r_cut)
    f1 = (
        2 * precision_f1 * recall_f1 / (precision_f1 + recall_f1)
        if precision_f1 == precision_f1 and precision_f1 + recall_f1 > 0
        else 0.0
    )
    return {
        "pr_auc": float(average_precision_score(y, proba)),
        "roc_auc": float(roc_auc_score(y, proba)),
        "brier": float(np.mean((proba - y) ** 2)),
        "log_loss": float(log_loss(y, proba, labels=[0, 1])),
        "f1": float(f1),
        "recall_at_precision": recall_p,
        "precision_there": precision_p,
        "precision_at_recall": precision_r,
        "recall_there": recall_r,
        "thresholds": {"f1": f1_cut, "precision": p_cut, "recall": r_cut},
    }


def _per_column_ap(Y, proba) -> list[float]:
    """Average precision of each column (NaN where the test fold has no positive)."""
    out = []
    for j in range(Y.shape[1]):
        has_both = 0 < Y[:, j].sum() < Y.shape[0]
        out.append(
            float(average_precision_score(Y[:, j], proba[:, j]))
            if has_both
            else math.nan
        )
    return out


def _multi(Y, proba) -> dict:
    """Scores of an indicator target ``Y`` (one-vs-rest for multiclass)."""
    per = _per_column_ap(Y, proba)
    valid = [j for j, v in enumerate(per) if v == v]
    clipped = np.clip(proba, 1e-15, 1 - 1e-15)
    column_loss = -(Y * np.log(clipped) + (1 - Y) * np.log1p(-clipped)).mean(axis=0)
    return {
        "pr_auc": float(np.mean([per[j] for j in valid])),
        "pr_auc_micro": float(average_precision_score(Y.ravel(), proba.ravel())),
        "roc_auc": float(np.mean([roc_auc_score(Y[:, j], proba[:, j]) for j in valid])),
        "per_column_pr_auc": per,
        "column_log_loss": column_loss.tolist(),
    }


def fold_scores(kind, y, proba, y_oof, proba_oof, at_precision, at_recall) -> dict:
    """Scores of one arm on one test fold.

    Parameters
    ----------
    kind : {"binary", "multiclass", "multilabel"}
        The target.
    y, proba : ndarray
        Test labels (0/1, class indices, or the indicator matrix) and
        ``predict_proba`` (binary: the positive class's column).
    y_oof, proba_oof : ndarray
        Labels and out-of-fold probabilities of the training part (thresholds).
    at_precision, at_recall : float
        The precision and recall at which recall and precision are reported.

    Returns
    -------
    dict
        ``pr_auc`` (macro over classes or labels), ``roc_auc``, ``brier``,
        ``log_loss``; binary: ``f1`` and the threshold metrics; multiclass and
        multi-label: ``pr_auc_micro`` and ``per_column_pr_auc``.
    """
    if kind == "binary":
        return _binary(y, proba, y_oof, proba_oof, at_precision, at_recall)
    if kind == "multiclass":
        indicator = (y[:, None] == np.arange(proba.shape[1])).astype(np.float64)
        out = _multi(indicator, proba)
        out.pop("column_log_loss")
        out["brier"] = float(np.mean(np.sum((proba - indicator) ** 2, axis=1)))
        out["log_loss"] = float(log_loss(y, proba, labels=np.arange(proba.shape[1])))
        return out
    out = _multi(y, proba)
    out["brier"] = float(np.mean((proba - y) ** 2))
    out["log_loss"] = float(np.mean(out.pop("column_log_loss")))
    return out


def primary_score(kind, y, proba) -> float:
    """Return the score tuning maximises: PR-AUC (macro over classes or labels)."""
    if kind == "binary":
        return float(average_precision_score(y, proba))
    if kind == "multiclass":
        y = (y[:, None] == np.arange(proba.shape[1])).astype(np.float64)
    return float(np.nanmean(_per_column_ap(y, proba)))
