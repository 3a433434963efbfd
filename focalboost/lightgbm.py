"""Focal-loss classifier on :func:`lightgbm.train` (public API only)."""

from __future__ import annotations

from typing import Any, Literal

import lightgbm as lgb
import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

from . import _persist
from ._base import FocalClassifierMixin, check_int, check_real
from ._input import categorical_indices
from ._objective import EarlyStopping, LightGBMMetric, LightGBMObjective

__all__ = ["FocalLGBMClassifier"]


def _lgb_data(X):
    # LightGBM recognises scipy sparse *matrices* only, not sparse arrays.
    if sp.issparse(X) and not isinstance(X, sp.spmatrix):
        return sp.csr_matrix(X) if X.format == "csr" else sp.csc_matrix(X)
    return X


class _LightGBMEarlyStopping:
    """:class:`~focalboost._objective.EarlyStopping` as a LightGBM callback.

    Unlike ``lightgbm.early_stopping`` (which watches every validation set),
    only the last ``eval_set`` entry drives stopping, as with XGBoost.
    """

    order = 30
    before_iteration = False

    def __init__(self, stopper: EarlyStopping):
        self.stopper = stopper

    def __call__(self, env):
        if self.stopper.should_stop():
            raise lgb.callback.EarlyStopException(
                self.stopper.best_round, env.evaluation_result_list
            )


