"""Values labels and predictions in [0, 1] cannot produce, and what they are consistent with.

A Dice above 1, an IoU above 1, a negative score or a loss below 0 (that is not a negated
score) are impossible for labels and predictions in [0, 1]. Several causes fit each: labels
on a 0-255 scale, a model whose output is not a probability (no final sigmoid, or a metric fed
logits), or a loss whose minimum is below 0 by construction. The other metrics decide:

- an accuracy below any constant predictor's points at the labels (a binary accuracy compares
  the thresholded prediction with the label, and a label of 255 never equals it);
- a small negative loss while every Dice/IoU/F1 of its phase stays in [0, 1] is the loss's
  own doing (labels on 0-255 push 1 - Dice towards -1 and the scores above 1);
- an accuracy outside [0, 1] is no label's doing at all: an accuracy is a share of matches.

A Dice (or IoU) too high for its accuracy breaks a bound that holds for binary {0, 1} labels
and predictions in [0, 1] on the same images: labels above 1 and soft labels in between (JPEG
masks divided by 255 and never thresholded) both break it, as does an accuracy that is not
the binary pixel accuracy of those masks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from unetdiag.diag.checks.saturation.algebra import (
    WORSE_THAN_ANY_CONSTANT_ACCURACY,
    max_soft_dice,
    max_soft_iou,
    mean_label_if_all_ones,
)
from unetdiag.diag.checks.saturation.evidence import (
    AccuracyBoundBreach,
    BoundBreach,
    Cause,
    DiceAboveOne,
    NegativeLoss,
    NegativeLossScoresInRange,
    OutOfRange,
    causes,
)
from unetdiag.diag.checks.saturation.metrics import (
    SCORE_KINDS,
    VALIDATION_PREFIX,
    MetricSeries,
    Series,
    is_validation,
    metric_kind,
    phases,
)
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds
from unetdiag.diag.core.findings import Severity

#: A loss named after an overlap score: ``dice_coef_loss``, ``neg_iou_loss``, ``f1_loss``.
_SCORE_LOSS_RE = re.compile(r"(?i)(?=.*(?:dice|iou|jaccard|f1|f_?score))(?=.*loss)")
#: The bound an accuracy puts on a soft score of each kind (binary labels, same images).
SCORE_BOUNDS = {"dice": max_soft_dice, "iou": max_soft_iou}


def _extreme(item: MetricSeries, above: bool) -> tuple[float, int]:
    """(most extreme finite value, the epoch it first occurs at)."""
    values = np.where(item.finite, item.values, -np.inf if above else np.inf)
    index = int(np.argmax(values) if above else np.argmin(values))
    return float(item.values[index]), item.epoch(index)


def _first_epoch(item: MetricSeries, where: np.ndarray) -> int:
    """The first epoch at which ``where`` holds for a finite value."""
    return item.epoch(int(np.flatnonzero(item.finite & where)[0]))


def _same_phase_scores(name: str, series: Series) -> dict[str, MetricSeries]:
    return {n: s for n, s in series.items() if metric_kind(n) in ("dice", "iou")
            and is_validation(n) == is_validation(name)}


def _is_negated_score(name: str, loss: MetricSeries, series: Series, tolerance: float) -> bool:
    """A loss defined as -Dice (negative by design) mirrors a logged Dice in [0, 1]; a
    validation loss is the same function as its training loss, which may show it (Keras
    averages a validation loss and its metric over batches differently: -0.4080 beside a
    val_dice_coef of 0.4053)."""
    if is_validation(name):
        training = series.get(name[len(VALIDATION_PREFIX):])
        if training is not None and _is_negated_score(training.name, training, series,
                                                      tolerance):
            return True
    for score in _same_phase_scores(name, series).values():
        both = loss.finite & score.finite
        if (both.any() and np.all(np.abs(loss.values[both] + score.values[both]) <= tolerance)
                and np.all(score.values[both] <= 1)):
            return True
    return False


def _negated_by_name(name: str, finite: np.ndarray, slack: float, series: Series) -> bool:
    """A loss named after a score (``dice_coef_loss``) whose every value is within [-1, 0]:
    the range of -score for labels and predictions in [0, 1] (nuclei notebook: -0.8069 to
    -0.8905). Labels on a 0-255 scale push a Dice above 1, so -Dice below -1. Only when
    neither its phase nor, for a validation loss, the training phase logs a Dice or IoU:
    :func:`_is_negated_score` has compared the loss with one, and found it is not -score
    (``bce - dice`` at -0.2 to -0.65 beside a dice_coef of 0.55 to 0.82)."""
    phases = [name] + ([name[len(VALIDATION_PREFIX):]] if is_validation(name) else [])
    return (bool(_SCORE_LOSS_RE.search(name)) and finite.size > 0
            and finite.max() <= slack and finite.min() >= -1 - slack
            and not any(_same_phase_scores(phase, series) for phase in phases))


def _labels_pinned(series: Series, multiclass: bool) -> bool:
    """A binary accuracy below any constant predictor's: the labels, not the predictions."""
    if multiclass:
        return False
    return any(item.last_finite() is not None
               and item.last_finite()[1] < WORSE_THAN_ANY_CONSTANT_ACCURACY
               for name, item in series.items() if metric_kind(name) == "accuracy")


