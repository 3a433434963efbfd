"""Many fits at once in one process, as threaded schedulers and services run them.

The compiled kernel cuts long arrays into chunks evaluated on a thread pool
shared by the whole process. These tests run far more callers than this
machine has cores, with a kernel thread count above it
(``FOCALBOOST_NUM_THREADS=8``), and require every result to be bit-identical
to the same computation run serially: each sample's value is computed by the
same scalar code whatever the split, so concurrency may change only the speed.
"""

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from focalboost import FocalLGBMClassifier, FocalXGBClassifier, _kernels
from focalboost.losses import HESSIAN_FLOOR, SoftmaxFocalLoss

pytestmark = pytest.mark.skipif(
    not _kernels.HAVE_CKERNEL,
    reason="focalboost._ckernels not built: the numpy path has no thread pool",
)


@pytest.fixture(autouse=True)
def _compiled_kernel(monkeypatch):
    """These tests are about the compiled kernel's threads: never the fallback."""
    monkeypatch.delenv("FOCALBOOST_NO_CKERNEL", raising=False)


#: Data sizes above the kernel's chunking threshold: 2 to 8 chunks per call
#: at 8 kernel threads (binary: one element per row; multiclass: K per row).
BINARY_ROWS = (2 * _kernels.MIN_CHUNK + 11, 4 * _kernels.MIN_CHUNK + 5)
MULTICLASS_ROWS = (_kernels.MIN_CHUNK + 3, 2 * _kernels.MIN_CHUNK + 1)
K = 3


def _problem(n_rows, target, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, 4)).astype(np.float32)
    score = X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=n_rows)
    if target == "binary":
        return X, (score > 1.5).astype(int)
    return X, np.digitize(score, [-0.5, 1.0])


def _fit(backend, n_rows, target, seed):
    X, y = _problem(n_rows, target, seed)
    # no n_jobs: an estimator's n_jobs also caps its kernel threads
    params = dict(gamma=2.0, n_estimators=3, random_state=0)
    if backend == "xgboost":
        clf = FocalXGBClassifier(max_depth=3, max_bin=32, **params)
    else:
        clf = FocalLGBMClassifier(num_leaves=7, max_bin=31, **params)
    clf.fit(X, y)
    return clf.decision_function(X[:2000])


JOBS = [
    (backend, n_rows, target, seed)
    for backend in ("xgboost", "lightgbm")
    for target, sizes in (("binary", BINARY_ROWS), ("multiclass", MULTICLASS_ROWS))
    for n_rows in sizes
    for seed in range(6)
]


def test_jobs_cover_the_required_grid():
    assert len(JOBS) >= 48
    assert {j[0] for j in JOBS} == {"xgboost", "lightgbm"}
    assert {j[2] for j in JOBS} == {"binary", "multiclass"}
    elements = {n * (1 if t == "binary" else K) for _, n, t, _ in JOBS}
    assert min(elements) > _kernels.MIN_CHUNK and len(elements) >= 4


def test_concurrent_fits_are_bit_identical_to_serial_fits(monkeypatch):
    monkeypatch.setenv("FOCALBOOST_NUM_THREADS", "8")
    serial = [_fit(*job) for job in JOBS]
    with ThreadPoolExecutor(max_workers=len(JOBS)) as pool:
        futures = [pool.submit(_fit, *job) for job in JOBS]
        concurrent = [f.result() for f in futures]  # re-raises any failure
    for job, a, b in zip(JOBS, serial, concurrent, strict=True):
        np.testing.assert_array_equal(a, b, err_msg=str(job))


def _kernel_call(kind, n, threads_env, seed):
    rng = np.random.default_rng(seed)
    if kind == "binary":
        z = rng.normal(0, 5, n)
        y = (rng.random(n) < 0.2).astype(float)
        return _kernels.binary_grad_hess(
            y, z, 0.75, 0.25, 2.0, "clipped", HESSIAN_FLOOR
        )
    z = rng.normal(0, 5, (n, K))
    t = rng.integers(0, K, n)
    alpha = np.array([0.2, 0.3, 0.5])
    return _kernels.softmax_grad_hess(t, z, alpha, 1.5, "surrogate", HESSIAN_FLOOR)


