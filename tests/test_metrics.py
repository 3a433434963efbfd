"""Tests of focalboost.metrics: the focal loss and the corrected t-test."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import logit
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, make_scorer
from sklearn.model_selection import KFold, cross_val_score

from focalboost.losses import BinaryFocalLoss
from focalboost.metrics import focal_loss

LABEL_SETS = [
    pytest.param(np.array([0, 1]), id="int-0-1"),
    pytest.param(np.array([-1, 1]), id="int-minus1-1"),
    pytest.param(np.array(["ham", "spam"]), id="str"),
    pytest.param(np.array([False, True]), id="bool"),
]


def _id(name):
    return lambda value: f"{name}={value}"


def _reference(y01, proba, alpha, gamma, sample_weight=None):
    """Mean focal loss of probabilities, straight from the definition."""
    proba = np.asarray(proba, dtype=np.float64)
    p_t = np.where(y01 == 1, proba, 1.0 - proba)
    if alpha is None:
        alpha_t = np.ones_like(p_t)
    else:
        alpha_t = np.where(y01 == 1, alpha, 1.0 - alpha)
    values = -alpha_t * (1.0 - p_t) ** gamma * np.log(p_t)
    w = np.ones_like(p_t) if sample_weight is None else sample_weight
    return math.fsum(w * values) / math.fsum(w)


# --------------------------------------------------------------------------
# gamma = 0 is the log loss
# --------------------------------------------------------------------------
@pytest.mark.parametrize("classes", LABEL_SETS)
def test_gamma_zero_is_log_loss(rng, classes):
    y01 = rng.integers(0, 2, 300)
    y = classes[y01]
    proba = rng.uniform(0.0, 1.0, 300)
    proba[:3] = [0.0, 1.0, 1e-20]  # exercise the eps clipping
    expected = log_loss(y, y_proba=proba)
    got = focal_loss(y, proba, gamma=0.0)
    assert math.isclose(got, expected, rel_tol=1e-12)
    # two-column predict_proba output
    proba2 = np.column_stack([1.0 - proba, proba])
    assert math.isclose(focal_loss(y, proba2, gamma=0), expected, rel_tol=1e-12)
    assert math.isclose(log_loss(y, y_proba=proba2), expected, rel_tol=1e-12)


def test_gamma_zero_is_weighted_log_loss(rng):
    y = rng.integers(0, 2, 200)
    proba = rng.uniform(0.01, 0.99, 200)
    w = rng.uniform(0.0, 3.0, 200)
    expected = log_loss(y, y_proba=proba, sample_weight=w)
    got = focal_loss(y, proba, gamma=0.0, sample_weight=w)
    assert math.isclose(got, expected, rel_tol=1e-12)


def test_gamma_zero_with_one_class_and_labels():
    y = ["b", "b", "b"]
    proba = [0.9, 0.6, 0.3]
    expected = log_loss(y, y_proba=proba, labels=["a", "b"])
    got = focal_loss(y, proba, gamma=0.0, labels=["a", "b"])
    assert math.isclose(got, expected, rel_tol=1e-12)


# --------------------------------------------------------------------------
# agreement with the definition and with BinaryFocalLoss
# --------------------------------------------------------------------------
@pytest.mark.parametrize("alpha", [None, 0.25, 0.9], ids=_id("alpha"))
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0], ids=_id("gamma"))
def test_matches_definition(rng, gamma, alpha):
    y = rng.integers(0, 2, 200)
    proba = rng.uniform(1e-6, 1.0 - 1e-6, 200)
    w = rng.uniform(0.1, 2.0, 200)
    got = focal_loss(y, proba, alpha=alpha, gamma=gamma)
    assert math.isclose(got, _reference(y, proba, alpha, gamma), rel_tol=1e-12)
    got = focal_loss(y, proba, alpha=alpha, gamma=gamma, sample_weight=w)
    assert math.isclose(got, _reference(y, proba, alpha, gamma, w), rel_tol=1e-12)


@pytest.mark.parametrize("alpha", [None, 0.25, 0.9, "balanced"], ids=_id("alpha"))
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0], ids=_id("gamma"))
def test_matches_binary_focal_loss_at_logit(rng, gamma, alpha):
    y = (rng.uniform(size=400) < 0.3).astype(int)
    proba = rng.uniform(1e-4, 1.0 - 1e-4, 400)
    w = rng.uniform(0.1, 2.0, 400)
    loss = BinaryFocalLoss(alpha=alpha, gamma=gamma)
    z = logit(proba)
    expected = loss.loss(y, z).mean()
    got = focal_loss(y, proba, alpha=alpha, gamma=gamma)
    assert math.isclose(got, expected, rel_tol=1e-12)
    expected = loss.loss(y, z, sample_weight=w).sum() / w.sum()
    got = focal_loss(y, proba, alpha=alpha, gamma=gamma, sample_weight=w)
    assert math.isclose(got, expected, rel_tol=1e-12)


def test_balanced_alpha_uses_weighted_class_counts(rng):
    y = (rng.uniform(size=300) < 0.1).astype(int)
    proba = rng.uniform(0.05, 0.95, 300)
    w = rng.uniform(0.1, 2.0, 300)
    w1, w0 = w[y == 1].sum(), w[y == 0].sum()
    expected = _reference(y, proba, w0 / (w0 + w1), 2.0, w)
    got = focal_loss(y, proba, alpha="balanced", gamma=2.0, sample_weight=w)
    assert math.isclose(got, expected, rel_tol=1e-12)


def test_docstring_value():
    expected = _reference(np.array([0, 1, 1]), np.array([0.1, 0.8, 0.6]), None, 2.0)
    assert math.isclose(focal_loss([0, 1, 1], [0.1, 0.8, 0.6]), expected)
    assert round(expected, 6) == 0.03057  # the value in the docstring


def test_focal_loss_is_lower_for_better_predictions():
    y = np.array([0, 1, 1, 0])
    good = np.array([0.1, 0.9, 0.8, 0.2])
    bad = np.array([0.6, 0.4, 0.3, 0.7])
    assert focal_loss(y, good) < focal_loss(y, bad)
    assert focal_loss(y, y.astype(float)) == pytest.approx(0.0, abs=1e-30)


def test_string_labels_use_sorted_order(rng):
    # the positive class is the larger label ("spam" > "ham")
    y01 = rng.integers(0, 2, 50)
    proba = rng.uniform(0.05, 0.95, 50)
    y = np.array(["ham", "spam"])[y01]
    expected = _reference(y01, proba, 0.25, 2.0)
    assert math.isclose(focal_loss(y, proba, alpha=0.25), expected, rel_tol=1e-12)


def test_labels_order_sets_the_positive_class():
    y = np.array([0, 1, 0, 0])
    proba_of_0 = np.array([0.8, 0.3, 0.6, 0.9])  # labels=[1, 0]: 0 is positive
    expected = _reference(1 - y, proba_of_0, 0.25, 2.0)
    got = focal_loss(y, proba_of_0, alpha=0.25, labels=[1, 0])
    assert math.isclose(got, expected, rel_tol=1e-12)


def test_y_true_outside_labels_raises():
    with pytest.raises(ValueError, match=r"y_true contains labels not in.*\[2\]"):
        focal_loss([0, 2, 0], [0.2, 0.7, 0.4], labels=[0, 1])


# --------------------------------------------------------------------------
# scorer
# --------------------------------------------------------------------------
def test_make_scorer_in_cross_val_score():
    X, y = make_classification(
        n_samples=300, n_features=5, weights=[0.8], random_state=0
    )
    scorer = make_scorer(
        focal_loss, greater_is_better=False, response_method="predict_proba", gamma=2
    )
    cv = KFold(n_splits=3, shuffle=True, random_state=0)
    clf = LogisticRegression()
    scores = cross_val_score(clf, X, y, scoring=scorer, cv=cv)
    assert scores.shape == (3,)
    assert np.all(np.isfinite(scores)) and np.all(scores < 0)
    expected = []
    for train, test in cv.split(X, y):
        proba = clf.fit(X[train], y[train]).predict_proba(X[test])[:, 1]
        expected.append(-_reference(y[test], proba, None, 2.0))
    assert_allclose(scores, expected, rtol=1e-10)


def test_make_scorer_with_string_labels():
    X, y = make_classification(n_samples=200, n_features=4, random_state=1)
    y_str = np.array(["neg", "pos"])[y]
    scorer = make_scorer(
        focal_loss,
        greater_is_better=False,
        response_method="predict_proba",
        gamma=2.0,
        alpha=0.25,
    )
    scores = cross_val_score(LogisticRegression(), X, y_str, scoring=scorer, cv=3)
    scores_int = cross_val_score(LogisticRegression(), X, y, scoring=scorer, cv=3)
    assert_allclose(scores, scores_int, rtol=1e-10)


# --------------------------------------------------------------------------
# input validation
# --------------------------------------------------------------------------
BAD_PROBA = [
    pytest.param([[0.2, 0.3, 0.5]] * 3, "shape", id="three-columns"),
    pytest.param([[0.2]] * 3, "shape", id="one-column"),
    pytest.param([0.2, 0.3], "rows", id="too-short"),
    pytest.param([0.2, 0.3, 0.4, 0.5], "rows", id="too-long"),
    pytest.param(np.full((3, 2, 1), 0.5), "rows", id="3d"),
    pytest.param([0.2, 1.5, 0.4], "probabilities", id="above-one"),
    pytest.param([0.2, -0.1, 0.4], "probabilities", id="negative"),
    pytest.param([0.2, np.nan, 0.4], "probabilities", id="nan"),
    pytest.param([0.2, np.inf, 0.4], "probabilities", id="inf"),
]


@pytest.mark.parametrize(("proba", "match"), BAD_PROBA)
def test_bad_proba_raises(proba, match):
    with pytest.raises(ValueError, match=match):
        focal_loss([0, 1, 0], proba)


@pytest.mark.parametrize(
    "y",
    [[1, 1, 1], [0, 1, 2]],
    ids=["one-class", "three-classes"],
)
def test_non_binary_y_raises(y):
    with pytest.raises(ValueError, match="two classes"):
        focal_loss(y, [0.2, 0.5, 0.7])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"alpha": 1.5}, ValueError, "alpha.*1.5"),
        ({"alpha": "foo"}, ValueError, "alpha.*'foo'"),
        ({"alpha": True}, TypeError, "alpha.*True"),
        ({"gamma": -1.0}, ValueError, "gamma.*-1.0"),
        ({"gamma": float("nan")}, ValueError, "gamma.*nan"),
        ({"gamma": "2"}, TypeError, "gamma.*'2'"),
    ],
    ids=repr,
)
def test_bad_parameters_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        focal_loss([0, 1, 0], [0.2, 0.5, 0.7], **kwargs)


def test_returns_python_float():
    value = focal_loss(np.array([0, 1]), np.array([0.3, 0.6], dtype=np.float32))
    assert type(value) is float
    expected = _reference(np.array([0, 1]), np.array([0.3, 0.6], np.float32), None, 2)
    assert math.isclose(value, expected, rel_tol=1e-12)


# ------------------------------------------- corrected resampled t-test
def test_corrected_ttest_against_a_hand_computed_example():
    """d = 0.01 * (1..5), 5-fold CV (n_test / n_train = 1/4).

    mean 0.03; sample variance 2.5e-4; corrected variance (1/5 + 1/4) 2.5e-4 =
    1.125e-4, so se = 0.0106066 and t = 0.03 / se = 2 sqrt(2). The p-value is
    the t(4) tail, integrated here with mpmath; the 95% interval uses
    t_{0.975, 4} = 2.776445 (the table value).
    """
    import mpmath

    from focalboost.metrics import corrected_resampled_ttest

    got = corrected_resampled_ttest(
        [0.01, 0.02, 0.03, 0.04, 0.05], test_size=100, train_size=400
    )
    assert got.n == 5 and got.mean == pytest.approx(0.03, rel=1e-14)
    assert got.t == pytest.approx(2 * math.sqrt(2), rel=1e-12)

    def density(x, nu=4):
        c = mpmath.gamma((nu + 1) / 2) / (
            mpmath.sqrt(nu * mpmath.pi) * mpmath.gamma(nu / 2)
        )
        return c * (1 + x**2 / nu) ** (-(nu + 1) / 2)

    p = 2 * mpmath.quad(density, [2 * mpmath.sqrt(2), mpmath.inf])
    assert got.p == pytest.approx(float(p), rel=1e-9)
    se = math.sqrt(0.45 * 2.5e-4)
    assert got.ci_low == pytest.approx(0.03 - 2.776445 * se, abs=1e-8)
    assert got.ci_high == pytest.approx(0.03 + 2.776445 * se, abs=1e-8)
    assert got.significant() and not got.significant(0.01)


def test_corrected_ttest_rejects_at_the_nominal_rate_without_a_difference():
    """Equicorrelated differences: the model the correction is derived for.

    Nadeau and Bengio: split differences of overlapping training sets have
    correlation rho = n_test / n; with rho = 0.2 (5-fold), 10 splits (2 x 5)
    and no true difference the corrected test rejects about 5% of the time
    (4000 simulations: binomial sd 0.0034), the plain paired t-test far more.
    """
    from scipy import stats

    from focalboost.metrics import corrected_resampled_ttest

    rng = np.random.default_rng(0)
    rho, j, sims = 0.2, 10, 4000
    shared = rng.normal(size=(sims, 1)) * math.sqrt(rho)
    d = shared + rng.normal(size=(sims, j)) * math.sqrt(1 - rho)
    p = np.array(
        [corrected_resampled_ttest(row, test_size=1, train_size=4).p for row in d]
    )
    assert 0.04 <= np.mean(p < 0.05) <= 0.06
    plain = stats.ttest_1samp(d, 0.0, axis=1).pvalue
    assert np.mean(plain < 0.05) > 0.2


@pytest.mark.parametrize(
    "differences, kwargs, message",
    [
        ([0.1], {}, "at least 2"),
        ([0.1, np.nan], {}, "finite"),
        ([0.1, 0.2], {"test_size": 0}, "positive"),
    ],
)
def test_corrected_ttest_rejects_bad_input(differences, kwargs, message):
    from focalboost.metrics import corrected_resampled_ttest

    args = {"test_size": 1, "train_size": 4} | kwargs
    with pytest.raises(ValueError, match=message):
        corrected_resampled_ttest(differences, **args)


def test_corrected_ttest_of_constant_differences():
    from focalboost.metrics import corrected_resampled_ttest

    zero = corrected_resampled_ttest([0.0] * 5, test_size=1, train_size=4)
    assert (zero.p, zero.ci_low, zero.ci_high) == (1.0, 0.0, 0.0)
    same = corrected_resampled_ttest([0.02] * 5, test_size=1, train_size=4)
    assert same.p == 0.0 and same.t == math.inf
