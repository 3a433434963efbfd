"""Benchmark: which Hessian policy (and XGBoost ``min_child_weight``) to default to.

Four experiments on real class-imbalanced data sets, each with stratified,
seeded 3-fold cross-validation:

1. **Hessian policy.** ``FocalXGBClassifier`` and ``FocalLGBMClassifier`` with
   ``hessian="surrogate"`` and ``hessian="clipped"``, ``gamma`` in {1, 2, 5},
   ``alpha=None``, every other parameter at the estimator's default (plus
   ``n_jobs``). Recorded per fold: the training focal loss after every round
   (the training fold is passed as ``eval_set[0]``; the default eval metric is
   the focal loss), the final training loss recomputed from
   ``decision_function``, the held-out average precision (PR-AUC), ROC-AUC and
   focal loss, the fit time, the share of training samples whose *exact*
   focal Hessian is negative at a few rounds (there ``"clipped"`` clips), the
   number of rounds in which the training loss went up, whether the final
   training loss ended above the starting one, and whether any NaN / inf
   appeared.
2. **XGBoost ``min_child_weight``** in {1, 0.1, 0.01, 0.001} with the
   estimator's default Hessian policy: the same measurements plus the number
   of splits per tree (a blocked split shows up as an empty tree).
3. **Negative-curvature stress.** Settings where the exact Hessian of every
   positive is negative from the first round (the focal-optimal intercept is
   below the sign change of the exact Hessian): ``creditcard_fraud`` (a seeded,
   stratified third of it, 0.17% positives) with ``gamma=1``, and
   ``imb_abalone_19`` with ``alpha=0.25, gamma=1``.
4. **Step-size control.** ``hessian="surrogate"`` with the learning rate
   divided by ``1 + gamma`` (``gamma`` in {2, 5}): on well-classified samples
   the exact Hessian is ``1 + gamma`` times the surrogate, so this separates
   "exact curvature" from "smaller steps" in the comparison of experiment 1.

Run from the repository root::

    python -m benchmarks.hessian_policy            # full run, ~5-10 min on 2 cores
    python -m benchmarks.hessian_policy --quick    # ~1 min smoke run

and find ``hessian_policy.json`` (machine readable: config, machine, versions,
summary tables and one record per fit, with the per-round training focal loss
for experiments 1 and 3 and loss checkpoints for all) and ``hessian_policy.md``
(tables) in ``benchmarks/results`` (``--quick`` writes
``hessian_policy_quick.*``). The data folder is ``--data-dir``, else
``$FOCALBOOST_DATA``, else ``../shared/data``; see :mod:`benchmarks.datasets`.
The script exits with status 2 and a message when the data are missing.
"""

from __future__ import annotations

import os

# OpenMP threads that spin while waiting make XGBoost / LightGBM 5-20x slower
# when other processes share the cores; must be set before they are imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable, Iterable, Sequence  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from scipy.stats import wilcoxon  # noqa: E402
from sklearn.metrics import average_precision_score, roc_auc_score  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    StratifiedKFold,
    train_test_split,
)

import focalboost  # noqa: E402
from focalboost import FocalLGBMClassifier, FocalXGBClassifier  # noqa: E402
from focalboost.losses import HESSIAN_POLICIES, BinaryFocalLoss  # noqa: E402

from ._common import versions  # noqa: E402
from .datasets import DATASETS, fetch_dataset, require_data_dir  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"

DEFAULT_DATASETS = (
    "imb_oil",
    "imb_yeast_me2",
    "imb_ozone_level_8hr",
    "imb_abalone_19",
    "imb_satimage",
    "imb_mammography",
)
QUICK_DATASETS = ("imb_oil", "imb_yeast_me2")
GAMMAS = (1.0, 2.0, 5.0)
MCW_GRID = (1.0, 0.1, 0.01, 0.001)
BACKENDS = ("xgboost", "lightgbm")
#: Rounds at which loss curves are summarised (clipped to n_estimators).
CHECKPOINTS = (1, 5, 10, 50, 100, 200)
#: Rounds at which the share of negative exact Hessians is measured.
HESSIAN_CHECKPOINTS = (0, 1, 2, 5, 10, 50)
#: A round "increases" the training loss when it grows by more than this
#: relative amount (float noise is ~1e-16).
INCREASE_RTOL = 1e-9
#: |difference in mean AP| up to which a cell counts as a tie in "AP (clear)".
AP_TIE = 0.005


@dataclass(frozen=True)
class StressCase:
    """A data set and loss setting that starts in negative exact curvature."""

    label: str
    dataset: str
    gamma: float
    alpha: float | None = None
    subsample: float | None = None


STRESS_CASES = (
    StressCase("creditcard_fraud (1/3), gamma=1", "creditcard_fraud", 1.0, None, 1 / 3),
    StressCase("abalone_19, alpha=0.25, gamma=1", "imb_abalone_19", 1.0, 0.25),
)
QUICK_STRESS_CASES = (STRESS_CASES[1],)
#: Experiment 4: ``surrogate`` with ``learning_rate / (1 + gamma)`` at these gammas.
LR_CONTROL_GAMMAS = (2.0, 5.0)
QUICK_LR_CONTROL_GAMMAS = (2.0,)


@dataclass
class Config:
    """Everything that defines a run (stored in the JSON)."""

    datasets: list[str]
    gammas: list[float]
    policies: list[str]
    backends: list[str]
    mcw_grid: list[float]
    mcw_policy: str
    stress_cases: list[dict[str, Any]]
    lr_control_gammas: list[float]
    n_estimators: int
    n_splits: int
    seed: int
    n_jobs: int
    alpha: None = None
    estimator_defaults: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Job:
    """One estimator configuration, fitted on every fold of one data set."""

    backend: str
    gamma: float
    alpha: float | None
    hessian: str
    min_child_weight: float | None
    learning_rate: float | None = None
    experiments: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return (
            self.backend,
            self.gamma,
            self.alpha,
            self.hessian,
            self.min_child_weight,
            self.learning_rate,
        )


