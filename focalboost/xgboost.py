"""Focal-loss classifier on :func:`xgboost.train` (public API only).

What is specific to XGBoost: the objective and metric call signatures, the
``DMatrix``, ``base_score`` as the intercept, trimming the booster after early
stopping, and the native model file. Everything else is the contract in
:mod:`focalboost._base`.
"""

from __future__ import annotations

import inspect
import json
import os
from typing import Any

import numpy as np
import scipy.sparse as sp
import xgboost as xgb
from scipy.special import logit
from sklearn.utils.validation import check_is_fitted

from . import _persist
from ._base import (
    NOTES,
    FitArgs,
    FocalClassifierMixin,
    estimator_sections,
    fill_doc,
    own_examples,
    paragraph,
)
from ._input import categorical_indices
from ._link import expit
from ._objective import FocalObjective
from ._params import XGBOOST, XGBOOST_RESERVED, backend_keywords, make_init
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
        """Evaluate on the set ``dmatrix`` stands for: ``[(metric name, value)]``.

        Every metric of ``eval_metric`` under its XGBoost name, so that
        XGBoost's log and callbacks (``EarlyStopping(metric_name=...)``)
        see them as XGBClassifier's.
        """
        name, y_true, weight = self.sets[id(dmatrix)]
        results = self.log.evaluate(name, y_true, predt, weight)
        return [(metric, value) for metric, value, _ in results]

    def after_iteration(self, model, epoch, evals_log) -> bool:
        """Return whether to stop training (early stopping)."""
        return self.log.should_stop()


#: The estimator's parameters: the table, then every other keyword of
#: :class:`xgboost.XGBClassifier` (its ``XGBModel`` signature), passed as is.
PARAMS = backend_keywords(
    XGBOOST, inspect.signature(xgb.XGBModel.__init__), "xgboost.XGBClassifier"
)

#: Objectives whose booster keeps ``base_score`` as a margin (an
#: ``xgb_model`` of these continues from it as it is).
MARGIN_BASE_SCORE = (
    "reg:squarederror",
    "binary:logitraw",
    "multi:softprob",
    "multi:softmax",
)

#: Backend words of the generated docstring sections.
DOC_WORDS = dict(booster="xgboost.Booster", intercept="the booster's ``base_score``")
_SECTIONS = estimator_sections(
    PARAMS,
    **DOC_WORDS,
    cls="FocalXGBClassifier",
    extra_attributes=[
        (
            "feature_importances_",
            "ndarray of shape (``n_features_in_``,)",
            "Importances by ``importance_type``, as XGBClassifier reports them.",
        ),
        ("n_classes_", "int", "``len(classes_)``."),
        (
            "best_iteration_",
            "int",
            "0-based index of the last round ``predict`` uses (focalboost's; "
            "-1 without any round).",
        ),
        (
            "best_iteration, best_score",
            "int, float",
            "XGBoost's: the 0-based best round and the stopping metric there; "
            "only after early stopping.",
        ),
    ],
)


