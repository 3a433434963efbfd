"""The compiled binary kernel against the numpy reference maths.

The reference is :meth:`BinaryFocalLoss.gradient_hessian` with the kernel
switched off (``FOCALBOOST_NO_CKERNEL=1``), itself tested against mpmath and
finite differences in ``test_losses.py``. Agreement is required to 1e-12
relative to the size of the terms each value is made of: where the exact
Hessian changes sign its two terms cancel, and no float64 evaluation order is
more accurate than that scale.
"""

import os

import numpy as np
import pytest
from scipy.special import expit, log_expit

from focalboost import _kernels
from focalboost.losses import (
    HESSIAN_FLOOR,
    BinaryFocalLoss,
    MultiLabelFocalLoss,
    SoftmaxFocalLoss,
)
from focalboost.losses._softmax import one_minus_pi

REQUIRE = os.environ.get("FOCALBOOST_REQUIRE_CKERNEL", "") not in ("", "0")

if REQUIRE and not _kernels.HAVE_CKERNEL:  # pragma: no cover - CI guard
    raise ImportError(
        "FOCALBOOST_REQUIRE_CKERNEL is set but focalboost._ckernels was not built"
    )

pytestmark = pytest.mark.skipif(
    not _kernels.HAVE_CKERNEL,
    reason="focalboost._ckernels not built (no C compiler at install time); "
    "the numpy path is used and tested everywhere else",
)

GAMMAS = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0]
ALPHAS = [None, 0.25, 0.9, "balanced"]
POLICIES = ["exact", "surrogate", "clipped"]
EXTREME = np.array(
    [-1e6, -745.0, -709.0, -40.0, -2.8, -1e-300, 0.0, 1e-300, 2.8, 40.0, 709.0]
    + [745.0, 1e6]
)
RTOL = 1e-12


@pytest.fixture(autouse=True)
def _compiled_kernel(monkeypatch):
    """These tests are about the compiled kernel: never the numpy fallback.

    (Each reference is computed with the fallback forced explicitly.)
    """
    monkeypatch.delenv("FOCALBOOST_NO_CKERNEL", raising=False)


TINY = 1e-300  # values below this are subnormal-range noise in any evaluation


def _margins(rng):
    return np.concatenate(
        [rng.normal(0.0, 4.0, 4000), rng.uniform(-50.0, 50.0, 1000), EXTREME]
    )


def _labels(rng, n):
    y = (rng.random(n) < 0.3).astype(np.float64)
    y[-2 * EXTREME.size :] = np.repeat([0.0, 1.0], EXTREME.size)
    return y


def _scales(y, z, loss):
    """Per-sample magnitude of the terms the gradient and Hessian are sums of."""
    a0, a1 = loss.class_weights(y)
    a_t = a0 + (a1 - a0) * y
    u = (2.0 * y - 1.0) * z
    p, q, ell = expit(u), expit(-u), -log_expit(u)
    g = loss.gamma
    qg = np.exp(g * log_expit(-u))
    grad = a_t * qg * (q + g * p * ell)
    hess = a_t * p * qg * ((2 * g + 1) * q + g * ell * (g * p + q))
    return grad, np.maximum(hess, HESSIAN_FLOOR)


def _reference(monkeypatch, loss, y, z, w=None, *, policy):
    with monkeypatch.context() as m:
        m.setenv("FOCALBOOST_NO_CKERNEL", "1")
        assert not _kernels.ckernel_enabled()
        return loss.gradient_hessian(y, z, w, hessian=policy)


def _assert_close(actual, expected, scale):
    err = np.abs(actual - expected).ravel()
    bound = (RTOL * scale + TINY).ravel()
    expected = np.ravel(expected)
    worst = int(np.argmax(err / bound))
    assert np.all(err <= bound), (
        f"max error {err[worst]:.3e} at index {worst} "
        f"(value {expected[worst]!r}, bound {bound[worst]:.3e})"
    )


