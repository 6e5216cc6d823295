"""The README's Python examples run as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from helpers import SUBPROCESS_TIMEOUT

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_block_after(heading: str) -> str:
    text = README.read_text()
    section = text[text.index(heading):]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_the_callbacks_example_runs_in_a_plain_model_fit(tmp_path):
    code = _python_block_after("### The diagnostic callbacks in your own `model.fit`")
    assert "from unetdiag.training.callbacks import diagnostic_callbacks" in code
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=SUBPROCESS_TIMEOUT, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert "info imbalance.summary - Foreground is" in lines[0]
    assert lines[-1] == "stopped by: nothing"
