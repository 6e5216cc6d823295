"""Titles that count files agree in number and read as English: "1 file cannot be opened",
"1 folder was ignored"."""

from __future__ import annotations

import os

import numpy as np
from helpers import findings_by_id
from PIL import Image

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.data.pairing import discover_pairs


def _pair(folder, name: str) -> None:
    (folder / "images").mkdir(parents=True, exist_ok=True)
    (folder / "masks").mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((8, 8), 90, np.uint8)).save(folder / "images" / name)
    Image.fromarray(np.full((8, 8), 255, np.uint8)).save(folder / "masks" / name)


def test_unreadable_titles_are_predicates_whatever_the_reason(tmp_path):
    for name in ("a.png", "b.png", "c.png"):
        _pair(tmp_path, name)
    (tmp_path / "masks" / "a.png").unlink()
    os.symlink(tmp_path / "gone.png", tmp_path / "masks" / "a.png")  # a dangling link
    (tmp_path / "masks" / "b.png").write_bytes(b"")
    found = findings_by_id(audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1))
    assert found["file.cannot_open"].title == "1 file cannot be opened"
    assert found["file.empty"].title == "1 file is empty (0 bytes)"


def test_ignored_files_and_folders_are_counted_in_good_english(tmp_path):
    _pair(tmp_path, "a.png")
    (tmp_path / "images" / "extra").mkdir()
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert findings_by_id(result)["pairing.ignored_files"].title == "1 folder was ignored"
    (tmp_path / "images" / "notes.txt").write_text("x")
    (tmp_path / "images" / "more.txt").write_text("x")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert (findings_by_id(result)["pairing.ignored_files"].title
            == "2 files and 1 folder were ignored")