@pytest.mark.usefixtures("kernel_threads", "simd")
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("gamma", GAMMAS)
def test_kernel_matches_numpy_reference(monkeypatch, rng, gamma, alpha, policy):
    z = _margins(rng)
    y = _labels(rng, z.size)
    loss = BinaryFocalLoss(alpha=alpha, gamma=gamma)
    g_ref, h_ref = _reference(monkeypatch, loss, y, z, policy=policy)
    assert _kernels.ckernel_enabled()
    with np.errstate(all="raise"):
        g, h = loss.gradient_hessian(y, z, hessian=policy)
    assert np.isfinite(g).all() and np.isfinite(h).all()
    g_scale, h_scale = _scales(y, z, loss)
    _assert_close(g, g_ref, g_scale)
    _assert_close(h, h_ref, h_scale)
    if policy != "exact":
        assert (h >= 0).all()
    if policy == "clipped":
        assert h.min() >= HESSIAN_FLOOR


def test_kernel_is_what_gradient_hessian_runs(monkeypatch, rng):
    """The dispatch really reaches the compiled kernel (not only the fallback)."""
    calls = []
    real = _kernels.binary_grad_hess

    def spy(*args, **kwargs):
        calls.append(args[4])  # gamma
        return real(*args, **kwargs)

    monkeypatch.setattr(_kernels, "binary_grad_hess", spy)
    z = rng.normal(size=100)
    y = (z > 0).astype(float)
    BinaryFocalLoss(alpha=0.25, gamma=1.5).gradient_hessian(y, z)
    assert calls == [1.5]
    monkeypatch.setenv("FOCALBOOST_NO_CKERNEL", "1")
    BinaryFocalLoss(alpha=0.25, gamma=1.5).gradient_hessian(y, z)
    assert calls == [1.5]


@pytest.mark.usefixtures("kernel_threads", "simd")
def test_kernel_weights_dtypes_and_layout(monkeypatch, rng):
    """float32 input, sample weights and a non-contiguous (n, L) margin."""
    z = np.asfortranarray(rng.normal(0, 6, size=(3000, 4)))
    y = (rng.random((3000, 4)) < 0.2).astype(np.float32)
    w = rng.uniform(0.1, 3.0, 3000)
    loss = MultiLabelFocalLoss(alpha=0.3, gamma=2.0)
    for zz in (z, z.astype(np.float32), z[::2]):
        yy, ww = y[: zz.shape[0]], w[: zz.shape[0]]
        g_ref, h_ref = _reference(monkeypatch, loss, yy, zz, ww, policy="exact")
        g, h = loss.gradient_hessian(yy, zz, ww)  # default policy: exact
        assert g.shape == h.shape == zz.shape
        assert g.dtype == h.dtype == np.float64
        gs, hs = _scales(yy.astype(np.float64), zz.astype(np.float64), loss)
        _assert_close(g, g_ref, gs * ww[:, None])
        _assert_close(h, h_ref, hs * ww[:, None])


@pytest.mark.usefixtures("kernel_threads", "simd")
def test_soft_labels_follow_the_same_formula(monkeypatch, rng):
    """Labels strictly inside (0, 1) give the numpy expression's values too."""
    z = rng.normal(0, 3, 2000)
    y = rng.random(2000)
    loss = BinaryFocalLoss(alpha=0.25, gamma=2.0)
    g_ref, h_ref = _reference(monkeypatch, loss, y, z, policy="exact")
    g, h = loss.gradient_hessian(y, z, hessian="exact")
    scale = np.abs(g_ref) + np.abs(h_ref) + 1.0
    np.testing.assert_allclose(g, g_ref, rtol=0, atol=1e-12 * scale.max())
    np.testing.assert_allclose(h, h_ref, rtol=0, atol=1e-12 * scale.max())


@pytest.mark.usefixtures("simd")
def test_chunked_threads_are_bitwise_identical(monkeypatch, rng):
    n = 3 * _kernels.MIN_CHUNK + 7
    z = rng.normal(0, 5, n)
    y = (rng.random(n) < 0.1).astype(float)
    args = (y, z, 0.75, 0.25, 1.5, "clipped", HESSIAN_FLOOR)
    monkeypatch.setenv("FOCALBOOST_NUM_THREADS", "1")
    g1, h1 = _kernels.binary_grad_hess(*args)
    monkeypatch.setenv("FOCALBOOST_NUM_THREADS", "3")
    assert _kernels.num_threads() == 3
    g3, h3 = _kernels.binary_grad_hess(*args)
    np.testing.assert_array_equal(g1, g3)
    np.testing.assert_array_equal(h1, h3)


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_bad_thread_count_is_rejected(monkeypatch, value):
    monkeypatch.setenv("FOCALBOOST_NUM_THREADS", value)
    with pytest.raises(ValueError, match=f"FOCALBOOST_NUM_THREADS.*{value}"):
        _kernels.num_threads()


