"""``focalboost compare``: does focal loss help on this data? Nested CV and a verdict.

Three arms per backend, scored on the outer folds of a repeated stratified
k-fold cross-validation:

``log loss``
    ``alpha=None, gamma=0``.
``balanced log loss``
    The class-weighted log loss: balanced sample weights (binary and
    multiclass), or ``alpha="balanced", gamma=0`` for a multi-label target
    (per-label class weights; one row weight cannot balance every label).
``focal (tuned)``
    ``alpha`` and ``gamma`` chosen on the grid by PR-AUC of out-of-fold
    predictions of an inner stratified k-fold of each outer *training* part;
    the grid holds ``gamma=0`` (and ``alpha=None, gamma=0`` is the log loss
    itself), so tuning can fall back to the log loss. The outer test fold is
    never used to choose anything.

Every grid point is also fitted on each outer training part and scored on its
test fold: that secondary table is optimistic for whichever point looks best.
Tuned focal is compared with each baseline by the Nadeau-Bengio corrected
resampled t-test on the paired outer-fold PR-AUC differences
(:func:`focalboost.metrics.corrected_resampled_ttest`). Everything here uses
the public estimators; the command only parses arguments and prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from ..metrics import corrected_resampled_ttest
from ._scores import fold_scores, primary_score

__all__ = [
    "ARMS",
    "Config",
    "Progress",
    "evaluate_fold",
    "fmt_alpha",
    "make_estimator",
    "make_grid",
    "outer_splits",
    "run_compare",
    "summarise",
]

#: The arms of the verdict, in table order.
ARMS = ("log loss", "balanced log loss", "focal (tuned)")
#: Per-fold scores summarised as mean and standard deviation.
SUMMARY_METRICS = {
    "binary": (
        "pr_auc",
        "roc_auc",
        "recall_at_precision",
        "precision_at_recall",
        "f1",
        "brier",
        "log_loss",
        "fit_s",
    ),
    "multiclass": ("pr_auc", "pr_auc_micro", "roc_auc", "brier", "log_loss", "fit_s"),
    "multilabel": ("pr_auc", "pr_auc_micro", "roc_auc", "brier", "log_loss", "fit_s"),
}
#: Significance level of the verdict.
LEVEL = 0.05


def make_estimator(
    backend: str,
    *,
    alpha: float | str | None,
    gamma: float,
    n_estimators: int,
    seed: int,
    device: str | None = None,
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
    device : str or None, default=None
        XGBoost ``device`` / LightGBM ``device_type``; None: the default.
    learning_rate : float or None, default=None
        None: the estimator's default.
    n_jobs : int or None, default=None
        Threads; None: the backend's default (all cores).

    Returns
    -------
    FocalXGBClassifier or FocalLGBMClassifier
    """
    from ..lightgbm import FocalLGBMClassifier
    from ..xgboost import FocalXGBClassifier

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


def fmt_alpha(alpha: float | str | None) -> str:
    """Return ``alpha`` as the tables write it."""
    if alpha is None:
        return "none"
    return alpha if isinstance(alpha, str) else f"{alpha:g}"


@dataclass(frozen=True)
class Config:
    """One fitted configuration: a grid point, or the balanced log loss.

    Parameters
    ----------
    name : str
        Label in the tables.
    alpha : float, "balanced" or None
        Focal class weight.
    gamma : float
        Focusing parameter.
    weighted : bool, default=False
        Fit with balanced sample weights.
    """

    name: str
    alpha: float | str | None
    gamma: float
    weighted: bool = False


def make_grid(alphas, gammas) -> list[Config]:
    """Return the focal grid, ``gamma=0`` always in it, the log loss first.

    Ties in the inner score go to the earlier point, so the log loss (then
    the smaller ``gamma``) wins a tie.
    """
    gammas = sorted(dict.fromkeys([0.0, *(float(g) for g in gammas)]))
    alphas = list(dict.fromkeys([None, *alphas]))
    return [Config(f"a={fmt_alpha(a)} g={g:g}", a, g) for g in gammas for a in alphas]


def balanced_config(kind: str) -> Config:
    """Return the class-weighted log loss of a target kind (see the module)."""
    if kind == "multilabel":
        return Config("balanced log loss", "balanced", 0.0)
    return Config("balanced log loss", None, 0.0, weighted=True)


def _stratum(y, kind):
    """Return what the splits stratify on: the labels, or the rarest label."""
    if kind != "multilabel":
        return y
    return y[:, int(np.argmin(y.sum(axis=0)))]


def outer_splits(y, kind, cv, repeats, seed) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return the outer (train, test) index pairs of repeated stratified k-fold."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    rskf = RepeatedStratifiedKFold(n_splits=cv, n_repeats=repeats, random_state=seed)
    strat = _stratum(y, kind)
    return list(rskf.split(np.zeros(len(strat)), strat))


