"""What the three focal losses share: checks, the Hessian policy, the terms in ``u``.

Every function is a closed-form point function of the true-class margin
``u`` (or of the margin ``z``), written with the stable primitives of
:mod:`focalboost._link`; see :mod:`focalboost.losses` for the formulas.
"""

from __future__ import annotations

import math
import numbers
from typing import Literal

import numpy as np

from .._link import as_float64, log_expit

__all__ = [
    "HESSIAN_FLOOR",
    "HESSIAN_POLICIES",
    "INTERCEPT_BOUND",
    "HessianPolicy",
    "apply_hessian_policy",
    "check_alpha",
    "check_alpha_vector",
    "check_gamma",
    "check_policy",
    "log_focal_slope",
    "posterior_log_odds",
    "rescaled",
    "u_derivatives",
    "u_terms",
    "weighted",
]

#: Hessian policies accepted by the boosting objectives (the estimators'
#: ``hessian`` parameter). ``"surrogate"``: the always-positive surrogate
#: :math:`p\, |\partial FL / \partial u| = \alpha_t\, p\, q^\gamma (q + \gamma p \ell)`,
#: which equals the exact
#: Hessian at ``gamma=0`` and gives every sample the same Newton step as the
#: logistic loss does (gradient over surrogate = ``1 / p``). ``"clipped"``: the
#: exact Hessian, clipped per sample from below at :data:`HESSIAN_FLOOR`.
HESSIAN_POLICIES: tuple[str, ...] = ("surrogate", "clipped")

#: Per-sample floor of the ``"clipped"`` policy, applied before the sample
#: weight multiplies the Hessian.
HESSIAN_FLOOR: float = 1e-6

#: The Hessian policies of the losses' methods (``policy`` of
#: :func:`apply_hessian_policy`, ``hessian`` of ``gradient_hessian``):
#: ``"exact"``, the second derivative, which can be negative and is meant for
#: analysis, or one of :data:`HESSIAN_POLICIES`, the ones the estimators
#: train with.
HessianPolicy = Literal["exact", "surrogate", "clipped"]


def check_alpha(alpha, *, name: str = "alpha"):
    if alpha is None:
        return None
    if isinstance(alpha, str):
        if alpha == "balanced":
            return alpha
        raise ValueError(
            f"{name} must be None, 'balanced' or a float in (0, 1); got {alpha!r}."
        )
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(
            f"{name} must be None, 'balanced' or a float in (0, 1); got {alpha!r} "
            f"of type {type(alpha).__name__}."
        )
    alpha = float(alpha)
    if not (0.0 < alpha < 1.0):
        raise ValueError(
            f"{name} must be None, 'balanced' or a float in the open interval "
            f"(0, 1); got {alpha!r}."
        )
    return alpha


def check_gamma(gamma, *, name: str = "gamma") -> float:
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real):
        raise TypeError(
            f"{name} must be a non-negative real number; got {gamma!r} of type "
            f"{type(gamma).__name__}."
        )
    gamma = float(gamma)
    if not math.isfinite(gamma) or gamma < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {gamma!r}.")
    return gamma


def check_policy(hessian, allowed=("exact",) + HESSIAN_POLICIES) -> str:
    if not isinstance(hessian, str) or hessian not in allowed:
        raise ValueError(f"hessian must be one of {allowed}; got {hessian!r}.")
    return hessian


def apply_hessian_policy(hess: np.ndarray, policy: HessianPolicy) -> np.ndarray:
    """Return the per-sample (unweighted) Hessian the booster should see.

    Together with :func:`u_derivatives`, which picks the curvature a policy
    starts from (exact, or the positive surrogate), this is the one place the
    Hessian policy is decided; sample weights are applied by the caller
    afterwards (clip first, then weight).

    Parameters
    ----------
    hess : ndarray
        The exact Hessian for ``"exact"`` and ``"clipped"``, the surrogate for
        ``"surrogate"``. Modified in place for ``"clipped"``.
    policy : {"exact", "surrogate", "clipped"}
        ``"exact"`` returns the exact Hessian unchanged (it can be negative and
        is meant for analysis, not for training); ``"clipped"`` floors it at
        :data:`HESSIAN_FLOOR`; ``"surrogate"`` is already positive.

    Returns
    -------
    ndarray
        The Hessian under ``policy``.
    """
    if policy == "clipped":
        return np.maximum(hess, HESSIAN_FLOOR, out=hess)
    return hess


def u_terms(u, gamma):
    """``p, q, -log p, q**gamma`` of the true-class margin ``u``, from log_expit."""
    log_p = log_expit(u)
    log_q = log_expit(-u)
    qg = np.exp(gamma * log_q) if gamma else np.ones_like(u)
    return np.exp(log_p), np.exp(log_q), -log_p, qg


