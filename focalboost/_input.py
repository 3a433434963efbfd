"""Feature matrices as users have them: arrays, sparse matrices, DataFrames.

One entry point, :func:`check_X`, turns what the user passed into what the
backends take and names ``X`` (and the offending column) in every error:

* numeric arrays, scipy sparse CSR/CSC and numeric pandas / polars frames go
  through scikit-learn's :func:`~sklearn.utils.validation.validate_data`
  (float32 is kept, NaN means missing, infinity is an error);
* a pandas or polars frame with categorical columns (pandas ``category``,
  polars ``Categorical`` / ``Enum``) becomes a float64 matrix in which each
  categorical column holds its category codes (NaN for a missing value), and
  the column's categories are remembered at ``fit`` (``categories_``). At
  predict time the same codes are used whatever the categories of the frame
  passed then; a value never seen at ``fit`` is treated as missing. The
  backends see the columns as categorical (XGBoost ``feature_types="c"``,
  LightGBM ``categorical_feature``) and split on them natively;
* text columns without a categorical dtype are refused with a message that
  names them (convert them to ``category``).

No pandas or polars import happens unless the user passes one of their frames.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import validate_data

from ._compat import input_error_kind, names_input

__all__ = ["categorical_indices", "check_X"]

_ACCEPT_SPARSE = ("csr", "csc")


def _is_pandas_frame(X) -> bool:
    return (
        type(X).__module__.startswith("pandas")
        and hasattr(X, "columns")
        and getattr(X, "ndim", 0) == 2
    )


def _is_polars_frame(X) -> bool:
    # a DataFrame, not a LazyFrame (which has no get_column)
    return type(X).__module__.startswith("polars") and hasattr(X, "get_column")


#: pandas' inferred kinds of an ``object`` column that hold numbers only
_NUMERIC_INFERRED = (
    "integer",
    "floating",
    "mixed-integer-float",
    "decimal",
    "boolean",
    "empty",
)


def _column_kinds(X) -> list[tuple[str, str]]:
    """``(name, kind)`` of each column in order; kind ``"cat"``, ``"num"``, ``"text"``.

    Decided from the frame's dtypes; only an ``object`` column is looked at
    (this runs at every predict, where fetching each column of a wide pandas
    frame cost far more than the prediction).
    """
    out = []
    if _is_pandas_frame(X):
        from pandas.api.types import infer_dtype, is_bool_dtype, is_numeric_dtype

        for j, (name, dtype) in enumerate(zip(X.columns, X.dtypes, strict=True)):
            if dtype.name == "category":
                kind = "cat"
            elif (
                is_numeric_dtype(dtype)
                or is_bool_dtype(dtype)
                or (
                    dtype == np.dtype(object)
                    # by position: column names may repeat
                    and infer_dtype(X.iloc[:, j], skipna=True) in _NUMERIC_INFERRED
                )
            ):
                kind = "num"  # numbers stored as object (e.g. with None) too
            else:
                kind = "text"
            out.append((str(name), kind))
        return out
    import polars as pl

    for name, dtype in X.schema.items():
        if isinstance(dtype, (pl.Categorical, pl.Enum)):
            kind = "cat"
        elif dtype.is_numeric() or dtype == pl.Boolean:
            kind = "num"
        else:
            kind = "text"
        out.append((str(name), kind))
    return out


def _column(X, j: int):
    """Column ``j`` of a pandas or polars frame, by position."""
    return X.iloc[:, j] if _is_pandas_frame(X) else X.to_series(j)


def _text_error(names: list[str]) -> TypeError:
    shown = ", ".join(repr(n) for n in names[:5])
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return TypeError(
        f"X has non-numeric columns {shown}{more}: convert them to the pandas "
        "'category' dtype (polars: Categorical or Enum) to use the backend's "
        "native categorical splits, or encode them as numbers."
    )


def _numeric(col) -> np.ndarray:
    if hasattr(col, "to_numpy") and type(col).__module__.startswith("pandas"):
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    import polars as pl

    return col.cast(pl.Float64).to_numpy().astype(np.float64, copy=False)


def _categories_of(col) -> list:
    if type(col).__module__.startswith("pandas"):
        return list(col.cat.categories)
    import polars as pl

    if isinstance(col.dtype, pl.Enum):
        return list(col.dtype.categories.to_list())
    return sorted(col.drop_nulls().unique().cast(pl.String).to_list())


def _codes(col, categories: list) -> np.ndarray:
    """Index of each cell in ``categories`` as float64; NaN if unseen/missing."""
    if type(col).__module__.startswith("pandas"):
        codes = col.cat.set_categories(categories).cat.codes.to_numpy()
        return np.where(codes < 0, np.nan, codes.astype(np.float64))
    import polars as pl

    # polars categories are strings: a vectorised lookup in the sorted names
    values = col.cast(pl.String).to_numpy()
    missing = np.asarray(col.is_null().to_numpy(), dtype=bool)
    values = np.where(missing, "", values).astype(str)
    names = np.asarray(categories, dtype=str)
    if names.shape[0] == 0:
        return np.full(values.shape[0], np.nan)
    order = np.argsort(names, kind="stable")
    pos = np.clip(np.searchsorted(names[order], values), 0, names.shape[0] - 1)
    found = (names[order][pos] == values) & ~missing
    return np.where(found, order[pos].astype(np.float64), np.nan)


def _frame_to_matrix(estimator, X, cols, *, reset: bool) -> np.ndarray:
    """Categorical frame -> float64 matrix of values and category codes.

    ``cols`` is :func:`_column_kinds` of ``X`` (no text column left).
    """
    out = np.empty((X.shape[0], len(cols)), dtype=np.float64)
    categories = {} if reset else estimator.categories_
    for j, (name, kind) in enumerate(cols):
        col = _column(X, j)
        if kind == "cat":
            if reset:
                categories[name] = _categories_of(col)
            elif name not in categories:
                raise ValueError(
                    f"X column {name!r} is categorical, but it was numeric when "
                    "the model was fitted."
                )
            out[:, j] = _codes(col, categories[name])
        else:
            if name in categories:
                raise ValueError(
                    f"X column {name!r} must be categorical (pandas 'category', "
                    "polars Categorical/Enum), as it was when the model was fitted; "
                    f"got a {col.dtype} column."
                )
            out[:, j] = _numeric(col)
    if np.isinf(out).any():
        bad = [name for j, (name, _) in enumerate(cols) if np.isinf(out[:, j]).any()]
        raise ValueError(f"Input X contains infinity in column(s) {bad!r}.")
    if reset:
        estimator.categories_ = categories
    return out


def _validate(estimator, X, *, reset: bool):
    """scikit-learn's validation, with ``X`` named in every message."""
    try:
        return validate_data(
            estimator,
            X,
            reset=reset,
            accept_sparse=_ACCEPT_SPARSE,
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",
        )
    except (ValueError, TypeError) as exc:
        msg = str(exc)
        kind = input_error_kind(msg)
        if kind == "complex":
            raise ValueError(
                "X must be real-valued: Complex data not supported."
            ) from exc
        if kind == "not numeric":
            raise TypeError(
                "X must be numeric (object and string arrays are not accepted; "
                "use a DataFrame with 'category' columns for categorical "
                f"features): {msg}"
            ) from exc
        if names_input(msg, "X"):
            raise
        raise type(exc)(f"X is not valid: {msg}") from exc


