"""Mask-naming rules: patterns, image keys, one-to-one matching, alternative annotation sets,
and the search for the one rule a dataset follows (names only: no file is opened)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unetdiag.diag.data.pairing_alternatives import alternative_sets
from unetdiag.diag.data.pairing_inference import (
    SAMPLE_IMAGES,
    candidate_patterns,
    infer_rule,
    one_folder_patterns,
)
from unetdiag.diag.data.pairing_rules import (
    MaskPattern,
    image_keys,
    match_one_folder,
    match_pattern,
)


def _paths(*names: str, folder: str = "") -> list[Path]:
    return [Path(folder) / name for name in names]


def _names(match) -> list[tuple[str, str]]:
    return [(image.name, mask.name) for image, mask, _ in match.pairs]


# --- patterns and keys --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["_manual1", "{key}_{key}", "masks/{key}", "{KEY}_L"])
def test_a_pattern_holds_key_exactly_once_and_names_no_folder(text):
    with pytest.raises(ValueError, match="key"):
        MaskPattern.parse(text)


@pytest.mark.parametrize(("text", "stem", "key"), [
    ("{key}_manual1", "21_manual1", "21"),
    ("{key}_L", "0001TP_006690_L", "0001TP_006690"),
    ("mask_{key}", "mask_007", "007"),
    ("{key}_L", "_L", None),          # an empty key is no key
    ("{key}_L", "0001TP_006690", None),
    ("{key}", "anything", "anything"),
])
def test_key_of_a_mask_stem(text, stem, key):
    assert MaskPattern.parse(text).key_of(stem) == key


def test_image_keys_are_the_stem_then_leading_then_trailing_parts_cut_at_separators():
    assert image_keys("21_training") == ["21_training", "21", "training"]
    assert image_keys("a.b c-d") == ["a.b c-d", "a.b c", "a.b", "a", "b c-d", "c-d", "d"]
    assert image_keys("plain") == ["plain"]
    assert image_keys("_x_") == ["_x_", "_x", "x_"]


@given(st.text(alphabet="ab_-1", min_size=1, max_size=12))
@settings(max_examples=200, deadline=None)
def test_every_image_key_is_a_prefix_or_suffix_of_the_stem(stem):
    keys = image_keys(stem)
    assert keys[0] == stem and len(keys) == len(set(keys))
    assert all(key and (stem.startswith(key) or stem.endswith(key)) for key in keys)


# --- matching -----------------------------------------------------------------------------------


def test_drive_pairs_by_the_shared_number():
    images = _paths(*(f"{n}_training.tif" for n in range(21, 41)))
    masks = _paths(*(f"{n}_manual1.gif" for n in range(21, 41)))
    match = match_pattern(images, masks, MaskPattern.parse("{key}_manual1"))
    assert match.complete and len(match.pairs) == 20 and not match.whole_stem_keys
    assert _names(match)[0] == ("21_training.tif", "21_manual1.gif")


def test_a_whole_stem_key_wins_over_a_partial_one():
    # Image_01L owns Image_01L_1stHO; Image_01L_2ndHO (taken for an image) reaches it only
    # through its leading part, and is left without a mask rather than made a duplicate.
    files = _paths("Image_01L.jpg", "Image_01L_1stHO.png", "Image_01L_2ndHO.png")
    match = match_one_folder(files, MaskPattern.parse("{key}_1stHO"))
    assert _names(match) == [("Image_01L.jpg", "Image_01L_1stHO.png")]
    assert [path.name for path in match.missing] == ["Image_01L_2ndHO.png"]
    assert not match.duplicates


def test_two_images_claiming_one_mask_through_partial_keys_are_duplicates():
    images = _paths("7_a.png", "7_b.png", "8_a.png")
    masks = _paths("7_manual1.png", "8_manual1.png")
    match = match_pattern(images, masks, MaskPattern.parse("{key}_manual1"))
    assert _names(match) == [("8_a.png", "8_manual1.png")]
    assert set(match.duplicates) == {"7_a", "7_b"} and not match.complete


def test_two_masks_with_one_key_are_duplicates():
    images = _paths("a.png")
    masks = _paths("a_L.png", "a_L.gif")
    match = match_pattern(images, masks, MaskPattern.parse("{key}_L"))
    assert not match.pairs and set(match.duplicates["a"]) == {*images, *masks}


def test_a_partial_key_must_meet_a_separator_in_the_mask_too():
    # 2_training must not pair with 21_manual1 through the key "2".
    patterns = candidate_patterns(_paths("2_training.png", "3_training.png"),
                                  _paths("21_manual1.png", "31_manual1.png"))
    assert MaskPattern("", "1_manual1") not in patterns


# --- alternative annotation sets ----------------------------------------------------------------


def test_a_second_annotator_is_an_alternative_set():
    pairs = [(Path(f"{k}.jpg"), Path(f"{k}_1stHO.png"), k) for k in ("a", "b", "c", "d")]
    sets = alternative_sets(pairs, MaskPattern.parse("{key}_1stHO"),
                            _paths("a_2ndHO.png", "b_2ndHO.png", "c_2ndHO.png", "e.jpg"))
    assert [(other.text, [p.name for p in files]) for other, files in sets] == [
        ("{key}_2ndHO", ["a_2ndHO.png", "b_2ndHO.png", "c_2ndHO.png"])]


def test_a_few_derived_files_or_image_typed_files_are_not_an_alternative_set():
    pairs = [(Path(f"{k}.jpg"), Path(f"{k}_mask.png"), k) for k in "abcdef"]
    pattern = MaskPattern.parse("{key}_mask")
    # two of six images have a crop: under half of the pairs
    assert alternative_sets(pairs, pattern, _paths("a_crop.png", "b_crop.png")) == []
    # masks are .png and images .jpg: a .jpg is never taken for a mask
    assert alternative_sets(pairs, pattern, _paths(*(f"{k}_crop.jpg" for k in "abcdef"))) == []


# --- inference ----------------------------------------------------------------------------------


def test_chase_one_folder_picks_the_first_annotator_and_names_the_second():
    files = _paths(*(name for n in range(1, 8) for eye in "LR" for name in (
        f"Image_{n:02d}{eye}.jpg", f"Image_{n:02d}{eye}_1stHO.png",
        f"Image_{n:02d}{eye}_2ndHO.png")))
    inference = infer_rule(files, None)
    chosen = inference.chosen
    assert chosen is not None and chosen.pattern.text == "{key}_1stHO"
    assert len(chosen.pairs) == 14 and chosen.image_count == 14
    assert [other.pattern.text for other in inference.others] == ["{key}_2ndHO"]
    assert [other.text for other, _ in chosen.alternatives] == ["{key}_2ndHO"]


def test_camvid_separate_folders_infer_the_l_suffix():
    stems = [f"0001TP_{6690 + 30 * k:06d}" for k in range(10)]
    inference = infer_rule(_paths(*(f"{s}.png" for s in stems)),
                           _paths(*(f"{s}_L.png" for s in stems)))
    assert inference.chosen is not None and inference.chosen.pattern.text == "{key}_L"
    assert inference.chosen.whole_stem_keys


def test_a_prefix_rule_is_found():
    inference = infer_rule(_paths(*(f"train_{k:05d}.png" for k in range(6))),
                           _paths(*(f"trainannot_{k:05d}.png" for k in range(6))))
    assert inference.chosen is not None and inference.chosen.pattern.text == "trainannot_{key}"


def test_keys_from_different_places_of_the_names_are_no_rule():
    # "{key}_m" pairs 1_a with 1_m by its start and 2_b with b_m by its end: a coincidence
    images = _paths("1_a.png", "2_b.png")
    masks = _paths("1_m.png", "b_m.png")
    match = match_pattern(images, masks, MaskPattern.parse("{key}_m"))
    assert match.complete and not match.consistent
    inference = infer_rule(images, masks)
    assert inference.chosen is None and inference.partial[0].pattern.text == "{key}_m"


def test_an_incomplete_rule_is_only_a_candidate():
    images = _paths(*(f"{n}_training.tif" for n in range(21, 31)))
    masks = _paths(*(f"{n}_manual1.gif" for n in range(21, 30)))  # 30 has no mask
    inference = infer_rule(images, masks)
    assert inference.chosen is None and not inference.tied
    best = inference.partial[0]
    assert best.pattern.text == "{key}_manual1" and len(best.pairs) == 9
    assert [path.name for path in best.missing] == ["30_training.tif"]


def test_one_folder_mask_words_suggest_a_key_rule():
    files = _paths("train-volume.tif", "train-labels.tif", "test-volume.tif")
    assert MaskPattern("", "-labels") in one_folder_patterns(files)
    inference = infer_rule(files, None)
    assert inference.chosen is None  # test-volume.tif has no labels
    assert inference.partial[0].pattern.text == "{key}-labels"


def test_numbered_names_suggest_no_rule():
    files = _paths(*(f"{k}.png" for k in range(12)))  # 1 -> 10, 11: not a rule
    inference = infer_rule(files, None)
    assert inference.chosen is None and not inference.partial


def _count_work(monkeypatch) -> dict[str, int]:
    """Counts of the names the prefix scans look at and of the patterns matched against every
    file: the work the inference does, which (unlike its time) a loaded machine cannot change."""
    from unetdiag.diag.data import pairing_inference

    work = {"names scanned": 0, "patterns matched": 0}
    scan, match, match_one = (pairing_inference._starting_with, pairing_inference.match_pattern,
                              pairing_inference.match_one_folder)

    def counted_scan(*args, **options):
        for item in scan(*args, **options):
            work["names scanned"] += 1
            yield item

    def counted(function):
        def call(*args, **options):
            work["patterns matched"] += 1
            return function(*args, **options)
        return call

    monkeypatch.setattr(pairing_inference, "_starting_with", counted_scan)
    monkeypatch.setattr(pairing_inference, "match_pattern", counted(match))
    monkeypatch.setattr(pairing_inference, "match_one_folder", counted(match_one))
    return work


def test_inference_stays_fast_on_many_files_sharing_a_prefix(monkeypatch):
    stems = [f"ISIC_{k:07d}" for k in range(5000)]
    work = _count_work(monkeypatch)
    inference = infer_rule(_paths(*(f"{s}.jpg" for s in stems)),
                           _paths(*(f"{s}_segmentation.png" for s in stems)))
    assert inference.chosen is not None
    assert inference.chosen.pattern.text == "{key}_segmentation"
    # "ISIC" starts every mask name: each sampled image looks at each mask name about once
    # (25,005 names for 5 samples), not at every pair of names (25 million); one pattern is
    # matched against every file
    assert work["names scanned"] <= 2 * SAMPLE_IMAGES * len(stems)
    assert work["patterns matched"] == 1


def test_one_folder_inference_stays_fast_on_numbered_names(monkeypatch):
    # 1 is a prefix of 10..19, 100..199...: thousands of tails that are no rule
    names = [f"{k}.png" for k in range(20000)]
    assert one_folder_patterns(_paths(*names)) == []
    work = _count_work(monkeypatch)
    inference = infer_rule(_paths(*names), None)
    assert inference.chosen is None and not inference.partial
    # a name is looked at once for each shorter name that starts it (at most 4 for 5 digits:
    # 67,780 in all), and no pattern is matched against every file
    assert work["names scanned"] <= sum(len(Path(name).stem) - 1 for name in names)
    assert work["patterns matched"] == 0
