"""Workloads of ``python -m benchmarks.run``: data and naive focal objectives.

The naive objectives are the focal loss as users commonly write it in numpy
(clipped probabilities, many passes over the data): the ``naive`` arm of the
end-to-end fits and the ``naive numpy objective`` rows of the kernel timings.
"""

from __future__ import annotations

import numpy as np

#: The focal parameters every focal arm uses.
ALPHA, GAMMA = 0.25, 2.0


def make_data(task: str, n: int, d: int, k: int = 2, seed: int = 0):
    """Imbalanced synthetic data: 10 % positives, or skewed class priors."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d), dtype=np.float32)
    coef = rng.normal(size=(d, max(k, 2))).astype(np.float32) / np.sqrt(d)
    scores = X @ coef
    scores[:, 0] += 0.5 * X[:, 0] * X[:, 1]  # some interaction for the trees
    if task == "binary":
        s = scores[:, 0] + rng.normal(0, 0.5, n).astype(np.float32)
        return X, (s > np.quantile(s, 0.9)).astype(np.int32)
    prior = np.log(np.array([0.50, 0.25, 0.15, 0.07, 0.03][:k]))
    z = 2.0 * scores[:, :k] + prior + rng.gumbel(size=(n, k))
    return X, z.argmax(axis=1).astype(np.int32)


# ----------------------------------------------------- naive user objectives
def naive_binary_focal(y, z):
    """The binary focal objective as commonly written (clipped p, ~20 passes)."""
    a, g = ALPHA, GAMMA
    p = 1.0 / (1.0 + np.exp(-z))
    p = np.clip(p, 1e-7, 1 - 1e-7)
    pt = np.where(y == 1, p, 1 - p)
    at = np.where(y == 1, a, 1 - a)
    sign = np.where(y == 1, 1.0, -1.0)
    mod = (1 - pt) ** g
    dpt = pt * (1 - pt) * sign  # d pt / dz
    dl = at * (g * (1 - pt) ** (g - 1) * np.log(pt) - mod / pt)  # dFL / d pt
    d2l = at * (
        -g * (g - 1) * (1 - pt) ** (g - 2) * np.log(pt)
        + 2 * g * (1 - pt) ** (g - 1) / pt
        + mod / pt**2
    )
    grad = dl * dpt
    hess = d2l * dpt**2 + dl * pt * (1 - pt) * (1 - 2 * pt)
    return grad, np.maximum(hess, 1e-6)


def naive_softmax_focal(y, z):
    """Softmax focal gradient (exact) and a Gauss-Newton-like Hessian, naively."""
    n, k = z.shape
    e = np.exp(z - z.max(axis=1, keepdims=True))
    P = e / e.sum(axis=1, keepdims=True)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y.astype(int)] = 1.0
    pt = np.clip((P * onehot).sum(axis=1), 1e-7, 1 - 1e-7)
    A = GAMMA * (1 - pt) ** (GAMMA - 1) * pt * np.log(pt) - (1 - pt) ** GAMMA
    grad = A[:, None] * (onehot - P)
    hess = np.maximum(np.abs(A)[:, None] * P * (1 - P), 1e-6)
    return grad, hess


class NaiveSklearnObjective:
    """sklearn-API objective ``(y_true, y_pred) -> (grad, hess)`` for both."""

    def __init__(self, multiclass: bool):
        self.multiclass = multiclass

    def __call__(self, y_true, y_pred):
        z = np.asarray(y_pred, dtype=np.float64)
        y = np.asarray(y_true, dtype=np.float64)
        if self.multiclass:
            return naive_softmax_focal(y, z)
        return naive_binary_focal(y, z)
