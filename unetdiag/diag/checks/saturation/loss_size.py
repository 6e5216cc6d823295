"""Training losses too large or too jumpy for the losses segmentation uses, with their typed
evidence (the sentences are in :mod:`.wording_scale`).

* :func:`loss_jump`: a training loss that grew ``thresholds.loss_jump_ratio`` times or more
  from one epoch to the next (keras#11910: 3.53, then 2,520, then 24.9). Validation losses
  are left out: a validation figure far from the training one is the train/validation gap's.
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
    jumped at, as the log counts them), previous_epoch, and next (the value at the epoch
    after, when logged and finite); ``ratio_threshold``: the smallest ratio called a jump.
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


def loss_jump(run: str, series: Series, thresholds: SaturationThresholds) -> LossJump | None:
    """The largest jump of each training loss, when it is ``thresholds.loss_jump_ratio``
    times or more (both values finite and above 0)."""
    jumps: dict[str, dict] = {}
    for item in _training_losses(series):
        finite = np.flatnonzero(item.finite)
        best: dict | None = None
        for before_at, after_at in zip(finite[:-1], finite[1:], strict=True):
            if after_at != before_at + 1:
                continue  # only consecutive epochs: a gap hides what happened between
            before, after = float(item.values[before_at]), float(item.values[after_at])
            if before <= 0 or after < thresholds.loss_jump_ratio * before:
                continue
            if best is None or after / before > best["ratio"]:
                best = {"before": before, "after": after, "ratio": after / before,
                        "epoch": item.epoch(int(after_at)),
                        "previous_epoch": item.epoch(int(before_at))}
                following = int(after_at) + 1
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
