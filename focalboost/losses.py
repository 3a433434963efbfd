r"""Focal losses as closed-form functions of the raw margin.

This module is pure numpy/scipy. Each loss is a point function of
``raw_prediction`` (the boosting margin) composed with a link, in the style of
scikit-learn's ``sklearn._loss``: ``loss``, ``gradient``, ``gradient_hessian``
and ``fit_intercept_only``.

Binary focal loss
-----------------
With labels :math:`y \in \{0, 1\}`, margin :math:`z`, :math:`s = 2y - 1` and the
*true-class margin* :math:`u = s z`, write :math:`p = \sigma(u)` (the probability
given to the true class), :math:`q = 1 - p = \sigma(-u)` and
:math:`\ell = -\log p = \operatorname{softplus}(-u)`. Then

.. math::

    FL(y, z) = \alpha_t\, q^\gamma\, \ell, \qquad
    \frac{\partial FL}{\partial z} = -s\,\alpha_t\, q^\gamma (q + \gamma p \ell),

    \frac{\partial^2 FL}{\partial z^2}
        = \alpha_t\, p\, q^\gamma
          \left[(2\gamma + 1) q + \gamma \ell (\gamma p - q)\right],

with :math:`\alpha_t = \alpha` for :math:`y = 1` and :math:`1 - \alpha` for
:math:`y = 0` (:math:`\alpha_t = 1` when ``alpha=None``). Every factor is
computed from ``log_expit`` so the values are finite and warning-free for any
margin; :math:`\gamma = 0`, ``alpha=None`` is exactly the binary log loss.

The exact second derivative is negative for confidently wrong samples
(e.g. true-class margin below about -2.79 for
:math:`\gamma = 2`); see :data:`HESSIAN_POLICIES` for what the boosting
objectives do about it.
"""

from __future__ import annotations

import math
import numbers
from typing import Literal

import numpy as np
from scipy.optimize import brentq
from scipy.special import logsumexp, softmax

from . import _kernels
from ._link import as_float64, expit, log_expit, scalar_softplus

__all__ = [
    "BinaryFocalLoss",
    "INTERCEPT_BOUND",
    "MultiLabelFocalLoss",
    "SoftmaxFocalLoss",
    "HESSIAN_FLOOR",
    "HESSIAN_POLICIES",
    "apply_hessian_policy",
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

HessianPolicy = Literal["exact", "surrogate", "clipped"]


def _check_alpha(alpha, *, name: str = "alpha"):
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


def _check_gamma(gamma, *, name: str = "gamma") -> float:
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real):
        raise TypeError(
            f"{name} must be a non-negative real number; got {gamma!r} of type "
            f"{type(gamma).__name__}."
        )
    gamma = float(gamma)
    if not math.isfinite(gamma) or gamma < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {gamma!r}.")
    return gamma


def _check_policy(hessian, allowed=("exact",) + HESSIAN_POLICIES) -> str:
    if not isinstance(hessian, str) or hessian not in allowed:
        raise ValueError(f"hessian must be one of {allowed}; got {hessian!r}.")
    return hessian


