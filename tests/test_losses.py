"""Maths of :class:`focalboost.losses.BinaryFocalLoss`.

Every expected value below comes from a reference that does not call the code
under test: finite differences, an mpmath evaluation of the defining formula
``FL = -alpha_t (1 - p_t)**gamma log p_t`` at 50 digits (derivatives taken by
``mpmath.diffs``), scikit-learn's log loss, or a scipy minimiser of a risk
written out in this file.
"""

import functools
import math
import re

import mpmath
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import minimize_scalar
from scipy.special import expit, log_expit
from sklearn.metrics import log_loss

from focalboost.losses import HESSIAN_FLOOR, BinaryFocalLoss

EPS = np.finfo(np.float64).eps

GAMMAS = [0.0, 0.5, 1.0, 2.0, 5.0]
ALPHAS = [None, 0.25, 0.5, 0.9]
LABELS = [0, 1]
POLICIES = ["exact", "surrogate", "clipped"]

# Margins of the high-precision comparison: both tails, the sign change of the
# gamma=2 exact Hessian (-2.79 is just above the root, 2.79 is its mirror for
# y=0), zero and tiny margins.
MP_MARGINS = [
    -50.0,
    -20.0,
    -2.79,
    -2.0,
    -0.5,
    -1e-3,
    -1e-8,
    0.0,
    1e-8,
    1e-3,
    0.5,
    2.0,
    2.79,
    20.0,
    50.0,
]


def _id(name):
    return lambda value: f"{name}={value}"


def _alpha_t(alpha, y):
    """Weight of the true class, straight from the definition."""
    if alpha is None:
        return 1.0
    return alpha if y == 1 else 1.0 - alpha


# --------------------------------------------------------------------------
# Independent references
# --------------------------------------------------------------------------
def _mp_unweighted_focal(y, gamma):
    """``z -> -(1 - p_t)**gamma * log(p_t)`` in mpmath, for the label ``y``.

    ``p_t = sigmoid(s z)`` and ``1 - p_t = sigmoid(-s z)`` are both written as
    ``1 / (1 + exp(.))`` so neither loses digits to cancellation.
    """
    s = 1 if y == 1 else -1
    gamma = mpmath.mpf(gamma)

    def focal(z):
        p_t = 1 / (1 + mpmath.exp(-s * z))
        one_minus_p_t = 1 / (1 + mpmath.exp(s * z))
        return -(one_minus_p_t**gamma) * mpmath.log(p_t)

    return focal


@functools.cache
def _mp_reference(y, gamma):
    """Loss, first and second z-derivative (no alpha) on ``MP_MARGINS``.

    Returns three float64 arrays plus the "magnitude" of the second
    derivative: the same expression with every term made positive (see
    ``test_matches_mpmath_reference`` for its use).
    """
    with mpmath.workdps(50):
        focal = _mp_unweighted_focal(y, gamma)
        rows = []
        for z in MP_MARGINS:
            value, d1, d2 = mpmath.diffs(focal, mpmath.mpf(z), 2)
            s = 1 if y == 1 else -1
            p = 1 / (1 + mpmath.exp(-s * mpmath.mpf(z)))
            q = 1 / (1 + mpmath.exp(s * mpmath.mpf(z)))
            ell = -mpmath.log(p)
            g = mpmath.mpf(gamma)
            # d2 = p q^g [(2g+1) q + g ell (g p - q)] is a sum of terms of
            # both signs; this is the sum of their absolute values.
            d2_scale = p * q**g * ((2 * g + 1) * q + g * ell * (g * p + q))
            rows.append([float(v) for v in (value, d1, d2, d2_scale)])
    return tuple(np.array(col) for col in zip(*rows, strict=True))


def _np_focal_terms(y, z, gamma):
    """Per-sample unweighted focal loss and |d/du| in numpy, from scratch."""
    u = np.where(np.asarray(y) == 1, z, -z)
    ell = np.logaddexp(0.0, -u)  # -log sigmoid(u)
    log_q = -np.logaddexp(0.0, u)  # log sigmoid(-u)
    log_p = -ell
    q = np.exp(log_q)
    p = np.exp(log_p)
    qg = np.exp(gamma * log_q)
    return qg * ell, qg * (q + gamma * p * ell), p


def _constant_risk(c, y, w, a0, a1, gamma):
    """Weighted mean focal loss of the constant margin ``c``."""
    loss, _, _ = _np_focal_terms(y, np.full(y.shape, c), gamma)
    alpha_t = np.where(y == 1, a1, a0)
    return float(np.sum(w * alpha_t * loss) / np.sum(w))


def _constant_slope(c, y, w, a0, a1, gamma):
    """``d/dc sum(w alpha_t FL)`` at the constant ``c``, and its terms' sum of |.|."""
    _, abs_du, _ = _np_focal_terms(y, np.full(y.shape, c), gamma)
    signed = np.where(y == 1, -a1, a0) * w * abs_du
    return float(signed.sum()), float(np.abs(signed).sum())


