"""Fits of ``python -m benchmarks.hessian_policy``: plan, fit, measure.

:func:`run` fits every configuration (:class:`Job`) the experiments of a
:class:`Config` need on every fold of every data variant, once even when
several experiments share it, and returns one record per fit.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from benchmarks._common import make_estimator
from benchmarks.datasets import fetch_dataset
from focalboost import FocalXGBClassifier
from focalboost.losses import BinaryFocalLoss

#: Rounds at which loss curves are summarised (clipped to n_estimators).
CHECKPOINTS = (1, 5, 10, 50, 100, 200)
#: Rounds at which the share of negative exact Hessians is measured.
HESSIAN_CHECKPOINTS = (0, 1, 2, 5, 10, 50)
#: A round "increases" the training loss when it grows by more than this
#: relative amount (float noise is ~1e-16).
INCREASE_RTOL = 1e-9


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

    def default_mcw(self, backend: str) -> float | None:
        """``min_child_weight`` of the policy fits: XGBoost's default, else None."""
        if backend != "xgboost":
            return None
        return self.estimator_defaults["xgboost"]["min_child_weight"]


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
    return make_estimator(job.backend, "focal", **kwargs)


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


def _neg_hessian_share(est, loss, Xtr, ytr, m_tr, n_estimators: int) -> dict:
    """Share of training samples with a negative exact Hessian, by round."""
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
    return neg_share


def _relative_increases(full: np.ndarray) -> np.ndarray:
    """Relative change of the training loss in every round (inf for NaN)."""
    prev, nxt = full[:-1], full[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_up = np.where(prev > 0, (nxt - prev) / prev, 0.0)
    return np.nan_to_num(rel_up, nan=np.inf)


def _measure(est, loss, Xtr, ytr, Xte, yte, n_estimators: int) -> dict[str, Any]:
    """Losses, curvature, trees and held-out scores of one fitted model."""
    m_tr = est.decision_function(Xtr)
    m_te = est.decision_function(Xte)
    hist = est.evals_result_
    train_set, test_set = hist.values()  # validation_i / valid_i by backend
    curve = np.asarray(train_set["focal"], dtype=np.float64)
    test_curve = np.asarray(test_set["focal"], dtype=np.float64)
    initial = float(loss.loss(ytr, np.full(ytr.shape[0], est.intercept_)).mean())
    final = float(loss.loss(ytr, m_tr).mean())
    finite = all(np.isfinite(a).all() for a in (curve, test_curve, m_tr, m_te))
    full = np.concatenate([[initial], curve])
    rel_up = _relative_increases(full)
    checkpoints = sorted({c for c in CHECKPOINTS if c <= n_estimators} | {n_estimators})
    splits_per_tree, empty_tree_share = _tree_stats(est)
    test_ext = np.r_[np.nan, test_curve]
    return dict(
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
        neg_exact_hessian_share=_neg_hessian_share(
            est, loss, Xtr, ytr, m_tr, n_estimators
        ),
        splits_per_tree=splits_per_tree,
        empty_tree_share=empty_tree_share,
        train_curve=[_sig(v) for v in curve],
    )


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
    est.set_params(eval_metric="focal")  # the training loss, round by round
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
    rec.update(_measure(est, loss, Xtr, ytr, Xte, yte, n_estimators))
    return rec


# ---------------------------------------------------------------- experiment
def _plan(cfg: Config) -> list[tuple[str, str, float | None, list[Job]]]:
    """Return ``(label, dataset, subsample, jobs)`` per data variant.

    Identical configurations needed by several experiments are fitted once.
    """
    plan: dict[tuple[str, str, float | None], dict[tuple, Job]] = {}

    def add(label, dataset, subsample, job: Job, experiment: str) -> None:
        jobs = plan.setdefault((label, dataset, subsample), {})
        jobs.setdefault(job.key, job).experiments.append(experiment)

    for name in cfg.datasets:
        for backend in cfg.backends:
            for gamma in cfg.gammas:
                for pol in cfg.policies:
                    mcw = cfg.default_mcw(backend)
                    add(name, name, None, Job(backend, gamma, None, pol, mcw), "policy")
        if "xgboost" in cfg.backends:
            for gamma in cfg.gammas:
                for mcw in cfg.mcw_grid:
                    job = Job("xgboost", gamma, None, cfg.mcw_policy, mcw)
                    add(name, name, None, job, "min_child_weight")
        for backend in cfg.backends:
            mcw = cfg.default_mcw(backend)
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
                mcw = cfg.default_mcw(backend)
                job = Job(backend, case["gamma"], case["alpha"], pol, mcw)
                add(case["label"], case["dataset"], case["subsample"], job, "stress")
    return [(*key, list(jobs.values())) for key, jobs in plan.items()]


def _load(name: str, subsample: float | None, data_dir: Path, seed: int):
    """``(X, y)`` of one data variant (a seeded stratified share of it)."""
    ds = fetch_dataset(name, data_dir)
    X, y = ds.X, ds.y
    if subsample is not None:
        X, _, y, _ = train_test_split(
            X, y, train_size=subsample, stratify=y, random_state=seed
        )
    return X, y


def _fold_records(cfg: Config, label: str, name: str, X, y, jobs: list[Job]):
    """One record per (fold, job) of one data variant."""
    records = []
    cv = StratifiedKFold(n_splits=cfg.n_splits, shuffle=True, random_state=cfg.seed)
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
    return records


def run(
    cfg: Config, data_dir: Path, log: Callable[[str], None] = print
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Fit every configuration on every fold.

    Parameters
    ----------
    cfg : Config
        The run's configuration.
    data_dir : pathlib.Path
        Data folder.
    log : callable, default=print
        Called with one progress line per data variant.

    Returns
    -------
    records : list of dict
        One per (data variant, fold, configuration): the fold, the
        :class:`Job` fields and the measurements.
    info : dict
        Shape and positives of every data variant, by label.
    """
    records: list[dict[str, Any]] = []
    info: dict[str, Any] = {}
    for label, name, subsample, jobs in _plan(cfg):
        X, y = _load(name, subsample, data_dir, cfg.seed)
        info[label] = dict(
            dataset=name,
            subsample=subsample,
            n_samples=int(X.shape[0]),
            n_features=int(X.shape[1]),
            n_positive=int(y.sum()),
            minority_share=float(y.mean()),
        )
        t_ds = time.perf_counter()
        records += _fold_records(cfg, label, name, X, y, jobs)
        log(
            f"  {label}: {len(jobs)} configs x {cfg.n_splits} folds in "
            f"{time.perf_counter() - t_ds:.1f}s"
        )
    return records, info
