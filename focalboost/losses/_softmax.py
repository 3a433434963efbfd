"""Multiclass softmax focal loss, and the solver of its constant-model optimum."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp, softmax

from .. import _kernels
from .._link import as_float64
from ._common import (
    HESSIAN_FLOOR,
    HessianPolicy,
    apply_hessian_policy,
    check_alpha_vector,
    check_gamma,
    check_policy,
    log_focal_slope,
    rescaled,
    u_derivatives,
    u_terms,
    weighted,
)

__all__ = ["SoftmaxFocalLoss", "class_totals", "one_minus_pi", "one_vs_rest_margin"]


def class_totals(y_index, sample_weight, n_classes):
    w = None if sample_weight is None else rescaled(sample_weight)
    return np.bincount(y_index, weights=w, minlength=n_classes).astype(np.float64)


def one_minus_pi(pi):
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


def one_vs_rest_margin(z):
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


def _constant_softmax_risk(c, weights, alpha, gamma, free):
    """Risk of the constant margin ``c``, its gradient and Hessian in ``c[free]``.

    ``sum_t weights_t FL(t, c)``: one row per class ``t``. With ``u_t`` the
    true class's one-vs-rest margin, ``grad u_t = e_t - pi`` and
    ``hess u_t = -(diag(pi) - pi pi^T)`` (``pi`` the shares of the other
    classes, ``pi_t = 0``), so the Hessian of ``FL(u_t)`` is
    ``FL'' grad u grad u^T + FL' hess u``, exact (not a Hessian policy).
    Returns ``(risk, gradient, hessian, scale)``, ``scale`` per coordinate
    the sum of the absolute terms its gradient is made of (a class with a
    share of 1e-100 has its own rounding level).
    """
    k = c.shape[0]
    labels = np.arange(k)
    z = np.broadcast_to(c, (k, k))
    loss = SoftmaxFocalLoss(alpha, gamma)
    rows, t, alpha_t, u, pi = loss._terms(labels, z)
    pi[rows, t] = 0.0
    p, q, ell, qg = u_terms(u, gamma)
    grad_u, curv = u_derivatives(p, q, ell, qg, alpha_t, gamma, "exact")
    du = np.eye(k) - pi  # row t: the gradient of u_t
    risk = float(weights @ (alpha_t * qg * ell))
    grad = (weights * grad_u) @ du
    outer = np.einsum("t,ti,tj->ij", weights * curv, du, du)
    second = np.einsum("t,ti,tj->ij", weights * grad_u, pi, pi) - np.diag(
        (weights * grad_u) @ pi
    )
    hess = outer + second
    scale = (weights * np.abs(grad_u)) @ np.abs(du)
    return risk, grad[free], hess[np.ix_(free, free)], scale[free]


MAX_STEP = 4.0


def _relative(grad, scale):
    """Largest gradient coordinate over the size of its terms."""
    return float(np.max(np.abs(grad) / np.maximum(scale, np.finfo(float).tiny)))


def _newton_minimise(fun, x):
    """Minimise a smooth function from ``x`` by damped Newton steps.

    ``fun(x)`` returns ``(value, gradient, hessian, scale)``. The Hessian is
    scaled to a unit diagonal; where it is not positive definite (the
    function is not convex there) it is shifted until it is (smallest
    eigenvalue 1), so every step descends; a step moves no coordinate by more
    than ``MAX_STEP`` and is halved until the value decreases (Armijo), or,
    within the value's rounding, until the relative gradient does. Stops when
    every gradient coordinate is at the rounding level of its terms
    (``scale``, one per coordinate), or when no
    step changes ``x`` any more. No scipy solver, hence no warning filters:
    safe in concurrent threads.
    """
    eps = np.finfo(np.float64).eps
    value, grad, hess, scale = fun(x)
    best, stalled = (x, _relative(grad, scale)), 0
    for _ in range(400):
        if np.all(np.abs(grad) <= 8 * eps * scale):
            break
        # Jacobi scaling first: classes whose shares are 1e-100 apart have
        # curvatures 1e-100 apart, which a floor relative to the largest
        # eigenvalue would flatten to nothing
        d = 1.0 / np.sqrt(np.maximum(np.abs(np.diag(hess)), 1e-300))
        scaled = 0.5 * (hess + hess.T) * np.outer(d, d)
        # not positive definite (far from the minimum, where the exact focal
        # curvature is negative): shifted until its smallest eigenvalue is 1,
        # so the step descends. Then a direct solve, accurate per coordinate
        # (an eigenbasis would mix the rounding of the large classes into
        # the 1e-100 ones)
        lam_min = np.linalg.eigvalsh(scaled)[0]
        if not lam_min > 1e-8:
            scaled = scaled + (1.0 - lam_min) * np.eye(len(d))
        step = -d * np.linalg.solve(scaled, d * grad)
        # far from the minimum the curvature can be exponentially small (a
        # class share of 1e-28 with the start at the log-loss optimum): a
        # Newton step of 1e26 that no halving brings back, so a step moves
        # each margin by at most MAX_STEP (400 such steps span 1600, more than
        # the log of any ratio of float64 totals, 1490)
        step *= min(1.0, MAX_STEP / np.max(np.abs(step)))
        slope = float(grad @ step)  # < 0
        tol = 64 * eps * abs(value)
        t = 1.0
        for _ in range(80):
            trial = x + t * step
            if np.array_equal(trial, x):
                return x  # the step is below the rounding of x: converged
            t_value, t_grad, t_hess, t_scale = fun(trial)
            # a sufficient decrease beyond the value's rounding (tol: a sum
            # of K terms of some twenty operations each), or no change beyond
            # it with a relative gradient no larger (the last digits, and the
            # classes too small to move the value)
            if (t_value <= value + 1e-4 * t * slope and t_value < value - tol) or (
                t_value <= value + tol
                and _relative(t_grad, t_scale) <= _relative(grad, scale)
            ):
                break
            t /= 2
        else:
            return x
        # in the last digits (relative gradient below 1e-10): stop after 8
        # steps that neither decrease the value beyond its rounding nor halve
        # the best relative gradient, at the best point seen
        decrease = t_value < value - tol
        x, value, grad, hess, scale = trial, t_value, t_grad, t_hess, t_scale
        relative = _relative(grad, scale)
        if decrease or relative < 0.5 * best[1] or relative > 1e-10:
            best, stalled = (x, relative), 0
        else:
            stalled += 1
            if stalled >= 8:
                return best[0]
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
        self.alpha = check_alpha_vector(alpha)
        self.gamma = check_gamma(gamma)

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
            totals = class_totals(
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
        _, _, ell, qg = u_terms(u, self.gamma)
        return weighted(alpha_t * qg * ell, sample_weight)

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
        policy = check_policy(hessian)
        fast = self._fused_gradient_hessian(
            y_true, raw_prediction, sample_weight, policy
        )
        if fast is not None:
            return fast
        rows, t, alpha_t, u, pi = self._terms(y_true, raw_prediction, sample_weight)
        grad_u, curv_u = u_derivatives(
            *u_terms(u, self.gamma), alpha_t, self.gamma, policy
        )
        abs_grad_u = -grad_u[:, None]
        grad = abs_grad_u * pi
        grad[rows, t] = grad_u
        hess = curv_u[:, None] * pi * pi + abs_grad_u * pi * one_minus_pi(pi)
        hess[rows, t] = curv_u
        hess = apply_hessian_policy(hess, policy)
        return weighted(grad, sample_weight), weighted(hess, sample_weight)

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
        return weighted(grad, sample_weight), weighted(hess, sample_weight)

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
        class counts) by damped Newton steps with the exact Hessian, started
        from the log-loss optimum ``log(alpha_k W_k)``.

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
        totals = class_totals(t, sample_weight, k)
        alpha = self.class_weights(t, k, sample_weight)
        if np.any(totals * alpha <= 0):
            raise ValueError(
                "fit_intercept_only needs every class with positive total weight; "
                f"got class totals {totals.tolist()!r}."
            )
        weights = totals / totals.sum()
        alpha = alpha if self.alpha is not None else None
        # the risk is invariant to a common shift: the margin of the class
        # with the largest weighted total is held at 0 and the others are
        # free, so every small class is a coordinate with its own stopping
        # test (the held class's gradient, minus the others' sum, is the
        # largest in size and so the best resolved)
        start = np.log(self.class_weights(t, k, sample_weight) * weights)
        ref = int(np.argmax(start))
        order = np.r_[ref, np.delete(np.arange(k), ref)]

        def risk(free):
            c = np.empty(k)
            c[order] = np.r_[0.0, free]
            return _constant_softmax_risk(c, weights, alpha, self.gamma, order[1:])

        free = _newton_minimise(risk, start[order[1:]] - start[ref])
        c = np.empty(k)
        c[order] = np.r_[0.0, free]
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
            scores = -log_alpha - log_focal_slope(one_vs_rest_margin(z), self.gamma)
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
