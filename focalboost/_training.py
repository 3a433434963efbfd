"""Evaluation during training, written once for every backend.

:class:`EvalMetric` and :func:`resolve_eval_metric` turn the estimators'
``eval_metric`` into a function of the encoded targets and the raw margin.
:class:`TrainingLog` keeps the full-precision record of every evaluation set
and stops early, reading the metric's direction explicitly; the backends
only adapt their callback signatures to it (XGBoost would keep six decimals
of a custom metric in its own log, and LightGBM's 1-D labels cannot hold a
multi-label target, so labels and weights never round-trip through them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, log_loss, roc_auc_score

from ._link import as_float64

__all__ = [
    "EVAL_METRIC_NAMES",
    "EarlyStopping",
    "EvalMetric",
    "TrainingLog",
    "resolve_eval_metric",
]


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


class EarlyStopping:
    """Stop when ``history`` has not strictly improved for ``rounds`` rounds.

    Parameters
    ----------
    history : list of float
        The record of the evaluation set that drives stopping (read live).
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


class TrainingLog:
    """The evaluation record, early stopping and best round of one fit.

    Parameters
    ----------
    metric : EvalMetric
        The metric evaluated on every set after every round.
    names : sequence of str
        The evaluation sets' names in ``eval_set`` order; the last one drives
        early stopping.
    early_stopping_rounds : int or None
        Patience, or None for no early stopping.
    """

    def __init__(
        self,
        metric: EvalMetric,
        names: Sequence[str],
        early_stopping_rounds: int | None,
    ):
        self.metric = metric
        self.names = list(names)
        self.history: dict[str, list[float]] = {name: [] for name in self.names}
        self.stopper = None
        if early_stopping_rounds is not None and self.names:
            self.stopper = EarlyStopping(
                self.history[self.names[-1]],
                early_stopping_rounds,
                metric.greater_is_better,
            )

    def evaluate(self, name: str, y_true, raw_prediction, sample_weight) -> float:
        """Evaluate the metric on set ``name``, record and return the value."""
        value = self.metric(y_true, raw_prediction, sample_weight)
        self.history[name].append(value)
        return value

    def record(self, name: str, value: float) -> None:
        """Append a value computed elsewhere (reduced across Dask workers)."""
        self.history[name].append(float(value))

    def should_stop(self) -> bool:
        """Return whether early stopping ends training after this round."""
        return self.stopper is not None and self.stopper.should_stop()

    def best_iteration(self, n_rounds: int) -> int:
        """Return the 0-based round ``predict`` uses, of ``n_rounds`` trained."""
        if self.stopper is not None:
            self.stopper.should_stop()  # up to date with the last round
            return self.stopper.best_round
        return n_rounds - 1

    def evals_result(self) -> dict[str, dict[str, list[float]]]:
        """Return the record: ``{set name: {metric name: [value per round]}}``."""
        return {name: {self.metric.name: list(h)} for name, h in self.history.items()}
