"""Focal loss -> XGBoost / LightGBM callables.

The glue is deliberately thin: one :class:`FocalObjective` owns the labels, the
sample weights and the Hessian policy (clip the per-sample Hessian first, then
multiply by the weight), and the backend classes only adapt the call
signature. Everything is a module-level class holding plain arrays, so the
callables pickle (which the Dask backends need).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, log_loss, roc_auc_score

from . import _kernels
from ._link import as_float64

__all__ = [
    "EarlyStopping",
    "EvalMetric",
    "FocalObjective",
    "LightGBMMetric",
    "LightGBMObjective",
    "MetricRecorder",
    "XGBoostMetric",
    "XGBoostObjective",
    "hessian_scale",
    "resolve_eval_metric",
]


def round_mantissa(values: np.ndarray, bits: int) -> np.ndarray:
    """Round to float32 with the ``bits`` lowest mantissa bits cleared.

    A float32 with ``24 - bits`` significant bits times an integer below
    ``2**bits`` is exactly representable in float32. XGBoost keeps each
    sample's gradient pair in float32, so rounding the *unweighted* values
    this way makes an integer sample weight (< ``2**bits``) give exactly the
    same gradient sums as repeating the row. The relative rounding error is
    at most ``2**(bits - 24)`` (5e-7 for ``bits=3``), far below what changes
    a tree.
    """
    out = np.array(values, dtype=np.float32)  # always a new array
    as_int = out.view(np.uint32)
    as_int += np.uint32(1 << (bits - 1))  # round half up in magnitude
    as_int &= np.uint32((0xFFFFFFFF << bits) & 0xFFFFFFFF)
    return out


def _class_rows(y_true, sample_weight, intercept):
    """One row per class (per label value) and the weighted total of each.

    At a constant margin a sample's Hessian depends on its class only, so
    sums over the training set are sums over these rows times the totals.
    Returns ``(rows, totals, margins)`` with ``totals`` broadcastable to the
    Hessian of ``rows`` at ``margins``.
    """
    y = np.asarray(y_true, dtype=np.float64)
    w = np.ones(y.shape[0]) if sample_weight is None else as_float64(sample_weight)
    c = np.asarray(intercept, dtype=np.float64)
    if y.ndim == 2:  # multi-label: label value 0 / 1 of every label
        ones = w @ y
        rows = np.array([np.zeros(y.shape[1]), np.ones(y.shape[1])])
        return rows, np.array([w.sum() - ones, ones]), np.broadcast_to(c, rows.shape)
    if c.ndim == 1:  # multiclass: class indices
        k = c.shape[0]
        totals = np.bincount(y.astype(np.intp), weights=w, minlength=k)
        return np.arange(k), totals[:, None], np.broadcast_to(c, (k, k))
    ones = float(w @ y)
    return np.array([0.0, 1.0]), np.array([w.sum() - ones, ones]), np.full(2, c)


def hessian_scale(loss, y_true, sample_weight, intercept, hessian):
    """Focal Hessians at the start of training relative to the log loss's.

    The ratio of the training set's total focal Hessian (Hessian policy
    applied) at the focal-optimal intercept to its total log-loss Hessian
    ``p (1 - p)`` at the log-loss-optimal intercept. The estimators express
    ``min_child_weight`` in log-loss Hessian units and multiply it by this
    ratio, so a focal fit gets splits at the focal Hessians' scale and
    ``gamma=0, alpha=None`` (ratio 1) is the backend's own default model.

    Parameters
    ----------
    loss : BinaryFocalLoss, SoftmaxFocalLoss or MultiLabelFocalLoss
        The training loss (``alpha`` resolved).
    y_true : ndarray
        Encoded targets (0/1, class indices or the indicator matrix).
    sample_weight : ndarray or None
        Training weights.
    intercept : float or ndarray
        The focal-optimal constant margin(s) of ``loss``.
    hessian : {"surrogate", "clipped"}
        The Hessian policy.

    Returns
    -------
    scale : float
        The ratio (1.0 when the log-loss total is not positive).
    total : float
        The total focal Hessian at the intercept.
    """
    log_loss = type(loss)(None, 0.0)
    rows, totals, margins = _class_rows(y_true, sample_weight, intercept)
    if np.ndim(intercept) == 1 and np.ndim(y_true) == 1:
        c0 = log_loss.fit_intercept_only(
            y_true, sample_weight, n_classes=np.shape(intercept)[0]
        )
    else:
        c0 = log_loss.fit_intercept_only(y_true, sample_weight)
    _, h = loss.gradient_hessian(rows, margins, hessian=hessian)
    _, h0 = log_loss.gradient_hessian(rows, np.broadcast_to(c0, margins.shape))
    total = float(np.sum(h * totals))
    total0 = float(np.sum(h0 * totals))
    if not (total0 > 0 and math.isfinite(total0) and math.isfinite(total)):
        return 1.0, total
    return total / total0, total


class FocalObjective:
    """Weighted gradient and Hessian of a focal loss under a Hessian policy.

    Parameters
    ----------
    loss : BinaryFocalLoss, SoftmaxFocalLoss or MultiLabelFocalLoss
        The loss (``alpha`` already resolved).
    y_true : ndarray of shape (n_samples,) or (n_samples, n_labels)
        Encoded targets.
    sample_weight : ndarray of shape (n_samples,) or None
        Applied after the Hessian policy.
    hessian : {"surrogate", "clipped"}
        The Hessian policy, see :data:`focalboost.losses.HESSIAN_POLICIES`.
    n_threads : int or None, default=None
        Cap on the compiled kernel's threads (the estimator's ``n_jobs``);
        None or a value below 1: the process budget, see
        :mod:`focalboost._kernels`.
    """

    #: Mantissa bits cleared before weighting (see :func:`round_mantissa`);
    #: 0 keeps float64.
    exact_weight_bits = 0

    def __init__(self, loss, y_true, sample_weight, hessian, n_threads=None):
        self.loss = loss
        self.n_threads = n_threads
        # kept as given (encoded labels are integers): the losses convert each
        # block, so the objective holds no full-size float64 copy of the labels
        self.y_true = np.asarray(y_true)
        self.sample_weight = (
            None if sample_weight is None else as_float64(sample_weight)
        )
        self.hessian = hessian

    #: Rows evaluated at a time: bounds the float64 temporaries of the maths
    #: (a few MB) whatever the data size; the outputs are written block by block.
    block_rows = 1 << 17

    def gradient_hessian(self, raw_prediction):
        """Return the weighted ``(gradient, hessian)`` at ``raw_prediction``."""
        z = np.asarray(raw_prediction)
        dtype = np.float32 if self.exact_weight_bits else np.float64
        n = z.shape[0]
        rows = max(1, self.block_rows // (z.shape[1] if z.ndim == 2 else 1))
        with _kernels.thread_limit(self.n_threads):
            if n <= rows:
                return self._block(z, slice(None))
            grad = np.empty(z.shape, dtype=dtype)
            hess = np.empty(z.shape, dtype=dtype)
            for start in range(0, n, rows):
                block = slice(start, start + rows)
                grad[block], hess[block] = self._block(z[block], block)
        return grad, hess

    def _block(self, z, block):
        y = self.y_true[block]  # each loss converts its labels itself
        w = None if self.sample_weight is None else self.sample_weight[block]
        if not self.exact_weight_bits:
            return self.loss.gradient_hessian(y, z, w, hessian=self.hessian)
        grad, hess = self.loss.gradient_hessian(y, z, hessian=self.hessian)
        grad = round_mantissa(grad, self.exact_weight_bits)
        hess = round_mantissa(hess, self.exact_weight_bits)
        if w is not None:
            w = w.astype(np.float32)
            w = w[:, None] if grad.ndim == 2 else w
            grad *= w
            hess *= w
        return grad, hess


class XGBoostObjective(FocalObjective):
    """``obj=`` callable for :func:`xgboost.train`.

    Returns float32 arrays rounded by :func:`round_mantissa` so that integer
    sample weights below 8 are exactly equivalent to repeated rows.
    """

    exact_weight_bits = 3

    def __call__(self, predt, dtrain):
        return self.gradient_hessian(predt)


class LightGBMObjective(FocalObjective):
    """``params["objective"]`` callable for :func:`lightgbm.train`."""

    def __call__(self, preds, train_data):
        return self.gradient_hessian(preds)


# ----------------------------------------------------------------- eval metrics
@dataclass(frozen=True)
class EvalMetric:
    """A metric of ``(y_true, raw_prediction, sample_weight)``.

    Attributes
    ----------
    name : str
        Name shown in the evaluation history.
    func : callable
        ``func(y_true, raw_prediction, sample_weight) -> float``.
    greater_is_better : bool
        Direction used by early stopping.
    """

    name: str
    func: Callable
    greater_is_better: bool

    def __call__(self, y_true, raw_prediction, sample_weight=None) -> float:
        """Evaluate the metric."""
        return float(self.func(y_true, as_float64(raw_prediction), sample_weight))


class _FocalMetric:
    """Mean per-sample focal loss (summed over labels for multi-label)."""

    def __init__(self, loss):
        self.loss = loss

    def __call__(self, y_true, raw_prediction, sample_weight):
        values = self.loss.loss(y_true, raw_prediction)
        if values.ndim == 2:
            values = values.sum(axis=1)
        return np.average(values, weights=sample_weight)


class _ProbaMetric:
    """A metric of probabilities: the loss's link is applied to the margin."""

    def __init__(self, func, loss):
        self.func = func
        self.loss = loss

    def __call__(self, y_true, raw_prediction, sample_weight):
        proba = self.loss.predict_proba(raw_prediction)
        return self.func(y_true, proba, sample_weight=sample_weight)


