"""The compiled kernel builds with the compilers users have; the archives hold it.

What each check proves:

- **strict ISO C** (``gcc``/``clang -std=c11 -pedantic-errors -Werror`` with
  ``FOCALBOOST_PORTABLE_ONLY``, which also poisons the GCC/Clang vector
  extensions and builtins): the configuration that MSVC and other compilers
  without those extensions build is standard C;
- **TinyCC** (a C compiler with no GCC vector extensions, the stand-in for
  MSVC here): the native harness of the portable path runs within the
  documented bounds against the C library, and the whole extension built by
  it loads in Python and passes the kernel tests (against the numpy
  reference, 1e-12);
- **cross-compilation** with Zig's Clang for macOS x86-64 and arm64, Linux
  arm64 and Windows x86-64 (GNU ABI), and MinGW-w64's GCC for Windows:
  the extension compiles for each target against the Python headers (the
  host's, adjusted to Windows' headers and 32-bit ``long`` there), and the
  preprocessor says which paths each target gets; the MinGW build is also
  linked into a ``.pyd`` against a stub import library of the Python DLL,
  which resolves the CPU-feature runtime. None of these runs the code on
  those targets (the wheel workflow's tests do; arm64 Linux runs under QEMU
  in ``tests/test_kernels.py``);
- **the source archive** holds every file the tests, the documentation and
  the examples need, and the LICENSE.

Each check skips, with the reason, where its tool is absent.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "focalboost" / "_ckernels.c"
HARNESS = REPO / "tests" / "native" / "simd_harness.c"

pytestmark = pytest.mark.skipif(
    not SOURCE.is_file(), reason="the kernel's C source is not here (a wheel)"
)


def _python_include() -> Path:
    include = Path(sysconfig.get_paths()["include"])
    if not (include / "Python.h").is_file():
        pytest.skip(f"no Python headers in {include}")
    return include


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, **kwargs
    )


def _check(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, f"{proc.args}\n{proc.stdout}\n{proc.stderr}"


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed")
    return path


# ------------------------------------------------------ the portable path
STRICT = ["-std=c11", "-pedantic-errors", "-Wall", "-Werror"]


@pytest.mark.parametrize("cc", ["tcc", "gcc", "clang"])
def test_portable_harness_within_its_bounds(tmp_path, cc):
    """The standard-C path alone, built by a compiler without GCC vector
    extensions (tcc) or in strict ISO C11, within the harness's bounds."""
    compiler = _need(cc)
    flags = [] if cc == "tcc" else ["-O2", *STRICT]
    exe = tmp_path / "harness"
    _check(
        _run([compiler, *flags, "-DPORTABLE", "-I", REPO / "focalboost", HARNESS,
              "-o", exe, "-lm"])
    )  # fmt: skip
    proc = _run([exe])
    _check(proc)
    # every bound was checked: exp, log1p, log and 4 gammas x (grad, Hessian)
    assert proc.stdout.count("(bound") == 11, proc.stdout


@pytest.mark.parametrize("cc", ["gcc", "clang"])
def test_extension_without_vector_extensions_is_iso_c(tmp_path, cc):
    """The whole extension as MSVC builds it (portable path only) compiles as
    strict ISO C11 with the GCC/Clang vector extensions poisoned."""
    compiler = _need(cc)
    obj = tmp_path / "ck.o"
    cmd = [compiler, "-O2", *STRICT, "-DFOCALBOOST_PORTABLE_ONLY", "-c"]
    _check(_run([*cmd, "-I", _python_include(), SOURCE, "-o", obj]))
    assert obj.stat().st_size > 0


def test_extension_built_by_tinycc_passes_the_kernel_tests(tmp_path):
    """TinyCC (no GCC vector extensions: the portable path only) builds the
    extension; loaded in place of the installed one, it passes the kernel
    tests on that path against the numpy reference."""
    tcc = _need("tcc")
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    module = tmp_path / f"_ckernels{suffix}"
    _check(
        _run([tcc, "-shared", "-fPIC", "-O2", "-I", _python_include(), SOURCE,
              "-o", module, "-lm"])
    )  # fmt: skip
    script = f"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location("focalboost._ckernels", {str(module)!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
sys.modules["focalboost._ckernels"] = module
from focalboost import _kernels
assert _kernels._ckernels is module
print("paths", _kernels.simd_paths(), "compiler", _kernels.compiler())
import pytest
sys.exit(pytest.main([{str(REPO / "tests" / "test_kernels.py")!r}, "-q",
    "-p", "no:cacheprovider", "--import-mode=importlib", "-x",
    "-k", "portable and not 8-threads"]))
