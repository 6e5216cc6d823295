"""The train report's reconciliation of constant-predictor fingerprints with the measured
foreground fraction (seen on DRIVE with JPEG masks: StrConv_Tr_BCE at val_dice 0.0000 and
val_accuracy 0.9099, on validation masks measured at 8.84 % foreground)."""

from __future__ import annotations

import pytest

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.checks.saturation.reconcile import reconcile_fingerprints
from unetdiag.diag.core.findings import Severity

DRIVE_LIKE = {"loss": [0.52, 0.49, 0.46, 0.43, 0.41], "accuracy": [0.90, 0.91, 0.913, 0.913, 0.913],
              "val_loss": [0.66, 0.64, 0.58, 0.52, 0.48],
              "val_accuracy": [0.9099] * 5, "val_dice": [0.0] * 5, "val_iou": [0.0] * 5}


def _fingerprint():
    findings = [f for f in check_series("StrConv_Tr_BCE", DRIVE_LIKE)
                if f.id == "saturation.all_zeros_predictor"]
    assert len(findings) == 1
    return findings[0]


def test_a_fingerprint_the_measured_fraction_contradicts_says_so_in_its_title():
    fingerprint = _fingerprint()
    [reconciled] = reconcile_fingerprints([fingerprint], 0.0884)
    assert reconciled.severity is Severity.WARNING
    assert reconciled.title == (
        "StrConv_Tr_BCE: its validation scores fit predicting no foreground only if 9.01% of "
        "the pixels were foreground; the masks are 8.84%, so, for binary labels, at least 0.17% "
        "of the pixels are background predicted foreground, while its Dice of 0 says no "
        "foreground pixel is predicted foreground")
    assert reconciled.evidence["measured_val_foreground_fraction"] == pytest.approx(0.0884)
    # the fingerprint's own verdict is what the measured fraction refutes
    assert "measure the masks, not the model" not in reconciled.explanation
    assert "The trainer measured the validation masks' foreground fraction: 0.0884" in (
        reconciled.explanation)


def test_evaluate_reconciles_a_fingerprint_with_the_masks_it_counted(tmp_path):
    # REFUGE masks under --foreground-values 255 --ignore-values 128, 99.27 % foreground: a
    # model with a few false positives fit "predicts foreground everywhere" at 99.52 %, an
    # error in evaluate's headline
    from unetdiag.diag.evaluation.conventions import ConventionScore
    from unetdiag.training.evaluate import _saturation_findings
    rows = [ConventionScore("accuracy", "pooled", "threshold 0.5", 0.99524, 0.00725, 0.99275),
            ConventionScore("hard Dice", "pooled", "threshold 0.5", 0.99760, 0.0, 0.99636),
            ConventionScore("hard IoU", "pooled", "threshold 0.5", 0.99521, 0.0, 0.99275)]
    [fit] = [f for f in _saturation_findings("model.keras", rows)
             if f.id == "saturation.all_ones_predictor"]
    assert fit.severity is Severity.WARNING
    assert fit.title.startswith("model.keras: its scores on the images scored fit predicting "
                                "foreground everywhere only if 99.52%")
    assert "masks scored, counted, is 0.9928" in fit.explanation  # 1 - 0.00725


def test_a_fingerprint_the_measured_fraction_confirms_is_kept_as_it_is():
    fingerprint = _fingerprint()
    assert reconcile_fingerprints([fingerprint], 0.0901) == [fingerprint]
    assert reconcile_fingerprints([fingerprint], None) == [fingerprint]


def test_errors_in_the_data_come_before_what_the_metrics_show():
    from unetdiag.diag.core.findings import Finding
    from unetdiag.training.train_report import TRAIN_HEADLINE_RULES

    [rule] = [rule for rule in TRAIN_HEADLINE_RULES if rule.name == "errors before training"]
    assert [r.name for r in TRAIN_HEADLINE_RULES].index(rule.name) == 1  # after guard stops

    def made(title, severity, source):
        return Finding("x", severity, title, "", "", {}, source=source)

    findings = [made("All 16 masks are empty", Severity.ERROR, "data:train"),
                made("A gap", Severity.WARNING, "train:MP_Tr_BCE"),
                made("All 64 masks are empty", Severity.ERROR, "train:MP_Tr_BCE"),
                made("2 pairs differ in size", Severity.ERROR, "data"),
                made("3 more", Severity.ERROR, "data:val")]
    assert rule.sentence(findings, None) == (
        "Before training: All 16 masks are empty (data:train); 2 pairs differ in size (data); "
        "and 1 more (see the findings).")
    assert rule.sentence(findings[1:3], None) is None


def test_a_score_near_but_not_at_its_baseline_is_not_said_to_equal_it():
    # REFUGE with the disc rim ignored: val_dice 0.9976 where all-ones scores 0.9968
    from unetdiag.training.run.summary import VariantResult
    from unetdiag.training.train_report import HeadlineContext, _at_baseline

    def sentence(val_dice):
        result = VariantResult(name="MP_Tr_BCE", status="finished", epochs_completed=1,
                               history={"val_dice": [val_dice]})
        context = HeadlineContext(results={"MP_Tr_BCE": result}, train_size=16, val_size=4,
                                  baselines={"val_dice": 0.99679},
                                  val_foreground_fraction=0.9936)
        return _at_baseline([], context)

    near = sentence(0.99760)
    # the distance itself: "within 0.001" was false by up to 0.002 (the tolerance is f's)
    assert "equals" not in near and "0.9976 is 0.0008 from an all-ones predictor's" in near
    assert "scores about what predicting one class everywhere scores" in near
    assert "val_dice 0.9968 equals an all-ones predictor's" in sentence(0.99681)
