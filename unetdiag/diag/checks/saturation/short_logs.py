"""What a log too short, or without validation, still shows: claims and their sentences.

- A Dice or IoU that prints 0.0000 at each of the one or two epochs logged (a third makes
  it :func:`~.degenerate.score_zero_throughout`'s): no true positive in the batches those
  figures average (a Dice or IoU is never negative, so a mean of 0 is a 0 in every batch).
  After a few epochs this is a common start; at epoch 10 or later, as the log numbers
  epochs, it is not, and the finding is a warning.
- A training accuracy that prints 1.0000 in a run that logs no validation accuracy: every
  training prediction right to four decimals, which a target of (almost) one class gives
  for free. With no validation figure, nothing tells it from a model that fits its training
  data exactly (a validation accuracy at 1 is :func:`~.degenerate.perfect_accuracy`'s).

Each function returns its claim or ``None``; the ``*_finding`` functions word them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from unetdiag.diag.checks.saturation import ids
from unetdiag.diag.checks.saturation.degenerate import PRINTS_AS_ZERO
from unetdiag.diag.checks.saturation.evidence import NOT_REPORTED, MetricsClaim
from unetdiag.diag.checks.saturation.metrics import (
    Series,
    is_validation,
    metric_kind,
    validation_first,
)
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds
from unetdiag.diag.checks.saturation.words import epoch_span, finding
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.wording.text import join_names, near_zero


@dataclass(frozen=True)
class ScoreZeroFewEpochs(MetricsClaim):
    """Dice/IoU metrics at 0.0000 at each of their (one or two) logged epochs.

    ``metrics``: name -> value (the largest), epochs (the numbers as the log counts them);
    ``late_from``: the epoch number from which a Dice at 0 is no longer a start;
    ``later_fit``: the run is a later fit() appended to one CSVLogger file, whose first
    epochs may continue a model an earlier fit trained (no start, then).
    """

    late_from: int = 10
    later_fit: bool = False
    severity: Severity = field(default=Severity.INFO, metadata=NOT_REPORTED)
    custom_loop: bool = field(default=False, metadata=NOT_REPORTED)


def score_zero_few_epochs(run: str, series: Series, thresholds: SaturationThresholds,
                          multiclass: bool = False, later_fit: bool = False
                          ) -> ScoreZeroFewEpochs | None:
    """Dice/IoU metrics of a binary run that print 0.0000 at every finite epoch, with fewer
    than :attr:`~.SaturationThresholds.min_flat_epochs` of them. (A class's IoU in a
    multi-class run is 0 whenever the class is absent: left alone.)"""
    if multiclass:
        return None
    zero: dict[str, dict] = {}
    for name, item in series.items():
        finite = np.flatnonzero(item.finite)
        values = item.values[finite]
        if (metric_kind(name) in ("dice", "iou") and 0 < values.size < thresholds.min_flat_epochs
                and float(np.abs(values).max()) < PRINTS_AS_ZERO):
            zero[name] = {"value": float(values.max()), "epochs": item.epochs_at(finite)}
    if not zero:
        return None
    late = max(max(data["epochs"]) for data in zero.values()) >= thresholds.min_low_dice_epoch
    return ScoreZeroFewEpochs(run, zero, thresholds.min_low_dice_epoch, later_fit,
                              Severity.WARNING if late else Severity.INFO)


def _epochs_words(epochs: list[int], later_fit: bool = False) -> str:
    logged = "of this fit" if later_fit else "logged"
    if len(epochs) == 1:
        return f"at epoch {epochs[0]}, the only epoch {logged}"
    return f"at epochs {epoch_span(epochs)}, the only epochs {logged}"


def score_zero_few_epochs_finding(claim: ScoreZeroFewEpochs) -> Finding:
    name = validation_first(claim.metrics)
    data = claim.metrics[name]
    others = [n for n in claim.metrics if n != name]
    phase = "validation" if is_validation(name) else "training"
    exact = all(d["value"] == 0 for d in claim.metrics.values())
    late = claim.severity is Severity.WARNING
    where = _epochs_words(data["epochs"], claim.later_fit)
    return finding(
        ids.SCORE_ZERO_FEW_EPOCHS, claim,
        title=f"{claim.run}: {name} is {near_zero(data['value'])} {where}",
        explanation=(
            f"{name} is {near_zero(data['value'])} {where}"
            + (f"; so does {join_names(others)}" if others else "")
            + (f". If this custom loop's {phase} figure is a mean over the {phase} batches "
               "(as Keras's fit() computes it)" if claim.custom_loop else
               f". Keras's {phase} figure is a mean over the {phase} batches"
               + (" (those seen so far, if the epoch did not finish)" if phase == "training"
                  else ""))
            + ", and a Dice or IoU is never negative, so "
            + ("every one of those batches scored 0: not one true positive pixel. " if exact
               else "every one of those batches scored almost 0 (not 0): few true positive "
               "pixels, or none if a smoothing term makes up the "
               "score. ")
            + (f"At epoch {max(data['epochs'])} as the log numbers it, this is no start: it "
               "is consistent with masks that hold no foreground as the model reads them, a "
               "model that predicts background everywhere, or a metric that casts or "
               "thresholds the predictions so that none counts as foreground. The log shows "
               "no earlier epoch, so it cannot tell since when." if late else
               "This fit() is a later one appended to the same CSVLogger file: if it "
               "started a new model, this is a common start (a model first predicts "
               "background everywhere when the foreground is small, and its Dice leaves 0 "
               "later); if it trained further a model an earlier fit left, it is no start, "
               "and the file does not say which." if claim.later_fit else
               "So early in a run this is a common start (a model first predicts background "
               "everywhere when the foreground is small, and its Dice leaves 0 later); with "
               "so few epochs logged, the log cannot tell such a start from a model that "
               "will never find the foreground.")),
        fix=("Check that the masks hold foreground where their images show it (`unetdiag "
             "audit-data` reports every mask's foreground fraction), that the model outputs "
             "foreground probabilities (sigmoid) and that the metric compares them as such."
             if late else
             "Train for more epochs and look at the Dice again; if it stays at 0, check the "
             "masks' foreground (`unetdiag audit-data`) and the model's output activation."))


@dataclass(frozen=True)
class PerfectTrainingAccuracy(MetricsClaim):
    """Training accuracies that print 1.0000 at their last epoch, in a run with no validation
    accuracy.

    ``metrics``: name -> value, epoch (its last finite one), epochs_at_one, others (the
    run's other training accuracies and their last values).
    """

    severity: Severity = field(default=Severity.INFO, metadata=NOT_REPORTED)


def perfect_training_accuracy(run: str, series: Series, thresholds: SaturationThresholds
                              ) -> PerfectTrainingAccuracy | None:
    """Training accuracies at 1 (to the printed decimals) at their last finite epoch, when
    the run logs no validation accuracy to weigh them against."""
    accuracies = {name: item for name, item in series.items()
                  if metric_kind(name) == "accuracy"}
    if any(is_validation(name) for name in accuracies):
        return None
    perfect: dict[str, dict] = {}
    for name, item in accuracies.items():
        last = item.last_finite()
        if last is None or not 1 - thresholds.perfect_score <= last[1] <= (
                1 + thresholds.range_slack):
            continue
        at_one = np.flatnonzero(item.finite & (item.values >= 1 - thresholds.perfect_score))
        perfect[name] = {"value": last[1], "epoch": item.epoch(last[0]),
                         "epochs_at_one": item.epochs_at(at_one)}
    if not perfect:
        return None
    for data in perfect.values():
        data["others"] = {name: item.last_finite()[1] for name, item in accuracies.items()
                          if name not in perfect and item.last_finite() is not None}
    return PerfectTrainingAccuracy(run, perfect)


def perfect_training_accuracy_finding(claim: PerfectTrainingAccuracy) -> Finding:
    name = next(iter(claim.metrics))
    data = claim.metrics[name]
    also = [n for n in claim.metrics if n != name]
    others = data["others"]
    return finding(
        ids.PERFECT_TRAINING_ACCURACY, claim,
        title=(f"{claim.run}: training accuracy {name} is 1.0000 at epoch {data['epoch']}, "
               "with no validation accuracy logged"),
        explanation=(
            f"{name} prints 1.0000 at epoch {data['epoch']}"
            + (f" (and at epochs {epoch_span(data['epochs_at_one'])})"
               if len(data["epochs_at_one"]) > 1 else "")
            + (f"; so does {join_names(also)}" if also else "")
            + ": every training prediction right to four decimals (every pixel, or every "
            "sample), averaged over the epoch's batches"
            + (f", while {join_names([f'{n} is {v:.4f}' for n, v in others.items()])}"
               if others else "")
            + ". The run logs no validation accuracy to weigh it against. It is consistent "
            "with training labels of (almost) one class on that output, which a model "
            "scores perfectly by predicting that class everywhere, with a task the training "
            "data make trivial, or with a model that fits its training data exactly; the log "
            "cannot tell these apart."),
        fix=("Check the labels' class balance (labels of one class give an accuracy of 1 for "
             "nothing) and hold out validation data (validation_split or validation_data) so "
             "the log shows how the model does on data it did not train on."))


def short_log_sentences(findings: Sequence[Finding]) -> str:
    """What an explain-log headline that found nothing else adds of these claims' info
    findings: one sentence each (a warning is said by the headline's own rules)."""
    sentences = []
    for item in findings:
        if item.severity is not Severity.INFO:
            continue
        if item.id == ids.SCORE_ZERO_FEW_EPOCHS:
            name = validation_first(item.evidence["metrics"])
            data = item.evidence["metrics"][name]
            later = item.evidence.get("later_fit", False)
            sentences.append((f" In {item.evidence['run']}, a later fit() appended to the "
                              "file," if later else "")
                             + f" {name} is {near_zero(data['value'])} "
                             f"{_epochs_words(data['epochs'], later)}: "
                             + ("no true positive yet" if data["value"] == 0 else
                                "almost no true positive yet")
                             + (", a start only if that fit began a new model" if later
                                else ", a common start this early that the log is too short "
                                "to judge") + ".")
        elif item.id == ids.PERFECT_TRAINING_ACCURACY:
            name, data = next(iter(item.evidence["metrics"].items()))
            sentences.append(f" {name} is 1.0000 at epoch {data['epoch']} with no validation "
                             "accuracy logged: consistent with training labels of (almost) "
                             "one class, a trivial task or an exact fit.")
    return "".join(sentences)
