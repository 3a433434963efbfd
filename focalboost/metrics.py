"""Focal loss of predicted probabilities, usable with ``make_scorer``."""

from __future__ import annotations

import numpy as np

from .losses import BinaryFocalLoss
from .losses._common import check_alpha, check_gamma

__all__ = ["f1_optimal_threshold", "focal_loss"]


def focal_loss(
    y_true,
    y_proba,
    *,
    alpha: float | str | None = None,
    gamma: float = 2.0,
    sample_weight=None,
    labels=None,
) -> float:
    """Mean binary focal loss of predicted probabilities.

    ``FL = -alpha_t * (1 - p_t)**gamma * log(p_t)`` averaged over samples
    (weighted by ``sample_weight``), with ``p_t`` the probability given to the
    true class. Probabilities are clipped to ``[eps, 1 - eps]`` (``eps`` the
    machine epsilon of float64) exactly as :func:`sklearn.metrics.log_loss`
    does, so ``gamma=0, alpha=None`` returns the log loss.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True binary labels (any type); the positive class is the larger label,
        or ``labels[1]`` when ``labels`` is given.
    y_proba : array-like of shape (n_samples,) or (n_samples, 2)
        Probability of the positive class, or both columns as returned by
        ``predict_proba``.
    alpha : float in (0, 1), "balanced" or None, default=None
        Weight of the positive class; see :class:`~focalboost.BinaryFocalLoss`.
    gamma : float >= 0, default=2.0
        Focusing parameter.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    labels : array-like of shape (2,), default=None
        The two class labels in the order (negative, positive), as given (not
        sorted); the sorted unique values of ``y_true`` if None.

    Returns
    -------
    float
        The (weighted) mean focal loss; lower is better.

    Examples
    --------
    >>> from focalboost.metrics import focal_loss
    >>> round(focal_loss([0, 1, 1], [0.1, 0.8, 0.6], gamma=2.0), 6)
    0.03057
    >>> from sklearn.metrics import make_scorer
    >>> scorer = make_scorer(focal_loss, greater_is_better=False,
    ...                      response_method="predict_proba", gamma=2.0)
    """
    alpha = check_alpha(alpha)
    gamma = check_gamma(gamma)
    y_true = np.asarray(y_true)
    proba = np.asarray(y_proba, dtype=np.float64)
    if proba.ndim == 2:
        if proba.shape[1] != 2:
            raise ValueError(
                "y_proba must have shape (n_samples,) or (n_samples, 2); got "
                f"{proba.shape}."
            )
        proba = proba[:, 1]
    if proba.ndim != 1 or proba.shape[0] != y_true.shape[0]:
        raise ValueError(
            f"y_proba must have {y_true.shape[0]} rows like y_true; got shape "
            f"{proba.shape}."
        )
    if not np.all(np.isfinite(proba)) or np.any((proba < 0) | (proba > 1)):
        raise ValueError("y_proba must contain probabilities in [0, 1].")
    classes = np.unique(y_true) if labels is None else np.asarray(labels)
    if classes.shape != (2,) or classes[0] == classes[1]:
        raise ValueError(
            "focal_loss is binary: it needs exactly two classes (from y_true or "
            f"labels); got {classes.tolist()!r}."
        )
    unknown = ~np.isin(y_true, classes)
    if np.any(unknown):
        raise ValueError(
            f"y_true contains labels not in labels={classes.tolist()!r}: "
            f"{np.unique(y_true[unknown]).tolist()!r}."
        )
    y = (y_true == classes[1]).astype(np.float64)
    eps = np.finfo(np.float64).eps
    proba = np.clip(proba, eps, 1 - eps)
    p_t = np.where(y == 1, proba, 1 - proba)
    a0, a1 = BinaryFocalLoss(alpha, gamma).class_weights(y, sample_weight)
    alpha_t = np.where(y == 1, a1, a0)
    values = -alpha_t * (1 - p_t) ** gamma * np.log(p_t)
    return float(np.average(values, weights=sample_weight))


def f1_optimal_threshold(y_true: np.ndarray, proba: np.ndarray) -> float:
    """Return the probability threshold that maximises F1 on ``(y_true, proba)``.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,)
        0/1 labels, at least one positive.
    proba : ndarray of shape (n_samples,)
        Positive-class probabilities.

    Returns
    -------
    float
        Predict positive when ``proba >= threshold``.

    Examples
    --------
    >>> import numpy as np
    >>> from focalboost.metrics import f1_optimal_threshold
    >>> f1_optimal_threshold(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.35
    """
    from sklearn.metrics import precision_recall_curve

    precision, recall, thresholds = precision_recall_curve(y_true, proba)
    precision, recall = precision[:-1], recall[:-1]
    denom = precision + recall
    f1 = np.divide(
        2 * precision * recall, denom, out=np.zeros_like(denom), where=denom > 0
    )
    return float(thresholds[int(np.argmax(f1))])
