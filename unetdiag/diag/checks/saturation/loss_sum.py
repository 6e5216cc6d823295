"""A total loss against the parts it sums, with the typed evidence (the sentences are in
:mod:`.wording_sums`).

Keras logs a multi-output model's total ``loss`` beside each output's ``<output>_loss``; Mask
R-CNN logs its ``loss`` beside the five losses it adds. The total is the loss-weighted sum of
the parts plus any regularisation, the same weights in both phases. Two things the printed
numbers can pin, to within what Keras's four decimals allow (each printed value is within
``thresholds.printed_half_unit`` of the one computed, so a sum of n parts and its total
within ``(n + 1)`` times that):

* :func:`total_below_parts`: a validation total below the training total (and below the
  largest of its own parts) at an epoch where every validation part is at least its training
  part. With non-negative loss weights, the same in both phases, ``val_loss - loss`` is
  ``sum w_i (val_part_i - part_i)`` plus the change of the regulariser, so without the
  weights the validation total cannot be below the training one unless the regulariser fell
  by at least the difference within the epoch: the logged ``val_loss`` is consistent with a
  number that is not the validation set's total. Keras 2.2.5 to 2.3 logged such a
  ``val_loss`` for multi-output models fed by generators (keras#13601: val_loss 1.80 beside
  output losses of 9,994-20,445, above training's 43-111; keras#13389: 8.7e-7 beside 0.39
  and 0.29). Inferring weights of 1 from a training total at least its parts' sum does
  not work: a regulariser breaks it (weights [1, 0.5] and an L2 term of 0.15 give a
  true validation total below one of its parts).
* :func:`total_multiple_of_parts`: a total equal to the sum of its parts at one epoch and
  to exactly k >= 2 times it at a later one (Mask_RCNN#1775: 0.9896 = the sum at epoch 1,
  0.5371 = 2 x 0.2686 at epoch 2): every part was counted k times from then on (losses
  added again when the model was compiled again), so those totals are not comparable with
  the earlier ones.

Both need at least two parts: a single ``dice_loss`` logged beside a ``loss`` is as often a
metric as a part of the loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from unetdiag.diag.checks.saturation.algebra import Assumption
from unetdiag.diag.checks.saturation.evidence import NOT_REPORTED, MetricsClaim
from unetdiag.diag.checks.saturation.metrics import (
    VALIDATION_PREFIX,
    MetricSeries,
    Series,
    is_validation,
    metric_kind,
)
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds
from unetdiag.diag.core.findings import Severity

#: The name of the total each phase minimises.
TOTAL = "loss"
#: The largest multiple of the parts' sum a total is tested against.
MAX_MULTIPLE = 4


@dataclass(frozen=True)
class TotalBelowParts(MetricsClaim):
    """Validation totals below the training total and their own largest part while every
    validation part is at least its training part.

    ``metrics``: validation total -> value, largest_part, largest_value, parts_sum, parts,
    training_total, training_parts_sum, training_extra (training total minus its parts'
    sum), epoch (the last such epoch), epochs (every such epoch), tolerance.
    """

    severity: Severity = field(default=Severity.WARNING, metadata=NOT_REPORTED)
    assumptions: ClassVar[tuple[Assumption, ...]] = (Assumption.SAME_LOSS_WEIGHTS,)


@dataclass(frozen=True)
class TotalMultipleOfParts(MetricsClaim):
    """Totals equal to the sum of their parts at some epochs and to an exact multiple k >= 2
    of it at later ones.

    ``metrics``: total -> multiple, equal_epochs, multiple_epochs, value and parts_sum (at
    the first multiple epoch), parts, tolerance; stages (each multiple k >= 2 seen after the
    first equal epoch -> its epochs, in order), only when more than one multiple was seen or
    some complete epoch after the first multiple one lacks it ("from epoch N on" is false).
    """

    severity: Severity = field(default=Severity.WARNING, metadata=NOT_REPORTED)


def _parts(series: Series, validation: bool) -> list[MetricSeries]:
    """The phase's ``*_loss`` series other than its total."""
    prefix = VALIDATION_PREFIX if validation else ""
    return [item for name, item in series.items()
            if is_validation(name) == validation and metric_kind(name) == "loss"
            and name != prefix + TOTAL and name.endswith("_loss")]


def _complete(total: MetricSeries, parts: list[MetricSeries]) -> np.ndarray:
    """Positions where the total and every part are finite."""
    length = min(item.values.size for item in [total, *parts])
    mask = total.finite[:length].copy()
    for item in parts:
        mask &= item.finite[:length]
    return np.flatnonzero(mask)


