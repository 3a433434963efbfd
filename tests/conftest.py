"""Shared fixtures of the test suite."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    """Seeded random generator, fresh for every test."""
    return np.random.default_rng(0)


@pytest.fixture
def numpy_path(monkeypatch):
    """Pin the numpy reference path (the compiled kernel off).

    For identities between two code paths checked to 1e-14 (multi-label vs
    binary, two-class softmax vs binary): the compiled kernel agrees with the
    numpy path to 1e-12 of the terms' scale (``test_kernels.py``), not bitwise.
    """
    monkeypatch.setenv("FOCALBOOST_NO_CKERNEL", "1")


#: The objective's code paths that users' machines take, tested on every run:
#: the compiled kernel on one thread (the widest vector path of the CPU), on
#: eight (more than this machine has cores; the chunk size is lowered so that
#: the suite's small arrays are really cut into eight chunks; the generic
#: vector path), and the numpy fallback
#: (``FOCALBOOST_NO_CKERNEL=1``, the path without a C compiler).
KERNEL_PATHS = {
    "kernel-1-thread": {"FOCALBOOST_NUM_THREADS": "1"},
    # the portable 2-lane vector code, the path of CPUs without AVX2
    "kernel-8-threads": {"FOCALBOOST_NUM_THREADS": "8", "FOCALBOOST_SIMD": "generic"},
    "numpy": {"FOCALBOOST_NO_CKERNEL": "1"},
}
SMALL_CHUNK = 64


@pytest.fixture(params=list(KERNEL_PATHS))
def kernel_path(request, monkeypatch):
    """Run the test once per objective code path (see :data:`KERNEL_PATHS`).

    Modules opt in with ``pytestmark = pytest.mark.usefixtures("kernel_path")``.
    """
    from focalboost import _kernels

    monkeypatch.delenv("FOCALBOOST_NO_CKERNEL", raising=False)
    for name, value in KERNEL_PATHS[request.param].items():
        monkeypatch.setenv(name, value)
    if request.param == "kernel-8-threads":
        monkeypatch.setattr(_kernels, "MIN_CHUNK", SMALL_CHUNK)
        if "generic" not in _kernels.simd_paths():  # built without vectors (MSVC)
            monkeypatch.setenv("FOCALBOOST_SIMD", "portable")
    return request.param


@pytest.fixture(params=["1", "8"], ids=["1-thread", "8-threads"])
def kernel_threads(request, monkeypatch):
    """The compiled kernel on one and on eight threads (small chunks at eight)."""
    from focalboost import _kernels

    monkeypatch.setenv("FOCALBOOST_NUM_THREADS", request.param)
    if request.param == "8":
        monkeypatch.setattr(_kernels, "MIN_CHUNK", SMALL_CHUNK)
    return int(request.param)


#: The compiled kernel's vector paths (``FOCALBOOST_SIMD``).
SIMD_PATHS = ["portable", "generic", "avx2", "avx512"]


@pytest.fixture(params=SIMD_PATHS)
def simd(request, monkeypatch):
    """Run the test on every vector path of the compiled kernel this CPU has.

    The paths it does not have are skipped, with the reason; CI runs on an
    x86-64 machine, where ``generic`` and at least ``avx2`` run.
    """
    from focalboost import _kernels

    if request.param not in _kernels.simd_paths():
        pytest.skip(f"this CPU does not run the {request.param} vector path")
    monkeypatch.setenv("FOCALBOOST_SIMD", request.param)
    return request.param


def pytest_report_header(config):
    """Say in every run's header which kernel paths this machine tests."""
    from focalboost import _kernels

    if not _kernels.HAVE_CKERNEL:
        return "focalboost compiled kernel: not built (numpy path only)"
    paths = ", ".join(_kernels.simd_paths())
    return (
        f"focalboost compiled kernel: vector paths {paths} "
        f"(default {_kernels.simd_paths()[-1]}), {_kernels.num_threads()} threads"
    )
