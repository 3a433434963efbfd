"""The ``focalboost compare`` report: verdict, tables, plots, HTML, Markdown, JSON.

``report.html`` is one self-contained file: the plots are PNG images embedded
as ``data:`` URIs and the style sheet is inline, so it opens offline and reads
the same when mailed. ``report.md`` and ``results.json`` carry the same
verdict and tables; the PNG files sit beside them.
"""

from __future__ import annotations

import base64
import html
import io
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
#: Short arm names for plot legends and narrow tables.
SHORT = {
    "log loss": "log loss",
    "balanced log loss": "balanced log loss",
    "alpha-weighted log loss (tuned)": "alpha-weighted (tuned)",
    "focal (tuned)": "focal (tuned)",
}
MARKERS = dict(zip(ARMS, "osD^", strict=True))


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


def stopped_line(result: dict) -> str:
    """Say how many outer folds a time budget left ("" when none was cut)."""
    stopped = result.get("stopped")
    if not stopped:
        return ""
    done = ", ".join(f"{b} {n}" for b, n in stopped["outer_folds_done"].items())
    return (
        f"Time budget of {stopped['time_budget_s']:g} s reached: the verdict uses "
        f"the outer folds finished ({done} of {stopped['outer_folds_planned']})."
    )


# ------------------------------------------------------------------- tables
def _arm_rows(summary: dict, kind: str, config: dict):
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
    return head, rows


def _grid_rows(summary: dict, grid: list[dict]):
    head = ["alpha", "gamma", "inner PR-AUC", "chosen: focal", "chosen: alpha-weighted"]
    rows = []
    for c in grid:
        name = c["name"]
        note = " (log loss)" if c["alpha"] is None and c["gamma"] == 0 else ""
        rows.append(
            [
                fmt_alpha(c["alpha"]) + note,
                f"{c['gamma']:g}",
                f"{summary['inner_pr_auc'][name]:.3f}",
                str(summary["chosen"].get(name, 0)),
                str(summary["chosen_alpha"].get(name, 0)) if c["gamma"] == 0 else "-",
            ]
        )
    return head, rows


def _column_rows(summary: dict, names, what: str):
    head = [what, *(SHORT[a] for a in ARMS)]
    per = {arm: summary["arms"][arm]["per_column_pr_auc"] for arm in ARMS}
    rows = [
        [str(name), *(f"{per[arm][j]:.3f}" for arm in ARMS)]
        for j, name in enumerate(names)
    ]
    return head, rows


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


def _html_table(head, rows) -> str:
    out = ["<table>", "<thead><tr>"]
    out += [f"<th>{html.escape(h)}</th>" for h in head]
    out += ["</tr></thead>", "<tbody>"]
    for row in rows:
        out.append(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
        )
    out += ["</tbody>", "</table>"]
    return "".join(out)


GRID_NOTE = (
    "Focal grid: mean PR-AUC of the inner out-of-fold predictions (what tuning "
    "saw, on the outer training parts) and how often each point was chosen."
)


def _sections(result, config):
    """(title, [(kind, payload)]) per backend: tables as (head, rows)."""
    kind = config["kind"]
    out = []
    for backend, res in result["backends"].items():
        s = res["summary"]
        parts = [("table", _arm_rows(s, kind, config))]
        if kind != "binary":
            what = "class" if kind == "multiclass" else "label"
            parts += [
                ("text", f"PR-AUC per {what} (mean over outer folds):"),
                ("table", _column_rows(s, config["columns"], what)),
            ]
        parts += [("text", GRID_NOTE), ("table", _grid_rows(s, result["grid"]))]
        out.append((backend, parts))
    return out


def _backend_sections(result, config, markdown: bool) -> list[str]:
    out = []
    for backend, parts in _sections(result, config):
        out += [f"## {backend}" if markdown else f"{backend}:", ""]
        for what, payload in parts:
            text = payload if what == "text" else _table(*payload, markdown)
            out += [text, ""]
    return out


