"""Mixed polarity beyond threshold sets (issue 14, item 2): {1, 2} label masks whose object is 1
in some files and 2 in the others are told by area and position, file by file, and said to be
consistent with swapped values, never claimed inverted; three-value masks are not."""

from __future__ import annotations

import numpy as np
from helpers import audit_pairs as audit
from helpers import findings_by_id as by_id
from helpers import write_mask_pairs as write

from unetdiag.diag.data.policy import MaskPolicy

SIDE = 40


def discs(count: int, swapped: int, values: tuple[int, int] = (1, 2)) -> list[np.ndarray]:
    """Masks of one disc (about 8 % of the pixels) on a background: the disc ``values[0]``,
    the rest ``values[1]``; in the first ``swapped`` masks the two are the other way round."""
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[:SIDE, :SIDE]
    masks = []
    for number in range(count):
        centre = rng.integers(14, SIDE - 14, size=2)
        disc = (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 < 36 + number % 3
        inside, outside = values if number >= swapped else values[::-1]
        masks.append(np.where(disc, inside, outside).astype(np.uint8))
    return masks


def test_1_2_masks_swapped_in_half_the_files_are_two_groups_not_an_inverted_set(tmp_path):
    images, mask_dir = write(tmp_path, discs(12, swapped=6))
    report = audit(images, mask_dir)
    mostly = by_id(report)["imbalance.mostly_foreground"]
    assert mostly.evidence["mixed_polarity"]["mostly_foreground_masks"] == 6
    assert mostly.evidence["by_values"] and mostly.evidence["policy_is_proposed"]
    assert "--mask-polarity" not in mostly.explanation + mostly.fix
    assert "a + b - mask" in mostly.fix and "255 - mask" not in mostly.fix
    sides = by_id(report)["mask.label_map"].evidence["object_on_border"]
    assert sides == {"mostly_foreground_masks": 6, "object_fills_border": 6,
                     "other_masks": 6, "others_object_fills_border": 0}
    headline = report.headline
    assert "fall in two groups, 6 at" in headline
    assert "consistent with the object stored as one value in some files" in headline
    assert "inverted polarity" not in headline.lower()


def test_under_the_users_value_policy_the_fix_recodes_files_and_names_no_polarity(tmp_path):
    images, mask_dir = write(tmp_path, discs(12, swapped=6))
    report = audit(images, mask_dir, MaskPolicy(foreground_values=(1,)))
    assert by_id(report)["imbalance.mostly_foreground"].evidence["mixed_polarity"]
    assert report.headline.startswith("Masks fall in two groups")
    assert "--mask-polarity" not in report.headline and "recode those files" in report.headline


def test_no_group_claim_without_swapped_files_or_with_a_third_value(tmp_path):
    plain = audit(*write(tmp_path / "plain", discs(12, swapped=0)))
    assert "two groups" not in plain.headline
    three = discs(12, swapped=6)
    for mask in three:  # a border band of 3 round every disc: a trimap, not two classes
        edge = (mask != np.roll(mask, 1, axis=0)) | (mask != np.roll(mask, 1, axis=1))
        mask[edge] = 3
    report = audit(*write(tmp_path / "three", three))
    assert "two groups" not in report.headline
    mostly = by_id(report).get("imbalance.mostly_foreground")
    assert mostly is None or "mixed_polarity" not in mostly.evidence


def test_a_group_whose_shares_round_alike_is_no_range_of_one_value(tmp_path):
    """Review of session 29: the headline said "11 at 4% to 4%"; discs of one size give
    one share per group."""
    yy, xx = np.mgrid[:SIDE, :SIDE]
    disc = (yy - 20) ** 2 + (xx - 20) ** 2 < 36
    masks = [np.where(disc, *((1, 2) if number % 2 else (2, 1))).astype(np.uint8)
             for number in range(12)]
    headline = audit(*write(tmp_path, masks)).headline
    assert "fall in two groups, 6 at" in headline
    share = f"{disc.mean():.0%}"
    assert f"{share} to {share}" not in headline and f"at {share}" in headline
