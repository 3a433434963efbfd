"""Read the command line's tables: CSV (stdlib) or Parquet (pandas + pyarrow).

A table is an ordered ``dict`` of column name -> 1-D numpy array: float64 for
a numeric column, object (str) otherwise. Every problem a user can fix raises
:class:`UsageError` with a one-line message; the CLI turns it into exit code 2.
"""

from __future__ import annotations

import csv
import gzip
import os
from collections.abc import Sequence

import numpy as np

__all__ = ["UsageError", "read_table", "split_features", "split_targets", "write_csv"]

# Cells read as missing (case-insensitive), as pandas' default NA strings do.
_MISSING = frozenset({"", "na", "nan", "n/a", "null", "none", "<na>"})
_CSV_SUFFIXES = (".csv", ".csv.gz", ".txt", ".tsv", ".tsv.gz")
_PARQUET_SUFFIXES = (".parquet", ".pq")

Table = dict[str, np.ndarray]


class UsageError(Exception):
    """A problem with the user's input: the CLI prints it and exits with 2."""


def _numeric_column(cells: list[str]) -> np.ndarray | None:
    out = np.empty(len(cells), dtype=np.float64)
    for i, cell in enumerate(cells):
        text = cell.strip()
        if text.lower() in _MISSING:
            out[i] = np.nan
            continue
        try:
            out[i] = float(text)
        except ValueError:
            return None
    return out


def _read_csv(path: str) -> Table:
    delimiter = "\t" if ".tsv" in os.path.basename(path).lower() else ","
    opener = gzip.open if path.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh, delimiter=delimiter))
    except (UnicodeDecodeError, OSError, csv.Error) as exc:
        raise UsageError(f"cannot read {path!r} as CSV: {exc}") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise UsageError(f"{path!r} is empty: a CSV needs a header row")
    header = [name.strip() for name in rows[0]]
    for lineno, row in enumerate(rows[1:], start=2):
        if row and len(row) != len(header):
            raise UsageError(
                f"{path!r}: row {lineno} has {len(row)} fields, the header has "
                f"{len(header)}"
            )
    body = [row for row in rows[1:] if row]  # blank lines are skipped
    if not body:
        raise UsageError(f"{path!r} has a header but no data rows")
    dupes = sorted({name for name in header if header.count(name) > 1})
    if dupes:
        raise UsageError(f"{path!r}: duplicate column names {dupes}")
    table: Table = {}
    for j, name in enumerate(header):
        cells = [row[j] for row in body]
        numeric = _numeric_column(cells)
        table[name] = (
            numeric
            if numeric is not None
            else np.array([c.strip() for c in cells], dtype=object)
        )
    return table


def _read_parquet(path: str) -> Table:
    try:
        import pandas as pd
    except ImportError:
        raise UsageError(
            f"reading Parquet ({path!r}) needs pandas and pyarrow: "
            "pip install pandas pyarrow, or give a CSV file"
        ) from None
    try:
        frame = pd.read_parquet(path)
    except ImportError:
        raise UsageError(
            f"reading Parquet ({path!r}) needs pyarrow or fastparquet: "
            "pip install pyarrow, or give a CSV file"
        ) from None
    except Exception as exc:  # any parser failure is a user error
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"cannot read {path!r} as Parquet: {first}") from None
    table: Table = {}
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(
            col.dtype
        ):
            table[str(name)] = col.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            table[str(name)] = np.array(
                ["" if pd.isna(v) else str(v) for v in col.tolist()], dtype=object
            )
    return table


def read_table(path: str) -> Table:
    """Read a CSV (optionally gzip-compressed) or Parquet file into columns.

    Parameters
    ----------
    path : str
        ``.csv``, ``.csv.gz``, ``.tsv``, ``.txt`` (comma separated) or
        ``.parquet`` / ``.pq``.

    Returns
    -------
    dict of str to ndarray
        Columns in file order: float64 (missing cells are NaN) when every cell
        is a number, else object arrays of strings.

    Raises
    ------
    UsageError
        Missing file, unknown suffix, unreadable content, ragged rows.
    """
    if not os.path.exists(path):
        raise UsageError(f"no such file: {path!r}")
    if os.path.isdir(path):
        raise UsageError(f"{path!r} is a directory, not a data file")
    lower = path.lower()
    if lower.endswith(_PARQUET_SUFFIXES):
        return _read_parquet(path)
    if lower.endswith(_CSV_SUFFIXES):
        return _read_csv(path)
    suffix = os.path.splitext(path)[1] or "(none)"
    raise UsageError(
        f"unsupported file format {suffix!r} for {path!r}: use CSV (.csv, "
        ".csv.gz) or Parquet (.parquet)"
    )


def _as_labels(column: np.ndarray) -> np.ndarray:
    if column.dtype == object:
        return column
    if np.all(column == np.round(column)):
        return column.astype(np.int64)
    return column


