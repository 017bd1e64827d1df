"""Check what the sdist and the wheels contain.

    python ci/check_dist.py DIST_FILE...

A wheel must hold every module of src/w2v, every compiled extension (setup.py MODULES), py.typed,
_build_info.json, the .pyx/.pxd/.h package data, the ``w2v`` console script, the LICENSE
and the version of src/w2v/_version.py. An sdist must hold everything needed to build from
scratch (.pyx/.pxd/.h sources, setup.py, pyproject.toml, LICENSE, the tests and the docs) and
no build products (compiled extensions, Cython-generated C/C++). Exits 1 listing every problem.
"""

from __future__ import annotations

import re
import ast
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "w2v"


def extension_modules(root: Path = ROOT) -> list[str]:
    """The compiled modules' dotted names, read from ``MODULES`` in setup.py (their one list)."""
    tree = ast.parse((root / "setup.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "MODULES" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise SystemExit("setup.py defines no MODULES list")


def version() -> str:
    text = (PACKAGE / "_version.py").read_text(encoding="utf-8")
    return re.search(r'__version__ = "([^"]+)"', text).group(1)


def source_files(*patterns: str) -> list[str]:
    """Files of the source package matching `patterns`, as paths relative to src/w2v."""
    return sorted(path.relative_to(PACKAGE).as_posix()
                  for pattern in patterns for path in PACKAGE.rglob(pattern))


def check_wheel(path: Path) -> list[str]:
    problems = []
    with zipfile.ZipFile(path) as wheel:
        names = set(wheel.namelist())
        dist_info = next((name.split("/")[0] for name in names
                          if name.split("/")[0].endswith(".dist-info")), None)
        if dist_info is None:
            return ["no .dist-info folder"]
        metadata = wheel.read(f"{dist_info}/METADATA").decode()
        entry_points = (wheel.read(f"{dist_info}/entry_points.txt").decode()
                        if f"{dist_info}/entry_points.txt" in names else "")
    expected_version = version()
    if f"\nVersion: {expected_version}\n" not in metadata:
        problems.append(f"METADATA does not say Version: {expected_version}")
    if not re.search(r"^w2v\s*=\s*w2v\.cli:main$", entry_points, re.MULTILINE):
        problems.append("no console script w2v = w2v.cli:main")
    if not any(name.startswith(f"{dist_info}/licenses/LICENSE") or
               name == f"{dist_info}/LICENSE" for name in names):
        problems.append("LICENSE missing from .dist-info")
    for module in extension_modules():
        stem = module.replace(".", "/")
        if not any(re.fullmatch(rf"{re.escape(stem)}\..*(\.so|\.pyd)", entry) for entry in names):
            problems.append(f"compiled extension {stem} missing")
    wanted = source_files("*.py", "*.pyx", "*.pxd", "*.h") + ["py.typed", "_build_info.json"]
    problems += [f"w2v/{name} missing" for name in wanted if f"w2v/{name}" not in names]
    stray = [name for name in names if re.search(r"\.(c|cpp|o|obj)$", name)]
    problems += [f"build product {name} shipped" for name in stray]
    return problems


def check_sdist(path: Path) -> list[str]:
    problems = []
    with tarfile.open(path) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    wanted = (["setup.py", "pyproject.toml", "LICENSE", "README.md", "CHANGELOG.md",
               "MANIFEST.in", "docs/conf.py", "docs/index.md", "tests/conftest.py",
               "src/w2v/py.typed", "ci/test_installed.py"]
              + [f"src/w2v/{name}" for name in source_files("*.py", "*.pyx", "*.pxd", "*.h")])
    problems += [f"{name} missing" for name in wanted if name not in names]
    stray = [name for name in names
             if re.search(r"\.(so|pyd|c|cpp|o|pyc)$", name) or name.endswith("_build_info.json")]
    problems += [f"build product {name} shipped" for name in stray]
    if f"-{version()}." not in path.name:
        problems.append(f"file name does not carry version {version()}")
    return problems


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__)
        return 2
    failed = False
    for name in paths:
        path = Path(name)
        if path.suffix == ".whl":
            problems = check_wheel(path)
        elif path.name.endswith(".tar.gz"):
            problems = check_sdist(path)
        else:
            problems = ["not a wheel or an sdist"]
        for problem in problems:
            print(f"check_dist: {path.name}: {problem}")
        if not problems:
            print(f"check_dist: {path.name}: ok")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
