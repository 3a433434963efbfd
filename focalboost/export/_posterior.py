r"""The focal posterior maps in plain numpy, written to be ported.

Every function takes the booster's raw margins (what ``xgboost.Booster``
with ``output_margin=True``, ``lightgbm.Booster`` with ``raw_score=True`` or
ONNX Runtime return for a focalboost model, intercept included) and the
model's focal parameters, and returns what ``predict_proba`` returns. They
use only ``exp``, ``log``, ``log1p`` and ``abs``, so each line has a
counterpart in C, Java, Go or JavaScript; the formulas are on the
"Serving" page of the documentation.

This is an implementation of its own, not a wrapper of
:mod:`focalboost.losses` (which derives the same maps through the focal
slope ``-f'(p)``): the tests compare the two.

Notation: ``z`` a margin, ``s(z) = log(1 + e^z)`` (softplus) and

.. math:: h(z) = e^{-z} s(z) = \frac{\log(1 + e^{z})}{e^{z}} \in (0, 1],

computed without overflow or cancellation for any ``z``.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "binary_posterior",
    "multilabel_posterior",
    "softmax_posterior",
]


def _log1p_exp_neg_abs(z):
    """``t = exp(-|z|)`` and ``log1p(t) / t`` (1 where ``t`` underflows)."""
    t = np.exp(-np.abs(z))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(t > 0, np.log1p(t) / t, 1.0)
    return t, ratio


def _h(z):
    """``h(z) = exp(-z) log(1 + exp(z))`` in (0, 1] for any float64 ``z``."""
    t, ratio = _log1p_exp_neg_abs(z)
    # z > 0: e^-z (z + log1p(e^-z)); z <= 0: log1p(e^z) / e^z
    return np.where(z > 0, t * (np.abs(z) + t * ratio), ratio)


def _softplus(z):
    t, ratio = _log1p_exp_neg_abs(z)
    return np.maximum(z, 0.0) + t * ratio


def _sigmoid(x):
    """``1 / (1 + exp(-x))`` without overflow."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _gamma(gamma) -> float:
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real):
        raise TypeError(f"gamma must be a real number >= 0; got {gamma!r}.")
    gamma = float(gamma)
    if not (np.isfinite(gamma) and gamma >= 0):
        raise ValueError(f"gamma must be a finite number >= 0; got {gamma!r}.")
    return gamma


def _margins(margin, ndim: int, what: str) -> np.ndarray:
    z = np.asarray(margin, dtype=np.float64)
    if z.ndim != ndim:
        shape = "(n_samples,)" if ndim == 1 else "(n_samples, n_outputs)"
        raise ValueError(
            f"margin must have shape {shape} for a {what} model; got shape {z.shape}."
        )
    if not np.all(np.isfinite(z)):
        raise ValueError("margin must be finite; got NaN or infinite values.")
    return z


def _positive_weight(alpha, n: int | None, what: str) -> np.ndarray:
    """Positive-class weights in (0, 1): None -> 0.5 (equal weights)."""
    if alpha is None:
        return np.full(1 if n is None else n, 0.5)
    if isinstance(alpha, str):
        raise ValueError(
            f"alpha must be None or numbers in (0, 1) for a {what} model; got "
            f"{alpha!r} (use the fitted estimator's alpha_)."
        )
    a = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
    if (
        a.ndim != 1
        or (n is not None and a.size not in (1, n))
        or (n is None and a.size != 1)
    ):
        raise ValueError(
            f"alpha must be one number{'' if n is None else ' or one per label'} "
            f"for a {what} model; got {alpha!r}."
        )
    if not np.all((a > 0) & (a < 1)):
        raise ValueError(f"alpha must lie in the open interval (0, 1); got {alpha!r}.")
    return a


def _binary_log_odds(z, log_ratio, gamma):
    """Return the calibrated log-odds ``g(z)`` of the binary formula."""
    return (
        log_ratio
        + (1.0 + gamma) * z
        + np.log1p(gamma * _h(z))
        - np.log1p(gamma * _h(-z))
    )