def _tolerance(parts: int, multiple: int, thresholds: SaturationThresholds) -> float:
    """How far a printed total may be from ``multiple`` times the printed parts' sum."""
    return thresholds.printed_half_unit * (multiple * parts + 1)


def total_below_parts(run: str, series: Series, thresholds: SaturationThresholds
                      ) -> TotalBelowParts | None:
    """``val_loss`` below ``loss`` and below its largest ``val_*_loss`` at epochs where every
    ``val_*_loss`` is at least its ``*_loss`` (at least two parts, each with its validation
    partner). No loss weights are needed: with non-negative weights alike in both phases,
    validation parts at least the training ones make a validation total at least the
    training one, the regulariser aside (named in the finding)."""
    total, val_total = series.get(TOTAL), series.get(VALIDATION_PREFIX + TOTAL)
    parts = _parts(series, validation=False)
    val_parts = [series.get(VALIDATION_PREFIX + item.name) for item in parts]
    if (total is None or val_total is None or len(parts) < 2
            or any(item is None for item in val_parts)):
        return None
    tolerance = _tolerance(len(parts), 1, thresholds)
    printed = 2 * thresholds.printed_half_unit  # two printed values compared
    found: list[dict] = []
    both = np.intersect1d(_complete(total, parts), _complete(val_total, val_parts))
    for at in both:
        train_sum = float(sum(item.values[at] for item in parts))
        val_values = {item.name: float(item.values[at]) for item in val_parts}
        largest = max(val_values, key=val_values.__getitem__)
        value, train_total = float(val_total.values[at]), float(total.values[at])
        parts_above = all(val_item.values[at] >= item.values[at] - printed
                          for item, val_item in zip(parts, val_parts, strict=True))
        if (parts_above and value < train_total - printed
                and value < val_values[largest] - printed):
            found.append({"value": value, "largest_part": largest,
                          "largest_value": val_values[largest],
                          "parts_sum": float(sum(val_values.values())),
                          "parts": list(val_values), "training_total": train_total,
                          "training_parts_sum": train_sum,
                          "training_extra": train_total - train_sum,
                          "epoch": val_total.epoch(int(at))})
    if not found:
        return None
    last = found[-1]
    last.update(epochs=[data["epoch"] for data in found], tolerance=tolerance)
    return TotalBelowParts(run, {val_total.name: last})


def total_multiple_of_parts(run: str, series: Series, thresholds: SaturationThresholds
                            ) -> TotalMultipleOfParts | None:
    """Each phase's total, when it equals its parts' sum at some epochs and exactly k >= 2
    times the sum at later ones (every value to within the printed precision, and the sum
    large enough that k and k + 1 cannot both fit)."""
    found: dict[str, dict] = {}
    for validation in (False, True):
        prefix = VALIDATION_PREFIX if validation else ""
        total, parts = series.get(prefix + TOTAL), _parts(series, validation)
        if total is None or len(parts) < 2:
            continue
        multiples: dict[int, list[int]] = {}
        sums: dict[int, float] = {}
        for at in _complete(total, parts):
            parts_sum = float(sum(item.values[at] for item in parts))
            value = float(total.values[at])
            for multiple in range(1, MAX_MULTIPLE + 1):
                tolerance = _tolerance(len(parts), multiple, thresholds)
                if parts_sum > 2 * tolerance and abs(value - multiple * parts_sum) <= tolerance:
                    multiples.setdefault(multiple, []).append(int(at))
                    sums[int(at)] = parts_sum
                    break
        equal = multiples.get(1, [])
        later = [(multiple, at) for multiple, positions in multiples.items() if multiple > 1
                 for at in positions if equal and at > equal[0]]
        if not later:
            continue
        multiple, first = min(later, key=lambda pair: pair[1])
        stages = {k: total.epochs_at([at for at in multiples[k] if at > equal[0]])
                  for k in sorted({k for k, _ in later},
                                  key=lambda k: min(at for m, at in later if m == k))}
        complete_after = [int(at) for at in _complete(total, parts) if at >= first]
        from_then_on = all(at in multiples[multiple] for at in complete_after)
        found[total.name] = {
            **({} if len(stages) == 1 and from_then_on else {"stages": stages}),
            "multiple": multiple, "equal_epochs": total.epochs_at(equal),
            "multiple_epochs": total.epochs_at(multiples[multiple]),
            "value": float(total.values[first]), "parts_sum": sums[first],
            "parts": [item.name for item in parts],
            "tolerance": _tolerance(len(parts), multiple, thresholds)}
    return TotalMultipleOfParts(run, found) if found else None