def check_X(estimator, X, *, reset: bool):
    """Validate ``X`` for ``fit`` (``reset=True``) or for prediction.

    Parameters
    ----------
    estimator : FocalClassifierMixin
        Gets ``n_features_in_``, ``feature_names_in_`` (frames) and
        ``categories_`` (dict, empty without categorical columns) at ``fit``.
    X : array-like, sparse matrix, pandas or polars DataFrame
        The features.
    reset : bool
        True in ``fit``.

    Returns
    -------
    ndarray or sparse matrix
        float32 or float64; categorical columns as float64 category codes.
    """
    frame = _is_pandas_frame(X) or _is_polars_frame(X)
    cols = _column_kinds(X) if frame else []
    text = [name for name, kind in cols if kind == "text"]
    if text:
        raise _text_error(text)
    categorical = any(kind == "cat" for _, kind in cols)
    if categorical and not all(isinstance(c, str) for c in X.columns):
        raise TypeError(
            "X has categorical columns, so all its column names must be strings "
            "(they identify the categorical columns at predict time); got "
            f"{list(X.columns)[:5]!r}."
        )
    if not reset and getattr(estimator, "categories_", None):
        if not frame:
            raise ValueError(
                "X must be a pandas or polars DataFrame: the model was fitted on "
                f"categorical columns {sorted(estimator.categories_)!r}; got "
                f"{type(X).__name__}."
            )
        categorical = True
    if not categorical:
        if reset:
            estimator.categories_ = {}
        return _validate(estimator, X, reset=reset)
    # feature names and counts as scikit-learn checks them, without conversion
    validate_data(estimator, X, reset=reset, skip_check_array=True)
    if X.shape[0] == 0:
        raise ValueError(
            f"X is not valid: found a frame with 0 rows (shape={tuple(X.shape)})."
        )
    return _frame_to_matrix(estimator, X, cols, reset=reset)


def categorical_indices(estimator) -> list[int]:
    """Column indices of the categorical features seen at ``fit``."""
    cats = getattr(estimator, "categories_", None) or {}
    if not cats:
        return []
    names = [str(n) for n in estimator.feature_names_in_]
    return [i for i, n in enumerate(names) if n in cats]
