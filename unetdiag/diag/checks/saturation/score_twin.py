"""An IoU or Dice equal to the pixel accuracy beside it at every epoch while both move: two
metrics that agree only in special cases, with its typed evidence and its sentences.

For binary labels and thresholded predictions pooled over the pixels, ``IoU = TP / (TP + FP
+ FN)`` and ``accuracy = (TP + TN) / N`` are equal exactly when ``TN * (FP + FN) = 0``: no
pixel correctly predicted background, or every pixel right. The Dice ``2TP / (2TP + FP +
FN)`` and the accuracy are both ``x / (x + FP + FN)``, at ``x = 2TP`` and ``x = TP + TN``:
equal exactly when ``TP = TN`` (half the pixels foreground and the errors split evenly keep
them equal) or every pixel is right; a Dice summed over both channels of one-hot labels and
predictions is the accuracy itself (twice the pixels right over 2N). Equal to every printed
decimal at every epoch of a phase while the values move is therefore TN = 0 throughout (an
IoU; or too few true negatives to show in the printed decimals), TP = TN throughout (a
Dice), or the two metrics computing one quantity (an "IoU" implemented as an accuracy; both
fed the same function), which the numbers do not tell apart (a Stack Overflow question
mirrored at whosebug.com, 5901045: ``IOU`` identical to ``accuracy`` at every epoch, 0.51,
0.31, 0.17).

>>> from unetdiag.diag.checks.saturation.metrics import metric_series
>>> claim = score_equals_accuracy("r", metric_series({
...     "accuracy": [0.51, 0.3135, 0.1728], "IOU": [0.51, 0.3135, 0.1728]}), False)
>>> claim.metrics["IOU"]["accuracy"], claim.metrics["IOU"]["epochs"]
('accuracy', [1, 2, 3])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from unetdiag.diag.checks.saturation import ids
from unetdiag.diag.checks.saturation.evidence import NOT_REPORTED, MetricsClaim
from unetdiag.diag.checks.saturation.metrics import MetricSeries, Series, phases
from unetdiag.diag.checks.saturation.words import epoch_span, finding
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.wording.text import join_names

#: Fewer epochs than this in a phase, both logged, prove no agreement beyond chance.
MIN_EQUAL_EPOCHS = 3
#: Two prints equal to this are one value (a float read back from the same text).
_SAME = 1e-9


@dataclass(frozen=True)
class ScoreEqualsAccuracy(MetricsClaim):
    """Scores (IoU or Dice) equal to their phase's accuracy at every epoch both log.

    ``metrics``: score name -> the accuracy it equals (``accuracy``), its kind (``kind``:
    "iou" or "dice"), the epochs compared (``epochs``, as the log numbers them) and their
    values (``values``)."""

    severity: Severity = field(default=Severity.WARNING, metadata=NOT_REPORTED)


def _equal_epochs(score: MetricSeries, accuracy: MetricSeries) -> list[int] | None:
    """The score's positions at the epochs where both are finite, when they agree at every
    one of them, there are enough of them and the values move (a constant 1.0 or 0.0 agrees
    by saturation). Epochs are matched by number: a monitor's series can start at different
    epochs (a metric added on resume)."""
    score_at = np.flatnonzero(score.finite)
    accuracy_at = np.flatnonzero(accuracy.finite)
    _, in_score, in_accuracy = np.intersect1d(
        score.numbers[score_at], accuracy.numbers[accuracy_at], return_indices=True)
    score_at, accuracy_at = score_at[in_score], accuracy_at[in_accuracy]
    if score_at.size < MIN_EQUAL_EPOCHS:
        return None
    if np.any(np.abs(score.values[score_at] - accuracy.values[accuracy_at]) > _SAME):
        return None
    if np.ptp(accuracy.values[accuracy_at]) <= _SAME:
        return None
    return [int(position) for position in score_at]


def score_equals_accuracy(run: str, series: Series, multiclass: bool
                          ) -> ScoreEqualsAccuracy | None:
    """The scores of a binary run equal to their phase's accuracy at every epoch, or None."""
    if multiclass:
        return None
    found: dict[str, dict] = {}
    for _, phase in phases(series):
        accuracy = phase.get("accuracy")
        for kind in ("iou", "dice"):
            score = phase.get(kind)
            if accuracy is None or score is None:
                continue
            positions = _equal_epochs(score, accuracy)
            if positions is not None:
                found[score.name] = {
                    "accuracy": accuracy.name, "kind": kind,
                    "epochs": [int(score.numbers[p]) for p in positions],
                    "values": [float(score.values[p]) for p in positions]}
    return ScoreEqualsAccuracy(run, found) if found else None


def score_equals_accuracy_finding(claim: ScoreEqualsAccuracy) -> Finding:
    pairs = join_names([f"{name} equals {data['accuracy']}"
                        for name, data in claim.metrics.items()])
    epochs = {name: epoch_span(data["epochs"]) for name, data in claim.metrics.items()}
    shown = "; ".join(f"{name} and {data['accuracy']} both "
                      + ", ".join(f"{value:.4f}" for value in data["values"][:4])
                      + (", ..." if len(data["values"]) > 4 else "")
                      + f" at epochs {epochs[name]}" for name, data in claim.metrics.items())
    kinds = {data["kind"] for data in claim.metrics.values()}
    algebra, readings, first = [], [], []
    if "iou" in kinds:
        algebra.append("an IoU, TP/(TP+FP+FN), equals the pixel accuracy, (TP+TN)/N, only "
                       "where no pixel is correctly predicted background (TN = 0) or every "
                       "pixel is right")
        readings.append("TN = 0 at every epoch (no background pixel predicted as background, "
                        "or too few to show in the printed decimals; for an IoU averaged per "
                        "image or batch, none in each one not scored perfectly)")
        first.append("the model predicts no background pixel as background")
    if "dice" in kinds:
        accuracy = "it" if "iou" in kinds else "the pixel accuracy, (TP+TN)/N,"
        algebra.append(f"a Dice, 2TP/(2TP+FP+FN), equals {accuracy} only where as many pixels are "
                       "correctly foreground as correctly background (TP = TN: both are "
                       "x/(x+FP+FN), at x = 2TP and x = TP+TN) or every pixel is right")
        readings.append("TP = TN at every epoch (which holds throughout when half the pixels "
                        "are foreground and the errors split evenly between false positives "
                        "and false negatives)")
        first.append("the score is a true Dice")
    return finding(
        ids.SCORE_EQUALS_ACCURACY, claim,
        title=(f"{claim.run}: {pairs} to every printed decimal at every epoch both log, "
               "while they move"),
        explanation=(
            f"{shown}. For binary labels and thresholded predictions pooled over the pixels, "
            f"{'; '.join(algebra)}. Agreeing to every printed decimal at each epoch while the "
            f"values move is consistent with {' or '.join(readings)}, or with the two metrics "
            "computing one quantity (a score implemented as an accuracy, both given the same "
            "function"
            + (", or a Dice summed over both channels of one-hot labels and predictions: "
               "twice the pixels right over 2N is the accuracy" if "dice" in kinds else "")
            + "): the numbers do not tell which. "
            f"Under the {'first readings' if len(first) > 1 else 'first'}, "
            f"{' and '.join(first)}; under the last, the score measures no overlap at all."),
        fix=("Check the score's definition against the accuracy's (a custom metric that "
             "rounds and compares pixels is an accuracy), then score a few predictions by "
             "hand: count the true negatives and compute IoU and Dice from the confusion "
             "matrix."))
