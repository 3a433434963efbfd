"""Maths of :class:`SoftmaxFocalLoss` and :class:`MultiLabelFocalLoss`.

Every expected value below comes from a reference that does not call the code
under test: finite differences, an mpmath evaluation of the defining formula
``FL = -alpha_t (1 - P_t)**gamma log P_t`` with ``P = softmax(z)`` at 50 (or
more) digits, differentiated by ``mpmath.diffs`` one coordinate at a time,
scikit-learn's log loss, closed forms written out in numpy in this file, or a
scipy minimiser of a constant-model risk written out in this file. The binary
loss (tested in ``test_losses.py``) is the reference of the ``K=2`` and the
multi-label reductions only.
"""

import functools
import math
import re

import mpmath
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import approx_fprime, minimize
from scipy.special import logit, logsumexp, softmax
from sklearn.metrics import log_loss

from focalboost.losses import (
    HESSIAN_FLOOR,
    INTERCEPT_BOUND,
    BinaryFocalLoss,
    MultiLabelFocalLoss,
    SoftmaxFocalLoss,
    apply_hessian_policy,
)

EPS = np.finfo(np.float64).eps

KS = [2, 3, 7, 20]
GAMMAS = [0.0, 0.5, 2.0, 5.0]
POLICIES = ["exact", "surrogate", "clipped"]
# standard deviation of the random margins: moderate to large spread
SCALES = [1.0, 5.0, 20.0]


def _id(name):
    return lambda value: f"{name}={value}"


# Per-class weights by name, so that the ids stay readable for every K.
ALPHA_KINDS = {
    "none": lambda k: None,
    "ramp": lambda k: np.linspace(0.25, 2.0, k),
    "rare-first": lambda k: np.r_[0.05, np.full(k - 1, 1.0)],
}


def _alpha(kind, k):
    return ALPHA_KINDS[kind](k)


def _alpha_t(alpha, y):
    """Weight of the true class of each sample, straight from the definition."""
    y = np.asarray(y)
    return np.ones(y.shape) if alpha is None else np.asarray(alpha, float)[y]


def _onehot(y, k):
    return np.eye(k)[np.asarray(y)]


def _random_margins(rng, k, n_per_scale, quantum=None):
    """Rows of margins at every scale of ``SCALES`` and random labels.

    With ``quantum`` the margins are rounded to multiples of it, so that the
    finite-difference stencils ``z + j h`` below are exact in binary.
    """
    z = np.concatenate([rng.normal(scale=s, size=(n_per_scale, k)) for s in SCALES])
    if quantum is not None:
        z = np.round(z / quantum) * quantum
    return rng.integers(0, k, z.shape[0]), z


# --------------------------------------------------------------------------
# Independent numpy references
# --------------------------------------------------------------------------
def _np_reference(y, z, gamma):
    """Unweighted loss, and the pieces of the true-class-margin decomposition.

    From scratch: ``u = z_t - logsumexp_{j != t} z_j`` (so ``P_t = sigmoid(u)``),
    ``p = P_t``, ``q = 1 - P_t``, ``ell = -log p``, loss ``q^gamma ell``,
    ``g = |dFL/du| = q^gamma (q + gamma p ell)``, ``pi = softmax`` over the
    classes other than ``t`` (zero at ``t``) and ``opi = 1 - pi`` as the sum of
    the *other* entries of ``pi`` (no cancellation).
    """
    z = np.asarray(z, dtype=np.float64)
    n, k = z.shape
    rows = np.arange(n)
    mask = np.zeros((n, k), dtype=bool)
    mask[rows, y] = True
    others = np.where(mask, -np.inf, z)
    lse = logsumexp(others, axis=1)
    u = z[rows, y] - lse
    ell = np.logaddexp(0.0, -u)
    log_q = -np.logaddexp(0.0, u)
    p, q = np.exp(-ell), np.exp(log_q)
    qg = np.exp(gamma * log_q)
    g = qg * (q + gamma * p * ell)
    pi = np.where(mask, 0.0, np.exp(others - lse[:, None]))
    one_minus_pi = (pi[:, None, :] * (1.0 - np.eye(k))).sum(axis=2)
    return {"loss": qg * ell, "p": p, "g": g, "pi": pi, "opi": one_minus_pi}


def _subtraction_floor(ref, a_t, z):
    """Absolute error the package's ``1 - pi_k`` carries on the off-class diagonal.

    The package forms ``1 - pi_k`` (all but the largest share of a row) by
    subtraction from ``pi_k = exp(z_k -
    lse)``, which carries the rounding of ``lse`` (a few ulps of ``max |z|``);
    that absolute error times ``|dFL/du| pi_k`` is the absolute error of the
    term ``|g_u| pi_k (1 - pi_k)``. Relative to the entry it is about
    ``eps (1 + max |z|) / (1 - pi_k)``: negligible unless one other class
    dominates, where
    ``test_off_class_diagonal_keeps_digits_when_one_class_dominates`` holds
    the package to the full 1e-8.
    """
    size = 1.0 + np.max(np.abs(z), axis=1)
    return 4.0 * EPS * (size * a_t * ref["g"])[:, None] * ref["pi"]


# --------------------------------------------------------------------------
# High-precision reference (mpmath)
# --------------------------------------------------------------------------
MP_DPS = 50
MP_RTOL = 1e-8
# An off-class entry whose true ``1 - pi_k`` is below this is "dominated": the
# package may not keep 1e-8 there (see _subtraction_floor; above it that
# rounding is < 1e-9 relative for |z| < 100).
DOMINATED = 1e-4


def _mp_row(z, t, gamma):
    """Loss and the first and second partial derivatives of one row, in mpmath.

    ``FL(z) = -(1 - P_t)**gamma log P_t`` (no alpha) with ``P = softmax(z)``,
    where ``1 - P_t`` is the sum of the other classes' probabilities (no
    cancellation). ``mpmath.diffs`` differentiates in ``z_k`` numerically
    with an absolute error of about ``10**-dps |FL|``; an off-class derivative
    can be as small as ``exp(-spread) |FL|`` (``spread = max z - min z``), so
    the working precision is raised by ``spread / ln 10`` digits on top of
    ``MP_DPS`` to keep 50 significant digits in every entry.

    Also returns, for the tolerances of the test: the sum of the absolute
    values of the terms of each diagonal entry (via the true-class margin
    ``u``: ``h_u`` with every term made positive, and ``|g_u|``), ``|g_u| pi_k``
    and the true ``1 - pi_k``.
    """
    k = len(z)
    spread = float(np.max(z) - np.min(z))
    with mpmath.workdps(MP_DPS + int(spread / math.log(10.0)) + 1):
        g = mpmath.mpf(gamma)
        zz = [mpmath.mpf(float(v)) for v in z]

        def focal(v):
            m = max(v)
            e = [mpmath.exp(x - m) for x in v]
            total = mpmath.fsum(e)
            one_minus_p_t = mpmath.fsum(e[j] for j in range(k) if j != t) / total
            return -(one_minus_p_t**g) * mpmath.log(e[t] / total)

        d1, d2 = [], []
        for c in range(k):

            def partial(x, c=c):
                v = list(zz)
                v[c] = x
                return focal(v)

            value, first, second = mpmath.diffs(partial, zz[c], 2)
            d1.append(first)
            d2.append(second)

        m = max(zz)
        e = [mpmath.exp(x - m) for x in zz]
        rest = mpmath.fsum(e[j] for j in range(k) if j != t)
        p = e[t] / (e[t] + rest)
        q = rest / (e[t] + rest)
        ell = -mpmath.log(p)
        abs_g = q**g * (q + g * p * ell)
        # h_u = p q^g [(2g+1) q + g ell (g p - q)], terms made positive
        h_scale = p * q**g * ((2 * g + 1) * q + g * ell * (g * p + q))
        pi = [mpmath.mpf(0) if j == t else e[j] / rest for j in range(k)]
        opi = [
            mpmath.fsum(e[i] for i in range(k) if i not in (j, t)) / rest
            for j in range(k)
        ]
        scale = [
            h_scale if j == t else h_scale * pi[j] ** 2 + abs_g * pi[j] * opi[j]
            for j in range(k)
        ]
        opi[t] = mpmath.mpf(1)
        out = (value, d1, d2, scale, [abs_g * x for x in pi], opi)
        return tuple(
            float(v) if i == 0 else np.array([float(x) for x in v])
            for i, v in enumerate(out)
        )


def _make_mp_rows(k):
    """A handful of fixed rows per K (the reference is cached across tests)."""
    gen = np.random.default_rng(1000 + k)
    rows, labels = [], []
    for scale in SCALES:
        a, b = gen.normal(scale=scale, size=(2, k))
        # one row with the true class on top, one with it at the bottom
        rows += [a, b]
        labels += [int(np.argmax(a)), int(np.argmin(b))]
    z = gen.normal(scale=5.0, size=k)
    rows.append(z)
    labels.append(int(gen.integers(k)))
    # equal logits: u = -log(K - 1)
    rows.append(np.zeros(k))
    labels.append(k - 1)
    return np.array(rows), np.array(labels)