def _sum_rounding(c, gamma, n):
    """Relative rounding of a float64 sum of n focal terms at the constant ``c``.

    Relative to the sum of the terms' absolute values: ``q**gamma`` is
    ``exp(gamma log q)`` with ``|log q| <= |c| + 1``, so it carries up to
    ``gamma (|c| + 1)`` ulps; the logaddexps and products a few more, the
    pairwise sum ``log2(n)``; x2 for "a few".
    """
    return 2.0 * (gamma * (abs(c) + 1.0) + 8.0 + math.log2(n)) * EPS


def _assert_near_minimiser(c, c_ref, args, grad_rtol):
    """``|c - c_ref|`` within what the two points' accuracies allow.

    To first order ``|x - c*| <= |slope(x)| / curvature`` for the minimiser
    ``c*`` of the constant risk: for the reference from its independent slope
    (plus that slope's rounding), for ``c`` from the first-order condition it
    is held to (``grad_rtol`` of the terms' absolute sum, plus the rounding).
    x2: the curvature's difference error (h^2 |d^4 R| / 6 < 1e-4 of it here)
    and its change between the points.
    """
    n = args[0].size
    gamma = args[-1]
    h = 1e-3
    up, down = _constant_slope(c_ref + h, *args), _constant_slope(c_ref - h, *args)
    curvature = (up[0] - down[0]) / (2.0 * h)
    assert curvature > 0  # a minimum
    slope_ref, scale_ref = _constant_slope(c_ref, *args)
    _, scale_c = _constant_slope(c, *args)
    dist_ref = abs(slope_ref) + _sum_rounding(c_ref, gamma, n) * scale_ref
    dist_c = (grad_rtol + _sum_rounding(c, gamma, n)) * scale_c
    assert abs(c - c_ref) <= 2.0 * (dist_ref + dist_c) / curvature


# --------------------------------------------------------------------------
# 1. Finite differences
# --------------------------------------------------------------------------
# Margins exactly representable in binary (steps of 1/4), so z + k*h is exact.
FD_MARGINS = np.linspace(-50.0, 50.0, 401)
FD_H1 = 2.0**-10  # first derivatives: truncation h^4 f'''''/30 ~ 3e-14
FD_H2 = 2.0**-7  # second derivative of the loss: truncation h^4 f^(6)/90
FD_RTOL = 1e-8
# The second difference of the loss cannot reach 1e-8: its truncation error
# h^4 f^(6)/90 grows like (gamma+1)^4 and a smaller h lets rounding
# (eps |f| / h^2) dominate; the Hessian is held to 1e-8 by the first
# difference of the gradient and by mpmath below.
FD2_RTOL = 1e-6
# The package evaluates q**gamma as exp(gamma * log q); the relative error of
# one value is up to ~gamma * |log q| ulp (a few hundred at |u| = 50).
FD_VALUE_ULPS = 1000.0


def _fd_first(f, z, h):
    """4th-order central difference and a bound on its rounding error."""
    f_m2, f_m1, f_p1, f_p2 = (f(z + k * h) for k in (-2, -1, 1, 2))
    deriv = (f_m2 - 8.0 * f_m1 + 8.0 * f_p1 - f_p2) / (12.0 * h)
    size = np.max(np.abs([f_m2, f_m1, f_p1, f_p2]), axis=0)
    noise = FD_VALUE_ULPS * EPS * (18.0 / 12.0) * size / h
    return deriv, noise


def _fd_second(f, z, h):
    """4th-order central second difference and a bound on its rounding error."""
    vals = [f(z + k * h) for k in (-2, -1, 0, 1, 2)]
    f_m2, f_m1, f_0, f_p1, f_p2 = vals
    deriv = (-f_m2 + 16.0 * f_m1 - 30.0 * f_0 + 16.0 * f_p1 - f_p2) / (12.0 * h**2)
    size = np.max(np.abs(vals), axis=0)
    noise = FD_VALUE_ULPS * EPS * (64.0 / 12.0) * size / h**2
    return deriv, noise


def _assert_fd_close(actual, fd, noise, min_informative, rtol=FD_RTOL):
    """``|actual - fd| <= rtol |fd| + rounding floor``, floor often inactive."""
    err = np.abs(actual - fd)
    bound = rtol * np.abs(fd) + noise
    bad = err > bound
    assert not bad.any(), (
        f"{bad.sum()} mismatches, worst error/bound {np.max(err / bound):.3g}"
    )
    # the check must not be vacuous: on most points the relative tolerance,
    # not the rounding floor, decides
    informative = np.mean(noise < rtol * np.abs(fd))
    assert informative >= min_informative, informative


