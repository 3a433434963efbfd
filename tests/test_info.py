"""``focalboost info`` / ``--version``, and an installation without the kernel.

An installation from source without a C compiler has no
``focalboost._ckernels``: it is simulated here by taking the module away
(``HAVE_CKERNEL`` false, no vector paths), in this process and, end to end,
in a fresh one where the import itself fails. The references are
independent of the code under test: each library's own ``__version__``,
``platform``, and the numpy path chosen explicitly with
``FOCALBOOST_NO_CKERNEL=1`` (the same results as an installation without the
kernel must give).
"""

import os
import platform
import subprocess
import sys
import warnings

import lightgbm
import numpy as np
import pytest
import scipy
import sklearn
import xgboost

import focalboost
from focalboost import FocalLGBMClassifier, FocalXGBClassifier, _kernels
from focalboost._kernels import KernelNotBuiltWarning
from focalboost.cli import main


def _info_rows(capsys, argv=("info",)) -> dict[str, str]:
    assert main(list(argv)) == 0
    out = capsys.readouterr().out
    rows = dict(line.strip().split(": ", 1) for line in out.splitlines())
    return rows


def test_info_reports_versions_platform_and_kernel(capsys, monkeypatch):
    # what this installation gives, not a numpy path chosen for the test run
    monkeypatch.delenv("FOCALBOOST_NO_CKERNEL", raising=False)
    rows = _info_rows(capsys)
    expected = {
        "focalboost": focalboost.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "xgboost": xgboost.__version__,
        "lightgbm": lightgbm.__version__,
    }
    assert {k: rows[k] for k in expected} == expected
    assert platform.machine() in rows["platform"]
    assert rows["kernel"] == _kernels.kernel_summary()
    assert rows["threads"] == str(_kernels.num_threads())
    if _kernels.HAVE_CKERNEL:
        path = _kernels.simd_path()
        assert rows["kernel"].startswith(f"compiled kernel, {path} vector path")
        assert rows["vector path"].startswith(f"{path} (this CPU runs: portable")
        assert rows["compiler"] == _kernels.compiler() != ""
    else:  # pragma: no cover - an installation without the kernel
        assert rows["kernel"].startswith("numpy path")


def test_info_follows_the_environment(capsys, monkeypatch):
    monkeypatch.setenv("FOCALBOOST_NO_CKERNEL", "1")
    assert _info_rows(capsys)["kernel"] == (
        "numpy path (compiled kernel disabled by FOCALBOOST_NO_CKERNEL)"
    )
    monkeypatch.delenv("FOCALBOOST_NO_CKERNEL")
    monkeypatch.setenv("FOCALBOOST_NUM_THREADS", "3")
    assert _info_rows(capsys)["threads"] == "3"


def test_version_option_names_the_kernel(capsys):
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out == f"focalboost {focalboost.__version__}: {_kernels.kernel_summary()}\n"


