"""Fast gradient/Hessian kernels behind :mod:`focalboost.losses`.

The compiled kernel (``focalboost/_ckernels.c``, built at install time when a
C compiler is present) fuses the binary focal gradient and Hessian into one
pass. It is optional: without it, or with the environment variable
``FOCALBOOST_NO_CKERNEL=1``, :mod:`focalboost.losses` uses its numpy
expressions, which are the reference the kernel is tested against (1e-12).

The kernel releases the GIL, so a long array is cut into contiguous chunks
evaluated on a small thread pool: the objective runs between boosting rounds,
when the backend's own threads are idle. ``FOCALBOOST_NUM_THREADS`` sets the
number of threads (default: the CPUs this process may use, at most 8); every
sample's value is computed by the same scalar code whatever the split.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

try:  # pragma: no cover - depends on the build
    from . import _ckernels
except ImportError:  # pragma: no cover
    _ckernels = None

__all__ = [
    "HAVE_CKERNEL",
    "binary_grad_hess",
    "ckernel_enabled",
    "num_threads",
    "softmax_grad_hess",
]

#: Whether the compiled kernel was built and imported.
HAVE_CKERNEL: bool = _ckernels is not None

_POLICY_CODE = {"exact": 0, "surrogate": 1, "clipped": 2}

#: Fewest elements per thread worth a thread hand-off (about 0.5 ms of work).
MIN_CHUNK = 1 << 15

_pool: ThreadPoolExecutor | None = None
_pool_size = 0


def _reset_pool() -> None:  # pragma: no cover - runs in a forked child
    global _pool, _pool_size
    _pool, _pool_size = None, 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_pool)


def num_threads() -> int:
    """Return the number of threads the kernels use.

    ``FOCALBOOST_NUM_THREADS`` when set to a positive integer, else the
    number of CPUs this process may run on, at most 8.
    """
    env = os.environ.get("FOCALBOOST_NUM_THREADS", "").strip()
    if env:
        try:
            value = int(env)
        except ValueError:
            value = 0
        if value < 1:
            raise ValueError(
                f"FOCALBOOST_NUM_THREADS must be a positive integer, got {env!r}"
            )
        return value
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def _executor(size: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    if _pool is None or _pool_size != size:
        if _pool is not None:
            _pool.shutdown(wait=False)
        _pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="focalboost")
        _pool_size = size
    return _pool


def _run_chunked(func, n: int, arrays, scalars, per_row: int = 1) -> None:
    """Call ``func(*chunks_of(arrays), *scalars)`` over contiguous row chunks.

    ``n`` rows of ``per_row`` elements each; a chunk holds at least
    :data:`MIN_CHUNK` elements.
    """
    n_chunks = min(num_threads(), max(1, n * per_row // MIN_CHUNK), n)
    if n_chunks == 1:
        func(*arrays, *scalars)
        return
    bounds = np.linspace(0, n, n_chunks + 1).astype(int)
    pool = _executor(n_chunks)
    futures = [
        pool.submit(func, *(a[lo:hi] for a in arrays), *scalars)
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    for future in futures:
        future.result()


def ckernel_enabled() -> bool:
    """Return True when the compiled kernel is built and not disabled."""
    return HAVE_CKERNEL and os.environ.get("FOCALBOOST_NO_CKERNEL", "") in ("", "0")


def binary_grad_hess(y, z, alpha0, alpha1, gamma, policy, floor):
    """Unweighted binary focal gradient and Hessian (policy applied), fused.

    Parameters
    ----------
    y, z : ndarray of shape (n,), float64, C-contiguous
        Labels in {0, 1} and margins.
    alpha0, alpha1 : float
        Class weights.
    gamma : float
        Focusing parameter.
    policy : {"exact", "surrogate", "clipped"}
        Hessian policy.
    floor : float
        Floor of the ``"clipped"`` policy.

    Returns
    -------
    grad, hess : ndarray of shape (n,), float64
    """
    z = np.ascontiguousarray(z, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    grad = np.empty_like(z)
    hess = np.empty_like(z)
    _run_chunked(
        _ckernels.binary_grad_hess,
        z.size,
        (z.reshape(-1), y.reshape(-1), grad.reshape(-1), hess.reshape(-1)),
        (
            float(alpha0),
            float(alpha1),
            float(gamma),
            _POLICY_CODE[policy],
            float(floor),
        ),
    )
    return grad, hess


def softmax_grad_hess(t, z, alpha, gamma, policy, floor):
    """Unweighted softmax focal gradient and diagonal Hessian, fused per row.

    Parameters
    ----------
    t : ndarray of shape (n,)
        Class indices in [0, K).
    z : ndarray of shape (n, K)
        Margins.
    alpha : ndarray of shape (K,)
        Per-class weights.
    gamma : float
        Focusing parameter.
    policy : {"exact", "surrogate", "clipped"}
        Hessian policy.
    floor : float
        Floor of the ``"clipped"`` policy.

    Returns
    -------
    grad, hess : ndarray of shape (n, K), float64
    """
    z = np.ascontiguousarray(z, dtype=np.float64)
    t = np.ascontiguousarray(t, dtype=np.int64)
    alpha = np.ascontiguousarray(alpha, dtype=np.float64)
    grad = np.empty_like(z)
    hess = np.empty_like(z)
    k = z.shape[1]
    _run_chunked(
        lambda zz, tt, gg, hh: _ckernels.softmax_grad_hess(
            zz, tt, alpha, gg, hh, k, float(gamma), _POLICY_CODE[policy], float(floor)
        ),
        t.size,
        (z, t, grad, hess),
        (),
        per_row=k,
    )
    return grad, hess
