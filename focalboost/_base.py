"""Shared scikit-learn logic of the focal classifiers.

Validation, label encoding, sample weights, the focal-optimal intercept, eval
sets and the probability link live here once; the backend modules only turn
prepared arrays into a booster and a booster into margins.
"""

from __future__ import annotations

import numbers
import os
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, check_is_fitted

from . import _persist
from ._input import check_X
from ._link import expit
from ._objective import hessian_scale, resolve_eval_metric
from .losses import (
    HESSIAN_POLICIES,
    BinaryFocalLoss,
    MultiLabelFocalLoss,
    SoftmaxFocalLoss,
)
from .losses._common import check_alpha, check_alpha_vector, check_gamma


# ------------------------------------------------------------------ validators
def check_int(name, value, *, low=None, allow_none=False):
    """Return ``value`` as an int, or raise naming ``name`` and the value."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer; got {value!r} of type {type(value).__name__}."
        )
    if low is not None and value < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}.")
    return int(value)


def check_real(
    name, value, *, low=None, high=None, low_open=False, high_open=False
) -> float:
    """Return ``value`` as a finite float in the given range, or raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number; got {value!r} of type "
            f"{type(value).__name__}."
        )
    value = float(value)
    bad = not np.isfinite(value)
    if low is not None:
        bad |= value <= low if low_open else value < low
    if high is not None:
        bad |= value >= high if high_open else value > high
    if bad:
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        lo_v = "-inf" if low is None else low
        hi_v = "inf" if high is None else high
        rng = f"{lo}{lo_v}, {hi_v}{hi}"
        raise ValueError(f"{name} must be a finite number in {rng}; got {value!r}.")
    return value


def check_sample_weight(sample_weight, n_samples, *, name="sample_weight"):
    """Validate non-negative, finite sample weights of shape (n_samples,)."""
    if sample_weight is None:
        return None
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be an array-like of numbers; got "
            f"{type(sample_weight).__name__}."
        ) from exc
    if w.ndim != 1 or w.shape[0] != n_samples:
        raise ValueError(
            f"{name}.shape must be ({n_samples},), matching the number of samples; "
            f"got {w.shape}."
        )
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} must be finite; got NaN or infinite values.")
    if np.any(w < 0):
        raise ValueError(
            f"{name} must be non-negative; got minimum {float(w.min())!r}."
        )
    if not np.any(w > 0):
        raise ValueError(f"{name} must not be all zero (total weight is 0).")
    return w


def _check_y(y, owner: str) -> np.ndarray:
    """Labels as a 1-D or 2-D array; NaN/inf and bad shapes name ``y``."""
    if y is None:
        raise ValueError(f"{owner} requires y to be passed, but the target y is None.")
    if sp.issparse(y):
        y = y.toarray()
    try:
        y = check_array(
            y,
            ensure_2d=False,
            dtype=None,
            ensure_all_finite=True,
            ensure_min_samples=0,
            input_name="y",
        )
    except ValueError as exc:
        if "Input y" in str(exc):
            raise
        raise ValueError(f"y is not valid: {exc}") from exc
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D or 2-D; got an array of shape {y.shape}.")
    return y


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


#: Largest focal ``gamma`` the estimators accept. The losses themselves are
#: finite for any gamma; a boosted model stops learning long before this (with
#: the default ``min_child_weight``, XGBoost makes no split at gamma=20 on a
#: 10%-positive problem, LightGBM none at 50; see docs/inputs.rst).
MAX_GAMMA = 100.0


def check_eval_set(eval_set, eval_sample_weight) -> bool:
    """Check the structure of ``eval_set`` / ``eval_sample_weight``.

    Returns False when there is no eval set; raises naming the parameter when
    ``eval_set`` is not a list of ``(X, y)`` pairs or the weights do not match.
    """
    if eval_set is None:
        if eval_sample_weight is not None:
            raise ValueError("eval_sample_weight was given without eval_set.")
        return False
    if not isinstance(eval_set, (list, tuple)) or not all(
        isinstance(e, (list, tuple)) and len(e) == 2 for e in eval_set
    ):
        raise ValueError(
            f"eval_set must be a list of (X, y) tuples; got {type(eval_set).__name__}."
        )
    if eval_sample_weight is not None and len(eval_sample_weight) != len(eval_set):
        raise ValueError(
            "eval_sample_weight must have one entry per eval_set entry; got "
            f"{len(eval_sample_weight)} for {len(eval_set)} eval sets."
        )
    return True


def check_same_rows(n_X: int, n_y: int) -> None:
    """Raise unless ``X`` and ``y`` have the same number of rows."""
    if n_X != n_y:
        raise ValueError(
            f"X has {n_X} rows but y has {n_y} labels; they must have the same "
            "number of samples."
        )