def apply_hessian_policy(hess: np.ndarray, policy: HessianPolicy) -> np.ndarray:
    """Return the per-sample (unweighted) Hessian the booster should see.

    Together with :func:`_u_derivatives`, which picks the curvature a policy
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


def _u_terms(u, gamma):
    """``p, q, -log p, q**gamma`` of the true-class margin ``u``, from log_expit."""
    log_p = log_expit(u)
    log_q = log_expit(-u)
    qg = np.exp(gamma * log_q) if gamma else np.ones_like(u)
    return np.exp(log_p), np.exp(log_q), -log_p, qg


def _log_focal_slope(z, gamma):
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


def _posterior_log_odds(z, gamma, log_alpha_ratio):
    """Calibrated log-odds of the class whose focal margin is ``z``.

    ``log_alpha_ratio`` is ``log(alpha_0 / alpha_1)`` (0 for no weighting).
    The binary focal risk ``q a1 f(p) + (1-q) a0 f(1-p)`` is minimised where
    ``q / (1-q) = a0 (-f'(1-p)) / (a1 (-f'(p)))``; this inverts it.
    """
    if gamma == 0:
        return z + log_alpha_ratio
    return log_alpha_ratio + _log_focal_slope(-z, gamma) - _log_focal_slope(z, gamma)


def _rescaled(sample_weight) -> np.ndarray:
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


def _weighted(values, sample_weight):
    """Multiply per-sample ``values`` (n,) or (n, K) by ``sample_weight`` (n,)."""
    if sample_weight is None:
        return values
    w = as_float64(sample_weight)
    return values * (w[:, None] if values.ndim == 2 and w.ndim == 1 else w)


def _u_derivatives(p, q, ell, qg, alpha_t, gamma, policy):
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


class BinaryFocalLoss:
    r"""Binary sigmoid focal loss of Lin et al. (2017) on the raw margin.

    Domain: ``y_true`` in {0, 1}, ``raw_prediction`` any real number.

    Link: logit, ``p = expit(raw_prediction)`` is the (focal, uncalibrated)
    probability of class 1.

    Formula: ``FL = -alpha_t * (1 - p_t)**gamma * log(p_t)`` with ``p_t`` the
    probability of the true class. See the module docstring for the gradient
    and exact Hessian.

    Parameters
    ----------
    alpha : float in (0, 1), "balanced" or None, default=None
        Weight of the positive class; the negative class gets ``1 - alpha``.
        ``None`` means no class weighting (``alpha_t = 1``). ``"balanced"``
        sets ``alpha = W0 / (W0 + W1)`` with ``Wk`` the (sample-weighted)
        count of class ``k`` in the ``y_true`` passed to each method, so both
        classes carry the same total weight; this is scikit-learn's
        ``class_weight="balanced"`` rescaled to ``alpha_0 + alpha_1 = 1``.
    gamma : float >= 0, default=2.0
        Focusing parameter. ``gamma=0`` with ``alpha=None`` is the log loss.

    References
    ----------
    T.-Y. Lin, P. Goyal, R. Girshick, K. He, P. Dollar, "Focal Loss for Dense
    Object Detection", ICCV 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from focalboost.losses import BinaryFocalLoss
    >>> loss = BinaryFocalLoss(alpha=0.25, gamma=2.0)
    >>> y = np.array([0.0, 1.0, 1.0])
    >>> z = np.array([-2.0, 0.0, 3.0])
    >>> [round(float(v), 6) for v in loss.loss(y, z)]
    [0.001353, 0.043322, 2.7e-05]
    >>> grad, hess = loss.gradient_hessian(y, z)
    >>> [round(float(v), 6) for v in grad]
    [0.003653, -0.074572, -7.9e-05]
    >>> round(loss.fit_intercept_only(np.array([0, 0, 0, 1])), 6)
    -0.819889
    """

    def __init__(self, alpha: float | str | None = None, gamma: float = 2.0):
        self.alpha = _check_alpha(alpha)
        self.gamma = _check_gamma(gamma)

    def __repr__(self) -> str:
        return f"BinaryFocalLoss(alpha={self.alpha!r}, gamma={self.gamma!r})"

    # ------------------------------------------------------------------ helpers
    def class_weights(self, y_true, sample_weight=None) -> tuple[float, float]:
        """Return ``(alpha_0, alpha_1)``, the weights of class 0 and class 1.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            Labels in {0, 1}; only used when ``alpha="balanced"``.
        sample_weight : array-like of shape (n_samples,), default=None
            Only used when ``alpha="balanced"``.

        Returns
        -------
        tuple of float
            ``(1 - alpha, alpha)``, or ``(1.0, 1.0)`` when ``alpha`` is None.
        """
        if self.alpha is None:
            return 1.0, 1.0
        if self.alpha == "balanced":
            y = as_float64(y_true)
            w = np.ones_like(y) if sample_weight is None else _rescaled(sample_weight)
            w1 = float(np.sum(w * y))
            w0 = float(np.sum(w * (1.0 - y)))
            total = w0 + w1
            if total <= 0:
                raise ValueError("alpha='balanced' needs a positive total weight.")
            return w1 / total, w0 / total
        return 1.0 - self.alpha, self.alpha

    def _terms(self, y_true, raw_prediction, sample_weight=None):
        y = as_float64(y_true)
        z = as_float64(raw_prediction)
        a0, a1 = self.class_weights(y, sample_weight)
        sign = 2.0 * y - 1.0
        alpha_t = a0 * (1.0 - y) + a1 * y  # exact at y = 0, 1 (no a1 - a0)
        return (sign, alpha_t, *_u_terms(sign * z, self.gamma))

    @staticmethod
    def _weighted(values, sample_weight):
        return _weighted(values, sample_weight)

    # ------------------------------------------------------------ point values
    def loss(self, y_true, raw_prediction, sample_weight=None) -> np.ndarray:
        """Per-sample focal loss.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            Labels in {0, 1}.
        raw_prediction : array-like of shape (n_samples,)
            Raw margins (float32 or float64; computed in float64).
        sample_weight : array-like of shape (n_samples,), default=None
            Multiplies each value.

        Returns
        -------
        ndarray of shape (n_samples,), float64
        """
        _, alpha_t, _, _, ell, qg = self._terms(y_true, raw_prediction, sample_weight)
        return self._weighted(alpha_t * qg * ell, sample_weight)

    def gradient(self, y_true, raw_prediction, sample_weight=None) -> np.ndarray:
        """Per-sample first derivative with respect to the raw margin.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            Labels in {0, 1}.
        raw_prediction : array-like of shape (n_samples,)
            Raw margins.
        sample_weight : array-like of shape (n_samples,), default=None
            Multiplies each value.

        Returns
        -------
        ndarray of shape (n_samples,), float64
        """
        sign, alpha_t, p, q, ell, qg = self._terms(
            y_true, raw_prediction, sample_weight
        )
        grad = -sign * alpha_t * qg * (q + self.gamma * p * ell)
        return self._weighted(grad, sample_weight)

    def gradient_hessian(
        self,
        y_true,
        raw_prediction,
        sample_weight=None,
        hessian: HessianPolicy = "exact",
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per-sample gradient and second derivative w.r.t. the raw margin.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            Labels in {0, 1}.
        raw_prediction : array-like of shape (n_samples,)
            Raw margins.
        sample_weight : array-like of shape (n_samples,), default=None
            Multiplies gradient and Hessian, after the Hessian policy.
        hessian : {"exact", "surrogate", "clipped"}, default="exact"
            ``"exact"``: the exact second derivative (may be negative);
            the others are the training policies of :data:`HESSIAN_POLICIES`.

        Returns
        -------
        gradient : ndarray of shape (n_samples,), float64
        hessian : ndarray of shape (n_samples,), float64
        """
        policy = _check_policy(hessian)
        fast = self._fused_gradient_hessian(
            y_true, raw_prediction, sample_weight, policy
        )
        if fast is not None:
            return fast
        sign, alpha_t, p, q, ell, qg = self._terms(
            y_true, raw_prediction, sample_weight
        )
        grad_u, curv_u = _u_derivatives(p, q, ell, qg, alpha_t, self.gamma, policy)
        hess = apply_hessian_policy(curv_u, policy)
        grad = sign * grad_u
        return self._weighted(grad, sample_weight), self._weighted(hess, sample_weight)

    def _fused_gradient_hessian(self, y_true, raw_prediction, sample_weight, policy):
        """Return the compiled one-pass kernel's result, or None if it does not apply.

        It evaluates the same formulas as :func:`_u_derivatives` and
        :func:`apply_hessian_policy` (tested against them to 1e-12) for
        scalar class weights and same-shape labels and margins.
        """
        if not _kernels.ckernel_enabled():
            return None
        y = as_float64(y_true)
        z = as_float64(raw_prediction)
        if y.shape != z.shape:
            return None
        a0, a1 = self.class_weights(y, sample_weight)
        if np.ndim(a0) or np.ndim(a1):
            return None
        grad, hess = _kernels.binary_grad_hess(
            y, z, a0, a1, self.gamma, policy, HESSIAN_FLOOR
        )
        return self._weighted(grad, sample_weight), self._weighted(hess, sample_weight)

    # -------------------------------------------------------------- intercept
    def _log_abs_dloss(self, u: float) -> float:
        """``log |d f / d u|`` for ``f(u) = (1 - p)^gamma * (-log p)``."""
        gamma = self.gamma
        log_q = -scalar_softplus(u)
        if gamma == 0.0:
            return log_q
        log_p = -scalar_softplus(-u)
        if u > 0:
            # log(log1p(t)) = -u + log(log1p(t) / t) with t = exp(-u): finite
            # where softplus(-u) underflows to 0 (u > ~745)
            t = math.exp(-u)
            log_ell = -u + (math.log(math.log1p(t) / t) if t > 0 else 0.0)
        else:
            log_ell = math.log(scalar_softplus(-u))
        second = math.log(gamma) + log_p + log_ell
        big, small = (log_q, second) if log_q >= second else (second, log_q)
        return gamma * log_q + big + math.log1p(math.exp(small - big))

    def fit_intercept_only(self, y_true, sample_weight=None) -> float:
        """Focal-optimal constant margin for these labels and weights.

        Solves ``sum_i w_i * dFL(y_i, c) / dc = 0`` for the scalar ``c`` with a
        bracketed root solve (Brent) in log space. The constant-model focal
        risk is strictly decreasing-then-increasing in ``c``, so the root is
        its unique minimiser.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            Labels in {0, 1}.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        float
            The optimal constant raw margin.

        Raises
        ------
        ValueError
            If one class has zero total weight (the optimum is infinite).
        """
        y = as_float64(y_true)
        w = np.ones_like(y) if sample_weight is None else _rescaled(sample_weight)
        a0, a1 = self.class_weights(y, w)
        w1 = float(np.sum(w * y))
        w0 = float(np.sum(w * (1.0 - y)))
        if not (a1 > 0 and w1 > 0 and a0 > 0 and w0 > 0):
            raise ValueError(
                "fit_intercept_only needs both classes with positive total weight; "
                f"got class-0 weight {a0 * w0!r} and class-1 weight {a1 * w1!r}."
            )
        # in logs: a tiny alpha times a tiny class total may underflow
        log_ratio = math.log(a1) + math.log(w1) - math.log(a0) - math.log(w0)

        def score(c: float) -> float:
            # log of (class-1 pull) / (class-0 pull); decreasing in c
            return log_ratio + self._log_abs_dloss(c) - self._log_abs_dloss(-c)

        lo, hi = -1.0, 1.0
        while score(lo) < 0:
            lo *= 2.0
        while score(hi) > 0:
            hi *= 2.0
        return float(brentq(score, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps))

    def predict_proba(self, raw_prediction) -> np.ndarray:
        """Return ``expit(raw_prediction)``, the focal probability of class 1.

        Parameters
        ----------
        raw_prediction : array-like of shape (n_samples,)
            Raw margins.

        Returns
        -------
        ndarray of shape (n_samples,), float64
        """
        return expit(as_float64(raw_prediction))

    def _check_resolved_alpha(self):
        if isinstance(self.alpha, str):
            raise ValueError(
                "alpha='balanced' depends on y_true: resolve it first (e.g. "
                "BinaryFocalLoss(alpha=loss.class_weights(y_true)[1], ...)) "
                "to map margins to posterior probabilities."
            )

    def posterior_raw_prediction(self, raw_prediction) -> np.ndarray:
        r"""Calibrated log-odds: the posterior estimate behind a focal margin.

        Focal loss is not a proper scoring rule: the risk
        ``q alpha_1 f(p) + (1 - q) alpha_0 f(1 - p)`` with
        ``f(p) = -(1 - p)**gamma log p`` is minimised at a ``p`` that is not
        the class-1 probability ``q``. Its first-order condition inverts in
        closed form,

        .. math:: \operatorname{logit} q = \log\frac{\alpha_0}{\alpha_1}
                  + \log(-f'(1 - p)) - \log(-f'(p)),

        strictly increasing in the margin (Charoenphakdee et al., 2021). At
        ``gamma=0`` it is the margin shifted by ``log(alpha_0 / alpha_1)``
        (the identity when ``alpha`` is None).

        Parameters
        ----------
        raw_prediction : array-like of shape (n_samples,)
            Focal margins.

        Returns
        -------
        ndarray of shape (n_samples,), float64
            ``logit`` of the posterior estimate; finite for finite input.

        Examples
        --------
        >>> from focalboost.losses import BinaryFocalLoss
        >>> loss = BinaryFocalLoss(gamma=2.0)
        >>> loss.posterior_raw_prediction([0.0, 1.0]).round(4)
        array([0.    , 2.6817])
        """
        self._check_resolved_alpha()
        a0, a1 = self.class_weights(None)
        z = as_float64(raw_prediction)
        return _posterior_log_odds(z, self.gamma, math.log(a0) - math.log(a1))

    def posterior_proba(self, raw_prediction) -> np.ndarray:
        """Posterior probability of class 1 behind a focal margin.

        ``expit(posterior_raw_prediction(raw_prediction))``; see
        :meth:`posterior_raw_prediction`.

        Parameters
        ----------
        raw_prediction : array-like of shape (n_samples,)
            Focal margins.

        Returns
        -------
        ndarray of shape (n_samples,), float64
        """
        return expit(self.posterior_raw_prediction(raw_prediction))


