"""A validation score still rising when the run's log ends: where it ends and how far back
its rise is measured, in the log's own epoch numbers, or as the range a line read between two
cuts may take (a README's first epochs, ``...``, then its last line)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from unetdiag.diag.checks.saturation.evidence import StillImproving
from unetdiag.diag.checks.saturation.metrics import MetricSeries, Series, is_validation, metric_kind
from unetdiag.diag.checks.saturation.series import epoch_swing
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds


def still_improving(run: str, series: Series, thresholds: SaturationThresholds,
                    open_epochs: Mapping[int, tuple[int, int]] | None = None
                    ) -> StillImproving | None:
    """Validation Dice/IoU scores whose best value is their last one and which gained at least
    ``thresholds.rising_gain`` over their last ``thresholds.rising_epochs`` finite values, and
    more than the series' typical change from one epoch to the next (IRCAD fold 1: +0.045 at
    the last epoch of a series that swings 0.39-0.83 is noise): the run stopped before the
    curve flattened.

    ``open_epochs``: positions whose number the log leaves open (a line read between two
    cuts) -> the (lowest, highest) number it may take; the evidence then gives that range,
    never the number counted on, and how many epochs the rise spans only where both ends
    are numbered by the log."""
    rising: dict[str, dict] = {}
    for name, item in series.items():
        if not is_validation(name) or metric_kind(name) not in ("dice", "iou"):
            continue
        finite = np.flatnonzero(item.finite)
        if finite.size <= thresholds.rising_epochs:
            continue
        values = item.values[finite]
        last, earlier = float(values[-1]), float(values[-1 - thresholds.rising_epochs])
        swing = epoch_swing(item, values, finite)
        if (0.0 <= last <= 1.0 and last >= float(values.max())
                and last - earlier >= thresholds.rising_gain and last - earlier > swing):
            ends = (int(finite[-1]), int(finite[-1 - thresholds.rising_epochs]))
            rising[name] = {"last": last, "earlier": earlier, "gain": last - earlier,
                            "over_values": thresholds.rising_epochs,
                            **_where(item, *ends, open_epochs or {}),
                            "epochs": int(finite.size)}
    return StillImproving(run, rising) if rising else None


def _where(item: MetricSeries, last_at: int, earlier_at: int,
           open_epochs: Mapping[int, tuple[int, int]]) -> dict:
    """The last and the earlier value's epochs: ``last_epoch`` and ``earlier_epoch`` as the
    log numbers them (None for a line between two cuts, whose range is then
    ``last_epoch_range`` / ``earlier_epoch_range``), and ``over_epochs``, how many epochs
    apart they are (None unless the log numbers both)."""
    where: dict = {}
    for key, position in (("last", last_at), ("earlier", earlier_at)):
        if position in open_epochs:
            where[f"{key}_epoch"] = None
            where[f"{key}_epoch_range"] = list(open_epochs[position])
        else:
            where[f"{key}_epoch"] = item.epoch(position)
    known = where["last_epoch"] is not None and where["earlier_epoch"] is not None
    where["over_epochs"] = where["last_epoch"] - where["earlier_epoch"] if known else None
    return where
