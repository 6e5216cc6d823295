"""train's headline said "Nothing in this run looks saturated ... Best validation Dice 0.1477"
of a run on DRIVE (JPEG masks re-encoded, one variant, one epoch at 64 px) whose every epoch
scored below the all-foreground predictor's 0.170 on the same validation masks (session 29);
evaluate says that (evaluate.below_baseline), train did not."""

from __future__ import annotations

import math

from unetdiag.diag.core.findings import Severity
from unetdiag.training.run.summary import VariantResult
from unetdiag.training.train_report import below_baseline_findings

BASELINES = {"all_zeros": {"accuracy": 0.907, "hard_dice": 0.0, "hard_iou": 0.0},
             "all_ones": {"accuracy": 0.093, "hard_dice": 0.1700, "hard_iou": 0.093}}


def _result(name, best, epoch=1, epochs=1):
    return VariantResult(name=name, status="finished", epochs_completed=epochs,
                         best_val_dice=best, best_val_dice_epoch=epoch)


def test_a_best_dice_below_the_all_foreground_predictor_is_said():
    results = {"A": _result("A", 0.1477), "B": _result("B", 0.71, 9, 12)}
    [finding] = below_baseline_findings(results, BASELINES, 0.093)
    assert finding.id == "train.below_baseline" and finding.severity is Severity.WARNING
    assert finding.source == "train:A"
    assert finding.title == ("A: best validation Dice 0.1477 (epoch 1) is below the "
                             "all-foreground predictor's 0.1700 on the same validation masks")
    assert "Predicting every pixel foreground" in finding.explanation
    assert "not evidence of learning" in finding.explanation
    assert finding.evidence["predictor"] == "all_ones"


def test_at_the_baseline_zero_unmeasured_or_one_class_says_nothing():
    near = {"A": _result("A", 0.1699)}  # within the tolerance: the at-baseline rule's
    assert below_baseline_findings(near, BASELINES, 0.093) == []
    zero = {"A": _result("A", 0.0)}  # said by saturation.score_zero_* with its cause
    assert below_baseline_findings(zero, BASELINES, 0.093) == []
    assert below_baseline_findings({"A": _result("A", None)}, BASELINES, 0.093) == []
    assert below_baseline_findings({"A": _result("A", 0.1)}, None, None) == []
    one_class = {"all_zeros": {"accuracy": 1.0, "hard_dice": math.nan, "hard_iou": math.nan},
                 "all_ones": {"accuracy": 0.0, "hard_dice": 0.0, "hard_iou": 0.0}}
    assert below_baseline_findings({"A": _result("A", 0.1)}, one_class, 0.0) == []


def test_the_headline_says_it():
    from unetdiag.training.train_report import HeadlineContext, train_headline

    results = {"A": _result("A", 0.1477)}
    findings = below_baseline_findings(results, BASELINES, 0.093)
    context = HeadlineContext(results, 16, 4, {"val_dice": 0.17}, 0.093)
    assert "A: best validation Dice 0.1477 (epoch 1) is below the all-foreground" in (
        train_headline(findings, context))


def test_the_empty_rule_and_the_empty_validation_masks_are_named():
    """The explanation said "threshold and empty rule of the dice metric" without naming the
    rule, how many validation masks are empty, or what the constant scores on them."""
    results = {"A": _result("A", 0.1477)}
    [finding] = below_baseline_findings(results, BASELINES, 0.093, empty_rule="exclude",
                                        empty_masks=3, masks=10)
    assert "--empty-rule exclude" in finding.explanation
    assert "3 of the 10 validation masks are empty, on which the constant scores 0 on each" \
        in finding.explanation
    assert finding.evidence["val_empty_masks"] == 3
    zeros = {"all_zeros": {"accuracy": 0.9, "hard_dice": 0.6, "hard_iou": 0.6},
             "all_ones": {"accuracy": 0.1, "hard_dice": 0.1, "hard_iou": 0.1}}
    [finding] = below_baseline_findings(results, zeros, 0.1, empty_rule="one",
                                        empty_masks=6, masks=10)
    assert "the constant scores 1 on each" in finding.explanation
