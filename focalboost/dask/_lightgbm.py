"""Focal-loss LightGBM on Dask, with :mod:`lightgbm.dask`."""

from __future__ import annotations

import inspect

import lightgbm as lgb
import lightgbm.dask  # noqa: F401  (registers lightgbm.dask)
import numpy as np

from .._base import FitArgs, fill_doc
from .._compat import quiet_lightgbm_dask_threads
from .._params import make_init
from ..lightgbm import FocalLGBMClassifier, LightGBMObjective
from ._base import CLIENT, DaskFocalMixin, dask_sections

__all__ = ["FocalDaskLGBMClassifier", "LGBMDaskObjective", "MAX_LABELS"]

#: LightGBM stores labels as float32: a multi-label row is encoded as the
#: integer bitmask ``sum_j y_j 2**j``, exact for at most 24 labels.
MAX_LABELS = 24


def _full_block(y_enc, value):
    # init_score of LightGBM: the intercept repeated on every row
    value = np.asarray(value, dtype=np.float64)
    return np.broadcast_to(value, (y_enc.shape[0],) + value.shape).copy()


def _bitmask_block(y_enc):
    # a 0/1 indicator row as the integer sum_j y_j 2**j (a float label)
    powers = 2.0 ** np.arange(y_enc.shape[1])
    return y_enc @ powers


class LGBMDaskObjective:
    """Callable objective ``(y_true, y_pred, weight)`` for :mod:`lightgbm.dask`.

    LightGBM hands each worker's labels and weights to the objective (float32,
    as LightGBM stores them); the single-machine
    :class:`~focalboost.lightgbm.LightGBMObjective` then applies the Hessian
    policy and the weight. A multi-label row arrives as its integer bitmask
    and is decoded here, once per data set.

    Parameters
    ----------
    loss : BinaryFocalLoss, SoftmaxFocalLoss or MultiLabelFocalLoss
        The loss with ``alpha`` resolved.
    hessian : {"surrogate", "clipped"}
        The Hessian policy.
    n_labels : int
        Number of labels of a multi-label target (0 otherwise).
    n_threads : int or None
        Kernel threads (the estimator's ``n_jobs``).
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
        """Return the weighted gradient and Hessian of this worker's rows."""
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
        return self._objective(y_pred, None)


#: Arguments of LightGBM's scikit-learn wrapper: a table entry whose public
#: name is one of them is passed under that name (LightGBM's own), the other
#: native parameters as keyword parameters.
_WRAPPER_ARGS = frozenset(inspect.signature(lgb.LGBMModel.__init__).parameters)


def _wrapper_kwargs(params: dict) -> dict:
    """Split validated native ``params`` into the wrapper's arguments and the rest."""
    params = dict(params)
    params.pop("num_threads", None)  # the Dask interface sets it per worker
    kwargs = {}
    for p in FocalLGBMClassifier._params:
        if p.name in _WRAPPER_ARGS and p.native in params and p.name != "n_jobs":
            kwargs[p.name] = params.pop(p.native)
    return {**kwargs, **params}


@fill_doc(**dask_sections(FocalLGBMClassifier))
class FocalDaskLGBMClassifier(DaskFocalMixin, FocalLGBMClassifier):
    """Focal-loss gradient boosting on Dask with :mod:`lightgbm.dask`.

    The parameters of :class:`~focalboost.FocalLGBMClassifier`, plus
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
    metric of the evaluation set. ``n_jobs`` is validated as on one machine;
    LightGBM's Dask interface always uses each worker's threads.

    %(parameters)s

    %(attributes)s

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
    __init__ = make_init(
        FocalLGBMClassifier._params + (CLIENT,), "FocalDaskLGBMClassifier", __name__
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

    def _dask_labels(self, y):
        """Return LightGBM's label and ``init_score`` of the encoded ``y``."""
        label = y
        if self.target_type_ == "multilabel-indicator":
            if self.n_outputs_ > MAX_LABELS:
                raise NotImplementedError(
                    f"FocalDaskLGBMClassifier supports at most {MAX_LABELS} "
                    f"labels; y has {self.n_outputs_}. LightGBM's Dask objective "
                    "receives a 1-D float32 label per row, which holds the label "
                    "bitmask exactly only up to 24 labels. Use "
                    "FocalDaskXGBClassifier."
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
        return label, init

    def fit(
        self,
        X,
        y,
        sample_weight=None,
        init_score=None,
        eval_set=None,
        eval_names=None,
        eval_sample_weight=None,
        eval_class_weight=None,
        eval_init_score=None,
        eval_metric=None,
        feature_name="auto",
        categorical_feature="auto",
        callbacks=None,
        init_model=None,
    ):
        """Fit on the cluster (the keywords of ``LGBMClassifier.fit``).

        Parameters
        ----------
        X : dask array or dask DataFrame of shape (n_samples, n_features)
            Training features; NaN marks a missing value.
        y : dask array or dask Series of shape (n_samples,) or (n_samples, n_labels)
            Binary or multiclass labels, or a 0/1 indicator matrix.
        sample_weight : dask array or dask Series of shape (n_samples,), \
default=None
            Non-negative weights (Hessian policy first, then the weight).
        init_score, eval_set, eval_names, eval_sample_weight, eval_class_weight, \
eval_init_score, eval_metric, feature_name, categorical_feature, callbacks, \
init_model
            Not supported on Dask: each raises ``NotImplementedError`` naming
            it (``eval_set``: see the class notes); the defaults are accepted.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if eval_set is not None:
            self._prepare_dask_eval_sets(eval_set, eval_sample_weight)  # refuses
        self._refuse_fit_keywords(
            init_score=init_score,
            eval_names=eval_names,
            eval_class_weight=eval_class_weight,
            eval_init_score=eval_init_score,
            eval_metric=eval_metric,
            feature_name=feature_name,
            categorical_feature=categorical_feature,
            callbacks=callbacks,
            init_model=init_model,
        )
        return self._fit_with(
            X,
            y,
            FitArgs(sample_weight=sample_weight, eval_sample_weight=eval_sample_weight),
        )

    def _fit_dask(self, client, X, y, w, evals, loss, log, params, args):
        label, init = self._dask_labels(y)
        if self.n_estimators == 0:
            self._intercept_only_booster(params)
            self._finish_training(log, 0)
            self._set_booster_best_score()
            return
        if self.n_outputs_ > 1:
            params = dict(params, num_class=self.n_outputs_)
        n_labels = self.n_outputs_ if self.target_type_ == "multilabel-indicator" else 0
        model = lgb.DaskLGBMRegressor(
            client=client,
            objective=LGBMDaskObjective(
                loss, self.hessian, n_labels, self._kernel_threads()
            ),
            n_estimators=self.n_estimators,
            **_wrapper_kwargs(params),
        )
        with quiet_lightgbm_dask_threads():
            model.fit(X, label, sample_weight=w, init_score=init)
        booster = model.booster_
        self._finish_training(log, booster.current_iteration())
        self.booster_ = booster
        self._store_intercept(booster)
        self._set_booster_best_score()

    def _intercept_only_booster(self, params):
        # no round to train: the single-machine estimator keeps a booster
        # without trees; one built on two placeholder rows is the same model
        train = lgb.Dataset(
            np.zeros((2, self.n_features_in_)),
            label=np.array([0.0, 1.0]),
            params={"verbosity": -1, "feature_pre_filter": False},
        )
        self.booster_ = lgb.Booster(dict(params, objective="none"), train)
