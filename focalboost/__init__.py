"""focalboost: focal loss as a first-class objective for gradient-boosted trees.

Public names
------------
FocalXGBClassifier, FocalLGBMClassifier
    scikit-learn classifiers on ``xgboost.train`` / ``lightgbm.train``.
BinaryFocalLoss
    The loss maths (:mod:`focalboost.losses`).
focal_loss
    The focal loss of predicted probabilities (:mod:`focalboost.metrics`).
NoSplitWarning
    Warned when a fit with boosting rounds made no split at all.
binary_posterior, softmax_posterior, multilabel_posterior, to_onnx
    Serving without focalboost or through ONNX (:mod:`focalboost.export`).
"""

from ._base import NoSplitWarning
from ._version import __version__
from .export import binary_posterior, multilabel_posterior, softmax_posterior, to_onnx
from .lightgbm import FocalLGBMClassifier
from .losses import BinaryFocalLoss
from .metrics import focal_loss
from .xgboost import FocalXGBClassifier

__all__ = [
    "BinaryFocalLoss",
    "FocalLGBMClassifier",
    "FocalXGBClassifier",
    "NoSplitWarning",
    "__version__",
    "binary_posterior",
    "focal_loss",
    "multilabel_posterior",
    "softmax_posterior",
    "to_onnx",
]
