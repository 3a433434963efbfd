"""Multi-label focal loss: one model for all labels, on scene and generated data.

The scene test needs ``Scene.arff.bz2`` (MEKA copy) in
``$FOCALBOOST_DATA/multilabel/``, by default ``../shared/data/multilabel/``
next to the repository root; it is skipped with a reason when absent.
"""

import bz2
import os
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit, logit
from sklearn.datasets import make_multilabel_classification
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split

from focalboost import FocalLGBMClassifier, FocalXGBClassifier

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("FOCALBOOST_DATA", REPO_ROOT.parent / "shared" / "data"))
SCENE = DATA_DIR / "multilabel" / "Scene.arff.bz2"
SCENE_LABELS = ["beach", "sunset", "foliage", "field", "mountain", "urban"]

# Small, fast models: the point is "one fit learns every label", not accuracy.
XGB_FAST = dict(n_estimators=40, learning_rate=0.2, max_depth=3, max_bin=32, n_jobs=1)
LGBM_FAST = dict(n_estimators=40, learning_rate=0.2, num_leaves=7, max_bin=31, n_jobs=1)


def read_scene(path):
    """(X, Y, label names) of MEKA's dense ``Scene.arff.bz2`` (``-C 6``: labels first).

    A reader of its own (tests do not import ``benchmarks/``), just enough for
    this one dense file.
    """
    with bz2.open(path, "rt", encoding="utf-8") as fh:
        header = []
        for line in fh:
            header.append(line.strip())
            if line.strip().lower() == "@data":
                break
        data = np.loadtxt(fh, delimiter=",", comments="%", ndmin=2)
    names = [h.split()[1] for h in header if h.lower().startswith("@attribute")]
    return data[:, 6:], data[:, :6].astype(np.int64), names[:6]


@pytest.fixture(scope="module")
def scene_split():
    if not SCENE.is_file():
        pytest.skip(
            f"{SCENE} is absent (MEKA scene data set; set FOCALBOOST_DATA to the "
            "folder holding multilabel/Scene.arff.bz2)"
        )
    X, Y, names = read_scene(SCENE)
    assert names == SCENE_LABELS
    assert X.shape == (2407, 294) and Y.shape == (2407, 6)
    assert np.isin(Y, (0, 1)).all()
    return train_test_split(X, Y, test_size=0.3, random_state=0)


@pytest.mark.parametrize(
    "make_model, y_dtype",
    [
        pytest.param(
            lambda: FocalXGBClassifier(
                gamma=2.0, multi_strategy="one_output_per_tree", **XGB_FAST
            ),
            np.int8,
            id="xgb-one_output_per_tree",
        ),
        pytest.param(
            lambda: FocalXGBClassifier(
                gamma=2.0, multi_strategy="multi_output_tree", **XGB_FAST
            ),
            np.bool_,
            id="xgb-multi_output_tree",
        ),
        pytest.param(
            lambda: FocalLGBMClassifier(gamma=2.0, **LGBM_FAST),
            np.uint8,
            id="lgbm",
        ),
    ],
)
def test_scene_one_model_learns_every_label(scene_split, make_model, y_dtype):
    X_train, X_test, Y_train, Y_test = scene_split
    model = make_model().set_params(alpha="balanced", random_state=0)
    model.fit(X_train, Y_train.astype(y_dtype))  # one call, six labels

    assert model.target_type_ == "multilabel-indicator"
    assert model.n_outputs_ == 6
    assert model.intercept_.shape == (6,)

    Y_pred = model.predict(X_test)
    assert Y_pred.shape == (X_test.shape[0], 6)
    assert Y_pred.dtype == y_dtype
    assert np.isin(Y_pred, (0, 1)).all()

    proba = model.predict_proba(X_test)
    assert proba.shape == (X_test.shape[0], 6)
    assert proba.dtype == np.float64
    assert np.all((proba >= 0) & (proba <= 1))

    # a constant score has average precision equal to the label's prevalence
    prevalence = Y_test.mean(axis=0)
    ap = average_precision_score(Y_test, proba, average=None)
    margin = ap - prevalence
    assert np.all(margin > 0.25), dict(
        zip(SCENE_LABELS, np.round(ap, 3).tolist(), strict=True)
    )


# ------------------------------------------------------- generated, no data
@pytest.fixture(scope="module")
def generated():
    X, Y = make_multilabel_classification(
        n_samples=300, n_features=8, n_classes=4, n_labels=1, random_state=0
    )
    assert (Y.sum(axis=0) > 0).all() and (Y.sum(axis=0) < len(Y)).all()
    return X, Y