MP_ROWS = {k: _make_mp_rows(k) for k in KS}


@functools.cache
def _mp_reference(k, gamma):
    z, y = MP_ROWS[k]
    rows = [_mp_row(row, t, gamma) for row, t in zip(z, y, strict=True)]
    return tuple(np.array(col) for col in zip(*rows, strict=True))


@pytest.mark.parametrize("alpha_kind", list(ALPHA_KINDS), ids=_id("alpha"))
@pytest.mark.parametrize("gamma", GAMMAS, ids=_id("gamma"))
@pytest.mark.parametrize("k", KS, ids=_id("K"))
def test_matches_mpmath_reference(k, gamma, alpha_kind):
    z, y = MP_ROWS[k]
    value, d1, d2, scale, abs_g_pi, opi = _mp_reference(k, gamma)
    alpha = _alpha(alpha_kind, k)
    a_t = _alpha_t(alpha, y)
    loss = SoftmaxFocalLoss(alpha=alpha, gamma=gamma)
    grad, hess = loss.gradient_hessian(y, z)

    assert_allclose(loss.loss(y, z), a_t * value, rtol=MP_RTOL, atol=0)
    # every gradient entry is a product of positive factors: no floor at all
    assert_allclose(grad, a_t[:, None] * d1, rtol=MP_RTOL, atol=0)
    assert_allclose(loss.gradient(y, z), a_t[:, None] * d1, rtol=MP_RTOL, atol=0)

    # The diagonal is a sum of terms of both signs (h_u < 0 below u ~ -2.79 at
    # gamma=2, against the positive |g_u| pi (1 - pi) off the true class), so
    # it crosses zero; near a root no float64 evaluation has a small
    # *relative* error, only one small relative to the sum of the terms'
    # absolute values (``scale``, from mpmath). Away from a root ``scale`` is
    # within a small factor of |d2|, so this floor only acts where d2 ~ 0.
    expected = a_t[:, None] * d2
    bound = MP_RTOL * np.abs(expected) + MP_RTOL * a_t[:, None] * scale
    # Dominated off-class entries: the documented rounding of 1 - pi_k (the
    # pinned bug, see _subtraction_floor), and only there.
    # (K=2: the other class has pi = 1 and 1 - pi = 0 exactly, nothing to round)
    dominated = (opi < DOMINATED) & (opi > 0)
    size = 1.0 + np.max(np.abs(z), axis=1, keepdims=True)
    bound += np.where(dominated, 4.0 * EPS * size * a_t[:, None] * abs_g_pi, 0.0)
    err = np.abs(hess - expected)
    assert np.all(err <= bound), np.max(err / bound)
    # not vacuous: on most entries the floor is at most 3x the relative
    # tolerance (the grid has a few entries near a root by chance)
    informative = np.mean(a_t[:, None] * scale <= 3.0 * np.abs(expected))
    assert informative >= 0.85, informative


@pytest.mark.parametrize("k", KS, ids=_id("K"))
def test_mpmath_reference_is_the_log_loss_at_gamma_zero(k):
    # sanity check of the reference itself: at gamma=0 it is the log loss,
    # with gradient P - onehot and diagonal P (1 - P)
    z, y = MP_ROWS[k]
    value, d1, d2, _, _, _ = _mp_reference(k, 0.0)
    p = softmax(z, axis=1)
    # 1 - P_k as the sum of the other probabilities, -log P_t as softplus(-u)
    one_minus_p = (p[:, None, :] * (1.0 - np.eye(k))).sum(axis=2)
    rows = np.arange(len(y))
    u = z[rows, y] - logsumexp(np.where(_onehot(y, k) == 1, -np.inf, z), axis=1)
    assert_allclose(value, np.logaddexp(0.0, -u), rtol=1e-12)
    expected_d1 = p.copy()
    expected_d1[rows, y] = -one_minus_p[rows, y]
    assert_allclose(d1, expected_d1, rtol=1e-12)
    assert_allclose(d2, p * one_minus_p, rtol=1e-12)


# Class 1 dominates the other classes (1 - pi_1 ~ e^-20) of a badly wrong
# true class 0 (u ~ -40): the off-class diagonal at class 1 is ~|g_u| (1 - pi_1).
DOMINATED_Z = np.array([[-20.0, 20.0, 0.0], [-30.0, 25.0, 5.0]])
DOMINATED_Y = np.array([0, 0])


@functools.cache
def _mp_dominated(gamma):
    rows = [_mp_row(z, t, gamma) for z, t in zip(DOMINATED_Z, DOMINATED_Y, strict=True)]
    return tuple(np.array(col) for col in zip(*rows, strict=True))


@pytest.mark.parametrize("gamma", [0.0, 2.0], ids=_id("gamma"))
def test_off_class_diagonal_error_is_bounded_when_one_class_dominates(gamma):
    # the rows are dominated, and the package's error there is no worse than
    # the rounding of 1 - pi_k that _subtraction_floor documents
    _, _, d2, _, abs_g_pi, opi = _mp_dominated(gamma)
    assert np.all(opi[:, 1] < 1e-8)
    _, hess = SoftmaxFocalLoss(gamma=gamma).gradient_hessian(DOMINATED_Y, DOMINATED_Z)
    size = 1.0 + np.max(np.abs(DOMINATED_Z), axis=1, keepdims=True)
    bound = MP_RTOL * np.abs(d2) + 4.0 * EPS * size * abs_g_pi
    assert np.all(np.abs(hess - d2) <= bound)


@pytest.mark.parametrize("gamma", [0.0, 2.0], ids=_id("gamma"))
def test_off_class_diagonal_keeps_digits_when_one_class_dominates(gamma):
    d2 = _mp_dominated(gamma)[2]
    _, hess = SoftmaxFocalLoss(gamma=gamma).gradient_hessian(DOMINATED_Y, DOMINATED_Z)
    assert_allclose(hess, d2, rtol=MP_RTOL, atol=0)


# --------------------------------------------------------------------------
# Finite differences
# --------------------------------------------------------------------------
FD_QUANTUM = 0.25  # margins on a grid of 1/4: z + j h is exact for h = 2^-m
FD_H1 = 2.0**-10  # first differences: truncation h^4 f'''''/30 ~ 3e-14 |f'''''|
FD_H2 = 2.0**-7  # second difference of the loss: truncation h^4 f^(6)/90
FD_RTOL = 1e-8
# The second difference of the loss cannot reach 1e-8: its truncation error
# h^4 f^(6)/90 is ~4e-11 (gamma+1)^4 relative, up to ~5e-8 at gamma=5; a
# smaller h would let rounding (eps |f| / h^2) dominate instead.
FD2_RTOL = 1e-6
# The package evaluates q**gamma as exp(gamma log q) and u = z_t - lse, so the
# relative error of one value is up to ~(gamma + 1) |u| ulp (hundreds at the
# |u| ~ 100 of the widest rows).
FD_VALUE_ULPS = 1000.0


def _fd_partial(f, z, col, h, order):
    """4th-order central difference of ``f`` in ``z[:, col]`` and its noise bound."""

    def at(j):
        shifted = z.copy()
        shifted[:, col] += j * h
        return f(shifted)

    if order == 1:
        f_m2, f_m1, f_p1, f_p2 = (at(j) for j in (-2, -1, 1, 2))
        deriv = (f_m2 - 8.0 * f_m1 + 8.0 * f_p1 - f_p2) / (12.0 * h)
        size = np.max(np.abs([f_m2, f_m1, f_p1, f_p2]), axis=0)
        return deriv, FD_VALUE_ULPS * EPS * (18.0 / 12.0) * size / h
    vals = [at(j) for j in (-2, -1, 0, 1, 2)]
    f_m2, f_m1, f_0, f_p1, f_p2 = vals
    deriv = (-f_m2 + 16.0 * f_m1 - 30.0 * f_0 + 16.0 * f_p1 - f_p2) / (12.0 * h**2)
    size = np.max(np.abs(vals), axis=0)
    return deriv, FD_VALUE_ULPS * EPS * (64.0 / 12.0) * size / h**2


def _fd_matrix(f_of_col, z, h, order):
    cols = [_fd_partial(f_of_col(c), z, c, h, order) for c in range(z.shape[1])]
    return np.stack([d for d, _ in cols], axis=1), np.stack([n for _, n in cols], 1)


