"""Posterior map vs raw focal probabilities on data with a known posterior.

Simulates binary, multiclass (K=3) and multi-label (L=3) problems whose true
class probabilities are known, fits focal models (gamma=2, class-weighting
alpha) and log-loss models with the same trees on both backends, and reports
on a held-out part: Brier score (summed over columns), expected calibration
error (15 equal-width bins, mean over columns) and the mean absolute error to
the true posterior, for the mapped posterior (``probability="posterior"``),
the raw focal probability (``probability="focal"``) and the log-loss model.
Three tree sizes (shallow, the estimators' defaults, deep) show the effect of
over-fitting on the map.

The remedy is measured too: the fitted focal model, frozen
(:class:`sklearn.frozen.FrozenEstimator`), recalibrated on a separate
held-out set simulated from the same model (``--n-calib`` rows, another
seed) with :class:`sklearn.calibration.CalibratedClassifierCV`
(``method="sigmoid"`` and ``"isotonic"``; binary and multiclass). For
multi-label targets, which ``CalibratedClassifierCV`` does not take, each
label is recalibrated on its own the same way (a logistic regression on the
label's posterior log-odds, or an isotonic regression on its probability).

Run ``python -m benchmarks.calibration`` (a few minutes on two cores);
writes ``benchmarks/results/calibration.{json,md}`` (``--out``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import expit, softmax
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from benchmarks._common import (
    BACKENDS,
    ece,
    log,
    make_estimator,
    parser,
    provenance,
    write_results,
)

TITLE = "Posterior map vs raw focal probabilities (known posterior)"
TASKS = {"binary": 0.25, "multiclass": [0.5, 1.0, 2.0], "multilabel": 0.25}
TREES = {
    "shallow": {"xgboost": {"max_depth": 3}, "lightgbm": {"num_leaves": 8}},
    "default": {"xgboost": {}, "lightgbm": {}},
    "deep": {
        "xgboost": {"max_depth": 8},
        "lightgbm": {"num_leaves": 127, "min_child_samples": 5},
    },
}
#: The estimator class of each backend, as the results name it.
CLASS_NAMES = {"xgboost": "FocalXGBClassifier", "lightgbm": "FocalLGBMClassifier"}
ROUNDS, LEARNING_RATE, GAMMA = 150, 0.05, 2.0
#: Seed of the simulated held-out set the recalibrated arms are fitted on.
CALIB_SEED = 1
#: ``CalibratedClassifierCV`` methods of the recalibrated arms.
RECALIBRATION = ("sigmoid", "isotonic")


def simulate(task: str, n: int, seed: int = 0):
    """Features, labels and true posteriors of a known model."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    if task == "binary":
        q1 = expit(1.5 * X[:, 0] - X[:, 1] + 0.8 * X[:, 2] * X[:, 3] - 2.5)
        return X, (rng.random(n) < q1).astype(int), np.c_[1 - q1, q1]
    if task == "multiclass":
        q = softmax(np.c_[X[:, 0], -X[:, 0] + X[:, 1], 0.5 * X[:, 2] - 1.5], axis=1)
        return X, (rng.random(n)[:, None] > np.cumsum(q, axis=1)).sum(axis=1), q
    q = expit(np.c_[2 * X[:, 0] - 2, X[:, 1] - X[:, 2] - 1.5, X[:, 3] - 3])
    return X, (rng.random(q.shape) < q).astype(int), q


def scores(y_onehot, proba, truth) -> dict[str, float]:
    """Brier (summed over columns), ECE and mean absolute error to the truth.

    Parameters
    ----------
    y_onehot : ndarray of shape (n, k)
        0/1 indicator of each class (label).
    proba : ndarray of shape (n, k)
        Predicted probabilities.
    truth : ndarray of shape (n, k)
        True posteriors.

    Returns
    -------
    dict
        ``brier``, ``ece`` (15 bins, mean over columns) and ``mae_true``.
    """
    columns = range(proba.shape[1])
    return {
        "brier": float(np.mean(np.sum((proba - y_onehot) ** 2, axis=1))),
        "ece": float(np.mean([ece(y_onehot[:, j], proba[:, j]) for j in columns])),
        "mae_true": float(np.mean(np.abs(proba - truth))),
    }


def recalibrate(model, X_cal, y_cal, X_test, method: str) -> np.ndarray:
    """Test probabilities of ``model`` (fitted, frozen) recalibrated on held-out rows.

    Binary and multiclass: ``CalibratedClassifierCV(FrozenEstimator(model))``;
    an indicator matrix ``y_cal``: each label on its own, ``"sigmoid"`` a
    logistic regression on the label's posterior log-odds
    (``decision_function``), ``"isotonic"`` an isotonic regression on its
    posterior probability.
    """
    if y_cal.ndim == 1:
        cal = CalibratedClassifierCV(FrozenEstimator(model), method=method)
        return cal.fit(X_cal, y_cal).predict_proba(X_test)
    if method == "sigmoid":
        z_cal, z_test = model.decision_function(X_cal), model.decision_function(X_test)
        return np.column_stack(
            [
                LogisticRegression(C=1e6)
                .fit(z_cal[:, [j]], y_cal[:, j])
                .predict_proba(z_test[:, [j]])[:, 1]
                for j in range(y_cal.shape[1])
            ]
        )
    p_cal, p_test = model.predict_proba(X_cal), model.predict_proba(X_test)
    return np.column_stack(
        [
            IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)
            .fit(p_cal[:, j], y_cal[:, j])
            .predict(p_test[:, j])
            for j in range(y_cal.shape[1])
        ]
    )


