"""Numerical extremes end to end, on both backends and on the losses.

gamma up to 20, features and margins of huge size, sample weights of 1e-300,
classes with a single row, margins of +-1e6: every fit and prediction is
finite, and nothing warns. Each fit runs inside :func:`no_warnings`, which
records warnings even where the suite's ``filterwarnings = error`` would not
see them (a backend's own filter), turns numpy's overflow, division and
invalid-operation flags into errors (the objective runs inside the fit), and
checks that the backends printed no warning of their own.

Underflow is left silent on purpose: ``exp(-1e6) == 0`` is the correct,
expected outcome of an extreme margin, and ``np.errstate(all="raise")``
would reject it.
"""

import math
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification

from focalboost import FocalLGBMClassifier, FocalXGBClassifier, NoSplitWarning
from focalboost.losses import (
    HESSIAN_FLOOR,
    BinaryFocalLoss,
    MultiLabelFocalLoss,
    SoftmaxFocalLoss,
)

# every test here runs on the kernel's 1- and 8-thread paths and on numpy's
pytestmark = pytest.mark.usefixtures("kernel_path")

BACKENDS = [
    pytest.param(FocalXGBClassifier, id="xgboost"),
    pytest.param(FocalLGBMClassifier, id="lightgbm"),
]
SMALL = {"n_estimators": 8, "n_jobs": 1, "random_state": 0}
RAISE = {"over": "raise", "divide": "raise", "invalid": "raise"}


