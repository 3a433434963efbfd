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
(tables) in ``benchmarks/results`` (``--out``; ``--quick`` writes
``hessian_policy_quick.*``). The data folder is ``--data-dir``, else
``$FOCALBOOST_DATA``, else ``../shared/data``; see :mod:`benchmarks.datasets`.
The script exits with status 2 and a message when the data are missing.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import focalboost
from benchmarks._common import (
    BACKENDS,
    add_data_dir_argument,
    data_dir_or_exit,
    jsonable,
    log,
    make_estimator,
    parser,
    provenance,
    write_results,
)
from benchmarks._hessian_policy_fit import Config, run
from benchmarks._hessian_policy_report import TITLE, report_body
from benchmarks._hessian_policy_summary import summarise
from benchmarks.datasets import DATASETS
from focalboost.losses import HESSIAN_POLICIES

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
#: Significant digits of the floats in the JSON file.
DIGITS = 7


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


def _source() -> dict[str, Any]:
    """Where the benchmarked focalboost came from (path, git commit, dirty)."""
    pkg = Path(focalboost.__file__).resolve().parent

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=pkg, capture_output=True, text=True, check=True
        ).stdout

    info: dict[str, Any] = {"path": str(pkg), "git_commit": None, "dirty": None}
    try:
        commit = git("rev-parse", "HEAD").strip()
        status = git("status", "--porcelain", "--", ".")
    except (OSError, subprocess.CalledProcessError):
        return info
    info.update(git_commit=commit, dirty=bool(status.strip()))
    return info


def _parse(argv: Sequence[str]):
    p = parser(
        "hessian_policy",
        "Benchmark the focal Hessian policies and XGBoost min_child_weight on "
        "real imbalanced data sets.",
        out_aliases=("--out-dir",),
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 2 small data sets, 50 rounds, one stress case (~1 min)",
    )
    add_data_dir_argument(p)
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


def _config(args) -> Config:
    """The run's :class:`Config` from the arguments and the estimator defaults."""
    defaults = {b: make_estimator(b).get_params() for b in BACKENDS}
    stress = (
        () if args.no_stress else (QUICK_STRESS_CASES if args.quick else STRESS_CASES)
    )
    lr_gammas = QUICK_LR_CONTROL_GAMMAS if args.quick else LR_CONTROL_GAMMAS
    return Config(
        datasets=list(
            args.datasets or (QUICK_DATASETS if args.quick else DEFAULT_DATASETS)
        ),
        gammas=list(GAMMAS),
        policies=list(HESSIAN_POLICIES),
        backends=list(BACKENDS),
        mcw_grid=list(MCW_GRID),
        mcw_policy=defaults["xgboost"]["hessian"],
        stress_cases=[asdict(c) for c in stress],
        lr_control_gammas=[] if args.no_lr_control else list(lr_gammas),
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.hessian_policy``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(argv)
    data_dir = data_dir_or_exit(args.data_dir)
    cfg = _config(args)
    stem = "hessian_policy_quick" if args.quick else "hessian_policy"
    log(
        f"hessian policy benchmark: {len(cfg.datasets)} data sets + "
        f"{len(cfg.stress_cases)} stress cases, {cfg.n_splits}-fold CV, "
        f"n_estimators={cfg.n_estimators}, data from {data_dir}"
    )
    result: dict[str, Any] = dict(
        benchmark="hessian_policy",
        **provenance("hessian_policy", argv, fit_threads=cfg.n_jobs),
    )
    t0 = time.perf_counter()
    try:
        records, info = run(cfg, data_dir, log=log)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result.update(
        runtime_s=time.perf_counter() - t0,
        config=asdict(cfg),
        focalboost_source=_source(),
        datasets=info,
        summary=summarise(records, cfg),
        records=records,
    )
    body = report_body(jsonable(result, DIGITS))
    paths = write_results(
        args.out, stem, result, TITLE, body, digits=DIGITS, one_line=("records",)
    )
    summ = result["summary"]
    log(f"done in {result['runtime_s']:.0f}s; wrote {paths[0]} and {paths[1]}")
    if summ["n_errors"] or summ["n_nonfinite"] or summ["n_diverged"]:
        log(
            f"note: {summ['n_errors']} fits failed, {summ['n_nonfinite']} produced "
            f"NaN/inf and {summ['n_diverged']} diverged (recorded in the results)."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