# ----------------------------------------------------------------- multiclass
def _check_alpha_vector(alpha, *, name: str = "alpha"):
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


def _class_totals(y_index, sample_weight, n_classes):
    w = None if sample_weight is None else _rescaled(sample_weight)
    return np.bincount(y_index, weights=w, minlength=n_classes).astype(np.float64)


def _one_minus_pi(pi):
    """``1 - pi_k`` for the non-true-class softmax shares, without cancellation.

    Only the largest share of a row can exceed 1/2; ``1 - pi_k`` is exact to
    rounding for every other entry. For the largest one the complement is
    formed as the sum of the remaining (positive) shares instead of a
    difference, which keeps all digits when one class dominates.
    """
    out = 1.0 - pi
    rows = np.arange(pi.shape[0])
    top = np.argmax(pi, axis=1)
    rest = pi.copy()
    rest[rows, top] = 0.0
    out[rows, top] = rest.sum(axis=1)
    return out


def _one_vs_rest_margin(z):
    """``u_k = z_k - logsumexp_{j != k} z_j`` for every class, in O(n K).

    ``u_k = log P_k - log(1 - P_k)``: for all but the largest share of a row
    ``log(1 - P_k) = log1p(-P_k)`` is exact to rounding (``P_k <= 1/2``); for
    the largest one it is the log-sum-exp of the other margins.
    """
    lse = logsumexp(z, axis=1, keepdims=True)
    log_p = z - lse
    rows = np.arange(z.shape[0])
    top = np.argmax(z, axis=1)
    p = np.exp(log_p)
    p[rows, top] = 0.0  # replaced below; avoids log1p(-1)
    log_1mp = np.log1p(-p)
    others = z.copy()
    others[rows, top] = -np.inf
    log_1mp[rows, top] = logsumexp(others, axis=1) - lse[:, 0]
    return log_p - log_1mp