# ------------------------------------------------------------------- fitting
def _sig(x: float, digits: int = 6) -> float | None:
    """Round to ``digits`` significant digits (keeps tiny losses readable)."""
    return float(f"{x:.{digits}g}") if math.isfinite(x) else None


def _make_estimator(job: Job, n_estimators: int, n_jobs: int, seed: int):
    kwargs: dict[str, Any] = dict(
        alpha=job.alpha,
        gamma=job.gamma,
        hessian=job.hessian,
        n_estimators=n_estimators,
        n_jobs=n_jobs,
        random_state=seed,
        probability="focal",  # decision_function is then the booster's margin
    )
    if job.min_child_weight is not None:
        kwargs["min_child_weight"] = job.min_child_weight
    if job.learning_rate is not None:
        kwargs["learning_rate"] = job.learning_rate
    cls = FocalXGBClassifier if job.backend == "xgboost" else FocalLGBMClassifier
    return cls(**kwargs)


def _staged_margin(est, X: np.ndarray, n_rounds: int) -> np.ndarray:
    """Margin of the first ``n_rounds`` trees, intercept included."""
    if isinstance(est, FocalXGBClassifier):
        return np.asarray(
            est.booster_.inplace_predict(
                X, predict_type="margin", iteration_range=(0, n_rounds)
            ),
            dtype=np.float64,
        )
    # The intercept is folded into the first round's leaves (see _store_intercept).
    raw = est.booster_.predict(X, raw_score=True, num_iteration=n_rounds)
    return np.asarray(raw, dtype=np.float64)


def _tree_stats(est) -> tuple[float, float]:
    """Return (mean splits per tree, share of trees without any split)."""
    if isinstance(est, FocalXGBClassifier):
        splits = np.array([d.count("yes=") for d in est.booster_.get_dump()])
    else:
        info = est.booster_.dump_model()["tree_info"]
        splits = np.array([t["num_leaves"] - 1 for t in info])
    if splits.size == 0:
        return 0.0, 1.0
    return float(splits.mean()), float(np.mean(splits == 0))


