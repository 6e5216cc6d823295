"""Polarity in the headline only on dataset-wide evidence (issue 14): masks mostly foreground
because their objects are large (lesion close-ups as in ISIC, large polyps as in Kvasir-SEG,
cars filling the frame as in Carvana) keep their background along the border; objects stored
as background lie inside the image. Only the second is "Possible inverted polarity"."""

from __future__ import annotations

import numpy as np
from helpers import audit_pairs, finding, write_mask_pairs
from hypothesis import given, settings
from hypothesis.extra.numpy import arrays

from unetdiag.diag.audit.polarity_evidence import BAND_SHARE, background_in_band
from unetdiag.diag.audit.thumbnails import THUMBNAIL_SIDE
from unetdiag.diag.data.policy import MaskPolicy

SIZE = 64


def _ellipse(cy: float, cx: float, ry: float, rx: float) -> np.ndarray:
    rows, columns = np.mgrid[:SIZE, :SIZE].astype(float)
    return ((rows - cy) / ry) ** 2 + ((columns - cx) / rx) ** 2 <= 1


def _close_up(rng: np.random.Generator) -> np.ndarray:
    """A lesion filling most of the frame: about 75-93 % foreground, background in the corners."""
    radius = rng.uniform(0.5, 0.58) * SIZE
    return _ellipse(SIZE / 2 + rng.normal(0, 2), SIZE / 2 + rng.normal(0, 2), radius,
                    radius * rng.uniform(0.9, 1.1))


def _inverted_cells(rng: np.random.Generator) -> np.ndarray:
    """Three to five cells inside the image, stored as background (the rest foreground)."""
    cells = np.zeros((SIZE, SIZE), bool)
    for _ in range(rng.integers(3, 6)):
        cells |= _ellipse(rng.uniform(14, 50), rng.uniform(14, 50), rng.uniform(4, 8),
                          rng.uniform(4, 8))
    return ~cells


def _entering_from_one_side(rng: np.random.Generator) -> np.ndarray:
    """A large object entering from one side (a road, a polyp or a car filling all but a
    strip): 55-70 % foreground, the background a strip along the opposite side, its edge
    wavy, on one of the four sides."""
    columns = np.arange(SIZE)
    edge = SIZE * rng.uniform(0.55, 0.7) + 3 * np.sin(columns / rng.uniform(4, 9))
    return np.rot90(np.arange(SIZE)[:, None] < edge[None, :], rng.integers(0, 4)).copy()


def _inverted_along_the_border(rng: np.random.Generator) -> np.ndarray:
    """Six small objects cut by the edges, stored as background (the rest foreground)."""
    cells = np.zeros((SIZE, SIZE), bool)
    for _ in range(6):
        along = rng.uniform(6, SIZE - 6)
        y, x = [(2, along), (SIZE - 3, along), (along, 2), (along, SIZE - 3)][rng.integers(4)]
        cells |= _ellipse(y, x, 4, 4)
    return ~cells


