"""Markdown tables of ``python -m benchmarks.quality``.

:func:`quality_body` renders ``quality.md`` and :func:`reproduction_body`
``creditcard_reproduction.md`` (both after the title and the provenance lines
that :func:`benchmarks._common.write_results` writes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks._quality_protocol import ARMS, ARTICLE, INNER_CV_MAX_ROWS
from benchmarks._quality_summary import CALIB_PAIRS, COMPARED, PAIRS

TITLE = "Quality benchmark: focal vs log loss on boosted trees"
REPRODUCTION_TITLE = (
    "Credit-card fraud: the focal-loss article's protocol with boosted trees"
)
#: Sections with one metric table: (title, metric, higher is better).
METRIC_SECTIONS = (
    ("PR-AUC (average precision)", "pr_auc", True),
    ("ROC-AUC", "roc_auc", True),
    ("F1 at the threshold chosen on the training part", "f1", True),
    ("Recall at the threshold chosen on the training part", "recall", True),
    ("Brier score of the posterior probabilities", "brier", False),
)


def _fmt(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}"


def _pm(row, arm, m, digits=3) -> str:
    return f"{_fmt(row['mean'][arm][m], digits)} ± {_fmt(row['std'][arm][m], digits)}"


def _wtl(c: dict[str, int]) -> str:
    return f"{c['win']}/{c['tie']}/{c['loss']}"


def _metric_table(summary, results, metric, higher, digits=3) -> list[str]:
    head = "| data set | rows | pos | " + " | ".join(ARMS) + " | focal vs log |"
    lines = [head, "|---|---:|---:|" + "---|" * len(ARMS) + "---|"]
    for ds in results:
        row = summary["per_dataset"][ds["name"]]
        means = [row["mean"][a][metric] for a in ARMS]
        best = max(means) if higher else min(means)
        cells = [
            f"**{_pm(row, a, metric, digits)}**"
            if round(v, digits) == round(best, digits)
            else _pm(row, a, metric, digits)
            for a, v in zip(ARMS, means, strict=True)
        ]
        test = row["tests"].get(f"focal_vs_log:{metric}")
        vs = f"{test['diff']:+.{digits}f} (p={test['p']:.2f}, {test['outcome']})"
        lines.append(
            f"| {ds['name']} | {ds['n_samples']} | {ds['n_positive']} | "
            + " | ".join(cells)
            + f" | {vs} |"
        )
    return lines


def _protocol(result: dict[str, Any]) -> list[str]:
    cfg = result["config"]
    return [
        f"Trees (all arms): {cfg['trees']}, other parameters at the "
        "FocalXGBClassifier defaults (min_child_weight=1 in log-loss Hessian "
        "units, i.e. XGBoost's min_child_weight = hessian_scale_, unless "
        "booster_params sets it natively; reg_lambda=1).  ",
        f"Outer CV: stratified {cfg['n_splits']}-fold, shuffled, seed {cfg['seed']}."
        " Tuning and thresholds use out-of-fold predictions of the training part "
        f"only (inner stratified 3-fold CV; one 25% hold-out when the training "
        f"part has more than {INNER_CV_MAX_ROWS} rows), never the test fold.  ",
        "Arms: `log` = alpha None, gamma 0 (exact log loss); `weighted_log` = log "
        "loss + balanced sample weights; `focal` = (alpha, gamma) tuned by PR-AUC "
        "over alpha in {None, 0.25, balanced} x gamma in {0, 1, 2} (the grid holds "
        "the log loss itself); `focal_g2` = untuned alpha None, gamma 2.  ",
        "Tests: Nadeau-Bengio corrected paired t-test over the folds (variance "
        "factor 1/k + 1/(k-1)); tie when p >= 0.05. (With 5 folds a Wilcoxon test "
        "cannot reach p < 0.05, hence the t-test.) Across data sets: Wilcoxon "
        "signed-rank on the per-data-set means.  ",
        "Probabilities: `posterior` = predict_proba default (focal margin mapped "
        "back to a posterior estimate), `raw` = probability='focal' (sigmoid of "
        "the margin). For `log` and `weighted_log` the two coincide.",
        "",
        "NoSplitWarning (fits whose trees never split, of all fits, per "
        "configuration, tuning fits included): "
        + ", ".join(
            f"{k} {v.get('no_split', 0)}/{v['fits']}"
            for k, v in sorted(result.get("no_split", {}).items())
        )
        + ".",
    ]


def _win_tie_loss(s: dict[str, Any]) -> list[str]:
    head = ["| comparison | " + " | ".join(COMPARED) + " |"]
    head.append("|---|" + "---|" * len(COMPARED))
    lines = ["## Win / tie / loss (per data set, corrected paired t-test)", ""]
    lines += head
    for a, b in PAIRS:
        cells = [_wtl(s["win_tie_loss"][f"{a}_vs_{b}:{m}"]) for m in COMPARED]
        lines.append(f"| {a} vs {b} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Brier: lower is better, so a win means a lower Brier score. "
        "Across data sets (Wilcoxon on the means; median difference, p):",
        "",
        *head,
    ]
    for a, b in PAIRS:
        tests = [s["across_datasets"][f"{a}_vs_{b}:{m}"] for m in COMPARED]
        cells = [f"{t['median_diff']:+.4f}, p={t['wilcoxon_p']:.3f}" for t in tests]
        lines.append(f"| {a} vs {b} | " + " | ".join(cells) + " |")
    return lines


def _calibration(s: dict[str, Any], results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Calibration: posterior (mapped) vs raw focal probabilities",
        "",
        "Brier and ECE (15 equal-width bins) of the class-1 probability; "
        "`log` for reference. Outcome: the mapped posterior against the raw "
        "probabilities of the same model (win = mapped is better).",
        "",
        "| data set | log Brier | focal Brier raw | focal Brier mapped | log ECE | "
        "focal ECE raw | focal ECE mapped | mapped vs raw (ECE) | focal_g2 ECE raw | "
        "focal_g2 ECE mapped |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for ds in results:
        r = s["per_dataset"][ds["name"]]
        m, c = r["mean"], r["calibration"]
        lines.append(
            f"| {ds['name']} | {m['log']['brier']:.4f} | {m['focal']['brier_raw']:.4f}"
            f" | {m['focal']['brier']:.4f} | {m['log']['ece']:.4f} | "
            f"{m['focal']['ece_raw']:.4f} | {m['focal']['ece']:.4f} | "
            f"{c['focal:ece']['outcome']} | {m['focal_g2']['ece_raw']:.4f} | "
            f"{m['focal_g2']['ece']:.4f} |"
        )
    lines += ["", "| mapped vs raw | Brier W/T/L | ECE W/T/L |", "|---|---|---|"]
    wtl = s["win_tie_loss"]
    for arm in CALIB_PAIRS:
        b, e = wtl[f"{arm}_posterior_vs_raw:brier"], wtl[f"{arm}_posterior_vs_raw:ece"]
        lines.append(f"| {arm} | {_wtl(b)} | {_wtl(e)} |")
    return lines


def _configs(s: dict[str, Any], results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Tuned focal configurations and cost",
        "",
        "Winning (alpha, gamma) of the focal arm, over all folds: "
        + ", ".join(f"{k} x{v}" for k, v in s["focal_configs"].items())
        + ".",
        "",
        "| data set | configs chosen (folds) | fit s log | fit s focal | "
        "tuning s (all candidates) |",
        "|---|---|---:|---:|---:|",
    ]
    for ds in results:
        r = s["per_dataset"][ds["name"]]
        tune = np.mean([f["tune_s"] for f in ds["folds"]])
        cfgs = "; ".join(f"{k} x{v}" for k, v in r["focal_configs"].items())
        lines.append(
            f"| {ds['name']} | {cfgs} | {r['mean']['log']['fit_s']:.2f} | "
            f"{r['mean']['focal']['fit_s']:.2f} | {tune:.1f} |"
        )
    return lines


def quality_body(result: dict[str, Any]) -> list[str]:
    """Markdown lines of ``quality.md`` after the provenance lines.

    Parameters
    ----------
    result : dict
        The results document (``config``, ``summary``, ``datasets``,
        ``no_split``, ``warnings``).

    Returns
    -------
    list of str
    """
    s, results = result["summary"], result["datasets"]
    lines = [*_protocol(result), "", *_win_tie_loss(s)]
    for title, metric, higher in METRIC_SECTIONS:
        lines += ["", f"## {title}", "", "Mean ± std over folds; best in bold.", ""]
        lines += _metric_table(s, results, metric, higher)
    lines += ["", *_calibration(s, results), "", *_configs(s, results)]
    if result.get("warnings"):
        lines += ["", "## Warnings raised during the run", ""]
        lines += [f"- {w}" for w in result["warnings"]]
    return lines


def _confusion(c) -> str:
    (tn, fp), (fn, tp) = c
    return f"TP {tp}, FN {fn}, FP {fp}, TN {tn}"


def _decision_rows(name: str, m: dict[str, Any], n_pos: int) -> list[str]:
    rows = [("posterior", 0.5, m["confusion_05_posterior"])]
    if name == "focal":
        rows.append(("raw focal", 0.5, m["confusion_05_raw"]))
    rows.append(("posterior", m["f1_threshold"], m["confusion_f1_threshold"]))
    lines = []
    for kind, t, c in rows:
        tp, fp = c[1][1], c[0][1]
        f1 = 2 * tp / max(2 * tp + fp + (n_pos - tp), 1)
        lines.append(
            f"| {name} | {kind} | {t:.3g} | {_confusion(c)} | {tp}/{n_pos} = "
            f"{tp / n_pos:.3f} | {tp / max(tp + fp, 1):.3f} | {f1:.3f} |"
        )
    return lines


def reproduction_body(rep: dict[str, Any]) -> list[str]:
    """Markdown lines of ``creditcard_reproduction.md`` after the provenance.

    Parameters
    ----------
    rep : dict
        :func:`benchmarks._quality_protocol.reproduce_creditcard`'s result
        with the run's ``config``.

    Returns
    -------
    list of str
    """
    cfg = rep["config"]
    lines = [
        f"Split: stratified 70/30 (`train_test_split(..., test_size=0.3, "
        f"stratify=y, random_state={cfg['seed']})`): {rep['n_train']} training rows "
        f"({rep['train_frauds']} frauds), {rep['n_test']} test rows "
        f"({rep['test_frauds']} frauds; the article reports "
        f"{ARTICLE['test_frauds']}).  ",
        f"Trees (all models): {cfg['trees']}, n_jobs=1. Focal: alpha=0.25, "
        "gamma=2 (Lin et al.'s defaults), not tuned. The F1-optimal threshold is "
        "picked on out-of-fold predictions of the training part (inner 25% "
        "hold-out) and applied to the model refit on the whole training part.  ",
        "The article's neural nets (cross-entropy vs focal) found "
        f"{ARTICLE['cross_entropy_tp']}/{ARTICLE['test_frauds']} vs "
        f"{ARTICLE['focal_tp']}/{ARTICLE['test_frauds']} test frauds at threshold "
        "0.5.",
        "",
        "| model | probabilities | threshold | confusion (test) | recall | "
        "precision | F1 |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    for name, m in rep["models"].items():
        lines += _decision_rows(name, m, rep["test_frauds"])
    lines += [
        "",
        "| model | PR-AUC | ROC-AUC | Brier (posterior) | ECE (posterior) | "
        "Brier (raw) | ECE (raw) | fit s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in rep["models"].items():
        lines.append(
            f"| {name} | {m['pr_auc']:.4f} | {m['roc_auc']:.4f} | {m['brier']:.2e} | "
            f"{m['ece']:.2e} | {m['brier_raw']:.2e} | {m['ece_raw']:.2e} | "
            f"{m['fit_s']:.1f} |"
        )
    return lines
