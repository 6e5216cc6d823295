"""The findings and the headline of ``unetdiag evaluate``, from the numbers of :mod:`.scores`
and :mod:`.conventions` (the measurements are there; this module only words them).

Finding ids (stable):

=================================== ======== ================================================
id                                  severity when
=================================== ======== ================================================
evaluate.scores                     info     always: the model's Dice under every convention,
                                             next to the constant predictors'
evaluate.below_baseline             warning  the model's Dice (the metric's convention) is
                                             below what a constant predictor scores
evaluate.non_finite_predictions     error    some predictions hold NaN or Inf
=================================== ======== ================================================

The saturation fingerprints (``saturation.all_ones_predictor``...) and the baselines
(``baseline.*``) come from :mod:`unetdiag.diag.checks`; :data:`EVALUATE_HEADLINE_RULES` puts
them into words first.

>>> from unetdiag.diag.evaluation.conventions import ConventionScore
>>> rows = [ConventionScore("hard Dice", "per image", "empty images excluded", 0.2, 0.0, 0.9)]
>>> [f.id for f in evaluation_findings("model.keras", rows, images=3, empty_images=0,
...                                    non_finite_images=0, empty_rule="exclude")]
['evaluate.scores', 'evaluate.below_baseline']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from unetdiag.diag.checks.saturation import ALL_ONES_PREDICTOR, ALL_ZEROS_PREDICTOR
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.evaluation.conventions import EMPTY_RULE_WORDS, ConventionScore
from unetdiag.diag.wording.headline import HeadlineRule, compose_headline, listed_titles
from unetdiag.diag.wording.text import plural, verb

SOURCE = "evaluate"
SCORES = "evaluate.scores"
BELOW_BASELINE = "evaluate.below_baseline"
NON_FINITE_PREDICTIONS = "evaluate.non_finite_predictions"
#: How far below a constant predictor's score the model must be to be called below it.
BASELINE_TOLERANCE = 1e-3


def headline_score(rows: Sequence[ConventionScore], empty_rule: str) -> ConventionScore:
    """The row the metric of ``unetdiag train`` reports: hard Dice per image under the rule."""
    return next(row for row in rows if row.metric == "hard Dice"
                and row.reduction == "per image" and row.convention == EMPTY_RULE_WORDS[empty_rule])


def _best_constant(row: ConventionScore) -> tuple[float, str]:
    """The better constant predictor's score under this row's convention, and its name."""
    candidates = [(value, name) for value, name in ((row.all_ones, "all-foreground"),
                                                    (row.all_zeros, "all-background"))
                  if math.isfinite(value)]
    return max(candidates, default=(math.nan, "none"))


def _dice_range(rows: Sequence[ConventionScore]) -> str:
    dice = [row for row in rows if "Dice" in row.metric and math.isfinite(row.model)]
    if not dice:
        return "No Dice convention gives a finite value."
    low = min(dice, key=lambda row: row.model)
    high = max(dice, key=lambda row: row.model)
    return (f"Across the {len(dice)} Dice conventions in the table the same predictions score "
            f"from {low.model:.4f} ({low.metric}, {low.reduction}, {low.convention}) to "
            f"{high.model:.4f} ({high.metric}, {high.reduction}, {high.convention}).")


def evaluation_findings(model: str, rows: Sequence[ConventionScore], *, images: int,
                        empty_images: int, non_finite_images: int, empty_rule: str
                        ) -> list[Finding]:
    """``evaluate.scores``, and ``evaluate.below_baseline`` / ``evaluate.non_finite_predictions``
    where they apply (see the module docstring)."""
    main = headline_score(rows, empty_rule)
    best, best_name = _best_constant(main)
    empty_sentence = ""
    if empty_images:
        empty_sentence = (f" {plural(empty_images, 'image')} {verb(empty_images, 'has', 'have')}"
                          " an empty mask and nothing predicted (Dice 0/0): the rules in the "
                          "table score them as excluded, 1 or 0.")
    findings = [Finding(
        id=SCORES, severity=Severity.INFO,
        title=(f"{model} on {plural(images, 'image')}: hard Dice {main.model:.4f} per image "
               f"({main.convention}); all-foreground {main.all_ones:.4f}, all-background "
               f"{main.all_zeros:.4f}"),
        explanation=_dice_range(rows) + empty_sentence + (
            " Each convention's constant-predictor scores stand beside it: a model has shown "
            "something only where it clearly beats both."),
        fix="Nothing to fix: quote the convention with the number.",
        evidence={"conventions": [row.row() for row in rows], "images": images,
                  "empty_images": empty_images, "empty_rule": empty_rule},
        source=SOURCE)]
    if math.isfinite(main.model) and main.model < best - BASELINE_TOLERANCE:
        findings.append(Finding(
            id=BELOW_BASELINE, severity=Severity.WARNING,
            title=(f"{model} scores hard Dice {main.model:.4f}, below the {best_name} "
                   f"predictor's {best:.4f}"),
            explanation=(f"Predicting every pixel {best_name.split('-')[1]} scores "
                         f"{best:.4f} on these masks under the same convention "
                         f"({main.reduction}, {main.convention}); the model does worse than "
                         "a constant."),
            fix=("Check that the images are prepared as in training (size, channels, scaling "
                 "to [0, 1]) and that the masks' polarity is the one the model learnt "
                 "(--mask-polarity)."),
            evidence={"dice": main.model, "baseline": best, "predictor": best_name,
                      "convention": f"{main.reduction}, {main.convention}"},
            source=SOURCE))
    if non_finite_images:
        findings.append(Finding(
            id=NON_FINITE_PREDICTIONS, severity=Severity.ERROR,
            title=(f"{plural(non_finite_images, 'prediction')} of {images} "
                   f"{verb(non_finite_images, 'holds', 'hold')} NaN or Inf"),
            explanation=("No Dice, IoU or accuracy of such predictions means anything: "
                         "thresholding would count their pixels as background. Those images "
                         "score NaN in the per-image CSV and every model value is NaN."),
            fix=("Check the model's weights for NaN (a run the NaN guard stopped keeps its "
                 "last finite weights) and the images for NaN or Inf values."),
            evidence={"images": non_finite_images}, source=SOURCE))
    return findings


@dataclass(frozen=True)
class HeadlineContext:
    """What the headline says about the model when no finding speaks."""

    model: str
    images: int
    main: ConventionScore
    #: images the main convention leaves out (empty masks under the exclude rule)
    left_out: int = 0


def _non_finite(findings: Sequence[Finding], context: HeadlineContext) -> str | None:
    finding = next((f for f in findings if f.id == NON_FINITE_PREDICTIONS), None)
    return None if finding is None else finding.title + ": no score here means anything."


def _data_errors(findings: Sequence[Finding], context: HeadlineContext) -> str | None:
    """Errors in the data the model is scored on (every mask empty, pairs of different
    sizes...): the scores then measure the data as much as the model."""
    return listed_titles("In the data scored:", [
        f.title for f in findings if f.severity is Severity.ERROR and f.source == "data"])


def _fingerprint(findings: Sequence[Finding], context: HeadlineContext) -> str | None:
    finding = next((f for f in findings if f.id in (ALL_ONES_PREDICTOR, ALL_ZEROS_PREDICTOR)
                    and f.severity is Severity.ERROR), None)
    if finding is None:  # a fingerprint the counted masks refute is no constant predictor
        return None
    return (f"{finding.title}: its scores are what that constant scores on these masks, so "
            "they measure the masks, not the model.")


def _below(findings: Sequence[Finding], context: HeadlineContext) -> str | None:
    finding = next((f for f in findings if f.id == BELOW_BASELINE), None)
    return None if finding is None else finding.title + "."


def _scores(findings: Sequence[Finding], context: HeadlineContext) -> str:
    main = context.main
    scored = (f"{context.images - context.left_out} of {plural(context.images, 'image')}"
              if context.left_out else plural(context.images, 'image'))
    return (f"{context.model} scores hard Dice {_score(main.model)} per image on "
            f"{scored} ({main.convention}); predicting all "
            f"foreground scores {_score(main.all_ones)}, all background "
            f"{_score(main.all_zeros)}.")


def _score(value: float) -> str:
    """A score to four decimals, or why there is none (every image left out)."""
    return f"{value:.4f}" if math.isfinite(value) else "nothing (no image counted)"


EVALUATE_HEADLINE_RULES = (
    HeadlineRule("non-finite predictions", _non_finite, final=True),
    HeadlineRule("errors in the data scored", _data_errors),
    HeadlineRule("constant-predictor fingerprint", _fingerprint, final=True),
    HeadlineRule("below a constant predictor", _below, final=True),
    HeadlineRule("the scores", _scores),
)


def evaluation_headline(findings: Sequence[Finding], context: HeadlineContext) -> str:
    """The plain-words answer: the worst problem alone, else the model's score and the
    constant predictors' (see :data:`EVALUATE_HEADLINE_RULES`)."""
    return compose_headline(EVALUATE_HEADLINE_RULES, findings, context, quiet="",
                            count_tail=True)
