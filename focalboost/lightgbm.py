"""Focal-loss classifier on :func:`lightgbm.train` (public API only).

What is specific to LightGBM: the objective and metric call signatures, the
``Dataset`` with the intercept as ``init_score``, folding the intercept into
the first round's leaves, and the native text model. Everything else is the
contract in :mod:`focalboost._base`.
"""

from __future__ import annotations

import inspect
import json
import numbers
import os

import lightgbm as lgb
import numpy as np
import scipy.sparse as sp
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
from ._compat import lightgbm_parameter_names
from ._input import categorical_indices
from ._objective import FocalObjective
from ._params import LIGHTGBM, LIGHTGBM_RESERVED, backend_keywords, make_init
from ._training import TrainingLog
from ._validation import check_eval_set

__all__ = [
    "FocalLGBMClassifier",
    "LightGBMEarlyStopping",
    "LightGBMEval",
    "LightGBMObjective",
    "lgb_data",
]


def lgb_data(X):
    """``X`` as LightGBM takes it (scipy sparse *matrices*, not sparse arrays)."""
    if sp.issparse(X) and not isinstance(X, sp.spmatrix):
        return sp.csr_matrix(X) if X.format == "csr" else sp.csc_matrix(X)
    return X


class LightGBMObjective(FocalObjective):
    """``params["objective"]`` callable for :func:`lightgbm.train`.

    Returns float32 arrays where the compiled kernel runs: LightGBM keeps
    float32 gradients and would convert float64 ones itself (the same values,
    a copy every round).
    """

    output_dtype = np.float32

    @staticmethod
    def softmax_hessian_factor(n_classes: int) -> float:
        """LightGBM ``multiclass`` writes ``K / (K - 1) p (1 - p)``."""
        return n_classes / (n_classes - 1)


class LightGBMEval:
    """``feval=`` callable on a :class:`~focalboost._training.TrainingLog`.

    Parameters
    ----------
    log : TrainingLog
        The record.
    sets : dict
        ``{id(dataset): (name, y_true, sample_weight)}``.
    """

    def __init__(self, log: TrainingLog, sets: dict):
        self.log = log
        self.sets = sets

    def __call__(self, preds, eval_data):
        """Return ``[(metric name, value, greater is better), ...]`` on ``eval_data``.

        Every metric of ``eval_metric`` under its LightGBM name, so that
        LightGBM's callbacks (``record_evaluation``, ``early_stopping``,
        ``log_evaluation``) see them as LGBMClassifier's.
        """
        name, y_true, weight = self.sets[id(eval_data)]
        return self.log.evaluate(name, y_true, preds, weight)


class LightGBMEarlyStopping:
    """The log's early stopping as a LightGBM callback.

    LightGBM's rule (:class:`~focalboost._training.TrainingLog` with
    ``stopping="any"``): every metric on every evaluation set is watched
    and the first that has not improved for ``early_stopping_rounds``
    rounds stops training at its best round (only the first metric with
    ``first_metric_only=True``), as ``lightgbm.early_stopping`` does, on
    the full-precision record. When no metric stalls, the last round stops
    at the best round of the first watched metric, as LightGBM's does, so
    that ``lightgbm.train`` keeps the rounds up to it.
    """

    order = 30
    before_iteration = False

    def __init__(self, log: TrainingLog):
        self.log = log

    def __call__(self, env):
        """Raise LightGBM's EarlyStopException when the log says to stop."""
        if self.log.rounds is None:
            return
        if self.log.should_stop():
            best = self.log.best_round
        elif env.iteration == env.end_iteration - 1:
            best = self.log.best_iteration(env.iteration - env.begin_iteration + 1)
        else:
            return
        raise lgb.callback.EarlyStopException(
            env.begin_iteration + best, env.evaluation_result_list
        )


#: The estimator's parameters: the table, then every other keyword of
#: :class:`lightgbm.LGBMClassifier`, passed as is (LightGBM resolves them).
PARAMS = backend_keywords(
    LIGHTGBM, inspect.signature(lgb.LGBMClassifier.__init__), "lightgbm.LGBMClassifier"
)
#: Every parameter name LightGBM knows (main names and aliases).
NATIVE_NAMES = lightgbm_parameter_names(lgb)
#: LightGBM's names of ``boosting`` (``"rf"`` is refused, see ``_fixed_params``).
_BOOSTING = ("boosting", "boosting_type", "boost")

