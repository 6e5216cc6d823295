"""A validation loss far above the training loss over early epochs that then converged, with
its typed evidence (the sentences are in :mod:`.wording_fit`).

:func:`~.series.train_val_gap` judges the last epoch, so a run whose validation numbers were
wild for several epochs and then agreed with training passes unseen (a Korean U-Net
notebook: val_loss 11.5, 1.04, 11.3, 7.5, 8.4, 3.6 against training losses of 0.76-1.00,
validation Dice 0 at epoch 3, then 0.77 -> 0.60 beside 0.68 -> 0.56). Those epochs say the
model's outputs on the validation images were far from what training shows; their
checkpoints are not usable, and the cause (BatchNormalization statistics far from the
data's, a model called with training=True, a step size that throws the weights about) may
still be there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from unetdiag.diag.checks.saturation.evidence import NOT_REPORTED, MetricsClaim
from unetdiag.diag.checks.saturation.metrics import (
    Series,
    is_validation,
    metric_kind,
    phase_metrics,
)
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds
from unetdiag.diag.core.findings import Severity


@dataclass(frozen=True)
class UnstableValidation(MetricsClaim):
    """A validation loss ``unstable_loss_ratio`` times the training loss or more at several
    early epochs, within the gap ratio of it over the last ones.

    ``metrics``: validation loss name -> training (the training loss's name), epochs (where
    the ratio was at least the threshold), ratios (at those epochs), highest_ratio,
    highest_epoch, highest, training_at_highest, unstable_until (the last epoch the ratio was
    at or above the gap ratio), stable_from (the epoch after it), last, training_last,
    last_epoch, ratio_threshold, stable_ratio (the ratio every later epoch stayed below).
    ``at_bound``: validation scores at the bound of no overlap at some unstable epoch: name
    -> value, epoch (a Dice or IoU at most the empty prediction's, or a ``*dice*_loss`` that
    prints 1.0000).
    """

    at_bound: dict[str, dict]
    #: WARNING when the validation loss came back to the ratio after an epoch below it (the
    #: Korean notebook: epochs 1, 3 and 5), INFO when the wild epochs are the first ones in a
    #: row: a start-up that settled once (BatchNormalization's statistics, a first step size)
    #: leaves a converged model, whose checkpoints from those epochs alone are unusable.
    severity: Severity = field(default=Severity.WARNING, metadata=NOT_REPORTED)
    #: the numbers are a custom training loop's prints, not Keras's fit()
    custom_loop: bool = field(default=False, metadata=NOT_REPORTED)


def _at_bound(series: Series, until: int, thresholds: SaturationThresholds
              ) -> dict[str, dict]:
    """Validation Dice/IoU scores at 0, or Dice losses at 1, at a position up to ``until``."""
    found = {}
    for name, item in series.items():
        kind = metric_kind(name)
        if not is_validation(name):
            continue
        values, finite = item.values[:until + 1], item.finite[:until + 1]
        if kind in ("dice", "iou"):
            hit = np.flatnonzero(finite & (values <= thresholds.empty_prediction_dice))
        elif kind == "loss" and "dice" in name.lower():
            hit = np.flatnonzero(finite & (np.abs(values - 1) <= thresholds.printed_half_unit))
        else:
            continue
        if hit.size:
            found[name] = {"value": float(values[hit[0]]), "epoch": item.epoch(int(hit[0])),
                           "kind": kind}
    return found


def unstable_validation(run: str, series: Series, thresholds: SaturationThresholds
                        ) -> UnstableValidation | None:
    """The phase losses' ratio (validation / training) at every epoch where both are finite
    and positive: at least ``thresholds.unstable_loss_ratio`` at
    ``thresholds.min_unstable_epochs`` epochs or more, and below ``thresholds.gap_loss_ratio``
    at each of the last ``thresholds.min_flat_epochs`` (the run converged: a gap at the end
    is :func:`~.series.train_val_gap`'s)."""
    training = phase_metrics(series, validation=False).get("loss")
    validation = phase_metrics(series, validation=True).get("loss")
    if training is None or validation is None:
        return None
    length = min(training.values.size, validation.values.size)
    both = np.flatnonzero(training.finite[:length] & validation.finite[:length]
                          & (training.values[:length] > 0))
    if both.size <= thresholds.min_flat_epochs:
        return None
    ratios = validation.values[both] / training.values[both]
    if (ratios[-thresholds.min_flat_epochs:] >= thresholds.gap_loss_ratio).any():
        return None
    wild = np.flatnonzero(ratios >= thresholds.unstable_loss_ratio)
    if wild.size < thresholds.min_unstable_epochs:
        return None
    last_gap = int(np.flatnonzero(ratios >= thresholds.gap_loss_ratio)[-1])
    top = int(wild[np.argmax(ratios[wild])])
    at = both[top]
    data = {"training": training.name, "epochs": validation.epochs_at(both[wild]),
            "ratios": [float(r) for r in ratios[wild]], "highest_ratio": float(ratios[top]),
            "highest_epoch": validation.epoch(int(at)),
            "highest": float(validation.values[at]),
            "training_at_highest": float(training.values[at]),
            "unstable_until": validation.epoch(int(both[last_gap])),
            "stable_from": validation.epoch(int(both[last_gap + 1])),
            "last": float(validation.values[both[-1]]),
            "training_last": float(training.values[both[-1]]),
            "last_epoch": validation.epoch(int(both[-1])),
            "ratio_threshold": thresholds.unstable_loss_ratio,
            "stable_ratio": thresholds.gap_loss_ratio}
    settled_once = wild.tolist() == list(range(wild.size))
    return UnstableValidation(run, {validation.name: data},
                              _at_bound(series, int(both[last_gap]), thresholds),
                              Severity.INFO if settled_once else Severity.WARNING)
