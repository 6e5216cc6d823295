"""train refuses, before training, a split whose every mask decodes empty (issue 14, left
over from session 28): label maps {1, 2, 3} under the midpoint threshold, or a
--foreground-values no mask holds, trained for every epoch asked on masks with no foreground,
though the pre-flight pass had decoded each of them; and a validation split of empty masks
leaves the best epoch chosen by nothing."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from helpers import SUBPROCESS_TIMEOUT, tiny_train_config, train_quietly
from PIL import Image

from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.diag.data.split import split_pairs
from unetdiag.diag.synth.corruptions import build_case
from unetdiag.diag.synth.generator import SynthSpec, write_dataset
from unetdiag.exitcodes import ExitCode, UserError

TRIMAPS = SynthSpec(n_pairs=24, size=64, seed=5, max_objects=4,
                    object_radius_limits=(0.1, 0.25), foreground_fraction_limits=(0.05, 0.35))


def _refusal(config):
    with pytest.raises(UserError) as raised:
        train_quietly(config)
    report = json.loads((config.out_dir / "r" / "report.json").read_text())
    return raised.value, report


def test_label_maps_under_the_threshold_are_refused_with_the_audits_proposal(tmp_path):
    layout = build_case(tmp_path / "data", TRIMAPS, [{"kind": "trimap_masks"}])
    error, report = _refusal(tiny_train_config(layout.images_dir, tmp_path / "runs"))
    message = str(error)
    assert error.code == ExitCode.INPUT_ERROR
    assert "training masks decodes empty" in message
    assert "they hold the values 1, 2 and 3" in message
    assert "--foreground-values 1 --ignore-values 3" in message
    assert "--allow-empty-masks" in message
    assert report["outcome"] == "refused"
    refusal = next(f for f in report["findings"] if f["id"] == "train.masks_decode_empty")
    assert refusal["severity"] == "error"
    assert refusal["evidence"]["proposed_flags"] == "--foreground-values 1 --ignore-values 3"
    assert refusal["evidence"]["audit_finding"] == "mask.decodes_empty"
    assert not (tmp_path / "runs" / "r" / "MP_Tr_BCE").exists()  # nothing trained


def test_a_foreground_value_no_mask_holds_is_refused(tmp_path):
    layout = build_case(tmp_path / "data", TRIMAPS, [{"kind": "trimap_masks"}])
    from unetdiag.diag.data.policy import MaskPolicy

    config = tiny_train_config(layout.images_dir, tmp_path / "runs",
                               mask_policy=MaskPolicy(foreground_values=(7.0,)))
    error, _ = _refusal(config)
    assert "(foreground = stored value 7)" in str(error)
    assert "--foreground-values 1 --ignore-values 3" in str(error)


def _empty_validation_masks(root):
    write_dataset(root, SynthSpec(n_pairs=10, size=32, seed=3))
    _, validation = split_pairs(discover_pairs(root).pairs, 0.2, 42)
    for pair in validation:
        Image.fromarray(np.zeros((32, 32), np.uint8)).save(pair.mask)
    return len(validation)


def test_empty_validation_masks_are_refused_with_the_split_options(tmp_path):
    held_out = _empty_validation_masks(tmp_path / "data")
    error, report = _refusal(tiny_train_config(tmp_path / "data", tmp_path / "runs"))
    message = str(error)
    assert error.code == ExitCode.INPUT_ERROR
    assert f"Every one of the {held_out} validation masks decodes empty" in message
    assert "--seed" in message and "--val-fraction" in message
    assert "--allow-empty-masks" in message
    refusal = next(f for f in report["findings"] if f["id"] == "train.masks_decode_empty")
    assert refusal["evidence"]["split"] == "validation"
    assert "NaN or 0" in refusal["explanation"]  # --empty-rule exclude, the default


def test_allow_empty_masks_trains_and_reports_the_errors(tmp_path):
    layout = build_case(tmp_path / "data", TRIMAPS, [{"kind": "trimap_masks"}])
    config = tiny_train_config(layout.images_dir, tmp_path / "runs", allow_empty_masks=True,
                               epochs=1, variants=("MP_Tr_BCE",))
    result = train_quietly(config)
    assert result.exit_code == ExitCode.FINDINGS_ERROR
    assert result.variants["MP_Tr_BCE"].status == "finished"
    kept = next(f for f in result.report.findings if f.id == "train.masks_decode_empty")
    assert kept.severity.value == "error" and "trained anyway" in kept.explanation
    assert "pass --allow-empty-masks" not in kept.fix


def test_allow_empty_masks_on_empty_validation_masks_exits_3_with_the_finding(tmp_path):
    """README: --allow-empty-masks trains and the run exits 3 with the errors in the report;
    the validation side exited 0 without the finding."""
    _empty_validation_masks(tmp_path / "data")
    config = tiny_train_config(tmp_path / "data", tmp_path / "runs", allow_empty_masks=True,
                               epochs=1, variants=("MP_Tr_BCE",))
    result = train_quietly(config)
    assert result.exit_code == ExitCode.FINDINGS_ERROR
    kept = next(f for f in result.report.findings if f.id == "train.masks_decode_empty")
    assert kept.evidence["split"] == "validation" and kept.severity.value == "error"


def test_the_refusal_is_decided_by_the_counts_alone():
    from unetdiag.diag.core.findings import Report
    from unetdiag.diag.data.policy import MaskPolicy
    from unetdiag.training.data_stats import MaskCounts
    from unetdiag.training.empty_masks import empty_masks_refusal, every_mask_empty

    def no_audit():
        raise AssertionError("the audit runs only when the training masks are empty")

    held = MaskCounts([3.0, 0.0], [100.0, 100.0])
    empty = MaskCounts([0.0, 0.0], [100.0, 100.0])
    ignored = MaskCounts([], [], unscored=2)
    assert every_mask_empty(empty) and every_mask_empty(ignored)
    assert not every_mask_empty(held) and not every_mask_empty(MaskCounts([], []))
    assert empty_masks_refusal(held, held, MaskPolicy(), "exclude", no_audit) is None
    for rule, said in (("one", "the one that predicts least"), ("zero", "is 0"),
                       ("exclude_empty_reference", "is NaN")):
        finding = empty_masks_refusal(held, empty, MaskPolicy(), rule, no_audit)
        assert said in finding.explanation and finding.source == "data:val"
        assert math.isclose(finding.evidence["train_foreground_fraction"], 0.015)
    finding = empty_masks_refusal(ignored, held, MaskPolicy(ignore_values=(255.0,)),
                                  "exclude", lambda: Report("t", "audit-data"))
    assert "2 of them are ignored at every pixel" in finding.title
    assert finding.evidence["audit_finding"] is None
    assert "audit-data" in finding.fix and "--allow-empty-masks" in finding.fix


def test_a_refused_run_resumed_is_refused_again(tmp_path):
    layout = build_case(tmp_path / "data", TRIMAPS, [{"kind": "trimap_masks"}])
    _refusal(tiny_train_config(layout.images_dir, tmp_path / "runs"))
    from unetdiag.config import TrainConfig

    with pytest.raises(UserError, match="training masks decodes empty") as raised:
        train_quietly(TrainConfig(resume=tmp_path / "runs" / "r", quiet=True))
    # --resume rejects --allow-empty-masks: the opt-in needs a new run
    assert "start a new run with --allow-empty-masks" in str(raised.value)
    assert "pass --allow-empty-masks" not in str(raised.value)


def _dotted_masks(root, n_pairs, dotted, blob):
    """``n_pairs`` 96-px pairs; the masks of the stems in ``dotted`` hold one 1-px object on
    a pixel the nearest-neighbour resize to 32 px skips (it keeps rows and columns 3j + 1),
    those in ``blob`` a 12-px square, the others nothing."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(0)
    for index in range(n_pairs):
        stem = f"p{index:02d}"
        mask = np.zeros((96, 96), np.uint8)
        if stem in dotted:
            mask[3 * (4 + index % 5), 3 * (6 + index % 7)] = 255
        elif stem in blob:
            mask[30:42, 40:52] = 255
        image = rng.integers(0, 60, (96, 96)).astype(np.uint8) + (mask > 0) * 150
        Image.fromarray(image.astype(np.uint8)).save(root / "images" / f"{stem}.png")
        Image.fromarray(mask).save(root / "masks" / f"{stem}.png")


