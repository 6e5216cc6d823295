"""The one copy of how Keras's progress bar prints a value (saturation/printed.py), against
Keras 3's own Progbar and against the rule it documents. Three copies had drifted:
``series._as_printed`` tested ``abs(value) >= 1e-3`` where Keras tests ``> 1e-3``."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from unetdiag.diag.checks.saturation.printed import (
    as_printed,
    keras_printed,
    printed_decimals,
    printed_text,
)


def _documented_rule(value: float) -> str:
    # keras/src/utils/progbar.py (Keras 3.15), Progbar.update, verbose=1:
    #     if abs(avg) > 1e-3: info += f" {avg:.4f}"
    #     else:               info += f" {avg:.4e}"
    if abs(value) > 1e-3:
        return f"{value:.4f}"
    return f"{value:.4e}"


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
@example(1e-3)
@example(-1e-3)
@example(math.nextafter(1e-3, 1.0))
@example(0.0)
def test_keras_printed_is_the_progress_bars_rule(value):
    assert keras_printed(value) == _documented_rule(value)


def test_a_value_of_exactly_1e_3_prints_in_e_notation():
    assert keras_printed(1e-3) == "1.0000e-03"


#: Loads Keras's own progbar.py without importing keras (which imports a backend: TensorFlow
#: or JAX), its two imports stubbed, and prints each value of stdin's list as the bar does.
_RUN_KERAS_PROGBAR = r"""
import contextlib, io, json, re, sys, types, importlib.util
path = sys.argv[1]
stubs = {"keras": types.ModuleType("keras"), "keras.src": types.ModuleType("keras.src"),
         "keras.src.api_export": types.ModuleType("keras.src.api_export"),
         "keras.src.utils": types.ModuleType("keras.src.utils"),
         "keras.src.utils.io_utils": types.ModuleType("keras.src.utils.io_utils")}
stubs["keras.src.api_export"].keras_export = lambda *a, **k: (lambda thing: thing)
stubs["keras.src.utils.io_utils"].print_msg = lambda message, line_break=True: print(
    message, end="\n" if line_break else "")
stubs["keras.src.utils"].io_utils = stubs["keras.src.utils.io_utils"]
sys.modules.update(stubs)
spec = importlib.util.spec_from_file_location("progbar", path)
progbar = importlib.util.module_from_spec(spec)
spec.loader.exec_module(progbar)
printed = []
for value in json.load(sys.stdin):
    bar = progbar.Progbar(1, verbose=1, stateful_metrics=["v"])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        bar.update(1, values=[("v", value)], finalize=True)
    printed.append(re.search(r" - v: (\S+)", out.getvalue()).group(1))
print(json.dumps(printed))
"""


def _keras_progbar_file() -> Path | None:
    spec = importlib.util.find_spec("keras")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "src" / "utils" / "progbar.py"
    return path if path.is_file() else None


def test_keras_printed_matches_keras_own_progress_bar():
    path = _keras_progbar_file()
    if path is None:
        pytest.skip("Keras 3 is not installed")
    values = [1e-3, -1e-3, math.nextafter(1e-3, 1.0), math.nextafter(1e-3, 0.0), 0.0, -0.0,
              0.5, -0.5, -0.0192, 0.0192, 2e-5, -2e-5, 0.00099996, 0.00100004, 12345.6789,
              -0.98765, 1.0, 0.99995, 1.1319e-14, 0.0010000001]
    found = subprocess.run([sys.executable, "-c", _RUN_KERAS_PROGBAR, str(path)],
                           input=json.dumps(values), capture_output=True, text=True,
                           check=True)
    assert json.loads(found.stdout) == [keras_printed(value) for value in values]


@given(st.floats(min_value=-10.0, max_value=10.0), st.floats(min_value=-10.0, max_value=10.0),
       st.sampled_from([None, 5, 6, 7, 8]))
def test_values_read_apart_as_printed_are_written_apart(first, second, decimals):
    # a flat stretch's range is said only when its printed values differ: its two ends must
    # then read differently too
    if as_printed(first, decimals) != as_printed(second, decimals):
        assert printed_text(first, decimals) != printed_text(second, decimals)


def test_more_decimals_only_where_the_log_printed_them():
    assert printed_decimals([-0.85121, -0.85124], 5e-6) == 5   # verbose=2's -8.5121e-01
    assert printed_decimals([0.8512, 0.8513], 5e-5) is None    # the bar's four decimals
    assert printed_decimals([1.1319e-14, 1.1325e-14], 5e-19) is None  # e-notation below 1e-3
    assert printed_decimals([-0.85121], None) is None          # a CSV's full floats
