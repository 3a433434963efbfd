"""The package version, the versions report of results files, the status report."""

from __future__ import annotations

import platform
from importlib import metadata

from . import _kernels

__all__ = ["__version__", "info", "versions"]

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


def info() -> dict[str, str]:
    """Return what ``focalboost info`` prints: versions, platform and kernel.

    The versions of :func:`versions`, then the platform, whether fits use
    the compiled kernel (and if not, why, and how to get it), its vector
    path and the paths this CPU runs, the compiler that built it and the
    kernel's thread budget. Never raises: an entry that cannot be read says
    why.

    Returns
    -------
    dict of str to str
        ``{"focalboost": ..., ..., "platform": ..., "kernel": ...,
        "vector path": ..., "compiler": ..., "threads": ...}``.

    Examples
    --------
    >>> from focalboost._version import info
    >>> info()["kernel"].startswith(("compiled kernel", "numpy path"))
    True
    """
    out = versions()
    out["platform"] = f"{platform.platform()} ({platform.machine()})"
    out["kernel"] = _kernels.kernel_summary()
    paths = _kernels.simd_paths()
    if not paths:
        out["vector path"] = "none (numpy path)"
    else:
        try:
            chosen = _kernels.simd_path()
        except ValueError as exc:
            chosen = f"unavailable ({exc})"
        out["vector path"] = f"{chosen} (this CPU runs: {', '.join(paths)})"
    out["compiler"] = _kernels.compiler() or "none (not built)"
    try:
        out["threads"] = str(_kernels.num_threads())
    except ValueError as exc:
        out["threads"] = f"unavailable ({exc})"
    return out
