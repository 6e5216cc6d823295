"""What one run's metric series show on their own: NaN, impossible values, plateaus, gaps.

Each function measures one question and returns its typed claim (:mod:`.evidence`), or
``None`` when the series give no reason to say anything.
"""

from __future__ import annotations

import math

import numpy as np

from unetdiag.diag.checks.saturation.algebra import max_soft_dice, mean_label_if_all_ones
from unetdiag.diag.checks.saturation.evidence import (
    AccuracyBoundBreach,
    BoundBreach,
    DiceAboveOne,
    FlatTail,
    NegativeLoss,
    NonFiniteOnset,
    OutOfRange,
    TrainValGap,
)
from unetdiag.diag.checks.saturation.metrics import (
    SCORE_KINDS,
    VALIDATION_PREFIX,
    MetricSeries,
    Series,
    epoch_numbers,
    is_validation,
    metric_kind,
    phases,
)
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds
from unetdiag.diag.core.findings import Severity


def non_finite_onset(run: str, series: Series) -> NonFiniteOnset | None:
    """When the first metrics turned NaN or infinite, and which came back."""
    first_bad: dict[str, int] = {}
    recovered: list[str] = []
    for name, item in series.items():
        bad = np.flatnonzero(item.logged & ~np.isfinite(item.values))
        if bad.size:
            first_bad[name] = int(bad[0])
            if np.any(item.finite[bad[0]:]):
                recovered.append(name)
    if not first_bad:
        return None
    onset = min(first_bad.values())
    last_finite = {name: float(series[name].values[onset - 1]) for name in series
                   if onset > 0 and series[name].finite[onset - 1]}
    return NonFiniteOnset(
        run, onset_epoch=onset + 1,
        metrics_at_onset=[name for name, epoch in first_bad.items() if epoch == onset],
        first_non_finite_epoch={name: epoch + 1 for name, epoch in first_bad.items()},
        last_finite_before_onset=last_finite, recovered=recovered,
        epochs=max(item.values.size for item in series.values()),
        only_nan=all(math.isnan(series[name].values[epoch])
                     for name, epoch in first_bad.items()))


def _extreme(item: MetricSeries, above: bool) -> tuple[float, int]:
    """(most extreme finite value, its first 1-based epoch)."""
    values = np.where(item.finite, item.values, -np.inf if above else np.inf)
    index = int(np.argmax(values) if above else np.argmin(values))
    return float(item.values[index]), index + 1


def _first_epoch(item: MetricSeries, where: np.ndarray) -> int:
    """The first 1-based epoch at which ``where`` holds for a finite value."""
    return int(np.flatnonzero(item.finite & where)[0]) + 1


def _is_negated_score(name: str, loss: MetricSeries, series: Series, tolerance: float) -> bool:
    """A loss defined as -Dice (negative by design) mirrors a logged Dice in [0, 1]."""
    scores = [s for n, s in series.items() if metric_kind(n) in ("dice", "iou")
              and is_validation(n) == is_validation(name)]
    for score in scores:
        both = loss.finite & score.finite
        if (both.any() and np.all(np.abs(loss.values[both] + score.values[both]) <= tolerance)
                and np.all(score.values[both] <= 1)):
            return True
    return False


def label_scale(run: str, series: Series, tolerance: float, thresholds: SaturationThresholds
                ) -> list[DiceAboveOne | NegativeLoss | OutOfRange]:
    """Values that labels and predictions in [0, 1] cannot produce."""
    slack = thresholds.range_slack
    above: dict[str, dict] = {}
    negative: dict[str, dict] = {}
    out_of_range: dict[str, dict] = {}
    for name, item in series.items():
        kind = metric_kind(name)
        finite = item.values[item.finite]
        if not finite.size:
            continue
        if kind == "dice" and finite.max() > 1 + slack:
            value, epoch = _extreme(item, above=True)
            above[name] = {"max": value, "first_epoch_of_max": epoch,
                           "first_epoch_above_one": _first_epoch(item, item.values > 1 + slack)}
        elif kind in SCORE_KINDS and (finite.min() < -slack or finite.max() > 1 + slack):
            out_of_range[name] = {"min": float(finite.min()), "max": float(finite.max())}
        elif kind == "loss" and finite.min() < -slack and not _is_negated_score(
                name, item, series, tolerance):
            value, epoch = _extreme(item, above=False)
            negative[name] = {"min": value, "epoch_of_min": epoch,
                              "first_negative_epoch": _first_epoch(item, item.values < -slack)}
    claims: list[DiceAboveOne | NegativeLoss | OutOfRange] = []
    if above:
        accuracies = {name: item.last_finite()[1] for name, item in series.items()
                      if metric_kind(name) == "accuracy" and item.last_finite() is not None}
        worst = max(value["max"] for value in above.values())
        claims.append(DiceAboveOne(run, above, mean_label_if_all_ones(worst), accuracies))
    if negative:
        claims.append(NegativeLoss(run, negative))
    if out_of_range:
        claims.append(OutOfRange(run, out_of_range))
    return claims


