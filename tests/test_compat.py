"""Each shim of focalboost._compat against the upstream behaviour it relies on.

These tests fail when a new release of scikit-learn, numpy, dask or LightGBM
changes the message, attribute or warning a shim reads, so the change shows
up here, named, instead of as a silently different error or code path.
"""

import warnings

import numpy as np
import pytest
from sklearn.utils.validation import check_array

from focalboost import _compat


def _message(func, *args, **kwargs) -> str:
    with pytest.raises((ValueError, TypeError)) as info:
        func(*args, **kwargs)
    return str(info.value)


def test_sklearn_names_y_in_its_nan_and_inf_messages():
    for bad in (np.nan, np.inf):
        msg = _message(
            check_array, np.array([0.0, bad]), ensure_2d=False, input_name="y"
        )
        assert _compat.names_input(msg, "y"), msg


def test_sklearn_names_nothing_in_its_sample_count_message():
    msg = _message(check_array, np.empty((0, 3)), input_name="y")
    assert not _compat.names_input(msg, "y"), msg
    assert not _compat.names_input(msg, "X"), msg


def test_sklearn_names_x_in_its_nan_message():
    msg = _message(check_array, np.array([[np.nan]]), input_name="X")
    assert _compat.names_input(msg, "X"), msg


def test_complex_and_text_input_are_recognised():
    assert _compat.input_error_kind(_message(check_array, np.array([[1 + 1j]]))) == (
        "complex"
    )
    text = np.array([["a", "b"]], dtype=object)
    assert _compat.input_error_kind(_message(check_array, text)) == "not numeric"
    words = np.array([["a"]])
    assert _compat.input_error_kind(_message(check_array, words, dtype=np.float64)) == (
        "not numeric"
    )
    assert _compat.input_error_kind("Found array with 0 sample(s)") is None


def test_numpy_unique_of_unorderable_labels():
    exc = pytest.raises(TypeError, np.unique, np.array(["a", None], dtype=object))
    assert _compat.unsortable_labels(exc.value)
    assert not _compat.unsortable_labels(TypeError("something else"))
    assert not _compat.unsortable_labels(ValueError("not supported between"))


def test_dask_meta_nonempty_is_a_one_row_pandas_stand_in():
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    frame = pd.DataFrame({"a": [1.5, 2.5], "b": [1, 2], "c": ["x", "y"]})
    ddf = dd.from_pandas(frame, npartitions=1)
    standin = _compat.meta_nonempty(ddf)
    assert isinstance(standin, pd.DataFrame) and standin.shape == (1, 3)
    assert list(standin.columns) == ["a", "b", "c"]
    assert list(standin.dtypes) == list(ddf.dtypes)
    series = _compat.meta_nonempty(ddf["a"])
    assert isinstance(series, pd.Series) and series.shape == (1,)


def test_the_dask_extension_dtype_warning_is_the_one_silenced():
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    ddf = dd.from_pandas(pd.DataFrame({"s": ["a", "b"]}), npartitions=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ddf.to_dask_array(lengths=True)
    texts = [str(w.message) for w in caught]
    if texts:  # dask warns: it must be the text the shim silences
        assert any("limited support for converting pandas" in t for t in texts)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with _compat.quiet_extension_dtype_conversion():
            ddf.to_dask_array(lengths=True)


def test_lightgbm_dask_threads_warning_is_the_one_silenced():
    """lightgbm.dask's training warns with this text on every wrapper fit.

    (The Dask tests fit through it with warnings as errors, so a changed text
    fails there too; this names the cause.)
    """
    import inspect

    pytest.importorskip("dask")
    from lightgbm import dask as lgb_dask

    source = inspect.getsource(lgb_dask)
    assert 'f"Parameter {param_alias} will be ignored."' in source
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with _compat.quiet_lightgbm_dask_threads():
            warnings.warn("Parameter num_threads will be ignored.", stacklevel=1)


def test_lightgbm_parameter_names_hold_main_names_and_aliases():
    lgb = pytest.importorskip("lightgbm", reason="LightGBM not installed")
    names = _compat.lightgbm_parameter_names(lgb)
    # main names, aliases and the scikit-learn wrapper's names (aliases too)
    for name in ("num_leaves", "min_gain_to_split", "min_split_gain", "verbose"):
        assert name in names
    assert "boosting_type" in names and "is_unbalance" in names
    assert "not_a_lightgbm_parameter" not in names
