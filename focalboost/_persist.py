"""What a fitted focal classifier needs beyond its booster, as JSON.

The backends' native model files hold the trees (and, by focalboost's design,
the intercept: XGBoost ``base_score``, LightGBM first-round leaves). They do
not hold the focal parameters, the classes, the target type, the probability
link or the categories of categorical columns. :func:`metadata` writes those as
one JSON document that travels inside the native file (an XGBoost booster
attribute; a ``focalboost_metadata=`` header line of the LightGBM text model,
which LightGBM's own loader ignores), and :func:`restore` sets them back.
Floats are written with ``repr`` (exact round trip), so a loaded model
predicts bit-identically.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from ._version import __version__
from .losses import BinaryFocalLoss, MultiLabelFocalLoss, SoftmaxFocalLoss

FORMAT_VERSION = 1
KEY = "focalboost_metadata"
_LOSSES = {
    cls.__name__: cls
    for cls in (BinaryFocalLoss, SoftmaxFocalLoss, MultiLabelFocalLoss)
}


def _jsonable(value) -> Any:
    """``value`` as JSON types, or raise TypeError."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    raise TypeError(f"cannot store {value!r} of type {type(value).__name__}")


def _array(values, dtype: str) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype.kind == "O":
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    return np.asarray(values, dtype=dtype)


def _categories(estimator) -> dict:
    out = {}
    for column, cats in getattr(estimator, "categories_", {}).items():
        try:
            out[column] = _jsonable(cats)
        except TypeError as exc:
            raise TypeError(
                f"save_model cannot store the categories of X column {column!r}: "
                f"{exc}; pickle the estimator instead."
            ) from None
    return out


def metadata(estimator) -> str:
    """Return the JSON document of a fitted estimator (all but the trees)."""
    classes = estimator.classes_
    if classes.dtype.kind not in "biuOU" and classes.dtype.kind != "f":
        raise TypeError(
            f"save_model cannot store classes_ of dtype {classes.dtype}; pickle "
            "the estimator instead."
        )
    params = {}
    for name, value in estimator.get_params(deep=False).items():
        if name == "random_state" and not (
            value is None or isinstance(value, (int, np.integer))
        ):
            value = None  # a RandomState instance is not stored
        try:
            params[name] = _jsonable(value)
        except TypeError as exc:
            raise TypeError(
                f"save_model cannot store the parameter {name}={value!r}: {exc}; "
                "pickle the estimator instead."
            ) from None
    loss = estimator.loss_
    doc = {
        "format": FORMAT_VERSION,
        "focalboost_version": __version__,
        "estimator": type(estimator).__name__,
        "params": params,
        "loss": {
            "class": type(loss).__name__,
            "alpha": _jsonable(loss.alpha),
            "gamma": float(loss.gamma),
        },
        "classes": _jsonable(classes),
        "classes_dtype": classes.dtype.str,
        "target_type": estimator.target_type_,
        "n_outputs": int(estimator.n_outputs_),
        "intercept": _jsonable(np.asarray(estimator.intercept_, dtype=np.float64)),
        "best_iteration": int(estimator.best_iteration_),
        "hessian_scale": float(estimator.hessian_scale_),
        "n_features_in": int(estimator.n_features_in_),
        "feature_names_in": (
            _jsonable(estimator.feature_names_in_)
            if hasattr(estimator, "feature_names_in_")
            else None
        ),
        "categories": _categories(estimator),
        "y_dtype": (
            np.dtype(estimator._y_dtype).str if hasattr(estimator, "_y_dtype") else None
        ),
        "evals_result": {
            name: {
                metric: [v if math.isfinite(v) else repr(float(v)) for v in values]
                for metric, values in history.items()
            }
            for name, history in estimator.evals_result_.items()
        },
    }
    try:
        return json.dumps(doc, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"save_model cannot store this model: {exc}") from None


def restore(estimator, text: str | None, source: str) -> None:
    """Set parameters and fitted attributes from :func:`metadata`'s document."""
    if text is None:
        raise ValueError(
            f"{source} is not a focalboost model file (it has no {KEY}); load it "
            "with the backend's own Booster, or save it with save_model."
        )
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source}: corrupt {KEY}: {exc}") from None
    if doc.get("format") != FORMAT_VERSION:
        raise ValueError(
            f"{source}: focalboost model format {doc.get('format')!r} is not "
            f"supported (this version reads format {FORMAT_VERSION})."
        )
    if doc["estimator"] != type(estimator).__name__:
        raise ValueError(
            f"{source} holds a {doc['estimator']}, not a {type(estimator).__name__}."
        )
    estimator.set_params(**doc["params"])
    spec = doc["loss"]
    alpha = spec["alpha"]
    if isinstance(alpha, list):
        alpha = np.asarray(alpha, dtype=np.float64)
    estimator.loss_ = _LOSSES[spec["class"]](alpha, spec["gamma"])
    estimator.alpha_ = estimator.loss_.alpha
    estimator.classes_ = _array(doc["classes"], doc["classes_dtype"])
    estimator.target_type_ = doc["target_type"]
    estimator.n_outputs_ = doc["n_outputs"]
    intercept = np.asarray(doc["intercept"], dtype=np.float64)
    estimator.intercept_ = float(intercept) if intercept.ndim == 0 else intercept
    estimator.best_iteration_ = doc["best_iteration"]
    # files written before hessian_scale_ existed trained with no scaling
    estimator.hessian_scale_ = float(doc.get("hessian_scale", 1.0))
    estimator.n_features_in_ = doc["n_features_in"]
    if doc["feature_names_in"] is not None:
        estimator.feature_names_in_ = _array(doc["feature_names_in"], "O")
    elif hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_
    estimator.categories_ = doc["categories"]
    if doc["y_dtype"] is not None:
        estimator._y_dtype = np.dtype(doc["y_dtype"]).str
    # non-finite metric values (a NaN AUC on a one-class eval set) are strings
    estimator.evals_result_ = {
        name: {metric: [float(v) for v in values] for metric, values in h.items()}
        for name, h in doc["evals_result"].items()
    }
