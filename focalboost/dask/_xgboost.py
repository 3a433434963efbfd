"""Focal-loss XGBoost on Dask, with :mod:`xgboost.dask`."""

from __future__ import annotations

import json

import numpy as np
import xgboost as xgb
import xgboost.dask  # noqa: F401  (registers xgboost.dask)

from .._base import FitArgs, fill_doc
from .._params import make_init
from .._training import TrainingLog
from ..xgboost import FocalXGBClassifier, XGBoostEval, XGBoostObjective
from ._base import CLIENT, DaskFocalMixin, dask_sections

__all__ = ["DMatrixObjective", "DaskXGBoostEval", "FocalDaskXGBClassifier"]

#: The booster attribute that brings the workers' record back to the client.
RECORD_KEY = "focalboost_eval"


class DMatrixObjective:
    """XGBoost ``obj=`` callable that reads labels and weights from the DMatrix.

    On Dask every worker trains on its own part of the data, so the objective
    cannot hold the labels from construction: on the first call with a given
    ``DMatrix`` it reads ``get_label()`` / ``get_weight()`` (float32, as
    XGBoost stores them) and from then on delegates to the single-machine
    :class:`~focalboost.xgboost.XGBoostObjective`, which applies the Hessian
    policy first and the weight second. Pickles without its cache.

    Parameters
    ----------
    loss : BinaryFocalLoss, SoftmaxFocalLoss or MultiLabelFocalLoss
        The loss with ``alpha`` resolved.
    hessian : {"surrogate", "clipped"}
        The Hessian policy.
    n_labels : int
        Columns of a multi-label indicator (0 for binary and multiclass).
    n_threads : int or None
        Kernel threads (the estimator's ``n_jobs``); None follows the
        ``nthread`` xgboost.dask trains each worker with.
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
        """Return the weighted gradient and Hessian of this worker's rows."""
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


class DaskXGBoostEval(XGBoostEval):
    """The evaluation record of :class:`~focalboost.xgboost.XGBoostEval`, on Dask.

    As the metric, it evaluates the log's metric on the worker's part of an
    evaluation set and sums (weighted value, weight) over the workers with
    :func:`xgboost.collective.allreduce`, so every worker records the metric
    of the whole set at full precision. The sets are told apart by the order
    of the calls within a round (the workers' ``DMatrix`` objects are not the
    client's). As the callback, it stops like the single-machine estimator and
    writes the record to a booster attribute, which comes back to the client
    with the booster. xgboost.dask sends ``custom_metric`` and ``callbacks``
    to a worker in one pickle, so there they are one object.

    Parameters
    ----------
    log : TrainingLog
        An empty record (each worker fills its copy).
    n_labels : int
        Columns of a multi-label indicator (0 for binary and multiclass).
    """

    def __init__(self, log: TrainingLog, n_labels: int):
        super().__init__(log, {})
        self.n_labels = n_labels
        self._next = 0

    def before_iteration(self, model, epoch, evals_log) -> bool:
        """Start a round: the next metric call is the first evaluation set."""
        self._next = 0
        return False

    def __call__(self, predt, dmatrix):
        """Evaluate on this worker's rows, reduce over workers, record.

        Every metric is a weighted mean over samples (see ``MEAN_METRICS``):
        each worker's weighted sum and weight total are summed.
        """
        from xgboost import collective

        name = self.log.names[self._next % len(self.log.names)]
        self._next += 1
        y = dmatrix.get_label()
        if self.n_labels:
            y = y.reshape(-1, self.n_labels)
        w = dmatrix.get_weight()
        w = w.astype(np.float64) if w.size else None
        total = float(y.shape[0] if w is None else np.sum(w)) if y.shape[0] else 0.0
        metrics = self.log.metrics
        if total > 0:
            local = metrics.evaluate(y, predt, w)
        else:  # no rows here: nothing to add (names and directions only)
            local = [(m.name, 0.0, m.greater_is_better) for m in metrics.metrics]
        sums = collective.allreduce(
            np.array([v * total for _, v, _ in local] + [total]), collective.Op.SUM
        )
        out = []
        for (metric, _, greater), s in zip(local, sums[:-1], strict=True):
            value = float(s / sums[-1])
            self.log.record(name, metric, value, greater)
            out.append((metric, value))
        return out

    def after_training(self, model):
        """Attach the record to the booster that goes back to the client."""
        model.set_attr(**{RECORD_KEY: json.dumps(self.log.history)})
        return model


