"""Pairing images with masks, every way it goes wrong, and the seeded split."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.folders import MIN_CASE_FOLDERS
from unetdiag.diag.data.pairing import (
    MAX_LISTED_FILES,
    Pair,
    discover_pairs,
)
from unetdiag.diag.data.split import split_pairs, validation_count
from unetdiag.exitcodes import ExitCode, UserError


def _touch(folder: Path, *names: str) -> None:
    """Pairing only lists files, so empty files are enough."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"")


def _by_id(result) -> dict:
    return {finding.id: finding for finding in result.findings}


def _pairs(result) -> list[tuple[str, str, str]]:
    return [(pair.stem, pair.image.name, pair.mask.name) for pair in result.pairs]


# --- layouts ------------------------------------------------------------------------------------


def test_separate_folders_match_by_stem_across_extensions_and_case(tmp_path):
    _touch(tmp_path / "images", "b.PNG", "a.tif", "c.jpg", ".DS_Store", "._a.png")
    _touch(tmp_path / "masks", "a.gif", "b.png", "c_mask.png", ".hidden.png")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert _pairs(result) == [("a", "a.tif", "a.gif"), ("b", "b.PNG", "b.png"),
                              ("c", "c.jpg", "c_mask.png")]
    assert result.findings == []
    assert result.images_dir == tmp_path / "images" and result.masks_dir == tmp_path / "masks"
    assert all(pair.image.parent == tmp_path / "images" for pair in result.pairs)


def test_one_folder_with_suffixed_masks(tmp_path):
    _touch(tmp_path, "cell_002.jpg", "cell_001.png", "cell_001_mask.png", "cell_002_SEG.png",
           "cell_003.tiff", "cell_003_label.tif", "SOURCE.md")
    result = discover_pairs(tmp_path)
    assert _pairs(result) == [("cell_001", "cell_001.png", "cell_001_mask.png"),
                              ("cell_002", "cell_002.jpg", "cell_002_SEG.png"),
                              ("cell_003", "cell_003.tiff", "cell_003_label.tif")]
    assert result.masks_dir is None
    ignored = _by_id(result)["pairing.ignored_files"]
    assert ignored.severity is Severity.INFO and ignored.source == "pairing"
    assert ignored.files == (str(tmp_path / "SOURCE.md"),)
    assert [f.id for f in result.findings] == ["pairing.ignored_files"]


def test_custom_mask_suffixes(tmp_path):
    _touch(tmp_path, "x.png", "x-gt.png", "y.png", "y_mask.png")
    result = discover_pairs(tmp_path, mask_suffixes=("-gt",))
    assert [pair.mask.name for pair in result.pairs] == ["x-gt.png"]
    # With "-gt" as the only suffix, y_mask.png is an image of its own with no mask.
    missing = _by_id(result)["pairing.missing_mask"].files
    assert missing == (str(tmp_path / "y.png"), str(tmp_path / "y_mask.png"))


def test_discovery_is_deterministic(tmp_path):
    _touch(tmp_path / "images", *(f"{i}.png" for i in range(12)))
    _touch(tmp_path / "masks", *(f"{i}.png" for i in range(12)))
    first = discover_pairs(tmp_path / "images", tmp_path / "masks")
    second = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert first.pairs == second.pairs
    assert [pair.stem for pair in first.pairs] == sorted(str(i) for i in range(12))


# --- findings -----------------------------------------------------------------------------------


def test_missing_masks_are_a_warning_listing_the_images(tmp_path):
    _touch(tmp_path / "images", "a.png", "b.png", "c.png")
    _touch(tmp_path / "masks", "a.png")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    finding = _by_id(result)["pairing.missing_mask"]
    assert finding.severity is Severity.WARNING
    assert finding.files == (str(tmp_path / "images" / "b.png"), str(tmp_path / "images/c.png"))
    assert finding.evidence["missing_masks"] == 2 and finding.evidence["images"] == 3
    assert finding.evidence["pairs"] == 1
    assert "<stem>_mask.<ext>" in finding.explanation


def test_orphan_masks_are_a_warning(tmp_path):
    _touch(tmp_path / "images", "a.png")
    _touch(tmp_path / "masks", "a.png", "z.png", "y_mask.png")
    finding = _by_id(discover_pairs(tmp_path / "images", tmp_path / "masks"))[
        "pairing.orphan_mask"]
    assert finding.severity is Severity.WARNING
    assert finding.evidence["orphan_masks"] == 2 and finding.evidence["masks"] == 3
    assert set(finding.files) == {str(tmp_path / "masks/z.png"),
                                  str(tmp_path / "masks/y_mask.png")}


def test_orphan_suffixed_mask_in_one_folder(tmp_path):
    _touch(tmp_path, "a.png", "a_mask.png", "ghost_mask.png")
    finding = _by_id(discover_pairs(tmp_path))["pairing.orphan_mask"]
    assert finding.files == (str(tmp_path / "ghost_mask.png"),)


