"""Serving a focalboost model outside Python, or without focalboost.

Two ways out of the process, besides the native model file itself:

- the posterior maps as small numpy functions of ``(margin, alpha, gamma)``
  (:func:`binary_posterior`, :func:`softmax_posterior`,
  :func:`multilabel_posterior`), to apply to the margins a bare
  ``xgboost.Booster`` / ``lightgbm.Booster`` returns, or to port;
- ONNX: :func:`to_onnx` (and, after :func:`register_onnx_converters`,
  skl2onnx's own ``to_onnx`` / ``convert_sklearn``, also inside a
  ``Pipeline``) writes the tree ensemble's margins followed by the focal
  map as ONNX operators; needs the ``onnx`` extra.

This module sits beside :mod:`focalboost.dask` and the CLI: it imports the
estimators and the maths; nothing in the package imports it but the face.
"""

from ._onnx import register_onnx_converters, to_onnx
from ._posterior import binary_posterior, multilabel_posterior, softmax_posterior

__all__ = [
    "binary_posterior",
    "multilabel_posterior",
    "register_onnx_converters",
    "softmax_posterior",
    "to_onnx",
]
