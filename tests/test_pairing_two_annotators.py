"""DRIVE's test set in one folder, as mirrors distribute it (issue 14): ``01_test.tif`` beside
two annotators' vessels, ``01_manual1.gif`` and ``01_manual2.gif`` (and, in some copies, the
field-of-view disc ``01_test_mask.gif``). Both annotations name the image by its key ``01``;
neither may be taken for an image, no image may be paired with the other annotator's file,
and the set not used is named with the option that chooses it."""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path

import pytest
from helpers import findings_by_id, touch_files
from hypothesis import given, settings
from hypothesis import strategies as st

from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.diag.data.pairing_alternatives import with_alternatives
from unetdiag.diag.data.pairing_inference import infer_rule
from unetdiag.diag.data.pairing_rules import MaskPattern, match_one_folder

TEST_KEYS = [f"{k:02d}" for k in range(1, 21)]


def _flat_test(folder: Path, fov: bool = False) -> Path:
    touch_files(folder, *(f"{k}_{tail}" for k in TEST_KEYS for tail in (
        "test.tif", "manual1.gif", "manual2.gif", *(("test_mask.gif",) if fov else ()))))
    return folder


def _options(flag: str) -> dict:
    name, value = shlex.split(flag)
    return {"mask_suffixes": (value,)} if name == "--mask-suffix" else {"mask_pattern": value}


def _names(result) -> list[tuple[str, str]]:
    return [(pair.image.name, pair.mask.name) for pair in result.pairs]


def test_a_second_annotators_file_is_no_image_competing_for_the_key():
    files = [Path(f"{k}_{tail}") for k in TEST_KEYS
             for tail in ("test.tif", "manual1.gif", "manual2.gif")]
    match = with_alternatives(match_one_folder(files, MaskPattern.parse("{key}_manual1")), True)
    assert match.complete
    assert [(image.name, mask.name) for image, mask, _ in match.pairs] == [
        (f"{k}_test.tif", f"{k}_manual1.gif") for k in TEST_KEYS]
    assert [(pattern.text, len(paths)) for pattern, paths in match.alternatives] == [
        ("{key}_manual2", 20)]


def test_the_rule_is_found_and_the_other_annotator_is_named():
    files = [Path(f"{k}_{tail}") for k in TEST_KEYS
             for tail in ("test.tif", "manual1.gif", "manual2.gif")]
    inference = infer_rule(files, None)
    assert inference.chosen is not None and inference.chosen.pattern.text == "{key}_manual1"
    assert [match.pattern.text for match in inference.others] == ["{key}_manual2"]


def test_the_default_pairs_the_first_annotator_and_names_the_second_with_its_flag(tmp_path):
    result = discover_pairs(_flat_test(tmp_path))
    assert _names(result) == [(f"{k}_test.tif", f"{k}_manual1.gif") for k in TEST_KEYS]
    found = findings_by_id(result)
    assert "pairing.missing_mask" not in found and "pairing.duplicate_stem" not in found
    other = found["pairing.alternative_masks"]
    assert other.evidence["alternative_masks"] == 20
    assert other.evidence["flags"] == ["--mask-pattern '{key}_manual2'"]
    assert "--mask-pattern '{key}_manual2'" in other.fix


@pytest.mark.parametrize("annotator", ["manual1", "manual2"])
def test_the_option_of_either_annotator_pairs_that_annotator_only(tmp_path, annotator):
    result = discover_pairs(_flat_test(tmp_path), mask_pattern=f"{{key}}_{annotator}")
    assert _names(result) == [(f"{k}_test.tif", f"{k}_{annotator}.gif") for k in TEST_KEYS]
    other = "manual2" if annotator == "manual1" else "manual1"
    named = findings_by_id(result)["pairing.alternative_masks"]
    assert named.evidence["flags"] == [f"--mask-pattern '{{key}}_{other}'"]


def test_with_the_discs_every_flag_named_pairs_its_set_and_no_manual_is_an_image(tmp_path):
    folder = _flat_test(tmp_path, fov=True)
    result = discover_pairs(folder)
    named = findings_by_id(result)["pairing.alternative_masks"].evidence
    assert sorted(named["flags"]) == ["--mask-pattern '{key}_manual1'",
                                      "--mask-pattern '{key}_manual2'"]
    for flag in [*named["flags"], named["used_flag"]]:
        pasted = discover_pairs(folder, **_options(flag))
        assert {image for image, _ in _names(pasted)} == {f"{k}_test.tif" for k in TEST_KEYS}
        assert len({mask.rsplit("_", 1)[-1] for _, mask in _names(pasted)}) == 1, flag
        found = findings_by_id(pasted)
        assert "pairing.missing_mask" not in found and "pairing.duplicate_stem" not in found


def test_both_halves_in_one_folder_pair_by_the_first_annotator(tmp_path):
    # the test half has two annotators, the training half one (DRIVE as distributed)
    folder = _flat_test(tmp_path)
    touch_files(folder, *(f"{k}_{tail}" for k in range(21, 41)
                          for tail in ("training.tif", "manual1.gif")))
    result = discover_pairs(folder)
    assert len(result.pairs) == 40
    assert all(image.endswith(("_test.tif", "_training.tif")) and mask.endswith("_manual1.gif")
               for image, mask in _names(result))
    named = findings_by_id(result)["pairing.alternative_masks"]
    assert named.evidence["alternative_masks"] == 20
    assert named.evidence["flags"] == ["--mask-pattern '{key}_manual2'"]


