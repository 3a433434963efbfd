"""Focal-loss classifier on :func:`xgboost.train` (public API only)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
import xgboost as xgb
from sklearn.utils.validation import check_is_fitted

from . import _persist
from ._base import FocalClassifierMixin, check_int, check_real
from ._input import categorical_indices
from ._objective import EarlyStopping, XGBoostMetric, XGBoostObjective

__all__ = ["FocalXGBClassifier"]


class _XGBoostEarlyStopping(xgb.callback.TrainingCallback):
    """:class:`~focalboost._objective.EarlyStopping` as an XGBoost callback."""

    def __init__(self, stopper: EarlyStopping):
        super().__init__()
        self.stopper = stopper

    def after_iteration(self, model, epoch, evals_log) -> bool:
        return self.stopper.should_stop()


class FocalXGBClassifier(FocalClassifierMixin):
    """Gradient-boosted trees trained with the binary focal loss via XGBoost.

    The focal-optimal constant margin is solved for first and stored as the
    booster's ``base_score`` (identity link), so it is the starting margin of
    the training and every evaluation set and survives ``save_model``.
    Sample weights are applied inside the objective (after the Hessian policy)
    and also given to the ``DMatrix`` so the quantile sketch sees them.

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
        (XGBoost's own ``gamma`` regulariser is ``min_split_loss`` here.)
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
    learning_rate : float, default=0.3
        XGBoost's ``eta``.
    max_depth : int, default=6
        Maximum tree depth (0: no limit, with ``grow_policy="lossguide"``).
    min_child_weight : float, default=1.0
        Minimum sum of Hessians in a child, in log-loss Hessian units
        (``p(1-p)``, XGBoost's own default of 1): the fit passes XGBoost
        ``min_child_weight * hessian_scale_``, the ratio of the focal to the
        log-loss Hessians at the start of training, so ``gamma=0,
        alpha=None`` is ``xgboost.XGBClassifier()``'s model and a focal loss
        gets splits at the focal Hessians' scale. A ``min_child_weight`` in
        ``booster_params`` is passed to XGBoost unscaled. See the user guide
        for the measurement behind this rule.
    subsample : float in (0, 1], default=1.0
        Row subsampling per tree.
    colsample_bytree : float in (0, 1], default=1.0
        Column subsampling per tree.
    reg_lambda : float >= 0, default=1.0
        L2 regularisation of leaf values.
    reg_alpha : float >= 0, default=0.0
        L1 regularisation of leaf values.
    min_split_loss : float >= 0, default=0.0
        XGBoost's ``gamma`` (minimum loss reduction to split).
    max_bin : int, default=256
        Histogram bins.
    tree_method : str, default="hist"
        XGBoost tree method.
    n_jobs : int or None, default=None
        Threads (``nthread``); None lets XGBoost decide.
    random_state : int, RandomState instance or None, default=None
        Seed of the booster's sampling.
    device : str or None, default=None
        XGBoost device, e.g. ``"cpu"`` or ``"cuda"``.
    early_stopping_rounds : int or None, default=None
        Stop when the last ``eval_set`` entry's metric has not improved for
        this many rounds; predictions then use the best round.
    eval_metric : None, str or callable, default=None
        Metric recorded on ``eval_set`` (and used for early stopping): None is
        the focal loss; see :func:`focalboost._objective.resolve_eval_metric`.
    importance_type : {"gain", "weight", "cover", "total_gain", "total_cover"} \
            or None, default=None
        What :attr:`feature_importances_` reports, as in
        :class:`xgboost.XGBClassifier`: None is ``"gain"`` (``"weight"`` for
        ``booster="gblinear"``); normalised to sum to 1.
    multi_strategy : {"one_output_per_tree", "multi_output_tree"}, \
            default="one_output_per_tree"
        For multiclass and multi-label targets: one tree per class/label and
        round, or one vector-leaf tree per round (``tree_method="hist"``).
    booster_params : dict or None, default=None
        Any other native XGBoost parameter, passed to :func:`xgboost.train`.

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
        The focal-optimal constant margin(s) (the booster's ``base_score``).
    hessian_scale_ : float
        Total focal Hessian at ``intercept_`` over the total log-loss Hessian
        at the log-loss intercept (1 at ``gamma=0, alpha=None``); the native
        ``min_child_weight`` is ``min_child_weight * hessian_scale_``.
    booster_ : xgboost.Booster
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
    included, which is :meth:`decision_function` with ``probability="focal"``;
    SHAP values of ``booster_`` (``shap.TreeExplainer(clf.booster_)`` or
    ``booster_.predict(..., pred_contribs=True)``) add up to that margin. With
    the default ``probability="posterior"`` the decision function is a
    monotone map of the margin (``loss_.posterior_raw_prediction``), so the
    same SHAP values rank features and samples the same way but do not add
    up to it.

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
    >>> from sklearn.datasets import make_classification
    >>> from focalboost import FocalXGBClassifier
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> clf = FocalXGBClassifier(alpha=0.25, gamma=2.0, n_estimators=20).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    _min_child_weight_keys = ("min_child_weight",)
    _reserved_params = frozenset(
        {
            "objective",
            "base_score",
            "num_class",
            "alpha",
            "gamma",
            "eval_metric",
            "disable_default_eval_metric",
            "num_target",
            "multi_strategy",
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
    ):
        self.alpha = alpha
        self.gamma = gamma
        self.hessian = hessian
        self.probability = probability
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_child_weight = min_child_weight
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.reg_alpha = reg_alpha
        self.min_split_loss = min_split_loss
        self.max_bin = max_bin
        self.tree_method = tree_method
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.device = device
        self.early_stopping_rounds = early_stopping_rounds
        self.eval_metric = eval_metric
        self.importance_type = importance_type
        self.multi_strategy = multi_strategy
        self.booster_params = booster_params

    def _backend_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "eta": check_real(
                "learning_rate", self.learning_rate, low=0, low_open=True
            ),
            "max_depth": check_int("max_depth", self.max_depth, low=0),
            "min_child_weight": check_real(
                "min_child_weight", self.min_child_weight, low=0
            ),
            "subsample": check_real(
                "subsample", self.subsample, low=0, high=1, low_open=True
            ),
            "colsample_bytree": check_real(
                "colsample_bytree", self.colsample_bytree, low=0, high=1, low_open=True
            ),
            "lambda": check_real("reg_lambda", self.reg_lambda, low=0),
            "alpha": check_real("reg_alpha", self.reg_alpha, low=0),
            "gamma": check_real("min_split_loss", self.min_split_loss, low=0),
            "max_bin": check_int("max_bin", self.max_bin, low=2),
            "tree_method": self.tree_method,
        }
        if not isinstance(self.tree_method, str):
            raise TypeError(f"tree_method must be a string; got {self.tree_method!r}.")
        if self.multi_strategy not in ("one_output_per_tree", "multi_output_tree"):
            raise ValueError(
                "multi_strategy must be 'one_output_per_tree' or 'multi_output_tree'; "
                f"got {self.multi_strategy!r}."
            )
        if self.n_jobs is not None:
            params["nthread"] = check_int("n_jobs", self.n_jobs)
        if self.device is not None:
            if not isinstance(self.device, str):
                raise TypeError(
                    f"device must be a string or None; got {self.device!r}."
                )
            params["device"] = self.device
        seed = self._seed()
        if seed is not None:
            params["seed"] = seed
        params.update(self.booster_params or {})
        # focalboost owns these: identity link so that base_score is a margin,
        # and no meaningless default metric.
        params["objective"] = "reg:squarederror"
        params["disable_default_eval_metric"] = 1
        return params

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

    def _fit_backend(self, X, y, w, evals, loss, metric, params):
        if self.categories_ and params["tree_method"] == "exact":
            raise ValueError(
                "tree_method='exact' cannot split on the categorical columns "
                f"{sorted(self.categories_)!r}; use 'hist' (the default) or "
                "'approx', or encode the columns as numbers."
            )
        base_score = np.atleast_1d(self.intercept_).tolist()
        params = dict(params, base_score=base_score)
        if self.n_outputs_ > 1:
            params["multi_strategy"] = self.multi_strategy
        if self.target_type_ == "multiclass":
            params["num_class"] = self.n_outputs_
        dtrain = self._dmatrix(X, y, w)
        watch, sets = [], {}
        for i, e in enumerate(evals):
            dmat = self._dmatrix(e.X, e.y, e.sample_weight, ref=dtrain)
            watch.append((dmat, f"validation_{i}"))
            sets[id(dmat)] = (f"validation_{i}", e.y, e.sample_weight)
        recorder = XGBoostMetric(metric, sets)
        callbacks = []
        if self.early_stopping_rounds is not None:
            stopper = EarlyStopping(
                recorder.history[watch[-1][1]],
                self.early_stopping_rounds,
                metric.greater_is_better,
            )
            callbacks.append(_XGBoostEarlyStopping(stopper))
        booster = xgb.train(
            params,
            dtrain,
            num_boost_round=self.n_estimators,
            evals=watch,
            obj=XGBoostObjective(loss, y, w, self.hessian, self._kernel_threads()),
            custom_metric=recorder if watch else None,
            verbose_eval=False,
            callbacks=callbacks or None,
        )
        if self.early_stopping_rounds is not None:
            self.best_iteration_ = stopper.best_round
            booster = self._trimmed(booster, recorder.history[watch[-1][1]])
        else:
            self.best_iteration_ = self.n_estimators - 1
        self.booster_ = booster
        self.evals_result_ = {
            name: {metric.name: list(values)}
            for name, values in recorder.history.items()
        }

    def _trimmed(self, booster: xgb.Booster, history: list[float]) -> xgb.Booster:
        """Keep rounds ``0..best_iteration_`` only, with XGBoost's best attributes.

        The booster then describes exactly the model ``predict`` uses (as
        ``xgboost.callback.EarlyStopping(save_best=True)`` leaves it), for
        its own ``predict``, SHAP values and ``save_model``.
        """
        n_rounds = self.best_iteration_ + 1
        if 0 < n_rounds < booster.num_boosted_rounds():
            booster = booster[:n_rounds]  # a slice drops the best_* attributes
        if n_rounds > 0:
            booster.set_attr(
                best_iteration=str(self.best_iteration_),
                best_score=repr(float(history[self.best_iteration_])),
            )
        return booster

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

    _importance_types = (None, "gain", "weight", "cover", "total_gain", "total_cover")

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

    def _n_splits(self) -> int:
        scores = self.booster_.get_score(importance_type="weight")
        return int(sum(scores.values()))