BACKENDS = [
    pytest.param(
        FocalXGBClassifier,
        dict(XGB_FAST, multi_strategy="one_output_per_tree"),
        True,
        id="xgb-one_output_per_tree",
    ),
    pytest.param(
        FocalXGBClassifier,
        dict(XGB_FAST, multi_strategy="multi_output_tree"),
        False,
        id="xgb-multi_output_tree",
    ),
    pytest.param(FocalLGBMClassifier, LGBM_FAST, True, id="lgbm"),
]


def _raw_margin(model, X):
    """The booster's own per-label margin, intercept included."""
    if isinstance(model, FocalXGBClassifier):  # base_score holds the intercept
        return model.booster_.inplace_predict(X, predict_type="margin")
    # LightGBM: the intercept is folded into the first round's leaves
    return model.booster_.predict(X, raw_score=True)


@pytest.mark.parametrize("cls, params, separable", BACKENDS)
def test_focal_and_log_loss_models_train_and_margins_match(
    generated, cls, params, separable
):
    X, Y = generated
    n, n_labels = Y.shape
    params = dict(params, random_state=0, probability="focal")  # raw margins
    log_model = cls(gamma=0.0, alpha=None, **params).fit(X, Y)
    focal_model = cls(gamma=2.0, alpha="balanced", **params).fit(X, Y)

    # intercepts: log loss -> logit of each label's prevalence; balanced focal
    # -> 0 (both classes of every label carry the same total weight)
    np.testing.assert_allclose(log_model.intercept_, logit(Y.mean(axis=0)), atol=1e-9)
    np.testing.assert_allclose(focal_model.intercept_, 0.0, atol=1e-9)
    np.testing.assert_allclose(focal_model.alpha_, 1.0 - Y.mean(axis=0))

    for model in (log_model, focal_model):
        margin = model.decision_function(X)
        assert margin.shape == (n, n_labels) and margin.dtype == np.float64
        # decision_function is the booster's per-label margin ...
        np.testing.assert_allclose(margin, _raw_margin(model, X), rtol=1e-6)
        # ... and predict / predict_proba are read off it label by label
        np.testing.assert_array_equal(model.predict_proba(X), expit(margin))
        np.testing.assert_array_equal(model.predict(X), (margin > 0).astype(Y.dtype))
        # both losses learn: training PR-AUC well above the prevalence
        ap = average_precision_score(Y, model.predict_proba(X), average=None)
        assert np.all(ap > Y.mean(axis=0) + 0.3)

    # the two losses give different models
    assert not np.allclose(
        log_model.decision_function(X), focal_model.decision_function(X)
    )

    if separable:
        # one tree per label and round: the multi-label model is exactly the
        # L binary models fitted one label at a time, each with its own alpha
        binary_params = {k: v for k, v in params.items() if k != "multi_strategy"}
        for model in (log_model, focal_model):
            per_label = np.column_stack(
                [
                    cls(gamma=model.gamma, alpha=model.alpha, **binary_params)
                    .fit(X, Y[:, j])
                    .decision_function(X)
                    for j in range(n_labels)
                ]
            )
            np.testing.assert_allclose(
                model.decision_function(X), per_label, rtol=1e-6, atol=1e-6
            )


def test_per_label_alpha_and_intercept(generated):
    X, Y = generated
    alpha = [0.2, 0.4, 0.6, 0.8]
    model = FocalXGBClassifier(alpha=alpha, gamma=2.0, n_estimators=0)
    model.set_params(probability="focal").fit(X, Y)
    np.testing.assert_array_equal(model.alpha_, alpha)
    # with no trees, the margin is the per-label focal-optimal intercept
    np.testing.assert_allclose(
        model.decision_function(X), np.tile(model.intercept_, (len(X), 1))
    )
    # a larger alpha (more weight on the positives) gives a larger intercept
    # than the same label would get with a smaller alpha
    low = FocalXGBClassifier(alpha=0.2, gamma=2.0, n_estimators=0).fit(X, Y)
    assert np.all(model.intercept_[1:] > low.intercept_[1:])
    with pytest.raises(ValueError, match="alpha has 3 entries but y has 4 labels"):
        FocalXGBClassifier(alpha=[0.2, 0.4, 0.6], n_estimators=0).fit(X, Y)
