"""``focalboost compare``: does focal loss help on this data? Nested CV and a verdict.

Four arms per backend, scored on the outer folds of a repeated stratified
k-fold cross-validation:

``log loss``
    ``alpha=None, gamma=0``.
``balanced log loss``
    The class-weighted log loss: balanced sample weights (binary and
    multiclass), or ``alpha="balanced", gamma=0`` for a multi-label target
    (per-label class weights; one row weight cannot balance every label).
``alpha-weighted log loss (tuned)``
    ``alpha`` chosen among the grid's points with ``gamma=0``: the class
    weight of focal loss without its focusing term.
``focal (tuned)``
    ``alpha`` and ``gamma`` chosen on the whole grid.

Both tuned arms choose by the PR-AUC of out-of-fold predictions of an inner
stratified k-fold of each outer *training* part; the grid holds ``gamma=0``
(and ``alpha=None, gamma=0`` is the log loss itself, which wins ties), so
tuning can fall back to the log loss. The outer test fold is never used to
choose anything. Tuned focal is compared with each other arm by the
Nadeau-Bengio corrected resampled t-test on the paired outer-fold PR-AUC
differences (:func:`focalboost.metrics.corrected_resampled_ttest`); "focal
(tuned) vs alpha-weighted log loss (tuned)" asks whether the focusing term
itself helps.

The fits are independent: they run in worker processes and in this one,
each fit with few threads (:func:`plan_workers`), scheduled outer fold by
outer fold, and give the numbers of a serial run with the same seed.
Everything here uses the public estimators; the command only parses
arguments and prints.
"""

from __future__ import annotations

import heapq
import math
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from ..metrics import corrected_resampled_ttest
from ._scores import fold_scores, primary_score

__all__ = [
    "ARMS",
    "Config",
    "Progress",
    "default_folds",
    "fmt_alpha",
    "make_estimator",
    "make_grid",
    "outer_splits",
    "plan_workers",
    "run_compare",
    "summarise",
]

#: The arms, in table order.
ARMS = (
    "log loss",
    "balanced log loss",
    "alpha-weighted log loss (tuned)",
    "focal (tuned)",
)
#: The verdicts: tuned focal against each other arm, in this order.
VERDICT_PAIRS = (
    ("focal (tuned)", "log loss"),
    ("focal (tuned)", "alpha-weighted log loss (tuned)"),
    ("focal (tuned)", "balanced log loss"),
)
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
#: A fit gets one thread per this many cells (rows x features) of its
#: training part, at least one. Processes use the cores better than threads
#: (on 200,000 x 30, two threads made one fit 1.3 times faster, two processes
#: do two fits in the time of one; on 1,134 x 1,001 with 25 labels two
#: threads bought nothing), but each holds a copy of the data: threads keep
#: that memory down once a copy is about 400 MB of float64.
CELLS_PER_THREAD = 50_000_000
#: Above this many cells (rows x features x outputs) of the whole data, the
#: default folds are 3 outer x 2 inner instead of 5 x 2 (:func:`default_folds`).
LARGE_CELLS = 2_000_000


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


def default_folds(n_samples: int, n_features: int, n_outputs: int) -> tuple[int, int]:
    """Return the default ``(cv, inner_cv)`` of a data set of this size.

    5 outer x 2 inner folds; 3 x 2 above :data:`LARGE_CELLS` cells
    (rows x features x outputs, the outputs being the labels of a multi-label
    target or the classes of a multiclass one): the fits cost in proportion
    to the cells, and 3 outer folds need 0.6 times the fits of 5. Two inner
    folds rather than three: tuning sees every training row out of fold
    either way, at two thirds of the fits.

    Examples
    --------
    >>> default_folds(4898, 11, 1)
    (5, 2)
    >>> default_folds(1702, 1001, 25)
    (3, 2)
    """
    if n_samples * n_features * max(n_outputs, 1) > LARGE_CELLS:
        return 3, 2
    return 5, 2


