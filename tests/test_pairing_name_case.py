"""Names that do not pair as they stand. Image and mask names that differ in letter case
only (``Case01.png`` beside ``case01.png``): a folder made on Windows or macOS, whose file
systems ignore case, pairs there and not on Linux; the refusal and ``pairing.missing_mask``
say so, with an example, instead of leaving "12 images, 12 masks" or "2 images have no mask"
unexplained. Two folders of as many files sharing no name: the refusal says pairing is by
name, not by place in a sorted list."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import touch_files

from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.exitcodes import UserError

CASE_WORDS = "differ in letter case only"


def test_masks_named_in_another_case_are_named_in_the_refusal(tmp_path):
    touch_files(tmp_path / "images", *(f"Case{n:02d}.png" for n in range(4)))
    touch_files(tmp_path / "masks", *(f"case{n:02d}.png" for n in range(4)))
    with pytest.raises(UserError) as refused:
        discover_pairs(tmp_path / "images", tmp_path / "masks")
    message = str(refused.value)
    assert f"4 images have masks whose names {CASE_WORDS} (Case00.png and case00.png)" in message
    assert "rename one side" in message


def test_a_few_masks_in_another_case_are_named_by_the_missing_mask_finding(tmp_path):
    touch_files(tmp_path / "images", *(f"Case{n:02d}.png" for n in range(6)))
    touch_files(tmp_path / "masks", *(f"{'case' if n == 3 else 'Case'}{n:02d}.png"
                                      for n in range(6)))
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert len(result.pairs) == 5
    findings = {finding.id: finding for finding in result.findings}
    assert ("1 image has a mask whose name differs in letter case only (Case03.png and "
            "case03.png)") in findings["pairing.missing_mask"].explanation
    assert "letter case" in findings["pairing.orphan_mask"].explanation
    # the mask exists under another case: renamed, not added
    for finding in (findings["pairing.missing_mask"], findings["pairing.orphan_mask"]):
        assert finding.fix.startswith("Rename one side of the pairs named above")


def test_a_suffixed_mask_beside_its_image_in_another_case_is_named(tmp_path):
    touch_files(tmp_path, "IMG_7.png", "img_7_mask.png", "IMG_8.png", "IMG_8_mask.png")
    result = discover_pairs(tmp_path)
    missing = next(finding for finding in result.findings
                   if finding.id == "pairing.missing_mask")
    assert "(IMG_7.png and img_7_mask.png)" in missing.explanation


def test_names_equal_in_case_or_ambiguous_once_folded_are_not_named():
    from unetdiag.diag.data.name_case import case_only_pairs

    # two images fold to one key: no one-to-one match, so nothing is claimed
    assert case_only_pairs([Path("A1.png"), Path("a1.tif")], [Path("A1.png")], ()) == []
    assert case_only_pairs([Path("b1.png")], [Path("B1.png"), Path("b1.tif")], ()) == []
    assert case_only_pairs([Path("c1.png")], [Path("d1.png")], ()) == []


def test_two_folders_of_as_many_files_sharing_no_name_are_told_pairing_is_by_name(tmp_path):
    """Camera names beside numbered masks, as many of each: loaders that zip two sorted lists
    pair them by position (HasnainRaz/SemSegPipeline#9: "each image-mask index corresponds to
    the same pair"); unetdiag pairs by name, and the refusal says so."""
    touch_files(tmp_path / "images", *(f"DSC_{4810 + n}.jpg" for n in range(3)))
    touch_files(tmp_path / "masks", *(f"mask_{n + 1}.png" for n in range(3)))
    with pytest.raises(UserError) as refused:
        discover_pairs(tmp_path / "images", tmp_path / "masks")
    message = str(refused.value)
    assert ("the 3 images and 3 masks share no name (DSC_4810.jpg, mask_1.png): unetdiag "
            "pairs files by name, never by their place in a sorted list") in message
    touch_files(tmp_path / "masks", "mask_4.png")  # counts differ: nothing said of order
    with pytest.raises(UserError) as refused:
        discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert "sorted list" not in str(refused.value)


@pytest.mark.parametrize("option", [{"mask_pattern": "{key}_gt"}, {"mask_suffixes": ("_gt",)}])
def test_names_sharing_nothing_under_a_given_rule_are_told_that_rule(tmp_path, option):
    """Under --mask-pattern or --mask-suffix the names to give are the rule's: the hint told
    such a user to name masks <stem>_mask.<ext> or to give the --mask-pattern just given."""
    touch_files(tmp_path / "images", *(f"DSC_{4810 + n}.jpg" for n in range(3)))
    touch_files(tmp_path / "masks", *(f"mask_{n + 1}.png" for n in range(3)))
    with pytest.raises(UserError) as refused:
        discover_pairs(tmp_path / "images", tmp_path / "masks", **option)
    message = str(refused.value)
    assert "never by their place in a sorted list" in message
    assert message.endswith("name each mask after its image as masks are looked for")
    assert "give --mask-pattern" not in message and "<stem>_mask" not in message
