"""A constant-predictor fingerprint checked against the masks' measured foreground fraction
(``unetdiag train`` and ``unetdiag evaluate`` measure it; a log alone cannot): the validation
phase against the validation masks, and (train) the training phase against the training
masks."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from unetdiag.diag.checks.saturation.ids import ALL_ONES_PREDICTOR, ALL_ZEROS_PREDICTOR
from unetdiag.diag.checks.saturation.thresholds import SATURATION_TOLERANCE
from unetdiag.diag.checks.saturation.wording_series import VERDICT_IF_THAT_PREDICTOR, VERDICT_PROVEN
from unetdiag.diag.core.findings import Finding, Severity

__all__ = ["reconcile_fingerprints"]

#: 'Every background pixel' where the TN the tolerance allows is at most this share of the
#: background.
_SLIVER = 0.01
_PREDICTOR_WORDS = {ALL_ZEROS_PREDICTOR: "predicting no foreground",
                    ALL_ONES_PREDICTOR: "predicting foreground everywhere"}


def _contradicted(finding: Finding, phase_name: str, measured: float | None) -> float | None:
    """The foreground fraction the fingerprint's ``phase_name`` phase infers, when the
    measured fraction contradicts it (None otherwise)."""
    if measured is None or finding.id not in _PREDICTOR_WORDS:
        return None
    phase = finding.evidence.get("phases", {}).get(phase_name)
    inferred = phase.get("foreground_fraction") if phase else None
    if inferred is None or abs(inferred - measured) <= SATURATION_TOLERANCE:
        return None
    return inferred


def reconcile_fingerprints(findings: Sequence[Finding], val_foreground_fraction: float | None,
                           *, scores: str = "validation scores",
                           measured: str = "The trainer measured the validation masks' "
                                           "foreground fraction:",
                           train_foreground_fraction: float | None = None) -> list[Finding]:
    """A constant-predictor fingerprint infers the foreground fraction from the metrics
    alone; on masks this one-sided a model with a few errors fits the same formulas within
    the tolerance. Where the fraction was measured (``measured`` says by whom, ``scores``
    names the numbers), a fingerprint whose fraction disagrees with it is kept as a warning
    saying what the numbers and the fraction prove together (for binary labels), never as an
    error. ``train_foreground_fraction`` (the training masks', as the
    trainer decoded them) is checked against the fingerprint's training phase the same way."""
    reconciled = []
    for finding in findings:
        inferred = _contradicted(finding, "validation", val_foreground_fraction)
        if inferred is not None:
            finding = _refuted(finding, inferred, val_foreground_fraction, scores, measured)
        train_inferred = _contradicted(finding, "training", train_foreground_fraction)
        if train_inferred is not None:
            finding = _refuted_in_training(finding, train_inferred, train_foreground_fraction)
        reconciled.append(finding)
    return reconciled


def _refuted(finding: Finding, inferred: float, fraction: float, scores: str,
             measured: str) -> Finding:
    clause, reading = _what_the_fraction_proves(finding, "validation", fraction)
    return dataclasses.replace(
        finding, severity=Severity.WARNING,
        title=(f"{finding.evidence.get('run', finding.source)}: its {scores} "
               f"fit {_PREDICTOR_WORDS[finding.id]} only if {inferred:.2%} of the pixels "
               f"were foreground; the masks are {fraction:.2%}, so, for binary labels, "
               f"{clause}"),
        # the fingerprint's closing verdict is what the measured fraction refutes
        explanation=_without_verdict(finding.explanation) + (
            f" {measured} {fraction:.4f}, not the {inferred:.4f} these metrics imply. "
            f"{reading}"),
        evidence={**finding.evidence, "measured_val_foreground_fraction": fraction})


