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
    saying so, never as an error. ``train_foreground_fraction`` (the training masks', as the
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
    return dataclasses.replace(
        finding, severity=Severity.WARNING,
        title=(f"{finding.evidence.get('run', finding.source)}: its {scores} "
               f"fit {_PREDICTOR_WORDS[finding.id]} only if {inferred:.2%} of the pixels "
               f"were foreground; the masks are {fraction:.2%}, so it "
               "does not predict one class everywhere"),
        # the fingerprint's closing verdict is what the measured fraction refutes
        explanation=_without_verdict(finding.explanation) + (
            f" {measured} {fraction:.4f}, not the {inferred:.4f} these "
            "metrics imply, so the model does not predict one class everywhere; on masks "
            "this one-sided a model with few errors fits the same formulas within the "
            "tolerance."),
        evidence={**finding.evidence, "measured_val_foreground_fraction": fraction})


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
        title = (f"{run}: its training scores fit {_PREDICTOR_WORDS[finding.id]} only if "
                 f"{inferred:.2%} of the pixels were foreground; the training masks are "
                 f"{fraction:.2%}, so it does not predict one class everywhere on them")
        closing = (f" The trainer measured the training masks' foreground fraction: "
                   f"{fraction:.4f}, not the {inferred:.4f} these metrics imply, so the model "
                   "does not predict one class everywhere on them.")
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
