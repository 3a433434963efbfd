"""The ``focalboost compare`` report: verdict, tables, report.md, JSON, plots."""

from __future__ import annotations

import json
import os
import platform

import numpy as np

from .._version import versions
from ._compare import ARMS, SUMMARY_METRICS, fmt_alpha

__all__ = ["format_text", "verdict_lines", "write_report"]

#: Column titles of the arm tables; ``{p}`` / ``{r}`` are the chosen levels.
LABELS = {
    "pr_auc": "PR-AUC",
    "pr_auc_micro": "micro PR-AUC",
    "roc_auc": "ROC-AUC",
    "recall_at_precision": "recall@P>={p:g}",
    "precision_at_recall": "precision@R>={r:g}",
    "f1": "F1",
    "brier": "Brier",
    "log_loss": "log loss",
    "fit_s": "fit s",
}
SCORE_NAME = {
    "binary": "PR-AUC",
    "multiclass": "macro PR-AUC",
    "multilabel": "macro PR-AUC",
}


# ------------------------------------------------------------------ verdict
def verdict_sentence(v: dict, score: str, backend: str | None = None) -> str:
    """Return one plain sentence for one paired comparison.

    ``focal (tuned) vs log loss: PR-AUC +0.004 (95% CI -0.010 to +0.020), no
    significant difference: log loss is the simpler choice``.
    """
    head = f"[{backend}] " if backend else ""
    numbers = (
        f"{score} {v['mean_difference']:+.3f} (95% CI {v['ci_low']:+.3f} to "
        f"{v['ci_high']:+.3f}, p = {v['p']:.2g})"
    )
    if v["outcome"] == "tie":
        end = f"no significant difference: {v['second']} is the simpler choice"
    elif v["outcome"] == "better":
        end = f"{v['first']} is significantly better"
    else:
        end = f"{v['second']} is significantly better"
    return f"{head}{v['first']} vs {v['second']}: {numbers}, {end}"


def verdict_lines(result: dict, kind: str) -> list[str]:
    """Return the verdict sentences of every backend (named if several)."""
    many = len(result["backends"]) > 1
    return [
        verdict_sentence(v, SCORE_NAME[kind], backend if many else None)
        for backend, res in result["backends"].items()
        for v in res["summary"]["verdicts"]
    ]


