"""Pairing images with masks, every way it goes wrong, and the seeded split."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from helpers import findings_by_id, touch_files

from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.pairing import (
    MAX_LISTED_FILES,
    discover_pairs,
)
from unetdiag.diag.data.split import split_pairs
from unetdiag.exitcodes import ExitCode, UserError


def _pairs(result) -> list[tuple[str, str, str]]:
    return [(pair.stem, pair.image.name, pair.mask.name) for pair in result.pairs]


# --- layouts ------------------------------------------------------------------------------------


def test_separate_folders_match_by_stem_across_extensions_and_case(tmp_path):
    touch_files(tmp_path / "images", "b.PNG", "a.tif", "c.jpg", ".DS_Store", "._a.png")
    touch_files(tmp_path / "masks", "a.gif", "b.png", "c_mask.png", ".hidden.png")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert _pairs(result) == [("a", "a.tif", "a.gif"), ("b", "b.PNG", "b.png"),
                              ("c", "c.jpg", "c_mask.png")]
    assert result.findings == []
    assert result.images_dir == tmp_path / "images" and result.masks_dir == tmp_path / "masks"
    assert all(pair.image.parent == tmp_path / "images" for pair in result.pairs)


def test_names_that_differ_only_in_unicode_normal_form_pair(tmp_path):
    # macOS stores accents decomposed (NFD); a copy made on Linux keeps them composed (NFC)
    composed, decomposed = "Chlo\u00e9_003", "Chloe\u0301_003"
    touch_files(tmp_path / "images", f"{composed}.png", "\u00c5sa_008.png", "plain.png")
    touch_files(tmp_path / "masks", f"{decomposed}.png", "A\u030asa_008_mask.png", "plain.png")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert [(pair.image.name, pair.mask.name) for pair in result.pairs] == [
        (f"{composed}.png", f"{decomposed}.png"), ("plain.png", "plain.png"),
        ("\u00c5sa_008.png", "A\u030asa_008_mask.png")]
    assert result.findings == []
    touch_files(tmp_path / "one", f"{composed}.png", f"{decomposed}_mask.png")
    [pair] = discover_pairs(tmp_path / "one").pairs
    assert (pair.image.name, pair.mask.name) == (f"{composed}.png", f"{decomposed}_mask.png")
    # and when the names follow a rule the pairing infers (DRIVE's _training / _manual1)
    names = [f"{stem}_{index:02d}" for index, stem in enumerate(
        ["Chloe\u0301", "Zoe\u0308", "Jose\u0301", "Rene\u0301e"] * 2)]
    touch_files(tmp_path / "rule" / "images", *(f"{name}_training.png" for name in names))
    touch_files(tmp_path / "rule" / "masks", *(
        unicodedata.normalize("NFC", f"{name}_manual1.png") for name in names))
    ruled = discover_pairs(tmp_path / "rule" / "images", tmp_path / "rule" / "masks")
    assert len(ruled.pairs) == len(names)


def test_one_folder_with_suffixed_masks(tmp_path):
    touch_files(tmp_path, "cell_002.jpg", "cell_001.png", "cell_001_mask.png", "cell_002_SEG.png",
           "cell_003.tiff", "cell_003_label.tif", "SOURCE.md")
    result = discover_pairs(tmp_path)
    assert _pairs(result) == [("cell_001", "cell_001.png", "cell_001_mask.png"),
                              ("cell_002", "cell_002.jpg", "cell_002_SEG.png"),
                              ("cell_003", "cell_003.tiff", "cell_003_label.tif")]
    assert result.masks_dir is None
    ignored = findings_by_id(result)["pairing.ignored_files"]
    assert ignored.severity is Severity.INFO and ignored.source == "pairing"
    assert ignored.files == (str(tmp_path / "SOURCE.md"),)
    assert [f.id for f in result.findings] == ["pairing.ignored_files"]


def test_custom_mask_suffixes(tmp_path):
    touch_files(tmp_path, "x.png", "x-gt.png", "y.png", "y_mask.png")
    result = discover_pairs(tmp_path, mask_suffixes=("-gt",))
    assert [pair.mask.name for pair in result.pairs] == ["x-gt.png"]
    # With "-gt" as the only suffix, y_mask.png is an image of its own with no mask.
    missing = findings_by_id(result)["pairing.missing_mask"].files
    assert missing == (str(tmp_path / "y.png"), str(tmp_path / "y_mask.png"))


def test_discovery_is_deterministic(tmp_path):
    touch_files(tmp_path / "images", *(f"{i}.png" for i in range(12)))
    touch_files(tmp_path / "masks", *(f"{i}.png" for i in range(12)))
    first = discover_pairs(tmp_path / "images", tmp_path / "masks")
    second = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert first.pairs == second.pairs
    assert [pair.stem for pair in first.pairs] == sorted(str(i) for i in range(12))


# --- findings -----------------------------------------------------------------------------------


def test_missing_masks_are_a_warning_listing_the_images(tmp_path):
    touch_files(tmp_path / "images", "a.png", "b.png", "c.png")
    touch_files(tmp_path / "masks", "a.png")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    finding = findings_by_id(result)["pairing.missing_mask"]
    assert finding.severity is Severity.WARNING
    assert finding.files == (str(tmp_path / "images" / "b.png"), str(tmp_path / "images/c.png"))
    assert finding.evidence["missing_masks"] == 2 and finding.evidence["images"] == 3
    assert finding.evidence["pairs"] == 1
    assert "<stem>_mask.<ext>" in finding.explanation


def test_orphan_masks_are_a_warning(tmp_path):
    touch_files(tmp_path / "images", "a.png")
    touch_files(tmp_path / "masks", "a.png", "z.png", "y_mask.png")
    finding = findings_by_id(discover_pairs(tmp_path / "images", tmp_path / "masks"))[
        "pairing.orphan_mask"]
    assert finding.severity is Severity.WARNING
    assert finding.evidence["orphan_masks"] == 2 and finding.evidence["masks"] == 3
    assert set(finding.files) == {str(tmp_path / "masks/z.png"),
                                  str(tmp_path / "masks/y_mask.png")}


def test_orphan_suffixed_mask_in_one_folder(tmp_path):
    touch_files(tmp_path, "a.png", "a_mask.png", "ghost_mask.png")
    finding = findings_by_id(discover_pairs(tmp_path))["pairing.orphan_mask"]
    assert finding.files == (str(tmp_path / "ghost_mask.png"),)


def test_duplicate_image_stems_are_an_error_and_neither_is_used(tmp_path):
    touch_files(tmp_path / "images", "a.png", "a.jpg", "b.png")
    touch_files(tmp_path / "masks", "a.png", "b.png")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert [pair.stem for pair in result.pairs] == ["b"]
    finding = findings_by_id(result)["pairing.duplicate_stem"]
    assert finding.severity is Severity.ERROR
    assert set(finding.files) == {str(tmp_path / "images/a.png"), str(tmp_path / "images/a.jpg"),
                                  str(tmp_path / "masks/a.png")}
    assert finding.evidence["duplicate_stems"] == 1 and finding.evidence["stems"] == ["a"]
    # a.png is accounted for, not orphaned
    assert "pairing.orphan_mask" not in findings_by_id(result)


def test_two_masks_for_one_image_are_a_duplicate(tmp_path):
    touch_files(tmp_path / "images", "a.png", "b.png")
    touch_files(tmp_path / "masks", "a.png", "a_mask.png", "b.png")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert [pair.stem for pair in result.pairs] == ["b"]
    assert findings_by_id(result)["pairing.duplicate_stem"].evidence["duplicate_files"] == 3


def test_duplicate_suffixed_masks_in_one_folder(tmp_path):
    touch_files(tmp_path, "a.png", "a_mask.png", "a_seg.png", "b.png", "b_mask.png")
    result = discover_pairs(tmp_path)
    assert [pair.stem for pair in result.pairs] == ["b"]
    assert "pairing.duplicate_stem" in findings_by_id(result)


def test_masks_under_two_suffixes_are_named_with_the_option_that_chooses(tmp_path):
    # a model's prediction saved beside each label as <stem>_seg.png
    touch_files(tmp_path, "a.png", "a_mask.png", "a_seg.png", "b.png", "b_mask.png",
                "b_seg.png", "c.png", "c_mask.png")
    finding = findings_by_id(discover_pairs(tmp_path))["pairing.duplicate_stem"]
    assert finding.title == "2 images have a mask under two suffixes, _mask and _seg; none of " \
        "them is used"
    assert "lossy re-save" not in finding.explanation
    assert "--mask-suffix _mask (or --mask-suffix _seg)" in finding.fix
    assert finding.evidence["suffixes"] == ["_mask", "_seg"]
    chosen = discover_pairs(tmp_path, mask_suffixes=("_mask",))
    assert [pair.stem for pair in chosen.pairs] == ["a", "b", "c"]


def test_mask_folder_equal_to_image_folder_is_refused(tmp_path):
    # The original project: IMAGE_DIR and MASK_DIR are the same folder of photographs.
    touch_files(tmp_path, "p1.jpg", "p2.jpg")
    with pytest.raises(UserError, match="own mask") as caught:
        discover_pairs(tmp_path, tmp_path)
    assert "2 images" in str(caught.value) and caught.value.code is ExitCode.INPUT_ERROR


def test_same_file_pairs_kept_only_when_allowed_and_always_reported(tmp_path):
    touch_files(tmp_path, "p1.jpg", "p2.jpg", "p3.png", "p3_mask.png")
    refused = discover_pairs(tmp_path, tmp_path)
    assert _pairs(refused) == [("p3", "p3.png", "p3_mask.png")]
    finding = findings_by_id(refused)["pairing.same_file"]
    assert finding.severity is Severity.ERROR and finding.evidence["kept"] is False
    assert finding.evidence["same_file_pairs"] == 2
    assert finding.files == (str(tmp_path / "p1.jpg"), str(tmp_path / "p2.jpg"))

    allowed = discover_pairs(tmp_path, tmp_path, allow_same_file=True)
    assert [pair.stem for pair in allowed.pairs] == ["p1", "p2", "p3"]
    assert allowed.pairs[0].image == allowed.pairs[0].mask
    assert findings_by_id(allowed)["pairing.same_file"].evidence["kept"] is True


def test_same_file_through_a_symbolic_link(tmp_path):
    touch_files(tmp_path / "images", "a.png", "b.png")
    touch_files(tmp_path / "masks", "b.png")
    os.symlink(tmp_path / "images" / "a.png", tmp_path / "masks" / "a.png")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert [pair.stem for pair in result.pairs] == ["b"]
    finding = findings_by_id(result)["pairing.same_file"]
    assert finding.evidence["mask_folder_is_image_folder"] is False
    assert "link" in finding.explanation


def test_ignored_files_and_folders_are_listed(tmp_path):
    touch_files(tmp_path / "images", "a.png", "readme.txt", "a.webp")
    (tmp_path / "images" / "nested").mkdir()
    touch_files(tmp_path / "masks", "a.png", "labels.csv")
    finding = findings_by_id(discover_pairs(tmp_path / "images", tmp_path / "masks"))[
        "pairing.ignored_files"]
    assert finding.evidence == {"ignored_files": 3, "ignored_folders": 1, "files_listed": 4}
    assert f"{tmp_path / 'images' / 'nested'}/" in finding.files


def test_file_lists_are_capped_but_counts_are_complete(tmp_path):
    touch_files(tmp_path / "images", *(f"img_{i:03d}.png" for i in range(MAX_LISTED_FILES + 15)))
    touch_files(tmp_path / "masks", "img_000.png")
    finding = findings_by_id(discover_pairs(tmp_path / "images", tmp_path / "masks"))[
        "pairing.missing_mask"]
    assert len(finding.files) == MAX_LISTED_FILES
    assert finding.evidence["missing_masks"] == MAX_LISTED_FILES + 14
    assert finding.evidence["files_listed"] == MAX_LISTED_FILES
    assert finding.files[0].endswith("img_001.png")


def test_findings_are_json_ready(tmp_path):
    touch_files(tmp_path, "a.png", "a_mask.png", "b.png", "b.jpg", "c.png", "x_mask.png", "n.txt")
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
        touch_files(target, "SOURCE.md", "a.webp")
    elif layout == "only_folders":  # names that pair would be read as the two folders
        touch_files(target / "images", "a.png")
        touch_files(target / "masks", "b.png")
    with pytest.raises(UserError, match=message) as caught:
        discover_pairs(target)
    text = str(caught.value)
    assert str(target) in text and "\n" not in text


def test_unusable_mask_folder_names_it(tmp_path):
    touch_files(tmp_path / "images", "a.png")
    with pytest.raises(UserError, match="mask folder not found"):
        discover_pairs(tmp_path / "images", tmp_path / "labels")
    (tmp_path / "labels").mkdir()
    with pytest.raises(UserError, match=f"mask folder is empty: {tmp_path / 'labels'}"):
        discover_pairs(tmp_path / "images", tmp_path / "labels")


def test_no_pairs_says_what_was_found_and_where_masks_were_looked_for(tmp_path):
    touch_files(tmp_path, *(f"{i}.png" for i in range(12)))
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    text = str(caught.value)
    assert f"no image/mask pairs in {tmp_path}: 12 images, 0 masks" in text
    assert "<stem>_mask.<ext> (or _seg, _label)" in text


def test_no_pairs_in_separate_folders(tmp_path):
    touch_files(tmp_path / "images", "a.png", "b.png")
    touch_files(tmp_path / "masks", "x.png")
    with pytest.raises(UserError, match="2 images, 1 mask; masks are looked for as "
                                        r"<stem>\.<ext> or <stem>_mask"):
        discover_pairs(tmp_path / "images", tmp_path / "masks")


def test_no_pairs_because_every_stem_is_duplicated(tmp_path):
    touch_files(tmp_path, "a.png", "a.jpg", "a_mask.png")
    with pytest.raises(UserError, match="1 stems have several files"):
        discover_pairs(tmp_path)


# --- rules found from the names ------------------------------------------------------------------


def _chase(folder: Path, eyes: int = 4) -> None:
    stems = [f"Image_{n:02d}{eye}" for n in range(1, eyes // 2 + 1) for eye in "LR"]
    touch_files(folder, *(name for stem in stems for name in (
        f"{stem}.jpg", f"{stem}_1stHO.png", f"{stem}_2ndHO.png")))


def test_annotator_tagged_masks_in_one_folder_pair_by_the_first_annotator(tmp_path):
    _chase(tmp_path)
    result = discover_pairs(tmp_path)
    assert [(pair.image.name, pair.mask.name) for pair in result.pairs][:2] == [
        ("Image_01L.jpg", "Image_01L_1stHO.png"), ("Image_01R.jpg", "Image_01R_1stHO.png")]
    assert len(result.pairs) == 4
    findings = findings_by_id(result)
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
        "alternatives": ["--mask-suffix _2ndHO"], "stacks": 0, "groups": 0,
        "mask_extension": None, "root_folders": []}


def test_drive_in_one_folder_names_the_unused_set_as_possibly_the_targets(tmp_path):
    # 21_training.tif, 21_training_manual1.gif (vessels), 21_training_mask.gif (field of
    # view): the default suffix pairs the field of view; the vessel masks were called "a
    # second annotator, another version, or another encoding of the same labels"; two
    # candidate sets nothing chose between are a warning naming both
    touch_files(tmp_path, *(name for n in range(21, 25) for name in (
        f"{n}_training.tif", f"{n}_training_manual1.gif", f"{n}_training_mask.gif")))
    result = discover_pairs(tmp_path)
    assert all(pair.mask.name.endswith("_mask.gif") for pair in result.pairs)
    alternative = findings_by_id(result)["pairing.alternative_masks"]
    assert alternative.severity == Severity.WARNING
    assert alternative.title == ("2 sets of masks name the same 4 images: 4 ending _mask (used) "
                                 "and 4 ending _manual1 (not used)")
    assert alternative.evidence["flags"] == ["--mask-suffix _manual1"]
    assert alternative.evidence["used_flag"] == "--mask-suffix _mask"
    assert "Names alone do not say which set holds the targets" in alternative.explanation
    given = discover_pairs(tmp_path, mask_suffixes=("_mask",))
    assert findings_by_id(given)["pairing.alternative_masks"].severity == Severity.INFO


def test_a_given_suffix_leaves_the_other_annotator_out_of_the_images(tmp_path):
    _chase(tmp_path)
    result = discover_pairs(tmp_path, mask_suffixes=("_2ndHO",))
    assert all(pair.mask.name.endswith("_2ndHO.png") for pair in result.pairs)
    assert set(findings_by_id(result)) == {"pairing.alternative_masks"}  # no "image without a mask"
    assert result.rule.source == "given" and result.rule.alternatives == ("--mask-suffix _1stHO",)


def test_a_given_suffix_counts_the_other_suffix_masks_of_unpaired_images_as_masks(tmp_path):
    # 16 images with <stem>_mask; 8 of them also have <stem>_seg (e.g. a model's output)
    touch_files(tmp_path, *(f"{n:03d}.png" for n in range(16)),
                *(f"{n:03d}_mask.png" for n in range(16)), *(f"{n:03d}_seg.png" for n in range(8)))
    result = discover_pairs(tmp_path, mask_suffixes=("_seg",))
    assert len(result.pairs) == 8
    found = findings_by_id(result)
    missing = found["pairing.missing_mask"]
    assert missing.title == "8 of 16 images have no mask"
    assert [Path(path).name for path in missing.files] == [f"{n:03d}.png" for n in range(8, 16)]
    assert ("8 of them have a mask under another name, <stem>_mask.<ext>: --mask-suffix _mask "
            "pairs all 16 images.") in missing.explanation
    alternative = found["pairing.alternative_masks"]
    assert alternative.evidence["alternative_masks"] == 16
    assert "8 for the 8 paired images and 8 for images without a mask in use" in (
        alternative.explanation)


def test_drive_as_distributed_pairs_by_the_shared_number(tmp_path):
    touch_files(tmp_path / "images", *(f"{n}_training.tif" for n in range(21, 26)))
    touch_files(tmp_path / "1st_manual", *(f"{n}_manual1.gif" for n in range(21, 26)))
    result = discover_pairs(tmp_path / "images", tmp_path / "1st_manual")
    assert _pairs(result)[0] == ("21_training", "21_training.tif", "21_manual1.gif")
    finding = findings_by_id(result)["pairing.rule_inferred"]
    assert "--mask-pattern '{key}_manual1'" in finding.fix
    assert finding.evidence["example"] == ["21_training.tif", "21_manual1.gif"]
    assert result.rule.mask_pattern == "{key}_manual1" and result.rule.mask_suffixes == ()


def test_drive_field_of_view_folder_pairs_by_the_default_suffix_without_a_word(tmp_path):
    touch_files(tmp_path / "images", *(f"{n}_training.tif" for n in range(21, 26)))
    touch_files(tmp_path / "mask", *(f"{n}_training_mask.gif" for n in range(21, 26)))
    result = discover_pairs(tmp_path / "images", tmp_path / "mask")
    assert len(result.pairs) == 5 and result.findings == [] and result.rule.source == "default"


def test_camvid_label_suffix_is_inferred(tmp_path):
    stems = [f"0001TP_{6690 + 30 * k:06d}" for k in range(4)]
    touch_files(tmp_path / "raw", *(f"{stem}.png" for stem in stems))
    touch_files(tmp_path / "labels", *(f"{stem}_L.png" for stem in stems))
    result = discover_pairs(tmp_path / "raw", tmp_path / "labels")
    assert len(result.pairs) == 4 and result.rule.flag == "--mask-suffix _L"


def test_a_rule_that_leaves_a_file_over_stops_naming_the_option(tmp_path):
    touch_files(tmp_path / "images", *(f"{n}_training.tif" for n in range(21, 31)))
    touch_files(tmp_path / "masks", *(f"{n}_manual1.gif" for n in range(21, 30)))
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path / "images", tmp_path / "masks")
    text = str(caught.value)
    assert "\n" not in text and "10 images, 9 masks" in text
    assert ("closest rule: --mask-pattern '{key}_manual1' (21_training.tif ↔ 21_manual1.gif) "
            "pairs 9 of 10 images and leaves 30_training.tif without a mask") in text
    given = discover_pairs(tmp_path / "images", tmp_path / "masks",
                           mask_pattern="{key}_manual1")
    assert len(given.pairs) == 9
    assert findings_by_id(given)["pairing.missing_mask"].files == (
        str(tmp_path / "images" / "30_training.tif"),)
    assert "{key}_manual1.<ext>" in findings_by_id(given)["pairing.missing_mask"].explanation


def test_a_partial_default_pairing_is_kept_when_no_rule_pairs_everything(tmp_path):
    touch_files(tmp_path, "a.png", "a_mask.png", "b.png", "b_mask.png", "c.png")
    result = discover_pairs(tmp_path)
    assert [pair.stem for pair in result.pairs] == ["a", "b"]
    assert set(findings_by_id(result)) == {"pairing.missing_mask"}
    assert result.rule.source == "default"


@pytest.mark.parametrize(("pattern", "masks_dir", "message"), [
    ("_manual1", True, "exactly once"),
    ("{key}", False, "names every file"),
])
def test_malformed_patterns_are_usage_errors(tmp_path, pattern, masks_dir, message):
    touch_files(tmp_path / "images", "a.png")
    touch_files(tmp_path / "masks", "a.png")
    with pytest.raises(UserError, match=message) as caught:
        discover_pairs(tmp_path / "images", tmp_path / "masks" if masks_dir else None,
                       mask_pattern=pattern)
    assert caught.value.code is ExitCode.USAGE


def test_tied_rules_are_named_with_their_options():
    from unetdiag.diag.data.pairing_findings import inference_hint
    from unetdiag.diag.data.pairing_inference import Inference
    from unetdiag.diag.data.pairing_rules import MaskPattern, RuleMatch

    def rule(text, image, mask, key):
        return RuleMatch(MaskPattern.parse(text), pairs=[(Path(image), Path(mask), key)])

    hint = inference_hint(Inference(others=[rule("{key}_a", "x.png", "x_a.png", "x"),
                                            rule("{key}_b", "y.png", "y_b.png", "y")]))
    assert hint == ("; several rules pair every file one to one but pair different images: "
                    "--mask-suffix _a (x.png ↔ x_a.png), --mask-suffix _b (y.png ↔ y_b.png); "
                    "pass the one you mean")


def test_the_command_line_refuses_a_suffix_and_a_pattern_together(tmp_path, capsys):
    from unetdiag.cli import main

    touch_files(tmp_path, "a.png", "a_mask.png")
    status = main(["audit-data", str(tmp_path), "--mask-suffix", "_mask",
                   "--mask-pattern", "{key}_mask", "--quiet"])
    assert status == ExitCode.USAGE
    assert "give --mask-suffix or --mask-pattern, not both" in capsys.readouterr().err


def test_a_folder_of_image_and_mask_folders_suggests_passing_both(tmp_path):
    touch_files(tmp_path / "data" / "images", "a.png")
    touch_files(tmp_path / "data" / "masks", "b.png")  # a.png would pair: read as the two
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path / "data")
    assert str(caught.value).endswith(
        f"pass --images {tmp_path / 'data' / 'images'} --masks {tmp_path / 'data' / 'masks'}")


def test_the_shared_key_rule_says_where_the_key_comes_from(tmp_path):
    touch_files(tmp_path / "images", *(f"{n}_training.tif" for n in range(21, 24)))
    touch_files(tmp_path / "1st_manual", *(f"{n}_manual1.gif" for n in range(21, 24)))
    finding = findings_by_id(discover_pairs(tmp_path / "images", tmp_path / "1st_manual"))[
        "pairing.rule_inferred"]
    assert finding.title == ("Masks paired by their names: mask name = {key}_manual1, {key} "
                             "being the start of the image name up to a separator (3 pairs)")


# --- case folders ------------------------------------------------------------------------------


def _cases(folder: Path, slices: dict[str, int]) -> None:
    """The Kaggle LGG layout: one folder per patient, slices beside their ``_mask`` files."""
    for case, count in slices.items():
        touch_files(folder / case, *(name for n in range(1, count + 1)
                                for name in (f"{case}_{n}.tif", f"{case}_{n}_mask.tif")))


def test_case_folders_pair_one_level_down_and_name_their_case(tmp_path):
    _cases(tmp_path, {"TCGA_CS_4941": 3, "TCGA_DU_5849": 2, "TCGA_A": 1, "TCGA_B": 1,
                      "TCGA_C": 1})
    touch_files(tmp_path, "data.csv")
    result = discover_pairs(tmp_path)
    assert [(pair.stem, pair.group, pair.mask.name) for pair in result.pairs][:2] == [
        ("TCGA_A/TCGA_A_1", "TCGA_A", "TCGA_A_1_mask.tif"),
        ("TCGA_B/TCGA_B_1", "TCGA_B", "TCGA_B_1_mask.tif")]
    assert len(result.pairs) == 8
    assert result.rule.layout == "case folders" and result.rule.to_dict()["groups"] == 5
    assert result.rule.example == ("TCGA_A/TCGA_A_1.tif", "TCGA_A/TCGA_A_1_mask.tif")
    found = findings_by_id(result)["pairing.case_folders"]
    assert found.severity is Severity.INFO and "keeps each folder whole" in found.title
    assert found.evidence["pairs"] == 8 and found.evidence["case_folders"] == 5
    assert "data.csv" in " ".join(str(path) for path in
                                  findings_by_id(result)["pairing.ignored_files"].files)


def test_few_folders_are_split_by_file_within_each(tmp_path):
    # BUSI: benign/ malignant/ normal/ are classes; whole, one would be all of validation
    _cases(tmp_path, {"benign": 10, "malignant": 5, "normal": 5})
    result = discover_pairs(tmp_path)
    found = findings_by_id(result)["pairing.case_folders"]
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
        touch_files(tmp_path / video, *(name for n in range(3)
                                   for name in (f"frame_{n}.png", f"frame_{n}_mask.png")))
    result = discover_pairs(tmp_path)
    assert len(result.pairs) == 9 and not {"pairing.duplicate_stem"} & set(findings_by_id(result))
    assert {pair.group for pair in result.pairs} == {"vid1", "vid2", "vid#3"}
    assert all(pair.mask.parent == pair.image.parent for pair in result.pairs)


def test_one_case_folder_is_split_by_file_and_trains(tmp_path):
    _cases(tmp_path, {"TCGA_CS_4941": 4})
    found = findings_by_id(discover_pairs(tmp_path))["pairing.case_folders"]
    assert found.severity is Severity.WARNING and "the folder would be the whole" in (
        found.explanation)
    from unetdiag.config import TrainConfig
    from unetdiag.training.run.split import discover_and_split

    _findings, train, validation, _rule = discover_and_split(TrainConfig(images=tmp_path))
    assert len(train) == 3 and len(validation) == 1


def test_a_split_already_made_is_not_taken_for_case_folders(tmp_path):
    _cases(tmp_path / "train", {"a": 0})
    touch_files(tmp_path / "train", "x.png", "x_mask.png")
    touch_files(tmp_path / "val", "y.png", "y_mask.png")
    with pytest.raises(UserError, match="look like a split already made") as caught:
        discover_pairs(tmp_path)
    assert f"e.g. {tmp_path / 'train'}" in str(caught.value)


def test_two_folders_of_the_same_names_are_suggested_as_images_and_masks(tmp_path):
    touch_files(tmp_path / "input", "a.png", "b.png")
    touch_files(tmp_path / "target", "a.png", "b.png")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    assert str(caught.value).endswith(f"--images {tmp_path / 'input'} --masks "
                                      f"{tmp_path / 'target'} (if target/ holds the masks)")


def test_a_folder_with_images_of_its_own_does_not_search_its_folders(tmp_path):
    touch_files(tmp_path, "a.png", "a_mask.png")
    _cases(tmp_path, {"case": 2})
    result = discover_pairs(tmp_path)
    assert _pairs(result) == [("a", "a.png", "a_mask.png")] and result.pairs[0].group == ""
    assert result.rule.layout == "one folder"


def test_folders_without_images_are_named_as_searched(tmp_path):
    touch_files(tmp_path / "a", "notes.txt")
    touch_files(tmp_path / "b")
    with pytest.raises(UserError, match="nor do its folders"):
        discover_pairs(tmp_path)


def test_the_folder_hint_prefers_a_plain_mask_folder_and_names_the_others(tmp_path):
    # DRIVE as shared here: extra_fov_masks/ (field of view) sorts before masks/ (vessels)
    for folder in ("images", "masks", "extra_fov_masks"):
        touch_files(tmp_path / folder, "21_training.png")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    assert str(caught.value).endswith(
        f"--images {tmp_path / 'images'} --masks {tmp_path / 'masks'} "
        f"(or --masks {tmp_path / 'extra_fov_masks'})")


def test_the_folder_hint_goes_down_to_the_one_folder_of_masks(tmp_path):
    # the Oxford-IIIT Pet release: annotations/ holds trimaps/ (PNG) and xmls/ (XML)
    touch_files(tmp_path / "images", "Abyssinian_1.jpg")
    touch_files(tmp_path / "annotations", "list.txt")
    touch_files(tmp_path / "annotations" / "trimaps", "Abyssinian_1.png")
    touch_files(tmp_path / "annotations" / "xmls", "Abyssinian_1.xml")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    assert str(caught.value).endswith(f"--masks {tmp_path / 'annotations' / 'trimaps'}")


def test_the_folder_hint_pairs_a_folder_with_its_masks_folder(tmp_path):
    # Kaggle Carvana: train/, train_masks/ (GIF) and test/ side by side
    touch_files(tmp_path / "train", "0cdf5b5d0ce1_01.jpg")
    touch_files(tmp_path / "train_masks", "0cdf5b5d0ce1_01_mask.gif")
    touch_files(tmp_path / "test", "0cdf5b5d0ce1_02.jpg")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    assert str(caught.value).endswith(
        f"pass --images {tmp_path / 'train'} --masks {tmp_path / 'train_masks'}")


def test_the_folder_hint_goes_down_on_the_image_side_too_and_leaves_out_empty_folders(tmp_path):
    # Keras flow_from_directory: images/img/ and masks/img/; YOLO labels/ holds no image,
    # so passing it as --masks would only be refused again (session 27)
    touch_files(tmp_path / "images" / "img", "a.png")
    touch_files(tmp_path / "masks" / "img", "a.png")
    touch_files(tmp_path / "labels", "a.txt")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    assert str(caught.value).endswith(
        f"--images {tmp_path / 'images' / 'img'} --masks {tmp_path / 'masks' / 'img'}")


def test_an_unreadable_folder_is_not_a_traceback(tmp_path, monkeypatch):
    # as a user without the right to look inside case/ (root reads everything, so the
    # refusal is simulated where pathlib meets it)
    touch_files(tmp_path / "case", "notes.txt")
    original = Path.is_dir

    def is_dir(path):
        if path.parent.name == "case":
            raise PermissionError(13, "Permission denied", str(path))
        return original(path)

    monkeypatch.setattr(Path, "is_dir", is_dir)
    with pytest.raises(UserError):
        discover_pairs(tmp_path)


def test_masks_beside_their_images_in_a_format_unetdiag_cannot_read_are_named(tmp_path):
    # NumPy masks saved beside the images (<stem>_mask.npy): "0 masks" said nothing of them
    touch_files(tmp_path, "000.png", "000_mask.npy", "001.png", "001_mask.npy", "notes.txt")
    with pytest.raises(UserError, match="2 files named as an image's mask") as caught:
        discover_pairs(tmp_path)
    message = str(caught.value)
    assert ".npy: 000_mask.npy, 001_mask.npy" in message and "save the masks as PNG" in message
    assert "notes.txt" not in message


def test_annotation_files_beside_the_images_are_not_called_masks_to_save_as_png(tmp_path):
    # labelme's <stem>.json beside each photo is an annotation to draw, not a mask image
    touch_files(tmp_path, "000.png", "000.json", "001.png", "001.json")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    assert "named as an image's mask" not in str(caught.value)
