"""ONNX export: the tree ensemble's margins, then the focal map as ONNX operators.

The trees go through the converters users already have (onnxmltools'
``convert_xgboost`` and ``convert_lightgbm``): focalboost hands them a copy
of the booster whose stored objective they accept and keeps only their
``TreeEnsembleRegressor`` (one output per margin, no post transform, the
intercept as base value for XGBoost, in the first round's leaves for
LightGBM). The margins come out of ONNX Runtime in float32, as XGBoost's
own; the map after them (posterior or focal link, labels) runs in float64.

:func:`register_onnx_converters` declares both estimators to skl2onnx (a
shape calculator, a converter and the classifier parser with its
``zipmap`` option), so that ``skl2onnx.to_onnx(clf, X[:1])`` and
``convert_sklearn`` of a ``Pipeline`` ending in a focal classifier work;
:func:`to_onnx` is the one-line form. onnx, skl2onnx and onnxmltools (the
``onnx`` extra) are imported when called, not when focalboost is.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..lightgbm import FocalLGBMClassifier
from ..lightgbm import serving_objective as lgb_serving_objective
from ..xgboost import FocalXGBClassifier

__all__ = ["register_onnx_converters", "to_onnx"]

#: skl2onnx aliases of the registered estimators.
ALIASES = {
    FocalXGBClassifier: "FocalboostFocalXGBClassifier",
    FocalLGBMClassifier: "FocalboostFocalLGBMClassifier",
}
#: Main ONNX opset the one-line helper asks for, and the ``ai.onnx.ml`` one
#: (``TreeEnsembleRegressor`` is replaced by ``TreeEnsemble`` from ml opset 5).
DEFAULT_OPSET = {"": 18, "ai.onnx.ml": 3}
#: Opset asked of onnxmltools, whose tree attributes do not depend on it.
CONVERTER_OPSET = 15


def _require():
    try:
        import onnx  # noqa: F401
        import onnxmltools  # noqa: F401
        import skl2onnx  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "ONNX export needs onnx, skl2onnx and onnxmltools: pip install "
            f"'focalboost[onnx]' ({exc})."
        ) from None


def register_onnx_converters() -> None:
    """Declare the focal classifiers to skl2onnx (idempotent).

    After this call ``skl2onnx.to_onnx(clf, X[:1])`` and
    ``skl2onnx.convert_sklearn(pipeline, ...)`` convert
    :class:`~focalboost.FocalXGBClassifier` and
    :class:`~focalboost.FocalLGBMClassifier`, alone or as the last step of a
    pipeline. Outputs as skl2onnx classifiers: ``label`` and
    ``probabilities`` (through a ``ZipMap`` unless the option ``zipmap`` is
    False, as for every skl2onnx classifier).

    Examples
    --------
    >>> import numpy as np
    >>> import skl2onnx
    >>> from focalboost import FocalXGBClassifier
    >>> from focalboost.export import register_onnx_converters
    >>> X = np.random.default_rng(0).normal(size=(200, 3)).astype(np.float32)
    >>> clf = FocalXGBClassifier(n_estimators=3).fit(X, X[:, 0] > 0)
    >>> register_onnx_converters()
    >>> onx = skl2onnx.to_onnx(
    ...     clf, X[:1], options={"zipmap": False},
    ...     target_opset={"": 18, "ai.onnx.ml": 3})
    >>> [o.name for o in onx.graph.output]
    ['label', 'probabilities']
    """
    _require()
    from skl2onnx import update_registered_converter

    for cls, alias in ALIASES.items():
        update_registered_converter(
            cls,
            alias,
            _shape_calculator,
            _converter,
            options={"zipmap": [True, False, "columns"], "nocl": [False, True]},
        )


def to_onnx(
    model,
    X_sample,
    *,
    zipmap: bool = False,
    target_opset: int | dict | None = None,
) -> Any:
    """Convert a fitted focal classifier (or a pipeline ending in one) to ONNX.

    ONNX Runtime then returns ``label`` (``predict``) and ``probabilities``
    (``predict_proba``): the tree margins in float32 (as XGBoost computes
    them; LightGBM computes in float64), the posterior map or focal link in
    float64, probabilities in the input's float type.

    Parameters
    ----------
    model : FocalXGBClassifier, FocalLGBMClassifier or Pipeline
        Fitted; a pipeline's other steps must be convertible by skl2onnx.
    X_sample : array-like of shape (n_samples, n_features)
        One or more rows: their dtype (float32 or float64) and width give
        the input of the graph.
    zipmap : bool, default=False
        False: ``probabilities`` is a tensor of shape (n, n_classes);
        True: skl2onnx's list of ``{class: probability}`` maps.
    target_opset : int or dict, default=None
        None: ``{"": 18, "ai.onnx.ml": 3}``.

    Returns
    -------
    onnx.ModelProto

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from focalboost import FocalLGBMClassifier, to_onnx
    >>> X = np.random.default_rng(0).normal(size=(300, 4)).astype(np.float32)
    >>> clf = FocalLGBMClassifier(alpha=0.25, n_estimators=5).fit(X, X[:, 0] > 0)
    >>> sess = ort.InferenceSession(to_onnx(clf, X[:1]).SerializeToString())
    >>> label, proba = sess.run(None, {"X": X})
    >>> bool(np.abs(proba - clf.predict_proba(X)).max() < 1e-5)
    True
    """
    register_onnx_converters()
    from skl2onnx import to_onnx as skl2onnx_to_onnx

    options = {cls: {"zipmap": zipmap} for cls in ALIASES}
    return skl2onnx_to_onnx(
        model,
        X_sample,
        options=options,
        target_opset=DEFAULT_OPSET if target_opset is None else target_opset,
    )


# ------------------------------------------------------------ skl2onnx hooks
def _label_type(clf):
    from skl2onnx.common.data_types import Int64TensorType, StringTensorType

    kind = np.asarray(clf.classes_).dtype.kind
    if clf.target_type_ == "multilabel-indicator" or kind in "biu":
        return Int64TensorType
    if kind in "OU" and all(isinstance(c, str) for c in clf.classes_):
        return StringTensorType
    if kind == "f" and np.all(np.asarray(clf.classes_) % 1 == 0):
        return Int64TensorType
    raise TypeError(
        f"ONNX export needs integer, boolean or string classes_; got {clf.classes_!r}."
    )


def _shape_calculator(operator) -> None:
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    clf = operator.raw_operator
    check_is_fitted(clf)
    n = operator.inputs[0].get_first_dimension()
    double = isinstance(operator.inputs[0].type, DoubleTensorType)
    proba = DoubleTensorType if double else FloatTensorType
    label = _label_type(clf)
    multilabel = clf.target_type_ == "multilabel-indicator"
    operator.outputs[0].type = label([n, clf.n_outputs_] if multilabel else [n])
    operator.outputs[1].type = proba([n, len(clf.classes_)])


def _check_exportable(clf) -> None:
    check_is_fitted(clf)
    if getattr(clf, "categories_", None):
        raise ValueError(
            "ONNX export of a model with categorical columns "
            f"{sorted(clf.categories_)!r} is not supported; encode them as "
            "numbers before fitting."
        )
    if clf._n_rounds() == 0:
        raise ValueError(
            f"{type(clf).__name__} has no boosting rounds (n_estimators=0): "
            "there is no tree ensemble to export."
        )
    if clf.probability not in ("posterior", "focal"):
        raise ValueError(
            f"probability must be 'posterior' or 'focal'; got {clf.probability!r}."
        )


def _node_attributes(model_proto) -> dict:
    from onnx import helper

    nodes = [
        n
        for n in model_proto.graph.node
        if n.op_type in ("TreeEnsembleRegressor", "TreeEnsembleClassifier")
    ]
    if len(nodes) != 1:
        raise RuntimeError(
            "expected one tree ensemble from the converter; got "
            f"{[n.op_type for n in model_proto.graph.node]}."
        )
    return {a.name: helper.get_attribute_value(a) for a in nodes[0].attribute}


def _regressor(attrs: dict, n_targets: int, output_of_tree, base_values) -> dict:
    """Return a converter's tree ensemble as a ``TreeEnsembleRegressor`` of margins."""
    out = {}
    for key, value in attrs.items():
        if key.startswith("classlabels") or key in ("name", "base_values"):
            continue
        if key.startswith("class_"):
            key = "target_" + key[len("class_") :]
        out[key] = value
    out["target_ids"] = [int(output_of_tree(t)) for t in out["target_treeids"]]
    out["n_targets"] = n_targets
    out["post_transform"] = "NONE"
    if base_values is not None:
        out["base_values"] = [float(v) for v in base_values]
    return out