def format_text(result: dict, config: dict) -> str:
    """Return what ``focalboost compare`` prints: the verdicts, then the tables."""
    lines = ["Verdict:", *(f"  {v}" for v in verdict_lines(result, config["kind"]))]
    if stopped_line(result):
        lines.append(f"  ({stopped_line(result)})")
    lines += ["", *_backend_sections(result, config, markdown=False)]
    return "\n".join(lines).rstrip() + "\n"


# ------------------------------------------------------------------- plots
def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _indicator(y, kind, n_columns):
    if kind == "multiclass":
        return (y[:, None] == np.arange(n_columns)).astype(np.float64)
    return y.astype(np.float64)


def _pr_curves(result, config):
    """Pooled out-of-fold PR curve of every arm (micro over columns if several)."""
    from matplotlib.figure import Figure
    from sklearn.metrics import average_precision_score, precision_recall_curve

    backends = list(result["backends"])
    fig = Figure(figsize=(5.2 * len(backends), 4.2))
    axes = np.atleast_1d(fig.subplots(1, len(backends), squeeze=False)[0])
    kind = config["kind"]
    for ax, backend in zip(axes, backends, strict=True):
        pooled = result["backends"][backend]["pooled"]
        y = pooled["y"]
        for arm in ARMS:
            p = pooled["proba"][arm]
            if kind != "binary":
                y_flat = _indicator(y, kind, p.shape[1]).ravel()
                p = p.ravel()
            else:
                y_flat = y
            precision, recall, _ = precision_recall_curve(y_flat, p)
            ap = average_precision_score(y_flat, p)
            ax.step(recall, precision, where="post", lw=1.3, label=f"{arm} ({ap:.3f})")
        base = float(np.mean(y_flat))
        ax.axhline(base, color="grey", lw=0.8, ls=":", label=f"prevalence {base:.3f}")
        micro = "" if kind == "binary" else "\n(micro over classes or labels)"
        ax.set(
            xlabel="recall",
            ylabel="precision",
            xlim=(0, 1),
            ylim=(0, 1.02),
            title=f"{backend}: pooled out-of-fold PR curves{micro}",
        )
        ax.title.set_fontsize("medium")
        ax.legend(fontsize="x-small", loc="upper right", title="arm (AP)")
    fig.tight_layout()
    return fig


def _reliability(result, config):
    """Reliability diagrams, one panel per arm (posterior probabilities)."""
    from matplotlib.figure import Figure

    backends = list(result["backends"])
    kind = config["kind"]
    fig = Figure(figsize=(13.0, 3.5 * len(backends)))
    axes = fig.subplots(len(backends), len(ARMS), squeeze=False)
    bins = np.linspace(0.0, 1.0, 11)
    for row, backend in zip(axes, backends, strict=True):
        pooled = result["backends"][backend]["pooled"]
        for ax, arm in zip(row, ARMS, strict=True):
            p = pooled["proba"][arm]
            y = pooled["y"]
            if kind != "binary":
                y = _indicator(y, kind, p.shape[1]).ravel()
                p = p.ravel()
            which = np.clip(np.digitize(p, bins) - 1, 0, len(bins) - 2)
            count = np.bincount(which, minlength=len(bins) - 1)
            mean_p = np.bincount(which, p, len(bins) - 1) / np.maximum(count, 1)
            rate = np.bincount(which, y, len(bins) - 1) / np.maximum(count, 1)
            used = count > 0
            ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":")
            ax.plot(mean_p[used], rate[used], marker=MARKERS[arm], lw=1.2)
            ece = float(np.sum(count * np.abs(rate - mean_p)) / max(len(p), 1))
            ax.set(
                xlim=(0, 1),
                ylim=(0, 1),
                xlabel="mean predicted probability",
                title=f"{SHORT[arm]}\nECE {ece:.3f}",
            )
            ax.title.set_fontsize("small")
            # rows per bin, log scale, as bars up to 0.25 of the height
            height = 0.25 * np.log1p(count) / np.log1p(max(count.max(), 1))
            ax.bar(bins[:-1], height, width=0.09, align="edge", alpha=0.15, color="k")
        row[0].set_ylabel(f"{backend}: observed frequency")
    fig.suptitle(
        "Reliability of the pooled out-of-fold probabilities (grey bars: rows "
        "per bin, log scale)",
        fontsize="medium",
    )
    fig.tight_layout()
    return fig


