"""Catalogue corruptions that damage files (a broken PNG, a truncated copy, an empty file,
an HTML page or a Git LFS pointer saved under an image name). Moved out of
:mod:`unetdiag.diag.synth.corruptions`, unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from unetdiag.diag.synth.case import CaseFiles
from unetdiag.fsutil import atomic_write_bytes


def _targets(case: CaseFiles, target: str) -> list[Path]:
    if target not in ("image", "mask"):
        raise ValueError(f"target must be 'image' or 'mask', not {target!r}")
    return case.images if target == "image" else case.masks


def _damage_files(case: CaseFiles, rng: np.random.Generator, fraction: float | None,
                  count: int | None, target: str, damage: Callable[[bytes], bytes]
                  ) -> list[Path]:
    files = _targets(case, target)
    changed = []
    for index in case.pair_indices(rng, fraction, count):
        atomic_write_bytes(files[index], damage(files[index].read_bytes()))
        changed.append(files[index])
    return changed


def corrupt_file(case: CaseFiles, rng: np.random.Generator, fraction: float | None = None,
                 count: int | None = 1, target: str = "image") -> list[Path]:
    """PNG files whose compressed pixel data is overwritten (the signature still says PNG).

    Simulates: a bad disk sector or a broken transfer. Shows: the file opens but cannot be
    decoded; a loader without a guard crashes mid-epoch.
    """
    def damage(data: bytes) -> bytes:
        start = data.find(b"IDAT")
        if start < 0:
            raise ValueError("corrupt_file works on PNG files (no IDAT chunk found)")
        # 0xFF is not a valid zlib header, so decoding fails for certain
        garbage_length = 8
        return data[:start + 4] + b"\xff" * garbage_length + data[start + 4 + garbage_length:]

    return _damage_files(case, rng, fraction, count, target, damage)


def truncated_file(case: CaseFiles, rng: np.random.Generator, fraction: float | None = None,
                   count: int | None = 1, target: str = "image",
                   keep_fraction: float = 0.5) -> list[Path]:
    """Files cut to ``keep_fraction`` of their bytes.

    Simulates: an interrupted copy or download. Shows: "image file is truncated" at
    decode time, or (with Pillow's LOAD_TRUNCATED_IMAGES) half an image of zeros.
    """
    if not 0.0 <= keep_fraction < 1.0:
        raise ValueError(f"keep_fraction must be in [0, 1), not {keep_fraction}")
    return _damage_files(case, rng, fraction, count, target,
                         lambda data: data[:int(len(data) * keep_fraction)])


def zero_byte_file(case: CaseFiles, rng: np.random.Generator, fraction: float | None = None,
                   count: int | None = 1, target: str = "image") -> list[Path]:
    """Files of size 0.

    Simulates: a full disk or a crashed export. Shows: cannot be opened at all.
    """
    return _damage_files(case, rng, fraction, count, target, lambda data: b"")


NON_IMAGE_TEXT = """<!DOCTYPE html>
<html><head><title>404 Not Found</title></head>
<body><h1>Not Found</h1><p>The requested file was not found on this server.</p></body></html>
"""


def non_image_file(case: CaseFiles, rng: np.random.Generator, fraction: float | None = None,
                   count: int | None = 1, target: str = "image",
                   content: str = "html") -> list[Path]:
    """``.png`` files that hold text: an HTML error page, or (``content="lfs_pointer"``) the
    Git LFS pointer a clone without Git LFS leaves in place of the file.

    Simulates: a download script that saved the server's error page under the image name; a
    repository cloned without Git LFS (git-lfs#5502). Shows: "cannot identify image file"; a
    loader without a guard crashes.
    """
    def text(data: bytes) -> bytes:
        if content == "lfs_pointer":
            return (f"version https://git-lfs.github.com/spec/v1\noid sha256:"
                    f"{hashlib.sha256(data).hexdigest()}\nsize {len(data)}\n").encode()
        return NON_IMAGE_TEXT.encode("utf-8")

    return _damage_files(case, rng, fraction, count, target, text)


#: The file-damage corruptions, by the ``kind`` a catalogue entry names.
FILE_CORRUPTIONS: dict[str, Callable[..., list[Path]]] = {
    function.__name__: function
    for function in (corrupt_file, truncated_file, zero_byte_file, non_image_file)}