class Progress:
    """A plain-text progress bar on a stream (stderr).

    On a terminal the bar is redrawn in place after every fit; otherwise one
    line is written per finished outer fold, so logs stay readable.

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
            What is being fitted.
        """
        self.done += 1
        if self.stream is not None and self.tty:
            self.stream.write(f"\rcompare {self._bar()}  {label:<34}")
            self.stream.flush()

    def step_done(self, summary: str) -> None:
        """Report a finished step (one line when not on a terminal).

        Parameters
        ----------
        summary : str
            The step and its headline result.
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


@dataclass
class FoldSetup:
    """Everything one fold's fits share."""

    X: Any
    y: np.ndarray
    kind: str
    backend: str
    fit_params: dict
    factory: Callable
    bar: Progress
    inner_cv: int
    seed: int


def _fit_predict(s: FoldSetup, config: Config, fit_idx, predict_idx):
    """Fit ``config`` on rows ``fit_idx``; return probabilities of ``predict_idx``."""
    from sklearn.utils.class_weight import compute_sample_weight

    clf = s.factory(s.backend, alpha=config.alpha, gamma=config.gamma, **s.fit_params)
    y = s.y[fit_idx]
    weight = compute_sample_weight("balanced", y) if config.weighted else None
    start = time.perf_counter()
    clf.fit(_rows(s.X, fit_idx), y, sample_weight=weight)
    fit_s = time.perf_counter() - start
    s.bar.fit_done(f"{s.backend} {config.name}")
    proba = clf.predict_proba(_rows(s.X, predict_idx))
    return (proba[:, 1] if s.kind == "binary" else proba), fit_s


def _out_of_fold(s: FoldSetup, config: Config, train, inner):
    """Out-of-fold probabilities of ``config`` on the training part ``train``."""
    parts = [_fit_predict(s, config, train[a], train[b])[0] for a, b in inner]
    oof = np.empty((len(train),) + parts[0].shape[1:])
    for (_, b), part in zip(inner, parts, strict=True):
        oof[b] = part
    return oof


def evaluate_fold(s: FoldSetup, grid, train, test, at_precision, at_recall) -> dict:
    """Tune on ``train`` only, then score every arm and grid point on ``test``.

    The inner folds split ``train``; the outer fits use all of ``train``;
    ``test`` rows are only ever predicted by those outer fits.
    """
    from sklearn.model_selection import StratifiedKFold

    inner_cv = StratifiedKFold(s.inner_cv, shuffle=True, random_state=s.seed + 1)
    inner = list(inner_cv.split(np.zeros(len(train)), _stratum(s.y[train], s.kind)))
    balanced = balanced_config(s.kind)
    oof = {c.name: _out_of_fold(s, c, train, inner) for c in [*grid, balanced]}
    y_train, y_test = s.y[train], s.y[test]
    inner_score = {c.name: primary_score(s.kind, y_train, oof[c.name]) for c in grid}
    chosen = max(grid, key=lambda c: inner_score[c.name])  # first of the best
    scores, grid_scores = {}, {}
    for config in [*grid, balanced]:
        proba, fit_s = _fit_predict(s, config, train, test)
        got = fold_scores(
            s.kind, y_test, proba, y_train, oof[config.name], at_precision, at_recall
        )
        got["fit_s"] = fit_s
        if config is balanced:
            scores["balanced log loss"] = got
            continue
        grid_scores[config.name] = got["pr_auc"]
        if config is grid[0]:
            scores["log loss"] = got
        if config is chosen:
            scores["focal (tuned)"] = got
    return {
        "chosen": {"alpha": chosen.alpha, "gamma": chosen.gamma, "name": chosen.name},
        "inner_pr_auc": inner_score,
        "arms": scores,
        "grid_pr_auc": grid_scores,
        "n_train": int(len(train)),
        "n_test": int(len(test)),
    }


def fits_per_fold(grid, inner_cv) -> int:
    """Fits of one outer fold of one backend: every config inner and outer."""
    return (len(grid) + 1) * (inner_cv + 1)


