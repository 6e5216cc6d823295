"""A validation score still rising when the run's log ends, judged only over epochs the log
shows one after another: across a cut (a README's first epochs, ``...``, then its last line)
the epochs between are unseen, and the curve may have flattened or turned there.

A rise no larger than the curve's own swing between epochs is told apart
(:class:`RiseWithinSwing`, info): the last epoch reaches the best so far, but the numbers are
consistent with noise as well as with further gains, so they ask for no longer run."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np

from unetdiag.diag.checks.saturation.evidence import NOT_REPORTED, MetricsClaim, StillImproving
from unetdiag.diag.checks.saturation.metrics import MetricSeries, Series, is_validation, metric_kind
from unetdiag.diag.checks.saturation.series import epoch_swing
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds
from unetdiag.diag.core.findings import Severity


@dataclass(frozen=True)
class RiseWithinSwing(MetricsClaim):
    """Validation Dice/IoU scores best at the run's last epoch and up ``rising_gain`` or more
    over the last ``rising_epochs``, by no more than the curve's own swing: a gain no larger
    than its median change between consecutive epochs (over the last ten), or a last value no
    further above the other values of those epochs than the largest fall among them.

    ``metrics``: name -> the keys of :class:`~.evidence.StillImproving`.
    """

    severity: Severity = field(default=Severity.INFO, metadata=NOT_REPORTED)


def still_improving(run: str, series: Series, thresholds: SaturationThresholds,
                    open_epochs: Collection[int] = ()) -> StillImproving | None:
    """Validation Dice/IoU scores whose best value is their last one and which gained at least
    ``thresholds.rising_gain`` over their last ``thresholds.rising_epochs`` epochs, more than
    the series' typical change from one epoch to the next (IRCAD fold 1: +0.045 at the last
    epoch of a series that swings 0.39-0.83 is noise), with the last value further above the
    other values of those epochs than the largest fall between consecutive ones among them (a
    new user's val_dice 0.8789, 0.8475, 0.8797, 0.8981 ends 0.0184 above 0.8797 across a
    0.0314 fall; 0.8568, 0.8871, 0.8623, 0.8887 ends 0.0016 above 0.8871 across a 0.0248
    fall): the run stopped before the curve flattened.

    Only where those epochs are consecutive as the log numbers them, each with a value, and
    none is a line whose number the log leaves open (``open_epochs``: positions read between
    two cuts): a rise measured across epochs the log does not show says nothing of where the
    curve was heading when it ends.

    And only where the last value is also ``rising_gain`` above the best level held before
    those epochs (the best of two epochs running): a score that dipped and came back to the
    level it held earlier did not rise; one that climbs past a single epoch's spike did.

    And only where its last value is the run's last epoch's: a score NaN there (the run
    diverged) or not logged there rose up to an epoch before the last, not "at the last";
    and above the epoch's before: a best value tied with the one before it (0.59, 0.59) did
    not rise at the last epoch, and the words say "still rising" there."""
    rising = {name: data for name, data in _rises(series, thresholds, open_epochs).items()
              if _stands_out(data)}
    return StillImproving(run, rising) if rising else None


def rise_within_swing(run: str, series: Series, thresholds: SaturationThresholds,
                      open_epochs: Collection[int] = ()) -> RiseWithinSwing | None:
    """The rises :func:`still_improving` measures and leaves out because they stand no
    higher than the curve's swing (:class:`RiseWithinSwing`), or None."""
    within = {name: data for name, data in _rises(series, thresholds, open_epochs).items()
              if not _stands_out(data)}
    return RiseWithinSwing(run, within) if within else None


def _stands_out(data: dict) -> bool:
    """Whether a rise stands out of the curve's swing: larger than its median change between
    epochs, and the last value further above the window's earlier values than the window's
    largest fall."""
    return data["gain"] > data["swing"] and data["above"] > data["fall"]


def _rises(series: Series, thresholds: SaturationThresholds, open_epochs: Collection[int]
           ) -> dict[str, dict]:
    """Every validation Dice/IoU best at the run's last epoch and up over its last epochs
    (the conditions of :func:`still_improving` but the swing), with its swing measures."""
    rising: dict[str, dict] = {}
    last_position = max((item.values.size for item in series.values()), default=0) - 1
    for name, item in series.items():
        if not is_validation(name) or metric_kind(name) not in ("dice", "iou"):
            continue
        finite = np.flatnonzero(item.finite)
        if finite.size <= thresholds.rising_epochs or finite[-1] != last_position:
            continue
        window = finite[-1 - thresholds.rising_epochs:]
        if not _consecutive(item, window, open_epochs):
            continue
        values = item.values[finite]
        last, earlier = float(values[-1]), float(values[-1 - thresholds.rising_epochs])
        # the best level held (two epochs running) before the window: a rebound from a dip
        # to the level the curve held before it is no rise (DRIVE vessels: 0.6102 and 0.6086
        # at epochs 4-5, 0.5903 at 8, 0.6115 at 11), while a curve climbing past a one-epoch
        # spike is (0.80 at epoch 5, then 0.70 ... 0.805)
        head = values[:-thresholds.rising_epochs]
        before = float(np.minimum(head[:-1], head[1:]).max()) if head.size > 1 else earlier
        if not (0.0 <= last <= 1.0 and last >= float(values.max()) and last > float(values[-2])
                and last - earlier >= thresholds.rising_gain
                and last - before >= thresholds.rising_gain):
            continue
        data = {"last": last, "earlier": earlier, "gain": last - earlier,
                "over_epochs": thresholds.rising_epochs,
                "last_epoch": item.epoch(int(finite[-1])), "epochs": int(finite.size),
                "earlier_epoch": item.epoch(int(window[0])),
                "swing": epoch_swing(item, values, finite), "fall": 0.0}
        # a fall inside the window is the curve's noise within the very epochs the rise is
        # measured over: a last value no further above the window's earlier best than that
        # fall could be undone by the next epoch alike
        steps = np.diff(values[-1 - thresholds.rising_epochs:])
        data["above"] = last - float(values[-1 - thresholds.rising_epochs:-1].max())
        if steps.min() < 0:
            at = int(np.argmin(steps))
            data["fall"] = float(-steps[at])
            data["fall_epochs"] = [item.epoch(int(window[at])), item.epoch(int(window[at + 1]))]
        rising[name] = data
    return rising


def _consecutive(item: MetricSeries, positions: np.ndarray, open_epochs: Collection[int]
                 ) -> bool:
    """Whether ``positions`` are epochs numbered one after another, none of them open."""
    if any(int(position) in open_epochs for position in positions):
        return False
    numbers = item.epochs_at(positions)
    return all(after == before + 1 for before, after in zip(numbers, numbers[1:], strict=False))
