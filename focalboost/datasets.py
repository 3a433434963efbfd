"""Small data sets shipped with focalboost.

Public names
------------
load_wine_quality
    The UCI Wine Quality (white) "quality <= 4" task: 4,898 rows, 11 features,
    3.74% positives. CC BY 4.0; see ``focalboost/data/README.md``.
"""

from __future__ import annotations

import gzip
import io
from importlib import resources

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_wine_quality"]

_WINE_FILE = "wine_quality.csv.gz"

_WINE_DESCR = """\
Wine Quality (white), "quality <= 4" imbalanced task
----------------------------------------------------

4,898 white Vinho Verde wines, 11 physico-chemical features; target 1 when the
sensory quality score is <= 4 (183 wines, 3.74%), else 0. The imbalanced-learn
benchmark task ``wine_quality`` (Zenodo 61452) of the UCI Wine Quality data set.

Licence: CC BY 4.0 (UCI Machine Learning Repository).

Reference: P. Cortez, A. Cerdeira, F. Almeida, T. Matos and J. Reis, "Modeling
wine preferences by data mining from physicochemical properties", Decision
Support Systems 47(4):547-553, 2009.
"""


def _read_wine() -> tuple[list[str], np.ndarray]:
    raw = resources.files("focalboost").joinpath("data", _WINE_FILE).read_bytes()
    text = gzip.decompress(raw).decode("ascii")
    header, _, _ = text.partition("\n")
    table = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1)
    return header.strip().split(","), table


def load_wine_quality(
    *, return_X_y: bool = False, as_frame: bool = False
) -> Bunch | tuple:
    """Load the Wine Quality "quality <= 4" imbalanced classification task.

    ========================  ==========================
    Samples                   4,898
    Features                  11, real, positive
    Classes                   2 (0: 4,715, 1: 183)
    Positive (minority) rate  3.74%
    ========================  ==========================

    The white-wine part of the UCI Wine Quality data set (CC BY 4.0) as the
    binary task of imbalanced-learn's benchmark collection: ``target`` is 1 when
    the quality score is at most 4. Read from the gzip-compressed CSV shipped in
    the package (no network). Provenance and attribution:
    ``focalboost/data/README.md``.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return ``data`` as a pandas DataFrame and ``target`` as a Series (and
        add ``frame``, both together); needs pandas.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (4898, 11) float64, ``target`` (4898,) int64,
        ``feature_names``, ``target_names`` (``["target"]``), ``frame`` (a
        DataFrame when ``as_frame=True``, else None) and ``DESCR``.
    (data, target) : tuple
        With ``return_X_y=True``.

    References
    ----------
    P. Cortez, A. Cerdeira, F. Almeida, T. Matos and J. Reis, "Modeling wine
    preferences by data mining from physicochemical properties", Decision
    Support Systems 47(4):547-553, 2009. UCI Machine Learning Repository,
    https://doi.org/10.24432/C56S3T.

    Examples
    --------
    >>> from focalboost.datasets import load_wine_quality
    >>> X, y = load_wine_quality(return_X_y=True)
    >>> X.shape, int(y.sum())
    ((4898, 11), 183)
    >>> load_wine_quality().feature_names[:2]
    ['fixed_acidity', 'volatile_acidity']
    """
    columns, table = _read_wine()
    feature_names, target_name = columns[:-1], columns[-1]
    data = np.ascontiguousarray(table[:, :-1])
    target = table[:, -1].astype(np.int64)
    frame = None
    if as_frame:
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is in [test]
            raise ImportError(
                "load_wine_quality(as_frame=True) needs pandas; "
                "pip install pandas, or use as_frame=False."
            ) from exc
        frame = pd.DataFrame(data, columns=feature_names)
        frame[target_name] = target
        data = frame[feature_names]
        target = frame[target_name]
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        feature_names=feature_names,
        target_names=[target_name],
        DESCR=_WINE_DESCR,
    )