def test_concurrent_kernel_calls_with_changing_thread_counts(monkeypatch):
    """Callers in 64 threads while the thread count changes between calls.

    The pool must never be shut down under a caller that is still submitting
    to it (the defect behind ``cannot schedule new futures after shutdown``).
    """
    calls = [
        (kind, n, env, seed)
        for kind, n in (("binary", 3 * _kernels.MIN_CHUNK + 7), ("softmax", 40_000))
        for env in ("1", "3", "8")
        for seed in range(10)
    ]
    expected = {}
    for kind, n, _, seed in calls:
        monkeypatch.setenv("FOCALBOOST_NUM_THREADS", "1")
        expected[kind, seed] = _kernel_call(kind, n, "1", seed)

    def run(call):
        # the variable is process-wide: every caller sets it, so the thread
        # count seen by the pool changes under concurrent callers
        kind, n, env, seed = call
        monkeypatch.setenv("FOCALBOOST_NUM_THREADS", env)
        return _kernel_call(*call)

    with ThreadPoolExecutor(max_workers=64) as pool:
        results = list(pool.map(run, calls * 2))
    for (kind, _, _, seed), (g, h) in zip(calls * 2, results, strict=True):
        g_ref, h_ref = expected[kind, seed]
        np.testing.assert_array_equal(g, g_ref)
        np.testing.assert_array_equal(h, h_ref)


@pytest.mark.parametrize("n_jobs, expected", [(1, 1), (2, 2), (None, 4), (-1, 4)])
@pytest.mark.parametrize("backend", ["xgboost", "lightgbm"])
def test_n_jobs_sets_the_kernel_threads(monkeypatch, backend, n_jobs, expected):
    """An estimator's n_jobs bounds its objective's threads, as the backend's."""
    monkeypatch.setenv("FOCALBOOST_NUM_THREADS", "4")
    chunks = []
    real = _kernels._ckernels.binary_objective

    def spy(z, *rest):
        if len(z) > 2:  # not the one-row-per-class calls of hessian_scale
            chunks.append(len(z))
        return real(z, *rest)

    monkeypatch.setattr(_kernels._ckernels, "binary_objective", spy)
    X, y = _problem(4 * _kernels.MIN_CHUNK, "binary", 0)
    cls = FocalXGBClassifier if backend == "xgboost" else FocalLGBMClassifier
    cls(n_estimators=1, n_jobs=n_jobs, max_bin=15).fit(X, y)
    assert len(chunks) == expected  # one round: one call, cut into chunks
    assert sum(chunks) == X.shape[0]


def test_concurrent_intercept_solves_raise_no_warning():
    """The intercept solvers use no warning filters, which threads would share.

    (scipy's BFGS line search suppresses its own warning with
    ``warnings.catch_warnings``, which is not thread-safe: concurrent callers
    then saw LineSearchWarning under ``simplefilter("error")``.)
    """
    rng = np.random.default_rng(0)
    cases = []
    for seed in range(64):
        k = 3 + seed % 5
        t = rng.integers(0, k, 200)
        t[:k] = np.arange(k)
        w = rng.uniform(0.1, 5.0, 200)
        cases.append((SoftmaxFocalLoss(None, 0.5 + seed % 4), t, w, k))
    serial = [loss.fit_intercept_only(t, w, n_classes=k) for loss, t, w, k in cases]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with ThreadPoolExecutor(max_workers=32) as pool:
            got = list(
                pool.map(
                    lambda c: c[0].fit_intercept_only(c[1], c[2], n_classes=c[3]),
                    cases * 4,
                )
            )
    for a, b in zip(serial * 4, got, strict=True):
        np.testing.assert_array_equal(a, b)
