"""Property-based tests (Hypothesis) of the focal losses over random inputs.

Margins from 0 and tiny values up to +-1e6, alpha None / in [1e-100, 1) /
"balanced" (per-class vectors for softmax, per-label for multi-label; the
subnormal alphas have their own tests at the end), gamma
in [0, 20] (integer values too: the compiled kernel has an integer-gamma
loop), weights from 1e-300 to 1e300 and 0, labels with and without both
classes. Every property that goes through ``gradient_hessian`` runs on the
compiled kernel and on the numpy path.

References are independent of the code under test: ``np.logaddexp`` and
``scipy.special.expit`` for the log loss, finite differences of ``loss`` for
the gradient, mpmath at 50 digits for the intercept's first-order condition.
Runs are reproducible: every test uses ``derandomize=True`` and no example
database.
"""

import math
import os
import warnings
from contextlib import contextmanager
from unittest import mock

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose
from scipy.special import expit

from focalboost import _kernels
from focalboost.losses import (
    HESSIAN_FLOOR,
    INTERCEPT_BOUND,
    BinaryFocalLoss,
    MultiLabelFocalLoss,
    SoftmaxFocalLoss,
)

POLICIES = ["exact", "surrogate", "clipped"]
PATHS = [
    pytest.param(
        "compiled",
        marks=pytest.mark.skipif(
            not _kernels.HAVE_CKERNEL, reason="focalboost._ckernels not built"
        ),
    ),
    "numpy",
]
#: Overflow, division by zero and invalid operations raise; underflow to 0 is
#: the expected, harmless outcome of exp(-1e6) and stays silent.
RAISE = {"over": "raise", "divide": "raise", "invalid": "raise"}


def _settings(max_examples):
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


@contextmanager
def kernel_path(path):
    """Run the block on the compiled kernel or on the numpy reference path."""
    value = "1" if path == "numpy" else "0"
    with mock.patch.dict(os.environ, {"FOCALBOOST_NO_CKERNEL": value}):
        assert _kernels.ckernel_enabled() == (path == "compiled")
        yield


# A failing example makes Hypothesis's pytest plugin import its patch writer,
# whose libcst dependency emits a DeprecationWarning (mypy_extensions) that
# the suite's ``filterwarnings = error`` turns into an INTERNALERROR instead
# of a readable failure. Importing it here first, warnings silenced, avoids it.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import hypothesis.extra._patching  # noqa: F401
    except ImportError:  # pragma: no cover - libcst not installed
        pass


# ------------------------------------------------------------------ strategies
EDGES = [
    0.0,
    -0.0,
    1e-300,
    -1e-300,
    1e-8,
    -1e-8,
    2.79,
    -2.79,
    40.0,
    -40.0,
    709.0,
    -709.0,
    745.0,
    -745.0,
    1e6,
    -1e6,
]
margin = st.one_of(
    st.sampled_from(EDGES),
    st.floats(-1e-6, 1e-6),
    st.floats(-50.0, 50.0),
    st.floats(-1e6, 1e6),
)
moderate_margin = st.floats(-30.0, 30.0)
gamma = st.one_of(
    st.sampled_from([0.0, 1.0, 2.0, 5.0, 20.0]),
    st.integers(0, 20).map(float),
    st.floats(0.0, 20.0),
)
#: alpha in (0, 1) down to 1e-100: below that alpha times a 1e-200 share of
#: the weight leaves the normal float64 range (a subnormal alpha_1 W_1 has a
#: few significant bits, or none), which no evaluation order can repair
alpha_float = st.one_of(
    st.sampled_from([1e-100, 1e-12, 0.25, 0.5, 1.0 - 2.0**-53]),
    st.floats(1e-100, 1.0, exclude_max=True),
)
#: dyadic alphas: 1 - (1 - alpha) == alpha exactly, so a mirrored loss gets
#: exactly the mirrored class weights
alpha_dyadic = st.integers(1, 2**20 - 1).map(lambda k: k / 2**20)
binary_alpha = st.one_of(st.none(), alpha_float, st.just("balanced"))
log10_weight = st.one_of(
    st.sampled_from([-300.0, 0.0, 300.0]), st.floats(-300.0, 300.0)
)
weight = st.one_of(st.just(0.0), log10_weight.map(lambda e: 10.0**e))


@st.composite
def binary_case(draw, margins=margin, min_size=1, max_size=30):
    n = draw(st.integers(min_size, max_size))
    z = draw(hnp.arrays(np.float64, n, elements=margins))
    y = draw(hnp.arrays(np.float64, n, elements=st.sampled_from([0.0, 1.0])))
    w = draw(st.none() | hnp.arrays(np.float64, n, elements=weight))
    return y, z, w


