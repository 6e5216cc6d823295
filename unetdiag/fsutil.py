"""Atomic writes: a reader never sees half a file, and a crash never leaves one behind."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from unetdiag.exitcodes import ExitCode, UserError


def atomic_write_bytes(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                             suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o666 & ~_current_umask())  # mkstemp's 0600 is not what users expect
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def atomic_write_text(path: Path | str, text: str) -> Path:
    """Write ``text`` as UTF-8; a file name that is not UTF-8 in it (kept by Python as
    surrogates) is written as its escape, ``\\udce9``, so the file stays UTF-8."""
    return atomic_write_bytes(path, text.encode("utf-8", "backslashreplace"))


def atomic_write_json(path: Path | str, data: Any) -> Path:
    return atomic_write_text(path, json.dumps(data, indent=2, allow_nan=False) + "\n")


def atomic_save(save: Callable[[Path], Any], path: Path | str) -> Path:
    """Call ``save(temporary)`` for a temporary file beside ``path`` with the same suffixes,
    then rename it over ``path``: for writers that take a file name, not bytes (Keras checks
    the suffixes: ``.keras``, ``.weights.h5``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffixes = "".join(path.suffixes)
    stem = path.name[:-len(suffixes)] if suffixes else path.name
    # a fresh name the writer creates itself, so the file gets the usual permissions (not 0600)
    temporary = path.parent / f".{stem}.{os.getpid()}.{secrets.token_hex(4)}{suffixes}"
    try:
        save(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def refuse_unusable_out(out_dir: Path) -> None:
    """Refuse an ``--out`` that cannot hold a new folder: a file, a path through a file or a
    broken symbolic link, or a folder this process cannot write in (the nearest one that
    exists, when ``out_dir`` is still to be made). The command line asks before TensorFlow
    starts, so an unusable ``--out`` costs no import, model load or scoring.

    Raises:
        UserError: (``OUTPUT_ERROR``) naming the path that is in the way.
    """
    out_dir = Path(out_dir)
    nearest = next(path for path in (out_dir, *out_dir.absolute().parents)
                   if os.path.lexists(path))
    if nearest.is_dir():
        if not os.access(nearest, os.W_OK | os.X_OK):
            raise UserError(f"--out {out_dir}: cannot write in {nearest} (permission denied); "
                            "choose another folder", ExitCode.OUTPUT_ERROR)
        return
    what = ("a broken symbolic link" if nearest.is_symlink() and not nearest.exists()
            else "a file, not a folder")
    in_the_way = (f"--out {out_dir} is {what}" if nearest == out_dir
                  else f"{nearest} is {what}, so --out {out_dir} cannot be made")
    raise UserError(f"{in_the_way}; choose a folder", ExitCode.OUTPUT_ERROR)
