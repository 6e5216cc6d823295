"""Keras metrics for binary segmentation, streamed over an epoch: :class:`HardDice`,
:class:`HardIoU`, :class:`SoftDiceMetric`, :class:`PredictedPositiveFraction`.

Each keeps float32 sums (``aggregation="sum"``, so replicas add up); how each is reduced, and
how ignored pixels and NaN predictions are treated, is in :mod:`unetdiag.training.losses`'s
docstring. The values equal :mod:`unetdiag.diag.core.dice`'s definitions (the tests hold them).

>>> import numpy as np
>>> metric = HardDice()
>>> metric.update_state(np.array([[[1., 1.], [0., 0.]]]), np.array([[[0.9, 0.2], [0., 0.6]]]))
>>> round(float(metric.result()), 6)
0.5
"""

from __future__ import annotations

import keras
from keras import ops

from unetdiag.diag.core.dice import DEFAULT_DICE, SEED_DICE, DiceConfig
from unetdiag.training.overlap import (
    COMPUTE_DTYPE,
    DEFAULT_EMPTY_RULE,
    DEFAULT_THRESHOLD,
    as_float32,
    hard_dice_scores,
    hard_iou_scores,
    non_finite_marker,
    soft_dice_ratios,
    validate_empty_rule,
    validate_threshold,
)
from unetdiag.training.pixel_weights import (
    aligned_weights,
    is_pixel_weight,
)

_register = keras.saving.register_keras_serializable(package="unetdiag")


def _per_image_weights(sample_weight, image_count):
    """``sample_weight`` as a float32 ``(N,)`` vector of per-image weights (ones if None or
    per-pixel: pixel weights act inside each image's sums)."""
    if sample_weight is None or is_pixel_weight(sample_weight):
        return ops.ones((image_count,), dtype=COMPUTE_DTYPE)
    weights = ops.reshape(as_float32(sample_weight), (-1,))
    known = weights.shape[0]
    if known is not None and isinstance(image_count, int) and known != image_count:
        raise ValueError(f"sample_weight must hold one weight per image ({image_count}), "
                         f"got {tuple(ops.shape(sample_weight))}")
    return weights


class _StreamingImageMean(keras.metrics.Metric):
    """Streams a weighted mean of per-image values: float32 ``total`` and ``count``.

    The result is ``total / count``, NaN while no image has been counted (e.g. every image
    empty under ``empty="exclude"``: the mean is undefined, as in :mod:`unetdiag.diag.core.dice`).
    """

    def __init__(self, name: str) -> None:
        super().__init__(name=name, dtype=COMPUTE_DTYPE)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=COMPUTE_DTYPE,
                                       name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", dtype=COMPUTE_DTYPE,
                                       name="count")

    def _accumulate(self, values, counted, sample_weight) -> None:
        weights = _per_image_weights(sample_weight, ops.shape(values)[0]) * counted
        self.total.assign_add(ops.sum(values * weights))
        self.count.assign_add(ops.sum(weights))

    def result(self):
        return ops.where(self.count > 0, ops.divide_no_nan(self.total, self.count),
                         float("nan"))


class _HardOverlapMetric(_StreamingImageMean):
    """Streaming mean of a per-image hard overlap score; subclasses set ``score_function``
    (``(y_true, y_pred, threshold, empty) -> (scores, counted)``)."""

    score_function = staticmethod(hard_dice_scores)

    def __init__(self, threshold: float, empty: str, name: str) -> None:
        super().__init__(name=name)
        self.threshold = validate_threshold(threshold)
        self.empty = validate_empty_rule(empty)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        pixel_weights = sample_weight if is_pixel_weight(sample_weight) else None
        scores, counted = self.score_function(y_true, y_pred, self.threshold, self.empty,
                                              pixel_weights)
        self._accumulate(scores, counted, sample_weight)

    def get_config(self) -> dict:
        return {"threshold": self.threshold, "empty": self.empty, "name": self.name}