def test_duplicate_image_stems_are_an_error_and_neither_is_used(tmp_path):
    _touch(tmp_path / "images", "a.png", "a.jpg", "b.png")
    _touch(tmp_path / "masks", "a.png", "b.png")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert [pair.stem for pair in result.pairs] == ["b"]
    finding = _by_id(result)["pairing.duplicate_stem"]
    assert finding.severity is Severity.ERROR
    assert set(finding.files) == {str(tmp_path / "images/a.png"), str(tmp_path / "images/a.jpg"),
                                  str(tmp_path / "masks/a.png")}
    assert finding.evidence["duplicate_stems"] == 1 and finding.evidence["stems"] == ["a"]
    assert "pairing.orphan_mask" not in _by_id(result)  # a.png is accounted for, not orphaned


def test_two_masks_for_one_image_are_a_duplicate(tmp_path):
    _touch(tmp_path / "images", "a.png", "b.png")
    _touch(tmp_path / "masks", "a.png", "a_mask.png", "b.png")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert [pair.stem for pair in result.pairs] == ["b"]
    assert _by_id(result)["pairing.duplicate_stem"].evidence["duplicate_files"] == 3


def test_duplicate_suffixed_masks_in_one_folder(tmp_path):
    _touch(tmp_path, "a.png", "a_mask.png", "a_seg.png", "b.png", "b_mask.png")
    result = discover_pairs(tmp_path)
    assert [pair.stem for pair in result.pairs] == ["b"]
    assert "pairing.duplicate_stem" in _by_id(result)


def test_mask_folder_equal_to_image_folder_is_refused(tmp_path):
    # The original project: IMAGE_DIR and MASK_DIR are the same folder of photographs.
    _touch(tmp_path, "p1.jpg", "p2.jpg")
    with pytest.raises(UserError, match="own mask") as caught:
        discover_pairs(tmp_path, tmp_path)
    assert "2 images" in str(caught.value) and caught.value.code is ExitCode.INPUT_ERROR


def test_same_file_pairs_kept_only_when_allowed_and_always_reported(tmp_path):
    _touch(tmp_path, "p1.jpg", "p2.jpg", "p3.png", "p3_mask.png")
    refused = discover_pairs(tmp_path, tmp_path)
    assert _pairs(refused) == [("p3", "p3.png", "p3_mask.png")]
    finding = _by_id(refused)["pairing.same_file"]
    assert finding.severity is Severity.ERROR and finding.evidence["kept"] is False
    assert finding.evidence["same_file_pairs"] == 2
    assert finding.files == (str(tmp_path / "p1.jpg"), str(tmp_path / "p2.jpg"))

    allowed = discover_pairs(tmp_path, tmp_path, allow_same_file=True)
    assert [pair.stem for pair in allowed.pairs] == ["p1", "p2", "p3"]
    assert allowed.pairs[0].image == allowed.pairs[0].mask
    assert _by_id(allowed)["pairing.same_file"].evidence["kept"] is True


def test_same_file_through_a_symbolic_link(tmp_path):
    _touch(tmp_path / "images", "a.png", "b.png")
    _touch(tmp_path / "masks", "b.png")
    os.symlink(tmp_path / "images" / "a.png", tmp_path / "masks" / "a.png")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert [pair.stem for pair in result.pairs] == ["b"]
    finding = _by_id(result)["pairing.same_file"]
    assert finding.evidence["mask_folder_is_image_folder"] is False
    assert "link" in finding.explanation


def test_ignored_files_and_folders_are_listed(tmp_path):
    _touch(tmp_path / "images", "a.png", "readme.txt", "a.webp")
    (tmp_path / "images" / "nested").mkdir()
    _touch(tmp_path / "masks", "a.png", "labels.csv")
    finding = _by_id(discover_pairs(tmp_path / "images", tmp_path / "masks"))[
        "pairing.ignored_files"]
    assert finding.evidence == {"ignored_files": 3, "ignored_folders": 1, "files_listed": 4}
    assert f"{tmp_path / 'images' / 'nested'}/" in finding.files


def test_file_lists_are_capped_but_counts_are_complete(tmp_path):
    _touch(tmp_path / "images", *(f"img_{i:03d}.png" for i in range(MAX_LISTED_FILES + 15)))
    _touch(tmp_path / "masks", "img_000.png")
    finding = _by_id(discover_pairs(tmp_path / "images", tmp_path / "masks"))[
        "pairing.missing_mask"]
    assert len(finding.files) == MAX_LISTED_FILES
    assert finding.evidence["missing_masks"] == MAX_LISTED_FILES + 14
    assert finding.evidence["files_listed"] == MAX_LISTED_FILES
    assert finding.files[0].endswith("img_001.png")


