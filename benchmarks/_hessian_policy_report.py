"""Markdown tables of ``python -m benchmarks.hessian_policy``.

:func:`report_body` renders ``hessian_policy.md`` after the title and the
provenance lines :func:`benchmarks._common.write_results` writes; it reads the
JSON-ready document (floats rounded, non-finite ones None).
"""

from __future__ import annotations

from typing import Any

from benchmarks._hessian_policy_fit import CHECKPOINTS, HESSIAN_CHECKPOINTS
from benchmarks._hessian_policy_summary import AP_TIE

TITLE = "Hessian policy benchmark"


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


def _header(result: dict[str, Any]) -> list[str]:
    """Source, protocol, fit counts, the data table and the column legend."""
    cfg = result["config"]
    summ = result["summary"]
    n_est = cfg["n_estimators"]
    defaults = cfg["estimator_defaults"]
    src = result["focalboost_source"]
    lines = [
        f"Source: focalboost from git {src['git_commit'] or 'n/a'}"
        + (" (modified)" if src["dirty"] else "")
        + ".  ",
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
    ]
    return lines


def _policy_table(summ: dict[str, Any], pols: list[str], n_est: int) -> list[str]:
    """Experiment 1: one row per (cell, policy)."""
    early = str(min(10, n_est))
    lines = [
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
    return lines


def _policy_wins(summ: dict[str, Any], a: str, b: str) -> list[str]:
    """Experiment 1: win counts per scope."""
    lines = [
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
    return lines


def _policy_paired(summ: dict[str, Any], a: str, b: str, n_est: int) -> list[str]:
    """Experiment 1: paired per-fold differences per scope."""
    lines = [
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
    return lines


def _mcw_tables(cfg: dict[str, Any], summ: dict[str, Any], n_est: int) -> list[str]:
    """Experiment 2: per-cell AP, then per-cell loss and tree size."""
    grid = cfg["mcw_grid"]
    head = " | ".join(f"mcw={m:g}" for m in grid)
    sep = "|---|---:|" + "---|" * len(grid)
    lines = [
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
    return lines


def _mcw_summary(cfg: dict[str, Any], summ: dict[str, Any]) -> list[str]:
    """Experiment 2: means over the cells per grid value."""
    grid = cfg["mcw_grid"]
    lines = [
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
    return lines


def _stress(summ: dict[str, Any], pols: list[str], n_est: int) -> list[str]:
    """Experiment 3: one row per (case, backend, policy)."""
    cps = [str(c) for c in CHECKPOINTS if c <= n_est]
    lines = [
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
    return lines


def _lr_control(summ: dict[str, Any], n_est: int) -> list[str]:
    """Experiment 4: per-cell table, then paired AP differences."""
    lines = [
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
            + " | ".join(_num(cell[v]["log10_rel_train_loss_final"]) for v in variants)
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
    return lines


def report_body(result: dict[str, Any]) -> list[str]:
    """Markdown lines of ``hessian_policy.md`` after the provenance lines.

    Parameters
    ----------
    result : dict
        The JSON-ready results document (``config``, ``summary``,
        ``datasets``, ``focalboost_source``).

    Returns
    -------
    list of str
    """
    cfg, summ = result["config"], result["summary"]
    n_est, pols = cfg["n_estimators"], cfg["policies"]
    lines = _header(result) + _policy_table(summ, pols, n_est)
    if len(pols) == 2:
        lines += _policy_wins(summ, *pols) + _policy_paired(summ, *pols, n_est)
    if summ["mcw_cells"]:
        lines += _mcw_tables(cfg, summ, n_est) + _mcw_summary(cfg, summ)
    if summ["stress_cells"]:
        lines += _stress(summ, pols, n_est)
    if summ["lr_control_cells"]:
        lines += _lr_control(summ, n_est)
    return lines
