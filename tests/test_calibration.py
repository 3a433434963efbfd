"""Posterior (calibrated) probabilities behind focal margins.

References independent of the map under test: mpmath for ``log(-f'(p))``, the
focal-risk minimiser found by the loss's own ``fit_intercept_only`` root solve
(so ``posterior(argmin risk(q)) == q`` checks the inversion), and simulated
data whose true posterior is known.
"""

import mpmath
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, logit, softmax
from sklearn.metrics import average_precision_score

from focalboost import FocalLGBMClassifier, FocalXGBClassifier
from focalboost.losses import (
    BinaryFocalLoss,
    MultiLabelFocalLoss,
    SoftmaxFocalLoss,
)
from focalboost.losses._common import log_focal_slope

GAMMAS = [0.0, 0.5, 1.0, 2.0, 5.0]
BACKENDS = [
    pytest.param(FocalXGBClassifier, id="xgboost"),
    pytest.param(FocalLGBMClassifier, id="lightgbm"),
]
COMMON = {"n_estimators": 150, "learning_rate": 0.05, "n_jobs": 1, "random_state": 0}
# shallow trees: the calibration test is about the map, not about over-fitting
# (an over-fitted focal margin is over-confident once mapped, as is a log-loss one)
SMALL = {FocalXGBClassifier: {"max_depth": 3}, FocalLGBMClassifier: {"num_leaves": 8}}


def _mp_log_slope(z, gamma):
    """``log(-f'(p))``, ``p = expit(z)``, ``f(p) = -(1-p)^gamma log p``, in mpmath."""
    with mpmath.workdps(60):
        z = mpmath.mpf(z)
        p = 1 / (1 + mpmath.exp(-z))
        q = 1 / (1 + mpmath.exp(z))
        slope = q**gamma / p - gamma * q ** (gamma - 1) * mpmath.log(p)
        return float(mpmath.log(slope))


