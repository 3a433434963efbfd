"""Serving without focalboost: the standalone maps and what foreign loaders return.

References: the estimators' own ``predict_proba`` (through
:mod:`focalboost.losses`, an implementation of the maps written
independently of :mod:`focalboost.export`), and the backends' own loaders
(``xgboost.Booster``, ``XGBClassifier.load_model``, ``lightgbm.Booster``)
run on the saved native files.
"""

import json

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb

from focalboost import (
    FocalLGBMClassifier,
    FocalXGBClassifier,
    binary_posterior,
    multilabel_posterior,
    softmax_posterior,
)
from focalboost.losses import BinaryFocalLoss, MultiLabelFocalLoss, SoftmaxFocalLoss

KEY = "focalboost_metadata"
EDGES = [-800.0, -60.0, -35.0, -5.0, -1e-9, 0.0, 1e-12, 0.3, 3.0, 40.0, 750.0]


# ------------------------------------------------------ the maps themselves
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0])
@pytest.mark.parametrize("alpha", [None, 0.25, 0.9])
def test_binary_map_matches_the_loss(alpha, gamma):
    z = np.r_[EDGES, np.random.default_rng(0).normal(scale=8, size=500)]
    got = binary_posterior(z, alpha, gamma)
    p = BinaryFocalLoss(alpha, gamma).posterior_proba(z)
    np.testing.assert_allclose(got[:, 1], p, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(got[:, 0], 1 - p, rtol=1e-10, atol=1e-15)
    assert np.all(np.isfinite(got))


@pytest.mark.parametrize("gamma", [0.0, 1.0, 2.0, 4.0])
def test_multilabel_map_matches_the_loss(gamma):
    rng = np.random.default_rng(1)
    z = np.column_stack([np.r_[EDGES, rng.normal(scale=8, size=300)]] * 3)
    alpha = [0.1, 0.5, 0.8]
    got = multilabel_posterior(z, alpha, gamma)
    want = expit_of(MultiLabelFocalLoss(alpha, gamma).posterior_raw_prediction(z))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)


def expit_of(g):
    from scipy.special import expit

    return expit(g)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0])
@pytest.mark.parametrize("alpha", [None, [0.2, 1.0, 3.0, 0.5, 1.0]])
def test_softmax_map_matches_the_loss(alpha, gamma):
    rng = np.random.default_rng(2)
    z = rng.normal(scale=6, size=(400, 5))
    z[:20] *= 40  # one class dominating by hundreds
    z[20:30] = 0.0  # all equal
    z[30:40, 1] = z[30:40, 0]  # a tie at the top
    got = softmax_posterior(z, alpha, gamma)
    want = SoftmaxFocalLoss(alpha, gamma).posterior_proba(z)
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-15)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-14)


def test_maps_refuse_bad_input_by_name():
    with pytest.raises(ValueError, match="alpha"):
        binary_posterior([0.0], "balanced", 2.0)
    with pytest.raises(ValueError, match="alpha"):
        binary_posterior([0.0], 1.5, 2.0)
    with pytest.raises(ValueError, match="gamma"):
        binary_posterior([0.0], None, -1.0)
    with pytest.raises(ValueError, match="shape"):
        softmax_posterior([0.0, 1.0], None, 2.0)
    with pytest.raises(ValueError, match="finite"):
        multilabel_posterior([[np.nan]], None, 2.0)
    with pytest.raises(ValueError, match="one per class"):
        softmax_posterior([[0.0, 1.0]], [1.0, 2.0, 3.0], 2.0)


# ------------------------------------------------ native files, foreign loaders
def _data(kind):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(600, 5)).astype(np.float32)
    s = X[:, 0] + 0.5 * X[:, 1]
    y = {
        "binary": (s > 0.7).astype(int),
        "multiclass": np.digitize(s, [-1.0, -0.3, 0.3, 1.0]),
        "multilabel": np.column_stack([X[:, i] > 0.3 * i for i in range(4)]).astype(
            int
        ),
    }[kind]
    return X, y


ALPHA = {"binary": 0.25, "multiclass": [1.0, 2.0, 1.0, 0.5, 1.0], "multilabel": 0.4}
CASES = [
    pytest.param(cls, kind, suffix, id=f"{cls.__name__}-{kind}-{suffix}")
    for cls, suffixes in [
        (FocalXGBClassifier, ["json", "ubj"]),
        (FocalLGBMClassifier, ["txt"]),
    ]
    for kind in ["binary", "multiclass", "multilabel"]
    for suffix in suffixes
]


def _fit_save(cls, kind, suffix, tmp_path, probability="posterior"):
    X, y = _data(kind)
    clf = cls(
        alpha=ALPHA[kind], gamma=2.0, n_estimators=15, probability=probability
    ).fit(X, y)
    path = tmp_path / f"model.{suffix}"
    clf.save_model(path)
    return clf, X, path


