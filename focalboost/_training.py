"""Evaluation during training, written once for every backend.

:data:`METRICS` is the one table of metric names: for each backend, the
names its own classifier takes for ``eval_metric`` (XGBoost ``"auc"``,
``"aucpr"``, ``"error@0.7"``...; LightGBM ``"binary_logloss"``,
``"average_precision"``...) and focalboost's own (``"focal"``,
``"logloss"``, ``"brier"``, ``"roc_auc"``, ``"average_precision"``), each
mapped to a function of the encoded targets and focalboost's probabilities
and its direction. Names that mean the same thing map to the same function.
:func:`resolve_eval_metric` turns ``eval_metric`` (a name, a callable or a
list of them) into :class:`EvalMetrics` with the backend's rule for which
metrics are recorded and which one stops training early.
:class:`TrainingLog` keeps the full-precision record of every evaluation set
under the backend's metric names and stops early as the backend does; the
backends only adapt their callback signatures to it (XGBoost would keep six
decimals of a custom metric in its own log, and LightGBM's 1-D labels cannot
hold a multi-label target, so labels and weights never round-trip through
them).
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, log_loss, roc_auc_score

from ._link import as_float64

__all__ = [
    "DEFAULT_METRIC",
    "EVAL_METRIC_NAMES",
    "METRICS",
    "EvalMetric",
    "EvalMetrics",
    "TrainingLog",
    "check_eval_metric",
    "resolve_eval_metric",
]


# ------------------------------------------------------ metric functions
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


def _roc_auc(y_true, proba, sample_weight=None, average="macro"):
    if proba.ndim == 2 and y_true.ndim == 1:
        return roc_auc_score(
            y_true,
            proba,
            sample_weight=sample_weight,
            multi_class="ovr",
            average=average,
            labels=np.arange(proba.shape[1]),
        )
    return roc_auc_score(y_true, proba, sample_weight=sample_weight)


def _auc(y_true, proba, sample_weight=None):
    # the backends' "auc": one-vs-rest weighted by class prevalence (XGBoost's
    # multiclass rule); the binary ROC AUC otherwise
    return _roc_auc(y_true, proba, sample_weight, average="weighted")


def _average_precision(y_true, proba, sample_weight=None):
    if proba.ndim == 2:
        y_true = _indicator(y_true, proba)
    return average_precision_score(y_true, proba, sample_weight=sample_weight)


class _Error:
    """Share of wrong labels: ``p > threshold`` (binary, per label), argmax."""

    def __init__(self, threshold: float = 0.5):
        self.threshold = threshold

    def __call__(self, y_true, proba, sample_weight=None):
        if proba.ndim == 2 and y_true.ndim == 1:  # multiclass
            wrong = np.argmax(proba, axis=1) != y_true
        else:
            wrong = (proba > self.threshold) != (y_true > 0.5)
            if wrong.ndim == 2:  # multi-label: the share of wrong labels
                wrong = wrong.mean(axis=1)
        return np.average(wrong, weights=sample_weight)


_LOGLOSS = (_logloss, False)
_ERROR = (_Error(), False)
_AUC = (_auc, True)
_AP = (_average_precision, True)
#: focalboost's own names, taken by both estimators ("focal" is the loss).
_OWN = {
    "focal": (None, False),
    "logloss": _LOGLOSS,
    "brier": (_brier, False),
    "roc_auc": (_roc_auc, True),
    "average_precision": _AP,
}

#: ``eval_metric`` names per backend -> (function of encoded targets and
#: probabilities, greater is better). The functions take
#: ``(y_true, proba, sample_weight=None)``: 0/1 targets and the positive
#: class probability (binary), class indices and (n, K) probabilities, or
#: the (n, L) indicator and per-label probabilities.
METRICS: dict[str, dict[str, tuple[Callable | None, bool]]] = {
    "xgboost": {
        **_OWN,
        "mlogloss": _LOGLOSS,
        "error": _ERROR,
        "merror": _ERROR,
        "auc": _AUC,
        "aucpr": _AP,
    },
    "lightgbm": {
        **_OWN,
        "binary_logloss": _LOGLOSS,
        "multi_logloss": _LOGLOSS,
        "cross_entropy": _LOGLOSS,
        "binary_error": _ERROR,
        "multi_error": _ERROR,
        "auc": _AUC,
    },
}
#: LightGBM's aliases of its metric names (it reports the main name).
ALIASES = {
    "xgboost": {},
    "lightgbm": {
        "binary": "binary_logloss",
        "multiclass": "multi_logloss",
        "softmax": "multi_logloss",
        "multiclassova": "multi_logloss",
        "multiclass_ova": "multi_logloss",
        "ova": "multi_logloss",
        "ovr": "multi_logloss",
        "xentropy": "cross_entropy",
    },
}
#: The metric each backend's classifier records when given none (and
#: LightGBM records after the listed ones): its log loss, by target kind.
DEFAULT_METRIC = {
    "xgboost": {"binary": "logloss", "multiclass": "mlogloss", "multilabel": "logloss"},
    "lightgbm": {
        "binary": "binary_logloss",
        "multiclass": "multi_logloss",
        "multilabel": "binary_logloss",
    },
}
#: LightGBM's objective names that LGBMClassifier drops from ``eval_metric``.
_LIGHTGBM_OBJECTIVES = ("binary", "multiclass")


def _target_kind(loss) -> str:
    name = type(loss).__name__
    if name.startswith("Softmax"):
        return "multiclass"
    return "multilabel" if name.startswith("MultiLabel") else "binary"


#: Every name an estimator takes, for error messages and docs.
EVAL_METRIC_NAMES = tuple(dict.fromkeys([*METRICS["xgboost"], *METRICS["lightgbm"]]))
#: XGBoost's rule for a metric's direction from its name (its EarlyStopping).
_XGB_MAXIMIZE = ("auc", "aucpr", "pre", "map", "ndcg")


def _xgb_maximize(name: str) -> bool:
    return name in _XGB_MAXIMIZE or name.split("@")[0] in _XGB_MAXIMIZE


# ----------------------------------------------------------- the metrics
@dataclass(frozen=True)
class EvalMetric:
    """One ``eval_metric`` entry: a named metric or a user's callable.

    Attributes
    ----------
    name : str
        Name in the evaluation history (a callable's ``__name__``).
    func : callable or None
        ``func(y_true, proba, sample_weight)``; None for the focal loss
        (computed on the margin).
    greater_is_better : bool
        Direction used by early stopping.
    user : bool
        Whether ``func`` is the user's callable, called by the backends'
        conventions (see :func:`resolve_eval_metric`).
    """

    name: str
    func: Callable | None
    greater_is_better: bool
    user: bool = False

    def results(self, y_true, proba, sample_weight) -> list[tuple[str, float, bool]]:
        """Return ``[(name, value, greater is better), ...]`` on one set."""
        if not self.user:
            value = self.func(y_true, proba, sample_weight=sample_weight)
            return [(self.name, float(value), self.greater_is_better)]
        out = _call_user_metric(self.func, y_true, proba, sample_weight)
        if isinstance(out, numbers.Real) or (
            isinstance(out, np.ndarray) and out.ndim == 0
        ):
            return [(self.name, float(out), self.greater_is_better)]
        items = [out] if isinstance(out, tuple) else list(out)
        try:
            return [(str(n), float(v), bool(g)) for n, v, g in items]
        except (TypeError, ValueError):
            raise TypeError(
                f"eval_metric callable {self.name!r} must return a number or "
                "(name, value, is_higher_better) or a list of such tuples; got "
                f"{out!r}."
            ) from None


def _call_user_metric(func, y_true, proba, sample_weight):
    """Call a user's metric by the backends' conventions.

    A function with a ``sample_weight`` parameter is a scikit-learn metric
    (XGBoost's convention: the weights by keyword, only when there are
    some); otherwise LightGBM's: by its number of parameters, ``(y_true,
    y_pred)``, ``(y_true, y_pred, weight)`` or ``(y_true, y_pred, weight,
    group)``.
    """
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):  # a builtin without a signature
        params = {}
    if "sample_weight" in params or len(params) not in (2, 3, 4):
        if sample_weight is None:
            return func(y_true, proba)
        return func(y_true, proba, sample_weight=sample_weight)
    if len(params) == 2:
        return func(y_true, proba)
    if len(params) == 3:
        return func(y_true, proba, sample_weight)
    return func(y_true, proba, sample_weight, None)


class EvalMetrics:
    """The metrics of one fit, evaluated together on every set and round.

    Parameters
    ----------
    metrics : sequence of EvalMetric
        In the order the backend records them.
    loss : loss object
        The training loss (its margin -> probability maps).
    stopping : {"last", "any"}
        XGBoost's rule (``"last"``: the last metric on the last evaluation
        set stops training) or LightGBM's (``"any"``: every metric on every
        evaluation set, the first to stall stops it).
    first_metric_only : bool
        LightGBM's ``first_metric_only``: only the first metric stops.
    posterior : bool
        Whether the probabilities are the posterior estimates
        (``probability="posterior"``) or the focal link of the margin.
    """

    def __init__(
        self,
        metrics: Sequence[EvalMetric],
        loss,
        *,
        stopping: str = "last",
        first_metric_only: bool = False,
        posterior: bool = False,
    ):
        self.metrics = tuple(metrics)
        self.loss = loss
        self.stopping = stopping
        self.first_metric_only = first_metric_only
        self.posterior = posterior

    @property
    def names(self) -> list[str]:
        """The metrics' names (a callable's ``__name__``)."""
        return [m.name for m in self.metrics]

    def proba(self, raw_prediction) -> np.ndarray:
        """Return focalboost's probabilities of the margin (binary: class 1)."""
        raw = as_float64(raw_prediction)
        if raw.ndim == 2 and raw.shape[1] == 1:
            raw = raw[:, 0]
        if self.posterior:
            raw = self.loss.posterior_raw_prediction(raw)
        return self.loss.predict_proba(raw)

    def evaluate(self, y_true, raw_prediction, sample_weight=None):
        """Return ``[(metric name, value, greater is better), ...]`` on one set."""
        raw = as_float64(raw_prediction)
        if raw.ndim == 2 and raw.shape[1] == 1:
            raw = raw[:, 0]
        proba = None
        out = []
        for m in self.metrics:
            if m.func is None:  # the focal loss of the margin
                values = self.loss.loss(y_true, raw)
                if values.ndim == 2:
                    values = values.sum(axis=1)
                value = float(np.average(values, weights=sample_weight))
                out.append((m.name, value, False))
                continue
            if proba is None:
                proba = self.proba(raw)
            out += m.results(y_true, proba, sample_weight)
        return out


