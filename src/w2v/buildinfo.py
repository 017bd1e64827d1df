"""How this copy of w2v was built and what it runs on: ``w2v.show_config()``.

The build half comes from ``_build_info.json``, which ``setup.py`` writes next to the
compiled extensions; the run-time half (BLAS libraries actually loaded, thread pools, library
versions) is read when asked, through threadpoolctl and SciPy's own build configuration.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from importlib import resources
from typing import Any, TextIO

from w2v._version import __version__


def _build_info() -> dict[str, Any]:
    try:
        text = resources.files("w2v").joinpath("_build_info.json").read_text(encoding="utf-8")
    except (OSError, ValueError):
        return {}
    return json.loads(text)


def _scipy_blas() -> dict[str, Any] | None:
    """The BLAS SciPy was built against (w2v calls BLAS through scipy.linalg.cython_blas)."""
    try:
        import scipy

        config = scipy.show_config(mode="dicts")
        blas = config.get("Build Dependencies", {}).get("blas", {})
    except Exception:  # noqa: BLE001 - older SciPy without mode="dicts"
        return None
    return {key: blas.get(key) for key in ("name", "version", "openblas configuration")
            if blas.get(key) is not None} or None


def _threadpools() -> list[dict[str, Any]]:
    """The BLAS / OpenMP libraries loaded in this process and their thread counts."""
    import scipy.linalg  # noqa: F401  (loads SciPy's BLAS, which w2v uses)
    from threadpoolctl import threadpool_info

    keep = ("user_api", "internal_api", "version", "num_threads", "threading_layer",
            "architecture", "filepath")
    return [{key: pool.get(key) for key in keep if pool.get(key) is not None}
            for pool in threadpool_info()]


def _usable_cpus() -> int | None:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


def get_config() -> dict[str, Any]:
    """How w2v was built and what it runs with, as a dict (see `show_config`).

    Returns
    -------
    dict
        ``version``; ``build`` (``compiler``: the compiler and its flags;
        ``built_against``: the Python, NumPy, SciPy and Cython versions at build time;
        empty when the build left no record);
        ``runtime`` (Python, platform, NumPy, SciPy and threadpoolctl versions, CPU count);
        ``blas`` (SciPy's BLAS at build time and the thread pools loaded now).

    Examples
    --------
    >>> import w2v
    >>> config = w2v.get_config()
    >>> config["version"] == w2v.__version__
    True
    >>> sorted(config)
    ['blas', 'build', 'runtime', 'version']
    """
    import numpy
    import scipy
    import threadpoolctl

    from w2v import _core

    build = _build_info()
    build.setdefault("compiler", {}).setdefault("compile_args_in_extension", _core.COMPILE_ARGS)
    return {
        "version": __version__,
        "build": build,
        "runtime": {
            "python": sys.version.split()[0],
            "implementation": sys.implementation.name,
            "platform": platform.platform(),
            "machine": platform.machine(),
            "numpy": numpy.__version__,
            "scipy": scipy.__version__,
            "threadpoolctl": threadpoolctl.__version__,
            "cpu_count": os.cpu_count(),
            "usable_cpus": _usable_cpus(),
        },
        "blas": {
            "scipy_built_with": _scipy_blas(),
            "threadpools": _threadpools(),
        },
    }


def _lines(value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            nested = isinstance(item, dict) or (isinstance(item, list) and item
                                                and isinstance(item[0], dict))
            if nested and item:
                out.append(f"{pad}{key}:")
                out.extend(_lines(item, indent + 1))
            else:
                out.append(f"{pad}{key}: {_scalar(item)}")
        return out
    if isinstance(value, list):
        out = []
        for item in value:
            sub = _lines(item, indent + 1)
            if sub:
                out.append(f"{pad}- {sub[0].lstrip()}")
                out.extend(sub[1:])
        return out
    return [f"{pad}{_scalar(value)}"]


def _scalar(value: Any) -> str:
    if value is None:
        return "(unknown)"
    if isinstance(value, list):
        return " ".join(map(str, value)) if value else "(none)"
    if isinstance(value, dict):
        return "(none)"
    return str(value)


def show_config(file: TextIO | None = None) -> None:
    """Print how w2v was built and what it runs with.

    Shows the compiler and flags of the compiled kernels, the Python, NumPy, SciPy and
    Cython versions they were built against, the versions running now, the BLAS that SciPy
    was built with (w2v's kernels call it through ``scipy.linalg.cython_blas``) and the BLAS
    thread pools loaded in this process, and the number of CPUs. Include it in bug reports.
    ``w2v show-config`` on the command line prints the same.

    Parameters
    ----------
    file : file-like, optional
        Where to write (default: ``sys.stdout``).

    Examples
    --------
    >>> import io, w2v
    >>> out = io.StringIO()
    >>> w2v.show_config(file=out)
    >>> out.getvalue().splitlines()[0] == f"w2v {w2v.__version__}"
    True
    """
    config = get_config()
    stream = sys.stdout if file is None else file
    lines = [f"w2v {config.pop('version')}"]
    for section, value in config.items():
        lines.append(f"{section}:")
        lines.extend(_lines(value, 1) if value else ["  (not recorded)"])
    print("\n".join(lines), file=stream)
