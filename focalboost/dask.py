"""Focal-loss classifiers on Dask: :mod:`xgboost.dask` and :mod:`lightgbm.dask`.

:class:`FocalDaskXGBClassifier` and :class:`FocalDaskLGBMClassifier` take the
parameters of :class:`~focalboost.FocalXGBClassifier` and
:class:`~focalboost.FocalLGBMClassifier` (plus ``client``), validate them with
the same code, and train on dask arrays or dask DataFrames with the backends'
own Dask interfaces; focalboost adds no distribution of its own.

What runs where:

- On the client: parameter validation, and a few small reductions over the
  distributed data (the distinct labels, the weight range, the per-class
  weighted totals). The focal-optimal intercept depends on the data only
  through those totals, so the single-machine ``make_loss`` /
  ``fit_intercept_only`` are called on a compressed data set of one row per
  class (weight = the class total); nothing is collected to the client.
- On the workers: the objective. It reads the labels and weights of the
  worker's own part of the data from the ``DMatrix`` (XGBoost) or receives
  them from LightGBM, and evaluates the single-machine objective on them (the
  Hessian policy first, then the sample weight). It is a module-level class
  holding plain arrays, so it pickles.
- Predictions map the single-machine estimator returned by ``to_local()`` over
  the blocks or partitions, so the link (``posterior_raw_prediction``,
  ``expit`` / ``softmax``) is the same code as on one machine.

Dask and ``distributed`` are optional (``pip install 'focalboost[dask]'``);
``import focalboost`` does not import this module.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
import warnings
from typing import Any, Literal

import dask
import dask.array as da
import dask.dataframe as dd
import lightgbm as lgb
import lightgbm.dask  # noqa: F401  (registers lightgbm.dask)
import numpy as np
import xgboost as xgb
import xgboost.dask  # noqa: F401  (registers xgboost.dask)
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from ._base import (
    FocalClassifierMixin,
    _check_y,
    _clear_fitted,
    _copy_fitted,
    _tame_weight_scale,
    check_classification_y,
    check_eval_set,
    check_same_rows,
    check_sample_weight,
    encode_labels,
)
from ._input import check_X
from ._objective import (
    EarlyStopping,
    EvalMetric,
    LightGBMObjective,
    XGBoostObjective,
)
from .lightgbm import FocalLGBMClassifier
from .xgboost import FocalXGBClassifier

__all__ = ["FocalDaskLGBMClassifier", "FocalDaskXGBClassifier"]

#: Metrics that are weighted means over samples, hence reducible across
#: workers (sum of weighted values and of weights).
_MEAN_METRICS = ("focal", "logloss", "brier")

#: LightGBM stores labels as float32: a multi-label row is encoded as the
#: integer bitmask ``sum_j y_j 2**j``, exact for at most 24 labels.
_LGBM_MAX_LABELS = 24


# ---------------------------------------------------------------- block helpers
def _encode_block(block, classes, name):
    return encode_labels(block, classes, name=name)


def _count_checked_block(block, checker):
    # the single-machine validation of X (focalboost._input.check_X) of one
    # block, against a bare estimator that only knows n_features_in_, raising
    # the single-machine error; returns the block's row count
    if block.shape[0]:
        check_X(checker, block, reset=False)
    return np.array([block.shape[0]])


def _validate_blocks(Xa, checker):
    """Reduction that runs the single-machine X checks on every block."""
    return Xa.map_blocks(
        _count_checked_block,
        checker,
        drop_axis=1,
        chunks=((1,) * Xa.numblocks[0],),
        dtype=np.int64,
    ).sum()


def _class_totals_block(y_enc, w, n_classes):
    idx = y_enc.astype(np.intp)
    return np.bincount(idx, weights=w, minlength=n_classes)[None, :]


def _full_block(y_enc, value):
    # init_score of LightGBM: the intercept repeated on every row
    value = np.asarray(value, dtype=np.float64)
    return np.broadcast_to(value, (y_enc.shape[0],) + value.shape).copy()


def _bitmask_block(y_enc):
    # a 0/1 indicator row as the integer sum_j y_j 2**j (a float label)
    powers = 2.0 ** np.arange(y_enc.shape[1])
    return y_enc @ powers


def _apply_local(X, estimator, method, tail=(), dtype=np.float64):
    if X.shape[0] == 0:  # an empty block or partition: nothing to validate
        return np.empty((0,) + tuple(tail), dtype=dtype)
    return getattr(estimator, method)(X)


# ------------------------------------------------------------- input handling
def _is_dask(obj) -> bool:
    return isinstance(obj, (da.Array, dd.DataFrame, dd.Series))


def _require_dask(obj, name):
    if not _is_dask(obj):
        raise TypeError(
            f"{name} must be a dask array or dask DataFrame/Series; got "
            f"{type(obj).__name__}. Use focalboost.FocalXGBClassifier / "
            "FocalLGBMClassifier for in-memory data, or wrap it with "
            "dask.array.from_array / dask.dataframe.from_pandas."
        )


def _standin_X(X):
    """Return a one-row in-memory stand-in of ``X`` for the validators.

    Same columns, names and dtypes, no data: the checks that depend only on
    those (feature count and names, text columns) run on the client exactly as
    on one machine; the value checks run block by block on the workers.
    """
    if isinstance(X, dd.DataFrame):
        categorical = [c for c, t in X.dtypes.items() if t.name == "category"]
        if categorical:
            raise NotImplementedError(
                f"X has categorical columns {categorical!r}: categorical features "
                "are not supported on Dask yet; encode them as numbers."
            )
        return X._meta_nonempty.iloc[:1]
    if isinstance(X, dd.Series):
        return X._meta_nonempty.iloc[:1].to_numpy()
    return np.zeros((1,) + X.shape[1:], dtype=X.dtype)


def _to_array(obj):
    """Dask array of a dask array / DataFrame / Series (known chunk sizes)."""
    if isinstance(obj, dd.DataFrame):
        from pandas.api.types import (
            is_bool_dtype,
            is_extension_array_dtype,
            is_numeric_dtype,
        )

        # nullable Int64 / boolean columns: pd.NA -> NaN, as check_array does
        nullable = {
            c: "float64"
            for c, t in obj.dtypes.items()
            if is_extension_array_dtype(t) and (is_numeric_dtype(t) or is_bool_dtype(t))
        }
        if nullable:
            obj = obj.astype(nullable)
    if isinstance(obj, (dd.DataFrame, dd.Series)):
        with warnings.catch_warnings():
            # string columns (dask's default pyarrow strings) become an object
            # array, as numpy.asarray makes of a pandas string column
            warnings.filterwarnings(
                "ignore",
                message="Dask currently has limited support for converting pandas "
                "extension dtypes",
                category=UserWarning,
            )
            return obj.to_dask_array(lengths=True)
    if any(np.isnan(c) for c in obj.chunks[0]):
        obj = obj.compute_chunk_sizes()
    return obj


def _align_rows(arr, chunks):
    """Rechunk ``arr`` along rows to ``chunks`` (the feature blocks)."""
    if arr.chunks[0] == chunks:
        return arr
    if arr.ndim == 1:
        return arr.rechunk((chunks,))
    return arr.rechunk((chunks, -1))


def _client_from(client):
    if client is not None:
        return client
    from distributed import default_client

    try:
        return default_client()
    except ValueError as exc:
        raise ValueError(
            "No Dask client: pass client=distributed.Client(...) to the "
            "estimator, or create a Client (it becomes the default) before "
            "calling fit or predict."
        ) from exc


# -------------------------------------------------------------- XGBoost pieces
class _DMatrixObjective:
    """XGBoost ``obj=`` callable that reads labels and weights from the DMatrix.

    On Dask every worker trains on its own part of the data, so the objective
    cannot hold the labels from construction: on the first call with a given
    ``DMatrix`` it reads ``get_label()`` / ``get_weight()`` (float32, as
    XGBoost stores them) and from then on delegates to the single-machine
    :class:`~focalboost._objective.XGBoostObjective`, which applies the
    Hessian policy first and the weight second. Pickles without its cache.

    Parameters
    ----------
    loss : BinaryFocalLoss, SoftmaxFocalLoss or MultiLabelFocalLoss
        The loss with ``alpha`` resolved.
    hessian : {"surrogate", "clipped"}
        The Hessian policy.
    n_labels : int
        Columns of a multi-label indicator (0 for binary and multiclass).
    """

    def __init__(self, loss, hessian, n_labels=0, n_threads=None):
        self.loss = loss
        self.hessian = hessian
        self.n_labels = n_labels
        self.n_threads = n_threads
        self._dtrain = None
        self._objective = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_dtrain"] = state["_objective"] = None
        return state

    def __call__(self, predt, dtrain):
        if self._dtrain is not dtrain:
            y = dtrain.get_label()
            if self.n_labels:
                y = y.reshape(-1, self.n_labels)
            w = dtrain.get_weight()
            w = w if w.size else None
            # xgboost.dask trains with nthread set to the worker's threads
            threads = self.n_threads or xgb.get_config().get("nthread") or None
            self._objective = XGBoostObjective(self.loss, y, w, self.hessian, threads)
            self._dtrain = dtrain
        return self._objective(predt, dtrain)


#: Per-worker-process records of the evaluation callbacks, keyed by a token.
_EVAL_STATE: dict[str, dict] = {}
_EVAL_LOCK = threading.Lock()


class _DaskXGBoostEval(xgb.callback.TrainingCallback):
    """Global evaluation metric, record and early stopping on Dask workers.

    Used both as ``custom_metric`` and as a callback. As a metric it evaluates
    the single-machine :class:`~focalboost._objective.EvalMetric` on the
    worker's part of an evaluation set and sums (weighted value, weight)
    over workers with :func:`xgboost.collective.allreduce`, so every worker
    sees the metric of the whole set at full precision. As a callback it
    keeps the record, stops like the single-machine estimator (last set,
    explicit direction) and writes the record to the booster attributes,
    which come back to the client with the booster. The two roles share
    their state through a per-process registry, so they need not be the
    same object after pickling.
    """

    def __init__(self, metric: EvalMetric, names, n_labels, early_stopping_rounds):
        super().__init__()
        self.metric = metric
        self.names = list(names)
        self.n_labels = n_labels
        self.early_stopping_rounds = early_stopping_rounds
        self.token = uuid.uuid4().hex

    def _state(self):
        with _EVAL_LOCK:
            state = _EVAL_STATE.get(self.token)
            if state is None:
                history = {name: [] for name in self.names}
                stopper = None
                if self.early_stopping_rounds is not None:
                    stopper = EarlyStopping(
                        history[self.names[-1]],
                        self.early_stopping_rounds,
                        self.metric.greater_is_better,
                    )
                state = {"history": history, "stopper": stopper, "next": 0}
                _EVAL_STATE[self.token] = state
            return state

    def before_iteration(self, model, epoch, evals_log) -> bool:
        self._state()["next"] = 0
        return False

    def __call__(self, predt, dmat):
        from xgboost import collective

        state = self._state()
        name = self.names[state["next"] % len(self.names)]
        state["next"] += 1
        y = dmat.get_label()
        if self.n_labels:
            y = y.reshape(-1, self.n_labels)
        w = dmat.get_weight()
        w = w.astype(np.float64) if w.size else None
        n = y.shape[0]
        if n:
            total = float(n if w is None else np.sum(w))
            local = self.metric(y, predt, w) * total if total > 0 else 0.0
        else:
            local = total = 0.0
        sums = collective.allreduce(np.array([local, total]), collective.Op.SUM)
        value = float(sums[0] / sums[1])
        state["history"][name].append(value)
        return self.metric.name, value

    def after_iteration(self, model, epoch, evals_log) -> bool:
        stopper = self._state()["stopper"]
        return stopper is not None and stopper.should_stop()

    def after_training(self, model):
        with _EVAL_LOCK:
            state = _EVAL_STATE.pop(self.token, None)
        if state is not None:
            stopper = state["stopper"]
            record = {
                "history": state["history"],
                "best": None if stopper is None else stopper.best_round,
            }
            model.set_attr(focalboost_eval=json.dumps(record))
        return model


# ------------------------------------------------------------- LightGBM pieces
class _LGBMDaskObjective:
    """Callable objective ``(y_true, y_pred, weight)`` for :mod:`lightgbm.dask`.

    LightGBM hands each worker's labels and weights to the objective (float32,
    as LightGBM stores them); the single-machine
    :class:`~focalboost._objective.LightGBMObjective` then applies the Hessian
    policy and the weight. A multi-label row arrives as its integer bitmask
    and is decoded here.

    Parameters
    ----------
    loss : BinaryFocalLoss, SoftmaxFocalLoss or MultiLabelFocalLoss
        The loss with ``alpha`` resolved.
    hessian : {"surrogate", "clipped"}
        The Hessian policy.
    n_labels : int
        Number of labels of a multi-label target (0 otherwise).
    """

    def __init__(self, loss, hessian, n_labels=0, n_threads=None):
        self.loss = loss
        self.hessian = hessian
        self.n_labels = n_labels
        self.n_threads = n_threads
        self._source = self._objective = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_source"] = state["_objective"] = None
        return state

    def __call__(self, y_true, y_pred, weight):
        # LightGBM passes the same label and weight arrays every round: build
        # the objective (labels decoded, weights converted) once per data set
        if self._source is None or not (
            self._source[0] is y_true and self._source[1] is weight
        ):
            y = np.asarray(y_true)
            if self.n_labels:
                bits = y.astype(np.int64)[:, None] >> np.arange(self.n_labels)
                y = (bits & 1).astype(np.float64)
            self._objective = LightGBMObjective(
                self.loss, y, weight, self.hessian, self.n_threads
            )
            self._source = (y_true, weight)
        return self._objective.gradient_hessian(y_pred)


# ------------------------------------------------------------------- the mixin
class _DaskFocalMixin:
    """Distributed ``fit`` / ``predict`` shared by the two Dask estimators."""

    _local_class: type

    # ----------------------------------------------------------------- client
    def _get_client(self):
        return _client_from(self.client)

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: never touch the live one
        state["client"] = None  # a Client does not travel with the model
        return state

    # ------------------------------------------------------------------- fit
    def _fit(self, X, y, sample_weight, eval_set, eval_sample_weight):
        self._validate_common_params()
        native = self._backend_params()
        client = self._get_client()
        X, y, w, x_check = self._validate_training_data(X, y, sample_weight)
        y, y_enc, w, X = self._validate_targets(X, y, w, x_check)
        evals = self._prepare_dask_eval_sets(eval_set, eval_sample_weight)
        loss, metric = self._fit_loss(*self._compressed_targets(y_enc, w), evals)
        if evals and metric.name not in _MEAN_METRICS:
            raise NotImplementedError(
                f"eval_metric={self.eval_metric!r} is not a mean over samples, so "
                "it cannot be reduced across Dask workers; use one of "
                f"{_MEAN_METRICS} (or evaluate the predictions after fitting)."
            )
        native = self._scale_min_child_weight(native)
        self._fit_dask(client, X, y_enc, w, evals, loss, metric, native)
        return self

    def _validate_training_data(self, X, y, sample_weight):
        _require_dask(X, "X")
        _require_dask(y, "y")
        if sample_weight is not None:
            _require_dask(sample_weight, "sample_weight")
        # feature count, names and text columns exactly as on one machine
        check_X(self, _standin_X(X), reset=True)
        Xa, x_check = self._checked_blocks(X)
        ya = _to_array(y)
        if ya.ndim == 2 and ya.shape[1] == 1:
            ya = ya[:, 0]
        n = Xa.shape[0]
        check_same_rows(n, ya.shape[0])
        ya = _align_rows(ya, Xa.chunks[0])
        wa = None
        if sample_weight is not None:
            wa = _to_array(sample_weight)
            if wa.ndim != 1 or wa.shape[0] != n:
                check_sample_weight(np.broadcast_to(0.0, wa.shape), n)
            wa = _align_rows(wa.astype(np.float64), Xa.chunks[0])
        return Xa, ya, wa, x_check

    def _validate_targets(self, X, y, w, x_check):
        """Label checks as on one machine, from distributed reductions."""
        kept = y if w is None else y[w > 0]
        if y.ndim == 1:
            flat, flat_kept = y, kept
        else:  # column by column: ravel needs known chunk sizes
            flat = da.concatenate([y[:, j] for j in range(y.shape[1])])
            flat_kept = da.concatenate([kept[:, j] for j in range(y.shape[1])])
        todo = {
            "x": x_check,
            "all": da.unique(flat),
            "kept": da.unique(flat_kept),
        }
        if w is not None:
            todo.update(
                finite=da.isfinite(w).all(),
                wmin=w.min(),
                wmax=w.max(),
                zero=(w == 0).any(),
            )
        try:
            (res,) = dask.compute(todo)
        except TypeError as exc:  # e.g. None among string labels
            if "not supported between" not in str(exc):
                raise
            raise TypeError(
                "y has labels that cannot be sorted (mixed types, or None among "
                f"strings?): {exc}"
            ) from exc

        def like_y(values):
            # a stand-in of y with the same distinct values, dtype and columns
            values = np.asarray(values)
            return values if y.ndim == 1 else np.tile(values[:, None], y.shape[1])

        _check_y(like_y(res["all"]), type(self).__name__)
        check_classification_y(like_y(res["all"]))
        if w is not None:
            if not res["finite"]:
                check_sample_weight(np.array([np.nan]), 1)
            check_sample_weight(np.array([res["wmin"], res["wmax"]]), 2)
            if res["zero"]:
                keep = w > 0
                X, y, w = X[keep], y[keep], w[keep]
            # weights of absurd scale divided by the largest, as on one
            # machine (dropping zero weights leaves the largest as it was)
            w = _tame_weight_scale(w, top=res["wmax"])
        y_type = type_of_target(like_y(res["kept"]), input_name="y", raise_unknown=True)
        self._set_target(y_type, y, lambda: res["kept"])
        if y_type == "multilabel-indicator":
            y_enc = y.astype(np.float64)
        else:
            y_enc = y.map_blocks(_encode_block, self.classes_, "y", dtype=np.float64)
        return y, y_enc, w, X

    def _compressed_targets(self, y_enc, w):
        """Return a tiny data set with the training set's per-class weighted totals.

        The focal-optimal intercept and ``alpha="balanced"`` depend on the
        data only through these totals, so the single-machine ``make_loss``
        and ``fit_intercept_only`` give the same result on it.
        """
        if self.target_type_ != "multilabel-indicator":
            k = 2 if self.target_type_ == "binary" else self.n_outputs_
            blocks = y_enc.map_blocks(
                _class_totals_block,
                w,
                k,
                new_axis=1,
                chunks=((1,) * y_enc.numblocks[0], (k,)),
                dtype=np.float64,
            )
            totals = blocks.sum(axis=0).compute()
            return np.arange(k, dtype=np.float64), totals
        wcol = 1.0 if w is None else w[:, None]
        pos, neg = dask.compute(
            (y_enc * wcol).sum(axis=0), ((1.0 - y_enc) * wcol).sum(axis=0)
        )
        return _staircase(pos, neg)

    def _prepare_dask_eval_sets(self, eval_set, eval_sample_weight):
        if not check_eval_set(eval_set, eval_sample_weight):
            return []
        out = []
        for i, (Xe, ye) in enumerate(eval_set):
            _require_dask(Xe, f"eval_set[{i}] X")
            _require_dask(ye, f"eval_set[{i}] y")
            try:
                Xe, x_check = self._dask_X(Xe)
            except (ValueError, TypeError) as exc:
                raise type(exc)(f"eval_set[{i}] X: {exc}") from exc
            ye = _to_array(ye)
            if ye.shape[0] != Xe.shape[0]:
                raise ValueError(
                    f"eval_set[{i}] has {Xe.shape[0]} rows in X but {ye.shape[0]} "
                    "labels in y."
                )
            ye = _align_rows(ye, Xe.chunks[0])
            if self.target_type_ == "multilabel-indicator":
                if (
                    ye.ndim != 2
                    or ye.shape[1] != self.n_outputs_
                    or not bool(da.isin(ye, [0, 1]).all().compute())
                ):
                    raise ValueError(
                        f"eval_set[{i}] y must be a 0/1 indicator matrix with "
                        f"{self.n_outputs_} columns; got shape {ye.shape}."
                    )
                ye = ye.astype(np.float64)
            else:
                if ye.ndim != 1 and not (ye.ndim == 2 and ye.shape[1] == 1):
                    raise ValueError(
                        f"eval_set[{i}] y must be 1-D; got shape {ye.shape}."
                    )
                if ye.ndim == 2:
                    ye = ye[:, 0]
                _, labels = dask.compute(x_check, da.unique(ye))
                x_check = None
                # unseen labels raise here, with the single-machine message
                _encode_block(labels, self.classes_, f"eval_set[{i}] y")
                ye = ye.map_blocks(
                    _encode_block, self.classes_, f"eval_set[{i}] y", dtype=np.float64
                )
            if x_check is not None:
                x_check.compute()
            we = None
            if eval_sample_weight is not None and eval_sample_weight[i] is not None:
                name = f"eval_sample_weight[{i}]"
                _require_dask(eval_sample_weight[i], name)
                we = _to_array(eval_sample_weight[i])
                if we.ndim != 1 or we.shape[0] != Xe.shape[0]:
                    check_sample_weight(
                        np.broadcast_to(0.0, we.shape), Xe.shape[0], name=name
                    )
                finite, wmin, wmax = dask.compute(
                    da.isfinite(we).all(), we.min(), we.max()
                )
                if not finite:
                    check_sample_weight(np.array([np.nan]), 1, name=name)
                check_sample_weight(np.array([wmin, wmax]), 2, name=name)
                we = _tame_weight_scale(
                    _align_rows(we.astype(np.float64), Xe.chunks[0]), top=wmax
                )
            out.append((Xe, ye, we))
        return out

    # --------------------------------------------------------------- predict
    def _checked_blocks(self, X):
        """Return ``X`` as the backends get it, and a reduction of the checks.

        The reduction runs ``check_X`` on every block and raises its errors
        when computed. Errors raised inside the backends' Dask data loading do
        not reach the client intact, so it is computed (with the label checks)
        before any training: the array itself is then only converted, to the
        dtype ``check_X`` gives (float32 kept, anything else float64).
        """
        checker = self._local_class()
        checker.n_features_in_ = self.n_features_in_
        checker.categories_ = {}
        Xa = _to_array(X).rechunk({1: -1})
        dtype = np.float32 if Xa.dtype == np.float32 else np.float64
        return Xa.astype(dtype), _validate_blocks(Xa, checker)

    def _dask_X(self, X):
        """Validate ``X`` against the fitted features; see ``_checked_blocks``."""
        check_X(self, _standin_X(X), reset=False)
        return self._checked_blocks(X)

    def to_local(self) -> FocalXGBClassifier | FocalLGBMClassifier:
        """Return the fitted single-machine estimator with the same booster.

        It predicts the same margins (bit for bit) on in-memory data, pickles
        without a cluster and can be served anywhere.

        Returns
        -------
        FocalXGBClassifier or FocalLGBMClassifier
            A fitted estimator with the same parameters (``client`` dropped).
        """
        check_is_fitted(self)
        params = self.get_params(deep=False)
        params.pop("client")
        local = self._local_class(**params)
        _copy_fitted(self, local)
        return local

    def save_model(self, fname: str | os.PathLike) -> None:
        """Save in the backend's native format, as ``to_local().save_model``.

        The file holds the single-machine estimator (the booster, intercept
        included, and focalboost's metadata); load it with
        :meth:`load_model` of either this class or the single-machine one.

        Parameters
        ----------
        fname : str or path-like
            Where to write.
        """
        self.to_local().save_model(fname)

    def load_model(self, fname: str | os.PathLike):
        """Load a file written by ``save_model`` (of this or the local class).

        Parameters
        ----------
        fname : str or path-like
            A file written by :meth:`save_model`.

        Returns
        -------
        self : object
            The loaded estimator (``client`` is kept).
        """
        local = self._local_class().load_model(fname)
        client = self.client
        _clear_fitted(self)
        self.set_params(**local.get_params(deep=False))
        self.client = client
        _copy_fitted(local, self)
        return self

    def _map_local(self, X, method, lengths=None):
        """Apply ``method`` of the local estimator lazily, block by block.

        ``lengths``: the row count of each partition of a DataFrame ``X``
        (then the result has known chunk sizes).
        """
        check_is_fitted(self)
        self._check_probability()
        _require_dask(X, "X")
        if isinstance(X, dd.Series):
            raise ValueError(
                "Expected a 2-D dask array or dask DataFrame for X; got a dask Series."
            )
        standin = _standin_X(X)
        check_X(self, standin, reset=False)  # errors name this estimator
        estimator = self.to_local()
        # the output's columns and dtype, as the local estimator makes them
        sample = getattr(estimator, method)(standin)
        tail, dtype = sample.shape[1:], sample.dtype
        local = dask.delayed(estimator, pure=True)
        if isinstance(X, dd.DataFrame):
            # partitions stay DataFrames: the local estimator checks the names
            parts = [
                da.from_delayed(
                    dask.delayed(_apply_local)(part, local, method, tail, dtype),
                    shape=(np.nan if lengths is None else lengths[i],) + tail,
                    dtype=dtype,
                )
                for i, part in enumerate(X.to_delayed())
            ]
            return da.concatenate(parts, axis=0)
        Xa = _to_array(X).rechunk({1: -1})  # the local estimator checks blocks
        return Xa.map_blocks(
            _apply_local,
            local,
            method,
            tail,
            dtype,
            dtype=dtype,
            chunks=(Xa.chunks[0],) + tail,
            drop_axis=[] if tail else 1,
            meta=np.empty((0,) * sample.ndim, dtype=dtype),
        )

    def decision_function(self, X) -> da.Array:
        """Lazy :meth:`~focalboost.FocalXGBClassifier.decision_function` per block.

        Parameters
        ----------
        X : dask array or dask DataFrame of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        dask array of shape (n_samples,) or (n_samples, ``n_outputs_``), float64
        """
        return self._map_local(X, "decision_function")

    def predict_proba(self, X) -> da.Array:
        """Lazy :meth:`~focalboost.FocalXGBClassifier.predict_proba` per block.

        Parameters
        ----------
        X : dask array or dask DataFrame of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        dask array of shape (n_samples, n_classes) or (n_samples, n_labels)
        """
        return self._map_local(X, "predict_proba")

    def predict(self, X) -> da.Array:
        """Lazy :meth:`~focalboost.FocalXGBClassifier.predict` per block.

        Parameters
        ----------
        X : dask array or dask DataFrame of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        dask array of shape (n_samples,) or (n_samples, n_labels)
        """
        return self._map_local(X, "predict")

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy of :meth:`predict`, computed on the cluster.

        Parameters
        ----------
        X : dask array or dask DataFrame of shape (n_samples, n_features)
            Samples.
        y : dask array or dask Series of shape (n_samples,) or (n_samples, n_labels)
            True labels.
        sample_weight : dask array of shape (n_samples,), default=None
            Weights.

        Returns
        -------
        float
            (Weighted) share of samples whose prediction (every label, for
            multi-label) is right.
        """
        lengths = None
        if isinstance(X, dd.DataFrame):
            # row counts without predicting (compute_chunk_sizes would
            # predict every partition once more)
            lengths = tuple(X.map_partitions(len).compute())
        pred = self._map_local(X, "predict", lengths)
        ya = _align_rows(_to_array(y), pred.chunks[0])
        right = pred == ya
        if right.ndim == 2:
            right = right.all(axis=1)
        if sample_weight is None:
            return float(right.mean().compute())
        w = _align_rows(_to_array(sample_weight).astype(np.float64), pred.chunks[0])
        num, den = dask.compute((right * w).sum(), w.sum())
        return float(num / den)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


def _staircase(pos, neg):
    """Compressed multi-label data with label totals ``pos`` and ``neg``.

    Rows share their weight across labels, so one row per (label, class)
    cannot give every label its own totals. Sorting the labels by positive
    weight, row ``k`` marks labels ``k..L-1`` positive with weight
    ``pos_(k) - pos_(k-1)``, and a last all-negative row carries the rest:
    label ``j`` then has positive total ``pos_j`` (telescoping) and negative
    total ``sum(w) - pos_j`` (to rounding, a few ulp).
    """
    pos = np.asarray(pos, dtype=np.float64)
    neg = np.asarray(neg, dtype=np.float64)
    n_labels = pos.shape[0]
    order = np.argsort(pos, kind="stable")
    levels = pos[order]
    total = float(np.max(pos + neg))
    y = np.zeros((n_labels + 1, n_labels))
    w = np.empty(n_labels + 1)
    previous = 0.0
    for k in range(n_labels):
        y[k, order[k:]] = 1.0
        w[k] = levels[k] - previous
        previous = levels[k]
    w[n_labels] = max(total - previous, 0.0)
    return y, w


# ------------------------------------------------------------------ estimators
class FocalDaskXGBClassifier(_DaskFocalMixin, FocalXGBClassifier):
    """Focal-loss gradient boosting on Dask with :mod:`xgboost.dask`.

    Same parameters as :class:`~focalboost.FocalXGBClassifier`, plus
    ``client``. ``fit`` takes dask arrays or dask DataFrames (binary,
    multiclass or a multi-label indicator ``y``). The focal-optimal intercept
    is computed from distributed per-class totals and stored as the booster's
    vector ``base_score`` (identity link), exactly as on one machine; the
    objective reads each worker's labels and weights from its ``DMatrix``.
    ``eval_set`` (dask collections) and early stopping are supported with the
    mean metrics ``"focal"``, ``"logloss"`` and ``"brier"``, reduced over the
    workers every round.

    Parameters
    ----------
    alpha : float in (0, 1), array-like, "balanced" or None, default=None
        Focal class weights, see :class:`~focalboost.FocalXGBClassifier`.
    gamma : float >= 0, default=2.0
        Focusing parameter.
    hessian : {"surrogate", "clipped"}, default="surrogate"
        Hessian policy, see :data:`focalboost.losses.HESSIAN_POLICIES`.
    probability : {"posterior", "focal"}, default="posterior"
        What ``predict_proba`` returns.
    n_estimators : int, default=100
        Number of boosting rounds.
    learning_rate : float, default=0.3
        XGBoost's ``eta``.
    max_depth : int, default=6
        Maximum tree depth.
    min_child_weight : float, default=0.01
        Minimum sum of (weighted, focal) Hessians in a child.
    subsample : float in (0, 1], default=1.0
        Row subsampling per tree.
    colsample_bytree : float in (0, 1], default=1.0
        Column subsampling per tree.
    reg_lambda : float >= 0, default=1.0
        L2 regularisation of leaf values.
    reg_alpha : float >= 0, default=0.0
        L1 regularisation of leaf values.
    min_split_loss : float >= 0, default=0.0
        XGBoost's ``gamma``.
    max_bin : int, default=256
        Histogram bins.
    tree_method : str, default="hist"
        XGBoost tree method.
    n_jobs : int or None, default=None
        Threads per worker (``nthread``); None: the worker's threads.
    random_state : int, RandomState instance or None, default=None
        Seed of the booster's sampling.
    device : str or None, default=None
        XGBoost device.
    early_stopping_rounds : int or None, default=None
        Stop when the last ``eval_set`` entry's metric has not improved for
        this many rounds.
    eval_metric : {None, "focal", "logloss", "brier"}, default=None
        Metric on ``eval_set``; only means over samples can be reduced across
        workers (others raise ``NotImplementedError`` when an ``eval_set`` is
        given).
    multi_strategy : {"one_output_per_tree", "multi_output_tree"}, \
            default="one_output_per_tree"
        For multiclass and multi-label targets.
    booster_params : dict or None, default=None
        Any other native XGBoost parameter.
    client : distributed.Client or None, default=None
        The Dask client; None uses the current default client. Not pickled.

    Attributes
    ----------
    classes_, target_type_, n_outputs_, n_features_in_, feature_names_in_, \
alpha_, intercept_, booster_, best_iteration_, evals_result_
        As on :class:`~focalboost.FocalXGBClassifier`.

    See Also
    --------
    focalboost.FocalXGBClassifier : the single-machine estimator (``to_local()``).

    Examples
    --------
    >>> import dask.array as da
    >>> from distributed import Client, LocalCluster
    >>> from sklearn.datasets import make_classification
    >>> from focalboost.dask import FocalDaskXGBClassifier
    >>> cluster = LocalCluster(n_workers=2, threads_per_worker=1,
    ...                        dashboard_address=":0")  # doctest: +SKIP
    >>> client = Client(cluster)  # doctest: +SKIP
    >>> X, y = make_classification(n_samples=2000, weights=[0.9], random_state=0)
    >>> dX, dy = da.from_array(X, chunks=500), da.from_array(y, chunks=500)
    >>> clf = FocalDaskXGBClassifier(gamma=2.0, n_estimators=20)
    >>> clf = clf.fit(dX, dy)  # doctest: +SKIP
    >>> clf.predict_proba(dX).compute().shape  # doctest: +SKIP
    (2000, 2)
    >>> local = clf.to_local()  # a FocalXGBClassifier  # doctest: +SKIP
    """

    _local_class = FocalXGBClassifier

    def __init__(
        self,
        alpha: float | Literal["balanced"] | None = None,
        gamma: float = 2.0,
        hessian: Literal["surrogate", "clipped"] = "surrogate",
        *,
        probability: Literal["posterior", "focal"] = "posterior",
        n_estimators: int = 100,
        learning_rate: float = 0.3,
        max_depth: int = 6,
        min_child_weight: float = 1.0,
        subsample: float = 1.0,
        colsample_bytree: float = 1.0,
        reg_lambda: float = 1.0,
        reg_alpha: float = 0.0,
        min_split_loss: float = 0.0,
        max_bin: int = 256,
        tree_method: str = "hist",
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        device: str | None = None,
        early_stopping_rounds: int | None = None,
        eval_metric: str | Any | None = None,
        importance_type: str | None = None,
        multi_strategy: Literal[
            "one_output_per_tree", "multi_output_tree"
        ] = "one_output_per_tree",
        booster_params: dict[str, Any] | None = None,
        client: Any = None,
    ):
        super().__init__(
            alpha=alpha,
            gamma=gamma,
            hessian=hessian,
            probability=probability,
            n_estimators=n_estimators,
            learning_rate=learning_rate,
            max_depth=max_depth,
            min_child_weight=min_child_weight,
            subsample=subsample,
            colsample_bytree=colsample_bytree,
            reg_lambda=reg_lambda,
            reg_alpha=reg_alpha,
            min_split_loss=min_split_loss,
            max_bin=max_bin,
            tree_method=tree_method,
            n_jobs=n_jobs,
            random_state=random_state,
            device=device,
            early_stopping_rounds=early_stopping_rounds,
            eval_metric=eval_metric,
            importance_type=importance_type,
            multi_strategy=multi_strategy,
            booster_params=booster_params,
        )
        self.client = client

    def fit(
        self, X, y, sample_weight=None, eval_set=None, eval_sample_weight=None
    ) -> FocalDaskXGBClassifier:
        """Fit on the cluster with :func:`xgboost.dask.train`.

        Parameters
        ----------
        X : dask array or dask DataFrame of shape (n_samples, n_features)
            Training features; NaN marks a missing value.
        y : dask array or dask Series of shape (n_samples,) or (n_samples, n_labels)
            Binary or multiclass labels, or a 0/1 indicator matrix.
        sample_weight : dask array or dask Series of shape (n_samples,), \
default=None
            Non-negative weights (Hessian policy first, then the weight).
            Zero-weight rows are dropped.
        eval_set : list of (X, y) dask collections, default=None
            Validation sets; the last one drives early stopping.
        eval_sample_weight : list of dask arrays, default=None
            Weights of each validation set.

        Returns
        -------
        self : FocalDaskXGBClassifier
            The fitted estimator.
        """
        return FocalClassifierMixin.fit(
            self, X, y, sample_weight, eval_set, eval_sample_weight
        )

    def _dask_dmatrix(self, client, X, y, w, ref=None):
        if self.tree_method == "hist":
            return xgb.dask.DaskQuantileDMatrix(
                client, X, y, weight=w, missing=np.nan, max_bin=self.max_bin, ref=ref
            )
        return xgb.dask.DaskDMatrix(client, X, y, weight=w, missing=np.nan)

    def _fit_dask(self, client, X, y, w, evals, loss, metric, params):
        params = dict(params, base_score=np.atleast_1d(self.intercept_).tolist())
        if self.n_outputs_ > 1:
            params["multi_strategy"] = self.multi_strategy
        if self.target_type_ == "multiclass":
            params["num_class"] = self.n_outputs_
        n_labels = self.n_outputs_ if self.target_type_ == "multilabel-indicator" else 0
        dtrain = self._dask_dmatrix(client, X, y, w)
        watch = [
            (self._dask_dmatrix(client, Xe, ye, we, ref=dtrain), f"validation_{i}")
            for i, (Xe, ye, we) in enumerate(evals)
        ]
        recorder = None
        if watch:
            recorder = _DaskXGBoostEval(
                metric,
                [name for _, name in watch],
                n_labels,
                self.early_stopping_rounds,
            )
        out = xgb.dask.train(
            client,
            params,
            dtrain,
            num_boost_round=self.n_estimators,
            evals=watch or None,
            obj=_DMatrixObjective(loss, self.hessian, n_labels, self._kernel_threads()),
            custom_metric=recorder,
            verbose_eval=False,
            callbacks=[recorder] if recorder is not None else None,
        )
        booster = out["booster"]
        record = {"history": {}, "best": None}
        if booster.attr("focalboost_eval") is not None:
            record = json.loads(booster.attr("focalboost_eval"))
            booster.set_attr(focalboost_eval=None)
        if self.early_stopping_rounds is not None:
            self.best_iteration_ = int(record["best"])
            last = [name for _, name in watch][-1]
            booster = self._trimmed(booster, record["history"][last])
        else:
            self.best_iteration_ = self.n_estimators - 1
        self.booster_ = booster
        self.evals_result_ = {
            name: {metric.name: list(values)}
            for name, values in record["history"].items()
        }


class FocalDaskLGBMClassifier(_DaskFocalMixin, FocalLGBMClassifier):
    """Focal-loss gradient boosting on Dask with :mod:`lightgbm.dask`.

    Same parameters as :class:`~focalboost.FocalLGBMClassifier`, plus
    ``client``. Trains a :class:`lightgbm.DaskLGBMRegressor` with a callable
    focal objective (focalboost owns the labels and the link, so the wrapper's
    classifier label encoding and ``predict_proba`` are not used), the
    focal-optimal intercept as a dask ``init_score``, and afterwards folds the
    intercept into the first round's leaves like the single-machine estimator,
    so the booster carries it. A multi-label row travels as its integer
    bitmask in LightGBM's float32 label (at most 24 labels).

    ``eval_set`` and early stopping are not supported: LightGBM's Dask
    interface evaluates a custom metric on each worker's part of the
    evaluation data only and returns one worker's record, which is not the
    metric of the evaluation set.

    Parameters
    ----------
    alpha : float in (0, 1), array-like, "balanced" or None, default=None
        Focal class weights, see :class:`~focalboost.FocalLGBMClassifier`.
    gamma : float >= 0, default=2.0
        Focusing parameter.
    hessian : {"surrogate", "clipped"}, default="surrogate"
        Hessian policy, see :data:`focalboost.losses.HESSIAN_POLICIES`.
    probability : {"posterior", "focal"}, default="posterior"
        What ``predict_proba`` returns.
    n_estimators : int, default=100
        Number of boosting rounds.
    learning_rate : float, default=0.1
        Shrinkage.
    num_leaves : int, default=31
        Maximum leaves per tree.
    max_depth : int, default=-1
        Maximum depth (-1: no limit).
    min_child_weight : float, default=1e-3
        ``min_sum_hessian_in_leaf``.
    min_child_samples : int, default=20
        ``min_data_in_leaf``.
    subsample : float in (0, 1], default=1.0
        ``bagging_fraction``.
    subsample_freq : int, default=0
        ``bagging_freq``.
    colsample_bytree : float in (0, 1], default=1.0
        ``feature_fraction``.
    reg_lambda : float >= 0, default=0.0
        ``lambda_l2``.
    reg_alpha : float >= 0, default=0.0
        ``lambda_l1``.
    max_bin : int, default=255
        Histogram bins.
    n_jobs : int or None, default=None
        Validated as on one machine; LightGBM's Dask interface always uses
        the worker's threads.
    random_state : int, RandomState instance or None, default=None
        ``seed``.
    device_type : str, default="cpu"
        LightGBM device.
    early_stopping_rounds : None
        Needs an ``eval_set``, which is not supported on Dask.
    eval_metric : None, str or callable, default=None
        Validated as on one machine (unused without ``eval_set``).
    booster_params : dict or None, default=None
        Any other native LightGBM parameter.
    client : distributed.Client or None, default=None
        The Dask client; None uses the current default client. Not pickled.

    Attributes
    ----------
    classes_, target_type_, n_outputs_, n_features_in_, feature_names_in_, \
alpha_, intercept_, booster_, best_iteration_, evals_result_
        As on :class:`~focalboost.FocalLGBMClassifier`.

    See Also
    --------
    focalboost.FocalLGBMClassifier : the single-machine estimator (``to_local()``).

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.datasets import make_classification
    >>> from focalboost.dask import FocalDaskLGBMClassifier
    >>> X, y = make_classification(n_samples=2000, weights=[0.9], random_state=0)
    >>> dX, dy = da.from_array(X, chunks=500), da.from_array(y, chunks=500)
    >>> clf = FocalDaskLGBMClassifier(gamma=2.0, n_estimators=20)
    >>> clf = clf.fit(dX, dy)  # needs a Client  # doctest: +SKIP
    >>> clf.to_local().predict_proba(X[:3]).shape  # doctest: +SKIP
    (3, 2)
    """

    _local_class = FocalLGBMClassifier

    def __init__(
        self,
        alpha: float | Literal["balanced"] | None = None,
        gamma: float = 2.0,
        hessian: Literal["surrogate", "clipped"] = "surrogate",
        *,
        probability: Literal["posterior", "focal"] = "posterior",
        n_estimators: int = 100,
        learning_rate: float = 0.1,
        num_leaves: int = 31,
        max_depth: int = -1,
        min_child_weight: float = 1e-3,
        min_child_samples: int = 20,
        subsample: float = 1.0,
        subsample_freq: int = 0,
        colsample_bytree: float = 1.0,
        reg_lambda: float = 0.0,
        reg_alpha: float = 0.0,
        max_bin: int = 255,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        device_type: str = "cpu",
        early_stopping_rounds: int | None = None,
        eval_metric: str | Any | None = None,
        importance_type: Literal["split", "gain"] = "split",
        booster_params: dict[str, Any] | None = None,
        client: Any = None,
    ):
        super().__init__(
            alpha=alpha,
            gamma=gamma,
            hessian=hessian,
            probability=probability,
            n_estimators=n_estimators,
            learning_rate=learning_rate,
            num_leaves=num_leaves,
            max_depth=max_depth,
            min_child_weight=min_child_weight,
            min_child_samples=min_child_samples,
            subsample=subsample,
            subsample_freq=subsample_freq,
            colsample_bytree=colsample_bytree,
            reg_lambda=reg_lambda,
            reg_alpha=reg_alpha,
            max_bin=max_bin,
            n_jobs=n_jobs,
            random_state=random_state,
            device_type=device_type,
            early_stopping_rounds=early_stopping_rounds,
            eval_metric=eval_metric,
            importance_type=importance_type,
            booster_params=booster_params,
        )
        self.client = client

    def fit(
        self, X, y, sample_weight=None, eval_set=None, eval_sample_weight=None
    ) -> FocalDaskLGBMClassifier:
        """Fit on the cluster with :class:`lightgbm.DaskLGBMRegressor`.

        Parameters
        ----------
        X : dask array or dask DataFrame of shape (n_samples, n_features)
            Training features; NaN marks a missing value.
        y : dask array or dask Series of shape (n_samples,) or (n_samples, n_labels)
            Binary or multiclass labels, or a 0/1 indicator matrix (at most
            24 labels).
        sample_weight : dask array or dask Series of shape (n_samples,), \
default=None
            Non-negative weights (Hessian policy first, then the weight).
            Zero-weight rows are dropped.
        eval_set : None
            Not supported on Dask (see the class notes).
        eval_sample_weight : None
            Not supported on Dask.

        Returns
        -------
        self : FocalDaskLGBMClassifier
            The fitted estimator.
        """
        return FocalClassifierMixin.fit(
            self, X, y, sample_weight, eval_set, eval_sample_weight
        )

    def _prepare_dask_eval_sets(self, eval_set, eval_sample_weight):
        if eval_set is not None:
            raise NotImplementedError(
                "FocalDaskLGBMClassifier does not support eval_set or "
                "early_stopping_rounds: LightGBM's Dask interface evaluates a "
                "custom metric on each worker's part of the evaluation data only "
                "and returns one worker's record, which is not the focal metric of "
                "the evaluation set. Use FocalDaskXGBClassifier, or evaluate "
                "predict_proba after fitting."
            )
        return super()._prepare_dask_eval_sets(eval_set, eval_sample_weight)

    def _fit_dask(self, client, X, y, w, evals, loss, metric, params):
        n_labels = 0
        label = y
        if self.target_type_ == "multilabel-indicator":
            n_labels = self.n_outputs_
            if n_labels > _LGBM_MAX_LABELS:
                raise NotImplementedError(
                    f"FocalDaskLGBMClassifier supports at most {_LGBM_MAX_LABELS} "
                    f"labels; y has {n_labels}. LightGBM's Dask objective receives "
                    "a 1-D float32 label per row, which holds the label bitmask "
                    "exactly only up to 24 labels. Use FocalDaskXGBClassifier."
                )
            label = y.map_blocks(_bitmask_block, drop_axis=1, dtype=np.float64)
        if self.n_outputs_ == 1:
            init = y.map_blocks(_full_block, self.intercept_, dtype=np.float64)
        else:
            init = y.map_blocks(
                _full_block,
                np.asarray(self.intercept_),
                dtype=np.float64,
                chunks=(y.chunks[0], (self.n_outputs_,)),
                **({} if y.ndim == 2 else {"new_axis": 1}),
            )
        if self.n_estimators == 0:
            self._intercept_only_booster(X, label, params)
            return
        params = dict(params)
        params.pop("num_threads", None)  # the Dask interface sets it per worker
        wrapper_args = dict(
            learning_rate=params.pop("learning_rate"),
            num_leaves=params.pop("num_leaves"),
            max_depth=params.pop("max_depth"),
            min_child_weight=params.pop("min_sum_hessian_in_leaf"),
            min_child_samples=params.pop("min_data_in_leaf"),
            subsample=params.pop("bagging_fraction"),
            subsample_freq=params.pop("bagging_freq"),
            colsample_bytree=params.pop("feature_fraction"),
            reg_lambda=params.pop("lambda_l2"),
            reg_alpha=params.pop("lambda_l1"),
            random_state=params.pop("seed", None),
        )
        if self.n_outputs_ > 1:
            params["num_class"] = self.n_outputs_
        model = lgb.DaskLGBMRegressor(
            client=client,
            objective=_LGBMDaskObjective(
                loss, self.hessian, n_labels, self._kernel_threads()
            ),
            n_estimators=self.n_estimators,
            **wrapper_args,
            **params,
        )
        with warnings.catch_warnings():
            # the sklearn wrapper always passes n_jobs, which lightgbm.dask
            # drops (it sets num_threads from each worker's thread count)
            warnings.filterwarnings(
                "ignore",
                message="Parameter n_jobs will be ignored",
                category=UserWarning,
            )
            model.fit(X, label, sample_weight=w, init_score=init)
        booster = model.booster_
        self.booster_ = booster
        self.best_iteration_ = booster.current_iteration() - 1
        self._store_intercept(booster)
        self.evals_result_ = {}
        self._set_booster_best_score()

    def _intercept_only_booster(self, X, label, params):
        # no round to train: the single-machine estimator keeps a booster
        # without trees; one built on two placeholder rows is the same model
        train = lgb.Dataset(
            np.zeros((2, self.n_features_in_)),
            label=np.array([0.0, 1.0]),
            params={"verbosity": -1, "feature_pre_filter": False},
        )
        self.booster_ = lgb.Booster(dict(params, objective="none"), train)
        self.best_iteration_ = -1
        self.evals_result_ = {}