@pytest.mark.parametrize("alpha", [None, 0.25], ids=_id("alpha"))
@pytest.mark.parametrize("gamma", GAMMAS, ids=_id("gamma"))
@pytest.mark.parametrize("y", LABELS, ids=_id("y"))
def test_gradient_matches_finite_differences(y, gamma, alpha):
    loss = BinaryFocalLoss(alpha=alpha, gamma=gamma)
    yy = np.full(FD_MARGINS.shape, y)
    fd, noise = _fd_first(lambda z: loss.loss(yy, z), FD_MARGINS, FD_H1)
    # the relative test decides on ~79% of the grid at 1e-8 (the far tails'
    # gradients are below the rounding floor of the loss values)
    _assert_fd_close(loss.gradient(yy, FD_MARGINS), fd, noise, 0.75)


@pytest.mark.parametrize("alpha", [None, 0.25], ids=_id("alpha"))
@pytest.mark.parametrize("gamma", GAMMAS, ids=_id("gamma"))
@pytest.mark.parametrize("y", LABELS, ids=_id("y"))
def test_hessian_matches_finite_differences_of_gradient(y, gamma, alpha):
    loss = BinaryFocalLoss(alpha=alpha, gamma=gamma)
    yy = np.full(FD_MARGINS.shape, y)
    fd, noise = _fd_first(lambda z: loss.gradient(yy, z), FD_MARGINS, FD_H1)
    _, hess = loss.gradient_hessian(yy, FD_MARGINS)
    # for true-class margins below ~-8 the Hessian (~|u| e^u) is below the
    # rounding noise of a gradient of size ~1: FD says nothing there (the
    # mpmath test covers it), so only ~53% of the grid is informative at 1e-8
    _assert_fd_close(hess, fd, noise, 0.5)


@pytest.mark.parametrize("alpha", [None, 0.25], ids=_id("alpha"))
@pytest.mark.parametrize("gamma", GAMMAS, ids=_id("gamma"))
@pytest.mark.parametrize("y", LABELS, ids=_id("y"))
def test_hessian_matches_finite_differences_of_loss(y, gamma, alpha):
    loss = BinaryFocalLoss(alpha=alpha, gamma=gamma)
    yy = np.full(FD_MARGINS.shape, y)
    fd, noise = _fd_second(lambda z: loss.loss(yy, z), FD_MARGINS, FD_H2)
    _, hess = loss.gradient_hessian(yy, FD_MARGINS)
    # as above, the wrong-side tail is rounding noise for FD (~52% informative)
    _assert_fd_close(hess, fd, noise, 0.5, rtol=FD2_RTOL)


# --------------------------------------------------------------------------
# 2. High-precision reference
# --------------------------------------------------------------------------
MP_RTOL = 1e-8


@pytest.mark.parametrize("y", LABELS, ids=_id("y"))
@pytest.mark.parametrize("alpha", ALPHAS, ids=_id("alpha"))
@pytest.mark.parametrize("gamma", GAMMAS, ids=_id("gamma"))
def test_matches_mpmath_reference(gamma, alpha, y):
    value, d1, d2, d2_scale = _mp_reference(y, gamma)
    a_t = _alpha_t(alpha, y)
    z = np.array(MP_MARGINS)
    yy = np.full(z.shape, y)
    loss = BinaryFocalLoss(alpha=alpha, gamma=gamma)
    grad, hess = loss.gradient_hessian(yy, z)

    assert_allclose(loss.loss(yy, z), a_t * value, rtol=MP_RTOL, atol=0)
    assert_allclose(loss.gradient(yy, z), a_t * d1, rtol=MP_RTOL, atol=0)
    assert_allclose(grad, a_t * d1, rtol=MP_RTOL, atol=0)
    # The exact Hessian crosses zero (true-class margin ~ -2.79 at gamma=2)
    # by cancellation of terms of opposite signs, so near the root no float64
    # evaluation has a small *relative* error; what float64 can promise is an
    # error small relative to the sum of the terms' absolute values
    # (d2_scale, from mpmath). Away from the root d2_scale is within a small
    # factor of |d2|, so this floor only matters where the true value is ~0.
    atol = MP_RTOL * a_t * d2_scale
    err = np.abs(hess - a_t * d2)
    assert np.all(err <= MP_RTOL * np.abs(a_t * d2) + atol), err / np.abs(a_t * d2)


def test_mpmath_reference_is_the_log_loss_at_gamma_zero():
    # sanity check of the reference itself: at gamma=0 it is the log loss
    for y in LABELS:
        value, d1, d2, _ = _mp_reference(y, 0.0)
        z = np.array(MP_MARGINS)
        p, q = expit(z), expit(-z)
        assert_allclose(value, -log_expit(z if y == 1 else -z), rtol=1e-12)
        assert_allclose(d1, -q if y == 1 else p, rtol=1e-12)
        assert_allclose(d2, p * q, rtol=1e-12)