# ------------------------------------------------------------------ maths
@pytest.mark.parametrize("gamma", GAMMAS)
def test_log_focal_slope_matches_mpmath(gamma):
    z = np.r_[np.linspace(-50, 50, 41), -1e-3, 1e-3, 0.0]
    expected = np.array([_mp_log_slope(v, gamma) for v in z])
    got = log_focal_slope(z, gamma)
    assert_allclose(got, expected, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("alpha", [None, 0.1, 0.25, 0.9])
def test_binary_map_inverts_the_focal_minimiser(alpha, gamma):
    # the constant minimising E_q[FL] for class-1 share q is fit_intercept_only
    # with weights (1 - q, q); the map must send it back to q
    loss = BinaryFocalLoss(alpha, gamma)
    for q in [1e-6, 1e-3, 0.02, 0.3, 0.5, 0.77, 0.999, 1 - 1e-6]:
        c = loss.fit_intercept_only([0.0, 1.0], [1.0 - q, q])
        assert loss.posterior_proba([c])[0] == pytest.approx(q, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("gamma", [0.5, 2.0, 5.0])
@pytest.mark.parametrize("alpha", [None, [0.5, 1.0, 2.0, 4.0]])
def test_softmax_map_inverts_the_focal_minimiser(alpha, gamma):
    loss = SoftmaxFocalLoss(alpha, gamma)
    rng = np.random.default_rng(0)
    for _ in range(5):
        q = rng.dirichlet(np.full(4, 0.7))
        c = loss.fit_intercept_only(np.arange(4), q, n_classes=4)
        assert_allclose(loss.posterior_proba(c[None, :])[0], q, rtol=1e-8)


@pytest.mark.parametrize("gamma", GAMMAS)
def test_maps_are_strictly_increasing_and_finite(gamma):
    z = np.linspace(-30, 30, 20001)
    s = BinaryFocalLoss(gamma=gamma).posterior_raw_prediction(z)
    assert np.all(np.diff(s) > 0)
    extreme = np.array([-1e6, -1e3, 1e3, 1e6])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        for loss in (BinaryFocalLoss(0.25, gamma), BinaryFocalLoss(None, gamma)):
            out = loss.posterior_raw_prediction(extreme)
            assert np.all(np.isfinite(out)) and np.all(np.diff(out) > 0)
        scores = SoftmaxFocalLoss([1.0, 2.0, 3.0], gamma).posterior_raw_prediction(
            np.array([[1e6, -1e6, 0.0], [-1e3, 1e3, 1e3], [0.0, 0.0, 0.0]])
        )
    assert np.all(np.isfinite(scores))


def test_gamma_zero_without_alpha_is_the_identity():
    z = np.random.default_rng(1).normal(scale=10, size=(50, 3))
    assert_array_equal(
        BinaryFocalLoss(None, 0.0).posterior_raw_prediction(z[:, 0]), z[:, 0]
    )
    assert_array_equal(
        BinaryFocalLoss(None, 0.0).posterior_proba(z[:, 0]), expit(z[:, 0])
    )
    assert_array_equal(MultiLabelFocalLoss(None, 0.0).posterior_raw_prediction(z), z)
    assert_allclose(
        SoftmaxFocalLoss(None, 0.0).posterior_proba(z), softmax(z, axis=1), rtol=1e-14
    )


def test_gamma_zero_with_alpha_removes_the_class_weight():
    # weighted log loss: the minimiser is logit(q) + log(alpha_1 / alpha_0)
    z = np.linspace(-5, 5, 11)
    got = BinaryFocalLoss(0.2, 0.0).posterior_raw_prediction(z)
    assert_allclose(got, z + np.log(0.8 / 0.2), rtol=1e-15)


@pytest.mark.parametrize("gamma", [0.5, 2.0])
@pytest.mark.parametrize("alpha", [None, 0.3])
def test_two_class_softmax_map_equals_the_binary_map(alpha, gamma):
    z = np.linspace(-40, 40, 81)
    binary = BinaryFocalLoss(alpha, gamma).posterior_proba(z)
    soft_alpha = None if alpha is None else [1 - alpha, alpha]
    soft = SoftmaxFocalLoss(soft_alpha, gamma).posterior_proba(
        np.c_[np.zeros_like(z), z]
    )
    assert_allclose(soft[:, 1], binary, rtol=1e-12, atol=1e-300)


def test_multilabel_map_is_the_binary_map_per_label():
    z = np.random.default_rng(2).normal(scale=4, size=(30, 3))
    alpha = np.array([0.2, 0.5, 0.9])
    got = MultiLabelFocalLoss(alpha, 2.0).posterior_raw_prediction(z)
    for j in range(3):
        ref = BinaryFocalLoss(alpha[j], 2.0).posterior_raw_prediction(z[:, j])
        assert_allclose(got[:, j], ref, rtol=1e-15)


@pytest.mark.parametrize(
    "loss, z",
    [
        (BinaryFocalLoss("balanced"), [0.0]),
        (SoftmaxFocalLoss("balanced"), [[0.0, 1.0]]),
        (MultiLabelFocalLoss("balanced"), [[0.0, 1.0]]),
    ],
    ids=["binary", "softmax", "multilabel"],
)
def test_unresolved_balanced_alpha_raises(loss, z):
    with pytest.raises(ValueError, match="alpha='balanced'"):
        loss.posterior_raw_prediction(z)


# ------------------------------------------------------------- estimators
def _ece(y_onehot, proba, n_bins=15):
    """Mean over columns of the expected calibration error (equal-width bins)."""
    errors = []
    for j in range(proba.shape[1]):
        p, y = proba[:, j], y_onehot[:, j]
        bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
        gap = 0.0
        for b in np.unique(bins):
            m = bins == b
            gap += m.mean() * abs(p[m].mean() - y[m].mean())
        errors.append(gap)
    return float(np.mean(errors))


def _brier(y_onehot, proba):
    return float(np.mean(np.sum((proba - y_onehot) ** 2, axis=1)))


def _simulate(task, n=6000, seed=0):
    """Features, labels and true posteriors of a known model."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    if task == "binary":
        q1 = expit(1.5 * X[:, 0] - X[:, 1] + 0.8 * X[:, 2] * X[:, 3] - 2.5)
        y = (rng.random(n) < q1).astype(int)
        return X, y, np.c_[1 - q1, q1]
    if task == "multiclass":
        q = softmax(np.c_[X[:, 0], -X[:, 0] + X[:, 1], 0.5 * X[:, 2] - 1.5], axis=1)
        y = (rng.random(n)[:, None] > np.cumsum(q, axis=1)).sum(axis=1)
        return X, y, q
    q = expit(np.c_[2 * X[:, 0] - 2, X[:, 1] - X[:, 2] - 1.5, X[:, 3] - 3])
    return X, (rng.random(q.shape) < q).astype(int), q


def _onehot(task, y, n_classes):
    return y if task == "multilabel" else np.eye(n_classes)[y]


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize(
    "task, alpha",
    [("binary", 0.25), ("multiclass", [0.5, 1.0, 2.0]), ("multilabel", 0.25)],
)
def test_posterior_probabilities_are_calibrated(cls, task, alpha):
    X, y, q = _simulate(task, n=14000)
    tr, te = slice(0, 10000), slice(10000, None)
    params = dict(COMMON, **SMALL[cls])
    focal = cls(alpha=alpha, gamma=2.0, **params).fit(X[tr], y[tr])
    log = cls(alpha=None, gamma=0.0, **params).fit(X[tr], y[tr])
    posterior = focal.predict_proba(X[te])
    raw = focal.set_params(probability="focal").predict_proba(X[te])
    reference = log.predict_proba(X[te])
    y_te = _onehot(task, y[te], q.shape[1])

    # raw focal probabilities are visibly off; the posterior map repairs them
    assert _brier(y_te, posterior) < _brier(y_te, raw)
    assert _ece(y_te, posterior) < 0.6 * _ece(y_te, raw)
    # ... to about what the log-loss model gets
    assert _brier(y_te, posterior) < 1.05 * _brier(y_te, reference)
    assert _ece(y_te, posterior) < _ece(y_te, reference) + 0.02
    # and the posterior is closer to the true one than the raw probability
    assert np.mean(np.abs(posterior - q[te])) < np.mean(np.abs(raw - q[te]))


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_predict_is_the_argmax_of_predict_proba_in_both_modes(cls, task):
    X, y, _ = _simulate(task, n=600, seed=3)
    alpha = [0.2, 3.0, 1.0] if task == "multiclass" else 0.2
    clf = cls(alpha=alpha, gamma=2.0, n_estimators=20, n_jobs=1).fit(X, y)
    modes = {}
    for mode in ("posterior", "focal"):
        clf.set_params(probability=mode)
        proba, decision, pred = (
            clf.predict_proba(X),
            clf.decision_function(X),
            clf.predict(X),
        )
        if task == "multilabel":
            assert_array_equal(pred, (proba > 0.5).astype(y.dtype))
            assert_array_equal(pred, (decision > 0).astype(y.dtype))
        else:
            assert_array_equal(pred, clf.classes_[np.argmax(proba, axis=1)])
        if task == "binary":
            assert_array_equal(pred, clf.classes_[(decision > 0).astype(int)])
            assert_allclose(proba[:, 1], expit(decision), rtol=1e-15)
        modes[mode] = (proba, pred)
    if task != "multiclass":
        # alpha shifts the raw focal threshold: the two modes decide differently
        assert not np.array_equal(modes["posterior"][1], modes["focal"][1])
        # a monotone map per column keeps every ranking
        for j in range(modes["focal"][0].shape[1]):
            y_j = (y == clf.classes_[j]) if task == "binary" else y[:, j]
            assert average_precision_score(
                y_j, modes["posterior"][0][:, j]
            ) == pytest.approx(average_precision_score(y_j, modes["focal"][0][:, j]))


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_intercept_only_posterior_is_the_weighted_prevalence(cls, task):
    X, y, _ = _simulate(task, n=500, seed=4)
    w = np.random.default_rng(5).uniform(0.2, 3.0, size=len(y))
    alpha = [0.5, 1.0, 2.0] if task == "multiclass" else 0.3
    clf = cls(alpha=alpha, gamma=2.0, n_estimators=0).fit(X, y, sample_weight=w)
    prevalence = np.average(
        _onehot(task, y, 3 if task != "binary" else 2), axis=0, weights=w
    )
    proba = clf.predict_proba(X[:4])
    assert_allclose(proba, np.tile(prevalence, (4, 1)), rtol=1e-6)
    # while the raw focal probability of a focal constant is not the prevalence
    raw = clf.set_params(probability="focal").predict_proba(X[:4])
    assert np.max(np.abs(raw[0] - prevalence)) > 0.02


@pytest.mark.parametrize("cls", BACKENDS)
def test_log_loss_posterior_equals_the_raw_probability(cls):
    X, y, _ = _simulate("binary", n=500, seed=6)
    clf = cls(alpha=None, gamma=0.0, n_estimators=10, n_jobs=1).fit(X, y)
    posterior = clf.predict_proba(X)
    assert_array_equal(posterior, clf.set_params(probability="focal").predict_proba(X))
    assert_allclose(clf.decision_function(X), logit(posterior[:, 1]), rtol=1e-9)


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("bad", ["calibrated", None, 1])
def test_invalid_probability_is_rejected_at_fit_and_predict(cls, bad):
    X, y, _ = _simulate("binary", n=200, seed=7)
    with pytest.raises(ValueError, match=f"probability must be .* got {bad!r}"):
        cls(probability=bad, n_estimators=2).fit(X, y)
    clf = cls(n_estimators=2).fit(X, y).set_params(probability=bad)
    with pytest.raises(ValueError, match="probability must be"):
        clf.predict_proba(X)