#: Backend words of the generated docstring sections.
DOC_WORDS = dict(
    booster="lightgbm.Booster",
    intercept="added to the booster's raw score by the first round's leaves",
)
_SECTIONS = estimator_sections(
    PARAMS,
    **DOC_WORDS,
    cls="FocalLGBMClassifier",
    extra_attributes=[
        (
            "feature_importances_",
            "ndarray of shape (``n_features_in_``,)",
            "Importances by ``importance_type``, as LGBMClassifier reports them.",
        ),
        ("n_classes_", "int", "``len(classes_)``."),
        (
            "best_score_",
            "dict",
            "Metric of every ``eval_set`` entry at ``best_iteration_``.",
        ),
        (
            "best_iteration_",
            "int",
            "LightGBM's: the 1-based best round after early stopping, 0 without it.",
        ),
        (
            "n_iter_, n_estimators_",
            "int",
            "Boosting rounds trained (LightGBM's attributes).",
        ),
        ("n_features_", "int", "``n_features_in_`` (LightGBM's name)."),
        ("feature_name_", "list of str", "The booster's feature names."),
        ("objective_", "loss object", "The training loss, :attr:`loss_`."),
    ],
)


@fill_doc(
    **_SECTIONS,
    explain=paragraph(
        NOTES["explain"].format(
            where=" (folded into the first round's leaves)", contrib="pred_contrib"
        )
    ),
)
@own_examples("model.txt")
class FocalLGBMClassifier(FocalClassifierMixin):
    """Gradient-boosted trees trained with a focal loss via LightGBM.

    Binary, multiclass (softmax focal loss) and multi-label (per-label sigmoid
    focal loss, one model with one output per label) targets. The
    focal-optimal constant margin (``intercept_``) is passed as
    ``init_score`` to the training and every evaluation ``Dataset``; LightGBM
    does not store ``init_score`` in the model, so after training it is added
    to every leaf of the first round's trees, and a booster saved with
    ``save_model`` predicts the full margin. Sample weights are applied inside
    the objective (LightGBM ignores ``Dataset`` weights for a callable
    objective); ``feature_pre_filter`` is off so tiny data sets work.

    %(parameters)s

    %(attributes)s

    Notes
    -----
    %(inputs)s

    %(explain)s

    Where this differs from :class:`lightgbm.LGBMClassifier`, on purpose:

    - the objective, the intercept (``init_score`` during training) and the
      probability link are focalboost's; ``predict_proba`` is the posterior
      estimate (see ``probability``);
    - ``min_child_weight`` is in log-loss Hessian units (see above);
    - metrics are computed on focalboost's probabilities (``predict_proba``)
      under LightGBM's names, in full float64;
    - ``objective_`` is the focal loss object (:attr:`loss_`);
    - a multi-label indicator target trains one model with one output per
      label (LGBMClassifier refuses such targets).

    Examples
    --------
    %(examples)s
    """

    _params = PARAMS
    _known_native = staticmethod(NATIVE_NAMES.__contains__)
    _eval_name = "valid_{i}"
    _metric_backend = "lightgbm"
    _margin_name = "init_score"
    _doc_words = DOC_WORDS
    _reserved_params = LIGHTGBM_RESERVED
    _min_child_weight_keys = (
        "min_sum_hessian_in_leaf",
        "min_sum_hessian_per_leaf",
        "min_sum_hessian",
        "min_hessian",
        "min_child_weight",
    )
    #: LightGBM's split search fails ("Check failed: left_count > 0") when
    #: leaf Hessian sums near 1e-17 are allowed (gamma=40 with
    #: min_sum_hessian_in_leaf=0); 1e-10 of curvature carries no signal.
    _min_child_weight_floor = 1e-10
    _min_child_rows_keys = (
        "min_data_in_leaf",
        "min_data_per_leaf",
        "min_data",
        "min_child_samples",
        "min_samples_leaf",
    )
    __init__ = make_init(PARAMS, "FocalLGBMClassifier", __name__)

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
        *,
        eval_X=None,
        eval_y=None,
    ):
        """Fit the focal-loss boosted model (the keywords of ``LGBMClassifier.fit``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training features; NaN marks a missing value.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Binary or multiclass labels of any type (strings, bools,
            integers), or a 0/1 indicator matrix for multi-label.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, applied inside the objective (Hessian policy
            first, then the weight). Zero-weight rows are dropped.
        init_score : array-like of shape (n_samples,) or (n_samples, n_outputs), \
default=None
            The training's starting margin, as in LightGBM: the model is then
            the trees added to it (``intercept_`` is 0, and predictions do
            not include ``init_score``).
        eval_set : list of (X, y) tuples, default=None
            Validation sets; the last one drives ``early_stopping_rounds``.
        eval_names : list of str, default=None
            Names of the validation sets (default ``valid_i``, as LightGBM).
        eval_sample_weight : list of array-like, default=None
            Weights of each validation set.
        eval_class_weight : None
            Refused: weigh the validation rows with ``eval_sample_weight``.
        eval_init_score : list of array-like, default=None
            Starting margins of the validation sets.
        eval_metric : str, callable or list of them, default=None
            LightGBM's meaning: metrics of this fit, recorded before those
            of the estimator's ``eval_metric`` (same names and callables).
        feature_name : list of str or "auto", default="auto"
            Feature names of the booster ("auto": a DataFrame's columns).
        categorical_feature : list of int or str, or "auto", default="auto"
            More columns split on as categories (non-negative integer codes),
            by position or name; the categorical columns of a DataFrame
            always are.
        callbacks : list of callable, default=None
            LightGBM callbacks (``lightgbm.early_stopping``,
            ``log_evaluation``, ``record_evaluation``, ...); the model keeps
            the best round an early-stopping callback chose.
        init_model : lightgbm.Booster, FocalLGBMClassifier, LGBMModel or path, \
default=None
            Continue training this model: its margin (intercept included) is
            the new rounds' starting margin, and the new trees are added to
            its trees.
        eval_X : array-like or tuple of array-like, default=None
            Features of the validation sets (LightGBM's replacement of
            ``eval_set``, with ``eval_y``).
        eval_y : array-like or tuple of array-like, default=None
            Labels of the validation sets.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if eval_X is not None or eval_y is not None:
            if eval_set is not None:
                raise ValueError("pass eval_set or eval_X / eval_y, not both.")
            many = isinstance(eval_X, tuple) and isinstance(eval_y, tuple)
            eval_X, eval_y = (eval_X, eval_y) if many else ((eval_X,), (eval_y,))
            if len(eval_X) != len(eval_y) or any(v is None for v in eval_X + eval_y):
                raise ValueError(
                    "eval_X and eval_y must both be given, one label array per "
                    "feature matrix."
                )
            eval_set = list(zip(eval_X, eval_y, strict=True))
        if eval_names is None and check_eval_set(eval_set, eval_sample_weight):
            # LightGBM's name of an entry that is the training data itself,
            # which its early stopping (and focalboost's) does not watch
            eval_names = [
                "training" if (Xe is X and ye is y) else f"valid_{i}"
                for i, (Xe, ye) in enumerate(eval_set)
            ]
        if eval_class_weight is not None:
            raise ValueError(
                f"eval_class_weight={eval_class_weight!r} is not supported: pass "
                "the validation rows' weights as eval_sample_weight."
            )
        # LightGBM's meaning: this fit's metrics, before the estimator's
        # (see _eval_metrics)
        self._fit_eval_metric = eval_metric
        try:
            return self._fit_with(
                X,
                y,
                FitArgs(
                    sample_weight=sample_weight,
                    eval_set=eval_set,
                    eval_sample_weight=eval_sample_weight,
                    eval_names=eval_names,
                    init_margin=init_score,
                    eval_init_margin=eval_init_score,
                    init_model=init_model,
                    callbacks=list(callbacks or []),
                    feature_name=feature_name,
                    categorical_feature=categorical_feature,
                ),
            )
        finally:
            del self._fit_eval_metric

    def _fixed_params(self, params, seed, booster_params):
        booster_params = dict(booster_params)
        verbosity = booster_params.pop("verbose", booster_params.pop("verbosity", -1))
        params.update(feature_pre_filter=False, verbosity=verbosity)
        if seed is not None:
            # bit-identical refits: a fixed histogram layout (LightGBM otherwise
            # times row- and column-wise at construction and keeps the faster)
            # and deterministic summation; booster_params may override both
            params.update(seed=seed, deterministic=True, force_col_wise=True)
        params.update(booster_params)
        params["metric"] = "None"
        for name in _BOOSTING:
            if params.get(name) in ("rf", "random_forest"):
                raise ValueError(
                    f"{name}={params[name]!r} is not supported: LightGBM's random "
                    "forest mode cannot start from a given margin (init_score), "
                    "which is how focalboost trains from the focal-optimal "
                    "intercept. Use boosting_type='gbdt' with subsample<1, "
                    "subsample_freq=1 and colsample_bytree<1 for bagged trees."
                )
        return params

    # -------------------------------------------------------------- training
    def _init_score(self, n_rows):
        if self.n_outputs_ > 1:
            return np.tile(self.intercept_, (n_rows, 1))
        return np.full(n_rows, self.intercept_)

    def _dataset(
        self,
        X,
        y,
        params,
        reference=None,
        *,
        init_score=None,
        feature_name="auto",
        categorical="auto",
    ):
        # LightGBM labels are 1-D; the objective and metric own the real
        # targets, so a multi-label indicator is represented by zeros
        label = y if y.ndim == 1 else np.zeros(y.shape[0])
        return lgb.Dataset(
            lgb_data(X),
            label=label,
            init_score=init_score,
            reference=reference,
            params={
                "feature_pre_filter": False,
                "verbosity": params["verbosity"],
                "max_bin": params["max_bin"],
            },
            free_raw_data=True,
            feature_name=feature_name,
            categorical_feature=categorical,
        )

    def _feature_name(self, feature_name) -> list[str] | str:
        """Return the booster's feature names: ``feature_name`` or the frame's."""
        if not (isinstance(feature_name, str) and feature_name == "auto"):
            names = list(feature_name)
            if len(names) != self.n_features_in_ or not all(
                isinstance(n, str) for n in names
            ):
                raise ValueError(
                    f"feature_name must be 'auto' or {self.n_features_in_} "
                    f"strings, one per column; got {feature_name!r}."
                )
            return names
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            return "auto"
        names = [str(n) for n in names]
        # names LightGBM takes as they are (it rewrites or refuses others)
        usable = len(set(names)) == len(names) and not any(
            c.isspace() or c in "\"',:[]{}" for n in names for c in n
        )
        return names if usable else "auto"

    def _categorical(self, categorical_feature, names) -> list[int] | str:
        """Categorical columns: a DataFrame's, plus ``categorical_feature``."""
        cats = set(categorical_indices(self))
        if not (isinstance(categorical_feature, str) and categorical_feature == "auto"):
            known = list(names) if not isinstance(names, str) else []
            if not known and getattr(self, "feature_names_in_", None) is not None:
                known = [str(n) for n in self.feature_names_in_]
            for c in categorical_feature:
                if isinstance(c, str) and c in known:
                    cats.add(known.index(c))
                elif (
                    isinstance(c, (int, np.integer))
                    and not isinstance(c, bool)
                    and 0 <= c < self.n_features_in_
                ):
                    cats.add(int(c))
                else:
                    raise ValueError(
                        f"categorical_feature has {c!r}, which is neither a "
                        f"column index below {self.n_features_in_} nor a "
                        "feature name."
                    )
        return sorted(cats) or "auto"

    def _init_booster(self, init_model) -> lgb.Booster:
        """Return the booster of ``init_model`` (booster, estimator or file)."""
        if isinstance(init_model, FocalLGBMClassifier):
            check_is_fitted(init_model)
            return init_model.booster_
        if isinstance(init_model, lgb.LGBMModel):
            return init_model.booster_
        if isinstance(init_model, lgb.Booster):
            return init_model
        if isinstance(init_model, (str, os.PathLike)):
            return self._load_native(os.fspath(init_model))[0]
        raise TypeError(
            "init_model must be a lightgbm.Booster, a fitted FocalLGBMClassifier "
            "or LGBMClassifier, or the path of a model file; got "
            f"{type(init_model).__name__}."
        )

    def _init_model_intercept(self, init_model):
        """Return the intercept of a focalboost ``init_model`` (None: others').

        The initial model's margin, intercept included (in its first round's
        leaves), is the new rounds' starting margin; another model's constant
        is in its own first trees.
        """
        if isinstance(init_model, FocalLGBMClassifier):
            check_is_fitted(init_model)
            return init_model.intercept_
        if isinstance(init_model, (str, os.PathLike)):
            meta = self._load_native(os.fspath(init_model))[1]
            if meta is not None:
                intercept = np.asarray(json.loads(meta)["intercept"], dtype=float)
                return float(intercept) if intercept.ndim == 0 else intercept
        return None

    def _fit_backend(self, X, y, w, evals, loss, log, params, args: FitArgs):
        if self.n_outputs_ > 1:
            params = dict(params, num_class=self.n_outputs_)
        names = self._feature_name(args.feature_name)
        columns = dict(
            feature_name=names,
            categorical=self._categorical(args.categorical_feature, names),
        )
        init = None if args.init_model is None else self._init_booster(args.init_model)

        def start(n_rows, margin):
            # the user's margin, the initial model's (LightGBM computes it), or
            # the intercept
            if margin is not None:
                return margin
            return self._init_score(n_rows) if init is None else None

        train = self._dataset(
            X, y, params, init_score=start(X.shape[0], args.init_margin), **columns
        )
        if self.n_estimators == 0:
            self.booster_ = lgb.Booster(dict(params, objective="none"), train)
            self._finish_training(log, 0)
            self._set_booster_best_score()
            return
        valid_sets, sets = [], {}
        for e in evals:
            dataset = self._dataset(
                e.X,
                e.y,
                params,
                reference=train,
                init_score=start(e.X.shape[0], e.init_margin),
                **columns,
            )
            valid_sets.append(dataset)
            sets[id(dataset)] = (e.name, e.y, e.sample_weight)
        objective = LightGBMObjective(loss, y, w, self.hessian, self._kernel_threads())
        callbacks = [LightGBMEarlyStopping(log)] if valid_sets else []
        booster = lgb.train(
            dict(params, objective=objective),
            train,
            num_boost_round=self.n_estimators,
            valid_sets=valid_sets or None,
            valid_names=[e.name for e in evals] or None,
            feval=LightGBMEval(log, sets) if valid_sets else None,
            callbacks=callbacks + list(args.callbacks) or None,
            init_model=init,
        )
        # an early stop chose the round (1-based): focalboost's, a callback of
        # the user's or LightGBM's own (its early_stopping_round parameter)
        stopped = booster.best_iteration - 1
        self._finish_training(
            log,
            booster.current_iteration(),
            stopped_at=stopped if stopped is not None and stopped >= 0 else None,
        )
        self.booster_ = booster
        if args.init_margin is not None:
            # LightGBM's meaning: the model is the trees added to the margin
            self.intercept_ = np.zeros_like(self.intercept_)[()]
        elif init is None:
            self._store_intercept(booster)
        self._set_booster_best_score()

    def _store_intercept(self, booster):
        """Add the intercept to every leaf of the first round's trees.

        LightGBM does not save ``init_score`` in the model, so a booster saved
        with ``save_model`` would predict without it. Folding the constant into
        the first round's leaves (tree ``k`` is output ``k``) makes the native
        model predict the full margin; it changes no split.
        """
        k = self.n_outputs_
        if self._best_round < 0 or booster.num_trees() < k:
            return
        intercept = np.broadcast_to(self.intercept_, (k,))
        for info in booster.dump_model(num_iteration=1)["tree_info"][:k]:
            tree = info["tree_index"]
            for leaf in range(info["num_leaves"]):
                value = booster.get_leaf_output(tree, leaf) + float(intercept[tree])
                booster.set_leaf_output(tree, leaf, value)

    def _set_booster_best_score(self) -> None:
        """``booster_.best_score`` as plain dicts (the values of ``best_score_``).

        ``lightgbm.train`` leaves a ``defaultdict(OrderedDict)`` there, a type
        that secure loaders such as ``skops.io`` do not trust.
        """
        self.booster_.best_score = self.best_score_

    # --------------------------------------------------------------- predict
    def _iteration_range(self, given: dict) -> tuple[int, int]:
        """LightGBM's ``start_iteration`` / ``num_iteration``, as ``Booster.predict``.

        ``num_iteration=None``: up to the best round (every remaining round
        when ``start_iteration > 0``); ``<= 0``: every round.
        """
        total = self.booster_.current_iteration() if self._best_round >= 0 else 0
        start = given.get("start_iteration", 0)
        num = given.get("num_iteration")
        for name, value in (("start_iteration", start), ("num_iteration", num)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, numbers.Integral)
            ):
                raise TypeError(f"{name} must be an integer; got {value!r}.")
        start = max(int(start or 0), 0)
        if num is None:
            end = self._n_rounds() if start == 0 else total
        elif num <= 0:
            end = total
        else:
            end = min(start + int(num), total)
        return min(start, end), end

    def _margin(self, X, start: int = 0, end: int | None = None, base_margin=None):
        end = self._n_rounds() if end is None else end
        shape = X.shape[0] if self.n_outputs_ == 1 else (X.shape[0], self.n_outputs_)
        if end == 0:
            return np.broadcast_to(self.intercept_, shape).astype(np.float64)
        raw = self.booster_.predict(
            lgb_data(X),
            raw_score=True,
            start_iteration=start,
            num_iteration=end - start,
        )
        return raw.reshape(shape)  # the intercept is in the first round's leaves

    def _predict_native(self, X, output, start, end, request):
        """``Booster.predict`` with ``pred_leaf`` / ``pred_contrib``."""
        if end == 0:
            raise ValueError(
                f"{type(self).__name__} has no boosting round: there are no leaves "
                "or contributions to report."
            )
        key = {"leaf": "pred_leaf", "contrib": "pred_contrib"}[output]
        return self.booster_.predict(
            lgb_data(X), start_iteration=start, num_iteration=end - start, **{key: True}
        )

    def _n_splits(self) -> int:
        used = self.booster_.feature_importance("split", iteration=self._n_rounds())
        return int(np.sum(used))

    # ------------------------------------------------ the backend's own view
    def _feature_importances(self, importance_type: str) -> np.ndarray:
        # the rule of lightgbm.LGBMClassifier.feature_importances_
        return self.booster_.feature_importance(importance_type=importance_type)

    @property
    def best_iteration_(self) -> int:
        """LightGBM's best iteration: 1-based, 0 without early stopping.

        As :attr:`lightgbm.LGBMClassifier.best_iteration_`: after early
        stopping (``early_stopping_rounds`` or a ``lightgbm.early_stopping``
        callback) the number of rounds ``predict`` uses; 0 otherwise
        (``predict`` then uses every round, :attr:`n_iter_`).
        """
        check_is_fitted(self)
        if getattr(self, "_early_stopped", False) and self._best_round >= 0:
            return self._best_round + 1
        return 0

    @property
    def best_score_(self) -> dict[str, dict[str, float]]:
        """Every metric of every ``eval_set`` entry at the round ``predict`` uses.

        ``{"valid_0": {metric name: value}, ...}``, as
        :attr:`lightgbm.LGBMClassifier.best_score_` (empty without an
        ``eval_set``).
        """
        check_is_fitted(self)
        best = self._best_round
        return {
            name: {metric: float(values[best]) for metric, values in h.items()}
            for name, h in self.evals_result_.items()
        }

    @property
    def n_iter_(self) -> int:
        """Boosting rounds trained (LightGBM's attribute; ``booster_`` holds them)."""
        check_is_fitted(self)
        return self.booster_.current_iteration() if self._best_round >= 0 else 0

    @property
    def n_estimators_(self) -> int:
        """Boosting rounds trained, as :attr:`lightgbm.LGBMClassifier.n_estimators_`."""
        return self.n_iter_

    @property
    def n_features_(self) -> int:
        """Number of features, as :attr:`lightgbm.LGBMClassifier.n_features_`."""
        check_is_fitted(self)
        return self.n_features_in_

    @property
    def feature_name_(self) -> list[str]:
        """The booster's feature names (``Column_0``... without DataFrame names)."""
        check_is_fitted(self)
        return self.booster_.feature_name()

    @property
    def objective_(self):
        """The training objective: focalboost's loss (:attr:`loss_`).

        LGBMClassifier reports its objective's name or the custom callable;
        focalboost's objective is the focal loss object.
        """
        check_is_fitted(self)
        return self.loss_

    # ------------------------------------------------------------ native file
    def _save_native(self, fname, meta):
        # LightGBM keeps no user attributes: the metadata is a header line of
        # the text model, which LightGBM's loader skips as an unknown key
        n_rounds = self._n_rounds()  # the model predict uses
        text = self.booster_.model_to_string(num_iteration=n_rounds or -1)
        text = serving_objective(text, self.target_type_, self.n_outputs_)
        head, sep, rest = text.partition("\n")
        with open(fname, "w", encoding="utf-8") as fh:
            fh.write(f"{head}{sep}{_persist.KEY}={meta}\n{rest}")

    def _load_native(self, fname):
        try:
            with open(fname, encoding="utf-8") as fh:
                lines = fh.read().split("\n")
        except OSError as exc:
            raise ValueError(f"cannot read {fname!r}: {exc}") from None
        except UnicodeDecodeError:
            raise ValueError(
                f"{fname!r} is not a LightGBM model file (not text)."
            ) from None
        prefix = f"{_persist.KEY}="
        meta = next((ln[len(prefix) :] for ln in lines if ln.startswith(prefix)), None)
        text = "\n".join(ln for ln in lines if not ln.startswith(prefix))
        try:
            booster = lgb.Booster(model_str=training_objective(text))
        except lgb.basic.LightGBMError as exc:
            raise ValueError(
                f"{fname!r} is not a LightGBM model file: {str(exc).splitlines()[0]}"
            ) from None
        return booster, meta