def test_findings_are_json_ready(tmp_path):
    _touch(tmp_path, "a.png", "a_mask.png", "b.png", "b.jpg", "c.png", "x_mask.png", "n.txt")
    result = discover_pairs(tmp_path)
    assert {f.id for f in result.findings} == {"pairing.duplicate_stem", "pairing.missing_mask",
                                              "pairing.orphan_mask", "pairing.ignored_files"}
    json.dumps([f.to_dict() for f in result.findings], allow_nan=False)


# --- user errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(("layout", "message"), [
    ("missing", "image folder not found"),
    ("file", "not a folder"),
    ("empty", "image folder is empty"),
    ("no_images", "no images in"),
    ("only_folders", re.escape("2 folders (images/, masks/)")),
])
def test_unusable_image_folders_raise_one_line_user_errors(tmp_path, layout, message):
    target = tmp_path / "data"
    if layout == "file":
        target.write_text("x")
    elif layout == "empty":
        target.mkdir()
    elif layout == "no_images":
        _touch(target, "SOURCE.md", "a.webp")
    elif layout == "only_folders":
        _touch(target / "images", "a.png")
        _touch(target / "masks", "a.png")
    with pytest.raises(UserError, match=message) as caught:
        discover_pairs(target)
    text = str(caught.value)
    assert str(target) in text and "\n" not in text


def test_unusable_mask_folder_names_it(tmp_path):
    _touch(tmp_path / "images", "a.png")
    with pytest.raises(UserError, match="mask folder not found"):
        discover_pairs(tmp_path / "images", tmp_path / "labels")
    (tmp_path / "labels").mkdir()
    with pytest.raises(UserError, match=f"mask folder is empty: {tmp_path / 'labels'}"):
        discover_pairs(tmp_path / "images", tmp_path / "labels")


def test_no_pairs_says_what_was_found_and_where_masks_were_looked_for(tmp_path):
    _touch(tmp_path, *(f"{i}.png" for i in range(12)))
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    text = str(caught.value)
    assert f"no image/mask pairs in {tmp_path}: 12 images, 0 masks" in text
    assert "<stem>_mask.<ext> (or _seg, _label)" in text


def test_no_pairs_in_separate_folders(tmp_path):
    _touch(tmp_path / "images", "a.png", "b.png")
    _touch(tmp_path / "masks", "x.png")
    with pytest.raises(UserError, match="2 images, 1 masks; masks are looked for as "
                                        r"<stem>\.<ext> or <stem>_mask"):
        discover_pairs(tmp_path / "images", tmp_path / "masks")


def test_no_pairs_because_every_stem_is_duplicated(tmp_path):
    _touch(tmp_path, "a.png", "a.jpg", "a_mask.png")
    with pytest.raises(UserError, match="1 stems have several files"):
        discover_pairs(tmp_path)


# --- split --------------------------------------------------------------------------------------


def _make_pairs(stems) -> list[Pair]:
    return [Pair(stem, Path(f"images/{stem}.png"), Path(f"masks/{stem}.png")) for stem in stems]


def test_split_is_seeded_sorted_disjoint_and_order_independent():
    pairs = _make_pairs(f"s{i:03d}" for i in range(50))
    train, validation = split_pairs(pairs, 0.2, seed=42)
    assert len(validation) == 10 and len(train) == 40
    assert set(train).isdisjoint(validation) and set(train) | set(validation) == set(pairs)
    assert [p.stem for p in train] == sorted(p.stem for p in train)
    assert [p.stem for p in validation] == sorted(p.stem for p in validation)
    assert split_pairs(list(reversed(pairs)), 0.2, seed=42) == (train, validation)
    assert split_pairs(pairs, 0.2, seed=7)[1] != validation


def test_split_follows_the_documented_sha256_ranking():
    # Python's hash() of a str changes with PYTHONHASHSEED; this split must never change.
    stems = ["a", "b", "c", "d", "e"]
    _, validation = split_pairs(_make_pairs(stems), 0.4, seed=42)
    ranked = sorted(stems, key=lambda stem: hashlib.sha256(f"42\0{stem}".encode()).digest())
    assert [p.stem for p in validation] == sorted(ranked[:2]) == ["d", "e"]


@pytest.mark.parametrize(("count", "fraction", "expected"), [
    (7390, 0.2, 1478), (10, 0.2, 2), (2, 0.2, 1), (3, 0.1, 1), (1, 0.2, 0), (0, 0.2, 0),
    (10, 0.0, 0), (2, 0.9, 1), (11, 0.5, 6),
])
def test_validation_count(count, fraction, expected):
    assert validation_count(count, fraction) == expected


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5])
def test_validation_fraction_out_of_range_is_rejected(fraction):
    with pytest.raises(ValueError, match="val_fraction"):
        split_pairs(_make_pairs(["a", "b"]), fraction)


def test_single_pair_trains_and_nothing_validates():
    pairs = _make_pairs(["only"])
    assert split_pairs(pairs) == (pairs, [])


