"""What the two Dask estimators share: input coercion, checks, predictions.

On the client: parameter validation (the single-machine code), and a few
small reductions over the distributed data (the distinct labels, the weight
range, the per-class weighted totals). The focal-optimal intercept depends on
the data only through those totals, so the single-machine ``make_loss`` /
``fit_intercept_only`` are called on a compressed data set of one row per
class (weight = the class total); nothing is collected to the client.
Predictions map the single-machine estimator returned by ``to_local()`` over
the blocks or partitions, so the link is the same code as on one machine.
"""

from __future__ import annotations

import os
from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from .. import _persist
from .._base import EvalData, FocalClassifierMixin, estimator_sections
from .._compat import meta_nonempty, quiet_extension_dtype_conversion, unsortable_labels
from .._input import check_X
from .._params import Param
from .._training import TrainingLog
from .._validation import (
    check_classification_y,
    check_eval_labels,
    check_eval_set,
    check_same_rows,
    check_sample_weight,
    check_y,
    encode_labels,
    tame_weight_scale,
)
from ..lightgbm import FocalLGBMClassifier
from ..xgboost import FocalXGBClassifier

__all__ = ["CLIENT", "MEAN_METRICS", "DaskFocalMixin", "dask_sections"]

#: Metrics that are weighted means over samples, hence reducible across
#: workers (sum of weighted values and of weights); also XGBoost's
#: ``"error@t"``.
MEAN_METRICS = (
    "focal",
    "logloss",
    "brier",
    "mlogloss",
    "error",
    "merror",
    "binary_logloss",
    "multi_logloss",
    "binary_error",
    "multi_error",
)


def _is_mean_metric(name: str) -> bool:
    return name in MEAN_METRICS or name.startswith("error@")


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


def _take_factor(y_enc, factors):
    # the class-weighting factor of each row
    return factors[y_enc.astype(np.intp)]


def _apply_local(X, estimator, method, tail=(), dtype=np.float64, kwargs=None):
    if X.shape[0] == 0:  # an empty block or partition: nothing to validate
        return np.empty((0,) + tuple(tail), dtype=dtype)
    return getattr(estimator, method)(X, **(kwargs or {}))


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
        return meta_nonempty(X)
    if isinstance(X, dd.Series):
        return meta_nonempty(X).to_numpy()
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
        # string columns (dask's default pyarrow strings) become an object
        # array, as numpy.asarray makes of a pandas string column
        with quiet_extension_dtype_conversion():
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


#: The Dask estimators' one parameter beyond the single-machine table.
CLIENT = Param(
    "client",
    None,
    "Any",
    "distributed.Client or None",
    "The Dask client; None uses the current default client. Not pickled.",
)


def _lazy(method: str, shape: str):
    """Return the Dask twin of the local estimator's prediction ``method``."""

    def lazy(self, X, **kwargs) -> da.Array:
        if kwargs.get("base_margin") is not None:
            raise NotImplementedError(
                f"{type(self).__name__}.{method}() does not take base_margin: a "
                "per-row margin would have to follow X's partitions; add it to "
                "the output_margin=True result instead."
            )
        return self._map_local(X, method, kwargs=kwargs)

    lazy.__name__ = lazy.__qualname__ = method
    lazy.__doc__ = f"""Lazy :meth:`~focalboost.FocalXGBClassifier.{method}` per block.

        Parameters
        ----------
        X : dask array or dask DataFrame of shape (n_samples, n_features)
            Samples.
        **kwargs
            The backend's predict keywords, as the local estimator's
            (``base_margin`` excepted).

        Returns
        -------
        dask array of shape {shape}
        """
    return lazy


def dask_sections(local_class) -> dict:
    """Return the docstring sections of the Dask twin of ``local_class``."""
    return estimator_sections(local_class._params + (CLIENT,), **local_class._doc_words)


