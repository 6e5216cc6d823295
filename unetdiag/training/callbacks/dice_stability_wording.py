"""The sentences of a probe batch that never left the one class it was predicted at the start
of training (``saturation.predictions_collapsed`` reworded: no fall was measured).

A ``*_BCE`` variant starts its output bias at the training masks' prior
(:func:`~unetdiag.training.variant.prior_output_bias`), a probability below 0.5 for rare
foreground, so its probe batch is all-background before the first step. A short run that
never moves from there did not "collapse", a word that says it fell from something: the
finding says what was measured, the class at the start and at every epoch end checked.
"""

from __future__ import annotations

import dataclasses

from unetdiag.diag.core.findings import Finding
from unetdiag.diag.wording.text import percent, plural

_CLASSES = {"all_zeros": "background", "all_ones": "foreground"}


def never_left_finding(finding: Finding, run: str, start_positive: float, epochs: int,
                       checks: int, resumed_after: int = 0, of_scored: bool = False
                       ) -> Finding:
    """``finding`` (``saturation.predictions_collapsed`` of run ``run``'s probe at epoch
    ``epochs``, the ``checks``-th epoch end checked, on masks of both classes) worded as a
    constant held from the start: the probe predicted foreground for ``start_positive`` of
    its pixels before the first step of this fit, and the same class at every epoch end
    checked. ``resumed_after``: the epochs an earlier part of the run trained before this fit
    resumed from its checkpoint (their probe predictions are not known here, so the finding
    speaks of the epochs since the resume only). ``of_scored``: the shares are of the pixels
    scored (the run ignores values)."""
    evidence = finding.evidence
    what = _CLASSES[evidence["collapsed_to"]]
    positive = float(evidence["predicted_positive_fraction"])

    def share(foreground: float) -> str:
        return percent(foreground if what == "foreground" else 1 - foreground)

    between = " and at every epoch end checked before it" if checks > 1 else ""
    if resumed_after:
        since = epochs - resumed_after
        held = (f"it stayed all-{what} in the {plural(since, 'epoch')} since the run resumed "
                f"after epoch {resumed_after} (the probe was not seen in the earlier epochs), "
                "so no fall from a segmentation was measured in them")
        title = (f"{run}: predictions stayed all-{what} in the {plural(since, 'epoch')} since "
                 f"the resume after epoch {resumed_after}")
        start = f"when training resumed after epoch {resumed_after}"
    else:
        held = (f"it never left all-{what} in {plural(epochs, 'epoch')}, so no fall from a "
                "segmentation was measured")
        title = f"{run}: predictions never left all-{what} in {plural(epochs, 'epoch')}"
        start = "before its first step"
    pixels = "of the pixels scored" if of_scored else "of pixels"
    explanation = (f"On the probe batch the model predicted {what} for {share(start_positive)} "
                   f"{pixels} {start}, and for {share(positive)} at the end of "
                   f"epoch {epochs}{between}: {held}. "
                   "Consistent with updates too few or too small to move the output from "
                   "where it started (a *_BCE variant's output starts at the training masks' "
                   + ("prior, above 0.5 where foreground is over half the pixels)."
                      if what == "foreground" else
                      "prior, below 0.5 where foreground is under half the pixels)."))
    explanation += (f" The masks have {share(float(evidence['foreground_fraction']))} {what}"
                    f"{' of the pixels scored' if of_scored else ''}; on them that constant "
                    f"scores accuracy {evidence['constant_accuracy']:.4f} "
                    f"and Dice {evidence['constant_dice']:.4f} without looking at the images.")
    return dataclasses.replace(
        finding,
        title=f"{title} ({percent(positive)} {pixels} predicted foreground)",
        explanation=explanation,
        fix=("Train for more epochs or updates (--epochs, --min-steps-per-epoch) before "
             "judging the model; if it stays there, check the masks' foreground fraction "
             "and polarity (`unetdiag audit-data`), then the loss and the learning rate."),
        evidence={**evidence, "start_predicted_positive_fraction": start_positive,
                  "left_start_class": False, "resumed_after_epoch": resumed_after})


def one_class_finding(finding: Finding, run: str) -> Finding:
    """``finding`` (``saturation.predictions_collapsed`` of run ``run``'s probe, whose masks are
    themselves (almost) all the class predicted) worded without "collapsed": predicting the
    masks' own class is no fall from a segmentation, and the probe cannot tell one."""
    evidence = finding.evidence
    what = _CLASSES[evidence["collapsed_to"]]
    positive = float(evidence["predicted_positive_fraction"])
    foreground = float(evidence["foreground_fraction"])

    def share(value: float) -> str:
        return percent(value if what == "foreground" else 1 - value)

    return dataclasses.replace(
        finding,
        title=(f"{run}: predictions all-{what} on a probe batch whose masks are (almost) all "
               f"{what} ({percent(positive)} of pixels predicted foreground)"),
        explanation=(f"On the probe batch the model predicts {what} for {share(positive)} of "
                     f"pixels; the masks have {share(foreground)} {what}. The masks themselves "
                     f"are (almost) all one class, so this is not a collapse: on this batch a "
                     f"model that segments and one that predicts all-{what} whatever the "
                     "image look the same."),
        fix=("Judge the model on validation images with objects: the probe is the first "
             "validation batch; `unetdiag audit-data` counts the validation masks with "
             "foreground."))