@settings(max_examples=60, deadline=None)
@given(st.sets(st.text(alphabet="abcdefghij0123456789_", min_size=1, max_size=8),
               min_size=2, max_size=40),
       st.text(alphabet="klmnopqrstuvwxyz", min_size=1, max_size=8),
       st.integers(0, 2**32), st.sampled_from([0.1, 0.2, 0.25, 0.5]))
def test_adding_a_file_moves_at_most_one_other_file(stems, new_stem, seed, fraction):
    pairs = _make_pairs(sorted(stems))
    _, validation_before = split_pairs(pairs, fraction, seed)
    _, validation_after = split_pairs(pairs + _make_pairs([new_stem]), fraction, seed)
    old_after = {p.stem for p in validation_after} - {new_stem}
    moved = old_after ^ {p.stem for p in validation_before}
    assert len(moved) <= 1


# --- rules found from the names ------------------------------------------------------------------


def _chase(folder: Path, eyes: int = 4) -> None:
    stems = [f"Image_{n:02d}{eye}" for n in range(1, eyes // 2 + 1) for eye in "LR"]
    _touch(folder, *(name for stem in stems for name in (
        f"{stem}.jpg", f"{stem}_1stHO.png", f"{stem}_2ndHO.png")))


def test_annotator_tagged_masks_in_one_folder_pair_by_the_first_annotator(tmp_path):
    _chase(tmp_path)
    result = discover_pairs(tmp_path)
    assert [(pair.image.name, pair.mask.name) for pair in result.pairs][:2] == [
        ("Image_01L.jpg", "Image_01L_1stHO.png"), ("Image_01R.jpg", "Image_01R_1stHO.png")]
    assert len(result.pairs) == 4
    findings = _by_id(result)
    assert set(findings) == {"pairing.rule_inferred", "pairing.alternative_masks"}
    inferred = findings["pairing.rule_inferred"]
    assert inferred.severity is Severity.INFO
    assert "--mask-suffix _1stHO" in inferred.fix and "--mask-suffix _2ndHO" in inferred.fix
    alternative = findings["pairing.alternative_masks"]
    assert len(alternative.files) == 4 and all("_2ndHO" in f for f in alternative.files)
    assert result.rule.to_dict() == {
        "source": "inferred", "layout": "one folder", "mask_suffixes": ["_1stHO"],
        "mask_pattern": "{key}_1stHO", "flag": "--mask-suffix _1stHO",
        "example": ["Image_01L.jpg", "Image_01L_1stHO.png"],
        "alternatives": ["--mask-suffix _2ndHO"], "stacks": 0, "groups": 0}


def test_a_given_suffix_leaves_the_other_annotator_out_of_the_images(tmp_path):
    _chase(tmp_path)
    result = discover_pairs(tmp_path, mask_suffixes=("_2ndHO",))
    assert all(pair.mask.name.endswith("_2ndHO.png") for pair in result.pairs)
    assert set(_by_id(result)) == {"pairing.alternative_masks"}  # no "image without a mask"
    assert result.rule.source == "given" and result.rule.alternatives == ("--mask-suffix _1stHO",)


def test_drive_as_distributed_pairs_by_the_shared_number(tmp_path):
    _touch(tmp_path / "images", *(f"{n}_training.tif" for n in range(21, 26)))
    _touch(tmp_path / "1st_manual", *(f"{n}_manual1.gif" for n in range(21, 26)))
    result = discover_pairs(tmp_path / "images", tmp_path / "1st_manual")
    assert _pairs(result)[0] == ("21_training", "21_training.tif", "21_manual1.gif")
    finding = _by_id(result)["pairing.rule_inferred"]
    assert "--mask-pattern '{key}_manual1'" in finding.fix
    assert finding.evidence["example"] == ["21_training.tif", "21_manual1.gif"]
    assert result.rule.mask_pattern == "{key}_manual1" and result.rule.mask_suffixes == ()


def test_drive_field_of_view_folder_pairs_by_the_default_suffix_without_a_word(tmp_path):
    _touch(tmp_path / "images", *(f"{n}_training.tif" for n in range(21, 26)))
    _touch(tmp_path / "mask", *(f"{n}_training_mask.gif" for n in range(21, 26)))
    result = discover_pairs(tmp_path / "images", tmp_path / "mask")
    assert len(result.pairs) == 5 and result.findings == [] and result.rule.source == "default"


def test_camvid_label_suffix_is_inferred(tmp_path):
    stems = [f"0001TP_{6690 + 30 * k:06d}" for k in range(4)]
    _touch(tmp_path / "raw", *(f"{stem}.png" for stem in stems))
    _touch(tmp_path / "labels", *(f"{stem}_L.png" for stem in stems))
    result = discover_pairs(tmp_path / "raw", tmp_path / "labels")
    assert len(result.pairs) == 4 and result.rule.flag == "--mask-suffix _L"


def test_a_rule_that_leaves_a_file_over_stops_naming_the_option(tmp_path):
    _touch(tmp_path / "images", *(f"{n}_training.tif" for n in range(21, 31)))
    _touch(tmp_path / "masks", *(f"{n}_manual1.gif" for n in range(21, 30)))
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path / "images", tmp_path / "masks")
    text = str(caught.value)
    assert "\n" not in text and "10 images, 9 masks" in text
    assert ("closest rule: --mask-pattern '{key}_manual1' (21_training.tif ↔ 21_manual1.gif) "
            "pairs 9 of 10 images and leaves 30_training.tif without a mask") in text
    given = discover_pairs(tmp_path / "images", tmp_path / "masks",
                           mask_pattern="{key}_manual1")
    assert len(given.pairs) == 9
    assert _by_id(given)["pairing.missing_mask"].files == (
        str(tmp_path / "images" / "30_training.tif"),)
    assert "{key}_manual1.<ext>" in _by_id(given)["pairing.missing_mask"].explanation


def test_a_partial_default_pairing_is_kept_when_no_rule_pairs_everything(tmp_path):
    _touch(tmp_path, "a.png", "a_mask.png", "b.png", "b_mask.png", "c.png")
    result = discover_pairs(tmp_path)
    assert [pair.stem for pair in result.pairs] == ["a", "b"]
    assert set(_by_id(result)) == {"pairing.missing_mask"} and result.rule.source == "default"


@pytest.mark.parametrize(("pattern", "masks_dir", "message"), [
    ("_manual1", True, "exactly once"),
    ("{key}", False, "names every file"),
])
def test_malformed_patterns_are_usage_errors(tmp_path, pattern, masks_dir, message):
    _touch(tmp_path / "images", "a.png")
    _touch(tmp_path / "masks", "a.png")
    with pytest.raises(UserError, match=message) as caught:
        discover_pairs(tmp_path / "images", tmp_path / "masks" if masks_dir else None,
                       mask_pattern=pattern)
    assert caught.value.code is ExitCode.USAGE


def test_tied_rules_are_named_with_their_options():
    from unetdiag.diag.data.pairing_findings import inference_hint
    from unetdiag.diag.data.pairing_rules import Inference, MaskPattern, RuleMatch

    def rule(text, image, mask, key):
        return RuleMatch(MaskPattern.parse(text), pairs=[(Path(image), Path(mask), key)])

    hint = inference_hint(Inference(others=[rule("{key}_a", "x.png", "x_a.png", "x"),
                                            rule("{key}_b", "y.png", "y_b.png", "y")]))
    assert hint == ("; several rules pair every file one to one but pair different images: "
                    "--mask-suffix _a (x.png ↔ x_a.png), --mask-suffix _b (y.png ↔ y_b.png); "
                    "pass the one you mean")


def test_the_command_line_refuses_a_suffix_and_a_pattern_together(tmp_path, capsys):
    from unetdiag.cli import main

    _touch(tmp_path, "a.png", "a_mask.png")
    status = main(["audit-data", str(tmp_path), "--mask-suffix", "_mask",
                   "--mask-pattern", "{key}_mask", "--quiet"])
    assert status == ExitCode.USAGE
    assert "give --mask-suffix or --mask-pattern, not both" in capsys.readouterr().err


def test_a_folder_of_image_and_mask_folders_suggests_passing_both(tmp_path):
    _touch(tmp_path / "data" / "images", "a.png")
    _touch(tmp_path / "data" / "masks", "a.png")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path / "data")
    assert str(caught.value).endswith(
        f"pass --images {tmp_path / 'data' / 'images'} --masks {tmp_path / 'data' / 'masks'}")


