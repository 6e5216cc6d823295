"""Training losses too large or too jumpy for the losses segmentation uses, with their typed
evidence (the sentences are in :mod:`.wording_scale`).

* :func:`loss_jump`: a training loss that grew ``thresholds.loss_jump_ratio`` times or more
  from one epoch to the next (keras#11910: 3.53, then 2,520, then 24.9), or over up to
  ``thresholds.loss_jump_epochs`` consecutive epochs, higher at each (signlang: 0.00089,
  0.0506, 0.4539). A rise over several epochs counts for the total ``loss`` only, or for a
  part whose total rose by the same ratio over the same epochs: a part that grows while the
  total falls is a trade between terms (a VAE's KL term grows from about 0 while the encoder
  starts to use the latent space, and the total still falls), not a blow-up. A one-epoch
  jump is preferred to a window that holds it (yolov2tf2: 2.571 to 2.666e+07 at epoch 38,
  not 0.5491 to it over epochs 37-38, whose first step of 4.7x is ordinary noise).
  Validation losses are left out: a validation figure far from the training
  one is the train/validation gap's. :func:`loss_spikes` gives every such rise's epochs (a
  validation loss compared across one measures the recovery, not the fit).
* :func:`loss_magnitude`: a training loss above ``thresholds.loss_magnitude`` from its first
  epoch (ZeroCostDL4Mic#55: 4.9e10, then 5.5e9). No loss of the
  usual kinds reaches it on labels in [0, 1], nor on labels left on 0..255: Keras clips
  probabilities to [1e-7, 1 - 1e-7], so binary cross-entropy is at most -ln(1e-7) = 16.1 a
  pixel (about 4,110 with a label of 255), 1 - Dice at most 1, a squared error of outputs in
  [0, 1] at most 65,025 on 0..255 labels. What remains is an output that is not a
  probability (logits, no sigmoid), a summed loss, or regression targets on a large scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from unetdiag.diag.checks.saturation.evidence import NOT_REPORTED, MetricsClaim
from unetdiag.diag.checks.saturation.metrics import (
    MetricSeries,
    Series,
    is_validation,
    metric_kind,
)
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds
from unetdiag.diag.core.findings import Severity


@dataclass(frozen=True)
class LossJump(MetricsClaim):
    """Training losses that grew many times over between two consecutive logged epochs.

    ``metrics``: loss name -> before, after, ratio (after / before), epoch (the epoch it
    reached ``after`` at, as the log counts them), previous_epoch (the epoch of ``before``:
    the one before ``epoch`` for a one-epoch jump, earlier for a rise over several), and next
    (the value at the epoch after, when logged and finite); ``ratio_threshold``: the smallest
    ratio called a jump.
    """

    ratio_threshold: float = 100.0
    severity: Severity = field(default=Severity.WARNING, metadata=NOT_REPORTED)


@dataclass(frozen=True)
class LossMagnitude(MetricsClaim):
    """Training losses whose largest finite value is above what bounded losses reach.

    ``metrics``: loss name -> largest, epoch (where), limit.
    """

    severity: Severity = field(default=Severity.WARNING, metadata=NOT_REPORTED)


def _training_losses(series: Series) -> list[MetricSeries]:
    return [item for name, item in series.items()
            if not is_validation(name) and metric_kind(name) == "loss"]


def _total(series: Series) -> MetricSeries | None:
    return series.get("loss")


def _total_rose(total: MetricSeries | None, item: MetricSeries, start: int, end: int,
                thresholds: SaturationThresholds) -> bool:
    """Whether a multi-epoch rise of ``item`` from ``start`` to ``end`` may be called a
    blow-up: ``item`` is the total (or there is none), or the total rose by the ratio too."""
    if total is None or total is item or total.name == item.name:
        return True
    at = {int(epoch): index for index, epoch in enumerate(total.numbers)}
    first, last = at.get(item.epoch(start)), at.get(item.epoch(end))
    if first is None or last is None or not (total.finite[first] and total.finite[last]):
        return False
    return bool(total.values[first] > 0
                and total.values[last] >= thresholds.loss_jump_ratio * total.values[first])


def _rises(item: MetricSeries, thresholds: SaturationThresholds,
           total: MetricSeries | None = None) -> list[tuple[int, int]]:
    """(start, end) positions over which ``item`` rose ``thresholds.loss_jump_ratio`` times or
    more: consecutive epochs, all finite and above 0, each value higher than the one before,
    at most ``thresholds.loss_jump_epochs`` of them; the shortest such rise from each start.
    A rise over more than one epoch counts only where :func:`_total_rose` allows it."""
    rises = []
    values, finite = item.values, item.finite
    for start in range(values.size):
        if not finite[start] or values[start] <= 0:
            continue
        for end in range(start + 1, min(start + thresholds.loss_jump_epochs, values.size - 1)
                         + 1):
            if (not finite[end] or values[end] <= values[end - 1]
                    or item.epoch(end) != item.epoch(end - 1) + 1):
                break  # a gap in the log hides what happened between
            if values[end] >= thresholds.loss_jump_ratio * values[start]:
                if end - start == 1 or _total_rose(total, item, start, end, thresholds):
                    rises.append((start, end))
                break
    return rises


def loss_spikes(series: Series, thresholds: SaturationThresholds) -> list[tuple[int, int]]:
    """Every training loss's rises of :func:`loss_jump` as (start, end) positions."""
    total = _total(series)
    return [rise for item in _training_losses(series)
            for rise in _rises(item, thresholds, total)]


