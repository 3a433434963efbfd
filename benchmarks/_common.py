"""Pieces shared by the benchmark scripts."""

from __future__ import annotations

import os
import platform
from typing import Any


def versions() -> dict[str, str]:
    """Versions of focalboost and the libraries every benchmark runs on.

    The CLI report's list (``focalboost._compare._versions``), without Python
    (recorded on its own by :func:`machine`), under the benchmarks' key names.
    """
    from focalboost._compare import _versions

    return {
        ("scikit_learn" if name == "scikit-learn" else name): version
        for name, version in _versions().items()
        if name != "python"
    }


def machine(fit_threads: int) -> dict[str, Any]:
    """Machine, versions and thread settings of a benchmark run.

    ``fit_threads``: the threads (``n_jobs``) the timed fits use.
    """
    from focalboost import _kernels

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(
                (
                    ln.split(":", 1)[1].strip()
                    for ln in fh
                    if ln.startswith("model name")
                ),
                cpu,
            )
    except OSError:  # pragma: no cover - not Linux
        pass
    found = versions()
    try:
        import catboost

        found["catboost"] = catboost.__version__
    except ImportError:
        pass
    return dict(
        platform=platform.platform(),
        cpu=cpu,
        cpu_count=os.cpu_count(),
        usable_cpus=len(os.sched_getaffinity(0)),
        python=platform.python_version(),
        versions=found,
        compiled_kernel=_kernels.HAVE_CKERNEL,
        kernel_threads=_kernels.num_threads(),
        fit_threads=fit_threads,
    )