def test_the_shared_key_rule_says_where_the_key_comes_from(tmp_path):
    _touch(tmp_path / "images", *(f"{n}_training.tif" for n in range(21, 24)))
    _touch(tmp_path / "1st_manual", *(f"{n}_manual1.gif" for n in range(21, 24)))
    finding = _by_id(discover_pairs(tmp_path / "images", tmp_path / "1st_manual"))[
        "pairing.rule_inferred"]
    assert finding.title == ("Masks paired by their names: mask name = {key}_manual1, {key} "
                             "being the start of the image name up to a separator (3 pairs)")


# --- case folders ------------------------------------------------------------------------------


def _cases(folder: Path, slices: dict[str, int]) -> None:
    """The Kaggle LGG layout: one folder per patient, slices beside their ``_mask`` files."""
    for case, count in slices.items():
        _touch(folder / case, *(name for n in range(1, count + 1)
                                for name in (f"{case}_{n}.tif", f"{case}_{n}_mask.tif")))


def test_case_folders_pair_one_level_down_and_name_their_case(tmp_path):
    _cases(tmp_path, {"TCGA_CS_4941": 3, "TCGA_DU_5849": 2, "TCGA_A": 1, "TCGA_B": 1,
                      "TCGA_C": 1})
    _touch(tmp_path, "data.csv")
    result = discover_pairs(tmp_path)
    assert [(pair.stem, pair.group, pair.mask.name) for pair in result.pairs][:2] == [
        ("TCGA_A/TCGA_A_1", "TCGA_A", "TCGA_A_1_mask.tif"),
        ("TCGA_B/TCGA_B_1", "TCGA_B", "TCGA_B_1_mask.tif")]
    assert len(result.pairs) == 8
    assert result.rule.layout == "case folders" and result.rule.to_dict()["groups"] == 5
    assert result.rule.example == ("TCGA_A/TCGA_A_1.tif", "TCGA_A/TCGA_A_1_mask.tif")
    found = _by_id(result)["pairing.case_folders"]
    assert found.severity is Severity.INFO and "keeps each folder whole" in found.title
    assert found.evidence["pairs"] == 8 and found.evidence["case_folders"] == 5
    assert "data.csv" in " ".join(str(path) for path in
                                  _by_id(result)["pairing.ignored_files"].files)


