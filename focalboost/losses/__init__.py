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

from ._binary import BinaryFocalLoss, MultiLabelFocalLoss
from ._common import (
    HESSIAN_FLOOR,
    HESSIAN_POLICIES,
    INTERCEPT_BOUND,
    HessianPolicy,
    apply_hessian_policy,
)
from ._softmax import SoftmaxFocalLoss

__all__ = [
    "BinaryFocalLoss",
    "HESSIAN_FLOOR",
    "HESSIAN_POLICIES",
    "INTERCEPT_BOUND",
    "HessianPolicy",
    "MultiLabelFocalLoss",
    "SoftmaxFocalLoss",
    "apply_hessian_policy",
]
