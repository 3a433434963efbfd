"""Pieces shared by the benchmark scripts."""

from __future__ import annotations


def versions() -> dict[str, str]:
    """Versions of focalboost and the libraries every benchmark runs on."""
    import lightgbm
    import numpy
    import scipy
    import sklearn
    import xgboost

    import focalboost

    return dict(
        focalboost=focalboost.__version__,
        numpy=numpy.__version__,
        scipy=scipy.__version__,
        scikit_learn=sklearn.__version__,
        xgboost=xgboost.__version__,
        lightgbm=lightgbm.__version__,
    )