class FocalLGBMClassifier(FocalClassifierMixin):
    """Gradient-boosted trees trained with the binary focal loss via LightGBM.

    The focal-optimal constant margin (``intercept_``) is passed as
    ``init_score`` to the training and every evaluation ``Dataset``; LightGBM
    does not store ``init_score`` in the model, so after training it is added
    to every leaf of the first round's trees, and a booster saved with
    ``save_model`` predicts the full margin. Sample weights are applied inside
    the objective (LightGBM ignores ``Dataset`` weights for a callable
    objective); ``feature_pre_filter`` is off so tiny data sets work.

    Parameters
    ----------
    alpha : float in (0, 1), array-like, "balanced" or None, default=None
        Focal class weights. Binary: weight of the positive class
        (``classes_[1]``), the negative class gets ``1 - alpha``. Multiclass:
        an array of ``n_classes`` positive weights (a scalar weighs all classes
        alike). Multi-label: a float in (0, 1) or one per label, the positive
        weight of each label. ``None``: no class weighting; ``"balanced"``:
        derived from the weighted class frequencies (binary: ``alpha`` = share
        of the negative class; see :mod:`focalboost.losses`).
    gamma : float >= 0, default=2.0
        Focusing parameter; ``gamma=0`` and ``alpha=None`` is the log loss.
    hessian : {"surrogate", "clipped"}, default="surrogate"
        Hessian policy, see :data:`focalboost.losses.HESSIAN_POLICIES`.
    probability : {"posterior", "focal"}, default="posterior"
        What ``predict_proba`` returns (read at predict time, so it can be
        switched on a fitted model with ``set_params``). ``"posterior"``: the
        class posterior estimated from the focal margin by the closed-form
        inverse of the focal risk minimiser (see
        :meth:`focalboost.BinaryFocalLoss.posterior_raw_prediction`),
        which undoes both the focusing (``gamma``) and the class weighting
        (``alpha``): a 0.5 threshold is then the Bayes decision for accuracy.
        ``"focal"``: the link of the raw margin (``expit`` / ``softmax``),
        pulled toward 0.5 by ``gamma`` and shifted by ``alpha``. ``predict``
        is the argmax of ``predict_proba`` and ``decision_function`` its
        log-odds in either mode; rankings within a class (PR-AUC, ROC-AUC)
        are the same in both.
    n_estimators : int, default=100
        Number of boosting rounds (0 gives the intercept-only model).
    learning_rate : float, default=0.1
        Shrinkage.
    num_leaves : int, default=31
        Maximum leaves per tree.
    max_depth : int, default=-1
        Maximum depth (-1: no limit).
    min_child_weight : float, default=1e-3
        Minimum sum of Hessians in a leaf, in log-loss Hessian units
        (LightGBM's own default): the fit passes LightGBM
        ``min_sum_hessian_in_leaf = min_child_weight * hessian_scale_``, the
        ratio of the focal to the log-loss Hessians at the start of training
        (so ``gamma=0, alpha=None`` is ``lightgbm.LGBMClassifier()``'s
        model), and at least 1e-10 (below which LightGBM's split search
        fails). ``min_child_samples`` is usually the binding constraint. A
        value in ``booster_params`` (under any LightGBM alias) is passed
        unscaled.
    min_child_samples : int, default=20
        ``min_data_in_leaf``.
    subsample : float in (0, 1], default=1.0
        ``bagging_fraction`` (active when ``subsample_freq > 0``).
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
        ``num_threads``; None lets LightGBM decide.
    random_state : int, RandomState instance or None, default=None
        ``seed``. When set, also ``deterministic=True`` and
        ``force_col_wise=True``, so that refits are bit-identical (override
        them in ``booster_params`` if speed matters more).
    device_type : str, default="cpu"
        LightGBM device (``"cpu"``, ``"gpu"``, ``"cuda"``).
    early_stopping_rounds : int or None, default=None
        Stop when the last ``eval_set`` entry's metric has not improved for
        this many rounds; predictions then use the best round.
    eval_metric : None, str or callable, default=None
        Metric recorded on ``eval_set``: None is the focal loss; see
        :func:`focalboost._objective.resolve_eval_metric`.
    importance_type : {"split", "gain"}, default="split"
        What :attr:`feature_importances_` reports, as in
        :class:`lightgbm.LGBMClassifier`: split counts or total gains (not
        normalised).
    booster_params : dict or None, default=None
        Any other native LightGBM parameter, passed to :func:`lightgbm.train`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,) or (n_labels,)
        Class labels (binary, multiclass) or ``arange(n_labels)`` (multi-label
        indicator ``y``), as in scikit-learn.
    target_type_ : {"binary", "multiclass", "multilabel-indicator"}
        The target type seen in ``fit``.
    n_outputs_ : int
        Margins per sample: 1 (binary), ``n_classes`` or ``n_labels``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` had string column names.
    categories_ : dict
        ``{column name: categories}`` of the categorical columns of a pandas
        (``category``) or polars (``Categorical``/``Enum``) ``X``, split on
        natively; at predict time values are matched to these categories by
        value and an unseen value is a missing value. Empty otherwise.
    alpha_ : float, ndarray or None
        The resolved ``alpha`` (numbers when ``alpha="balanced"``).
    intercept_ : float or ndarray of shape (``n_outputs_``,)
        The focal-optimal constant margin(s) (added to the booster's raw score).
    hessian_scale_ : float
        Total focal Hessian at ``intercept_`` over the total log-loss Hessian
        at the log-loss intercept (1 at ``gamma=0, alpha=None``); the native
        ``min_child_weight`` is ``min_child_weight * hessian_scale_``.
    booster_ : lightgbm.Booster
        The fitted booster.
    best_iteration_ : int
        0-based index of the last round used for prediction.
    evals_result_ : dict
        Per-round metric history, ``{"validation_0": {"focal": [...]}, ...}``.

    Notes
    -----
    Inputs: dense arrays (float32 is kept), scipy sparse CSR/CSC (XGBoost
    treats an absent entry as missing, LightGBM as zero), pandas and polars
    frames (categorical columns as above; text columns are refused by name),
    NaN as a missing value. Persistence: pickle/joblib, or :meth:`save_model`
    / :meth:`load_model` in the native format, which predict bit-identically.

    Explaining the model: ``booster_`` predicts the focal margin, intercept
    included (folded into the first round's leaves), which is
    :meth:`decision_function` with ``probability="focal"``; SHAP values of
    ``booster_`` (``shap.TreeExplainer(clf.booster_)`` or
    ``booster_.predict(..., pred_contrib=True)``) add up to that margin. With
    the default ``probability="posterior"`` the decision function is a
    monotone map of the margin (``loss_.posterior_raw_prediction``), so the
    same SHAP values rank features and samples the same way but do not add
    up to it.

    Where this differs from :class:`lightgbm.LGBMClassifier`, on purpose:

    - the objective, the intercept (``init_score`` during training) and the
      probability link are focalboost's; ``predict_proba`` is the posterior
      estimate (see ``probability``);
    - ``min_child_weight`` is in log-loss Hessian units (see above);
    - ``best_iteration_`` is the 0-based index of the last round used, also
      without early stopping (LightGBM's is 1-based, and 0 without it);
    - only the last ``eval_set`` entry drives early stopping (LightGBM
      watches every one), and the eval sets are named ``validation_i``
      (LightGBM: ``valid_i``);
    - a multi-label indicator target trains one model with one output per
      label (LGBMClassifier refuses such targets).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from focalboost import FocalLGBMClassifier
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> clf = FocalLGBMClassifier(alpha=0.25, gamma=2.0, n_estimators=20).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

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
    _reserved_params = frozenset(
        {
            "objective",
            "metric",
            "num_class",
            "init_score",
            "alpha",
            "gamma",
            "num_iterations",
            "n_estimators",
            "num_boost_round",
            "num_trees",
        }
    )

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
    ):
        self.alpha = alpha
        self.gamma = gamma
        self.hessian = hessian
        self.probability = probability
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_weight = min_child_weight
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.subsample_freq = subsample_freq
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.reg_alpha = reg_alpha
        self.max_bin = max_bin
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.device_type = device_type
        self.early_stopping_rounds = early_stopping_rounds
        self.eval_metric = eval_metric
        self.importance_type = importance_type
        self.booster_params = booster_params

    def _backend_params(self) -> dict[str, Any]:
        if not isinstance(self.device_type, str):
            raise TypeError(f"device_type must be a string; got {self.device_type!r}.")
        params: dict[str, Any] = {
            "learning_rate": check_real(
                "learning_rate", self.learning_rate, low=0, low_open=True
            ),
            "num_leaves": check_int("num_leaves", self.num_leaves, low=2),
            "max_depth": check_int("max_depth", self.max_depth, low=-1),
            "min_sum_hessian_in_leaf": check_real(
                "min_child_weight", self.min_child_weight, low=0
            ),
            "min_data_in_leaf": check_int(
                "min_child_samples", self.min_child_samples, low=0
            ),
            "bagging_fraction": check_real(
                "subsample", self.subsample, low=0, high=1, low_open=True
            ),
            "bagging_freq": check_int("subsample_freq", self.subsample_freq, low=0),
            "feature_fraction": check_real(
                "colsample_bytree", self.colsample_bytree, low=0, high=1, low_open=True
            ),
            "lambda_l2": check_real("reg_lambda", self.reg_lambda, low=0),
            "lambda_l1": check_real("reg_alpha", self.reg_alpha, low=0),
            "max_bin": check_int("max_bin", self.max_bin, low=2),
            "device_type": self.device_type,
            "feature_pre_filter": False,
            "verbosity": -1,
        }
        if self.n_jobs is not None:
            params["num_threads"] = check_int("n_jobs", self.n_jobs)
        seed = self._seed()
        if seed is not None:
            # bit-identical refits: a fixed histogram layout (LightGBM otherwise
            # times row- and column-wise at construction and keeps the faster)
            # and deterministic summation; booster_params may override both
            params.update(seed=seed, deterministic=True, force_col_wise=True)
        params.update(self.booster_params or {})
        params["metric"] = "None"
        return params

    def _init_score(self, n_rows):
        return (
            np.tile(self.intercept_, (n_rows, 1))
            if self.n_outputs_ > 1
            else (np.full(n_rows, self.intercept_))
        )

    def _fit_backend(self, X, y, w, evals, loss, metric, params):
        dataset_params = {
            "feature_pre_filter": False,
            "verbosity": -1,
            "max_bin": params["max_bin"],
        }
        if self.n_outputs_ > 1:
            params = dict(params, num_class=self.n_outputs_)

        def label(y_enc):
            # LightGBM labels are 1-D; the objective and metric own the real
            # targets, so a multi-label indicator is represented by zeros.
            return y_enc if y_enc.ndim == 1 else np.zeros(y_enc.shape[0])

        # category codes of pandas/polars categorical columns (focalboost._input)
        cats = categorical_indices(self) or "auto"
        train = lgb.Dataset(
            _lgb_data(X),
            label=label(y),
            init_score=self._init_score(X.shape[0]),
            params=dataset_params,
            free_raw_data=True,
            categorical_feature=cats,
        )
        if self.n_estimators == 0:
            self.booster_ = lgb.Booster(dict(params, objective="none"), train)
            self.best_iteration_ = -1
            self.evals_result_ = {}
            return
        valid_sets, valid_names, sets = [], [], {}
        for i, e in enumerate(evals):
            dataset = lgb.Dataset(
                _lgb_data(e.X),
                label=label(e.y),
                init_score=self._init_score(e.X.shape[0]),
                reference=train,
                params=dataset_params,
                categorical_feature=cats,
            )
            valid_sets.append(dataset)
            valid_names.append(f"validation_{i}")
            sets[id(dataset)] = (f"validation_{i}", e.y, e.sample_weight)
        recorder = LightGBMMetric(metric, sets)
        callbacks = []
        if self.early_stopping_rounds is not None:
            stopper = EarlyStopping(
                recorder.history[valid_names[-1]],
                self.early_stopping_rounds,
                metric.greater_is_better,
            )
            callbacks.append(_LightGBMEarlyStopping(stopper))
        objective = LightGBMObjective(loss, y, w, self.hessian, self._kernel_threads())
        params = dict(params, objective=objective)
        booster = lgb.train(
            params,
            train,
            num_boost_round=self.n_estimators,
            valid_sets=valid_sets or None,
            valid_names=valid_names or None,
            feval=recorder if valid_sets else None,
            callbacks=callbacks or None,
        )
        self.booster_ = booster
        if self.early_stopping_rounds is not None:
            self.best_iteration_ = stopper.best_round
        else:
            self.best_iteration_ = booster.current_iteration() - 1
        self._store_intercept(booster)
        self.evals_result_ = {
            name: {metric.name: list(values)}
            for name, values in recorder.history.items()
        }
        self._set_booster_best_score()

    def _set_booster_best_score(self) -> None:
        """``booster_.best_score`` as plain dicts (the values of ``best_score_``).

        ``lightgbm.train`` leaves a ``defaultdict(OrderedDict)`` there, a type
        that secure loaders such as ``skops.io`` do not trust.
        """
        self.booster_.best_score = self.best_score_

    def _store_intercept(self, booster):
        """Add the intercept to every leaf of the first round's trees.

        LightGBM does not save ``init_score`` in the model, so a booster saved
        with ``save_model`` would predict without it. Folding the constant into
        the first round's leaves (tree ``k`` is output ``k``) makes the native
        model predict the full margin; it changes no split.
        """
        k = self.n_outputs_
        if self.best_iteration_ < 0 or booster.num_trees() < k:
            return
        intercept = np.broadcast_to(self.intercept_, (k,))
        for info in booster.dump_model(num_iteration=1)["tree_info"][:k]:
            tree = info["tree_index"]
            for leaf in range(info["num_leaves"]):
                value = booster.get_leaf_output(tree, leaf) + float(intercept[tree])
                booster.set_leaf_output(tree, leaf, value)

    def _margin(self, X):
        n_rounds = self.best_iteration_ + 1
        shape = X.shape[0] if self.n_outputs_ == 1 else (X.shape[0], self.n_outputs_)
        if n_rounds == 0:
            return np.broadcast_to(self.intercept_, shape).astype(np.float64)
        raw = self.booster_.predict(
            _lgb_data(X), raw_score=True, num_iteration=n_rounds
        )
        return raw.reshape(shape)  # the intercept is in the first round's leaves

    def _save_native(self, fname, meta):
        # LightGBM keeps no user attributes: the metadata is a header line of
        # the text model, which LightGBM's loader skips as an unknown key
        n_rounds = self.best_iteration_ + 1  # the model predict uses
        text = self.booster_.model_to_string(num_iteration=n_rounds or -1)
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
            booster = lgb.Booster(model_str=text)
        except lgb.basic.LightGBMError as exc:
            raise ValueError(
                f"{fname!r} is not a LightGBM model file: {str(exc).splitlines()[0]}"
            ) from None
        return booster, meta

    _importance_types = ("split", "gain")

    def _feature_importances(self, importance_type: str) -> np.ndarray:
        # the rule of lightgbm.LGBMClassifier.feature_importances_ (booster_
        # holds only the rounds predict uses)
        return self.booster_.feature_importance(importance_type=importance_type)

    @property
    def best_score_(self) -> dict[str, dict[str, float]]:
        """Metric of every ``eval_set`` entry at ``best_iteration_``.

        ``{"validation_0": {metric name: value}, ...}``, as
        :attr:`lightgbm.LGBMClassifier.best_score_` (empty without an
        ``eval_set``).
        """
        check_is_fitted(self)
        best = self.best_iteration_
        return {
            name: {metric: float(values[best]) for metric, values in h.items()}
            for name, h in self.evals_result_.items()
        }

    def _n_splits(self) -> int:
        used = self.booster_.feature_importance(
            "split", iteration=self.best_iteration_ + 1
        )
        return int(np.sum(used))
