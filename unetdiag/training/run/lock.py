"""One ``unetdiag train`` at a time in a run folder. Two resumes of one run (or a resume of a
run still training) would write the same checkpoints and history, and the second removes the
first's decoded-tensor cache, which ends the first in a TensorFlow ``NotFoundError``. The run
holds an exclusive ``flock`` on ``RUN/.unetdiag-train.lock`` (the holder's process id and
host name inside: on a network file system the holder may be another machine's) from the
moment the folder is made or the resume's config is read until the report is written; the
kernel drops it when the process ends, however it ends. The file stays: removing it would
let a process that opened it before the removal lock a file no one else sees."""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

from unetdiag.exitcodes import ExitCode, UserError

LOCK_FILENAME = ".unetdiag-train.lock"


@contextlib.contextmanager
def run_folder_lock(run_dir: Path) -> Iterator[None]:
    """Hold the run folder's lock for the ``with`` block.

    Raises:
        UserError: (``OUTPUT_ERROR``) another process holds it (naming the folder and that
            process's id as it recorded it), or the lock file cannot be opened.
    """
    path = Path(run_dir) / LOCK_FILENAME
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as error:
        raise UserError(f"cannot lock the run folder {run_dir}: {path}: "
                        f"{error.strerror or error}", ExitCode.OUTPUT_ERROR) from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"{run_dir} is in use by another unetdiag train{_holder(path)}; "
                            "wait for it to end, then resume", ExitCode.OUTPUT_ERROR) from None
        except OSError as error:  # a file system without flock: train on, unguarded
            print(f"unetdiag: warning: cannot lock {path} ({error.strerror or error}); another "
                  "train in this run folder at the same time would not be stopped",
                  file=sys.stderr)
        else:  # the id only names the holder to a refused train: a full disk must not stop this one
            with contextlib.suppress(OSError):
                os.ftruncate(descriptor, 0)
                os.write(descriptor, f"{os.getpid()} {socket.gethostname()}\n".encode())
        yield
    finally:
        os.close(descriptor)


def _holder(path: Path) -> str:
    """`` (process 1234)`` as the holder recorded it, `` (process 1234 on HOST)`` when it
    recorded another host than this one, or nothing when it is not readable."""
    with contextlib.suppress(OSError, UnicodeDecodeError):
        process, _, host = path.read_text().strip().partition(" ")
        if process.isdigit():
            elsewhere = host and host != socket.gethostname()
            return f" (process {process}{f' on {host}' if elsewhere else ''})"
    return ""
