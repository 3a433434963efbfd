"""Binary and multi-label (per-label sigmoid) focal losses."""

from __future__ import annotations

import math
import numbers

import numpy as np
from scipy.optimize import brentq

from .. import _kernels
from .._link import as_float64, expit, scalar_softplus
from ._common import (
    HESSIAN_FLOOR,
    INTERCEPT_BOUND,
    HessianPolicy,
    apply_hessian_policy,
    check_alpha,
    check_gamma,
    check_policy,
    posterior_log_odds,
    rescaled,
    u_derivatives,
    u_terms,
    weighted,
)

__all__ = ["BinaryFocalLoss", "MultiLabelFocalLoss"]


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
        self.alpha = check_alpha(alpha)
        self.gamma = check_gamma(gamma)

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
            w = np.ones_like(y) if sample_weight is None else rescaled(sample_weight)
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
        return (sign, alpha_t, *u_terms(sign * z, self.gamma))

    @staticmethod
    def _weighted(values, sample_weight):
        return weighted(values, sample_weight)

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
        policy = check_policy(hessian)
        fast = self._fused_gradient_hessian(
            y_true, raw_prediction, sample_weight, policy
        )
        if fast is not None:
            return fast
        sign, alpha_t, p, q, ell, qg = self._terms(
            y_true, raw_prediction, sample_weight
        )
        grad_u, curv_u = u_derivatives(p, q, ell, qg, alpha_t, self.gamma, policy)
        hess = apply_hessian_policy(curv_u, policy)
        grad = sign * grad_u
        return self._weighted(grad, sample_weight), self._weighted(hess, sample_weight)

    def _fused_gradient_hessian(self, y_true, raw_prediction, sample_weight, policy):
        """Return the compiled one-pass kernel's result, or None if it does not apply.

        It evaluates the same formulas as :func:`u_derivatives` and
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
        w = np.ones_like(y) if sample_weight is None else rescaled(sample_weight)
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
        return posterior_log_odds(z, self.gamma, math.log(a0) - math.log(a1))

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
            self.alpha = check_alpha(alpha)
        else:
            arr = np.asarray(alpha, dtype=np.float64)
            if arr.ndim != 1 or not np.all((arr > 0) & (arr < 1)):
                raise ValueError(
                    "alpha must be None, 'balanced', a float in (0, 1) or a 1-D "
                    f"array-like of floats in (0, 1); got {alpha!r}."
                )
            self.alpha = arr
        self.gamma = check_gamma(gamma)

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
                else rescaled(sample_weight)
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
        return posterior_log_odds(z, self.gamma, ratio)

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
        w = np.ones(y.shape[0]) if sample_weight is None else rescaled(sample_weight)
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