@st.composite
def softmax_case(draw, margins=margin, max_size=20):
    k = draw(st.integers(2, 8))
    n = draw(st.integers(1, max_size))
    z = draw(hnp.arrays(np.float64, (n, k), elements=margins))
    t = draw(hnp.arrays(np.intp, n, elements=st.integers(0, k - 1)))
    kind = draw(st.sampled_from(["none", "vector", "balanced"]))
    if kind == "vector":
        alpha = draw(
            hnp.arrays(np.float64, k, elements=st.floats(-3.0, 3.0)).map(
                lambda e: 10.0**e
            )
        )
    else:
        alpha = None if kind == "none" else "balanced"
    w = draw(st.none() | hnp.arrays(np.float64, n, elements=weight))
    return t, z, alpha, w


def _noise_floor(w):
    """Absolute floor of weighted outputs: 1e-300 per unit of weight (at least).

    An unweighted value below 1e-300 is subnormal-range noise in any
    evaluation (a few significant bits, or none); the weight multiplies that
    noise, so a weight of 1e300 turns it into ~1e-24.
    """
    return 1e-300 if w is None else 1e-300 * np.maximum(w, 1.0)


def _assert_close(actual, desired, rtol, floor):
    """``|actual - desired| <= rtol |desired| + floor``, ``floor`` per element."""
    err = np.abs(actual - desired)
    bound = rtol * np.abs(desired) + floor
    assert np.all(err <= bound), np.max(err / bound)


def _positive_total(y, w, classes):
    w = np.ones(len(y)) if w is None else w
    return all(w[y == c].sum() > 0 for c in classes)


# ----------------------------------------------------------------- binary
def _check_finite_binary(loss, y, z, w):
    with np.errstate(**RAISE):
        outputs = [loss.loss(y, z, w), loss.gradient(y, z, w)]
        for policy in POLICIES:
            outputs.extend(loss.gradient_hessian(y, z, w, hessian=policy))
    for out in outputs:
        assert out.shape == z.shape
        assert out.dtype == np.float64
        assert np.all(np.isfinite(out))


@pytest.mark.parametrize("path", PATHS)
@_settings(60)
@given(case=binary_case(), alpha=binary_alpha, g=gamma)
def test_binary_outputs_are_finite_and_warning_free(path, case, alpha, g):
    y, z, w = case
    if isinstance(alpha, str) and not _positive_total(y, w, [0, 1]):
        alpha = 0.5  # balanced needs a positive total weight
    loss = BinaryFocalLoss(alpha, g)
    with kernel_path(path):
        _check_finite_binary(loss, y, z, w)
        with np.errstate(**RAISE):
            _, surrogate = loss.gradient_hessian(y, z, hessian="surrogate")
            _, clipped = loss.gradient_hessian(y, z, hessian="clipped")
    # positive training Hessians (unweighted: a weight of 1e-300 underflows
    # them); the surrogate is a product of exp(-|u|)-sized factors, which
    # underflows to 0 only for large |margin|
    assert np.all(clipped >= HESSIAN_FLOOR)
    assert np.all(surrogate >= 0.0)
    if min(loss.class_weights(y, w)) >= 1e-100:  # not a subnormal alpha
        assert np.all(surrogate[np.abs(z) <= 30.0] > 0.0)


@pytest.mark.parametrize("path", PATHS)
@_settings(60)
@given(
    case=binary_case(),
    alpha=st.one_of(st.none(), alpha_dyadic, st.just("balanced")),
    g=gamma,
)
def test_binary_label_swap_mirrors_the_loss(path, case, alpha, g):
    # alpha weighs class 1: swapping the labels, negating the margin and
    # mirroring alpha -> 1 - alpha gives the same loss, a gradient of the
    # opposite sign and the same Hessian under every policy
    y, z, w = case
    if isinstance(alpha, str) and not _positive_total(y, w, [0, 1]):
        alpha = 0.25
    mirrored = alpha if alpha is None or isinstance(alpha, str) else 1.0 - alpha
    a, b = BinaryFocalLoss(alpha, g), BinaryFocalLoss(mirrored, g)
    tiny = 1e-300
    assert_allclose(a.loss(y, z, w), b.loss(1 - y, -z, w), rtol=1e-14, atol=tiny)
    with kernel_path(path):
        for policy in POLICIES:
            g_a, h_a = a.gradient_hessian(y, z, w, hessian=policy)
            g_b, h_b = b.gradient_hessian(1 - y, -z, w, hessian=policy)
            assert_allclose(g_a, -g_b, rtol=1e-14, atol=tiny)
            assert_allclose(h_a, h_b, rtol=1e-14, atol=tiny)


