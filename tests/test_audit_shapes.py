"""What masks' objects are drawn as: closed outlines and point marks (s26 C1, C2;
unetdiag.diag.audit.shapes and shape_findings)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from unetdiag.diag.audit.components import ObjectCanvas
from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.core.findings import Severity

SIDE = 96
_YY, _XX = np.mgrid[0:SIDE, 0:SIDE]


def _ellipses(rng: np.random.Generator, count: int) -> np.ndarray:
    filled = np.zeros((SIDE, SIDE), dtype=bool)
    for _ in range(count):
        cy, cx = rng.integers(25, 71, 2)
        ay, ax = rng.integers(8, 20, 2)
        filled |= ((_YY - cy) / ay) ** 2 + ((_XX - cx) / ax) ** 2 <= 1
    return filled


def _write(folder, masks: list[np.ndarray], rng: np.random.Generator):
    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    for number, mask in enumerate(masks):
        image = rng.normal(90, 20, mask.shape) + 60 * mask
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(
            folder / "images" / f"{number:03d}.png")
        Image.fromarray(mask.astype(np.uint8) * 255).save(folder / "masks" / f"{number:03d}.png")
    return audit_dataset(folder / "images", folder / "masks", workers=1)


def _ids(report) -> dict:
    return {finding.id: finding for finding in report.findings}


def _outline(filled: np.ndarray) -> np.ndarray:
    return filled & ~ndimage.binary_erosion(filled, iterations=2)


def test_masks_of_closed_outlines_are_said_to_be_outlines(tmp_path):
    rng = np.random.default_rng(2)
    filled = [_ellipses(rng, 1 + number % 2) for number in range(12)]
    report = _write(tmp_path, [_outline(mask) for mask in filled], rng)
    findings = _ids(report)
    outlines = findings["mask.outlines"]
    # a shape the model would learn instead of the object leads the headline
    assert report.headline.startswith(outlines.title.rstrip(".") + ".")
    assert outlines.severity is Severity.WARNING
    assert "consistent with outlines drawn instead of filled regions" in outlines.title
    assert "binary_fill_holes" in outlines.fix
    evidence = outlines.evidence
    assert evidence["masks_all_rings"] >= 11 and evidence["masks"] == 12
    stored = sum(int(_outline(mask).sum()) for mask in filled)
    assert evidence["stored_foreground_pixels"] <= stored
    assert evidence["filled_foreground_pixels"] > 2 * evidence["stored_foreground_pixels"]
    assert "mask.point_annotations" not in findings


def test_filled_masks_and_a_few_outlines_say_nothing(tmp_path):
    rng = np.random.default_rng(3)
    masks = [_ellipses(rng, 2) for _ in range(10)]
    masks[:2] = [_outline(mask) for mask in masks[:2]]  # two of ten: not "nearly every"
    findings = _ids(_write(tmp_path, masks, rng))
    assert "mask.outlines" not in findings
    assert "mask.point_annotations" not in findings


def test_a_thin_network_around_many_cells_is_no_outline(tmp_path):
    # membranes (the dark class of ISBI-like masks) as foreground: one object, many holes
    rng = np.random.default_rng(4)
    masks = []
    for _ in range(6):
        network = np.zeros((SIDE, SIDE), dtype=bool)
        for line in range(0, SIDE, int(rng.integers(14, 22))):
            network[line:line + 2] = True
            network[:, line:line + 2] = True
        masks.append(network)
    assert "mask.outlines" not in _ids(_write(tmp_path, masks, rng))


def test_point_annotations_are_said_to_be_points(tmp_path):
    rng = np.random.default_rng(9)
    masks = []
    for _ in range(10):
        mask = np.zeros((SIDE, SIDE), dtype=bool)
        for _ in range(int(rng.integers(3, 8))):
            cy, cx = rng.integers(4, SIDE - 4, 2)
            mask[cy - 1:cy + 2, cx - 1:cx + 2] = True
        masks.append(mask)
    labelled = [int(ndimage.label(mask, structure=np.ones((3, 3)))[1]) for mask in masks]
    report = _write(tmp_path, masks, rng)
    findings = _ids(report)
    points = findings["mask.point_annotations"]
    assert report.headline.startswith(points.title.rstrip(".") + ".")
    assert points.severity is Severity.WARNING
    assert "consistent with point annotations, not segmentations" in points.title
    assert points.evidence["objects"] == sum(labelled)
    assert points.evidence["object_pixels"] == 9
    assert points.evidence["same_size_objects"] >= 0.9 * sum(labelled)
    assert "mask.outlines" not in findings


def test_centroids_stamped_as_discs_of_radius_3_are_points(tmp_path):
    """Cells marked by a disc of radius 3 (29 px, 7 px across) round each centroid, as
    point-labelled nuclei are stamped for segmentation: said before only for marks of at most
    25 px (a 5x5 square)."""
    rng = np.random.default_rng(3)
    masks = []
    for _ in range(10):
        mask = np.zeros((SIDE, SIDE), dtype=bool)
        for _ in range(5):
            cy, cx = rng.integers(5, SIDE - 5, 2)
            mask |= (_YY - cy) ** 2 + (_XX - cx) ** 2 <= 9
        masks.append(mask)
    sizes = np.concatenate([np.bincount(ndimage.label(mask, structure=np.ones((3, 3)))[0]
                                        .ravel())[1:] for mask in masks])
    points = _ids(_write(tmp_path, masks, rng))["mask.point_annotations"]
    assert points.evidence["object_pixels"] == 29
    assert points.evidence["objects"] == sizes.size
    assert points.evidence["same_size_objects"] == int(np.count_nonzero(sizes == 29))
    assert points.evidence["box"] == "7x7"


def test_small_objects_of_varied_sizes_are_no_points(tmp_path):
    rng = np.random.default_rng(5)
    masks = []
    for _ in range(10):
        mask = np.zeros((SIDE, SIDE), dtype=bool)
        for _ in range(5):
            cy, cx = rng.integers(6, SIDE - 6, 2)
            mask |= np.hypot(_YY - cy, _XX - cx) <= rng.uniform(0.8, 3.5)
        masks.append(mask)
    assert "mask.point_annotations" not in _ids(_write(tmp_path, masks, rng))


@pytest.mark.parametrize(("inside", "rings", "holes"), [
    ("hole", [1], [400]), ("filled", [0], [0]),
    # an island inside: a filled object, so the mask is not all rings and is not examined
    ("island", [0], [0])])
def test_the_canvas_counts_rings_only_around_one_hole(inside, rings, holes):
    canvas = ObjectCanvas(capacity_pixels=10_000)
    ring = np.zeros((30, 30), dtype=bool)
    ring[3:27, 3:27] = True
    ring[5:25, 5:25] = inside == "filled"
    if inside == "island":
        ring[12:18, 12:18] = True
    canvas.slot(30, 30)[:] = ring
    stats = canvas.label()
    assert stats.ring_objects.tolist() == rings
    assert stats.hole_pixels.tolist() == holes


def test_a_band_along_the_border_is_no_outline(tmp_path):
    """Issue 14 (s28): a 3-px band of 255 along every mask's border (PASCAL's void kept in a
    padded crop, beside scribbles 0/1 on an unlabelled 2 that got no stroke reading) was
    "every object is a thin closed ring around background: consistent with outlines drawn
    instead of filled regions". A band spanning the whole mask outlines no object; closed
    outlines inside the masks still are."""
    rng = np.random.default_rng(4)
    masks = []
    for _ in range(8):
        mask = np.zeros((SIDE, SIDE), dtype=bool)
        mask[:3], mask[-3:], mask[:, :3], mask[:, -3:] = True, True, True, True
        masks.append(mask)
    assert "mask.outlines" not in _ids(_write(tmp_path / "band", masks, rng))
    filled = [_ellipses(rng, 1) for _ in range(8)]
    framed = [_outline(mask) | band for mask, band in zip(filled, masks, strict=True)]
    assert "mask.outlines" not in _ids(_write(tmp_path / "framed", framed, rng))
    assert "mask.outlines" in _ids(_write(tmp_path / "rings", [_outline(m) for m in filled],
                                          rng))
