"""A validation Dice or IoU whose best logged level is well above the last epoch's, with its
typed evidence (the sentences are in :mod:`.wording_best_epoch`): the weights a run ends with
are the last epoch's unless something keeps others, so a user keeping them keeps worse ones
(PatternFlow#224's val_dice_coef: 0.7984 at epoch 7, 0.7120 at epoch 50).

Not for a run whose log says EarlyStopping restored weights (the model it ends with is not
the last epoch's), nor for ``unetdiag train``, which reports its own best epoch: only
explain-log asks (:func:`~.checks.check_best_epoch`). The best and the last are of the epochs
the log shows (an excerpt may leave better or later ones out).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np

from unetdiag.diag.checks.saturation.evidence import NOT_REPORTED, MetricsClaim
from unetdiag.diag.checks.saturation.metrics import Series, is_validation, metric_kind
from unetdiag.diag.checks.saturation.series import epoch_swing
from unetdiag.diag.core.findings import Severity

#: A best level (held two epochs running) at least this far above the last value is named...
BEST_ABOVE_LAST = 0.05
#: ... when the best is also more than this many times the score's typical change between
#: consecutive epochs (the median over the last ten): a last epoch one ordinary swing below
#: the best is noise (a cardiac run's val_dice 0.8819, then 0.8313, swinging 0.05 an epoch).
BEST_ABOVE_SWINGS = 3
#: The fewest epochs with a value a series needs to have a best worth naming.
LEAST_EPOCHS = 5


@dataclass(frozen=True)
class BestEpochAboveLast(MetricsClaim):
    """Validation Dice/IoU scores in [0, 1] whose best level held two epochs running is
    :data:`BEST_ABOVE_LAST` or more above their last value (logged at the run's last epoch),
    and whose best is more than :data:`BEST_ABOVE_SWINGS` times their typical change between
    consecutive epochs above it.

    ``metrics``: name -> best, best_epoch, last, last_epoch (as the log counts them), below
    (best - last), held (the best level two epochs running reached), swing (the median change
    between consecutive epochs over the last ten), epochs (how many values were read).
    """

    severity: Severity = field(default=Severity.INFO, metadata=NOT_REPORTED)


def best_epoch_above_last(run: str, series: Series, open_epochs: Collection[int] = (),
                          restored_epoch: int | None = None) -> BestEpochAboveLast | None:
    """The claim, or None; none when ``restored_epoch`` is not None (EarlyStopping restored
    weights). An epoch read between two cuts (``open_epochs``: positions) has no number to
    name and is left out."""
    if restored_epoch is not None:
        return None
    fell: dict[str, dict] = {}
    for name, item in series.items():
        if not is_validation(name) or metric_kind(name) not in ("dice", "iou"):
            continue
        positions = np.array([at for at in np.flatnonzero(item.finite)
                              if 0.0 <= item.values[at] <= 1.0 and int(at) not in open_epochs],
                             dtype=int)
        if positions.size < LEAST_EPOCHS or positions[-1] != item.values.size - 1:
            continue
        values = item.values[positions]
        best_at = int(np.argmax(values))
        best, last = float(values[best_at]), float(values[-1])
        swing = epoch_swing(item, values, positions)
        # the level held two epochs running: a one-epoch spike is no best to keep (BraTS's
        # val_mean_io_u: 0.7042 at one epoch in 35 stuck at 0.3755)
        numbers = item.epochs_at(positions)
        held = max((min(float(values[i]), float(values[i + 1]))
                    for i in range(len(numbers) - 1) if numbers[i + 1] == numbers[i] + 1),
                   default=last)
        if held - last < BEST_ABOVE_LAST or best - last <= BEST_ABOVE_SWINGS * swing:
            continue
        fell[name] = {"best": best, "best_epoch": numbers[best_at], "last": last,
                      "last_epoch": numbers[-1], "below": best - last, "held": held,
                      "swing": swing, "epochs": int(positions.size)}
    return BestEpochAboveLast(run, fell) if fell else None
