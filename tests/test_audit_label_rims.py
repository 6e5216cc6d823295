"""Label maps resized with bilinear interpolation (tensorflow/docs#2159): a value averaged into
thin rims between a lower and a higher one is named, worded "consistent with" an
interpolated resize, with nearest-neighbour resizing proposed; before session 34 such maps
were said to hold values "each covering whole regions". The same maps resized with nearest
neighbour, and a value that is a region of its own, say nothing of rims."""

from __future__ import annotations

import numpy as np
from helpers import audit_pairs, finding, write_mask_pairs
from PIL import Image
from scipy import ndimage

from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.label_rims import rim_counts


def _trimaps(resample: Image.Resampling, count: int = 8, size: int = 96) -> list[np.ndarray]:
    """Pet-style trimaps (1 object, 2 background, 3 a band 3 pixels wide round each disc)
    drawn at twice the size and resized with ``resample``."""
    rng = np.random.default_rng(3)
    big = 2 * size
    rows, columns = np.mgrid[0:big, 0:big]
    maps = []
    for _ in range(count):
        labels = np.full((big, big), 2, np.uint8)
        for _ in range(3):
            cy, cx = rng.uniform(40, big - 40, 2)
            radius = rng.uniform(14, 28)
            distance = np.hypot(rows - cy, columns - cx)
            labels[distance <= radius + 3] = 3
            labels[distance <= radius - 3] = 1
        maps.append(np.asarray(Image.fromarray(labels).resize((size, size), resample)))
    return maps


def test_bilinear_trimaps_name_the_rims_not_whole_regions(tmp_path):
    images, masks = write_mask_pairs(tmp_path, _trimaps(Image.Resampling.BILINEAR))
    report = audit_pairs(images, masks)
    rims = finding(report, "mask.interpolated_labels")
    assert rims.evidence["rims"][0]["value"] == 2
    assert rims.evidence["rims"][0]["between"] == [1, 3]
    assert "consistent with a resize by interpolation" in rims.title
    assert "nearest-neighbour" in rims.fix
    assert "each covering whole regions" not in finding(report, "mask.label_map").explanation


def test_nearest_trimaps_have_no_rims(tmp_path):
    images, masks = write_mask_pairs(tmp_path, _trimaps(Image.Resampling.NEAREST))
    report = audit_pairs(images, masks)
    assert "mask.interpolated_labels" not in {f.id for f in report.findings}
    assert "each covering whole regions" in finding(report, "mask.label_map").explanation


def test_a_band_three_pixels_wide_is_no_rim():
    plane = np.array([[0, 1, 1, 1, 2]] * 4, np.uint8)
    assert rim_counts(plane)[1][0] == 0  # only the band's edges touch 0 or 2, never both
    plane = np.array([[0, 1, 2, 2, 2]] * 4, np.uint8)
    assert rim_counts(plane)[1] == (4, 0, (0, 2), 0, 4, 4)


def test_train_says_which_value_lies_in_rims(tmp_path):
    from unetdiag.diag.checks.label_maps import threshold_on_label_maps
    from unetdiag.diag.data.policy import MaskPolicy

    maps = {}
    for index, plane in enumerate(_trimaps(Image.Resampling.BILINEAR, count=3)):
        path = tmp_path / f"{index}.png"
        Image.fromarray(plane).save(path)
        maps[str(path)] = [1, 2, 3]
    finding = threshold_on_label_maps(maps, 3, MaskPolicy(), "data")
    assert "2 also lies in thin rims between 1 and 3" in finding.explanation
    assert "consistent with maps resized by interpolation" in finding.explanation


def _contour_maps(count: int = 6, size: int = 96, width: int = 1) -> list[np.ndarray]:
    """Nuclei-style maps stored as drawn: 0 background, 1 each disc's contour ``width``
    pixels wide, 2 the disc's inside (the contour class numbered between its two neighbours)."""
    rng = np.random.default_rng(5)
    rows, columns = np.mgrid[0:size, 0:size]
    maps = []
    for _ in range(count):
        labels = np.zeros((size, size), np.uint8)
        for _ in range(4):
            cy, cx = rng.uniform(16, size - 16, 2)
            distance = np.hypot(rows - cy, columns - cx)
            radius = rng.uniform(6, 12)
            labels[distance <= radius] = 1
            labels[distance <= radius - width] = 2
        maps.append(labels)
    return maps


def test_a_drawn_contour_class_is_said_thin_everywhere_not_only_resized(tmp_path):
    """A contour class one pixel wide between background 0 and cell 2 reads as rims as a
    resize does (share 1.0): the finding names both readings, as info, and mask.label_map
    no longer says it 'also' lies in rims, as though it covered regions besides."""
    images, masks = write_mask_pairs(tmp_path, _contour_maps())
    report = audit_pairs(images, masks)
    rims = finding(report, "mask.interpolated_labels")
    assert rims.severity == Severity.INFO
    assert rims.evidence["rims"][0]["thin_everywhere"] is True
    assert "consistent with a boundary class drawn there or with a resize" in rims.title
    assert "values below and above it never touch directly" in rims.explanation
    assert "consistent with either; they prove neither" in rims.explanation
    laid = finding(report, "mask.label_map").explanation
    assert "except 1, which is thin everywhere (" in laid
    assert "also lies" not in laid


def test_bilinear_trimaps_stay_a_warning(tmp_path):
    images, masks = write_mask_pairs(tmp_path, _trimaps(Image.Resampling.BILINEAR))
    rims = finding(audit_pairs(images, masks), "mask.interpolated_labels")
    assert rims.severity == Severity.WARNING
    assert rims.evidence["rims"][0]["thin_everywhere"] is False


def test_train_says_a_drawn_contour_class_is_thin_everywhere(tmp_path):
    from unetdiag.diag.checks.label_maps import threshold_on_label_maps
    from unetdiag.diag.data.policy import MaskPolicy

    maps = {}
    for index, plane in enumerate(_contour_maps(count=3)):
        path = tmp_path / f"{index}.png"
        Image.fromarray(plane).save(path)
        maps[str(path)] = [0, 1, 2]
    explanation = threshold_on_label_maps(maps, 3, MaskPolicy(), "data").explanation
    assert "1 is thin everywhere (" in explanation
    assert "consistent with a boundary class drawn there or with maps resized" in explanation


def test_a_contour_drawn_three_pixels_wide_is_no_rim(tmp_path):
    """A band three pixels wide parts 0 from 2 everywhere (no direct contact, as in rims), but
    touches both only where it bends: no rims named, its regions whole as before session 34."""
    rng = np.random.default_rng(0)
    rows, columns = np.mgrid[0:128, 0:128]
    maps = []
    for _ in range(8):
        cells = np.zeros((128, 128), np.int32)
        for cell in range(1, 7):
            centre = rng.uniform(15, 113, 2)
            cells[np.hypot(rows - centre[0], columns - centre[1]) <= rng.uniform(6, 14)] = cell
        inside = np.zeros(cells.shape, bool)
        for cell in range(1, 7):
            inside |= ndimage.binary_erosion(cells == cell, iterations=3)
        maps.append(np.where(inside, 2, np.where(cells > 0, 1, 0)).astype(np.uint8))
    images, masks = write_mask_pairs(tmp_path, maps)
    report = audit_pairs(images, masks)
    assert "mask.interpolated_labels" not in {f.id for f in report.findings}
    assert "each covering whole regions" in finding(report, "mask.label_map").explanation