def plan_workers(n_jobs: int | None, cells: int, n_fits: int) -> tuple[int, int]:
    """Return ``(processes, threads per fit)`` for ``n_jobs`` cores in all.

    A fit gets one thread per :data:`CELLS_PER_THREAD` cells of its training
    part (at least one, at most ``n_jobs``); the cores left run other fits in
    parallel processes, never more processes than fits.

    Parameters
    ----------
    n_jobs : int or None
        Cores to use in all; None or -1: every core this process may use.
    cells : int
        Rows x features of one (outer) training part.
    n_fits : int
        Fits to run.

    Returns
    -------
    processes, threads : int

    Examples
    --------
    >>> plan_workers(2, 3918 * 11, 113)
    (2, 1)
    >>> plan_workers(8, 6_000_000, 113)
    (8, 1)
    >>> plan_workers(8, 120_000_000, 113)
    (2, 3)
    >>> plan_workers(1, 120_000_000, 113)
    (1, 1)
    """
    total = _cores(n_jobs)
    threads = int(min(total, max(1, math.ceil(cells / CELLS_PER_THREAD))))
    return max(1, min(total // threads, n_fits)), threads


def _cores(n_jobs: int | None) -> int:
    if n_jobs is not None and n_jobs > 0:
        return int(n_jobs)
    from joblib import cpu_count  # affinity and cgroup CPU quotas

    return max(1, int(cpu_count()))


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
    """A plain-text progress bar on a stream (stderr), with the time left.

    On a terminal the bar is redrawn in place after every fit; otherwise one
    line is written per finished outer fold, so logs stay readable. The time
    left is the elapsed time scaled by the work left (fits weighted by their
    training rows).

    Parameters
    ----------
    total : int
        Number of fits (an estimate while the tuned fits are not known).
    stream : file-like or None
        Where to write; None disables the bar.
    """

    def __init__(self, total: int, stream: TextIO | None):
        self.total = total
        self.stream = stream
        self.done = 0
        self.work_total = 0.0
        self.work_done = 0.0
        self.start = time.perf_counter()
        self.tty = bool(stream is not None and stream.isatty())

    def _bar(self) -> str:
        width = 24
        total = max(self.total, self.done, 1)
        filled = width * self.done // total
        elapsed = time.perf_counter() - self.start
        left = ""
        if 0 < self.work_done < self.work_total:
            rest = elapsed * (self.work_total - self.work_done) / self.work_done
            left = f", ~{rest:.0f} s left"
        return (
            f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{total} "
            f"fits {elapsed:5.1f} s{left}"
        )

    def fit_done(self, label: str, work: float = 0.0) -> None:
        """Count one fit; redraw the bar on a terminal.

        Parameters
        ----------
        label : str
            What was fitted.
        work : float, default=0.0
            Its share of the work (training rows).
        """
        self.done += 1
        self.work_done += work
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


# ------------------------------------------------------------------ the fits
@dataclass
class Plan:
    """What every fit needs; sent once to each worker process."""

    X: Any
    y: np.ndarray
    kind: str
    folds: list  # (train, test, inner pairs) per outer fold
    configs: dict
    fit_params: dict
    factory: Callable


#: The plan of this worker process (set by :func:`_init_worker`).
_PLAN: Plan | None = None


def _init_worker(plan: Plan) -> None:
    import warnings

    from .._kernels import KernelNotBuiltWarning

    global _PLAN
    _PLAN = plan
    # the run's header names the kernel already: not once more per worker
    warnings.simplefilter("ignore", KernelNotBuiltWarning)


def run_task(plan: Plan, task: tuple) -> tuple[np.ndarray, float]:
    """Fit one configuration on one part; return its probabilities and fit time.

    ``task`` is ``(backend, outer fold, config name, part)``: ``part`` an
    inner fold (fit on the rest of the outer training part, predict that
    inner fold), or -1 (fit on the outer training part, predict its test fold).
    """
    from sklearn.utils.class_weight import compute_sample_weight

    backend, k, name, part = task
    train, test, inner = plan.folds[k]
    if part < 0:
        fit_idx, pred_idx = train, test
    else:
        fit_idx, pred_idx = train[inner[part][0]], train[inner[part][1]]
    config = plan.configs[name]
    clf = plan.factory(
        backend, alpha=config.alpha, gamma=config.gamma, **plan.fit_params
    )
    y = plan.y[fit_idx]
    weight = compute_sample_weight("balanced", y) if config.weighted else None
    start = time.perf_counter()
    clf.fit(_rows(plan.X, fit_idx), y, sample_weight=weight)
    fit_s = time.perf_counter() - start
    proba = clf.predict_proba(_rows(plan.X, pred_idx))
    return (proba[:, 1] if plan.kind == "binary" else proba), fit_s


def _worker_task(task: tuple) -> tuple[np.ndarray, float]:
    assert _PLAN is not None
    return run_task(_PLAN, task)


def _here(plan: Plan, task: tuple) -> Future:
    """Run ``task`` in this process; return it as a finished future."""
    future: Future = Future()
    future.set_result(run_task(plan, task))
    return future


class _Pool:
    """Worker processes (spawned) with few threads each and no spinning.

    The threads of each fit follow the plan; ``OMP_NUM_THREADS`` of the
    workers is set to the same number (BLAS and OpenMP do not oversubscribe)
    and ``OMP_WAIT_POLICY`` to PASSIVE unless the user set it, so idle
    OpenMP threads sleep instead of spinning against other work.
    """

    def __init__(self, plan: Plan, processes: int, threads: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        env = {"OMP_NUM_THREADS": str(threads)}
        if "OMP_WAIT_POLICY" not in os.environ:
            env["OMP_WAIT_POLICY"] = "PASSIVE"
        self.processes = processes
        self._saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)  # read by the workers when they start
        self.executor = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(plan,),
        )

    def submit(self, task: tuple) -> Future:
        return self.executor.submit(_worker_task, task)

    def shutdown(self, cancel_futures: bool = False) -> None:
        self.executor.shutdown(wait=True, cancel_futures=cancel_futures)
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass
class _Fold:
    """Bookkeeping of one (backend, outer fold) while its fits run."""

    backend: str
    k: int
    inner_left: set = field(default_factory=set)
    outer_left: set = field(default_factory=set)
    results: dict = field(default_factory=dict)
    chosen: dict | None = None

    @property
    def done(self) -> bool:
        return self.chosen is not None and not self.inner_left and not self.outer_left


def _choose(fold: _Fold, plan: Plan, grid: list[Config]) -> dict:
    """Tune on the inner out-of-fold predictions: both tuned arms' grid points."""
    y_train = plan.y[plan.folds[fold.k][0]]
    score = {
        c.name: primary_score(plan.kind, y_train, _oof(fold, plan, c.name))
        for c in grid
    }
    focal = max(grid, key=lambda c: score[c.name])  # first of the best
    alpha = max((c for c in grid if c.gamma == 0), key=lambda c: score[c.name])
    return {"focal (tuned)": focal, "alpha": alpha, "inner_pr_auc": score}


def _oof(fold: _Fold, plan: Plan, name: str) -> np.ndarray:
    """Out-of-fold probabilities of ``name`` on the outer training part."""
    train, _, inner = plan.folds[fold.k]
    parts = [fold.results[name, i][0] for i in range(len(inner))]
    oof = np.empty((len(train),) + parts[0].shape[1:])
    for (_, b), part in zip(inner, parts, strict=True):
        oof[b] = part
    return oof


def _score_fold(fold: _Fold, plan: Plan, grid, balanced, at_precision, at_recall):
    """Score every arm of a finished fold on its test part."""
    train, test, _ = plan.folds[fold.k]
    y_train, y_test = plan.y[train], plan.y[test]
    chosen = fold.chosen
    arms_config = {
        "log loss": grid[0],
        "balanced log loss": balanced,
        "alpha-weighted log loss (tuned)": chosen["alpha"],
        "focal (tuned)": chosen["focal (tuned)"],
    }
    scores, probas = {}, {}
    for arm, config in arms_config.items():
        proba, fit_s = fold.results[config.name, -1]
        probas[arm] = proba
        oof = _oof(fold, plan, config.name) if plan.kind == "binary" else None
        got = fold_scores(
            plan.kind, y_test, proba, y_train, oof, at_precision, at_recall
        )
        got["fit_s"] = fit_s
        scores[arm] = got

    def point(c: Config) -> dict:
        return {"alpha": c.alpha, "gamma": c.gamma, "name": c.name}

    return {
        "chosen": point(chosen["focal (tuned)"]),
        "chosen_alpha": point(chosen["alpha"]),
        "inner_pr_auc": chosen["inner_pr_auc"],
        "arms": scores,
        "n_train": int(len(train)),
        "n_test": int(len(test)),
        "_proba": probas,
    }


def _run_fits(plan, backends, grid, balanced, pool, here, budget_s, bar):
    """Run the fits fold by fold; return the finished folds and whether cut.

    ``pool``: worker processes (or None); ``here``: this process fits too,
    one task between two looks at the workers (which keep two tasks each
    queued meanwhile).
    """
    n_slots = 2 * pool.processes if pool is not None else 0
    n_inner = len(plan.folds[0][2])
    order = [(b, k) for b in backends for k in range(len(plan.folds))]
    folds = {key: _Fold(*key) for key in order}
    inner_names = [c.name for c in grid]
    if plan.kind == "binary":  # its thresholds come from out-of-fold predictions
        inner_names.append(balanced.name)
    inner_names = list(dict.fromkeys(inner_names))
    queue: list = []
    seq = 0

    def push(rank, task):
        nonlocal seq
        heapq.heappush(queue, (rank, seq, task))
        seq += 1

    def work(task) -> float:
        train, _, inner = plan.folds[task[1]]
        return float(len(train) if task[3] < 0 else len(inner[task[3]][0]))

    for rank, (b, k) in enumerate(order):
        fold = folds[b, k]
        for name in inner_names:
            for i in range(n_inner):
                fold.inner_left.add((name, i))
                push(rank, (b, k, name, i))
        for name in dict.fromkeys([grid[0].name, balanced.name]):
            fold.outer_left.add((name, -1))
            push(rank, (b, k, name, -1))
    # the tuned arms' outer fits are not known yet: count 2 per fold
    bar.total = len(queue) + 2 * len(order)
    bar.work_total = sum(work(t) for *_, t in queue) + 2 * sum(
        len(plan.folds[k][0]) for _, k in order
    )
    running: dict = {}
    cut = False
    start = time.perf_counter()
    try:
        while queue or running:
            while queue and len(running) < n_slots and not cut:
                rank, _, task = heapq.heappop(queue)
                running[pool.submit(task)] = (rank, task)
            if here and queue and not cut:
                rank, _, task = heapq.heappop(queue)
                running[_here(plan, task)] = (rank, task)
            if not running:
                break
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                rank, task = running.pop(future)
                b, k, name, part = task
                fold = folds[b, k]
                fold.results[name, part] = future.result()
                (fold.inner_left if part >= 0 else fold.outer_left).discard(
                    (name, part)
                )
                bar.fit_done(f"{b} {name}", work(task))
                if part >= 0 and not fold.inner_left and fold.chosen is None:
                    fold.chosen = _choose(fold, plan, grid)
                    picked = [fold.chosen["alpha"], fold.chosen["focal (tuned)"]]
                    new = [
                        c.name
                        for c in dict.fromkeys(picked)
                        if (c.name, -1) not in fold.results
                        and (c.name, -1) not in fold.outer_left
                    ]
                    bar.total += len(new) - 2
                    bar.work_total += (len(new) - 2) * len(plan.folds[k][0])
                    for new_name in new:
                        fold.outer_left.add((new_name, -1))
                        push(rank, (b, k, new_name, -1))
                if fold.done:
                    bar.step_done(f"{b} outer fold {k + 1}/{len(plan.folds)} done")
            if budget_s is not None and time.perf_counter() - start > budget_s:
                cut = True
                queue.clear()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    done = {
        b: [folds[b, k] for k in range(len(plan.folds)) if folds[b, k].done]
        for b in backends
    }
    return done, cut


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
    inner_cv: int = 2,
    n_estimators: int = 100,
    seed: int = 0,
    device: str | None = None,
    n_jobs: int | None = None,
    at_precision: float = 0.5,
    at_recall: float = 0.5,
    time_budget: float | None = None,
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
    n_estimators, seed, device : int, int, str or None
        Estimator settings of every fit.
    n_jobs : int or None, default=None
        Cores in all (None or -1: every core); split into processes and
        threads per fit by :func:`plan_workers`.
    at_precision, at_recall : float
        Binary targets: recall at this precision, precision at this recall
        (thresholds chosen on the training part's out-of-fold predictions).
    time_budget : float or None, default=None
        Seconds: start no fit after this; the verdict uses the outer folds
        finished by then (at least 2 per backend are needed).
    progress : file-like or None
        Stream of the progress bar.
    factory : callable
        ``factory(backend, alpha=, gamma=, **settings)``: an estimator. It
        must be picklable (a module-level function) when fits run in worker
        processes.

    Returns
    -------
    dict
        ``grid``, ``splits`` (test indices), ``folds`` and ``summary`` per
        backend (see :func:`summarise`), ``total_s``, ``n_fits``,
        ``processes``, ``threads_per_fit`` and ``stopped`` (None, or how many
        outer folds the time budget left).
    """
    from sklearn.model_selection import StratifiedKFold

    start = time.perf_counter()
    grid = make_grid(alphas, gammas)
    balanced = balanced_config(kind)
    splits = outer_splits(y, kind, cv, repeats, seed)
    inner_cv_split = StratifiedKFold(inner_cv, shuffle=True, random_state=seed + 1)
    folds = [
        (
            train,
            test,
            list(inner_cv_split.split(np.zeros(len(train)), _stratum(y[train], kind))),
        )
        for train, test in splits
    ]
    cells = len(splits[0][0]) * int(X.shape[1])
    n_fits = len(backends) * len(splits) * (len(grid) + 1) * (inner_cv + 1)
    processes, threads = plan_workers(n_jobs, cells, n_fits)
    plan = Plan(
        X,
        y,
        kind,
        folds,
        {c.name: c for c in [*grid, balanced]},
        dict(n_estimators=n_estimators, seed=seed, device=device, n_jobs=threads),
        factory,
    )
    bar = Progress(n_fits, progress)
    # one-thread fits run in this process too (it has nothing else to do);
    # fits with several threads only in workers, where OpenMP does not spin
    here = threads == 1
    workers = processes - 1 if here else processes
    pool = _Pool(plan, workers, threads) if workers > 0 else None
    done, cut = _run_fits(plan, backends, grid, balanced, pool, here, time_budget, bar)
    bar.close()
    out: dict[str, Any] = {"grid": [c.__dict__ for c in grid], "backends": {}}
    for backend in backends:
        if len(done[backend]) < 2:
            raise TimeBudgetError(
                f"--time-budget {time_budget:g} s finished "
                f"{len(done[backend])} outer fold(s) of {backend}; the verdict "
                f"needs 2 (this run needed {time.perf_counter() - start:.0f} s "
                "for what it did; give a larger budget or smaller --cv, "
                "--inner-cv or --n-estimators)"
            )
        scored = [
            _score_fold(f, plan, grid, balanced, at_precision, at_recall)
            for f in done[backend]
        ]
        probas = [s.pop("_proba") for s in scored]
        for f, s in zip(done[backend], scored, strict=True):
            s["outer_fold"] = f.k
        out["backends"][backend] = {
            "folds": scored,
            "summary": summarise(scored, kind),
            # pooled outer test-fold predictions (plots; not stored in JSON)
            "pooled": {
                "y": np.concatenate([y[folds[f.k][1]] for f in done[backend]]),
                "proba": {
                    arm: np.concatenate([p[arm] for p in probas]) for arm in ARMS
                },
            },
        }
    out["splits"] = [test.tolist() for _, test in splits]
    out["n_fits"] = bar.done
    out["processes"] = processes
    out["threads_per_fit"] = threads
    out["stopped"] = (
        {
            "time_budget_s": time_budget,
            "outer_folds_done": {b: len(v) for b, v in done.items()},
            "outer_folds_planned": len(splits),
        }
        if cut and any(len(v) < len(splits) for v in done.values())
        else None
    )
    out["total_s"] = time.perf_counter() - start
    return out


class TimeBudgetError(RuntimeError):
    """The time budget ended before two outer folds finished."""


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
    inner = {
        name: float(np.mean([f["inner_pr_auc"][name] for f in folds]))
        for name in folds[0]["inner_pr_auc"]
    }

    def count(key: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in folds:
            out[f[key]["name"]] = out.get(f[key]["name"], 0) + 1
        return out

    return {
        "arms": arms,
        "inner_pr_auc": inner,
        "chosen": count("chosen"),
        "chosen_alpha": count("chosen_alpha"),
        "verdicts": [_compare(folds, a, b) for a, b in VERDICT_PAIRS],
    }
