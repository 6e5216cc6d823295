"""Numbers that a degenerate model or data set produces, found in one run's series.

- A validation accuracy of exactly 1.0000: every pixel (or, of a classifier, every sample)
  right to four decimals, which real models rarely give; validation labels of one class,
  leakage or a trivial task do.
- A loss equal to the binary entropy ``H(f)`` of the class fraction its frozen accuracy
  implies, epoch after epoch: the cross-entropy of a model that outputs the prior ``f`` at
  every pixel (and, thresholded at 0.5, predicts the majority class everywhere).
- A loss stuck at ``ln 2 = H(0.5)``: the cross-entropy of predicting 0.5 for two classes,
  whatever the labels.
- A Dice or IoU that falls from a real value to 0 and stays there: no true positive left;
  or that is 0 at every epoch: no true positive ever.
- A two-class mean IoU pinned at or below 0.5 while the run's Dice moves: one class's IoU is
  0 throughout, what Keras's ``MeanIoU`` reports when fed probabilities (it casts them to
  class ids, so every probability below 1 is class 0).

Each function returns its typed claim (:mod:`.evidence`) or ``None``.

>>> round(binary_entropy(1 - 0.9821), 4)   # val_acc 0.9821: f = 0.0179
0.0897
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np

from unetdiag.diag.checks.saturation.algebra import binary_entropy
from unetdiag.diag.checks.saturation.evidence_degenerate import (
    ClassPriorLoss,
    MeanIouOneClass,
    PerfectAccuracy,
    ScoreCollapse,
    ScoreZeroThroughout,
    UniformPredictionLoss,
)
from unetdiag.diag.checks.saturation.metrics import (
    MetricSeries,
    Series,
    base_name,
    is_validation,
    metric_kind,
    phase_metrics,
    phases,
)
from unetdiag.diag.checks.saturation.scale import accuracy_fits_scores
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds
from unetdiag.diag.core.findings import Severity


def _final_stretch(item: MetricSeries, matches: np.ndarray) -> np.ndarray:
    """The positions of the last unbroken run of ``matches`` that reaches the series' last
    finite value (empty when the last finite value does not match)."""
    finite = np.flatnonzero(item.finite)
    stretch: list[int] = []
    for position in finite[::-1]:
        if not matches[position]:
            break
        stretch.append(int(position))
    return np.array(stretch[::-1], dtype=np.int64)


def _phase_losses(series: Series) -> dict[str, float]:
    """Each phase's loss at its last finite epoch."""
    losses = {}
    for _, phase in phases(series):
        loss = phase.get("loss")
        if loss is not None and loss.last_finite() is not None:
            losses[loss.name] = loss.last_finite()[1]
    return losses


def perfect_accuracy(run: str, series: Series, thresholds: SaturationThresholds
                     ) -> PerfectAccuracy | None:
    """A validation accuracy that prints 1.0000 at the last epoch (training accuracies at 1
    are reported with it)."""
    perfect: dict[str, dict] = {}
    for name, item in sorted(series.items(), key=lambda pair: not is_validation(pair[0])):
        last = item.last_finite()
        if metric_kind(name) != "accuracy" or last is None:
            continue
        if last[1] >= 1 - thresholds.perfect_score and last[1] <= 1 + thresholds.range_slack:
            at_one = np.flatnonzero(item.finite & (item.values >= 1 - thresholds.perfect_score))
            perfect[name] = {"value": last[1], "epochs_at_one": item.epochs_at(at_one),
                             "epochs": int(item.finite.sum())}
    if not any(is_validation(name) for name in perfect):
        return None
    # a Dice or an IoU says the accuracy counts pixels; a classifier's counts samples
    segmentation = any(metric_kind(name) in ("dice", "iou") for name in series)
    return PerfectAccuracy(run, perfect, _phase_losses(series), segmentation)


def class_prior_loss(run: str, series: Series, tolerance: float,
                     thresholds: SaturationThresholds, multiclass: bool = False
                     ) -> ClassPriorLoss | None:
    """A phase whose loss is ``H(1 - a)`` for its frozen accuracy ``a`` over the last
    :attr:`~.SaturationThresholds.min_prior_epochs` epochs or more (binary runs only)."""
    if multiclass:
        return None
    found: dict[str, dict] = {}
    for name, phase in phases(series):
        accuracy, loss = phase.get("accuracy"), phase.get("loss")
        if accuracy is None or loss is None or not accuracy_fits_scores(
                phase, tolerance, thresholds):
            continue
        numbers = _prior_match(accuracy, loss, tolerance, thresholds)
        # a constant output scores a constant Dice on fixed validation data (training batches
        # are reshuffled, so there only a wide move counts): a Dice or IoU that moved over
        # the matched epochs refutes the prior (red team s31: val_dice_coef 0.21 -> 0.46
        # under a val_loss frozen at H(0.1))
        spread = tolerance if name == "validation" else thresholds.moving_score_spread
        if numbers is not None and not _score_moved(series, name == "validation",
                                                    numbers["epochs_matched"], spread):
            found[loss.name] = numbers
    if not found:
        return None
    validation = any(is_validation(name) for name in found)
    return ClassPriorLoss(run, found, Severity.ERROR if validation else Severity.WARNING)


