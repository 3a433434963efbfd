"""The estimator contract: what every focal classifier does, written once.

:class:`FocalClassifierMixin` validates the parameters (from the backend's
table in :mod:`focalboost._params`) and the data, encodes the labels, builds
the loss and its focal-optimal intercept, scales ``min_child_weight``,
prepares the evaluation sets and keeps the training record; it maps margins
to probabilities and labels, and saves and loads models through
:mod:`focalboost._persist`. A backend module only turns prepared arrays into
a booster (``_fit_backend``) and a booster into margins (``_margin``), and
reads and writes its native file.
"""

from __future__ import annotations

import inspect
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from . import _persist
from ._input import check_X
from ._link import expit
from ._objective import hessian_scale, make_loss
from ._params import Param, native_params, other_params, parameters_doc
from ._training import (
    EvalMetric,
    TrainingLog,
    check_eval_metric,
    resolve_eval_metric,
)
from ._validation import (
    check_booster_params,
    check_classification_y,
    check_eval_labels,
    check_eval_set,
    check_same_rows,
    check_sample_weight,
    check_y,
    class_factors,
    encode_labels,
    seed_from,
    take_rows,
    tame_weight_scale,
)

__all__ = [
    "EvalData",
    "FitArgs",
    "FocalClassifierMixin",
    "NOTES",
    "NoSplitWarning",
    "PREDICT_KEYWORDS",
    "PredictRequest",
    "estimator_sections",
    "fill_doc",
    "own_examples",
    "paragraph",
]


class NoSplitWarning(UserWarning):
    """A fit with boosting rounds made no split: the model is its intercept.

    Expected on tiny data (LightGBM's ``min_child_samples=20`` forbids any
    split below 40 rows; XGBoost's ``min_child_weight=1`` any split of a set
    whose log-loss Hessians sum to less than 2). Otherwise it usually means
    that a large ``gamma`` made the Hessians of the samples the model already
    fits, about ``(1 - p)**gamma`` times the log loss's, too small for
    ``min_child_weight`` in every candidate child. The message names the
    constraint that applied, with its numbers.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from focalboost import FocalXGBClassifier, NoSplitWarning
    >>> X = np.random.default_rng(0).normal(size=(12, 3))
    >>> y = (X[:, 0] > 1).astype(int)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     clf = FocalXGBClassifier(n_estimators=5).fit(X, y)
    >>> [w.category.__name__ for w in caught]
    ['NoSplitWarning']
    >>> print(str(caught[0].message).split(". ")[1][:50])
    The training Hessians sum to 1.15 at the intercept
    >>> clf = FocalXGBClassifier(n_estimators=5, min_child_weight=0.1).fit(X, y)
    """


@dataclass
class EvalData:
    """One prepared evaluation set: features, encoded labels, weights, name."""

    X: Any
    y: np.ndarray
    sample_weight: np.ndarray | None
    name: str
    init_margin: Any = None


@dataclass
class FitArgs:
    """The ``fit`` arguments beyond ``X`` and ``y``, by focalboost's names.

    Each backend's ``fit`` takes its backend's keywords and fills this;
    the rest of the fit reads only these fields.
    """

    sample_weight: Any = None
    eval_set: Any = None
    eval_sample_weight: Any = None
    eval_names: Any = None
    init_margin: Any = None
    eval_init_margin: Any = None
    init_model: Any = None
    callbacks: list = field(default_factory=list)
    verbose: Any = False
    feature_weights: Any = None
    feature_name: Any = "auto"
    categorical_feature: Any = "auto"


#: The docstring sections shared by every estimator, see :func:`fill_doc`.
NOTES = {
    "inputs": (
        "Inputs: dense arrays (float32 is kept), scipy sparse CSR/CSC (XGBoost "
        "treats an absent entry as missing, LightGBM as zero), pandas and polars "
        "frames (categorical columns as above; text columns are refused by "
        "name), NaN as a missing value. Persistence: pickle/joblib, or "
        ":meth:`save_model` / :meth:`load_model` in the native format, which "
        "predict bit-identically."
    ),
    "explain": (
        "Explaining the model: ``booster_`` predicts the focal margin, "
        "intercept included{where}, which is :meth:`decision_function` with "
        '``probability="focal"``; SHAP values of ``booster_`` '
        "(``shap.TreeExplainer(clf.booster_)`` or ``booster_.predict(..., "
        "{contrib}=True)``) add up to that margin. With the default "
        '``probability="posterior"`` the decision function is a monotone map of '
        "the margin (``loss_.posterior_raw_prediction``), so the same SHAP values "
        "rank features and samples the same way but do not add up to it."
    ),
}


def fill_doc(**sections: str):
    """Class decorator: replace ``%(name)s`` markers of the docstring.

    Each value is inserted as given (already indented); the markers keep the
    literal docstring readable and make generated sections (parameters,
    attributes, shared notes) written once.
    """

    def decorate(cls):
        doc = cls.__doc__
        for name, text in sections.items():
            doc = doc.replace(f"%({name})s", text)
        cls.__doc__ = doc
        return cls

    return decorate


