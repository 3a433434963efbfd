"""File readers behind :func:`benchmarks.datasets.fetch_dataset`.

CSV (numeric, with or without a header and a missing-value token), the
credit-card file, the Adult and Bank Marketing files (categorical columns,
ordinal or one-hot) and dense ARFF (multi-label); every binary load is checked
against its registry entry.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from benchmarks._dataset_specs import (
    _HINT,
    Categorical,
    DatasetSpec,
    FloatArray,
    IntArray,
    MultilabelSpec,
)


def _check_files(paths: Iterable[Path], name: str) -> None:
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(
                f"Data set {name!r} not found: {path} does not exist. {_HINT}"
            )


def _read_numeric_csv(path: Path, *, header: bool, missing: str | None) -> FloatArray:
    skip = 1 if header else 0
    if missing is None:
        return np.loadtxt(path, delimiter=",", skiprows=skip, dtype=np.float64, ndmin=2)
    return np.genfromtxt(
        path,
        delimiter=",",
        skip_header=skip,
        missing_values=missing,
        filling_values=np.nan,
        dtype=np.float64,
    )


def _csv_header(path: Path, n_columns: int, header: bool) -> list[str]:
    if not header:
        return [f"x{i}" for i in range(n_columns)]
    with open(path, newline="") as fh:
        names = next(csv.reader(fh))
    return [n.strip() for n in names]


def _load_csv(spec: DatasetSpec, path: Path) -> tuple[FloatArray, IntArray, list[str]]:
    data = _read_numeric_csv(path, header=spec.header, missing=spec.missing)
    names = _csv_header(path, data.shape[1], spec.header)[:-1]
    X = np.ascontiguousarray(data[:, :-1])
    labels = data[:, -1]
    if np.isnan(labels).any():
        raise ValueError(f"{path}: the label column has missing values.")
    if spec.binary_labels and not np.isin(labels, (0.0, 1.0)).all():
        raise ValueError(
            f"{path}: expected labels in {{0, 1}}; got {np.unique(labels).tolist()}."
        )
    y = (labels == spec.positive_label).astype(np.int64)
    return X, y, names


def _load_creditcard(path: Path) -> tuple[FloatArray, IntArray, list[str]]:
    with io.TextIOWrapper(_open_maybe_compressed(path), newline="") as fh:
        names = [n.strip().strip('"') for n in fh.readline().split(",")]
        data = np.loadtxt(fh, delimiter=",", quotechar='"', dtype=np.float64, ndmin=2)
    return np.ascontiguousarray(data[:, :-1]), data[:, -1].astype(np.int64), names[:-1]


def _encode_columns(
    rows: Sequence[Sequence[str]],
    names: Sequence[str],
    numeric: set[str],
    categorical: Categorical,
    missing: str = "?",
) -> tuple[FloatArray, list[str]]:
    """Turn string columns into a float matrix.

    Numeric columns are parsed (``missing`` -> NaN). Categorical columns are
    either ordinal codes of the sorted categories (``missing`` -> NaN) or one
    indicator column per category (``missing`` -> all zeros).
    """
    if categorical not in ("ordinal", "onehot"):
        raise ValueError(
            f"categorical must be 'ordinal' or 'onehot'; got {categorical!r}."
        )
    columns: list[FloatArray] = []
    out_names: list[str] = []
    cells = np.asarray(rows, dtype=object)
    for j, name in enumerate(names):
        col = cells[:, j].astype(str)
        is_missing = col == missing
        if name in numeric:
            values = np.full(col.shape[0], np.nan)
            values[~is_missing] = col[~is_missing].astype(np.float64)
            columns.append(values)
            out_names.append(name)
            continue
        levels = sorted(set(col[~is_missing].tolist()))
        if categorical == "ordinal":
            codes = np.full(col.shape[0], np.nan)
            lookup = {v: float(i) for i, v in enumerate(levels)}
            codes[~is_missing] = [lookup[v] for v in col[~is_missing]]
            columns.append(codes)
            out_names.append(name)
        else:
            for level in levels:
                columns.append((col == level).astype(np.float64))
                out_names.append(f"{name}={level}")
    return np.column_stack(columns), out_names


_ADULT_COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education-num",
    "marital-status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital-gain",
    "capital-loss",
    "hours-per-week",
    "native-country",
]
_ADULT_NUMERIC = {
    "age",
    "fnlwgt",
    "education-num",
    "capital-gain",
    "capital-loss",
    "hours-per-week",
}


def _load_adult(
    paths: Sequence[Path], categorical: Categorical
) -> tuple[FloatArray, IntArray, list[str]]:
    rows: list[list[str]] = []
    for path in paths:
        with open(path, newline="") as fh:
            rows.extend([v.strip() for v in r] for r in csv.reader(fh) if r)
    y = np.array([r[-1].rstrip(".") == ">50K" for r in rows], dtype=np.int64)
    X, names = _encode_columns(
        [r[:-1] for r in rows], _ADULT_COLUMNS, _ADULT_NUMERIC, categorical
    )
    return X, y, names


_BANK_NUMERIC = {"age", "balance", "day", "campaign", "pdays", "previous"}
_BANK_DROPPED = {"duration"}


def _load_bank(
    path: Path, categorical: Categorical
) -> tuple[FloatArray, IntArray, list[str]]:
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [r for r in reader if r]
    keep = [j for j, n in enumerate(header[:-1]) if n not in _BANK_DROPPED]
    y = np.array([r[-1] == "yes" for r in rows], dtype=np.int64)
    X, names = _encode_columns(
        [[r[j] for j in keep] for r in rows],
        [header[j] for j in keep],
        _BANK_NUMERIC,
        categorical,
        # bank uses "unknown" as an ordinary category and has no "?" cells
    )
    return X, y, names


def _open_maybe_compressed(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    if path.suffix == ".bz2":
        return bz2.open(path, "rb")
    return open(path, "rb")


def _verify(
    spec: DatasetSpec, X: FloatArray, y: IntArray, paths: Sequence[Path]
) -> None:
    got = (X.shape[0], int(y.sum()))
    want = (spec.n_samples, spec.n_positive)
    bad = got != want
    if spec.n_features is not None and X.shape[1] != spec.n_features:
        bad = True
    if bad:
        raise ValueError(
            f"Data set {spec.name!r} read from {', '.join(map(str, paths))} does not "
            f"match its documented shape: expected {spec.n_samples} rows, "
            f"{spec.n_features if spec.n_features is not None else 'any'} features "
            f"and {spec.n_positive} positives; got {X.shape[0]} rows, {X.shape[1]} "
            f"features and {int(y.sum())} positives. Is the file truncated or a "
            "different version?"
        )


def _read_dense_arff(path: Path) -> tuple[str, FloatArray]:
    relation = ""
    with io.TextIOWrapper(_open_maybe_compressed(path), encoding="utf-8") as fh:
        for line in fh:
            low = line.strip().lower()
            if low.startswith("@relation"):
                relation = line.strip()[len("@relation") :].strip().strip("'\"")
            elif low.startswith("@data"):
                break
        body = [ln for ln in fh if ln.strip() and not ln.lstrip().startswith("%")]
    if body and body[0].lstrip().startswith("{"):
        raise ValueError(f"{path}: sparse ARFF is not supported.")
    return relation, np.loadtxt(body, delimiter=",", dtype=np.float64, ndmin=2)


def read_binary(
    spec: DatasetSpec, paths: Sequence[Path], categorical: Categorical
) -> tuple[FloatArray, IntArray, list[str]]:
    """Read and verify the files of one binary data set.

    Parameters
    ----------
    spec : DatasetSpec
        The registry entry.
    paths : sequence of pathlib.Path
        Its files (``spec.paths(data_dir)``).
    categorical : {"ordinal", "onehot"}
        Encoding of the categorical columns of ``adult`` / ``bank_marketing``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,), int64
    feature_names : list of str
    """
    _check_files(paths, spec.name)
    if spec.kind == "csv":
        X, y, names = _load_csv(spec, paths[0])
    elif spec.kind == "creditcard":
        X, y, names = _load_creditcard(paths[0])
    elif spec.kind == "adult":
        X, y, names = _load_adult(paths, categorical)
    elif spec.kind == "bank":
        X, y, names = _load_bank(paths[0], categorical)
    else:  # pragma: no cover - registry is static
        raise AssertionError(spec.kind)
    _verify(spec, X, y, paths)
    return X, y, list(names)


def read_multilabel(spec: MultilabelSpec, path: Path) -> tuple[FloatArray, IntArray]:
    """Read and verify a dense multi-label ARFF file as ``(X, Y)``.

    The ARFF relation ``-C k`` says the first ``k`` attributes are the 0/1
    labels; the rest are numeric features.
    """
    _check_files([path], spec.name)
    relation, data = _read_dense_arff(path)
    match = re.search(r"-C\s+(\d+)", relation)
    k = int(match.group(1)) if match else spec.n_labels
    X = np.ascontiguousarray(data[:, k:])
    Y = data[:, :k].astype(np.int64)
    if (X.shape[0], X.shape[1], k) != (spec.n_samples, spec.n_features, spec.n_labels):
        raise ValueError(
            f"{path}: expected {spec.n_samples} rows, {spec.n_features} features and "
            f"{spec.n_labels} labels; got {X.shape[0]}, {X.shape[1]} and {k}."
        )
    return X, Y
