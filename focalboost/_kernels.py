"""Fast gradient/Hessian kernels behind :mod:`focalboost.losses`.

The compiled kernel (``focalboost/_ckernels.c``, in every wheel, and built
at install time from source when a C compiler is present) fuses the focal
gradient and Hessian into one pass. It is optional: without it, or with the
environment variable ``FOCALBOOST_NO_CKERNEL=1``, :mod:`focalboost.losses`
uses its numpy expressions, which are the reference the kernel is tested
against (1e-12). An installation without it says so once per process, at the
first objective evaluation (:class:`KernelNotBuiltWarning`), unless
``FOCALBOOST_NO_CKERNEL=1`` chose the numpy path; :func:`kernel_summary` says
which path fits take.

Threads
-------
The kernel releases the GIL, so a long array is cut into contiguous chunks:
the calling thread evaluates one and a thread pool shared by the whole
process the others (the objective runs between boosting rounds, when the
backend's own threads are idle). Every sample's value is computed by the
same scalar code whatever the split, so results are bit-identical for any
thread count and any number of concurrent callers.

How many threads one call uses:

* the estimator's ``n_jobs`` when it is a positive integer (see
  :func:`thread_limit`), as for the backend's own threads; otherwise
* the process default :func:`num_threads`: ``FOCALBOOST_NUM_THREADS`` when
  set, else the CPUs this process may use (affinity mask and cgroup CPU
  quota), capped by ``OMP_NUM_THREADS`` when that is set, and at most 8.
  Process-parallel launchers set ``OMP_NUM_THREADS`` in their workers
  (joblib's loky backend to about ``cores / n_jobs``, Dask's nanny to 1), so
  N worker processes do not each take the whole machine;
* divided by the number of kernel calls running at that moment in the
  process (at least 1): N fits in N threads of one process (a threaded
  scheduler, joblib's threading backend, a Dask worker with several
  threads, a web service) share those threads instead of each taking all.

The pools are shared by the whole process and never shut down while it runs
(they are rebuilt only in a forked child); a caller whose chunks are still
queued behind other callers' work runs them itself.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import os
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib.util import find_spec as _find_spec

import numpy as np

try:  # pragma: no cover - depends on the build
    from . import _ckernels
except ImportError as exc:  # pragma: no cover
    _ckernels = None
    # no such file when it was not built; the reason when it was built but
    # does not load (another platform's binary, a missing library)
    _IMPORT_ERROR = "" if _find_spec(f"{__package__}._ckernels") is None else str(exc)
else:
    _IMPORT_ERROR = ""

__all__ = [
    "HAVE_CKERNEL",
    "KernelNotBuiltWarning",
    "binary_grad_hess",
    "binary_objective",
    "ckernel_enabled",
    "compiler",
    "kernel_summary",
    "num_threads",
    "simd_path",
    "simd_paths",
    "softmax_grad_hess",
    "softmax_objective",
    "thread_limit",
]

#: Whether the compiled kernel was built and imported.
HAVE_CKERNEL: bool = _ckernels is not None

_POLICY_CODE = {"exact": 0, "surrogate": 1, "clipped": 2}

#: Fewest elements per thread worth a thread hand-off (about 0.5 ms of work).
MIN_CHUNK = 1 << 15

#: Most threads the default budget takes (the kernel is memory-bound beyond).
MAX_DEFAULT_THREADS = 8

_lock = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}  # by size; never shut down
_active = 0  # kernel calls running now, in all threads
_limit: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "focalboost_thread_limit", default=None
)


def _reset_after_fork() -> None:  # pragma: no cover - runs in a forked child
    # the parent's pool threads do not exist in the child, and its lock may
    # have been held by one of them at the fork
    global _lock, _pools, _active
    _lock, _pools, _active = threading.Lock(), {}, 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


@functools.lru_cache(maxsize=1)
def _cgroup_cpus() -> int | None:
    """CPUs allowed by a cgroup CPU quota (containers), or None without one."""
    candidates = (
        ("/sys/fs/cgroup/cpu.max", None),  # cgroup v2: "quota period" or "max ..."
        ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
    )
    for quota_file, period_file in candidates:
        try:
            with open(quota_file) as fh:
                fields = fh.read().split()
            if period_file is not None:
                with open(period_file) as fh:
                    fields = [fields[0], fh.read().strip()]
            quota, period = int(fields[0]), int(fields[1])
        except (OSError, ValueError, IndexError):
            continue  # no such file, "max" (no quota), or unreadable
        if quota > 0 and period > 0:
            return max(1, math.ceil(quota / period))
    return None


def _omp_num_threads() -> int | None:
    """Return the first entry of ``OMP_NUM_THREADS`` ("4" or "4,2"), or None."""
    value = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    try:
        n = int(value)
    except ValueError:
        return None
    return n if n >= 1 else None


def num_threads() -> int:
    """Return the process's kernel thread budget.

    ``FOCALBOOST_NUM_THREADS`` when set to a positive integer, else the
    number of CPUs this process may run on (affinity mask, cgroup CPU quota),
    capped by ``OMP_NUM_THREADS`` when set and by 8. A single kernel call may
    use fewer (see the module's documentation).

    Examples
    --------
    >>> from focalboost import _kernels
    >>> _kernels.num_threads() >= 1
    True
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
    for cap in (_cgroup_cpus(), _omp_num_threads(), MAX_DEFAULT_THREADS):
        if cap is not None:
            cpus = min(cpus, cap)
    return max(1, cpus)


@contextlib.contextmanager
def thread_limit(n_threads: int | None) -> Iterator[None]:
    """Set the threads of the kernel calls made in this context.

    ``None`` or a value below 1 keeps the default :func:`num_threads` (as
    the backends read ``n_jobs``/``nthread`` of 0 or -1). The value is a
    context variable, so concurrent callers each keep their own.

    Examples
    --------
    >>> from focalboost import _kernels
    >>> with _kernels.thread_limit(1):
    ...     pass
    """
    cap = n_threads if n_threads is not None and n_threads >= 1 else None
    token = _limit.set(cap)
    try:
        yield
    finally:
        _limit.reset(token)


def _pool(size: int) -> ThreadPoolExecutor:
    with _lock:
        pool = _pools.get(size)
        if pool is None:
            pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="focalboost")
            _pools[size] = pool
        return pool