@pytest.mark.parametrize("path", PATHS)
@_settings(60)
@given(case=binary_case())
def test_binary_gamma_zero_is_the_log_loss(path, case):
    y, z, w = case
    s = 2.0 * y - 1.0
    # independent references: log(1 + exp(-s z)), d/dz = expit(z) - y written
    # without cancellation, d2/dz2 = p (1 - p)
    ref_loss = np.logaddexp(0.0, -s * z)
    ref_grad = np.where(y == 1.0, -expit(-z), expit(z))
    ref_hess = expit(z) * expit(-z)
    if w is not None:
        ref_loss, ref_grad, ref_hess = ref_loss * w, ref_grad * w, ref_hess * w
    loss = BinaryFocalLoss(None, 0.0)
    # values below 1e-300 are subnormal-range noise in any evaluation, and a
    # weight scales that noise with them (was 1e-300: e^-745 * 1e300 failed)
    _assert_close(loss.loss(y, z, w), ref_loss, 1e-13, _noise_floor(w))
    with kernel_path(path):
        for policy in ("exact", "surrogate"):
            grad, hess = loss.gradient_hessian(y, z, w, hessian=policy)
            _assert_close(grad, ref_grad, 1e-13, _noise_floor(w))
            _assert_close(hess, ref_hess, 1e-13, _noise_floor(w))


def _central_difference(f, z, h):
    """4th-order central difference of the element-wise function ``f``."""
    return (-f(z + 2 * h) + 8 * f(z + h) - 8 * f(z - h) + f(z - 2 * h)) / (12 * h)


@pytest.mark.parametrize("path", PATHS)
@_settings(60)
@given(
    case=binary_case(margins=moderate_margin),
    alpha=st.one_of(st.none(), alpha_float),
    g=gamma,
)
def test_binary_gradient_is_the_derivative_of_the_loss(path, case, alpha, g):
    # the loss is smooth in the margin for every gamma >= 0 (q > 0); on
    # |z| <= 30 the difference quotient's rounding error is about
    # eps |FL| / h and its truncation error h**4 |FL^(5)| (h = 1e-4)
    y, z, _ = case
    loss = BinaryFocalLoss(alpha, g)
    h = 1e-4
    fd = _central_difference(lambda x: loss.loss(y, x), z, h)
    scale = loss.loss(y, z) + np.abs(fd)
    with kernel_path(path):
        grad, hess = loss.gradient_hessian(y, z, hessian="exact")
        assert np.all(np.abs(grad - fd) <= 1e-8 * scale)
        fd2 = _central_difference(lambda x: loss.gradient_hessian(y, x)[0], z, h)
    scale2 = np.abs(grad) + np.abs(fd2) + np.abs(hess)
    assert np.all(np.abs(hess - fd2) <= 1e-7 * scale2)


# ----------------------------------------------------------------- intercept
mpmath.mp.dps = 50


def _mp_log_pull(u, alpha_t, g):
    """log(alpha_t |dFL/du|) at the true-class margin ``u``, at 50 digits."""
    u = mpmath.mpf(u)
    p = 1 / (1 + mpmath.exp(-u))
    q = 1 / (1 + mpmath.exp(u))
    ell = mpmath.log1p(mpmath.exp(-u))
    return mpmath.log(alpha_t) + g * mpmath.log(q) + mpmath.log(q + g * p * ell)


def _mp_first_order_gap(y, w, alpha, g, c):
    """log(class-1 pull) - log(class-0 pull) of the constant risk at ``c``.

    Zero at the focal-optimal constant. Weighted class totals summed exactly;
    ``alpha="balanced"`` resolved from them, straight from the definition.
    """
    w = np.ones(len(y)) if w is None else w
    w1 = mpmath.fsum(mpmath.mpf(float(v)) for v in w[y == 1])
    w0 = mpmath.fsum(mpmath.mpf(float(v)) for v in w[y == 0])
    if alpha is None:
        a0 = a1 = mpmath.mpf(1)
    elif isinstance(alpha, str):
        a0, a1 = w1 / (w0 + w1), w0 / (w0 + w1)
    else:
        a1 = mpmath.mpf(alpha)
        a0 = 1 - a1
    pull1 = mpmath.log(w1) + _mp_log_pull(c, a1, g)  # class 1: u = c
    pull0 = mpmath.log(w0) + _mp_log_pull(-c, a0, g)  # class 0: u = -c
    return float(pull1 - pull0)


