"""The train report checks its series findings against what the run measured (the masks'
foreground fraction as decoded, the model's predicted fraction per epoch, the empty rule).
Histories are those of the s26 runs on DRIVE (MP_Tr_BCE, 3 epochs, 64 px):
``drive_fov255`` (0/1/255 masks with --ignore-values 255: every mask decodes empty) and
``drive_lab123`` (label map 1 = vessel, 2 = background, no flags: every mask empty)."""

from __future__ import annotations

from pathlib import Path

import pytest

from unetdiag.config import TrainConfig
from unetdiag.diag.core.findings import Severity
from unetdiag.training.run.summary import VariantResult
from unetdiag.training.train_report import train_report

NAN = float("nan")
FOV255 = {"accuracy": [0.5268, 0.8989, 0.9487], "dice": [0.0] * 3, "iou": [0.0] * 3,
          "loss": [0.7964, 0.5001, 0.3561],
          "predicted_positive_fraction": [0.4727, 0.1010, 0.0513],
          "val_accuracy": [0.9362, 0.9979, 1.0], "val_dice": [0.0, 0.0, NAN],
          "val_iou": [0.0, 0.0, NAN], "val_loss": [0.6156, 0.4601, 0.3739],
          "val_predicted_positive_fraction": [0.0638, 0.0021, 0.0]}
LAB123 = {"accuracy": [0.3457, 0.4243, 0.6620], "dice": [0.0] * 3, "iou": [0.0] * 3,
          "loss": [0.9337, 0.8142, 0.6802],
          "predicted_positive_fraction": [0.6543, 0.5757, 0.3380],
          "val_accuracy": [0.7030, 0.6644, 0.5522], "val_dice": [0.0] * 3,
          "val_iou": [0.0] * 3, "val_loss": [0.6749, 0.6695, 0.7239],
          "val_predicted_positive_fraction": [0.2970, 0.3356, 0.4478]}
EMPTY_MASKS = {"val_foreground_fraction": 0.0, "train_foreground_fraction": 0.0,
               "metric_empty_rule": "exclude", "train_pairs": 8, "val_pairs": 2}


def _report(history, meta):
    results = {"MP_Tr_BCE": VariantResult(name="MP_Tr_BCE", status="finished",
                                          epochs_completed=3, history=history)}
    config = TrainConfig(images=Path("images"), masks=Path("masks"), diagnostics=False)
    return train_report(config, Path("run"), results, meta, [], None)


def _one(report, finding_id):
    [finding] = [f for f in report.findings if f.id == finding_id]
    return finding


def test_a_training_fingerprint_the_empty_training_masks_refute_says_false_positives():
    report = _report(FOV255, EMPTY_MASKS)
    fit = _one(report, "saturation.all_zeros_predictor")
    assert fit.severity is Severity.WARNING
    assert fit.title == ("train:MP_Tr_BCE: the training masks hold no foreground as decoded, "
                         "so its training accuracy 0.9487 means it predicts 5.13% of the "
                         "training pixels foreground, all false positives")
    assert fit.evidence["measured_train_foreground_fraction"] == 0.0
    assert "measure the masks, not the model" not in fit.explanation
    # the headline no longer says the training data is 5.13 % foreground
    assert "5.13 % foreground" not in report.headline
    assert "all-zeros predictor" not in report.headline


def test_a_training_fingerprint_the_training_masks_confirm_is_kept():
    report = _report(FOV255, {**EMPTY_MASKS, "train_foreground_fraction": 0.0513})
    fit = _one(report, "saturation.all_zeros_predictor")
    assert "measured_train_foreground_fraction" not in fit.evidence


def test_nan_val_dice_with_every_image_excluded_names_the_empty_rule_not_smoothing():
    report = _report(FOV255, EMPTY_MASKS)
    nan = _one(report, "saturation.non_finite")
    assert nan.severity is Severity.WARNING
    assert nan.title == ("train:MP_Tr_BCE: val_dice and val_iou are NaN at epoch 3 because "
                         "every validation mask is empty and the model predicted no "
                         "foreground on them: under --empty-rule exclude no image has a Dice")
    assert "smoothing" not in nan.fix and "--empty-rule one" in nan.fix
    assert nan.title in report.headline


@pytest.mark.parametrize("change", [
    {"metric_empty_rule": "one"},        # another rule: not this cause
    {"val_foreground_fraction": 0.01},   # some foreground: an image would be counted
])
def test_nan_val_dice_keeps_its_causes_when_the_measurements_do_not_admit_one(change):
    nan = _one(_report(FOV255, {**EMPTY_MASKS, **change}), "saturation.non_finite")
    assert nan.severity is Severity.ERROR
    assert "smoothing" in nan.explanation


def test_nan_val_dice_with_a_non_finite_val_loss_is_not_the_empty_rule():
    history = {**FOV255, "val_loss": [0.6156, 0.4601, NAN]}
    nan = _one(_report(history, EMPTY_MASKS), "saturation.non_finite")
    assert "measured_cause" not in nan.evidence


def test_zero_dice_throughout_on_empty_masks_offers_no_cause_the_history_rules_out():
    report = _report(LAB123, EMPTY_MASKS)
    zero = _one(report, "saturation.score_zero_throughout")
    assert zero.title.startswith("train:MP_Tr_BCE: val_dice and val_iou are 0.0000")
    assert "because every validation mask is empty as decoded" in zero.title
    assert zero.title.endswith("the model predicts 29.7% to 44.8% of the validation pixels "
                               "foreground, all false positives")
    assert "predicts no foreground" not in report.headline
    assert zero.title in report.headline


def test_zero_dice_throughout_on_masks_with_foreground_is_left_to_the_series_wording():
    zero = _one(_report(LAB123, {**EMPTY_MASKS, "val_foreground_fraction": 0.2}),
                "saturation.score_zero_throughout")
    assert "measured_cause" not in zero.evidence


def test_zero_dice_in_a_one_epoch_run_on_empty_masks_is_no_common_start():
    """Pet trimaps trained with no policy (s28 scorecard): one epoch, every mask decodes
    empty; the short-log wording ('a common start this early') is not what happened."""
    one_epoch = {name: values[:1] for name, values in LAB123.items()}
    report = _report(one_epoch, EMPTY_MASKS)
    zero = _one(report, "saturation.score_zero_few_epochs")
    assert zero.title.startswith("train:MP_Tr_BCE: val_dice and val_iou are 0.0000 at the "
                                 "run's only epoch because every validation mask is empty")
    assert zero.evidence["measured_cause"] == "validation_masks_empty"
    assert "common start" not in report.headline
    assert zero.title in report.headline
    # the measured cause is said; explain-log's "nothing looks saturated" would contradict it
    assert "Nothing in this run looks saturated" not in report.headline
