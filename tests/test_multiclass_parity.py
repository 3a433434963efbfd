"""Multiclass ``gamma=0, alpha=None`` is each backend's own multiclass classifier.

References: :class:`xgboost.XGBClassifier` (``multi:softprob``) and
:class:`lightgbm.LGBMClassifier` (``multiclass``), fitted side by side on the
same data with the same tree settings, independent of focalboost's code.

Tolerances come from the gradients' rounding. XGBoost computes its softmax
gradient pairs in float32; focalboost's are float64 rounded to float32 with
3 mantissa bits cleared (relative error ``2**-21``, see
:func:`focalboost._objective.round_mantissa`). A leaf value is a ratio of
gradient sums, so each carries a relative error of a few ``2**-21``; 20
rounds of leaves of size at most ~1 at ``learning_rate=0.3`` give margins
within ~``1e-5`` of each other, and ``d softmax / d z <= 1/4``: ``2e-5`` on
probabilities (measured: at most 4e-7). LightGBM keeps float32 gradients
(relative error ``2**-24``) computed in double by either side: ``2e-6``
(measured: at most 3e-8). Under each library's own
Hessian convention neither side shares code with the other, and the
previous convention (``p (1 - p)`` for both) misses by 0.3 to 0.6.
"""

import functools

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from scipy.special import logsumexp, softmax

from focalboost import FocalLGBMClassifier, FocalXGBClassifier
from focalboost.lightgbm import LightGBMObjective
from focalboost.losses import SoftmaxFocalLoss
from focalboost.xgboost import XGBoostObjective

# the compiled kernel on 1 and 8 threads and the numpy fallback
pytestmark = pytest.mark.usefixtures("kernel_path")

TOL = {"xgboost": 2e-5, "lightgbm": 2e-6}
N_ROUNDS = 20

#: The same tree settings for both classes of each backend.
TREES = {
    "xgboost": dict(
        n_estimators=N_ROUNDS, max_depth=3, learning_rate=0.3, random_state=0
    ),
    "lightgbm": dict(
        n_estimators=N_ROUNDS, num_leaves=15, learning_rate=0.3, random_state=0
    ),
}
#: LightGBM takes any split of positive gain, also one of 1e-15 (rounding
#: noise, which the last bits of the gradients decide); 1e-10 on both sides
#: keeps the comparison to the splits that carry signal. XGBoost splits only
#: above a loss change of 1e-6 anyway.
NOISE_GAIN = {
    "xgboost": ({}, {}),
    "lightgbm": (
        dict(min_split_gain=1e-10),
        dict(booster_params={"min_gain_to_split": 1e-10}),
    ),
}
#: min_child_weight that binds (checked below): its units are the backend's.
BINDING = {
    "xgboost": dict(min_child_weight=8.0),
    "lightgbm": dict(min_child_weight=4.0, min_child_samples=2),
}


def _data(k, weighted, n=600):
    rng = np.random.default_rng(k)
    X = rng.normal(size=(n, 6))
    score = X[:, 0] + 0.7 * X[:, 1] - 0.5 * X[:, 2] + rng.normal(size=n)
    # unequal classes, so that the starting margins are not all equal
    cuts = np.quantile(score, np.linspace(0, 1, k + 1)[1:-1] ** 1.3)
    w = rng.uniform(0.2, 3.0, size=n) if weighted else None
    return X, np.digitize(score, cuts), w


def _focal(backend, k, weighted, extra=(), **params):
    X, y, w = _data(k, weighted)
    cls = FocalXGBClassifier if backend == "xgboost" else FocalLGBMClassifier
    kw = dict(TREES[backend], **NOISE_GAIN[backend][1], **dict(extra), **params)
    return cls(alpha=None, **kw).fit(X, y, sample_weight=w)


@functools.cache
def _reference(backend, k, weighted, extra=()):
    """The backend's own classifier: (predict_proba, raw margins) on the data."""
    X, y, w = _data(k, weighted)
    kw = dict(TREES[backend], **NOISE_GAIN[backend][0], **dict(extra))
    if backend == "xgboost":
        ref = xgb.XGBClassifier(tree_method="hist", **kw)
        ref.fit(X, y, sample_weight=w)
        return ref.predict_proba(X), ref.predict(X, output_margin=True)
    # focalboost's seeded LightGBM fits are deterministic, col-wise
    ref = lgb.LGBMClassifier(
        verbosity=-1, deterministic=True, force_col_wise=True, **kw
    )
    ref.fit(X, y, sample_weight=w)
    return ref.predict_proba(X), ref.predict(X, raw_score=True)


BACKENDS = ["xgboost", "lightgbm"]
KS = [pytest.param(3, id="K3"), pytest.param(5, id="K5")]
WEIGHTS = [pytest.param(False, id="unweighted"), pytest.param(True, id="weighted")]


def test_the_adapters_carry_each_backends_hessian_convention():
    # XGBoost multi:softprob: 2 p (1 - p); LightGBM multiclass: K/(K-1) p (1-p)
    assert XGBoostObjective.softmax_hessian_factor(3) == 2.0
    assert XGBoostObjective.softmax_hessian_factor(5) == 2.0
    assert LightGBMObjective.softmax_hessian_factor(3) == 1.5
    assert LightGBMObjective.softmax_hessian_factor(5) == 1.25