@fill_doc(**dask_sections(FocalXGBClassifier))
class FocalDaskXGBClassifier(DaskFocalMixin, FocalXGBClassifier):
    """Focal-loss gradient boosting on Dask with :mod:`xgboost.dask`.

    The parameters of :class:`~focalboost.FocalXGBClassifier`, plus
    ``client``. ``fit`` takes dask arrays or dask DataFrames (binary,
    multiclass or a multi-label indicator ``y``). The focal-optimal intercept
    is computed from distributed per-class totals and stored as the booster's
    vector ``base_score`` (identity link), exactly as on one machine; the
    objective reads each worker's labels and weights from its ``DMatrix``.
    ``eval_set`` (dask collections) and early stopping are supported with the
    mean metrics ``"focal"``, ``"logloss"`` and ``"brier"``, reduced over the
    workers every round; other metrics raise ``NotImplementedError`` with an
    ``eval_set``. ``n_jobs`` is each worker's threads (None: the worker's).

    %(parameters)s

    %(attributes)s

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
    __init__ = make_init(
        FocalXGBClassifier._params + (CLIENT,), "FocalDaskXGBClassifier", __name__
    )

    def _dask_dmatrix(self, client, X, y, w, ref=None, feature_weights=None):
        kwargs = dict(
            feature_weights=feature_weights,
            weight=w,
            missing=self._checked("missing"),
            feature_names=self._feature_names(),
            feature_types=self._feature_types(),
        )
        if self.tree_method == "hist":
            return xgb.dask.DaskQuantileDMatrix(
                client, X, y, max_bin=self.max_bin, ref=ref, **kwargs
            )
        return xgb.dask.DaskDMatrix(client, X, y, **kwargs)

    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        base_margin=None,
        eval_set=None,
        verbose=False,
        xgb_model=None,
        sample_weight_eval_set=None,
        base_margin_eval_set=None,
        feature_weights=None,
        eval_sample_weight=None,
    ):
        """Fit on the cluster (the keywords of ``DaskXGBClassifier.fit``).

        Parameters
        ----------
        X : dask array or dask DataFrame of shape (n_samples, n_features)
            Training features; NaN (and ``missing``) mark a missing value.
        y : dask array or dask Series of shape (n_samples,) or (n_samples, n_labels)
            Binary or multiclass labels, or a 0/1 indicator matrix.
        sample_weight : dask array or dask Series of shape (n_samples,), \
default=None
            Non-negative weights (Hessian policy first, then the weight).
        base_margin : None
            Not supported on Dask (NotImplementedError).
        eval_set : list of (X, y) dask collections, default=None
            Validation sets (``validation_i``); the last one drives early
            stopping.
        verbose : bool or int, default=False
            Print the evaluation every round or every ``verbose`` rounds.
        xgb_model : None
            Not supported on Dask (NotImplementedError).
        sample_weight_eval_set : list of dask arrays, default=None
            XGBoost's name of ``eval_sample_weight``.
        base_margin_eval_set : None
            Not supported on Dask (NotImplementedError).
        feature_weights : array-like of shape (n_features,), default=None
            Column-sampling weights (wins over the constructor's).
        eval_sample_weight : list of dask arrays, default=None
            Weights of each validation set.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._refuse_fit_keywords(
            base_margin=base_margin,
            xgb_model=xgb_model,
            base_margin_eval_set=base_margin_eval_set,
        )
        if sample_weight_eval_set is not None and eval_sample_weight is not None:
            raise ValueError(
                "sample_weight_eval_set and eval_sample_weight are the same "
                "argument; pass one."
            )
        if sample_weight_eval_set is not None:
            eval_sample_weight = sample_weight_eval_set
        return self._fit_with(
            X,
            y,
            FitArgs(
                sample_weight=sample_weight,
                eval_set=eval_set,
                eval_sample_weight=eval_sample_weight,
                verbose=verbose,
                feature_weights=feature_weights,
            ),
        )

    def _fit_dask(self, client, X, y, w, evals, loss, log, params, args):
        n_labels = self.n_outputs_ if self.target_type_ == "multilabel-indicator" else 0
        weights = args.feature_weights
        if weights is None:
            weights = self.feature_weights
        dtrain = self._dask_dmatrix(client, X, y, w, feature_weights=weights)
        watch = [
            (self._dask_dmatrix(client, e.X, e.y, e.sample_weight, ref=dtrain), e.name)
            for e in evals
        ]
        recorder = DaskXGBoostEval(log, n_labels) if watch else None
        params = self._train_params(params)
        # verbosity is XGBoost's global setting: scoped to this training, which
        # xgboost.dask carries to the workers
        verbosity = params.pop("verbosity", None)
        scope = {} if verbosity is None else {"verbosity": verbosity}
        with xgb.config_context(**scope):
            out = xgb.dask.train(
                client,
                params,
                dtrain,
                num_boost_round=self._checked("n_estimators"),
                evals=watch or None,
                obj=DMatrixObjective(
                    loss, self.hessian, n_labels, self._kernel_threads()
                ),
                custom_metric=recorder,
                verbose_eval=args.verbose if watch else False,
                callbacks=([recorder] if recorder is not None else [])
                + list(self._checked("callbacks") or [])
                or None,
            )
        booster = out["booster"]
        record = booster.attr(RECORD_KEY)
        if record is not None:
            booster.set_attr(**{RECORD_KEY: None})
            log.merge(json.loads(record))  # the workers' record
        best = booster.attr("best_iteration")
        mine = best is not None and self.early_stopping_rounds is None
        stopped = int(best) if mine else None  # a callback of the user's
        self._finish_training(log, booster.num_boosted_rounds(), stopped_at=stopped)
        self.booster_ = self._trimmed(booster)