def _xgboost_trees(clf: FocalXGBClassifier, n_features: int) -> dict:
    import onnxmltools
    import xgboost as xgb
    from onnxmltools.convert.common.data_types import FloatTensorType

    booster = clf.booster_
    n_rounds = clf._n_rounds()  # the rounds predict uses
    if booster.num_boosted_rounds() > n_rounds:
        booster = booster[:n_rounds]
    booster = booster.copy()
    booster.feature_names = None  # the converter reads features as f0, f1, ...
    booster.feature_types = None
    for name in booster.attributes():  # best_iteration would cut the trees
        booster.set_attr(**{name: None})
    model = json.loads(booster.save_raw("json"))["learner"]
    if model["gradient_booster"]["name"] != "gbtree":
        raise ValueError(
            "ONNX export supports booster='gbtree' only; got "
            f"{model['gradient_booster']['name']!r}."
        )
    tree_info = model["gradient_booster"]["model"]["tree_info"]
    base_score = json.loads(model["learner_model_param"]["base_score"])
    regressor = xgb.XGBRegressor()
    regressor.load_model(bytearray(booster.save_raw("ubj")))
    proto = onnxmltools.convert_xgboost(
        regressor,
        initial_types=[("X", FloatTensorType([None, n_features]))],
        target_opset=CONVERTER_OPSET,
    )
    base = np.broadcast_to(np.atleast_1d(base_score), (clf.n_outputs_,))
    return _regressor(
        _node_attributes(proto), clf.n_outputs_, tree_info.__getitem__, base
    )


