"""The ``focalboost compare`` report: table, report.md, results.json, plots."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence

import numpy as np

from .._version import versions
from ._compare import METRICS, THRESHOLD_RULES, fmt_alpha

__all__ = ["format_table", "write_report"]

_LABELS = {
    "pr_auc": "PR-AUC",
    "roc_auc": "ROC-AUC",
    "f1": "F1",
    "recall": "recall",
    "brier": "Brier",
    "fit_s": "fit s",
}


def _headline(result: dict) -> list[dict]:
    """Return the log-loss arm, the balanced arm and the best focal arm."""
    names = {"log loss", "balanced log loss", result["best_focal"]}
    return [r for r in result["arms"] if r["name"] in names]


def _cell(summary: dict, metric: str) -> str:
    digits = 2 if metric == "fit_s" else 3
    s = summary[metric]
    return f"{s['mean']:.{digits}f}±{s['std']:.{digits}f}"


def format_table(result: dict, markdown: bool = False) -> str:
    """Format the per-arm mean±std table (best focal arm marked ``*``).

    Parameters
    ----------
    result : dict
        From :func:`run_compare`.
    markdown : bool, default=False
        A Markdown table instead of aligned plain text.

    Returns
    -------
    str
    """
    head = ["arm", "alpha", "gamma", *(_LABELS[m] for m in METRICS)]
    body = []
    for r in result["arms"]:
        star = " *" if r["name"] == result["best_focal"] else ""
        body.append(
            [
                r["name"] + star,
                "w=balanced" if r["sample_weight"] else fmt_alpha(r["alpha"]),
                f"{r['gamma']:g}",
                *(_cell(r["summary"], m) for m in METRICS),
            ]
        )
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines)
    widths = [max(len(row[j]) for row in [head, *body]) for j in range(len(head))]

    def fmt(row: list[str]) -> str:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [c.rjust(w) for c, w in zip(row[2:], widths[2:], strict=True)]
        return "  ".join(cells)

    lines = [fmt(head), "-" * len(fmt(head))]
    return "\n".join(lines + [fmt(row) for row in body])


def _plots(result: dict, y: np.ndarray, alphas, gammas, out_dir: str) -> list[str]:
    """Write the PNG plots; raise ImportError when matplotlib is missing."""
    from matplotlib.figure import Figure
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import average_precision_score, precision_recall_curve

    headline = _headline(result)
    written = []

    fig = Figure(figsize=(6.0, 4.5))
    ax = fig.subplots()
    for r in headline:
        precision, recall, _ = precision_recall_curve(y, r["oof"])
        ap = average_precision_score(y, r["oof"])
        ax.step(recall, precision, where="post", label=f"{r['name']} (AP {ap:.3f})")
    ax.axhline(y.mean(), color="grey", lw=0.8, ls=":", label="prevalence")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
    ax.set_title("Precision-recall, out-of-fold predictions")
    ax.legend(loc="upper right", fontsize="small")
    fig.savefig(os.path.join(out_dir, "pr_curves.png"), dpi=110)
    written.append("pr_curves.png")

    fig = Figure(figsize=(5.0, 5.0))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":", label="perfect")
    for r in headline:
        frac, mean_pred = calibration_curve(y, r["oof"], n_bins=10, strategy="quantile")
        ax.plot(mean_pred, frac, marker="o", label=r["name"])
    ax.set(xlabel="mean predicted probability", ylabel="observed positive rate")
    ax.set_title("Reliability (predict_proba, 10 quantile bins)")
    ax.legend(loc="upper left", fontsize="small")
    fig.savefig(os.path.join(out_dir, "reliability.png"), dpi=110)
    written.append("reliability.png")

    by_name = {r["name"]: r for r in result["arms"]}
    grid = np.array(
        [
            [
                by_name[f"focal a={fmt_alpha(a)} g={g:g}"]["summary"]["pr_auc"]["mean"]
                for g in gammas
            ]
            for a in alphas
        ]
    )
    fig = Figure(figsize=(1.6 + 1.1 * len(gammas), 1.4 + 0.6 * len(alphas)))
    ax = fig.subplots()
    image = ax.imshow(grid, cmap="viridis", aspect="auto")
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            dark = grid[i, j] < 0.5 * (grid.min() + grid.max())
            ax.text(
                j,
                i,
                f"{grid[i, j]:.3f}",
                ha="center",
                va="center",
                color="w" if dark else "k",
            )
    ax.set_xticks(range(len(gammas)), [f"{g:g}" for g in gammas])
    ax.set_yticks(range(len(alphas)), [fmt_alpha(a) for a in alphas])
    ax.set(xlabel="gamma", ylabel="alpha", title="Focal loss: mean PR-AUC")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "pr_auc_heatmap.png"), dpi=110)
    written.append("pr_auc_heatmap.png")
    return written


def write_report(
    result: dict,
    y: np.ndarray,
    out_dir: str,
    *,
    config: dict,
    alphas: Sequence[float | str | None],
    gammas: Sequence[float],
) -> dict:
    """Write ``report.md``, ``results.json`` and the PNG plots to ``out_dir``.

    Parameters
    ----------
    result : dict
        From :func:`run_compare`.
    y : ndarray of shape (n_samples,)
        The 0/1 labels (for the out-of-fold curves).
    out_dir : str
        Created if needed.
    config : dict
        The run's settings and data description, stored as given.
    alphas, gammas : sequences
        The focal grid (heat map axes).

    Returns
    -------
    dict
        ``plots`` (file names written) and ``note`` (why there are none, or "").
    """
    os.makedirs(out_dir, exist_ok=True)
    try:
        plots, note = _plots(result, y, alphas, gammas, out_dir), ""
    except ImportError:
        plots = []
        note = (
            "matplotlib is not installed, so this report has no plots "
            "(pip install 'focalboost[examples]' and run again)."
        )
    arms = [{k: v for k, v in r.items() if k != "oof"} for r in result["arms"]]
    payload = {
        "config": config,
        "versions": versions(),
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
        },
        "threshold_rule": THRESHOLD_RULES[config["threshold"]],
        "summary": {
            r["name"]: {m: r["summary"][m] for m in METRICS} for r in result["arms"]
        },
        "best_focal": result["best_focal"],
        "arms": arms,
        "plots": plots,
        "plots_note": note,
        "total_s": result["total_s"],
    }
    with open(os.path.join(out_dir, "results.json"), "w", encoding="utf-8") as fh:
        json.dump(payload, fh, indent=2)
        fh.write("\n")
    with open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as fh:
        fh.write(_markdown(result, config, payload, plots, note))
    return {"plots": plots, "note": note}


def _markdown(result: dict, config: dict, payload: dict, plots, note: str) -> str:
    best = result["best_focal"]
    versions = ", ".join(f"{k} {v}" for k, v in payload["versions"].items())
    lines = [
        "# focalboost compare",
        "",
        f"Data: {config['data']} — {config['n_samples']} rows, "
        f"{config['n_features']} features, {config['n_positive']} positives "
        f"({100 * config['positive_rate']:.2f}%; positive class "
        f"{config['pos_label']!r} of column {config['target']!r}).",
        "",
        f"Backend {config['backend']} (device {config['device'] or 'default'}), "
        f"{config['n_estimators']} rounds, other parameters at the estimator's "
        f"defaults; {config['cv']}-fold stratified cross-validation "
        f"(shuffled, seed {config['seed']}). Run time {result['total_s']:.1f} s.",
        "",
        "Arms: the log loss (gamma=0, alpha=None); the same with balanced sample "
        "weights; the focal loss over alpha x gamma. Best focal arm by mean "
        f"PR-AUC (marked *): **{best}**.",
        "",
        "Mean ± standard deviation (ddof=0) over the test folds:",
        "",
        format_table(result, markdown=True),
        "",
        "- PR-AUC is average precision, ROC-AUC the area under the ROC curve, "
        "both from `predict_proba` on each test fold.",
        "- F1 and recall use a threshold chosen per fold: the "
        f"{THRESHOLD_RULES[config['threshold']]}. It is stored per fold in "
        "results.json.",
        "- The best focal arm is picked on the same test folds that score it, so "
        "its numbers are optimistic relative to the two baselines (a choice among "
        f"{sum(r['focal'] for r in result['arms'])} grid points); use nested "
        "cross-validation for an unbiased estimate.",
        "- Brier is the mean squared error of `predict_proba` (the estimators' "
        "default posterior probabilities, `probability='posterior'`).",
        "- fit s is the wall time of `fit` alone (the model scored on the test fold).",
        "",
    ]
    if plots:
        lines += ["## Plots", ""]
        titles = {
            "pr_curves.png": "Precision-recall curves (pooled out-of-fold predictions)",
            "reliability.png": "Reliability diagram (pooled out-of-fold predictions)",
            "pr_auc_heatmap.png": "Focal grid: mean PR-AUC over alpha x gamma",
        }
        for name in plots:
            lines += [f"### {titles[name]}", "", f"![{name}]({name})", ""]
    else:
        lines += [f"No plots: {note}", ""]
    lines += ["## Versions", "", versions, ""]
    return "\n".join(lines)
