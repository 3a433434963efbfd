"""The training objective, backend-neutral: the loss, weights and Hessian policy.

:func:`make_loss` builds the loss of a target type (``alpha="balanced"``
resolved); :func:`hessian_scale` measures the focal Hessians against the log
loss's, which sets the native ``min_child_weight``. One
:class:`FocalObjective` owns the labels, the sample weights and the Hessian
policy (clip the per-sample Hessian first, then multiply by the weight, then,
for softmax Hessians, by the backend's multiclass constant); the backend
modules only adapt its call signature and name that constant. Everything is
a module-level class holding plain arrays, so the callables pickle (the Dask
backends need that).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from . import _kernels
from ._link import as_float64
from .losses import (
    HESSIAN_FLOOR,
    BinaryFocalLoss,
    MultiLabelFocalLoss,
    SoftmaxFocalLoss,
)

__all__ = ["FocalObjective", "hessian_scale", "make_loss", "round_mantissa"]


def round_mantissa(values: np.ndarray, bits: int) -> np.ndarray:
    """Round to float32 with the ``bits`` lowest mantissa bits cleared.

    A float32 with ``24 - bits`` significant bits times an integer below
    ``2**bits`` is exactly representable in float32. XGBoost keeps each
    sample's gradient pair in float32, so rounding the *unweighted* values
    this way makes an integer sample weight (< ``2**bits``) give exactly the
    same gradient sums as repeating the row. The relative rounding error is
    at most ``2**(bits - 24)`` (5e-7 for ``bits=3``), far below what changes
    a tree.
    """
    out = np.array(values, dtype=np.float32)  # always a new array
    as_int = out.view(np.uint32)
    as_int += np.uint32(1 << (bits - 1))  # round half up in magnitude
    as_int &= np.uint32((0xFFFFFFFF << bits) & 0xFFFFFFFF)
    return out


def _class_rows(y_true, sample_weight, intercept):
    """One row per class (per label value) and the weighted total of each.

    At a constant margin a sample's Hessian depends on its class only, so
    sums over the training set are sums over these rows times the totals.
    Returns ``(rows, totals, margins)`` with ``totals`` broadcastable to the
    Hessian of ``rows`` at ``margins``.
    """
    y = np.asarray(y_true, dtype=np.float64)
    w = np.ones(y.shape[0]) if sample_weight is None else as_float64(sample_weight)
    c = np.asarray(intercept, dtype=np.float64)
    if y.ndim == 2:  # multi-label: label value 0 / 1 of every label
        ones = w @ y
        rows = np.array([np.zeros(y.shape[1]), np.ones(y.shape[1])])
        return rows, np.array([w.sum() - ones, ones]), np.broadcast_to(c, rows.shape)
    if c.ndim == 1:  # multiclass: class indices
        k = c.shape[0]
        totals = np.bincount(y.astype(np.intp), weights=w, minlength=k)
        return np.arange(k), totals[:, None], np.broadcast_to(c, (k, k))
    ones = float(w @ y)
    return np.array([0.0, 1.0]), np.array([w.sum() - ones, ones]), np.full(2, c)


def hessian_scale(loss, y_true, sample_weight, intercept, hessian):
    """Focal Hessians at the start of training relative to the log loss's.

    The ratio of the training set's total focal Hessian (Hessian policy
    applied) at the focal-optimal intercept to its total log-loss Hessian
    ``p (1 - p)`` at the log-loss-optimal intercept. The estimators express
    ``min_child_weight`` in log-loss Hessian units and multiply it by this
    ratio, so a focal fit gets splits at the focal Hessians' scale and
    ``gamma=0, alpha=None`` (ratio 1) is the backend's own default model.

    Parameters
    ----------
    loss : BinaryFocalLoss, SoftmaxFocalLoss or MultiLabelFocalLoss
        The training loss (``alpha`` resolved).
    y_true : ndarray
        Encoded targets (0/1, class indices or the indicator matrix).
    sample_weight : ndarray or None
        Training weights.
    intercept : float or ndarray
        The focal-optimal constant margin(s) of ``loss``.
    hessian : {"surrogate", "clipped"}
        The Hessian policy.

    Returns
    -------
    scale : float
        The ratio (1.0 when the log-loss total is not positive).
    total : float
        The total focal Hessian at the intercept.
    """
    log_loss = type(loss)(None, 0.0)
    rows, totals, margins = _class_rows(y_true, sample_weight, intercept)
    if np.ndim(intercept) == 1 and np.ndim(y_true) == 1:
        c0 = log_loss.fit_intercept_only(
            y_true, sample_weight, n_classes=np.shape(intercept)[0]
        )
    else:
        c0 = log_loss.fit_intercept_only(y_true, sample_weight)
    _, h = loss.gradient_hessian(rows, margins, hessian=hessian)
    _, h0 = log_loss.gradient_hessian(rows, np.broadcast_to(c0, margins.shape))
    total = float(np.sum(h * totals))
    total0 = float(np.sum(h0 * totals))
    if not (total0 > 0 and math.isfinite(total0) and math.isfinite(total)):
        return 1.0, total
    return total / total0, total


def make_loss(target_type, alpha, gamma, y_enc, sample_weight, n_outputs):
    """Build the loss for a target type, with ``alpha="balanced"`` resolved.

    Parameters
    ----------
    target_type : {"binary", "multiclass", "multilabel-indicator"}
        From :func:`sklearn.utils.multiclass.type_of_target`.
    alpha : float, array-like, "balanced" or None
        The estimator's ``alpha``.
    gamma : float
        The estimator's ``gamma``.
    y_enc : ndarray
        Encoded targets (0/1, class indices or indicator matrix).
    sample_weight : ndarray or None
        Training weights (for ``"balanced"``).
    n_outputs : int
        Number of classes (multiclass) or labels (multi-label).

    Returns
    -------
    BinaryFocalLoss, SoftmaxFocalLoss or MultiLabelFocalLoss
    """
    vector = alpha is not None and not isinstance(alpha, (str, numbers.Real))
    if target_type == "binary":
        if vector:
            raise ValueError(
                "alpha must be None, 'balanced' or a float in (0, 1) for a binary "
                f"target; got {alpha!r}."
            )
        if alpha == "balanced":
            alpha = BinaryFocalLoss("balanced", gamma).class_weights(
                y_enc, sample_weight
            )[1]
        return BinaryFocalLoss(alpha, gamma)
    if target_type == "multiclass":
        if isinstance(alpha, numbers.Real):
            # a scalar weighs every class the same (as kornia's focal loss does)
            alpha = np.full(n_outputs, float(alpha))
        elif isinstance(alpha, str) and alpha == "balanced":
            alpha = SoftmaxFocalLoss("balanced", gamma).class_weights(
                y_enc, n_outputs, sample_weight
            )
        loss = SoftmaxFocalLoss(alpha, gamma)
        if loss.alpha is not None and loss.alpha.shape[0] != n_outputs:
            raise ValueError(
                f"alpha has {loss.alpha.shape[0]} entries but y has {n_outputs} "
                "classes."
            )
        return loss
    loss = MultiLabelFocalLoss(alpha, gamma)
    if isinstance(loss.alpha, str):
        alpha_1 = loss.class_weights(y_enc, sample_weight)[1]
        # a label with a single class has alpha 0 or 1; its intercept is the
        # bound whatever alpha is, so keep alpha inside (0, 1)
        tiny = np.finfo(np.float64).eps
        loss = MultiLabelFocalLoss(np.clip(alpha_1, tiny, 1 - tiny), gamma)
    if isinstance(loss.alpha, np.ndarray) and loss.alpha.shape[0] != n_outputs:
        raise ValueError(
            f"alpha has {loss.alpha.shape[0]} entries but y has {n_outputs} labels."
        )
    return loss


class FocalObjective:
    """Weighted gradient and Hessian of a focal loss under a Hessian policy.

    Parameters
    ----------
    loss : BinaryFocalLoss, SoftmaxFocalLoss or MultiLabelFocalLoss
        The loss (``alpha`` already resolved).
    y_true : ndarray of shape (n_samples,) or (n_samples, n_labels)
        Encoded targets.
    sample_weight : ndarray of shape (n_samples,) or None
        Applied after the Hessian policy.
    hessian : {"surrogate", "clipped"}
        The Hessian policy, see :data:`focalboost.losses.HESSIAN_POLICIES`.
    n_threads : int or None, default=None
        Cap on the compiled kernel's threads (the estimator's ``n_jobs``);
        None or a value below 1: the process budget, see
        :mod:`focalboost._kernels`.
    """

    #: Mantissa bits cleared before weighting (see :func:`round_mantissa`);
    #: 0 keeps float64.
    exact_weight_bits = 0

    @staticmethod
    def softmax_hessian_factor(n_classes: int) -> float:
        """Return the backend's factor on the softmax Hessian ``p (1 - p)``.

        Each backend's own multiclass objective writes the log-loss Hessian
        diagonal times a constant (XGBoost ``multi:softprob``: 2; LightGBM
        ``multiclass``: ``K / (K - 1)``). The adapters return their backend's
        factor, and :meth:`gradient_hessian` multiplies every softmax Hessian
        by it after the Hessian policy and the sample weight, at every
        ``gamma``: ``gamma=0, alpha=None`` is then the backend's own
        multiclass model and the model is continuous in ``gamma``. Binary and
        multi-label Hessians are the backends' ``p (1 - p)`` already.
        1.0 here (the maths' own Hessian).
        """
        return 1.0

    def __init__(self, loss, y_true, sample_weight, hessian, n_threads=None):
        self.loss = loss
        self.n_threads = n_threads
        # kept as given (encoded labels are integers): the losses convert each
        # block, so the objective holds no full-size float64 copy of the labels
        self.y_true = np.asarray(y_true)
        self.sample_weight = (
            None if sample_weight is None else as_float64(sample_weight)
        )
        self.hessian = hessian
        self._kernel_labels = self._labels_for_kernel()
        self._alpha = None  # the class weights the kernel takes, on first use
        self._last = None  # the previous round's arrays, see __call__

    #: Output type of the fused kernel: float32 is what both backends keep
    #: (they convert anything else, a copy per round).
    output_dtype = np.float64

    def __call__(self, raw_prediction, data=None):
        """Return the weighted gradient and Hessian of one boosting round.

        Written into the previous round's arrays: the backends copy the
        values during their boosting call, and fresh arrays would fault in
        new pages every round, as costly as the maths.
        """
        self._last = self.gradient_hessian(raw_prediction, out=self._last)
        return self._last

    def _labels_for_kernel(self):
        """Return the labels the one-call compiled path reads, or None.

        Binary and multi-label labels that are all 0/1 as uint8 (1 byte an
        element); softmax class indices as int64.
        """
        y = self.y_true
        if not _kernels.HAVE_CKERNEL or y.dtype.kind not in "biuf":
            return None
        if isinstance(self.loss, SoftmaxFocalLoss):
            t = y.astype(np.int64)
            if y.ndim != 1 or not np.array_equal(t, y):  # float labels: 0., 1., ...
                return None
            return t
        if np.all((y == 0) | (y == 1)):
            return np.ascontiguousarray(y, dtype=np.uint8)
        return y

    def _fused_applies(self, z):
        """Whether the compiled one-call path takes margins ``z``."""
        y = self._kernel_labels
        if y is None or not _kernels.ckernel_enabled():
            return False
        if isinstance(self.loss, SoftmaxFocalLoss):
            return z.ndim == 2 and z.shape[0] == y.shape[0]
        return z.shape == y.shape

    def _fused_gradient_hessian(self, z, out=None):
        y, w = self._kernel_labels, self.sample_weight
        dtype = np.float32 if self.exact_weight_bits else self.output_dtype
        kw = dict(bits=self.exact_weight_bits, dtype=dtype, out=out)
        common = (self.loss.gamma, self.hessian, HESSIAN_FLOOR)
        if self._alpha is None:  # once: "balanced" counts the labels
            if isinstance(self.loss, SoftmaxFocalLoss):
                self._alpha = (self.loss.class_weights(y, z.shape[1], w),)
            else:
                self._alpha = self.loss.class_weights(self.y_true, w)
        if isinstance(self.loss, SoftmaxFocalLoss):
            return _kernels.softmax_objective(y, z, w, *self._alpha, *common, **kw)
        return _kernels.binary_objective(y, z, w, *self._alpha, *common, **kw)

    #: Rows evaluated at a time: bounds the float64 temporaries of the maths
    #: (a few MB) whatever the data size; the outputs are written block by block.
    block_rows = 1 << 17

    def gradient_hessian(self, raw_prediction, out=None):
        """Return the weighted ``(gradient, hessian)`` at ``raw_prediction``.

        ``out``: the arrays of a previous call, written into again where the
        compiled kernel runs and they fit (the backend adapters pass their
        previous round's: the backends copy the values before the next round,
        and fresh arrays would fault in new pages every round, as costly as
        the maths).
        """
        z = np.asarray(raw_prediction)
        with _kernels.thread_limit(self.n_threads):
            grad, hess = self._weighted_gradient_hessian(z, out)
        if isinstance(self.loss, SoftmaxFocalLoss):
            # the backend's multiclass Hessian convention, after the policy
            # and the weight: one multiply, in place (exact for XGBoost's 2)
            factor = self.softmax_hessian_factor(z.shape[1])
            if factor != 1.0:
                hess *= factor
        return grad, hess

    def _weighted_gradient_hessian(self, z, out):
        """Policy and weights applied, before the backend's softmax factor."""
        if self._fused_applies(z):
            # one call: no block loop, no float64 copy of float32 margins,
            # outputs written in the type the backend keeps
            return self._fused_gradient_hessian(z, out)
        n = z.shape[0]
        rows = max(1, self.block_rows // (z.shape[1] if z.ndim == 2 else 1))
        if n <= rows:
            return self._block(z, slice(None))
        dtype = np.float32 if self.exact_weight_bits else np.float64
        grad = np.empty(z.shape, dtype=dtype)
        hess = np.empty(z.shape, dtype=dtype)
        for start in range(0, n, rows):
            block = slice(start, start + rows)
            grad[block], hess[block] = self._block(z[block], block)
        return grad, hess

    def _block(self, z, block):
        y = self.y_true[block]  # each loss converts its labels itself
        w = None if self.sample_weight is None else self.sample_weight[block]
        if not self.exact_weight_bits:
            return self.loss.gradient_hessian(y, z, w, hessian=self.hessian)
        grad, hess = self.loss.gradient_hessian(y, z, hessian=self.hessian)
        grad = round_mantissa(grad, self.exact_weight_bits)
        hess = round_mantissa(hess, self.exact_weight_bits)
        if w is not None:
            w = w.astype(np.float32)
            w = w[:, None] if grad.ndim == 2 else w
            grad *= w
            hess *= w
        return grad, hess
