"""Numerically stable primitives of the logit link.

Everything here is a thin, warning-free wrapper over :mod:`scipy.special` in
float64. The focal-loss maths in :mod:`focalboost.losses` is written with these
functions of the raw margin only: probabilities are never clipped and no
``log(p + eps)`` appears anywhere.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit, log_expit, logit

__all__ = ["expit", "log_expit", "logit", "softplus", "as_float64"]


def softplus(x: np.ndarray) -> np.ndarray:
    """Return ``log(1 + exp(x))`` without overflow, i.e. ``-log_expit(-x)``."""
    return -log_expit(-x)


def as_float64(x) -> np.ndarray:
    """Return ``x`` as a float64 ndarray (no copy when it already is one)."""
    return np.asarray(x, dtype=np.float64)


def scalar_softplus(x: float) -> float:
    """Scalar ``log(1 + exp(x))`` for any finite ``x`` (no overflow)."""
    if x > 0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))