def _fold_plot(result, config):
    from matplotlib.figure import Figure

    backends = list(result["backends"])
    score = SCORE_NAME[config["kind"]]
    fig = Figure(figsize=(7.0, 3.0 * len(backends)))
    axes = np.atleast_1d(fig.subplots(len(backends), 1, squeeze=False)[:, 0])
    for ax, backend in zip(axes, backends, strict=True):
        folds = result["backends"][backend]["folds"]
        x = np.array([f.get("outer_fold", i) + 1 for i, f in enumerate(folds)])
        for arm in ARMS:
            values = [f["arms"][arm]["pr_auc"] for f in folds]
            ax.plot(x, values, marker=MARKERS[arm], lw=1, label=arm)
        ax.set(xlabel="outer fold", ylabel=score, title=backend)
        ax.set_xticks(x)
        ax.legend(fontsize="x-small", loc="best")
    fig.tight_layout()
    return fig


def _per_column(result, config):
    """Per class or label: PR-AUC bars and the PR curves of every arm."""
    from matplotlib.figure import Figure
    from sklearn.metrics import precision_recall_curve

    backends = list(result["backends"])
    names = [str(c) for c in config["columns"]]
    figs = []
    fig = Figure(figsize=(max(7.0, 0.9 * len(names) + 3), 3.4 * len(backends)))
    axes = np.atleast_1d(fig.subplots(len(backends), 1, squeeze=False)[:, 0])
    width = 0.8 / len(ARMS)
    for ax, backend in zip(axes, backends, strict=True):
        arms = result["backends"][backend]["summary"]["arms"]
        x = np.arange(len(names))
        for i, arm in enumerate(ARMS):
            offset = (i - (len(ARMS) - 1) / 2) * width
            ax.bar(x + offset, arms[arm]["per_column_pr_auc"], width, label=arm)
        ax.set_xticks(x, names, rotation=30)
        ax.set(ylabel="PR-AUC", ylim=(0, 1.05), title=f"{backend}: per class / label")
        ax.legend(fontsize="x-small", ncols=2)
    fig.tight_layout()
    figs.append(("per_column_pr_auc.png", fig))
    cols = min(4, len(names))
    rows = -(-len(names) // cols)
    for backend in backends:
        pooled = result["backends"][backend]["pooled"]
        fig = Figure(figsize=(3.3 * cols, 3.0 * rows))
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        n_columns = len(names)
        y = _indicator(pooled["y"], config["kind"], n_columns)
        for j, ax in enumerate(axes):
            if j >= n_columns:
                ax.set_axis_off()
                continue
            for arm in ARMS:
                p = pooled["proba"][arm][:, j]
                if 0 < y[:, j].sum() < len(y):
                    precision, recall, _ = precision_recall_curve(y[:, j], p)
                    ax.step(recall, precision, where="post", lw=1, label=SHORT[arm])
            ax.set(xlim=(0, 1), ylim=(0, 1.02), title=names[j])
            ax.title.set_fontsize("small")
            ax.tick_params(labelsize="x-small")
        axes[0].legend(fontsize="xx-small")
        fig.suptitle(f"{backend}: pooled out-of-fold PR curves per class / label")
        fig.tight_layout()
        figs.append((f"pr_curves_per_column_{backend}.png", fig))
    return figs


#: Title and caption of each plot, by file name (per-backend names by prefix).
PLOT_TEXT = {
    "pr_curves.png": (
        "Precision-recall curves",
        "Every outer test fold's predictions pooled, one curve per arm; the "
        "legend gives each pooled curve's average precision.",
    ),
    "reliability.png": (
        "Reliability diagrams",
        "Posterior probabilities of each arm against the observed frequency "
        "(10 equal-width bins), the log loss beside the weighted and focal "
        "arms: class weights and focusing move the probabilities away from "
        "the diagonal.",
    ),
    "pr_auc_folds.png": (
        "PR-AUC of every outer fold",
        "The paired differences between these lines are what the verdict tests.",
    ),
    "per_column_pr_auc.png": (
        "PR-AUC per class or label",
        "Mean over the outer folds.",
    ),
    "pr_curves_per_column": (
        "PR curves per class or label",
        "Pooled outer test-fold predictions, one panel per class or label.",
    ),
}


def _plot_text(name: str) -> tuple[str, str]:
    if name in PLOT_TEXT:
        return PLOT_TEXT[name]
    title, caption = PLOT_TEXT["pr_curves_per_column"]
    backend = name.rsplit("_", 1)[-1].removesuffix(".png")
    return f"{title} ({backend})", caption


def _plots(result: dict, config: dict) -> list[tuple[str, bytes]]:
    """Render the plots as PNG bytes; raise ImportError without matplotlib."""
    import matplotlib.figure  # noqa: F401  (ImportError when absent)

    figs = [
        ("pr_curves.png", _pr_curves(result, config)),
        ("reliability.png", _reliability(result, config)),
        ("pr_auc_folds.png", _fold_plot(result, config)),
    ]
    if config["kind"] != "binary":
        figs += _per_column(result, config)
    return [(name, _png(fig)) for name, fig in figs]


# ------------------------------------------------------------------ report
def write_report(result: dict, out_dir: str, *, config: dict) -> dict:
    """Write ``report.html``, ``report.md``, ``results.json`` and PNG plots.

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
        images, note = _plots(result, config), ""
    except ImportError:
        images = []
        note = (
            "matplotlib is not installed, so this report has no plots "
            "(pip install 'focalboost[examples]' and run again)."
        )
    for name, data in images:
        with open(os.path.join(out_dir, name), "wb") as fh:
            fh.write(data)
    plots = [name for name, _ in images]
    stored = {
        **result,
        "backends": {
            b: {k: v for k, v in res.items() if k != "pooled"}
            for b, res in result["backends"].items()
        },
    }
    payload = {
        "verdict": verdict_lines(result, config["kind"]),
        "config": config,
        "versions": versions(),
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count()},
        **stored,
        "plots": plots,
        "plots_note": note,
    }
    with open(os.path.join(out_dir, "results.json"), "w", encoding="utf-8") as fh:
        json.dump(payload, fh, indent=1, default=_plain)
        fh.write("\n")
    with open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as fh:
        fh.write(_markdown(result, config, payload, plots, note))
    with open(os.path.join(out_dir, "report.html"), "w", encoding="utf-8") as fh:
        fh.write(_html(result, config, payload, images, note))
    return {"plots": plots, "note": note}


def _plain(value):
    """JSON for numpy scalars and arrays."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__}")