@st.composite
def intercept_case(draw):
    n = draw(st.integers(2, 40))
    y = draw(hnp.arrays(np.float64, n, elements=st.sampled_from([0.0, 1.0])))
    y[0], y[1] = 0.0, 1.0  # both classes present
    kind = draw(st.sampled_from(["none", "spread", "tiny", "huge", "imbalance"]))
    if kind == "none":
        return y, None
    if kind == "spread":
        # per-sample weights over up to 200 decades inside [1e-300, 1e300]:
        # ratios and totals stay representable
        centre = draw(st.floats(-200.0, 200.0))
        e = draw(hnp.arrays(np.float64, n, elements=st.floats(-100.0, 100.0)))
        return y, 10.0 ** (centre + e)
    if kind == "tiny":
        return y, np.full(n, 1e-300)
    if kind == "huge":
        # the class totals of these overflow float64 unless rescaled
        return y, np.full(n, np.finfo(np.float64).max / 2)
    # one positive against up to 1e300 times its weight in negatives
    w = np.ones(n)
    w[y == 1] = 10.0 ** -draw(st.floats(0.0, 300.0)) / (y == 1).sum()
    return y, w


@_settings(80)
@given(
    case=intercept_case(),
    alpha=binary_alpha | st.sampled_from([5e-324, 1e-310, 1.0 - 2.0**-53]),
    g=gamma,
)
def test_binary_intercept_solves_the_first_order_condition(case, alpha, g):
    y, w = case
    loss = BinaryFocalLoss(alpha, g)
    with np.errstate(**RAISE):
        c = loss.fit_intercept_only(y, w)
    assert math.isfinite(c)
    # Brent's bracket is 4 eps relative in c; the log-pulls change at a rate
    # of at most 2 (gamma + 1) per unit of c
    assert abs(_mp_first_order_gap(y, w, alpha, g, c)) <= 1e-9
    if isinstance(alpha, str):
        # both classes carry the same weight: the optimum is 0 for any gamma
        assert abs(c) <= 1e-12


@_settings(40)
@given(case=intercept_case(), alpha=st.one_of(st.none(), alpha_dyadic), g=gamma)
def test_binary_intercept_is_mirrored_and_scale_free(case, alpha, g):
    y, w = case
    loss = BinaryFocalLoss(alpha, g)
    c = loss.fit_intercept_only(y, w)
    mirrored = BinaryFocalLoss(None if alpha is None else 1.0 - alpha, g)
    assert math.isclose(
        mirrored.fit_intercept_only(1 - y, w), -c, rel_tol=1e-12, abs_tol=1e-12
    )
    if w is not None:
        # only the weight ratios matter: a power-of-two rescale is exact
        top, low = np.max(w), np.min(w[w > 0])
        for factor in (2.0**-900, 2.0**-40, 2.0**40):
            if math.log2(top) + math.log2(factor) < 1023 and low * factor >= 1e-300:
                assert loss.fit_intercept_only(y, w * factor) == c


@pytest.mark.parametrize("alpha", [None, 0.25, "balanced"])
@pytest.mark.parametrize("g", [0.0, 0.5, 2.0, 20.0])
@pytest.mark.parametrize(
    "w",
    [
        np.full(6, 1e-300),
        np.full(6, 5e-324),
        np.full(6, 1e300),
        np.full(6, np.finfo(np.float64).max),
        np.array([1e-300, 1e300, 1.0, 1e-300, 1e300, 1.0]),
    ],
    ids=["1e-300", "min-subnormal", "1e300", "float64-max", "mixed"],
)
def test_binary_intercept_only_depends_on_weight_ratios(w, g, alpha):
    # deliberate edges of the weight range: all weights equal at any scale
    # give the unweighted intercept; the mixed case is 1e-300 : 1e300 : 1
    y = np.array([0, 0, 1, 0, 0, 1], dtype=float)
    loss = BinaryFocalLoss(alpha, g)
    with np.errstate(**RAISE):
        c = loss.fit_intercept_only(y, w)
    assert math.isfinite(c)
    if np.ptp(w) == 0:
        # equal weights rescale to a power of two times w, not to 1: the
        # class totals are then rounded differently from the counts
        assert math.isclose(c, loss.fit_intercept_only(y), rel_tol=1e-14, abs_tol=1e-15)
    else:
        assert abs(_mp_first_order_gap(y, w, alpha, g, c)) <= 1e-9


