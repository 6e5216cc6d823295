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
evaluate.policy_differs             warning  the train run that saved the model decoded its
                                             masks under another mask policy (its data.json)
=================================== ======== ================================================

The saturation fingerprints (``saturation.all_ones_predictor``...) and the baselines
(``baseline.*``) come from :mod:`unetdiag.diag.checks`; :data:`EVALUATE_HEADLINE_RULES` puts
them into words first.

>>> from unetdiag.diag.evaluation.conventions import EMPTY_RULE_WORDS, ConventionScore
>>> rows = [ConventionScore("hard Dice", "per image", EMPTY_RULE_WORDS["exclude"], 0.2, 0.0,
...                         0.9)]
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
POLICY_DIFFERS = "evaluate.policy_differs"
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


def _four(value: float) -> str:
    """A score to four decimals; "undefined" for NaN (every image left out: e.g. every mask
    empty and predicted empty under the exclude rule)."""
    return f"{value:.4f}" if math.isfinite(value) else "undefined"


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
                        empty_images: int, non_finite_images: int, empty_rule: str,
                        trained_dice: tuple[float, int | None] | None = None,
                        trained_holds: str = "best") -> list[Finding]:
    """``evaluate.scores``, and ``evaluate.below_baseline`` / ``evaluate.non_finite_predictions``
    where they apply (see the module docstring). ``trained_dice``: the validation Dice (and
    its epoch) the train run that saved the model recorded, when it did, of the epoch the
    model file holds: its ``"best"`` (model.keras) or its ``"last"`` (last.keras)."""
    main = headline_score(rows, empty_rule)
    best, best_name = _best_constant(main)
    empty_sentence = ""
    if empty_images:
        empty_sentence = (f" {plural(empty_images, 'image')} {verb(empty_images, 'has', 'have')}"
                          " an empty mask and nothing predicted (Dice 0/0): the rules in the "
                          "table leave them out or score them 1 or 0.")
    findings = [Finding(
        id=SCORES, severity=Severity.INFO,
        title=(f"{model} on {plural(images, 'image')}: hard Dice {_four(main.model)} per "
               f"image ({main.convention}); all-foreground {_four(main.all_ones)}, "
               f"all-background {_four(main.all_zeros)}"),
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
                         "a constant." + _trained_sentence(trained_dice, trained_holds)),
            fix=("A model that has not learnt the task (trained too briefly or on too little "
                 "data) "
                 "scores so: compare with the Dice it reached in training, and train "
                 "it further if that was as low. Otherwise check that the images are prepared "
                 "as in training (size, channels, scaling to [0, 1]) and that the masks' "
                 "polarity is the one the model learnt (--mask-polarity)."),
            evidence={"dice": main.model, "baseline": best, "predictor": best_name,
                      "convention": f"{main.reduction}, {main.convention}",
                      "trained_val_dice": None if trained_dice is None else trained_dice[0]},
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


def policy_differs_finding(model: str, run_dir: str, recorded: str, used: str,
                           differences: Sequence[str]) -> Finding:
    """``evaluate.policy_differs``: the masks are decoded under another policy than the one
    the model's training run recorded (``recorded``/``used``: each policy's description)."""
    return Finding(
        id=POLICY_DIFFERS, severity=Severity.WARNING,
        title=(f"{model} was trained on masks decoded with {recorded} (its run's data.json); "
               f"this evaluation decodes them with {used}"),
        explanation=("The train run that saved the model recorded the mask policy its masks "
                     f"were decoded with; this evaluation differs in {', '.join(differences)}. "
                     "Under another policy other pixels are the foreground, so the scores "
                     "compare the model with a class it was not trained on."),
        fix=f"Pass the options the run trained with ({recorded}) to evaluate.",
        evidence={"run": run_dir, "differences": list(differences), "recorded": recorded,
                  "used": used},
        source=SOURCE)


def _trained_sentence(trained_dice: tuple[float, int | None] | None,
                      holds: str = "best") -> str:
    if trained_dice is None:
        return ""
    value, epoch = trained_dice
    at = f" (epoch {epoch})" if epoch is not None else ""
    recorded = ("a best val_dice" if holds == "best" else
                "a val_dice at its last epoch, the weights this file holds,")
    return (f" The train run that saved it recorded {recorded} of {value:.4f}{at} on its "
            "own validation split (hard Dice per image, unetdiag's convention): if that is "
            "about what it scores here, it has not learnt the task, rather than been given "
            "data prepared differently.")


@dataclass(frozen=True)
class HeadlineContext:
    """What the headline says about the model when no finding speaks."""

    model: str
    images: int
    main: ConventionScore
    #: images the main convention leaves out (an empty mask predicted empty under the
    #: exclude rule; every empty mask under exclude_empty_reference)
    left_out: int = 0


def _policy_differs(findings: Sequence[Finding], context: HeadlineContext) -> str | None:
    finding = next((f for f in findings if f.id == POLICY_DIFFERS), None)
    return None if finding is None else finding.title + "."


def _images_unlike_training(findings: Sequence[Finding],
                            context: HeadlineContext) -> str | None:
    """Images scored that differ from the training images (colour, intensity range): the
    scores may not be comparable with the run's, said before them."""
    titles = [f.title for f in findings
              if f.id in ("evaluate.images_converted", "evaluate.intensity_differs")
              and f.severity is Severity.WARNING]
    return "; ".join(titles) + ": the scores may not be comparable." if titles else None


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
    # a Dice near 0 but not 0 leaves a few true positives: "nearly", not "what"
    exact = all(phase.get("scores_exactly_zero", True)
                for phase in finding.evidence.get("phases", {}).values())
    return (f"{finding.title}: its scores are {'' if exact else 'nearly '}what that constant "
            "scores on these masks, so they measure the masks"
            + (", not the model." if exact else " more than the model."))


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
    HeadlineRule("mask policy other than the training run's", _policy_differs),
    HeadlineRule("images unlike the training run's", _images_unlike_training),
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
