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

Run ``python -m benchmarks.calibration`` (about a minute on two cores);
writes ``benchmarks/results/calibration.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import lightgbm
import numpy as np
import sklearn
import xgboost
from scipy.special import expit, softmax

from focalboost import FocalLGBMClassifier, FocalXGBClassifier

RESULTS = Path(__file__).resolve().parent / "results"
TASKS = {"binary": 0.25, "multiclass": [0.5, 1.0, 2.0], "multilabel": 0.25}
TREES = {
    "shallow": {
        FocalXGBClassifier: {"max_depth": 3},
        FocalLGBMClassifier: {"num_leaves": 8},
    },
    "default": {FocalXGBClassifier: {}, FocalLGBMClassifier: {}},
    "deep": {
        FocalXGBClassifier: {"max_depth": 8},
        FocalLGBMClassifier: {"num_leaves": 127, "min_child_samples": 5},
    },
}


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


def ece(y_onehot, proba, n_bins: int = 15) -> float:
    """Mean over columns of the expected calibration error (equal-width bins)."""
    out = []
    for j in range(proba.shape[1]):
        p, y = proba[:, j], y_onehot[:, j]
        bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
        out.append(
            sum(
                (bins == b).mean() * abs(p[bins == b].mean() - y[bins == b].mean())
                for b in np.unique(bins)
            )
        )
    return float(np.mean(out))


def scores(y_onehot, proba, truth) -> dict[str, float]:
    """Brier (summed over columns), ECE and mean absolute error to the truth."""
    return {
        "brier": float(np.mean(np.sum((proba - y_onehot) ** 2, axis=1))),
        "ece": ece(y_onehot, proba),
        "mae_true": float(np.mean(np.abs(proba - truth))),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=10000)
    parser.add_argument("--n-test", type=int, default=10000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    rows = []
    for task, alpha in TASKS.items():
        X, y, q = simulate(task, args.n_train + args.n_test)
        tr, te = slice(0, args.n_train), slice(args.n_train, None)
        y_te = y[te] if task == "multilabel" else np.eye(q.shape[1])[y[te]]
        for size, per_backend in TREES.items():
            for cls, tree in per_backend.items():
                params = dict(
                    tree, n_estimators=150, learning_rate=0.05, n_jobs=1, random_state=0
                )
                focal = cls(alpha=alpha, gamma=2.0, **params).fit(X[tr], y[tr])
                log = cls(alpha=None, gamma=0.0, **params).fit(X[tr], y[tr])
                arms = {
                    "posterior": focal.predict_proba(X[te]),
                    "raw_focal": focal.set_params(probability="focal").predict_proba(
                        X[te]
                    ),
                    "log_loss": log.predict_proba(X[te]),
                    "true": q[te],
                }
                for arm, proba in arms.items():
                    rows.append(
                        dict(
                            task=task,
                            trees=size,
                            backend=cls.__name__,
                            arm=arm,
                            **scores(y_te, proba, q[te]),
                        )
                    )
    meta = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "xgboost": xgboost.__version__,
        "lightgbm": lightgbm.__version__,
        "n_train": args.n_train,
        "n_test": args.n_test,
        "gamma": 2.0,
        "alpha": TASKS,
        "trees": {k: {c.__name__: v for c, v in d.items()} for k, d in TREES.items()},
        "rounds": 150,
        "learning_rate": 0.05,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "calibration.json").write_text(
        json.dumps({"meta": meta, "rows": rows}, indent=1)
    )
    lines = [
        "# Posterior map vs raw focal probabilities (known posterior)",
        "",
        f"gamma=2, alpha={TASKS}; {args.n_train} train / {args.n_test} test rows; "
        "150 rounds, learning rate 0.05. Brier summed over columns; ECE with 15 "
        "bins, mean over columns; MAE to the true posterior. `true` is the Bayes "
        "floor. Command: `python -m benchmarks.calibration`.",
        "",
        "| task | trees | backend | arm | Brier | ECE | MAE to truth |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['task']} | {r['trees']} | {r['backend']} | {r['arm']} | "
        f"{r['brier']:.4f} | {r['ece']:.4f} | {r['mae_true']:.4f} |"
        for r in rows
    ]
    (args.out / "calibration.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
