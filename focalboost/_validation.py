"""The checks shared by the single-machine and the Dask estimators.

Every function raises a ``ValueError`` or ``TypeError`` that names the
parameter and the value it got; none of them knows a backend.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array

from ._compat import names_input
from .losses._common import check_alpha, check_alpha_vector, check_gamma

__all__ = [
    "MAX_GAMMA",
    "WEIGHT_SCALE_BOUNDS",
    "check_booster_params",
    "class_factors",
    "check_choice",
    "check_classification_y",
    "check_estimator_alpha",
    "check_estimator_gamma",
    "check_eval_labels",
    "check_eval_set",
    "check_int",
    "check_real",
    "check_same_rows",
    "check_sample_weight",
    "check_y",
    "encode_labels",
    "seed_from",
    "take_rows",
    "tame_weight_scale",
]


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


def check_y(y, owner: str) -> np.ndarray:
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
        if names_input(str(exc), "y"):
            raise
        raise ValueError(f"y is not valid: {exc}") from exc
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D or 2-D; got an array of shape {y.shape}.")
    return y


#: Largest focal ``gamma`` the estimators accept. The losses themselves are
#: finite for any gamma; a boosted model stops learning long before this (with
#: the default ``min_child_weight``, XGBoost makes no split from gamma=30 on a
#: 10%-positive problem, LightGBM none from 50; see docs/inputs.rst).
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


def check_eval_labels(i: int, shape, target_type: str, n_outputs: int, zero_one: bool):
    """Check the shape (and 0/1 values) of ``eval_set[i]``'s ``y``.

    ``zero_one``: whether every value of a multi-label ``y`` is 0 or 1 (the
    caller computes it, eagerly or as a dask reduction).
    """
    if target_type == "multilabel-indicator":
        if len(shape) != 2 or shape[1] != n_outputs or not zero_one:
            raise ValueError(
                f"eval_set[{i}] y must be a 0/1 indicator matrix with "
                f"{n_outputs} columns; got shape {tuple(shape)}."
            )
    elif len(shape) != 1 and not (len(shape) == 2 and shape[1] == 1):
        raise ValueError(f"eval_set[{i}] y must be 1-D; got shape {tuple(shape)}.")


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


#: Sample weights whose largest entry lies outside [2**-64, 2**64] are divided
#: by that largest entry (ratios kept to an ulp; equal weights become 1, as if
#: unweighted). The focal risk depends on weight ratios only, but the
#: backends do not: XGBoost casts weights to float32 (1e300 overflows and
#: raises), and weighted Hessians of 1e-30 fall below any ``min_child_weight``
#: (no split at all). Weights of any realistic scale are left untouched.
WEIGHT_SCALE_BOUNDS = (2.0**-64, 2.0**64)


def tame_weight_scale(w, top=None):
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


def take_rows(X, mask):
    """Rows of ``X`` (array or sparse matrix) where ``mask`` is True."""
    return X[mask] if not sp.issparse(X) else X[np.flatnonzero(mask)]


def check_estimator_alpha(alpha):
    """Validate the estimators' ``alpha`` before the target type is known."""
    if alpha is None or isinstance(alpha, (str, numbers.Real)):
        return check_alpha(alpha)
    return check_alpha_vector(alpha)


def check_estimator_gamma(gamma) -> float:
    """Validate the estimators' ``gamma``: a finite number in [0, MAX_GAMMA]."""
    if check_gamma(gamma) > MAX_GAMMA:
        raise ValueError(
            f"gamma must be <= {MAX_GAMMA:g}; got {gamma!r}. The focal "
            "weight (1 - p)**gamma is then below 1e-30 for every sample the "
            "model gets even half right, so no tree can split (usual values: "
            "0.5 to 5)."
        )
    return float(gamma)


def check_choice(name, value, choices):
    """Return ``value`` if it is one of ``choices``, or raise naming ``name``."""
    if not any(value is c or (isinstance(value, str) and value == c) for c in choices):
        raise ValueError(f"{name} must be one of {tuple(choices)}; got {value!r}.")
    return value


def seed_from(random_state) -> int | None:
    """Return the integer seed of ``random_state``.

    None, an int, or a numpy ``RandomState`` / ``Generator`` from which an
    integer below ``2**31 - 1`` is drawn, as the backends' classifiers draw it.
    """
    if random_state is None:
        return None
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(np.iinfo(np.int32).max))
    if isinstance(random_state, numbers.Integral) and not isinstance(
        random_state, bool
    ):
        return int(random_state)
    try:
        rng = check_random_state(random_state)
    except ValueError as exc:
        raise ValueError(
            "random_state must be None, an int, a numpy RandomState or Generator; "
            "got "
            f"{random_state!r}."
        ) from exc
    return int(rng.randint(np.iinfo(np.int32).max))


