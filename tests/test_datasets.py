"""The embedded data set and its loader."""

import importlib.resources

import numpy as np
import pytest

from focalboost.datasets import load_wine_quality

FEATURES = [
    "fixed_acidity",
    "volatile_acidity",
    "citric_acid",
    "residual_sugar",
    "chlorides",
    "free_sulfur_dioxide",
    "total_sulfur_dioxide",
    "density",
    "pH",
    "sulphates",
    "alcohol",
]


def test_wine_quality_bunch_matches_its_readme():
    bunch = load_wine_quality()
    assert bunch.data.shape == (4898, 11) and bunch.data.dtype == np.float64
    assert bunch.target.dtype == np.int64
    assert np.bincount(bunch.target).tolist() == [4715, 183]
    assert bunch.feature_names == FEATURES and bunch.target_names == ["target"]
    assert bunch.frame is None and "CC BY 4.0" in bunch.DESCR
    # First row of the UCI white-wine file (quality 6 -> target 0).
    np.testing.assert_array_equal(
        bunch.data[0], [7.0, 0.27, 0.36, 20.7, 0.045, 45, 170, 1.001, 3.0, 0.45, 8.8]
    )
    assert np.all(np.isfinite(bunch.data)) and np.all(bunch.data >= 0)


def test_wine_quality_as_frame():
    pd = pytest.importorskip("pandas")
    X, y = load_wine_quality(return_X_y=True, as_frame=True)
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    assert list(X.columns) == FEATURES and y.name == "target"
    bunch = load_wine_quality(as_frame=True)
    assert list(bunch.frame.columns) == [*FEATURES, "target"]
    np.testing.assert_array_equal(bunch.data.to_numpy(), load_wine_quality().data)


def test_data_files_ship_with_an_attribution():
    data = importlib.resources.files("focalboost").joinpath("data")
    readme = data.joinpath("README.md").read_text()
    assert "CC BY 4.0" in readme and "Cortez" in readme
    assert "Decision Support Systems" in readme
    assert data.joinpath("wine_quality.csv.gz").is_file()
