"""What a model that learnt nothing would score: the all-background and all-foreground baselines.

A metric only means something next to what a constant predictor gets on the same data under
the same conventions. On the original project's masks (99.5 % foreground) predicting every
pixel foreground scores accuracy 0.995 and Dice ``2f/(1+f) = 0.9975``: exactly the "perfect"
numbers it logged. The arithmetic lives in :func:`unetdiag.diag.core.dice.trivial_baselines`;
this module turns it into findings. Comparing a run's metrics against these baselines is
:mod:`unetdiag.diag.checks.saturation`'s job.

>>> import numpy as np
>>> from unetdiag.diag.core.dice import SEED_DICE
>>> findings = baseline_findings([398, 398], [400, 400], SEED_DICE)
>>> [f.id for f in findings]
['baseline.trivial_scores', 'baseline.accuracy_uninformative', 'baseline.dice_uninformative']
>>> round(findings[0].evidence["all_ones"]["soft_dice"], 5)
0.99749
"""

from __future__ import annotations

import math

from unetdiag.diag.checks.masks import validated_counts
from unetdiag.diag.core.dice import (
    EMPTY_RULES,
    DiceConfig,
    TrivialScores,
    all_ones_dice,
    trivial_baselines,
)
from unetdiag.diag.core.findings import Finding, Severity

#: A constant predictor at or above this pixel accuracy makes accuracy useless as a measure
#: of learning: the model only has to match the majority class.
UNINFORMATIVE_ACCURACY = 0.95
#: A constant predictor at or above this Dice makes Dice useless as a measure of learning
#: (the original project's all-foreground Dice was 0.9975).
UNINFORMATIVE_DICE = 0.9

_PREDICTORS = {"all_zeros": "all-background", "all_ones": "all-foreground"}


