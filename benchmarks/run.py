"""Speed and memory of the focal objective against each backend's log loss.

One entry point for the performance figures of issue 4::

    python -m benchmarks.run --quick   # < 3 minutes on 2 cores, *_quick files
    python -m benchmarks.run --full    # the issue's sizes (about 25 minutes)

Two parts, both written to ``benchmarks/results/perf[_quick].{json,md,png}``:

Kernel
    Time of one gradient + Hessian evaluation on a 1M-row binary margin, for
    gamma 2 and 1.5, next to ``scipy.special.expit`` on the same array: the
    compiled kernel on one thread and on the default thread count
    (``FOCALBOOST_NUM_THREADS``), focalboost's numpy path
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
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from . import _common

RESULTS = Path(__file__).resolve().parent / "results"

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
ALPHA, GAMMA = 0.25, 2.0


# ---------------------------------------------------------------------- data
def make_data(task: str, n: int, d: int, k: int = 2, seed: int = 0):
    """Imbalanced synthetic data: 10 % positives, or skewed class priors."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d), dtype=np.float32)
    coef = rng.normal(size=(d, max(k, 2))).astype(np.float32) / np.sqrt(d)
    scores = X @ coef
    scores[:, 0] += 0.5 * X[:, 0] * X[:, 1]  # some interaction for the trees
    if task == "binary":
        s = scores[:, 0] + rng.normal(0, 0.5, n).astype(np.float32)
        return X, (s > np.quantile(s, 0.9)).astype(np.int32)
    prior = np.log(np.array([0.50, 0.25, 0.15, 0.07, 0.03][:k]))
    z = 2.0 * scores[:, :k] + prior + rng.gumbel(size=(n, k))
    return X, z.argmax(axis=1).astype(np.int32)


# ----------------------------------------------------- naive user objectives
def naive_binary_focal(y, z):
    """The binary focal objective as commonly written (clipped p, ~20 passes)."""
    a, g = ALPHA, GAMMA
    p = 1.0 / (1.0 + np.exp(-z))
    p = np.clip(p, 1e-7, 1 - 1e-7)
    pt = np.where(y == 1, p, 1 - p)
    at = np.where(y == 1, a, 1 - a)
    sign = np.where(y == 1, 1.0, -1.0)
    mod = (1 - pt) ** g
    dpt = pt * (1 - pt) * sign  # d pt / dz
    dl = at * (g * (1 - pt) ** (g - 1) * np.log(pt) - mod / pt)  # dFL / d pt
    d2l = at * (
        -g * (g - 1) * (1 - pt) ** (g - 2) * np.log(pt)
        + 2 * g * (1 - pt) ** (g - 1) / pt
        + mod / pt**2
    )
    grad = dl * dpt
    hess = d2l * dpt**2 + dl * pt * (1 - pt) * (1 - 2 * pt)
    return grad, np.maximum(hess, 1e-6)


def naive_softmax_focal(y, z):
    """Softmax focal gradient (exact) and a Gauss-Newton-like Hessian, naively."""
    n, k = z.shape
    e = np.exp(z - z.max(axis=1, keepdims=True))
    P = e / e.sum(axis=1, keepdims=True)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y.astype(int)] = 1.0
    pt = np.clip((P * onehot).sum(axis=1), 1e-7, 1 - 1e-7)
    A = GAMMA * (1 - pt) ** (GAMMA - 1) * pt * np.log(pt) - (1 - pt) ** GAMMA
    grad = A[:, None] * (onehot - P)
    hess = np.maximum(np.abs(A)[:, None] * P * (1 - P), 1e-6)
    return grad, hess


class _NaiveSklearnObjective:
    """sklearn-API objective ``(y_true, y_pred) -> (grad, hess)`` for both."""

    def __init__(self, multiclass: bool):
        self.multiclass = multiclass

    def __call__(self, y_true, y_pred):
        z = np.asarray(y_pred, dtype=np.float64)
        y = np.asarray(y_true, dtype=np.float64)
        if self.multiclass:
            return naive_softmax_focal(y, z)
        return naive_binary_focal(y, z)