def _lightgbm_trees(clf: FocalLGBMClassifier, n_features: int) -> dict:
    import lightgbm as lgb
    import onnxmltools
    from onnx import numpy_helper
    from onnxmltools.convert.common.data_types import FloatTensorType

    text = clf.booster_.model_to_string(num_iteration=clf._n_rounds())
    # the objective of the saved file, which the converter accepts
    booster = lgb.Booster(
        model_str=lgb_serving_objective(text, clf.target_type_, clf.n_outputs_)
    )
    proto = onnxmltools.convert_lightgbm(
        booster,
        initial_types=[("X", FloatTensorType([None, n_features]))],
        target_opset=CONVERTER_OPSET,
        zipmap=False,
    )
    k = clf.n_outputs_
    attrs = _regressor(_node_attributes(proto), k, lambda t: t % k, None)
    # LightGBM compares and sums in float64: give ONNX Runtime the float64
    # thresholds and leaf values (ai.onnx.ml opset 3), which the converter
    # wrote as float32; each is found in its tree by its float32 rounding
    splits, leaves = _float64_values(booster.dump_model()["tree_info"])
    values = [
        value if mode == b"LEAF" else splits[tree][feature, value]
        for tree, feature, mode, value in zip(
            attrs["nodes_treeids"],
            attrs["nodes_featureids"],
            attrs["nodes_modes"],
            attrs.pop("nodes_values"),
            strict=True,
        )
    ]
    weights = [
        leaves[tree][w]
        for tree, w in zip(
            attrs["target_treeids"], attrs.pop("target_weights"), strict=True
        )
    ]
    attrs["nodes_values_as_tensor"] = numpy_helper.from_array(
        np.asarray(values, dtype=np.float64)
    )
    attrs["target_weights_as_tensor"] = numpy_helper.from_array(
        np.asarray(weights, dtype=np.float64)
    )
    return attrs