def own_examples(model_file: str):
    """Class decorator: the contract's methods with this class in their examples.

    The docstrings of the methods in :data:`CLASS_EXAMPLES` show
    ``FocalLGBMClassifier`` and ``model.txt``; each backend class gets a
    thin wrapper whose docstring names the class itself and its model file.
    """

    def decorate(cls):
        import functools

        for name in CLASS_EXAMPLES:
            base = getattr(FocalClassifierMixin, name)

            @functools.wraps(base)
            def method(self, *args, _base=base, **kwargs):
                return _base(self, *args, **kwargs)

            method.__doc__ = base.__doc__.replace(
                "FocalLGBMClassifier", cls.__name__
            ).replace("model.txt", model_file)
            method.__qualname__ = f"{cls.__name__}.{name}"
            method.__module__ = cls.__module__
            setattr(cls, name, method)
        return cls

    return decorate


#: Methods whose docstring examples name the class (see :func:`own_examples`).
CLASS_EXAMPLES = ("save_model",)


def paragraph(text: str, indent: str = "    ") -> str:
    """Return ``text`` wrapped to the docstrings' width, continuation indented."""
    import textwrap

    return textwrap.fill(
        text, 80, initial_indent=indent, subsequent_indent=indent
    ).lstrip()


EXAMPLES = """>>> from sklearn.datasets import make_classification
    >>> from focalboost import {cls}
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> clf = {cls}(alpha=0.25, gamma=2.0, n_estimators=20).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> bool(clf.score(X, y) > 0.9)
    True"""


def estimator_sections(
    params, *, booster, intercept, extra_attributes=(), cls=None
) -> dict:
    """Return the generated docstring sections of an estimator's table.

    ``cls``: the class name of the runnable ``Examples`` section.
    """
    return {
        "examples": EXAMPLES.replace("{cls}", cls or ""),
        "parameters": parameters_doc(params).lstrip(),
        "attributes": _persist.attributes_doc(
            booster=booster, intercept=intercept, extra=extra_attributes
        ).lstrip(),
        "inputs": paragraph(NOTES["inputs"]),
    }


