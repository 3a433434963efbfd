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