def _protocol(config: dict) -> list[str]:
    """Return the protocol as Markdown lines (the HTML report converts them)."""
    run = (
        f"Backends {', '.join(config['backends'])} (device "
        f"{config['device'] or 'default'}), {config['n_estimators']} rounds, other "
        f"parameters at the estimators' defaults. Outer: {config['cv']}-fold "
        f"stratified cross-validation repeated {config['repeats']} time(s) "
        f"(seed {config['seed']}); inner: {config['inner_cv']}-fold on each outer "
        f"training part. Run time {config['total_s']:.1f} s"
    )
    if "processes" in config:
        run += (
            f" ({config['processes']} process(es) x {config['threads_per_fit']} "
            "thread(s) per fit)"
        )
    return [
        run + ".",
        "",
        "- **focal (tuned)**: alpha x gamma chosen per outer fold by the "
        f"{SCORE_NAME[config['kind']]} of inner out-of-fold predictions, on the "
        "outer training part only; the grid holds gamma=0 and alpha=None, gamma=0 "
        "(the log loss), which wins ties. The chosen point of every fold is in "
        "results.json (`folds[i].chosen`) and counted in the grid table.",
        "- **alpha-weighted log loss (tuned)**: alpha chosen the same way among "
        "the grid points with gamma=0 (`folds[i].chosen_alpha`). Focal (tuned) "
        "against it asks whether the focusing term gamma itself helps, beyond "
        "the class weight.",
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


def _data_line(config: dict) -> str:
    return (
        f"Data: {config['data']}, {config['n_samples']} rows, "
        f"{config['n_features']} features; {config['target_description']}."
    )


def _markdown(result: dict, config: dict, payload: dict, plots, note: str) -> str:
    stopped = stopped_line(result)
    lines = [
        "# focalboost compare",
        "",
        "## Verdict",
        "",
        *(f"- {v}" for v in payload["verdict"]),
        *([f"- {stopped}"] if stopped else []),
        "",
        _data_line(config),
        "",
        f"Objective kernel: {config.get('kernel', 'not recorded')}.",
        "",
        *_protocol(config),
        *_backend_sections(result, config, markdown=True),
    ]
    if plots:
        lines += ["## Plots", ""]
        for name in plots:
            title, caption = _plot_text(name)
            lines += [f"### {title}", "", caption, "", f"![{name}]({name})", ""]
    else:
        lines += [f"No plots: {note}", ""]
    versions_text = ", ".join(f"{k} {v}" for k, v in payload["versions"].items())
    lines += ["## Versions", "", versions_text, ""]
    return "\n".join(lines)


STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
  max-width: 1180px; margin: 1.5em auto; padding: 0 1em; color: #222;
  line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
.verdict { background: #f4f8fb; border-left: 5px solid #2a6fb0;
  padding: 0.6em 1em; }
.verdict li { margin: 0.3em 0; }
.better { color: #11702b; font-weight: 600; }
.worse { color: #a31515; font-weight: 600; }
.meta { color: #555; font-size: 0.92em; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.9em;
  display: block; overflow-x: auto; max-width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right;
  white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f0f0f0; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: 0.9em; }
code { background: #f3f3f3; padding: 0 0.2em; }
"""


def _inline(text: str) -> str:
    """Escape ``text``; ``**bold**`` and ```code``` of the Markdown lines."""
    import re

    out = html.escape(text)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out)


def _html(result: dict, config: dict, payload: dict, images, note: str) -> str:
    esc = html.escape
    verdict_items = []
    many = len(result["backends"]) > 1
    for backend, res in result["backends"].items():
        for v in res["summary"]["verdicts"]:
            text = esc(verdict_sentence(v, SCORE_NAME[config["kind"]], None))
            css = {"better": "better", "worse": "worse"}.get(v["outcome"], "")
            head = f"<strong>[{esc(backend)}]</strong> " if many else ""
            cls = f' class="{css}"' if css else ""
            verdict_items.append(f"<li{cls}>{head}{text}</li>")
    stopped = stopped_line(result)
    if stopped:
        verdict_items.append(f"<li>{esc(stopped)}</li>")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>focalboost compare report</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>focalboost compare</h1>",
        f'<p class="meta">{esc(_data_line(config))}<br>Objective kernel: '
        f"{esc(str(config.get('kernel', 'not recorded')))}.</p>",
        "<h2>Verdict</h2>",
        f'<div class="verdict"><ul>{"".join(verdict_items)}</ul></div>',
    ]
    protocol = _protocol(config)
    parts.append(f"<p>{_inline(protocol[0])}</p><ul>")
    parts += [f"<li>{_inline(line[2:])}</li>" for line in protocol if line[:2] == "- "]
    parts.append("</ul>")
    for backend, sections in _sections(result, config):
        parts.append(f"<h2>{esc(backend)}</h2>")
        for what, payload_part in sections:
            if what == "text":
                parts.append(f"<p>{esc(payload_part)}</p>")
            else:
                parts.append(_html_table(*payload_part))
    parts.append("<h2>Plots</h2>")
    if images:
        for name, data in images:
            title, caption = _plot_text(name)
            uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
            parts.append(
                f'<figure><h3>{esc(title)}</h3><img src="{uri}" alt="{esc(title)}">'
                f"<figcaption>{esc(caption)}</figcaption></figure>"
            )
    else:
        parts.append(f"<p><strong>No plots:</strong> {esc(note)}</p>")
    versions_text = ", ".join(f"{k} {v}" for k, v in payload["versions"].items())
    parts += [
        "<h2>Versions</h2>",
        f'<p class="meta">{esc(versions_text)}; {esc(payload["machine"]["platform"])}'
        "</p>",
        "</body></html>",
        "",
    ]
    return "\n".join(parts)
