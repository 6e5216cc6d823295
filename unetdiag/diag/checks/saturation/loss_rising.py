"""A validation loss rising after its best while the training loss falls (or while the
validation scores hold): the run's measure of overfitting, over the epochs after the
validation loss's best. Two losses that diverged are :func:`.series.train_val_gap`'s.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from unetdiag.diag.checks.saturation.evidence import ValidationLossRising
from unetdiag.diag.checks.saturation.loss_size import loss_spikes
from unetdiag.diag.checks.saturation.metrics import (
    VALIDATION_PREFIX,
    Series,
    is_validation,
    metric_kind,
)
from unetdiag.diag.checks.saturation.series import losses_diverged
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds


def _scores_better(series: Series, best_at: int, last_at: int,
                   thresholds: SaturationThresholds) -> list[str]:
    """Validation Dice/IoU scores higher at position ``last_at`` than at ``best_at`` (the
    validation loss's best): a loss that rose while they did is no sign the model got worse
    on the validation set (Colab notebook: val_loss 0.85 -> 1.07 while val_iou_score 0.702
    -> 0.718)."""
    better = []
    for name, item in series.items():
        if (is_validation(name) and metric_kind(name) in ("dice", "iou")
                and last_at < item.values.size and item.finite[best_at]
                and item.finite[last_at]
                and item.values[last_at] > item.values[best_at] + thresholds.flat_spread):
            better.append(name)
    return better


def _scores_held(series: Series, best_at: int, last_at: int
                 ) -> tuple[dict[str, list[float]], list[str]]:
    """Validation Dice, IoU and accuracy scores no lower at position ``last_at`` than at
    ``best_at`` (name -> [value at best_at, value at last_at], and where it fell below the
    first between them, its lowest there and that epoch), and the names of those that fell."""
    held: dict[str, list[float]] = {}
    fell: list[str] = []
    for name, item in series.items():
        if (is_validation(name) and metric_kind(name) in ("dice", "iou", "accuracy")
                and last_at < item.values.size and item.finite[best_at]
                and item.finite[last_at]):
            if item.values[last_at] >= item.values[best_at]:
                held[name] = [float(item.values[best_at]), float(item.values[last_at])]
                between = np.flatnonzero(item.finite[best_at:last_at]) + best_at
                low = int(between[np.argmin(item.values[between])])
                if item.values[low] < item.values[best_at]:  # fell, then came back
                    held[name] += [float(item.values[low]), item.epoch(low)]
            else:
                fell.append(name)
    return held, fell


def _typical_change(values: np.ndarray) -> float:
    """The median relative change of a positive series from one epoch to the next (here:
    from the best epoch on): a rise no larger than it is the series' swing, not a trend (a
    validation loss that jumps 100x and back between epochs is not measuring one thing; a
    steady rise changes by a fraction of its total each epoch)."""
    values = values[np.isfinite(values) & (values > 0)]
    if values.size < 3:
        return 0.0
    return float(np.expm1(np.median(np.abs(np.diff(np.log(values))))))


def validation_loss_rising(run: str, series: Series, thresholds: SaturationThresholds,
                           unreliable: Collection[str] = (),
                           restored_epoch: int | None = None) -> ValidationLossRising | None:
    """Validation losses at least ``thresholds.loss_rise`` (and more than their typical
    change from one epoch to the next) above their best, and above their second-best (a
    rise resting on one lucky epoch is no rise), at the last finite epoch,
    ``thresholds.loss_rise_epochs`` or more epochs after the best, while the training
    loss at the last epoch is ``thresholds.training_loss_fall`` or more below its value at the
    best one (and the validation loss has neither diverged from it nor been NaN or infinite
    since its best: :func:`train_val_gap` and the non-finite check explain those). Never
    across a training-loss blow-up (:func:`~.loss_size.loss_spikes`): the validation loss
    after it measures the recovery, and the loss jump names it."""
    rising: dict[str, dict] = {}
    spikes = loss_spikes(series, thresholds)
    for name, item in series.items():
        training = series.get(name[len(VALIDATION_PREFIX):])
        if (not is_validation(name) or metric_kind(name) != "loss" or training is None
                or name in unreliable):
            continue
        finite = np.flatnonzero(item.finite)
        if finite.size <= thresholds.loss_rise_epochs:
            continue
        best_at = int(finite[np.argmin(item.values[finite])])
        last_at = int(finite[-1])
        best, last = float(item.values[best_at]), float(item.values[last_at])
        after = item.epoch(last_at) - item.epoch(best_at)
        rise = 1 + max(thresholds.loss_rise, _typical_change(item.values[best_at:last_at + 1]))
        # the rise must not rest on one epoch: from the second-lowest value it still holds
        # (kr VGG16 U-Net: one val_loss of 0.96 between 1.21 and 1.13, the last 1.05, is a
        # lucky epoch in a validation curve that never learned, not a turning point)
        second = float(np.partition(item.values[finite], 1)[1])
        if (best <= 0 or after < thresholds.loss_rise_epochs
                or last < best * rise or last < second * rise
                or max(best_at, last_at) >= training.values.size):
            continue
        training_at_best, training_last = (float(training.values[best_at]),
                                           float(training.values[last_at]))
        # the fall, too, must exceed the training loss's own swing (ResUNet: 0.0582 -> 0.0468
        # in a series that doubles and halves between epochs is no fall)
        swing = _typical_change(training.values[best_at:last_at + 1])
        falling = training_last <= training_at_best * min(1 - thresholds.training_loss_fall,
                                                          1 / (1 + swing))
        if not (np.isfinite(training_at_best) and falling) \
                or losses_diverged(training_last, last, thresholds) \
                or (item.logged & ~item.finite)[best_at:last_at + 1].any() \
                or any(end > best_at and start < last_at for start, end in spikes):
            continue  # not falling; diverged, overflowed or blown up: not a matter of fit
        rising[name] = {"best": best, "best_epoch": item.epoch(best_at), "last": last,
                        "last_epoch": item.epoch(last_at), "rise": last / best - 1,
                        "epochs_after_best": after, "training": training.name,
                        "training_at_best": training_at_best, "training_last": training_last}
        if _scores_better(series, best_at, last_at, thresholds):
            # the validation predictions got no worse by their scores: the loss alone rose.
            # Said of the total loss, and only when no validation score fell (a score of
            # another output, or one that fell, would make "the scores held" false)
            held, fell = _scores_held(series, best_at, last_at)
            if name != f"{VALIDATION_PREFIX}loss" or fell:
                del rising[name]
                continue
            rising[name]["scores_held"] = held
    return ValidationLossRising(run, rising, restored_epoch) if rising else None
