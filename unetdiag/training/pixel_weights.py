"""Per-pixel weights of the losses and metrics in :mod:`unetdiag.training.losses`: how ignored
pixels (weight 0) are kept out of every sum.

A Keras ``sample_weight`` is per image (shape ``(N,)``) or per pixel (``(N, H, W, 1)`` or
``(N, H, W)``). Keras multiplies a loss's returned values by it and divides by every value,
which suits neither a Dice loss (the weights belong inside its sums) nor a pixel-wise loss
with an ignore label (the ignored pixels would still dilute the mean). These helpers do it the
nnU-Net way: weighted sums, means over the weighted pixels.

>>> import numpy as np
>>> float(pixel_weighted_mean(np.array([[[1.0, 3.0]]]), np.array([[[1.0, 0.0]]])))
1.0
"""

from __future__ import annotations

import keras
from keras import ops

#: Every weight is used in this dtype (as the sums of :mod:`unetdiag.training.losses`).
COMPUTE_DTYPE = "float32"


def _as_float32(array):
    return ops.cast(ops.convert_to_tensor(array), COMPUTE_DTYPE)


def is_pixel_weight(sample_weight) -> bool:
    """True for a per-pixel weight (3 or more axes), False for ``None`` or one per image."""
    return sample_weight is not None and len(ops.shape(sample_weight)) >= 3


def aligned_weights(pixel_weights, y_true):
    """Per-pixel weights as float32 of ``y_true``'s shape (a missing channel axis added)."""
    weights = _as_float32(pixel_weights)
    if len(weights.shape) == len(y_true.shape) - 1:
        weights = ops.expand_dims(weights, -1)
    return ops.broadcast_to(weights, ops.shape(y_true))


def reduced(values, reduction: str | None):
    """Keras's reduction of per-image loss values without weights."""
    if reduction in (None, "none"):
        return values
    if reduction == "sum":
        return ops.sum(values)
    return ops.mean(values)


def pixel_weighted_mean(per_pixel, pixel_weights):
    """``sum(w * loss) / sum(w)`` over every pixel of the batch (0 when every weight is 0):
    the mean over the weighted pixels, as nnU-Net's losses with an ignore label. ``per_pixel``
    may lack the channel axis of the weights."""
    weights = _as_float32(pixel_weights)
    per_pixel = _as_float32(per_pixel)
    if len(weights.shape) == len(per_pixel.shape) + 1:
        weights = ops.squeeze(weights, -1)
    weights = ops.broadcast_to(weights, ops.shape(per_pixel))
    return ops.divide_no_nan(ops.sum(per_pixel * weights), ops.sum(weights))


class PixelWeightedMeanLoss:
    """Mixin for pixel-wise Keras losses (``call`` returns one value per pixel): a per-pixel
    ``sample_weight`` gives the mean over the weighted pixels, not Keras's sum divided by
    every pixel, so ignored pixels neither count nor dilute the loss. Other weights go to
    Keras as usual."""

    def __call__(self, y_true, y_pred, sample_weight=None):
        if not is_pixel_weight(sample_weight):
            return super().__call__(y_true, y_pred, sample_weight)
        with keras.name_scope(self.name):
            return pixel_weighted_mean(self.call(_as_float32(y_true), y_pred), sample_weight)