"""
    env = {**os.environ, "FOCALBOOST_REQUIRE_CKERNEL": "1"}
    env.pop("FOCALBOOST_NO_CKERNEL", None)
    proc = _run([sys.executable, "-c", script], cwd=tmp_path, env=env, timeout=900)
    _check(proc)
    assert "paths ['portable'] compiler tcc" in proc.stdout, proc.stdout
    assert " passed" in proc.stdout and " failed" not in proc.stdout, proc.stdout


# --------------------------------------------------------- cross-compiling
def _zig() -> list[str]:
    if importlib.util.find_spec("ziglang") is None:
        pytest.skip("the ziglang package (Zig's Clang) is not installed")
    return [sys.executable, "-m", "ziglang", "cc"]


def _windows_include(tmp_path) -> Path:
    """The host's Python headers with pyconfig.h adjusted to 64-bit Windows."""
    include = tmp_path / "python-include"
    shutil.copytree(_python_include(), include)
    (include / "pyconfig.h").rename(include / "pyconfig_host.h")
    (include / "pyconfig.h").write_text(
        '#include "pyconfig_host.h"\n'
        "#undef HAVE_SYS_SELECT_H\n#undef HAVE_SYS_TIME_H\n"
        "#undef SIZEOF_LONG\n#define SIZEOF_LONG 4\n"
    )
    return include


#: target -> the vector paths its build has (the portable one always).
ZIG_TARGETS = {
    "x86_64-macos": {"FOCAL_VECTORS", "FOCAL_X86"},
    "aarch64-macos": {"FOCAL_VECTORS"},
    "aarch64-linux-gnu": {"FOCAL_VECTORS"},
    "x86_64-windows-gnu": {"FOCAL_VECTORS", "FOCAL_X86"},
}


def _paths_macros(cmd: list, include: Path) -> set[str]:
    proc = _run([*cmd, "-E", "-dM", "-I", include, SOURCE])
    _check(proc)
    defined = {line.split()[1] for line in proc.stdout.splitlines() if line.strip()}
    return defined & {"FOCAL_VECTORS", "FOCAL_X86"}


@pytest.mark.parametrize("target", list(ZIG_TARGETS))
def test_extension_cross_compiles(tmp_path, target):
    """Zig's Clang compiles the extension for another OS / architecture, with
    the paths that target should get (AVX2 and AVX-512 on x86-64 only)."""
    cmd = [*_zig(), "-target", target, "-O2"]
    windows = "windows" in target
    include = _windows_include(tmp_path) if windows else _python_include()
    obj = tmp_path / "ck.o"
    _check(_run([*cmd, "-c", "-I", include, SOURCE, "-o", obj], timeout=600))
    assert obj.stat().st_size > 0
    assert _paths_macros(cmd, include) == ZIG_TARGETS[target]


def test_extension_links_for_windows_with_mingw(tmp_path):
    """MinGW-w64's GCC compiles the extension for 64-bit Windows and links it
    into a .pyd exporting PyInit__ckernels (its CPU-feature checks resolved
    by the compiler's runtime, Python's functions by a stub import library)."""
    gcc = _need("x86_64-w64-mingw32-gcc")
    tools = {t: _need(f"x86_64-w64-mingw32-{t}") for t in ("nm", "dlltool", "objdump")}
    include = _windows_include(tmp_path)
    obj, pyd = tmp_path / "ck.o", tmp_path / "_ckernels.pyd"
    _check(_run([gcc, "-O2", "-c", "-I", include, SOURCE, "-o", obj]))
    assert _paths_macros([gcc], include) == {"FOCAL_VECTORS", "FOCAL_X86"}
    undefined = _run([tools["nm"], "-u", obj]).stdout.split()
    python = sorted(s for s in undefined if s.startswith(("Py", "_Py")))
    assert "PyModule_Create2" in python
    (tmp_path / "python.def").write_text(
        "LIBRARY python3.dll\nEXPORTS\n" + "\n".join(python) + "\n"
    )
    stub = tmp_path / "libpython_stub.a"
    _check(_run([tools["dlltool"], "-d", tmp_path / "python.def", "-l", stub]))
    _check(_run([gcc, "-shared", "-o", pyd, obj, stub]))
    exports = _run([tools["objdump"], "-p", pyd]).stdout
    assert "PyInit__ckernels" in exports


# ------------------------------------------------------ the source archive
def _tracked(*patterns: str) -> list[str]:
    if not (REPO / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout: the list of the project's files is git's")
    proc = _run(["git", "ls-files", "--", *patterns], cwd=REPO)
    _check(proc)
    return [f for f in proc.stdout.splitlines() if (REPO / f).is_file()]


def test_sdist_holds_what_its_tests_need(tmp_path):
    """The source archive has the LICENSE, the kernel's C source and every
    tracked file of tests/ (conftest.py, data/, native/), docs/, examples/
    and benchmarks/results/ (the documentation build the suite runs reads
    them); no compiled module."""
    pytest.importorskip("build", reason="the sdist is made with `build`")
    proc = _run(
        [sys.executable, "-m", "build", "--sdist", "--outdir", tmp_path, REPO],
        timeout=900,
    )
    _check(proc)
    (archive,) = tmp_path.glob("focalboost-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    needed = _tracked(
        "tests", "docs", "examples", "benchmarks/results", "conftest.py",
        "focalboost/_ckernels.c", "focalboost/_simd.h", "setup.py",
    )  # fmt: skip
    needed += ["LICENSE", "README.md", "pyproject.toml"]
    missing = sorted(set(needed) - names)
    assert not missing, missing
    assert not [n for n in names if n.endswith((".so", ".pyd", ".pyc"))]
