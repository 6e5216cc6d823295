"""What an ``audit-data`` process sets up before NumPy loads, for the command line only: a
program that imports unetdiag keeps its own NumPy and collector settings. The figures behind
each choice are in docs/benchmarks-audit.md (session 32).

* OpenBLAS on one thread (unless the user set it): its pool's threads spin at start-up, and
  the audit's matrix products are small or chunked.
* No cyclic garbage collection while the audit's modules are imported (nothing there is
  garbage worth the collections' time) ...
* ... then the imports' objects frozen (:func:`gc.freeze`), so that no later collection, nor
  the one at exit, walks them again, and a forked worker's copy of their pages stays shared.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence

_collector_paused = False


def prepare(arguments: Sequence[str]) -> None:
    """Set up for the command ``arguments`` (``sys.argv[1:]``) names, before NumPy is
    imported."""
    global _collector_paused
    if list(arguments[:1]) != ["audit-data"]:
        return
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if gc.isenabled():
        gc.disable()
        _collector_paused = True


def imports_done() -> None:
    """Freeze what is allocated so far and turn the collector back on, if :func:`prepare`
    paused it."""
    global _collector_paused
    if _collector_paused:
        gc.freeze()
        gc.enable()
        _collector_paused = False