# --------------------------------------------------------------------------
# 3. gamma=0, alpha=None is the log loss
# --------------------------------------------------------------------------
def test_gamma_zero_is_log_loss(rng):
    n = 500
    y = rng.integers(0, 2, n)
    z = rng.uniform(-15.0, 15.0, n)
    loss = BinaryFocalLoss(alpha=None, gamma=0.0)
    p = expit(z)
    expected = log_loss(y, y_proba=p)
    # 1 - p would lose digits for p ~ 1: use sigma(-z) for the curvature
    assert math.isclose(loss.loss(y, z).mean(), expected, rel_tol=1e-12)

    grad, hess = loss.gradient_hessian(y, z)
    # p - y loses up to one ulp of 1 to cancellation when y=1
    assert_allclose(grad, p - y, rtol=1e-12, atol=2 * EPS)
    assert_allclose(loss.gradient(y, z), p - y, rtol=1e-12, atol=2 * EPS)
    assert_allclose(hess, p * expit(-z), rtol=1e-12)


@pytest.mark.parametrize("alpha", [0.25, 0.9], ids=_id("alpha"))
def test_gamma_zero_is_class_weighted_log_loss(rng, alpha):
    y = rng.integers(0, 2, 200)
    z = rng.uniform(-10.0, 10.0, 200)
    w = np.where(y == 1, alpha, 1 - alpha)
    loss = BinaryFocalLoss(alpha=alpha, gamma=0.0)
    expected = log_loss(y, y_proba=expit(z), sample_weight=w, normalize=False)
    assert math.isclose(loss.loss(y, z).sum(), expected, rel_tol=1e-12)


# --------------------------------------------------------------------------
# 4. Extreme margins
# --------------------------------------------------------------------------
EXTREME = [1e3, -1e3, 1e6, -1e6]


@pytest.mark.parametrize("alpha", [None, 0.25], ids=_id("alpha"))
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0, 20.0], ids=_id("gamma"))
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
def test_extreme_margins_are_finite_and_warning_free(dtype, gamma, alpha):
    z = np.array(EXTREME * 2, dtype=dtype)
    y = np.repeat(np.array([1, 0], dtype=dtype), len(EXTREME))
    loss = BinaryFocalLoss(alpha=alpha, gamma=gamma)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        values = loss.loss(y, z)
        grad = loss.gradient(y, z)
        hessians = {p: loss.gradient_hessian(y, z, hessian=p) for p in POLICIES}
    outputs = [values, grad] + [a for gh in hessians.values() for a in gh]
    for out in outputs:
        assert out.dtype == np.float64
        assert out.shape == z.shape
        assert np.all(np.isfinite(out))

    s = 2.0 * y.astype(np.float64) - 1.0
    u = s * z.astype(np.float64)
    a_t = np.array([_alpha_t(alpha, int(lab)) for lab in y])
    wrong = u < 0
    # confidently wrong: q = 1, p = exp(u) underflows -> FL = alpha_t |u|,
    # dFL/dz = -s alpha_t, every curvature term carries a factor p -> 0
    assert_allclose(values[wrong], a_t[wrong] * np.abs(u[wrong]), rtol=1e-15)
    assert_allclose(grad[wrong], -s[wrong] * a_t[wrong], rtol=1e-15)
    # confidently right: everything carries a factor q = exp(-u) -> 0
    assert_array_equal(values[~wrong], 0.0)
    assert_array_equal(grad[~wrong], 0.0)
    for policy, (g, h) in hessians.items():
        assert_array_equal(g, grad)
        expected = HESSIAN_FLOOR if policy == "clipped" else 0.0
        assert_array_equal(h, expected)


@pytest.mark.parametrize("gamma", [0.5, 2.0, 20.0], ids=_id("gamma"))
def test_large_finite_margins_keep_the_tail_asymptotics(gamma):
    # |u| = 30: p = e^-30 does not underflow; check the leading-order tails,
    # whose relative corrections are O(gamma u e^-u) < 1e-10
    loss = BinaryFocalLoss(gamma=gamma)
    u = 30.0
    assert_allclose(loss.loss([1], [-u]), u, rtol=1e-10)
    assert_allclose(loss.gradient([1], [-u]), -1.0, rtol=1e-10)
    assert_allclose(loss.gradient([0], [u]), 1.0, rtol=1e-10)
    # right: FL ~ e^{-(gamma+1) u}, dFL/du ~ -(gamma+1) e^{-(gamma+1) u}
    tail = math.exp(-(gamma + 1) * u)
    assert_allclose(loss.loss([1], [u]), tail, rtol=1e-10)
    assert_allclose(loss.gradient([1], [u]), -(gamma + 1) * tail, rtol=1e-10)
    assert_allclose(loss.gradient([0], [-u]), (gamma + 1) * tail, rtol=1e-10)