def _assert_fd_close(actual, fd, noise, rtol, min_informative):
    """``|actual - fd| <= rtol |fd| + rounding floor``, floor often inactive."""
    err = np.abs(actual - fd)
    bound = rtol * np.abs(fd) + noise
    bad = err > bound
    assert not bad.any(), (
        f"{bad.sum()} mismatches, worst error/bound {np.max(err / bound):.3g}"
    )
    # not vacuous: on most entries the relative tolerance, not the floor, decides
    informative = np.mean(noise < rtol * np.abs(fd))
    assert informative >= min_informative, informative


FD_ALPHA_KINDS = ["none", "ramp"]
# Off-class first derivatives |g_u| pi_k shrink with K and with the spread of
# the margins while |FL| (which sets the rounding noise of FD) does not, so the
# share of entries that FD resolves at the relative tolerance falls with K
# (measured ~0.93, 0.72, 0.41, 0.11 for the gradient at K = 2, 3, 7, 20, and
# ~0.7, 0.55, 0.35, 0.12 for the second difference); the mpmath test covers
# every entry. The Hessian from FD of the gradient resolves >= 0.7 everywhere.
FD_MIN_INFORMATIVE_FIRST = {2: 0.85, 3: 0.65, 7: 0.35, 20: 0.08}
FD_MIN_INFORMATIVE_SECOND = {2: 0.6, 3: 0.45, 7: 0.3, 20: 0.08}


@pytest.mark.parametrize("alpha_kind", FD_ALPHA_KINDS, ids=_id("alpha"))
@pytest.mark.parametrize("gamma", GAMMAS, ids=_id("gamma"))
@pytest.mark.parametrize("k", KS, ids=_id("K"))
def test_gradient_matches_finite_differences(rng, k, gamma, alpha_kind):
    y, z = _random_margins(rng, k, 30, FD_QUANTUM)
    loss = SoftmaxFocalLoss(alpha=_alpha(alpha_kind, k), gamma=gamma)
    fd, noise = _fd_matrix(lambda c: lambda zz: loss.loss(y, zz), z, FD_H1, 1)
    _assert_fd_close(
        loss.gradient(y, z), fd, noise, FD_RTOL, FD_MIN_INFORMATIVE_FIRST[k]
    )


@pytest.mark.parametrize("alpha_kind", FD_ALPHA_KINDS, ids=_id("alpha"))
@pytest.mark.parametrize("gamma", GAMMAS, ids=_id("gamma"))
@pytest.mark.parametrize("k", KS, ids=_id("K"))
def test_hessian_matches_finite_differences_of_gradient(rng, k, gamma, alpha_kind):
    y, z = _random_margins(rng, k, 30, FD_QUANTUM)
    loss = SoftmaxFocalLoss(alpha=_alpha(alpha_kind, k), gamma=gamma)
    fd, noise = _fd_matrix(lambda c: lambda zz: loss.gradient(y, zz)[:, c], z, FD_H1, 1)
    _, hess = loss.gradient_hessian(y, z)
    # tiny curvatures next to O(1) gradients are FD noise
    _assert_fd_close(hess, fd, noise, FD_RTOL, 0.6)


@pytest.mark.parametrize("alpha_kind", FD_ALPHA_KINDS, ids=_id("alpha"))
@pytest.mark.parametrize("gamma", GAMMAS, ids=_id("gamma"))
@pytest.mark.parametrize("k", KS, ids=_id("K"))
def test_hessian_matches_finite_differences_of_loss(rng, k, gamma, alpha_kind):
    y, z = _random_margins(rng, k, 30, FD_QUANTUM)
    loss = SoftmaxFocalLoss(alpha=_alpha(alpha_kind, k), gamma=gamma)
    fd, noise = _fd_matrix(lambda c: lambda zz: loss.loss(y, zz), z, FD_H2, 2)
    _, hess = loss.gradient_hessian(y, z)
    _assert_fd_close(hess, fd, noise, FD2_RTOL, FD_MIN_INFORMATIVE_SECOND[k])


@pytest.mark.parametrize("gamma", GAMMAS, ids=_id("gamma"))
@pytest.mark.parametrize("k", KS, ids=_id("K"))
def test_gradient_rows_sum_to_zero(rng, k, gamma):
    # the loss only depends on differences of margins
    y, z = _random_margins(rng, k, 30)
    grad = SoftmaxFocalLoss(alpha=_alpha("ramp", k), gamma=gamma).gradient(y, z)
    assert np.all(np.abs(grad.sum(axis=1)) <= 4 * k * EPS * np.abs(grad).sum(axis=1))


# --------------------------------------------------------------------------
# gamma=0, alpha=None is the multinomial log loss
# --------------------------------------------------------------------------
@pytest.mark.parametrize("k", KS, ids=_id("K"))
def test_gamma_zero_is_log_loss(rng, k):
    n = 400
    y = rng.integers(0, k, n)
    # moderate margins: sklearn clips probabilities below eps
    z = rng.uniform(-5.0, 5.0, (n, k))
    loss = SoftmaxFocalLoss(alpha=None, gamma=0.0)
    p = softmax(z, axis=1)
    expected = log_loss(y, p, labels=range(k))
    assert math.isclose(loss.loss(y, z).mean(), expected, rel_tol=1e-12)

    grad, hess = loss.gradient_hessian(y, z)
    # P_t - 1 loses up to one ulp of 1 to cancellation in the reference
    assert_allclose(grad, p - _onehot(y, k), rtol=1e-12, atol=2 * EPS)
    assert_allclose(loss.gradient(y, z), grad, rtol=0, atol=0)
    one_minus_p = (p[:, None, :] * (1.0 - np.eye(k))).sum(axis=2)
    # atol: the subtraction 1 - pi_k (see _subtraction_floor; |g_u| pi_k = P_k)
    err = np.abs(hess - p * one_minus_p)
    size = 1.0 + np.max(np.abs(z), axis=1, keepdims=True)
    assert np.all(err <= 1e-12 * p * one_minus_p + 4 * EPS * size * p)
    for policy in ("surrogate", "clipped"):
        assert_allclose(
            loss.gradient_hessian(y, z, hessian=policy)[1], hess, rtol=1e-14
        )


@pytest.mark.parametrize("alpha_kind", ["ramp", "rare-first"], ids=_id("alpha"))
def test_gamma_zero_is_class_weighted_log_loss(rng, alpha_kind):
    k = 7
    y = rng.integers(0, k, 300)
    z = rng.uniform(-5.0, 5.0, (300, k))
    alpha = _alpha(alpha_kind, k)
    loss = SoftmaxFocalLoss(alpha=alpha, gamma=0.0)
    expected = log_loss(
        y, softmax(z, axis=1), sample_weight=alpha[y], normalize=False, labels=range(k)
    )
    assert math.isclose(loss.loss(y, z).sum(), expected, rel_tol=1e-12)


# --------------------------------------------------------------------------
# K=2 is the binary focal loss
# --------------------------------------------------------------------------
BINARY_ALPHAS = [None, 0.25, 0.9]


def _k2(a):
    return None if a is None else [1.0 - a, a]