def check_eval_metric(name: str, value):
    """Check ``eval_metric`` before any data is seen; return it unchanged.

    Names must be known to one of the backends (each estimator checks its
    own at ``fit``); a list holds names and callables.
    """
    entries = value if isinstance(value, (list, tuple)) else [value]
    if isinstance(value, (list, tuple)) and not value:
        raise ValueError(f"{name} must not be an empty list; got {value!r}.")
    for entry in entries:
        if entry is None and not isinstance(value, (list, tuple)):
            continue
        if isinstance(entry, str):
            errors = []
            for backend in METRICS:
                try:
                    _named(entry, backend)
                except ValueError as exc:
                    errors.append(exc)
            if len(errors) == len(METRICS):
                raise ValueError(
                    f"{name} got the unknown metric name {entry!r}. The names are "
                    f"{', '.join(map(repr, EVAL_METRIC_NAMES))}, XGBoost's "
                    '"error@t" (0 <= t <= 1) and LightGBM\'s aliases '
                    f"{', '.join(map(repr, ALIASES['lightgbm']))}."
                )
        elif not callable(entry):
            raise TypeError(
                f"{name} must be None, a callable, a metric name or a list of "
                f"them; got {entry!r} of type {type(entry).__name__}."
            )
    return value


def _named(name: str, backend: str) -> EvalMetric:
    table = METRICS[backend]
    name = ALIASES[backend].get(name, name)
    if name in table:
        func, greater = table[name]
        return EvalMetric(name, func, greater)
    head, _, tail = name.partition("@")
    if backend == "xgboost" and head == "error" and tail:
        try:
            threshold = float(tail)
        except ValueError:
            threshold = math.nan
        if 0 <= threshold <= 1:
            return EvalMetric(name, _Error(threshold), False)
    known = sorted(set(table) | set(ALIASES[backend]))
    extra = ', "error@t" (0 <= t <= 1)' if backend == "xgboost" else ""
    raise ValueError(
        f"eval_metric must be None, a callable, a metric name or a list of them; "
        f"got {name!r}. The metric names are {', '.join(map(repr, known))}{extra}."
    )


