"""Summary, Markdown tables and plot of ``python -m benchmarks.run``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._perf_workloads import ALPHA, GAMMA

#: Targets of the focal arm: fit time and peak memory vs the built-in log loss,
#: binary kernel time vs ``scipy.special.expit``.
TIME_TARGET, KERNEL_TARGET, MEMORY_TARGET = 1.10, 2.0, 1.2
TITLE = "Focal objective speed and memory vs the built-in log loss"


# ------------------------------------------------------------------- summary
def _arm_row(sub: list[dict], arm: str, base: dict[int, dict]) -> dict[str, Any]:
    """Medians of one arm of one (task, backend) group, ratios to builtin."""
    rs = [r for r in sub if r["arm"] == arm]
    fit_s_all = [r["fit_s"] for r in rs]
    # paired per repetition: ratio of each rep, then the median
    pairs = [r["fit_s"] / base[r["rep"]]["fit_s"] for r in rs]
    first = sub[0]
    return dict(
        task=first["task"],
        backend=first["backend"],
        arm=arm,
        n=first["n"],
        d=first["d"],
        rounds=first["rounds"],
        k=first.get("k", 2),
        reps=len(fit_s_all),
        fit_s=float(np.median(fit_s_all)),
        fit_s_all=fit_s_all,
        time_ratio=float(np.median(pairs)),
        fit_peak_mib=float(np.median([r["fit_peak_mib"] for r in rs])),
    )


def summarise(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median fit time and peak memory per (task, backend, arm).

    Parameters
    ----------
    records : list of dict
        One record per fit (``worker``'s output).

    Returns
    -------
    list of dict
        One row per (task, backend, arm) with the medians, the median paired
        time ratio to the ``builtin`` arm and the memory ratio to it.
    """
    rows = []
    for task, backend in sorted({(r["task"], r["backend"]) for r in records}):
        sub = [r for r in records if r["task"] == task and r["backend"] == backend]
        base = {r["rep"]: r for r in sub if r["arm"] == "builtin"}
        group = [
            _arm_row(sub, arm, base) for arm in dict.fromkeys(r["arm"] for r in sub)
        ]
        builtin_mib = next(r["fit_peak_mib"] for r in group if r["arm"] == "builtin")
        for row in group:
            row["memory_ratio"] = row["fit_peak_mib"] / builtin_mib
        rows += group
    return rows


# ------------------------------------------------------------------ markdown
def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _kernel_table(kernel: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Kernel: one gradient + Hessian evaluation",
        "",
        "Median of repeated calls. Baseline: `scipy.special.expit` (binary, 1 thread) "
        "or `scipy.special.softmax` (multiclass) on the same array. "
        f"Target: binary kernel <= {KERNEL_TARGET:.0f}x expit.",
        "",
        "| task | what | gamma | ms | ns/sample | x baseline | target |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for r in kernel:
        target = ""
        if r["task"] == "binary" and r["what"].startswith("compiled"):
            target = _verdict(r["ratio_to_baseline"] <= KERNEL_TARGET)
        lines.append(
            f"| {r['task']} | {r['what']} | {r['gamma'] if r['gamma'] else ''} | "
            f"{r['seconds'] * 1e3:.1f} | {r['ns_per_sample']:.1f} | "
            f"{r['ratio_to_baseline']:.2f} | {target} |"
        )
    return lines


def _end_to_end_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
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
    for r in rows:
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
    return lines


def markdown_body(result: dict[str, Any]) -> list[str]:
    """Markdown lines of ``perf[_quick].md`` after the provenance lines."""
    return [
        f"Focal arms: alpha={ALPHA}, gamma={GAMMA}, hessian='surrogate'.",
        "",
        *_kernel_table(result["kernel"]),
        "",
        *_end_to_end_table(result["end_to_end"]),
        "",
        "Arms: `builtin` = `XGBClassifier` / `LGBMClassifier` (/ CatBoost `Logloss`) "
        "with the same trees; `focal` = focalboost estimator (compiled kernel when "
        "built); `focal_numpy` = same with `FOCALBOOST_NO_CKERNEL=1`; `naive` = the "
        "backend classifier with a naive numpy focal objective "
        "(`benchmarks/_perf_workloads.py: naive_*`); for CatBoost `focal` is its "
        "native `Focal`.",
    ]


# ---------------------------------------------------------------------- plot
def _plot_time_ratios(ax, rows: list[dict[str, Any]]) -> None:
    labels = [f"{r['task'][:5]} {r['backend'][:4]}\n{r['arm']}" for r in rows]
    x = np.arange(len(rows))
    colors = [
        {"focal": "C0", "focal_numpy": "C1", "naive": "C3"}[r["arm"]] for r in rows
    ]
    ax.bar(x, [r["time_ratio"] for r in rows], color=colors)
    ax.axhline(TIME_TARGET, color="k", ls="--", lw=1, label=f"target {TIME_TARGET}x")
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_xticks(x, labels, rotation=90, fontsize=7)
    ax.set_ylabel("fit time / built-in log loss")
    ax.legend()


def _plot_kernel(ax, kernel: list[dict[str, Any]]) -> None:
    kr = [r for r in kernel if r["task"] == "binary" and r["gamma"]]
    kx = np.arange(len(kr))
    ax.barh(kx, [r["ns_per_sample"] for r in kr], color="C2")
    base = next(r for r in kernel if r["what"] == "scipy expit")
    ax.axvline(base["ns_per_sample"], color="k", lw=1, label="expit")
    ax.axvline(
        KERNEL_TARGET * base["ns_per_sample"],
        color="k",
        ls="--",
        lw=1,
        label="2x expit",
    )
    ax.set_yticks(kx, [f"{r['what']} (gamma {r['gamma']})" for r in kr], fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("ns per sample (binary, 1M rows)")
    ax.legend(fontsize=7)


def plot(result: dict[str, Any], path: Path) -> bool:
    """Time ratios and binary kernel timings; False when matplotlib is absent."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    _plot_time_ratios(
        axes[0], [r for r in result["end_to_end"] if r["arm"] != "builtin"]
    )
    _plot_kernel(axes[1], result["kernel"])
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
