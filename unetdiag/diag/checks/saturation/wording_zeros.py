"""The all-zeros fit in words: "predicts no foreground at all" only when the numbers prove
it (a measured foreground fraction and a Dice/IoU of exactly 0); a Dice near 0 but not 0
leaves true positives and is said as such, with the tolerance that let it fit."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import evidence
from unetdiag.diag.checks.saturation.words import SeriesSubject, describe_fingerprint
from unetdiag.diag.wording.text import percent


def all_zeros_sentences(claim: evidence.ConstantPredictorRun, subject: SeriesSubject,
                        data: str) -> tuple[str, list[str]]:
    """The title and first sentence of an all-zeros fit: "predicts no foreground at all"
    only when proven (a measured fraction, a Dice/IoU of exactly 0); a Dice near 0 but not 0
    leaves a few true positives, said as such with the tolerance that let it fit."""
    fit = claim.main.fit
    what = "predicting no foreground at all"
    numbers = subject.opening(describe_fingerprint(claim.main.as_dict(), subject))
    if fit.scores_exactly_zero:
        fraction = fit.foreground_fraction
        title = (f"{claim.run} predicts no foreground at all ({percent(fraction)} "
                 f"foreground in {data})" if fit.proven else
                 f"{claim.run} scores what {what} scores (at most {percent(fraction)} "
                 f"foreground in {data})")
        return title, [
            numbers + ": a Dice or IoU of 0 means not one true positive pixel, and the "
            "accuracy is then the share of pixels correctly predicted background, so at most "
            f"{percent(fraction)} of the pixels of {data} are foreground (f <= 1 - "
            f"{fit.accuracy:.4f}), with equality for {what}. "
            + ("The measured foreground fraction is that bound: the numbers admit only the "
               "empty prediction." if fit.proven else f"Consistent with {what}.")]
    main = claim.main
    name, value = ((main.dice_metric, fit.dice) if main.dice_metric
                   else (main.iou_metric, fit.iou))
    score = f"{subject.metric(name)} {value:.4g}"
    both = bool(main.dice_metric and main.iou_metric)
    kinds = "the Dice and IoU are" if both else "the Dice is" if main.dice_metric \
        else "the IoU is"
    share, bound = fit.true_positive_share, fit.fraction_at_most
    measured = fit.measured_fraction
    title = (f"{claim.run} scores nearly what {what} scores ({score}, not 0; "
             + (f"{percent(measured)} foreground in {data})" if measured is not None
                else f"at most {percent(bound)} foreground in {data})"))
    sentence = (
        f"{numbers}: {kinds} near 0 but not 0 (up to {fit.zero_tolerance:g} counts here as "
        "the 0 of an empty prediction), so few pixels are true positives: for a pooled hard Dice, "
        f"{percent(share)} of all pixels (TP = d(1-a)/(2(1-d)); fewer, possibly none, if a "
        "smoothing term makes up part of the score). The accuracy then counts those and the "
        f"pixels correctly predicted background, so at most {percent(bound)} of the pixels of "
        f"{data} are foreground (f <= 1 - {fit.accuracy:.4f} + TP).")
    if measured is not None:
        predicted = max(0.0, 1 - fit.accuracy - measured + 2 * share)
        sentence += (
            f" The measured foreground fraction is {percent(measured)}: the model predicts "
            f"foreground on about {percent(predicted)} of the pixels (TP + FP = 1 - a - f + 2 TP,"
            f" for a pooled hard Dice), against {percent(measured)} in the masks.")
    else:
        sentence += f" Consistent with {what}, or with a model that predicts almost none."
    return title, [sentence]
