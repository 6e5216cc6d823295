"""What an ``audit-data`` process sets up before NumPy loads (session 32 in
docs/benchmarks-audit.md), for the command line only: a program that imports unetdiag has
NumPy and its collector settings of its own.

* OpenBLAS on one thread. NumPy and SciPy each load OpenBLAS, which starts a thread a core
  that spins while waiting for work. The audit's matrix products are small or chunked (the
  near-duplicate search: 20,000 thumbnails take 0.8 s of CPU with one thread, 2.4-2.7 s with
  two on a shared 2-core machine, same pairs and scores), and the spinning cost 40-60 ms of
  CPU an audit of the public DRIVE or ISBI sets. A user's own setting is kept.
* No cyclic garbage collection while the audit's modules are imported: its 110 collections
  cost 24 ms of CPU (5 % of the imports) and freed 676 objects in all.
* Then the objects of the imports (43,000: modules, classes, functions, tables) frozen
  (:func:`gc.freeze`) before the collector is turned back on: no later collection walks
  them, neither this process's at its exit (about 60 ms of CPU: importing the audit and
  exiting took 0.557 s of CPU, 0.493 s frozen) nor a forked worker's, whose copy of their
  pages stays shared (what :func:`gc.freeze` is documented for). Those 676 objects are never
  freed: the process ends after one audit.
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
