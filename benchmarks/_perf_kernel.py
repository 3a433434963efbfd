"""Kernel timings of ``python -m benchmarks.run``.

One gradient + Hessian evaluation of focalboost's binary and softmax focal
losses on the compiled kernel (every vector path on 1 thread, the default
path on the default thread count; every Hessian policy), the numpy path
(``FOCALBOOST_NO_CKERNEL=1``) and the objective as XGBoost calls it, next to
``scipy.special.expit`` / ``softmax`` on the same array and to the naive
numpy objective.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from benchmarks._perf_workloads import (
    ALPHA,
    GAMMA,
    naive_binary_focal,
    naive_softmax_focal,
)

Env = dict[str, str | None]


def median_time(func: Callable[[], object], reps: int) -> float:
    """Median wall time of ``reps`` calls of ``func``, in seconds."""
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


@contextmanager
def _environ(env: Env) -> Iterator[None]:
    """Set (value) or unset (None) the variables of ``env``, then restore them."""
    saved = {key: os.environ.get(key) for key in env}
    try:
        _apply(env)
        yield
    finally:
        _apply(saved)


def _apply(env: Env) -> None:
    for key, value in env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def kernel_info() -> dict[str, Any]:
    """Whether the compiled focal kernel is built, its threads and vector paths."""
    from focalboost import _kernels

    return dict(
        compiled_kernel=_kernels.HAVE_CKERNEL,
        kernel_threads=_kernels.num_threads(),
        simd_paths=_kernels.simd_paths(),
        simd_path=_kernels.simd_path() if _kernels.HAVE_CKERNEL else None,
    )


def _variants(policy: str) -> list[tuple[str, Env]]:
    """(name, environment) of the focalboost kernel variants to time.

    ``surrogate`` (the default policy): every vector path of the compiled
    kernel this CPU runs on one thread, the default path on the default
    thread count, and the numpy path; the other policies: the default path
    on one thread.
    """
    from focalboost import _kernels

    out: list[tuple[str, Env]] = []
    if _kernels.HAVE_CKERNEL:
        paths = _kernels.simd_paths()
        if policy != "surrogate":
            paths = paths[-1:]
        for path in paths:
            env: Env = {"FOCALBOOST_NUM_THREADS": "1", "FOCALBOOST_SIMD": path}
            out.append((f"compiled kernel, 1 thread, {path}", env))
        if policy == "surrogate":
            name = f"compiled kernel, {_kernels.num_threads()} threads, {paths[-1]}"
            default: Env = {"FOCALBOOST_NUM_THREADS": None, "FOCALBOOST_SIMD": None}
            out.append((name, default))
    if policy == "surrogate":
        out.append(("focalboost numpy path", {"FOCALBOOST_NO_CKERNEL": "1"}))
    return out


def _row(
    task: str, what: str, gamma: float | None, seconds: float, policy: str = ""
) -> dict:
    return dict(task=task, what=what, gamma=gamma, policy=policy, seconds=seconds)


def _focalboost_rows(
    task: str, gamma: float, func: Callable[[str], object], reps: int
) -> list[dict[str, Any]]:
    """One row per kernel variant and policy of ``func(policy)``."""
    rows = []
    for policy in ("surrogate", "exact", "clipped"):
        for name, env in _variants(policy):
            with _environ(env):
                seconds = median_time(lambda p=policy: func(p), reps)
            rows.append(_row(task, name, gamma, seconds, policy))
    return rows


def _objective_row(task, obj, z, reps) -> dict[str, Any]:
    """The objective as XGBoost calls it: float32 margins, float32 out."""
    with _environ({"FOCALBOOST_NUM_THREADS": "1", "FOCALBOOST_SIMD": None}):
        seconds = median_time(lambda: obj(z, None), reps)
    name = "XGBoost objective (float32 in/out, weighted), 1 thread"
    return _row(task, name, GAMMA, seconds, "surrogate")


def _binary_rows(n: int, rng: np.random.Generator, reps: int) -> list[dict]:
    from scipy.special import expit

    from focalboost import _kernels
    from focalboost.losses import HESSIAN_FLOOR, BinaryFocalLoss
    from focalboost.xgboost import XGBoostObjective

    z = rng.normal(-2.0, 3.0, n)
    y = (rng.random(n) < 0.1).astype(np.float64)
    rows = [_row("binary", "scipy expit", None, median_time(lambda: expit(z), reps))]
    for gamma in (2.0, 1.5):
        loss = BinaryFocalLoss(alpha=ALPHA, gamma=gamma)
        a0, a1 = loss.class_weights(y)
        buffers: dict[str, Any] = {}

        def run(policy, loss=loss, a0=a0, a1=a1, buffers=buffers):
            if not _kernels.ckernel_enabled():
                return loss.gradient_hessian(y, z, hessian=policy)
            # into the previous call's arrays, as the backend objectives do
            buffers[policy] = _kernels.binary_objective(
                y, z, None, a0, a1, loss.gamma, policy, HESSIAN_FLOOR,
                out=buffers.get(policy),
            )  # fmt: skip
            return buffers[policy]

        rows += _focalboost_rows("binary", gamma, run, reps)
        if gamma == GAMMA and _kernels.HAVE_CKERNEL:
            with _environ({"FOCALBOOST_NUM_THREADS": "1", "FOCALBOOST_SIMD": None}):
                seconds = median_time(
                    lambda loss=loss: loss.gradient_hessian(y, z, hessian="surrogate"),
                    reps,
                )
            name = "compiled kernel, 1 thread, new arrays every call"
            rows.append(_row("binary", name, gamma, seconds, "surrogate"))
        if gamma == GAMMA:
            seconds = median_time(lambda: naive_binary_focal(y, z), reps)
            rows.append(_row("binary", "naive numpy objective", gamma, seconds))
            w = rng.integers(1, 4, n).astype(np.float64)
            obj = XGBoostObjective(loss, y, w, "surrogate")
            rows.append(_objective_row("binary", obj, z.astype(np.float32), reps))
    return rows


def _multiclass_rows(n: int, rng: np.random.Generator, reps: int) -> list[dict]:
    from scipy.special import softmax

    from focalboost import _kernels
    from focalboost.losses import HESSIAN_FLOOR, SoftmaxFocalLoss
    from focalboost.xgboost import XGBoostObjective

    Z = rng.normal(0.0, 2.0, (n, 5))
    Y = rng.integers(0, 5, n).astype(np.float64)
    seconds = median_time(lambda: softmax(Z, axis=1), reps)
    rows = [_row("multiclass", "scipy softmax", None, seconds)]
    mc = SoftmaxFocalLoss(alpha=None, gamma=GAMMA)
    t = Y.astype(np.int64)
    alpha = np.ones(5)
    buffers: dict[str, Any] = {}

    def run(policy):
        if not _kernels.ckernel_enabled():
            return mc.gradient_hessian(Y, Z, hessian=policy)
        buffers[policy] = _kernels.softmax_objective(
            t, Z, None, alpha, GAMMA, policy, HESSIAN_FLOOR, out=buffers.get(policy)
        )
        return buffers[policy]

    rows += _focalboost_rows("multiclass", GAMMA, run, reps)
    seconds = median_time(lambda: naive_softmax_focal(Y, Z), reps)
    rows.append(_row("multiclass", "naive numpy objective", GAMMA, seconds))
    w = rng.integers(1, 4, n).astype(np.float64)
    obj = XGBoostObjective(mc, Y.astype(np.int64), w, "surrogate")
    rows.append(_objective_row("multiclass", obj, Z.astype(np.float32), reps))
    return rows


def kernel_bench(n: int, n_mc: int, reps: int = 15) -> list[dict[str, Any]]:
    """Time expit/softmax, the compiled kernel, the numpy path and the naive code.

    Parameters
    ----------
    n : int
        Rows of the binary margin.
    n_mc : int
        Rows of the (n_mc, 5) multiclass margin.
    reps : int, default=15
        Calls per timing (the median is reported).

    Returns
    -------
    list of dict
        One row per (task, what, gamma) with ``seconds``, ``ns_per_sample``
        (per element for multiclass) and ``ratio_to_baseline`` (to the scipy
        function of the same task).
    """
    rng = np.random.default_rng(0)
    rows = _binary_rows(n, rng, reps) + _multiclass_rows(n_mc, rng, reps)
    size = {"binary": n, "multiclass": n_mc * 5}
    base = {r["task"]: r["seconds"] for r in rows if r["gamma"] is None}
    for row in rows:
        row["ns_per_sample"] = row["seconds"] / size[row["task"]] * 1e9
        row["ratio_to_baseline"] = row["seconds"] / base[row["task"]]
    return rows