def _run_ranges(func, n: int, per_row: int = 1) -> None:
    """Call ``func(lo, hi)`` over contiguous row ranges covering ``[0, n)``.

    ``n`` rows of ``per_row`` elements each; a range holds at least
    :data:`MIN_CHUNK` elements. Safe under any number of concurrent callers.
    """
    global _active
    full = _limit.get() or num_threads()
    with _lock:
        _active += 1
        sharing = _active
    try:
        threads = max(1, full // sharing)
        n_chunks = min(threads, max(1, n * per_row // MIN_CHUNK), n)
        if n_chunks == 1:
            func(0, n)
            return
        bounds = np.linspace(0, n, n_chunks + 1).astype(int).tolist()
        chunks = list(zip(bounds[:-1], bounds[1:], strict=True))
        _run_on_pool(func, chunks, (), _pool(full - 1))
    finally:
        with _lock:
            _active -= 1


def _run_on_pool(func, chunks, scalars, pool) -> None:
    """Run the first chunk here and the others on ``pool``; wait for all."""
    futures = []
    for chunk in chunks[1:]:
        try:
            futures.append(pool.submit(func, *chunk, *scalars))
        except RuntimeError:  # interpreter shutting down: no new pool work
            futures.append(None)
    error = None
    try:
        func(*chunks[0], *scalars)
    except BaseException as exc:  # finish the others before raising
        error = exc
    for future, chunk in zip(futures, chunks[1:], strict=True):
        try:
            if future is None or future.cancel():
                func(*chunk, *scalars)  # still queued behind others: run it here
            else:
                future.result()
        except BaseException as exc:
            error = error or exc
    if error is not None:
        raise error


class KernelNotBuiltWarning(UserWarning):
    """The compiled kernel is not available: fits run on the slower numpy path.

    Emitted once per process, at the first focal gradient evaluation, by an
    installation from source that had no C compiler (or whose compiled
    module does not load). Wheels carry the kernel. Setting
    ``FOCALBOOST_NO_CKERNEL=1`` chooses the numpy path deliberately and
    silences it.

    Examples
    --------
    >>> from focalboost._kernels import KernelNotBuiltWarning
    >>> issubclass(KernelNotBuiltWarning, UserWarning)
    True
    """


#: How to get the compiled kernel, for the warning and the summary.
HOW_TO_BUILD = (
    "install a focalboost wheel, or reinstall from source with a C compiler "
    "(GCC, Clang or MSVC) and the Python headers: "
    "pip install --force-reinstall --no-deps --no-cache-dir focalboost"
)

#: The start of the warning's message (what a warnings filter matches).
NUMPY_PATH_WARNING = "The focal objective runs on focalboost's slower numpy path"

_warned = False


def _disabled_by_user() -> bool:
    return os.environ.get("FOCALBOOST_NO_CKERNEL", "") not in ("", "0")


def _why_not_built() -> str:
    if _IMPORT_ERROR:
        return f"the compiled kernel does not load: {_IMPORT_ERROR}"
    return "the compiled kernel is not built"


def ckernel_enabled() -> bool:
    """Return True when the compiled kernel is built and not disabled.

    The objective asks this before each evaluation. The first time it
    finds no compiled kernel, without ``FOCALBOOST_NO_CKERNEL=1`` asking for
    the numpy path, it emits :class:`KernelNotBuiltWarning` (once per
    process).

    Examples
    --------
    >>> from focalboost import _kernels
    >>> _kernels.ckernel_enabled() in (True, False)
    True
    """
    if _disabled_by_user():
        return False
    if not HAVE_CKERNEL:
        _warn_numpy_path()
        return False
    return True


def _warn_numpy_path() -> None:
    global _warned
    with _lock:
        if _warned:
            return
        _warned = True
    warnings.warn(
        f"{NUMPY_PATH_WARNING} because {_why_not_built()} (same results; fits "
        f"about 1.3-2x slower). For the fast path, {HOW_TO_BUILD}. Set "
        "FOCALBOOST_NO_CKERNEL=1 to choose the numpy path and silence this.",
        KernelNotBuiltWarning,
        stacklevel=3,
    )


def kernel_summary() -> str:
    """Return one line saying which objective kernel fits use; never raises.

    E.g. ``"compiled kernel, avx2 vector path, 2 threads"``, ``"numpy path
    (compiled kernel disabled by FOCALBOOST_NO_CKERNEL)"`` or ``"numpy path
    (the compiled kernel is not built: install a focalboost wheel, ...)"``.
    What ``focalboost info`` and the ``focalboost compare`` report print.

    Examples
    --------
    >>> from focalboost._kernels import kernel_summary
    >>> kernel_summary().startswith(("compiled kernel", "numpy path"))
    True
    """
    try:
        if _disabled_by_user():
            return "numpy path (compiled kernel disabled by FOCALBOOST_NO_CKERNEL)"
        if not HAVE_CKERNEL:
            return f"numpy path ({_why_not_built()}: {HOW_TO_BUILD})"
        try:
            path = simd_path()
        except ValueError as exc:
            return f"compiled kernel, vector path unavailable: {exc}"
        try:
            threads = f"{num_threads()} threads"
        except ValueError as exc:
            threads = f"threads unavailable: {exc}"
        return f"compiled kernel, {path} vector path, {threads}"
    except Exception as exc:  # pragma: no cover - a status line never raises
        return f"kernel status unavailable: {type(exc).__name__}: {exc}"


#: Every vector path, in the kernels' numbering (narrowest first).
_PATHS = ("portable", "generic", "avx2", "avx512")


@functools.lru_cache(maxsize=1)
def _available_paths() -> tuple[str, ...]:
    return tuple(_ckernels.simd_paths()) if HAVE_CKERNEL else ()


def simd_paths() -> list[str]:
    """Return the vector code paths of the compiled kernel this CPU runs.

    ``"portable"`` (standard C, one sample at a time: what every compiler
    builds) always; ``"generic"`` (2-lane vectors: SSE2 on x86-64, NEON on
    arm64) when the kernel was built by GCC or Clang; ``"avx2"`` (4 lanes,
    with FMA) and ``"avx512"`` (8 lanes) on x86-64 CPUs that have them,
    built by GCC or Clang. Narrowest first. Empty without the compiled
    kernel.

    Examples
    --------
    >>> from focalboost import _kernels
    >>> not _kernels.HAVE_CKERNEL or "portable" in _kernels.simd_paths()
    True
    """
    return list(_available_paths())  # the CPU does not change: asked once


def simd_path() -> str | None:
    """Return the path the kernel takes: ``FOCALBOOST_SIMD`` or the widest.

    ``FOCALBOOST_SIMD`` unset, empty or ``auto``: the widest path of
    :func:`simd_paths`; ``portable``, ``generic``, ``avx2`` or ``avx512``:
    that path (a ``ValueError`` if this build and CPU do not run it), so that
    every path can be tested and timed on a machine that has it. ``None``
    without the compiled kernel (fits take the numpy path).

    Examples
    --------
    >>> from focalboost import _kernels
    >>> _kernels.simd_path() in (*_kernels.simd_paths(), None)
    True
    """
    available = _available_paths()
    if not available:
        return None
    env = os.environ.get("FOCALBOOST_SIMD", "").strip().lower()
    if env in ("", "auto"):
        return available[-1]
    if env not in available:
        raise ValueError(
            f"FOCALBOOST_SIMD={env!r} is not a vector path this CPU runs; "
            f"choose one of {['auto', *available]}"
        )
    return env


def compiler() -> str | None:
    """Return the C compiler the kernel was built with, or None without one.

    Examples
    --------
    >>> from focalboost import _kernels
    >>> _kernels.compiler() is None or isinstance(_kernels.compiler(), str)
    True
    """
    return getattr(_ckernels, "compiler", None) if HAVE_CKERNEL else None


def simd_math(op: str, x, path: str | None = None) -> np.ndarray:
    """Evaluate the kernel's own ``exp``, ``log1p`` or ``log`` on float64 values.

    For the accuracy tests: ``op`` is ``"exp"`` (for ``x <= 0``), ``"log1p"``
    (``0 <= x <= 1``) or ``"log"`` (``x >= 1``), ``path`` one of
    :func:`simd_paths` (default :func:`simd_path`).
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty_like(x)
    code = _PATHS.index(path or simd_path())
    _ckernels.simd_math({"exp": 0, "log1p": 1, "log": 2}[op], x, out, code)
    return out


def _outputs(shape, dtype, out, order="C"):
    """``out`` when it fits (shape, dtype, layout), else two new arrays."""
    if out is not None:
        g, h = out
        layout = "C_CONTIGUOUS" if order == "C" else "F_CONTIGUOUS"
        if all(
            a.shape == shape and a.dtype == dtype and a.flags[layout] for a in (g, h)
        ):
            return g, h
    if order == "F":
        return np.empty(shape[::-1], dtype).T, np.empty(shape[::-1], dtype).T
    return np.empty(shape, dtype), np.empty(shape, dtype)


def _margins(z) -> np.ndarray:
    """Return float32 margins as they are (XGBoost's), anything else as float64."""
    z = np.asarray(z)
    return z if z.dtype in (np.float32, np.float64) else z.astype(np.float64)


def _scalars(gamma, floor, policy, bits, z) -> tuple:
    """Return the arguments every kernel call shares, in the kernels' order."""
    return (
        float(gamma),
        float(floor),
        _POLICY_CODE[policy],
        int(bits),
        int(z.dtype == np.float32),
    )


def binary_objective(
    y,
    z,
    sample_weight,
    alpha0,
    alpha1,
    gamma,
    policy,
    floor,
    bits=0,
    dtype=np.float64,
    out=None,
):
    """Weighted binary / multi-label focal gradient and Hessian, fused.

    Parameters
    ----------
    y : ndarray of shape (n,) or (n, L)
        Labels in {0, 1}: uint8 (read as is) or anything float64 takes.
    z : ndarray of the shape of ``y``
        Margins, float32 (read as is, as XGBoost passes them) or float64.
    sample_weight : ndarray of shape (n,) or None
        One weight per row, applied after the Hessian policy.
    alpha0, alpha1 : float or ndarray of shape (L,)
        Class weights (per label).
    gamma : float
        Focusing parameter.
    policy : {"exact", "surrogate", "clipped"}
        Hessian policy.
    floor : float
        Floor of the ``"clipped"`` policy.
    bits : int, default=0
        With ``dtype=float32``: the unweighted values rounded to float32 with
        the lowest ``bits`` mantissa bits cleared, then times the float32
        weight (see :func:`focalboost._objective.round_mantissa`).
    dtype : float64 or float32
        Output type; float32 is what both backends store.
    out : (ndarray, ndarray), optional
        Arrays to write into when their shape, type and layout fit (a
        backend objective's arrays of the previous round: no new pages to
        fault in every round); new ones otherwise.

    Returns
    -------
    grad, hess : ndarray of the shape of ``z``
    """
    z = np.ascontiguousarray(_margins(z))
    y = np.asarray(y)
    if y.dtype != np.uint8:
        y = y.astype(np.float64)
    y = np.ascontiguousarray(y)
    per_row = z.shape[1] if z.ndim == 2 else 1
    a0 = np.ascontiguousarray(np.broadcast_to(alpha0, (per_row,)), dtype=np.float64)
    a1 = np.ascontiguousarray(np.broadcast_to(alpha1, (per_row,)), dtype=np.float64)
    out_f32 = np.dtype(dtype) == np.float32
    grad, hess = _outputs(z.shape, np.float32 if out_f32 else np.float64, out)
    scalars = (
        *_scalars(gamma, floor, policy, bits, z),
        int(y.dtype == np.uint8),
        int(out_f32),
        _PATHS.index(simd_path()),
    )
    w = None
    if sample_weight is not None:
        w = np.ascontiguousarray(sample_weight, dtype=np.float64)

    def func(lo, hi):
        ww = None if w is None else w[lo:hi]
        _ckernels.binary_objective(
            z[lo:hi], y[lo:hi], ww, a0, a1, grad[lo:hi], hess[lo:hi], *scalars
        )

    _run_ranges(func, z.shape[0], per_row=per_row)
    return grad, hess


def binary_grad_hess(y, z, alpha0, alpha1, gamma, policy, floor):
    """Unweighted binary focal gradient and Hessian (policy applied), float64.

    :func:`binary_objective` without weights, for :mod:`focalboost.losses`.
    """
    return binary_objective(y, z, None, alpha0, alpha1, gamma, policy, floor)


def softmax_objective(
    t, z, sample_weight, alpha, gamma, policy, floor, bits=0, dtype=np.float64, out=None
):
    """Weighted softmax focal gradient and diagonal Hessian, fused per row.

    Parameters
    ----------
    t : ndarray of shape (n,)
        Class indices in [0, K) (others raise ``ValueError``).
    z : ndarray of shape (n, K)
        Margins, float32 (read as is) or float64.
    sample_weight : ndarray of shape (n,) or None
        Applied after the Hessian policy.
    alpha : ndarray of shape (K,)
        Per-class weights.
    gamma, policy, floor, bits, dtype, out
        As for :func:`binary_objective`.

    Returns
    -------
    grad, hess : ndarray of shape (n, K)
    """
    z = _margins(z)
    n, k = z.shape
    # column-major margins (LightGBM's) are read in place, and the outputs
    # written column-major too (what LightGBM flattens without a copy)
    cols = z.flags.f_contiguous and not z.flags.c_contiguous
    z = z if cols else np.ascontiguousarray(z)
    t = np.ascontiguousarray(t, dtype=np.int64)
    w = None
    if sample_weight is not None:
        w = np.ascontiguousarray(sample_weight, dtype=np.float64)
    alpha = np.ascontiguousarray(alpha, dtype=np.float64)
    out_f32 = np.dtype(dtype) == np.float32
    out_dtype = np.float32 if out_f32 else np.float64
    grad, hess = _outputs((n, k), out_dtype, out, "F" if cols else "C")
    scalars = (
        k,
        *_scalars(gamma, floor, policy, bits, z),
        int(out_f32),
        _PATHS.index(simd_path()),
    )
    flat = [a.T if cols else a for a in (z, grad, hess)]  # C-contiguous buffers

    def func(lo, hi):
        ww = None if w is None else w[lo:hi]
        if cols:  # whole buffers, this chunk located by its first row
            zz, gg, hh = flat
            where = (n, lo)
        else:
            zz, gg, hh = (a[lo:hi] for a in flat)
            where = (0, 0)
        _ckernels.softmax_objective(zz, t[lo:hi], ww, alpha, gg, hh, *scalars, *where)

    _run_ranges(func, n, per_row=k)
    return grad, hess


def softmax_grad_hess(t, z, alpha, gamma, policy, floor):
    """Unweighted softmax focal gradient and diagonal Hessian, float64.

    :func:`softmax_objective` without weights, for :mod:`focalboost.losses`.
    """
    return softmax_objective(t, z, None, alpha, gamma, policy, floor)
