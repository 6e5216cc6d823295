"""Instance ids past 127 on objects too small to have an inside (200 nuclei of 13 pixels,
numbered 1..200 in a PNG of mode L): the 8-bit ids rule judged numbers by their insides only,
so these stayed on the 8-bit scale and audit-data said "128..200 are foreground; 0..127 are
background" (train decoded them so: objects chosen by their number). Numbered specks, each
touching the background and not one another, are now read as label numbers too; salt noise
(single pixels of every value) is not."""

from __future__ import annotations

import numpy as np
from helpers import audit_pairs, finding, write_mask_pairs

from unetdiag.diag.data.decoding import inspect_mask_values
from unetdiag.diag.data.policy import MaskPolicy


def _specks(count: int = 200, dtype=np.uint8) -> np.ndarray:
    """``count`` plus-shaped discs of 13 pixels (radius 2) numbered 1.. in 16-px slots."""
    labels = np.zeros((16 * 15, 16 * 15), dtype)
    rows, columns = np.mgrid[0:16, 0:16]
    disc = np.hypot(rows - 8, columns - 8) <= 2
    for offset in range(count):
        row, column = divmod(offset, 15)
        labels[row * 16:(row + 1) * 16, column * 16:(column + 1) * 16][disc] = offset + 1
    return labels


def test_numbered_specks_past_127_are_label_numbers(tmp_path):
    assert inspect_mask_values(_specks(), "PNG", "L", MaskPolicy()).encoding.scale == (
        "uint8_labels")
    assert inspect_mask_values(_specks(dtype=np.uint16), "PNG", "I;16",
                               MaskPolicy()).encoding.scale == "uint16"
    report = audit_pairs(*write_mask_pairs(tmp_path, [_specks()] * 2))
    assert finding(report, "mask.decodes_empty").severity.value == "error"
    label_map = finding(report, "mask.label_map")
    assert "are foreground" not in label_map.explanation
    assert "0..200 are background" in label_map.explanation


def test_salt_noise_on_black_stays_on_the_8_bit_scale():
    rng = np.random.default_rng(0)
    salt = np.zeros((120, 120), np.uint8)
    salt[::3, ::3] = rng.permutation(np.arange(1, 256).repeat(7)[:1600]).reshape(40, 40)
    assert inspect_mask_values(salt, "PNG", "L", MaskPolicy()).encoding.scale == "uint8"
