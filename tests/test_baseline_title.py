"""The constant predictors' title labels each Dice: the soft Dice of an all-background
prediction (0.001 on ISBI's validation masks, s26) beside the report's hard Dice values
read as the model's own Dice if unlabelled."""

from __future__ import annotations

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
