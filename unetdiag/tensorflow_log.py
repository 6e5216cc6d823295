"""Keep TensorFlow's C++ log off the terminal: the commands that import TensorFlow run with
file descriptor 2 pointed at a temporary file.

TensorFlow 2.21 writes its start-up notices (absl's "All log messages before
absl::InitializeLog()...", oneDNN, CUDA probes, CPU features) straight to file descriptor 2
before any log level applies, ``TF_CPP_MIN_LOG_LEVEL=3`` included. Python's own
``sys.stderr`` keeps writing to the terminal; the file is named on stderr when the command
crashed (or asked to keep it), and deleted otherwise.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from unetdiag.exitcodes import UserError

T = TypeVar("T")


def with_tensorflow_log_to_file(run: Callable[[], T],
                                 keep: Callable[[T], bool] = lambda result: False) -> T:
    """``run()`` with TensorFlow's C++ log in a temporary file; keep the file and name it on
    stderr when ``run`` crashed or ``keep(result)`` (a guard stopped a run), delete it
    otherwise (and after a :class:`UserError` or Ctrl-C, which are not TensorFlow's)."""
    with _tensorflow_log_to_file() as log_path:
        try:
            result = run()
        except (UserError, KeyboardInterrupt):
            log_path.unlink(missing_ok=True)
            raise
        except BaseException:
            _name_tensorflow_log(log_path)
            raise
    if keep(result):
        _name_tensorflow_log(log_path)
    else:
        log_path.unlink(missing_ok=True)
    return result


def _name_tensorflow_log(log_path: Path) -> None:
    if log_path.stat().st_size:
        print(f"unetdiag: TensorFlow's own log of this run: {log_path}", file=sys.stderr)
    else:
        log_path.unlink(missing_ok=True)


@contextlib.contextmanager
def _tensorflow_log_to_file() -> Iterator[Path]:
    """Send TensorFlow's C++ log (absl's start-up notice, CUDA probes, oneDNN notices: written
    to file descriptor 2 before any log level applies, TF_CPP_MIN_LOG_LEVEL=3 included) to a
    file, while Python's own stderr stays on the terminal."""
    with tempfile.NamedTemporaryFile(prefix="unetdiag-tensorflow-", suffix=".log",
                                     delete=False) as handle:
        terminal = os.dup(2)
        previous_stderr = sys.stderr
        sys.stderr = os.fdopen(os.dup(terminal), "w", buffering=1)
        os.dup2(handle.fileno(), 2)
        try:
            yield Path(handle.name)
        finally:
            os.dup2(terminal, 2)
            os.close(terminal)
            sys.stderr.close()
            sys.stderr = previous_stderr
