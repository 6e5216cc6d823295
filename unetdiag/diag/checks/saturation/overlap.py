"""An IoU above the Dice logged beside it, with its typed evidence (the sentences are in
:mod:`.wording_scale`).

For the same pixels and predictions an IoU is at most its Dice (IoU = D / (2 - D) on one
image), whether both are pooled over the pixels or averaged over the same images (each
image's IoU is at most its Dice). An IoU above its Dice is therefore not the same overlap
measured the same way: Keras's ``BinaryIoU`` averages the background class's IoU in by
default (``target_class_ids=(0, 1)``), an IoU of thresholded predictions can exceed a soft
Dice of the probabilities, a smoothing constant can differ, and a pooled IoU can exceed a
Dice averaged over batches (where one with nothing to find can score 0). Binary runs only
(a multi-class mean averages over classes the log does not name).

An IoU pooled over the same pixels as its Dice equals ``D/(2-D)`` exactly; averaged over the
same images or batches (Keras shows an epoch's running mean over its batches) it lies
between ``D/(2-D)`` (Jensen: ``d/(2-d)`` is convex) and ``D`` (the chord from 0 to 1 lies
above a convex curve). An IoU below ``D/(2-D)`` by more than a margin is outside what such
averaging explains.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from unetdiag.diag.checks.saturation.evidence import NOT_REPORTED, MetricsClaim
from unetdiag.diag.checks.saturation.metrics import Series, phases
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds
from unetdiag.diag.core.findings import Severity


@dataclass(frozen=True)
class IouAboveDice(MetricsClaim):
    """IoU metrics above a Dice of the same phase at the last epoch where both are finite.

    ``metrics``: IoU name -> value, dice (the Dice's name), dice_value, epoch, and
    epochs_above / epochs (how many epochs logged both, and at how many the IoU was above).
    ``margin``: how far above counts.
    """

    margin: float = 0.02
    severity: Severity = field(default=Severity.WARNING, metadata=NOT_REPORTED)


def iou_above_dice(run: str, series: Series, thresholds: SaturationThresholds,
                   multiclass: bool = False) -> IouAboveDice | None:
    """The IoU of each phase of a binary run, when it is above the phase's Dice by more than
    ``thresholds.iou_above_dice`` at the last epoch where both are finite."""
    if multiclass:
        return None
    found: dict[str, dict] = {}
    for _, phase in phases(series):
        iou, dice = phase.get("iou"), phase.get("dice")
        if iou is None or dice is None:
            continue
        both = iou.finite & dice.finite
        if not both.any():
            continue
        above = both & (iou.values > dice.values + thresholds.iou_above_dice)
        last = int(np.flatnonzero(both)[-1])
        if above[last]:
            found[iou.name] = {"value": float(iou.values[last]), "dice": dice.name,
                               "dice_value": float(dice.values[last]),
                               "epoch": iou.epoch(last), "epochs_above": int(above.sum()),
                               "epochs": int(both.sum())}
    return IouAboveDice(run, found, thresholds.iou_above_dice) if found else None


@dataclass(frozen=True)
class IouBelowDiceRelation(MetricsClaim):
    """IoU metrics below the ``D/(2-D)`` of a Dice of the same phase, at the last epoch where
    both are finite and in [0, 1].

    ``metrics``: IoU name -> value, dice (the Dice's name), dice_value, expected (``D/(2-D)``),
    epoch, and epochs_below / epochs. ``margin``: how far below counts.
    """

    margin: float = 0.02
    severity: Severity = field(default=Severity.INFO, metadata=NOT_REPORTED)


def iou_below_dice_relation(run: str, series: Series, thresholds: SaturationThresholds,
                            multiclass: bool = False) -> IouBelowDiceRelation | None:
    """The IoU of each phase of a binary run, when it is below ``D/(2-D)`` of the phase's Dice
    by more than ``thresholds.iou_below_dice_relation`` at the last epoch where both are
    finite and in [0, 1] (outside it the scale checks speak)."""
    if multiclass:
        return None
    margin = thresholds.iou_below_dice_relation
    found: dict[str, dict] = {}
    for _, phase in phases(series):
        iou, dice = phase.get("iou"), phase.get("dice")
        if iou is None or dice is None:
            continue
        both = (iou.finite & dice.finite & (dice.values >= 0) & (dice.values <= 1)
                & (iou.values >= 0) & (iou.values <= 1))
        if not both.any():
            continue
        expected = np.where(both, dice.values, 0.0) / (2 - np.where(both, dice.values, 0.0))
        below = both & (iou.values < expected - margin)
        last = int(np.flatnonzero(both)[-1])
        if below[last]:
            found[iou.name] = {"value": float(iou.values[last]), "dice": dice.name,
                               "dice_value": float(dice.values[last]),
                               "expected": float(expected[last]), "epoch": iou.epoch(last),
                               "epochs_below": int(below.sum()), "epochs": int(both.sum())}
    return IouBelowDiceRelation(run, found, margin) if found else None
