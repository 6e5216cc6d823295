"""An IoU above the bound the recall or the precision of the same phase puts on it, with its
typed evidence and its sentences.

For binary labels and predictions thresholded alike, the foreground's IoU is
``TP / (TP + FP + FN)``: at most the recall ``TP / (TP + FN)`` and at most the precision
``TP / (TP + FP)``. A mean IoU over the two classes present adds the background's IoU, at
most 1, so it is at most ``(1 + recall) / 2``. A recall above 0 says the labels hold
foreground (Keras's Recall prints 0 also when they hold none, which leaves the mean IoU free:
only the classes present count). An IoU above its bound therefore proves that the IoU and
the recall were not computed from the same thresholded predictions and labels; Keras's
MeanIoU is the usual cause: it casts labels and predictions to integer class ids, so every
value below 1 is class 0, where Recall counts a label as positive when it is not 0 and a
prediction when it is above 0.5 (Unet-for-Person-Segmentation#1: mean_io_u 1.0000 beside
recall 0.0071).

The bound holds between counts pooled over the same pixels, so only Keras's metric classes,
which pool their counts over the epoch, are compared, by the names Keras gives them: a
function metric (``iou_coef``, ``recall_m``) is Keras's mean of its per-batch values, and a
mean of per-batch IoUs (1 on a batch without foreground when smoothed) can exceed a pooled
or per-batch-mean recall (0 on such a batch) with every prediction the same. ``binary_io_u``
is a mean over classes 0 and 1 unless told otherwise (BinaryIoU's default target_class_ids),
so its bound is the mean's; ``io_u`` (IoU with target_class_ids the log does not give, [0]
among them: the background's IoU, which no recall bounds) and the one-hot IoUs (an argmax over
classes, not a threshold of 0.5) are left out. A function may still be named ``recall``, so
the sentence says "proves" under that assumption.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from unetdiag.diag.checks.saturation import ids
from unetdiag.diag.checks.saturation.algebra import Assumption
from unetdiag.diag.checks.saturation.evidence import NOT_REPORTED, MetricsClaim
from unetdiag.diag.checks.saturation.metrics import (
    Series,
    base_name,
    is_validation,
    validation_first,
)
from unetdiag.diag.checks.saturation.words import finding
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.wording.text import join_names

#: How far above its bound an IoU must print to count: beyond Keras's four decimals.
PRINTED_SLACK = 1e-3
#: Keras's own names for its IoU classes that a recall bounds, each a mean over classes 0 and
#: 1 here (BinaryIoU's default target_class_ids), with the ``_1`` of a second instance;
#: Keras 2 and 3 name MeanIoU ``mean_io_u`` alike.
_KERAS_IOU_RE = re.compile(r"^(?:mean|binary)_io_u(?:_\d+)?$")
#: Keras's names for Recall and Precision (a second instance: ``recall_1``).
_KERAS_BOUND_RE = re.compile(r"^(?:recall|precision)(?:_\d+)?$")


@dataclass(frozen=True)
class IouExceedsRecallBound(MetricsClaim):
    """IoU metrics above the bound the same phase's recall or precision puts on them.

    ``metrics``: IoU name -> value, epoch, bound, bounded_by (the recall or precision
    name), bounded_value; each IoU a mean over classes 0 and 1, so its bound is (1 + r) / 2.
    ``no_true_positive``: a recall printed as 0 at every epoch logged (name -> its epochs):
    not one true positive there, or no foreground in its labels.
    """

    no_true_positive: dict[str, list[int]] = field(default_factory=dict)
    severity: Severity = field(default=Severity.WARNING, metadata=NOT_REPORTED)
    assumptions: ClassVar[tuple[Assumption, ...]] = (Assumption.BINARY_LABELS,)


def _scores(series: Series, validation: bool, prefix: str) -> dict[str, object]:
    return {name: item for name, item in series.items()
            if is_validation(name) == validation
            and base_name(name).lower().startswith(prefix)
            and _KERAS_BOUND_RE.match(base_name(name).lower())}


def iou_exceeds_recall_bound(run: str, series: Series, multiclass: bool = False
                             ) -> IouExceedsRecallBound | None:
    """Keras's two-class IoUs of a binary run above ``(1 + recall) / 2``, or above the
    precision's alike, at an epoch where that recall or precision is above 0."""
    if multiclass:
        return None
    found: dict[str, dict] = {}
    zero: dict[str, list[int]] = {}
    for validation in (True, False):
        recalls = _scores(series, validation, "recall")
        bounds = {**recalls, **_scores(series, validation, "precision")}
        for name, item in recalls.items():
            finite = np.flatnonzero(item.finite)
            if finite.size and not np.any(item.values[finite]):
                zero[name] = [item.epoch(int(at)) for at in finite]
        for name, iou in series.items():
            if (is_validation(name) != validation
                    or not _KERAS_IOU_RE.match(base_name(name).lower())):
                continue
            for bound_name, bound in bounds.items():
                length = min(iou.values.size, bound.values.size)
                limit = (1 + bound.values[:length]) / 2
                over = np.flatnonzero(iou.finite[:length] & bound.finite[:length]
                                      & (bound.values[:length] > 0)
                                      & (iou.values[:length] > limit + PRINTED_SLACK))
                at = int(over[-1]) if over.size else -1
                if over.size and (name not in found or limit[at] < found[name]["bound"]):
                    found[name] = {"value": float(iou.values[at]), "epoch": iou.epoch(at),
                                   "bound": float(limit[at]), "bounded_by": bound_name,
                                   "bounded_value": float(bound.values[at])}
    if not found:
        return None
    return IouExceedsRecallBound(run, found, zero)


