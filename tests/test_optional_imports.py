"""The test suite runs where optional packages are missing (wheels are tested on platforms
where gensim has no wheel, e.g. musllinux and CPython 3.14; matplotlib is only in the
``plot`` extra, faiss in the ``ann`` extra): a test module may only import them after ``pytest.importorskip``."""

import re
from pathlib import Path

import pytest

OPTIONAL = ("gensim", "matplotlib", "faiss")
TESTS = sorted(Path(__file__).parent.glob("*.py"))


@pytest.mark.parametrize("path", TESTS, ids=lambda path: path.name)
def test_optional_packages_are_imported_through_importorskip(path):
    text = path.read_text(encoding="utf-8")
    for package in OPTIONAL:
        imports = re.findall(rf"^([ \t]*)(?:import|from)[ \t]+{package}\b", text, re.MULTILINE)
        if not imports:
            continue
        assert all(indent for indent in imports), (
            f"{path.name} imports {package} at module level; use "
            f'`{package} = pytest.importorskip("{package}")` so the suite skips without it')
        assert re.search(rf"importorskip\(\s*[\"']{package}", text), (
            f'{path.name} imports {package} without pytest.importorskip("{package}")')