@pytest.mark.parametrize("a", BINARY_ALPHAS, ids=_id("alpha"))
@pytest.mark.parametrize("gamma", GAMMAS + [20.0], ids=_id("gamma"))
def test_two_classes_are_the_binary_loss(rng, numpy_path, gamma, a):
    z = np.r_[np.linspace(-50.0, 50.0, 201), rng.normal(scale=3.0, size=100)]
    z = np.concatenate([z, z])
    y = np.repeat([1, 0], z.size // 2)
    w = rng.uniform(0.1, 3.0, z.size)
    logits = np.column_stack([np.zeros_like(z), z])
    soft = SoftmaxFocalLoss(alpha=_k2(a), gamma=gamma)
    binary = BinaryFocalLoss(alpha=a, gamma=gamma)

    assert_allclose(soft.loss(y, logits, w), binary.loss(y, z, w), rtol=1e-14)
    g = soft.gradient(y, logits, w)
    assert_allclose(g[:, 1], binary.gradient(y, z, w), rtol=1e-14)
    assert_array_equal(g[:, 0], -g[:, 1])
    for policy in POLICIES:
        gs, hs = soft.gradient_hessian(y, logits, w, hessian=policy)
        gb, hb = binary.gradient_hessian(y, z, w, hessian=policy)
        assert_allclose(gs[:, 1], gb, rtol=1e-14)
        # the second derivative in z_0 equals the one in z_1 (FL depends on
        # z_1 - z_0 only); subnormal tails at gamma=20 keep few digits
        assert_allclose(hs[:, 1], hb, rtol=1e-14, atol=1e-300)
        assert_allclose(hs[:, 0], hb, rtol=1e-14, atol=1e-300)
    assert_allclose(soft.predict_proba(logits)[:, 1], binary.predict_proba(z))


@pytest.mark.parametrize("a", BINARY_ALPHAS + ["balanced"], ids=_id("alpha"))
@pytest.mark.parametrize("gamma", GAMMAS, ids=_id("gamma"))
@pytest.mark.parametrize("ratio", [1.0, 0.05, 1e-3], ids=_id("w1/w0"))
def test_two_class_intercept_is_the_binary_intercept(rng, ratio, gamma, a):
    y = rng.permutation(np.r_[np.ones(30, int), np.zeros(70, int)])
    w = rng.uniform(0.5, 1.5, y.size)
    w[y == 1] *= ratio * w[y == 0].sum() / w[y == 1].sum()
    soft = SoftmaxFocalLoss(alpha=a if a == "balanced" else _k2(a), gamma=gamma)
    c = soft.fit_intercept_only(y, sample_weight=w)
    expected = BinaryFocalLoss(alpha=a, gamma=gamma).fit_intercept_only(y, w)
    assert c.shape == (2,)
    assert c[0] == pytest.approx(-c[1], abs=1e-15)
    # the binary root is exact to ~1 ulp; the multiclass minimiser is held
    # to a first-order-condition-level accuracy
    assert abs((c[1] - c[0]) - expected) <= 1e-9 * max(1.0, abs(expected))


# --------------------------------------------------------------------------
# Extreme margins
# --------------------------------------------------------------------------
EXTREME = [1e3, -1e3, 1e6, -1e6]


def _extreme_margins(rng, k):
    if k == 3:  # every combination
        z = np.array(np.meshgrid(*[EXTREME] * 3)).reshape(3, -1).T
    else:
        z = rng.choice(EXTREME, size=(64, k))
    y = rng.integers(0, k, z.shape[0])
    # make sure some rows are confidently right: the true class alone on top
    top = np.arange(z.shape[0]) < 16
    z[top] = np.where(z[top] == EXTREME[2], EXTREME[3], z[top])
    z[top, y[top]] = EXTREME[2]
    return y, z


@pytest.mark.parametrize("alpha_kind", ["none", "ramp"], ids=_id("alpha"))
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0, 20.0], ids=_id("gamma"))
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("k", KS, ids=_id("K"))
def test_extreme_margins_are_finite_and_warning_free(rng, k, dtype, gamma, alpha_kind):
    y, z = _extreme_margins(rng, k)
    z = z.astype(dtype)
    alpha = _alpha(alpha_kind, k)
    loss = SoftmaxFocalLoss(alpha=alpha, gamma=gamma)
    w = rng.uniform(0.5, 2.0, y.size)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        values = loss.loss(y, z)
        grad = loss.gradient(y, z)
        hessians = {p: loss.gradient_hessian(y, z, hessian=p) for p in POLICIES}
        weighted = loss.gradient_hessian(y, z, w, hessian="clipped")
        proba = loss.predict_proba(z)
    outputs = [values, grad, proba, *weighted] + [
        a for gh in hessians.values() for a in gh
    ]
    for out in outputs:
        assert out.dtype == np.float64
        assert np.all(np.isfinite(out))
    assert values.shape == (y.size,)
    assert grad.shape == proba.shape == z.shape

    # the leading-order tails, from the definition (margins of 1e3 and more
    # apart: every exp(-|gap|) underflows to exactly 0)
    zz = z.astype(np.float64)
    rows = np.arange(y.size)
    others = np.where(_onehot(y, k) == 1, -np.inf, zz)
    lse = logsumexp(others, axis=1)
    u = zz[rows, y] - lse
    a_t = _alpha_t(alpha, y)
    pi = softmax(others, axis=1)
    wrong, right = u < -700.0, u > 700.0
    assert wrong.any() and right.any()
    # confidently wrong: FL = alpha_t (lse - z_t), dFL/dz = alpha_t (pi - onehot),
    # the loss is linear in z_t and the diagonal is alpha_t pi (1 - pi).
    # pi_k = exp(z_k - lse) carries the rounding of lse (a few ulps of |z| up
    # to 1e6, i.e. ~2e-10 relative): the conditioning of margins that large,
    # so the tolerance is a few ulps of max |z| of the row.
    tol = (8.0 * EPS * (1.0 + np.max(np.abs(zz), axis=1)))[:, None]
    assert_allclose(
        values[wrong], a_t[wrong] * (lse - zz[rows, y])[wrong], rtol=4 * EPS
    )
    expected_grad = a_t[:, None] * (pi - _onehot(y, k))
    assert np.all(np.abs(grad - expected_grad)[wrong] <= (tol * a_t[:, None])[wrong])
    expected_hess = a_t[:, None] * pi * (1.0 - pi)
    for policy, (g, h) in hessians.items():
        assert_array_equal(g, grad)
        floor = HESSIAN_FLOOR if policy == "clipped" else 0.0
        err = np.abs(h - np.maximum(expected_hess, floor))
        assert np.all(err[wrong] <= (tol * a_t[:, None])[wrong])
        # the true-class entry carries a factor p = exp(u) -> 0
        assert_array_equal(h[rows, y][wrong], floor)
        # confidently right: everything carries a factor exp(-u) -> 0
        assert_array_equal(h[right], floor)
    assert_array_equal(values[right], 0.0)
    assert_array_equal(grad[right], 0.0)


# --------------------------------------------------------------------------
# Hessian policies
# --------------------------------------------------------------------------
def test_equal_logits_with_many_classes_have_a_negative_exact_diagonal():
    k, gamma = 20, 2.0
    loss = SoftmaxFocalLoss(gamma=gamma)
    y = np.arange(k)
    z = np.zeros((k, k))
    # u = -log(K - 1) = -2.944 is below the sign change of the binary exact
    # Hessian (~-2.79 at gamma=2, see test_losses.py)
    assert -math.log(k - 1) < -2.79
    _, exact = loss.gradient_hessian(y, z, hessian="exact")
    _, surrogate = loss.gradient_hessian(y, z, hessian="surrogate")
    _, clipped = loss.gradient_hessian(y, z, hessian="clipped")
    assert np.all(exact[y, y] < 0)
    assert np.all(surrogate > 0)
    assert np.all(clipped >= HESSIAN_FLOOR)
    assert_array_equal(clipped[y, y], HESSIAN_FLOOR)
    assert_array_equal(clipped, np.maximum(exact, HESSIAN_FLOOR))
    # the exact value, from the mpmath reference of the same row
    _, _, d2, _, _, _ = _mp_row(np.zeros(k), k - 1, gamma)
    assert_allclose(exact[k - 1], d2, rtol=MP_RTOL)


@pytest.mark.parametrize(
    ("k", "sign"), [(17, 1.0), (18, -1.0)], ids=["K=17-positive", "K=18-negative"]
)
def test_equal_logits_diagonal_changes_sign_between_17_and_18_classes(k, sign):
    # docstring: for gamma=2 and K >= 18, equal logits give a negative exact
    # diagonal at the true class (u = -log 16 = -2.77 vs -log 17 = -2.83)
    _, _, d2, _, _, _ = _mp_row(np.zeros(k), 0, 2.0)
    assert np.sign(d2[0]) == sign
    _, hess = SoftmaxFocalLoss(gamma=2.0).gradient_hessian([0], np.zeros((1, k)))
    assert np.sign(hess[0, 0]) == sign


