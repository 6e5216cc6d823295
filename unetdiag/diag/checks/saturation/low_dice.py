"""A Dice that stays below 0.5 in training and in validation for a whole run, with its
typed evidence (the sentences are in :mod:`.wording_fit`).

A Dice of 0.5 means the predicted and the true foreground share half their combined size
(``2 |P & T| / (|P| + |T|)``). A run whose Dice never reaches it, on the training batches
as on the validation set, scores low even on the batches it learns from (as measured in
training mode): overfitting alone does not explain it. The log alone cannot say why, so
the finding is info and names the readings
(too few epochs, a learning rate or a loss that keeps the model from the foreground, masks
that do not line up with their images, a Dice averaged so that it stays low, structures
small enough that 0.5 is hard to reach). It needs every logged Dice value of both phases in
[0, 0.5): a value outside [0, 1] is a label-scale finding's, and a Dice that prints 0.0000
throughout is :func:`~.degenerate.score_zero_throughout`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from unetdiag.diag.checks.saturation.degenerate import PRINTS_AS_ZERO
from unetdiag.diag.checks.saturation.evidence import NOT_REPORTED, MetricsClaim
from unetdiag.diag.checks.saturation.metrics import MetricSeries, Series, phases
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds
from unetdiag.diag.core.findings import Severity


@dataclass(frozen=True)
class DiceBelowHalf(MetricsClaim):
    """The Dice of each phase, below ``ceiling`` at every logged epoch.

    ``metrics``: Dice name -> best, best_epoch, last, last_epoch, epochs (finite values
    logged), first_epoch; ``ceiling``: the value never reached; ``last_epoch``: the run's
    last epoch as the log numbers it; ``custom_loop``: the numbers are a custom training
    loop's prints, measured as the loop chose, not as Keras's fit() does.
    """

    ceiling: float = 0.5
    last_epoch: int = 0
    severity: Severity = field(default=Severity.INFO, metadata=NOT_REPORTED)
    custom_loop: bool = field(default=False, metadata=NOT_REPORTED)


def _low(item: MetricSeries, ceiling: float, min_epochs: int) -> dict | None:
    """The numbers of a Dice series whose every finite value lies in [0, ceiling), with at
    least ``min_epochs`` of them and one that does not print as 0."""
    finite = np.flatnonzero(item.finite)
    values = item.values[finite]
    if (values.size < min_epochs or float(values.min()) < 0 or float(values.max()) >= ceiling
            or float(values.max()) < PRINTS_AS_ZERO):
        return None
    best = int(np.argmax(values))
    return {"best": float(values[best]), "best_epoch": item.epoch(int(finite[best])),
            "last": float(values[-1]), "last_epoch": item.epoch(int(finite[-1])),
            "first_epoch": item.epoch(int(finite[0])), "epochs": int(values.size)}


def dice_below_half(run: str, series: Series, thresholds: SaturationThresholds
                    ) -> DiceBelowHalf | None:
    """The training Dice and the validation Dice of a run, when both stay below
    ``thresholds.low_dice`` at every epoch logged (at least ``thresholds.min_flat_epochs``
    each) and the run reached epoch ``thresholds.min_low_dice_epoch`` as the log numbers
    epochs (early epochs are low in every run)."""
    found: dict[str, dict] = {}
    last_epoch = 0
    for _, phase in phases(series):
        dice = phase.get("dice")
        if dice is None:
            return None
        numbers = _low(dice, thresholds.low_dice, thresholds.min_flat_epochs)
        if numbers is None:
            return None
        found[dice.name] = numbers
        last_epoch = max(last_epoch, numbers["last_epoch"])
    if last_epoch < thresholds.min_low_dice_epoch:
        return None
    return DiceBelowHalf(run, found, thresholds.low_dice, last_epoch)
