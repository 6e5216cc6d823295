"""A constant-predictor fingerprint checked against the masks' measured foreground fraction
(``unetdiag train`` and ``unetdiag evaluate`` measure it; a log alone cannot)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from unetdiag.diag.checks.saturation.ids import ALL_ONES_PREDICTOR, ALL_ZEROS_PREDICTOR
from unetdiag.diag.checks.saturation.thresholds import SATURATION_TOLERANCE
from unetdiag.diag.core.findings import Finding, Severity

__all__ = ["reconcile_fingerprints"]

_PREDICTOR_WORDS = {ALL_ZEROS_PREDICTOR: "predicting no foreground",
                    ALL_ONES_PREDICTOR: "predicting foreground everywhere"}


def reconcile_fingerprints(findings: Sequence[Finding], val_foreground_fraction: float | None,
                           *, scores: str = "validation scores",
                           measured: str = "The trainer measured the validation masks' "
                                           "foreground fraction:") -> list[Finding]:
    """A constant-predictor fingerprint infers the foreground fraction from the metrics
    alone; on masks this one-sided a model with a few errors fits the same formulas within
    the tolerance. Where the fraction was measured (``measured`` says by whom, ``scores``
    names the numbers), a fingerprint whose fraction disagrees with it is kept as a warning
    saying so, never as an error."""
    if val_foreground_fraction is None:
        return list(findings)
    reconciled = []
    for finding in findings:
        phase = finding.evidence.get("phases", {}).get("validation") if finding.id in (
            ALL_ONES_PREDICTOR, ALL_ZEROS_PREDICTOR) else None
        inferred = phase.get("foreground_fraction") if phase else None
        if inferred is None or abs(inferred - val_foreground_fraction) <= SATURATION_TOLERANCE:
            reconciled.append(finding)
            continue
        reconciled.append(dataclasses.replace(
            finding, severity=Severity.WARNING,
            title=(f"{finding.evidence.get('run', finding.source)}: its {scores} "
                   f"fit {_PREDICTOR_WORDS[finding.id]} only if {inferred:.2%} of the pixels "
                   f"were foreground; the masks are {val_foreground_fraction:.2%}, so it "
                   "does not predict one class everywhere"),
            # the fingerprint's closing verdict is what the measured fraction refutes
            explanation=finding.explanation.replace(
                " The scores measure the masks, not the model.", "") + (
                f" {measured} {val_foreground_fraction:.4f}, not the {inferred:.4f} these "
                "metrics imply, so the model does not predict one class everywhere; on masks "
                "this one-sided a model with few errors fits the same formulas within the "
                "tolerance."),
            evidence={**finding.evidence,
                      "measured_val_foreground_fraction": val_foreground_fraction}))
    return reconciled