def resolve_eval_metric(
    eval_metric,
    loss,
    *,
    backend: str = "xgboost",
    posterior: bool = False,
    first_metric_only: bool = False,
) -> EvalMetrics:
    """Turn the estimators' ``eval_metric`` into :class:`EvalMetrics`.

    Parameters
    ----------
    eval_metric : None, str, callable or list of them
        ``None``: what the backend's classifier records by default, its
        log loss (:data:`DEFAULT_METRIC`: XGBoost ``"logloss"`` /
        ``"mlogloss"``, LightGBM ``"binary_logloss"`` /
        ``"multi_logloss"``) of focalboost's probabilities; the training
        focal loss is ``"focal"`` (lower is better; summed over labels for
        multi-label). A name of :data:`METRICS` for the backend,
        computed on focalboost's probabilities (XGBoost also ``"error@t"``,
        LightGBM also its aliases such as ``"binary"``). A callable: a
        scikit-learn metric ``f(y_true, y_score, sample_weight=None)``
        (XGBoost's convention; a number, named by ``__name__``, maximised
        when the name says so as XGBoost decides: ``auc``, ``aucpr``,
        ``map``, ``ndcg``, ``pre``) or a LightGBM metric ``f(y_true,
        y_pred[, weight[, group]]) -> (name, value, is_higher_better)`` (or
        a list of such tuples). Callables receive the encoded targets (0/1,
        class indices or the indicator matrix) and the probabilities
        (positive class, (n, K) or (n, L)).
    loss : BinaryFocalLoss, SoftmaxFocalLoss or MultiLabelFocalLoss
        The training loss.
    backend : {"xgboost", "lightgbm"}
        Whose names and rules: XGBoost records exactly the listed metrics
        (its default metric and then a callable's), the last one stops
        early; LightGBM records the named ones (its objective names
        ``"binary"`` / ``"multiclass"`` dropped), then its default metric
        unless listed, then the callables, and any of them stops early
        (only the first with ``first_metric_only``).
    posterior : bool
        Whether the probabilities are the posterior estimates.
    first_metric_only : bool
        LightGBM's parameter of that name.

    Returns
    -------
    EvalMetrics
    """
    if backend not in METRICS:
        raise ValueError(f"backend must be one of {sorted(METRICS)}; got {backend!r}.")
    if eval_metric is None:
        entries = []
    elif isinstance(eval_metric, (str, bytes)) or callable(eval_metric):
        entries = [eval_metric]
    elif isinstance(eval_metric, (list, tuple)):
        entries = list(eval_metric)
    else:
        raise TypeError(
            "eval_metric must be None, a callable, a metric name or a list of "
            f"them; got {eval_metric!r} of type {type(eval_metric).__name__}."
        )
    named, user = [], []
    if backend == "lightgbm":
        # LGBMClassifier drops its objective's own name from eval_metric
        # and appends the objective's metric (below)
        entries = [e for e in entries if e not in _LIGHTGBM_OBJECTIVES]
    for entry in entries:
        if isinstance(entry, str):
            metric = _named(entry, backend)
            if metric.name not in [m.name for m in named]:
                named.append(metric)
        elif callable(entry):
            name = getattr(entry, "__name__", type(entry).__name__)
            greater = backend == "xgboost" and _xgb_maximize(name)
            user.append(EvalMetric(name, entry, greater, user=True))
        else:
            raise TypeError(
                "eval_metric entries must be metric names or callables; got "
                f"{entry!r} of type {type(entry).__name__}."
            )
    default = _named(DEFAULT_METRIC[backend][_target_kind(loss)], backend)
    if backend == "xgboost":
        metrics = (named or [default]) + user
    else:
        listed = [m.name for m in named]
        metrics = named + ([] if default.name in listed else [default]) + user
    stopping = "last" if backend == "xgboost" else "any"
    return EvalMetrics(
        metrics,
        loss,
        stopping=stopping,
        first_metric_only=first_metric_only,
        posterior=posterior,
    )