@_register
class HardDice(_HardOverlapMetric):
    """Mean over images of the hard Dice ``2|T∩P| / (|T| + |P|)`` of ``y_pred > threshold``.

    Args:
        threshold: probability cut for predicted foreground.
        empty: what an image with empty mask and empty prediction scores: ``"exclude"``
            (left out of the mean), ``"one"`` or ``"zero"``.
        name: the metric's name (Keras logs it as ``dice`` / ``val_dice``).

    ``update_state`` accepts per-image ``sample_weight`` of shape ``(N,)``. The result is NaN
    while no image has been counted (every image empty under ``"exclude"``).

    >>> import numpy as np
    >>> metric = HardDice()
    >>> metric.update_state(np.ones((1, 2, 2, 1)), np.full((1, 2, 2, 1), 0.9))
    >>> float(metric.result())
    1.0
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, empty: str = DEFAULT_EMPTY_RULE,
                 name: str = "dice") -> None:
        super().__init__(threshold, empty, name)


@_register
class HardIoU(_HardOverlapMetric):
    """Mean over images of the hard IoU ``|T∩P| / |T∪P|``; arguments as :class:`HardDice`."""

    score_function = staticmethod(hard_iou_scores)

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, empty: str = DEFAULT_EMPTY_RULE,
                 name: str = "iou") -> None:
        super().__init__(threshold, empty, name)


@_register
class SoftDiceMetric(_StreamingImageMean):
    """Reports the soft Dice of a named :class:`DiceConfig` during training.

    Under a ``"per_image"`` config the epoch value is the mean over all images seen. Under a
    ``"batch"`` config each batch gives one pooled ratio and the epoch value is the mean of
    those per-batch ratios, which is neither the pooled Dice of the epoch nor a per-image
    mean: it is how Keras reported the original project's ``dice_coef``, reproduced exactly
    by ``SoftDiceMetric(SEED_DICE, name="seed_dice")``. Sample weights are accepted only under
    ``"per_image"`` (a batch-pooled value has no per-image part to weight).
    """

    def __init__(self, dice_config: DiceConfig = DEFAULT_DICE, name: str = "soft_dice") -> None:
        super().__init__(name=name)
        self.dice_config = dice_config

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        pixel_weights = sample_weight if is_pixel_weight(sample_weight) else None
        ratios = soft_dice_ratios(y_true, y_pred, self.dice_config, pixel_weights)
        if self.dice_config.reduction == "batch":
            if sample_weight is not None and pixel_weights is None:
                raise ValueError(f"{self.name}: a batch-pooled soft Dice is one value per "
                                 "batch and cannot take per-image sample weights; use a "
                                 "per_image DiceConfig")
            ratios = ops.reshape(ratios, (1,))
        self._accumulate(ratios, ops.ones_like(ratios), sample_weight)

    def get_config(self) -> dict:
        return {"dice_config": self.dice_config.to_dict(), "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> SoftDiceMetric:
        config = dict(config)
        config["dice_config"] = DiceConfig(**config["dice_config"])
        return cls(**config)


@_register
class PredictedPositiveFraction(_StreamingImageMean):
    """Fraction of pixels predicted foreground (``y_pred > threshold``): near 0 or 1 means the
    model has collapsed to a constant answer. ``y_true`` is not used.

    Streams the mean of per-image fractions; every image of a Keras batch (and of a model's
    fixed input size) has the same pixel count, so this is the pooled pixel fraction, kept as
    a sum of small numbers for float32 precision over long epochs.
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD,
                 name: str = "predicted_positive_fraction") -> None:
        super().__init__(name=name)
        self.threshold = validate_threshold(threshold)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = as_float32(y_pred)
        if len(y_pred.shape) == 2:
            y_pred = y_pred[None]
        positive = ops.cast(y_pred > self.threshold, COMPUTE_DTYPE)
        axes = tuple(range(1, len(positive.shape)))
        if is_pixel_weight(sample_weight):
            # the share of each image's weighted pixels; an image with none is not counted
            weights = aligned_weights(sample_weight, positive)
            counted_pixels = ops.sum(weights, axis=axes)
            fractions = ops.divide_no_nan(ops.sum(positive * weights, axis=axes),
                                          counted_pixels)
            counted = ops.cast(counted_pixels > 0, COMPUTE_DTYPE)
        else:
            fractions = ops.mean(positive, axis=axes)
            counted = ops.ones_like(fractions)
        fractions = fractions + non_finite_marker(y_pred)  # NaN predictions read NaN
        self._accumulate(fractions, counted, sample_weight)

    def get_config(self) -> dict:
        return {"threshold": self.threshold, "name": self.name}


def build_metrics(threshold: float = DEFAULT_THRESHOLD,
                  empty: str = DEFAULT_EMPTY_RULE) -> list[keras.metrics.Metric]:
    """The trainer's metrics: ``accuracy``, ``dice`` and ``iou`` (hard, per image),
    ``seed_dice`` (the original project's soft batch Dice, for comparison) and
    ``predicted_positive_fraction`` (collapse detector)."""
    return [keras.metrics.BinaryAccuracy(name="accuracy", threshold=threshold),
            HardDice(threshold, empty),
            HardIoU(threshold, empty),
            SoftDiceMetric(SEED_DICE, name="seed_dice"),
            PredictedPositiveFraction(threshold)]
