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
import bz2
import csv
import gzip
import io
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

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

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Categorical = Literal["ordinal", "onehot"]

#: Environment variable that overrides the default data folder.
ENV_VAR = "FOCALBOOST_DATA"

#: Repository root (the folder holding ``benchmarks/``).
REPO_ROOT = Path(__file__).resolve().parent.parent

#: Default data folder: ``../shared/data`` relative to the repository root.
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"

_HINT = (
    "Pass --data-dir DIR (or data_dir=...) or set the environment variable "
    f"{ENV_VAR} to the folder that holds the data sets (one sub-folder per set, "
    "e.g. imb_mammography/mammography.csv). The data are not shipped with "
    "focalboost; obtain them from their publishers (imbalanced-learn / Zenodo "
    "61452, UCI, Kaggle, Mulan) as listed in the data folder's README.md."
)


# --------------------------------------------------------------------- paths
def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the data folder to use, without checking that it exists.

    Parameters
    ----------
    data_dir : path-like or None, default=None
        Explicit folder. ``None`` falls back to ``$FOCALBOOST_DATA`` and then
        to :data:`DEFAULT_DATA_DIR`.

    Returns
    -------
    pathlib.Path
    """
    if data_dir is None:
        data_dir = os.environ.get(ENV_VAR) or DEFAULT_DATA_DIR
    return Path(data_dir).expanduser()


def require_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the resolved data folder, or raise if it does not exist.

    Parameters
    ----------
    data_dir : path-like or None, default=None
        See :func:`resolve_data_dir`.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        If the folder is missing, with the path that was tried and a hint.
    """
    path = resolve_data_dir(data_dir)
    if not path.is_dir():
        raise FileNotFoundError(f"Data folder not found: {path}. {_HINT}")
    return path


# ------------------------------------------------------------------ registry
@dataclass(frozen=True)
class DatasetSpec:
    """Static description of one binary data set.

    Attributes
    ----------
    name : str
        Registry name (also the sub-folder name).
    files : tuple of str
        Files relative to the data folder.
    n_samples, n_positive : int
        Documented row count and number of positives (the load is checked).
    n_features : int or None
        Documented feature count, or None where it depends on the categorical
        encoding.
    description : str
        One line: what the task is and where it comes from.
    kind : {"csv", "creditcard", "adult", "bank"}
        Which reader to use.
    header : bool
        Whether the CSV has a header line (``kind="csv"``).
    positive_label : float
        Value of the label column that marks the positive class.
    binary_labels : bool
        If True, the label column must contain only 0 and 1.
    missing : str or None
        Token that marks a missing value in the CSV, if any.
    """

    name: str
    files: tuple[str, ...]
    n_samples: int
    n_positive: int
    n_features: int | None
    description: str
    kind: Literal["csv", "creditcard", "adult", "bank"] = "csv"
    header: bool = True
    positive_label: float = 1.0
    binary_labels: bool = True
    missing: str | None = None

    @property
    def minority_share(self) -> float:
        """Documented share of positives, ``n_positive / n_samples``."""
        return self.n_positive / self.n_samples

    def paths(self, data_dir: str | os.PathLike[str] | None = None) -> list[Path]:
        """Absolute paths of the files under ``data_dir``."""
        root = resolve_data_dir(data_dir)
        return [root / f for f in self.files]


def _imb(
    name: str,
    file: str,
    n_samples: int,
    n_features: int,
    n_positive: int,
    description: str,
    **kwargs,
) -> DatasetSpec:
    return DatasetSpec(
        name=name,
        files=(f"{name}/{file}",),
        n_samples=n_samples,
        n_positive=n_positive,
        n_features=n_features,
        description=description,
        **kwargs,
    )


