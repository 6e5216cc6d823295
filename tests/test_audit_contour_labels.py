"""Contour-aware label maps (0 background, 1 interior, 2 boundary: DCAN, nuclei pipelines)
are proposed as whole objects, 1 and 2, worded "consistent with", with the void reading
beside it (session 27: before, the boundary was proposed as ignored, shrinking every object
by its width) and a thin nested class (review 6); trimaps and wide nested structures keep
their readings."""

from __future__ import annotations

import numpy as np
from helpers import audit_pairs, finding, write_mask_pairs
from scipy import ndimage

from unetdiag.diag.audit.contours import THIN_SHARE
from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.synth.corruptions import build_case
from unetdiag.diag.synth.generator import SynthSpec


def _discs(count: int = 10, size: int = 96, radius: tuple[float, float] = (7, 14)
           ) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    rows, columns = np.mgrid[0:size, 0:size]
    masks = []
    for _ in range(count):
        mask = np.zeros((size, size), bool)
        for _ in range(3):
            cy, cx = rng.uniform(20, size - 20, 2)
            mask |= (rows - cy) ** 2 + (columns - cx) ** 2 <= rng.uniform(*radius) ** 2
        masks.append(mask)
    return masks


def _three_class(mask: np.ndarray, width: int) -> np.ndarray:
    inside = ndimage.binary_erosion(mask, np.ones((3, 3), bool), iterations=width)
    labels = np.zeros(mask.shape, np.uint8)
    labels[mask] = 2
    labels[inside] = 1
    return labels


def test_contour_aware_labels_are_proposed_as_whole_objects(tmp_path):
    images, masks = write_mask_pairs(tmp_path, [_three_class(m, 2) for m in _discs()])
    label_map = finding(audit_pairs(images, masks), "mask.label_map")
    assert label_map.evidence["proposed_flags"] == "--foreground-values 1,2"
    assert "consistent with contour-aware labels" in label_map.explanation
    assert "--foreground-values 1 --ignore-values 2" in label_map.fix  # the other reading
    contour = label_map.evidence["contour"]
    assert contour["enclosed_share"] == 1.0 and contour["thin_share"] >= THIN_SHARE
    assert contour["masks_measured"] == 10


def test_the_catalogue_case_headline_offers_1_and_2_beside_the_other_readings(tmp_path):
    # review 6 (B2): a disc rim 2-3.5 px round a cup, or cytoplasm round nuclei, is as thin
    # a ring; the headline gave one instruction where the values cannot choose
    layout = build_case(tmp_path / "case", SynthSpec(
        n_pairs=12, size=96, seed=5, max_objects=3, object_radius_limits=(0.15, 0.3)),
        [{"kind": "contour_masks"}])
    report = audit_dataset(layout.images_dir, layout.masks_dir,
                           mask_suffixes=layout.mask_suffixes, workers=1)
    assert "boundary, pass --foreground-values 1,2 (the reading proposed)" in report.headline
    assert "band nobody labelled, --foreground-values 1 --ignore-values 2" in report.headline
    assert "a class of its own" in report.headline
    assert "pass --foreground-values 1,2." not in report.headline
    label_map = finding(report, "mask.label_map")
    assert "a thin class of its own nested round 1" in label_map.explanation
    assert label_map.evidence["proposed_flags"] == "--foreground-values 1,2"  # still offered


def test_a_thick_nested_region_keeps_the_two_structure_readings(tmp_path):
    # 2 a region 10 px wide round 1 (a disc rim round a cup, edema round a core): no contour
    images, masks = write_mask_pairs(tmp_path, [_three_class(m, 10) for m in _discs(
        radius=(14, 20))])
    label_map = finding(audit_pairs(images, masks), "mask.label_map")
    assert label_map.evidence["contour"] is None
    assert "contour-aware" not in label_map.explanation


def test_trimaps_keep_their_void_band(tmp_path):
    layout = build_case(tmp_path / "case", SynthSpec(
        n_pairs=24, size=64, seed=5, max_objects=4, object_radius_limits=(0.1, 0.25),
        foreground_fraction_limits=(0.05, 0.35)), [{"kind": "trimap_masks"}])
    report = audit_dataset(layout.images_dir, layout.masks_dir,
                           mask_suffixes=layout.mask_suffixes, workers=1)
    label_map = finding(report, "mask.label_map")
    assert label_map.evidence["proposed_flags"] == "--foreground-values 1 --ignore-values 3"
    assert label_map.evidence["contour"] is None


def test_1_and_2_apart_are_no_contour(tmp_path):
    # two object classes side by side on 0: 2 touches 1 nowhere
    labels = []
    for mask in _discs():
        plane = mask.astype(np.uint8)
        plane[:, 48:] *= 2
        labels.append(plane)
    images, masks = write_mask_pairs(tmp_path, labels)
    label_map = finding(audit_pairs(images, masks), "mask.label_map")
    assert label_map.evidence["contour"] is None