@pytest.mark.parametrize("g", [0.0, 2.0, 20.0])
def test_binary_intercept_one_positive_in_a_million(g):
    y = np.zeros(1001)
    y[0] = 1.0
    w = np.full(1001, 1e3)
    w[0] = 1.0  # total weight 1e6 + 1, one unit on the positive
    c = BinaryFocalLoss(None, g).fit_intercept_only(y, w)
    assert math.isfinite(c)
    assert c < 0
    assert abs(_mp_first_order_gap(y, w, None, g, c)) <= 1e-9


# ----------------------------------------------------------------- posterior
@_settings(60)
@given(
    z=hnp.arrays(np.float64, st.integers(1, 40), elements=margin),
    alpha=st.one_of(st.none(), alpha_float),
    g=gamma,
)
def test_binary_posterior_is_a_monotone_probability(z, alpha, g):
    loss = BinaryFocalLoss(alpha, g)
    zs = np.sort(z)
    with np.errstate(**RAISE):
        log_odds = loss.posterior_raw_prediction(zs)
        proba = loss.posterior_proba(zs)
    assert np.all(np.isfinite(log_odds))
    assert np.all((proba >= 0.0) & (proba <= 1.0))
    # non-decreasing in the margin, up to the rounding of its terms
    tol = 1e-12 * (1.0 + np.abs(log_odds[1:]) + np.abs(log_odds[:-1]))
    assert np.all(np.diff(log_odds) >= -tol)
    assert np.all(np.diff(proba) >= -1e-15)


# ----------------------------------------------------------------- softmax
def _row_rtol(z, g):
    """Relative accuracy of a row's outputs: 1e-12 plus the rounding of u."""
    size = 1.0 + np.max(np.abs(z), axis=1)
    return 1e-12 + 8 * np.finfo(np.float64).eps * size * (g + 2.0)


def _assert_close_rows(actual, desired, rtol, w=None):
    # floor: see _noise_floor (the rows' weights scale it)
    floor = _noise_floor(w)
    if actual.ndim > 1:
        rtol = rtol[:, None]
        floor = floor if w is None else floor[:, None]
    assert np.all(np.abs(actual - desired) <= rtol * np.abs(desired) + floor)


def _permuted(t, z, alpha, perm):
    """The same problem with class ``perm[j]`` renamed ``j``."""
    inverse = np.argsort(perm)
    alpha_p = alpha[perm] if isinstance(alpha, np.ndarray) else alpha
    return inverse[t], z[:, perm], alpha_p


@pytest.mark.parametrize("path", PATHS)
@_settings(60)
@given(case=softmax_case(), g=gamma, data=st.data())
def test_softmax_outputs_are_finite_and_permutation_equivariant(path, case, g, data):
    t, z, alpha, w = case
    k = z.shape[1]
    if isinstance(alpha, str) and not np.any(np.bincount(t, w, minlength=k) > 0):
        alpha = None
    loss = SoftmaxFocalLoss(alpha, g)
    perm = np.asarray(data.draw(st.permutations(range(k))))
    t_p, z_p, alpha_p = _permuted(t, z, alpha, perm)
    loss_p = SoftmaxFocalLoss(alpha_p, g)
    # relabelling the classes permutes everything; the log-sum-exp is summed
    # in another order, so the true-class margin u moves by rounding of the
    # margins' size, and every output by |d log(output) / du| <= ~(gamma + 2)
    # times that
    rtol = _row_rtol(z, g)
    with kernel_path(path), np.errstate(**RAISE):
        values = loss.loss(t, z, w)
        assert values.shape == t.shape and np.all(np.isfinite(values))
        _assert_close_rows(loss_p.loss(t_p, z_p, w), values, rtol, w)
        for policy in POLICIES:
            grad, hess = loss.gradient_hessian(t, z, w, hessian=policy)
            for out in (grad, hess):
                assert out.shape == z.shape and np.all(np.isfinite(out))
            grad_p, hess_p = loss_p.gradient_hessian(t_p, z_p, w, hessian=policy)
            _assert_close_rows(grad_p, grad[:, perm], rtol, w)
            _assert_close_rows(hess_p, hess[:, perm], rtol, w)
        _, surrogate = loss.gradient_hessian(t, z, hessian="surrogate")
        _, clipped = loss.gradient_hessian(t, z, hessian="clipped")
    assert np.all(clipped >= HESSIAN_FLOOR)
    assert np.all(surrogate >= 0.0)
    moderate = np.all(np.abs(z) <= 10.0, axis=1)
    assert np.all(surrogate[moderate] > 0.0)


