"""Run the test suite against the *installed* w2v, never the source tree.

Used by cibuildwheel's test-command (every wheel), by ci/test_wheel.sh, ci/test_sdist.sh and
ci/test_oldest_deps.sh. Cross-platform (plain Python, no shell):

    python ci/test_installed.py [--tests DIR] [-- PYTEST_ARGS...]

It checks that ``import w2v`` finds a copy in site-packages with its compiled extensions,
copies the tests to a temporary folder (so no ``src/`` and no project ``conftest`` is near),
and runs pytest there with ``--import-mode=importlib``. Exit status: pytest's.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from check_dist import extension_modules  # ci/ is this script's folder, so on sys.path


def check_installed(project: Path) -> Path:
    """Import w2v in a clean subprocess and check where it comes from; return its folder."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    code = "import w2v, sys; print(w2v.__file__); print(w2v.__version__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, cwd=tempfile.gettempdir(), check=False)
    if result.returncode != 0:
        sys.exit(f"test_installed: import w2v failed:\n{result.stderr}")
    location, version = result.stdout.split()
    package = Path(location).resolve().parent
    site_dirs = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")}
    if package.parent not in site_dirs:
        sys.exit(f"test_installed: w2v imported from {package}, not from site-packages "
                 f"({', '.join(map(str, sorted(site_dirs)))})")
    if package == (project / "src" / "w2v").resolve():
        sys.exit(f"test_installed: w2v imported from the source tree ({package})")
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    # The project's setup.py lists them: every one must be in the installed package.
    stems = [module.split(".", 1)[1].replace(".", "/") for module in extension_modules(project)]
    missing = [stem for stem in stems
               if not any((package / (stem + suffix)).exists() for suffix in suffixes)]
    if missing:
        sys.exit(f"test_installed: compiled extensions missing from {package}: {missing}")
    for name in ("py.typed", "_build_info.json"):
        if not (package / name).exists():
            sys.exit(f"test_installed: {name} missing from {package}")
    print(f"test_installed: w2v {version} from {package}", flush=True)
    return package


def main() -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=Path, default=here.parent / "tests",
                        help="the test folder to copy (default: the project's tests/)")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args()
    tests = args.tests.resolve()
    check_installed(tests.parent)

    with tempfile.TemporaryDirectory(prefix="w2v-tests-") as tmp:
        copy = Path(tmp) / "tests"
        shutil.copytree(tests, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        command = [sys.executable, "-m", "pytest", "-ra", "-q", "--import-mode=importlib",
                   "-p", "no:cacheprovider", "--rootdir", str(tmp), str(copy),
                   *args.pytest_args]
        print("test_installed:", " ".join(command), flush=True)
        return subprocess.run(command, cwd=tmp, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
