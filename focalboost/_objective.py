"""Focal loss -> XGBoost / LightGBM callables.

The glue is deliberately thin: one :class:`FocalObjective` owns the labels, the
sample weights and the Hessian policy (clip the per-sample Hessian first, then
multiply by the weight), and the backend classes only adapt the call
signature. Everything is a module-level class holding plain arrays, so the
callables pickle (which the Dask backends need).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, log_loss, roc_auc_score

from ._link import as_float64, expit

__all__ = [
    "EvalMetric",
    "FocalObjective",
    "LightGBMMetric",
    "LightGBMObjective",
    "XGBoostMetric",
    "XGBoostObjective",
    "resolve_eval_metric",
]


class FocalObjective:
    """Weighted gradient and Hessian of a focal loss under a Hessian policy.

    Parameters
    ----------
    loss : BinaryFocalLoss
        The loss (with a numeric ``alpha``).
    y_true : ndarray of shape (n_samples,)
        Encoded labels.
    sample_weight : ndarray of shape (n_samples,) or None
        Applied after the Hessian policy.
    hessian : {"surrogate", "clipped"}
        The Hessian policy, see :data:`focalboost.losses.HESSIAN_POLICIES`.
    """

    def __init__(self, loss, y_true, sample_weight, hessian):
        self.loss = loss
        self.y_true = as_float64(y_true)
        self.sample_weight = (
            None if sample_weight is None else as_float64(sample_weight)
        )
        self.hessian = hessian

    def gradient_hessian(self, raw_prediction):
        """Return the weighted ``(gradient, hessian)`` at ``raw_prediction``."""
        return self.loss.gradient_hessian(
            self.y_true, raw_prediction, self.sample_weight, hessian=self.hessian
        )


class XGBoostObjective(FocalObjective):
    """``obj=`` callable for :func:`xgboost.train`."""

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
    def __init__(self, loss):
        self.loss = loss

    def __call__(self, y_true, raw_prediction, sample_weight):
        values = self.loss.loss(y_true, raw_prediction)
        return np.average(values, weights=sample_weight)


class _ProbaMetric:
    def __init__(self, func):
        self.func = func

    def __call__(self, y_true, raw_prediction, sample_weight):
        return self.func(y_true, expit(raw_prediction), sample_weight=sample_weight)


def _logloss(y_true, proba, sample_weight=None):
    return log_loss(y_true, proba, sample_weight=sample_weight, labels=[0, 1])


def _brier(y_true, proba, sample_weight=None):
    return np.average((proba - y_true) ** 2, weights=sample_weight)


_NAMED_METRICS = {
    "logloss": (_logloss, False),
    "brier": (_brier, False),
    "roc_auc": (roc_auc_score, True),
    "average_precision": (average_precision_score, True),
}

EVAL_METRIC_NAMES = ("focal",) + tuple(_NAMED_METRICS)


def resolve_eval_metric(eval_metric, loss) -> EvalMetric:
    """Turn the estimators' ``eval_metric`` parameter into an :class:`EvalMetric`.

    Parameters
    ----------
    eval_metric : None, str or callable
        ``None`` or ``"focal"``: the training focal loss (lower is better).
        One of ``"logloss"``, ``"brier"`` (lower is better), ``"roc_auc"``,
        ``"average_precision"`` (higher is better), computed on
        ``expit(margin)``. A callable ``f(y_true, y_score, sample_weight=None)``
        receives the positive-class probability and is minimised.
    loss : BinaryFocalLoss
        The training loss.

    Returns
    -------
    EvalMetric
    """
    if eval_metric is None or eval_metric == "focal":
        return EvalMetric("focal", _FocalMetric(loss), False)
    if isinstance(eval_metric, str):
        if eval_metric not in _NAMED_METRICS:
            raise ValueError(
                f"eval_metric must be None, a callable or one of {EVAL_METRIC_NAMES}; "
                f"got {eval_metric!r}."
            )
        func, greater = _NAMED_METRICS[eval_metric]
        return EvalMetric(eval_metric, _ProbaMetric(func), greater)
    if callable(eval_metric):
        name = getattr(eval_metric, "__name__", type(eval_metric).__name__)
        return EvalMetric(name, _ProbaMetric(eval_metric), False)
    raise TypeError(
        f"eval_metric must be None, a callable or one of {EVAL_METRIC_NAMES}; "
        f"got {eval_metric!r} of type {type(eval_metric).__name__}."
    )


class XGBoostMetric:
    """``custom_metric=`` callable for :func:`xgboost.train`.

    Labels and weights are read from the DMatrix (the estimator sets both).
    XGBoost keeps only six decimals of a custom metric in its evaluation log,
    which ties small focal-loss values; this callable therefore also records
    every value at full precision in ``history[name]``, keyed by the name of
    the evaluation set, and early stopping reads that record.

    Parameters
    ----------
    metric : EvalMetric
        The metric.
    names : dict
        ``{id(dmatrix): name}`` of the evaluation sets.
    """

    def __init__(self, metric: EvalMetric, names: dict[int, str]):
        self.metric = metric
        self.names = names
        self.history: dict[str, list[float]] = {n: [] for n in names.values()}

    def __call__(self, predt, dmatrix):
        weight = dmatrix.get_weight()
        weight = weight if weight.size else None
        value = self.metric(dmatrix.get_label(), predt, weight)
        name = self.names.get(id(dmatrix))
        if name is not None:
            self.history[name].append(value)
        return self.metric.name, value


class LightGBMMetric:
    """``feval=`` callable for :func:`lightgbm.train`."""

    def __init__(self, metric: EvalMetric):
        self.metric = metric

    def __call__(self, preds, eval_data):
        weight = eval_data.get_weight()
        value = self.metric(eval_data.get_label(), preds, weight)
        return self.metric.name, value, self.metric.greater_is_better
