"""Build the compiled parts of w2v.

Everything declarative lives in ``pyproject.toml``; this file only describes the Cython
extensions, because their compiler flags depend on the platform.

Environment variables
---------------------
W2V_NATIVE=1
    Add ``-march=native`` for local experiments. Never set it for wheels: a wheel must run on
    CPUs other than the one that built it. The shipped kernels get their SIMD from BLAS, which
    picks code for the running CPU, and from portable ``-O3``.
W2V_DEBUG=1
    Build without optimisation and with Cython's bounds checks, for debugging.
"""

import os
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup

MODULES = ["_core", "_vocab", "_corpusfile", "_batchqueue", "_phrases"]


def compile_args() -> list[str]:
    if sys.platform == "win32":
        return ["/O2"]
    if os.environ.get("W2V_DEBUG") == "1":
        return ["-O0", "-g"]
    args = ["-O3", "-fno-strict-aliasing"]
    if os.environ.get("W2V_NATIVE") == "1":
        args.append("-march=native")
    return args


def directives() -> dict:
    debug = os.environ.get("W2V_DEBUG") == "1"
    return {
        "language_level": 3,
        "boundscheck": debug,
        "wraparound": False,
        "initializedcheck": debug,
        "cdivision": True,
        "embedsignature": True,
    }


def extensions() -> list[Extension]:
    flags = compile_args()
    return [
        Extension(
            f"w2v.{name}",
            [f"src/w2v/{name}.pyx"],
            include_dirs=["src/w2v"],
            extra_compile_args=flags,
            define_macros=[("W2V_COMPILE_ARGS", '"' + " ".join(flags) + '"')],
        )
        for name in MODULES
    ]


setup(ext_modules=cythonize(extensions(), compiler_directives=directives()))