def _indicator(y_true, proba):
    """Targets as an indicator matrix matching ``proba`` (n, K) or (n, L)."""
    if y_true.ndim == 2:
        return y_true
    return (y_true.astype(np.intp)[:, None] == np.arange(proba.shape[1])).astype(
        np.float64
    )


def _logloss(y_true, proba, sample_weight=None):
    if proba.ndim == 1:
        return log_loss(y_true, proba, sample_weight=sample_weight, labels=[0, 1])
    if y_true.ndim == 1:
        labels = np.arange(proba.shape[1])
        return log_loss(y_true, proba, sample_weight=sample_weight, labels=labels)
    eps = np.finfo(np.float64).eps
    p = np.clip(proba, eps, 1 - eps)
    values = -(y_true * np.log(p) + (1 - y_true) * np.log1p(-p)).sum(axis=1)
    return np.average(values, weights=sample_weight)


def _brier(y_true, proba, sample_weight=None):
    if proba.ndim == 1:
        return np.average((proba - y_true) ** 2, weights=sample_weight)
    sq = ((proba - _indicator(y_true, proba)) ** 2).sum(axis=1)
    return np.average(sq, weights=sample_weight)


def _roc_auc(y_true, proba, sample_weight=None):
    if proba.ndim == 2 and y_true.ndim == 1:
        return roc_auc_score(
            y_true,
            proba,
            sample_weight=sample_weight,
            multi_class="ovr",
            labels=np.arange(proba.shape[1]),
        )
    return roc_auc_score(y_true, proba, sample_weight=sample_weight)