def run_compare(
    X,
    y: np.ndarray,
    *,
    kind: str,
    backends: Sequence[str] = ("xgboost",),
    alphas: Sequence[float | str | None] = (None, 0.25, "balanced"),
    gammas: Sequence[float] = (0.0, 1.0, 2.0),
    cv: int = 5,
    repeats: int = 1,
    inner_cv: int = 3,
    n_estimators: int = 100,
    seed: int = 0,
    device: str | None = None,
    n_jobs: int | None = None,
    at_precision: float = 0.5,
    at_recall: float = 0.5,
    progress: TextIO | None = None,
    factory: Callable = make_estimator,
) -> dict:
    """Nested cross-validation of every arm on every backend, and the verdicts.

    Parameters
    ----------
    X : ndarray or DataFrame of shape (n_samples, n_features)
        Features.
    y : ndarray
        0/1 labels (binary, 1 the positive class), class indices 0..K-1
        (multiclass) or a 0/1 indicator matrix (multi-label).
    kind : {"binary", "multiclass", "multilabel"}
        The target.
    backends : sequence of {"xgboost", "lightgbm"}
        Compared side by side.
    alphas, gammas : sequences
        The focal grid (``gamma=0`` and ``alpha=None`` are always added).
    cv, repeats, inner_cv : int
        Outer folds, repeats of the outer k-fold, inner folds.
    n_estimators, seed, device, n_jobs
        Estimator settings of every fit.
    at_precision, at_recall : float
        Binary targets: recall at this precision, precision at this recall
        (thresholds chosen on the training part's out-of-fold predictions).
    progress : file-like or None
        Stream of the progress bar.
    factory : callable
        ``factory(backend, alpha=, gamma=, **settings)``: an estimator.

    Returns
    -------
    dict
        ``grid``, ``splits`` (test indices), ``folds`` and ``summary`` per
        backend (see :func:`summarise`), ``total_s``.
    """
    start = time.perf_counter()
    grid = make_grid(alphas, gammas)
    splits = outer_splits(y, kind, cv, repeats, seed)
    total = len(backends) * len(splits) * fits_per_fold(grid, inner_cv)
    bar = Progress(total, progress)
    fit_params = dict(n_estimators=n_estimators, seed=seed, device=device)
    fit_params["n_jobs"] = n_jobs
    out: dict[str, Any] = {"grid": [c.__dict__ for c in grid], "backends": {}}
    for backend in backends:
        s = FoldSetup(X, y, kind, backend, fit_params, factory, bar, inner_cv, seed)
        folds = []
        for k, (train, test) in enumerate(splits):
            fold = evaluate_fold(s, grid, train, test, at_precision, at_recall)
            folds.append(fold)
            pr = fold["arms"]["focal (tuned)"]["pr_auc"]
            bar.step_done(
                f"{backend} fold {k + 1}/{len(splits)}: focal (tuned) "
                f"{fold['chosen']['name']}, PR-AUC {pr:.3f}"
            )
        out["backends"][backend] = {"folds": folds, "summary": summarise(folds, kind)}
    bar.close()
    out["splits"] = [test.tolist() for _, test in splits]
    out["total_s"] = time.perf_counter() - start
    return out


def _compare(folds, first: str, second: str) -> dict:
    """Return the corrected t-test of ``first`` minus ``second`` (PR-AUC)."""
    d = [f["arms"][first]["pr_auc"] - f["arms"][second]["pr_auc"] for f in folds]
    n_train = float(np.mean([f["n_train"] for f in folds]))
    n_test = float(np.mean([f["n_test"] for f in folds]))
    test = corrected_resampled_ttest(d, test_size=n_test, train_size=n_train)
    if not test.significant(LEVEL):
        outcome = "tie"
    else:
        outcome = "better" if test.mean > 0 else "worse"
    return {
        "first": first,
        "second": second,
        "metric": "pr_auc",
        "mean_difference": test.mean,
        "ci_low": test.ci_low,
        "ci_high": test.ci_high,
        "t": test.t,
        "p": test.p,
        "n": test.n,
        "outcome": outcome,
    }


def summarise(folds: list[dict], kind: str) -> dict:
    """Mean and std of every arm's scores, the chosen grid points, the verdicts."""
    arms = {}
    for arm in ARMS:
        rows = [f["arms"][arm] for f in folds]
        arms[arm] = {
            m: {
                "mean": float(np.nanmean([r[m] for r in rows])),
                "std": float(np.nanstd([r[m] for r in rows])),
            }
            for m in SUMMARY_METRICS[kind]
        }
        if kind != "binary":
            per = np.array([r["per_column_pr_auc"] for r in rows], dtype=float)
            arms[arm]["per_column_pr_auc"] = np.nanmean(per, axis=0).tolist()
    grid = {
        name: float(np.mean([f["grid_pr_auc"][name] for f in folds]))
        for name in folds[0]["grid_pr_auc"]
    }
    chosen: dict[str, int] = {}
    for f in folds:
        chosen[f["chosen"]["name"]] = chosen.get(f["chosen"]["name"], 0) + 1
    return {
        "arms": arms,
        "grid_pr_auc": grid,
        "chosen": chosen,
        "verdicts": [
            _compare(folds, "focal (tuned)", "log loss"),
            _compare(folds, "focal (tuned)", "balanced log loss"),
        ],
    }