def _float64_values(tree_info) -> tuple[list, list]:
    """Return per tree ``{(feature, float32 threshold): threshold}`` and leaves.

    The leaves as ``{float32 leaf value: leaf value}``.
    """
    splits, leaves = [], []
    for info in tree_info:
        tree_splits, tree_leaves = {}, {}
        stack = [info["tree_structure"]]
        while stack:
            node = stack.pop()
            if "leaf_value" in node:
                value = float(node["leaf_value"])
                tree_leaves.setdefault(float(np.float32(value)), value)
            else:
                value = float(node["threshold"])
                key = node["split_feature"], float(np.float32(value))
                tree_splits.setdefault(key, value)
                stack += [node["left_child"], node["right_child"]]
        splits.append(tree_splits)
        leaves.append(tree_leaves)
    return splits, leaves


class _Graph:
    """Adds float64 operators to a skl2onnx container."""

    def __init__(self, scope, container):
        self.scope = scope
        self.container = container

    def name(self, hint: str) -> str:
        return self.scope.get_unique_variable_name(hint)

    def const(self, values, dtype=np.float64) -> str:
        from onnx import TensorProto

        arr = np.asarray(values, dtype=dtype)
        kind = {
            np.dtype(np.float64): TensorProto.DOUBLE,
            np.dtype(np.int64): TensorProto.INT64,
        }[arr.dtype]
        name = self.name("cst")
        self.container.add_initializer(
            name, kind, list(arr.shape), arr.ravel().tolist()
        )
        return name

    def op(self, op_type: str, *inputs: str, domain: str = "", **attrs) -> str:
        out = self.name(op_type.lower())
        self.container.add_node(
            op_type,
            list(inputs),
            [out],
            op_domain=domain,
            name=self.scope.get_unique_operator_name(op_type),
            **attrs,
        )
        return out

    def reduce(self, op_type: str, x: str, axis: int, keepdims: int) -> str:
        # axes became an input in opset 13 (ReduceSum) and 18 (the others)
        since = 13 if op_type == "ReduceSum" else 18
        if self.container.target_opset >= since:
            return self.op(op_type, x, self.const([axis], np.int64), keepdims=keepdims)
        return self.op(op_type, x, axes=[axis], keepdims=keepdims)

    # ----------------------------------------------------------- the maths
    def h_pair(self, z: str) -> tuple[str, str, str, str]:
        """``h(z)``, ``h(-z)``, ``t = exp(-|z|)`` and ``log1p(t) / t``.

        ``log1p(t) / t = log(u) / (u - 1)`` with ``u = 1 + t`` (1 where
        ``u == 1``): accurate to a few ulps without a ``Log1p`` operator.
        """
        one = self.const(1.0)
        a = self.op("Abs", z)
        t = self.op("Exp", self.op("Neg", a))
        u = self.op("Add", t, one)
        ratio = self.op(
            "Where",
            self.op("Equal", u, one),
            one,
            self.op("Div", self.op("Log", u), self.op("Sub", u, one)),
        )
        h_abs = self.op("Mul", t, self.op("Add", a, self.op("Mul", t, ratio)))
        positive = self.op("Greater", z, self.const(0.0))
        h = self.op("Where", positive, h_abs, ratio)
        h_neg = self.op("Where", positive, ratio, h_abs)
        return h, h_neg, t, ratio

    def log1p_gamma(self, h: str, gamma: float) -> str:
        return self.op(
            "Log", self.op("Add", self.const(1.0), self.op("Mul", h, self.const(gamma)))
        )

    def binary_log_odds(self, z: str, log_ratio, gamma: float) -> str:
        """Return ``g(z)`` of :func:`~focalboost.export.binary_posterior`."""
        h, h_neg, _, _ = self.h_pair(z)
        linear = self.op(
            "Add", self.const(log_ratio), self.op("Mul", z, self.const(1.0 + gamma))
        )
        return self.op(
            "Sub",
            self.op("Add", linear, self.log1p_gamma(h, gamma)),
            self.log1p_gamma(h_neg, gamma),
        )

    def softmax_scores(self, z: str, n_classes: int, log_alpha, gamma: float) -> str:
        """Log posterior (up to a constant per row) of the softmax focal map."""
        rest = [[j for j in range(n_classes) if j != k] for k in range(n_classes)]
        others = self.op("Gather", z, self.const(rest, np.int64), axis=1)  # (n, K, K-1)
        top = self.reduce("ReduceMax", others, 2, 1)
        total = self.reduce(
            "ReduceSum", self.op("Exp", self.op("Sub", others, top)), 2, 0
        )
        lse = self.op(
            "Add", self.op("Log", total), self.reduce("ReduceMax", others, 2, 0)
        )
        u = self.op("Sub", z, lse)  # one-vs-rest margins
        _, h_neg, t, ratio = self.h_pair(u)
        log1p_t = self.op("Mul", t, ratio)
        zero = self.const(0.0)
        softplus = self.op("Add", self.op("Max", u, zero), log1p_t)
        softplus_neg = self.op("Add", self.op("Max", self.op("Neg", u), zero), log1p_t)
        scores = self.op(
            "Sub",
            self.op("Mul", softplus, self.const(gamma)),
            self.op("Add", softplus_neg, self.log1p_gamma(h_neg, gamma)),
        )
        return self.op("Sub", scores, self.const(log_alpha))


