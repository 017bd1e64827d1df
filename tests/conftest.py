import os
import sys

import pytest

# tests/reference.py and tests/planted.py are plain helper modules.
sys.path.insert(0, os.path.dirname(__file__))


def pytest_collection_modifyitems(config, items):
    """Long fuzzing runs (marked ``fuzz``) only when asked for: ``pytest -m fuzz``."""
    if "fuzz" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="long fuzzing: run with pytest -m fuzz (W2V_FUZZ_SECONDS per parser)")
    for item in items:
        if "fuzz" in item.keywords:
            item.add_marker(skip)
