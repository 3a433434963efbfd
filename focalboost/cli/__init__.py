"""Command line interface: ``focalboost demo|compare|fit|predict|info``.

Thin by design: parse arguments, call the public API, print, return an exit
code. User errors exit with status 2 and a one-line message, no traceback.

Layout: ``_commands`` (one function per command), ``_compare`` (the
cross-validation runner), ``_report`` (table, report and plots), ``_table``
(CSV/Parquet reading and :class:`UsageError`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._commands import (
    format_demo_table,
    run_compare_command,
    run_demo,
    run_fit,
    run_info,
    run_predict,
)
from ._table import UsageError

__all__ = ["main", "run_demo"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="focalboost",
        description="Focal loss for gradient-boosted trees (XGBoost, LightGBM).",
    )
    parser.add_argument(
        "--version", action=_Version, help="show the version and the kernel in use"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "info",
        help="versions, platform, and whether fits use the compiled kernel",
        description=(
            "Print the versions of focalboost, Python, numpy, scipy, "
            "scikit-learn, XGBoost and LightGBM, the platform, and the "
            "objective kernel fits use: compiled (its vector path, compiler "
            "and threads) or the slower numpy path (why, and how to get the "
            "compiled one)."
        ),
    )
    demo = sub.add_parser(
        "demo", help="compare log loss and focal loss on generated imbalanced data"
    )
    demo.add_argument("--n-samples", type=int, default=20000)
    demo.add_argument("--random-state", type=int, default=0)

    def add_model_options(
        p: argparse.ArgumentParser,
        backend_help: str | None = None,
        n_jobs_help: str = "threads (default: all cores)",
    ) -> None:
        if backend_help is None:
            p.add_argument(
                "--backend", choices=["xgboost", "lightgbm"], default="xgboost"
            )
        else:
            p.add_argument("--backend", default="xgboost", help=backend_help)
        p.add_argument(
            "--device",
            default=None,
            help="XGBoost device / LightGBM device_type, e.g. cpu, cuda",
        )
        p.add_argument("--n-estimators", type=int, default=100, help="rounds")
        p.add_argument("--seed", type=int, default=0, help="random seed")
        p.add_argument("--n-jobs", type=int, default=None, help=n_jobs_help)

    compare = sub.add_parser(
        "compare",
        help="does focal loss help on this data? nested CV and a verdict",
        description=(
            "Nested cross-validation of the log loss, the class-weighted log "
            "loss, the alpha-weighted log loss with alpha tuned at gamma=0, and "
            "the focal loss with alpha and gamma tuned, both on inner folds of "
            "each outer training part (gamma=0 is in the grid, so tuning can fall "
            "back to the log loss), on one or more backends. Tuned focal is "
            "compared with each other arm by the Nadeau-Bengio corrected "
            "resampled t-test on the outer folds, with a 95% confidence interval "
            "of the PR-AUC difference, and one plain sentence; against the tuned "
            "alpha-weighted log loss it says whether the focusing term itself "
            "helps. Binary, multiclass (one column) and multi-label (--target "
            "a,b,c: several 0/1 columns) targets. The fits run in parallel "
            "processes with few threads each. Prints the verdict and tables and "
            "writes report.html (one self-contained file with the plots), "
            "report.md, results.json and the PNG plots (with matplotlib) to "
            "--out. Without DATA: the embedded UCI Wine Quality 'quality <= 4' "
            "task (CC BY 4.0)."
        ),
    )
    compare.add_argument(
        "data", nargs="?", default=None, help="CSV or Parquet file (default: embedded)"
    )
    compare.add_argument(
        "--target",
        default=None,
        help="label column of DATA, or several 0/1 columns a,b,c (multi-label)",
    )
    compare.add_argument(
        "--pos-label",
        default=None,
        help="binary target: the positive class (default: the rarer class)",
    )
    compare.add_argument(
        "--cv",
        type=int,
        default=None,
        help="outer folds (default 5; 3 above 2 million cells: rows x features "
        "x labels or classes)",
    )
    compare.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="repeats of the outer k-fold, for power (default 1)",
    )
    compare.add_argument(
        "--inner-cv",
        type=int,
        default=None,
        help="inner (tuning) folds (default 2)",
    )
    compare.add_argument(
        "--alpha",
        default="none,0.25,balanced",
        help="comma-separated focal alphas: none, balanced or (0, 1) numbers",
    )
    compare.add_argument(
        "--gamma",
        default="0,1,2",
        help="comma-separated focal gammas >= 0 (0 is always included)",
    )
    compare.add_argument(
        "--at-precision",
        type=float,
        default=0.5,
        help="binary: report recall at this precision (default 0.5)",
    )
    compare.add_argument(
        "--at-recall",
        type=float,
        default=0.5,
        help="binary: report precision at this recall (default 0.5)",
    )
    add_model_options(
        compare,
        backend_help="xgboost, lightgbm or xgboost,lightgbm",
        n_jobs_help="cores in all, shared by parallel fits (default: all cores)",
    )
    compare.add_argument(
        "--time-budget",
        type=float,
        default=None,
        metavar="SECONDS",
        help="start no fit after this; the verdict uses the outer folds "
        "finished by then (at least 2)",
    )
    compare.add_argument(
        "--out", default="focalboost_report", help="report folder (created)"
    )
    compare.add_argument(
        "--quiet", action="store_true", help="no progress bar on stderr"
    )

    fit = sub.add_parser("fit", help="fit a classifier on a file and save it")
    fit.add_argument("data", help="CSV or Parquet file")
    fit.add_argument("--target", required=True, help="label column")
    fit.add_argument("--alpha", default="none", help="none, balanced or (0, 1)")
    fit.add_argument("--gamma", default="2", help="focusing parameter >= 0")
    fit.add_argument("--learning-rate", type=float, default=None)
    add_model_options(fit)
    fit.add_argument(
        "-o",
        "--output",
        default="focalboost_model.skops",
        help=(
            "model file, its format by the suffix: .json or .ubj (XGBoost's "
            "native file), .txt (LightGBM's), .skops, or .joblib/.pkl (a "
            "pickle, read back only with predict --allow-pickle)"
        ),
    )

    predict = sub.add_parser(
        "predict",
        help="predict classes and probabilities with a saved model",
        description=(
            "Write the predicted class and one probability column per class. "
            "MODEL is a native model file (XGBoost .json/.ubj, LightGBM .txt) "
            "or a .skops file written by `focalboost fit`; these load without "
            "running code. A pickle (.joblib/.pkl) runs any code it holds when "
            "loaded, so it is refused unless --allow-pickle is given."
        ),
    )
    predict.add_argument("model", help="file written by `focalboost fit`")
    predict.add_argument(
        "--allow-pickle",
        action="store_true",
        help=(
            "load MODEL even if it is a pickle/joblib file; loading a pickle "
            "runs any code it holds: only for files you trust"
        ),
    )
    predict.add_argument("data", help="CSV or Parquet file with the feature columns")
    predict.add_argument("-o", "--output", default="predictions.csv", help="output CSV")
    return parser


class _Version(argparse.Action):
    """``--version``: the version and the kernel line, unwrapped."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=None, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        from .._kernels import kernel_summary
        from .._version import __version__

        print(f"focalboost {__version__}: {kernel_summary()}")
        parser.exit()


