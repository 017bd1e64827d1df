"""Every example in the installed package's docstrings runs and gives what it shows."""

import doctest
import importlib
import pkgutil

import pytest

import w2v

# Modules whose examples need an optional dependency (an extra of the package).
OPTIONAL = {"w2v.vectors.plot": "matplotlib", "w2v.vectors.index": "faiss", "w2v.index": "faiss"}

# Every module of every subpackage, compiled ones included.
MODULES = sorted(name for _, name, _ in pkgutil.walk_packages(w2v.__path__, "w2v.")
                 if name != "w2v.__main__")


@pytest.mark.parametrize("name", ["w2v"] + MODULES)
def test_docstring_examples(name):
    if name in OPTIONAL:
        pytest.importorskip(OPTIONAL[name])
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
