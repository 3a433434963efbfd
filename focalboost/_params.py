"""One table of parameters per backend: the single source of every parameter.

Each :class:`Param` holds a parameter's public name, default, type hint,
numpydoc entry, the backend's native name and the check that turns the
public value into the native one. From a table come

- the estimators' ``__init__`` (:func:`make_init`): an ordinary function
  with an explicit signature, which scikit-learn's ``get_params`` reads;
- the ``Parameters`` section of every docstring (:func:`parameters_doc`),
  the Dask classes' included;
- the validated native parameters passed to ``xgboost.train`` /
  ``lightgbm.train`` (:func:`native_params`), which also validates every
  parameter before any data is looked at;
- the keyword arguments of the Dask wrappers.

To add a parameter, add one entry to the table of its backend (or to the
shared ones below); nothing else is written by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ._validation import (
    check_choice,
    check_estimator_alpha,
    check_estimator_gamma,
    check_int,
    check_real,
)
from .losses import HESSIAN_POLICIES

__all__ = [
    "LIGHTGBM",
    "LIGHTGBM_RESERVED",
    "XGBOOST",
    "XGBOOST_RESERVED",
    "Param",
    "backend_keywords",
    "make_init",
    "native_params",
    "other_params",
    "parameters_doc",
    "refused",
]

Check = Callable[[str, Any], Any]


@dataclass(frozen=True)
class Param:
    """One estimator parameter.

    Attributes
    ----------
    name : str
        The public name (``get_params`` key).
    default : object
        Its default value.
    hint : str
        The type hint, as source text.
    doc_type : str
        The numpydoc type line, before ``, default=...``.
    doc : str
        The numpydoc description (one paragraph, no indentation).
    native : str or None
        The backend's name for it, None when focalboost consumes it itself.
    check : callable or None
        ``check(name, value)`` validates and returns the native value.
    positional : bool
        Whether it may be passed by position (the first three only).
    """

    name: str
    default: Any
    hint: str
    doc_type: str
    doc: str
    native: str | None = None
    check: Check | None = None
    positional: bool = False


# ----------------------------------------------------------------- checks
def real(low=None, high=None, *, low_open=False, high_open=False) -> Check:
    """Return a check of a finite real number in a range."""

    def check(name, value):
        return check_real(
            name, value, low=low, high=high, low_open=low_open, high_open=high_open
        )

    return check


def integer(low=None, *, allow_none=False) -> Check:
    """Return a check of an integer (``>= low``)."""

    def check(name, value):
        return check_int(name, value, low=low, allow_none=allow_none)

    return check


def choice(*options) -> Check:
    """Return a check that the value is one of ``options``."""

    def check(name, value):
        return check_choice(name, value, options)

    return check


def string(*, allow_none=False) -> Check:
    """Return a check of a string (or None)."""

    def check(name, value):
        if value is None and allow_none:
            return None
        if not isinstance(value, str):
            kind = "a string or None" if allow_none else "a string"
            raise TypeError(f"{name} must be {kind}; got {value!r}.")
        return value

    return check


def refused(reason: str) -> Check:
    """Return a check that refuses every value but None, saying why."""

    def check(name, value):
        if value is not None:
            raise ValueError(f"{name}={value!r} is not supported: {reason}")
        return None

    return check


def flag(*, allow_none=False) -> Check:
    """Return a check of a bool (or None)."""

    def check(name, value):
        if value is None and allow_none:
            return None
        if not isinstance(value, (bool, np.bool_)):
            kind = "True, False or None" if allow_none else "True or False"
            raise TypeError(f"{name} must be {kind}; got {value!r}.")
        return bool(value)

    return check


def _missing(name, value):
    if value is None:
        return np.nan
    return check_real(name, value) if not _is_nan(value) else np.nan


def _is_nan(value) -> bool:
    return isinstance(value, float) and value != value


def _class_weight(name, value):
    if value is None or isinstance(value, dict):
        return value
    if isinstance(value, str) and value == "balanced":
        return value
    raise ValueError(
        f"{name} must be None, 'balanced' or a dict {{label: weight}}; got {value!r}."
    )


def _list_or_none(name, value):
    if value is None or isinstance(value, (list, tuple)):
        return value
    raise TypeError(
        f"{name} must be a list or None; got {value!r} of type {type(value).__name__}."
    )


def _n_jobs(name, value):
    return None if value is None else check_int(name, value)


def _eval_metric(name, value):
    # the names and kinds; each backend's own names are resolved at fit
    from ._training import check_eval_metric

    return check_eval_metric(name, value)


# -------------------------------------------------- shared parameter entries
ALPHA = Param(
    "alpha",
    None,
    "float | Literal['balanced'] | ArrayLike | None",
    'float in (0, 1), array-like, "balanced" or None',
    "Focal class weights. Binary: weight of the positive class "
    "(``classes_[1]``), the negative class gets ``1 - alpha``. Multiclass: an "
    "array of ``n_classes`` positive weights (a scalar weighs all classes "
    "alike). Multi-label: a float in (0, 1) or one per label, the positive "
    'weight of each label. ``None``: no class weighting; ``"balanced"``: '
    "derived from the weighted class frequencies (binary: ``alpha`` = share "
    "of the negative class; see :mod:`focalboost.losses`).",
    check=lambda name, value: check_estimator_alpha(value),
    positional=True,
)
GAMMA = Param(
    "gamma",
    2.0,
    "float",
    "float >= 0",
    "Focusing parameter; ``gamma=0`` and ``alpha=None`` is the log loss.",
    check=lambda name, value: check_estimator_gamma(value),
    positional=True,
)
HESSIAN = Param(
    "hessian",
    "surrogate",
    "Literal['surrogate', 'clipped']",
    '{"surrogate", "clipped"}',
    "Hessian policy, see :data:`focalboost.losses.HESSIAN_POLICIES`.",
    check=choice(*HESSIAN_POLICIES),
    positional=True,
)
PROBABILITY = Param(
    "probability",
    "posterior",
    "Literal['posterior', 'focal']",
    '{"posterior", "focal"}',
    "What ``predict_proba`` returns (read at predict time, so it can be "
    'switched on a fitted model with ``set_params``). ``"posterior"``: the '
    "class posterior estimated from the focal margin by the closed-form "
    "inverse of the focal risk minimiser (see "
    ":meth:`focalboost.BinaryFocalLoss.posterior_raw_prediction`), which "
    "undoes both the focusing (``gamma``) and the class weighting "
    "(``alpha``): a 0.5 threshold is then the Bayes decision for accuracy. "
    "Focal loss is not a proper scoring rule and the map amplifies the "
    "margin's noise (about ``1 + gamma`` times in log-odds), so the "
    "calibration of these estimates degrades with model complexity; see "
    'the user guide. ``"focal"``: the link of the raw margin (``expit`` / '
    "``softmax``), pulled toward 0.5 by ``gamma`` and shifted by ``alpha``. "
    "``predict`` is the argmax of ``predict_proba`` and "
    "``decision_function`` its log-odds in either mode; rankings within a "
    "class (PR-AUC, ROC-AUC) are the same in both.",
    check=choice("posterior", "focal"),
)
N_ESTIMATORS = Param(
    "n_estimators",
    100,
    "int",
    "int",
    "Number of boosting rounds (0 gives the intercept-only model).",
    check=integer(0),
)
EARLY_STOPPING_ROUNDS = Param(
    "early_stopping_rounds",
    None,
    "int | None",
    "int or None",
    "Stop when the last ``eval_set`` entry's metric has not improved for "
    "this many rounds; predictions then use the best round.",
    check=integer(1, allow_none=True),
)
EVAL_METRIC = Param(
    "eval_metric",
    None,
    "str | Callable | list | None",
    "None, str, callable or list of them",
    "Metrics recorded on ``eval_set`` under the backend's names (see "
    "``evals_result_``) and used for early stopping, computed on the "
    "probabilities ``predict_proba`` returns. None: what the backend's "
    'classifier records, its log loss (XGBoost ``"logloss"`` / '
    '``"mlogloss"``, LightGBM ``"binary_logloss"`` / ``"multi_logloss"``); '
    'the training loss is ``"focal"``. XGBoost\'s names: ``"logloss"``, '
    '``"mlogloss"``, '
    '``"error"``, ``"error@t"``, ``"merror"``, ``"auc"``, ``"aucpr"``. '
    'LightGBM\'s: ``"binary_logloss"`` (``"binary"``), ``"multi_logloss"`` '
    '(``"multiclass"``), ``"cross_entropy"``, ``"binary_error"``, '
    '``"multi_error"``, ``"auc"``, ``"average_precision"``. Both: '
    '``"focal"``, ``"logloss"``, ``"brier"``, ``"roc_auc"``, '
    '``"average_precision"``. A list records each; XGBoost stops early on '
    "the last metric of the last set, LightGBM on any metric of any set "
    "(its ``first_metric_only`` keyword: the first metric only), and "
    "LightGBM also records its log loss unless listed. A callable is a "
    "scikit-learn metric ``f(y_true, y_score, sample_weight=None)`` "
    "(XGBoost's convention, minimised unless its name says ``auc``...) or "
    "a LightGBM metric ``f(y_true, y_pred) -> (name, value, "
    "is_higher_better)``; it receives the encoded targets and the "
    "probabilities (positive class for binary).",
    check=_eval_metric,
)
N_JOBS = Param(
    "n_jobs",
    None,
    "int | None",
    "int or None",
    "Threads of the backend and of focalboost's objective kernel; None "
    "lets the backend decide; the kernel then uses "
    "``FOCALBOOST_NUM_THREADS`` threads where set, else the CPUs the "
    "process may run on (affinity mask, cgroup quota), at most "
    "``OMP_NUM_THREADS`` where set and at most 8.",
    check=_n_jobs,
)
RANDOM_STATE = Param(
    "random_state",
    None,
    "int | RandomState | None",
    "int, RandomState instance or None",
    "Seed of the booster's sampling.",
)


def booster_params(backend: str) -> Param:
    """Return the ``booster_params`` entry of a backend (checked at fit)."""
    return Param(
        "booster_params",
        None,
        "dict[str, Any] | None",
        "dict or None",
        f"Native {backend} parameters, passed to :func:`{backend.lower()}.train` "
        "(the same rule as keyword arguments of other native names, see "
        "``**kwargs``); not the names focalboost owns (the objective, the "
        "intercept, the metric, the number of rounds, the focal ``alpha`` / "
        "``gamma`` and the class-weighting names): each is refused with what to "
        "use instead. A native name that an estimator parameter also sets wins "
        "over that parameter, unscaled.",
    )


#: Why ``objective=`` is refused (constructor keyword, ``**kwargs`` or
#: ``booster_params``).
OBJECTIVE_REASON = (
    "focalboost trains the focal loss. gamma=0, alpha=None is the backend's own "
    "log loss (XGBoost binary:logistic / multi:softprob, LightGBM binary / "
    "multiclass), with the same model to rounding."
)
_OWN = "focalboost sets it itself"
_INTERCEPT = (
    "focalboost starts from the focal-optimal constant (intercept_); pass "
    "base_margin / init_score to fit to start from your own margins"
)
_FOCAL = "the focal {0} is an estimator parameter; the backend's is {1}"
_WEIGHT = "use the estimator parameter {0}= (applied to the weights, see the docs)"

#: Native names focalboost sets itself or reads as estimator parameters, with
#: what to use instead: refused in ``booster_params`` and ``**kwargs``.
XGBOOST_RESERVED: dict[str, str] = {
    "objective": OBJECTIVE_REASON,
    "base_score": _INTERCEPT,
    "num_class": _OWN + " (from y)",
    "alpha": _FOCAL.format("alpha", "reg_alpha"),
    "gamma": _FOCAL.format("gamma", "min_split_loss"),
    "eval_metric": "use the estimator parameter eval_metric=",
    "disable_default_eval_metric": _OWN,
    "num_target": _OWN + " (from y)",
    "multi_strategy": "use the estimator parameter multi_strategy=",
    "scale_pos_weight": _WEIGHT.format("scale_pos_weight"),
}
LIGHTGBM_RESERVED: dict[str, str] = {
    "objective": OBJECTIVE_REASON,
    "application": OBJECTIVE_REASON,
    "app": OBJECTIVE_REASON,
    "objective_type": OBJECTIVE_REASON,
    "loss": OBJECTIVE_REASON,
    "metric": "use the estimator parameter eval_metric=",
    "num_class": _OWN + " (from y)",
    "init_score": _INTERCEPT,
    "alpha": _FOCAL.format("alpha", "reg_alpha"),
    "gamma": _FOCAL.format("gamma", "min_split_gain"),
    "num_iterations": "use n_estimators=",
    "n_estimators": "use n_estimators=",
    "num_boost_round": "use n_estimators=",
    "num_trees": "use n_estimators=",
    "num_iteration": "use n_estimators=",
    "num_tree": "use n_estimators=",
    "num_round": "use n_estimators=",
    "num_rounds": "use n_estimators=",
    "nrounds": "use n_estimators=",
    "max_iter": "use n_estimators=",
    "is_unbalance": _WEIGHT.format("is_unbalance"),
    "unbalance": _WEIGHT.format("is_unbalance"),
    "unbalanced_sets": _WEIGHT.format("is_unbalance"),
    "scale_pos_weight": _WEIGHT.format("scale_pos_weight"),
}


def _shared(name, hint, doc_type, doc, check) -> Param:
    """Return an entry both backends have (each sets default and native name)."""
    return Param(name, None, hint, doc_type, doc, check=check)


def _on(param: Param, default, native: str, doc: str | None = None) -> Param:
    """``param`` as one backend has it."""
    return replace(param, default=default, native=native, doc=doc or param.doc)


LEARNING_RATE = _shared("learning_rate", "float", "float", "", real(0, low_open=True))
MAX_DEPTH = _shared("max_depth", "int", "int", "", None)
MIN_CHILD_WEIGHT = _shared(
    "min_child_weight",
    "float",
    "float",
    "Minimum sum of Hessians in a child, in log-loss Hessian units (the "
    "backend's own default): the fit passes the backend ``min_child_weight * "
    "hessian_scale_``, the ratio of the focal to the log-loss Hessians at the "
    "start of training, so ``gamma=0, alpha=None`` is the backend's own "
    "classifier's model and a focal loss gets splits at the focal Hessians' "
    "scale. A value set in ``booster_params`` (under any of the backend's "
    "names for it) is passed unscaled. See the user guide for the measurement "
    "behind this rule.",
    real(0),
)
SUBSAMPLE = _shared(
    "subsample", "float", "float in (0, 1]", "", real(0, 1, low_open=True)
)
COLSAMPLE_BYTREE = _shared(
    "colsample_bytree",
    "float",
    "float in (0, 1]",
    "Column subsampling per tree.",
    real(0, 1, low_open=True),
)
REG_LAMBDA = _shared(
    "reg_lambda", "float", "float >= 0", "L2 regularisation of leaf values.", real(0)
)
REG_ALPHA = _shared(
    "reg_alpha", "float", "float >= 0", "L1 regularisation of leaf values.", real(0)
)
MAX_BIN = _shared("max_bin", "int", "int", "Histogram bins.", integer(2))
DEVICE_DOC = 'The backend\'s device, e.g. ``"cpu"`` or ``"cuda"``.'


SCALE_POS_WEIGHT = Param(
    "scale_pos_weight",
    None,
    "float | None",
    "float > 0 or None",
    "Binary targets: the positive class's weights times this factor, "
    "exactly as :class:`xgboost.XGBClassifier` (the composed weight is "
    "the sample weight everywhere, see the weighting rule in the user "
    "guide). None is 1. Refused for multiclass and multi-label targets.",
    check=lambda name, value: (
        None if value is None else real(0, low_open=True)(name, value)
    ),
)
OBJECTIVE = Param(
    "objective",
    None,
    "None",
    "None",
    "Refused: " + OBJECTIVE_REASON,
    check=refused(OBJECTIVE_REASON + " Use gamma=0, alpha=None."),
)


def _own(name, default, hint, doc_type, doc, check=None, native=None) -> Param:
    """Return an entry of one backend only (native name: the public one)."""
    return Param(name, default, hint, doc_type, doc, native or name, check)


#: The parameters of :class:`focalboost.FocalXGBClassifier`, in order.
XGBOOST: tuple[Param, ...] = (
    ALPHA,
    replace(
        GAMMA,
        doc=GAMMA.doc
        + " (XGBoost's own ``gamma`` regulariser is ``min_split_loss`` here.)",
    ),
    HESSIAN,
    PROBABILITY,
    replace(
        N_ESTIMATORS,
        hint="int | None",
        doc_type="int or None",
        doc=N_ESTIMATORS.doc + " None is XGBoost's default, 100.",
        check=lambda name, value: (
            100 if value is None else check_int(name, value, low=0)
        ),
    ),
    _on(LEARNING_RATE, 0.3, "eta", "XGBoost's ``eta``."),
    replace(
        _on(
            MAX_DEPTH,
            6,
            "max_depth",
            'Maximum tree depth (0: no limit, with ``grow_policy="lossguide"``).',
        ),
        check=integer(0),
    ),
    _on(MIN_CHILD_WEIGHT, 1.0, "min_child_weight"),
    _on(SUBSAMPLE, 1.0, "subsample", "Row subsampling per tree."),
    _on(COLSAMPLE_BYTREE, 1.0, "colsample_bytree"),
    _on(REG_LAMBDA, 1.0, "lambda"),
    _on(REG_ALPHA, 0.0, "alpha"),
    _own(
        "min_split_loss",
        0.0,
        "float",
        "float >= 0",
        "XGBoost's ``gamma`` (minimum loss reduction to split).",
        real(0),
        native="gamma",
    ),
    _on(MAX_BIN, 256, "max_bin"),
    _own("tree_method", "hist", "str", "str", "XGBoost tree method.", string()),
    replace(N_JOBS, native="nthread"),
    RANDOM_STATE,
    _own(
        "device", None, "str | None", "str or None", DEVICE_DOC, string(allow_none=True)
    ),
    EARLY_STOPPING_ROUNDS,
    EVAL_METRIC,
    Param(
        "importance_type",
        None,
        "str | None",
        '{"gain", "weight", "cover", "total_gain", "total_cover"} or None',
        "What :attr:`feature_importances_` reports, as in "
        ':class:`xgboost.XGBClassifier`: None is ``"gain"`` (``"weight"`` '
        'for ``booster="gblinear"``); normalised to sum to 1.',
        check=choice(None, "gain", "weight", "cover", "total_gain", "total_cover"),
    ),
    Param(
        "multi_strategy",
        "one_output_per_tree",
        "Literal['one_output_per_tree', 'multi_output_tree']",
        '{"one_output_per_tree", "multi_output_tree"}',
        "For multiclass and multi-label targets: one tree per class/label and "
        'round, or one vector-leaf tree per round (``tree_method="hist"``).',
        check=choice("one_output_per_tree", "multi_output_tree"),
    ),
    SCALE_POS_WEIGHT,
    Param(
        "missing",
        np.nan,
        "float",
        "float",
        "The value that marks a missing entry, as in XGBoost (NaN is always missing).",
        check=_missing,
    ),
    Param(
        "enable_categorical",
        None,
        "bool | None",
        "bool or None",
        "Categorical columns of a pandas / polars ``X`` are split on natively "
        "with None or True; False refuses them, as XGBoost does.",
        check=flag(allow_none=True),
    ),
    Param(
        "feature_types",
        None,
        "list[str] | None",
        "list of str or None",
        "XGBoost's per-column types (``'q'`` numeric, ``'c'`` categorical "
        "codes); None derives them from ``X``.",
        check=_list_or_none,
    ),
    Param(
        "feature_weights",
        None,
        "ArrayLike | None",
        "array-like of shape (n_features,) or None",
        "Column-sampling weights, as in XGBoost (also a ``fit`` argument, which wins).",
    ),
    Param(
        "callbacks",
        None,
        "list | None",
        "list of xgboost.callback.TrainingCallback or None",
        "XGBoost training callbacks (``xgboost.callback.EarlyStopping``, "
        "``LearningRateScheduler``, ...), passed to :func:`xgboost.train`; "
        "the model keeps the best round an early-stopping callback chose.",
        check=_list_or_none,
    ),
    OBJECTIVE,
    Param(
        "base_score",
        None,
        "None",
        "None",
        "Refused: focalboost starts from the focal-optimal constant "
        "(``intercept_``); pass ``base_margin`` to ``fit`` to start from your own "
        "margins.",
        check=refused(_INTERCEPT + "."),
    ),
    booster_params("XGBoost"),
)

#: The parameters of :class:`focalboost.FocalLGBMClassifier`, in order.
#: ``native`` is LightGBM's main name (the name ``lightgbm.train`` reports).
LIGHTGBM: tuple[Param, ...] = (
    ALPHA,
    GAMMA,
    HESSIAN,
    PROBABILITY,
    N_ESTIMATORS,
    _on(LEARNING_RATE, 0.1, "learning_rate", "Shrinkage."),
    _own("num_leaves", 31, "int", "int", "Maximum leaves per tree.", integer(2)),
    replace(
        _on(MAX_DEPTH, -1, "max_depth", "Maximum depth (-1: no limit)."),
        check=integer(-1),
    ),
    _on(
        MIN_CHILD_WEIGHT,
        1e-3,
        "min_sum_hessian_in_leaf",
        MIN_CHILD_WEIGHT.doc
        + " At least 1e-10 (below which LightGBM's split search fails); "
        "``min_child_samples`` is usually the binding constraint.",
    ),
    _own(
        "min_child_samples",
        20,
        "int",
        "int",
        "``min_data_in_leaf``.",
        integer(0),
        native="min_data_in_leaf",
    ),
    _on(
        SUBSAMPLE,
        1.0,
        "bagging_fraction",
        "``bagging_fraction`` (active when ``subsample_freq > 0``).",
    ),
    _own(
        "subsample_freq",
        0,
        "int",
        "int",
        "``bagging_freq``.",
        integer(0),
        native="bagging_freq",
    ),
    _on(COLSAMPLE_BYTREE, 1.0, "feature_fraction", "``feature_fraction``."),
    _on(REG_LAMBDA, 0.0, "lambda_l2", "``lambda_l2``."),
    _on(REG_ALPHA, 0.0, "lambda_l1", "``lambda_l1``."),
    _on(MAX_BIN, 255, "max_bin"),
    replace(N_JOBS, native="num_threads"),
    replace(
        RANDOM_STATE,
        doc="``seed``. When set, also ``deterministic=True`` and "
        "``force_col_wise=True``, so that refits are bit-identical (override "
        "them in ``booster_params`` if speed matters more).",
    ),
    _own("device_type", "cpu", "str", "str", DEVICE_DOC, string()),
    EARLY_STOPPING_ROUNDS,
    EVAL_METRIC,
    Param(
        "importance_type",
        "split",
        "Literal['split', 'gain']",
        '{"split", "gain"}',
        "What :attr:`feature_importances_` reports, as in "
        ":class:`lightgbm.LGBMClassifier`: split counts or total gains (not "
        "normalised).",
        check=choice("split", "gain"),
    ),
    Param(
        "class_weight",
        None,
        "dict | Literal['balanced'] | None",
        '"balanced", dict or None',
        "Weights of the classes, as in :class:`lightgbm.LGBMClassifier`: "
        '``{label: weight}`` (absent labels weigh 1) or ``"balanced"`` '
        "(``n_samples / (n_classes * count)``, sklearn's "
        "``compute_sample_weight``); multiplied into the sample weights.",
        check=_class_weight,
    ),
    Param(
        "is_unbalance",
        False,
        "bool",
        "bool",
        "Binary targets: LightGBM's ``is_unbalance``; the smaller class's "
        "weights times ``count(larger) / count(smaller)``.",
        check=flag(),
    ),
    replace(
        SCALE_POS_WEIGHT,
        doc="Binary targets: the positive class's weights times this factor "
        "(LightGBM's ``scale_pos_weight``; not with ``is_unbalance``). None is "
        "1.",
    ),
    OBJECTIVE,
    booster_params("LightGBM"),
)


# ------------------------------------------------------------- what derives
def make_init(params: Sequence[Param], qualname: str, module: str):
    """Return an ``__init__`` with the explicit signature of ``params``.

    The first parameters marked ``positional`` may be passed by position,
    the rest by keyword only; the body stores each argument under its name,
    as scikit-learn requires (no validation, no other attribute). Keyword
    arguments that are not in the table are kept in ``_other_params``, as
    the backends' scikit-learn classifiers keep their ``**kwargs``: the
    estimator's ``get_params`` shows them, ``set_params`` takes them, and
    the fit passes them to the backend under :func:`other_params`'s rule.
    """
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise ValueError(f"parameter names repeat: {names}")
    args = []
    for i, p in enumerate(params):
        if not p.positional and (i == 0 or params[i - 1].positional):
            args.append("*")
        args.append(f"{p.name}: {p.hint} = __defaults[{p.name!r}]")
    args.append("**kwargs: Any")
    body = "\n".join(f"    self.{n} = {n}" for n in names)
    source = (
        "from __future__ import annotations\n"
        f"def __init__(self, {', '.join(args)}):\n{body}\n"
        "    self._other_params = kwargs\n"
    )
    namespace: dict[str, Any] = {"__defaults": {p.name: p.default for p in params}}
    exec(source, namespace)  # noqa: S102 - the source is built from the table
    init = namespace["__init__"]
    init.__qualname__ = f"{qualname}.__init__"
    init.__module__ = module
    init.__doc__ = f"Store the parameters (see :class:`{module}.{qualname}`)."
    return init


def backend_keywords(
    params: Sequence[Param], signature, backend_class: str
) -> tuple[Param, ...]:
    """Return ``params`` with every other keyword of the backend's classifier.

    ``signature`` is :func:`inspect.signature` of the backend classifier's
    ``__init__``; each keyword it has and the table lacks becomes an entry
    with the backend's default, passed to the booster under its own name
    (the backend's scikit-learn wrapper does the same; LightGBM resolves its
    aliases). The entries go before the last one (``booster_params``).
    """
    have = {p.name for p in params}
    extra = []
    for name, arg in signature.parameters.items():
        if name == "self" or name in have or arg.kind is arg.VAR_KEYWORD:
            continue
        extra.append(
            Param(
                name,
                arg.default,
                "Any",
                "object",
                f"As in :class:`{backend_class}`: passed to the booster as ``{name}``.",
                native=name,
            )
        )
    return (*params[:-1], *extra, params[-1])


def other_params(
    values: dict[str, Any] | None,
    reserved: dict[str, str],
    known: Callable[[str], bool] | None,
    owner: str,
    where: str = "keyword argument",
) -> dict[str, Any]:
    """Check native parameters given by name; return those to pass.

    The one rule for a backend keyword outside the table (``**kwargs`` and
    ``booster_params`` alike, for both backends and the Dask estimators): a
    name focalboost owns is refused with what to use instead (``reserved``);
    a name the backend does not know (``known(name)`` false; None: the
    backend reports it itself) is refused; any other is the backend's native
    parameter, passed to the booster unchanged (a None value: not passed).
    """
    out = {}
    for name, value in (values or {}).items():
        if name in reserved:
            raise ValueError(
                f"{name}={value!r} ({where}) is not supported: {reserved[name]}."
            )
        if known is not None and not known(name):
            raise ValueError(
                f"{name}={value!r} ({where}) is neither a parameter of {owner} "
                "nor a native parameter of its backend; check the spelling."
            )
        if value is not None:
            out[name] = value
    return out


def _default_text(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float) and value != 0 and abs(value) < 1e-2:
        return f"{value:g}"
    return repr(value)


def parameters_doc(params: Sequence[Param], indent: str = "    ") -> str:
    """Return the numpydoc ``Parameters`` section of ``params``, indented.

    Each entry is ``name : type, default=value`` and its description,
    wrapped to the project's line length.
    """
    import textwrap

    lines = ["Parameters", "----------"]
    for p in params:
        # the head stays on one line: numpydoc reads no continuation
        lines.append(f"{p.name} : {p.doc_type}, default={_default_text(p.default)}")
        lines += textwrap.wrap(
            p.doc, 80, initial_indent="    ", subsequent_indent="    "
        )
    lines.append("**kwargs")
    lines += textwrap.wrap(
        KWARGS_DOC, 80, initial_indent="    ", subsequent_indent="    "
    )
    return "\n".join(indent + line if line else line for line in lines)


#: The ``**kwargs`` entry of every estimator's ``Parameters`` section.
KWARGS_DOC = (
    "Other native parameters of the backend, as the backend's scikit-learn "
    "classifier takes them: kept by ``get_params`` / ``set_params`` (so "
    "``clone`` and ``GridSearchCV`` keep them) and passed to the booster "
    "unchanged. A name focalboost owns is refused with what to use instead; "
    "a name LightGBM does not know is refused (XGBoost warns about unused "
    "parameters itself)."
)


def native_params(estimator, params: Sequence[Param]) -> dict[str, Any]:
    """Validate every parameter of ``estimator``; return the native ones.

    Each parameter with a ``check`` is checked (in table order, so the first
    bad parameter is the one reported); those with a ``native`` name and a
    value other than None are returned under that name.
    """
    out: dict[str, Any] = {}
    for p in params:
        value = getattr(estimator, p.name)
        if p.check is not None:
            value = p.check(p.name, value)
        if p.native is not None and value is not None:
            out[p.native] = value
    return out