# ------------------------------------------------------------------- the mixin
class DaskFocalMixin:
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
    def _refuse_fit_keywords(self, **given) -> None:
        """Refuse the backend's ``fit`` keywords the Dask estimator lacks.

        Each is named, with the single-machine estimator as what to use.
        """
        for name, value in given.items():
            if value is not None and not (isinstance(value, str) and value == "auto"):
                raise NotImplementedError(
                    f"{name} is not supported by {type(self).__name__}; fit "
                    f"{self._local_class.__name__} on in-memory data for it."
                )

    def fit(self, X, y, sample_weight=None, eval_set=None, eval_sample_weight=None):
        """Fit on the cluster with the backend's Dask interface.

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
            Validation sets; the last one drives early stopping (XGBoost only,
            see the class notes).
        eval_sample_weight : list of dask arrays, default=None
            Weights of each validation set.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return FocalClassifierMixin.fit(
            self, X, y, sample_weight, eval_set, eval_sample_weight
        )

    def _fit(self, X, y, args):
        native = self._backend_params()
        client = self._get_client()
        X, y, w, x_check = self._validate_training_data(X, y, args.sample_weight)
        y, y_enc, w, X = self._validate_targets(X, y, w, x_check)
        w = self._dask_class_weighted(y_enc, w)
        evals = self._prepare_dask_eval_sets(args.eval_set, args.eval_sample_weight)
        loss, metric = self._fit_loss(*self._compressed_targets(y_enc, w), evals)
        if evals and not all(map(_is_mean_metric, metric.names)):
            raise NotImplementedError(
                f"eval_metric={self.eval_metric!r} is not a mean over samples, so "
                "it cannot be reduced across Dask workers; use one of "
                f"{MEAN_METRICS} (or evaluate the predictions after fitting)."
            )
        native = self._scale_min_child_weight(native)
        log = TrainingLog(metric, [e.name for e in evals], self.early_stopping_rounds)
        self._fit_dask(client, X, y_enc, w, evals, loss, log, native, args)
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
            if not unsortable_labels(exc):
                raise
            raise TypeError(
                "y has labels that cannot be sorted (mixed types, or None among "
                f"strings?): {exc}"
            ) from exc

        def like_y(values):
            # a stand-in of y with the same distinct values, dtype and columns
            values = np.asarray(values)
            return values if y.ndim == 1 else np.tile(values[:, None], y.shape[1])

        check_y(like_y(res["all"]), type(self).__name__)
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
            w = tame_weight_scale(w, top=res["wmax"])
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

    def _dask_class_weighted(self, y_enc, w):
        """``w`` times the factor of each row's class: the local rule, on Dask.

        The factors come from the single-machine ``_class_factors`` on the
        distributed class counts (computed only when a class-weighting
        parameter is set).
        """
        if self.target_type_ == "multilabel-indicator":
            self._class_factors(None)  # raises when a weighting parameter is set
            return w
        if self._class_factors(np.ones(len(self.classes_))) is None:
            return w
        k = len(self.classes_)
        counts = y_enc.map_blocks(
            _class_totals_block,
            None,
            k,
            new_axis=1,
            chunks=((1,) * y_enc.numblocks[0], (k,)),
            dtype=np.float64,
        )
        factors = self._class_factors(counts.sum(axis=0).compute())
        scaled = y_enc.map_blocks(_take_factor, factors, dtype=np.float64)
        return scaled if w is None else w * scaled

    def _prepare_dask_eval_sets(self, eval_set, eval_sample_weight):
        if not check_eval_set(eval_set, eval_sample_weight):
            return []
        names = self._eval_names(None, len(eval_set))
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
            ye = self._dask_eval_labels(i, _align_rows(ye, Xe.chunks[0]), x_check)
            we = None
            if eval_sample_weight is not None and eval_sample_weight[i] is not None:
                we = self._dask_eval_weights(i, eval_sample_weight[i], Xe)
            out.append(EvalData(Xe, ye, we, names[i]))
        return out

    def _dask_eval_labels(self, i, ye, x_check):
        """Return the encoded labels of ``eval_set[i]``, checked as on one machine.

        ``x_check`` (the reduction of the X checks) is computed with them.
        """
        name = f"eval_set[{i}] y"
        if self.target_type_ == "multilabel-indicator":
            zero_one, _ = dask.compute(da.isin(ye, [0, 1]).all(), x_check)
            check_eval_labels(i, ye.shape, self.target_type_, self.n_outputs_, zero_one)
            return ye.astype(np.float64)
        check_eval_labels(i, ye.shape, self.target_type_, self.n_outputs_, True)
        if ye.ndim == 2:
            ye = ye[:, 0]
        _, labels = dask.compute(x_check, da.unique(ye))
        _encode_block(labels, self.classes_, name)  # unseen labels raise here
        return ye.map_blocks(_encode_block, self.classes_, name, dtype=np.float64)

    def _dask_eval_weights(self, i, weight, Xe):
        """Return the checked weights of ``eval_set[i]``, aligned with its rows."""
        name = f"eval_sample_weight[{i}]"
        _require_dask(weight, name)
        we = _to_array(weight)
        if we.ndim != 1 or we.shape[0] != Xe.shape[0]:
            check_sample_weight(np.broadcast_to(0.0, we.shape), Xe.shape[0], name=name)
        finite, wmin, wmax = dask.compute(da.isfinite(we).all(), we.min(), we.max())
        if not finite:
            check_sample_weight(np.array([np.nan]), 1, name=name)
        check_sample_weight(np.array([wmin, wmax]), 2, name=name)
        return tame_weight_scale(
            _align_rows(we.astype(np.float64), Xe.chunks[0]), top=wmax
        )

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
        _persist.copy(self, local)
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
        self.set_params(**local.get_params(deep=False))  # client is kept
        _persist.copy(local, self)
        return self

    def _map_local(self, X, method, lengths=None, kwargs=None):
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
        kwargs = kwargs or {}
        sample = getattr(estimator, method)(standin, **kwargs)
        tail, dtype = sample.shape[1:], sample.dtype
        local = dask.delayed(estimator, pure=True)
        if isinstance(X, dd.DataFrame):
            # partitions stay DataFrames: the local estimator checks the names
            parts = [
                da.from_delayed(
                    dask.delayed(_apply_local)(
                        part, local, method, tail, dtype, kwargs
                    ),
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
            kwargs,
            dtype=dtype,
            chunks=(Xa.chunks[0],) + tail,
            drop_axis=[] if tail else 1,
            meta=np.empty((0,) * sample.ndim, dtype=dtype),
        )

    decision_function = _lazy(
        "decision_function",
        "(n_samples,) or (n_samples, ``n_outputs_``), float64",
    )
    predict_proba = _lazy(
        "predict_proba", "(n_samples, n_classes) or (n_samples, n_labels)"
    )
    predict = _lazy("predict", "(n_samples,) or (n_samples, n_labels)")
    apply = _lazy("apply", "(n_samples, n_trees)")

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