def _fit_one(
    X: np.ndarray,
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    job: Job,
    *,
    n_estimators: int,
    n_jobs: int,
    seed: int,
) -> dict[str, Any]:
    """Fit one configuration on one fold and measure everything."""
    est = _make_estimator(job, n_estimators, n_jobs, seed)
    Xtr, ytr, Xte, yte = X[train], y[train], X[test], y[test]
    loss = BinaryFocalLoss(alpha=job.alpha, gamma=job.gamma)
    rec: dict[str, Any] = {"error": None}
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.fit(Xtr, ytr, eval_set=[(Xtr, ytr), (Xte, yte)])
    except Exception as exc:  # a failure is a result: record it, carry on
        rec.update(
            error=f"{type(exc).__name__}: {exc}",
            fit_s=time.perf_counter() - t0,
            nonfinite=True,
            diverged=True,
        )
        return rec
    rec["fit_s"] = time.perf_counter() - t0
    rec["warnings"] = sorted({str(w.message)[:200] for w in caught})

    m_tr = est.decision_function(Xtr)
    m_te = est.decision_function(Xte)
    hist = est.evals_result_
    curve = np.asarray(hist["validation_0"]["focal"], dtype=np.float64)
    test_curve = np.asarray(hist["validation_1"]["focal"], dtype=np.float64)
    initial = float(loss.loss(ytr, np.full(ytr.shape[0], est.intercept_)).mean())
    final = float(loss.loss(ytr, m_tr).mean())
    finite = bool(
        np.isfinite(curve).all()
        and np.isfinite(test_curve).all()
        and np.isfinite(m_tr).all()
        and np.isfinite(m_te).all()
    )
    full = np.concatenate([[initial], curve])
    prev, nxt = full[:-1], full[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_up = np.where(prev > 0, (nxt - prev) / prev, 0.0)
    rel_up = np.nan_to_num(rel_up, nan=np.inf)
    checkpoints = sorted({c for c in CHECKPOINTS if c <= n_estimators} | {n_estimators})

    neg_share = {}
    for k in sorted({c for c in HESSIAN_CHECKPOINTS if c < n_estimators}):
        margin = (
            np.full(ytr.shape[0], est.intercept_)
            if k == 0
            else _staged_margin(est, Xtr, k)
        )
        _, h = loss.gradient_hessian(ytr, margin, hessian="exact")
        neg_share[str(k)] = float(np.mean(h < 0))
    _, h = loss.gradient_hessian(ytr, m_tr, hessian="exact")
    neg_share[str(n_estimators)] = float(np.mean(h < 0))
    splits_per_tree, empty_tree_share = _tree_stats(est)
    test_ext = np.r_[np.nan, test_curve]

    rec.update(
        intercept=float(est.intercept_),
        initial_train_loss=initial,
        final_train_loss=final,
        curve_final_train_loss=float(curve[-1]),
        train_loss_at={str(c): float(full[c]) for c in checkpoints},
        test_loss_at={str(c): float(test_ext[c]) for c in checkpoints},
        test_focal_loss=float(loss.loss(yte, m_te).mean()),
        best_test_loss_round=int(np.nanargmin(test_curve)) + 1
        if np.isfinite(test_curve).any()
        else None,
        n_loss_increases=int(np.sum(rel_up > INCREASE_RTOL)),
        max_rel_increase=float(max(0.0, rel_up.max())),
        diverged=bool(not finite or final > initial),
        nonfinite=not finite,
        average_precision=float(average_precision_score(yte, m_te)) if finite else None,
        roc_auc=float(roc_auc_score(yte, m_te)) if finite else None,
        neg_exact_hessian_share=neg_share,
        splits_per_tree=splits_per_tree,
        empty_tree_share=empty_tree_share,
        train_curve=[_sig(v) for v in curve],
    )
    return rec


# ---------------------------------------------------------------- experiment
def _plan(cfg: Config) -> list[tuple[str, str, float | None, list[Job]]]:
    """Return ``(label, dataset, subsample, jobs)`` per data variant.

    Identical configurations needed by several experiments are fitted once.
    """
    xgb_mcw = cfg.estimator_defaults["xgboost"]["min_child_weight"]
    plan: dict[tuple[str, str, float | None], dict[tuple, Job]] = {}

    def add(label, dataset, subsample, job: Job, experiment: str) -> None:
        jobs = plan.setdefault((label, dataset, subsample), {})
        jobs.setdefault(job.key, job).experiments.append(experiment)

    for name in cfg.datasets:
        for backend in cfg.backends:
            for gamma in cfg.gammas:
                for pol in cfg.policies:
                    mcw = xgb_mcw if backend == "xgboost" else None
                    add(name, name, None, Job(backend, gamma, None, pol, mcw), "policy")
        if "xgboost" in cfg.backends:
            for gamma in cfg.gammas:
                for mcw in cfg.mcw_grid:
                    job = Job("xgboost", gamma, None, cfg.mcw_policy, mcw)
                    add(name, name, None, job, "min_child_weight")
        for backend in cfg.backends:
            mcw = xgb_mcw if backend == "xgboost" else None
            lr0 = cfg.estimator_defaults[backend]["learning_rate"]
            for gamma in cfg.lr_control_gammas:
                for pol in cfg.policies:
                    job = Job(backend, gamma, None, pol, mcw)
                    add(name, name, None, job, "lr_control")
                job = Job(backend, gamma, None, "surrogate", mcw, lr0 / (1 + gamma))
                add(name, name, None, job, "lr_control")
    for case in cfg.stress_cases:
        for backend in cfg.backends:
            for pol in cfg.policies:
                mcw = xgb_mcw if backend == "xgboost" else None
                job = Job(backend, case["gamma"], case["alpha"], pol, mcw)
                add(case["label"], case["dataset"], case["subsample"], job, "stress")
    return [(*key, list(jobs.values())) for key, jobs in plan.items()]


def run(
    cfg: Config, data_dir: Path, log: Callable[[str], None] = print
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Fit every configuration on every fold; return (records, data set info)."""
    records: list[dict[str, Any]] = []
    info: dict[str, Any] = {}
    for label, name, subsample, jobs in _plan(cfg):
        ds = fetch_dataset(name, data_dir)
        X, y = ds.X, ds.y
        if subsample is not None:
            X, _, y, _ = train_test_split(
                X, y, train_size=subsample, stratify=y, random_state=cfg.seed
            )
        info[label] = dict(
            dataset=name,
            subsample=subsample,
            n_samples=int(X.shape[0]),
            n_features=int(X.shape[1]),
            n_positive=int(y.sum()),
            minority_share=float(y.mean()),
        )
        cv = StratifiedKFold(n_splits=cfg.n_splits, shuffle=True, random_state=cfg.seed)
        t_ds = time.perf_counter()
        for fold, (train, test) in enumerate(cv.split(X, y)):
            for job in jobs:
                rec = _fit_one(
                    X,
                    y,
                    train,
                    test,
                    job,
                    n_estimators=cfg.n_estimators,
                    n_jobs=cfg.n_jobs,
                    seed=cfg.seed,
                )
                if not {"policy", "stress"} & set(job.experiments):
                    rec["train_curve"] = None  # summarised only, keeps the JSON small
                records.append(
                    dict(
                        data=label,
                        dataset=name,
                        fold=fold,
                        n_train=int(train.size),
                        n_test=int(test.size),
                        n_test_positive=int(y[test].sum()),
                        **asdict(job),
                        **rec,
                    )
                )
        log(
            f"  {label}: {len(jobs)} configs x {cfg.n_splits} folds in "
            f"{time.perf_counter() - t_ds:.1f}s"
        )
    return records, info


# ----------------------------------------------------------------- summaries
def _log10_rel(rec: dict[str, Any], key: str) -> float:
    val = rec["final_train_loss"] if key == "final" else rec["train_loss_at"][key]
    return math.log10(max(val, 1e-300) / rec["initial_train_loss"])


def _mean_std(values: Iterable[float | None]) -> dict[str, float | None]:
    vals = [v for v in values if v is not None and math.isfinite(v)]
    if not vals:
        return {"mean": None, "std": None}
    arr = np.asarray(vals, dtype=np.float64)
    std = float(arr.std(ddof=1)) if arr.size > 1 else 0.0
    return {"mean": float(arr.mean()), "std": std}


def _cell_stats(recs: list[dict[str, Any]], n_estimators: int) -> dict[str, Any]:
    ok = [r for r in recs if r["error"] is None]
    out: dict[str, Any] = {
        "n_folds": len(recs),
        "n_errors": len(recs) - len(ok),
        "n_nonfinite": sum(bool(r["nonfinite"]) for r in recs),
        "n_diverged": sum(bool(r["diverged"]) for r in recs),
    }
    metrics: dict[str, Callable[[dict[str, Any]], float | None]] = {
        "average_precision": lambda r: r["average_precision"],
        "roc_auc": lambda r: r["roc_auc"],
        "final_train_loss": lambda r: r["final_train_loss"],
        "log10_rel_train_loss_final": lambda r: _log10_rel(r, "final"),
        "test_focal_loss": lambda r: r["test_focal_loss"],
        "fit_s": lambda r: r["fit_s"],
        "n_loss_increases": lambda r: r["n_loss_increases"],
        "max_neg_exact_hessian_share": lambda r: max(
            r["neg_exact_hessian_share"].values()
        ),
        "neg_exact_hessian_share_round0": lambda r: r["neg_exact_hessian_share"].get(
            "0"
        ),
        "neg_exact_hessian_share_round1": lambda r: r["neg_exact_hessian_share"].get(
            "1"
        ),
        "splits_per_tree": lambda r: r["splits_per_tree"],
        "empty_tree_share": lambda r: r["empty_tree_share"],
    }
    for c in CHECKPOINTS:
        if c <= n_estimators:
            metrics[f"log10_rel_train_loss_{c}"] = lambda r, c=c: _log10_rel(r, str(c))
    for key, fn in metrics.items():
        out[key] = _mean_std(fn(r) for r in ok)
    return out


def _paired(a: list[float], b: list[float]) -> dict[str, Any]:
    """Summary of the paired differences ``b - a``."""
    d = np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)
    res: dict[str, Any] = {
        "n": int(d.size),
        "mean_diff": float(d.mean()) if d.size else None,
        "median_diff": float(np.median(d)) if d.size else None,
        "n_b_higher": int(np.sum(d > 0)),
        "n_a_higher": int(np.sum(d < 0)),
        "wilcoxon_p": None,
    }
    if d.size and np.any(d != 0):
        res["wilcoxon_p"] = float(wilcoxon(d).pvalue)
    return res


def summarise(records: list[dict[str, Any]], cfg: Config) -> dict[str, Any]:
    """Aggregate the per-fold records into the tables of the report."""
    n_est = cfg.n_estimators
    xgb_mcw = cfg.estimator_defaults["xgboost"]["min_child_weight"]
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        key = (
            r["data"],
            r["backend"],
            r["gamma"],
            r["alpha"],
            r["hessian"],
            r["min_child_weight"],
            r["learning_rate"],
        )
        groups[key].append(r)

    def mcw_of(backend: str) -> float | None:
        return xgb_mcw if backend == "xgboost" else None

    # ---- experiment 1: policy
    pols = cfg.policies
    a_pol, b_pol = pols[0], pols[-1]
    scopes = [*cfg.backends, "all"]
    policy_cells = []
    wins: dict[str, dict[str, int]] = {s: defaultdict(int) for s in scopes}
    pairs: dict[str, dict[str, tuple[list, list]]] = {
        s: {"ap": ([], []), "fl": ([], []), "test_fl": ([], [])} for s in scopes
    }
    for name in cfg.datasets:
        for backend in cfg.backends:
            for gamma in cfg.gammas:
                cell: dict[str, Any] = dict(dataset=name, backend=backend, gamma=gamma)
                by_pol = {
                    pol: groups[
                        (name, backend, gamma, None, pol, mcw_of(backend), None)
                    ]
                    for pol in pols
                }
                for pol in pols:
                    cell[pol] = _cell_stats(by_pol[pol], n_est)
                policy_cells.append(cell)
                if len(pols) != 2:
                    continue
                ra = {r["fold"]: r for r in by_pol[a_pol] if r["error"] is None}
                rb = {r["fold"]: r for r in by_pol[b_pol] if r["error"] is None}
                folds = [
                    f
                    for f in sorted(set(ra) & set(rb))
                    if not (ra[f]["nonfinite"] or rb[f]["nonfinite"])
                ]

                def better(key: str, higher: bool, tie: float = 0.0, c=cell) -> str:
                    va, vb = c[a_pol][key]["mean"], c[b_pol][key]["mean"]
                    if va is None or vb is None or abs(va - vb) <= tie:
                        return "tie"
                    return a_pol if (va > vb) == higher else b_pol

                for scope in (backend, "all"):
                    p = pairs[scope]
                    for f in folds:
                        p["ap"][0].append(ra[f]["average_precision"])
                        p["ap"][1].append(rb[f]["average_precision"])
                        p["fl"][0].append(_log10_rel(ra[f], "final"))
                        p["fl"][1].append(_log10_rel(rb[f], "final"))
                        p["test_fl"][0].append(ra[f]["test_focal_loss"])
                        p["test_fl"][1].append(rb[f]["test_focal_loss"])
                    w = wins[scope]
                    w["cells"] += 1
                    w[f"ap:{better('average_precision', True)}"] += 1
                    w[f"ap_clear:{better('average_precision', True, AP_TIE)}"] += 1
                    w[f"roc:{better('roc_auc', True)}"] += 1
                    w[f"train_fl:{better('log10_rel_train_loss_final', False)}"] += 1
                    w[f"test_fl:{better('test_focal_loss', False)}"] += 1
                    w[f"fit_s:{better('fit_s', False)}"] += 1
    paired = {
        s: {
            "a": a_pol,
            "b": b_pol,
            "average_precision": _paired(*pairs[s]["ap"]),
            "log10_rel_train_loss_final": _paired(*pairs[s]["fl"]),
            "test_focal_loss": _paired(*pairs[s]["test_fl"]),
        }
        for s in scopes
    }

    # ---- experiment 2: XGBoost min_child_weight
    mcw_cells = []
    acc: dict[float, dict[str, list[float]]] = {
        m: defaultdict(list) for m in cfg.mcw_grid
    }
    if "xgboost" in cfg.backends:
        for name in cfg.datasets:
            for gamma in cfg.gammas:
                cell = dict(dataset=name, gamma=gamma, hessian=cfg.mcw_policy)
                aps: dict[float, float] = {}
                for m in cfg.mcw_grid:
                    stats = _cell_stats(
                        groups[(name, "xgboost", gamma, None, cfg.mcw_policy, m, None)],
                        n_est,
                    )
                    cell[repr(m)] = stats
                    for key in (
                        "average_precision",
                        "roc_auc",
                        "log10_rel_train_loss_final",
                        "test_focal_loss",
                        "splits_per_tree",
                        "empty_tree_share",
                        "fit_s",
                    ):
                        if stats[key]["mean"] is not None:
                            acc[m][key].append(stats[key]["mean"])
                    if stats["average_precision"]["mean"] is not None:
                        aps[m] = stats["average_precision"]["mean"]
                if aps:
                    best = max(aps.values())
                    order = sorted(aps, key=lambda k: -aps[k])
                    for m, v in aps.items():
                        acc[m]["gap_to_best_ap"].append(best - v)
                        acc[m]["rank"].append(order.index(m) + 1.0)
                        acc[m]["best"].append(float(v == best))
                mcw_cells.append(cell)
    mcw_summary = {
        repr(m): {k: float(np.mean(v)) for k, v in d.items()}
        | {"n_best": int(sum(d["best"])), "n_cells": len(d["best"])}
        for m, d in acc.items()
        if d
    }

    # ---- experiment 3: stress
    stress_cells = []
    for case in cfg.stress_cases:
        for backend in cfg.backends:
            cell = dict(data=case["label"], backend=backend)
            for pol in pols:
                recs = groups[
                    (
                        case["label"],
                        backend,
                        case["gamma"],
                        case["alpha"],
                        pol,
                        mcw_of(backend),
                        None,
                    )
                ]
                cell[pol] = _cell_stats(recs, n_est)
            stress_cells.append(cell)

    # ---- experiment 4: step-size control
    lr_cells = []
    lr_pairs: dict[str, dict[str, tuple[list, list]]] = {
        s: {"clipped_vs_slow": ([], []), "slow_vs_surrogate": ([], [])} for s in scopes
    }
    for name in cfg.datasets:
        for backend in cfg.backends:
            lr0 = cfg.estimator_defaults[backend]["learning_rate"]
            for gamma in cfg.lr_control_gammas:
                variants = {
                    pol: groups[
                        (name, backend, gamma, None, pol, mcw_of(backend), None)
                    ]
                    for pol in pols
                }
                variants["surrogate_slow"] = groups[
                    (
                        name,
                        backend,
                        gamma,
                        None,
                        "surrogate",
                        mcw_of(backend),
                        lr0 / (1 + gamma),
                    )
                ]
                cell = dict(
                    dataset=name,
                    backend=backend,
                    gamma=gamma,
                    slow_learning_rate=lr0 / (1 + gamma),
                )
                for v, recs in variants.items():
                    cell[v] = _cell_stats(recs, n_est)
                lr_cells.append(cell)
                by_fold = {
                    v: {
                        r["fold"]: r["average_precision"]
                        for r in recs
                        if r["error"] is None and not r["nonfinite"]
                    }
                    for v, recs in variants.items()
                }
                for scope in (backend, "all"):
                    for f in sorted(set.intersection(*map(set, by_fold.values()))):
                        pc = lr_pairs[scope]["clipped_vs_slow"]
                        pc[0].append(by_fold["surrogate_slow"][f])
                        pc[1].append(by_fold.get("clipped", {}).get(f))
                        ps = lr_pairs[scope]["slow_vs_surrogate"]
                        ps[0].append(by_fold.get("surrogate", {}).get(f))
                        ps[1].append(by_fold["surrogate_slow"][f])
    lr_paired = {
        s: {k: _paired(*v) for k, v in d.items()}
        for s, d in lr_pairs.items()
        if d["clipped_vs_slow"][0]
    }

    return dict(
        lr_control_cells=lr_cells,
        lr_control_paired=lr_paired,
        policy_cells=policy_cells,
        policy_wins={s: dict(w) for s, w in wins.items()},
        policy_paired=paired,
        mcw_cells=mcw_cells,
        mcw_summary=mcw_summary,
        stress_cells=stress_cells,
        n_fits=len(records),
        n_errors=sum(r["error"] is not None for r in records),
        n_nonfinite=sum(bool(r["nonfinite"]) for r in records),
        n_diverged=sum(bool(r["diverged"]) for r in records),
    )


# ------------------------------------------------------------------- report
def _pm(stat: dict[str, float | None], digits: int = 3) -> str:
    if stat["mean"] is None:
        return "n/a"
    return f"{stat['mean']:.{digits}f} ± {stat['std']:.{digits}f}"


def _num(stat: dict[str, float | None], fmt: str = ".2f") -> str:
    return "n/a" if stat["mean"] is None else format(stat["mean"], fmt)


def _short(name: str) -> str:
    return name.removeprefix("imb_")


def _pval(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2g}"


def write_markdown(result: dict[str, Any], path: Path) -> None:
    """Render the summary tables of ``result`` as Markdown."""
    cfg = result["config"]
    summ = result["summary"]
    n_est = cfg["n_estimators"]
    early = str(min(10, n_est))
    pols = cfg["policies"]
    defaults = cfg["estimator_defaults"]
    src = result["focalboost_source"]
    lines = [
        "# Hessian policy benchmark",
        "",
        f"Command: `{result['command']}`  ",
        f"Created: {result['created']}; runtime {result['runtime_s']:.0f} s on "
        f"{result['machine']['cpu_count']} CPUs ({result['machine']['platform']}, "
        f"Python {result['machine']['python']})  ",
        "Versions: "
        + ", ".join(f"{k} {v}" for k, v in result["versions"].items())
        + f"; focalboost from git {src['git_commit'] or 'n/a'}"
        + (" (modified)" if src["dirty"] else "")
        + "  ",
        f"Protocol: stratified {cfg['n_splits']}-fold CV (shuffled, seed "
        f"{cfg['seed']}), n_estimators={n_est}, alpha=None (experiments 1-2), "
        f"n_jobs={cfg['n_jobs']}, every other parameter at the estimator default "
        f"(XGBoost: learning_rate={defaults['xgboost']['learning_rate']}, "
        f"min_child_weight={defaults['xgboost']['min_child_weight']}, "
        f"reg_lambda={defaults['xgboost']['reg_lambda']}; LightGBM: "
        f"learning_rate={defaults['lightgbm']['learning_rate']}, "
        f"min_child_weight={defaults['lightgbm']['min_child_weight']}, "
        f"reg_lambda={defaults['lightgbm']['reg_lambda']}).  ",
        f"Fits: {summ['n_fits']}; errors: {summ['n_errors']}; with NaN/inf: "
        f"{summ['n_nonfinite']}; diverged (final training loss above the "
        f"starting loss): {summ['n_diverged']}.",
        "",
        "## Data",
        "",
        "| data | rows | features | positives | share |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, d in result["datasets"].items():
        lines.append(
            f"| {_short(label)} | {d['n_samples']} | {d['n_features']} | "
            f"{d['n_positive']} | {d['minority_share']:.4f} |"
        )
    lines += [
        "",
        "Columns: AP = held-out average precision (PR-AUC), ROC = held-out "
        "ROC-AUC (mean ± std over folds); lg FL@k = log10(training focal loss "
        "after k rounds / focal loss of the intercept-only start), so -3 means "
        "the training loss fell 1000-fold (mean over folds); test FL = held-out "
        "focal loss; up = rounds in which the training loss rose; neg H = "
        "largest share of training samples with a negative exact Hessian at "
        f"rounds {', '.join(map(str, HESSIAN_CHECKPOINTS))} and the last (where "
        "`clipped` clips); div = folds whose final training loss is above the "
        "start or non-finite; fit s includes evaluating two eval sets per round.",
        "",
        "## 1. Hessian policy",
        "",
        f"| data set | backend | gamma | hessian | AP | ROC | lg FL@{early} | "
        f"lg FL@{n_est} | test FL | fit s | up | neg H | div |",
        "|---|---|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for cell in summ["policy_cells"]:
        for pol in pols:
            s = cell[pol]
            lines.append(
                f"| {_short(cell['dataset'])} | {cell['backend']} | "
                f"{cell['gamma']:g} | {pol} | {_pm(s['average_precision'])} | "
                f"{_pm(s['roc_auc'])} | {_num(s[f'log10_rel_train_loss_{early}'])} | "
                f"{_num(s['log10_rel_train_loss_final'])} | "
                f"{_num(s['test_focal_loss'], '.2e')} | {_num(s['fit_s'])} | "
                f"{_num(s['n_loss_increases'], '.1f')} | "
                f"{_num(s['max_neg_exact_hessian_share'], '.2%')} | "
                f"{s['n_diverged']}/{s['n_folds']} |"
            )
    if len(pols) == 2:
        a, b = pols
        lines += [
            "",
            "### Wins (cells = data set x backend x gamma, compared on fold means)",
            "",
            f"'AP (clear)' counts a tie when the mean APs differ by at most {AP_TIE}.",
            "",
            f"| scope | cells | AP {a}/{b}/tie | AP (clear) {a}/{b}/tie | "
            f"ROC {a}/{b}/tie | lower train FL {a}/{b} | lower test FL {a}/{b} | "
            f"faster fit {a}/{b} |",
            "|---|---:|---|---|---|---|---|---|",
        ]
        for scope, w in summ["policy_wins"].items():

            def g(key: str, pol: str, w=w) -> int:
                return w.get(f"{key}:{pol}", 0)

            lines.append(
                f"| {scope} | {w.get('cells', 0)} | "
                f"{g('ap', a)}/{g('ap', b)}/{g('ap', 'tie')} | "
                f"{g('ap_clear', a)}/{g('ap_clear', b)}/{g('ap_clear', 'tie')} | "
                f"{g('roc', a)}/{g('roc', b)}/{g('roc', 'tie')} | "
                f"{g('train_fl', a)}/{g('train_fl', b)} | "
                f"{g('test_fl', a)}/{g('test_fl', b)} | "
                f"{g('fit_s', a)}/{g('fit_s', b)} |"
            )
        lines += [
            "",
            f"### Paired per-fold differences ({b} minus {a})",
            "",
            "Wilcoxon signed-rank p-values are descriptive: the folds share data "
            "and the cells share data sets.",
            "",
            f"| scope | n | mean ΔAP | median ΔAP | folds AP {b} > {a} / < | "
            f"p (AP) | mean Δ lg FL@{n_est} | folds train FL {b} < {a} | "
            f"folds test FL {b} < {a} |",
            "|---|---:|---:|---:|---|---:|---:|---:|---:|",
        ]
        for scope, p in summ["policy_paired"].items():
            ap = p["average_precision"]
            fl = p["log10_rel_train_loss_final"]
            tf = p["test_focal_loss"]
            if not ap["n"]:
                continue
            lines.append(
                f"| {scope} | {ap['n']} | {ap['mean_diff']:+.4f} | "
                f"{ap['median_diff']:+.4f} | {ap['n_b_higher']}/{ap['n_a_higher']} | "
                f"{_pval(ap['wilcoxon_p'])} | {fl['mean_diff']:+.2f} | "
                f"{fl['n_a_higher']}/{fl['n']} | {tf['n_a_higher']}/{tf['n']} |"
            )

    if summ["mcw_cells"]:
        grid = cfg["mcw_grid"]
        head = " | ".join(f"mcw={m:g}" for m in grid)
        sep = "|---|---:|" + "---|" * len(grid)
        lines += [
            "",
            f"## 2. XGBoost min_child_weight (hessian={cfg['mcw_policy']})",
            "",
            "### Held-out average precision (mean ± std over folds)",
            "",
            f"| data set | gamma | {head} |",
            sep,
        ]
        for cell in summ["mcw_cells"]:
            vals = " | ".join(_pm(cell[repr(m)]["average_precision"]) for m in grid)
            lines.append(f"| {_short(cell['dataset'])} | {cell['gamma']:g} | {vals} |")
        lines += [
            "",
            f"### lg FL@{n_est}; mean splits per tree (share of trees with no split)",
            "",
            f"| data set | gamma | {head} |",
            sep,
        ]
        for cell in summ["mcw_cells"]:
            vals = " | ".join(
                f"{_num(cell[repr(m)]['log10_rel_train_loss_final'])}; "
                f"{_num(cell[repr(m)]['splits_per_tree'], '.1f')} "
                f"({_num(cell[repr(m)]['empty_tree_share'], '.0%')})"
                for m in grid
            )
            lines.append(f"| {_short(cell['dataset'])} | {cell['gamma']:g} | {vals} |")
        lines += [
            "",
            "### Summary over the data set x gamma cells",
            "",
            "| min_child_weight | mean AP | mean ROC | mean gap to best AP | "
            "mean AP rank | cells best | mean lg FL | mean test FL | splits/tree | "
            "empty trees |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for m in grid:
            s = summ["mcw_summary"].get(repr(m))
            if not s:
                continue
            lines.append(
                f"| {m:g} | {s['average_precision']:.4f} | {s['roc_auc']:.4f} | "
                f"{s['gap_to_best_ap']:.4f} | {s['rank']:.2f} | "
                f"{s['n_best']}/{s['n_cells']} | "
                f"{s['log10_rel_train_loss_final']:.2f} | "
                f"{s['test_focal_loss']:.2e} | {s['splits_per_tree']:.1f} | "
                f"{s['empty_tree_share']:.0%} |"
            )

    if summ["stress_cells"]:
        cps = [str(c) for c in CHECKPOINTS if c <= n_est]
        lines += [
            "",
            "## 3. Negative-curvature stress (every positive starts with a "
            "negative exact Hessian)",
            "",
            "neg H@k = share of training samples with a negative exact Hessian "
            "at the intercept-only start (k=0) and after round 1.",
            "",
            "| data | backend | hessian | AP | ROC | "
            + " | ".join(f"lg FL@{c}" for c in cps)
            + " | up | neg H@0 | neg H@1 | div |",
            "|---|---|---|---|---|" + "---:|" * (len(cps) + 4),
        ]
        for cell in summ["stress_cells"]:
            for pol in pols:
                s = cell[pol]
                lines.append(
                    f"| {cell['data']} | {cell['backend']} | {pol} | "
                    f"{_pm(s['average_precision'])} | {_pm(s['roc_auc'])} | "
                    + " | ".join(_num(s[f"log10_rel_train_loss_{c}"]) for c in cps)
                    + f" | {_num(s['n_loss_increases'], '.1f')} | "
                    f"{_num(s['neg_exact_hessian_share_round0'], '.2%')} | "
                    f"{_num(s['neg_exact_hessian_share_round1'], '.2%')} | "
                    f"{s['n_diverged']}/{s['n_folds']} |"
                )
    if summ["lr_control_cells"]:
        lines += [
            "",
            "## 4. Step-size control: surrogate with learning_rate / (1 + gamma)",
            "",
            "On well-classified samples the exact Hessian is (1 + gamma) times the "
            "surrogate, so `clipped` takes smaller Newton steps there. This "
            "experiment refits `surrogate` with the learning rate divided by "
            "(1 + gamma) (`surrogate/(1+g)`) to see how much of the difference "
            "between the policies is step size.",
            "",
            "| data set | backend | gamma | AP surrogate | AP clipped | "
            "AP surrogate/(1+g) | "
            f"lg FL@{n_est} surrogate | clipped | surrogate/(1+g) | "
            "test FL surrogate | clipped | surrogate/(1+g) |",
            "|---|---|---:|---|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        variants = ("surrogate", "clipped", "surrogate_slow")
        for cell in summ["lr_control_cells"]:
            lines.append(
                f"| {_short(cell['dataset'])} | {cell['backend']} | "
                f"{cell['gamma']:g} | "
                + " | ".join(_pm(cell[v]["average_precision"]) for v in variants)
                + " | "
                + " | ".join(
                    _num(cell[v]["log10_rel_train_loss_final"]) for v in variants
                )
                + " | "
                + " | ".join(_num(cell[v]["test_focal_loss"], ".2e") for v in variants)
                + " |"
            )
        lines += [
            "",
            "| scope | n | mean ΔAP clipped - surrogate/(1+g) | folds clipped > / < | "
            "p | mean ΔAP surrogate/(1+g) - surrogate | folds > / < | p |",
            "|---|---:|---:|---|---:|---:|---|---:|",
        ]
        for scope, p in summ["lr_control_paired"].items():
            c, d = p["clipped_vs_slow"], p["slow_vs_surrogate"]
            lines.append(
                f"| {scope} | {c['n']} | {c['mean_diff']:+.4f} | "
                f"{c['n_b_higher']}/{c['n_a_higher']} | {_pval(c['wilcoxon_p'])} | "
                f"{d['mean_diff']:+.4f} | {d['n_b_higher']}/{d['n_a_higher']} | "
                f"{_pval(d['wilcoxon_p'])} |"
            )
    lines.append("")
    path.write_text("\n".join(lines))


# ----------------------------------------------------------------------- CLI
def _jsonable(obj: Any) -> Any:
    """Strict JSON: floats to 7 significant digits, non-finite ones to null."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return _sig(float(obj), 7)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def _write_json(result: dict[str, Any], path: Path) -> None:
    """Write ``result`` as strict JSON, one line per record (keeps it compact)."""
    body = {k: v for k, v in result.items() if k != "records"}
    head = json.dumps(_jsonable(body), indent=1)
    records = ",\n".join(
        "  " + json.dumps(_jsonable(r), separators=(",", ":"))
        for r in result["records"]
    )
    path.write_text(f'{head[:-2]},\n "records": [\n{records}\n ]\n}}\n')


def _source() -> dict[str, Any]:
    """Where the benchmarked focalboost came from (path, git commit, dirty)."""
    pkg = Path(focalboost.__file__).resolve().parent
    info: dict[str, Any] = {"path": str(pkg), "git_commit": None, "dirty": None}
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=pkg,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", "."],
            cwd=pkg,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return info
    info.update(git_commit=commit, dirty=bool(status.strip()))
    return info


def _machine() -> dict[str, Any]:
    return dict(
        platform=platform.platform(),
        machine=platform.machine(),
        processor=platform.processor(),
        python=platform.python_version(),
        cpu_count=os.cpu_count(),
        omp_wait_policy=os.environ.get("OMP_WAIT_POLICY"),
    )


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.hessian_policy",
        description="Benchmark the focal Hessian policies and XGBoost "
        "min_child_weight on real imbalanced data sets.",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 2 small data sets, 50 rounds, one stress case (~1 min)",
    )
    p.add_argument(
        "--data-dir",
        default=None,
        help="data folder (default: $FOCALBOOST_DATA, else ../shared/data)",
    )
    p.add_argument(
        "--out-dir", default=None, help=f"output folder (default: {RESULTS_DIR})"
    )
    p.add_argument(
        "--datasets",
        nargs="+",
        default=None,
        choices=sorted(DATASETS),
        metavar="NAME",
        help="data sets of experiments 1-2",
    )
    p.add_argument("--n-estimators", type=int, default=None)
    p.add_argument("--no-stress", action="store_true", help="skip experiment 3")
    p.add_argument("--no-lr-control", action="store_true", help="skip experiment 4")
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.hessian_policy``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(argv)
    try:
        data_dir = require_data_dir(args.data_dir)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    defaults = {
        "xgboost": FocalXGBClassifier().get_params(),
        "lightgbm": FocalLGBMClassifier().get_params(),
    }
    stress = (
        () if args.no_stress else (QUICK_STRESS_CASES if args.quick else STRESS_CASES)
    )
    cfg = Config(
        datasets=list(
            args.datasets or (QUICK_DATASETS if args.quick else DEFAULT_DATASETS)
        ),
        gammas=list(GAMMAS),
        policies=list(HESSIAN_POLICIES),
        backends=list(BACKENDS),
        mcw_grid=list(MCW_GRID),
        mcw_policy=defaults["xgboost"]["hessian"],
        stress_cases=[asdict(c) for c in stress],
        lr_control_gammas=[]
        if args.no_lr_control
        else list(QUICK_LR_CONTROL_GAMMAS if args.quick else LR_CONTROL_GAMMAS),
        n_estimators=args.n_estimators or (50 if args.quick else 200),
        n_splits=3,
        seed=args.seed,
        n_jobs=args.n_jobs,
        estimator_defaults={
            k: {
                p: d[p]
                for p in ("hessian", "min_child_weight", "learning_rate", "reg_lambda")
            }
            for k, d in defaults.items()
        },
    )
    out_dir = Path(args.out_dir) if args.out_dir else RESULTS_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = "hessian_policy_quick" if args.quick else "hessian_policy"
    print(
        f"hessian policy benchmark: {len(cfg.datasets)} data sets + "
        f"{len(cfg.stress_cases)} stress cases, {cfg.n_splits}-fold CV, "
        f"n_estimators={cfg.n_estimators}, data from {data_dir}",
        flush=True,
    )
    source = _source()
    t0 = time.perf_counter()
    try:
        records, info = run(cfg, data_dir, log=lambda s: print(s, flush=True))
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    runtime = time.perf_counter() - t0
    result: dict[str, Any] = dict(
        benchmark="hessian_policy",
        command=" ".join(["python -m benchmarks.hessian_policy", *argv]),
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        runtime_s=runtime,
        config=asdict(cfg),
        machine=_machine(),
        versions=versions(),
        focalboost_source=source,
        datasets=info,
    )
    result["summary"] = summarise(records, cfg)
    result["records"] = records
    json_path = out_dir / f"{stem}.json"
    md_path = out_dir / f"{stem}.md"
    _write_json(result, json_path)
    write_markdown(_jsonable(result), md_path)
    summ = result["summary"]
    print(f"done in {runtime:.0f}s; wrote {json_path} and {md_path}")
    if summ["n_errors"] or summ["n_nonfinite"] or summ["n_diverged"]:
        print(
            f"note: {summ['n_errors']} fits failed, {summ['n_nonfinite']} produced "
            f"NaN/inf and {summ['n_diverged']} diverged (recorded in the results)."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
