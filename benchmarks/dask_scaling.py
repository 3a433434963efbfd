"""Scaling of the Dask fit with 1 and 2 workers, next to the single-machine fit.

::

    python -m benchmarks.dask_scaling            # about 4 minutes on 2 cores
    python -m benchmarks.dask_scaling --n 100000 # smaller, for a smoke check

Writes ``benchmarks/results/dask_scaling.{json,md}`` (``--out``).

One binary task (``make_classification``, 10% positives, features rounded to
at most 64 distinct values so that the distributed models are comparable),
``alpha=0.25, gamma=2``, the same tree parameters for every arm. Arms, side
by side in one run, each fitted ``--reps`` times (median reported):

* ``local, 1 thread`` / ``local, 2 threads``: ``FocalXGBClassifier`` /
  ``FocalLGBMClassifier`` on the in-memory arrays (``n_jobs`` 1 or 2);
* ``dask, 1 worker`` / ``dask, 2 workers``: ``FocalDaskXGBClassifier`` /
  ``FocalDaskLGBMClassifier`` on a ``LocalCluster`` of 1 or 2 worker
  processes with 1 thread each; the data are placed on the workers
  (one block per worker) and each cluster does one untimed warm-up fit per
  backend (imports on fresh worker processes) before the clock starts, so
  the time is that of ``fit``: the distributed label checks and class
  totals, the backend's Dask data loading and the training.

The cluster start-up time is reported separately. Workers get
``OMP_WAIT_POLICY=PASSIVE`` (idle OpenMP threads spinning on a 2-core machine
slowed fits 10-20x). The largest margin difference between each Dask model
and the single-machine one is recorded as a sanity check.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks._common import (
    BACKENDS,
    log,
    make_estimator,
    parser,
    provenance,
    write_results,
)

TITLE = "Dask fit scaling: 1 and 2 workers vs the single-machine fit"
FOCAL = dict(alpha=0.25, gamma=2.0)
TREES = {
    "xgboost": dict(max_depth=6, learning_rate=0.1, max_bin=256),
    "lightgbm": dict(num_leaves=31, learning_rate=0.1, max_bin=255),
}
Times = dict[tuple[str, str], list[float]]


def make_data(n: int, d: int, seed: int = 0):
    """Binary task with features rounded to at most 64 distinct values."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n,
        n_features=d,
        n_informative=d // 2,
        weights=[0.9],
        flip_y=0.02,
        random_state=seed,
    )
    return np.clip(np.round(X * 8), -32, 32) / 8, y


def _timed(fn) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _place(client, arr, workers):
    """Persisted dask array of ``arr``, one row block per worker."""
    import dask.array as da

    edges = np.linspace(0, arr.shape[0], len(workers) + 1).astype(int)
    blocks = []
    for i, worker in enumerate(workers):
        part = arr[edges[i] : edges[i + 1]]
        future = client.scatter(part, workers=[worker], hash=False)
        blocks.append(da.from_delayed(future, shape=part.shape, dtype=part.dtype))
    return da.concatenate(blocks)


def _local(X, y, rounds: int, reps: int, times: Times) -> dict[str, np.ndarray]:
    """Time the single-machine fits; return the 2-thread models' margins."""
    reference: dict[str, np.ndarray] = {}
    for rep in range(reps):
        for backend in BACKENDS:
            for threads in (1, 2):
                est = make_estimator(
                    backend,
                    n_estimators=rounds,
                    n_jobs=threads,
                    **FOCAL,
                    **TREES[backend],
                )
                seconds, est = _timed(lambda est=est: est.fit(X, y))
                times.setdefault((backend, f"local, {threads} thread(s)"), []).append(
                    seconds
                )
                if rep == 0 and threads == 2:
                    reference[backend] = est.decision_function(X)
    return reference


def _cluster(n_workers: int):
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        env={"OMP_WAIT_POLICY": "PASSIVE"},
    )


def _dask(client, n_workers: int, X, y, rounds: int, reps: int, times: Times):
    """Time the Dask fits on one cluster; return their margin differences."""
    # Client.nthreads asks the scheduler; scheduler_info() is a cache
    # that a periodic refresh can leave without its "workers"
    client.wait_for_workers(n_workers, timeout=60)
    workers = sorted(client.nthreads())
    dX, dy = _place(client, X, workers), _place(client, y, workers)
    arm = f"dask, {n_workers} worker(s)"
    for backend in BACKENDS:
        # untimed warm-up: the fresh worker processes import the
        # backends and focalboost on their first task
        make_estimator(backend, "dask", client=client, n_estimators=1, **FOCAL).fit(
            dX, dy
        )
    margins: dict[str, np.ndarray] = {}
    for rep in range(reps):
        for backend in BACKENDS:
            est = make_estimator(
                backend,
                "dask",
                client=client,
                n_estimators=rounds,
                **FOCAL,
                **TREES[backend],
            )
            seconds, est = _timed(lambda est=est, dX=dX, dy=dy: est.fit(dX, dy))
            times.setdefault((backend, arm), []).append(seconds)
            if rep == 0:
                margins[backend] = est.to_local().decision_function(X)
    return arm, margins


