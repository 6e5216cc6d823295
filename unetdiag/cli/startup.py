"""What an ``audit-data`` process sets up before NumPy loads, for the command line only: a
program that imports unetdiag keeps its own NumPy and collector settings. The figures behind
each choice are in docs/benchmarks-audit.md (sessions 32 and 34).

* OpenBLAS on one thread (unless the user set it): its pool's threads spin at start-up, and
  the audit's matrix products are small or chunked.
* No cyclic garbage collection while the audit's modules are imported (nothing there is
  garbage worth the collections' time) ...
* ... then the imports' objects frozen (:func:`gc.freeze`), so that no later collection, nor
  the one at exit, walks them again, and a forked worker's copy of their pages stays shared.
* Modules the audit never uses but importing ``scipy.ndimage`` would load are loaded only
  when first used (:data:`DEFERRED_MODULES`): SciPy's array-API layer copies every name of
  NumPy's namespace, importing NumPy's lazy submodules, and ``scipy.ndimage`` imports
  ``scipy.special`` for one function (``rotate``).
"""

from __future__ import annotations

import gc
import importlib.util
import os
import sys
from collections.abc import Sequence

#: Loaded when an attribute of theirs is first read (:class:`importlib.util.LazyLoader`),
#: not when ``scipy.ndimage`` is imported: about 0.1 s of CPU a start. (``numpy.ma`` is not
#: among them: ``np.unique``, which the audit calls, reads ``np.ma.is_masked``.)
DEFERRED_MODULES = ("numpy.f2py", "numpy.testing", "numpy.polynomial", "scipy.special")

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
    for name in DEFERRED_MODULES:
        _defer(name)


def imports_done() -> None:
    """Freeze what is allocated so far and turn the collector back on, if :func:`prepare`
    paused it."""
    global _collector_paused
    if _collector_paused:
        gc.freeze()
        gc.enable()
        _collector_paused = False


def _defer(name: str) -> None:
    """Put a module in ``sys.modules`` (and on its package) that runs its code only when one
    of its attributes is first read; nothing when it is already imported or not installed."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)  # imports the package (NumPy, SciPy's top)
    except ModuleNotFoundError:  # no such package: nothing to defer
        return
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    package, _, child = name.rpartition(".")
    # as an import sets it: NumPy's __getattr__ would otherwise be asked for it and recurse
    setattr(sys.modules[package], child, module)