def test_few_folders_are_split_by_file_within_each(tmp_path):
    # BUSI: benign/ malignant/ normal/ are classes; whole, one would be all of validation
    _cases(tmp_path, {"benign": 10, "malignant": 5, "normal": 5})
    result = discover_pairs(tmp_path)
    found = _by_id(result)["pairing.case_folders"]
    assert found.severity is Severity.WARNING
    assert found.title.endswith("(benign, malignant and normal); too few to split whole, so "
                                "each is split by file")
    assert found.evidence["split"] == "by file within each folder"
    train, validation = split_pairs(result.pairs, 0.2, 42)
    assert Counter(pair.group for pair in validation) == {"benign": 2, "malignant": 1,
                                                          "normal": 1}
    assert {pair.group for pair in train} == {"benign", "malignant", "normal"}


def test_names_repeated_in_other_case_folders_pair_within_their_own(tmp_path):
    for video in ("vid1", "vid2", "vid#3"):
        _touch(tmp_path / video, *(name for n in range(3)
                                   for name in (f"frame_{n}.png", f"frame_{n}_mask.png")))
    result = discover_pairs(tmp_path)
    assert len(result.pairs) == 9 and not {"pairing.duplicate_stem"} & set(_by_id(result))
    assert {pair.group for pair in result.pairs} == {"vid1", "vid2", "vid#3"}
    assert all(pair.mask.parent == pair.image.parent for pair in result.pairs)


def test_one_case_folder_is_split_by_file_and_trains(tmp_path):
    _cases(tmp_path, {"TCGA_CS_4941": 4})
    found = _by_id(discover_pairs(tmp_path))["pairing.case_folders"]
    assert found.severity is Severity.WARNING and "the folder would be the whole" in (
        found.explanation)
    from unetdiag.config import TrainConfig
    from unetdiag.training.run.split import discover_and_split

    _findings, train, validation, _rule = discover_and_split(TrainConfig(images=tmp_path))
    assert len(train) == 3 and len(validation) == 1


def test_a_split_already_made_is_not_taken_for_case_folders(tmp_path):
    _cases(tmp_path / "train", {"a": 0})
    _touch(tmp_path / "train", "x.png", "x_mask.png")
    _touch(tmp_path / "val", "y.png", "y_mask.png")
    with pytest.raises(UserError, match="look like a split already made") as caught:
        discover_pairs(tmp_path)
    assert f"e.g. {tmp_path / 'train'}" in str(caught.value)


def test_two_folders_of_the_same_names_are_suggested_as_images_and_masks(tmp_path):
    _touch(tmp_path / "input", "a.png", "b.png")
    _touch(tmp_path / "target", "a.png", "b.png")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    assert str(caught.value).endswith(f"--images {tmp_path / 'input'} --masks "
                                      f"{tmp_path / 'target'} (if target/ holds the masks)")


def test_a_folder_with_images_of_its_own_does_not_search_its_folders(tmp_path):
    _touch(tmp_path, "a.png", "a_mask.png")
    _cases(tmp_path, {"case": 2})
    result = discover_pairs(tmp_path)
    assert _pairs(result) == [("a", "a.png", "a_mask.png")] and result.pairs[0].group == ""
    assert result.rule.layout == "one folder"


def test_folders_without_images_are_named_as_searched(tmp_path):
    _touch(tmp_path / "a", "notes.txt")
    _touch(tmp_path / "b")
    with pytest.raises(UserError, match="nor do its folders"):
        discover_pairs(tmp_path)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 16), min_size=1, max_size=12), st.integers(0, 2**32),
       st.sampled_from([0.1, 0.2, 0.25, 0.5]))
