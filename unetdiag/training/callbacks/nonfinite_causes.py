"""Why a batch went non-finite: the numbers of the batch, judged (no wording here).

:func:`diagnose_non_finite_batch` turns the batch the guard saved into cause ids and the
evidence behind them; :mod:`unetdiag.training.callbacks.nonfinite_wording` turns those into
sentences and fixes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

import numpy as np

Cause = Literal["non_finite_inputs", "non_finite_labels", "labels_out_of_range",
                "non_finite_predictions", "dice_denominator_near_zero", "exploding_gradients",
                "unknown"]
#: Every cause, in the order the guard names them.
CAUSES: tuple[Cause, ...] = ("non_finite_inputs", "non_finite_labels", "labels_out_of_range",
                             "non_finite_predictions", "dice_denominator_near_zero",
                             "exploding_gradients", "unknown")
#: The causes that lie in the batch's data: training again, at any learning rate, meets the
#: same batch.
DATA_CAUSES: frozenset[Cause] = frozenset({"non_finite_inputs", "non_finite_labels",
                                           "labels_out_of_range"})


class NonFiniteDiagnosis(NamedTuple):
    """Cause ids, most likely first (``["unknown"]`` when nothing fits), and the numbers
    behind them (keys as in :func:`diagnose_non_finite_batch`)."""

    causes: list[Cause]
    evidence: dict[str, Any]


def diagnose_non_finite_batch(x: Sequence[np.ndarray], y: Sequence[np.ndarray],
                              y_pred: Sequence[np.ndarray], recent_gradient_norms: Sequence[float],
                              learning_rate: float | None, *,
                              tiny_dice_denominator: float = 1e-3,
                              explosion_ratio: float = 10.0) -> NonFiniteDiagnosis:
    """Likely causes of a non-finite step, from the batch that produced it.

    Args:
        x, y, y_pred: the batch's inputs, labels and predictions (lists of arrays; any may be
            empty when the batch was not copied).
        recent_gradient_norms: finite global gradient norms of the steps before, oldest first.
        learning_rate: the optimizer's learning rate at the failure.
        tiny_dice_denominator: a batch (or image) whose ``sum(y) + sum(p)`` is below this
            makes an unsmoothed Dice 0/0.
        explosion_ratio: the last norm this many times the median of the earlier ones is an
            explosion.

    Returns:
        ``(causes, evidence)``: cause ids from :data:`CAUSES`, most likely first
        (``["unknown"]`` when nothing fits), and the numbers behind them.

    >>> x = [np.zeros((2, 4, 4, 1), np.float32)]; x[0][1, 0, 0, 0] = np.nan
    >>> causes, evidence = diagnose_non_finite_batch(x, [np.zeros((2, 4, 4, 1))], [], [], 1e-3)
    >>> causes, evidence["input_non_finite_images"]
    (['non_finite_inputs', 'dice_denominator_near_zero'], [1])
    """
    causes: list[Cause] = []
    evidence: dict[str, Any] = {}
    inputs = [np.asarray(a) for a in x if np.asarray(a).dtype.kind == "f"]
    if inputs:
        bad_images = non_finite_images(inputs)
        evidence["input_non_finite_values"] = int(np.sum(bad_images))
        evidence["input_non_finite_images"] = np.flatnonzero(bad_images).tolist()
        if evidence["input_non_finite_values"]:
            causes.append("non_finite_inputs")
    labels = np.asarray(y[0], dtype=np.float64) if y else None
    if labels is not None:
        finite = np.isfinite(labels)
        evidence["label_non_finite_values"] = int(np.count_nonzero(~finite))
        if evidence["label_non_finite_values"]:
            causes.append("non_finite_labels")
        if finite.any():
            evidence["label_min"] = float(labels[finite].min())
            evidence["label_max"] = float(labels[finite].max())
            outside = int(np.count_nonzero(finite & ((labels < 0) | (labels > 1))))
            evidence["labels_out_of_range"] = outside
            if outside:
                causes.append("labels_out_of_range")
    predictions = np.asarray(y_pred[0], dtype=np.float64) if y_pred else None
    if predictions is not None:
        evidence["prediction_non_finite_values"] = int(np.count_nonzero(~np.isfinite(predictions)))
        if evidence["prediction_non_finite_values"] and not causes:
            causes.append("non_finite_predictions")
    if labels is not None:
        per_image = np.nan_to_num(labels, nan=0.0).reshape(labels.shape[0], -1).sum(axis=1)
        if predictions is not None and predictions.shape[0] == labels.shape[0]:
            per_image = per_image + np.nan_to_num(predictions, nan=0.0).reshape(
                predictions.shape[0], -1).sum(axis=1)
            evidence["dice_denominator_includes_predictions"] = True
        evidence["dice_denominator_batch"] = float(per_image.sum())
        evidence["dice_denominator_smallest_image"] = float(per_image.min())
        if per_image.sum() < tiny_dice_denominator or (
                not causes and per_image.min() < tiny_dice_denominator):
            causes.append("dice_denominator_near_zero")
    norms = [float(n) for n in recent_gradient_norms]
    evidence["recent_gradient_norms"] = norms
    evidence["learning_rate"] = learning_rate
    if len(norms) >= 2:
        earlier = float(np.median(norms[:-1]))
        growth = norms[-1] / earlier if earlier > 0 else math.inf
        evidence["gradient_norm_growth"] = growth
        if growth >= explosion_ratio:
            causes.append("exploding_gradients")
    return NonFiniteDiagnosis(causes or ["unknown"], evidence)


def non_finite_images(inputs: Sequence[np.ndarray]) -> np.ndarray:
    """Non-finite values per image (first axis), summed over the floating-point inputs.

    >>> non_finite_images([np.array([[0.0, np.nan], [1.0, 2.0]])])
    array([1, 0])
    """
    return sum(np.count_nonzero(~np.isfinite(a.reshape(a.shape[0], -1)), axis=1)
               for a in inputs)