def _scale_causes(pinned: bool) -> tuple[str, ...]:
    if pinned:
        return causes(Cause.LABELS_ABOVE_ONE)
    return causes(Cause.LABELS_ABOVE_ONE, Cause.PREDICTIONS_OUTSIDE_UNIT_INTERVAL)


def _negative_losses(run: str, series: Series, tolerance: float,
                     thresholds: SaturationThresholds, pinned: bool
                     ) -> list[NegativeLoss | NegativeLossScoresInRange]:
    """Losses below 0, judged by their size and by their phase's scores."""
    slack = thresholds.range_slack
    unexplained: dict[str, dict] = {}
    own: dict[str, dict] = {}
    own_scores: dict[str, dict] = {}
    negated: dict[str, dict] = {}
    scores_out = scores_logged = False
    for name, item in series.items():
        finite = item.values[item.finite]
        if (metric_kind(name) != "loss" or not finite.size or finite.min() >= -slack
                or _is_negated_score(name, item, series, tolerance)):
            continue
        scores_above_one = any(  # then 1 - Dice with labels above 1 fits as well
            (score.values[score.finite] > 1 + slack).any() for score_name, score in
            series.items() if metric_kind(score_name) in ("dice", "iou"))
        if not pinned and not scores_above_one and _negated_by_name(name, finite, slack, series):
            value, epoch = _extreme(item, above=False)
            negated[name] = {"min": value, "epoch_of_min": epoch, "max": float(finite.max())}
            continue
        value, epoch = _extreme(item, above=False)
        numbers = {"min": value, "epoch_of_min": epoch,
                   "first_negative_epoch": _first_epoch(item, item.values < -slack)}
        scores = _same_phase_scores(name, series)
        negative_epochs = item.finite & (item.values < -slack)
        ranges = {}
        for score_name, score in scores.items():
            at = score.values[negative_epochs & score.finite]
            if at.size:
                ranges[score_name] = {"min": float(at.min()), "max": float(at.max())}
        in_range = bool(ranges) and all(-slack <= r["min"] and r["max"] <= 1 + slack
                                        for r in ranges.values())
        scores_logged = scores_logged or bool(ranges)
        if in_range and value >= -thresholds.small_negative_loss:
            own[name] = numbers
            own_scores.update(ranges)
        else:
            unexplained[name] = numbers
            scores_out = scores_out or (bool(ranges) and not in_range)
    claims: list[NegativeLoss | NegativeLossScoresInRange] = []
    if unexplained:
        found = _scale_causes(pinned) if scores_out else causes(
            Cause.LABELS_ABOVE_ONE, Cause.PREDICTIONS_OUTSIDE_UNIT_INTERVAL,
            Cause.LOSS_BELOW_ZERO_BY_DESIGN)
        severity = Severity.ERROR if scores_out or pinned else Severity.WARNING
        claims.append(NegativeLoss(run, unexplained, found, scores_logged, severity))
    if own:
        claims.append(NegativeLossScoresInRange(run, own, own_scores))
    if negated:
        claims.append(NegativeLossScoresInRange(run, negated, {}, negated_score=True))
    return claims


