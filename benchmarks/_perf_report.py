"""Summary, Markdown tables and plot of ``python -m benchmarks.run``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._perf_workloads import ALPHA, GAMMA

#: Targets of the focal arm: fit time and peak memory vs the built-in log loss;
#: binary kernel time on one thread vs ``scipy.special.expit``, softmax kernel
#: time on one thread vs ``scipy.special.softmax``.
TIME_TARGET, KERNEL_TARGET, MEMORY_TARGET = 1.05, 1.5, 1.15
SOFTMAX_TARGET = 1.0
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
        "or `scipy.special.softmax` (multiclass) on the same array. ns/element: "
        "per sample (binary), per sample and class (multiclass). Vector path: "
        "`generic` (2 lanes, any x86-64 or arm64 CPU), `avx2`, `avx512` "
        "(`FOCALBOOST_SIMD`). The compiled kernel writes into the previous "
        "call's arrays, as the backend objectives do every round (one row with "
        "new arrays every call: the difference is the page faults of fresh "
        "memory). Targets, on one thread: binary kernel <= "
        f"{KERNEL_TARGET}x expit, softmax kernel <= {SOFTMAX_TARGET}x softmax.",
        "",
        "| task | what | gamma | policy | ms | ns/element | x baseline | target |",
        "|---|---|---|---|---:|---:|---:|---|",
    ]
    for r in kernel:
        target = ""
        if "1 thread" in r["what"] and r["what"].startswith("compiled"):
            bound = KERNEL_TARGET if r["task"] == "binary" else SOFTMAX_TARGET
            target = _verdict(r["ratio_to_baseline"] <= bound)
        lines.append(
            f"| {r['task']} | {r['what']} | {r['gamma'] if r['gamma'] else ''} | "
            f"{r.get('policy', '')} | "
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
        f"{MEMORY_TARGET:.2f}x the built-in (for the `focal` arm).",
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
#: Bar colour of each arm (focalboost's kernel and CatBoost's native Focal
#: share one: both are a compiled objective).
ARM_COLOURS = {"focal": "C0", "focal_numpy": "C1", "naive": "C3"}


def _plot_time_ratios(ax, rows: list[dict[str, Any]]) -> None:
    """One horizontal bar per (task, backend, arm), its ratio written at its end."""
    y = np.arange(len(rows))
    ratios = [r["time_ratio"] for r in rows]
    ax.barh(y, ratios, color=[ARM_COLOURS[r["arm"]] for r in rows])
    for yi, v in zip(y, ratios, strict=True):
        ax.text(v + 0.02, yi, f"{v:.2f}x", va="center", fontsize=9)
    ax.axvline(TIME_TARGET, color="k", ls="--", lw=1)
    ax.axvline(1.0, color="grey", lw=0.8)
    labels = [f"{r['task']}, {r['backend']}: {r['arm']}" for r in rows]
    ax.set_yticks(y, labels, fontsize=10)
    ax.invert_yaxis()
    ax.set_xlim(0, max(ratios) * 1.15)
    ax.tick_params(axis="x", labelsize=10)
    ax.set_xlabel("fit time / the backend's built-in log loss", fontsize=11)
    ax.set_title(
        "End to end: fit time relative to the built-in log loss\n"
        "blue: compiled objective, orange: focalboost's numpy path,\n"
        f"red: naive numpy objective; dashed: the {TIME_TARGET}x target",
        fontsize=11,
    )


def _plot_kernel(ax, kernel: list[dict[str, Any]]) -> None:
    """Gradient + Hessian time per element (sample x class), baselines in grey."""
    y = np.arange(len(kernel))
    ns = [r["ns_per_sample"] for r in kernel]
    colours = ["0.6" if not r["gamma"] else "C2" for r in kernel]
    ax.barh(y, ns, color=colours)
    for yi, r in zip(y, kernel, strict=True):
        ax.text(
            r["ns_per_sample"] + 1,
            yi,
            f"{r['ns_per_sample']:.1f} ns ({r['ratio_to_baseline']:.2f}x)",
            va="center",
            fontsize=9,
        )
    labels = [
        f"{r['task']}: {r['what']}"
        + (f" (gamma {r['gamma']:g}" if r["gamma"] else "")
        + (f", {r['policy']})" if r.get("policy") else (")" if r["gamma"] else ""))
        for r in kernel
    ]
    ax.set_yticks(y, labels, fontsize=10)
    ax.invert_yaxis()
    ax.set_xlim(0, max(ns) * 1.35)
    ax.tick_params(axis="x", labelsize=10)
    ax.set_xlabel("ns per element (multiclass: per sample and class)", fontsize=11)
    ax.set_title(
        "Kernel: one gradient + Hessian evaluation\n"
        "(grey: expit / softmax; in brackets: time / that baseline)",
        fontsize=11,
    )


def plot(result: dict[str, Any], path: Path) -> bool:
    """Time ratios and kernel timings; False when matplotlib is absent.

    Two stacked panels about 8.5 inches wide at 100 dpi with 10-11 pt text,
    readable at a documentation page's column width; it needs only the
    ``end_to_end`` and ``kernel`` lists of the results document, so it can be
    redrawn from a committed ``perf.json``.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    rows = [r for r in result["end_to_end"] if r["arm"] != "builtin"]
    kernel = result["kernel"]
    fig, axes = plt.subplots(
        2,
        1,
        figsize=(8.5, 0.32 * (len(rows) + len(kernel)) + 2.6),
        height_ratios=[len(rows) + 1, len(kernel) + 1],
    )
    _plot_time_ratios(axes[0], rows)
    _plot_kernel(axes[1], kernel)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True
