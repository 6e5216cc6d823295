"""PASCAL VOC's palette masks read as grey (cv2.IMREAD_GRAYSCALE, PIL convert('L')) and saved
again (session 29, yu-changqian/TorchSeg#65): each class becomes its colour's luminance
(aeroplane 38, person 147) and the void border 220. The audit had offered
"--mask-threshold 0" (every value an object, the void border included) and called the
values possibly one number per object."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import audit_pairs, findings_by_id, write_mask_pairs
from scipy import ndimage

from unetdiag.diag.audit.voc_grey import VOC_GREY_NAMES, luminance, voc_colour


def voc_grey_masks(classes: list[int], count: int = 12, void: int = 220) -> list[np.ndarray]:
    """Discs of VOC classes (as their grey levels) on 0, each with a 3-px ``void`` band."""
    rng = np.random.default_rng(9)
    rows, columns = np.mgrid[:96, :96]
    masks = []
    for index in range(count):
        mask = np.zeros((96, 96), np.uint8)
        for number, cls in enumerate(classes[index % len(classes):] + classes[:1]):
            cy, cx = 28 + 40 * (number % 2), 28 + 40 * ((number // 2) % 2)
            disc = np.hypot(rows - cy, columns - cx) <= int(rng.integers(8, 14))
            mask[disc] = luminance(voc_colour(cls))
        band = ndimage.binary_dilation(mask > 0, iterations=2) & ~ndimage.binary_erosion(
            mask > 0, iterations=1)
        mask[band] = void
        masks.append(mask)
    return masks


def test_voc_classes_read_as_grey_are_named_classes_not_object_numbers(tmp_path):
    assert VOC_GREY_NAMES[38] == ["aeroplane", "potted plant"]
    masks = voc_grey_masks([1, 2, 8, 12, 15])
    report = audit_pairs(*write_mask_pairs(tmp_path, masks))
    label_map = findings_by_id(report)["mask.label_map"]
    assert label_map.evidence["void"] == 220
    assert "--mask-threshold 0" not in report.headline
    assert "consistent with PASCAL VOC's colour masks read as grey" in report.headline
    assert "147 person" in label_map.explanation
    assert "--ignore-values 220" in label_map.fix


def test_one_voc_class_read_as_grey_gets_the_void_ignored(tmp_path):
    report = audit_pairs(*write_mask_pairs(tmp_path, voc_grey_masks([15])))
    label_map = findings_by_id(report)["mask.label_map"]
    assert label_map.evidence["proposed_flags"] == "--foreground-values 147 --ignore-values 220"


def test_other_grey_values_beside_a_band_make_no_voc_claim(tmp_path):
    report = audit_pairs(*write_mask_pairs(tmp_path, voc_grey_masks([1, 2, 8, 12, 15],
                                                                     void=200)))
    label_map = findings_by_id(report)["mask.label_map"]
    assert "VOC's colour masks" not in label_map.explanation
    assert label_map.evidence["voc_grey_text"] is None


def test_a_region_of_220_holding_another_value_is_no_voc_void(tmp_path):
    """Review of session 29: 0, 128 and 220 with 220 a disc covering 28 % round a disc of
    128 (a tissue holding a lesion) had been read as VOC's void, '--ignore-values 220'
    proposed, though 220 is a band in none of the masks. 220 must part the values somewhere."""
    rows, columns = np.mgrid[:128, :128]
    masks = []
    for shift in range(12):
        mask = np.zeros((128, 128), np.uint8)
        distance = np.hypot(rows - 60 - shift, columns - 64 + shift)
        mask[distance <= 38] = 220
        mask[distance <= 12] = 128
        masks.append(mask)
    report = audit_pairs(*write_mask_pairs(tmp_path, masks))
    label_map = findings_by_id(report)["mask.label_map"]
    assert label_map.evidence["voc_grey_text"] is None
    assert "VOC" not in label_map.explanation + report.headline
    assert "--ignore-values 220" not in label_map.fix + (label_map.evidence["proposed_flags"]
                                                         or "")


def test_a_void_band_alone_read_as_foreground_is_no_outline_and_no_share():
    """VOC-like {0, 1, 255}: the midpoint reads the object 1 as background and the 255 band
    round it as foreground. The audit said "every object is a thin closed ring around
    background: consistent with outlines drawn instead of filled regions" and gave the
    band's share as the foreground's (11.7 %); the share is now the object's under the
    proposal, which ignores the band."""
    import tempfile
    from pathlib import Path

    rows, columns = np.mgrid[:64, :64]
    masks = []
    for index in range(12):
        disc = np.hypot(rows - 24 - index % 5, columns - 30) <= 10 + index % 3
        band = ndimage.binary_dilation(disc, iterations=2) & ~disc
        mask = np.zeros((64, 64), np.uint8)
        mask[disc], mask[band] = 1, 255
        masks.append(mask)
    with tempfile.TemporaryDirectory() as folder:
        found = findings_by_id(audit_pairs(*write_mask_pairs(Path(folder), masks)))
    assert "mask.outlines" not in found
    assert found["mask.label_map"].evidence["proposed_flags"] == (
        "--foreground-values 1 --ignore-values 255")
    summary = found["imbalance.summary"]
    assert summary.title.endswith("(under the proposed policy)")
    assert "which reads the void band (255) alone as foreground" in summary.explanation
    discs = sum(int((mask == 1).sum()) for mask in masks)
    labelled = sum(int((mask != 255).sum()) for mask in masks)
    assert summary.evidence["foreground_fraction"] == pytest.approx(discs / labelled)