def _what_the_fraction_proves(finding: Finding, phase_name: str,
                              fraction: float) -> tuple[str, str]:
    """What the phase's accuracy and the measured fraction prove together, and what its Dice
    (or IoU) adds: the title's closing clause and the explanation's sentences. With binary
    labels the accuracy ``a`` is TP + TN (shares of the pixels), TP <= f and TN <= 1 - f; a
    pooled Dice or IoU of thresholded predictions then fixes TN (all-ones: 0) or TP
    (all-zeros, a score of 0: TP = 0), whatever f is."""
    phase = finding.evidence["phases"][phase_name]
    accuracy = phase["accuracy"]
    score = "Dice" if phase.get("dice") is not None else "IoU"
    pooled = f"for thresholded predictions and a {score} pooled over the same pixels"
    if finding.id == ALL_ONES_PREDICTOR:
        # the most the Dice leaves, the rounding of the printed values included
        true_negatives = max(phase.get("true_negative_share", 0.0),
                             phase.get("true_negative_share_at_most", 0.0))
        if fraction > accuracy:  # FN = f - TP >= f - a
            missed = fraction - accuracy
            reading = (f"With binary labels the accuracy is TP + TN and TP cannot exceed the "
                       f"foreground fraction, so at least {missed:.4f} of the pixels are "
                       "foreground predicted background.")
            # TN = 0 to within the tolerance is 'every background pixel' only where the
            # tolerance is a sliver of the background (0.001 of 0.003 is a third of it)
            background = 1 - fraction
            if (true_negatives <= SATURATION_TOLERANCE
                    and _SLIVER * background >= SATURATION_TOLERANCE):
                return (f"at least {missed:.2%} of the pixels are foreground predicted "
                        "background, while every background pixel is predicted foreground",
                        reading + f" The {score} against the accuracy says that no pixel is "
                        f"background predicted background (TN = 0 to within "
                        f"{SATURATION_TOLERANCE:g} of the pixels, {pooled}): the model "
                        "predicts every background pixel as foreground and misses foreground "
                        "as well.")
            # the Dice's TN, or the most its rounding or the tolerance allows; never more
            # than the background (TN <= 1 - f)
            most = min(max(true_negatives, SATURATION_TOLERANCE), background)
            share = (f"all {background:.2%}" if most >= background else
                     f"{most / background:.0%} of the {background:.2%}")
            return (f"at least {missed:.2%} of the pixels are foreground predicted background, "
                    f"and at most {most:.2%} of the pixels ({share} that are background) are "
                    "background predicted background",
                    reading + f" The {score} against the accuracy and the measured fraction "
                    f"leave at most {most:.4f} of the pixels background predicted background "
                    f"({pooled}, the rounding of the printed values and a TN of "
                    f"{SATURATION_TOLERANCE:g} taken as 0 included), of the {background:.4f} "
                    "that are background.")
        found = accuracy - fraction  # TN = a - TP >= a - f
        reading = (f"With binary labels the accuracy is TP + TN and TP cannot exceed the "
                   f"foreground fraction, so at least {found:.4f} of the pixels are background "
                   "predicted background, which predicting foreground everywhere never does.")
        # the TN the rounding allows is a bound, the Dice's own a value
        puts = ("leaves that share at most" if "true_negative_share_at_most" in phase
                else "puts that share at")
        if true_negatives < found - SATURATION_TOLERANCE:
            reading += (f" The {score} against the accuracy {puts} only "
                        f"{true_negatives:.4f} ({pooled}): the three numbers cannot all be "
                        "counts of the same binary pixels; consistent with a score not pooled "
                        "over these pixels (per image or per batch), labels that are not "
                        "binary as scored, or other masks.")
        else:
            reading += (f" The {score} against the accuracy {puts} "
                        f"{true_negatives:.4f} ({pooled}): on masks this one-sided a model "
                        "with few errors fits the same formulas within the tolerance.")
        return (f"at least {found:.2%} of the pixels are background predicted background, "
                "which predicting foreground everywhere never does", reading)
    scored_zero = bool(phase.get("scores_exactly_zero"))
    if fraction < 1 - accuracy:  # FP = 1 - f - TN >= 1 - f - a
        wrong = 1 - accuracy - fraction
        reading = (f"With binary labels the accuracy is TP + TN and TN cannot exceed the "
                   f"background fraction 1 - f, so at least {wrong:.4f} of the pixels are "
                   "background predicted foreground, which predicting no foreground never "
                   "does.")
        if not scored_zero:
            return (f"at least {wrong:.2%} of the pixels are background predicted foreground",
                    reading)
        return (f"at least {wrong:.2%} of the pixels are background predicted foreground, "
                f"while its {score} of 0 says no foreground pixel is predicted foreground",
                reading + f" A {score} of 0 means no true positive: the model predicts "
                "foreground only where there is none.")
    found = fraction - (1 - accuracy)  # TP = a - TN >= a - (1 - f)
    reading = (f"With binary labels the accuracy is TP + TN and TN cannot exceed the "
               f"background fraction 1 - f, so at least {found:.4f} of the pixels are "
               "foreground predicted foreground.")
    if not scored_zero:
        return f"at least {found:.2%} of the pixels are foreground predicted foreground", reading
    return (f"at least {found:.2%} of the pixels are foreground predicted foreground, which "
            f"its {score} of 0 rules out",
            reading + f" A {score} of 0 means no true positive, so the accuracy, the {score} "
            "and the measured fraction cannot all be counts of the same binary pixels; "
            "consistent with labels that are not binary as scored, a score computed on other "
            "pixels, or other masks.")