# --------------------------------------------------------------------------
# 5. Hessian policies
# --------------------------------------------------------------------------
@functools.cache
def _mp_hessian_root(gamma):
    """True-class margin where the exact Hessian changes sign (mpmath)."""
    with mpmath.workdps(50):
        focal = _mp_unweighted_focal(1, gamma)

        def hess(u):
            return mpmath.diff(focal, mpmath.mpf(u), 2)

        # bracket the first sign change below 0, then refine
        hi = 0.0
        while hess(hi - 0.25) > 0:
            hi -= 0.25
        bracket = (hi - 0.25, hi)
        return float(mpmath.findroot(hess, bracket, solver="anderson", tol=1e-40))


def test_exact_hessian_sign_change_is_near_minus_2_79():
    assert abs(_mp_hessian_root(2.0) - (-2.79)) < 5e-3


@pytest.mark.parametrize("alpha", [None, 0.25], ids=_id("alpha"))
@pytest.mark.parametrize("gamma", [0.5, 1.0, 2.0, 5.0, 20.0], ids=_id("gamma"))
@pytest.mark.parametrize("y", LABELS, ids=_id("y"))
def test_exact_hessian_changes_sign_once_at_reference_root(y, gamma, alpha):
    u0 = _mp_hessian_root(gamma)
    s = 1.0 if y == 1 else -1.0
    loss = BinaryFocalLoss(alpha=alpha, gamma=gamma)
    # the Hessian ~ e^{-(gamma+1) u} underflows to 0 beyond u ~ 700/(gamma+1)
    hi = min(50.0, 600.0 / (gamma + 1.0))
    u = np.concatenate([np.linspace(-50.0, hi, 2001), [u0 - 1e-7, u0 + 1e-7]])
    _, hess = loss.gradient_hessian(np.full(u.shape, y), s * u)
    assert_array_equal(np.sign(hess), np.sign(u - u0))


@pytest.mark.parametrize("alpha", ALPHAS, ids=_id("alpha"))
def test_exact_hessian_is_positive_at_gamma_zero(alpha):
    z = np.linspace(-50.0, 50.0, 401)
    for y in LABELS:
        _, hess = BinaryFocalLoss(alpha, 0.0).gradient_hessian(np.full(z.shape, y), z)
        assert np.all(hess > 0)


@pytest.mark.parametrize("alpha", ALPHAS, ids=_id("alpha"))
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0, 20.0], ids=_id("gamma"))
def test_surrogate_hessian(gamma, alpha):
    z = np.concatenate([np.linspace(-50.0, 50.0, 201)] * 2)
    y = np.repeat([1, 0], 201)
    loss = BinaryFocalLoss(alpha=alpha, gamma=gamma)
    grad, surrogate = loss.gradient_hessian(y, z, hessian="surrogate")
    unweighted, abs_du, p = _np_focal_terms(y, z, gamma)
    a_t = np.array([_alpha_t(alpha, lab) for lab in y])
    assert np.all(surrogate >= 0)
    # alpha_t * p * |d(q^gamma ell)/du|, i.e. p * |gradient|; atol only covers
    # subnormal results (|u| = 50, gamma = 20), which have few significant bits
    assert_allclose(surrogate, a_t * p * abs_du, rtol=1e-12, atol=1e-300)
    assert_allclose(surrogate, p * np.abs(grad), rtol=1e-14, atol=1e-300)
    # gradient_hessian may run the compiled kernel, gradient the numpy path
    assert_allclose(grad, loss.gradient(y, z), rtol=1e-13, atol=1e-300)
    if gamma == 0.0:
        _, exact = loss.gradient_hessian(y, z, hessian="exact")
        assert_allclose(surrogate, exact, rtol=1e-14)


@pytest.mark.parametrize("alpha", [None, 0.25], ids=_id("alpha"))
@pytest.mark.parametrize("gamma", [0.0, 2.0, 5.0], ids=_id("gamma"))
def test_clipped_hessian_is_floored_exact(gamma, alpha):
    z = np.concatenate([np.linspace(-50.0, 50.0, 201)] * 2)
    y = np.repeat([1, 0], 201)
    loss = BinaryFocalLoss(alpha=alpha, gamma=gamma)
    grad_e, exact = loss.gradient_hessian(y, z, hessian="exact")
    grad_c, clipped = loss.gradient_hessian(y, z, hessian="clipped")
    assert_array_equal(grad_c, grad_e)
    assert_array_equal(clipped, np.maximum(exact, HESSIAN_FLOOR))
    assert np.all(clipped >= HESSIAN_FLOOR)
    if gamma > 0:
        assert np.any(exact < 0)  # the clip is exercised


