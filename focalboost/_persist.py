"""The fitted state of an estimator: one table for saving, restoring, clearing, copying.

Every fitted attribute is one :class:`Fitted` entry of :data:`FITTED`: its
documentation (the ``Attributes`` section of every estimator's docstring is
made from it), how it is written to and read from the JSON document that
travels inside the native model file, and what a file written before it
existed gives. :func:`clear` (a failed ``fit``), :func:`copy` (``to_local``,
``load_model``), :func:`metadata` (``save_model``) and :func:`restore`
(``load_model``) all read the same table, so a new fitted attribute is one
new entry here and nothing else.

The backends' native files hold the trees and, by focalboost's design, the
intercept (XGBoost ``base_score``, LightGBM first-round leaves). The document
adds what they cannot hold: the focal parameters, the classes, the target
type, the probability link and the categories of categorical columns. It is
an XGBoost booster attribute, or a ``focalboost_metadata=`` header line of the
LightGBM text model, which LightGBM's own loader skips. Floats are written
with ``repr`` (exact round trip), so a loaded model predicts bit-identically.

The document is also what a server without focalboost reads (the Serving page
of the documentation): ``target_type``, ``classes`` (the column order of the
probabilities), ``loss`` (``class``, the resolved ``alpha`` and ``gamma``:
the arguments of :func:`focalboost.binary_posterior` and its kin),
``params`` (``probability`` among them), ``intercept`` and the feature
names. Keys are only ever added, so an older reader keeps working. The
file's stored objective is not part of it: each backend module writes the
objective its loaders serve and keeps the training one beside the document
(``focalboost_training_objective``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._version import __version__
from .losses import BinaryFocalLoss, MultiLabelFocalLoss, SoftmaxFocalLoss

__all__ = [
    "FITTED",
    "FORMAT_VERSION",
    "KEY",
    "Fitted",
    "attributes_doc",
    "clear",
    "copy",
    "metadata",
    "restore",
]

FORMAT_VERSION = 1
KEY = "focalboost_metadata"
_LOSSES = {
    cls.__name__: cls
    for cls in (BinaryFocalLoss, SoftmaxFocalLoss, MultiLabelFocalLoss)
}
#: A document value that is not there (a file older than the attribute).
ABSENT = object()


def jsonable(value) -> Any:
    """Return ``value`` as JSON types, or raise TypeError."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    raise TypeError(f"cannot store {value!r} of type {type(value).__name__}")


def _array(values, dtype: str) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype.kind == "O":
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    return np.asarray(values, dtype=dtype)


# ------------------------------------------- how each attribute is stored
def _dump_classes(classes):
    if classes.dtype.kind not in "biuOUf":
        raise TypeError(
            f"save_model cannot store classes_ of dtype {classes.dtype}; pickle "
            "the estimator instead."
        )
    return {"classes": jsonable(classes), "classes_dtype": classes.dtype.str}


def _load_classes(doc):
    return _array(doc["classes"], doc["classes_dtype"])


def _dump_loss(loss):
    alpha = jsonable(loss.alpha)
    return {"loss": {"class": type(loss).__name__, "alpha": alpha, "gamma": loss.gamma}}


def _load_loss(doc):
    spec = doc["loss"]
    alpha = spec["alpha"]
    if isinstance(alpha, list):
        alpha = np.asarray(alpha, dtype=np.float64)
    return _LOSSES[spec["class"]](alpha, spec["gamma"])


def _load_intercept(doc):
    intercept = np.asarray(doc["intercept"], dtype=np.float64)
    return float(intercept) if intercept.ndim == 0 else intercept


def _dump_categories(categories):
    out = {}
    for column, cats in categories.items():
        try:
            out[column] = jsonable(cats)
        except TypeError as exc:
            raise TypeError(
                f"save_model cannot store the categories of X column {column!r}: "
                f"{exc}; pickle the estimator instead."
            ) from None
    return {"categories": out}