class FocalClassifierMixin(ClassifierMixin, BaseEstimator):
    """Shared ``fit`` / ``predict`` machinery of the focal classifiers.

    A backend sets the class attributes below and implements
    ``_fixed_params(params, seed, booster_params)`` (its fixed native
    parameters added),
    ``_fit_backend(X, y, w, evals, loss, log, params)``, ``_margin(X)``,
    ``_n_splits()``, ``_feature_importances(importance_type)``,
    ``_save_native`` and ``_load_native``.
    """

    #: The parameter table (focalboost._params).
    _params: tuple[Param, ...] = ()
    #: Native names ``booster_params`` may not set.
    _reserved_params: tuple[str, ...] = ()
    #: Native names of ``min_child_weight`` (the first) and its aliases.
    _min_child_weight_keys: tuple[str, ...] = ("min_child_weight",)
    #: Native names of a minimum row count per leaf (LightGBM), else empty.
    _min_child_rows_keys: tuple[str, ...] = ()
    #: Least native value the scaling gives (a backend whose split search
    #: fails on Hessian sums near zero sets it above that).
    _min_child_weight_floor: float = 0.0
    #: Whose metric names, stopping rule and predict keywords (a key of
    #: :data:`focalboost._training.METRICS` and :data:`PREDICT_KEYWORDS`).
    _metric_backend: str = "xgboost"

    # ------------------------------------------------------------- sklearn API
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = True
        return tags

    # ------------------------------------------------------------ parameters
    #: ``known(name)``: whether the backend knows a native parameter name
    #: (None: the backend reports unknown names itself).
    _known_native = None
    #: Default names of the evaluation sets (``{i}``: the position).
    _eval_name = "validation_{i}"
    #: The backend's name of a starting margin in ``fit``.
    _margin_name = "base_margin"

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Get the parameters, the backend's keyword arguments included.

        As :meth:`xgboost.XGBModel.get_params` and
        :meth:`lightgbm.LGBMModel.get_params`: the table's parameters, then
        every other keyword given to ``__init__`` or :meth:`set_params` (a
        native parameter of the backend), so that :func:`sklearn.base.clone`
        and :class:`~sklearn.model_selection.GridSearchCV` keep them.

        Parameters
        ----------
        deep : bool, default=True
            Ignored beyond scikit-learn's meaning (no sub-estimators).

        Returns
        -------
        dict
        """
        params = super().get_params(deep=deep)
        params.update(getattr(self, "_other_params", {}))
        return params

    def set_params(self, **params):
        """Set parameters; names outside the table are native parameters.

        Parameters
        ----------
        **params
            Estimator parameters, or native parameters of the backend (kept
            as keyword arguments, checked at ``fit``).

        Returns
        -------
        self : object
        """
        own = set(inspect.signature(type(self).__init__).parameters)
        other = {k: v for k, v in params.items() if k not in own and "__" not in k}
        if other:
            self._other_params = {**getattr(self, "_other_params", {}), **other}
        rest = {k: v for k, v in params.items() if k not in other}
        return super().set_params(**rest) if rest else self

    def _native_given(self) -> dict[str, Any]:
        """Return the native parameters given by name (kwargs, ``booster_params``).

        Both follow :func:`focalboost._params.other_params`; a name in both
        takes ``booster_params``'s value.
        """
        owner = type(self).__name__
        args = (self._reserved_params, self._known_native, owner)
        kwargs = other_params(getattr(self, "_other_params", {}), *args)
        booster = check_booster_params(self.booster_params, self._reserved_params)
        booster = other_params(booster, *args, where="in booster_params")
        return {**kwargs, **booster}

    def _backend_params(self) -> dict[str, Any]:
        """Validate every parameter; return the backend's native parameters.

        The table's native values, the seed, then the native parameters
        given by name (``**kwargs`` and ``booster_params``, which win over
        the table), then the backend's fixed ones.
        """
        params = native_params(self, self._params)
        seed = seed_from(self.random_state)
        return self._fixed_params(params, seed, self._native_given())

    def _checked(self, name: str):
        """Return table parameter ``name``, checked (its native value)."""
        entry = next(p for p in self._params if p.name == name)
        value = getattr(self, name)
        return value if entry.check is None else entry.check(name, value)

    def _fixed_params(self, params, seed, booster_params) -> dict[str, Any]:
        raise NotImplementedError

    def _kernel_threads(self) -> int | None:
        """Threads of the compiled objective kernel: ``n_jobs`` when positive.

        None (or ``n_jobs`` <= 0, the backends' "all threads") leaves the
        choice to :func:`focalboost._kernels.num_threads`.
        """
        n_jobs = self.n_jobs
        return int(n_jobs) if n_jobs is not None and n_jobs >= 1 else None

    # -------------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None, eval_set=None, eval_sample_weight=None):
        """Fit the focal-loss boosted model.

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
        eval_set : list of (X, y) tuples, default=None
            Validation sets; the last one drives early stopping.
        eval_sample_weight : list of array-like, default=None
            Weights of each validation set.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit_with(
            X,
            y,
            FitArgs(
                sample_weight=sample_weight,
                eval_set=eval_set,
                eval_sample_weight=eval_sample_weight,
            ),
        )

    def _fit_with(self, X, y, args: FitArgs):
        """Run :meth:`_fit`; never leave a half-fitted estimator behind."""
        try:
            return self._fit(X, y, args)
        except BaseException:
            _persist.clear(self)
            raise

    def _fit(self, X, y, args: FitArgs):
        native = self._backend_params()
        X = check_X(self, X, reset=True)
        y = check_y(y, type(self).__name__)
        check_same_rows(X.shape[0], y.shape[0])
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        check_classification_y(y)
        w = check_sample_weight(args.sample_weight, X.shape[0])
        init_margin = self._check_margin(
            args.init_margin, X.shape[0], self._margin_name
        )
        if w is not None and np.any(w == 0):
            keep = w > 0
            X, y, w = take_rows(X, keep), y[keep], w[keep]
            if init_margin is not None:
                init_margin = init_margin[keep]
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        self._set_target(y_type, y, lambda: np.unique(y))
        if y_type == "multilabel-indicator":
            y_enc = np.asarray(y, dtype=np.float64)
        else:
            y_enc = encode_labels(y, self.classes_, name="y")
        w = tame_weight_scale(self._class_weighted(y_enc, w))
        evals = self._prepare_eval_sets(args)
        loss, metric = self._fit_loss(y_enc, w, evals, args.init_model)
        native = self._scale_min_child_weight(native)
        log = TrainingLog(metric, [e.name for e in evals], self.early_stopping_rounds)
        args.init_margin = init_margin
        self._fit_backend(X, y_enc, w, evals, loss, log, native, args)
        self._warn_if_no_split(y_enc, w, native)
        return self

    def _class_factors(self, counts) -> np.ndarray | None:
        """Per-class factors of the class-weighting parameters (or None).

        See :func:`focalboost._validation.class_factors`: the one rule,
        local and Dask.
        """
        names = {p.name for p in self._params}
        return class_factors(
            self.target_type_,
            self.classes_,
            counts,
            class_weight=(
                self._checked("class_weight") if "class_weight" in names else None
            ),
            is_unbalance=(
                self._checked("is_unbalance") if "is_unbalance" in names else False
            ),
            scale_pos_weight=self._checked("scale_pos_weight"),
        )

    def _class_weighted(self, y_enc, w):
        """``w`` times the factor of each sample's class (see ``_class_factors``)."""
        if self.target_type_ == "multilabel-indicator":
            self._class_factors(None)  # raises when a weighting parameter is set
            return w
        idx = y_enc.astype(np.intp)
        factors = self._class_factors(np.bincount(idx, minlength=len(self.classes_)))
        if factors is None:
            return w
        return factors[idx] if w is None else w * factors[idx]

    def _check_margin(self, margin, n_rows: int, name: str):
        """Return a starting margin (``base_margin`` / ``init_score``) as floats."""
        if margin is None:
            return None
        try:
            margin = np.asarray(margin, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be an array of numbers: {exc}") from exc
        if margin.shape[0] != n_rows or margin.ndim > 2:
            raise ValueError(
                f"{name} must have one row per sample ({n_rows}); got shape "
                f"{margin.shape}."
            )
        if not np.all(np.isfinite(margin)):
            raise ValueError(f"{name} must be finite; got NaN or infinite values.")
        return margin

    def _set_target(self, y_type: str, y, classes) -> None:
        """Check the target type; set ``classes_``, ``target_type_``, ``n_outputs_``.

        ``y`` gives the shape and dtype of a multi-label target; ``classes`` is
        a callable returning the sorted distinct labels of any other target
        (so that it runs only after the type is known to be valid).
        """
        if y_type not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(
                "y must be a binary, multiclass or multi-label indicator target; "
                f"got a {y_type!r} target."
            )
        if y_type == "multilabel-indicator":
            self.classes_ = np.arange(y.shape[1])
            # a string, not a numpy.dtype: skops and other secure loaders trust it
            self._y_dtype = np.dtype(y.dtype).str
        else:
            found = np.asarray(classes())
            if found.shape[0] < 2:
                raise ValueError(
                    "y (after dropping zero-weight samples) contains only one class "
                    f"({found.tolist()!r}); focal loss needs at least two classes."
                )
            self.classes_ = found
        self.target_type_ = y_type
        self.n_outputs_ = 1 if y_type == "binary" else int(self.classes_.shape[0])

    def _fit_loss(self, y_enc, w, evals, init_model=None) -> tuple[Any, EvalMetric]:
        """Set ``loss_``, ``intercept_`` and ``hessian_scale_``; return the metric too.

        ``y_enc`` and ``w`` are the encoded labels and weights (or, on Dask, a
        small data set with the same per-class totals); ``evals`` the prepared
        eval sets, needed by ``early_stopping_rounds``. With ``init_model``
        (continued training) the intercept is the initial model's, whose
        margin is the new fit's starting margin.
        """
        if self.early_stopping_rounds is not None and not evals:
            raise ValueError(
                "early_stopping_rounds="
                f"{self.early_stopping_rounds!r} needs a non-empty eval_set."
            )
        loss = make_loss(
            self.target_type_, self.alpha, self.gamma, y_enc, w, self.n_outputs_
        )
        self.loss_ = loss
        intercept = None
        if init_model is not None:
            if self.early_stopping_rounds is not None:
                raise ValueError(
                    "early_stopping_rounds cannot be combined with continued "
                    "training; pass the backend's early-stopping callback instead."
                )
            intercept = self._init_model_intercept(init_model)
        if intercept is None:
            intercept = loss.fit_intercept_only(y_enc, w)
        self.intercept_ = intercept
        self.hessian_scale_ = hessian_scale(
            loss, y_enc, w, self.intercept_, self.hessian
        )[0]
        return loss, self._eval_metrics(loss)

    def _scale_min_child_weight(self, params: dict) -> dict:
        """Native ``min_child_weight``: the parameter times ``hessian_scale_``.

        ``min_child_weight`` is in log-loss Hessian units, so the fit gives
        the backend ``min_child_weight * hessian_scale_`` (the same value at
        ``gamma=0, alpha=None``), at least ``_min_child_weight_floor``. A
        value set in ``booster_params`` (under any of the backend's names
        for it) is the native value itself and is passed unchanged.
        """
        key, *aliases = self._min_child_weight_keys
        given = set(self.booster_params or {}) | set(getattr(self, "_other_params", {}))
        if given & set(aliases) and key not in given:
            return {k: v for k, v in params.items() if k != key}
        if key in given:
            return params
        native = max(params[key] * self.hessian_scale_, self._min_child_weight_floor)
        return dict(params, **{key: native})

    def _finish_training(
        self, log: TrainingLog, n_rounds: int, stopped_at: int | None = None
    ) -> None:
        """Set the round ``predict`` uses and ``evals_result_`` from the record.

        ``stopped_at``: the 0-based best round a backend callback of the
        user's (an ``EarlyStopping`` object, ``lightgbm.early_stopping``)
        stopped at, which wins over the record's own.
        """
        best = log.best_iteration(n_rounds)
        if stopped_at is not None and 0 <= stopped_at < n_rounds:
            best = stopped_at
        self._best_round = best
        self._early_stopped = log.stopped_early or stopped_at is not None
        self.evals_result_ = log.evals_result()

    def _eval_metrics(self, loss):
        """Return the ``eval_metric`` of this estimator, by its backend's rules."""
        given = self._native_given()
        metric = self.eval_metric
        at_fit = getattr(self, "_fit_eval_metric", None)
        if at_fit is not None:
            # LightGBM's fit keyword: its metrics first, then the estimator's
            check_eval_metric("eval_metric", at_fit)
            metric = _listed(at_fit) + _listed(metric)
        return resolve_eval_metric(
            metric,
            loss,
            backend=self._metric_backend,
            posterior=self.probability == "posterior",
            first_metric_only=bool(given.get("first_metric_only", False)),
        )

    def _init_model_intercept(self, init_model):
        """Return the intercept continued training starts from (None: the data's)."""
        return None

    def _prepare_eval_sets(self, args: FitArgs) -> list[EvalData]:
        eval_set, eval_sample_weight = args.eval_set, args.eval_sample_weight
        if not check_eval_set(eval_set, eval_sample_weight):
            if args.eval_names is not None or args.eval_init_margin is not None:
                raise ValueError(
                    "eval_names and the eval margins were given without eval_set."
                )
            return []
        names = self._eval_names(args.eval_names, len(eval_set))
        margins = args.eval_init_margin
        if margins is not None and len(margins) != len(eval_set):
            raise ValueError(
                f"{self._margin_name} of the eval sets must have one entry per "
                f"eval_set entry; got {len(margins)} for {len(eval_set)}."
            )
        out = []
        for i, (Xe, ye) in enumerate(eval_set):
            try:
                Xe = check_X(self, Xe, reset=False)
            except (ValueError, TypeError) as exc:
                raise type(exc)(f"eval_set[{i}] X: {exc}") from exc
            ye = np.asarray(ye)
            if ye.shape[0] != Xe.shape[0]:
                raise ValueError(
                    f"eval_set[{i}] has {Xe.shape[0]} rows in X but {ye.shape[0]} "
                    "labels in y."
                )
            multilabel = self.target_type_ == "multilabel-indicator"
            zero_one = bool(np.all(np.isin(ye, (0, 1)))) if multilabel else True
            check_eval_labels(i, ye.shape, self.target_type_, self.n_outputs_, zero_one)
            if multilabel:
                ye = ye.astype(np.float64)
            else:
                ye = encode_labels(ye, self.classes_, name=f"eval_set[{i}] y")
            we = None
            if eval_sample_weight is not None:
                name = f"eval_sample_weight[{i}]"
                we = check_sample_weight(eval_sample_weight[i], Xe.shape[0], name=name)
                we = tame_weight_scale(we)
            me = None
            if margins is not None:
                name = f"{self._margin_name} of eval_set[{i}]"
                me = self._check_margin(margins[i], Xe.shape[0], name)
            out.append(EvalData(Xe, ye, we, names[i], me))
        return out

    def _eval_names(self, eval_names, n_sets: int) -> list[str]:
        """Return the eval sets' names: ``eval_names`` or the backend's defaults."""
        if eval_names is None:
            return [self._eval_name.format(i=i) for i in range(n_sets)]
        names = list(eval_names)
        if len(names) != n_sets or not all(isinstance(n, str) for n in names):
            raise ValueError(
                f"eval_names must be {n_sets} strings, one per eval_set entry; "
                f"got {eval_names!r}."
            )
        if len(set(names)) != n_sets:
            raise ValueError(f"eval_names must be distinct; got {eval_names!r}.")
        return names

    # ------------------------------------------------------- when nothing split
    def _warn_if_no_split(self, y_enc, w, params: dict) -> None:
        """Warn when boosting rounds were asked for but no tree ever split.

        The model is then the focal-optimal constant. The backends report
        this only in their logs, which focalboost silences. The message
        names the constraint that made splits impossible, with its numbers.
        """
        if self._best_round < 0 or self._n_splits() > 0:
            return
        warnings.warn(
            f"{type(self).__name__} made no split in {self._best_round + 1} "
            "boosting round(s): the model predicts the constant intercept. "
            + self._no_split_reason(y_enc, w, params),
            NoSplitWarning,
            stacklevel=3,
        )

    def _no_split_reason(self, y_enc, w, params: dict) -> str:
        n_rows = y_enc.shape[0]
        rows = next((params[k] for k in self._min_child_rows_keys if k in params), 0)
        if n_rows < 2 * rows:
            return (
                f"The {n_rows} training rows cannot fill two leaves of "
                f"min_child_samples={rows} rows each: lower min_child_samples."
            )
        native = next(
            (params[k] for k in self._min_child_weight_keys if k in params), 0.0
        )
        total = hessian_scale(self.loss_, y_enc, w, self.intercept_, self.hessian)[1]
        focal = (
            f"gamma={self.gamma!r} and alpha={self.alpha!r} make the focal "
            f"Hessians {self.hessian_scale_:.3g} x the log loss's at the intercept"
        )
        units = (
            f"min_child_weight={self.min_child_weight!r} in log-loss units, "
            f"{native:.3g} in the backend's ({focal})"
        )
        if total < 2 * native:
            return (
                f"The training Hessians sum to {total:.3g} at the intercept, less "
                f"than the two children of a split need (2 x {units}): the data "
                "set is too small for that min_child_weight; lower it."
            )
        shrink = (
            " and shrink as (1 - p)**gamma on the samples the model already fits"
            if self.gamma > 0
            else ""
        )
        return (
            f"No candidate split had both children above {units}{shrink}, or "
            "gained more than min_split_loss and the L1/L2 penalties allow: lower "
            "min_child_weight (or gamma) if the data should allow splits."
        )

    # ------------------------------------------------------ fitted model view
    @property
    def n_classes_(self) -> int:
        """Number of classes (binary, multiclass) or of labels (multi-label).

        ``len(classes_)``, as in scikit-learn and the backends' classifiers.
        """
        return len(self.classes_)

    @property
    def alpha_(self):
        """The resolved ``alpha`` (numbers when ``alpha="balanced"``)."""
        return self.loss_.alpha

    def _importance_type(self) -> str:
        """Return the checked ``importance_type``, None resolved."""
        entry = next(p for p in self._params if p.name == "importance_type")
        value = entry.check("importance_type", self.importance_type)
        return self._default_importance_type() if value is None else value

    def _default_importance_type(self) -> str:
        raise NotImplementedError

    @property
    def feature_importances_(self) -> np.ndarray:
        """Feature importances of ``booster_`` by ``importance_type``.

        The values the backend's own classifier reports for the same booster
        (see ``importance_type``), over the rounds ``predict`` uses. Used by
        :class:`~sklearn.feature_selection.SelectFromModel` and
        :class:`~sklearn.feature_selection.RFE`.

        Returns
        -------
        ndarray of shape (``n_features_in_``,)
        """
        check_is_fitted(self)
        return self._feature_importances(self._importance_type())

    # ------------------------------------------------------------- persistence
    def save_model(self, fname: str | os.PathLike) -> None:
        """Save the fitted model in the backend's native format.

        The file is the one the backend's own ``save_model`` writes (XGBoost
        JSON or UBJSON by the file suffix; LightGBM text), so the booster
        alone loads with ``xgboost.Booster(model_file=...)`` /
        ``lightgbm.Booster(model_file=...)``: its stored objective makes them
        return the focal probabilities, and the full margin, intercept
        included, with ``output_margin=True`` / ``raw_score=True`` (to map
        with :func:`focalboost.binary_posterior` and its kin; see the Serving
        page). The focal parameters, classes, target type, probability link
        and categories travel inside it as a JSON document (an XGBoost
        booster attribute, a header line of the LightGBM text model) that
        :meth:`load_model` reads back.

        Parameters
        ----------
        fname : str or path-like
            Where to write.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> from sklearn.datasets import make_classification
        >>> from focalboost import FocalLGBMClassifier
        >>> X, y = make_classification(n_samples=300, random_state=0)
        >>> clf = FocalLGBMClassifier(n_estimators=5).fit(X, y)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.txt")
        >>> clf.save_model(path)
        >>> loaded = FocalLGBMClassifier().load_model(path)
        >>> bool(np.array_equal(loaded.predict_proba(X), clf.predict_proba(X)))
        True
        """
        check_is_fitted(self)
        self._save_native(os.fspath(fname), _persist.metadata(self))

    def load_model(self, fname: str | os.PathLike):
        """Load a model written by :meth:`save_model` into this estimator.

        Parameters and fitted state are replaced by the file's; predictions
        are bit-identical to those of the saved estimator.

        Parameters
        ----------
        fname : str or path-like
            A file written by :meth:`save_model` of the same class.

        Returns
        -------
        self : object
            The loaded estimator.
        """
        fname = os.fspath(fname)
        booster, text = self._load_native(fname)
        # restore into a fresh estimator: a failure leaves this one as it was
        new = type(self)()
        _persist.restore(new, text, repr(fname))
        new.booster_ = booster
        self.set_params(**new.get_params(deep=False))
        _persist.copy(new, self)
        return self

    # ----------------------------------------------------------------- predict
    def _check_probability(self) -> None:
        entry = next(p for p in self._params if p.name == "probability")
        entry.check("probability", self.probability)

    def _predict_request(self, method: str, kwargs: dict) -> PredictRequest:
        """Read the backend's predict keywords by :data:`PREDICT_KEYWORDS`.

        A keyword outside the backend's table is refused with a TypeError
        that names it and, when it is the other backend's name for the same
        thing, the keyword to use instead.
        """
        table = PREDICT_KEYWORDS[self._metric_backend]
        request = PredictRequest()
        rounds = {}
        for name, value in kwargs.items():
            meaning = table.get(name)
            if meaning is None:
                raise TypeError(_unknown_predict_keyword(type(self), method, name))
            if meaning in _ROUND_KEYWORDS:
                rounds[meaning] = value
            elif meaning in _OUTPUTS:
                if value:
                    if request.output != "value":
                        raise ValueError(
                            f"{method}: ask for one of {_outputs(table)} at a "
                            f"time; got {name}={value!r} with another."
                        )
                    request.output = meaning
            else:
                setattr(request, meaning, value)
        request.rounds = self._iteration_range(rounds)
        return request

    def _iteration_range(self, given: dict) -> tuple[int, int]:
        """Return the half-open range of rounds ``[start, end)`` a predict uses.

        ``given`` holds the backend's keywords by meaning
        (``iteration_range``, or ``start_iteration`` and ``num_iteration``).
        """
        raise NotImplementedError

    def _n_rounds(self) -> int:
        """Return the rounds ``predict`` uses by default (to the best one)."""
        return self._best_round + 1

    def _checked_X(self, X, validate_features):
        """``check_X`` of a predict; ``validate_features=False`` matches by position.

        Column names of a DataFrame are checked against ``feature_names_in_``
        (scikit-learn's rule, on both backends). With
        ``validate_features=False`` a pandas frame with as many columns is
        read by position, as the backends then read it.
        """
        if validate_features is not None and not isinstance(validate_features, bool):
            raise TypeError(
                f"validate_features must be True or False; got {validate_features!r}."
            )
        if validate_features is False and _is_pandas(X):
            names = getattr(self, "feature_names_in_", None)
            if X.shape[1] == self.n_features_in_:
                columns = names if names is not None else range(X.shape[1])
                X = X.set_axis(list(columns), axis=1)
        return check_X(self, X, reset=False)

    def _decision(self, X, kwargs: dict, method: str):
        """Return ``(request, values)``: the margin or the backend's own output.

        ``values`` is the booster's raw margin over the requested rounds
        (``base_margin`` in place of the intercept where given), or the
        leaf indices / contributions when those were asked for.
        """
        check_is_fitted(self)
        self._check_probability()
        request = self._predict_request(method, kwargs)
        X = self._checked_X(X, request.validate_features)
        start, end = request.rounds
        if request.base_margin is not None:
            request.base_margin = self._check_margin(
                request.base_margin, X.shape[0], "base_margin"
            )
        if request.output in ("leaf", "contrib", "interactions"):
            return request, self._predict_native(X, request.output, start, end, request)
        margin = self._margin(X, start, end, request.base_margin)
        return request, np.asarray(margin, dtype=np.float64)

    def decision_function(self, X, **kwargs) -> np.ndarray:
        """Log-odds of :meth:`predict_proba`.

        With ``probability="focal"``: the booster's raw margin, focal-optimal
        intercept included. With ``probability="posterior"``: that margin
        mapped by the loss's ``posterior_raw_prediction`` (calibrated log-odds
        for binary and multi-label, log posterior for multiclass). Either way
        ``predict`` agrees with it (``> 0``, or the argmax).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        **kwargs
            The backend's predict keywords, with the backend's meaning (see
            :meth:`predict`).

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, ``n_outputs_``), float64
            Binary: one value per sample; multiclass and multi-label: one per
            class or label. The raw margin, leaf indices or contributions
            where a keyword asks for them.
        """
        request, values = self._decision(X, kwargs, "decision_function")
        if request.output != "value" or self.probability == "focal":
            return values
        return self.loss_.posterior_raw_prediction(values)

    def predict_proba(self, X, **kwargs) -> np.ndarray:
        """Class probabilities: the link applied to :meth:`decision_function`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        **kwargs
            The backend's predict keywords, with the backend's meaning (see
            :meth:`predict`).

        Returns
        -------
        ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
            Binary: ``[1 - p, p]`` with ``p = expit(decision)``; multiclass:
            ``softmax(decision)`` (rows sum to 1); multi-label: ``expit`` of
            each label's value. Posterior estimates with
            ``probability="posterior"`` (whose calibration degrades with
            model complexity, see the user guide), raw focal probabilities
            with ``"focal"``. Columns ordered as ``classes_``; float64. The
            raw margin, leaf indices or contributions where a keyword asks
            for them (as the backends' ``predict_proba``).
        """
        request, values = self._decision(X, kwargs, "predict_proba")
        if request.output != "value":
            return values
        if self.probability == "posterior":
            values = self.loss_.posterior_raw_prediction(values)
        if self.target_type_ == "binary":
            return np.column_stack([expit(-values), expit(values)])
        if self.target_type_ == "multiclass":
            return softmax(values, axis=1)
        return expit(values)

    def predict(self, X, **kwargs) -> np.ndarray:
        """Predicted labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        **kwargs
            The backend's predict keywords with the backend's meaning, the
            same for :meth:`predict_proba`, :meth:`decision_function` and
            :meth:`apply`. XGBoost: ``output_margin`` (the booster's raw
            margin, focal intercept included), ``iteration_range`` (rounds
            ``[start, end)``; ``(0, 0)`` is the default, up to the best round
            after early stopping), ``validate_features``, ``base_margin`` (a
            starting margin in place of the intercept), and its
            ``Booster.predict`` outputs ``pred_leaf``, ``pred_contribs``,
            ``pred_interactions``. LightGBM: ``raw_score``,
            ``start_iteration``, ``num_iteration`` (None: up to the best
            round; <= 0: every round), ``pred_leaf``, ``pred_contrib``,
            ``validate_features``. Contributions add up to the raw margin,
            which is :meth:`decision_function` with ``probability="focal"``.
            Any other keyword is refused with a TypeError.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
            Binary: ``classes_[decision > 0]``; multiclass:
            ``classes_[argmax(decision)]``; multi-label: the 0/1 indicator
            matrix ``decision > 0`` in the dtype of the training ``y``
            (``decision`` from :meth:`decision_function`), i.e. the argmax of
            :meth:`predict_proba` (per label for multi-label). The raw
            margin, leaf indices or contributions where a keyword asks for
            them (as the backends' ``predict``).
        """
        request, values = self._decision(X, kwargs, "predict")
        if request.output != "value":
            return values
        if self.probability == "posterior":
            values = self.loss_.posterior_raw_prediction(values)
        if self.target_type_ == "binary":
            return self.classes_[(values > 0).astype(np.intp)]
        if self.target_type_ == "multiclass":
            return self.classes_[np.argmax(values, axis=1)]
        return (values > 0).astype(self._y_dtype)

    def apply(self, X, **kwargs) -> np.ndarray:
        """Leaf index of every sample in every tree, from ``booster_``.

        As :meth:`xgboost.XGBClassifier.apply` (LightGBM:
        ``predict(X, pred_leaf=True)``): the backend's own leaf numbering,
        over the rounds :meth:`predict` uses (after early stopping the
        booster's rounds up to the best one, the model XGBClassifier
        predicts with).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        **kwargs
            The backend's round keywords (``iteration_range``, or
            ``start_iteration`` and ``num_iteration``) and
            ``validate_features``.

        Returns
        -------
        ndarray of shape (n_samples, n_trees)
            Leaf indices (integers).
        """
        refused = [k for k in ("output_margin", "raw_score") if kwargs.get(k)]
        if refused:
            raise TypeError(
                f"apply() got an unexpected keyword argument {refused[0]!r}"
            )
        kwargs = {**kwargs, "pred_leaf": True}
        return self._decision(X, kwargs, "apply")[1]

    def _predict_native(self, X, output: str, start: int, end: int, request):
        """Return the leaf indices or contributions over rounds ``[start, end)``."""
        raise NotImplementedError

    def _margin(self, X, start: int = 0, end: int | None = None, base_margin=None):
        """Return the raw margin over rounds ``[start, end)`` (None: default)."""
        raise NotImplementedError


@dataclass
class PredictRequest:
    """A predict call's keywords, by meaning (see :data:`PREDICT_KEYWORDS`)."""

    output: str = "value"
    rounds: tuple[int, int] | None = None
    validate_features: bool | None = None
    base_margin: Any = None


#: The predict keywords of each backend -> what they mean. ``margin``:
#: return the booster's raw margin; ``leaf`` / ``contrib`` /
#: ``interactions``: the booster's leaf indices, feature contributions or
#: interaction contributions; the round keywords select rounds; the rest
#: are :class:`PredictRequest` fields. The same for ``predict``,
#: ``predict_proba``, ``decision_function`` and ``apply``.
PREDICT_KEYWORDS: dict[str, dict[str, str]] = {
    "xgboost": {
        "output_margin": "margin",
        "iteration_range": "iteration_range",
        "validate_features": "validate_features",
        "base_margin": "base_margin",
        "pred_leaf": "leaf",
        "pred_contribs": "contrib",
        "pred_interactions": "interactions",
    },
    "lightgbm": {
        "raw_score": "margin",
        "start_iteration": "start_iteration",
        "num_iteration": "num_iteration",
        "pred_leaf": "leaf",
        "pred_contrib": "contrib",
        "validate_features": "validate_features",
    },
}
_ROUND_KEYWORDS = ("iteration_range", "start_iteration", "num_iteration")
_BACKEND_NAMES = {"xgboost": "XGBoost", "lightgbm": "LightGBM"}
_OUTPUTS = ("margin", "leaf", "contrib", "interactions")


def _outputs(table: dict) -> str:
    return ", ".join(k for k, v in table.items() if v in _OUTPUTS)


def _unknown_predict_keyword(cls, method: str, name: str) -> str:
    """Return the refusal of a predict keyword: its name and what to use instead."""
    backend = cls._metric_backend
    table = PREDICT_KEYWORDS[backend]
    message = (
        f"{cls.__name__}.{method}() got an unexpected keyword argument {name!r}; "
        f"it takes {', '.join(table)}."
    )
    for other, keywords in PREDICT_KEYWORDS.items():
        meaning = keywords.get(name)
        if other != backend and meaning is not None:
            same = [k for k, v in table.items() if v == meaning]
            who = _BACKEND_NAMES[other]
            if same:
                return message + f" {name!r} is {who}'s name: use {same[0]!r}."
            if meaning == "base_margin":
                return message + (
                    " A starting margin at predict time is XGBoost's "
                    "base_margin; LightGBM's predict has none either: add it "
                    "to the raw_score=True output."
                )
            if meaning == "interactions":
                return message + (
                    " Interaction contributions: shap.TreeExplainer("
                    "clf.booster_).shap_interaction_values(X)."
                )
    return message


def _listed(value) -> list:
    """``eval_metric`` as a list of entries."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _is_pandas(X) -> bool:
    return type(X).__module__.startswith("pandas") and getattr(X, "ndim", 0) == 2