def _constant_softmax_risk(c, weights, alpha, gamma):
    """Risk of the constant margin ``c`` and its gradient and Hessian in ``c[1:]``.

    ``sum_t weights_t FL(t, c)``: one row per class ``t``. With ``u_t`` the
    true class's one-vs-rest margin, ``grad u_t = e_t - pi`` and
    ``hess u_t = -(diag(pi) - pi pi^T)`` (``pi`` the shares of the other
    classes, ``pi_t = 0``), so the Hessian of ``FL(u_t)`` is
    ``FL'' grad u grad u^T + FL' hess u``, exact (not a Hessian policy).
    Returns ``(risk, gradient, hessian, scale)``, ``scale`` the weighted sum
    of ``|dFL/du|``, the size of the terms the gradient is made of.
    """
    k = c.shape[0]
    labels = np.arange(k)
    z = np.broadcast_to(c, (k, k))
    loss = SoftmaxFocalLoss(alpha, gamma)
    rows, t, alpha_t, u, pi = loss._terms(labels, z)
    pi[rows, t] = 0.0
    p, q, ell, qg = _u_terms(u, gamma)
    grad_u, curv = _u_derivatives(p, q, ell, qg, alpha_t, gamma, "exact")
    du = np.eye(k) - pi  # row t: the gradient of u_t
    risk = float(weights @ (alpha_t * qg * ell))
    grad = (weights * grad_u) @ du
    outer = np.einsum("t,ti,tj->ij", weights * curv, du, du)
    second = np.einsum("t,ti,tj->ij", weights * grad_u, pi, pi) - np.diag(
        (weights * grad_u) @ pi
    )
    hess = outer + second
    scale = float(weights @ np.abs(grad_u))
    return risk, grad[1:], hess[1:, 1:], scale