def _refuted_in_training(finding: Finding, inferred: float, fraction: float) -> Finding:
    """The training phase of a fingerprint the training masks' measured fraction refutes:
    on masks with no foreground (or only foreground) every error is one kind, so the
    accuracy says how much the model predicts of the other class."""
    run = finding.evidence.get("run", finding.source)
    phase = finding.evidence["phases"]["training"]
    accuracy = phase.get("accuracy")
    one_class = fraction <= 0.0 or fraction >= 1.0
    if one_class and accuracy is not None:
        none_or_all = "no" if fraction <= 0.0 else "only"
        wrong = "foreground, all false positives" if fraction <= 0.0 else (
            "background, all false negatives")
        title = (f"{run}: the training masks hold {none_or_all} foreground as decoded, so its "
                 f"training accuracy {accuracy:.4f} means it predicts {1 - accuracy:.2%} of "
                 f"the training pixels {wrong}")
        closing = (f" The trainer measured the training masks' foreground fraction: "
                   f"{fraction:.4f}, not the {inferred:.4f} these metrics imply: every pixel "
                   f"the model gets wrong is predicted {wrong.split(',')[0]}, so "
                   f"1 - accuracy = {1 - accuracy:.4f} is the share it predicts so (Keras's "
                   "training accuracy: the epoch's mean, in training mode).")
    else:
        clause, reading = _what_the_fraction_proves(finding, "training", fraction)
        title = (f"{run}: its training scores fit {_PREDICTOR_WORDS[finding.id]} only if "
                 f"{inferred:.2%} of the pixels were foreground; the training masks are "
                 f"{fraction:.2%}, so, for binary labels, {clause}")
        closing = (f" The trainer measured the training masks' foreground fraction: "
                   f"{fraction:.4f}, not the {inferred:.4f} these metrics imply. {reading}")
    keep_severity = "measured_val_foreground_fraction" in finding.evidence
    return dataclasses.replace(
        finding, severity=finding.severity if keep_severity else Severity.WARNING,
        title=finding.title if keep_severity else title,
        explanation=_without_verdict(finding.explanation) + closing,
        evidence={**finding.evidence, "measured_train_foreground_fraction": fraction})


def _without_verdict(explanation: str) -> str:
    """The fingerprint's explanation without its closing verdict, proven or hedged."""
    for verdict in (VERDICT_PROVEN, VERDICT_IF_THAT_PREDICTOR):
        explanation = explanation.replace(" " + verdict, "")
    return explanation