# ------------------------------------------------------------------- tables
def _table(head, rows, markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(r[j]) for r in [head, *rows]) for j in range(len(head))]

    def fmt(row):
        cells = [row[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(cells)

    return "\n".join([fmt(head), "-" * len(fmt(head)), *map(fmt, rows)])


def arms_table(summary: dict, kind: str, config: dict, markdown=False) -> str:
    """Mean ± std over the outer folds of every arm."""
    metrics = SUMMARY_METRICS[kind]
    head = ["arm"] + [
        LABELS[m].format(p=config["at_precision"], r=config["at_recall"])
        for m in metrics
    ]
    rows = []
    for arm in ARMS:
        s = summary["arms"][arm]
        cells = []
        for m in metrics:
            digits = 2 if m == "fit_s" else 3
            cells.append(f"{s[m]['mean']:.{digits}f}±{s[m]['std']:.{digits}f}")
        rows.append([arm, *cells])
    return _table(head, rows, markdown)


def grid_table(summary: dict, grid: list[dict], markdown=False) -> str:
    """Mean outer PR-AUC of every grid point, and how often tuning chose it."""
    head = ["alpha", "gamma", "mean PR-AUC", "chosen in folds"]
    rows = []
    for c in grid:
        name = c["name"]
        note = " (log loss)" if c["alpha"] is None and c["gamma"] == 0 else ""
        rows.append(
            [
                fmt_alpha(c["alpha"]) + note,
                f"{c['gamma']:g}",
                f"{summary['grid_pr_auc'][name]:.3f}",
                str(summary["chosen"].get(name, 0)),
            ]
        )
    return _table(head, rows, markdown)


def per_column_table(summary: dict, names, what: str, markdown=False) -> str:
    """Per-class or per-label PR-AUC of the three arms."""
    head = [what, *ARMS]
    per = {arm: summary["arms"][arm]["per_column_pr_auc"] for arm in ARMS}
    rows = [
        [str(name), *(f"{per[arm][j]:.3f}" for arm in ARMS)]
        for j, name in enumerate(names)
    ]
    return _table(head, rows, markdown)


def _backend_sections(result, config, markdown: bool) -> list[str]:
    kind = config["kind"]
    out = []
    for backend, res in result["backends"].items():
        s = res["summary"]
        title = f"## {backend}" if markdown else f"{backend}:"
        out += [title, "", arms_table(s, kind, config, markdown), ""]
        if kind != "binary":
            what = "class" if kind == "multiclass" else "label"
            out += [
                f"PR-AUC per {what} (mean over outer folds):",
                "",
                per_column_table(s, config["columns"], what, markdown),
                "",
            ]
        out += [
            "Focal grid (every point fitted on each outer training part; the best "
            "point here is optimistic, the tuned arm above is not):",
            "",
            grid_table(s, result["grid"], markdown),
            "",
        ]
    return out


def format_text(result: dict, config: dict) -> str:
    """Return what ``focalboost compare`` prints: the verdicts, then the tables."""
    lines = ["Verdict:", *(f"  {v}" for v in verdict_lines(result, config["kind"]))]
    lines += ["", *_backend_sections(result, config, markdown=False)]
    return "\n".join(lines).rstrip() + "\n"


# ------------------------------------------------------------------- plots
def _plots(result: dict, config: dict, out_dir: str) -> list[str]:
    """Write the PNG plots; raise ImportError when matplotlib is missing."""
    from matplotlib.figure import Figure

    backends = list(result["backends"])
    score = SCORE_NAME[config["kind"]]
    fig = Figure(figsize=(6.5, 2.8 + 2.2 * (len(backends) - 1)))
    axes = np.atleast_1d(fig.subplots(len(backends), 1, squeeze=False)[:, 0])
    for ax, backend in zip(axes, backends, strict=True):
        folds = result["backends"][backend]["folds"]
        x = np.arange(1, len(folds) + 1)
        for arm, marker in zip(ARMS, "os^", strict=True):
            values = [f["arms"][arm]["pr_auc"] for f in folds]
            ax.plot(x, values, marker=marker, lw=1, label=arm)
        ax.set(xlabel="outer fold", ylabel=score, title=backend)
        ax.set_xticks(x)
        ax.legend(fontsize="small", loc="best")
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "pr_auc_folds.png"), dpi=110)
    written = ["pr_auc_folds.png"]
    if config["kind"] != "binary":
        fig = Figure(figsize=(7.0, 3.2 * len(backends)))
        axes = np.atleast_1d(fig.subplots(len(backends), 1, squeeze=False)[:, 0])
        for ax, backend in zip(axes, backends, strict=True):
            arms = result["backends"][backend]["summary"]["arms"]
            x = np.arange(len(config["columns"]))
            for i, arm in enumerate(ARMS):
                ax.bar(
                    x + (i - 1) * 0.27, arms[arm]["per_column_pr_auc"], 0.27, label=arm
                )
            ax.set_xticks(x, [str(c) for c in config["columns"]], rotation=30)
            ax.set(ylabel="PR-AUC", title=f"{backend}: per class / label")
            ax.legend(fontsize="small")
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, "per_column_pr_auc.png"), dpi=110)
        written.append("per_column_pr_auc.png")
    return written