def _newton_minimise(fun, x):
    """Minimise a smooth function from ``x`` by damped Newton steps.

    ``fun(x)`` returns ``(value, gradient, hessian, scale)``. The Hessian's
    eigenvalues are replaced by their absolute values (floored at 1e-12 of
    the largest), so every step descends, also where the function is not
    convex; each step is halved until the value decreases (Armijo). Stops when
    the gradient is at the rounding level of its terms (``scale``), or when no
    step changes ``x`` any more. No scipy solver, hence no warning filters:
    safe in concurrent threads.
    """
    eps = np.finfo(np.float64).eps
    value, grad, hess, scale = fun(x)
    for _ in range(200):
        if np.max(np.abs(grad), initial=0.0) <= 8 * eps * scale:
            break
        lam, vec = np.linalg.eigh(0.5 * (hess + hess.T))
        lam = np.maximum(np.abs(lam), 1e-12 * np.max(np.abs(lam), initial=0.0))
        if not np.all(lam > 0):
            break  # a zero Hessian: nothing to step with
        step = -(vec @ ((vec.T @ grad) / lam))
        slope = float(grad @ step)  # < 0
        t = 1.0
        for _ in range(80):
            trial = x + t * step
            if np.array_equal(trial, x):
                return x  # the step is below the rounding of x: converged
            t_value, t_grad, t_hess, t_scale = fun(trial)
            # a sufficient decrease, or no increase beyond the value's
            # rounding with a smaller gradient (the last digits)
            if t_value <= value + 1e-4 * t * slope or (
                t_value <= value + 4 * eps * abs(value)
                and np.max(np.abs(t_grad)) < np.max(np.abs(grad))
            ):
                break
            t /= 2
        else:
            return x
        x, value, grad, hess, scale = trial, t_value, t_grad, t_hess, t_scale
    return x


