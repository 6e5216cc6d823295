"""Scribble labels (session 26): two values drawn as thin strokes on a majority get readings,
never one proposal that trains the background strokes as object; WSL4MIS's 0/1 strokes on
255 unlabelled reach the label-map path instead of 'inverted polarity' and 'anti-aliasing'.
Thin regions that are no scribbles (anti-aliased rims) and class maps of whole regions keep
their verdicts. Every number checked against the masks written here."""

from __future__ import annotations

import numpy as np
from helpers import audit_pairs as audit
from helpers import findings_by_id as by_id
from helpers import write_mask_pairs as write

from unetdiag.diag.audit.strokes import scribble_like, stroke_interiors
from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.policy import MaskPolicy

SIDE = 64


def scribbles(unlabelled: int, obj: int, background: int, count: int = 8
              ) -> tuple[list[np.ndarray], float]:
    """A 3-px object stroke inside a disc, a 3-px background stroke outside it, the rest
    ``unlabelled``; the object strokes' share of the stroke pixels."""
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[:SIDE, :SIDE]
    masks, strokes, labelled = [], 0, 0
    for _ in range(count):
        cy, cx = rng.integers(24, 40, 2)
        shape = (yy - cy) ** 2 + (xx - cx) ** 2 <= 14 ** 2
        mask = np.full((SIDE, SIDE), unlabelled, np.uint8)
        mask[cy - 1:cy + 2, cx - 10:cx + 10] = obj
        row = int(rng.integers(3, 6))
        mask[row:row + 3, 6:SIDE - 6] = background
        mask[(mask == background) & shape] = unlabelled
        masks.append(mask)
        strokes += int((mask == obj).sum())
        labelled += int((mask != unlabelled).sum())
    return masks, strokes / labelled


def test_stroke_measure_tells_strokes_from_regions_and_rims():
    plane = np.zeros((32, 32), np.uint8)
    plane[4:7, 2:30] = 1  # a 3-px stroke
    plane[14:28, 10:24] = 2  # a region
    counts = {value: int((plane == value).sum()) for value in (0, 1, 2)}
    interiors = stroke_interiors(plane, counts)
    assert interiors[1] == 0 and interiors[2] == 10 * 10
    assert not scribble_like(plane, counts, interiors)  # 2 is no stroke
    rim = np.zeros((32, 32), np.uint8)
    rim[10:13, 2:30] = 255  # a thin line, anti-aliased: 128 along both of its edges
    rim[9, 2:30] = rim[13, 2:30] = 128
    counts = {value: int((rim == value).sum()) for value in (0, 128, 255)}
    assert not scribble_like(rim, counts, stroke_interiors(rim, counts))


def test_cod_scribbles_get_readings_not_both_strokes_as_the_object(tmp_path):
    masks, _ = scribbles(0, 1, 2)
    report = audit(*write(tmp_path, masks))
    label_map = by_id(report)["mask.label_map"]
    assert label_map.evidence["proposed_flags"] is None
    assert label_map.evidence["stroke_values"] == [1, 2]
    choice = label_map.evidence["readings_choice"]
    assert "--foreground-values 1 --ignore-values 0" in choice
    assert "--foreground-values 2 --ignore-values 0" in choice
    assert "--foreground-values 1,2 " not in report.headline.split("if both")[0]
    assert "pass --foreground-values 1 --ignore-values 0" in report.headline


def test_wsl4mis_scribbles_on_255_are_labels_not_inverted_polarity(tmp_path):
    masks, share = scribbles(255, 1, 0)
    images, mask_dir = write(tmp_path, masks)
    report = audit(images, mask_dir)
    found = by_id(report)
    assert "inverted polarity" not in report.headline.lower()
    assert "pass --foreground-values 1 --ignore-values 255" in report.headline
    assert "mask.non_binary" not in found
    said = " ".join(finding.explanation for finding in report.findings)
    assert "anti-aliased" not in said
    followed = audit(images, mask_dir, MaskPolicy(foreground_values=(1,), ignore_values=(255,)))
    found = by_id(followed)
    assert found["mask.label_map"].severity.value == "info"
    assert abs(found["imbalance.summary"].evidence["foreground_fraction"] - share) < 1e-9


def test_class_maps_of_whole_regions_keep_their_single_proposal(tmp_path):
    rng = np.random.default_rng(2)
    yy, xx = np.mgrid[:SIDE, :SIDE]
    masks = []
    for _ in range(6):
        mask = np.zeros((SIDE, SIDE), np.uint8)
        for value in (1, 2):
            cy, cx = rng.integers(12, 52, 2)
            mask[(yy - cy) ** 2 + (xx - cx) ** 2 <= 8 ** 2] = value
        masks.append(mask)
    label_map = by_id(audit(*write(tmp_path, masks)))["mask.label_map"]
    assert label_map.evidence["proposed_flags"] == "--foreground-values 1,2"
    assert label_map.evidence["stroke_values"] == []


def test_scribbles_a_threshold_reads_as_both_objects_are_not_nothing_to_fix(tmp_path):
    """0 unlabelled, 255 object strokes, 128 background strokes: the midpoint reads both
    strokes as object, which matches the 'both are object classes' reading only by accident
    (review 4: 'No problems that would make metrics lie')."""
    masks, _ = scribbles(unlabelled=0, obj=255, background=128)
    report = audit(*write(tmp_path, masks))
    found = by_id(report)["mask.label_map"]
    assert found.severity is Severity.WARNING
    assert not found.evidence["in_force_as_proposed"]
    assert "No problems" not in report.headline
    chosen = audit(*write(tmp_path / "chosen", masks),
                   MaskPolicy(foreground_values=(255,), ignore_values=(0,)))
    assert by_id(chosen)["mask.label_map"].severity is Severity.INFO


def test_small_discs_of_two_classes_keep_the_two_class_reading_in_the_headline(tmp_path):
    """Review 4: discs of radius 3 have no pixel 2 px inside, as strokes; the headline must
    not offer scribbles alone, and keeps '--foreground-values 1,2'."""
    rng = np.random.default_rng(4)
    yy, xx = np.mgrid[:SIDE, :SIDE]
    masks = []
    for _ in range(8):
        mask = np.zeros((SIDE, SIDE), np.uint8)
        for value in (1, 2, 1, 2, 1, 2):
            cy, cx = rng.integers(5, SIDE - 5, 2)
            mask[(yy - cy) ** 2 + (xx - cx) ** 2 <= 9] = value
        masks.append(mask)
    headline = audit(*write(tmp_path, masks)).headline
    assert "1 and 2 are thin strokes or small shapes on 0" in headline
    assert "consistent with scribble annotations or with thin or small structures of two " \
        "classes" in headline
    assert "if both are object classes, pass --foreground-values 1,2" in headline