def _prior_match(accuracy: MetricSeries, loss: MetricSeries, tolerance: float,
                 thresholds: SaturationThresholds) -> dict | None:
    length = min(accuracy.values.size, loss.values.size)
    values, losses = accuracy.values[:length], loss.values[:length]
    both = accuracy.finite[:length] & loss.finite[:length]
    last = np.flatnonzero(both)
    if not last.size:
        return None
    final = values[last[-1]]
    if not 0.5 < final < 1 - thresholds.perfect_score:
        return None
    entropy = np.array([binary_entropy(1 - a) if both[i] else math.nan
                        for i, a in enumerate(values)])
    matches = np.zeros(loss.values.size, dtype=bool)
    matches[:length] = both & (np.abs(losses - entropy) <= tolerance) & (
        np.abs(values - final) <= tolerance)
    stretch = _final_stretch(loss, matches)
    if stretch.size < thresholds.min_prior_epochs:
        return None
    end = int(stretch[-1])
    # a loss repeating its first four decimals is said as one value, else as its range
    matched, gaps = losses[stretch], np.abs(losses[stretch] - entropy[stretch])
    return {"value": float(losses[end]), "entropy": float(entropy[end]),
            "low": float(matched.min()), "high": float(matched.max()),
            "largest_gap": float(gaps.max()),
            "prior": float(1 - values[end]), "accuracy_metric": accuracy.name,
            "accuracy": float(values[end]), "epochs_matched": loss.epochs_at(stretch),
            "epochs": int(loss.finite.sum())}


def _score_moved(series: Series, validation: bool, epochs: Sequence[int],
                 spread: float) -> bool:
    """A Dice or IoU of the phase whose finite values at ``epochs`` (as the log numbers
    them) span more than ``spread``."""
    for name, item in series.items():
        if is_validation(name) != validation or metric_kind(name) not in ("dice", "iou"):
            continue
        values = item.values[np.isin(item.numbers, epochs) & item.finite]
        if values.size > 1 and float(values.max() - values.min()) > spread:
            return True
    return False


def uniform_prediction_loss(run: str, series: Series, thresholds: SaturationThresholds,
                            already: Mapping[str, dict] | None = None
                            ) -> UniformPredictionLoss | None:
    """Losses at ``ln 2`` (to the printed precision) over their last epochs; ``already``:
    losses a class-prior claim explains."""
    stuck: dict[str, dict] = {}
    for name, item in series.items():
        if metric_kind(name) != "loss" or name in (already or {}):
            continue
        matches = item.finite & (np.abs(item.values - math.log(2)) <= thresholds.printed_precision)
        stretch = _final_stretch(item, matches)
        if stretch.size >= thresholds.min_prior_epochs:
            stuck[name] = {"value": float(item.values[stretch[-1]]),
                           "epochs_at_ln2": item.epochs_at(stretch),
                           "epochs": int(item.finite.sum())}
    return UniformPredictionLoss(run, stuck) if stuck else None


def score_collapse(run: str, series: Series, tolerance: float,
                   thresholds: SaturationThresholds) -> ScoreCollapse | None:
    """Dice/IoU metrics that end at the 0 of an empty prediction (up to
    :attr:`~.SaturationThresholds.empty_prediction_dice`; ``exactly_zero`` says whether every
    value of that stretch is 0, i.e. no true positive at all) after a value of at least
    :attr:`~.SaturationThresholds.collapse_from`."""
    near_zero = max(tolerance, thresholds.empty_prediction_dice)
    collapsed: dict[str, dict] = {}
    losses: dict[str, float] = {}
    for name, item in series.items():
        if metric_kind(name) not in ("dice", "iou"):
            continue
        stretch = _final_stretch(item, item.finite & (np.abs(item.values) <= near_zero))
        if not stretch.size:
            continue
        earlier = np.flatnonzero(item.finite[:stretch[0]])
        if not earlier.size or item.values[earlier[-1]] < thresholds.collapse_from:
            continue
        start = int(stretch[0])
        collapsed[name] = {"epoch": item.epoch(start), "before": float(item.values[earlier[-1]]),
                           "before_epoch": item.epoch(int(earlier[-1])),
                           "value": float(item.values[stretch[-1]]),
                           "exactly_zero": bool((item.values[stretch] == 0).all())}
        loss = phase_metrics(series, is_validation(name)).get("loss")
        if loss is not None and start < loss.values.size and loss.finite[start]:
            losses[loss.name] = float(loss.values[start])
    if not collapsed:
        return None
    validation = any(is_validation(name) for name in collapsed)
    return ScoreCollapse(run, collapsed, losses,
                         Severity.ERROR if validation else Severity.WARNING,
                         zero_tolerance=near_zero)