def test_policy_is_applied_before_sample_weight():
    loss = BinaryFocalLoss(alpha=0.25, gamma=2.0)
    y = np.array([1, 0, 1, 0])
    z = np.array([-10.0, 10.0, 1.0, 0.0])  # two negative exact Hessians
    w = np.array([0.5, 3.0, 0.5, 2.0])
    for policy in POLICIES:
        g, h = loss.gradient_hessian(y, z, hessian=policy)
        gw, hw = loss.gradient_hessian(y, z, sample_weight=w, hessian=policy)
        assert_allclose(gw, w * g, rtol=1e-15)
        assert_allclose(hw, w * h, rtol=1e-15)
    _, exact = loss.gradient_hessian(y, z)
    assert exact[0] < 0 and exact[1] < 0
    _, hw = loss.gradient_hessian(y, z, sample_weight=w, hessian="clipped")
    assert hw[0] == 0.5 * HESSIAN_FLOOR
    assert hw[1] == 3.0 * HESSIAN_FLOOR
    assert_allclose(loss.loss(y, z, sample_weight=w), w * loss.loss(y, z), rtol=1e-15)
    assert_allclose(loss.gradient(y, z, sample_weight=w), w * loss.gradient(y, z))


@pytest.mark.parametrize("bad", ["newton", "Exact", None, 1], ids=repr)
def test_unknown_hessian_policy_raises(bad):
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        BinaryFocalLoss().gradient_hessian([0, 1], [0.0, 0.0], hessian=bad)


# --------------------------------------------------------------------------
# 6. Optimal constant margin
# --------------------------------------------------------------------------
def _weighted_sample(rng, ratio, n1=20, n0=200):
    """Random labels/weights with total class-1 : class-0 weight = ratio."""
    y = rng.permutation(np.r_[np.ones(n1), np.zeros(n0)])
    w = rng.uniform(0.5, 1.5, y.size)
    w1, w0 = w[y == 1].sum(), w[y == 0].sum()
    w[y == 1] *= ratio * w0 / w1 / (1 + ratio)
    w[y == 0] *= 1 / (1 + ratio)
    return y, w


IMBALANCES = [1.0, 1e-1, 1e-3, 1e-5, 1e5]
INTERCEPT_ALPHAS = [None, 0.25, 0.9, "balanced"]


@pytest.mark.parametrize("alpha", INTERCEPT_ALPHAS, ids=_id("alpha"))
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0, 20.0], ids=_id("gamma"))
@pytest.mark.parametrize("ratio", IMBALANCES, ids=_id("w1/w0"))
def test_fit_intercept_only_minimises_constant_risk(rng, ratio, gamma, alpha):
    y, w = _weighted_sample(rng, ratio)
    assert math.isclose(w[y == 1].sum() / w[y == 0].sum(), ratio, rel_tol=1e-12)
    loss = BinaryFocalLoss(alpha=alpha, gamma=gamma)
    c = loss.fit_intercept_only(y, sample_weight=w)
    assert isinstance(c, float)

    if alpha is None:
        a0, a1 = 1.0, 1.0
    elif alpha == "balanced":
        a0, a1 = ratio / (1 + ratio), 1 / (1 + ratio)
    else:
        a0, a1 = 1 - alpha, alpha
    res = minimize_scalar(
        _constant_risk,
        bounds=(-60.0, 60.0),
        method="bounded",
        args=(y, w, a0, a1, gamma),
        options={"xatol": 1e-10},
    )
    assert res.success
    # (with 'balanced' at 1e5:1 the package's class weights carry ~1e-11
    # relative rounding, see test_balanced_class_weights_extreme_imbalance)
    tol = 1e-10 if alpha == "balanced" else 1e-12
    # A minimiser driven by function values only locates the argmin to about
    # sqrt(eps) relative (up to 6e-8 here): the returned root must be within
    # what the slopes at the two points allow
    _assert_near_minimiser(c, res.x, (y, w, a0, a1, gamma), tol)
    # no worse than the minimiser's value, up to the rounding of both risks
    risk = _constant_risk(c, y, w, a0, a1, gamma)
    rounding = _sum_rounding(c, gamma, y.size) + _sum_rounding(res.x, gamma, y.size)
    assert risk <= res.fun * (1 + rounding)

    # first-order condition, from the independent gradient ...
    _, abs_du, _ = _np_focal_terms(y, np.full(y.shape, c), gamma)
    signed = np.where(y == 1, -a1, a0) * w * abs_du
    assert abs(signed.sum()) <= tol * np.abs(signed).sum()
    # ... and from the package's
    g = loss.gradient(y, np.full(y.shape, c), sample_weight=w)
    assert abs(g.sum()) <= tol * np.abs(g).sum()

    if alpha == "balanced":
        # both classes carry the same total weight: the optimum is 0
        assert abs(c) < 1e-10

    if gamma == 0.0 and alpha != "balanced":
        expected = math.log(a1 * ratio / a0)
        assert math.isclose(c, expected, rel_tol=1e-12, abs_tol=1e-12)