def label_scale(run: str, series: Series, tolerance: float, thresholds: SaturationThresholds,
                multiclass: bool = False
                ) -> list[DiceAboveOne | NegativeLoss | NegativeLossScoresInRange | OutOfRange]:
    """Values that labels and predictions in [0, 1] cannot produce, with their causes."""
    slack = thresholds.range_slack
    above: dict[str, dict] = {}
    out_of_range: dict[str, dict] = {}
    for name, item in series.items():
        kind = metric_kind(name)
        finite = item.values[item.finite]
        if not finite.size or kind not in SCORE_KINDS:
            continue
        if kind == "dice" and finite.max() > 1 + slack:
            value, epoch = _extreme(item, above=True)
            above[name] = {"max": value, "first_epoch_of_max": epoch,
                           "first_epoch_above_one": _first_epoch(item, item.values > 1 + slack)}
        elif finite.min() < -slack or finite.max() > 1 + slack:
            out_of_range[name] = {"min": float(finite.min()), "max": float(finite.max()),
                                  "kind": kind}
    pinned = _labels_pinned(series, multiclass)
    claims: list = []
    if above:
        accuracies = {name: item.last_finite()[1] for name, item in series.items()
                      if metric_kind(name) == "accuracy" and item.last_finite() is not None}
        worst = max(value["max"] for value in above.values())
        claims.append(DiceAboveOne(run, above, _scale_causes(pinned),
                                   mean_label_if_all_ones(worst), accuracies))
    claims += _negative_losses(run, series, tolerance, thresholds, pinned)
    if out_of_range:
        kinds = {data["kind"] for data in out_of_range.values()}
        # every accuracy of the run outside [0, 1] and inside [0, 100]: a percentage (red
        # team s31: zhixuhao's log with acc 91.40 ... 96.91); a twin inside [0, 1] (train
        # 4.962, validation 0.6331) is the same function on another scale, no percentage
        accuracies = [name for name in series if metric_kind(name) == "accuracy"]
        percent = bool(accuracies) and all(
            name in out_of_range and out_of_range[name]["min"] >= 0
            and out_of_range[name]["max"] <= 100 for name in accuracies)
        found = (_scale_causes(pinned) if kinds - {"accuracy"} else ()) + (
            causes(Cause.METRIC_IN_PERCENT) if percent else ()) + (
            causes(Cause.METRIC_COMPUTED_WRONGLY) if "accuracy" in kinds else ())
        claims.append(OutOfRange(run, out_of_range, found))
    return claims


def _bound_breach(phase: Mapping[str, MetricSeries], kind: str, tolerance: float,
                  thresholds: SaturationThresholds) -> BoundBreach | None:
    """The epoch where the phase's score of ``kind`` most exceeds its accuracy's bound."""
    accuracy, score = phase.get("accuracy"), phase.get(kind)
    if accuracy is None or score is None:
        return None
    both = accuracy.finite & score.finite & (score.values <= 1 + thresholds.range_slack)
    with np.errstate(invalid="ignore", divide="ignore"):  # non-finite epochs are masked out
        bound = SCORE_BOUNDS[kind](accuracy.values)
        excess = np.where(both, score.values - bound, -np.inf)
    if not both.any() or excess.max() <= tolerance:
        return None
    worst = int(np.argmax(excess))
    return BoundBreach(
        score.name, accuracy.name, epoch=score.epoch(worst), score=float(score.values[worst]),
        accuracy=float(accuracy.values[worst]), max_score=float(bound[worst]),
        epochs_above_bound=score.epochs_at(np.flatnonzero(both & (excess > tolerance))))


def accuracy_bound_breaches(run: str, series: Series, tolerance: float,
                            thresholds: SaturationThresholds, multiclass: bool = False
                            ) -> list[AccuracyBoundBreach]:
    """A Dice above :func:`~.algebra.max_soft_dice` or an IoU above
    :func:`~.algebra.max_soft_iou` of its phase's accuracy (binary runs only)."""
    if multiclass:
        return []
    claims = []
    for kind in SCORE_BOUNDS:
        breaches = {name: breach for name, phase in phases(series)
                    if (breach := _bound_breach(phase, kind, tolerance, thresholds))}
        if breaches:
            claims.append(AccuracyBoundBreach(run, kind, breaches))
    return claims


def accuracy_fits_scores(phase: Mapping[str, MetricSeries], tolerance: float,
                         thresholds: SaturationThresholds) -> bool:
    """Whether the phase's accuracy can be a binary pixel accuracy of the masks its Dice and
    IoU score (no epoch breaks a bound): only then may a fingerprint read ``f`` from it."""
    return not any(_bound_breach(phase, kind, tolerance, thresholds) for kind in SCORE_BOUNDS)
