"""Benchmark scripts of focalboost; run each as ``python -m benchmarks.NAME``.

Importing the package sets ``OMP_WAIT_POLICY=PASSIVE`` (unless it is set):
OpenMP threads that spin while waiting make XGBoost / LightGBM 5-20x slower
when other processes share the cores, and the variable must be set before
either backend is imported, which importing any ``benchmarks.NAME`` module
guarantees.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