class SoftmaxFocalLoss:
    r"""Multiclass softmax focal loss on the raw margins.

    Domain: ``y_true`` in {0, ..., K-1}, ``raw_prediction`` of shape (n, K).

    Link: softmax, ``P = softmax(raw_prediction)``.

    Formula: ``FL = -alpha_t * (1 - P_t)**gamma * log(P_t)``. With the
    true-class margin ``u = z_t - logsumexp_{j != t} z_j`` one has exactly
    ``P_t = expit(u)``, so the loss is the binary focal loss of ``u`` and is
    computed as stably. With ``pi_k = softmax_{j != t}(z)_k`` (zero at ``t``),
    ``g_u = dFL/du`` and ``h_u = d2FL/du2`` of the binary loss:

    - gradient: ``g_u`` at ``k = t``, ``-g_u * pi_k`` elsewhere;
    - exact Hessian diagonal: ``h_u`` at ``t``,
      ``h_u * pi_k**2 - g_u * pi_k * (1 - pi_k)`` elsewhere.

    The surrogate policy replaces ``h_u`` by ``p * |g_u|`` (always positive);
    at ``gamma=0`` both give the multinomial log-loss ``P_k (1 - P_k)``. For
    ``gamma=2`` and ``K >= 18`` equal logits put ``u = -log(K-1)`` below
    -2.79, so the exact diagonal is negative from the first round.

    Parameters
    ----------
    alpha : array-like of shape (K,), "balanced" or None, default=None
        Per-class weights ``alpha_k``. ``None``: all ones. ``"balanced"``:
        ``alpha_k`` proportional to ``1 / W_k`` (``W_k`` the weighted count of
        class ``k`` in the ``y_true`` passed) and summing to one, which for
        ``K=2`` is the binary ``alpha="balanced"``.
    gamma : float >= 0, default=2.0
        Focusing parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from focalboost.losses import SoftmaxFocalLoss
    >>> loss = SoftmaxFocalLoss(gamma=2.0)
    >>> z = np.array([[0.0, 1.0, -1.0], [2.0, 0.0, 0.0]])
    >>> y = np.array([1, 2])
    >>> [round(float(v), 6) for v in loss.loss(y, z)]
    [0.045678, 1.787895]
    >>> grad, hess = loss.gradient_hessian(y, z, hessian="surrogate")
    >>> grad.shape, bool(np.all(hess > 0))
    ((2, 3), True)
    """

    def __init__(self, alpha=None, gamma: float = 2.0):
        self.alpha = _check_alpha_vector(alpha)
        self.gamma = _check_gamma(gamma)

    def __repr__(self) -> str:
        alpha = self.alpha if not isinstance(self.alpha, np.ndarray) else "array"
        return f"SoftmaxFocalLoss(alpha={alpha!r}, gamma={self.gamma!r})"

    def class_weights(self, y_true, n_classes: int, sample_weight=None) -> np.ndarray:
        """Per-class weights ``alpha_k`` of shape (n_classes,).

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            Class indices; only used when ``alpha="balanced"``.
        n_classes : int
            Number of classes K.
        sample_weight : array-like of shape (n_samples,), default=None
            Only used when ``alpha="balanced"``.

        Returns
        -------
        ndarray of shape (n_classes,)
        """
        if self.alpha is None:
            return np.ones(n_classes)
        if isinstance(self.alpha, str):
            totals = _class_totals(
                np.asarray(y_true, dtype=np.intp), sample_weight, n_classes
            )
            # the smallest positive total over each total: at most 1, so no
            # overflow for totals 1e308 apart (a share may underflow to 0)
            low = np.min(totals, where=totals > 0, initial=np.inf)
            inv = np.divide(low, totals, out=np.zeros(n_classes), where=totals > 0)
            return inv / inv.sum()
        if self.alpha.shape[0] != n_classes:
            raise ValueError(
                f"alpha has {self.alpha.shape[0]} entries but there are "
                f"{n_classes} classes."
            )
        return self.alpha

    def _terms(self, y_true, raw_prediction, sample_weight=None):
        z = as_float64(raw_prediction)
        if z.ndim != 2:
            raise ValueError(
                f"raw_prediction must have shape (n_samples, n_classes); got {z.shape}."
            )
        n, k = z.shape
        t = np.asarray(y_true).astype(np.intp, copy=False)
        rows = np.arange(n)
        alpha_t = self.class_weights(t, k, sample_weight)[t]
        others = z.copy()
        others[rows, t] = -np.inf
        lse_others = logsumexp(others, axis=1)
        u = z[rows, t] - lse_others
        pi = np.exp(others - lse_others[:, None])
        return rows, t, alpha_t, u, pi

    def loss(self, y_true, raw_prediction, sample_weight=None) -> np.ndarray:
        """Per-sample focal loss, shape (n_samples,).

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            Class indices.
        raw_prediction : array-like of shape (n_samples, n_classes)
            Raw margins.
        sample_weight : array-like of shape (n_samples,), default=None
            Multiplies each value.

        Returns
        -------
        ndarray of shape (n_samples,), float64
        """
        _, _, alpha_t, u, _ = self._terms(y_true, raw_prediction, sample_weight)
        _, _, ell, qg = _u_terms(u, self.gamma)
        return _weighted(alpha_t * qg * ell, sample_weight)

    def gradient_hessian(
        self,
        y_true,
        raw_prediction,
        sample_weight=None,
        hessian: HessianPolicy = "exact",
    ) -> tuple[np.ndarray, np.ndarray]:
        """Gradient and diagonal of the Hessian w.r.t. the raw margins.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            Class indices.
        raw_prediction : array-like of shape (n_samples, n_classes)
            Raw margins.
        sample_weight : array-like of shape (n_samples,), default=None
            Multiplies both, after the Hessian policy.
        hessian : {"exact", "surrogate", "clipped"}, default="exact"
            See :data:`HESSIAN_POLICIES`.

        Returns
        -------
        gradient : ndarray of shape (n_samples, n_classes), float64
        hessian : ndarray of shape (n_samples, n_classes), float64
        """
        policy = _check_policy(hessian)
        fast = self._fused_gradient_hessian(
            y_true, raw_prediction, sample_weight, policy
        )
        if fast is not None:
            return fast
        rows, t, alpha_t, u, pi = self._terms(y_true, raw_prediction, sample_weight)
        grad_u, curv_u = _u_derivatives(
            *_u_terms(u, self.gamma), alpha_t, self.gamma, policy
        )
        abs_grad_u = -grad_u[:, None]
        grad = abs_grad_u * pi
        grad[rows, t] = grad_u
        hess = curv_u[:, None] * pi * pi + abs_grad_u * pi * _one_minus_pi(pi)
        hess[rows, t] = curv_u
        hess = apply_hessian_policy(hess, policy)
        return _weighted(grad, sample_weight), _weighted(hess, sample_weight)

    def _fused_gradient_hessian(self, y_true, raw_prediction, sample_weight, policy):
        """Return the compiled row-wise kernel's result, or None if it does not apply.

        Same formulas as the numpy code below (tested against it to 1e-12).
        """
        if not _kernels.ckernel_enabled():
            return None
        z = as_float64(raw_prediction)
        if z.ndim != 2 or z.shape[1] < 2:
            return None
        t = np.asarray(y_true)
        if t.shape != z.shape[:1]:
            return None
        alpha = self.class_weights(
            t.astype(np.intp, copy=False), z.shape[1], sample_weight
        )
        grad, hess = _kernels.softmax_grad_hess(
            t, z, alpha, self.gamma, policy, HESSIAN_FLOOR
        )
        return _weighted(grad, sample_weight), _weighted(hess, sample_weight)

    def gradient(self, y_true, raw_prediction, sample_weight=None) -> np.ndarray:
        """Gradient w.r.t. the raw margins, shape (n_samples, n_classes).

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            Class indices.
        raw_prediction : array-like of shape (n_samples, n_classes)
            Raw margins.
        sample_weight : array-like of shape (n_samples,), default=None
            Multiplies each row.

        Returns
        -------
        ndarray of shape (n_samples, n_classes), float64
        """
        return self.gradient_hessian(y_true, raw_prediction, sample_weight)[0]

    def fit_intercept_only(self, y_true, sample_weight=None, n_classes=None):
        """Focal-optimal constant margin vector, centred to mean zero.

        Minimises ``sum_k W_k FL(k, c)`` over ``c`` (``W_k`` the weighted
        class counts) with BFGS and the analytic gradient, started from the
        log-loss optimum ``log(alpha_k W_k)``.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            Class indices.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.
        n_classes : int, default=None
            K; ``max(y_true) + 1`` when None.

        Returns
        -------
        ndarray of shape (n_classes,)

        Raises
        ------
        ValueError
            If a class has zero total weight.
        """
        t = np.asarray(y_true).astype(np.intp, copy=False)
        k = int(t.max()) + 1 if n_classes is None else int(n_classes)
        totals = _class_totals(t, sample_weight, k)
        alpha = self.class_weights(t, k, sample_weight)
        if np.any(totals * alpha <= 0):
            raise ValueError(
                "fit_intercept_only needs every class with positive total weight; "
                f"got class totals {totals.tolist()!r}."
            )
        weights = totals / totals.sum()
        alpha = alpha if self.alpha is not None else None
        # the risk is invariant to a common shift: c_0 = 0, the others free
        start = np.log(self.class_weights(t, k, sample_weight) * weights)
        free = _newton_minimise(
            lambda f: _constant_softmax_risk(np.r_[0.0, f], weights, alpha, self.gamma),
            start[1:] - start[0],
        )
        c = np.r_[0.0, free]
        return c - c.mean()

    def predict_proba(self, raw_prediction) -> np.ndarray:
        """Return ``softmax(raw_prediction)`` (the focal, uncalibrated probabilities).

        Parameters
        ----------
        raw_prediction : array-like of shape (n_samples, n_classes)
            Raw margins.

        Returns
        -------
        ndarray of shape (n_samples, n_classes), float64
        """
        return softmax(as_float64(raw_prediction), axis=1)

    def posterior_raw_prediction(self, raw_prediction) -> np.ndarray:
        r"""Log posterior probabilities behind focal softmax margins.

        The focal risk ``sum_k q_k alpha_k f(P_k)`` over the simplex is
        minimised where ``q_k alpha_k (-f'(P_k))`` is the same for every class,
        so ``q_k`` is proportional to ``1 / (alpha_k (-f'(P_k)))`` (Mukhoti et
        al., 2020; Charoenphakdee et al., 2021). ``P_k = expit(u_k)`` with the
        one-vs-rest margin ``u_k = z_k - logsumexp_{j != k} z_j``, so the map
        is computed in log space from the margins. At ``gamma=0`` it is
        ``log_softmax(z) - log alpha`` renormalised (the identity when
        ``alpha`` is None). For K=2 it equals the binary map.

        Parameters
        ----------
        raw_prediction : array-like of shape (n_samples, n_classes)
            Focal margins.

        Returns
        -------
        ndarray of shape (n_samples, n_classes), float64
            ``log q``: ``softmax`` of it (or ``exp``) is the posterior.

        Examples
        --------
        >>> import numpy as np
        >>> from focalboost.losses import SoftmaxFocalLoss
        >>> loss = SoftmaxFocalLoss(gamma=2.0)
        >>> np.exp(loss.posterior_raw_prediction([[0.0, 1.0, 2.0]])).round(4)
        array([[0.0287, 0.0875, 0.8838]])
        """
        if isinstance(self.alpha, str):
            raise ValueError(
                "alpha='balanced' depends on y_true: resolve it first with "
                "class_weights(y_true, n_classes) to map margins to posterior "
                "probabilities."
            )
        z = as_float64(raw_prediction)
        if z.ndim != 2:
            raise ValueError(
                f"raw_prediction must have shape (n_samples, n_classes); got {z.shape}."
            )
        log_alpha = 0.0 if self.alpha is None else np.log(self.alpha)
        if self.gamma == 0:
            scores = z - log_alpha
        else:
            scores = -log_alpha - _log_focal_slope(_one_vs_rest_margin(z), self.gamma)
        return scores - logsumexp(scores, axis=1, keepdims=True)

    def posterior_proba(self, raw_prediction) -> np.ndarray:
        """Posterior class probabilities behind focal margins, rows sum to 1.

        ``softmax(posterior_raw_prediction(raw_prediction))``; see
        :meth:`posterior_raw_prediction`.

        Parameters
        ----------
        raw_prediction : array-like of shape (n_samples, n_classes)
            Focal margins.

        Returns
        -------
        ndarray of shape (n_samples, n_classes), float64
        """
        return softmax(self.posterior_raw_prediction(raw_prediction), axis=1)


