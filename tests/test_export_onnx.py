"""ONNX export: ONNX Runtime's labels and probabilities against the estimators'.

The reference is the estimator's own ``predict`` / ``predict_proba`` on the
same rows; ONNX Runtime runs the exported graph. 10,000 fresh rows per case,
with margins beyond +-30 (separable data, learning rate 1, no leaf
regularisation), for both backends, the three target kinds, both
``probability`` modes, the classifier alone and after a StandardScaler.

Tolerance: the tree ensemble runs in float32 in ONNX Runtime (as XGBoost's
own prediction), so a margin ``z`` carries an absolute error of about
``n_rounds * eps32 * max|partial sum|``; every map after it runs in float64
and has a derivative in probability of at most ``(1 + gamma) / 4`` (binary
posterior, largest at ``p = 1/2`` where margins are small) and less than 1
elsewhere, so probabilities stay within 1e-5 while margin errors stay within
1e-5 / (1 + gamma) near the decision boundary. Where margins are large the
probabilities are saturated and float32 margin noise does not show.
"""

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime", reason="ONNX tests need onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx", reason="ONNX export needs skl2onnx")
pytest.importorskip("onnxmltools", reason="ONNX export needs onnxmltools")

from skl2onnx.common.data_types import DoubleTensorType  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from focalboost import FocalLGBMClassifier, FocalXGBClassifier, to_onnx  # noqa: E402
from focalboost.export import register_onnx_converters  # noqa: E402

OPSET = {"": 18, "ai.onnx.ml": 3}
N_TEST = 10_000
#: Per backend and target kind: (class, parameters) that take margins beyond
#: +-30 on the test rows (learning rate up to 2, little or no L2 on leaves).
LARGE = dict(min_child_weight=1e-6, random_state=0)
CASES = {
    ("xgboost", "binary"): (
        FocalXGBClassifier,
        dict(n_estimators=40, learning_rate=1.0, reg_lambda=0.0),
    ),
    ("xgboost", "multiclass"): (
        FocalXGBClassifier,
        dict(n_estimators=20, learning_rate=2.0, reg_lambda=0.0),
    ),
    ("xgboost", "multilabel"): (
        FocalXGBClassifier,
        dict(n_estimators=40, learning_rate=1.0, reg_lambda=0.0),
    ),
    ("lightgbm", "binary"): (
        FocalLGBMClassifier,
        dict(n_estimators=20, learning_rate=1.0, reg_lambda=0.1),
    ),
    ("lightgbm", "multiclass"): (
        FocalLGBMClassifier,
        dict(n_estimators=40, learning_rate=1.0, reg_lambda=2.0),
    ),
    ("lightgbm", "multilabel"): (
        FocalLGBMClassifier,
        dict(n_estimators=40, learning_rate=1.0, reg_lambda=1.0),
    ),
}
BACKENDS = ["xgboost", "lightgbm"]
KINDS = ["binary", "multiclass", "multilabel"]
ALPHA = {"binary": 0.25, "multiclass": [1.0, 2.0, 1.0, 0.5, 1.0], "multilabel": None}