def _masks(kinds, seed=0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [(kind(rng) * np.uint8(255)).astype(np.uint8) for kind in kinds]


def test_large_objects_are_no_inverted_polarity(tmp_path):
    report = audit_pairs(*write_mask_pairs(tmp_path, _masks([_close_up] * 12)))
    assert "polarity" not in report.headline
    large = finding(report, "imbalance.mostly_foreground")
    assert large.severity.value == "info"
    placement = large.evidence["background_placement"]
    assert placement["verdict"] == "large objects" and placement["gathered_at_border"] == 12
    assert "Consistent with large objects" in large.explanation
    assert "often means inverted polarity" not in large.explanation


def test_objects_stored_as_background_keep_the_polarity_headline(tmp_path):
    report = audit_pairs(*write_mask_pairs(tmp_path, _masks([_inverted_cells] * 12)))
    assert report.headline.startswith("Possible inverted polarity: 12 of 12 masks")
    assert "what reads as background lying inside the image" in report.headline
    inverted = finding(report, "imbalance.mostly_foreground")
    assert inverted.severity.value == "warning"
    assert inverted.evidence["background_placement"]["verdict"] == "objects as background"


def test_a_set_that_does_not_decide_says_so_and_keeps_polarity_out_of_the_headline(tmp_path):
    report = audit_pairs(*write_mask_pairs(tmp_path, _masks([_close_up, _inverted_cells] * 6)))
    assert "polarity" not in report.headline
    undecided = finding(report, "imbalance.mostly_foreground")
    assert undecided.evidence["background_placement"]["verdict"] == "undecided"
    assert "do not tell large objects from inverted polarity" in undecided.explanation


def test_a_background_lining_one_side_is_no_evidence_of_inverted_polarity(tmp_path):
    """The rest of the frame beside a large object entering from one side puts only
    0.125 + 14/(256 t) of itself in the band (t its share of the image: 0.26 at t = 0.4), as
    little as objects inside the image do; but it covers that side's whole edge, which
    objects stored as background do not (DRIVE inverted: at most 5 % of a side, ISBI 2012 as
    published 34 %)."""
    report = audit_pairs(*write_mask_pairs(tmp_path, _masks([_entering_from_one_side] * 12)))
    assert "polarity" not in report.headline
    placed = finding(report, "imbalance.mostly_foreground")
    placement = placed.evidence["background_placement"]
    assert placement["verdict"] == "undecided" and placement["inside"] == 0
    assert placement["lining_a_side"] >= 6  # the others put over 30 % in the band
    assert "lies inside the image or spreads through it" not in placed.explanation
    # only the readings some mask has are named, each with its count
    lining = placement["lining_a_side"]
    assert " in 0" not in placed.explanation
    assert (f"at most 30 % in {lining}, but covering at least 50 % of one side's edge"
            in placed.explanation)


def _voided_close_ups(count: int) -> list[np.ndarray]:
    """Lesion close-ups (255) with a 2-px void ring (128) round the lesion."""
    rng = np.random.default_rng(3)
    rows, columns = np.mgrid[:SIZE, :SIZE].astype(float)
    masks = []
    for _ in range(count):
        radius = rng.uniform(0.52, 0.6) * SIZE
        distance = np.hypot(rows - SIZE / 2 - rng.normal(0, 2), columns - SIZE / 2)
        mask = np.where(distance <= radius, 255, 0).astype(np.uint8)
        mask[np.abs(distance - radius) < 1.5] = 128
        masks.append(mask)
    return masks


def test_masks_whose_placement_cannot_be_measured_keep_polarity_out_of_the_headline(tmp_path):
    """Lesion close-ups with their void ring ignored: the thumbnails count ignored pixels as
    background, so no mask is measured; the masks then tell nothing of where the background
    lies, and the headline may not say inverted polarity."""
    report = audit_pairs(*write_mask_pairs(tmp_path, _voided_close_ups(12)),
                         MaskPolicy(foreground_values=(255,), ignore_values=(128,)))
    assert "polarity" not in report.headline
    unmeasured = finding(report, "imbalance.mostly_foreground")
    assert unmeasured.evidence["background_placement"]["verdict"] == "unmeasured"
    assert "ignored pixels" in unmeasured.explanation


def test_a_background_gathered_at_the_border_names_both_readings(tmp_path):
    """Small objects stored as background along the edges gather their 'background' in the
    band as a large object's does: the finding may not say objects stored as background
    would lie inside the image."""
    report = audit_pairs(*write_mask_pairs(tmp_path, _masks([_inverted_along_the_border] * 12)))
    gathered = finding(report, "imbalance.mostly_foreground")
    assert gathered.evidence["background_placement"]["verdict"] == "large objects"
    assert "would lie inside the image" not in gathered.explanation
    assert "objects stored as background that lie along the border" in gathered.explanation


def test_a_verdict_needs_a_majority_of_all_the_mostly_foreground_masks(tmp_path):
    """Two masks measured inside among 13 mostly foreground, 11 not measured (ignored
    pixels): two masks are no dataset-wide evidence of inverted polarity."""
    masks = _voided_close_ups(11) + _masks([_inverted_cells] * 2)
    report = audit_pairs(*write_mask_pairs(tmp_path, masks),
                         MaskPolicy(foreground_values=(255,), ignore_values=(128,)))
    assert "polarity" not in report.headline
    placed = finding(report, "imbalance.mostly_foreground")
    placement = placed.evidence["background_placement"]
    assert (placement["measured"], placement["inside"], placement["not_measured"]) == (2, 2, 11)
    assert placement["verdict"] == "undecided"
    assert "11 more were not measured" in placed.explanation


def test_masks_too_small_for_the_band_are_not_measured(tmp_path):
    """Masks one pixel tall (a line scan): every pixel lies on the border, but the thumbnail
    stretches the row over 16 cells and puts 2 of them in the band, so a background pixel
    read as 'inside the image'. Under 16 pixels on a side, the band is less than a pixel."""
    rng = np.random.default_rng(4)
    masks = []
    for _ in range(10):
        row = np.full((1, 20), 255, np.uint8)
        row[0, rng.integers(0, 20)] = 0
        masks.append(row)
    report = audit_pairs(*write_mask_pairs(tmp_path, masks))
    assert "polarity" not in report.headline
    unmeasured = finding(report, "imbalance.mostly_foreground")
    assert unmeasured.evidence["background_placement"]["verdict"] == "unmeasured"
    assert "under 16 pixels on a side" in unmeasured.explanation


@settings(max_examples=60, deadline=None)
@given(arrays(np.uint8, (3, THUMBNAIL_SIDE * THUMBNAIL_SIDE)))
def test_the_share_in_the_band_is_a_share_or_nan_without_background(thumbnails):
    shares = background_in_band(thumbnails)
    no_background = (thumbnails == 255).all(axis=1)
    assert np.array_equal(np.isnan(shares), no_background)
    assert np.all((shares[~no_background] >= 0) & (shares[~no_background] <= 1))


def test_a_background_spread_evenly_puts_the_band_share_in_the_band():
    even = np.full((1, THUMBNAIL_SIDE * THUMBNAIL_SIDE), 128, np.uint8)
    assert background_in_band(even)[0] == BAND_SHARE == 60 / 256