def accuracy_bound_breach(run: str, series: Series, tolerance: float,
                          thresholds: SaturationThresholds) -> AccuracyBoundBreach | None:
    """A Dice above :func:`~.algebra.max_soft_dice` of its phase's accuracy."""
    breaches: dict[str, BoundBreach] = {}
    for phase_name, phase in phases(series):
        accuracy, dice = phase.get("accuracy"), phase.get("dice")
        if accuracy is None or dice is None:
            continue
        both = accuracy.finite & dice.finite & (dice.values <= 1 + thresholds.range_slack)
        bound = max_soft_dice(accuracy.values)
        excess = np.where(both, dice.values - bound, -np.inf)
        if not both.any() or excess.max() <= tolerance:
            continue
        worst = int(np.argmax(excess))
        breaches[phase_name] = BoundBreach(
            dice.name, accuracy.name, epoch=worst + 1, dice=float(dice.values[worst]),
            accuracy=float(accuracy.values[worst]), max_dice=float(bound[worst]),
            epochs_above_bound=epoch_numbers(np.flatnonzero(both & (dice.values - bound
                                                                    > tolerance))))
    return AccuracyBoundBreach(run, breaches) if breaches else None


def flat_tail(item: MetricSeries, thresholds: SaturationThresholds) -> int:
    """How many final epochs stay flat (see :class:`~.thresholds.SaturationThresholds`); 0
    for a perfect score, which cannot move."""
    values = item.values
    last = item.last_finite()
    if (last is None or metric_kind(item.name) in SCORE_KINDS
            and last[1] >= 1 - thresholds.flat_spread):
        return 0
    count, low, high = 0, math.inf, -math.inf
    for index in range(values.size - 1, -1, -1):
        if not item.finite[index]:
            break
        low, high = min(low, values[index]), max(high, values[index])
        allowed = min(thresholds.flat_spread,
                      thresholds.flat_relative_spread * max(abs(low), abs(high)))
        if high - low > allowed + 1e-12:
            break
        count += 1
    return count


def flat_metrics(run: str, series: Series, thresholds: SaturationThresholds) -> FlatTail | None:
    """Metrics flat over at least :attr:`~.SaturationThresholds.min_flat_epochs` last epochs."""
    flat: dict[str, dict] = {}
    for name, item in series.items():
        epochs = item.values.size
        tail = flat_tail(item, thresholds)
        if tail >= thresholds.min_flat_epochs:
            flat[name] = {"value": float(item.values[-1]), "flat_epochs": tail,
                          "from_epoch": epochs - tail + 1, "epochs": epochs}
    if not flat:
        return None
    validation = any(is_validation(name) for name in flat)
    return FlatTail(run, flat, thresholds.flat_spread,
                    severity=Severity.WARNING if validation else Severity.INFO)


def train_val_gap(run: str, series: Series, thresholds: SaturationThresholds
                  ) -> TrainValGap | None:
    """Training and validation values of a metric far apart at their last epochs."""
    gaps: dict[str, dict] = {}
    severity = Severity.INFO  # validation above training only
    for name, item in series.items():
        partner = series.get(VALIDATION_PREFIX + name)
        kind = metric_kind(name)
        if is_validation(name) or partner is None or kind in ("other", "bookkeeping"):
            continue
        train_last, val_last = item.last_finite(), partner.last_finite()
        if train_last is None or val_last is None:
            continue
        train, val = train_last[1], val_last[1]
        if kind == "loss":
            if val > thresholds.gap_loss_ratio * train and val - train >= thresholds.gap_loss_min:
                gaps[name] = {"train": train, "validation": val, "ratio": val / max(train, 1e-12)}
                severity = Severity.WARNING
        elif abs(train - val) > thresholds.gap_score:
            gaps[name] = {"train": train, "validation": val, "gap": train - val}
            if train > val:
                severity = Severity.WARNING
    return TrainValGap(run, gaps, severity) if gaps else None