@pytest.mark.parametrize("alpha_kind", list(ALPHA_KINDS), ids=_id("alpha"))
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0, 20.0], ids=_id("gamma"))
@pytest.mark.parametrize("k", KS, ids=_id("K"))
def test_surrogate_diagonal(rng, k, gamma, alpha_kind):
    y, z = _random_margins(rng, k, 40)
    z = np.r_[z, np.zeros((k, k))]
    y = np.r_[y, np.arange(k)]
    alpha = _alpha(alpha_kind, k)
    loss = SoftmaxFocalLoss(alpha=alpha, gamma=gamma)
    grad, surrogate = loss.gradient_hessian(y, z, hessian="surrogate")
    assert_array_equal(grad, loss.gradient(y, z))
    assert np.all(surrogate >= 0)

    # the definition: h_u -> p |g_u| in the chain rule of u(z)
    ref = _np_reference(y, z, gamma)
    a_t = _alpha_t(alpha, y)
    # (and the loss itself, at these wide margins; atol: subnormal tails)
    assert_allclose(loss.loss(y, z), a_t * ref["loss"], rtol=1e-12, atol=1e-300)
    h_sur = a_t * ref["p"] * ref["g"]
    g_abs = a_t * ref["g"]
    pi, opi = ref["pi"], ref["opi"]
    expected = h_sur[:, None] * pi**2 + g_abs[:, None] * pi * opi
    rows = np.arange(y.size)
    expected[rows, y] = h_sur
    # floors: the rounding of 1 - pi_k (see _subtraction_floor), and subnormal
    # results (gamma=20 tails), which have few significant bits
    bound = 1e-12 * expected + _subtraction_floor(ref, a_t, z) + 1e-300
    assert np.all(np.abs(surrogate - expected) <= bound)
    # the true-class entry is p |gradient_t|
    assert_allclose(
        surrogate[rows, y], ref["p"] * np.abs(grad[rows, y]), rtol=1e-14, atol=1e-300
    )
    if gamma == 0.0:
        _, exact = loss.gradient_hessian(y, z, hessian="exact")
        assert_allclose(surrogate, exact, rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("gamma", [0.0, 2.0, 5.0], ids=_id("gamma"))
@pytest.mark.parametrize("k", KS, ids=_id("K"))
def test_clipped_diagonal_is_floored_exact(rng, k, gamma):
    y, z = _random_margins(rng, k, 40)
    z = np.r_[z, np.zeros((k, k))]
    y = np.r_[y, np.arange(k)]
    loss = SoftmaxFocalLoss(alpha=_alpha("ramp", k), gamma=gamma)
    grad_e, exact = loss.gradient_hessian(y, z, hessian="exact")
    grad_c, clipped = loss.gradient_hessian(y, z, hessian="clipped")
    assert_array_equal(grad_c, grad_e)
    assert_array_equal(clipped, np.maximum(exact, HESSIAN_FLOOR))
    if gamma > 0:
        assert np.any(exact < 0)  # the clip is exercised


@pytest.mark.parametrize("k", [3, 20], ids=_id("K"))
def test_policy_is_applied_before_sample_weight(rng, k):
    y, z = _random_margins(rng, k, 20)
    z = np.r_[z, np.zeros((k, k))]
    y = np.r_[y, np.arange(k)]
    w = rng.uniform(0.1, 3.0, y.size)
    loss = SoftmaxFocalLoss(alpha=_alpha("ramp", k), gamma=2.0)
    for policy in POLICIES:
        g, h = loss.gradient_hessian(y, z, hessian=policy)
        gw, hw = loss.gradient_hessian(y, z, sample_weight=w, hessian=policy)
        assert_allclose(gw, w[:, None] * g, rtol=1e-15, atol=0)
        assert_allclose(hw, w[:, None] * h, rtol=1e-15, atol=0)
    _, exact = loss.gradient_hessian(y, z)
    negative = exact < 0
    assert negative.any()
    _, hw = loss.gradient_hessian(y, z, sample_weight=w, hessian="clipped")
    # clip first, then weight: w * floor, not max(w * exact, floor)
    floor = np.broadcast_to(w[:, None] * HESSIAN_FLOOR, z.shape)
    assert_array_equal(hw[negative], floor[negative])
    assert_allclose(loss.loss(y, z, sample_weight=w), w * loss.loss(y, z), rtol=1e-15)
    assert_allclose(
        loss.gradient(y, z, sample_weight=w),
        w[:, None] * loss.gradient(y, z),
        rtol=1e-15,
    )


@pytest.mark.parametrize("bad", ["newton", "Exact", None, 1], ids=repr)
def test_unknown_hessian_policy_raises(bad):
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        SoftmaxFocalLoss().gradient_hessian([0, 1], np.zeros((2, 3)), hessian=bad)
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        MultiLabelFocalLoss().gradient_hessian([[0, 1]], np.zeros((1, 2)), hessian=bad)


def test_apply_hessian_policy():
    hess = np.array([[-1.0, 0.0, 1e-9], [2.0, HESSIAN_FLOOR, -0.0]])
    for policy in ("exact", "surrogate"):
        out = apply_hessian_policy(hess.copy(), policy)
        assert_array_equal(out, hess)
    out = apply_hessian_policy(hess.copy(), "clipped")
    assert_array_equal(out, [[HESSIAN_FLOOR] * 3, [2.0, HESSIAN_FLOOR, HESSIAN_FLOOR]])


# --------------------------------------------------------------------------
# Optimal constant margins
# --------------------------------------------------------------------------
def _constant_risk(c, y, w, alpha, gamma):
    """Weighted mean focal loss of the constant margins ``c`` and its gradient.

    Written from the definition through ``P = softmax(c)``:
    ``dFL_k/dc_j = -(Q_k^g - g Q_k^(g-1) P_k log P_k) (delta_kj - P_j)`` with
    ``Q_k = 1 - P_k`` (computed as the sum of the other probabilities).
    """
    k = c.size
    a = np.ones(k) if alpha is None else np.asarray(alpha, float)
    log_p = c - logsumexp(c)
    p = np.exp(log_p)
    log_q = logsumexp(np.where(np.eye(k) == 1, -np.inf, c), axis=1) - logsumexp(c)
    focal = -np.exp(gamma * log_q) * log_p
    d = np.exp(gamma * log_q) - gamma * np.exp((gamma - 1.0) * log_q) * p * log_p
    # per-class weight of the risk: alpha_k times the weight of class k
    class_w = a * np.bincount(y, weights=w, minlength=k) / w.sum()
    s = class_w * d
    return float(class_w @ focal), -(s - p * s.sum())


CONSTANT_RISK_DPS = 40


def _constant_risk_mp(c, y, w, alpha, gamma):
    """``_constant_risk`` at ``CONSTANT_RISK_DPS`` digits, at the point ``c``.

    The same function (the same float64 class weights), evaluated without any
    rounding that matters here: the gradient is rounded once to float64, the
    risk is returned as an ``mpmath.mpf`` (compare two of them under
    ``mpmath.workdps(CONSTANT_RISK_DPS)``: near the optimum risks differ by far
    less than one float64 ulp). ``c`` may hold floats or ``mpf``.
    """
    k = len(c)
    a = np.ones(k) if alpha is None else np.asarray(alpha, float)
    class_w = a * np.bincount(y, weights=w, minlength=k) / w.sum()
    with mpmath.workdps(CONSTANT_RISK_DPS):
        g = mpmath.mpf(gamma)
        cc = [mpmath.mpf(v) for v in c]
        top = max(cc)
        e = [mpmath.exp(v - top) for v in cc]
        total = mpmath.fsum(e)
        p = [v / total for v in e]
        q = [mpmath.fsum(e[j] for j in range(k) if j != i) / total for i in range(k)]
        log_p = [mpmath.log(v) for v in p]
        cw = [mpmath.mpf(float(v)) for v in class_w]
        risk = mpmath.fsum(-cw[i] * q[i] ** g * log_p[i] for i in range(k))
        s = [
            cw[i] * (q[i] ** g - g * q[i] ** (g - 1) * p[i] * log_p[i])
            for i in range(k)
        ]
        total_s = mpmath.fsum(s)
        grad = np.array([float(p[i] * total_s - s[i]) for i in range(k)])
    return risk, grad


def _mean_zero_basis(k):
    """Orthonormal basis (columns) of the mean-zero vectors of length ``k``.

    The softmax risk is invariant to adding a constant to every class: its
    curvature, and the distance between two minimisers, live on this subspace.
    """
    basis, _ = np.linalg.qr(np.eye(k)[:, : k - 1] - 1.0 / k)
    return basis


# Step of the central differences of the reference gradient: truncation
# ~h^2 |g_3| / 6 (g_3 the third derivatives of the risk) and rounding
# ~eps |g| / h, both below 1e-7 of the smallest curvature of the cases below
# (the curvatures from h = 1e-4 and h = 1e-5 agree to 5e-8 relative there).
CURVATURE_STEP = 1e-4


def _constant_risk_curvature(c, args):
    """Hessian of ``_constant_risk`` on the mean-zero subspace (``_mean_zero_basis``).

    Central differences of the independent gradient, symmetrised.
    """
    h = CURVATURE_STEP
    basis = _mean_zero_basis(c.size)
    cols = [
        (_constant_risk(c + h * b, *args)[1] - _constant_risk(c - h * b, *args)[1])
        / (2.0 * h)
        for b in basis.T
    ]
    hess = basis.T @ np.column_stack(cols)
    return basis, 0.5 * (hess + hess.T)


def _polished_constant_minimiser(c, args, steps=3):
    """Newton steps from ``c`` with one difference Hessian, and its curvatures.

    BFGS stops up to ~1e-6 from the minimiser (scipy reports a precision loss
    long before gtol=1e-13). Its curvatures there are within ~1e-2 of those
    at the minimiser (a third derivative of order one over ~1e-6, next to
    curvatures >= 1e-4; measured 2e-6), so each step gains two digits or more:
    three reach the rounding of the float64 gradient (measured 2e-12 from the
    minimiser). Returns the polished mean-zero point and the eigenvalues
    (ascending) of that Hessian on the mean-zero subspace.
    """
    basis, hess = _constant_risk_curvature(c, args)
    for _ in range(steps):
        c = c - basis @ np.linalg.solve(hess, basis.T @ _constant_risk(c, *args)[1])
    return c - c.mean(), np.linalg.eigvalsh(hess)


def test_constant_risk_reference_gradient(rng):
    # sanity check of the reference: its gradient against finite differences,
    # and the high-precision version against the float64 one and against a
    # central difference at 40 digits
    y = rng.integers(0, 5, 200)
    w = rng.uniform(0.5, 1.5, 200)
    alpha = np.linspace(0.5, 2.0, 5)
    h = 2.0**-40
    for gamma in (0.0, 0.5, 2.0, 5.0):
        c = rng.normal(size=5)
        args = (y, w, alpha, gamma)
        risk, grad = _constant_risk(c, *args)
        fd = approx_fprime(c, lambda x, a=args: _constant_risk(x, *a)[0], 1e-7)
        # forward difference with h = 1e-7: truncation h |f''| / 2 <= 5e-8 for
        # the curvatures here (<= 1), rounding ~10 eps |f| / h < 1e-7
        assert_allclose(grad, fd, rtol=1e-5, atol=1e-7)
        risk_mp, grad_mp = _constant_risk_mp(c, *args)
        # float64 rounding of the reference: log P and log Q carry a few ulps of
        # 1 + max|c| (the logsumexp), amplified by gamma in Q^gamma
        tol = 8.0 * (gamma + 1.0) * EPS * (1.0 + np.abs(c).max())
        assert math.isclose(float(risk_mp), risk, rel_tol=tol)
        assert_allclose(grad, grad_mp, rtol=tol, atol=tol * risk)
        with mpmath.workdps(CONSTANT_RISK_DPS):
            for j in range(c.size):
                up = [mpmath.mpf(v) for v in c]
                down = list(up)
                up[j] += h
                down[j] -= h
                # truncation h^2 |f'''| / 6 ~ 1e-25, rounding 1e-40 / h ~ 1e-28;
                # grad_mp is rounded once to float64 (eps / 2 relative)
                deriv = (
                    _constant_risk_mp(up, *args)[0] - _constant_risk_mp(down, *args)[0]
                ) / (2 * h)
                assert abs(grad_mp[j] - deriv) <= 1e-20 + EPS * abs(deriv)


def _imbalanced_sample(rng, k, ratio):
    """Labels and random weights with class totals from 1 down to 1/ratio."""
    counts = rng.integers(5, 40, k)
    y = rng.permutation(np.repeat(np.arange(k), counts))
    w = rng.uniform(0.5, 1.5, y.size)
    target = rng.permutation(np.geomspace(1.0, 1.0 / ratio, k))
    totals = np.bincount(y, weights=w, minlength=k)
    w *= (target / totals)[y]
    return y, w, target


def _expected_alpha(alpha_kind, k, totals):
    if alpha_kind == "balanced":
        inv = 1.0 / totals
        return inv / inv.sum()
    return _alpha(alpha_kind, k)


INTERCEPT_ALPHAS = ["none", "ramp", "rare-first", "balanced"]
IMBALANCES = [1.0, 10.0, 1e3]
# The intercept's first-order condition, relative to the risk: what the
# package is held to (it reaches ~1e-15; the reference's rounding is ~1e-14).
INTERCEPT_GRAD_RTOL = 1e-11


@pytest.mark.parametrize("alpha_kind", INTERCEPT_ALPHAS, ids=_id("alpha"))
@pytest.mark.parametrize("gamma", GAMMAS, ids=_id("gamma"))
@pytest.mark.parametrize("ratio", IMBALANCES, ids=_id("max/min"))
@pytest.mark.parametrize("k", [2, 3, 7, 20], ids=_id("K"))
def test_fit_intercept_only_minimises_constant_risk(rng, k, ratio, gamma, alpha_kind):
    y, w, totals = _imbalanced_sample(rng, k, ratio)
    assert_allclose(np.bincount(y, weights=w, minlength=k), totals, rtol=1e-12)
    alpha_arg = "balanced" if alpha_kind == "balanced" else _alpha(alpha_kind, k)
    loss = SoftmaxFocalLoss(alpha=alpha_arg, gamma=gamma)
    c = loss.fit_intercept_only(y, sample_weight=w, n_classes=k)
    assert c.shape == (k,)
    assert abs(c.mean()) <= 1e-14 * max(1.0, np.abs(c).max())

    alpha = _expected_alpha(alpha_kind, k, totals)
    args = (y, w, alpha, gamma)
    res = minimize(
        _constant_risk,
        np.zeros(k),
        args=args,
        jac=True,
        method="BFGS",
        options={"gtol": 1e-13, "maxiter": 2000},
    )
    # BFGS alone stops up to ~1e-6 from the minimiser c*: polish it
    c_ref, curvatures = _polished_constant_minimiser(res.x - res.x.mean(), args)
    lam_min, lam_max = curvatures[0], curvatures[-1]
    assert lam_min > 0  # a strict minimum on the mean-zero subspace
    risk, grad = _constant_risk(c, *args)
    risk_ref_mp, grad_ref_mp = _constant_risk_mp(c_ref, *args)
    # Distances to c*, to first order ||x - c*|| <= ||grad(x)|| / lam_min: for
    # the reference from its exact gradient, for c from the accuracy that its
    # first-order condition below allows (INTERCEPT_GRAD_RTOL in every entry;
    # the float64 rounding of that check, <~1e-13 risk, is far below it).
    dist_ref = np.linalg.norm(grad_ref_mp - grad_ref_mp.mean()) / lam_min
    dist_c = math.sqrt(k) * INTERCEPT_GRAD_RTOL * risk / lam_min
    # no worse than the independent minimiser's value, both evaluated exactly:
    # risk(c) - risk(c*) <= lam_max ||c - c*||^2 / 2 (x2 for the higher orders)
    risk_c_mp, _ = _constant_risk_mp(c, *args)
    with mpmath.workdps(CONSTANT_RISK_DPS):
        excess = float(risk_c_mp - risk_ref_mp)
    assert excess <= lam_max * dist_c**2
    # |c - c_ref| <= |c - c*| + |c_ref - c*|; x2: the error of the curvature
    # (<= 1e-7 from the differences, <= 1e-2 from where it was taken) and its
    # change over these distances (<= 1e-2);
    # floor: c and c_ref are mean-zero float64 vectors, a few ulps each
    diff = c - c_ref
    diff -= diff.mean()
    floor = 8.0 * EPS * math.sqrt(k) * max(1.0, np.abs(c).max())
    assert np.linalg.norm(diff) <= 2.0 * (dist_c + dist_ref) + floor
    # first-order condition, from the independent gradient ...
    assert np.max(np.abs(grad)) <= INTERCEPT_GRAD_RTOL * risk
    # ... and from the package's, summed over the weighted samples
    g = loss.gradient(y, np.broadcast_to(c, (y.size, k)), sample_weight=w)
    assert np.all(np.abs(g.sum(axis=0)) <= 1e-10 * np.abs(g).sum(axis=0))

    if alpha_kind == "balanced":
        # every class carries the same total weight: the optimum is uniform
        assert np.max(np.abs(c)) <= 1e-8
    if gamma == 0.0:
        # log loss: softmax(c) = the class weight shares, c = log(alpha_k W_k)
        a = np.ones(k) if alpha is None else alpha
        expected = np.log(a * totals)
        assert_allclose(c, expected - expected.mean(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("k", [3, 7], ids=_id("K"))
def test_fit_intercept_only_gamma_zero_is_log_class_totals(rng, k):
    y, w, totals = _imbalanced_sample(rng, k, 1e3)
    c = SoftmaxFocalLoss(gamma=0.0).fit_intercept_only(y, w)
    expected = np.log(totals) - np.log(totals).mean()
    assert_allclose(c, expected, rtol=1e-12, atol=1e-13)
    # unweighted: log of the counts
    c = SoftmaxFocalLoss(gamma=0.0).fit_intercept_only(y)
    counts = np.log(np.bincount(y, minlength=k))
    assert_allclose(c, counts - counts.mean(), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize(
    ("y", "w", "n_classes"),
    [
        ([0, 1, 1, 2], [1.0, 0.0, 0.0, 1.0], None),
        ([0, 0, 2, 2], None, None),
        ([0, 1, 2, 2], None, 4),
        ([0, 1, 2], [0.0, 1.0, 1.0], None),
    ],
    ids=["zero-weight-class", "absent-middle-class", "absent-last-class", "zero-first"],
)
@pytest.mark.parametrize("alpha", [None, [1.0, 2.0, 3.0, 4.0], "balanced"], ids=repr)
def test_fit_intercept_only_needs_every_class(y, w, n_classes, alpha):
    k = n_classes or max(y) + 1
    if isinstance(alpha, list):
        alpha = alpha[:k]
    loss = SoftmaxFocalLoss(alpha=alpha, gamma=2.0)
    with pytest.raises(ValueError, match="positive total weight"):
        loss.fit_intercept_only(y, sample_weight=w, n_classes=n_classes)


@pytest.mark.parametrize("shift", [-37.5, 3.25, 1024.0], ids=_id("shift"))
@pytest.mark.parametrize("gamma", GAMMAS, ids=_id("gamma"))
def test_loss_is_invariant_to_a_common_shift(rng, gamma, shift):
    k = 7
    y, z = _random_margins(rng, k, 20, FD_QUANTUM)  # z + shift is exact
    loss = SoftmaxFocalLoss(alpha=_alpha("ramp", k), gamma=gamma)
    # recomputing u = z_t - lse from shifted margins costs an absolute error
    # ~eps |shift| in u, i.e. a relative error ~(gamma + 1) eps |shift| |u|
    rtol = 1e-10 if shift > 100 else 1e-12
    assert_allclose(loss.loss(y, z + shift), loss.loss(y, z), rtol=rtol)
    g0, h0 = loss.gradient_hessian(y, z)
    g1, h1 = loss.gradient_hessian(y, z + shift)
    assert_allclose(g1, g0, rtol=rtol, atol=1e-300)
    assert_allclose(h1, h0, rtol=rtol, atol=rtol * np.abs(g0).max())
    p = loss.predict_proba(z + shift)
    assert_allclose(p, softmax(z, axis=1), rtol=rtol, atol=1e-300)
    assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)


# --------------------------------------------------------------------------
# Class weights
# --------------------------------------------------------------------------
@pytest.mark.parametrize("k", [2, 3, 7], ids=_id("K"))
def test_balanced_class_weights(rng, k):
    y = rng.choice(
        k, size=500, p=np.geomspace(1.0, 0.05, k) / np.geomspace(1.0, 0.05, k).sum()
    )
    w = rng.uniform(0.1, 3.0, y.size)
    loss = SoftmaxFocalLoss(alpha="balanced", gamma=2.0)
    for weights in (None, w):
        totals = np.bincount(y, weights=weights, minlength=k).astype(float)
        alpha = loss.class_weights(y, k, sample_weight=weights)
        inv = 1.0 / totals
        assert_allclose(alpha, inv / inv.sum(), rtol=1e-13)
        assert math.isclose(alpha.sum(), 1.0, rel_tol=1e-15)
        # every class carries the same total weight alpha_k W_k
        assert_allclose(alpha * totals, np.full(k, (alpha * totals).mean()), rtol=1e-13)
    # and 'balanced' is the fixed vector of those weights
    z = rng.normal(scale=3.0, size=(y.size, k))
    fixed = SoftmaxFocalLoss(alpha=loss.class_weights(y, k, w), gamma=2.0)
    assert_allclose(loss.loss(y, z, w), fixed.loss(y, z, w), rtol=1e-14)
    for policy in POLICIES:
        for a, b in zip(
            loss.gradient_hessian(y, z, w, hessian=policy),
            fixed.gradient_hessian(y, z, w, hessian=policy),
            strict=True,
        ):
            assert_allclose(a, b, rtol=1e-14)


@pytest.mark.parametrize("gamma", GAMMAS, ids=_id("gamma"))
def test_two_class_balanced_is_binary_balanced(rng, numpy_path, gamma):
    y = (rng.uniform(size=400) < 0.15).astype(int)
    w = rng.uniform(0.1, 3.0, y.size)
    z = rng.normal(scale=4.0, size=y.size)
    logits = np.column_stack([np.zeros_like(z), z])
    soft = SoftmaxFocalLoss(alpha="balanced", gamma=gamma)
    binary = BinaryFocalLoss(alpha="balanced", gamma=gamma)
    for weights in (None, w):
        assert_allclose(
            soft.class_weights(y, 2, weights),
            binary.class_weights(y, weights),
            rtol=1e-14,
        )
        assert_allclose(
            soft.loss(y, logits, weights), binary.loss(y, z, weights), rtol=1e-14
        )
        for policy in POLICIES:
            gs, hs = soft.gradient_hessian(y, logits, weights, hessian=policy)
            gb, hb = binary.gradient_hessian(y, z, weights, hessian=policy)
            assert_allclose(gs[:, 1], gb, rtol=1e-14)
            assert_allclose(hs[:, 1], hb, rtol=1e-14)
        c = soft.fit_intercept_only(y, weights)
        assert abs((c[1] - c[0]) - binary.fit_intercept_only(y, weights)) <= 1e-9


@pytest.mark.parametrize("alpha_kind", ["none", "ramp"], ids=_id("alpha"))
def test_fixed_class_weights(alpha_kind):
    alpha = _alpha(alpha_kind, 4)
    out = SoftmaxFocalLoss(alpha=alpha).class_weights([0, 1, 3], 4)
    assert_array_equal(out, np.ones(4) if alpha is None else alpha)


# --------------------------------------------------------------------------
# Parameter validation
# --------------------------------------------------------------------------
BAD_ALPHA_VECTORS = [
    pytest.param([1.0, -1.0, 2.0], ValueError, "-1.0", id="negative"),
    pytest.param([1.0, float("nan")], ValueError, "nan", id="nan"),
    pytest.param([0.0, 1.0], ValueError, "0.0", id="zero"),
    pytest.param([1.0, float("inf")], ValueError, "inf", id="inf"),
    pytest.param(np.array([2.0, -0.5]), ValueError, "-0.5", id="ndarray-negative"),
    pytest.param([[1.0, 2.0], [3.0, 4.0]], ValueError, "(2, 2)", id="2-d"),
    pytest.param([1.0], ValueError, "(1,)", id="one-entry"),
    pytest.param(0.5, ValueError, "()", id="scalar"),
    pytest.param("foo", ValueError, "'foo'", id="string"),
    pytest.param(True, ValueError, "True", id="bool"),
    pytest.param(["a", "b"], TypeError, "['a', 'b']", id="strings"),
]


@pytest.mark.parametrize(("alpha", "error", "shown"), BAD_ALPHA_VECTORS)
def test_invalid_alpha_vector(alpha, error, shown):
    with pytest.raises(error, match=rf"alpha.*{re.escape(shown)}"):
        SoftmaxFocalLoss(alpha=alpha)


@pytest.mark.parametrize("alpha", [[[1.0, 2.0], [3.0, 4.0]], [1.0]], ids=repr)
def test_wrong_ndim_alpha_message_names_the_value(alpha):
    with pytest.raises(ValueError, match=rf"alpha.*{re.escape(repr(alpha))}"):
        SoftmaxFocalLoss(alpha=alpha)


@pytest.mark.parametrize(
    "call",
    ["loss", "gradient", "gradient_hessian", "class_weights", "fit_intercept_only"],
)
def test_alpha_length_must_match_the_classes(call):
    loss = SoftmaxFocalLoss(alpha=[1.0, 2.0, 3.0], gamma=2.0)
    y = np.array([0, 1, 2, 3])
    z = np.zeros((4, 4))
    calls = {
        "loss": lambda: loss.loss(y, z),
        "gradient": lambda: loss.gradient(y, z),
        "gradient_hessian": lambda: loss.gradient_hessian(y, z),
        "class_weights": lambda: loss.class_weights(y, 4),
        "fit_intercept_only": lambda: loss.fit_intercept_only(y),
    }
    with pytest.raises(ValueError, match="3 entries but there are 4 classes"):
        calls[call]()


BAD_GAMMAS = [
    (-1.0, ValueError),
    (float("nan"), ValueError),
    (float("inf"), ValueError),
    ("2", TypeError),
    (None, TypeError),
    (True, TypeError),
]


@pytest.mark.parametrize(
    "cls", [SoftmaxFocalLoss, MultiLabelFocalLoss], ids=lambda c: c.__name__
)
@pytest.mark.parametrize(("gamma", "error"), BAD_GAMMAS, ids=repr)
def test_invalid_gamma(cls, gamma, error):
    with pytest.raises(error, match=rf"gamma.*{re.escape(repr(gamma))}"):
        cls(gamma=gamma)


def test_raw_prediction_must_be_two_dimensional():
    with pytest.raises(ValueError, match="shape"):
        SoftmaxFocalLoss().loss([0, 1], np.zeros(2))


BAD_MULTILABEL_ALPHAS = [
    pytest.param([0.25, 0.0], id="zero"),
    pytest.param([0.25, 1.0], id="one"),
    pytest.param([0.25, -0.5], id="negative"),
    pytest.param([0.25, float("nan")], id="nan"),
    pytest.param([[0.25, 0.5]], id="2-d"),
    pytest.param(1.5, id="float-out-of-range"),
    pytest.param("Balanced", id="string"),
]


@pytest.mark.parametrize("alpha", BAD_MULTILABEL_ALPHAS)
def test_invalid_multilabel_alpha(alpha):
    with pytest.raises(ValueError, match=rf"alpha.*{re.escape(repr(alpha))}"):
        MultiLabelFocalLoss(alpha=alpha)


# --------------------------------------------------------------------------
# Multi-label
# --------------------------------------------------------------------------
N_LABELS = 4
MULTILABEL_ALPHAS = {
    "none": None,
    "float": 0.25,
    "per-label": [0.1, 0.25, 0.5, 0.9],
    "balanced": "balanced",
}


def _multilabel_data(rng, n=300):
    prevalence = np.array([0.02, 0.2, 0.5, 0.9])
    y = (rng.uniform(size=(n, N_LABELS)) < prevalence).astype(int)
    z = rng.normal(scale=6.0, size=(n, N_LABELS))
    w = rng.uniform(0.1, 3.0, n)
    return y, z, w


def _column_alpha(kind, j):
    alpha = MULTILABEL_ALPHAS[kind]
    return alpha[j] if isinstance(alpha, list) else alpha


@pytest.mark.parametrize("use_weights", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("kind", list(MULTILABEL_ALPHAS), ids=_id("alpha"))
@pytest.mark.parametrize("gamma", GAMMAS + [20.0], ids=_id("gamma"))
def test_multilabel_is_binary_column_by_column(
    rng, numpy_path, gamma, kind, use_weights
):
    y, z, w = _multilabel_data(rng)
    w = w if use_weights else None
    loss = MultiLabelFocalLoss(alpha=MULTILABEL_ALPHAS[kind], gamma=gamma)
    values = loss.loss(y, z, w)
    grad = loss.gradient(y, z, w)
    hessians = {p: loss.gradient_hessian(y, z, w, hessian=p) for p in POLICIES}
    assert values.shape == grad.shape == z.shape
    for j in range(N_LABELS):
        binary = BinaryFocalLoss(alpha=_column_alpha(kind, j), gamma=gamma)
        assert_allclose(values[:, j], binary.loss(y[:, j], z[:, j], w), rtol=1e-14)
        assert_allclose(grad[:, j], binary.gradient(y[:, j], z[:, j], w), rtol=1e-14)
        for policy, (g, h) in hessians.items():
            gb, hb = binary.gradient_hessian(y[:, j], z[:, j], w, hessian=policy)
            assert_allclose(g[:, j], gb, rtol=1e-14)
            assert_allclose(h[:, j], hb, rtol=1e-14, atol=1e-300)
    assert_allclose(loss.predict_proba(z), BinaryFocalLoss().predict_proba(z))


@pytest.mark.parametrize("use_weights", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("kind", list(MULTILABEL_ALPHAS), ids=_id("alpha"))
@pytest.mark.parametrize("gamma", GAMMAS, ids=_id("gamma"))
def test_multilabel_intercept_is_binary_per_label(rng, gamma, kind, use_weights):
    y, _, w = _multilabel_data(rng)
    w = w if use_weights else None
    c = MultiLabelFocalLoss(
        alpha=MULTILABEL_ALPHAS[kind], gamma=gamma
    ).fit_intercept_only(y, w)
    assert c.shape == (N_LABELS,)
    for j in range(N_LABELS):
        binary = BinaryFocalLoss(alpha=_column_alpha(kind, j), gamma=gamma)
        assert math.isclose(
            c[j], binary.fit_intercept_only(y[:, j], w), rel_tol=1e-13, abs_tol=1e-13
        )
    if kind == "balanced":
        assert np.max(np.abs(c)) <= 1e-10


def test_intercept_bound_is_the_log_loss_clip():
    # logit(1 - eps) = -logit(eps): the log-odds at which log loss clips
    assert math.isclose(INTERCEPT_BOUND, logit(1.0 - EPS), rel_tol=1e-12)
    assert math.isclose(INTERCEPT_BOUND, -math.log(EPS), rel_tol=1e-15)


@pytest.mark.parametrize(
    "w",
    [None, np.arange(1.0, 9.0), np.r_[0.0, np.arange(1.0, 8.0)]],
    ids=["unweighted", "integer-weights", "zero-weight-negative"],
)
@pytest.mark.parametrize("kind", list(MULTILABEL_ALPHAS), ids=_id("alpha"))
def test_multilabel_single_class_label_gets_the_bound(kind, w):
    # label 0 all negative, label 1 all positive, label 2 positive except a
    # sample that the third weighting gives zero weight, label 3 mixed
    y = np.zeros((8, N_LABELS), dtype=int)
    y[:, 1] = 1
    y[1:, 2] = 1
    y[::2, 3] = 1
    loss = MultiLabelFocalLoss(alpha=MULTILABEL_ALPHAS[kind], gamma=2.0)
    c = loss.fit_intercept_only(y, w)
    assert c[0] == -INTERCEPT_BOUND
    assert c[1] == INTERCEPT_BOUND
    if w is not None and w[0] == 0:
        assert c[2] == INTERCEPT_BOUND
    else:
        assert abs(c[2]) < INTERCEPT_BOUND
    binary = BinaryFocalLoss(alpha=_column_alpha(kind, 3), gamma=2.0)
    assert c[3] == pytest.approx(binary.fit_intercept_only(y[:, 3], w), abs=1e-12)


def test_multilabel_all_positive_label_with_random_weights(rng):
    loss = MultiLabelFocalLoss(gamma=2.0)
    for n in list(range(3, 40)) + [100, 257, 1000]:
        w = rng.uniform(0.1, 3.0, n)
        y = np.c_[np.ones(n), np.zeros(n)]
        assert_array_equal(
            loss.fit_intercept_only(y, w), [INTERCEPT_BOUND, -INTERCEPT_BOUND]
        )
    assert_array_equal(
        loss.fit_intercept_only(np.ones((10, 1)), np.full(10, 0.1)), [INTERCEPT_BOUND]
    )


def test_multilabel_balanced_class_weights(rng):
    y, _, w = _multilabel_data(rng)
    loss = MultiLabelFocalLoss(alpha="balanced", gamma=2.0)
    for weights in (None, w):
        ww = np.ones(y.shape[0]) if weights is None else weights
        w1 = np.array([ww[y[:, j] == 1].sum() for j in range(N_LABELS)])
        w0 = np.array([ww[y[:, j] == 0].sum() for j in range(N_LABELS)])
        a0, a1 = loss.class_weights(y, weights)
        assert_allclose(a0, w1 / (w0 + w1), rtol=1e-13)
        assert_allclose(a1, w0 / (w0 + w1), rtol=1e-13)
        for j in range(N_LABELS):
            b0, b1 = BinaryFocalLoss(alpha="balanced").class_weights(y[:, j], weights)
            assert math.isclose(a0[j], b0, rel_tol=1e-13)
            assert math.isclose(a1[j], b1, rel_tol=1e-13)


@pytest.mark.parametrize("kind", ["float", "per-label"], ids=_id("alpha"))
def test_multilabel_fixed_class_weights(kind):
    alpha = MULTILABEL_ALPHAS[kind]
    a0, a1 = MultiLabelFocalLoss(alpha=alpha).class_weights(np.zeros((2, N_LABELS)))
    assert_allclose(a1, alpha, rtol=0)
    assert_allclose(a0, 1.0 - np.asarray(alpha), rtol=0)


# ------------------------------------------- the intercept solver's hard cases
@pytest.mark.parametrize("gamma", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("ratio", [1e6, 3.16227766e10, 1e14])
def test_intercept_with_a_tiny_class_share_equals_the_binary_one(gamma, ratio):
    """K=2 softmax is the binary loss; its intercept too, at any class share.

    (A solver with an absolute gradient tolerance stopped at its start when a
    class held a 3e-11 share of the weight: -2441.9 instead of -12.435.)
    """
    w = np.array([ratio, 1.0])
    c = SoftmaxFocalLoss(None, gamma).fit_intercept_only([0, 1], w, n_classes=2)
    ref = BinaryFocalLoss(None, gamma).fit_intercept_only(np.array([0.0, 1.0]), w)
    # the binary solve is a bracketed root in log space, exact to ~1e-15
    assert abs((c[1] - c[0]) - ref) <= 1e-12 * max(1.0, abs(ref))


def test_intercept_does_not_depend_on_the_weights_scale():
    """Weights times 1e-300 (ratios unchanged) give the same intercept."""
    t = np.r_[np.arange(7), [4] * 16]
    loss = SoftmaxFocalLoss(None, 8.0)
    a = loss.fit_intercept_only(t, np.full(t.size, 1e-300), n_classes=7)
    b = loss.fit_intercept_only(t, None, n_classes=7)
    # both converge to the rounding of the gradient's terms: a few ulps of |c|
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-13 * max(1.0, np.abs(b).max()))


def test_balanced_weights_of_totals_1e309_apart_are_finite():
    t, w = np.array([0, 1]), np.array([1e300, 1e-9])
    loss = SoftmaxFocalLoss("balanced", 2.0)
    alpha = loss.class_weights(t, 2, w)
    assert np.all(np.isfinite(alpha)) and alpha[1] == 1.0 and 0 < alpha[0] < 1e-300
    with np.errstate(all="raise", under="ignore"):
        values = loss.loss(t, np.zeros((2, 2)), w)
    assert np.all(np.isfinite(values))
