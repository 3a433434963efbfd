"""Figures of ``python -m benchmarks.quality``.

``quality_winrate.png`` (per-data-set PR-AUC differences and win/tie/loss
counts), ``quality_calibration.png`` (mapped vs raw calibration per data set)
and ``creditcard_reproduction.png`` (test PR curves).

The figures are drawn about 8-9 inches wide at 100 dpi with 10-12 pt text,
so that they stay readable when a page shows them at its column width
(about 800 pixels). :func:`plot_quality` needs only the results document,
so the two quality figures can be redrawn from a committed ``quality.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._quality_summary import COMPARED, PAIRS

COLOUR = {"win": "tab:green", "tie": "tab:gray", "loss": "tab:red"}
#: Resolution of every figure; sizes are in inches at this resolution.
DPI = 100


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _plot_differences(ax, s: dict[str, Any], names: list[str]) -> None:
    """PR-AUC difference per data set of the first two pairs, by outcome."""
    order = np.argsort(
        [s["per_dataset"][n]["tests"]["focal_vs_log:pr_auc"]["diff"] for n in names]
    )
    for j, (a, b) in enumerate(PAIRS[:2]):
        for i, n in enumerate(np.array(names)[order]):
            t = s["per_dataset"][n]["tests"][f"{a}_vs_{b}:pr_auc"]
            ax.errorbar(
                t["diff"],
                i + 0.2 * (j - 0.5),
                xerr=t["diff_std"],
                fmt="os"[j],
                color=COLOUR[t["outcome"]],
                ecolor="0.75",
                ms=6,
            )
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(range(len(names)), np.array(names)[order], fontsize=10)
    ax.tick_params(axis="x", labelsize=10)
    ax.set_ylim(-0.7, len(names) - 0.3)
    ax.grid(axis="x", color="0.9")
    ax.set_xlabel("PR-AUC difference (mean ± std over the 5 folds)", fontsize=11)
    ax.set_title(
        "tuned focal − log loss (circles), tuned focal − weighted log loss "
        "(squares)\ngreen: win, grey: tie, red: loss (corrected t-test, p < 0.05)",
        fontsize=11,
    )


def _plot_counts(ax, s: dict[str, Any]) -> None:
    """Stacked win / tie / loss counts of every comparison and metric."""
    rows = [(f"{a} vs {b}", m) for a, b in PAIRS for m in COMPARED]
    left = np.zeros(len(rows))
    for o in ("win", "tie", "loss"):
        v = np.array(
            [
                s["win_tie_loss"][f"{r[0].replace(' vs ', '_vs_')}:{r[1]}"][o]
                for r in rows
            ]
        )
        ax.barh(range(len(rows)), v, left=left, color=COLOUR[o], label=o)
        for i, (lo, n) in enumerate(zip(left, v, strict=True)):
            if n:
                ax.text(
                    lo + n / 2,
                    i,
                    f"{n:.0f}",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if o != "tie" else "black",
                )
        left += v
    labels = [f"{a}: {m.replace('_', '-')}" for a, m in rows]
    ax.set_yticks(range(len(rows)), labels, fontsize=10)
    ax.tick_params(axis="x", labelsize=10)
    ax.invert_yaxis()
    ax.set_xlabel("number of data sets", fontsize=11)
    ax.legend(loc="lower left", bbox_to_anchor=(1.0, 0.0), fontsize=10)
    ax.set_title("win / tie / loss per data set and metric", fontsize=11)


def _plot_calibration(ax, s: dict[str, Any], names: list[str], m: str) -> None:
    """Metric ``m`` of the mapped posterior against the raw focal one."""
    from matplotlib.ticker import NullFormatter

    seen = []
    for arm, mk in (("focal", "o"), ("focal_g2", "^")):
        raw = [s["per_dataset"][n]["mean"][arm][f"{m}_raw"] for n in names]
        post = [s["per_dataset"][n]["mean"][arm][m] for n in names]
        ax.scatter(raw, post, marker=mk, label=arm, alpha=0.8, s=36)
        seen += [v for v in raw + post if v > 0]
    lim = (0.7 * min(seen), 1.4 * max(seen))
    ax.plot(lim, lim, "k--", lw=0.8)
    ax.set(xscale="log", yscale="log", xlim=lim, ylim=lim)
    name = {"ece": "ECE", "brier": "Brier score"}[m]
    ax.set_xlabel(f"{name}, raw focal probabilities", fontsize=11)
    ax.set_ylabel(f"{name}, mapped posterior", fontsize=11)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_minor_formatter(NullFormatter())
    ax.tick_params(labelsize=10)
    ax.set_title(
        f"{name} per data set\n(below the diagonal: the map helps)", fontsize=11
    )
    ax.legend(fontsize=10)


def plot_quality(result: dict[str, Any], out_dir: Path, stem: str) -> list[Path]:
    """Write ``STEM_winrate.png`` and ``STEM_calibration.png``.

    Parameters
    ----------
    result : dict
        The results document (``summary``, ``datasets``).
    out_dir : pathlib.Path
        Output folder.
    stem : str
        File name prefix (``"quality"``).

    Returns
    -------
    list of pathlib.Path
        The two figures.
    """
    plt = _pyplot()
    s, names = result["summary"], [d["name"] for d in result["datasets"]]
    n_rows = len(PAIRS) * len(COMPARED)
    fig, (ax, ax2) = plt.subplots(
        2,
        1,
        figsize=(8.5, 0.3 * (len(names) + n_rows) + 2.5),
        height_ratios=[len(names) + 1.5, n_rows + 1],
    )
    _plot_differences(ax, s, names)
    _plot_counts(ax2, s)
    fig.tight_layout()
    paths = [out_dir / f"{stem}_winrate.png"]
    fig.savefig(paths[0], dpi=DPI)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(9, 4.6))
    for ax, m in zip(axes, ("ece", "brier"), strict=True):
        _plot_calibration(ax, s, names, m)
    fig.tight_layout()
    paths.append(out_dir / f"{stem}_calibration.png")
    fig.savefig(paths[1], dpi=DPI)
    plt.close(fig)
    return paths


def plot_reproduction(rep: dict[str, Any], path: Path) -> None:
    """Test PR curves of the credit-card reproduction's models."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 5))
    for name, (prec, rec) in rep["curves"].items():
        m = rep["models"][name]
        ax.plot(rec, prec, label=f"{name} (AP {m['pr_auc']:.3f})")
    ax.set(xlim=(0, 1), ylim=(0, 1.02))
    ax.set_xlabel("recall", fontsize=11)
    ax.set_ylabel("precision", fontsize=11)
    ax.tick_params(labelsize=10)
    ax.set_title(
        f"creditcard_fraud, 30% test split ({rep['test_frauds']} frauds)", fontsize=11
    )
    ax.legend(loc="lower left", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
