"""Mirrored folders and labelme folders: what the findings say about the tree as a whole
(review of s25 part 2, items 3, 10, 11 and 13)."""

from __future__ import annotations

from pathlib import Path

from helpers import findings_by_id, touch_files

from unetdiag.diag.data.pairing import discover_pairs


def _padded_tree(root, padded_case: int = 4) -> None:
    for case in range(5):
        for n in range(1, 4):
            mask = f"{n:03d}" if case == padded_case else f"{n}"
            touch_files(root, f"images/case{case}/{n}.png", f"masks/case{case}/{mask}.png")


def test_a_rule_of_one_folder_that_breaks_the_others_is_not_adopted(tmp_path):
    _padded_tree(tmp_path)
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    found = findings_by_id(result)
    assert len(result.pairs) == 12 and result.rule.source == "default"
    assert "pairing.rule_inferred" not in found
    assert len(found["pairing.missing_mask"].files) == 3


def test_a_rule_is_inferred_from_the_folder_that_fails_and_counts_the_whole_tree(tmp_path):
    for case in range(5):
        for n in range(3):
            touch_files(tmp_path, f"images/c{case}/{n}.png",
                        f"masks/c{case}/{n}_1stHO.png" if case else f"masks/c{case}/{n}.png")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    inferred = findings_by_id(result)["pairing.rule_inferred"]
    assert result.rule.source == "inferred" and len(result.pairs) == 12
    assert inferred.title == ("Masks paired by their names: mask name = image name + _1stHO "
                              "(12 pairs)")
    assert "In c1/, the first folder whose images" in inferred.explanation
    assert "it pairs 12 of 15 images" in inferred.explanation


def test_an_empty_suffix_is_described_without_a_dangling_plus():
    from unetdiag.diag.data.pairing_findings import describe_rule
    from unetdiag.diag.data.pairing_rules import MaskPattern, RuleMatch

    match = RuleMatch(MaskPattern("", ""), pairs=[(Path("a.png"), Path("a.png"), "a")])
    assert describe_rule(match) == "mask name = image name"


def test_zero_padding_is_named_on_the_unpaired_files_of_a_partial_pairing(tmp_path):
    touch_files(tmp_path, *(f"images/{n}.png" for n in range(1, 13)),
                *(f"masks/{n:02d}.png" for n in range(1, 13)))
    found = findings_by_id(discover_pairs(tmp_path / "images", tmp_path / "masks"))
    for finding_id in ("pairing.missing_mask", "pairing.orphan_mask"):
        assert "match once zero padding is ignored (1.png and 01.png" in (
            found[finding_id].explanation)
    assert "typo" not in found["pairing.orphan_mask"].explanation


def test_a_labelme_folder_with_one_extra_file_still_pairs_img_with_label(tmp_path):
    for n in range(5):
        touch_files(tmp_path, *(f"IMG_{n}_json/{name}" for name in (
            "img.png", "label.png", "label_viz.png", "label_names.txt")))
    touch_files(tmp_path, "IMG_0_json/label_old.png")
    result = discover_pairs(tmp_path)
    found = findings_by_id(result)
    assert [(pair.image.name, pair.mask.name) for pair in result.pairs] == [
        ("img.png", "label.png")] * 5
    assert "pairing.missing_mask" not in found
    labelme = found["pairing.labelme_folders"]
    assert "1 other file in these folders (IMG_0_json/label_old.png) is not used" in (
        labelme.explanation)
    assert labelme.evidence["other_files"] == 1


def test_alternative_masks_of_mirrored_folders_are_named_once_per_set(tmp_path):
    for city in ("aachen", "bochum", "bremen"):
        for n in range(3):
            stem = f"{city}_{n:06d}"
            touch_files(tmp_path, f"left/{city}/{stem}_leftImg8bit.png",
                        *(f"gt/{city}/{stem}_gtFine_{kind}.png"
                          for kind in ("color", "instanceIds", "labelIds")))
    result = discover_pairs(tmp_path / "left", tmp_path / "gt")
    alternatives = findings_by_id(result)["pairing.alternative_masks"]
    assert len(alternatives.evidence["patterns"]) == 2
    assert alternatives.title.count("_gtFine_color") == 1
