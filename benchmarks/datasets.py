"""Loaders for the real class-imbalanced data sets used by the benchmarks.

The data are *not* part of focalboost: they live in a separate folder (one
sub-folder per data set, each with a ``README.txt`` giving source, licence,
shape and class counts). Every function here takes that folder as an argument;
when it is omitted the folder is resolved as

1. the ``data_dir`` argument (the benchmarks' ``--data-dir`` option), else
2. the environment variable ``FOCALBOOST_DATA``, else
3. ``../shared/data`` relative to the repository root.

All binary data sets come back as ``X`` (float64, NaN for a missing value) and
``y`` (int64 in {0, 1}, 1 = the minority / positive class). Every load is
checked against the row, feature and positive counts documented in the data
set's README, so a truncated or wrong file fails loudly instead of silently
changing a benchmark.

Examples
--------
>>> from benchmarks.datasets import available_datasets, load_dataset
>>> names = available_datasets()                     # doctest: +SKIP
>>> X, y = load_dataset("imb_mammography")           # doctest: +SKIP
>>> X.shape, int(y.sum())                            # doctest: +SKIP
((11183, 6), 260)

Run ``python -m benchmarks.datasets [--data-dir DIR] [--check]`` to list the
data sets found (and, with ``--check``, load and verify every one).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import numpy as np

from benchmarks._common import data_dir_or_exit
from benchmarks._dataset_readers import read_binary, read_multilabel
from benchmarks._dataset_specs import (
    DATASETS,
    DEFAULT_DATA_DIR,
    ENV_VAR,
    MULTILABEL_DATASETS,
    Categorical,
    Dataset,
    DatasetSpec,
    FloatArray,
    IntArray,
    MultilabelSpec,
    require_data_dir,
    resolve_data_dir,
)

__all__ = [
    "DATASETS",
    "DEFAULT_DATA_DIR",
    "ENV_VAR",
    "MULTILABEL_DATASETS",
    "Dataset",
    "DatasetSpec",
    "MultilabelSpec",
    "available_datasets",
    "fetch_dataset",
    "load_dataset",
    "load_multilabel",
    "require_data_dir",
    "resolve_data_dir",
]


def _spec(name: str) -> DatasetSpec:
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(
            f"Unknown data set {name!r}; known: {sorted(DATASETS)}."
        ) from None


def fetch_dataset(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    categorical: Categorical = "ordinal",
) -> Dataset:
    """Load one binary data set with its feature names.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS` (e.g. ``"imb_mammography"``).
    data_dir : path-like or None, default=None
        Data folder; see :func:`resolve_data_dir`.
    categorical : {"ordinal", "onehot"}, default="ordinal"
        Encoding of the categorical columns of ``adult`` and
        ``bank_marketing`` (ignored by the all-numeric sets). ``"ordinal"``:
        one column of sorted-category codes per feature, missing -> NaN;
        ``"onehot"``: one 0/1 column per category, missing -> all zeros.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        For an unknown name, or when the file does not match the documented
        rows / features / positives.
    FileNotFoundError
        When a file of the data set is absent (the message has the path and
        how to point the loader at the data).
    """
    spec = _spec(name)
    X, y, names = read_binary(spec, spec.paths(data_dir), categorical)
    return Dataset(name=name, X=X, y=y, feature_names=names, spec=spec)


def load_dataset(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    categorical: Categorical = "ordinal",
) -> tuple[FloatArray, IntArray]:
    """Load one binary data set as ``(X, y)``.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS` (e.g. ``"imb_mammography"``).
    data_dir : path-like or None, default=None
        Data folder; see :func:`resolve_data_dir`.
    categorical : {"ordinal", "onehot"}, default="ordinal"
        See :func:`fetch_dataset`.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
        Features; NaN marks a missing value.
    y : ndarray of shape (n_samples,), int64
        Labels in {0, 1}; 1 is the minority (positive) class.

    Raises
    ------
    ValueError
        Unknown name, or a file that does not match its README.
    FileNotFoundError
        When the data are absent.
    """
    ds = fetch_dataset(name, data_dir, categorical=categorical)
    return ds.X, ds.y


def available_datasets(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    prefix: str = "",
) -> list[str]:
    """Names of the binary data sets whose files are present.

    Parameters
    ----------
    data_dir : path-like or None, default=None
        Data folder; see :func:`resolve_data_dir`. A missing folder gives an
        empty list (use :func:`require_data_dir` to fail instead).
    prefix : str, default=""
        Keep only names starting with this (e.g. ``"imb_"``).

    Returns
    -------
    list of str
        In registry order.
    """
    return [
        name
        for name, spec in DATASETS.items()
        if name.startswith(prefix) and all(p.is_file() for p in spec.paths(data_dir))
    ]


def load_multilabel(
    name: str, data_dir: str | os.PathLike[str] | None = None
) -> tuple[FloatArray, IntArray]:
    """Load a multi-label ARFF data set as ``(X, Y)``.

    The ARFF relation ``-C k`` says the first ``k`` attributes are the 0/1
    labels; the rest are numeric features.

    Parameters
    ----------
    name : {"scene", "emotions"}
        A key of :data:`MULTILABEL_DATASETS`.
    data_dir : path-like or None, default=None
        Data folder; see :func:`resolve_data_dir`.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
    Y : ndarray of shape (n_samples, n_labels), int64 in {0, 1}

    Raises
    ------
    ValueError
        Unknown name or unexpected shape.
    FileNotFoundError
        When the file is absent.
    """
    try:
        spec = MULTILABEL_DATASETS[name]
    except KeyError:
        raise ValueError(
            f"Unknown multi-label data set {name!r}; known: "
            f"{sorted(MULTILABEL_DATASETS)}."
        ) from None
    return read_multilabel(spec, resolve_data_dir(data_dir) / spec.file)


# ----------------------------------------------------------------------- CLI
def main(argv: Sequence[str] | None = None) -> int:
    """List (and with ``--check`` load and verify) the data sets found."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.datasets", description=main.__doc__
    )
    parser.add_argument(
        "--data-dir", default=None, help=f"default: ${ENV_VAR} or {DEFAULT_DATA_DIR}"
    )
    parser.add_argument(
        "--check", action="store_true", help="load every data set and verify it"
    )
    args = parser.parse_args(argv)
    root = data_dir_or_exit(args.data_dir)
    print(f"data folder: {root}")
    found = available_datasets(root)
    for name, spec in DATASETS.items():
        status = "found" if name in found else "absent"
        line = (
            f"{name:22s} {status:6s} rows={spec.n_samples:>7d} "
            f"pos={spec.n_positive:>6d} share={spec.minority_share:.4f}"
        )
        if args.check and name in found:
            X, y = load_dataset(name, root)
            line += f"  loaded X{X.shape} nan={int(np.isnan(X).sum())}"
        print(line)
    for name, mspec in MULTILABEL_DATASETS.items():
        present = (root / mspec.file).is_file()
        line = f"{name:22s} {'found' if present else 'absent':6s} (multi-label)"
        if args.check and present:
            X, Y = load_multilabel(name, root)
            line += f"  loaded X{X.shape} Y{Y.shape}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