def test_buffers_of_different_length_are_rejected():
    z, a = np.zeros(4), np.ones(1)
    path = _kernels._PATHS.index(_kernels.simd_path())
    with pytest.raises(ValueError, match="inconsistent buffer sizes"):
        _kernels._ckernels.binary_objective(
            z, np.zeros(3), None, a, a, np.empty(4), np.empty(4),
            *(2.0, 1e-3, 1, 0, 0, 0, 0, path),
        )  # fmt: skip


# ------------------------------------------------------- vector paths, outputs
def _ulps(actual, expected):
    return np.abs(actual - expected) / np.spacing(np.abs(expected))


@pytest.mark.usefixtures("simd")
def test_vector_exp_and_log1p_are_within_their_bounds(rng):
    """The kernel's own exp and log1p against numpy's (each within 1 ulp).

    Bounds documented in ``focalboost/_simd.h``: exp within 2 ulp for
    x >= -708 (absolute 2**-1073 below), log1p within 3 ulp; plus 1 ulp for
    the reference.
    """
    x = np.concatenate(
        [
            -np.abs(rng.normal(0.0, 20.0, 20000)),
            -np.linspace(0.0, 708.0, 20001),
            -np.geomspace(1e-300, 1.0, 2000),
            [0.0, -0.0, -np.log(2.0) / 2, -np.log(2.0)],
        ]
    )
    e = _kernels.simd_math("exp", x)
    assert np.all(_ulps(e, np.exp(x)) <= 3)
    deep = -np.linspace(708.0, 760.0, 5001)
    assert np.all(np.abs(_kernels.simd_math("exp", deep) - np.exp(deep)) <= 2.0**-1073)
    special = _kernels.simd_math("exp", np.array([-np.inf, -1e6, np.nan]))
    np.testing.assert_array_equal(special[:2], 0.0)
    assert np.isnan(special[2])
    u = np.concatenate(
        [
            rng.random(20000),
            np.geomspace(1e-300, 1.0, 5000),
            [0.0, 1.0, np.sqrt(2.0) - 1.0, np.nextafter(np.sqrt(2.0) - 1.0, 1.0)],
        ]
    )
    lp = _kernels.simd_math("log1p", u)
    np.testing.assert_array_equal(lp[u == 0], 0.0)
    ok = u > 0
    assert np.all(_ulps(lp[ok], np.log1p(u[ok])) <= 4)
    # log of the softmax sums (1 <= x <= K): within 3 ulp of log x absolute
    # (a relative bound means nothing where log x ~ 0), plus the reference's
    s = np.concatenate([1.0 + rng.random(20000) * 1e3, np.geomspace(1.0, 1e300, 5000)])
    s = np.concatenate([s, [1.0, np.nextafter(1.0, 2.0), np.sqrt(2.0), 2.0]])
    ref = np.log(s)
    err = np.abs(_kernels.simd_math("log", s) - ref)
    assert np.all(err <= 4 * np.spacing(np.maximum(np.abs(ref), 0.5)))
    np.testing.assert_array_equal(_kernels.simd_math("log", np.ones(3)), 0.0)


def test_vector_path_can_be_forced_and_is_checked(monkeypatch):
    paths = _kernels.simd_paths()
    assert paths[0] == "portable"  # every build has the standard-C path
    assert paths == [p for p in _kernels._PATHS if p in paths]  # narrowest first
    for name in ("", "auto", "AUTO"):
        monkeypatch.setenv("FOCALBOOST_SIMD", name)
        assert _kernels.simd_path() == paths[-1]
    for name in paths:
        monkeypatch.setenv("FOCALBOOST_SIMD", name)
        assert _kernels.simd_path() == name
    monkeypatch.setenv("FOCALBOOST_SIMD", "sse9")
    with pytest.raises(ValueError, match="FOCALBOOST_SIMD='sse9'"):
        _kernels.simd_path()
    missing = [p for p in ("generic", "avx2", "avx512") if p not in paths]
    for name in missing:  # pragma: no cover - depends on the CPU
        monkeypatch.setenv("FOCALBOOST_SIMD", name)
        with pytest.raises(ValueError, match="not a vector path this CPU runs"):
            _kernels.simd_path()


