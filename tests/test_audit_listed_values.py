"""The values an encoding's masks hold are listed up to a cap; past it the report says so.

A JPEG mask holds some 80 values; listing the smallest 16 as if they were all ("[0, 1, 2, 3,
4, 5, … +10 more]") read as 16 values in all, with the foreground value 255 nowhere.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from unetdiag import audit
from unetdiag.diag.data.decoding import MAX_LISTED_VALUES


def _dataset(tmp_path, mask_extension: str):
    rng = np.random.default_rng(0)
    for index in range(4):
        image = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)
        mask = np.zeros((48, 48), np.uint8)
        mask[10 + index:30, 8:28 + index] = 255
        Image.fromarray(image).save(tmp_path / f"case{index}.png")
        options = {"quality": 75} if mask_extension == ".jpg" else {}
        Image.fromarray(mask).save(tmp_path / f"case{index}_mask{mask_extension}", **options)
    return tmp_path


def _encodings(report):
    (finding,) = [found for found in report.findings if found.id == "mask.encodings"]
    return finding.evidence["encodings"]


def test_jpeg_masks_values_say_the_list_is_cut_and_give_the_range(tmp_path):
    report = audit(_dataset(tmp_path, ".jpg"), workers=1).report
    (row,) = _encodings(report)
    assert len(row["values"]) == MAX_LISTED_VALUES
    assert row["values_complete"] is False
    assert list(row["value_range"])[1] > 200  # the foreground end is named
    (summary_row,) = report.summary["mask encodings"]
    assert summary_row["values"] == (f"more than {MAX_LISTED_VALUES} values, "
                                     f"{row['value_range'][0]}..{row['value_range'][1]}")


def test_two_value_masks_are_listed_whole(tmp_path):
    report = audit(_dataset(tmp_path, ".png"), workers=1).report
    (row,) = _encodings(report)
    assert row["values"] == [0, 255]
    assert row["values_complete"] is True
    assert list(row["value_range"]) == [0, 255]
    assert report.summary["mask encodings"][0]["values"] == [0, 255]