def test_fit_intercept_only_with_real_one_to_1e5_counts():
    y = np.r_[np.ones(1), np.zeros(100_000)]
    loss = BinaryFocalLoss(alpha=0.25, gamma=0.0)
    assert math.isclose(
        loss.fit_intercept_only(y), math.log(0.25 / (0.75 * 1e5)), rel_tol=1e-12
    )
    loss = BinaryFocalLoss(alpha=0.25, gamma=2.0)
    c = loss.fit_intercept_only(y)
    res = minimize_scalar(
        _constant_risk,
        bounds=(-30.0, 10.0),
        method="bounded",
        args=(y, np.ones_like(y), 0.75, 0.25, 2.0),
        options={"xatol": 1e-10},
    )
    # the root to 1e-12 of the slope's terms, as asserted just below
    _assert_near_minimiser(c, res.x, (y, np.ones_like(y), 0.75, 0.25, 2.0), 1e-12)
    g = loss.gradient(y, np.full(y.shape, c))
    assert abs(g.sum()) <= 1e-12 * np.abs(g).sum()


def test_fit_intercept_only_docstring_value():
    c = BinaryFocalLoss(alpha=0.25, gamma=2.0).fit_intercept_only([0, 0, 0, 1])
    res = minimize_scalar(
        _constant_risk,
        bounds=(-10.0, 10.0),
        method="bounded",
        args=(np.array([0, 0, 0, 1]), np.ones(4), 0.75, 0.25, 2.0),
        options={"xatol": 1e-10},
    )
    # the root to 1e-12 of the slope's terms, as in the tests above
    args = (np.array([0, 0, 0, 1]), np.ones(4), 0.75, 0.25, 2.0)
    _assert_near_minimiser(c, res.x, args, 1e-12)


@pytest.mark.parametrize(
    ("y", "w"),
    [
        ([1, 1, 1], None),
        ([0, 0], None),
        ([0, 1, 1], [0.0, 1.0, 2.0]),
        ([0, 0, 1], [1.0, 1.0, 0.0]),
    ],
    ids=["only-ones", "only-zeros", "zero-weight-class-0", "zero-weight-class-1"],
)
@pytest.mark.parametrize("alpha", [None, 0.25, "balanced"], ids=_id("alpha"))
def test_fit_intercept_only_needs_both_classes(y, w, alpha):
    with pytest.raises(ValueError, match="both classes"):
        BinaryFocalLoss(alpha=alpha, gamma=2.0).fit_intercept_only(y, w)


def _log_abs_risk_slope(c, gamma):
    """``log |d/dc (q^gamma ell)(c)|`` for a class-1 sample, in log space."""
    log_q = -np.logaddexp(0.0, c)
    log_p = -np.logaddexp(0.0, -c)
    log_ell = np.log(np.logaddexp(0.0, -c))
    second = math.log(gamma) + log_p + log_ell if gamma > 0 else -np.inf
    return gamma * log_q + np.logaddexp(log_q, second)


@pytest.mark.parametrize("gamma", np.linspace(0.0, 20.0, 9), ids=_id("gamma"))
def test_constant_risk_is_unimodal(gamma):
    # R'(c) = -A1 g(c) + A0 g(-c) with g = |d(q^gamma ell)/du| > 0; its sign is
    # that of log A0 + log g(-c) - log A1 - log g(c). Unimodal <=> exactly one
    # sign change, from - to +.
    c = np.linspace(-40.0, 40.0, 4001)
    slope = _log_abs_risk_slope(-c, gamma) - _log_abs_risk_slope(c, gamma)
    for log_ratio in np.log([1e-5, 1e-3, 0.1, 1.0, 7.0, 1e3, 1e5]):
        sign = np.sign(slope - log_ratio)  # log_ratio = log(A1 / A0)
        sign = sign[sign != 0]
        assert sign[0] == -1 and sign[-1] == 1
        assert np.count_nonzero(np.diff(sign)) == 1
        # the package's root sits in the bracket of the sign change
        y = np.array([1.0, 0.0])
        ratio = float(np.exp(log_ratio))
        c_pkg = BinaryFocalLoss(gamma=gamma).fit_intercept_only(y, [ratio, 1.0])
        k = np.flatnonzero(np.diff(np.sign(slope - log_ratio)))[0]
        assert c[k] <= c_pkg <= c[k + 1]