@pytest.mark.parametrize("path", PATHS)
@_settings(60)
@given(case=softmax_case())
def test_softmax_gamma_zero_is_the_multinomial_log_loss(path, case):
    t, z, _, w = case
    rows = np.arange(len(t))
    # independent: log-sum-exp by np.logaddexp.reduce, shares by expit of the
    # one-vs-rest margin is what the code does, so use plain exp instead
    lse = np.logaddexp.reduce(z, axis=1)
    ref = lse - z[rows, t]
    loss = SoftmaxFocalLoss(None, 0.0)
    weights = np.ones(len(t)) if w is None else w
    # both are differences of numbers as large as the margins
    atol = (4 * np.finfo(float).eps * (1.0 + np.max(np.abs(z), axis=1))) * weights
    values = loss.loss(t, z, w)
    assert np.all(np.abs(values - ref * weights) <= 1e-13 * ref * weights + atol)
    share = np.exp(z - lse[:, None])
    # 1 - share_k as the sum of the other shares: no cancellation when one
    # class dominates
    rest = np.stack(
        [np.delete(share, j, axis=1).sum(axis=1) for j in range(z.shape[1])], axis=1
    )
    ref_grad = share.copy()
    ref_grad[rows, t] = -rest[rows, t]
    with kernel_path(path):
        grad, hess = loss.gradient_hessian(t, z, w, hessian="exact")
    rtol = _row_rtol(z, 0.0)
    _assert_close_rows(grad, ref_grad * weights[:, None], rtol, weights)
    _assert_close_rows(hess, share * rest * weights[:, None], rtol, weights)


@pytest.mark.parametrize("path", PATHS)
@_settings(40)
@given(case=softmax_case(margins=moderate_margin, max_size=8), g=gamma)
def test_softmax_gradient_is_the_derivative_of_the_loss(path, case, g):
    t, z, alpha, _ = case
    if isinstance(alpha, str):
        alpha = None
    loss = SoftmaxFocalLoss(alpha, g)
    h = 1e-4
    with kernel_path(path):
        grad = loss.gradient(t, z)
    for j in range(z.shape[1]):
        step = np.zeros_like(z)
        step[:, j] = 1.0
        fd = _central_difference(lambda s, e=step: loss.loss(t, z + s * e), 0.0, h)
        scale = loss.loss(t, z) + np.abs(fd)
        assert np.all(np.abs(grad[:, j] - fd) <= 1e-8 * scale)


@st.composite
def softmax_intercept_case(draw):
    k = draw(st.integers(2, 8))
    n = draw(st.integers(k, 40))
    t = draw(hnp.arrays(np.intp, n, elements=st.integers(0, k - 1)))
    t[:k] = np.arange(k)  # every class present
    kind = draw(st.sampled_from(["none", "spread", "tiny", "huge", "imbalance"]))
    if kind == "none":
        w = None
    elif kind == "spread":
        centre = draw(st.floats(-200.0, 200.0))
        e = draw(hnp.arrays(np.float64, n, elements=st.floats(-100.0, 100.0)))
        # class totals between ~1e-100 and 1 of the largest: the softmax
        # intercept solve is an unconstrained minimisation over margins of
        # size log(ratio)
        w = 10.0 ** (centre + e / 2)
    elif kind == "tiny":
        w = np.full(n, 1e-300)
    elif kind == "huge":
        w = np.full(n, np.finfo(np.float64).max / 2)
    else:
        w = np.ones(n)
        rare = draw(st.integers(0, k - 1))
        w[t == rare] = 10.0 ** -draw(st.floats(0.0, 6.0)) / (t == rare).sum()
    kind = draw(st.sampled_from(["none", "vector", "balanced"]))
    if kind == "vector":
        alpha = 10.0 ** draw(hnp.arrays(np.float64, k, elements=st.floats(-2.0, 2.0)))
    else:
        alpha = None if kind == "none" else "balanced"
    return t, w, alpha, k


