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

The build also writes ``w2v/_build_info.json`` (compiler, flags, and the versions of Python,
NumPy, SciPy and Cython it built against) next to the extensions; ``w2v.show_config()``
prints it together with what it finds at run time.
"""

import json
import os
import platform
import subprocess
import sys
import sysconfig

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

#: The compiled modules, by dotted name; each is built from the .pyx of the same path.
MODULES = ["w2v._core", "w2v.vocab._vocab", "w2v.train._schedule", "w2v.train._corpusfile",
           "w2v.train._batchqueue", "w2v.phrases._phrases", "w2v._inference",
           "w2v.io._textformat", "w2v.distributed._exchange"]


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
            name,
            ["src/" + name.replace(".", "/") + ".pyx"],
            include_dirs=["src", "src/w2v/cshared"],
            extra_compile_args=flags,
            define_macros=[("W2V_COMPILE_ARGS", '"' + " ".join(flags) + '"')],
        )
        for name in MODULES
    ]


def _version_of(module_name: str) -> str | None:
    try:
        return __import__(module_name).__version__
    except Exception:  # noqa: BLE001 - a missing module is simply not reported
        return None


def _compiler_version(command: list[str]) -> str | None:
    """First line of ``<compiler> --version`` (gcc, clang), or None (MSVC, or no answer)."""
    if not command:
        return None
    try:
        result = subprocess.run([command[0], "--version"], capture_output=True, text=True,
                                timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = result.stdout.strip().splitlines()
    return lines[0] if result.returncode == 0 and lines else None


class build_ext_with_info(build_ext):
    """``build_ext`` that also records how the extensions were built in _build_info.json."""

    def run(self):
        super().run()
        command = list(getattr(self.compiler, "compiler_so", None) or [])
        info = {
            "compiler": {
                "type": getattr(self.compiler, "compiler_type", None),
                "command": command[0] if command else None,
                "version": _compiler_version(command),
                "args": compile_args(),
                "native": os.environ.get("W2V_NATIVE") == "1",
                "debug": os.environ.get("W2V_DEBUG") == "1",
            },
            "built_against": {
                "python": platform.python_version(),
                "implementation": sys.implementation.name,
                "platform": sysconfig.get_platform(),
                "numpy": _version_of("numpy"),
                "scipy": _version_of("scipy"),
                "cython": _version_of("Cython"),
            },
        }
        # Next to the extensions: the build tree (wheels) and the source tree (--inplace).
        package_dir = os.path.join("src" if self.inplace else self.build_lib, "w2v")
        os.makedirs(package_dir, exist_ok=True)
        with open(os.path.join(package_dir, "_build_info.json"), "w", encoding="utf-8") as out:
            json.dump(info, out, indent=2, sort_keys=True)
            out.write("\n")

    def get_outputs(self):
        outputs = super().get_outputs()
        return outputs + [os.path.join(self.build_lib, "w2v", "_build_info.json")]


setup(
    ext_modules=cythonize(extensions(), compiler_directives=directives()),
    cmdclass={"build_ext": build_ext_with_info},
)
