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

from ._link import as_float64, expit, log_expit, scalar_softplus

__all__ = [
    "BinaryFocalLoss",
    "HESSIAN_FLOOR",
    "HESSIAN_POLICIES",
    "apply_hessian_policy",
]

#: Hessian policies accepted by the boosting objectives (the estimators'
#: ``hessian`` parameter). ``"surrogate"``: the always-positive surrogate
#: :math:`\alpha_t\, p\, |\partial FL / \partial u|`, which equals the exact
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


def apply_hessian_policy(
    hess_exact: np.ndarray | None,
    hess_surrogate: np.ndarray | None,
    policy: HessianPolicy,
) -> np.ndarray:
    """Return the per-sample (unweighted) Hessian the booster should see.

    This is the single place where the Hessian policy is decided; sample
    weights are applied by the caller afterwards (clip first, then weight).

    Parameters
    ----------
    hess_exact : ndarray or None
        Exact second derivative w.r.t. the raw margin (needed for ``"exact"``
        and ``"clipped"``).
    hess_surrogate : ndarray or None
        Positive surrogate (needed for ``"surrogate"``).
    policy : {"exact", "surrogate", "clipped"}
        ``"exact"`` returns the exact Hessian unchanged (it can be negative and
        is meant for analysis, not for training).

    Returns
    -------
    ndarray
        The Hessian under ``policy``.
    """
    if policy == "surrogate":
        return hess_surrogate
    if policy == "clipped":
        return np.maximum(hess_exact, HESSIAN_FLOOR, out=hess_exact)
    return hess_exact


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
            w = np.ones_like(y) if sample_weight is None else as_float64(sample_weight)
            w1 = float(np.sum(w * y))
            w0 = float(np.sum(w)) - w1
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
        alpha_t = a0 + (a1 - a0) * y
        u = sign * z
        log_p = log_expit(u)
        log_q = log_expit(-u)
        p = np.exp(log_p)
        q = np.exp(log_q)
        ell = -log_p
        qg = np.exp(self.gamma * log_q) if self.gamma else np.ones_like(u)
        return sign, alpha_t, p, q, ell, qg

    @staticmethod
    def _weighted(values, sample_weight):
        if sample_weight is None:
            return values
        return values * as_float64(sample_weight)

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
        sign, alpha_t, p, q, ell, qg = self._terms(
            y_true, raw_prediction, sample_weight
        )
        gamma = self.gamma
        abs_grad_u = qg * (q + gamma * p * ell)
        grad = -sign * alpha_t * abs_grad_u
        if policy == "surrogate":
            hess = apply_hessian_policy(None, alpha_t * p * abs_grad_u, policy)
        else:
            exact = (
                alpha_t
                * p
                * qg
                * ((2.0 * gamma + 1.0) * q + gamma * ell * (gamma * p - q))
            )
            hess = apply_hessian_policy(exact, None, policy)
        return self._weighted(grad, sample_weight), self._weighted(hess, sample_weight)

    # -------------------------------------------------------------- intercept
    def _log_abs_dloss(self, u: float) -> float:
        """``log |d f / d u|`` for ``f(u) = (1 - p)^gamma * (-log p)``."""
        gamma = self.gamma
        log_q = -scalar_softplus(u)
        if gamma == 0.0:
            return log_q
        log_p = -scalar_softplus(-u)
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
        w = np.ones_like(y) if sample_weight is None else as_float64(sample_weight)
        a0, a1 = self.class_weights(y, w)
        w1 = a1 * float(np.sum(w * y))
        w0 = a0 * float(np.sum(w * (1.0 - y)))
        if not (w1 > 0 and w0 > 0):
            raise ValueError(
                "fit_intercept_only needs both classes with positive total weight; "
                f"got class-0 weight {w0!r} and class-1 weight {w1!r}."
            )
        log_ratio = math.log(w1) - math.log(w0)

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