# ------------------------------------------------------------------- helpers
def _median_time(func, reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


# -------------------------------------------------------------------- kernel
def _variants(kernels) -> list[tuple[str, dict[str, str | None]]]:
    """(name, environment) of the kernel variants to time."""
    out = []
    if kernels.HAVE_CKERNEL:
        out += [
            ("compiled kernel, 1 thread", {"FOCALBOOST_NUM_THREADS": "1"}),
            (
                f"compiled kernel, {kernels.num_threads()} threads",
                {"FOCALBOOST_NUM_THREADS": None},
            ),
        ]
    out.append(("focalboost numpy path", {"FOCALBOOST_NO_CKERNEL": "1"}))
    return out


def _set_env(env: dict[str, str | None]) -> None:
    for key, value in env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _clear_env(env: dict[str, str | None]) -> None:
    for key in env:
        os.environ.pop(key, None)


def kernel_bench(n: int, n_mc: int, reps: int = 15) -> list[dict[str, Any]]:
    """Time expit, the compiled kernel, the numpy path and the naive objective."""
    from scipy.special import expit, softmax

    from focalboost import _kernels
    from focalboost.losses import BinaryFocalLoss, SoftmaxFocalLoss

    rng = np.random.default_rng(0)
    z = rng.normal(-2.0, 3.0, n)
    y = (rng.random(n) < 0.1).astype(np.float64)
    rows: list[dict[str, Any]] = []
    t_expit = _median_time(lambda: expit(z), reps)
    rows.append(dict(task="binary", what="scipy expit", gamma=None, seconds=t_expit))
    saved = {
        k: os.environ.get(k)
        for k in ("FOCALBOOST_NO_CKERNEL", "FOCALBOOST_NUM_THREADS")
    }
    try:
        for gamma in (2.0, 1.5):
            loss = BinaryFocalLoss(alpha=ALPHA, gamma=gamma)

            def run(loss=loss):
                return loss.gradient_hessian(y, z, hessian="surrogate")

            for name, env in _variants(_kernels):
                _set_env(env)
                rows.append(
                    dict(
                        task="binary",
                        what=name,
                        gamma=gamma,
                        seconds=_median_time(run, reps),
                    )
                )
                _clear_env(env)
            if gamma == GAMMA:
                rows.append(
                    dict(
                        task="binary",
                        what="naive numpy objective",
                        gamma=gamma,
                        seconds=_median_time(lambda: naive_binary_focal(y, z), reps),
                    )
                )
        Z = rng.normal(0.0, 2.0, (n_mc, 5))
        Y = rng.integers(0, 5, n_mc).astype(np.float64)
        t_soft = _median_time(lambda: softmax(Z, axis=1), reps)
        rows.append(
            dict(task="multiclass", what="scipy softmax", gamma=None, seconds=t_soft)
        )
        mc = SoftmaxFocalLoss(alpha=None, gamma=GAMMA)
        for name, env in _variants(_kernels):
            _set_env(env)
            rows.append(
                dict(
                    task="multiclass",
                    what=name,
                    gamma=GAMMA,
                    seconds=_median_time(
                        lambda: mc.gradient_hessian(Y, Z, hessian="surrogate"), reps
                    ),
                )
            )
            _clear_env(env)
        rows.append(
            dict(
                task="multiclass",
                what="naive numpy objective",
                gamma=GAMMA,
                seconds=_median_time(lambda: naive_softmax_focal(Y, Z), reps),
            )
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    base = {"binary": t_expit, "multiclass": t_soft}
    for row in rows:
        size = n if row["task"] == "binary" else Z.size
        row["ns_per_sample"] = row["seconds"] / size * 1e9
        row["ratio_to_baseline"] = row["seconds"] / base[row["task"]]
    return rows


# ---------------------------------------------------------------- end to end
def _estimator(backend: str, arm: str, task: str, rounds: int):
    common = dict(n_estimators=rounds, n_jobs=THREADS, random_state=0)
    multiclass = task == "multiclass"
    if backend == "xgboost":
        import xgboost as xgb

        from focalboost import FocalXGBClassifier

        if arm in ("focal", "focal_numpy"):
            return FocalXGBClassifier(alpha=ALPHA, gamma=GAMMA, **XGB_TREES, **common)
        kw = dict(XGB_TREES, **common)
        if arm == "naive":
            kw["objective"] = _NaiveSklearnObjective(multiclass)
            kw["eval_metric"] = "logloss" if not multiclass else "mlogloss"
        return xgb.XGBClassifier(**kw)
    if backend == "lightgbm":
        import lightgbm as lgb

        from focalboost import FocalLGBMClassifier

        if arm in ("focal", "focal_numpy"):
            return FocalLGBMClassifier(alpha=ALPHA, gamma=GAMMA, **LGB_TREES, **common)
        kw = dict(LGB_TREES, **common, verbose=-1)
        if arm == "naive":
            kw["objective"] = _NaiveSklearnObjective(multiclass)
        return lgb.LGBMClassifier(**kw)
    import catboost

    loss = (
        f"Focal:focal_alpha={ALPHA};focal_gamma={GAMMA}"
        if arm == "focal"
        else "Logloss"
    )
    return catboost.CatBoostClassifier(
        iterations=rounds,
        depth=6,
        learning_rate=0.1,
        loss_function=loss,
        thread_count=THREADS,
        random_seed=0,
        verbose=False,
        allow_writing_files=False,
    )


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """One fit, in this (fresh) process; returns time and peak memory."""
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
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"worker {spec} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def end_to_end(size: dict[str, Any], backends: list[str], log) -> list[dict[str, Any]]:
    """All fits, alternating arms, rotating their order every repetition."""
    groups = []
    for task in ("binary", "multiclass"):
        for backend in backends:
            arms = list(size["arms"])
            if backend == "catboost":
                if task != "binary":
                    continue
                arms = ["builtin", "focal"]
            groups.append((task, backend, arms))
    records = []
    for rep in range(size["reps"]):
        for task, backend, arms in groups:
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


def summarise(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median fit time and peak memory per (task, backend, arm), ratios to builtin."""
    rows = []
    keys = sorted({(r["task"], r["backend"]) for r in records})
    for task, backend in keys:
        sub = [r for r in records if r["task"] == task and r["backend"] == backend]
        med = {}
        for arm in dict.fromkeys(r["arm"] for r in sub):
            rs = [r for r in sub if r["arm"] == arm]
            med[arm] = dict(
                fit_s=float(np.median([r["fit_s"] for r in rs])),
                fit_s_all=[r["fit_s"] for r in rs],
                fit_peak_mib=float(np.median([r["fit_peak_mib"] for r in rs])),
            )
        # paired per repetition: ratio of each rep, then the median
        base = {r["rep"]: r for r in sub if r["arm"] == "builtin"}
        for arm, m in med.items():
            pairs = [
                r["fit_s"] / base[r["rep"]]["fit_s"] for r in sub if r["arm"] == arm
            ]
            rows.append(
                dict(
                    task=task,
                    backend=backend,
                    arm=arm,
                    n=sub[0]["n"],
                    d=sub[0]["d"],
                    rounds=sub[0]["rounds"],
                    k=sub[0].get("k", 2),
                    reps=len(m["fit_s_all"]),
                    fit_s=m["fit_s"],
                    fit_s_all=m["fit_s_all"],
                    time_ratio=float(np.median(pairs)),
                    fit_peak_mib=m["fit_peak_mib"],
                    memory_ratio=m["fit_peak_mib"] / med["builtin"]["fit_peak_mib"],
                )
            )
    return rows


# ------------------------------------------------------------------- report
TIME_TARGET, KERNEL_TARGET, MEMORY_TARGET = 1.10, 2.0, 1.2


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        "# Focal objective speed and memory vs the built-in log loss",
        "",
        f"Command: `{result['command']}`  ",
        f"Created: {result['created']}; runtime {result['runtime_s']:.0f} s.  ",
        f"Machine: {m['cpu']}, {m['usable_cpus']} usable CPUs ({m['platform']}), "
        f"Python {m['python']}.  ",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".  ",
        f"Fits: {m['fit_threads']} threads (`n_jobs`); compiled kernel: "
        f"{'built' if m['compiled_kernel'] else 'not built'}, "
        f"{m['kernel_threads']} kernel threads by default.  ",
        f"Focal arms: alpha={ALPHA}, gamma={GAMMA}, hessian='surrogate'.",
        "",
        "## Kernel: one gradient + Hessian evaluation",
        "",
        "Median of repeated calls. Baseline: `scipy.special.expit` (binary, 1 thread) "
        "or `scipy.special.softmax` (multiclass) on the same array. "
        f"Target: binary kernel <= {KERNEL_TARGET:.0f}x expit.",
        "",
        "| task | what | gamma | ms | ns/sample | x baseline | target |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for r in result["kernel"]:
        target = ""
        if r["task"] == "binary" and r["what"].startswith("compiled"):
            target = _verdict(r["ratio_to_baseline"] <= KERNEL_TARGET)
        lines.append(
            f"| {r['task']} | {r['what']} | {r['gamma'] if r['gamma'] else ''} | "
            f"{r['seconds'] * 1e3:.1f} | {r['ns_per_sample']:.1f} | "
            f"{r['ratio_to_baseline']:.2f} | {target} |"
        )
    lines += [
        "",
        "## End to end: `fit` wall time and peak memory",
        "",
        "Median over repetitions (each fit in a fresh process, arms alternating); "
        "time ratio = median over repetitions of the paired ratio to `builtin` of "
        "the same repetition. Peak memory = peak RSS during `fit` minus RSS "
        f"before it. Targets: time <= {TIME_TARGET:.2f}x, memory <= "
        f"{MEMORY_TARGET:.1f}x the built-in (for the `focal` arm).",
        "",
        "| task | data | backend | arm | fit s (median) | x builtin | target | "
        "peak MiB | x builtin | target |",
        "|---|---|---|---|---:|---:|---|---:|---:|---|",
    ]
    for r in result["end_to_end"]:
        data = f"{r['n']:,} x {r['d']}, {r['rounds']} rounds" + (
            f", K={r['k']}" if r["task"] == "multiclass" else ""
        )
        focal = r["arm"] == "focal" and r["backend"] != "catboost"  # targets: ours
        lines.append(
            f"| {r['task']} | {data} | {r['backend']} | {r['arm']} | "
            f"{r['fit_s']:.2f} | "
            f"{r['time_ratio']:.3f} | "
            f"{_verdict(r['time_ratio'] <= TIME_TARGET) if focal else ''} | "
            f"{r['fit_peak_mib']:.0f} | {r['memory_ratio']:.2f} | "
            f"{_verdict(r['memory_ratio'] <= MEMORY_TARGET) if focal else ''} |"
        )
    lines += [
        "",
        "Arms: `builtin` = `XGBClassifier` / `LGBMClassifier` (/ CatBoost `Logloss`) "
        "with the same trees; `focal` = focalboost estimator (compiled kernel when "
        "built); `focal_numpy` = same with `FOCALBOOST_NO_CKERNEL=1`; `naive` = the "
        "backend classifier with a naive numpy focal objective "
        "(`benchmarks/run.py: naive_*`); for CatBoost `focal` is its native `Focal`.",
        "",
    ]
    return "\n".join(lines)


def plot(result: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    rows = [r for r in result["end_to_end"] if r["arm"] != "builtin"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    labels = [f"{r['task'][:5]} {r['backend'][:4]}\n{r['arm']}" for r in rows]
    x = np.arange(len(rows))
    colors = [
        {"focal": "C0", "focal_numpy": "C1", "naive": "C3"}[r["arm"]] for r in rows
    ]
    axes[0].bar(x, [r["time_ratio"] for r in rows], color=colors)
    axes[0].axhline(
        TIME_TARGET, color="k", ls="--", lw=1, label=f"target {TIME_TARGET}x"
    )
    axes[0].axhline(1.0, color="grey", lw=0.8)
    axes[0].set_xticks(x, labels, rotation=90, fontsize=7)
    axes[0].set_ylabel("fit time / built-in log loss")
    axes[0].legend()
    kr = [r for r in result["kernel"] if r["task"] == "binary" and r["gamma"]]
    kx = np.arange(len(kr))
    axes[1].barh(kx, [r["ns_per_sample"] for r in kr], color="C2")
    base = next(r for r in result["kernel"] if r["what"] == "scipy expit")
    axes[1].axvline(base["ns_per_sample"], color="k", lw=1, label="expit")
    axes[1].axvline(
        KERNEL_TARGET * base["ns_per_sample"],
        color="k",
        ls="--",
        lw=1,
        label="2x expit",
    )
    axes[1].set_yticks(
        kx, [f"{r['what']} (gamma {r['gamma']})" for r in kr], fontsize=7
    )
    axes[1].set_xscale("log")
    axes[1].set_xlabel("ns per sample (binary, 1M rows)")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small sizes (< 3 min)")
    mode.add_argument("--full", action="store_true", help="the issue's sizes")
    mode.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--reps", type=int, help="repetitions of every fit")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument(
        "--no-end-to-end", action="store_true", help="kernel timings only"
    )
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    name = "full" if args.full else "quick"
    size = dict(SIZES[name])
    if args.reps:
        size["reps"] = args.reps
    stem = "perf" if name == "full" else "perf_quick"
    t0 = time.perf_counter()

    def log(msg):
        print(msg, flush=True)

    log(f"kernel timings ({size['kernel_n']:,} rows)")
    kernel = kernel_bench(size["kernel_n"], size["kernel_mc_n"])
    for r in kernel:
        log(
            f"  {r['task']:<10} {r['what']:<28} gamma={r['gamma']}: "
            f"{r['ns_per_sample']:6.1f} ns/sample, {r['ratio_to_baseline']:.2f}x"
        )
    backends = ["xgboost", "lightgbm"]
    try:
        import catboost  # noqa: F401

        if size["catboost"]:
            backends.append("catboost")
        else:
            log("catboost left out in --quick")
    except ImportError:
        log("catboost not installed: its Focal/Logloss pair is left out")
    e2e = []
    if not args.no_end_to_end:
        log("end-to-end fits")
        e2e = summarise(end_to_end(size, backends, log))
    result = dict(
        command=" ".join(["python -m benchmarks.run", *(argv or sys.argv[1:])]),
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        mode=name,
        sizes=size,
        trees=dict(xgboost=XGB_TREES, lightgbm=LGB_TREES),
        machine=_common.machine(fit_threads=THREADS),
        kernel=kernel,
        end_to_end=e2e,
    )
    result["runtime_s"] = time.perf_counter() - t0
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / f"{stem}.md").write_text(markdown(result))
    if e2e:
        plot(result, args.out / f"{stem}.png")
    log(f"wrote {args.out / stem}.{{json,md,png}} in {result['runtime_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
