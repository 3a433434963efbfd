"""``focalboost compare``: log loss vs class-weighted log loss vs focal loss.

Stratified K-fold cross-validation of one backend with three kinds of arm:
the log loss (``gamma=0, alpha=None``), the log loss with balanced sample
weights, and the focal loss over an ``alpha x gamma`` grid. The focal arm
reported against the two baselines is the grid point with the best mean
PR-AUC. Everything here is computed from the public estimators; the CLI only
parses arguments and prints.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from ._tabular import UsageError
from ._version import versions as _versions
from .metrics import f1_optimal_threshold

__all__ = [
    "Arm",
    "Progress",
    "THRESHOLD_RULES",
    "f1_optimal_threshold",
    "format_table",
    "make_arms",
    "make_estimator",
    "run_compare",
    "write_report",
]

METRICS = ("pr_auc", "roc_auc", "f1", "recall", "brier", "fit_s")
_LABELS = {
    "pr_auc": "PR-AUC",
    "roc_auc": "ROC-AUC",
    "f1": "F1",
    "recall": "recall",
    "brier": "Brier",
    "fit_s": "fit s",
}
THRESHOLD_RULES = {
    "oof": (
        "F1-optimal threshold on out-of-fold predictions for the training part "
        "(an inner stratified 2-fold split of the training folds, same settings); "
        "the test fold is never used to choose it"
    ),
    "train": (
        "F1-optimal threshold on the fitted model's own (in-sample) predictions "
        "for the training folds; the test fold is never used to choose it. "
        "In-sample probabilities of boosted trees are over-confident, so this "
        "threshold tends to be too high and recall too low"
    ),
}


def make_estimator(
    backend: str,
    *,
    alpha: float | str | None,
    gamma: float,
    n_estimators: int,
    seed: int,
    device: str | None,
    learning_rate: float | None = None,
    n_jobs: int | None = None,
) -> Any:
    """Build an unfitted focalboost classifier for ``backend``.

    Parameters
    ----------
    backend : {"xgboost", "lightgbm"}
        Which classifier.
    alpha : float, "balanced" or None
        Focal class weight.
    gamma : float
        Focusing parameter (0: log loss when ``alpha`` is None).
    n_estimators : int
        Boosting rounds.
    seed : int
        ``random_state``.
    device : str or None
        XGBoost ``device`` / LightGBM ``device_type``; None: the backend's default.
    learning_rate : float or None, default=None
        None: the estimator's default.
    n_jobs : int or None, default=None
        Backend threads; None: the backend's default (all cores).

    Returns
    -------
    FocalXGBClassifier or FocalLGBMClassifier
    """
    from . import FocalLGBMClassifier, FocalXGBClassifier

    params: dict[str, Any] = {
        "alpha": alpha,
        "gamma": gamma,
        "n_estimators": n_estimators,
        "random_state": seed,
        "n_jobs": n_jobs,
    }
    if learning_rate is not None:
        params["learning_rate"] = learning_rate
    if backend == "xgboost":
        return FocalXGBClassifier(device=device, **params)
    if device is not None:
        params["device_type"] = device
    return FocalLGBMClassifier(**params)


@dataclass(frozen=True)
class Arm:
    """One compared configuration.

    Parameters
    ----------
    name : str
        Label in the table and the report.
    alpha : float, "balanced" or None
        Focal class weight.
    gamma : float
        Focusing parameter.
    weighted : bool
        Fit with balanced sample weights.
    focal : bool
        Part of the focal ``alpha x gamma`` grid.
    """

    name: str
    alpha: float | str | None
    gamma: float
    weighted: bool = False
    focal: bool = False


def _fmt_alpha(alpha: float | str | None) -> str:
    return (
        "none" if alpha is None else alpha if isinstance(alpha, str) else f"{alpha:g}"
    )


def make_arms(
    alphas: Sequence[float | str | None], gammas: Sequence[float]
) -> list[Arm]:
    """List the arms: log loss, balanced log loss, then the focal grid.

    Parameters
    ----------
    alphas : sequence of float, "balanced" or None
        Focal class weights of the grid.
    gammas : sequence of float
        Focusing parameters of the grid.

    Returns
    -------
    list of Arm
    """
    arms = [
        Arm("log loss", None, 0.0),
        Arm("balanced log loss", None, 0.0, weighted=True),
    ]
    for alpha in alphas:
        for gamma in gammas:
            name = f"focal a={_fmt_alpha(alpha)} g={gamma:g}"
            arms.append(Arm(name, alpha, float(gamma), focal=True))
    return arms


class Progress:
    """A plain-text progress bar on a stream (stderr).

    On a terminal the bar is redrawn in place after every fit; otherwise one
    line is written when an arm is finished, so logs stay readable.

    Parameters
    ----------
    total : int
        Number of fits.
    stream : file-like or None
        Where to write; None disables the bar.
    """

    def __init__(self, total: int, stream: TextIO | None):
        self.total = total
        self.stream = stream
        self.done = 0
        self.start = time.perf_counter()
        self.tty = bool(stream is not None and stream.isatty())

    def _bar(self) -> str:
        width = 24
        filled = width * self.done // max(self.total, 1)
        elapsed = time.perf_counter() - self.start
        return (
            f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
            f"fits {elapsed:5.1f} s"
        )

    def fit_done(self, label: str) -> None:
        """Count one fit; redraw the bar on a terminal.

        Parameters
        ----------
        label : str
            The arm being fitted.
        """
        self.done += 1
        if self.stream is not None and self.tty:
            self.stream.write(f"\rcompare {self._bar()}  {label:<28}")
            self.stream.flush()

    def arm_done(self, summary: str) -> None:
        """Report a finished arm (one line when not on a terminal).

        Parameters
        ----------
        summary : str
            Arm name and headline result.
        """
        if self.stream is not None and not self.tty:
            self.stream.write(f"compare {self._bar()}  {summary}\n")
            self.stream.flush()

    def close(self) -> None:
        """End the bar's line on a terminal."""
        if self.stream is not None and self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _rows(X, idx: np.ndarray):
    """Rows ``idx`` of an array or of a DataFrame (categorical features)."""
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


