"""A training Dice or IoU that gained and then gave most of the gain back, with its typed
evidence (the sentences are in :mod:`.wording_fallback`).

:func:`~.degenerate.score_collapse` reads a score that ends at the 0 of an empty prediction;
a score that falls back to near where it started without reaching 0 passed unseen (a
pneumothorax U-Net notebook: training Dice 0.0335 at epoch 1, 0.2057 at epoch 27, then
0.0336-0.0470 over epochs 35-40, the loss back at its first-epoch level). Only training
scores: a validation score that falls while training holds is the overfitting the gap and
rising-loss checks read; a training score that falls says the optimisation itself lost
ground on the batches it learns from.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
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

#: The least gain (best - first) read as learning; below it the series is noise.
LEAST_GAIN = 0.1
#: The share of the gain the last epochs must have given back.
GIVEN_BACK = 0.75
#: A learning rate at least this many times the best epoch's, before the fall, is named.
RATE_RAISED = 2.0


@dataclass(frozen=True)
class ScoreFellBack(MetricsClaim):
    """Training Dice/IoU scores that rose by :data:`LEAST_GAIN` or more, held within a quarter
    of that gain below their best at ``min_flat_epochs`` epochs or more (a one-epoch spike is
    no gain: a MeanIoU stuck at 0.3755 with one epoch at 0.5632 gave nothing back), and
    ended, over their last ``min_flat_epochs`` epochs, within a quarter of the gain above
    their first value.

    ``metrics``: name -> first, first_epoch, best, best_epoch, last, last_epoch, tail_low,
    tail_high (the range of the last epochs), tail_from (the first of them), given_back (the
    share of the gain lost at the last epoch), resumed_at (where the log shows training end
    and go on between the best epoch and the last ones: the epoch after, and what ended
    it), learning_rate
    (at_best, raised, raised_epoch: a rate the log shows raised before the fall);
    ``losses``: the training loss -> first, first_epoch, last, last_epoch (its finite
    values'); ``validation``: same-phase validation scores that fell back by the same rule
    -> first, best, best_epoch, last.
    """

    losses: dict[str, dict]
    validation: dict[str, dict]
    severity: Severity = field(default=Severity.WARNING, metadata=NOT_REPORTED)


def _rate_raised(item, rates: Sequence[float | None] | None, best_at: int, fall_at: int
                 ) -> dict:
    """The learning rate the log shows at the best epoch and the highest it shows from the
    epoch after it to the first of the last ones, when it is :data:`RATE_RAISED` times or
    more the first (a schedule's warm restart or warm-up raised it before the fall)."""
    if rates is None or best_at >= len(rates) or rates[best_at] is None:
        return {}
    later = [(rate, at) for at, rate in enumerate(rates[best_at + 1:fall_at + 1], best_at + 1)
             if rate is not None and math.isfinite(rate)]
    if not later or not rates[best_at] > 0 or max(later)[0] < RATE_RAISED * rates[best_at]:
        return {}
    rate, at = max(later)
    return {"learning_rate": {"at_best": float(rates[best_at]), "raised": float(rate),
                              "raised_epoch": item.epoch(at)}}


def _fell_back(item, thresholds: SaturationThresholds, open_epochs: Collection[int],
               floor: float, resumed_at: Mapping[int, str] | None = None,
               rates: Sequence[float | None] | None = None) -> dict | None:
    finite = np.flatnonzero(item.finite)
    tail_size = thresholds.min_flat_epochs
    if finite.size < 2 * tail_size:
        return None
    values = item.values[finite]
    best_at = int(np.argmax(values))
    first, best, last = float(values[0]), float(values[best_at]), float(values[-1])
    tail = values[-tail_size:]
    gain = best - first
    held = int((values >= first + GIVEN_BACK * gain).sum())
    if (not 0.0 <= first <= best <= 1.0 or gain < LEAST_GAIN or held < tail_size
            or best_at > finite.size - 1 - tail_size
            or float(tail.max()) > first + (1.0 - GIVEN_BACK) * gain
            or float(tail.min()) <= floor
            or {int(finite[0]), int(finite[best_at]), *map(int, finite[-tail_size:])}
            & set(open_epochs)):
        return None
    # a crash or an interrupt after the best epoch, then training went on: the fall may be
    # the resume's (weights other than those the run had reached)
    resumes = [{"epoch": item.epoch(at), "after": (resumed_at or {})[at]}
               for at in sorted(resumed_at or {})
               if int(finite[best_at]) < at <= int(finite[-tail_size])]
    return {"first": first, "first_epoch": item.epoch(int(finite[0])),
            "best": best, "best_epoch": item.epoch(int(finite[best_at])),
            "last": last, "last_epoch": item.epoch(int(finite[-1])),
            "tail_low": float(tail.min()), "tail_high": float(tail.max()),
            "tail_from": item.epoch(int(finite[-tail_size])),
            "given_back": (best - last) / gain,
            **({"resumed_at": resumes[0]} if resumes else {}),
            **_rate_raised(item, rates, int(finite[best_at]), int(finite[-tail_size]))}


def score_fell_back(run: str, series: Series, thresholds: SaturationThresholds,
                    open_epochs: Collection[int] = (),
                    resumed_at: Mapping[int, str] | None = None,
                    rates: Sequence[float | None] | None = None) -> ScoreFellBack | None:
    """Training Dice/IoU scores that gave back at least :data:`GIVEN_BACK` of their gain, each
    of their last ``min_flat_epochs`` values above the empty prediction's
    (``empty_prediction_dice``: a fall to 0 is :func:`~.degenerate.score_collapse`'s), and
    none of the epochs it names (the first, the best, the last ones) an open line's
    (``open_epochs``: a line read between two cuts, whose number the log leaves open).
    ``resumed_at``: positions of epochs where training went on after what ended it (a crash,
    an interrupt, EarlyStopping: position -> its name); one between the best epoch and the
    last ones is named (``resumed_at``: its epoch and what came before it).
    ``rates``: each epoch's learning rate, when the log shows it; one raised before the fall
    is named (``learning_rate``)."""
    found: dict[str, dict] = {}
    validation: dict[str, dict] = {}
    for name, item in series.items():
        if metric_kind(name) not in ("dice", "iou"):
            continue
        data = _fell_back(item, thresholds, open_epochs, thresholds.empty_prediction_dice,
                          resumed_at, rates)
        if data is not None:
            (validation if is_validation(name) else found)[name] = data
    if not found:
        return None
    losses = {}
    loss = phase_metrics(series, False).get("loss")
    if loss is not None and loss.finite.any():
        finite = np.flatnonzero(loss.finite)  # a NaN last epoch is the non-finite check's
        losses[loss.name] = {"first": float(loss.values[finite[0]]),
                             "first_epoch": loss.epoch(int(finite[0])),
                             "last": float(loss.values[finite[-1]]),
                             "last_epoch": loss.epoch(int(finite[-1]))}
    return ScoreFellBack(run, found, losses, validation)
