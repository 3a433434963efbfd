"""Build the optional compiled kernel; all metadata is in pyproject.toml.

The extension is optional: when it cannot be built (no C compiler, no Python
headers) the package installs without it and :mod:`focalboost._kernels`
falls back to numpy. The build then prints a warning line that says so (pip
shows the build's output with ``-v``; the package itself warns at the first
fit, see ``focalboost._kernels.KernelNotBuiltWarning``).

Flags per compiler: MSVC gets ``/O2`` (it builds the portable standard-C
path); GCC, Clang and other Unix-style compilers ``-O3``. Never ``-march`` or
``-ffast-math``: the kernel picks its vector path at run time and its maths
relies on IEEE rounding.
"""

import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

#: Optimisation flags by setuptools compiler type (others: none).
COMPILE_ARGS = {
    "msvc": ["/O2"],
    "unix": ["-O3"],
    "mingw32": ["-O3"],
    "cygwin": ["-O3"],
}

NOT_BUILT = (
    "WARNING: focalboost's compiled kernel (focalboost._ckernels) could not be "
    "built: {reason}. focalboost is installed without it and fits run on the "
    "slower numpy path (same results). For the fast path install a focalboost "
    "wheel, or a C compiler (GCC, Clang or MSVC) and the Python headers, then "
    "reinstall."
)


class BuildKernel(build_ext):
    """``build_ext`` with per-compiler flags and a visible line on failure."""

    def build_extensions(self) -> None:
        """Add the flags of the compiler in use, then build."""
        args = COMPILE_ARGS.get(self.compiler.compiler_type, [])
        for ext in self.extensions:
            ext.extra_compile_args = [*args, *ext.extra_compile_args]
        super().build_extensions()

    def run(self) -> None:
        """Build, or say why not (no compiler: setuptools raises early)."""
        try:
            super().run()
        except Exception as exc:
            self._not_built(exc)

    def build_extension(self, ext) -> None:
        """Build one extension, or say why not (the compiler failed)."""
        try:
            super().build_extension(ext)
        except Exception as exc:
            self._not_built(exc)

    @staticmethod
    def _not_built(exc: Exception) -> None:
        reason = " ".join(str(exc).split()).rstrip(".") or type(exc).__name__
        line = NOT_BUILT.format(reason=reason)
        print(line, file=sys.stderr, flush=True)


setup(
    ext_modules=[
        Extension(
            "focalboost._ckernels",
            sources=["focalboost/_ckernels.c"],
            # the kernels, included once per path
            depends=["focalboost/_simd.h"],
            optional=True,
        )
    ],
    cmdclass={"build_ext": BuildKernel},
)
