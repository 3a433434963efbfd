"""Speed and memory of the focal objective against each backend's log loss.

One entry point for the performance figures::

    python -m benchmarks.run --quick   # < 3 minutes on 2 cores, *_quick files
    python -m benchmarks.run --full    # the full sizes (about 25 minutes)

Two parts, both written to ``benchmarks/results/perf[_quick].{json,md,png}``
(``--out``):

Kernel
    Time of one gradient + Hessian evaluation on a 1M-row binary margin, for
    gamma 2 and 1.5, next to ``scipy.special.expit`` on the same array: the
    compiled kernel on one thread on every vector path the CPU runs
    (``FOCALBOOST_SIMD``; every Hessian policy on the default one) and on
    the default thread count (``FOCALBOOST_NUM_THREADS``), the objective as
    XGBoost calls it (float32 margins, weights, float32 out), focalboost's numpy path
    (``FOCALBOOST_NO_CKERNEL=1``), and a naive numpy objective of the kind
    users write. Also the multiclass (softmax) gradient + Hessian on
    (300k, 5) next to ``scipy.special.softmax``. Median of repeated calls,
    in ns per sample (per element for multiclass).

End to end
    ``fit`` wall time and peak memory of the sklearn-level estimators with
    identical tree parameters and 2 threads: the backend's built-in log loss
    (``XGBClassifier`` / ``LGBMClassifier``), ``FocalXGBClassifier`` /
    ``FocalLGBMClassifier`` (``alpha=0.25, gamma=2``, with and without the
    compiled kernel), and the same backend classifier with a naive numpy
    focal objective. Every fit runs in a fresh subprocess (peak RSS of the
    fit alone, no warm caches shared between arms); the arms alternate and
    their order rotates between repetitions; medians over repetitions and
    the ratio to the built-in are reported. CatBoost ``Focal`` vs
    ``Logloss`` is added for the binary task when ``catboost`` imports (a
    benchmark-only dependency, not installed by focalboost).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._common import log, make_estimator, parser, provenance, write_results
from benchmarks._perf_kernel import kernel_bench, kernel_info
from benchmarks._perf_report import TITLE, markdown_body, plot, summarise
from benchmarks._perf_workloads import ALPHA, GAMMA, NaiveSklearnObjective, make_data

REPO_ROOT = Path(__file__).resolve().parent.parent

ARMS = ["builtin", "focal", "focal_numpy", "naive"]
SIZES = {
    "quick": {
        "binary": dict(n=200_000, d=30, rounds=50),
        "multiclass": dict(n=60_000, d=30, rounds=30, k=5),
        "reps": 2,
        # a smoke check: no numpy-fallback arm and no CatBoost (keeps < 3 min)
        "arms": ["builtin", "focal", "naive"],
        "catboost": False,
        "kernel_n": 1_000_000,
        "kernel_mc_n": 300_000,
    },
    "full": {
        "binary": dict(n=1_000_000, d=30, rounds=200),
        "multiclass": dict(n=300_000, d=30, rounds=100, k=5),
        "reps": 3,
        "arms": ARMS,
        "catboost": True,
        "kernel_n": 1_000_000,
        "kernel_mc_n": 300_000,
    },
}
THREADS = 2
XGB_TREES = dict(
    max_depth=6,
    learning_rate=0.1,
    max_bin=256,
    min_child_weight=1.0,
    reg_lambda=1.0,
    tree_method="hist",
)
LGB_TREES = dict(
    num_leaves=31,
    learning_rate=0.1,
    max_bin=255,
    min_child_samples=20,
    min_child_weight=1e-3,
    reg_lambda=0.0,
)


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


#: Tree parameters of every arm, by backend (CatBoost: its own names).
TREES = {
    "xgboost": XGB_TREES,
    "lightgbm": LGB_TREES,
    "catboost": dict(depth=6, learning_rate=0.1),
}


# ---------------------------------------------------------------- end to end
def _estimator(backend: str, arm: str, task: str, rounds: int):
    """The estimator of one arm, from :func:`benchmarks._common.make_estimator`."""
    if backend == "catboost":
        params = dict(
            TREES[backend], iterations=rounds, thread_count=THREADS, random_seed=0
        )
        kind = "focal" if arm == "focal" else "builtin"
        return make_estimator(backend, kind, alpha=ALPHA, gamma=GAMMA, **params)
    params = dict(TREES[backend], n_estimators=rounds, n_jobs=THREADS, random_state=0)
    if arm in ("focal", "focal_numpy"):
        return make_estimator(backend, "focal", alpha=ALPHA, gamma=GAMMA, **params)
    if arm == "naive":
        multiclass = task == "multiclass"
        params["objective"] = NaiveSklearnObjective(multiclass)
        if backend == "xgboost":
            params["eval_metric"] = "mlogloss" if multiclass else "logloss"
    return make_estimator(backend, "builtin", **params)


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """One fit, in this (fresh) process; returns time and peak memory.

    Parameters
    ----------
    spec : dict
        ``task``, ``backend``, ``arm``, ``rep`` and the task's sizes
        (``n``, ``d``, ``rounds``, ``k``).

    Returns
    -------
    dict
        ``spec`` with ``fit_s``, ``rss_before_mib``, ``peak_rss_mib`` and
        ``fit_peak_mib`` (peak RSS during the fit minus RSS before it).
    """
    if spec["arm"] == "focal_numpy":
        os.environ["FOCALBOOST_NO_CKERNEL"] = "1"
    X, y = make_data(spec["task"], spec["n"], spec["d"], spec.get("k", 2))
    est = _estimator(spec["backend"], spec["arm"], spec["task"], spec["rounds"])
    rss0 = _rss_kib("VmRSS")
    try:  # reset the peak-RSS mark so that it measures the fit alone
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        reset = True
    except OSError:  # pragma: no cover - kernel without clear_refs
        reset = False
    t0 = time.perf_counter()
    est.fit(X, y)
    fit_s = time.perf_counter() - t0
    peak = _rss_kib("VmHWM")
    return dict(
        spec,
        fit_s=fit_s,
        rss_before_mib=rss0 / 1024,
        peak_rss_mib=peak / 1024,
        fit_peak_mib=(peak - rss0) / 1024 if reset else float("nan"),
    )


def _run_worker(spec: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    env.pop("FOCALBOOST_NO_CKERNEL", None)
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--worker", json.dumps(spec)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"worker {spec} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _groups(size: dict[str, Any], backends: list[str]) -> list[tuple[str, str, list]]:
    """(task, backend, arms) of every group of fits; CatBoost: binary only."""
    groups = []
    for task in ("binary", "multiclass"):
        for backend in backends:
            if backend != "catboost":
                groups.append((task, backend, list(size["arms"])))
            elif task == "binary":
                groups.append((task, backend, ["builtin", "focal"]))
    return groups


def end_to_end(size: dict[str, Any], backends: list[str], log) -> list[dict[str, Any]]:
    """All fits, alternating arms, rotating their order every repetition.

    Parameters
    ----------
    size : dict
        An entry of :data:`SIZES` (``reps``, ``arms`` and the tasks' sizes).
    backends : list of str
        Backends to fit.
    log : callable
        Called with one progress line per fit.

    Returns
    -------
    list of dict
        One record per fit (see :func:`worker`).
    """
    records = []
    for rep in range(size["reps"]):
        for task, backend, arms in _groups(size, backends):
            shift = rep % len(arms)
            for arm in arms[shift:] + arms[:shift]:
                spec = dict(task=task, backend=backend, arm=arm, rep=rep, **size[task])
                rec = _run_worker(spec)
                log(
                    f"  rep {rep} {task:<10} {backend:<8} {arm:<11} "
                    f"{rec['fit_s']:7.2f} s  peak +{rec['fit_peak_mib']:7.1f} MiB"
                )
                records.append(rec)
    return records


# ----------------------------------------------------------------------- CLI
def _backends(size: dict[str, Any]) -> list[str]:
    backends = ["xgboost", "lightgbm"]
    try:
        import catboost  # noqa: F401
    except ImportError:
        log("catboost not installed: its Focal/Logloss pair is left out")
        return backends
    if size["catboost"]:
        return [*backends, "catboost"]
    log("catboost left out in --quick")
    return backends


def _parse(argv: list[str]) -> argparse.Namespace:
    p = parser("run", __doc__.split("\n\n")[0])
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small sizes (< 3 min)")
    mode.add_argument("--full", action="store_true", help="the full sizes")
    mode.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--reps", type=int, help="repetitions of every fit")
    p.add_argument("--no-end-to-end", action="store_true", help="kernel timings only")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.run``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    mode = "full" if args.full else "quick"
    size = dict(SIZES[mode], reps=args.reps or SIZES[mode]["reps"])
    t0 = time.perf_counter()
    result = provenance("run", argv, fit_threads=THREADS)
    result["machine"].update(kernel_info())
    result["machine"]["versions"] = result["versions"]  # where perf.json had them
    log(f"kernel timings ({size['kernel_n']:,} rows)")
    kernel = kernel_bench(size["kernel_n"], size["kernel_mc_n"])
    for r in kernel:
        log(
            f"  {r['task']:<10} {r['what']:<28} gamma={r['gamma']}: "
            f"{r['ns_per_sample']:6.1f} ns/sample, {r['ratio_to_baseline']:.2f}x"
        )
    backends = _backends(size)
    e2e = []
    if not args.no_end_to_end:
        log("end-to-end fits")
        e2e = summarise(end_to_end(size, backends, log))
    result.update(
        mode=mode,
        sizes=size,
        trees=dict(xgboost=XGB_TREES, lightgbm=LGB_TREES),
        kernel=kernel,
        end_to_end=e2e,
        runtime_s=time.perf_counter() - t0,
    )
    stem = "perf" if mode == "full" else "perf_quick"
    write_results(args.out, stem, result, TITLE, markdown_body(result))
    if e2e:
        plot(result, args.out / f"{stem}.png")
    log(f"wrote {args.out / stem}.{{json,md,png}} in {result['runtime_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
