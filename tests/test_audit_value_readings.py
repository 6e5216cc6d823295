"""audit-data's value policies on real encodings (session 26): the user's --ignore-values kept
in every proposal and left out of the midpoint, masks of one object stored with two values,
scribble labels, and threshold warnings under a policy that reads every value exactly. Every
number checked against the masks written here."""

from __future__ import annotations

import numpy as np
from helpers import audit_pairs as audit
from helpers import findings_by_id as by_id
from helpers import write_mask_pairs as write
from PIL import Image

from unetdiag.diag.data.decoding import decode_mask_with_ignore
from unetdiag.diag.data.policy import DEFAULT_POLICY, MaskPolicy

SIDE = 48


def disc(rng: np.random.Generator, side: int = SIDE) -> np.ndarray:
    yy, xx = np.mgrid[:side, :side]
    cy, cx = rng.integers(side // 3, 2 * side // 3, 2)
    radius = rng.integers(side // 8, side // 4)
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= radius ** 2


# ------------------------------------------------ 5. the user's ignore value is kept ignored


def fov_masks(count: int = 8) -> tuple[list[np.ndarray], float]:
    """0/1 vessel-like labels with 255 outside a field-of-view disc (the user ignores 255);
    the true foreground share of the pixels not ignored."""
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[:SIDE, :SIDE]
    outside = (yy - SIDE / 2) ** 2 + (xx - SIDE / 2) ** 2 > (SIDE / 2 - 2) ** 2
    masks, foreground, kept = [], 0, 0
    for _ in range(count):
        mask = disc(rng).astype(np.uint8)
        mask[outside] = 255
        masks.append(mask)
        foreground += int((mask == 1).sum())
        kept += int((mask != 255).sum())
    return masks, foreground / kept


def test_an_ignored_value_does_not_move_the_midpoint_of_the_values_read(tmp_path):
    # 0/1 labels with 255 ignored: the values read are 0 and 1, whose midpoint is 0.5
    path = tmp_path / "fov.png"
    Image.fromarray(np.array([[0, 1, 255, 255]], np.uint8)).save(path)
    decoded, ignored, encoding = decode_mask_with_ignore(path, MaskPolicy(ignore_values=(255,)))
    assert decoded.tolist() == [[0, 1, 0, 0]]
    assert ignored.tolist() == [[False, False, True, True]]
    assert encoding.threshold == 0.5
    assert encoding.nonbinary_fraction == 0.0  # the ignored pixels are no in-between level


def test_the_users_ignore_values_stay_ignored_and_the_labels_under_them_are_read(tmp_path):
    masks, share = fov_masks()
    images, mask_dir = write(tmp_path, masks)
    report = audit(images, mask_dir, MaskPolicy(ignore_values=(255,)))
    found = by_id(report)
    assert "mask.decodes_empty" not in found
    summary = found["imbalance.summary"]
    assert abs(summary.evidence["foreground_fraction"] - share) < 1e-9
    label_map = found.get("mask.label_map")
    if label_map is not None:
        flags = label_map.evidence["proposed_flags"]
        assert flags is None or "--ignore-values 255" in flags
        assert "255" not in (label_map.evidence["proposed_policy"] or {}).get(
            "foreground_values", [])
    assert "1,255" not in report.headline


def test_the_foreground_share_under_ignore_values_is_said_of_the_pixels_scored(tmp_path):
    # DRIVE 0/1 with a 255 void border under --ignore-values 255 was 'Foreground is 9.25% of
    # all pixels': 9.25 % is of the pixels not ignored; of all pixels it is 8.75 %
    masks, share = fov_masks()
    everything = sum(int((mask == 1).sum()) for mask in masks) / sum(m.size for m in masks)
    images, mask_dir = write(tmp_path, masks)
    summary = by_id(audit(images, mask_dir, MaskPolicy(ignore_values=(255,))))[
        "imbalance.summary"]
    assert "of all pixels over" not in summary.title
    assert f"{share:.2%} of the pixels scored" in summary.title
    assert f"{everything:.2%} of all pixels" in summary.explanation
    assert abs(summary.evidence["foreground_of_all_pixels"] - everything) < 1e-9


def test_an_ignore_value_that_is_the_objects_value_is_named_as_what_empties_the_masks(tmp_path):
    # DRIVE 0/255 with a 255 void border under --ignore-values 255: every vessel pixel is
    # ignored; the audit said "label maps holding the values 0 and 255; choose the foreground
    # with --foreground-values" (the only value left to choose is 0, the background)
    rng = np.random.default_rng(5)
    masks = []
    for _ in range(6):
        mask = disc(rng).astype(np.uint8) * 255
        mask[:2], mask[-2:] = 255, 255
        masks.append(mask)
    images, mask_dir = write(tmp_path, masks)
    report = audit(images, mask_dir, MaskPolicy(ignore_values=(255,)))
    empty = by_id(report)["mask.decodes_empty"]
    assert "the only value left is 0, read as background" in empty.explanation
    assert empty.fix.startswith("If 255 marks the objects, drop --ignore-values 255")
    assert "choose the foreground with --foreground-values" not in report.headline
    assert "drop --ignore-values 255" in report.headline


def test_a_proposal_keeps_the_users_ignore_values_and_never_makes_them_objects(tmp_path):
    # class 3 on 0, 255 outside the field of view, ignored by the user: the midpoint of 0..3
    # on the 8-bit scale (127.5) leaves every mask empty; the proposal names 3 and keeps 255
    masks = [np.where(mask == 1, 3, mask).astype(np.uint8) for mask in fov_masks()[0]]
    images, mask_dir = write(tmp_path, masks)
    report = audit(images, mask_dir, MaskPolicy(ignore_values=(255,)))
    label_map = by_id(report)["mask.label_map"]
    assert label_map.evidence["proposed_flags"] == "--foreground-values 3 --ignore-values 255"
    assert "--foreground-values 3 --ignore-values 255" in report.headline


# ------------------------------------------- A3. one object stored with two values (VisA)


def half_rescaled(count: int = 12) -> tuple[list[np.ndarray], float]:
    """One defect per mask, stored as 255 in the first half and as its raw id 3 in the
    other (a partly run prepare script); the true defect share."""
    rng = np.random.default_rng(7)
    masks, objects = [], 0
    for number in range(count):
        shape = disc(rng)
        masks.append((shape * (255 if number < count // 2 else 3)).astype(np.uint8))
        objects += int(shape.sum())
    return masks, objects / (count * SIDE * SIDE)


def test_the_proposal_names_the_object_value_of_every_mask_not_only_the_label_maps(tmp_path):
    masks, share = half_rescaled()
    images, mask_dir = write(tmp_path, masks)
    # under --foreground-values 3 the label maps are the 0/255 masks: two levels read as one
    # class, not label maps (mask.two_levels_one_class)
    for policy, finding in ((DEFAULT_POLICY, "mask.label_map"),
                            (MaskPolicy(foreground_values=(3,)), "mask.two_levels_one_class")):
        report = audit(images, mask_dir, policy)
        label_map = by_id(report)[finding]
        assert label_map.evidence["proposed_flags"] == "--foreground-values 3,255"
        assert label_map.evidence["kept_masks"] == 6
        assert "pass --foreground-values 3,255" in report.headline
    followed = audit(images, mask_dir, MaskPolicy(foreground_values=(3, 255)))
    assert abs(by_id(followed)["imbalance.summary"].evidence["foreground_fraction"]
               - share) < 1e-9
    assert "mask.label_map" not in by_id(followed) or by_id(followed)[
        "mask.label_map"].evidence["proposed_flags"] is None


# ------------------------------ A4. no threshold warning where the value policy reads exactly


def scribbles(count: int = 10) -> list[np.ndarray]:
    """0 unlabelled, 1 a 3-px object stroke inside a disc, 2 a 3-px background stroke."""
    rng = np.random.default_rng(11)
    masks = []
    for _ in range(count):
        shape = disc(rng)
        mask = np.zeros((SIDE, SIDE), np.uint8)
        rows, cols = np.nonzero(shape)
        row = int(np.median(rows))
        mask[row - 1:row + 2, cols.min() + 1:cols.max()] = 1
        mask[2:5, 4:SIDE - 4] = 2
        mask[(mask == 1) & ~shape] = 0
        masks.append(mask)
    return masks


def test_masks_read_exactly_by_a_value_policy_get_no_intermediate_values_warning(tmp_path):
    masks, _ = half_rescaled()
    images, mask_dir = write(tmp_path / "visa", masks)
    report = audit(images, mask_dir, MaskPolicy(foreground_values=(3, 255)))
    sensitive = by_id(report).get("mask.threshold_sensitive")
    assert sensitive is None or sensitive.severity.value == "info"
    assert "intermediate values" not in report.headline + " ".join(
        finding.explanation for finding in report.findings)
    images, mask_dir = write(tmp_path / "scribble", scribbles())
    report = audit(images, mask_dir, MaskPolicy(foreground_values=(1,), ignore_values=(0,)))
    found = by_id(report)
    assert "mask.non_binary" not in found
    assert found.get("mask.threshold_sensitive") is None or found[
        "mask.threshold_sensitive"].severity.value == "info"
    said = " ".join(finding.explanation for finding in report.findings)
    assert "soft labels" not in said and "intermediate values" not in said