@_settings(40)
@given(case=softmax_intercept_case(), g=gamma)
# a class share of 1e-28: from the log-loss start the curvature is 1e-55 and
# an uncapped Newton step never came back (found by another Hypothesis version)
@example(case=(np.array([0, 1]), np.array([10.0**27.5, 1.0]), None, 2), g=1.0)
@example(case=(np.array([0, 1, 2]), np.array([1e100, 1.0, 1e-100]), None, 3), g=2.0)
def test_softmax_intercept_zeroes_the_constant_risk_gradient(case, g):
    t, w, alpha, k = case
    loss = SoftmaxFocalLoss(alpha, g)
    with np.errstate(**RAISE):
        c = loss.fit_intercept_only(t, w, n_classes=k)
    assert c.shape == (k,) and np.all(np.isfinite(c))
    assert abs(c.mean()) <= 1e-13 * max(1.0, np.max(np.abs(c)))
    # gradient of the constant risk sum_i w_i FL(t_i, c), per class: with the
    # weights scaled to a maximum of 1 (only ratios matter) and relative to
    # the sum of the absolute per-sample contributions
    ws = np.ones(len(t)) if w is None else w / np.max(w)
    g_i = loss.gradient(t, np.broadcast_to(c, (len(t), k)), ws)
    assert np.all(np.abs(g_i.sum(axis=0)) <= 1e-9 * np.abs(g_i).sum(axis=0))


# ----------------------------------------------------------------- multi-label
@st.composite
def multilabel_case(draw, margins=margin):
    n = draw(st.integers(1, 15))
    n_labels = draw(st.integers(1, 5))
    z = draw(hnp.arrays(np.float64, (n, n_labels), elements=margins))
    y = draw(hnp.arrays(np.float64, (n, n_labels), elements=st.sampled_from([0, 1])))
    kind = draw(st.sampled_from(["none", "float", "vector", "balanced"]))
    if kind == "float":
        alpha = draw(alpha_float)
    elif kind == "vector":
        alpha = draw(hnp.arrays(np.float64, n_labels, elements=alpha_float))
    else:
        alpha = None if kind == "none" else "balanced"
    w = draw(st.none() | hnp.arrays(np.float64, n, elements=weight))
    return y, z, alpha, w


@pytest.mark.parametrize("path", PATHS)
@_settings(50)
@given(case=multilabel_case(), g=gamma)
def test_multilabel_outputs_are_finite_and_match_the_binary_loss(path, case, g):
    y, z, alpha, w = case
    if isinstance(alpha, str):
        ww = np.ones(len(y)) if w is None else w
        if not np.all((ww @ y > 0) & (ww @ (1 - y) > 0)):
            alpha = None  # balanced alpha of a single-class label is 0 or 1
    loss = MultiLabelFocalLoss(alpha, g)
    with kernel_path(path):
        _check_finite_binary(loss, y, z, w)
        grad, hess = loss.gradient_hessian(y, z, w, hessian="surrogate")
        a0, a1 = loss.class_weights(y, w)
        a1 = np.broadcast_to(a1, y.shape[1])
        for j in range(y.shape[1]):
            # each label is the binary loss with that label's alpha
            a = None if alpha is None else float(a1[j])
            if a is not None and not 0.0 < a < 1.0:
                continue  # balanced over a weight ratio beyond 1e308: a = 0, 1
            binary = BinaryFocalLoss(a, g)
            g_j, h_j = binary.gradient_hessian(y[:, j], z[:, j], w, hessian="surrogate")
            assert_allclose(grad[:, j], g_j, rtol=1e-12, atol=1e-300)
            assert_allclose(hess[:, j], h_j, rtol=1e-12, atol=1e-300)


@_settings(40)
@given(case=multilabel_case(), g=gamma)
def test_multilabel_intercept_and_posterior(case, g):
    y, z, alpha, w = case
    # weight ratios within 1e300 (square roots of weights in [1e-300, 1e300])
    w = None if w is None or not np.any(w > 0) else np.sqrt(w)
    loss = MultiLabelFocalLoss(alpha, g)
    ww = np.ones(len(y)) if w is None else w
    pos, neg = ww @ y, ww @ (1 - y)
    if isinstance(alpha, str) and not np.all((pos > 0) & (neg > 0)):
        alpha = None
        loss = MultiLabelFocalLoss(None, g)
    with np.errstate(**RAISE):
        c = loss.fit_intercept_only(y, w)
    assert c.shape == (y.shape[1],) and np.all(np.isfinite(c))
    a1 = np.broadcast_to(loss.class_weights(y, w)[1], y.shape[1])
    for j in range(y.shape[1]):
        if pos[j] <= 0 or neg[j] <= 0:
            assert c[j] == (INTERCEPT_BOUND if pos[j] > 0 else -INTERCEPT_BOUND)
            continue
        a = alpha if alpha is None or isinstance(alpha, str) else float(a1[j])
        yj = y[:, j].astype(int)
        assert abs(_mp_first_order_gap(yj, ww, a, g, c[j])) <= 1e-9

    if isinstance(loss.alpha, str):
        # beyond a 1e16 imbalance a balanced alpha rounds to 0 or 1: kept inside
        # (0, 1) as the estimators do (focalboost._base.make_loss)
        tiny = np.finfo(np.float64).eps
        a1 = np.clip(np.broadcast_to(a1, y.shape[1]), tiny, 1 - tiny)
        loss = MultiLabelFocalLoss(a1, g)
    with np.errstate(**RAISE):
        proba = loss.posterior_proba(z)
    assert np.all(np.isfinite(proba)) & np.all((proba >= 0) & (proba <= 1))


