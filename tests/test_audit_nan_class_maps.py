"""A float32 class map (whole numbers 0..3) holding NaN pixels was read as "soft labels,
probability maps, or photographs" by mask.non_binary, "intermediate values (compression,
interpolation, soft labels, photographs)" by mask.threshold_sensitive, and its NaN blamed on
"a mask normalised by its own maximum". The findings now name the non-finite pixels, count
them, and say the finite values are class numbers; a soft mask with NaN keeps its words."""

from __future__ import annotations

import numpy as np
from helpers import audit_pairs, finding, ids
from PIL import Image

from unetdiag.diag.audit.storage_findings import NON_FINITE_CAUSE
from unetdiag.diag.data.policy import MaskPolicy

SIDE = 64
NAN_PER_MASK = 5


def _pairs(root, soft: bool = False):
    rng = np.random.default_rng(2)
    images, masks = root / "images", root / "masks"
    images.mkdir()
    masks.mkdir()
    rows, columns = np.mgrid[0:SIDE, 0:SIDE]
    for number in range(4):
        plane = np.zeros((SIDE, SIDE), np.float32)
        for label in (1, 2, 3):  # three square classes, each a region with an inside
            top = 4 + (label - 1) * 20
            plane[top:top + 16, 8 + number:40 + number] = label
        if soft:
            plane = np.clip(np.hypot(rows - 32, columns - 32 - number) / 32, 0, 1).astype(
                np.float32)
        plane.flat[rng.choice(plane.size, NAN_PER_MASK, replace=False)] = np.nan
        Image.fromarray(rng.integers(0, 256, (SIDE, SIDE), dtype=np.uint8)).save(
            images / f"{number}.png")
        Image.fromarray(plane, "F").save(masks / f"{number}.tif")
    return images, masks


def test_nan_in_a_float_class_map_is_named_and_counted_not_soft_labels(tmp_path):
    report = audit_pairs(*_pairs(tmp_path))
    non_binary = finding(report, "mask.non_binary").explanation
    assert "soft labels, probability maps" not in non_binary
    assert f"{4 * NAN_PER_MASK} of them are NaN or infinite" in non_binary
    assert "whole numbers 0, 1, 2 and 3" in non_binary
    non_finite = finding(report, "mask.non_finite")
    assert f"{4 * NAN_PER_MASK} non-finite pixels in all" in non_finite.explanation
    assert NON_FINITE_CAUSE not in non_finite.explanation
    assert "--ignore-values" in non_finite.fix
    sensitive = finding(report, "mask.threshold_sensitive").explanation
    assert "soft labels" not in sensitive
    assert "whole numbers only (0, 1, 2 and 3)" in sensitive


def test_a_value_policy_reads_a_nan_class_map_exactly(tmp_path):
    images, masks = _pairs(tmp_path)
    report = audit_pairs(images, masks, MaskPolicy(foreground_values=(1, 2, 3)))
    assert "mask.non_binary" not in ids(report)
    assert finding(report, "mask.non_finite").severity.value == "error"


def test_a_soft_mask_with_nan_keeps_its_words(tmp_path):
    report = audit_pairs(*_pairs(tmp_path, soft=True))
    assert NON_FINITE_CAUSE in finding(report, "mask.non_finite").explanation
    assert "whole numbers" not in finding(report, "mask.non_binary").explanation