def _dump_history(history):
    # non-finite metric values (a NaN AUC on a one-class eval set) as strings
    return {
        "evals_result": {
            name: {
                metric: [v if math.isfinite(v) else repr(float(v)) for v in values]
                for metric, values in h.items()
            }
            for name, h in history.items()
        }
    }


def _load_history(doc):
    return {
        name: {metric: [float(v) for v in values] for metric, values in h.items()}
        for name, h in doc["evals_result"].items()
    }


def _plain(key: str, kind: Callable = lambda v: v):
    """Store under ``key`` as JSON; read back through ``kind``."""

    def dump(value):
        return {key: jsonable(value)}

    def load(doc):
        value = doc.get(key, ABSENT)
        return ABSENT if value is ABSENT or value is None else kind(value)

    return dump, load


@dataclass(frozen=True)
class Fitted:
    """One fitted attribute.

    Attributes
    ----------
    name : str
        The attribute.
    doc_type : str
        Its numpydoc type line; ``{booster}`` stands for the backend's
        booster class.
    doc : str
        Its description; ``{intercept}`` stands for where the backend keeps
        the intercept.
    dump : callable or None
        ``dump(value) -> dict`` of document keys; None: not in the document
        (the booster is the native file itself).
    load : callable or None
        ``load(document) -> value``, or :data:`ABSENT` when the document (an
        older file, or an estimator that had no such attribute) lacks it.
    """

    name: str
    doc_type: str
    doc: str
    dump: Callable | None = None
    load: Callable | None = None


#: The fitted state of every estimator, in documentation order.
FITTED: tuple[Fitted, ...] = (
    Fitted(
        "classes_",
        "ndarray of shape (n_classes,) or (n_labels,)",
        "Class labels (binary, multiclass) or ``arange(n_labels)`` (multi-label "
        "indicator ``y``), as in scikit-learn.",
        _dump_classes,
        _load_classes,
    ),
    Fitted(
        "target_type_",
        '{"binary", "multiclass", "multilabel-indicator"}',
        "The target type seen in ``fit``.",
        *_plain("target_type"),
    ),
    Fitted(
        "n_outputs_",
        "int",
        "Margins per sample: 1 (binary), ``n_classes`` or ``n_labels``.",
        *_plain("n_outputs", int),
    ),
    Fitted(
        "n_features_in_",
        "int",
        "Number of features seen in ``fit``.",
        *_plain("n_features_in", int),
    ),
    Fitted(
        "feature_names_in_",
        "ndarray of shape (``n_features_in_``,)",
        "Feature names, when ``X`` had string column names.",
        *_plain("feature_names_in", lambda v: _array(v, "O")),
    ),
    Fitted(
        "categories_",
        "dict",
        "``{column name: categories}`` of the categorical columns of a pandas "
        "(``category``) or polars (``Categorical``/``Enum``) ``X``, split on "
        "natively; at predict time values are matched to these categories by "
        "value and an unseen value is a missing value. Empty otherwise.",
        _dump_categories,
        _plain("categories")[1],
    ),
    Fitted(
        "loss_",
        "BinaryFocalLoss, SoftmaxFocalLoss or MultiLabelFocalLoss",
        "The training loss, ``alpha`` resolved (``alpha_`` is its ``alpha``).",
        _dump_loss,
        _load_loss,
    ),
    Fitted(
        "intercept_",
        "float or ndarray of shape (``n_outputs_``,)",
        "The focal-optimal constant margin(s) ({intercept}).",
        *_plain("intercept", lambda v: _load_intercept({"intercept": v})),
    ),
    Fitted(
        "hessian_scale_",
        "float",
        "Total focal Hessian at ``intercept_`` over the total log-loss Hessian "
        "at the log-loss intercept (1 at ``gamma=0, alpha=None``); the native "
        "``min_child_weight`` is ``min_child_weight * hessian_scale_``.",
        # files written before it existed trained with no scaling
        _plain("hessian_scale", float)[0],
        lambda doc: float(doc.get("hessian_scale", 1.0)),
    ),
    Fitted("booster_", "{booster}", "The fitted booster: the rounds ``predict`` uses."),
    Fitted(
        "_best_round",
        "int",
        "0-based index of the last round used for prediction (-1: none); "
        "each backend shows it by its own convention (``best_iteration_``).",
        *_plain("best_iteration", int),
    ),
    Fitted(
        "_early_stopped",
        "bool",
        "Whether early stopping chose that round.",
        *_plain("early_stopped", bool),
    ),
    Fitted(
        "evals_result_",
        "dict",
        "Per-round metric history keyed as the backend keys it, "
        '``{"validation_0": {"logloss": [...]}, ...}`` (LightGBM: '
        '``"valid_0"``, ``"binary_logloss"``).',
        _dump_history,
        _load_history,
    ),
    Fitted(
        "_y_dtype",
        "str",
        "dtype of a multi-label ``y`` (``predict`` returns it).",
        *_plain("y_dtype", lambda v: np.dtype(v).str),
    ),
)