# --------------------------------------------------------------------------
# 7. Class weights and symmetry
# --------------------------------------------------------------------------
def test_balanced_class_weights(rng):
    y = (rng.uniform(size=300) < 0.2).astype(int)
    w = rng.uniform(0.1, 3.0, 300)
    loss = BinaryFocalLoss(alpha="balanced", gamma=2.0)
    n1, n0 = np.sum(y == 1), np.sum(y == 0)
    a0, a1 = loss.class_weights(y)
    assert math.isclose(a0, n1 / 300, rel_tol=1e-15)
    assert math.isclose(a1, n0 / 300, rel_tol=1e-15)
    w1, w0 = w[y == 1].sum(), w[y == 0].sum()
    a0, a1 = loss.class_weights(y, w)
    assert math.isclose(a0, w1 / (w0 + w1), rel_tol=1e-13)
    assert math.isclose(a1, w0 / (w0 + w1), rel_tol=1e-13)
    # both classes carry the same total weight
    assert math.isclose(a1 * w1, a0 * w0, rel_tol=1e-13)
    # and 'balanced' is the float alpha = W0 / W
    z = rng.normal(scale=3.0, size=300)
    fixed = BinaryFocalLoss(alpha=w0 / (w0 + w1), gamma=2.0)
    assert_allclose(loss.loss(y, z, w), fixed.loss(y, z, w), rtol=1e-13)
    assert_allclose(loss.gradient(y, z, w), fixed.gradient(y, z, w), rtol=1e-13)


@pytest.mark.parametrize("ratio", [1e5, 1e7], ids=_id("w1/w0"))
def test_balanced_class_weights_extreme_imbalance(rng, ratio):
    y, w = _weighted_sample(rng, ratio)
    w1, w0 = math.fsum(w[y == 1]), math.fsum(w[y == 0])
    a0, a1 = BinaryFocalLoss(alpha="balanced").class_weights(y, w)
    assert math.isclose(a0, w1 / (w0 + w1), rel_tol=1e-13)
    assert math.isclose(a1, w0 / (w0 + w1), rel_tol=1e-13)


@pytest.mark.parametrize("alpha", [None, 0.25, 0.9], ids=_id("alpha"))
def test_fixed_class_weights(alpha):
    a0, a1 = BinaryFocalLoss(alpha=alpha).class_weights([0, 1, 1])
    assert (a0, a1) == ((1.0, 1.0) if alpha is None else (1 - alpha, alpha))


@pytest.mark.parametrize("alpha", [None, 0.25, 0.5, 0.9], ids=_id("alpha"))
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0], ids=_id("gamma"))
def test_label_swap_symmetry(rng, gamma, alpha):
    y = rng.integers(0, 2, 300)
    z = rng.normal(scale=10.0, size=300)
    mirrored = None if alpha is None else 1 - alpha
    a = BinaryFocalLoss(alpha=alpha, gamma=gamma)
    b = BinaryFocalLoss(alpha=mirrored, gamma=gamma)
    assert_allclose(a.loss(y, z), b.loss(1 - y, -z), rtol=1e-14)
    g_a, h_a = a.gradient_hessian(y, z)
    g_b, h_b = b.gradient_hessian(1 - y, -z)
    assert_allclose(g_a, -g_b, rtol=1e-14)
    assert_allclose(h_a, h_b, rtol=1e-14, atol=1e-300)
    assert math.isclose(
        a.fit_intercept_only(y), -b.fit_intercept_only(1 - y), rel_tol=1e-10
    )


# --------------------------------------------------------------------------
# 8. Parameter validation
# --------------------------------------------------------------------------
BAD_ALPHAS = [
    (0.0, ValueError),
    (1.0, ValueError),
    (1, ValueError),
    (-0.1, ValueError),
    (1.5, ValueError),
    (float("nan"), ValueError),
    (float("inf"), ValueError),
    ("foo", ValueError),
    ("Balanced", ValueError),
    (True, TypeError),
    ([0.5], TypeError),
]
BAD_GAMMAS = [
    (-1.0, ValueError),
    (-1e-12, ValueError),
    (float("nan"), ValueError),
    (float("inf"), ValueError),
    ("2", TypeError),
    (None, TypeError),
    (True, TypeError),
]


@pytest.mark.parametrize(("alpha", "error"), BAD_ALPHAS, ids=repr)
def test_invalid_alpha(alpha, error):
    with pytest.raises(error, match=rf"alpha.*{re.escape(repr(alpha))}"):
        BinaryFocalLoss(alpha=alpha)


@pytest.mark.parametrize(("gamma", "error"), BAD_GAMMAS, ids=repr)
def test_invalid_gamma(gamma, error):
    with pytest.raises(error, match=rf"gamma.*{re.escape(repr(gamma))}"):
        BinaryFocalLoss(gamma=gamma)


@pytest.mark.parametrize(
    ("alpha", "gamma"),
    [(np.float32(0.25), np.int64(2)), (0.5, 0), ("balanced", 20), (None, 1e-3)],
    ids=repr,
)
def test_valid_parameters_are_stored_as_python_floats(alpha, gamma):
    loss = BinaryFocalLoss(alpha=alpha, gamma=gamma)
    assert type(loss.gamma) is float and loss.gamma == float(gamma)
    if alpha is None or alpha == "balanced":
        assert loss.alpha == alpha
    else:
        assert type(loss.alpha) is float and loss.alpha == float(alpha)