def log_focal_slope(z, gamma):
    r"""``log(-f'(p))`` at ``p = expit(z)``, with ``f(p) = -(1 - p)**gamma log p``.

    ``-f'(p) = (1-p)**(gamma-1) * ((1-p)/p - gamma log p)`` is positive, and in
    the margin it is ``exp((gamma-1) log_expit(-z) - z) * (1 + gamma r(z))``
    with ``r(z) = softplus(-z) exp(z)`` (a number in [0, 1]), which is finite
    for any finite ``z``. Used by the posterior maps: the focal risk's
    first-order condition weighs each class by ``1 / (alpha_k (-f'(p_k)))``.
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        t = np.exp(-np.abs(z))  # in (0, 1], 0 only on underflow
        pos = np.where(t > 0, np.log1p(t) / np.where(t > 0, t, 1.0), 1.0)
        neg = (np.log1p(t) - z) * t  # softplus(-z) exp(z) for z < 0
    r = np.where(z >= 0, pos, neg)
    return (gamma - 1.0) * log_expit(-z) - z + np.log1p(gamma * r)


def posterior_log_odds(z, gamma, log_alpha_ratio):
    """Calibrated log-odds of the class whose focal margin is ``z``.

    ``log_alpha_ratio`` is ``log(alpha_0 / alpha_1)`` (0 for no weighting).
    The binary focal risk ``q a1 f(p) + (1-q) a0 f(1-p)`` is minimised where
    ``q / (1-q) = a0 (-f'(1-p)) / (a1 (-f'(p)))``; this inverts it.
    """
    if gamma == 0:
        return z + log_alpha_ratio
    return log_alpha_ratio + log_focal_slope(-z, gamma) - log_focal_slope(z, gamma)


def rescaled(sample_weight) -> np.ndarray:
    """Float64 ``sample_weight`` times a power of two: the largest in [0.5, 1).

    The intercepts and the balanced class weights depend on weight ratios
    only, but sums of weights near the float64 maximum overflow. Scaling by a
    power of two is exact (ratios and sums are unchanged bit for bit) except
    for entries more than ~1e308 times below the largest, which underflow.
    """
    weights = as_float64(sample_weight)
    top = float(np.max(weights, initial=0.0))
    if not (top > 0 and math.isfinite(top)):
        return weights
    with np.errstate(under="ignore"):
        return np.ldexp(weights, -math.frexp(top)[1])


def weighted(values, sample_weight):
    """Multiply per-sample ``values`` (n,) or (n, K) by ``sample_weight`` (n,)."""
    if sample_weight is None:
        return values
    w = as_float64(sample_weight)
    return values * (w[:, None] if values.ndim == 2 and w.ndim == 1 else w)


def u_derivatives(p, q, ell, qg, alpha_t, gamma, policy):
    """``dFL/du`` and the curvature in ``u`` that ``policy`` starts from.

    ``u`` is the true-class margin. Returns the exact ``d2FL/du2`` for
    ``"exact"`` / ``"clipped"`` (clipping is left to
    :func:`apply_hessian_policy`) and the surrogate ``p * |dFL/du|`` for
    ``"surrogate"``.
    """
    abs_grad_u = alpha_t * qg * (q + gamma * p * ell)
    if policy == "surrogate":
        curv = p * abs_grad_u
    else:
        curv = (
            alpha_t * p * qg * ((2.0 * gamma + 1.0) * q + gamma * ell * (gamma * p - q))
        )
    return -abs_grad_u, curv


def check_alpha_vector(alpha, *, name: str = "alpha"):
    """None, "balanced" or a 1-D array of positive finite per-class weights."""
    if alpha is None or (isinstance(alpha, str) and alpha == "balanced"):
        return alpha
    if isinstance(alpha, str) or isinstance(alpha, bool):
        raise ValueError(
            f"{name} must be None, 'balanced' or an array-like of positive "
            f"per-class weights; got {alpha!r}."
        )
    try:
        arr = np.asarray(alpha, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be None, 'balanced' or an array-like of positive "
            f"per-class weights; got {alpha!r}."
        ) from exc
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(
            f"{name} must be a 1-D array-like with one weight per class; got "
            f"{alpha!r} (shape {arr.shape})."
        )
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(
            f"{name} must contain finite weights > 0; got {arr.tolist()!r}."
        )
    return arr


#: Bound of a multi-label intercept whose label has a single class in the
#: training data: ``logit(eps)``, the log-odds at which scikit-learn's log
#: loss clips probabilities.
INTERCEPT_BOUND: float = float(-np.log(np.finfo(np.float64).eps))
