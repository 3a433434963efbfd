"""Registry of the real data sets of the benchmarks, and where they are found.

The static table behind :mod:`benchmarks.datasets` (which re-exports every
public name here): one :class:`DatasetSpec` per binary data set with its
documented rows, features and positives, the multi-label sets, and the data
folder resolution (``data_dir`` argument, else ``$FOCALBOOST_DATA``, else
``../shared/data`` relative to the repository root).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

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