@pytest.mark.parametrize("weighted", WEIGHTS)
@pytest.mark.parametrize("k", KS)
@pytest.mark.parametrize("backend", BACKENDS)
def test_gamma0_predict_proba_is_the_backends_classifier(backend, k, weighted):
    clf = _focal(backend, k, weighted, gamma=0.0)
    X, _, _ = _data(k, weighted)
    proba, _ = _reference(backend, k, weighted)
    np.testing.assert_allclose(clf.predict_proba(X), proba, rtol=0, atol=TOL[backend])
    # min_child_weight is the backend's own at gamma=0 (the factor cancels)
    assert clf.hessian_scale_ == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("k", KS)
@pytest.mark.parametrize("backend", BACKENDS)
def test_gamma0_margins_and_starting_margins(backend, k):
    clf = _focal(backend, k, True, gamma=0.0, probability="focal")
    X, y, w = _data(k, True)
    _, raw = _reference(backend, k, True)
    margin = clf.decision_function(X)
    log_prior = np.log(np.bincount(y, weights=w) / w.sum())
    # the focal intercept at gamma=0: the log class priors, centred
    np.testing.assert_allclose(clf.intercept_, log_prior - log_prior.mean(), atol=1e-12)
    if backend == "xgboost":
        # XGBoost's own base_score for multi:softprob is the same centred vector
        np.testing.assert_allclose(margin, raw, rtol=0, atol=20 * TOL[backend])
    else:
        # LightGBM starts from the uncentred log priors (boost_from_average):
        # the margins differ by that one constant, the trees are the same
        np.testing.assert_allclose(
            margin, raw - log_prior.mean(), rtol=0, atol=20 * TOL[backend]
        )
    # the same probabilities either way (softmax is shift-invariant)
    np.testing.assert_allclose(
        margin - logsumexp(margin, axis=1, keepdims=True),
        raw - logsumexp(raw, axis=1, keepdims=True),
        rtol=0,
        atol=20 * TOL[backend],
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_gamma0_with_a_binding_min_child_weight(backend):
    extra = tuple(BINDING[backend].items())
    X, _, _ = _data(3, True)
    proba, _ = _reference(backend, 3, True, extra)
    # it binds: the backend's own model changes with it
    assert np.abs(proba - _reference(backend, 3, True)[0]).max() > 1e-3
    clf = _focal(backend, 3, True, extra, gamma=0.0)
    np.testing.assert_allclose(clf.predict_proba(X), proba, rtol=0, atol=TOL[backend])


ADAPTERS = [
    pytest.param(XGBoostObjective, id="xgboost"),
    pytest.param(LightGBMObjective, id="lightgbm"),
]


@pytest.mark.parametrize("policy", ["surrogate", "clipped"])
@pytest.mark.parametrize("k", KS)
@pytest.mark.parametrize("cls", ADAPTERS)
def test_objective_is_the_backends_at_gamma0_and_continuous(rng, cls, k, policy):
    n = 400
    y = rng.integers(0, k, n)
    w = rng.uniform(0.2, 3.0, n)
    z = rng.normal(0.0, 2.0, (n, k)).astype(np.float32)  # what the backends pass
    if cls is LightGBMObjective:
        z = np.asfortranarray(z)  # LightGBM's layout
    # the backends' own formulas, from scipy's softmax in float64
    p = softmax(z.astype(np.float64), axis=1)
    g_ref = (p - np.eye(k)[y]) * w[:, None]
    factor = 2.0 if cls is XGBoostObjective else k / (k - 1)
    h_ref = factor * p * (1.0 - p) * w[:, None]
    g0, h0 = cls(SoftmaxFocalLoss(None, 0.0), y, w, policy).gradient_hessian(z)
    # float32 outputs: XGBoost's with 3 mantissa bits cleared (2**-21), both
    # multiplied by the weight and the factor in float32
    np.testing.assert_allclose(g0, g_ref, rtol=2.0**-19, atol=0)
    np.testing.assert_allclose(h0, h_ref, rtol=2.0**-19, atol=0)
    # gamma=1e-6 moves each value by ~gamma |log p| (p >= 1e-5 here), never by
    # the factor
    g1, h1 = cls(SoftmaxFocalLoss(None, 1e-6), y, w, policy).gradient_hessian(z)
    np.testing.assert_allclose(g1, g0, rtol=1e-4, atol=0)
    np.testing.assert_allclose(h1, h0, rtol=1e-4, atol=0)


@pytest.mark.parametrize("k", KS)
@pytest.mark.parametrize("backend", BACKENDS)
def test_the_model_is_continuous_in_gamma(backend, k):
    # the factor multiplies the focal Hessians at every gamma, so a tiny gamma
    # is the gamma=0 model (a factor applied at gamma=0 only would miss by
    # 0.3). gamma=1e-9 moves the gradients below their float32 rounding; a
    # larger one (1e-6, tested on the objective above) can make LightGBM pick
    # the other of two candidate splits whose gains tie in float32 (here at
    # K=5, 0.22 apart in predict_proba after 20 rounds): a discontinuity of
    # greedy trees, not of the objective
    X, _, _ = _data(k, False)
    near0 = _focal(backend, k, False, gamma=1e-9).predict_proba(X)
    proba, _ = _reference(backend, k, False)
    np.testing.assert_allclose(near0, proba, rtol=0, atol=TOL[backend])
