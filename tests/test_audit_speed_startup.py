"""An ``audit-data`` process does not run the code of modules that importing ``scipy.ndimage``
would load but the audit never uses (:data:`unetdiag.cli.startup.DEFERRED_MODULES`), and
they still work when something does use them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from unetdiag.cli.startup import DEFERRED_MODULES

#: A submodule each deferred module imports when its code runs.
_RUN_MARKERS = {"numpy.f2py": "numpy.f2py.f2py2e", "numpy.testing": "numpy.testing._private",
                "numpy.polynomial": "numpy.polynomial.polynomial",
                "scipy.special": "scipy.special._ufuncs"}

_REPORT = ("import sys\n"
           "sys.argv = ['unetdiag', *sys.argv[1:]]\n"
           "import unetdiag.cli\n"
           "import scipy.ndimage\n"
           "import unetdiag.diag.audit.run\n"
           f"print(*(marker in sys.modules for marker in {list(_RUN_MARKERS.values())!r}))\n"
           "import numpy as np\n"
           "from scipy import special\n"
           "np.testing.assert_equal(np.polynomial.Polynomial([1, 2])(3.0), 7.0)\n"
           "print(float(special.cosdg(60.0)), np.f2py.__name__)\n"
           f"print(*(marker in sys.modules for marker in {list(_RUN_MARKERS.values())!r}))\n")


def _report(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _REPORT, *args], capture_output=True,
                          text=True, timeout=120, cwd=os.path.dirname(__file__))
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_every_deferred_module_has_a_marker():
    assert set(_RUN_MARKERS) == set(DEFERRED_MODULES)


def test_audit_data_runs_the_deferred_modules_only_when_used(tmp_path):
    before, used, after = _report("audit-data", str(tmp_path))
    assert before.split() == ["False"] * len(_RUN_MARKERS)
    cosine, f2py = used.split()
    assert float(cosine) == pytest.approx(0.5) and f2py == "numpy.f2py"
    assert after.split() == ["True"] * len(_RUN_MARKERS)


@pytest.mark.parametrize("command", ["explain-log", "--help"])
def test_other_commands_import_them_as_usual(command):
    before, _, after = _report(command)
    assert before.split() == ["True"] * len(_RUN_MARKERS)
    assert after == before
