import os
import sys

import pytest

# tests/reference.py and tests/planted.py are plain helper modules.
sys.path.insert(0, os.path.dirname(__file__))


def pytest_configure(config):
    # Also registered in pyproject.toml; repeated here for runs from a copy of tests/ (ci/test_installed.py).
    config.addinivalue_line("markers", "fuzz: long fuzzing runs, skipped unless selected: pytest -m fuzz")


def pytest_collection_modifyitems(config, items):
    """Long fuzzing runs (marked ``fuzz``) only when asked for: ``pytest -m fuzz``."""
    if "fuzz" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="long fuzzing: run with pytest -m fuzz (W2V_FUZZ_SECONDS per parser)")
    for item in items:
        if "fuzz" in item.keywords:
            item.add_marker(skip)