def _dotted_config(tmp_path):
    return tiny_train_config(tmp_path / "data" / "images", tmp_path / "runs",
                             masks=tmp_path / "data" / "masks")


def _split_stems(n_pairs):
    stems = [f"p{index:02d}" for index in range(n_pairs)]
    from pathlib import Path

    from unetdiag.diag.data.pairing import Pair

    train, validation = split_pairs([Pair(stem, Path(stem), Path(stem)) for stem in stems],
                                    0.2, 42)
    return {pair.stem for pair in train}, {pair.stem for pair in validation}


def test_masks_emptied_by_the_resize_are_told_from_masks_stored_empty(tmp_path):
    """Every mask holds a 1-px object the resize to 32 px skips: the refusal said "Run
    audit-data" (which sees the objects at full size) instead of the resize."""
    stems = {f"p{index:02d}" for index in range(10)}
    _dotted_masks(tmp_path / "data", 10, stems, set())
    error, report = _refusal(_dotted_config(tmp_path))
    message = str(error)
    assert "training masks decodes empty at --img-size 32" in message
    assert "hold foreground at their stored size" in message
    assert "--img-size 96" in message and "Run `unetdiag audit-data`" not in message
    refusal = next(f for f in report["findings"] if f["id"] == "train.masks_decode_empty")
    assert refusal["evidence"]["cause"] == "resize"
    assert "lose it when resized to 32 px" in refusal["explanation"]