_IMB = "imbalanced-learn benchmark (Zenodo 61452)"
_SPECS: list[DatasetSpec] = [
    _imb("imb_abalone", "abalone.csv", 4177, 10, 391, f"{_IMB}: abalone, 9:1"),
    _imb(
        "imb_abalone_19", "abalone_19.csv", 4177, 10, 32, f"{_IMB}: abalone_19, 130:1"
    ),
    _imb(
        "imb_arrhythmia",
        "arrhythmia.csv",
        452,
        279,
        25,
        "UCI arrhythmia, class 6 vs rest (imblearn task), '?' = missing",
        positive_label=6.0,
        binary_labels=False,
        missing="?",
    ),
    _imb(
        "imb_car_eval_34",
        "car_eval_34.csv",
        1728,
        21,
        134,
        f"{_IMB}: car_eval_34, 12:1",
    ),
    _imb("imb_car_eval_4", "car_eval_4.csv", 1728, 21, 65, f"{_IMB}: car_eval_4, 26:1"),
    _imb("imb_coil_2000", "coil_2000.csv", 9822, 85, 586, f"{_IMB}: coil_2000, 16:1"),
    _imb("imb_ecoli", "ecoli.csv", 336, 7, 35, f"{_IMB}: ecoli, 8.6:1"),
    _imb(
        "imb_letter_img", "letter_img.csv", 20000, 16, 734, f"{_IMB}: letter_img, 26:1"
    ),
    _imb(
        "imb_libras_move", "libras_move.csv", 360, 90, 24, f"{_IMB}: libras_move, 14:1"
    ),
    _imb(
        "imb_mammography",
        "mammography.csv",
        11183,
        6,
        260,
        f"{_IMB}: mammography (Woods 1993), 42:1",
    ),
    _imb(
        "imb_oil",
        "oil-spill.csv",
        937,
        49,
        41,
        f"{_IMB}: oil spill (Kubat et al. 1998), 22:1",
        header=False,
    ),
    _imb(
        "imb_optical_digits",
        "optical_digits.csv",
        5620,
        64,
        554,
        f"{_IMB}: optical_digits, 9.1:1",
    ),
    _imb(
        "imb_ozone_level_8hr",
        "ozone_level_8hr.csv",
        2534,
        72,
        160,
        "UCI ozone level, 8-hour set (OpenML 1487), 15:1; label 2 = ozone day",
        positive_label=2.0,
        binary_labels=False,
    ),
    _imb(
        "imb_pen_digits",
        "pen_digits.csv",
        10992,
        16,
        1055,
        f"{_IMB}: pen_digits, 9.4:1",
    ),
    _imb("imb_satimage", "satimage.csv", 6435, 36, 626, f"{_IMB}: satimage, 9.3:1"),
    _imb(
        "imb_sick_euthyroid",
        "sick_euthyroid.csv",
        3163,
        42,
        293,
        f"{_IMB}: sick_euthyroid, 9.8:1",
    ),
    _imb(
        "imb_solar_flare_m0",
        "solar_flare_m0.csv",
        1389,
        32,
        68,
        f"{_IMB}: solar_flare_m0, 19:1",
    ),
    _imb(
        "imb_thyroid_sick",
        "thyroid_sick.csv",
        3772,
        52,
        231,
        f"{_IMB}: thyroid_sick, 15:1",
    ),
    _imb("imb_us_crime", "us_crime.csv", 1994, 100, 150, f"{_IMB}: us_crime, 12:1"),
    _imb(
        "imb_wine_quality",
        "wine_quality.csv",
        4898,
        11,
        183,
        f"{_IMB}: wine_quality, 26:1",
    ),
    _imb("imb_yeast_me2", "yeast_me2.csv", 1484, 8, 51, f"{_IMB}: yeast_me2, 28:1"),
    _imb("imb_yeast_ml8", "yeast_ml8.csv", 2417, 103, 178, f"{_IMB}: yeast_ml8, 13:1"),
    DatasetSpec(
        name="creditcard_fraud",
        files=("creditcard_fraud/creditcard.csv.gz",),
        n_samples=284807,
        n_positive=492,
        n_features=30,
        description="Kaggle credit card fraud (ULB MLG / Worldline), 578:1",
        kind="creditcard",
    ),
    DatasetSpec(
        name="adult",
        files=("adult/adult-train.csv", "adult/adult-test.csv"),
        n_samples=48842,
        n_positive=11687,
        n_features=None,
        description="UCI Adult, train + test, >50K vs rest; 8 categorical columns",
        kind="adult",
    ),
    DatasetSpec(
        name="bank_marketing",
        files=("bank_marketing/bank-full.csv",),
        n_samples=45211,
        n_positive=5289,
        n_features=None,
        description=(
            "UCI Bank Marketing (bank-full), 'yes' vs rest; 'duration' dropped "
            "(known only after the call); 9 categorical columns"
        ),
        kind="bank",
    ),
]

#: All binary data sets this module can load, by name.
DATASETS: dict[str, DatasetSpec] = {s.name: s for s in _SPECS}


@dataclass(frozen=True)
class MultilabelSpec:
    """Static description of one multi-label ARFF data set.

    Attributes
    ----------
    name : str
        Registry name.
    file : str
        ARFF file (optionally ``.bz2``) relative to the data folder.
    n_samples, n_features, n_labels : int
        Documented shape (the load is checked).
    description : str
        One line.
    label_names : tuple of str
        Names of the label columns, in file order (as spelled in the file).
    """

    name: str
    file: str
    n_samples: int
    n_features: int
    n_labels: int
    description: str
    label_names: tuple[str, ...]


#: Multi-label data sets, loaded with :func:`load_multilabel`.
MULTILABEL_DATASETS: dict[str, MultilabelSpec] = {
    "scene": MultilabelSpec(
        "scene",
        "multilabel/Scene.arff.bz2",
        2407,
        294,
        6,
        "Mulan/MEKA scene (Boutell et al. 2004), 6 labels",
        ("beach", "sunset", "foliage", "field", "mountain", "urban"),
    ),
    "emotions": MultilabelSpec(
        "emotions",
        "multilabel/Music.arff",
        592,
        71,
        6,
        "Mulan/MEKA emotions ('Music'; Trohidis et al. 2008), 6 labels",
        (
            "amazed-suprised",
            "happy-pleased",
            "relaxing-clam",
            "quiet-still",
            "sad-lonely",
            "angry-aggresive",
        ),
    ),
}


@dataclass(frozen=True)
class Dataset:
    """A loaded binary data set.

    Attributes
    ----------
    name : str
        Registry name.
    X : ndarray of shape (n_samples, n_features), float64
        Features; NaN marks a missing value.
    y : ndarray of shape (n_samples,), int64
        Labels in {0, 1}; 1 is the minority (positive) class.
    feature_names : list of str
        One name per column of ``X``.
    spec : DatasetSpec
        The registry entry.
    """

    name: str
    X: FloatArray
    y: IntArray
    feature_names: list[str]
    spec: DatasetSpec


# ------------------------------------------------------------------- readers
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


# ---------------------------------------------------------------- public API
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
    paths = spec.paths(data_dir)
    _check_files(paths, name)
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
    return Dataset(name=name, X=X, y=y, feature_names=list(names), spec=spec)


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
    path = resolve_data_dir(data_dir) / spec.file
    _check_files([path], name)
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
    try:
        root = require_data_dir(args.data_dir)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
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
