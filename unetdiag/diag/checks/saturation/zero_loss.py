"""A training loss of exactly 0 beside a training R² far below 1: a loss that no
predictions the R² was computed on give, with its typed evidence and its sentences.

A loss of 0 under any loss that is 0 only for a perfect prediction (MSE, MAE, Huber,
cross-entropy, 1 - Dice) means every training prediction of the epoch matched its target,
and such predictions score an R² of exactly 1 (or NaN on constant targets): an R² of -86
at the same epoch says they did not. The printed loss is then not the error of the
predictions scored (tf-levenberg-marquardt#18: a custom ``train_step`` printing
``loss: 0.0000e+00`` from epoch 2 while ``r_square`` rose from -130.6 to -86.2).

Two preconditions keep it true:

- the 0 must be exact. Keras before 2.3 printed every value with four decimals, so a loss
  of 4e-5 printed ``0.0000``, and a regression on small targets (LM#18's losses are 2e-6)
  can have that loss and a negative R². The claim needs the log to show some metric with
  more precision than four decimals (``2.8319e-06``: Keras 2.3+ prints values below 1e-3 in
  e-notation, where 0 prints ``0.0000e+00``; a CSV or JSON history keeps every digit);
- the loss must never be negative (a loss such as ``-dice`` is 0 when the Dice is 0).

Accuracies and Dice are left out: soft targets score an accuracy below 1 beside an MSE of
0, and empty masks predicted empty a Dice of 0 with no smoothing term.

>>> history = {"loss": [2.8319e-06, 0.0, 0.0], "r_square": [-130.58, -106.55, -86.24]}
>>> claim = training_loss_not_measured("run 1", history)
>>> claim.epochs, claim.metrics["r_square"]["value"], without_zero_loss(history, claim)["loss"]
([2, 3], -86.24, [2.8319e-06, None, None])
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from unetdiag.diag.checks.saturation import ids
from unetdiag.diag.checks.saturation.evidence import NOT_REPORTED, MetricsClaim
from unetdiag.diag.checks.saturation.metrics import EPOCH_KEY, NON_METRIC_KEYS, is_validation
from unetdiag.diag.checks.saturation.words import epoch_span, finding
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.wording.text import join_names

#: A coefficient of determination by its usual metric names (``r_square``, ``r2``,
#: ``r2_score``, ``R_squared``, ``coeff_determination``).
_R2_RE = re.compile(r"(?:^|_)r_?(?:2|sq(?:uare)?d?)(?:_score)?$|coef+_?determination",
                    re.IGNORECASE)
#: An R² at or above this is near the 1 a loss of 0 implies: no contradiction claimed.
_R2_CEILING = 0.5


def finer_than_four_decimals(history: Mapping[str, Sequence[float | None]]) -> bool:
    """Some metric's value has digits beyond the fourth decimal: the log's printer does not
    round every value to four decimals, so a loss it shows as 0 is 0."""
    for name, values in history.items():
        if name in NON_METRIC_KEYS or isinstance(values, (str, bytes)):
            continue
        for value in values:
            if value is None or not math.isfinite(value) or value == 0:
                continue
            scaled = abs(value) * 1e4
            if abs(scaled - round(scaled)) > 1e-6 * max(1.0, scaled):
                return True
    return False


@dataclass(frozen=True)
class TrainingLossNotMeasured(MetricsClaim):
    """Epochs at which the training loss is exactly 0 while a training R² is far below 1.

    ``metrics``: R² name -> its value at the last of those epochs (``value``) and its
    epochs; ``epochs``: those epochs (as the log numbers them); ``positive_loss_epochs``:
    epochs at which the same loss is positive."""

    epochs: list[int]
    positive_loss_epochs: list[int]
    severity: Severity = field(default=Severity.WARNING, metadata=NOT_REPORTED)


def training_loss_not_measured(run: str, history: Mapping[str, Sequence[float | None]]
                               ) -> TrainingLossNotMeasured | None:
    """The epochs whose training loss is exactly 0 beside a training R² below 0.5, or None."""
    losses = list(history.get("loss") or ())
    finite = [v for v in losses if v is not None and math.isfinite(v)]
    if not finite or min(finite) < 0 or not finer_than_four_decimals(history):
        return None
    scores = [name for name in history if name not in NON_METRIC_KEYS
              and not is_validation(name) and _R2_RE.search(name)]
    numbers = history.get(EPOCH_KEY) or [float(i + 1) for i in range(len(losses))]
    epochs: list[int] = []
    found: dict[str, dict] = {}
    for index, loss in enumerate(losses):
        if loss != 0.0:
            continue
        for name in scores:
            values = history[name]
            value = values[index] if index < len(values) else None
            if value is not None and math.isfinite(value) and value < _R2_CEILING:
                found.setdefault(name, {"epochs": []})
                found[name]["epochs"].append(int(numbers[index]))
                found[name]["value"] = float(value)
                if int(numbers[index]) not in epochs:
                    epochs.append(int(numbers[index]))
    if not epochs:
        return None
    positive = [int(numbers[i]) for i, v in enumerate(losses) if v is not None and v > 0]
    return TrainingLossNotMeasured(run, found, epochs, positive)


def without_zero_loss(history: Mapping[str, Sequence[float | None]],
                      claim: TrainingLossNotMeasured | None) -> dict[str, list[float | None]]:
    """The history with the training loss's 0s that ``claim`` found replaced by None (not
    logged), so that no other check reads them as measurements."""
    result = {name: list(values) for name, values in history.items()}
    if claim is None:
        return result
    numbers = history.get(EPOCH_KEY) or [float(i + 1) for i in range(len(result["loss"]))]
    for index, number in enumerate(numbers):
        if int(number) in claim.epochs and index < len(result["loss"]):
            result["loss"][index] = None
    return result


def training_loss_not_measured_finding(claim: TrainingLossNotMeasured) -> Finding:
    several = len(claim.epochs) > 1
    span = epoch_span(claim.epochs)
    scores = join_names([f"{name} {data['value']:.4g}" for name, data in claim.metrics.items()])
    stated = join_names([f"{name} is {data['value']:.4g}" for name, data in claim.metrics.items()])
    positive = (f" (it is positive at epoch{'s' if len(claim.positive_loss_epochs) > 1 else ''}"
                f" {epoch_span(claim.positive_loss_epochs)})" if claim.positive_loss_epochs
                else "")
    return finding(
        ids.TRAINING_LOSS_NOT_MEASURED, claim,
        title=(f"{claim.run}: the training loss is exactly 0 at epoch{'s' if several else ''} "
               f"{span} beside {scores}: if the loss is 0 only for exact predictions (MSE, "
               "MAE, cross-entropy, 1 - Dice; not a hinge, margin or masked loss), a loss of "
               "0 would make R² 1"),
        explanation=(
            f"The training loss is exactly 0 at epoch{'s' if several else ''} {span}{positive}, "
            f"while the training {stated} at the last of them. A loss that is 0 only for a "
            "perfect prediction (MSE, MAE, Huber, cross-entropy, 1 - Dice) is 0 over an epoch "
            "only if every training prediction matched its target, and such predictions score "
            "an R² of 1 (none, on constant targets): the printed loss is not the error of "
            "the predictions the R² was computed on. Consistent with a custom train_step that "
            "returns or tracks another "
            "value than the loss it minimises (tf-levenberg-marquardt#18), a loss weighted 0, "
            "or a loss that is not such an error. These zeros are left out of the other "
            "checks (no gap or plateau is read from them)."),
        fix=("Compare with model.evaluate on the training data (it computes the compiled "
             "loss itself); if the model has a custom train_step, check that it updates the "
             "loss tracker (or returns the loss) with the loss it minimises."))