def _rows(times: Times, diffs: dict[tuple[str, str], float]) -> list[dict]:
    rows = []
    for (backend, arm), values in times.items():
        base = statistics.median(times[(backend, "local, 1 thread(s)")])
        med = statistics.median(values)
        rows.append(
            dict(
                backend=backend,
                arm=arm,
                median_s=med,
                times_s=values,
                speedup_vs_local_1_thread=base / med,
                max_abs_margin_diff_vs_local=diffs.get((backend, arm)),
            )
        )
    return rows


def run(n: int, d: int, rounds: int, reps: int) -> dict[str, Any]:
    """Fit every arm ``reps`` times.

    Parameters
    ----------
    n, d : int
        Rows and features of the task.
    rounds : int
        Boosting rounds of every fit.
    reps : int
        Timed fits per arm (the median is reported).

    Returns
    -------
    dict
        ``cluster_startup_s`` per worker count and one row per (backend,
        arm): median and all fit times, speed-up vs the local 1-thread fit,
        largest margin difference to the local 2-thread model.
    """
    from distributed import Client

    X, y = make_data(n, d)
    times: Times = {}
    diffs: dict[tuple[str, str], float] = {}
    startup: dict[int, float] = {}
    reference = _local(X, y, rounds, reps, times)
    for n_workers in (1, 2):
        seconds, cluster = _timed(lambda n_workers=n_workers: _cluster(n_workers))
        startup[n_workers] = seconds
        with Client(cluster) as client:
            arm, margins = _dask(client, n_workers, X, y, rounds, reps, times)
        cluster.close()
        for backend, margin in margins.items():
            diffs[(backend, arm)] = float(np.max(np.abs(margin - reference[backend])))
    return dict(
        cluster_startup_s={str(k): v for k, v in startup.items()},
        # the machine is shared: a busy neighbour shows up here
        load_average_1min_at_end=os.getloadavg()[0],
        rows=_rows(times, diffs),
    )


def _body(doc: dict[str, Any]) -> list[str]:
    """Markdown lines of ``dask_scaling.md`` after the provenance lines."""
    t = doc["task"]
    lines = [
        f"Task: binary, {t['n']:,} rows x {t['d']} features (rounded to <= 64 "
        f"distinct values), {t['rounds']} rounds, alpha={t['alpha']}, "
        f"gamma={t['gamma']}; median of {t['reps']} fits.  ",
        "Dask: LocalCluster, worker processes with 1 thread each, data placed "
        "one block per worker and one untimed warm-up fit per backend before "
        "timing; cluster start-up "
        + ", ".join(
            f"{k} worker(s) {v:.1f} s" for k, v in doc["cluster_startup_s"].items()
        )
        + " (not in the fit times). 1-minute load average at the end: "
        + f"{doc['load_average_1min_at_end']:.1f}.",
        "",
        "| backend | arm | median fit (s) | speed-up vs local 1 thread "
        "| max abs margin diff vs local |",
        "|---|---|---:|---:|---:|",
    ]
    for r in doc["rows"]:
        diff = r["max_abs_margin_diff_vs_local"]
        lines.append(
            f"| {r['backend']} | {r['arm']} | {r['median_s']:.2f} "
            f"| {r['speedup_vs_local_1_thread']:.2f} "
            f"| {'' if diff is None else f'{diff:.1e}'} |"
        )
    lines += [
        "",
        "Margin differences: XGBoost on 2 workers merges per-worker quantile "
        "sketches and LightGBM estimates leaf counts for `min_data_in_leaf` from "
        "Hessian sums, so the distributed models need not equal the "
        "single-machine one (see docs/dask.rst); on 1 worker they do.",
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.dask_scaling``."""
    import dask
    import distributed

    argv = list(sys.argv[1:] if argv is None else argv)
    p = parser("dask_scaling", __doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=400_000)
    p.add_argument("--d", type=int, default=20)
    p.add_argument("--rounds", type=int, default=50)
    p.add_argument("--reps", type=int, default=3)
    args = p.parse_args(argv)
    task = dict(n=args.n, d=args.d, rounds=args.rounds, reps=args.reps)
    # the command with every setting spelled out, as dask_scaling.json had it
    explicit = [arg for k, v in task.items() for arg in (f"--{k}", str(v))]
    doc: dict[str, Any] = dict(
        benchmark="dask_scaling",
        # the most threads a timed fit uses
        **provenance("dask_scaling", explicit, fit_threads=2),
    )
    doc["versions"].update(dask=dask.__version__, distributed=distributed.__version__)
    doc["machine"]["versions"] = doc["versions"]  # where dask_scaling.json had them
    doc.update(task=dict(task, **FOCAL), trees=TREES)
    doc.update(run(args.n, args.d, args.rounds, args.reps))
    body = _body(doc)
    write_results(args.out, "dask_scaling", doc, TITLE, body)
    log("\n".join(body))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