@_settings(60)
@given(case=softmax_case(), g=gamma, data=st.data())
def test_softmax_posterior_is_a_distribution_monotone_in_each_margin(case, g, data):
    _, z, alpha, _ = case
    if isinstance(alpha, str):
        alpha = None
    loss = SoftmaxFocalLoss(alpha, g)
    k = data.draw(st.integers(0, z.shape[1] - 1))
    bump = data.draw(st.floats(1e-3, 1e6))
    z2 = z.copy()
    z2[:, k] += bump
    with np.errstate(**RAISE):
        proba = loss.posterior_proba(z)
        proba2 = loss.posterior_proba(z2)
    for p in (proba, proba2):
        assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
        assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    # raising one margin never lowers that class's posterior (to rounding)
    assert np.all(proba2[:, k] >= proba[:, k] * (1 - 1e-12) - 1e-300)


# ------------------------------------------- regressions found by the above
@pytest.mark.parametrize("g", [0.01, 0.1, 0.3])
@pytest.mark.parametrize("ratio", [1e-300, 1e300, 1e-250])
def test_binary_intercept_beyond_the_exp_range_at_small_gamma(ratio, g):
    # the root is near log(ratio) / (1 + gamma), beyond 745 in |c| for small
    # gamma: log(softplus(-c)) must not be formed as log of an underflowed 0
    y = np.array([0.0, 1.0])
    w = np.array([1.0, ratio])
    with np.errstate(**RAISE):
        c = BinaryFocalLoss(None, g).fit_intercept_only(y, w)
    assert math.isfinite(c) and abs(c) > 400
    assert abs(_mp_first_order_gap(y, w, None, g, c)) <= 1e-9


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("alpha", [1e-17, 1e-200, 1.0 - 2.0**-53])
def test_tiny_class_weight_is_not_cancelled(path, alpha):
    # alpha_t = a0 (1 - y) + a1 y is exact for y in {0, 1};
    # a0 + (a1 - a0) y rounded a1 = 1e-17 to 0
    y = np.array([0.0, 1.0])
    z = np.zeros(2)
    loss = BinaryFocalLoss(alpha, 0.0)
    expected = np.array([1.0 - alpha, alpha]) * math.log(2.0)
    assert_allclose(loss.loss(y, z), expected, rtol=1e-15)
    with kernel_path(path):
        grad, hess = loss.gradient_hessian(y, z)
    assert_allclose(grad, np.array([1.0 - alpha, -alpha]) / 2, rtol=1e-15)
    assert_allclose(hess, np.array([1.0 - alpha, alpha]) / 4, rtol=1e-15)


@pytest.mark.parametrize("g", [0.0, 2.0])
@pytest.mark.parametrize("alpha", [5e-324, 1e-310])
def test_subnormal_alpha_keeps_the_posterior_and_intercept_finite(alpha, g):
    loss = BinaryFocalLoss(alpha, g)
    with np.errstate(**RAISE):
        log_odds = loss.posterior_raw_prediction([-1e6, 0.0, 1e6])
        c = loss.fit_intercept_only([0, 1, 1, 1])
    assert np.all(np.isfinite(log_odds)) and np.all(np.diff(log_odds) > 0)
    assert math.isfinite(c)
    assert abs(_mp_first_order_gap(np.array([0, 1, 1, 1]), None, alpha, g, c)) <= 1e-9


@pytest.mark.parametrize("g", [0.0, 2.0])
def test_multilabel_balanced_intercept_beyond_1e16_imbalance(g):
    # the label's balanced alpha_1 = W0 / (W0 + W1) rounds to 1.0
    y = np.array([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]])
    w = np.array([1e-150, 1.0, 1.0])
    c = MultiLabelFocalLoss("balanced", g).fit_intercept_only(y, w)
    # balanced: both classes of each label carry the same weight
    assert_allclose(c, 0.0, atol=1e-12)
