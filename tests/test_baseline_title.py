"""The constant predictors' title labels each Dice: the soft Dice of an all-background
prediction (0.001 on ISBI's validation masks, s26) beside the report's hard Dice values
read as the model's own Dice if unlabelled."""

from __future__ import annotations

import numpy as np

from unetdiag.diag.checks.baselines import baseline_findings
from unetdiag.diag.core.dice import DEFAULT_DICE


def test_the_title_names_soft_and_hard_dice():
    [trivial] = [f for f in baseline_findings([233.0, 244.0], [1000.0, 1000.0], DEFAULT_DICE,
                                              source="data:val")
                 if f.id == "baseline.trivial_scores"]
    assert "; soft Dice " in trivial.title
    # per image: mean of 2f/(1+f) over f = 0.233, 0.244
    assert trivial.title.endswith(", hard Dice 0.000 / 0.385")


def test_an_undefined_hard_dice_is_said_so():
    [trivial] = [f for f in baseline_findings([0.0, 0.0], [100.0, 100.0], DEFAULT_DICE,
                                              source="data:val")
                 if f.id == "baseline.trivial_scores"]
    assert trivial.title.endswith("hard Dice undefined / 0.000")


def test_every_mask_empty_no_longer_says_a_nan_hard_dice_scores_them_1():
    # s28 scorecard (train on trimaps read under the threshold): "hard Dice nan (masks that
    # are empty, predicted empty, score 1 under this convention, and most masks here are
    # empty)": the 1 is the soft Dice's smoothing; the hard Dice left every image out
    [dice] = [f for f in baseline_findings([0.0] * 5, [100.0] * 5, DEFAULT_DICE,
                                           source="data:val")
              if f.id == "baseline.dice_uninformative"]
    assert "hard Dice undefined" in dice.explanation
    assert "nan" not in dice.explanation
    assert "score 1 under this convention" not in dice.explanation
    assert "every mask here is empty" in dice.explanation


def test_the_explanation_says_undefined_as_the_title_does():
    # review of s28's audit changes: title "hard Dice undefined / 0.000" above an
    # explanation "hard Dice nan, IoU nan"
    [trivial] = [f for f in baseline_findings([0.0, 0.0], [100.0, 100.0], DEFAULT_DICE)
                 if f.id == "baseline.trivial_scores"]
    assert "nan" not in trivial.explanation
    assert "predicting every pixel background scores accuracy 1.000, soft Dice" in (
        trivial.explanation)
    assert "hard Dice undefined, IoU undefined; predicting every pixel foreground" in (
        trivial.explanation)


def test_no_foreground_anywhere_is_not_told_to_report_dice_on_the_minority_class():
    [uninformative] = [f for f in baseline_findings([0.0, 0.0], [100.0, 100.0], DEFAULT_DICE)
                       if f.id == "baseline.dice_uninformative"]
    assert "minority class" not in uninformative.fix
    assert "no mask here holds any foreground, so Dice has nothing to measure" in (
        uninformative.fix)


def test_rare_foreground_is_still_told_to_report_dice_on_the_minority_class():
    # 19 of 20 masks empty: all background scores hard Dice 0.95 with empty images as 1
    findings = baseline_findings([1.0] + [0.0] * 19, [10000.0] * 20, DEFAULT_DICE, empty="one")
    [uninformative] = [f for f in findings if f.id == "baseline.dice_uninformative"]
    assert "report Dice on the minority class" in uninformative.fix


def test_evaluate_scores_says_an_undefined_constant_score_undefined():
    from unetdiag.diag.evaluation.conventions import convention_scores
    from unetdiag.diag.evaluation.findings import SCORES, evaluation_findings
    from unetdiag.diag.evaluation.scores import ScoreTally

    tally = ScoreTally()
    # every mask empty, every pixel predicted: all background leaves every image out
    tally.add(["a", "b"], np.zeros((2, 8, 8)), np.full((2, 8, 8), 0.9))
    [scores] = [f for f in evaluation_findings("m.keras", convention_scores(tally), images=2,
                                               empty_images=0, non_finite_images=0,
                                               empty_rule="exclude") if f.id == SCORES]
    assert scores.title.endswith("all-background undefined")
    assert "nan" not in scores.title