def test_python_m_focalboost_info_runs():
    proc = subprocess.run(
        [sys.executable, "-m", "focalboost", "info"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"focalboost: {focalboost.__version__}" in proc.stdout
    assert "kernel: " in proc.stdout
    assert proc.stderr == ""


@pytest.mark.parametrize(
    "env, says",
    [
        ({"FOCALBOOST_SIMD": "sse9"}, "unavailable: FOCALBOOST_SIMD='sse9'"),
        ({"FOCALBOOST_NUM_THREADS": "zero"}, "threads unavailable: FOCALBOOST_NUM"),
    ],
    ids=["bad-simd", "bad-threads"],
)
def test_status_lines_never_raise_on_bad_settings(monkeypatch, capsys, env, says):
    if not _kernels.HAVE_CKERNEL:  # pragma: no cover
        pytest.skip("the settings are read only with the compiled kernel")
    monkeypatch.delenv("FOCALBOOST_NO_CKERNEL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert says in _kernels.kernel_summary()
    rows = _info_rows(capsys)
    assert says in rows["kernel"]
    assert "unavailable" in rows["vector path"] + rows["threads"]


# ------------------------------------------------- without the compiled kernel
@pytest.fixture
def no_kernel(monkeypatch):
    """This process as an installation without a C compiler left it."""
    monkeypatch.delenv("FOCALBOOST_NO_CKERNEL", raising=False)
    monkeypatch.setattr(_kernels, "HAVE_CKERNEL", False)
    monkeypatch.setattr(_kernels, "_ckernels", None)
    monkeypatch.setattr(_kernels, "_IMPORT_ERROR", "")
    monkeypatch.setattr(_kernels, "_available_paths", lambda: ())
    monkeypatch.setattr(_kernels, "_warned", False)


@pytest.mark.usefixtures("no_kernel")
def test_status_functions_without_the_kernel(monkeypatch, capsys):
    for forced in ("", "avx2", "generic"):
        monkeypatch.setenv("FOCALBOOST_SIMD", forced)
        assert _kernels.simd_paths() == []
        assert _kernels.simd_path() is None
    assert _kernels.compiler() is None
    summary = _kernels.kernel_summary()
    assert summary.startswith("numpy path (the compiled kernel is not built: ")
    assert "wheel" in summary and "C compiler" in summary
    rows = _info_rows(capsys)
    assert rows["kernel"] == summary
    assert rows["vector path"] == "none (numpy path)"
    assert rows["compiler"] == "none (not built)"
    # a module that is there but does not load says why
    monkeypatch.setattr(_kernels, "_IMPORT_ERROR", "undefined symbol: sqrt")
    assert "does not load: undefined symbol: sqrt" in _kernels.kernel_summary()


def _data(n=300):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 1.0).astype(int)
    return X, y


ESTIMATORS = [
    pytest.param(FocalXGBClassifier, id="xgboost"),
    pytest.param(FocalLGBMClassifier, id="lightgbm"),
]


def _fit_proba(cls, X, y):
    return cls(n_estimators=5, gamma=2.0, n_jobs=1).fit(X, y).predict_proba(X)


@pytest.mark.usefixtures("no_kernel")
@pytest.mark.parametrize("cls", ESTIMATORS)
def test_first_fit_without_the_kernel_warns_once(monkeypatch, cls):
    X, y = _data()
    with pytest.warns(KernelNotBuiltWarning) as record:
        proba = _fit_proba(cls, X, y)
        again = _fit_proba(cls, X, y)  # a second fit: no second warning
    ours = [w for w in record if issubclass(w.category, KernelNotBuiltWarning)]
    assert len(ours) == 1, [str(w.message) for w in ours]
    message = str(ours[0].message)
    assert message.startswith(_kernels.NUMPY_PATH_WARNING)
    assert "wheel" in message and "FOCALBOOST_NO_CKERNEL=1" in message
    np.testing.assert_array_equal(proba, again)
    # the numpy path chosen explicitly: the same model, and no warning
    monkeypatch.setattr(_kernels, "_warned", False)
    monkeypatch.setenv("FOCALBOOST_NO_CKERNEL", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("error", KernelNotBuiltWarning)
        chosen = _fit_proba(cls, X, y)
    np.testing.assert_array_equal(proba, chosen)


def test_no_warning_when_the_numpy_path_is_chosen(monkeypatch):
    """FOCALBOOST_NO_CKERNEL=1, with or without the kernel built: silence."""
    monkeypatch.setenv("FOCALBOOST_NO_CKERNEL", "1")
    monkeypatch.setattr(_kernels, "_warned", False)
    X, y = _data()
    for have in (True, False):
        monkeypatch.setattr(_kernels, "HAVE_CKERNEL", have and _kernels.HAVE_CKERNEL)
        with warnings.catch_warnings():
            warnings.simplefilter("error", KernelNotBuiltWarning)
            _fit_proba(FocalXGBClassifier, X, y)
    assert not _kernels._warned


def test_fresh_process_without_the_kernel(tmp_path):
    """End to end in a new interpreter whose compiled module cannot be
    imported: the import is silent, the first fit warns once, the status
    line says numpy path, the kernel's status functions do not raise."""
    script = """
import sys, warnings
sys.modules["focalboost._ckernels"] = None  # what a build without compiler leaves
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import focalboost
    from focalboost import _kernels
    assert not caught, [str(w.message) for w in caught]
    assert not _kernels.HAVE_CKERNEL and _kernels.simd_path() is None
    X = [[0.0], [1.0], [2.0], [3.0]] * 10
    y = [0, 0, 1, 1] * 10
    for _ in range(2):
        focalboost.FocalXGBClassifier(n_estimators=2).fit(X, y)
print(len([w for w in caught if w.category is _kernels.KernelNotBuiltWarning]))
print(_kernels.kernel_summary())
"""
    env = {k: v for k, v in os.environ.items() if k != "FOCALBOOST_NO_CKERNEL"}
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    count, summary = proc.stdout.splitlines()
    assert count == "1"
    assert summary.startswith("numpy path (the compiled kernel is not built")