def binary_posterior(margin, alpha: float | None, gamma: float) -> np.ndarray:
    r"""Posterior class probabilities of a binary focal model from its margins.

    With ``a = alpha`` (1/2 when None), the calibrated log-odds of class 1 is

    .. math::

        g(z) = \log\frac{1 - a}{a} + (1 + \gamma) z
               + \log\bigl(1 + \gamma h(z)\bigr)
               - \log\bigl(1 + \gamma h(-z)\bigr),

    ``h(z) = exp(-z) log(1 + exp(z))``, and the probabilities are
    ``[sigmoid(-g), sigmoid(g)]``. This inverts the first-order condition of
    the focal risk (``predict_proba`` with ``probability="posterior"``); with
    ``probability="focal"`` the probabilities are ``sigmoid(z)`` instead.

    Parameters
    ----------
    margin : array-like of shape (n_samples,)
        Raw margins, intercept included.
    alpha : float in (0, 1) or None
        The model's ``alpha_`` (resolved, never ``"balanced"``).
    gamma : float >= 0
        The model's ``gamma``.

    Returns
    -------
    ndarray of shape (n_samples, 2), float64
        Columns ordered as ``classes_``.

    Examples
    --------
    >>> from focalboost.export import binary_posterior
    >>> binary_posterior([0.0, 1.0], alpha=None, gamma=2.0)[:, 1].round(4)
    array([0.5   , 0.9359])
    """
    z = _margins(margin, 1, "binary")
    a = float(_positive_weight(alpha, None, "binary")[0])
    g = _binary_log_odds(z, np.log1p(-a) - np.log(a), _gamma(gamma))
    return np.column_stack([_sigmoid(-g), _sigmoid(g)])


def multilabel_posterior(margin, alpha, gamma: float) -> np.ndarray:
    """Posterior probability of every label of a multi-label focal model.

    The binary formula of :func:`binary_posterior` applied label by label,
    each with its own ``alpha``; the result is ``sigmoid(g)`` per label.

    Parameters
    ----------
    margin : array-like of shape (n_samples, n_labels)
        Raw margins, intercept included.
    alpha : float in (0, 1), array-like of shape (n_labels,) or None
        The model's ``alpha_``.
    gamma : float >= 0
        The model's ``gamma``.

    Returns
    -------
    ndarray of shape (n_samples, n_labels), float64

    Examples
    --------
    >>> from focalboost.export import multilabel_posterior
    >>> multilabel_posterior([[0.0, 1.0]], alpha=[0.5, 0.25], gamma=2.0).round(4)
    array([[0.5   , 0.9777]])
    """
    z = _margins(margin, 2, "multi-label")
    a = _positive_weight(alpha, z.shape[1], "multi-label")
    return _sigmoid(_binary_log_odds(z, np.log1p(-a) - np.log(a), _gamma(gamma)))


def softmax_posterior(margin, alpha, gamma: float) -> np.ndarray:
    r"""Posterior class probabilities of a multiclass (softmax) focal model.

    No equation to solve: with the one-vs-rest margin
    ``u_k = z_k - log(sum_{j != k} exp(z_j))`` (so that
    ``P_k = softmax(z)_k = sigmoid(u_k)``), the posterior is the softmax of
    the scores

    .. math::

        s_k = -\log\alpha_k + \gamma\, s(u_k) + \log\sigma(u_k)
              - \log\bigl(1 + \gamma h(-u_k)\bigr),

    that is ``q_k`` proportional to
    ``P_k (1 - P_k)**(1 - gamma) / (alpha_k (1 - P_k - gamma P_k log P_k))``.
    With ``probability="focal"`` the probabilities are ``softmax(z)``.

    Parameters
    ----------
    margin : array-like of shape (n_samples, n_classes)
        Raw margins, intercept included.
    alpha : array-like of shape (n_classes,) of positive weights, or None
        The model's ``alpha_`` (None: all ones).
    gamma : float >= 0
        The model's ``gamma``.

    Returns
    -------
    ndarray of shape (n_samples, n_classes), float64
        Rows sum to 1.

    Examples
    --------
    >>> from focalboost.export import softmax_posterior
    >>> softmax_posterior([[0.0, 1.0, 2.0]], alpha=None, gamma=2.0).round(4)
    array([[0.0287, 0.0875, 0.8838]])
    """
    z = _margins(margin, 2, "multiclass")
    n_classes = z.shape[1]
    if alpha is None:
        log_alpha = np.zeros(n_classes)
    else:
        a = np.asarray(alpha, dtype=np.float64)
        if a.shape != (n_classes,) or not np.all((a > 0) & np.isfinite(a)):
            raise ValueError(
                f"alpha must be None or {n_classes} positive weights (one per "
                f"class of the margins); got {alpha!r}."
            )
        log_alpha = np.log(a)
    gamma = _gamma(gamma)
    u = np.empty_like(z)
    for k in range(n_classes):
        others = np.delete(z, k, axis=1)
        top = others.max(axis=1)
        u[:, k] = z[:, k] - (top + np.log(np.exp(others - top[:, None]).sum(axis=1)))
    s = -log_alpha + gamma * _softplus(u) - _softplus(-u) - np.log1p(gamma * _h(-u))
    s -= s.max(axis=1, keepdims=True)
    q = np.exp(s)
    return q / q.sum(axis=1, keepdims=True)