def check_classification_y(y) -> None:
    """``check_classification_targets`` with ``y`` named in its errors."""
    try:
        check_classification_targets(y)
    except ValueError as exc:
        raise ValueError(f"y is not a classification target: {exc}") from exc
    except TypeError as exc:
        raise TypeError(
            "y has labels that cannot be sorted (mixed types, or None among "
            f"strings?): {exc}"
        ) from exc


def encode_labels(y, classes: np.ndarray, *, name: str) -> np.ndarray:
    """Return the indices of ``y`` in the sorted ``classes`` (float64)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    try:
        idx = np.searchsorted(classes, y)
        idx = np.clip(idx, 0, len(classes) - 1)
        ok = classes[idx] == y
    except TypeError as exc:
        raise ValueError(f"{name} has labels not comparable with classes_.") from exc
    if not np.all(ok):
        unseen = np.unique(y[~ok])
        raise ValueError(
            f"{name} contains labels not seen in y: {unseen.tolist()!r}; "
            f"classes_ is {classes.tolist()!r}."
        )
    return idx.astype(np.float64)


#: Fitted state that does not end in ``_``.
_FIT_PRIVATE = ("_y_dtype",)


def _is_fitted_attr(key: str) -> bool:
    return (key.endswith("_") and not key.startswith("__")) or key in _FIT_PRIVATE


def _clear_fitted(estimator) -> None:
    """Delete every fitted attribute (public ``name_`` and private state)."""
    for key in [k for k in vars(estimator) if _is_fitted_attr(k)]:
        delattr(estimator, key)


def _copy_fitted(source, target) -> None:
    """Give ``target`` every fitted attribute of ``source``."""
    for key, value in vars(source).items():
        if _is_fitted_attr(key):
            setattr(target, key, value)


#: Sample weights whose largest entry lies outside [2**-64, 2**64] are divided
#: by that largest entry (ratios kept to an ulp; equal weights become 1, as if
#: unweighted). The focal risk depends on weight ratios only, but the
#: backends do not: XGBoost casts weights to float32 (1e300 overflows and
#: raises), and weighted Hessians of 1e-30 fall below any ``min_child_weight``
#: (no split at all). Weights of any realistic scale are left untouched.
WEIGHT_SCALE_BOUNDS = (2.0**-64, 2.0**64)


def _tame_weight_scale(w, top=None):
    """``w`` divided by its largest entry when that lies outside the bounds.

    ``top``: the largest entry, when the caller already has it (a dask
    reduction computed with the other weight checks).
    """
    if w is None or w.shape[0] == 0:
        return w
    top = float(w.max() if top is None else top)
    low, high = WEIGHT_SCALE_BOUNDS
    if low <= top <= high or not (top > 0 and np.isfinite(top)):
        return w
    with np.errstate(under="ignore"):
        return w / top


def _n_rows(X):
    return X.shape[0]


def _take_rows(X, mask):
    return X[mask] if not sp.issparse(X) else X[np.flatnonzero(mask)]


def _check_estimator_alpha(alpha):
    """Validate ``alpha`` before the target type is known."""
    if alpha is None or isinstance(alpha, (str, numbers.Real)):
        return check_alpha(alpha)
    return check_alpha_vector(alpha)


def make_loss(target_type, alpha, gamma, y_enc, sample_weight, n_outputs):
    """Build the loss for a target type, with ``alpha="balanced"`` resolved.

    Parameters
    ----------
    target_type : {"binary", "multiclass", "multilabel-indicator"}
        From :func:`sklearn.utils.multiclass.type_of_target`.
    alpha : float, array-like, "balanced" or None
        The estimator's ``alpha``.
    gamma : float
        The estimator's ``gamma``.
    y_enc : ndarray
        Encoded targets (0/1, class indices or indicator matrix).
    sample_weight : ndarray or None
        Training weights (for ``"balanced"``).
    n_outputs : int
        Number of classes (multiclass) or labels (multi-label).

    Returns
    -------
    BinaryFocalLoss, SoftmaxFocalLoss or MultiLabelFocalLoss
    """
    vector = alpha is not None and not isinstance(alpha, (str, numbers.Real))
    if target_type == "binary":
        if vector:
            raise ValueError(
                "alpha must be None, 'balanced' or a float in (0, 1) for a binary "
                f"target; got {alpha!r}."
            )
        if alpha == "balanced":
            alpha = BinaryFocalLoss("balanced", gamma).class_weights(
                y_enc, sample_weight
            )[1]
        return BinaryFocalLoss(alpha, gamma)
    if target_type == "multiclass":
        if isinstance(alpha, numbers.Real):
            # a scalar weighs every class the same (as kornia's focal loss does)
            alpha = np.full(n_outputs, float(alpha))
        elif isinstance(alpha, str) and alpha == "balanced":
            alpha = SoftmaxFocalLoss("balanced", gamma).class_weights(
                y_enc, n_outputs, sample_weight
            )
        loss = SoftmaxFocalLoss(alpha, gamma)
        if loss.alpha is not None and loss.alpha.shape[0] != n_outputs:
            raise ValueError(
                f"alpha has {loss.alpha.shape[0]} entries but y has {n_outputs} "
                "classes."
            )
        return loss
    loss = MultiLabelFocalLoss(alpha, gamma)
    if isinstance(loss.alpha, str):
        alpha_1 = loss.class_weights(y_enc, sample_weight)[1]
        # a label with a single class has alpha 0 or 1; its intercept is the
        # bound whatever alpha is, so keep alpha inside (0, 1)
        tiny = np.finfo(np.float64).eps
        loss = MultiLabelFocalLoss(np.clip(alpha_1, tiny, 1 - tiny), gamma)
    if isinstance(loss.alpha, np.ndarray) and loss.alpha.shape[0] != n_outputs:
        raise ValueError(
            f"alpha has {loss.alpha.shape[0]} entries but y has {n_outputs} labels."
        )
    return loss


@dataclass
class _EvalData:
    """One prepared evaluation set: features, encoded labels, weights."""

    X: object
    y: np.ndarray
    sample_weight: np.ndarray | None


class FocalClassifierMixin(ClassifierMixin, BaseEstimator):
    """Shared ``fit`` / ``predict`` machinery for the focal classifiers.

    Subclasses implement ``_backend_params()`` (validated native parameters),
    ``_fit_backend(...)`` and ``_raw_margin(X)`` (margin *without* intercept
    for backends that do not store it, with it for those that do).
    """

    # ------------------------------------------------------------- sklearn API
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = True
        return tags

    def _validate_common_params(self):
        _check_estimator_alpha(self.alpha)
        if check_gamma(self.gamma) > MAX_GAMMA:
            raise ValueError(
                f"gamma must be <= {MAX_GAMMA:g}; got {self.gamma!r}. The focal "
                "weight (1 - p)**gamma is then below 1e-30 for every sample the "
                "model gets even half right, so no tree can split (usual values: "
                "0.5 to 5)."
            )
        if not isinstance(self.hessian, str) or self.hessian not in HESSIAN_POLICIES:
            raise ValueError(
                f"hessian must be one of {HESSIAN_POLICIES}; got {self.hessian!r}."
            )
        self._check_probability()
        check_int("n_estimators", self.n_estimators, low=0)
        check_real("learning_rate", self.learning_rate, low=0, low_open=True)
        check_int(
            "early_stopping_rounds", self.early_stopping_rounds, low=1, allow_none=True
        )
        if self.booster_params is not None and not isinstance(
            self.booster_params, dict
        ):
            raise TypeError(
                "booster_params must be a dict of native parameters or None; got "
                f"{type(self.booster_params).__name__}."
            )
        reserved = set(self.booster_params or {}) & self._reserved_params
        if reserved:
            raise ValueError(
                f"booster_params must not set {sorted(reserved)}: focalboost owns the "
                "objective, the intercept and the metric, and the focal `alpha` / "
                "`gamma` are estimator parameters (use reg_alpha / min_split_loss "
                "for the backend's regularisers)."
            )
        self._check_importance_type()

    def _seed(self):
        if self.random_state is None:
            return None
        if isinstance(self.random_state, numbers.Integral) and not isinstance(
            self.random_state, bool
        ):
            return int(self.random_state)
        try:
            rng = check_random_state(self.random_state)
        except ValueError as exc:
            raise ValueError(
                "random_state must be None, an int or a numpy RandomState; got "
                f"{self.random_state!r}."
            ) from exc
        return int(rng.randint(np.iinfo(np.int32).max))

    def _kernel_threads(self) -> int | None:
        """Threads of the compiled objective kernel: ``n_jobs`` when positive.

        None (or ``n_jobs`` <= 0, the backends' "all threads") leaves the
        choice to :func:`focalboost._kernels.num_threads`.
        """
        n_jobs = self.n_jobs
        return int(n_jobs) if n_jobs is not None and n_jobs >= 1 else None

    def _validate_X(self, X, *, reset):
        return check_X(self, X, reset=reset)

    def _encode_y(self, y, *, name):
        return encode_labels(y, self.classes_, name=name)

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
        try:
            return self._fit(X, y, sample_weight, eval_set, eval_sample_weight)
        except BaseException:
            _clear_fitted(self)  # never leave a half-fitted estimator behind
            raise

    def _fit(self, X, y, sample_weight, eval_set, eval_sample_weight):
        self._validate_common_params()
        native = self._backend_params()
        X = check_X(self, X, reset=True)
        y = _check_y(y, type(self).__name__)
        check_same_rows(_n_rows(X), y.shape[0])
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        check_classification_y(y)
        w = check_sample_weight(sample_weight, _n_rows(X))
        if w is not None and np.any(w == 0):
            keep = w > 0
            X, y, w = _take_rows(X, keep), y[keep], w[keep]
        w = _tame_weight_scale(w)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        self._set_target(y_type, y, lambda: np.unique(y))
        if y_type == "multilabel-indicator":
            y_enc = np.asarray(y, dtype=np.float64)
        else:
            y_enc = self._encode_y(y, name="y")
        evals = self._prepare_eval_sets(eval_set, eval_sample_weight)
        loss, metric = self._fit_loss(y_enc, w, evals)
        native = self._scale_min_child_weight(native)
        self._fit_backend(X, y_enc, w, evals, loss, metric, native)
        self._warn_if_no_split(y_enc, w, native)
        return self

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

    def _fit_loss(self, y_enc, w, evals):
        """Set ``loss_``, ``alpha_`` and ``intercept_``; return (loss, eval metric).

        ``y_enc`` and ``w`` are the encoded labels and weights (or, on Dask, a
        small data set with the same per-class totals); ``evals`` the prepared
        eval sets, needed by ``early_stopping_rounds``.
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
        self.alpha_ = loss.alpha
        self.intercept_ = loss.fit_intercept_only(y_enc, w)
        self.hessian_scale_ = hessian_scale(
            loss, y_enc, w, self.intercept_, self.hessian
        )[0]
        return loss, resolve_eval_metric(self.eval_metric, loss)

    #: Native names of ``min_child_weight`` (the first) and its aliases that
    #: ``booster_params`` may set; set by each backend.
    _min_child_weight_keys: tuple[str, ...] = ("min_child_weight",)
    #: Native names of a minimum row count per leaf (LightGBM), else empty.
    _min_child_rows_keys: tuple[str, ...] = ()
    #: Least native value the scaling gives (a backend whose split search
    #: fails on Hessian sums near zero sets it above that).
    _min_child_weight_floor: float = 0.0

    def _scale_min_child_weight(self, params: dict) -> dict:
        """Native ``min_child_weight``: the parameter times ``hessian_scale_``.

        ``min_child_weight`` is in log-loss Hessian units, so the fit gives
        the backend ``min_child_weight * hessian_scale_`` (the same value at
        ``gamma=0, alpha=None``). A value set in ``booster_params`` (under
        any of the backend's names for it) is the native value itself and
        is passed unchanged.
        """
        key, *aliases = self._min_child_weight_keys
        given = set(self.booster_params or {})
        if given & set(aliases) and key not in given:
            return {k: v for k, v in params.items() if k != key}
        if key in given:
            return params
        native = max(params[key] * self.hessian_scale_, self._min_child_weight_floor)
        return dict(params, **{key: native})

    def _warn_if_no_split(self, y_enc, w, params: dict) -> None:
        """Warn when boosting rounds were asked for but no tree ever split.

        The model is then the focal-optimal constant. The backends report
        this only in their logs, which focalboost silences. The message
        names the constraint that made splits impossible, with its numbers.
        """
        if self.best_iteration_ < 0 or self._n_splits() > 0:
            return
        warnings.warn(
            f"{type(self).__name__} made no split in {self.best_iteration_ + 1} "
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
        scale = self.hessian_scale_
        focal = (
            f"gamma={self.gamma!r} and alpha={self.alpha!r} make the focal "
            f"Hessians {scale:.3g} x the log loss's at the intercept"
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

    def _prepare_eval_sets(self, eval_set, eval_sample_weight):
        if not check_eval_set(eval_set, eval_sample_weight):
            return []
        out = []
        for i, (Xe, ye) in enumerate(eval_set):
            try:
                Xe = self._validate_X(Xe, reset=False)
            except (ValueError, TypeError) as exc:
                raise type(exc)(f"eval_set[{i}] X: {exc}") from exc
            ye = np.asarray(ye)
            if ye.shape[0] != Xe.shape[0]:
                raise ValueError(
                    f"eval_set[{i}] has {Xe.shape[0]} rows in X but {ye.shape[0]} "
                    "labels in y."
                )
            if self.target_type_ == "multilabel-indicator":
                if (
                    ye.ndim != 2
                    or ye.shape[1] != self.n_outputs_
                    or not np.all(np.isin(ye, (0, 1)))
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
                ye = self._encode_y(ye, name=f"eval_set[{i}] y")
            we = None
            if eval_sample_weight is not None:
                we = _tame_weight_scale(
                    check_sample_weight(
                        eval_sample_weight[i],
                        Xe.shape[0],
                        name=f"eval_sample_weight[{i}]",
                    )
                )
            out.append(_EvalData(Xe, ye, we))
        return out

    # ------------------------------------------------------ fitted model view
    @property
    def n_classes_(self) -> int:
        """Number of classes (binary, multiclass) or of labels (multi-label).

        ``len(classes_)``, as in scikit-learn and the backends' classifiers.
        """
        return len(self.classes_)

    #: Accepted ``importance_type`` values; set by each backend.
    _importance_types: tuple[str, ...] = ()

    def _check_importance_type(self) -> str:
        """Return the resolved ``importance_type``, or raise naming it."""
        value = self.importance_type
        if value is None and None in self._importance_types:
            return self._default_importance_type()
        if not isinstance(value, str) or value not in self._importance_types:
            choices = [c for c in self._importance_types if c is not None]
            raise ValueError(
                f"importance_type must be one of {choices}"
                + (" or None" if None in self._importance_types else "")
                + f"; got {value!r}."
            )
        return value

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
        return self._feature_importances(self._check_importance_type())

    # ------------------------------------------------------------- persistence
    def save_model(self, fname: str | os.PathLike) -> None:
        """Save the fitted model in the backend's native format.

        The file is the one the backend's own ``save_model`` writes (XGBoost
        JSON or UBJSON by the file suffix; LightGBM text), so the booster
        alone loads with ``xgboost.Booster(model_file=...)`` /
        ``lightgbm.Booster(model_file=...)`` and predicts the full margin,
        intercept included. The focal parameters, classes, target type,
        probability link and categories travel inside it as a JSON document
        (an XGBoost booster attribute, a header line of the LightGBM text
        model) that :meth:`load_model` reads back.

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
        _clear_fitted(self)
        self.set_params(**new.get_params(deep=False))
        _copy_fitted(new, self)
        self.booster_ = booster
        return self

    # ----------------------------------------------------------------- predict
    def _check_probability(self):
        if not isinstance(self.probability, str) or self.probability not in (
            "posterior",
            "focal",
        ):
            raise ValueError(
                f"probability must be 'posterior' or 'focal'; got {self.probability!r}."
            )

    def decision_function(self, X) -> np.ndarray:
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

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, ``n_outputs_``), float64
            Binary: one value per sample; multiclass and multi-label: one per
            class or label.
        """
        check_is_fitted(self)
        self._check_probability()
        X = self._validate_X(X, reset=False)
        margin = np.asarray(self._margin(X), dtype=np.float64)
        if self.probability == "posterior":
            return self.loss_.posterior_raw_prediction(margin)
        return margin

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities: the link applied to :meth:`decision_function`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
            Binary: ``[1 - p, p]`` with ``p = expit(decision)``; multiclass:
            ``softmax(decision)`` (rows sum to 1); multi-label: ``expit`` of
            each label's value. Posterior estimates with
            ``probability="posterior"``, raw focal probabilities with
            ``"focal"``. Columns ordered as ``classes_``; float64.
        """
        return self._proba_from_decision(self.decision_function(X))

    def _proba_from_decision(self, decision: np.ndarray) -> np.ndarray:
        if self.target_type_ == "binary":
            return np.column_stack([expit(-decision), expit(decision)])
        if self.target_type_ == "multiclass":
            return softmax(decision, axis=1)
        return expit(decision)

    def predict(self, X) -> np.ndarray:
        """Predicted labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
            Binary: ``classes_[decision > 0]``; multiclass:
            ``classes_[argmax(decision)]``; multi-label: the 0/1 indicator
            matrix ``decision > 0`` in the dtype of the training ``y``
            (``decision`` from :meth:`decision_function`), i.e. the argmax of
            :meth:`predict_proba` (per label for multi-label).
        """
        return self._labels_from_decision(self.decision_function(X))

    def _labels_from_decision(self, decision: np.ndarray) -> np.ndarray:
        if self.target_type_ == "binary":
            return self.classes_[(decision > 0).astype(np.intp)]
        if self.target_type_ == "multiclass":
            return self.classes_[np.argmax(decision, axis=1)]
        return (decision > 0).astype(self._y_dtype)
