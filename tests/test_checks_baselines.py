"""Trivial-predictor baseline findings on hand-computed datasets."""

import math

import numpy as np
import pytest

from unetdiag.diag.checks.baselines import (
    UNINFORMATIVE_ACCURACY,
    UNINFORMATIVE_DICE,
    baseline_findings,
)
from unetdiag.diag.checks.masks import foreground_counts
from unetdiag.diag.core import dice
from unetdiag.diag.core.dice import DiceConfig
from unetdiag.diag.core.findings import Finding, Severity


def by_id(findings):
    return {f.id: f for f in findings}


def test_seed_masks_all_ones_dice_is_2f_over_1_plus_f():
    # 99.5 % foreground, as the original project's `mask > 0` on photographs produced
    masks = np.ones((4, 20, 20))
    masks[:, 0, :2] = 0
    found = by_id(baseline_findings(*foreground_counts(masks), dice.SEED_DICE, source="audit"))
    scores = found["baseline.trivial_scores"]
    assert scores.severity is Severity.INFO and scores.source == "audit"
    ones = scores.evidence["all_ones"]
    assert ones["soft_dice"] == pytest.approx(2 * 0.995 / 1.995, abs=1e-9)
    assert round(ones["soft_dice"], 5) == 0.99749
    assert ones["accuracy"] == pytest.approx(0.995)
    assert ones["hard_iou"] == pytest.approx(0.995)
    assert scores.evidence["all_zeros"]["accuracy"] == pytest.approx(0.005)
    dice_warning = found["baseline.dice_uninformative"]
    assert dice_warning.severity is Severity.WARNING
    assert dice_warning.evidence["predictor"] == "all_ones"
    assert dice_warning.evidence["soft_dice"] == pytest.approx(0.99749, abs=5e-6)
    assert "0.9975" in dice_warning.title and "2f/(1+f)" in dice_warning.explanation
    accuracy_warning = found["baseline.accuracy_uninformative"]
    assert accuracy_warning.evidence == {"predictor": "all_ones", "accuracy": pytest.approx(0.995),
                                         "threshold": UNINFORMATIVE_ACCURACY,
                                         "foreground_fraction": pytest.approx(0.995)}
    assert "all-foreground model scores 0.995 accuracy" in accuracy_warning.title


def test_rare_foreground_all_background_accuracy():
    # 8.7 % foreground: an all-background model scores 0.913, below the 0.95 threshold
    found = by_id(baseline_findings([87, 87], [1000, 1000], dice.DEFAULT_DICE))
    zeros = found["baseline.trivial_scores"].evidence["all_zeros"]
    assert zeros["accuracy"] == pytest.approx(0.913)
    assert "accuracy 0.913 (all background)" in found["baseline.trivial_scores"].title
    assert set(found) == {"baseline.trivial_scores"}
    # 3 % foreground: now it is uninformative
    found = by_id(baseline_findings([30, 30], [1000, 1000], dice.DEFAULT_DICE))
    warning = found["baseline.accuracy_uninformative"]
    assert warning.evidence["predictor"] == "all_zeros"
    assert warning.evidence["accuracy"] == pytest.approx(0.97)
    assert "all-background model scores 0.970 accuracy" in warning.title


def test_soft_dice_follows_the_runs_convention():
    # 2 images: one empty, one with 10 of 100 pixels foreground
    counts, pixels = [0, 10], [100, 100]
    per_image = DiceConfig(1.0, 1.0, "per_image")
    findings = by_id(baseline_findings(counts, pixels, per_image))
    evidence = findings["baseline.trivial_scores"].evidence
    # all zeros per image: empty image 1/1 = 1, other image 1/(10 + 1)
    assert evidence["all_zeros"]["soft_dice"] == pytest.approx((1 + 1 / 11) / 2)
    # all ones per image: empty image 1/(100 + 1), other (20 + 1)/(10 + 100 + 1)
    assert evidence["all_ones"]["soft_dice"] == pytest.approx((1 / 101 + 21 / 111) / 2)
    batch = by_id(baseline_findings(counts, pixels, dice.DEFAULT_DICE))[
        "baseline.trivial_scores"].evidence
    assert batch["all_zeros"]["soft_dice"] == pytest.approx(1 / 11)
    assert batch["all_ones"]["soft_dice"] == pytest.approx(21 / 211)
    assert batch["dice_config"] == dice.DEFAULT_DICE.to_dict()


def test_empty_rule_moves_the_hard_metrics():
    counts, pixels = [0, 0, 0, 50], [100] * 4
    excluded = by_id(baseline_findings(counts, pixels, dice.DEFAULT_DICE, empty="exclude"))
    ones = by_id(baseline_findings(counts, pixels, dice.DEFAULT_DICE, empty="one"))
    assert excluded["baseline.trivial_scores"].evidence["all_zeros"]["hard_dice"] == 0.0
    assert ones["baseline.trivial_scores"].evidence["all_zeros"]["hard_dice"] == 0.75
    assert "baseline.dice_uninformative" not in ones  # 0.75 < 0.9
    with pytest.raises(ValueError, match="empty must be"):
        baseline_findings(counts, pixels, dice.DEFAULT_DICE, empty="nan")


def test_mostly_empty_data_makes_the_all_background_dice_uninformative():
    counts, pixels = [0] * 19 + [40], [100] * 20
    found = by_id(baseline_findings(counts, pixels, DiceConfig(1.0, 1.0, "per_image"),
                                    empty="one"))
    warning = found["baseline.dice_uninformative"]
    assert warning.evidence["predictor"] == "all_zeros"
    # 19 empty images score 1, the last 1/(40 + 1)
    assert warning.evidence["soft_dice"] == pytest.approx((19 + 1 / 41) / 20)
    assert warning.evidence["soft_dice"] >= UNINFORMATIVE_DICE


def test_all_empty_masks_do_not_crash_on_undefined_hard_scores():
    found = by_id(baseline_findings([0, 0], [64, 64], dice.DEFAULT_DICE))
    evidence = found["baseline.trivial_scores"].evidence
    assert math.isnan(evidence["all_zeros"]["hard_dice"])
    # the soft Dice (1: empty predicted empty with smoothing 1) still flags it
    assert found["baseline.dice_uninformative"].evidence["soft_dice"] == 1.0
    for finding in found.values():
        assert Finding.from_dict(finding.to_dict()).to_dict() == finding.to_dict()


def test_balanced_data_gives_only_the_info():
    findings = baseline_findings([50, 30, 70], [100] * 3, dice.DEFAULT_DICE)
    assert [f.id for f in findings] == ["baseline.trivial_scores"]
