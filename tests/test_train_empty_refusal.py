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
from helpers import tiny_train_config, train_quietly
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
    assert "train.masks_decode_empty" not in {f.id for f in result.report.findings}


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

    with pytest.raises(UserError, match="training masks decodes empty"):
        train_quietly(TrainConfig(resume=tmp_path / "runs" / "r", quiet=True))