def loss_jump(run: str, series: Series, thresholds: SaturationThresholds) -> LossJump | None:
    """The largest jump of each training loss, when it is ``thresholds.loss_jump_ratio``
    times or more (both values finite and above 0), from one epoch to the next or over up
    to ``thresholds.loss_jump_epochs`` consecutive rising epochs; of a loss with both, the
    largest one-epoch jump."""
    jumps: dict[str, dict] = {}
    total = _total(series)
    for item in _training_losses(series):
        best: dict | None = None
        rises = _rises(item, thresholds, total)
        for start, end in [rise for rise in rises if rise[1] - rise[0] == 1] or rises:
            # the whole climb: a rise that goes on after the threshold is reached
            while (end + 1 < item.values.size and end + 1 - start <= thresholds.loss_jump_epochs
                   and item.finite[end + 1] and item.values[end + 1] > item.values[end]
                   and item.epoch(end + 1) == item.epoch(end) + 1):
                end += 1
            before, after = float(item.values[start]), float(item.values[end])
            if best is None or after / before > best["ratio"]:
                best = {"before": before, "after": after, "ratio": after / before,
                        "epoch": item.epoch(end), "previous_epoch": item.epoch(start)}
                following = end + 1
                if following < item.values.size and item.finite[following]:
                    best["next"] = float(item.values[following])
        if best is not None:
            jumps[item.name] = best
    return LossJump(run, jumps, thresholds.loss_jump_ratio) if jumps else None


def loss_magnitude(run: str, series: Series, thresholds: SaturationThresholds
                   ) -> LossMagnitude | None:
    """Training losses above ``thresholds.loss_magnitude`` from their first finite epoch on
    (a loss that got there later blew up: :func:`loss_jump` or the non-finite check say so)."""
    large: dict[str, dict] = {}
    for item in _training_losses(series):
        finite = np.flatnonzero(item.finite)
        if not finite.size or item.values[finite[0]] <= thresholds.loss_magnitude:
            continue
        at = int(finite[np.argmax(item.values[finite])])
        largest = float(item.values[at])
        if math.isfinite(largest) and largest > thresholds.loss_magnitude:
            large[item.name] = {"largest": largest, "epoch": item.epoch(at),
                                "limit": thresholds.loss_magnitude}
    return LossMagnitude(run, large) if large else None
