"""DRIVE's three folders copied into one (issue 14): ``21_training.tif`` beside its vessel
annotation ``21_manual1.gif`` and its field-of-view disc ``21_training_mask.gif``. Two sets
of masks name the same images; every option proposed must pair the folder when pasted."""

from __future__ import annotations

import re
import shlex
import tempfile
from pathlib import Path

import pytest
from helpers import findings_by_id, touch_files
from hypothesis import given, settings
from hypothesis import strategies as st

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.data.pairing import MASK_SUFFIXES, discover_pairs
from unetdiag.diag.synth.corruptions import build_case
from unetdiag.diag.synth.generator import SynthSpec
from unetdiag.exitcodes import UserError

KEYS = range(21, 41)


def _flat_drive(folder: Path) -> Path:
    touch_files(folder, *(f"{k}_training.tif" for k in KEYS),
                *(f"{k}_manual1.gif" for k in KEYS), *(f"{k}_training_mask.gif" for k in KEYS))
    return folder


def _options(flag: str) -> dict:
    """discover_pairs' arguments for one proposed option, as the CLI reads it."""
    name, value = shlex.split(flag)
    if name == "--mask-suffix":
        return {"mask_suffixes": (value,)}
    assert name == "--mask-pattern", flag
    return {"mask_pattern": value}


def _names(result) -> list[tuple[str, str]]:
    return [(pair.image.name, pair.mask.name) for pair in result.pairs]


def test_the_key_pattern_pairs_the_annotations_and_names_the_discs(tmp_path):
    result = discover_pairs(_flat_drive(tmp_path), mask_pattern="{key}_manual1")
    assert _names(result) == [(f"{k}_training.tif", f"{k}_manual1.gif") for k in KEYS]
    found = findings_by_id(result)
    assert "pairing.missing_mask" not in found and "pairing.duplicate_stem" not in found
    other = found["pairing.alternative_masks"]
    assert other.evidence["alternative_masks"] == 20
    assert other.evidence["flags"] == ["--mask-suffix _mask"]
    assert result.rule.alternatives == ("--mask-suffix _mask",)


@pytest.mark.parametrize("suffixes", [MASK_SUFFIXES, ("_mask",)])
def test_the_suffix_pairs_the_discs_and_the_annotations_are_no_images(tmp_path, suffixes):
    result = discover_pairs(_flat_drive(tmp_path), mask_suffixes=suffixes)
    assert _names(result) == [(f"{k}_training.tif", f"{k}_training_mask.gif") for k in KEYS]
    found = findings_by_id(result)
    assert "pairing.missing_mask" not in found  # 21_manual1.gif is no image without a mask
    other = found["pairing.alternative_masks"]
    assert other.evidence["alternative_masks"] == 20
    assert other.evidence["flags"] == ["--mask-pattern '{key}_manual1'"]


@pytest.mark.parametrize("first", [{}, {"mask_pattern": "{key}_manual1"}])
def test_every_proposed_option_pairs_the_other_set_when_pasted(tmp_path, first):
    folder = _flat_drive(tmp_path)
    result = discover_pairs(folder, **first)
    masks = {pair.mask.name for pair in result.pairs}
    for flag in findings_by_id(result)["pairing.alternative_masks"].evidence["flags"]:
        other = discover_pairs(folder, **_options(flag))
        assert len(other.pairs) == 20
        assert not masks & {pair.mask.name for pair in other.pairs}
        assert "pairing.missing_mask" not in findings_by_id(other)


def test_the_default_suffix_names_both_sets_with_their_counts(tmp_path):
    folder = _flat_drive(tmp_path)
    found = findings_by_id(discover_pairs(folder))["pairing.alternative_masks"]
    assert found.severity.value == "warning"
    assert found.title == ("2 sets of masks name the same 20 images: 20 ending _mask (used) "
                           "and 20 ending _manual1 (not used)")
    assert found.evidence["used_masks"] == 20 and found.evidence["alternative_masks"] == 20
    assert "--mask-pattern '{key}_manual1'" in found.fix and "--mask-suffix _mask" in found.fix
    kept = findings_by_id(discover_pairs(folder, **_options(found.evidence["used_flag"])))
    assert kept["pairing.alternative_masks"].severity.value == "info"  # the choice is made