# --------------------------------------------------------- the record
class TrainingLog:
    """The evaluation record, early stopping and best round of one fit.

    Parameters
    ----------
    metrics : EvalMetrics
        The metrics evaluated on every set after every round, and the
        backend's stopping rule.
    names : sequence of str
        The evaluation sets' names in ``eval_set`` order.
    early_stopping_rounds : int or None
        Patience, or None for no early stopping.
    """

    def __init__(
        self,
        metrics: EvalMetrics,
        names: Sequence[str],
        early_stopping_rounds: int | None,
    ):
        self.metrics = metrics
        self.names = list(names)
        self.history: dict[str, dict[str, list[float]]] = {n: {} for n in self.names}
        self.greater: dict[str, bool] = {}
        self.rounds = early_stopping_rounds if self.names else None
        self.best_round: int | None = None

    def evaluate(self, name: str, y_true, raw_prediction, sample_weight):
        """Evaluate every metric on set ``name``; record and return them.

        Returns ``[(metric name, value, greater is better), ...]``.
        """
        results = self.metrics.evaluate(y_true, raw_prediction, sample_weight)
        for metric, value, greater in results:
            self.record(name, metric, value, greater)
        return results

    def record(self, name: str, metric: str, value: float, greater: bool) -> None:
        """Append a value computed elsewhere (reduced across Dask workers)."""
        self.history[name].setdefault(metric, []).append(float(value))
        self.greater[metric] = bool(greater)

    def merge(self, history: dict[str, dict[str, list[float]]]) -> None:
        """Add a record made elsewhere (a Dask worker's), directions known."""
        for name, metrics in history.items():
            for metric, values in metrics.items():
                self.history[name].setdefault(metric, []).extend(values)
                self.greater.setdefault(metric, self._greater_of(metric))

    def _greater_of(self, metric: str) -> bool:
        for m in self.metrics.metrics:
            if m.name == metric:
                return m.greater_is_better
        return False

    def _watched(self) -> list[tuple[str, str]]:
        """Return the (set, metric) pairs that stop training, in the backend's order."""
        if self.metrics.stopping == "last":
            last = self.names[-1]
            return [(last, list(self.history[last])[-1])]
        pairs = []
        for name in self.names:
            if name == "training":  # LightGBM never stops on the training set
                continue
            metrics = list(self.history[name])
            if self.metrics.first_metric_only:
                metrics = metrics[:1]
            pairs += [(name, m) for m in metrics]
        return pairs

    def _best(self, name: str, metric: str) -> int:
        # the first round of the best value: improvements are strict
        values = np.asarray(self.history[name][metric], dtype=np.float64)
        worst = -np.inf if self.greater[metric] else np.inf
        values = np.where(np.isnan(values), worst, values)
        return int(np.argmax(values) if self.greater[metric] else np.argmin(values))

    def should_stop(self) -> bool:
        """Return whether early stopping ends training after this round.

        The first watched (set, metric) pair that has not improved for
        ``early_stopping_rounds`` rounds stops training and sets
        ``best_round``.
        """
        if self.rounds is None or not any(self.history.values()):
            return False
        for name, metric in self._watched():
            best = self._best(name, metric)
            if len(self.history[name][metric]) - 1 - best >= self.rounds:
                self.best_round = best
                return True
        return False

    @property
    def stopped_early(self) -> bool:
        """Whether early stopping was active (a patience and an evaluation set)."""
        return self.rounds is not None

    def best_iteration(self, n_rounds: int) -> int:
        """Return the 0-based round ``predict`` uses, of ``n_rounds`` trained.

        With early stopping: the round that stopped training, or, when none
        did, the best round of the first watched pair (what both backends
        keep when training runs to the end).
        """
        if self.rounds is None or not any(self.history.values()) or n_rounds == 0:
            return n_rounds - 1
        if self.best_round is not None:
            return min(self.best_round, n_rounds - 1)
        name, metric = self._watched()[0]
        return min(self._best(name, metric), n_rounds - 1)

    def evals_result(self) -> dict[str, dict[str, list[float]]]:
        """Return the record: ``{set name: {metric name: [value per round]}}``."""
        return {
            name: {metric: list(v) for metric, v in h.items()}
            for name, h in self.history.items()
        }