def test_validation_masks_emptied_by_the_resize_do_not_blame_the_split(tmp_path):
    train, validation = _split_stems(10)
    _dotted_masks(tmp_path / "data", 10, validation, train)
    error, report = _refusal(_dotted_config(tmp_path))
    assert f"{len(validation)} validation masks decodes empty at --img-size 32" in str(error)
    refusal = next(f for f in report["findings"] if f["id"] == "train.masks_decode_empty")
    assert "held out only masks without foreground" not in refusal["explanation"]
    assert "lose it when resized to 32 px" in refusal["explanation"]


def test_training_masks_empty_because_validation_holds_every_object(tmp_path):
    """The only mask with an object went to validation: the refusal quoted the audit's "if
    empty images are real ... check the mask threshold and polarity"."""
    train, validation = _split_stems(10)
    _dotted_masks(tmp_path / "data", 10, set(), validation)
    error, report = _refusal(_dotted_config(tmp_path))
    message = str(error)
    assert "the validation split holds the only foreground" in message
    assert "another --seed" in message and "polarity" not in message
    refusal = next(f for f in report["findings"] if f["id"] == "train.masks_decode_empty")
    assert refusal["evidence"]["cause"] == "split"


def test_masks_emptied_partly_by_the_resize_and_partly_by_the_policy_name_both(tmp_path):
    """Half the training masks hold a 1-px object the resize skips, the others nothing (and
    the validation masks nothing either): the refusal named only the resize ("though 4 of
    them hold foreground"), as if a larger --img-size would give every mask its objects."""
    train, _ = _split_stems(10)
    dotted = set(sorted(train)[: len(train) // 2])
    _dotted_masks(tmp_path / "data", 10, dotted, set())
    error, report = _refusal(_dotted_config(tmp_path))
    message = str(error)
    others = len(train) - len(dotted)
    assert (f"Every one of the {len(train)} training masks decodes empty at --img-size 32, "
            f"though {len(dotted)} of them hold foreground at their stored size; the other "
            f"{others} hold none under the mask policy in force") in message
    assert "--img-size 96" in message and "audit-data" in message
    refusal = next(f for f in report["findings"] if f["id"] == "train.masks_decode_empty")
    assert refusal["evidence"]["cause"] == "resize_and_policy"
    assert refusal["evidence"]["stored_foreground_masks"] == len(dotted)
    assert refusal["evidence"]["stored_empty_masks"] == others
    assert f"The other {others} hold no foreground pixel" in refusal["explanation"]


def test_masks_stored_empty_beside_validation_objects_do_not_blame_the_policy(tmp_path):
    """Half the training masks hold a 1-px object the resize skips, the others nothing, and
    the validation masks 12-px squares, read by the same policy: the refusal said the others
    hold none "under the mask policy in force" with cause resize_and_policy, and sent the
    user to audit-data for what they hold under it."""
    train, validation = _split_stems(10)
    dotted = set(sorted(train)[: len(train) // 2])
    _dotted_masks(tmp_path / "data", 10, dotted, validation)
    error, report = _refusal(_dotted_config(tmp_path))
    others = len(train) - len(dotted)
    assert ("under which the validation masks hold foreground") in str(error)
    assert "audit-data" not in str(error)
    refusal = next(f for f in report["findings"] if f["id"] == "train.masks_decode_empty")
    assert refusal["evidence"]["cause"] == "resize_and_empty"
    assert refusal["evidence"]["stored_empty_masks"] == others
    assert f"The other {others} are consistent with images without objects" in refusal["fix"]


def test_train_json_prints_the_refusal_as_json_and_keeps_status_4(tmp_path):
    """`train --json` printed nothing on stdout when it refused (status 4): a script reading
    the JSON got no report, though report.json had been written."""
    import subprocess
    import sys

    layout = build_case(tmp_path / "data", TRIMAPS, [{"kind": "trimap_masks"}])
    result = subprocess.run(
        [sys.executable, "-m", "unetdiag", "train", "--images", str(layout.images_dir),
         "--img-size", "32", "--channels", "1", "--base-filters", "4", "--depth", "2",
         "--precision", "float32", "--out", str(tmp_path / "runs"), "--run-name", "r",
         "--json"], capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)
    assert result.returncode == ExitCode.INPUT_ERROR, result.stderr[-3000:]
    printed = json.loads(result.stdout)
    written = json.loads((tmp_path / "runs" / "r" / "report.json").read_text())
    assert printed == written
    assert printed["command"] == "train" and printed["outcome"] == "refused"
    assert "train.masks_decode_empty" in {f["id"] for f in printed["findings"]}
    assert "unetdiag: error: Every one of the" in result.stderr


def test_the_side_proposed_for_masks_emptied_by_the_resize_is_one_the_model_takes(tmp_path):
    """Masks of 90 px holding one pixel the resize to 32 px skips: the fix said '--img-size 90
    keeps every foreground pixel', a side the U-Net of depth 2 refuses (not a multiple of 4);
    the side proposed is now 92, the first multiple at or above the masks' 90 px."""
    rng = np.random.default_rng(3)
    for folder in ("images", "masks"):
        (tmp_path / "data" / folder).mkdir(parents=True)
    for index in range(10):
        mask = np.zeros((90, 90), np.uint8)
        mask[0, 0] = 255  # row and column 0 are read by no nearest-neighbour pixel at 32 px
        image = rng.integers(0, 60, (90, 90)).astype(np.uint8)
        Image.fromarray(image).save(tmp_path / "data" / "images" / f"p{index:02d}.png")
        Image.fromarray(mask).save(tmp_path / "data" / "masks" / f"p{index:02d}.png")
    error, report = _refusal(_dotted_config(tmp_path))
    assert "--img-size 92 keeps every foreground pixel" in str(error)
    refusal = next(f for f in report["findings"] if f["id"] == "train.masks_decode_empty")
    assert refusal["evidence"]["stored_largest_side"] == 90
    assert refusal["evidence"]["img_size_keeping_all"] == 92
    assert "--img-size 90 " not in refusal["fix"] + refusal["explanation"]