def test_images_without_a_mask_word_still_clash():
    # 21_training and 21_test both give the key 21: neither is a mask, nothing is paired
    files = [Path(f"{k}_{tail}") for k in (21, 22)
             for tail in ("training.tif", "test.tif", "manual1.gif")]
    match = match_one_folder(files, MaskPattern.parse("{key}_manual1"))
    assert not match.pairs and len(match.duplicates) == 4


@settings(max_examples=40, deadline=None)
@given(keys=st.sets(st.integers(1, 999), min_size=2, max_size=8),
       image_tail=st.sampled_from(["_test", "_img", "-scan", "_training"]),
       annotators=st.sampled_from([("_manual1", "_manual2"), ("_annot1", "_annot2"),
                                   ("-gt1", "-gt2"), ("_label_a", "_label_b")]),
       fov=st.booleans(), extension=st.sampled_from([".png", ".gif"]))
def test_every_named_flag_pairs_the_images_with_one_set(keys, image_tail, annotators, fov,
                                                        extension):
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        touch_files(folder, *(file for k in keys for file in (
            f"{k}{image_tail}.tif", *(f"{k}{tail}{extension}" for tail in annotators),
            *((f"{k}{image_tail}_mask{extension}",) if fov else ()))))
        images = {f"{k}{image_tail}.tif" for k in keys}
        result = discover_pairs(folder)
        assert {image for image, _ in _names(result)} == images
        named = findings_by_id(result)["pairing.alternative_masks"].evidence
        flags = [*named["flags"], named.get("used_flag") or result.rule.flag]
        assert len(set(flags)) == 2 + fov
        for flag in flags:
            pasted = discover_pairs(folder, **_options(flag))
            assert {image for image, _ in _names(pasted)} == images, flag
            tails = {Path(mask).stem[len(Path(image).stem) - len(image_tail):]
                     for image, mask in _names(pasted)}
            assert len(tails) == 1, (flag, tails)


def test_a_set_naming_part_of_the_images_is_not_said_to_name_them_all(tmp_path):
    # DRIVE whole in one folder with its discs: the second annotator drew the test half only
    folder = _flat_test(tmp_path, fov=True)
    touch_files(folder, *(f"{k}_{tail}" for k in range(21, 41)
                          for tail in ("training.tif", "manual1.gif", "training_mask.gif")))
    found = findings_by_id(discover_pairs(folder))["pairing.alternative_masks"]
    assert found.title == ("3 sets of masks name these 40 images, not every set all of them: "
                           "40 ending _mask (used) and 40 ending _manual1 and 20 ending "
                           "_manual2 (not used)")


@pytest.mark.parametrize("layout", ["drive", "chase"])
def test_a_first_annotator_passed_over_for_one_missing_file_is_a_warning(tmp_path, layout):
    """One ``_manual1`` file missing from DRIVE's test set in one folder (or one ``_1stHO``
    from CHASE_DB1): the names pair every image by the second annotator, and the only word of
    it was an info ("5 files are another set of masks ..., not used"), so a run scored
    against the second annotator unawares. Now a warning naming the image the first lacks,
    with the option for each set; with both sets whole it stays an info."""
    if layout == "drive":
        keys, images, first, second = TEST_KEYS, "{}_test.tif", "{}_manual1", "{}_manual2"
    else:
        keys = [f"Image_{n:02d}{side}" for n in range(1, 4) for side in "LR"]
        images, first, second = "{}.jpg", "{}_1stHO", "{}_2ndHO"
    touch_files(tmp_path, *(images.format(k) for k in keys),
                *(first.format(k) + ".png" for k in keys[:-1]),
                *(second.format(k) + ".png" for k in keys))
    result = discover_pairs(tmp_path)
    assert {pair.mask.name for pair in result.pairs} == {second.format(k) + ".png" for k in keys}
    named = findings_by_id(result)["pairing.alternative_masks"]
    assert named.severity.value == "warning"
    assert f"none for {images.format(keys[-1])}" in named.title
    assert f"{len(keys) - 1} of them" in named.title
    assert first.format("{key}") in named.fix and second.format("{key}") in named.fix
    (tmp_path / (first.format(keys[-1]) + ".png")).write_bytes(b"")
    whole = discover_pairs(tmp_path)
    assert {pair.mask.name for pair in whole.pairs} == {first.format(k) + ".png" for k in keys}
    assert findings_by_id(whole)["pairing.alternative_masks"].severity.value == "info"


def test_a_second_annotator_covering_some_images_stays_an_info(tmp_path):
    """DRIVE's _manual2 names only the test images: the set preferred by name is in use, so
    nothing was passed over."""
    touch_files(tmp_path, *(f"{k}_test.tif" for k in TEST_KEYS),
                *(f"{k}_manual1.gif" for k in TEST_KEYS),
                *(f"{k}_manual2.gif" for k in TEST_KEYS[:10]))
    named = findings_by_id(discover_pairs(tmp_path))["pairing.alternative_masks"]
    assert named.severity.value == "info"
