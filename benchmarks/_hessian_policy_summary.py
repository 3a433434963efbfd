"""Summaries of ``python -m benchmarks.hessian_policy``: cells, wins, pairs.

A *cell* is one (data set, backend, gamma) or (data variant, backend)
combination; its statistics are fold means and standard deviations
(:func:`_cell_stats`). Paired per-fold differences are summarised with a
Wilcoxon signed-rank p-value (descriptive: folds and cells share data).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import product
from typing import Any

import numpy as np
from scipy.stats import wilcoxon

from benchmarks._hessian_policy_fit import CHECKPOINTS, Config

#: |difference in mean AP| up to which a cell counts as a tie in "AP (clear)".
AP_TIE = 0.005
#: Per-cell means averaged over the cells of experiment 2.
MCW_KEYS = (
    "average_precision",
    "roc_auc",
    "log10_rel_train_loss_final",
    "test_focal_loss",
    "splits_per_tree",
    "empty_tree_share",
    "fit_s",
)

Groups = dict[tuple, list[dict[str, Any]]]


# ---------------------------------------------------------------- cell stats
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


def _metrics(n_estimators: int) -> dict[str, Callable[[dict[str, Any]], Any]]:
    """What :func:`_cell_stats` averages, by name."""
    metrics: dict[str, Callable[[dict[str, Any]], Any]] = {
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
    return metrics


def _cell_stats(recs: list[dict[str, Any]], n_estimators: int) -> dict[str, Any]:
    ok = [r for r in recs if r["error"] is None]
    out: dict[str, Any] = {
        "n_folds": len(recs),
        "n_errors": len(recs) - len(ok),
        "n_nonfinite": sum(bool(r["nonfinite"]) for r in recs),
        "n_diverged": sum(bool(r["diverged"]) for r in recs),
    }
    for key, fn in _metrics(n_estimators).items():
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


def _group(records: list[dict[str, Any]]) -> Groups:
    """Records by (data, backend, gamma, alpha, hessian, mcw, learning rate)."""
    groups: Groups = defaultdict(list)
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
    return groups


# ------------------------------------------------------ experiment 1: policy
def _common_folds(ra_list: list[dict], rb_list: list[dict]) -> list[tuple]:
    """(record a, record b) of the folds where both fits are ok and finite."""
    ra = {r["fold"]: r for r in ra_list if r["error"] is None}
    rb = {r["fold"]: r for r in rb_list if r["error"] is None}
    return [
        (ra[f], rb[f])
        for f in sorted(set(ra) & set(rb))
        if not (ra[f]["nonfinite"] or rb[f]["nonfinite"])
    ]


def _add_pairs(p: dict[str, tuple[list, list]], folds: list[tuple]) -> None:
    for ra, rb in folds:
        p["ap"][0].append(ra["average_precision"])
        p["ap"][1].append(rb["average_precision"])
        p["fl"][0].append(_log10_rel(ra, "final"))
        p["fl"][1].append(_log10_rel(rb, "final"))
        p["test_fl"][0].append(ra["test_focal_loss"])
        p["test_fl"][1].append(rb["test_focal_loss"])


def _add_wins(w: dict[str, int], cell: dict[str, Any], a: str, b: str) -> None:
    """Tally which policy of ``cell`` is better on each criterion."""

    def better(key: str, higher: bool, tie: float = 0.0) -> str:
        va, vb = cell[a][key]["mean"], cell[b][key]["mean"]
        if va is None or vb is None or abs(va - vb) <= tie:
            return "tie"
        return a if (va > vb) == higher else b

    w["cells"] += 1
    w[f"ap:{better('average_precision', True)}"] += 1
    w[f"ap_clear:{better('average_precision', True, AP_TIE)}"] += 1
    w[f"roc:{better('roc_auc', True)}"] += 1
    w[f"train_fl:{better('log10_rel_train_loss_final', False)}"] += 1
    w[f"test_fl:{better('test_focal_loss', False)}"] += 1
    w[f"fit_s:{better('fit_s', False)}"] += 1


def _policy(cfg: Config, groups: Groups) -> dict[str, Any]:
    """Experiment 1: cells per policy, wins and paired differences by scope."""
    pols = cfg.policies
    a_pol, b_pol = pols[0], pols[-1]
    scopes = [*cfg.backends, "all"]
    cells = []
    wins: dict[str, dict[str, int]] = {s: defaultdict(int) for s in scopes}
    pairs: dict[str, dict[str, tuple[list, list]]] = {
        s: {"ap": ([], []), "fl": ([], []), "test_fl": ([], [])} for s in scopes
    }
    for name, backend, gamma in product(cfg.datasets, cfg.backends, cfg.gammas):
        mcw = cfg.default_mcw(backend)
        by_pol = {
            pol: groups[(name, backend, gamma, None, pol, mcw, None)] for pol in pols
        }
        cell: dict[str, Any] = dict(dataset=name, backend=backend, gamma=gamma)
        for pol in pols:
            cell[pol] = _cell_stats(by_pol[pol], cfg.n_estimators)
        cells.append(cell)
        if len(pols) != 2:
            continue
        folds = _common_folds(by_pol[a_pol], by_pol[b_pol])
        for scope in (backend, "all"):
            _add_pairs(pairs[scope], folds)
            _add_wins(wins[scope], cell, a_pol, b_pol)
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
    return dict(
        policy_cells=cells,
        policy_wins={s: dict(w) for s, w in wins.items()},
        policy_paired=paired,
    )


# -------------------------------------------- experiment 2: min_child_weight
def _rank(aps: dict[float, float], acc: dict[float, dict[str, list]]) -> None:
    """Gap to the best AP, rank and best flag of every grid value of a cell."""
    best = max(aps.values())
    order = sorted(aps, key=lambda k: -aps[k])
    for m, v in aps.items():
        acc[m]["gap_to_best_ap"].append(best - v)
        acc[m]["rank"].append(order.index(m) + 1.0)
        acc[m]["best"].append(float(v == best))


def _mcw_cell(cfg: Config, groups: Groups, name: str, gamma: float, acc) -> dict:
    cell: dict[str, Any] = dict(dataset=name, gamma=gamma, hessian=cfg.mcw_policy)
    aps: dict[float, float] = {}
    for m in cfg.mcw_grid:
        key = (name, "xgboost", gamma, None, cfg.mcw_policy, m, None)
        stats = cell[repr(m)] = _cell_stats(groups[key], cfg.n_estimators)
        for k in MCW_KEYS:
            if stats[k]["mean"] is not None:
                acc[m][k].append(stats[k]["mean"])
        if stats["average_precision"]["mean"] is not None:
            aps[m] = stats["average_precision"]["mean"]
    if aps:
        _rank(aps, acc)
    return cell


def _mcw(cfg: Config, groups: Groups) -> dict[str, Any]:
    """Experiment 2: cells per grid value and their means over the cells."""
    cells = []
    acc: dict[float, dict[str, list[float]]] = {
        m: defaultdict(list) for m in cfg.mcw_grid
    }
    if "xgboost" in cfg.backends:
        for name, gamma in product(cfg.datasets, cfg.gammas):
            cells.append(_mcw_cell(cfg, groups, name, gamma, acc))
    summary = {
        repr(m): {k: float(np.mean(v)) for k, v in d.items()}
        | {"n_best": int(sum(d["best"])), "n_cells": len(d["best"])}
        for m, d in acc.items()
        if d
    }
    return dict(mcw_cells=cells, mcw_summary=summary)


# ------------------------------------------------------ experiment 3: stress
def _stress(cfg: Config, groups: Groups) -> list[dict[str, Any]]:
    cells = []
    for case in cfg.stress_cases:
        for backend in cfg.backends:
            cell: dict[str, Any] = dict(data=case["label"], backend=backend)
            for pol in cfg.policies:
                key = (
                    case["label"],
                    backend,
                    case["gamma"],
                    case["alpha"],
                    pol,
                    cfg.default_mcw(backend),
                    None,
                )
                cell[pol] = _cell_stats(groups[key], cfg.n_estimators)
            cells.append(cell)
    return cells


# -------------------------------------------- experiment 4: step-size control
def _lr_variants(cfg: Config, groups: Groups, name: str, backend: str, gamma):
    """Records of each policy and of ``surrogate`` at the reduced rate."""
    mcw = cfg.default_mcw(backend)
    slow = cfg.estimator_defaults[backend]["learning_rate"] / (1 + gamma)
    variants = {
        pol: groups[(name, backend, gamma, None, pol, mcw, None)]
        for pol in cfg.policies
    }
    variants["surrogate_slow"] = groups[
        (name, backend, gamma, None, "surrogate", mcw, slow)
    ]
    return variants, slow


def _add_lr_pairs(pairs: dict[str, tuple[list, list]], variants) -> None:
    by_fold = {
        v: {
            r["fold"]: r["average_precision"]
            for r in recs
            if r["error"] is None and not r["nonfinite"]
        }
        for v, recs in variants.items()
    }
    for f in sorted(set.intersection(*map(set, by_fold.values()))):
        pc = pairs["clipped_vs_slow"]
        pc[0].append(by_fold["surrogate_slow"][f])
        pc[1].append(by_fold.get("clipped", {}).get(f))
        ps = pairs["slow_vs_surrogate"]
        ps[0].append(by_fold.get("surrogate", {}).get(f))
        ps[1].append(by_fold["surrogate_slow"][f])


def _lr_control(cfg: Config, groups: Groups) -> dict[str, Any]:
    """Experiment 4: cells of the three variants, paired AP differences."""
    cells = []
    scopes = [*cfg.backends, "all"]
    pairs: dict[str, dict[str, tuple[list, list]]] = {
        s: {"clipped_vs_slow": ([], []), "slow_vs_surrogate": ([], [])} for s in scopes
    }
    for name, backend in product(cfg.datasets, cfg.backends):
        for gamma in cfg.lr_control_gammas:
            variants, slow = _lr_variants(cfg, groups, name, backend, gamma)
            cell: dict[str, Any] = dict(
                dataset=name, backend=backend, gamma=gamma, slow_learning_rate=slow
            )
            for v, recs in variants.items():
                cell[v] = _cell_stats(recs, cfg.n_estimators)
            cells.append(cell)
            for scope in (backend, "all"):
                _add_lr_pairs(pairs[scope], variants)
    paired = {
        s: {k: _paired(*v) for k, v in d.items()}
        for s, d in pairs.items()
        if d["clipped_vs_slow"][0]
    }
    return dict(lr_control_cells=cells, lr_control_paired=paired)


def summarise(records: list[dict[str, Any]], cfg: Config) -> dict[str, Any]:
    """Aggregate the per-fold records into the tables of the report.

    Parameters
    ----------
    records : list of dict
        :func:`benchmarks._hessian_policy_fit.run`'s records.
    cfg : Config
        The run's configuration.

    Returns
    -------
    dict
        The cells and paired comparisons of the four experiments and the
        counts of fits, errors, non-finite and diverged fits.
    """
    groups = _group(records)
    return dict(
        **_lr_control(cfg, groups),
        **_policy(cfg, groups),
        **_mcw(cfg, groups),
        stress_cells=_stress(cfg, groups),
        n_fits=len(records),
        n_errors=sum(r["error"] is not None for r in records),
        n_nonfinite=sum(bool(r["nonfinite"]) for r in records),
        n_diverged=sum(bool(r["diverged"]) for r in records),
    )