def check_booster_params(booster_params, reserved) -> dict:
    """``booster_params`` as a dict; none of the ``reserved`` native names.

    ``reserved``: ``{name: what to use instead}``.
    """
    if booster_params is None:
        return {}
    if not isinstance(booster_params, dict):
        raise TypeError(
            "booster_params must be a dict of native parameters or None; got "
            f"{type(booster_params).__name__}."
        )
    clash = sorted(set(booster_params) & set(reserved))
    if clash:
        raise ValueError(
            f"booster_params must not set {clash}: "
            + "; ".join(f"{name}: {reserved[name]}" for name in clash)
            + "."
        )
    return booster_params


def class_factors(
    target_type: str,
    classes,
    counts,
    *,
    class_weight=None,
    is_unbalance: bool = False,
    scale_pos_weight=None,
):
    """Per-class weight factors of the class-weighting parameters, or None.

    The one weighting rule of the estimators: the weight of a sample is its
    ``sample_weight`` times the factor of its class given here, and that
    product is the sample weight everywhere after (the objective, the
    intercept, ``alpha="balanced"``, ``min_child_weight``'s Hessian sums,
    the backend's data). The focal ``alpha`` then weighs classes inside the
    loss, on top.

    - ``class_weight``: a dict ``{label: weight}`` (labels absent weigh 1)
      or ``"balanced"``, ``n_samples / (n_classes * count)``, as scikit-learn's
      ``compute_sample_weight`` and LightGBM's ``LGBMClassifier``;
    - ``is_unbalance`` (LightGBM, binary): the smaller class's factor is
      ``count(larger) / count(smaller)``;
    - ``scale_pos_weight`` (binary): the positive class's factor times it.

    Parameters
    ----------
    target_type : str
        ``"binary"``, ``"multiclass"`` or ``"multilabel-indicator"``.
    classes : ndarray
        ``classes_``.
    counts : ndarray
        Number of training rows of each class (rows of positive weight).
    class_weight, is_unbalance, scale_pos_weight
        The estimator parameters (checked).

    Returns
    -------
    ndarray of shape (n_classes,) or None
        None when no parameter changes a weight.
    """
    used = [
        name
        for name, value in (
            ("class_weight", class_weight),
            ("is_unbalance", is_unbalance or None),
            ("scale_pos_weight", scale_pos_weight),
        )
        if value is not None
    ]
    if not used:
        return None
    if target_type == "multilabel-indicator":
        raise ValueError(
            f"{used[0]} is not supported for a multi-label target: weigh the "
            "labels with alpha (one positive weight per label) or rows with "
            "sample_weight."
        )
    if target_type != "binary":
        binary_only = [n for n in used if n != "class_weight"]
        if binary_only:
            name = binary_only[0]
            value = is_unbalance if name == "is_unbalance" else scale_pos_weight
            raise ValueError(
                f"{name}={value!r} applies to binary targets only (the backends "
                "ignore it for multiclass); use class_weight= or alpha= for "
                f"the {len(classes)} classes."
            )
    if is_unbalance and scale_pos_weight is not None:
        raise ValueError(
            f"is_unbalance=True and scale_pos_weight={scale_pos_weight!r} cannot "
            "be used together (LightGBM refuses it too); choose one."
        )
    counts = np.asarray(counts, dtype=np.float64)
    factors = np.ones(len(classes), dtype=np.float64)
    if isinstance(class_weight, str):  # "balanced", checked
        factors *= counts.sum() / (len(classes) * counts)
    elif class_weight is not None:
        listed = list(classes)
        unknown = [k for k in class_weight if not any(k == c for c in listed)]
        if unknown:
            raise ValueError(
                f"class_weight has labels not in y: {unknown!r}; classes_ is "
                f"{np.asarray(classes).tolist()!r}."
            )
        for i, c in enumerate(listed):
            if c in class_weight:
                factors[i] = check_real(
                    f"class_weight[{c!r}]", class_weight[c], low=0, low_open=True
                )
    if is_unbalance:
        # LightGBM's BinaryLogloss: the rarer class up-weighted by the ratio
        small, large = (0, 1) if counts[0] < counts[1] else (1, 0)
        factors[small] *= counts[large] / counts[small]
    if scale_pos_weight is not None:
        factors[1] *= scale_pos_weight
    return factors