def _metadata(path, cls):
    """The focal parameters as a server reads them, without focalboost."""
    if cls is FocalXGBClassifier:
        text = xgb.Booster(model_file=str(path)).attr(KEY)
    else:
        prefix = KEY + "="
        lines = path.read_text().splitlines()
        text = next(ln[len(prefix) :] for ln in lines if ln.startswith(prefix))
    doc = json.loads(text)
    return doc["target_type"], doc["loss"]["alpha"], doc["loss"]["gamma"]


def _foreign_margins(path, cls, X):
    if cls is FocalXGBClassifier:
        return xgb.Booster(model_file=str(path)).predict(
            xgb.DMatrix(X), output_margin=True
        )
    return lgb.Booster(model_file=str(path)).predict(X, raw_score=True)


@pytest.mark.parametrize(("cls", "kind", "suffix"), CASES)
def test_bare_booster_plus_standalone_map_is_predict_proba(cls, kind, suffix, tmp_path):
    clf, X, path = _fit_save(cls, kind, suffix, tmp_path)
    target_type, alpha, gamma = _metadata(path, cls)
    assert target_type == clf.target_type_
    margin = np.asarray(_foreign_margins(path, cls, X), dtype=np.float64)
    posterior = {
        "binary": binary_posterior,
        "multiclass": softmax_posterior,
        "multilabel-indicator": multilabel_posterior,
    }[target_type]
    got = posterior(margin, alpha, gamma)
    # XGBoost keeps base_score as float32 in probability space under
    # binary:logistic: a margin differs by at most a few float32 ulps, and
    # dp/dz <= (1 + gamma) / 4
    exact = cls is FocalLGBMClassifier or kind == "multiclass"
    atol = 1e-14 if exact else 3 * 2.0**-24 * (1 + gamma) / 4 * 8
    np.testing.assert_allclose(got, clf.predict_proba(X), rtol=0, atol=atol)


@pytest.mark.parametrize(("cls", "kind", "suffix"), CASES)
def test_foreign_loaders_return_focal_probabilities(cls, kind, suffix, tmp_path):
    clf, X, path = _fit_save(cls, kind, suffix, tmp_path, probability="focal")
    focal = clf.predict_proba(X)  # expit / softmax of the margin
    if cls is FocalXGBClassifier:
        got = xgb.Booster(model_file=str(path)).predict(xgb.DMatrix(X))
        other = xgb.XGBClassifier()
        other.load_model(str(path))
        sk = other.predict_proba(X)
        if kind == "binary":
            got = np.column_stack([1 - got, got])
        np.testing.assert_allclose(sk, focal, rtol=0, atol=1e-6)
        labels = other.predict(X)
        want = clf.predict(X)
        if kind != "multilabel":
            want = np.searchsorted(clf.classes_, want)
        np.testing.assert_array_equal(labels, want)
    else:
        got = lgb.Booster(model_file=str(path)).predict(X)
        if kind == "binary":
            got = np.column_stack([1 - got, got])
    assert np.all((got >= 0) & (got <= 1))  # never a margin
    np.testing.assert_allclose(got, focal, rtol=0, atol=1e-6)


def test_lgbmclassifier_has_no_model_file_loader():
    # what the serving page says: LightGBM's scikit-learn classifier cannot
    # load a text model; lightgbm.Booster is LightGBM's loader
    assert not hasattr(lgb.LGBMClassifier, "load_model")


@pytest.mark.parametrize(("cls", "kind", "suffix"), CASES)
def test_round_trip_is_bit_identical_and_resaves_the_same_file(
    cls, kind, suffix, tmp_path
):
    clf, X, path = _fit_save(cls, kind, suffix, tmp_path)
    loaded = cls().load_model(path)
    for method in ("decision_function", "predict_proba", "predict"):
        np.testing.assert_array_equal(
            getattr(loaded, method)(X), getattr(clf, method)(X), err_msg=method
        )
    again = tmp_path / f"again.{suffix}"
    loaded.save_model(again)
    assert again.read_bytes() == path.read_bytes()


# ------------------------------------------------------- the serving page
def _python_blocks(path):
    """The ``.. code-block:: python`` blocks of an rst page, dedented."""
    import textwrap

    blocks, lines = [], path.read_text().splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == ".. code-block:: python":
            i += 1
            body = []
            while i < len(lines) and (not lines[i].strip() or lines[i][:1] == " "):
                body.append(lines[i])
                i += 1
            blocks.append(textwrap.dedent("\n".join(body)))
        else:
            i += 1
    return blocks


def test_every_snippet_of_the_serving_page_runs(tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime", reason="the page's ONNX snippets")
    pytest.importorskip("skl2onnx", reason="the page's ONNX snippets")
    pytest.importorskip("onnxmltools", reason="the page's ONNX snippets")
    from pathlib import Path

    page = Path(__file__).parents[1] / "docs" / "serving.rst"
    blocks = _python_blocks(page)
    assert len(blocks) >= 5
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for i, code in enumerate(blocks):
        exec(compile(code, f"{page.name}[block {i}]", "exec"), namespace)
