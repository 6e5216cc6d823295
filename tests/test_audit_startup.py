"""What an ``audit-data`` process sets up before NumPy loads (docs/benchmarks-audit.md,
session 32): OpenBLAS on one thread unless the user chose otherwise, and no cyclic garbage
collection until the audit's modules are imported, which are then frozen."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_REPORT = ("import os, sys\n"
           "sys.argv = ['unetdiag', *sys.argv[1:]]\n"
           "import unetdiag.cli\n"
           "import scipy.ndimage\n"
           "print(os.environ.get('OPENBLAS_NUM_THREADS'))\n"
           "task = '/proc/self/task'\n"
           "print(len(os.listdir(task)) if os.path.isdir(task) else 'no-proc')\n")


def _startup(*args: str, **environment: str) -> list[str]:
    env = {name: value for name, value in os.environ.items()
           if name not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    env.update(environment)
    done = subprocess.run([sys.executable, "-c", _REPORT, *args], capture_output=True,
                          text=True, timeout=120, env=env, cwd=os.path.dirname(__file__))
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_audit_data_loads_openblas_on_one_thread():
    threads, tasks = _startup("audit-data", "--images", "x")
    assert threads == "1"
    if tasks != "no-proc":  # NumPy's and SciPy's OpenBLAS started no thread of their own
        assert tasks == "1"


def test_a_users_openblas_setting_is_kept():
    assert _startup("audit-data", OPENBLAS_NUM_THREADS="3")[0] == "3"


@pytest.mark.parametrize("command", ["train", "explain-log", "--help"])
def test_other_commands_leave_openblas_alone(command):
    assert _startup(command)[0] == "None"


_COLLECTOR = ("import gc, sys\n"
              "sys.argv = ['unetdiag', *sys.argv[1:]]\n"
              "import unetdiag.cli\n"
              "print(gc.isenabled())\n"
              "import unetdiag.diag.audit.run as run\n"
              "def audit_dataset(*args, **options):\n"
              "    print(gc.isenabled(), gc.get_freeze_count() > 0)\n"
              "    raise SystemExit(0)\n"
              "run.audit_dataset = audit_dataset\n"
              "unetdiag.cli.main()\n")


def _collector(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _COLLECTOR, *args], capture_output=True,
                          text=True, timeout=120, cwd=os.path.dirname(__file__))
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_audit_data_imports_without_the_collector_and_reads_with_it(tmp_path):
    # the collector is off while importing, then on, with the imports' objects frozen
    assert _collector("audit-data", str(tmp_path)) == ["False", "True", "True"]


@pytest.mark.parametrize("command", [["explain-log", "--help"], ["--help"]])
def test_other_commands_keep_the_collector(command):
    assert _collector(*command)[0] == "True"
