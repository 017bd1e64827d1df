"""Every example in the installed package's docstrings runs and gives what it shows."""

import doctest
import importlib
import pkgutil

import pytest

import w2v

MODULES = sorted(name for _, name, _ in pkgutil.iter_modules(w2v.__path__, "w2v.")
                 if name != "w2v.__main__")


@pytest.mark.parametrize("name", ["w2v"] + MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