def _average_precision(y_true, proba, sample_weight=None):
    if proba.ndim == 2:
        y_true = _indicator(y_true, proba)
    return average_precision_score(y_true, proba, sample_weight=sample_weight)


_NAMED_METRICS = {
    "logloss": (_logloss, False),
    "brier": (_brier, False),
    "roc_auc": (_roc_auc, True),
    "average_precision": (_average_precision, True),
}

EVAL_METRIC_NAMES = ("focal",) + tuple(_NAMED_METRICS)


def resolve_eval_metric(eval_metric, loss) -> EvalMetric:
    """Turn the estimators' ``eval_metric`` parameter into an :class:`EvalMetric`.

    Parameters
    ----------
    eval_metric : None, str or callable
        ``None`` or ``"focal"``: the training focal loss (lower is better;
        summed over labels for multi-label). One of ``"logloss"``,
        ``"brier"`` (lower is better), ``"roc_auc"`` (one-vs-rest for
        multiclass), ``"average_precision"`` (macro over classes or labels;
        higher is better), computed on the focal probabilities. A callable
        ``f(y_true, y_score, sample_weight=None)`` receives the encoded
        targets (0/1, class indices or the indicator matrix) and the
        probabilities (positive class, (n, K) or (n, L)) and is minimised.
    loss : BinaryFocalLoss, SoftmaxFocalLoss or MultiLabelFocalLoss
        The training loss.

    Returns
    -------
    EvalMetric
    """
    if eval_metric is None or (isinstance(eval_metric, str) and eval_metric == "focal"):
        return EvalMetric("focal", _FocalMetric(loss), False)
    if isinstance(eval_metric, str):
        if eval_metric not in _NAMED_METRICS:
            raise ValueError(
                f"eval_metric must be None, a callable or one of {EVAL_METRIC_NAMES}; "
                f"got {eval_metric!r}."
            )
        func, greater = _NAMED_METRICS[eval_metric]
        return EvalMetric(eval_metric, _ProbaMetric(func, loss), greater)
    if callable(eval_metric):
        name = getattr(eval_metric, "__name__", type(eval_metric).__name__)
        return EvalMetric(name, _ProbaMetric(eval_metric, loss), False)
    raise TypeError(
        f"eval_metric must be None, a callable or one of {EVAL_METRIC_NAMES}; "
        f"got {eval_metric!r} of type {type(eval_metric).__name__}."
    )