# ------------------------------------------------------------------ report
def write_report(result: dict, out_dir: str, *, config: dict) -> dict:
    """Write ``report.md``, ``results.json`` and the PNG plots to ``out_dir``.

    Parameters
    ----------
    result : dict
        From :func:`~focalboost.cli._compare.run_compare`.
    out_dir : str
        Created if needed (``OSError`` when it cannot be).
    config : dict
        The run's settings and data description, stored as given.

    Returns
    -------
    dict
        ``plots`` (file names written) and ``note`` (why there are none, or "").
    """
    os.makedirs(out_dir, exist_ok=True)
    try:
        plots, note = _plots(result, config, out_dir), ""
    except ImportError:
        plots = []
        note = (
            "matplotlib is not installed, so this report has no plots "
            "(pip install 'focalboost[examples]' and run again)."
        )
    payload = {
        "verdict": verdict_lines(result, config["kind"]),
        "config": config,
        "versions": versions(),
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count()},
        **result,
        "plots": plots,
        "plots_note": note,
    }
    with open(os.path.join(out_dir, "results.json"), "w", encoding="utf-8") as fh:
        json.dump(payload, fh, indent=1, default=_plain)
        fh.write("\n")
    with open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as fh:
        fh.write(_markdown(result, config, payload, plots, note))
    return {"plots": plots, "note": note}


def _plain(value):
    """JSON for numpy scalars and arrays."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__}")


def _protocol(config: dict) -> list[str]:
    return [
        f"Backends {', '.join(config['backends'])} (device "
        f"{config['device'] or 'default'}), {config['n_estimators']} rounds, other "
        f"parameters at the estimators' defaults. Outer: {config['cv']}-fold "
        f"stratified cross-validation repeated {config['repeats']} time(s) "
        f"(seed {config['seed']}); inner: {config['inner_cv']}-fold on each outer "
        "training part. Run time "
        f"{config['total_s']:.1f} s.",
        "",
        "- **focal (tuned)**: alpha x gamma chosen per outer fold by the "
        f"{SCORE_NAME[config['kind']]} of inner out-of-fold predictions, on the "
        "outer training part only; the grid holds gamma=0 and alpha=None, gamma=0 "
        "(the log loss), which wins ties. The chosen point of every fold is in "
        "results.json (`folds[i].chosen`) and counted in the grid table.",
        "- **balanced log loss**: " + config["balanced_rule"] + ".",
        "- The verdict is the Nadeau-Bengio corrected resampled t-test of the "
        "paired outer-fold differences (variance inflated by 1/J + n_test/n_train "
        "because the training parts overlap; Student's t with J - 1 degrees of "
        "freedom), with its 95% confidence interval; p < 0.05 is significant.",
        "- Scores are computed from `predict_proba` (posterior estimates, "
        "`probability='posterior'`) on each outer test fold."
        + (
            " Thresholds of F1, recall@precision and precision@recall are chosen "
            "on the training part's out-of-fold predictions, never on the test "
            "fold."
            if config["kind"] == "binary"
            else ""
        ),
        "",
    ]


def _markdown(result: dict, config: dict, payload: dict, plots, note: str) -> str:
    lines = [
        "# focalboost compare",
        "",
        "## Verdict",
        "",
        *(f"- {v}" for v in payload["verdict"]),
        "",
        f"Data: {config['data']}, {config['n_samples']} rows, "
        f"{config['n_features']} features; {config['target_description']}.",
        "",
        *_protocol(config),
        *_backend_sections(result, config, markdown=True),
    ]
    if plots:
        titles = {
            "pr_auc_folds.png": "PR-AUC of every outer fold",
            "per_column_pr_auc.png": "PR-AUC per class or label",
        }
        lines += ["## Plots", ""]
        for name in plots:
            lines += [f"### {titles[name]}", "", f"![{name}]({name})", ""]
    else:
        lines += [f"No plots: {note}", ""]
    versions_text = ", ".join(f"{k} {v}" for k, v in payload["versions"].items())
    lines += ["## Versions", "", versions_text, ""]
    return "\n".join(lines)
