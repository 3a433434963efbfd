"""Root pytest configuration, loaded before any test module is imported.

XGBoost and LightGBM run OpenMP loops whose idle threads spin by default
(``OMP_WAIT_POLICY=ACTIVE`` behaviour). On a 2-core machine that is busy with
anything else (CI neighbours, a benchmark), a spinning thread competes with the
working one and a 40-row fit was measured taking 10 s instead of 0.06 s. The
passive policy changes no result, only how idle threads wait; it has to be set
before the OpenMP runtime is loaded, hence here and not in ``tests/conftest.py``
(``--doctest-modules`` imports ``focalboost`` first).
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