#: Below this a score prints as 0.0000, Keras's four decimals.
PRINTS_AS_ZERO = 5e-5


def score_zero_throughout(run: str, series: Series, thresholds: SaturationThresholds,
                          multiclass: bool = False) -> ScoreZeroThroughout | None:
    """Dice/IoU metrics of a binary run that print as 0.0000 at every finite epoch, over at
    least :attr:`~.SaturationThresholds.min_flat_epochs` epochs. (A class's IoU in a
    multi-class run is 0 whenever the class is absent: left alone.)"""
    if multiclass:
        return None
    zero: dict[str, dict] = {}
    for name, item in series.items():
        values = item.values[item.finite]
        if (metric_kind(name) in ("dice", "iou") and values.size >= thresholds.min_flat_epochs
                and float(np.abs(values).max()) < PRINTS_AS_ZERO):
            zero[name] = {"value": float(values.max()), "epochs": int(values.size),
                          "from_epoch": item.epoch(int(np.flatnonzero(item.finite)[0]))}
    if not zero:
        return None
    validation = any(is_validation(name) for name in zero)
    return ScoreZeroThroughout(run, zero, Severity.ERROR if validation else Severity.WARNING)


#: Keras's ``MeanIoU`` under its default names (a second instance in a session gets ``_1``...).
_KERAS_MEAN_IOU = re.compile(r"^mean_io_u(?:_\d+)?$")
#: The highest mean of two class IoUs when one of them is 0.
_ONE_CLASS_CEILING = 0.5


def mean_iou_one_class(run: str, series: Series, thresholds: SaturationThresholds,
                       multiclass: bool = False) -> MeanIouOneClass | None:
    """Keras ``MeanIoU`` series of a binary run whose median is below 0.5 and which stay within
    :attr:`~.SaturationThresholds.one_class_mean_iou_spread` over at least
    :attr:`~.SaturationThresholds.min_flat_epochs` epochs, while a Dice or IoU of the same
    phase spans :attr:`~.SaturationThresholds.moving_score_spread` or more. (Labels of one
    class make Keras's mean IoU 1, not 0.5: a median of 0.5 or more is left alone.)"""
    if multiclass:  # (1 - f) / 2 is the two-class arithmetic
        return None
    pinned: dict[str, dict] = {}
    for name, item in series.items():
        values = item.values[item.finite]
        if not _KERAS_MEAN_IOU.match(base_name(name)) or values.size < thresholds.min_flat_epochs:
            continue
        low, high, median = float(values.min()), float(values.max()), float(np.median(values))
        if (low < 0 or median >= _ONE_CLASS_CEILING
                or high - low > thresholds.one_class_mean_iou_spread):
            continue
        moving = _moving_score(series, is_validation(name), thresholds)
        if moving is None:
            continue
        moving_values = moving.values[moving.finite]
        pinned[name] = {"low": low, "high": high, "median": median,
                        "epochs": int(values.size), "background_share": 2 * median,
                        "moving": moving.name, "moving_low": float(moving_values.min()),
                        "moving_high": float(moving_values.max())}
    return MeanIouOneClass(run, pinned) if pinned else None


def _moving_score(series: Series, validation: bool, thresholds: SaturationThresholds
                  ) -> MetricSeries | None:
    """A Dice or IoU (not a Keras MeanIoU) of the phase that spans the moving spread."""
    for name, item in series.items():
        if (is_validation(name) != validation or metric_kind(name) not in ("dice", "iou")
                or _KERAS_MEAN_IOU.match(base_name(name))):
            continue
        values = item.values[item.finite]
        if values.size and float(values.max() - values.min()) >= thresholds.moving_score_spread:
            return item
    return None