def _data(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    s = X[:, 0] + 0.5 * X[:, 1]
    y = {
        "binary": (s > 0.8).astype(int),
        "multiclass": np.digitize(s, [-1.2, -0.4, 0.4, 1.2]),  # K = 5
        "multilabel": np.column_stack(
            [X[:, i] + 0.3 * X[:, i + 1] > 0.3 * i for i in range(4)]  # L = 4
        ).astype(int),
    }
    return X, y


X_TRAIN, Y_TRAIN = _data(3000, 0)
X_TEST = _data(N_TEST, 1)[0]
_FITTED = {}


def _fitted(backend, kind, pipeline):
    """Fit once per case (``probability`` changes predictions, not training)."""
    key = backend, kind, pipeline
    if key not in _FITTED:
        cls, params = CASES[backend, kind]
        clf = cls(alpha=ALPHA[kind], gamma=2.0, **LARGE, **params)
        if pipeline:
            model = Pipeline([("scale", StandardScaler()), ("clf", clf)])
            model.fit(X_TRAIN, Y_TRAIN[kind])
        else:  # float32 rows: what the trees of ONNX Runtime compare
            model = clf.fit(X_TRAIN.astype(np.float32), Y_TRAIN[kind])
        _FITTED[key] = model
    return _FITTED[key]


def _run(onx, X):
    sess = ort.InferenceSession(onx.SerializeToString())
    return sess.run(None, {sess.get_inputs()[0].name: X})


@pytest.mark.parametrize("pipeline", [False, True], ids=["plain", "pipeline"])
@pytest.mark.parametrize("probability", ["posterior", "focal"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("backend", BACKENDS)
def test_onnx_runtime_matches_predict_proba(backend, kind, probability, pipeline):
    model = _fitted(backend, kind, pipeline)
    clf = model[-1] if pipeline else model
    clf.set_params(probability=probability)
    register_onnx_converters()
    if pipeline:
        # the usual call on a pipeline; float64 input and the scaler's
        # Sub/Div form reproduce scikit-learn's float64 arithmetic
        X = X_TEST
        onx = skl2onnx.convert_sklearn(
            model,
            initial_types=[("X", DoubleTensorType([None, X.shape[1]]))],
            options={StandardScaler: {"div": "div"}, type(clf): {"zipmap": False}},
            target_opset=OPSET,
        )
        margin = clf._margin(model[0].transform(X))
    else:
        X = X_TEST.astype(np.float32)
        onx = skl2onnx.to_onnx(
            model, X[:1], options={"zipmap": False}, target_opset=OPSET
        )
        margin = clf._margin(X)
    assert np.abs(margin).max() > 30  # the must-show range
    label, proba = _run(onx, X)
    want = model.predict_proba(X)
    assert proba.shape == want.shape
    np.testing.assert_allclose(proba, want, rtol=0, atol=1e-5)
    np.testing.assert_array_equal(label, model.predict(X))


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_line_helper_and_zipmap(backend):
    model = _fitted(backend, "multiclass", False)
    model.set_params(probability="posterior")
    X = X_TEST[:200].astype(np.float32)
    label, proba = _run(to_onnx(model, X[:1]), X)
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=1e-5)
    # skl2onnx's default for classifiers: a list of {class: probability} maps
    register_onnx_converters()
    onx = skl2onnx.to_onnx(model, X[:1], target_opset=OPSET)
    label_z, maps = _run(onx, X)
    np.testing.assert_array_equal(label_z, model.predict(X))
    assert sorted(maps[0]) == list(model.classes_)
    np.testing.assert_allclose(
        [[m[c] for c in model.classes_] for m in maps], proba, rtol=1e-6, atol=1e-7
    )


def test_string_labels_and_double_input():
    y = np.array(["fraud", "ok"])[Y_TRAIN["binary"]]
    clf = FocalXGBClassifier(alpha=0.25, n_estimators=5).fit(X_TRAIN, y)
    X = X_TEST[:300]
    label, proba = _run(to_onnx(clf, X[:1]), X)
    assert proba.dtype == np.float64
    np.testing.assert_array_equal(label, clf.predict(X))
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=0, atol=1e-5)


def test_refusals_name_the_problem():
    clf = FocalXGBClassifier(n_estimators=0).fit(X_TRAIN, Y_TRAIN["binary"])
    with pytest.raises(ValueError, match="n_estimators=0"):
        to_onnx(clf, X_TRAIN[:1])
    with pytest.raises(Exception, match="not fitted|NotFitted"):
        to_onnx(FocalLGBMClassifier(), X_TRAIN[:1])


def test_the_saved_file_converts_with_onnxmltools_alone(tmp_path):
    # the file's stored objective (binary:logistic / multi:softprob) is one the
    # converter accepts; the graph gives the focal probabilities
    import onnxmltools
    import xgboost as xgb
    from onnxmltools.convert.common.data_types import FloatTensorType

    X = X_TRAIN.astype(np.float32)
    for kind in ("binary", "multiclass"):
        clf = FocalXGBClassifier(
            alpha=ALPHA[kind], probability="focal", n_estimators=10
        ).fit(X, Y_TRAIN[kind])
        path = tmp_path / f"{kind}.json"
        clf.save_model(path)
        other = xgb.XGBClassifier()
        other.load_model(path)
        onx = onnxmltools.convert_xgboost(
            other, initial_types=[("X", FloatTensorType([None, X.shape[1]]))]
        )
        _, proba = _run(onx, X)
        if isinstance(proba, list):  # a ZipMap's {class: probability} maps
            proba = np.array([[row[c] for c in sorted(row)] for row in proba])
        np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=0, atol=1e-5)