def _fold_metrics(y: np.ndarray, proba: np.ndarray, threshold: float) -> dict:
    from sklearn.metrics import average_precision_score, roc_auc_score

    pred = proba >= threshold
    pos = y == 1
    tp = int(np.sum(pred & pos))
    fp = int(np.sum(pred & ~pos))
    fn = int(np.sum(~pred & pos))
    return {
        "pr_auc": float(average_precision_score(y, proba)),
        "roc_auc": float(roc_auc_score(y, proba)),
        "f1": 2 * tp / (2 * tp + fp + fn),
        "recall": tp / (tp + fn),
        "brier": float(np.mean((proba - y) ** 2)),
    }


def run_compare(
    X: np.ndarray,
    y: np.ndarray,
    *,
    arms: Sequence[Arm],
    backend: str = "xgboost",
    cv: int = 5,
    n_estimators: int = 100,
    seed: int = 0,
    device: str | None = None,
    n_jobs: int | None = None,
    threshold: str = "oof",
    progress: TextIO | None = None,
) -> dict:
    """Cross-validate every arm and summarise the folds.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Features (NaN allowed).
    y : ndarray of shape (n_samples,)
        0/1 labels, 1 the positive (rare) class.
    arms : sequence of Arm
        From :func:`make_arms`.
    backend : {"xgboost", "lightgbm"}, default="xgboost"
        Classifier backend.
    cv : int, default=5
        Stratified folds (shuffled with ``seed``).
    n_estimators : int, default=100
        Boosting rounds of every fit.
    seed : int, default=0
        Seed of the folds and the estimators.
    device : str or None, default=None
        Passed to the estimators (XGBoost ``device``, LightGBM ``device_type``).
    n_jobs : int or None, default=None
        Backend threads of every fit; None: the backend's default.
    threshold : {"oof", "train"}, default="oof"
        How each fold's F1/recall threshold is chosen from its training folds
        (see ``THRESHOLD_RULES``): ``"oof"`` fits two more models per fold.
    progress : file-like or None, default=None
        Stream of the progress bar; None: silent.

    Returns
    -------
    dict
        ``arms`` (per arm: parameters, ``folds``, ``summary`` mean/std, and
        out-of-fold probabilities ``oof``), ``best_focal`` (name) and
        ``total_s``.
    """
    from sklearn.model_selection import StratifiedKFold
    from sklearn.utils.class_weight import compute_sample_weight

    start = time.perf_counter()
    folds = list(StratifiedKFold(cv, shuffle=True, random_state=seed).split(X, y))
    inner = StratifiedKFold(2, shuffle=True, random_state=seed + 1)
    bar = Progress(len(arms) * cv * (3 if threshold == "oof" else 1), progress)
    results = []
    for arm in arms:

        def fit(
            idx: np.ndarray, weight: np.ndarray | None, arm: Arm = arm
        ) -> tuple[Any, float]:
            clf = make_estimator(
                backend,
                alpha=arm.alpha,
                gamma=arm.gamma,
                n_estimators=n_estimators,
                seed=seed,
                device=device,
                n_jobs=n_jobs,
            )
            t0 = time.perf_counter()
            clf.fit(_rows(X, idx), y[idx], sample_weight=weight)
            fit_s = time.perf_counter() - t0
            bar.fit_done(arm.name)
            return clf, fit_s

        oof = np.full(len(y), np.nan)
        rows = []
        for k, (train, test) in enumerate(folds):
            weight = (
                compute_sample_weight("balanced", y[train]) if arm.weighted else None
            )
            clf, fit_s = fit(train, weight)
            if threshold == "oof":
                scores = np.empty(len(train))
                for a, b in inner.split(_rows(X, train), y[train]):
                    sub, _ = fit(train[a], None if weight is None else weight[a])
                    scores[b] = sub.predict_proba(_rows(X, train[b]))[:, 1]
            else:
                scores = clf.predict_proba(_rows(X, train))[:, 1]
            cut = f1_optimal_threshold(y[train], scores)
            proba = clf.predict_proba(_rows(X, test))[:, 1]
            oof[test] = proba
            row = {"fold": k, **_fold_metrics(y[test], proba, cut)}
            row.update(fit_s=fit_s, threshold=cut)
            rows.append(row)
        summary = {
            m: {
                "mean": float(np.mean([r[m] for r in rows])),
                "std": float(np.std([r[m] for r in rows])),
            }
            for m in METRICS
        }
        results.append(
            {
                "name": arm.name,
                "alpha": arm.alpha,
                "gamma": arm.gamma,
                "sample_weight": "balanced" if arm.weighted else None,
                "focal": arm.focal,
                "folds": rows,
                "summary": summary,
                "oof": oof,
            }
        )
        bar.arm_done(f"{arm.name}: PR-AUC {summary['pr_auc']['mean']:.3f}")
    bar.close()
    focal = [r for r in results if r["focal"]]
    best = max(focal, key=lambda r: r["summary"]["pr_auc"]["mean"]) if focal else None
    return {
        "arms": results,
        "best_focal": None if best is None else best["name"],
        "total_s": time.perf_counter() - start,
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
                "w=balanced" if r["sample_weight"] else _fmt_alpha(r["alpha"]),
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
                by_name[f"focal a={_fmt_alpha(a)} g={g:g}"]["summary"]["pr_auc"]["mean"]
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
    ax.set_yticks(range(len(alphas)), [_fmt_alpha(a) for a in alphas])
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
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create --out {out_dir!r}: {exc}") from None
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
        "versions": _versions(),
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
