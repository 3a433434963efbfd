"""Metrics: the focal loss of probabilities, thresholds, paired comparisons.

- :func:`focal_loss`: the focal loss of predicted probabilities, usable with
  ``make_scorer``;
- :func:`f1_optimal_threshold`: the F1-maximising probability threshold;
- :func:`corrected_resampled_ttest`: the Nadeau-Bengio corrected resampled
  t-test of paired cross-validation scores, with a confidence interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .losses import BinaryFocalLoss
from .losses._common import check_alpha, check_gamma

__all__ = [
    "PairedTest",
    "corrected_resampled_ttest",
    "f1_optimal_threshold",
    "focal_loss",
]


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


@dataclass(frozen=True)
class PairedTest:
    """The result of :func:`corrected_resampled_ttest`.

    Attributes
    ----------
    mean : float
        Mean of the paired differences (first minus second).
    ci_low, ci_high : float
        Confidence interval of the mean difference.
    t : float
        The t statistic.
    p : float
        Two-sided p-value.
    n : int
        Number of paired scores (folds times repeats).
    confidence : float
        Level of the interval.

    Examples
    --------
    >>> from focalboost.metrics import corrected_resampled_ttest
    >>> test = corrected_resampled_ttest(
    ...     [0.01, 0.02, 0.03, 0.04, 0.05], test_size=1, train_size=4
    ... )
    >>> test.n, round(test.mean, 4), test.significant(0.05)
    (5, 0.03, True)
    """

    mean: float
    ci_low: float
    ci_high: float
    t: float
    p: float
    n: int
    confidence: float

    def significant(self, level: float = 0.05) -> bool:
        """Return whether the difference is significant at ``level``.

        Parameters
        ----------
        level : float, default=0.05
            Significance level of the two-sided test.

        Returns
        -------
        bool
            ``p < level``: the confidence interval at ``1 - level`` excludes
            zero.
        """
        return self.p < level


def corrected_resampled_ttest(
    differences, *, test_size: float, train_size: float, confidence: float = 0.95
) -> PairedTest:
    """Nadeau-Bengio corrected resampled t-test of paired CV differences.

    The folds of (repeated) k-fold cross-validation share most of their
    training rows, so the paired differences of two models' scores are
    correlated and the plain paired t-test rejects far too often. Nadeau and
    Bengio (2003) replace the variance of the mean, ``s**2 / J``, by
    ``(1/J + n_test / n_train) s**2`` for ``J`` resampled train/test splits;
    the statistic is compared with Student's t with ``J - 1`` degrees of
    freedom (Bouckaert and Frank, 2004, for repeated k-fold).

    Parameters
    ----------
    differences : array-like of shape (J,)
        Score of the first model minus that of the second, per split.
    test_size, train_size : float
        Rows (or their mean) of a test and a training part.
    confidence : float, default=0.95
        Level of the confidence interval of the mean difference.

    Returns
    -------
    PairedTest

    References
    ----------
    C. Nadeau and Y. Bengio, "Inference for the generalization error",
    Machine Learning 52 (2003) 239-281. R. R. Bouckaert and E. Frank,
    "Evaluating the replicability of significance tests for comparing
    learning algorithms", PAKDD 2004.

    Examples
    --------
    >>> from focalboost.metrics import corrected_resampled_ttest
    >>> test = corrected_resampled_ttest(
    ...     [0.01, 0.02, 0.03, 0.04, 0.05], test_size=1, train_size=4
    ... )
    >>> round(test.t, 4), round(test.p, 4)
    (2.8284, 0.0474)
    """
    from scipy import stats

    d = np.asarray(differences, dtype=np.float64)
    if d.ndim != 1 or d.shape[0] < 2 or not np.all(np.isfinite(d)):
        raise ValueError(
            "differences must be at least 2 finite paired differences; got "
            f"{d.tolist()!r}."
        )
    if not (test_size > 0 and train_size > 0):
        raise ValueError(
            f"test_size and train_size must be positive; got {test_size!r} and "
            f"{train_size!r}."
        )
    n = d.shape[0]
    mean = float(d.mean())
    se = math.sqrt((1.0 / n + test_size / train_size) * float(d.var(ddof=1)))
    if se == 0.0:  # every difference is the same number
        t = 0.0 if mean == 0 else math.copysign(math.inf, mean)
        return PairedTest(mean, mean, mean, t, float(mean == 0), n, confidence)
    t = mean / se
    q = float(stats.t.ppf(0.5 + confidence / 2, n - 1))
    p = float(2 * stats.t.sf(abs(t), n - 1))
    return PairedTest(mean, mean - q * se, mean + q * se, t, p, n, confidence)