def baseline_findings(foreground_counts, pixel_counts, dice_config: DiceConfig,
                      empty: str = "exclude", source: str = "",
                      scored_only: bool = False) -> list[Finding]:
    """Trivial-predictor baselines of a dataset, as findings.

    Args:
        foreground_counts: foreground pixels of each mask.
        pixel_counts: pixels of each mask.
        dice_config: the Dice convention the run reports (its smoothing and reduction).
        empty: how the hard Dice/IoU score an image whose mask and prediction are both empty:
            ``"exclude"``, ``"one"`` or ``"zero"``.
        source: where the counts came from.
        scored_only: ``pixel_counts`` leave ignored pixels out (``--ignore-values``): the
            foreground fraction is then said to be of the pixels scored.

    Returns ``baseline.trivial_scores`` (info, always), then ``baseline.accuracy_uninformative``
    and ``baseline.dice_uninformative`` (warnings) when a constant predictor already scores
    accuracy >= :data:`UNINFORMATIVE_ACCURACY` or Dice >= :data:`UNINFORMATIVE_DICE`.
    """
    if empty not in EMPTY_RULES:
        raise ValueError(f"empty must be one of {EMPTY_RULES}, not {empty!r}")
    foreground, pixels = validated_counts(foreground_counts, pixel_counts)
    scores = trivial_baselines(foreground, pixels, dice_config, empty)  # type: ignore[arg-type]
    fraction = float(foreground.sum() / pixels.sum())
    convention = f"{dice_config.describe()}; hard metrics with empty images '{empty}'"
    zeros, ones = scores["all_zeros"], scores["all_ones"]
    findings = [Finding(
        id="baseline.trivial_scores", severity=Severity.INFO,
        title=(f"Constant predictors score accuracy {zeros.accuracy:.3f} (all background) / "
               f"{ones.accuracy:.3f} (all foreground); soft Dice {zeros.soft_dice:.3f} / "
               f"{ones.soft_dice:.3f}, hard Dice {_three(zeros.hard_dice)} / "
               f"{_three(ones.hard_dice)}"),
        explanation=(f"On these {foreground.size} masks (foreground {fraction:.2%} of "
                     f"{'the pixels scored' if scored_only else 'pixels'}), "
                     f"predicting every pixel background scores {_describe(zeros)}; "
                     f"predicting every pixel foreground scores {_describe(ones)} (soft Dice "
                     f"as {dice_config.describe()}). A trained model has learnt something only "
                     "where it clearly beats both."),
        fix="Nothing to fix: compare every metric of the model with these numbers.",
        evidence={"all_zeros": zeros.to_dict(), "all_ones": ones.to_dict(),
                  "foreground_fraction": fraction, "masks": int(foreground.size),
                  "dice_config": dice_config.to_dict(), "empty_rule": empty,
                  "convention": convention},
        source=source)]

    best_accuracy = max(scores, key=lambda name: scores[name].accuracy)
    accuracy = scores[best_accuracy].accuracy
    if accuracy >= UNINFORMATIVE_ACCURACY:
        findings.append(Finding(
            id="baseline.accuracy_uninformative", severity=Severity.WARNING,
            title=(f"An {_PREDICTORS[best_accuracy]} model scores {accuracy:.3f} accuracy "
                   "here"),
            explanation=(f"{max(fraction, 1 - fraction):.2%} of all pixels belong to one class, "
                         f"so a model that paints every pixel {_class(best_accuracy)} is "
                         f"{accuracy:.3f} accurate without looking at the image. An accuracy "
                         f"near {accuracy:.3f} means nothing was learnt, and a model that does "
                         f"learn can only add the remaining {1 - accuracy:.3f} on top."),
            fix=("Judge segmentation by foreground Dice or IoU against the baselines in "
                 "baseline.trivial_scores, not by pixel accuracy."),
            evidence={"predictor": best_accuracy, "accuracy": accuracy,
                      "threshold": UNINFORMATIVE_ACCURACY, "foreground_fraction": fraction},
            source=source))

    for name in ("all_ones", "all_zeros"):
        trivial = scores[name]
        # hard Dice is NaN when every mask is empty and empty images are excluded
        defined = [d for d in (trivial.soft_dice, trivial.hard_dice) if math.isfinite(d)]
        best_dice = max(defined, default=float("nan"))
        if not best_dice >= UNINFORMATIVE_DICE:
            continue
        if name == "all_ones":
            context = (f" (with foreground fraction f = {fraction:.3f}, the all-foreground "
                       f"Dice is 2f/(1+f) = {all_ones_dice(fraction):.4f}). The original "
                       "project logged this very number, 0.9975, on masks that were 99.5 % "
                       "foreground.")
        elif not math.isfinite(trivial.hard_dice):
            # the soft Dice's 1 is its smoothing over 0/0; the hard Dice of an all-empty set
            # under 'exclude' has no image left to score
            context = (" (the smoothing makes an empty mask predicted empty score soft Dice "
                       "1; the hard Dice leaves such images out, and every mask here is "
                       "empty, so nothing is left to score).")
        else:
            context = (" (masks that are empty, predicted empty, score 1 under this "
                       "convention, and most masks here are empty).")
        findings.append(Finding(
            id="baseline.dice_uninformative", severity=Severity.WARNING,
            title=f"An {_PREDICTORS[name]} model scores Dice {best_dice:.4f} here",
            explanation=(f"Predicting every pixel {_class(name)} scores soft Dice "
                         f"{trivial.soft_dice:.4f} ({dice_config.describe()}) and hard Dice "
                         f"{_four(trivial.hard_dice)}{context} A model scoring a Dice near "
                         f"{best_dice:.4f} here has not shown that it learnt anything."),
            fix=_dice_fix(fraction),
            evidence={"predictor": name, "soft_dice": trivial.soft_dice,
                      "hard_dice": trivial.hard_dice, "hard_iou": trivial.hard_iou,
                      "threshold": UNINFORMATIVE_DICE, "foreground_fraction": fraction,
                      "convention": convention},
            source=source))
    return findings


def _dice_fix(fraction: float) -> str:
    """What to do about a constant predictor's high Dice; when one class holds no pixel at
    all there is no minority class to report Dice on."""
    if fraction in (0.0, 1.0):
        absent = "foreground" if fraction == 0.0 else "background"
        return (f"Check the masks first (labels.*, --foreground-values): no mask here holds "
                f"any {absent}, so Dice has nothing to measure. If the objects are in the "
                "masks, they are decoded wrong; if these images truly hold no object, judge "
                "the model on images that do.")
    return ("Check the masks first (imbalance.mostly_foreground, labels.*): masks this "
            "one-sided are usually wrong. If they are right, report Dice on the minority "
            "class or per image, next to this baseline.")


def _class(predictor: str) -> str:
    return "background" if predictor == "all_zeros" else "foreground"


def _describe(scores: TrivialScores) -> str:
    return (f"accuracy {scores.accuracy:.3f}, soft Dice {scores.soft_dice:.4f}, hard Dice "
            f"{_four(scores.hard_dice)}, IoU {_four(scores.hard_iou)}")


def _four(value: float) -> str:
    """A score to four decimals; "undefined" for NaN (as :func:`_three`)."""
    return f"{value:.4f}" if math.isfinite(value) else "undefined"


def _three(value: float) -> str:
    """A score to three decimals; "undefined" for NaN (every mask empty, empty images
    excluded)."""
    return f"{value:.3f}" if math.isfinite(value) else "undefined"