def iou_exceeds_recall_bound_finding(claim: IouExceedsRecallBound) -> Finding:
    name = validation_first(claim.metrics)
    data = claim.metrics[name]
    by, by_value = data["bounded_by"], data["bounded_value"]
    kind = "Recall" if base_name(by).startswith("recall") else "Precision"
    formula = f"(1 + {by}) / 2 = (1 + {by_value:.4f}) / 2 = {data['bound']:.4f}"
    others = [n for n in claim.metrics if n != name]
    zeros = [f"{n} 0 at epoch{'s' if len(e) > 1 else ''} "
             f"{', '.join(map(str, e))}" for n, e in claim.no_true_positive.items()
             if is_validation(n)]
    return finding(
        ids.IOU_EXCEEDS_RECALL_BOUND, claim,
        title=(f"{claim.run}: {name} {data['value']:.4f} is above the {data['bound']:.4f} "
               f"that {by} {by_value:.4f} allows: if both are Keras's metric classes, they "
               "were not computed from the same thresholded predictions and labels"),
        explanation=(
            f"At epoch {data['epoch']}, {name} is {data['value']:.4f}. For binary labels and "
            "predictions thresholded alike, the foreground's IoU TP / (TP + FP + FN) is at "
            "most the recall TP / (TP + FN) and the precision TP / (TP + FP), and a mean over "
            "the two classes (MeanIoU; BinaryIoU with its default target_class_ids) adds a "
            f"background IoU of at most 1; {by} {by_value:.4f} above 0 says the labels hold "
            f"foreground, so {name} is at most {formula}. If {by} is Keras's {kind}, which "
            f"pools its counts over the epoch as {name} does, {data['value']:.4f} proves the "
            "two were computed from different thresholded predictions or labels"
            + (f" ({join_names(others)} alike)" if others else "")
            + f"; a metric function named {base_name(by)} is instead Keras's mean of its "
            "per-batch values (0 on a batch without foreground), which this bound does not "
            "hold for. Keras's MeanIoU casts labels and predictions to integer class ids, so "
            "every value below 1 is class 0, while Recall and Precision count a label as "
            "positive when it is not 0 and a prediction when it is above their threshold "
            "(0.5 unless set): a mean IoU of 1.0000 is consistent with a MeanIoU that saw "
            "class 0 only, in labels below 1 everywhere (soft, resized or rescaled masks) and "
            "a sigmoid's probabilities."
            + (f" {join_names(zeros)}: not one true positive in validation (or no foreground "
               "in its labels: Keras prints 0 then too), so no bound applies there."
               if zeros else "")),
        fix=("Give the IoU metric the predictions and labels Recall sees: "
             "keras.metrics.BinaryIoU(target_class_ids=[1], threshold=0.5) for a sigmoid "
             "output, the same threshold in both, and masks of exactly 0 and 1 "
             "(`unetdiag audit-data` reports their values)."))
