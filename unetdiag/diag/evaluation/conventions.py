"""Every Dice convention side by side, each next to what the trivial predictors score under it.

The same predictions give different "Dice" numbers depending on choices that are rarely
written down: soft (probabilities) or hard (``p > threshold``), pooled over all images or
averaged per image, the smoothing constants, and what an image with an empty mask and an
empty prediction counts as. :func:`convention_scores` computes each of them from a
:class:`~unetdiag.diag.evaluation.scores.ScoreTally` with the definitions of
:mod:`unetdiag.diag.core.dice`, and puts the all-background and all-foreground predictors'
scores under the same convention beside it (:func:`~unetdiag.diag.core.dice.trivial_baselines`).

"Pooled" sums over every image of the dataset at once; a Keras metric with a batch reduction
(the original project's ``dice_coef``) pools each batch and averages the batches, which lies
between the pooled and the per-image values.

>>> import numpy as np
>>> from unetdiag.diag.evaluation.scores import ScoreTally
>>> tally = ScoreTally()
>>> tally.add(["a", "b"], np.ones((2, 4, 4)), np.full((2, 4, 4), 0.9))
>>> rows = {(s.metric, s.reduction, s.convention): s for s in convention_scores(tally)}
>>> rows[("hard Dice", "per image", EMPTY_RULE_WORDS["exclude"])].model
1.0
>>> rows[("accuracy", "pooled", "threshold 0.5")].all_zeros
0.0
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from unetdiag.diag.core.dice import (
    NAMED_DICE,
    DiceConfig,
    hard_dice_from_sums,
    hard_iou_from_sums,
    soft_dice_from_sums,
    trivial_baselines,
)
from unetdiag.diag.evaluation.scores import ScoreTally

#: What each empty rule is called in the table and the headline. The first three rules
#: differ only on an image whose mask is empty *and* whose thresholded prediction is empty
#: (0/0); an empty mask with a false-positive pixel scores 0 under each of them.
EMPTY_RULE_WORDS = {"exclude": "images with an empty mask predicted empty left out",
                    "one": "images with an empty mask predicted empty score 1",
                    "zero": "images with an empty mask predicted empty score 0",
                    "exclude_empty_reference": "images with an empty mask left out"}
REDUCTION_WORDS = {"batch": "pooled", "per_image": "per image"}


@dataclass(frozen=True)
class ConventionScore:
    """One row of the table: a metric under one convention, for the model and the two
    constant predictors (NaN where undefined: e.g. every image left out)."""

    metric: str
    reduction: str
    convention: str
    model: float
    all_zeros: float
    all_ones: float

    def row(self) -> dict[str, str | float]:
        return asdict(self)


def _smoothing_words(name: str, config: DiceConfig) -> str:
    return (f"{name}: smoothing {config.smooth_numerator:g} / {config.smooth_denominator:g}")


def convention_scores(tally: ScoreTally) -> list[ConventionScore]:
    """Accuracy, soft Dice under every named smoothing (:data:`NAMED_DICE`) pooled and per
    image, and hard Dice and IoU pooled and per image under every empty rule. The model's
    values are NaN when any prediction is NaN or Inf (see :mod:`.scores`)."""
    sums = tally.sums
    if not len(tally):
        raise ValueError("no images were scored")
    finite = bool(sums["finite"].all())
    truth, pixels = sums["sum_true"], sums["pixels"]
    hard = (sums["hard_intersection"], truth, sums["hard_sum_pred"])
    pooled_hard = tuple(np.array([values.sum()]) for values in hard)
    pooled_truth, pooled_pixels = np.array([truth.sum()]), np.array([pixels.sum()])

    def score(metric: str, reduction: str, convention: str, model: float,
              baselines: dict, field_name: str) -> ConventionScore:
        return ConventionScore(metric, REDUCTION_WORDS[reduction], convention,
                               model if finite else math.nan,
                               getattr(baselines["all_zeros"], field_name),
                               getattr(baselines["all_ones"], field_name))

    errors = truth + sums["hard_sum_pred"] - 2 * sums["hard_intersection"]
    rows = [score("accuracy", "batch", f"threshold {tally.threshold:g}",
                  float(1 - errors.sum() / pixels.sum()), trivial_baselines(truth, pixels),
                  "accuracy")]
    for name, named in NAMED_DICE.items():
        for reduction in ("batch", "per_image"):
            config = DiceConfig(named.smooth_numerator, named.smooth_denominator, reduction)
            model = soft_dice_from_sums(sums["soft_intersection"], truth,
                                        sums["soft_sum_pred"], config)
            rows.append(score("soft Dice", reduction, _smoothing_words(name, config), model,
                              trivial_baselines(truth, pixels, config), "soft_dice"))
    for metric, formula, field_name in (("hard Dice", hard_dice_from_sums, "hard_dice"),
                                        ("hard IoU", hard_iou_from_sums, "hard_iou")):
        rows.append(score(metric, "batch", f"threshold {tally.threshold:g}",
                          formula(*pooled_hard), trivial_baselines(pooled_truth, pooled_pixels),
                          field_name))
        for empty, words in EMPTY_RULE_WORDS.items():
            rows.append(score(metric, "per_image", words, formula(*hard, empty),
                              trivial_baselines(truth, pixels, empty=empty), field_name))
    return rows


def empty_image_count(tally: ScoreTally) -> int:
    """Images whose mask and thresholded prediction are both empty (hard Dice 0/0)."""
    sums = tally.sums
    return int(np.count_nonzero((sums["sum_true"] + sums["hard_sum_pred"]) == 0))


def left_out_count(tally: ScoreTally, empty: str) -> int:
    """Images the per-image mean leaves out under the empty rule ``empty``."""
    if empty == "exclude":
        return empty_image_count(tally)
    if empty == "exclude_empty_reference":
        return int(np.count_nonzero(tally.sums["sum_true"] == 0))
    return 0
