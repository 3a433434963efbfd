"""Focal-loss classifier on :func:`xgboost.train` (public API only).

What is specific to XGBoost: the objective and metric call signatures, the
``DMatrix``, ``base_score`` as the intercept, trimming the booster after early
stopping, and the native model file. Everything else is the contract in
:mod:`focalboost._base`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import xgboost as xgb
from sklearn.utils.validation import check_is_fitted

from . import _persist
from ._base import (
    NOTES,
    FocalClassifierMixin,
    estimator_sections,
    fill_doc,
    paragraph,
)
from ._input import categorical_indices
from ._objective import FocalObjective
from ._params import XGBOOST, XGBOOST_RESERVED, make_init
from ._training import TrainingLog

__all__ = ["FocalXGBClassifier", "XGBoostEval", "XGBoostObjective"]


class XGBoostObjective(FocalObjective):
    """``obj=`` callable for :func:`xgboost.train`.

    Returns float32 arrays rounded by
    :func:`~focalboost._objective.round_mantissa` so that integer sample
    weights below 8 are exactly equivalent to repeated rows.
    """

    exact_weight_bits = 3

    @staticmethod
    def softmax_hessian_factor(n_classes: int) -> float:
        """XGBoost ``multi:softprob`` writes ``2 p (1 - p)``: 2 (exact in float32)."""
        return 2.0


class XGBoostEval(xgb.callback.TrainingCallback):
    """``custom_metric=`` and early-stopping callback on a :class:`TrainingLog`.

    One object in both roles: as the metric it evaluates the log's metric on
    the evaluation set a ``DMatrix`` stands for (by identity, with the
    encoded targets and weights focalboost prepared); as a callback it stops
    when the log says so.

    Parameters
    ----------
    log : TrainingLog
        The record.
    sets : dict
        ``{id(dmatrix): (name, y_true, sample_weight)}``.
    """

    def __init__(self, log: TrainingLog, sets: dict):
        super().__init__()
        self.log = log
        self.sets = sets

    def __call__(self, predt, dmatrix):
        """Evaluate on the set ``dmatrix`` stands for: ``(metric name, value)``."""
        name, y_true, weight = self.sets[id(dmatrix)]
        return self.log.metric.name, self.log.evaluate(name, y_true, predt, weight)

    def after_iteration(self, model, epoch, evals_log) -> bool:
        """Return whether to stop training (early stopping)."""
        return self.log.should_stop()


#: Backend words of the generated docstring sections.
DOC_WORDS = dict(booster="xgboost.Booster", intercept="the booster's ``base_score``")
_SECTIONS = estimator_sections(
    XGBOOST,
    **DOC_WORDS,
    cls="FocalXGBClassifier",
    extra_attributes=[
        (
            "feature_importances_",
            "ndarray of shape (``n_features_in_``,)",
            "Importances by ``importance_type``, as XGBClassifier reports them.",
        ),
        ("n_classes_", "int", "``len(classes_)``."),
    ],
)


@fill_doc(
    **_SECTIONS,
    explain=paragraph(NOTES["explain"].format(where="", contrib="pred_contribs")),
)
class FocalXGBClassifier(FocalClassifierMixin):
    """Gradient-boosted trees trained with a focal loss via XGBoost.

    Binary, multiclass (softmax focal loss) and multi-label (per-label sigmoid
    focal loss, one model) targets. The focal-optimal constant margin is
    solved for first and stored as the booster's ``base_score`` (identity
    link), so it is the starting margin of the training and every evaluation
    set and survives ``save_model``. Sample weights are applied inside the
    objective (after the Hessian policy) and also given to the ``DMatrix`` so
    the quantile sketch sees them.

    %(parameters)s

    %(attributes)s

    Notes
    -----
    %(inputs)s

    %(explain)s

    Where this differs from :class:`xgboost.XGBClassifier`, on purpose:

    - the objective, ``base_score`` (the focal-optimal intercept) and the
      probability link are focalboost's; ``predict_proba`` is the posterior
      estimate (see ``probability``), never XGBoost's sigmoid of the margin;
    - ``gamma`` is the focal parameter; XGBoost's ``gamma`` is
      ``min_split_loss``;
    - ``min_child_weight`` is in log-loss Hessian units (see above);
    - after early stopping ``booster_`` keeps only rounds
      ``0..best_iteration_`` (XGBClassifier keeps every round and slices at
      predict time), so the booster alone, SHAP and :meth:`save_model`
      describe the model ``predict`` uses;
    - ``best_iteration_`` is always set (``best_iteration`` and
      ``best_score`` only after early stopping, as in XGBClassifier); the
      metric history records full float64 values.

    Examples
    --------
    %(examples)s
    """

    _params = XGBOOST
    _doc_words = DOC_WORDS
    _reserved_params = XGBOOST_RESERVED
    _min_child_weight_keys = ("min_child_weight",)
    __init__ = make_init(XGBOOST, "FocalXGBClassifier", __name__)

    def _fixed_params(self, params, seed, booster_params):
        if seed is not None:
            params["seed"] = seed
        params.update(booster_params)
        # focalboost owns these: identity link so that base_score is a margin,
        # and no meaningless default metric.
        params["objective"] = "reg:squarederror"
        params["disable_default_eval_metric"] = 1
        return params

    # -------------------------------------------------------------- training
    def _dmatrix(self, X, y, w, ref=None):
        # multiclass: 1-D class indices with num_class (no (n, K) label copy);
        # multi-label: the (n, L) indicator, from which XGBoost infers num_target
        kwargs = {"label": y, "weight": w, "missing": np.nan}
        cats = categorical_indices(self)
        if cats:
            # category codes, split natively on (see focalboost._input)
            kwargs["feature_types"] = [
                "c" if j in cats else "q" for j in range(self.n_features_in_)
            ]
            kwargs["enable_categorical"] = True
        if self.n_jobs is not None:
            kwargs["nthread"] = self.n_jobs
        if self.tree_method == "hist":
            return xgb.QuantileDMatrix(X, ref=ref, max_bin=self.max_bin, **kwargs)
        return xgb.DMatrix(X, **kwargs)

    def _train_params(self, params):
        """Return the native parameters of one fit: intercept and outputs added."""
        if self.categories_ and params["tree_method"] == "exact":
            raise ValueError(
                "tree_method='exact' cannot split on the categorical columns "
                f"{sorted(self.categories_)!r}; use 'hist' (the default) or "
                "'approx', or encode the columns as numbers."
            )
        params = dict(params, base_score=np.atleast_1d(self.intercept_).tolist())
        if self.n_outputs_ > 1:
            params["multi_strategy"] = self.multi_strategy
        if self.target_type_ == "multiclass":
            params["num_class"] = self.n_outputs_
        return params

    def _fit_backend(self, X, y, w, evals, loss, log, params):
        dtrain = self._dmatrix(X, y, w)
        watch, sets = [], {}
        for e in evals:
            dmat = self._dmatrix(e.X, e.y, e.sample_weight, ref=dtrain)
            watch.append((dmat, e.name))
            sets[id(dmat)] = (e.name, e.y, e.sample_weight)
        recorder = XGBoostEval(log, sets)
        booster = xgb.train(
            self._train_params(params),
            dtrain,
            num_boost_round=self.n_estimators,
            evals=watch,
            obj=XGBoostObjective(loss, y, w, self.hessian, self._kernel_threads()),
            custom_metric=recorder if watch else None,
            verbose_eval=False,
            callbacks=[recorder] if watch else None,
        )
        self._finish_training(log, booster.num_boosted_rounds())
        self.booster_ = self._trimmed(booster)

    def _trimmed(self, booster: xgb.Booster) -> xgb.Booster:
        """Keep rounds ``0..best_iteration_`` only, with XGBoost's best attributes.

        The booster then describes exactly the model ``predict`` uses (as
        ``xgboost.callback.EarlyStopping(save_best=True)`` leaves it), for
        its own ``predict``, SHAP values and ``save_model``.
        """
        if self.early_stopping_rounds is None:
            return booster
        n_rounds = self.best_iteration_ + 1
        if 0 < n_rounds < booster.num_boosted_rounds():
            booster = booster[:n_rounds]  # a slice drops the best_* attributes
        if n_rounds > 0:
            history = list(self.evals_result_.values())[-1]
            score = list(history.values())[0][self.best_iteration_]
            booster.set_attr(
                best_iteration=str(self.best_iteration_), best_score=repr(score)
            )
        return booster

    # --------------------------------------------------------------- predict
    def _margin(self, X):
        if sp.issparse(X) and (X.format != "csr" or not isinstance(X, sp.spmatrix)):
            X = sp.csr_matrix(X)  # inplace_predict takes CSR matrices, not arrays
        n_rounds = self.best_iteration_ + 1
        if n_rounds == 0:
            shape = (
                X.shape[0] if self.n_outputs_ == 1 else (X.shape[0], self.n_outputs_)
            )
            return np.broadcast_to(self.intercept_, shape).astype(np.float64)
        return self.booster_.inplace_predict(
            X, predict_type="margin", iteration_range=(0, n_rounds), missing=np.nan
        )

    def _n_splits(self) -> int:
        scores = self.booster_.get_score(importance_type="weight")
        return int(sum(scores.values()))

    # ------------------------------------------------ the backend's own view
    def _default_importance_type(self) -> str:
        booster = (self.booster_params or {}).get("booster")
        return "weight" if booster == "gblinear" else "gain"

    def _feature_importances(self, importance_type: str) -> np.ndarray:
        # the rule of xgboost.XGBClassifier.feature_importances_
        booster = self.booster_
        score = booster.get_score(importance_type=importance_type)
        names = booster.feature_names or [f"f{i}" for i in range(self.n_features_in_)]
        values = np.array([score.get(f, 0.0) for f in names], dtype=np.float32)
        total = values.sum()
        return values / total if total != 0 else values

    def get_booster(self) -> xgb.Booster:
        """Return ``booster_``, as :meth:`xgboost.XGBClassifier.get_booster`.

        Returns
        -------
        xgboost.Booster
            The rounds ``predict`` uses, ``intercept_`` as ``base_score``.
        """
        check_is_fitted(self)
        return self.booster_

    def evals_result(self) -> dict[str, dict[str, list[float]]]:
        """Return ``evals_result_``, as :meth:`xgboost.XGBClassifier.evals_result`.

        Returns
        -------
        dict
            ``{"validation_0": {metric name: [value per round]}, ...}``.
        """
        check_is_fitted(self)
        return self.evals_result_

    @property
    def best_iteration(self) -> int:
        """0-based best round after early stopping (XGBoost's attribute).

        Defined only when ``early_stopping_rounds`` was used, as in
        :class:`xgboost.XGBClassifier`; ``best_iteration_`` always is.
        """
        self._require_early_stopping("best_iteration")
        return self.best_iteration_

    @property
    def best_score(self) -> float:
        """Metric of the last ``eval_set`` entry at :attr:`best_iteration`.

        Defined only when ``early_stopping_rounds`` was used, as in
        :class:`xgboost.XGBClassifier`.
        """
        self._require_early_stopping("best_score")
        history = list(self.evals_result_.values())[-1]
        return float(list(history.values())[0][self.best_iteration_])

    def _require_early_stopping(self, name: str) -> None:
        check_is_fitted(self)
        if self.early_stopping_rounds is None or not self.evals_result_:
            raise AttributeError(
                f"`{name}` is only defined when early stopping is used."
            )

    # ------------------------------------------------------------ native file
    def _save_native(self, fname, meta):
        booster = self.booster_.copy()  # the attribute goes on a copy
        booster.set_attr(**{_persist.KEY: meta})
        # JSON for a .json file, UBJSON otherwise (XGBoost's own choice, without
        # its warning about unknown suffixes)
        raw = booster.save_raw("json" if fname.lower().endswith(".json") else "ubj")
        with open(fname, "wb") as fh:
            fh.write(raw)

    def _load_native(self, fname):
        booster = xgb.Booster()
        try:
            with open(fname, "rb") as fh:
                booster.load_model(bytearray(fh.read()))
        except OSError as exc:
            raise ValueError(f"cannot read {fname!r}: {exc}") from None
        except xgb.core.XGBoostError as exc:
            raise ValueError(
                f"{fname!r} is not an XGBoost model file: {str(exc).splitlines()[0]}"
            ) from None
        meta = booster.attr(_persist.KEY)
        booster.set_attr(**{_persist.KEY: None})
        return booster, meta