def _converter(scope, operator, container) -> None:
    from onnx import TensorProto
    from skl2onnx.common.data_types import DoubleTensorType

    clf = operator.raw_operator
    _check_exportable(clf)
    g = _Graph(scope, container)
    x = operator.inputs[0].full_name
    n_features = clf.n_features_in_
    if isinstance(clf, FocalXGBClassifier):
        attrs = _xgboost_trees(clf, n_features)
        x = g.op("Cast", x, to=TensorProto.FLOAT)  # XGBoost compares float32
    elif isinstance(clf, FocalLGBMClassifier):
        attrs = _lightgbm_trees(clf, n_features)
        x = g.op("Cast", x, to=TensorProto.DOUBLE)  # LightGBM compares float64
    else:  # pragma: no cover - registered for these two only
        raise TypeError(f"cannot export {type(clf).__name__}")
    margin32 = g.op("TreeEnsembleRegressor", x, domain="ai.onnx.ml", **attrs)
    z = g.op("Cast", margin32, to=TensorProto.DOUBLE)

    kind, loss, gamma = clf.target_type_, clf.loss_, float(clf.loss_.gamma)
    posterior = clf.probability == "posterior"
    if kind == "multiclass":
        n_classes = clf.n_outputs_
        if posterior:
            alpha = np.ones(n_classes) if loss.alpha is None else loss.alpha
            decision = g.softmax_scores(z, n_classes, np.log(alpha), gamma)
        else:
            decision = z
        proba = g.op("Softmax", decision, axis=1)
        index = g.op("ArgMax", decision, axis=1, keepdims=0)
    else:
        if posterior:
            a1 = 0.5 if loss.alpha is None else np.asarray(loss.alpha, np.float64)
            log_ratio = np.log1p(-a1) - np.log(a1)
            decision = g.binary_log_odds(z, log_ratio, gamma)
        else:
            decision = z
        p1 = g.op("Sigmoid", decision)
        positive = g.op("Greater", decision, g.const(0.0))
        index = g.op("Cast", positive, to=TensorProto.INT64)
        if kind == "binary":
            p0 = g.op("Sigmoid", g.op("Neg", decision))
            proba = g.op("Concat", p0, p1, axis=1)
            index = g.op("Reshape", index, g.const([-1], np.int64))
        else:
            proba = p1
    label_out, proba_out = operator.outputs[0].full_name, operator.outputs[1].full_name
    if kind == "multilabel-indicator":
        container.add_node(
            "Identity",
            [index],
            [label_out],
            name=scope.get_unique_operator_name("Identity"),
        )
    else:
        classes = np.asarray(clf.classes_)
        if classes.dtype.kind in "OU":
            name = g.name("classes")
            container.add_initializer(
                name,
                TensorProto.STRING,
                [len(classes)],
                [str(c).encode() for c in classes],
            )
        else:
            name = g.const(classes.astype(np.int64), np.int64)
        container.add_node(
            "Gather",
            [name, index],
            [label_out],
            axis=0,
            name=scope.get_unique_operator_name("Gather"),
        )
    double = isinstance(operator.inputs[0].type, DoubleTensorType)
    container.add_node(
        "Cast",
        [proba],
        [proba_out],
        to=TensorProto.DOUBLE if double else TensorProto.FLOAT,
        name=scope.get_unique_operator_name("Cast"),
    )