# ---------------------------------------------------------------- multi-label
#: Bound of a multi-label intercept whose label has a single class in the
#: training data: ``logit(eps)``, the log-odds at which scikit-learn's log
#: loss clips probabilities.
INTERCEPT_BOUND: float = float(-np.log(np.finfo(np.float64).eps))


class MultiLabelFocalLoss(BinaryFocalLoss):
    r"""Sigmoid focal loss applied to each of L labels.

    Domain: ``y_true`` a 0/1 indicator matrix of shape (n, L),
    ``raw_prediction`` of shape (n, L). Every method returns element-wise
    values of shape (n, L) (sum over axis 1 for the per-sample loss).

    Parameters
    ----------
    alpha : float, array-like of shape (L,), "balanced" or None, default=None
        Positive-class weight of every label (float), or one per label.
        ``"balanced"`` balances each label separately.
    gamma : float >= 0, default=2.0
        Focusing parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from focalboost.losses import MultiLabelFocalLoss
    >>> y = np.array([[1, 0], [0, 0], [1, 1]])
    >>> loss = MultiLabelFocalLoss(alpha=[0.25, 0.5], gamma=2.0)
    >>> loss.fit_intercept_only(y).round(4)
    array([-0.1515, -0.259 ])
    """

    def __init__(self, alpha=None, gamma: float = 2.0):
        if alpha is None or isinstance(alpha, (str, numbers.Real)):
            self.alpha = _check_alpha(alpha)
        else:
            arr = np.asarray(alpha, dtype=np.float64)
            if arr.ndim != 1 or not np.all((arr > 0) & (arr < 1)):
                raise ValueError(
                    "alpha must be None, 'balanced', a float in (0, 1) or a 1-D "
                    f"array-like of floats in (0, 1); got {alpha!r}."
                )
            self.alpha = arr
        self.gamma = _check_gamma(gamma)

    def class_weights(self, y_true, sample_weight=None):
        """Return ``(alpha_0, alpha_1)``, each of shape (L,) or scalar.

        Parameters
        ----------
        y_true : array-like of shape (n_samples, n_labels)
            Indicator matrix; only used when ``alpha="balanced"``.
        sample_weight : array-like of shape (n_samples,), default=None
            Only used when ``alpha="balanced"``.

        Returns
        -------
        tuple
            Negative- and positive-class weights.
        """
        if isinstance(self.alpha, np.ndarray):
            return 1.0 - self.alpha, self.alpha
        if self.alpha == "balanced":
            y = as_float64(y_true)
            w = (
                np.ones(y.shape[0])
                if sample_weight is None
                else _rescaled(sample_weight)
            )
            w1 = w @ y
            w0 = w @ (1.0 - y)
            return w1 / (w0 + w1), w0 / (w0 + w1)
        return super().class_weights(y_true, sample_weight)

    def posterior_raw_prediction(self, raw_prediction) -> np.ndarray:
        """Calibrated log-odds of every label, shape (n, L).

        The binary map (:meth:`BinaryFocalLoss.posterior_raw_prediction`)
        applied label by label with that label's ``alpha``.

        Parameters
        ----------
        raw_prediction : array-like of shape (n_samples, n_labels)
            Focal margins.

        Returns
        -------
        ndarray of shape (n_samples, n_labels), float64
        """
        self._check_resolved_alpha()
        z = as_float64(raw_prediction)
        if self.alpha is None:
            ratio = 0.0
        else:
            a1 = np.asarray(self.alpha, dtype=np.float64)
            ratio = np.log1p(-a1) - np.log(a1)
        return _posterior_log_odds(z, self.gamma, ratio)

    def fit_intercept_only(self, y_true, sample_weight=None) -> np.ndarray:
        """Per-label focal-optimal constant margins, shape (L,).

        A label with a single class (zero total weight on the other) gets
        ``-INTERCEPT_BOUND`` (all negative) or ``+INTERCEPT_BOUND``.

        Parameters
        ----------
        y_true : array-like of shape (n_samples, n_labels)
            Indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.

        Returns
        -------
        ndarray of shape (n_labels,)
        """
        y = as_float64(y_true)
        w = np.ones(y.shape[0]) if sample_weight is None else _rescaled(sample_weight)
        a0, a1 = self.class_weights(y, w)
        a1 = np.broadcast_to(a1, y.shape[1])
        out = np.empty(y.shape[1])
        for j in range(y.shape[1]):
            pos = float(w @ y[:, j])
            neg = float(w @ (1.0 - y[:, j]))
            if pos <= 0 or neg <= 0:
                out[j] = INTERCEPT_BOUND if pos > 0 else -INTERCEPT_BOUND
                continue
            if self.alpha is None or isinstance(self.alpha, str):
                # "balanced" per label is the binary "balanced" of that label,
                # whose alpha may round to 0 or 1 beyond a 1e16 imbalance
                alpha_j = self.alpha
            else:
                alpha_j = float(a1[j])
            out[j] = BinaryFocalLoss(alpha_j, self.gamma).fit_intercept_only(y[:, j], w)
        return out