@contextmanager
def strict(allowed=()):
    """Fail on any Python warning (but ``allowed`` categories) and on FP
    overflow, invalid or division; yields the list of recorded warnings."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(**RAISE):
        warnings.simplefilter("always")
        yield caught
    assert [str(w.message) for w in caught if w.category not in allowed] == []


@contextmanager
def no_warnings(capfd, model=None):
    """:func:`strict`, and no warning printed by a backend either.

    A fit that made no split must say so with exactly one
    :class:`~focalboost.NoSplitWarning` (at gamma=20 the default
    ``min_child_weight`` forbids every split); pass the ``model`` fitted in
    the block to allow that one warning, and to require it.
    """
    capfd.readouterr()
    with strict(allowed=(NoSplitWarning,)) as caught:
        yield
    out, err = capfd.readouterr()
    assert "warning" not in (out + err).lower()
    expected = 0
    if model is not None and hasattr(model, "booster_"):
        expected = int(model._n_splits() == 0 and model.best_iteration_ >= 0)
    assert [w.category for w in caught] == [NoSplitWarning] * expected


@pytest.fixture(scope="module")
def binary():
    return make_classification(
        n_samples=200, n_features=5, n_informative=3, random_state=0
    )


@pytest.fixture(scope="module")
def multiclass():
    return make_classification(
        n_samples=240,
        n_features=5,
        n_informative=3,
        n_classes=3,
        n_clusters_per_class=1,
        random_state=0,
    )


def _check_outputs(clf, X):
    """Finite margins, probabilities in [0, 1] summing to 1, known labels."""
    margin = clf.decision_function(X)
    proba = clf.predict_proba(X)
    assert np.all(np.isfinite(margin))
    assert np.all(np.isfinite(proba))
    assert np.all((proba >= 0.0) & (proba <= 1.0))
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(np.isin(clf.predict(X), clf.classes_))
    assert np.all(np.isfinite(clf.intercept_))
    return margin, proba


# ------------------------------------------------------------------ gamma
@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("task", ["binary", "multiclass"])
@pytest.mark.parametrize("gamma", [5.0, 10.0, 20.0])
@pytest.mark.parametrize("hessian", ["surrogate", "clipped"])
@pytest.mark.parametrize("probability", ["posterior", "focal"])
def test_high_gamma_fits_are_finite_and_warning_free(
    cls, task, gamma, hessian, probability, binary, multiclass, capfd
):
    X, y = binary if task == "binary" else multiclass
    clf = cls(gamma=gamma, hessian=hessian, probability=probability, **SMALL)
    with no_warnings(capfd, clf):
        clf.fit(X, y)
        _check_outputs(clf, X)


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_gamma_20_learns_once_the_hessian_threshold_fits_its_scale(
    cls, task, binary, multiclass, capfd
):
    # At gamma=20 a sample's surrogate Hessian near p = 1/2 is about 1e-6
    # (q**20 = 1e-6): 200 rows sum to less than the default min_child_weight
    # (0.01 for XGBoost, 1e-3 for LightGBM), so no tree splits and the model
    # is its intercept. With the threshold at 0 the trees do learn.
    X, y = binary if task == "binary" else multiclass
    params = {"min_child_weight": 0.0, "learning_rate": 0.1, **SMALL}
    if cls is FocalXGBClassifier:
        params["reg_lambda"] = 0.0  # lambda=1 would swamp gradient sums of 1e-4
    clf = cls(gamma=20.0, **params)
    with no_warnings(capfd, clf):
        clf.fit(X, y)
        margin, _ = _check_outputs(clf, X)
    assert np.ptp(margin, axis=0).min() > 0
    # better than the constant model
    assert clf.score(X, y) > np.bincount(y).max() / len(y) + 0.05


# ----------------------------------------------------------- huge values
@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("task", ["binary", "multiclass"])
@pytest.mark.parametrize("scale", [1e6, 1e30, 1e-6])
def test_feature_scale_does_not_change_the_model(
    cls, task, scale, binary, multiclass, capfd
):
    # trees split on ranks: features scaled by a power of ten (kept inside
    # the float32 range the backends bin in) give the same margins
    X, y = binary if task == "binary" else multiclass
    reference = cls(gamma=2.0, **SMALL).fit(X, y).decision_function(X)
    clf = cls(gamma=2.0, **SMALL)
    with no_warnings(capfd, clf):
        clf.fit(X * scale, y)
        margin, _ = _check_outputs(clf, X * scale)
    assert_allclose(margin, reference, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("task", ["binary", "multiclass"])
@pytest.mark.parametrize("gamma", [0.0, 2.0, 20.0])
def test_huge_margins_keep_probabilities_finite(
    cls, task, gamma, binary, multiclass, capfd
):
    # Unregularised full Newton steps (learning rate 1, no Hessian threshold,
    # no L2) drive the margins far out: up to ~1e13 (binary) and ~1e33
    # (multiclass) with XGBoost at gamma=20, ~1e8 with LightGBM. The
    # probability maps must stay finite, inside [0, 1] and monotone.
    X, y = binary if task == "binary" else multiclass
    params = {"learning_rate": 1.0, "min_child_weight": 0.0, **SMALL}
    if cls is FocalXGBClassifier:
        params["reg_lambda"] = 0.0
        if task == "multiclass":
            # full Newton steps under multi:softprob's Hessian 2 p (1 - p)
            params["learning_rate"] = 2.0
    with no_warnings(capfd):
        for probability in ("posterior", "focal"):
            clf = cls(gamma=gamma, probability=probability, **params).fit(X, y)
            margin, proba = _check_outputs(clf, X)
            if task == "binary":
                order = np.argsort(margin, kind="stable")
                assert np.all(np.diff(proba[order, 1]) >= -1e-15)
    assert np.max(np.abs(margin)) > 5.0


# --------------------------------------------------------- sample weights
@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_some_weights_of_1e300_below_the_rest(cls, task, binary, multiclass, capfd):
    X, y = binary if task == "binary" else multiclass
    w = np.ones(len(y))
    w[::3] = 1e-300
    clf = cls(gamma=2.0, **SMALL)
    with no_warnings(capfd, clf):
        clf.fit(X, y, sample_weight=w)
        _check_outputs(clf, X)
    # rows of weight 1e-300 do not move the intercept
    keep = w == 1.0
    dropped = cls(gamma=2.0, n_estimators=0).fit(X[keep], y[keep])
    assert_allclose(clf.intercept_, dropped.intercept_, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("task", ["binary", "multiclass"])
@pytest.mark.parametrize("scale", [1e-300, 1e-30])
def test_all_weights_tiny_fit_finite_with_the_unweighted_intercept(
    cls, task, scale, binary, multiclass, capfd
):
    # Only the weight ratios set the intercept. The trees are another matter:
    # the objective's weighted Hessians are then below min_child_weight (and,
    # at 1e-300, below float32's range), so the boosters make no split.
    X, y = binary if task == "binary" else multiclass
    clf = cls(gamma=2.0, **SMALL)
    with no_warnings(capfd, clf):
        clf.fit(X, y, sample_weight=np.full(len(y), scale))
        _check_outputs(clf, X)
    unweighted = cls(gamma=2.0, **SMALL).fit(X, y)
    assert_allclose(clf.intercept_, unweighted.intercept_, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------- single-row class
@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("alpha", [None, 0.25, "balanced"])
@pytest.mark.parametrize("gamma", [0.0, 2.0, 20.0])
def test_binary_class_with_a_single_row(cls, alpha, gamma, binary, capfd):
    X, _ = binary
    y = np.zeros(len(X), dtype=int)
    y[5] = 1
    clf = cls(alpha=alpha, gamma=gamma, **SMALL)
    with no_warnings(capfd, clf):
        clf.fit(X, y)
        _, proba = _check_outputs(clf, X)
    assert_array_equal(clf.classes_, [0, 1])
    expected = BinaryFocalLoss(clf.alpha_, gamma).fit_intercept_only(y)
    assert clf.intercept_ == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("alpha", [None, "balanced"])
@pytest.mark.parametrize("gamma", [0.0, 2.0, 20.0])
def test_multiclass_class_with_a_single_row(cls, alpha, gamma, multiclass, capfd):
    X, y = multiclass
    y = np.where(y == 2, 0, y)
    y[7] = 2
    clf = cls(alpha=alpha, gamma=gamma, **SMALL)
    with no_warnings(capfd, clf):
        clf.fit(X, y)
        _, proba = _check_outputs(clf, X)
    assert proba.shape == (len(y), 3)
    assert clf.intercept_.shape == (3,)
    # the rare class gets the smallest constant margin unless balanced
    if alpha is None:
        assert np.argmin(clf.intercept_) == 2


@pytest.mark.parametrize("cls", BACKENDS)
def test_multilabel_label_with_a_single_positive_row(cls, binary, capfd):
    X, y = binary
    Y = np.column_stack([y, np.zeros_like(y), np.zeros_like(y)])
    Y[3, 1] = 1  # label 1: one positive row; label 2: no positive at all
    clf = cls(gamma=2.0, **SMALL)
    with no_warnings(capfd, clf):
        clf.fit(X, Y)
        margin = clf.decision_function(X)
        proba = clf.predict_proba(X)
    assert np.all(np.isfinite(margin)) and np.all(np.isfinite(proba))
    assert np.all((proba >= 0) & (proba <= 1))


# ------------------------------------------------------------- loss level
MARGINS = np.array([-1e6, -1e3, -745.0, -40.0, -1e-300, 0.0, 1e-300, 40.0, 1e6])
GAMMAS = [0.0, 0.5, 2.0, 5.0, 10.0, 20.0]


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("alpha", [None, 0.25])
def test_binary_and_multilabel_losses_at_margins_of_1e6(alpha, gamma):
    z = np.tile(MARGINS, 2)
    y = np.repeat([0.0, 1.0], MARGINS.size)
    w = np.where(np.arange(z.size) % 2, 1e-300, 1e300)
    cases = [
        (BinaryFocalLoss(alpha, gamma), y, z, w),
        (MultiLabelFocalLoss(alpha, gamma), y.reshape(-1, 2), z.reshape(-1, 2), w[:9]),
    ]
    outputs = []
    with strict():
        for loss, yy, zz, ww in cases:
            outputs += [loss.loss(yy, zz, ww), loss.gradient(yy, zz, ww)]
            for policy in ("exact", "surrogate", "clipped"):
                outputs += loss.gradient_hessian(yy, zz, ww, hessian=policy)
                _, hess = loss.gradient_hessian(yy, zz, hessian=policy)
                if policy == "clipped":
                    assert np.all(hess >= HESSIAN_FLOOR)
                else:  # every curvature term carries p or q = exp(-|u|) = 0
                    assert np.all(hess[np.abs(zz) >= 1e3] == 0.0)
            outputs.append(loss.posterior_proba(zz))
            outputs.append(np.atleast_1d(loss.fit_intercept_only(yy, ww)))
    for out in outputs:
        assert np.all(np.isfinite(out))


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("k", [2, 3, 8])
def test_softmax_loss_at_margins_of_1e6(k, gamma):
    rng = np.random.default_rng(0)
    z = rng.choice(MARGINS, size=(60, k))
    t = rng.integers(0, k, 60)
    t[:k] = np.arange(k)
    w = rng.choice([1e-300, 1.0, 1e300], size=60)
    loss = SoftmaxFocalLoss(np.linspace(0.5, 2.0, k), gamma)
    with strict():
        outputs = [loss.loss(t, z, w), loss.gradient(t, z, w)]
        for policy in ("exact", "surrogate", "clipped"):
            outputs += loss.gradient_hessian(t, z, w, hessian=policy)
        outputs.append(loss.posterior_proba(z))
        outputs.append(loss.fit_intercept_only(t, w, n_classes=k))
    for out in outputs:
        assert np.all(np.isfinite(out))


@pytest.mark.parametrize("gamma", GAMMAS)
def test_binary_intercept_with_one_positive_in_1e6_total_weight(gamma):
    y = np.zeros(101)
    y[0] = 1.0
    w = np.full(101, 1e4)
    w[0] = 1.0
    with strict():
        c = BinaryFocalLoss(None, gamma).fit_intercept_only(y, w)
        tiny = BinaryFocalLoss(None, gamma).fit_intercept_only(y, w * 1e-300)
    assert math.isfinite(c) and c < 0
    assert c == pytest.approx(tiny, rel=1e-14)
    # first-order condition: the weighted gradient sum vanishes
    g = BinaryFocalLoss(None, gamma).gradient(y, np.full(101, c), w)
    assert abs(g.sum()) <= 1e-10 * np.abs(g).sum()


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("task", ["binary", "multiclass"])
@pytest.mark.parametrize("scale", [1e-300, 1e-30, 1e30, 1e300])
def test_equal_weights_of_any_scale_fit_like_no_weights(
    cls, task, scale, binary, multiclass, capfd
):
    # only weight ratios define the focal risk; absurd scales are divided by
    # the largest weight, so the backends neither overflow float32 (1e300)
    # nor see Hessians below min_child_weight (1e-30)
    X, y = binary if task == "binary" else multiclass
    reference = cls(gamma=2.0, **SMALL).fit(X, y).decision_function(X)
    clf = cls(gamma=2.0, **SMALL)
    with no_warnings(capfd, clf):
        clf.fit(X, y, sample_weight=np.full(len(y), scale))
    assert_allclose(clf.decision_function(X), reference, rtol=1e-6, atol=1e-9)