def attributes_doc(
    *, booster: str, intercept: str, extra=(), indent: str = "    "
) -> str:
    """Return the numpydoc ``Attributes`` section of :data:`FITTED` (public ones).

    ``booster`` and ``intercept`` fill the backend-specific words; ``extra``
    holds ``(name, type, doc)`` rows of a class's own properties.
    """
    import textwrap

    rows = [
        (
            f.name,
            f.doc_type.replace("{booster}", booster),
            f.doc.replace("{intercept}", intercept),
        )
        for f in FITTED
        if not f.name.startswith("_")
    ]
    lines = ["Attributes", "----------"]
    for name, doc_type, doc in [*rows, *extra]:
        lines.append(f"{name} : {doc_type}")
        lines += textwrap.wrap(doc, 80, initial_indent="    ", subsequent_indent="    ")
    return "\n".join(indent + line for line in lines)


# ------------------------------------------------------------ the four rules
def clear(estimator) -> None:
    """Delete every fitted attribute of ``estimator`` (a failed fit, a reload)."""
    for f in FITTED:
        if f.name in vars(estimator):
            delattr(estimator, f.name)


def copy(source, target) -> None:
    """Give ``target`` every fitted attribute of ``source`` (same objects)."""
    clear(target)
    for f in FITTED:
        if f.name in vars(source):
            setattr(target, f.name, vars(source)[f.name])


#: Parameters that hold training-time objects, stored as None (the backends'
#: own ``save_model`` does not keep its ``callbacks`` either).
NOT_STORED = ("callbacks",)


def metadata(estimator) -> str:
    """Return the JSON document of a fitted estimator (all but the trees)."""
    params = {}
    for name, value in estimator.get_params(deep=False).items():
        if name == "random_state" and not (
            value is None or isinstance(value, (int, np.integer))
        ):
            value = None  # a RandomState instance is not stored
        if name in NOT_STORED:
            value = None
        if isinstance(value, float) and value != value:
            continue  # NaN (XGBoost's ``missing``): the default, restored as it
        try:
            params[name] = jsonable(value)
        except TypeError as exc:
            raise TypeError(
                f"save_model cannot store the parameter {name}={value!r}: {exc}; "
                "pickle the estimator instead."
            ) from None
    doc: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "focalboost_version": __version__,
        "estimator": type(estimator).__name__,
        "params": params,
    }
    for f in FITTED:
        if f.dump is not None and f.name in vars(estimator):
            doc.update(f.dump(vars(estimator)[f.name]))
    try:
        return json.dumps(doc, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"save_model cannot store this model: {exc}") from None


def restore(estimator, text: str | None, source: str) -> None:
    """Set parameters and fitted attributes from :func:`metadata`'s document.

    The booster is not touched (the caller loads the native file).
    """
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
    known = estimator.get_params(deep=False)
    estimator.set_params(**{k: v for k, v in doc["params"].items() if k in known})
    clear(estimator)
    for f in FITTED:
        if f.load is None:
            continue
        value = f.load(doc)
        if value is not ABSENT:
            setattr(estimator, f.name, value)
