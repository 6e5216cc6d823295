"""Metric-series findings of ``unetdiag train`` whose cause the run itself measured.

The series checks (:mod:`unetdiag.diag.checks.saturation`) read a history alone, as they
would read any Keras log, so they list the causes that fit the numbers. The trainer knows
more: the masks' foreground fraction as decoded, the model's predicted foreground fraction
per epoch (``val_predicted_positive_fraction`` in the history) and the empty rule of its own
hard Dice and IoU. Where these admit one cause, the finding is rewritten to say that cause
and marked :data:`MEASURED_CAUSE` in its evidence; the train headline says its title
(:mod:`unetdiag.training.train_report`).

* ``saturation.non_finite`` on ``val_dice``/``val_iou`` alone, the losses finite, every
  validation mask empty and nothing predicted on them, under ``--empty-rule exclude``: no
  image has a Dice, and the mean of none is NaN. No loss or weight broke.
* ``saturation.score_zero_throughout`` and ``saturation.score_zero_few_epochs`` (a run of
  one or two epochs) on the validation Dice or IoU when the validation masks hold no
  foreground (no prediction can have a true positive: no "common start"), or the model
  predicted none at every epoch.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from unetdiag.diag.checks.saturation.ids import (
    NON_FINITE,
    SCORE_ZERO_FEW_EPOCHS,
    SCORE_ZERO_THROUGHOUT,
)
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.wording.text import join_names, verb
from unetdiag.training.run.summary import VariantResult

__all__ = ["MEASURED_CAUSE", "measured_causes"]

#: Evidence key of a finding whose cause the run measured (its title says it).
MEASURED_CAUSE = "measured_cause"
#: The trainer's own hard overlap metrics on the validation split (their empty rule applies).
OWN_VALIDATION_SCORES = ("val_dice", "val_iou")
PREDICTED = "val_predicted_positive_fraction"


def measured_causes(findings: Sequence[Finding], results: dict[str, VariantResult],
                    meta: dict[str, Any]) -> list[Finding]:
    """``findings`` with those whose cause the run measured rewritten (module docstring)."""
    fraction = meta.get("val_foreground_fraction")
    if fraction is None or not math.isfinite(fraction):
        return list(findings)
    out = []
    for finding in findings:
        name = finding.source.removeprefix("train:")
        history = results[name].history if name in results else None
        if history and finding.id == NON_FINITE:
            finding = _undefined_mean(finding, history, fraction,
                                      meta.get("metric_empty_rule")) or finding
        elif history and finding.id in (SCORE_ZERO_THROUGHOUT, SCORE_ZERO_FEW_EPOCHS):
            finding = _zero_throughout(finding, history, fraction) or finding
        out.append(finding)
    return out


def _at(history: dict[str, list[float]], metric: str, epoch: int) -> float | None:
    values = history.get(metric, [])
    return values[epoch - 1] if 0 < epoch <= len(values) else None


def _undefined_mean(finding: Finding, history: dict[str, list[float]], fraction: float,
                    empty_rule: str | None) -> Finding | None:
    first = finding.evidence.get("first_non_finite_epoch", {})
    if empty_rule != "exclude" or fraction != 0.0 or not first or not set(first) <= set(
            OWN_VALIDATION_SCORES):
        return None
    nan_epochs = sorted({epoch for metric in first for epoch, value in
                         enumerate(history.get(metric, []), start=1) if not math.isfinite(value)})
    for epoch in nan_epochs:
        losses = [_at(history, metric, epoch) for metric in ("loss", "val_loss")]
        predicted = _at(history, PREDICTED, epoch)
        # a NaN prediction thresholds as background too, but it makes val_loss NaN
        if any(value is None or not math.isfinite(value) for value in losses) or (
                predicted is not None and predicted != 0.0):
            return None
    metrics = join_names(sorted(first))
    epochs = join_names([str(epoch) for epoch in nan_epochs])
    epoch_word = verb(len(nan_epochs), "epoch", "epochs")
    said = ("predicted no foreground on them (val_predicted_positive_fraction 0 at "
            f"{epoch_word} {epochs})" if PREDICTED in history
            else "no image was counted")
    run = finding.evidence.get("run", finding.source)
    return dataclasses.replace(
        finding, severity=Severity.WARNING,
        title=(f"{run}: {metrics} {verb(len(first), 'is', 'are')} NaN at {epoch_word} "
               f"{epochs} because every validation mask is empty and the model predicted "
               "no foreground on them: under --empty-rule exclude no image has a Dice"),
        explanation=(
            "unetdiag's hard Dice and IoU score each validation image; under --empty-rule "
            "exclude (the default) an image whose mask and prediction are both empty (0/0) is "
            "left out, and the epoch's value is the mean over the images left: with none "
            "left it is NaN, as in val_scores.csv. The trainer measured the validation masks' "
            f"foreground fraction: {fraction:.4f} (every mask empty), and the model {said}; "
            "loss and val_loss stayed finite, so no loss, metric or weight broke."),
        fix=("Fix the masks first: every validation mask is empty as decoded (see the data "
             "findings; `unetdiag audit-data` says what the masks hold). To score empty "
             "images with a number instead, pass --empty-rule one (an empty mask predicted "
             "empty scores 1) or --empty-rule zero."),
        evidence={**finding.evidence, MEASURED_CAUSE: "every_image_excluded",
                  "empty_rule": empty_rule, "measured_val_foreground_fraction": fraction})


def _range(values: Sequence[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:.1%}" if f"{low:.1%}" == f"{high:.1%}" else f"{low:.1%} to {high:.1%}"


def _zero_throughout(finding: Finding, history: dict[str, list[float]],
                     fraction: float) -> Finding | None:
    metrics = sorted(metric for metric in finding.evidence.get("metrics", {})
                     if metric.startswith("val_") and ("dice" in metric or "iou" in metric))
    predicted = [value for value in history.get(PREDICTED, []) if math.isfinite(value)]
    if not metrics:
        return None
    run = finding.evidence.get("run", finding.source)
    epochs = max(len(history.get(metric, [])) for metric in metrics)
    named = f"{join_names(metrics)} {verb(len(metrics), 'is', 'are')} 0.0000 " + (
        "at the run's only epoch" if epochs == 1 else f"at every one of the {epochs} epochs")
    if fraction == 0.0:
        model = ("" if not predicted else
                 f"; the model predicts {_range(predicted)} of the validation pixels "
                 "foreground, all false positives" if max(predicted) > 0 else
                 "; the model predicts no foreground on them either")
        title = (f"{run}: {named} because every validation mask is empty as decoded "
                 f"(measured foreground 0.0000){model}")
        explanation = (
            "The trainer measured the validation masks' foreground fraction: 0.0000. With no "
            "foreground pixel in any mask as the policy in force decodes them, no prediction "
            "has a true positive, so every Dice and IoU is 0 (or left out when the prediction "
            "is empty too) whatever the model does.")
        fix = ("Fix the masks' decoding first (see the data findings: `unetdiag audit-data` "
               "names what the masks hold and proposes a policy), then train again.")
        cause = "validation_masks_empty"
    elif predicted and max(predicted) == 0.0 and len(predicted) >= epochs:
        title = (f"{run}: {named} because the model predicts no foreground on the validation "
                 f"images at any epoch (val_predicted_positive_fraction 0), on masks measured "
                 f"at {fraction:.2%} foreground")
        explanation = (
            "The history records the share of validation pixels the model predicts "
            "foreground: 0 at every epoch. The validation masks hold foreground (the trainer "
            f"measured {fraction:.4f}), so the Dice is 0 because the model predicts nothing.")
        fix = finding.fix
        cause = "predicts_no_foreground"
    else:
        return None
    return dataclasses.replace(
        finding, title=title, explanation=explanation, fix=fix,
        evidence={**finding.evidence, MEASURED_CAUSE: cause,
                  "measured_val_foreground_fraction": fraction,
                  "val_predicted_positive_fraction": predicted})
