"""Every place where focalboost relies on other libraries' unpublished behaviour.

Each shim here is small and has a test in ``tests/test_compat.py`` that fails
when the upstream behaviour it relies on changes, so a new release of
scikit-learn, numpy or dask breaks a named test instead of silently changing
an error message or a code path. Nothing else in the package reads another
library's private attributes or matches the text of its error messages.

- scikit-learn's input validation names the input in some messages ("Input y
  contains NaN", "X has 3 features") and not in others; focalboost adds the
  name where it is missing, and turns numpy's conversion errors of complex
  and text arrays into messages that say what to do.
- dask DataFrames expose a non-empty stand-in of their columns only as the
  private ``_meta_nonempty``; the Dask estimators validate its one row on the
  client exactly as a local frame.
- ``numpy.unique`` of labels that cannot be ordered (None among strings)
  raises a ``TypeError`` whose text is the only thing that distinguishes it.
- LightGBM publishes no list of its parameter names; its Python package
  reads them (main names and aliases) from the library through the private
  ``lightgbm.basic._ConfigAliases``. focalboost refuses a keyword LightGBM
  does not know instead of passing it to a booster that ignores it.
- Two warnings that do not concern focalboost's users are silenced by their
  text: dask's note on converting pandas extension dtypes (text columns become
  object arrays, as numpy makes of a pandas string column), and
  ``lightgbm.dask``'s "Parameter num_threads will be ignored", which its own
  scikit-learn wrapper triggers on every fit (it sets the threads per
  worker). Warning filters are process-wide, so concurrent Dask fits in
  threads of one process may see them.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Iterator
from typing import Any

__all__ = [
    "input_error_kind",
    "lightgbm_parameter_names",
    "meta_nonempty",
    "names_input",
    "quiet_extension_dtype_conversion",
    "quiet_lightgbm_dask_threads",
    "unsortable_labels",
]

# numpy's messages when an array cannot be converted to float
_NOT_NUMERIC = ("could not convert", "must be a string or a")
# scikit-learn's check_array message for complex input
_COMPLEX = "Complex data not supported"


def names_input(message: str, name: str) -> bool:
    """Return whether a scikit-learn validation message already names ``name``.

    scikit-learn writes ``"Input X contains NaN"``, ``"Input y contains
    infinity"`` or ``"X has 3 features"``; other messages ("Found array with
    0 sample(s)") name nothing, and focalboost prefixes the input's name.

    Parameters
    ----------
    message : str
        The exception's text.
    name : str
        ``"X"`` or ``"y"``.

    Returns
    -------
    bool
    """
    if name == "y":
        return "Input y" in message
    return re.search(rf"\b{re.escape(name)}\b", message) is not None


def input_error_kind(message: str) -> str | None:
    """Classify a conversion error of scikit-learn's ``check_array``.

    Parameters
    ----------
    message : str
        The exception's text.

    Returns
    -------
    {"complex", "not numeric"} or None
        ``"complex"`` for complex input, ``"not numeric"`` when numpy could
        not convert text or objects to float, None otherwise.
    """
    if _COMPLEX in message:
        return "complex"
    if any(text in message for text in _NOT_NUMERIC):
        return "not numeric"
    return None


def meta_nonempty(frame: Any) -> Any:
    """Return a one-row pandas stand-in of a dask DataFrame or Series.

    Same columns, names and dtypes, made-up values, nothing computed.

    Parameters
    ----------
    frame : dask.dataframe.DataFrame or dask.dataframe.Series

    Returns
    -------
    pandas.DataFrame or pandas.Series
        The first row of dask's non-empty metadata.
    """
    return frame._meta_nonempty.iloc[:1]


def lightgbm_parameter_names(lgb: Any) -> frozenset[str]:
    """Return every parameter name LightGBM knows: main names and aliases.

    Parameters
    ----------
    lgb : module
        The ``lightgbm`` module (passed in: this module imports no backend).

    Returns
    -------
    frozenset of str
    """
    aliases = lgb.basic._ConfigAliases._get_all_param_aliases()
    return frozenset(aliases) | frozenset(
        a for names in aliases.values() for a in names
    )


def unsortable_labels(exc: BaseException) -> bool:
    """Return whether ``exc`` is numpy's error for labels that cannot be ordered.

    Parameters
    ----------
    exc : BaseException
        An exception raised by ``numpy.unique`` or a sort of labels.

    Returns
    -------
    bool
    """
    return isinstance(exc, TypeError) and "not supported between" in str(exc)


@contextlib.contextmanager
def quiet_extension_dtype_conversion() -> Iterator[None]:
    """Silence dask's warning on converting pandas extension dtypes to arrays."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message="Dask currently has limited support for converting pandas "
            "extension dtypes",
            category=UserWarning,
        )
        yield


@contextlib.contextmanager
def quiet_lightgbm_dask_threads() -> Iterator[None]:
    """Silence ``lightgbm.dask``'s warning that it ignores ``num_threads``."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message=r"Parameter (num_threads|n_jobs) will be ignored",
            category=UserWarning,
        )
        yield