@fill_doc(
    **_SECTIONS,
    explain=paragraph(NOTES["explain"].format(where="", contrib="pred_contribs")),
)
@own_examples("model.json")
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
    - metrics are computed on focalboost's probabilities (``predict_proba``)
      under XGBoost's names, in full float64 (XGBoost keeps six decimals
      of a custom metric); ``aucpr`` is the step-wise average precision;
    - ``best_iteration_`` (focalboost's) is always set: the 0-based last
      round ``predict`` uses; ``best_iteration`` and ``best_score`` only
      after early stopping, as in XGBClassifier;
    - ``predict`` also takes ``Booster.predict``'s ``pred_leaf``,
      ``pred_contribs`` and ``pred_interactions``.

    Examples
    --------
    %(examples)s
    """

    _params = PARAMS
    _doc_words = DOC_WORDS
    _reserved_params = XGBOOST_RESERVED
    _min_child_weight_keys = ("min_child_weight",)
    __init__ = make_init(PARAMS, "FocalXGBClassifier", __name__)

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
        """Fit the focal-loss boosted model (the keywords of ``XGBClassifier.fit``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training features; NaN (and ``missing``) mark a missing value.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Binary or multiclass labels of any type (strings, bools,
            integers), or a 0/1 indicator matrix for multi-label.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, applied inside the objective (Hessian policy
            first, then the weight). Zero-weight rows are dropped.
        base_margin : array-like of shape (n_samples,) or (n_samples, n_outputs), \
default=None
            The training's starting margin instead of ``intercept_``, as in
            XGBoost (predictions do not include it: pass it again to predict).
        eval_set : list of (X, y) tuples, default=None
            Validation sets (named ``validation_i``); the last one drives
            early stopping.
        verbose : bool or int, default=False
            Print the evaluation every round (True) or every ``verbose``
            rounds, as XGBoost (whose default is True).
        xgb_model : xgboost.Booster, FocalXGBClassifier, XGBModel or path, \
default=None
            Continue training this model: its margin (intercept included) is
            the new rounds' starting margin, and the new trees are added to
            its trees.
        sample_weight_eval_set : list of array-like, default=None
            XGBoost's name of ``eval_sample_weight``.
        base_margin_eval_set : list of array-like, default=None
            Starting margins of the evaluation sets.
        feature_weights : array-like of shape (n_features,), default=None
            Column-sampling weights (wins over the constructor's).
        eval_sample_weight : list of array-like, default=None
            Weights of each validation set.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if sample_weight_eval_set is not None and eval_sample_weight is not None:
            raise ValueError(
                "sample_weight_eval_set and eval_sample_weight are the same "
                "argument; pass one."
            )
        return self._fit_with(
            X,
            y,
            FitArgs(
                sample_weight=sample_weight,
                eval_set=eval_set,
                eval_sample_weight=(
                    eval_sample_weight
                    if sample_weight_eval_set is None
                    else sample_weight_eval_set
                ),
                init_margin=base_margin,
                eval_init_margin=base_margin_eval_set,
                init_model=xgb_model,
                verbose=verbose,
                feature_weights=feature_weights,
            ),
        )

    def _fixed_params(self, params, seed, booster_params):
        if seed is not None:
            params["seed"] = seed
        params.update(booster_params)
        if params.get("booster") == "gblinear":
            raise ValueError(
                "booster='gblinear' is not supported: focalboost's trees carry "
                "the focal-optimal intercept and predict in place, which XGBoost's "
                "linear booster cannot; use booster='gbtree' (the default) or "
                "'dart'."
            )
        # focalboost owns these: identity link so that base_score is a margin,
        # and no meaningless default metric.
        params["objective"] = "reg:squarederror"
        params["disable_default_eval_metric"] = 1
        return params

    # -------------------------------------------------------------- training
    def _feature_types(self) -> list[str] | None:
        """XGBoost's per-column types: ``feature_types`` or those of ``X``."""
        given = self._checked("feature_types")
        cats = categorical_indices(self)
        if cats and self._checked("enable_categorical") is False:
            raise ValueError(
                f"X has categorical columns {sorted(self.categories_)!r} and "
                "enable_categorical=False: set enable_categorical=True (or None) "
                "to split on them natively, or encode them as numbers."
            )
        if given is not None:
            if len(given) != self.n_features_in_:
                raise ValueError(
                    f"feature_types must have one entry per column "
                    f"({self.n_features_in_}); got {len(given)}."
                )
            bad = [j for j in cats if given[j] != "c"]
            if bad:
                raise ValueError(
                    f"feature_types marks categorical columns {bad!r} as "
                    f"{[given[j] for j in bad]!r}; they must be 'c'."
                )
            return list(given)
        if not cats:
            return None
        return ["c" if j in cats else "q" for j in range(self.n_features_in_)]

    def _feature_names(self) -> list[str] | None:
        """Return the booster's feature names: the frame's, where XGBoost takes them."""
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            return None
        names = [str(n) for n in names]
        usable = len(set(names)) == len(names) and not any(
            c in n for n in names for c in "[]<"
        )
        return names if usable else None

    def _dmatrix(self, X, y, w, ref=None, base_margin=None, feature_weights=None):
        # multiclass: 1-D class indices with num_class (no (n, K) label copy);
        # multi-label: the (n, L) indicator, from which XGBoost infers num_target
        kwargs = {"label": y, "weight": w, "missing": self._checked("missing")}
        types = self._feature_types()
        if types is not None:
            # category codes, split natively on (see focalboost._input)
            kwargs["feature_types"] = types
            kwargs["enable_categorical"] = "c" in types
        names = self._feature_names()
        if names is not None:
            kwargs["feature_names"] = names
        if base_margin is not None:
            kwargs["base_margin"] = base_margin
        if feature_weights is not None:
            kwargs["feature_weights"] = np.asarray(feature_weights, dtype=np.float64)
        if self.n_jobs is not None:
            kwargs["nthread"] = self.n_jobs
        if self.tree_method == "hist":
            return xgb.QuantileDMatrix(X, ref=ref, max_bin=self.max_bin, **kwargs)
        return xgb.DMatrix(X, **kwargs)

    def _booster(self) -> str | None:
        """Return the booster type given by name (constructor or booster_params)."""
        return self._native_given().get("booster", self.booster)

    def _init_booster(self, init_model) -> xgb.Booster:
        """Return the booster of ``xgb_model`` (booster, estimator or file)."""
        if isinstance(init_model, FocalXGBClassifier):
            check_is_fitted(init_model)
            return init_model.booster_
        if isinstance(init_model, xgb.XGBModel):
            return init_model.get_booster()
        if isinstance(init_model, xgb.Booster):
            return init_model
        if isinstance(init_model, (str, os.PathLike)):
            return self._load_native(os.fspath(init_model))[0]
        raise TypeError(
            "xgb_model must be an xgboost.Booster, a fitted FocalXGBClassifier or "
            "XGBClassifier, or the path of a model file; got "
            f"{type(init_model).__name__}."
        )

    def _init_model_intercept(self, init_model):
        """Return the margin-space ``base_score`` of ``xgb_model`` (the intercept)."""
        if isinstance(init_model, FocalXGBClassifier):
            check_is_fitted(init_model)
            return init_model.intercept_
        config = json.loads(self._init_booster(init_model).save_config())
        learner = config["learner"]
        objective = learner["objective"]["name"]
        text = learner["learner_model_param"]["base_score"].strip("[]")
        score = np.array([float(v) for v in text.split(",")])
        # XGBoost keeps base_score as a probability for binary:logistic only
        # (multi:softprob's is the vector of margins)
        if objective in MARGIN_BASE_SCORE:
            margin = score
        elif objective == "binary:logistic":
            margin = logit(score)
        else:
            raise ValueError(
                f"xgb_model was trained with objective {objective!r}; continued "
                "training starts from boosters of binary:logistic, "
                f"{', '.join(MARGIN_BASE_SCORE)} or focalboost's own models."
            )
        if margin.shape[0] != self.n_outputs_:
            raise ValueError(
                f"xgb_model has {margin.shape[0]} outputs; y needs {self.n_outputs_}."
            )
        return float(margin[0]) if self.n_outputs_ == 1 else margin

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

    def _fit_backend(self, X, y, w, evals, loss, log, params, args: FitArgs):
        weights = args.feature_weights
        if weights is None:
            weights = self.feature_weights
        dtrain = self._dmatrix(
            X, y, w, base_margin=args.init_margin, feature_weights=weights
        )
        watch, sets = [], {}
        for e in evals:
            dmat = self._dmatrix(
                e.X, e.y, e.sample_weight, ref=dtrain, base_margin=e.init_margin
            )
            watch.append((dmat, e.name))
            sets[id(dmat)] = (e.name, e.y, e.sample_weight)
        recorder = XGBoostEval(log, sets)
        callbacks = [recorder] if watch else []
        callbacks += list(self._checked("callbacks") or [])
        init = None if args.init_model is None else self._init_booster(args.init_model)
        params = self._train_params(params)
        # XGBoost's verbosity is a (thread-local) global setting: as
        # XGBClassifier, set it for this training only
        verbosity = params.pop("verbosity", None)
        scope = {} if verbosity is None else {"verbosity": verbosity}
        with xgb.config_context(**scope):
            booster = xgb.train(
                params,
                dtrain,
                num_boost_round=self._checked("n_estimators"),
                evals=watch,
                obj=XGBoostObjective(loss, y, w, self.hessian, self._kernel_threads()),
                custom_metric=recorder if watch else None,
                verbose_eval=args.verbose if watch else False,
                callbacks=callbacks or None,
                xgb_model=init,
            )
        best = booster.attr("best_iteration")
        # an early-stopping callback of the user's chose the round
        mine = best is not None and self.early_stopping_rounds is None
        stopped = int(best) if mine else None
        self._finish_training(log, booster.num_boosted_rounds(), stopped_at=stopped)
        self.booster_ = self._trimmed(booster)

    def _trimmed(self, booster: xgb.Booster) -> xgb.Booster:
        """Keep rounds ``0..best_iteration`` only, with XGBoost's best attributes.

        The booster then describes exactly the model ``predict`` uses (as
        ``xgboost.callback.EarlyStopping(save_best=True)`` leaves it), for
        its own ``predict``, SHAP values and ``save_model``.
        """
        if not self._early_stopped:
            return booster
        n_rounds = self._best_round + 1
        # the record covers this fit's rounds (after an xgb_model's)
        first = booster.num_boosted_rounds() - self._recorded_rounds()
        if 0 < n_rounds < booster.num_boosted_rounds():
            booster = booster[:n_rounds]  # a slice drops the best_* attributes
        if n_rounds > 0:
            attrs = {"best_iteration": str(self._best_round)}
            if self.evals_result_ and self._best_round >= first:
                attrs["best_score"] = repr(self._best_score(self._best_round - first))
            booster.set_attr(**attrs)
        return booster

    def _recorded_rounds(self) -> int:
        history = list(self.evals_result_.values())
        return len(list(history[-1].values())[-1]) if history else 0

    # --------------------------------------------------------------- predict
    def _iteration_range(self, given: dict) -> tuple[int, int]:
        """XGBoost's ``iteration_range``: None or ``(_, 0)`` is the default."""
        total = self._n_rounds()
        value = given.get("iteration_range")
        if value is None:
            return 0, total
        try:
            start, end = (int(v) for v in value)
        except (TypeError, ValueError):
            raise TypeError(
                "iteration_range must be a pair of integers (start, end); got "
                f"{value!r}."
            ) from None
        if end == 0:
            return 0, total
        if not 0 <= start < end <= total:
            raise ValueError(
                f"iteration_range must satisfy 0 <= start < end <= {total} (the "
                f"rounds booster_ holds); got {value!r}."
            )
        return start, end

    def _inplace_X(self, X):
        if sp.issparse(X) and (X.format != "csr" or not isinstance(X, sp.spmatrix)):
            X = sp.csr_matrix(X)  # inplace_predict takes CSR matrices, not arrays
        return X

    def _margin(self, X, start: int = 0, end: int | None = None, base_margin=None):
        end = self._n_rounds() if end is None else end
        if end == 0:
            shape = (
                X.shape[0] if self.n_outputs_ == 1 else (X.shape[0], self.n_outputs_)
            )
            base = self.intercept_ if base_margin is None else base_margin
            return np.broadcast_to(base, shape).astype(np.float64)
        kwargs = {} if base_margin is None else {"base_margin": base_margin}
        return self.booster_.inplace_predict(
            self._inplace_X(X),
            predict_type="margin",
            iteration_range=(start, end),
            missing=self._checked("missing"),
            validate_features=False,  # check_X has checked the columns
            **kwargs,
        )

    def _predict_native(self, X, output, start, end, request):
        """``Booster.predict`` with ``pred_leaf``, ``pred_contribs`` or interactions."""
        if end == 0:
            raise ValueError(
                f"{type(self).__name__} has no boosting round: there are no leaves "
                "or contributions to report."
            )
        data = xgb.DMatrix(
            X,
            missing=self._checked("missing"),
            feature_types=self.booster_.feature_types,
            feature_names=self.booster_.feature_names,
            enable_categorical=bool(self.categories_),
            base_margin=request.base_margin,
            nthread=self.n_jobs,
        )
        key = {
            "leaf": "pred_leaf",
            "contrib": "pred_contribs",
            "interactions": "pred_interactions",
        }[output]
        return self.booster_.predict(
            data, iteration_range=(start, end), strict_shape=False, **{key: True}
        )

    def _n_splits(self) -> int:
        scores = self.booster_.get_score(importance_type="weight")
        return int(sum(scores.values()))

    # ------------------------------------------------ the backend's own view
    def _default_importance_type(self) -> str:
        return "weight" if self._booster() == "gblinear" else "gain"

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

        The object XGBoost's own tools take: ``xgboost.plot_importance``,
        ``xgboost.plot_tree``, ``shap.TreeExplainer``. It carries the
        feature names of a DataFrame fit.

        Returns
        -------
        xgboost.Booster
            The rounds ``predict`` uses, ``intercept_`` as ``base_score``.

        Examples
        --------
        >>> import xgboost as xgb
        >>> from sklearn.datasets import make_classification
        >>> from focalboost import FocalXGBClassifier
        >>> X, y = make_classification(n_samples=200, random_state=0)
        >>> clf = FocalXGBClassifier(n_estimators=3).fit(X, y)
        >>> isinstance(clf.get_booster(), xgb.Booster)
        True
        >>> clf.get_booster().num_boosted_rounds()
        3
        """
        check_is_fitted(self)
        return self.booster_

    def evals_result(self) -> dict[str, dict[str, list[float]]]:
        """Return ``evals_result_``, as :meth:`xgboost.XGBClassifier.evals_result`.

        Returns
        -------
        dict
            ``{"validation_0": {metric name: [value per round]}, ...}``:
            the evaluation sets by name, each metric of ``eval_metric`` by
            its XGBoost name (``"focal"`` by default), full precision.

        Examples
        --------
        >>> from sklearn.datasets import make_classification
        >>> from focalboost import FocalXGBClassifier
        >>> X, y = make_classification(n_samples=300, random_state=0)
        >>> clf = FocalXGBClassifier(n_estimators=4, eval_metric=["auc", "logloss"])
        >>> clf = clf.fit(X[:200], y[:200], eval_set=[(X[200:], y[200:])])
        >>> {k: list(v) for k, v in clf.evals_result().items()}
        {'validation_0': ['auc', 'logloss']}
        """
        check_is_fitted(self)
        return self.evals_result_

    @property
    def best_iteration_(self) -> int:
        """0-based index of the last round ``predict`` uses (focalboost's).

        Always set: the best round after early stopping, else the last one
        (-1 without any round). :attr:`best_iteration` is XGBoost's name,
        defined only after early stopping.
        """
        check_is_fitted(self)
        return self._best_round

    @property
    def best_iteration(self) -> int:
        """0-based best round after early stopping (XGBoost's attribute).

        Defined only after early stopping (``early_stopping_rounds`` or an
        ``EarlyStopping`` callback), as in :class:`xgboost.XGBClassifier`;
        ``best_iteration_`` always is.
        """
        self._require_early_stopping("best_iteration")
        return self._best_round

    @property
    def best_score(self) -> float:
        """The stopping metric at :attr:`best_iteration` (XGBoost's attribute).

        XGBoost's rule: the last metric of ``eval_metric`` on the last
        ``eval_set`` entry. Defined only after early stopping, as in
        :class:`xgboost.XGBClassifier`.
        """
        self._require_early_stopping("best_score")
        score = self.booster_.attr("best_score")
        if score is None:
            raise AttributeError("`best_score` is not recorded for this model.")
        return float(score)

    def _best_score(self, index: int) -> float:
        history = list(self.evals_result_.values())[-1]
        return float(list(history.values())[-1][index])

    def _require_early_stopping(self, name: str) -> None:
        check_is_fitted(self)
        if not getattr(self, "_early_stopped", False) or not self.evals_result_:
            raise AttributeError(
                f"`{name}` is only defined when early stopping is used."
            )

    def get_xgb_params(self) -> dict[str, Any]:
        """Return the native parameters of :func:`xgboost.train`, as XGBoost's method.

        Validated from the estimator's parameters (their XGBoost names,
        ``booster_params`` and other keywords included); ``fit`` adds the
        intercept (``base_score``) and the class count.

        Returns
        -------
        dict
        """
        return self._backend_params()

    def get_num_boosting_rounds(self) -> int:
        """Boosting rounds ``fit`` runs: ``n_estimators`` (100 when None).

        Returns
        -------
        int
        """
        n = self.n_estimators
        return 100 if n is None else int(n)

    # ------------------------------------------------------------ native file
    def _save_native(self, fname, meta):
        booster = self.booster_.copy()  # the attributes go on a copy
        booster.set_attr(**{_persist.KEY: meta})
        serving_objective(booster, self.target_type_)
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
        training_objective(booster)
        return booster, meta


#: Booster attribute of a saved file: the training objective and
#: ``base_score`` that :func:`serving_objective` replaced.
NATIVE_KEY = "focalboost_training_objective"


def _learner(booster: xgb.Booster) -> dict:
    return json.loads(booster.save_config())["learner"]


def serving_objective(booster: xgb.Booster, target_type: str) -> None:
    """Give a booster to be saved the objective XGBoost's own loaders serve.

    focalboost trains with ``reg:squarederror`` (identity link, ``base_score``
    the focal intercept as a margin), under which ``xgboost.Booster.predict``
    and ``XGBClassifier.predict_proba`` would hand out raw margins. The saved
    file says ``binary:logistic`` (binary, multi-label; ``base_score`` the
    intercept's sigmoid, XGBoost's convention) or ``multi:softprob``
    (multiclass; ``base_score`` stays a margin), so they return the focal
    probabilities, and margins with ``output_margin=True``. The training
    objective and ``base_score`` are kept in the :data:`NATIVE_KEY` attribute
    for :func:`training_objective`.
    """
    learner = _learner(booster)
    objective = learner["objective"]["name"]
    base_score = learner["learner_model_param"]["base_score"]
    if objective != "reg:squarederror":
        return
    booster.set_attr(
        **{NATIVE_KEY: json.dumps({"objective": objective, "base_score": base_score})}
    )
    if target_type == "multiclass":
        booster.set_param({"objective": "multi:softprob"})
        return
    margins = np.atleast_1d(np.asarray(json.loads(base_score), dtype=np.float64))
    # binary:logistic needs 0 < base_score < 1 as a float32: a label seen with
    # one class only (intercept +-36) is clipped to about +-16.6
    proba = np.clip(expit(margins), 2.0**-126, 1.0 - 2.0**-24)
    booster.set_param(
        {
            "objective": "binary:logistic",
            "base_score": "[" + ",".join(repr(float(p)) for p in proba) + "]",
        }
    )


def training_objective(booster: xgb.Booster) -> None:
    """Undo :func:`serving_objective` on a loaded booster (bit-identical margins).

    A file without the attribute (written before it existed) is left as it is.
    """
    text = booster.attr(NATIVE_KEY)
    if text is None:
        return
    native = json.loads(text)
    booster.set_param(
        {"objective": native["objective"], "base_score": native["base_score"]}
    )
    booster.set_attr(**{NATIVE_KEY: None})
