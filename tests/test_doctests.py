"""Every example in a docstring runs and prints what it says (the docs cannot drift)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import unetdiag

MODULES = ["unetdiag", *sorted(info.name for info in
                               pkgutil.walk_packages(unetdiag.__path__, "unetdiag.")
                               if not info.name.endswith("__main__"))]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