def split_features(
    table: Table,
    target: str | None,
    feature_names: Sequence[str] | None = None,
    *,
    path: str = "DATA",
) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Split a table into a float64 feature matrix and the target labels.

    Parameters
    ----------
    table : dict of str to ndarray
        From :func:`read_table`.
    target : str or None
        Target column; None when predicting (no labels).
    feature_names : sequence of str, default=None
        Feature columns to use, in this order (a fitted model's); default: every
        column except the target.
    path : str, default="DATA"
        Shown in messages.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features) or pandas.DataFrame
        A DataFrame with categorical columns when some feature columns hold
        text (needs pandas); a float64 array otherwise.
    y : ndarray of shape (n_samples,) or None
        Integer labels when the target is integral, else floats or strings.
    feature_names : list of str

    Raises
    ------
    UsageError
        Unknown target or feature columns, missing labels, text features
        without pandas.
    """
    columns = list(table)
    y = None
    if target is not None:
        if target not in table:
            raise UsageError(
                f"--target {target!r} is not a column of {path!r}; columns: "
                f"{_short_list(columns)}"
            )
        labels = table[target]
        missing = (
            np.array([c == "" for c in labels])
            if labels.dtype == object
            else np.isnan(labels)
        )
        if missing.any():
            raise UsageError(
                f"target column {target!r} has {int(missing.sum())} missing "
                "value(s); drop those rows first"
            )
        y = _as_labels(labels)
    if feature_names is None:
        feature_names = [name for name in columns if name != target]
        if not feature_names:
            raise UsageError(f"{path!r} has no feature columns besides {target!r}")
    else:
        absent = [name for name in feature_names if name not in table]
        if absent:
            raise UsageError(
                f"{path!r} lacks the model's feature column(s) {_short_list(absent)}"
            )
    non_numeric = [name for name in feature_names if table[name].dtype == object]
    if non_numeric:
        # text columns become pandas categorical columns, which the estimators
        # split on natively (the categories are matched by value at predict)
        try:
            import pandas as pd
        except ImportError:
            raise UsageError(
                f"non-numeric feature column(s) {_short_list(non_numeric)} in "
                f"{path!r}: install pandas to use them as categorical features, "
                "or encode them as numbers first"
            ) from None
        frame = pd.DataFrame(
            {
                name: _categorical(pd, table[name])
                if name in non_numeric
                else table[name].astype(np.float64)
                for name in feature_names
            }
        )
        return frame, y, list(feature_names)
    X = np.column_stack([table[name] for name in feature_names])
    X = X.astype(np.float64, copy=False)  # numeric columns are float64 already
    return X, y, list(feature_names)


def split_targets(table: Table, targets: Sequence[str], *, path: str = "DATA"):
    """Split a table into features and a 0/1 indicator matrix of several targets.

    Parameters
    ----------
    table : dict of str to ndarray
        From :func:`read_table`.
    targets : sequence of str
        The label columns (each holding 0 and 1 only).
    path : str, default="DATA"
        Shown in messages.

    Returns
    -------
    X : ndarray or pandas.DataFrame
        The other columns, as :func:`split_features` makes them.
    Y : ndarray of shape (n_samples, len(targets)), int64
    feature_names : list of str

    Raises
    ------
    UsageError
        Unknown, repeated or non-0/1 target columns, missing labels.
    """
    if len(set(targets)) != len(targets):
        raise UsageError(f"--target repeats a column: {list(targets)}")
    columns = []
    for name in targets:
        if name not in table:
            raise UsageError(
                f"--target {name!r} is not a column of {path!r}; columns: "
                f"{_short_list(list(table))}"
            )
        values = table[name]
        if values.dtype == object or not np.all(np.isin(values, (0.0, 1.0))):
            raise UsageError(
                f"target column {name!r} must hold 0 and 1 only for a multi-label "
                "target (one column per label); missing values must be dropped"
            )
        columns.append(values.astype(np.int64))
    features = [name for name in table if name not in targets]
    if not features:
        raise UsageError(f"{path!r} has no feature columns besides the targets")
    X, _, features = split_features(table, None, features, path=path)
    return X, np.column_stack(columns), features


def _categorical(pd, cells: np.ndarray):
    """Text cells as a pandas categorical column; missing markers are missing."""
    values = [
        None if c is None or str(c).strip().lower() in _MISSING else str(c).strip()
        for c in cells
    ]
    return pd.Categorical(values)


def _short_list(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    more = f", ... ({len(names) - limit} more)" if len(names) > limit else ""
    return f"[{shown}{more}]"


def write_csv(path: str, header: Sequence[str], columns: Sequence[Sequence]) -> None:
    """Write equal-length columns to a CSV file with a header row.

    Parameters
    ----------
    path : str
        Output file (its folder must exist).
    header : sequence of str
        Column names.
    columns : sequence of sequences
        One sequence per column; floats are written with ``repr`` precision.
    """
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in zip(*columns, strict=True):
            writer.writerow(
                [
                    repr(float(v)) if isinstance(v, float | np.floating) else v
                    for v in row
                ]
            )
