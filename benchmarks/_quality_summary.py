"""Statistics of ``python -m benchmarks.quality``: paired tests and tallies.

Arms are compared per data set with the Nadeau-Bengio corrected paired t-test
over the folds (tie when p >= :data:`P_TIE`) and across data sets with the
Wilcoxon signed-rank test on the per-data-set means.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from scipy import stats

from benchmarks._quality_protocol import ARMS
from focalboost.metrics import corrected_resampled_ttest

P_TIE = 0.05
#: Metrics compared between arms, and whether higher is better.
COMPARED = {"pr_auc": True, "roc_auc": True, "f1": True, "recall": True, "brier": False}
#: (arm, reference) pairs of the tests.
PAIRS = (("focal", "log"), ("focal", "weighted_log"), ("focal_g2", "log"))
#: Arms whose mapped posterior is compared with their raw focal probabilities.
CALIB_PAIRS = ("focal", "focal_g2")
#: Metrics averaged per arm and data set.
METRICS = (
    "pr_auc",
    "roc_auc",
    "f1",
    "precision",
    "recall",
    "brier",
    "ece",
    "brier_raw",
    "ece_raw",
    "fit_s",
)


def corrected_ttest(d: np.ndarray, test_over_train: float) -> float:
    """Two-sided p of the Nadeau-Bengio corrected paired t-test on fold diffs.

    :func:`focalboost.metrics.corrected_resampled_ttest` (the same test as
    ``focalboost compare``'s verdict); 1.0 when every difference is zero.
    """
    return corrected_resampled_ttest(d, test_size=test_over_train, train_size=1.0).p


def _vals(ds, arm, metric):
    return np.array([f["arms"][arm][metric] for f in ds["folds"]], dtype=float)


def _outcome(d: np.ndarray, higher: bool) -> tuple[float, str]:
    """p of the corrected t-test on the fold differences ``d``, and the outcome."""
    p = corrected_ttest(d, 1.0 / (d.shape[0] - 1))
    better = np.mean(d) > 0 if higher else np.mean(d) < 0
    return p, "tie" if p >= P_TIE else ("win" if better else "loss")


def _compare(ds, a, b, metric, higher) -> dict[str, Any]:
    d = _vals(ds, a, metric) - _vals(ds, b, metric)
    p, outcome = _outcome(d, higher)
    return dict(
        diff=float(np.mean(d)), diff_std=float(np.std(d, ddof=1)), p=p, outcome=outcome
    )


def _dataset_row(ds: dict[str, Any], counts: dict[str, Counter]) -> dict[str, Any]:
    """Means, stds, tests and calibration outcomes of one data set."""
    row: dict[str, Any] = {"mean": {}, "std": {}, "tests": {}, "calibration": {}}
    for arm in ARMS:
        row["mean"][arm] = {m: float(np.mean(_vals(ds, arm, m))) for m in METRICS}
        row["std"][arm] = {m: float(np.std(_vals(ds, arm, m))) for m in METRICS}
    for a, b in PAIRS:
        for m, higher in COMPARED.items():
            c = _compare(ds, a, b, m, higher)
            row["tests"][f"{a}_vs_{b}:{m}"] = c
            counts.setdefault(f"{a}_vs_{b}:{m}", Counter())[c["outcome"]] += 1
    for arm in CALIB_PAIRS:  # posterior (mapped) vs raw focal probabilities
        for m in ("brier", "ece"):
            d = _vals(ds, arm, f"{m}_raw") - _vals(ds, arm, m)
            p, out = _outcome(d, higher=True)  # raw minus mapped: > 0 is a win
            row["calibration"][f"{arm}:{m}"] = dict(
                diff=float(d.mean()), p=p, outcome=out
            )
            counts.setdefault(f"{arm}_posterior_vs_raw:{m}", Counter())[out] += 1
    row["focal_configs"] = dict(
        Counter(f["arms"]["focal"]["config"] for f in ds["folds"])
    )
    return row


def _across(per_ds: dict[str, Any]) -> dict[str, Any]:
    """Wilcoxon signed-rank test of every pair and metric over the data sets."""
    across = {}
    for a, b in PAIRS:
        for m in COMPARED:
            x = np.array([per_ds[n]["mean"][a][m] for n in per_ds])
            z = np.array([per_ds[n]["mean"][b][m] for n in per_ds])
            nonzero = np.any(x != z) and x.shape[0] >= 2
            p = float(stats.wilcoxon(x, z).pvalue) if nonzero else 1.0
            across[f"{a}_vs_{b}:{m}"] = dict(
                median_diff=float(np.median(x - z)), wilcoxon_p=p
            )
    return across


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-data-set means, paired tests, win/tie/loss counts.

    Parameters
    ----------
    results : list of dict
        One :func:`benchmarks._quality_protocol.run_dataset` record per data
        set.

    Returns
    -------
    dict
        ``per_dataset`` (means, stds, tests, calibration outcomes, tuned
        configurations), ``win_tie_loss`` counts per comparison,
        ``across_datasets`` Wilcoxon tests and the ``focal_configs`` chosen
        over all folds.
    """
    counts: dict[str, Counter] = {}
    per_ds = {ds["name"]: _dataset_row(ds, counts) for ds in results}
    configs = Counter(
        f["arms"]["focal"]["config"] for ds in results for f in ds["folds"]
    )
    return dict(
        per_dataset=per_ds,
        win_tie_loss={
            k: {o: v.get(o, 0) for o in ("win", "tie", "loss")}
            for k, v in counts.items()
        },
        across_datasets=_across(per_ds),
        focal_configs=dict(configs.most_common()),
    )
