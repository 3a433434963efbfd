"""Focal-loss classifiers on Dask: :mod:`xgboost.dask` and :mod:`lightgbm.dask`.

:class:`FocalDaskXGBClassifier` and :class:`FocalDaskLGBMClassifier` take the
parameters of :class:`~focalboost.FocalXGBClassifier` and
:class:`~focalboost.FocalLGBMClassifier` (plus ``client``), validate them with
the same code, and train on dask arrays or dask DataFrames with the backends'
own Dask interfaces; focalboost adds no distribution of its own.

What runs where:

- On the client: parameter validation, and a few small reductions over the
  distributed data (the distinct labels, the weight range, the per-class
  weighted totals). The focal-optimal intercept depends on the data only
  through those totals, so the single-machine ``make_loss`` /
  ``fit_intercept_only`` are called on a compressed data set of one row per
  class (weight = the class total); nothing is collected to the client.
- On the workers: the objective. It reads the labels and weights of the
  worker's own part of the data from the ``DMatrix`` (XGBoost) or receives
  them from LightGBM, and evaluates the single-machine objective on them (the
  Hessian policy first, then the sample weight). It is a module-level class
  holding plain arrays, so it pickles.
- Predictions map the single-machine estimator returned by ``to_local()`` over
  the blocks or partitions, so the link (``posterior_raw_prediction``,
  ``expit`` / ``softmax``) is the same code as on one machine.

Dask and ``distributed`` are optional (``pip install 'focalboost[dask]'``);
``import focalboost`` does not import this module.
"""

from ._lightgbm import FocalDaskLGBMClassifier
from ._xgboost import FocalDaskXGBClassifier

__all__ = ["FocalDaskLGBMClassifier", "FocalDaskXGBClassifier"]