@pytest.mark.usefixtures("kernel_threads", "simd")
@pytest.mark.parametrize("n_labels", [1, 3])
def test_backend_outputs_are_the_float64_values_rounded(rng, n_labels):
    """float32 margins and uint8 labels read as float64 ones; the float32
    outputs are the float64 values converted (LightGBM) or mantissa-rounded
    then weighted in float32 (XGBoost), bit for bit; per-label alphas."""
    from focalboost._objective import round_mantissa

    n = 2000 + 3  # not a multiple of any vector width
    shape = (n,) if n_labels == 1 else (n, n_labels)
    z = rng.normal(0.0, 6.0, shape).astype(np.float32)
    y = (rng.random(shape) < 0.2).astype(np.uint8)
    w = rng.uniform(0.1, 5.0, n)
    a1 = np.linspace(0.2, 0.8, n_labels) if n_labels > 1 else 0.3
    a0 = 1.0 - np.asarray(a1)
    args = (a0, a1, 2.0, "surrogate", HESSIAN_FLOOR)
    g64, h64 = _kernels.binary_objective(y.astype(float), z.astype(float), None, *args)
    g8, h8 = _kernels.binary_objective(y, z, None, *args)
    np.testing.assert_array_equal(g8, g64)
    np.testing.assert_array_equal(h8, h64)
    wcol = w if n_labels == 1 else w[:, None]
    g, h = _kernels.binary_objective(y, z, w, *args, dtype=np.float32)
    np.testing.assert_array_equal(g, (g64 * wcol).astype(np.float32))
    np.testing.assert_array_equal(h, (h64 * wcol).astype(np.float32))
    g, h = _kernels.binary_objective(y, z, w, *args, bits=3, dtype=np.float32)
    w32 = wcol.astype(np.float32)
    np.testing.assert_array_equal(g, round_mantissa(g64, 3) * w32)
    np.testing.assert_array_equal(h, round_mantissa(h64, 3) * w32)
    loss = MultiLabelFocalLoss(alpha=a1, gamma=2.0) if n_labels > 1 else None
    if loss is not None:  # per-label alpha: the numpy reference
        with pytest.MonkeyPatch.context() as m:
            m.setenv("FOCALBOOST_NO_CKERNEL", "1")
            g_ref, h_ref = loss.gradient_hessian(y, z, hessian="surrogate")
        gs, hs = _scales(y.astype(float), z.astype(float), loss)
        _assert_close(g64, g_ref, gs)
        _assert_close(h64, h_ref, hs)