def test_the_split_keeps_every_case_whole_and_never_overshoots(sizes, seed, fraction):
    pairs = [Pair(f"c{case}/s{n}", Path(f"c{case}/s{n}.png"), Path(f"c{case}/s{n}_mask.png"),
                  group=f"c{case}")
             for case, size in enumerate(sizes) for n in range(size)]
    train, validation = split_pairs(pairs, fraction, seed)
    assert sorted(train + validation, key=lambda p: p.stem) == sorted(pairs, key=lambda p: p.stem)
    assert train, "never every pair in validation"
    if len(sizes) >= MIN_CASE_FOLDERS:
        assert {p.group for p in train}.isdisjoint({p.group for p in validation})
        target = validation_count(len(pairs), fraction)
        # whole cases up to the share; the smallest case when none fits
        assert validation
        assert len(validation) <= target or len(validation) == min(sizes) > target
    else:  # too few to split whole: the count shared out in proportion to the cases
        held = Counter(p.group for p in validation)
        assert len(validation) == validation_count(len(pairs), fraction)
        assert all(abs(held[f"c{case}"] - size * len(validation) / len(pairs)) < 1
                   for case, size in enumerate(sizes))
    assert split_pairs(pairs[::-1], fraction, seed) == (train, validation)


def test_a_large_case_is_not_taken_past_the_validation_share():
    sizes = {"a": 2, "b": 2, "c": 16, "d": 16, "e": 16}
    pairs = [Pair(f"{case}/s{n}", Path(f"{case}/s{n}.png"), Path(f"{case}/s{n}_m.png"),
                  group=case) for case, size in sizes.items() for n in range(size)]
    for seed in range(8):
        _train, validation = split_pairs(pairs, 0.2, seed)
        assert {p.group for p in validation} in ({"a"}, {"b"}, {"a", "b"})


def test_the_folder_hint_prefers_a_plain_mask_folder_and_names_the_others(tmp_path):
    # DRIVE as shared here: extra_fov_masks/ (field of view) sorts before masks/ (vessels)
    for folder in ("images", "masks", "extra_fov_masks"):
        _touch(tmp_path / folder, "21_training.png")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    assert str(caught.value).endswith(
        f"--images {tmp_path / 'images'} --masks {tmp_path / 'masks'} "
        f"(or --masks {tmp_path / 'extra_fov_masks'})")


def test_the_folder_hint_goes_down_to_the_one_folder_of_masks(tmp_path):
    # the Oxford-IIIT Pet release: annotations/ holds trimaps/ (PNG) and xmls/ (XML)
    _touch(tmp_path / "images", "Abyssinian_1.jpg")
    _touch(tmp_path / "annotations", "list.txt")
    _touch(tmp_path / "annotations" / "trimaps", "Abyssinian_1.png")
    _touch(tmp_path / "annotations" / "xmls", "Abyssinian_1.xml")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    assert str(caught.value).endswith(f"--masks {tmp_path / 'annotations' / 'trimaps'}")


def test_the_folder_hint_pairs_a_folder_with_its_masks_folder(tmp_path):
    # Kaggle Carvana: train/, train_masks/ (GIF) and test/ side by side
    _touch(tmp_path / "train", "0cdf5b5d0ce1_01.jpg")
    _touch(tmp_path / "train_masks", "0cdf5b5d0ce1_01_mask.gif")
    _touch(tmp_path / "test", "0cdf5b5d0ce1_02.jpg")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    assert str(caught.value).endswith(
        f"pass --images {tmp_path / 'train'} --masks {tmp_path / 'train_masks'}")


def test_the_folder_hint_goes_down_on_the_image_side_too_and_ranks_empty_folders_last(tmp_path):
    # Keras flow_from_directory: images/img/ and masks/img/; YOLO labels/ holds no image
    _touch(tmp_path / "images" / "img", "a.png")
    _touch(tmp_path / "masks" / "img", "a.png")
    _touch(tmp_path / "labels", "a.txt")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    assert str(caught.value).endswith(
        f"--images {tmp_path / 'images' / 'img'} --masks {tmp_path / 'masks' / 'img'} "
        f"(or --masks {tmp_path / 'labels'})")


def test_an_unreadable_folder_is_not_a_traceback(tmp_path, monkeypatch):
    # as a user without the right to look inside case/ (root reads everything, so the
    # refusal is simulated where pathlib meets it)
    _touch(tmp_path / "case", "notes.txt")
    original = Path.is_dir

    def is_dir(path):
        if path.parent.name == "case":
            raise PermissionError(13, "Permission denied", str(path))
        return original(path)

    monkeypatch.setattr(Path, "is_dir", is_dir)
    with pytest.raises(UserError):
        discover_pairs(tmp_path)


# --- numbered masks (BUSI) ----------------------------------------------------------------------


def _save_box(path: Path, box: tuple[slice, slice]) -> None:
    from PIL import Image

    values = np.zeros((8, 8), np.uint8)
    values[box] = 255
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(values).save(path)