class MetricRecorder:
    """Evaluate a metric on the evaluation sets and keep a full-precision record.

    The backends hand the callable their own data container; the recorder
    maps it (by identity) to the encoded targets and weights the estimator
    prepared, so labels and weights never round-trip through the backend
    (XGBoost would keep only six decimals of a custom metric in its log, and
    LightGBM's 1-D labels cannot hold a multi-label target).

    Parameters
    ----------
    metric : EvalMetric
        The metric.
    sets : dict
        ``{id(container): (name, y_true, sample_weight)}``.
    """

    def __init__(self, metric: EvalMetric, sets: dict):
        self.metric = metric
        self.sets = sets
        self.history: dict[str, list[float]] = {
            name: [] for name, _, _ in sets.values()
        }

    def evaluate(self, raw_prediction, container) -> float:
        """Evaluate on ``container`` and append to its history."""
        name, y_true, weight = self.sets[id(container)]
        value = self.metric(y_true, raw_prediction, weight)
        self.history[name].append(value)
        return value


class XGBoostMetric(MetricRecorder):
    """``custom_metric=`` callable for :func:`xgboost.train`."""

    def __call__(self, predt, dmatrix):
        return self.metric.name, self.evaluate(predt, dmatrix)


class LightGBMMetric(MetricRecorder):
    """``feval=`` callable for :func:`lightgbm.train`."""

    def __call__(self, preds, eval_data):
        value = self.evaluate(preds, eval_data)
        return self.metric.name, value, self.metric.greater_is_better


class EarlyStopping:
    """Stop when ``history`` has not strictly improved for ``rounds`` rounds.

    Backend-neutral: reads the full-precision record of a
    :class:`MetricRecorder` and knows the metric's direction explicitly
    instead of guessing it from the metric's name.

    Parameters
    ----------
    history : list of float
        The record of the evaluation set that drives stopping.
    rounds : int
        Patience.
    maximize : bool
        Whether larger values are better.
    """

    def __init__(self, history: list[float], rounds: int, maximize: bool):
        self.history = history
        self.rounds = rounds
        self.maximize = maximize
        self.best_round = -1

    def should_stop(self) -> bool:
        """Update ``best_round`` (0-based) and say whether to stop now."""
        values = np.asarray(self.history)
        self.best_round = int(np.argmax(values) if self.maximize else np.argmin(values))
        return len(values) - 1 - self.best_round >= self.rounds