# ------------------------------------------------------------------- softmax
def _softmax_margins(rng, n, k):
    z = rng.normal(0.0, 4.0, (n, k))
    z[: n // 10] *= 30.0  # confident rows, both right and wrong
    z[n // 10 : n // 5, 0] = 1e3  # one class dominating by far
    z[-1] = 0.0  # all tied
    return z


def _softmax_scales(loss, t, z):
    """Per-entry magnitude of the terms of the softmax gradient and Hessian."""
    rows, t, alpha_t, u, pi = loss._terms(t, z)
    g = loss.gamma
    p, q, ell = expit(u), expit(-u), -log_expit(u)
    qg = np.exp(g * log_expit(-u))
    abs_g = alpha_t * qg * (q + g * p * ell)
    h_abs = alpha_t * p * qg * ((2 * g + 1) * q + g * ell * (g * p + q))
    gs = abs_g[:, None] * np.maximum(pi, 0.0)
    gs[rows, t] = abs_g
    hs = h_abs[:, None] * pi**2 + abs_g[:, None] * pi * one_minus_pi(pi)
    hs[rows, t] = h_abs
    return gs, np.maximum(hs, HESSIAN_FLOOR)


@pytest.mark.usefixtures("kernel_threads", "simd")
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("alpha", [None, "balanced", [0.5, 1.0, 2.0, 0.25]])
@pytest.mark.parametrize("gamma", [0.0, 1.0, 1.5, 2.0, 5.0])
@pytest.mark.parametrize("k", [2, 4, 20])
def test_softmax_kernel_matches_numpy_reference(
    monkeypatch, rng, k, gamma, alpha, policy
):
    if isinstance(alpha, list):
        alpha = (alpha * k)[:k]
    n = 3000
    z = _softmax_margins(rng, n, k)
    t = rng.integers(0, k, n)
    t[:k] = np.arange(k)  # every class present (alpha="balanced")
    w = rng.uniform(0.1, 3.0, n)
    loss = SoftmaxFocalLoss(alpha=alpha, gamma=gamma)
    g_ref, h_ref = _reference(monkeypatch, loss, t, z, w, policy=policy)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        g, h = loss.gradient_hessian(t, z, w, hessian=policy)
    assert g.shape == h.shape == z.shape
    assert np.isfinite(g).all() and np.isfinite(h).all()
    gs, hs = _softmax_scales(loss, t, z)
    _assert_close(g, g_ref, gs * w[:, None])
    _assert_close(h, h_ref, hs * w[:, None])
    if policy == "clipped":
        assert h.min() >= HESSIAN_FLOOR * w.min()


@pytest.mark.usefixtures("kernel_threads", "simd")
def test_softmax_backend_outputs_are_the_float64_values_rounded(rng):
    """float32 margins read as float64 ones; float32 outputs converted or
    mantissa-rounded then weighted in float32, bit for bit."""
    from focalboost._objective import round_mantissa

    n, k = 1001, 5
    z = _softmax_margins(rng, n, k).astype(np.float32)
    t = rng.integers(0, k, n)
    w = rng.uniform(0.1, 5.0, n)[:, None]
    alpha = np.linspace(0.5, 1.5, k)
    args = (alpha, 2.0, "clipped", HESSIAN_FLOOR)
    g64, h64 = _kernels.softmax_objective(t, z.astype(float), None, *args)
    g, h = _kernels.softmax_objective(t, z, None, *args)
    np.testing.assert_array_equal(g, g64)
    np.testing.assert_array_equal(h, h64)
    g, h = _kernels.softmax_objective(t, z, w[:, 0], *args)
    np.testing.assert_array_equal(g, g64 * w)
    np.testing.assert_array_equal(h, h64 * w)
    g, h = _kernels.softmax_objective(t, z, w[:, 0], *args, dtype=np.float32)
    np.testing.assert_array_equal(g, (g64 * w).astype(np.float32))
    g, h = _kernels.softmax_objective(t, z, w[:, 0], *args, bits=3, dtype=np.float32)
    np.testing.assert_array_equal(g, round_mantissa(g64, 3) * w.astype(np.float32))
    np.testing.assert_array_equal(h, round_mantissa(h64, 3) * w.astype(np.float32))
    # LightGBM's layout: column-major margins read in place, column-major
    # outputs (flattened by LightGBM without a copy), the same values
    zf = np.asfortranarray(z.astype(np.float64))
    g, h = _kernels.softmax_objective(t, zf, w[:, 0], *args, dtype=np.float32)
    assert g.flags.f_contiguous and h.flags.f_contiguous
    np.testing.assert_array_equal(g, (g64 * w).astype(np.float32))
    np.testing.assert_array_equal(h, (h64 * w).astype(np.float32))


def test_softmax_kernel_is_used_and_checks_labels(monkeypatch, rng):
    calls = []
    real = _kernels.softmax_grad_hess
    monkeypatch.setattr(
        _kernels, "softmax_grad_hess", lambda *a: calls.append(a[3]) or real(*a)
    )
    z = rng.normal(size=(50, 3))
    loss = SoftmaxFocalLoss(gamma=1.5)
    loss.gradient_hessian(rng.integers(0, 3, 50).astype(float), z)
    assert calls == [1.5]
    with pytest.raises(ValueError, match=r"outside \[0, 3\)"):
        real(np.r_[0, 1, 3], z[:3], np.ones(3), 2.0, "exact", HESSIAN_FLOOR)


@pytest.mark.usefixtures("simd")
def test_softmax_chunked_threads_are_bitwise_identical(monkeypatch, rng):
    n = 2 * _kernels.MIN_CHUNK + 3
    z = rng.normal(0, 5, (n, 3))
    t = rng.integers(0, 3, n)
    args = (t, z, np.array([0.2, 0.3, 0.5]), 2.0, "surrogate", HESSIAN_FLOOR)
    monkeypatch.setenv("FOCALBOOST_NUM_THREADS", "1")
    g1, h1 = _kernels.softmax_grad_hess(*args)
    monkeypatch.setenv("FOCALBOOST_NUM_THREADS", "2")
    g2, h2 = _kernels.softmax_grad_hess(*args)
    np.testing.assert_array_equal(g1, g2)
    np.testing.assert_array_equal(h1, h2)


# ------------------------------------------------------------------- threads
def test_default_thread_count_follows_omp_num_threads(monkeypatch):
    """Launchers of worker processes cap threads with OMP_NUM_THREADS."""
    monkeypatch.delenv("FOCALBOOST_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    default = _kernels.num_threads()
    assert 1 <= default <= _kernels.MAX_DEFAULT_THREADS
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert _kernels.num_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "1,4")  # nested lists: the outer level
    assert _kernels.num_threads() == 1
    for ignored in ("", "0", "many"):
        monkeypatch.setenv("OMP_NUM_THREADS", ignored)
        assert _kernels.num_threads() == default
    monkeypatch.setenv("FOCALBOOST_NUM_THREADS", "12")  # explicit beats both caps
    assert _kernels.num_threads() == 12


def test_default_thread_count_follows_a_cgroup_quota(monkeypatch):
    monkeypatch.delenv("FOCALBOOST_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(_kernels, "_cgroup_cpus", lambda: 1)
    assert _kernels.num_threads() == 1


def test_cgroup_quota_is_read_from_cpu_max(monkeypatch, tmp_path):
    real_open = open

    def fake_open(path, *args, **kwargs):
        files = {
            "/sys/fs/cgroup/cpu.max": "150000 100000\n",
        }
        if path in files:
            target = tmp_path / "cpu.max"
            target.write_text(files[path])
            return real_open(target, *args, **kwargs)
        raise FileNotFoundError(path)

    monkeypatch.setattr("builtins.open", fake_open)
    _kernels._cgroup_cpus.cache_clear()
    try:
        assert _kernels._cgroup_cpus() == 2  # 1.5 CPUs of quota: round up
    finally:
        monkeypatch.undo()
        _kernels._cgroup_cpus.cache_clear()


def _chunks_used(monkeypatch, n):
    """Number of chunks one binary kernel call of ``n`` samples is cut into."""
    sizes = []
    real = _kernels._ckernels.binary_objective

    def spy(z, *rest):
        sizes.append(len(z))
        return real(z, *rest)

    monkeypatch.setattr(_kernels._ckernels, "binary_objective", spy)
    z = np.zeros(n)
    _kernels.binary_grad_hess(z, z, 0.5, 0.5, 2.0, "surrogate", HESSIAN_FLOOR)
    monkeypatch.setattr(_kernels._ckernels, "binary_objective", real)
    assert sum(sizes) == n
    return len(sizes)


def test_thread_limit_sets_the_threads_of_a_call(monkeypatch):
    n = 8 * _kernels.MIN_CHUNK
    monkeypatch.setenv("FOCALBOOST_NUM_THREADS", "8")
    assert _chunks_used(monkeypatch, n) == 8
    with _kernels.thread_limit(2):
        assert _chunks_used(monkeypatch, n) == 2
        with _kernels.thread_limit(None):  # None: back to the default
            assert _chunks_used(monkeypatch, n) == 8
    with _kernels.thread_limit(-1):  # the backends' "all threads"
        assert _chunks_used(monkeypatch, n) == 8
    assert _chunks_used(monkeypatch, _kernels.MIN_CHUNK) == 1  # too small to cut


def test_concurrent_calls_share_the_threads(monkeypatch):
    """With other kernel calls running, a call takes its share of the threads."""
    n = 8 * _kernels.MIN_CHUNK
    monkeypatch.setenv("FOCALBOOST_NUM_THREADS", "8")
    monkeypatch.setattr(_kernels, "_active", 3)  # three calls running elsewhere
    assert _chunks_used(monkeypatch, n) == 2  # 8 // (3 + 1)
    monkeypatch.setattr(_kernels, "_active", 20)
    assert _chunks_used(monkeypatch, n) == 1


def test_chunks_run_in_the_caller_when_the_pool_takes_no_work():
    """A pool that refuses work (interpreter shutdown) costs only the speed."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=2)
    pool.shutdown()
    out = np.zeros(6)

    def fill(chunk, value):
        chunk[:] = value

    _kernels._run_on_pool(fill, [[out[:2]], [out[2:4]], [out[4:]]], (7.0,), pool)
    np.testing.assert_array_equal(out, 7.0)


def test_an_error_in_one_chunk_is_raised_after_all_chunks_finish(monkeypatch):
    monkeypatch.setenv("FOCALBOOST_NUM_THREADS", "4")
    n = 4 * _kernels.MIN_CHUNK
    t = np.zeros(n, dtype=np.int64)
    t[-1] = 5  # a bad label in the last chunk
    z = np.zeros((n, 3))
    with pytest.raises(ValueError, match="outside"):
        _kernels.softmax_grad_hess(t, z, np.ones(3), 2.0, "exact", HESSIAN_FLOOR)
    assert _kernels._active == 0


@pytest.mark.filterwarnings("ignore:.*multi-threaded.*fork:DeprecationWarning")
def test_kernel_works_in_a_forked_child(monkeypatch):
    """The pool's threads do not survive a fork: the child builds its own."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork start method on this platform")
    monkeypatch.setenv("FOCALBOOST_NUM_THREADS", "4")
    n = 4 * _kernels.MIN_CHUNK
    z = np.linspace(-20, 20, n)
    y = (z > 1).astype(float)
    args = (y, z, 0.5, 0.5, 2.0, "surrogate", HESSIAN_FLOOR)
    expected = _kernels.binary_grad_hess(*args)  # the parent's pool exists now
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        got = pool.apply(_kernels.binary_grad_hess, args)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


# ------------------------------------------- the vector header on its own
_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_HARNESS = os.path.join(_REPO, "tests", "native", "simd_harness.c")
#: The header of the kernel under test: the imported package's (a source
#: checkout's, or the copy an installed wheel carries beside the module).
_HEADERS = os.path.dirname(os.path.abspath(_kernels.__file__))


@pytest.mark.parametrize("path", ["generic", "portable"])
@pytest.mark.parametrize("target", ["host", "arm64"])
def test_vector_header_alone_within_its_bounds(tmp_path, target, path):
    """The generic vector path and the portable path compiled without Python
    and run natively, and for arm64 (cross compiler + qemu-aarch64-static,
    where installed): the same C on another instruction set
    (tests/native/simd_harness.c)."""
    import shutil
    import subprocess

    if target == "host":
        cc = shutil.which("cc") or shutil.which("gcc")
        run: list[str] = []
        flags: list[str] = []
        if cc is None:  # pragma: no cover - the kernel was built, so there is one
            pytest.skip("no C compiler")
    else:
        cc = shutil.which("aarch64-linux-gnu-gcc")
        qemu = shutil.which("qemu-aarch64-static")
        if cc is None or qemu is None:
            pytest.skip("needs aarch64-linux-gnu-gcc and qemu-aarch64-static")
        run, flags = [qemu], ["-static"]
    if not os.path.isfile(os.path.join(_HEADERS, "_simd.h")):
        pytest.skip(f"the kernel's header _simd.h is not in {_HEADERS}")
    if path == "portable":
        flags.append("-DPORTABLE")
    exe = tmp_path / "harness"
    subprocess.run(
        [cc, "-O3", *flags, "-I", _HEADERS, _HARNESS,
         "-o", str(exe), "-lm"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    proc = subprocess.run([*run, str(exe)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
