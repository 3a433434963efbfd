"""Markdown tables and figure of ``python -m benchmarks.multilabel``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._multilabel_protocol import ARMS, FAMILIES

TITLE = "Multi-label focal loss vs log loss, one model per arm (scene, emotions)"


def _per_label_table(
    ds: dict[str, Any], metric: str, share: str | None = None
) -> list[str]:
    """One metric per label (rows) and arm (columns), the macro row (+ said yes)."""
    main = ds["splits"][0]
    prev = np.asarray(main["prevalence"])
    lines = [
        "| label | prev | " + " | ".join(ARMS) + " |",
        "|---|---:|" + "---:|" * len(ARMS),
    ]
    for j, label in enumerate(ds["labels"]):
        values = [main["arms"][a][metric][j] for a in ARMS]
        lines.append(
            f"| {label} | {prev[j]:.3f} | "
            + " | ".join(f"{v:.3f}" for v in values)
            + " |"
        )
    macro = [np.mean(main["arms"][a][metric]) for a in ARMS]
    lines.append(
        f"| macro | {prev.mean():.3f} | " + " | ".join(f"{v:.3f}" for v in macro) + " |"
    )
    if share:
        said = [np.mean(main["arms"][a][share]) for a in ARMS]
        lines.append(
            f"| said yes | {prev.mean():.3f} | "
            + " | ".join(f"{v:.3f}" for v in said)
            + " |"
        )
    return lines


def _contrast_table(ds: dict[str, Any]) -> list[str]:
    lines = [
        "| seed | family | macro PR-AUC focal - log [95% bootstrap] | labels ahead "
        "| macro F1 (posterior) focal - log | macro F1 (probability='focal') "
        "focal - log |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for s in ds["splits"]:
        for family, c in s["contrasts"].items():
            lo, hi = c["macro_ap_ci"]
            lines.append(
                f"| {s['seed']} | {family} | {c['macro_ap']:+.4f} "
                f"[{lo:+.4f}, {hi:+.4f}] | {c['labels_ahead']} of "
                f"{len(ds['labels'])} | {c['macro_f1']:+.4f} | "
                f"{c['macro_f1_focal']:+.4f} |"
            )
    return lines


def _threshold_table(ds: dict[str, Any]) -> list[str]:
    lines = [
        "| arm | macro F1 at 0.5 (posterior) | macro F1, tuned thresholds |",
        "|---|---:|---:|",
    ]
    main = ds["splits"][0]
    for arm, t in ds["tuned_thresholds"].items():
        lines.append(
            f"| {arm} | {np.mean(main['arms'][arm]['f1']):.3f} | "
            f"{np.mean(t['f1']):.3f} |"
        )
    return lines


def markdown_body(doc: dict[str, Any]) -> list[str]:
    """Markdown lines after the provenance lines."""
    cfg = doc["config"]
    lines = [
        f"Split: seeded {1 - cfg['test_size']:.0%}/{cfg['test_size']:.0%}, "
        "stratified on the label combination (combinations seen fewer than 5 "
        f"times pooled); main split seed {cfg['seeds'][0]}, further seeds "
        f"{cfg['seeds'][1:]} for the contrasts only. {cfg['rounds']} rounds at "
        f"learning rate {cfg['learning_rate']}; trees {cfg['trees']}; every "
        "other parameter at the estimator default. Arms: `XGB1` = XGBoost "
        "`multi_strategy='one_output_per_tree'`, `XGBV` = XGBoost "
        "`multi_strategy='multi_output_tree'`, `LGBM` = LightGBM; `log` = "
        "gamma 0, alpha None; `focal` = gamma 2, alpha 'balanced'; `g2` = gamma "
        "2, alpha None. Each arm is one `fit` on the whole indicator matrix.",
        "",
        "PR-AUC = average precision of `predict_proba` (the posterior "
        "estimates; the raw focal probabilities rank identically). F1 of "
        "`predict` (0.5 on the posterior, the default) and of `predict` with "
        "`probability='focal'`; `said yes` = share of test rows marked "
        "positive, mean over labels. `prev` = test prevalence (the PR-AUC of a "
        f"constant score). Bootstrap: {cfg['n_boot']} paired resamples of the "
        "test rows (the split fixed).",
    ]
    for name, ds in doc["datasets"].items():
        main = ds["splits"][0]
        lines += [
            "",
            f"## {name}: {ds['n_samples']} rows, {ds['n_features']} features, "
            f"{len(ds['labels'])} labels, label cardinality "
            f"{ds['cardinality']:.2f} (test n={main['n_test']})",
            "",
            "### PR-AUC per label",
            "",
            *_per_label_table(ds, "ap"),
            "",
            "### F1 of `predict`, posterior (default)",
            "",
            *_per_label_table(ds, "f1", "said_yes"),
            "",
            "### F1 of `predict`, `probability='focal'`",
            "",
            *_per_label_table(ds, "f1_focal", "said_yes_focal"),
            "",
            "### Focal - log loss, per family and split seed",
            "",
            *_contrast_table(ds),
            "",
            f"### Thresholds tuned per label (seed {main['seed']}, "
            f"{doc['config']['threshold_folds']}-fold out-of-fold posterior "
            "estimates of the training part)",
            "",
            *_threshold_table(ds),
            "",
            "Fit seconds (main split): "
            + ", ".join(f"{a} {main['arms'][a]['fit_s']:.1f}" for a in ARMS)
            + ".",
        ]
    return lines


def plot(doc: dict[str, Any], path: Path) -> bool:
    """Focal - log PR-AUC per label and family; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    names = list(doc["datasets"])
    fig, axes = plt.subplots(len(names), 1, figsize=(8, 3.8 * len(names)))
    axes = np.atleast_1d(axes)
    width = 0.8 / len(FAMILIES)
    for ax, name in zip(axes, names, strict=True):
        ds = doc["datasets"][name]
        main = ds["splits"][0]
        labels = [*ds["labels"], "macro"]
        x = np.arange(len(labels))
        for i, family in enumerate(FAMILIES):
            focal = np.asarray(main["arms"][f"{family} focal"]["ap"])
            logl = np.asarray(main["arms"][f"{family} log"]["ap"])
            diff = np.r_[focal - logl, focal.mean() - logl.mean()]
            pos = x + (i - (len(FAMILIES) - 1) / 2) * width
            ax.bar(pos, diff, width=width, color=f"C{i}", label=family)
            lo, hi = main["contrasts"][family]["macro_ap_ci"]
            ax.errorbar(
                pos[-1],
                diff[-1],
                yerr=[[diff[-1] - lo], [hi - diff[-1]]],
                color="k",
                capsize=3,
                lw=1,
            )
        ax.axhline(0, color="k", lw=0.8)
        ax.set_xticks(x, labels, rotation=20, ha="right", fontsize=11)
        ax.set_ylabel("PR-AUC, focal − log loss", fontsize=11)
        ax.set_title(
            f"{name} (test n={main['n_test']}, seed {main['seed']})\nmacro: "
            "95% paired bootstrap interval",
            fontsize=12,
        )
        ax.legend(fontsize=10, ncol=3, loc="best")
        ax.tick_params(axis="y", labelsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True