def _error(message: str) -> int:
    one_line = " ".join(message.split())
    print(f"focalboost: error: {one_line}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line interface and return its exit code.

    Parameters
    ----------
    argv : sequence of str, default=None
        Arguments (``sys.argv[1:]`` when None).

    Returns
    -------
    int
        0 on success, 2 on a user error.
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the message
        return int(exc.code or 0)
    commands = {
        "compare": run_compare_command,
        "fit": run_fit,
        "info": run_info,
        "predict": run_predict,
    }
    if args.command in commands:
        try:
            return commands[args.command](args)
        except UsageError as exc:
            return _error(str(exc))
    if args.n_samples < 200:
        return _error("--n-samples must be >= 200")
    rows = run_demo(args.n_samples, args.random_state)
    n_pos = int(round(0.03 * args.n_samples))
    print(
        f"Generated imbalanced data: {args.n_samples} rows, 20 features, "
        f"~{n_pos} positives (3%); 70/30 stratified split; 200 rounds.\n"
    )
    print(format_demo_table(rows))
    print(
        "\nPR-AUC is the metric that matters for rare positives. Focal "
        "models' predict_proba is the posterior estimate mapped back from "
        "the focal margin (probability='posterior'); the map amplifies any "
        "over-fitting, so their log loss and Brier reward early stopping "
        "(docs/calibration.rst)."
    )
    return 0