#: Header line of a saved text model: the objective lines that
#: :func:`serving_objective` replaced.
NATIVE_KEY = "focalboost_training_objective"
#: The objective LightGBM's own loaders serve, by target type.
SERVING_OBJECTIVES = {
    "binary": "binary sigmoid:1",
    "multiclass": "multiclass num_class:{k}",
    "multilabel-indicator": "multiclassova num_class:{k} sigmoid:1",
}


def serving_objective(text: str, target_type: str, n_outputs: int) -> str:
    """Return a text model whose objective LightGBM's own loaders serve.

    A callable objective leaves no ``objective=`` header line (and
    ``[objective: custom]`` among the parameters), under which
    ``lightgbm.Booster.predict`` returns raw margins. The saved file says
    ``binary``, ``multiclass`` or, for a multi-label target,
    ``multiclassova`` (one sigmoid per output), so ``predict`` returns the
    focal probabilities and ``raw_score=True`` the margins; the lines it
    replaced are kept in a :data:`NATIVE_KEY` header line for
    :func:`training_objective`. Trees and leaf values are untouched.
    """
    lines = text.split("\n")
    end = lines.index("") if "" in lines else len(lines)  # the header block
    header_at = next((i for i in range(end) if lines[i].startswith("objective=")), None)
    param_at = next(
        (i for i, ln in enumerate(lines) if ln.startswith("[objective: ")), None
    )
    native = {
        "header": None if header_at is None else lines[header_at],
        "parameter": None if param_at is None else lines[param_at],
    }
    objective = SERVING_OBJECTIVES[target_type].format(k=n_outputs)
    if param_at is not None:
        lines[param_at] = f"[objective: {objective.split()[0]}]"
    line = f"objective={objective}"
    if header_at is not None:
        lines[header_at] = line
    else:
        at = next((i for i in range(end) if lines[i].startswith("feature_names=")), end)
        lines.insert(at, line)
    lines.insert(1, f"{NATIVE_KEY}={json.dumps(native)}")
    return "\n".join(lines)


def training_objective(text: str) -> str:
    """Undo :func:`serving_objective` on a saved text model.

    A file without the :data:`NATIVE_KEY` line (written before it existed)
    is returned as it is.
    """
    lines = text.split("\n")
    prefix = f"{NATIVE_KEY}="
    at = next((i for i, ln in enumerate(lines) if ln.startswith(prefix)), None)
    if at is None:
        return text
    native = json.loads(lines.pop(at)[len(prefix) :])
    end = lines.index("") if "" in lines else len(lines)
    header_at = next(i for i in range(end) if lines[i].startswith("objective="))
    if native["header"] is None:
        del lines[header_at]
    else:
        lines[header_at] = native["header"]
    if native["parameter"] is not None:
        param_at = next(
            i for i, ln in enumerate(lines) if ln.startswith("[objective: ")
        )
        lines[param_at] = native["parameter"]
    return "\n".join(lines)