def _arms(backend: str, tree: dict, alpha, data, calib) -> dict[str, Any]:
    """Test probabilities of the focal model (mapped, raw, recalibrated), log loss."""
    X, y, tr, te, q = data
    params = dict(
        tree, n_estimators=ROUNDS, learning_rate=LEARNING_RATE, n_jobs=1, random_state=0
    )
    focal = make_estimator(backend, alpha=alpha, gamma=GAMMA, **params)
    focal.fit(X[tr], y[tr])
    logloss = make_estimator(backend, alpha=None, gamma=0.0, **params)
    logloss.fit(X[tr], y[tr])
    arms = {
        "posterior": focal.predict_proba(X[te]),
        "raw_focal": focal.set_params(probability="focal").predict_proba(X[te]),
        "log_loss": logloss.predict_proba(X[te]),
        "true": q[te],
    }
    focal.set_params(probability="posterior")
    for method in RECALIBRATION if calib is not None else ():
        arms[f"posterior_{method}"] = recalibrate(focal, *calib, X[te], method)
    return arms


def run(n_train: int, n_test: int, n_calib: int) -> list[dict[str, Any]]:
    """Score every (task, trees, backend, arm); one row each."""
    rows = []
    for task, alpha in TASKS.items():
        X, y, q = simulate(task, n_train + n_test)
        tr, te = slice(0, n_train), slice(n_train, None)
        y_te = y[te] if task == "multilabel" else np.eye(q.shape[1])[y[te]]
        calib = simulate(task, n_calib, seed=CALIB_SEED)[:2] if n_calib else None
        for size, per_backend in TREES.items():
            for backend in BACKENDS:
                data = (X, y, tr, te, q)
                arms = _arms(backend, per_backend[backend], alpha, data, calib)
                for arm, proba in arms.items():
                    rows.append(
                        dict(
                            task=task,
                            trees=size,
                            backend=CLASS_NAMES[backend],
                            arm=arm,
                            **scores(y_te, proba, q[te]),
                        )
                    )
    return rows


def _body(doc: dict[str, Any]) -> list[str]:
    meta = doc["meta"]
    lines = [
        f"gamma=2, alpha={TASKS}; {meta['n_train']} train / {meta['n_test']} test "
        f"rows; {ROUNDS} rounds, learning rate {LEARNING_RATE}. Brier summed over "
        "columns; ECE with 15 bins, mean over columns; MAE to the true posterior. "
        "`true` is the Bayes floor. `posterior_sigmoid` / `posterior_isotonic`: "
        "the fitted focal model frozen (`sklearn.frozen.FrozenEstimator`) and "
        "recalibrated with `CalibratedClassifierCV(method=...)` on "
        f"{meta['n_calib']} further rows simulated with seed {CALIB_SEED} "
        "(multi-label: per label, a logistic regression on the posterior "
        "log-odds / an isotonic regression).",
        "",
        "| task | trees | backend | arm | Brier | ECE | MAE to truth |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['task']} | {r['trees']} | {r['backend']} | {r['arm']} | "
        f"{r['brier']:.4f} | {r['ece']:.4f} | {r['mae_true']:.4f} |"
        for r in doc["rows"]
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.calibration``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    p = parser("calibration", __doc__.splitlines()[0])
    p.add_argument("--n-train", type=int, default=10000)
    p.add_argument("--n-test", type=int, default=10000)
    p.add_argument(
        "--n-calib",
        type=int,
        default=5000,
        help="held-out rows the recalibrated arms are fitted on (0: no such arms)",
    )
    args = p.parse_args(argv)
    doc = provenance("calibration", argv, fit_threads=1)
    v = doc["versions"]
    meta = {
        "python": doc["machine"]["python"],
        "numpy": v["numpy"],
        "sklearn": v["scikit_learn"],
        "xgboost": v["xgboost"],
        "lightgbm": v["lightgbm"],
        "n_train": args.n_train,
        "n_test": args.n_test,
        "n_calib": args.n_calib,
        "calib_seed": CALIB_SEED,
        "recalibration": list(RECALIBRATION),
        "gamma": GAMMA,
        "alpha": TASKS,
        "trees": {
            k: {CLASS_NAMES[b]: t for b, t in d.items()} for k, d in TREES.items()
        },
        "rounds": ROUNDS,
        "learning_rate": LEARNING_RATE,
    }
    doc.update(meta=meta, rows=run(args.n_train, args.n_test, args.n_calib))
    body = _body(doc)
    write_results(args.out, "calibration", doc, TITLE, body)
    log("\n".join(body))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
