"""Build the optional compiled kernel; all metadata is in pyproject.toml.

``optional=True``: when no C compiler is available the package installs
without it and :mod:`focalboost._kernels` falls back to numpy.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "focalboost._ckernels",
            sources=["focalboost/_ckernels.c"],
            # the vector kernels, included once per instruction set
            depends=["focalboost/_simd.h"],
            extra_compile_args=["-O3"],
            optional=True,
        )
    ]
)
