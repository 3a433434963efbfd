"""The package version and the versions report of results files."""

from __future__ import annotations

import platform
from importlib import metadata

__all__ = ["__version__", "versions"]

__version__ = "0.1.0.dev0"

#: Distributions whose versions a results file records, in this order.
REPORTED = ("numpy", "scipy", "scikit-learn", "xgboost", "lightgbm")


def versions() -> dict[str, str]:
    """Return the versions of focalboost, Python and the libraries it runs on.

    Returns
    -------
    dict of str to str
        ``{"focalboost": ..., "python": ..., "numpy": ..., ...}``; a library
        that is not installed reads ``"not installed"``.

    Examples
    --------
    >>> from focalboost._version import versions
    >>> list(versions())[:2]
    ['focalboost', 'python']
    """
    out = {"focalboost": __version__, "python": platform.python_version()}
    for dist in REPORTED:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[dist] = "not installed"
    return out