def test_a_suffix_after_a_key_of_the_image_name_pairs_as_that_pattern(tmp_path):
    # mask.nearly_identical proposes --mask-suffix _manual1 for this folder; no file is
    # <image name>_manual1, so it paired nothing ("no image/mask pairs")
    result = discover_pairs(_flat_drive(tmp_path), mask_suffixes=("_manual1",))
    assert _names(result) == [(f"{k}_training.tif", f"{k}_manual1.gif") for k in KEYS]
    found = findings_by_id(result)
    assert found["pairing.suffix_as_pattern"].title == (
        "--mask-suffix _manual1 read as --mask-pattern '{key}_manual1' (20 pairs)")
    assert "pairing.missing_mask" not in found
    assert result.rule.flag == "--mask-pattern '{key}_manual1'"


_PROPOSED = re.compile(r"--mask-suffix ([^\s,;)]+?)[.]?(?=[\s,;)]|$)|--mask-pattern '([^']+)'")


def test_every_option_the_audit_proposes_on_the_imitation_pairs_it(tmp_path):
    layout = build_case(tmp_path / "case", SynthSpec(n_pairs=12, size=48, seed=31),
                        [{"kind": "flat_drive_folder"}])
    report = audit_dataset(layout.images_dir, workers=1)
    proposed = {match.group(0).rstrip(".") for finding in report.findings
                for match in _PROPOSED.finditer(finding.fix)}
    assert "--mask-pattern '{key}_manual1'" in proposed
    for flag in proposed:
        pasted = audit_dataset(layout.images_dir, workers=1, **_options(flag))
        ids = {finding.id for finding in pasted.findings}
        assert "pairing.missing_mask" not in ids, flag
        assert pasted.summary["pairs"][0]["pairs"] == 12, flag


def test_images_sharing_a_key_are_not_called_stems_with_several_files(tmp_path):
    # 21_training.tif and 21_test.tif both give the key 21 for 21_manual1.gif: each stem is
    # one file, so "2 stems have several files" was false
    folder = _clash_only(tmp_path / "some")
    touch_files(folder, "23_training.tif", "23_manual1.gif")
    found = findings_by_id(discover_pairs(folder, mask_pattern="{key}_manual1"))
    clash = found["pairing.duplicate_stem"]
    assert clash.title == ("4 images are not paired one to one by {key}_manual1; none of them "
                           "is used")
    assert ("images whose names give the same key claim the same mask (21_test.tif and "
            "21_training.tif both give the key 21, naming 21_manual1.gif; 2 keys in all)"
            ) in clash.explanation
    assert "several files" not in clash.title
    with pytest.raises(UserError) as raised:
        discover_pairs(_clash_only(tmp_path / "only"), mask_pattern="{key}_manual1")
    assert ("4 images share a key with another image under {key}_manual1 and were left out "
            "(21_test.tif, 21_training.tif: key 21; 22_test.tif, 22_training.tif: key 22)"
            ) in str(raised.value)
    assert "several files" not in str(raised.value)


def _clash_only(folder: Path) -> Path:
    touch_files(folder, *(name for k in (21, 22) for name in (
        f"{k}_training.tif", f"{k}_test.tif", f"{k}_manual1.gif")))
    return folder


@settings(max_examples=40, deadline=None)
@given(keys=st.sets(st.integers(1, 999), min_size=2, max_size=8),
       image_tail=st.sampled_from(["_training", "_img", "", "-scan"]),
       first=st.sampled_from(MASK_SUFFIXES),
       second=st.sampled_from(["_manual1", "_gt", "-annot", "_1stHO"]),
       extension=st.sampled_from([".png", ".gif", ".tif"]))
def test_both_sets_pair_by_the_options_named(keys, image_tail, first, second, extension):
    # <k><image_tail>.tif beside <k><image_tail><first> (a default suffix) and <k><second>
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        touch_files(folder, *(file for k in keys for file in (
            f"{k}{image_tail}.tif", f"{k}{image_tail}{first}{extension}",
            f"{k}{second}{extension}")))
        result = discover_pairs(folder)
        found = findings_by_id(result)
        assert len(result.pairs) == len(keys) and "pairing.missing_mask" not in found
        named = found["pairing.alternative_masks"].evidence
        for flag in [*named["flags"], named["used_flag"]]:
            pasted = discover_pairs(folder, **_options(flag))
            assert len(pasted.pairs) == len(keys), flag
            assert "pairing.missing_mask" not in findings_by_id(pasted), flag