def test_numbered_masks_are_merged_into_their_pair(tmp_path):
    from unetdiag.diag.data.masks import MaskPolicy, decode_mask

    folder = tmp_path / "benign"
    _save_box(folder / "benign (4).png", np.s_[:, :])
    _save_box(folder / "benign (4)_mask.png", np.s_[0:2, 0:2])
    _save_box(folder / "benign (4)_mask_1.png", np.s_[5:7, 5:7])
    _save_box(folder / "benign (5).png", np.s_[:, :])
    _save_box(folder / "benign (5)_mask.png", np.s_[1:3, 1:3])
    result = discover_pairs(folder)
    assert [pair.stem for pair in result.pairs] == ["benign (4)", "benign (5)"]
    assert result.pairs[0].mask.name == "benign (4)_mask.png#with=benign (4)_mask_1.png"
    assert result.pairs[1].mask.name == "benign (5)_mask.png"
    found = _by_id(result)
    assert "pairing.missing_mask" not in found
    numbered = found["pairing.numbered_masks"]
    assert numbered.evidence["images"] == 2 and numbered.evidence["masks"] == 3
    assert numbered.files == (str(folder / "benign (4)_mask_1.png"),)
    merged, _encoding = decode_mask(result.pairs[0].mask, MaskPolicy())
    assert int(merged.sum()) == 8 and merged[0, 0] and merged[6, 6]


def test_numbered_masks_in_a_mask_folder_are_not_orphans(tmp_path):
    _save_box(tmp_path / "images" / "x.png", np.s_[:, :])
    _save_box(tmp_path / "masks" / "x_mask.png", np.s_[0:2, 0:2])
    _save_box(tmp_path / "masks" / "x_mask_1.png", np.s_[4:6, 4:6])
    _save_box(tmp_path / "masks" / "y_mask_1.png", np.s_[4:6, 4:6])  # no y_mask: an orphan
    for other in ("v", "w"):  # a numbered twin for one mask in three: further objects
        _save_box(tmp_path / "images" / f"{other}.png", np.s_[:, :])
        _save_box(tmp_path / "masks" / f"{other}_mask.png", np.s_[0:2, 0:2])
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert result.pairs[2].mask.name == "x_mask.png#with=x_mask_1.png"
    orphan = _by_id(result)["pairing.orphan_mask"]
    assert orphan.files == (str(tmp_path / "masks" / "y_mask_1.png"),)


# --- tiles -------------------------------------------------------------------------------------


def test_tiles_named_by_position_are_split_by_source_image(tmp_path):
    _touch(tmp_path, *(name for city in range(6) for row in (0, 512) for col in (0, 512)
                       for name in (f"austin{city}_{row}_{col}.png",
                                    f"austin{city}_{row}_{col}_mask.png")))
    result = discover_pairs(tmp_path)
    assert {pair.group for pair in result.pairs} == {f"austin{city}" for city in range(6)}
    assert _by_id(result)["pairing.tiles"].evidence["source_images"] == 6
    assert result.rule.to_dict()["groups"] == 6
    train, validation = split_pairs(result.pairs, 0.2, 42)
    assert validation and {p.group for p in train}.isdisjoint({p.group for p in validation})


@pytest.mark.parametrize("names", [
    [f"cells_{n:03d}" for n in range(30)],                      # one number
    [f"Abyssinian_{n}" for n in range(30)],                     # breed and number
    [f"patient_{p:03d}_{s:03d}" for p in (1, 2) for s in range(15)],  # one source
    [f"img{s}_2019_{m:02d}" for s in range(6) for m in range(1, 4)],   # no grid
])
def test_names_that_are_not_tiles_keep_the_split_by_file(tmp_path, names):
    _touch(tmp_path, *(name for stem in names for name in (f"{stem}.png", f"{stem}_mask.png")))
    result = discover_pairs(tmp_path)
    assert {pair.group for pair in result.pairs} == {""}
    assert "pairing.tiles" not in _by_id(result)


def test_file_names_holding_the_set_separators_are_never_merged(tmp_path):
    _save_box(tmp_path / "a|b.png", np.s_[:, :])
    _save_box(tmp_path / "a|b_mask.png", np.s_[0:2, 0:2])
    _save_box(tmp_path / "a|b_mask_1.png", np.s_[4:6, 4:6])
    result = discover_pairs(tmp_path)
    assert [pair.mask.name for pair in result.pairs] == ["a|b_mask.png"]
    assert "pairing.numbered_masks" not in _by_id(result)


def test_a_numbered_twin_of_most_masks_is_a_second_annotation_set(tmp_path):
    for index in range(4):
        _save_box(tmp_path / f"img{index}.png", np.s_[:, :])
        _save_box(tmp_path / f"img{index}_mask.png", np.s_[0:2, 0:2])
        _save_box(tmp_path / f"img{index}_mask_1.png", np.s_[0:3, 0:3])
    result = discover_pairs(tmp_path)
    assert all("#with=" not in pair.mask.name for pair in result.pairs)
    found = _by_id(result)
    assert "pairing.numbered_masks" not in found and "pairing.missing_mask" not in found
    assert "pairing.alternative_masks" in found
