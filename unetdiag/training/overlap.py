"""Overlap arithmetic in ``keras.ops``: the float32 twin of :mod:`unetdiag.diag.core.dice`.

The per-image sums, soft Dice ratios and hard Dice/IoU scores that
:mod:`unetdiag.training.losses` trains with and :mod:`unetdiag.training.metrics` streams; the
tests hold every value equal to the NumPy definitions. Every sum is taken in float32 whatever
the input dtype (see :mod:`unetdiag.training.losses` for why). Callable on NumPy arrays.

>>> import numpy as np
>>> t = np.array([[[1., 1.], [0., 0.]]]); p = np.array([[[0.9, 0.2], [0., 0.6]]])
>>> scores, counted = hard_dice_scores(t, p)          # 2*1 / (2 + 2)
>>> float(scores[0]), float(counted[0])
(0.5, 1.0)
"""

from __future__ import annotations

import numpy as np
from keras import ops

from unetdiag.diag.core.dice import DEFAULT_DICE, EMPTY_RULES, DiceConfig
from unetdiag.training.pixel_weights import aligned_weights

#: Every Dice, IoU and count is computed in this dtype, whatever the inputs' dtype.
COMPUTE_DTYPE = "float32"
#: The range of a non-zero Dice smoothing constant in ``COMPUTE_DTYPE``.
FLOAT32_SMALLEST_NORMAL = float(np.finfo(np.float32).tiny)
FLOAT32_LARGEST = float(np.finfo(np.float32).max)
#: Default probability above which a pixel counts as predicted foreground (``p > threshold``).
DEFAULT_THRESHOLD = 0.5
#: How empty images count (:data:`unetdiag.diag.core.dice.EMPTY_RULES`, the same rules): the
#: hard metrics default to leaving a 0/0 image out of the mean (nnU-Net's rule).
DEFAULT_EMPTY_RULE = "exclude"
_EMPTY_SCORE = {"one": 1.0, "zero": 0.0}


def as_float32(array):
    return ops.cast(ops.convert_to_tensor(array), COMPUTE_DTYPE)


def _image_dims(shape) -> tuple:
    """The per-image part of a shape, without a trailing channel of 1 on 4-D batches."""
    shape = tuple(shape)
    if len(shape) == 2:  # one (H, W) image
        return shape
    pixels = shape[1:]
    return pixels[:-1] if len(pixels) == 3 and pixels[-1] == 1 else pixels


def batch_of_images(y_true, y_pred) -> tuple:
    """Check ``y_true`` and ``y_pred`` describe the same pixels; return both as float32
    tensors of equal rank with a leading batch axis.

    Raises:
        ValueError: on a shape mismatch (compared wherever both shapes are known: always in
            eager mode, on the static shape inside ``tf.function``).
    """
    y_true, y_pred = as_float32(y_true), as_float32(y_pred)
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    if len(true_shape) not in (2, 3, 4) or len(pred_shape) not in (2, 3, 4):
        raise ValueError(f"expected (N, H, W, 1), (N, H, W) or (H, W) masks, got y_true "
                         f"{true_shape} and y_pred {pred_shape}")
    true_batch = 1 if len(true_shape) == 2 else true_shape[0]
    pred_batch = 1 if len(pred_shape) == 2 else pred_shape[0]
    mismatched = [
        (a, b) for a, b in zip((true_batch, *_image_dims(true_shape)),
                               (pred_batch, *_image_dims(pred_shape)), strict=False)
        if a is not None and b is not None and a != b]
    if mismatched or len(_image_dims(true_shape)) != len(_image_dims(pred_shape)):
        raise ValueError(f"shape mismatch: y_true {true_shape} vs y_pred {pred_shape} "
                         "(masks and predictions must cover the same images and pixels)")
    if len(true_shape) == 2:
        y_true = y_true[None]
    if len(pred_shape) == 2:
        y_pred = y_pred[None]
    if len(y_true.shape) == len(y_pred.shape) - 1:
        y_true = ops.expand_dims(y_true, -1)
    elif len(y_pred.shape) == len(y_true.shape) - 1:
        y_pred = ops.expand_dims(y_pred, -1)
    return y_true, y_pred


def overlap_sums(y_true, y_pred, pixel_weights=None) -> tuple:
    """Per-image float32 ``(intersection, sum_true, sum_pred)``, each of shape ``(N,)``.

    The ``keras.ops`` twin of :func:`unetdiag.diag.core.dice.overlap_sums` (without the pixel
    count); inputs of any float or integer dtype are cast to float32 first. With
    ``pixel_weights`` (0 on ignored pixels) each pixel's terms are weighted.
    """
    y_true, y_pred = batch_of_images(y_true, y_pred)
    pixel_axes = tuple(range(1, len(y_true.shape)))
    if pixel_weights is not None:
        weights = aligned_weights(pixel_weights, y_true)
        y_true = y_true * weights
        y_pred = y_pred * weights
    return (ops.sum(y_true * y_pred, axis=pixel_axes), ops.sum(y_true, axis=pixel_axes),
            ops.sum(y_pred, axis=pixel_axes))


def soft_dice_ratios(y_true, y_pred, config: DiceConfig = DEFAULT_DICE, pixel_weights=None):
    """Soft Dice per :class:`DiceConfig`: a ``(N,)`` tensor of per-image ratios under
    ``"per_image"``, a scalar pooled over the batch under ``"batch"``.

    ``mean(soft_dice_ratios(...))`` equals :func:`unetdiag.diag.core.dice.soft_dice`.
    """
    return soft_dice_from_sums(*overlap_sums(y_true, y_pred, pixel_weights), config)


def soft_dice_from_sums(intersection, sum_true, sum_pred, config: DiceConfig):
    if config.reduction == "batch":
        intersection, sum_true, sum_pred = (ops.sum(intersection), ops.sum(sum_true),
                                            ops.sum(sum_pred))
    return ((2.0 * intersection + config.smooth_numerator)
            / (sum_true + sum_pred + config.smooth_denominator))


def check_float32_smoothing(config: DiceConfig) -> None:
    """Refuse smoothing that float32 cannot carry: a constant below float32's smallest normal
    number is flushed to 0 by TensorFlow on CPU (denormals-are-zero), so an empty mask
    predicted empty gives 0/0 = NaN (denominator) or scores 0 instead of ``s_n / s_d``
    (numerator); one above float32's largest is Inf (Inf/Inf = NaN)."""
    for name, value in (("smooth_numerator", config.smooth_numerator),
                        ("smooth_denominator", config.smooth_denominator)):
        if value == 0.0 and name == "smooth_numerator":
            continue
        if not FLOAT32_SMALLEST_NORMAL <= value <= FLOAT32_LARGEST:
            raise ValueError(f"{name} {value:g} is not a normal float32 number (between "
                             f"{FLOAT32_SMALLEST_NORMAL:g} and {FLOAT32_LARGEST:g}): the Dice "
                             "is computed in float32, where it would become "
                             f"{'0' if value < FLOAT32_SMALLEST_NORMAL else 'Inf'}")


def validate_threshold(threshold: float) -> float:
    threshold = float(threshold)
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must lie strictly between 0 and 1 (a probability cut), "
                         f"not {threshold}")
    return threshold


def validate_empty_rule(empty: str) -> str:
    if empty not in EMPTY_RULES:
        raise ValueError(f"empty must be one of {EMPTY_RULES}, not {empty!r}")
    return empty


def thresholded_overlap_sums(y_true, y_pred, threshold: float = DEFAULT_THRESHOLD,
                             pixel_weights=None) -> tuple:
    """:func:`overlap_sums` of ``y_true`` and the hard prediction ``y_pred > threshold``."""
    y_true, y_pred = batch_of_images(y_true, y_pred)
    return overlap_sums(y_true, ops.cast(y_pred > threshold, COMPUTE_DTYPE), pixel_weights)


def _scores_with_empty_rule(numerator, denominator, sum_true, empty: str) -> tuple:
    """Per-image ``(scores, counted)``: ``counted`` is 1 for images in the mean, 0 for those
    the rule leaves out (their score is then 0): the 0/0 images under ``"exclude"``, every
    image with an empty reference under ``"exclude_empty_reference"`` (MONAI's
    ``ignore_empty=True``)."""
    defined = denominator > 0
    scores = ops.divide_no_nan(numerator, denominator)
    if empty == "exclude":
        return scores, ops.cast(defined, COMPUTE_DTYPE)
    if empty == "exclude_empty_reference":
        return scores, ops.cast(sum_true > 0, COMPUTE_DTYPE)
    scores = ops.where(defined, scores, _EMPTY_SCORE[empty])
    return scores, ops.ones_like(scores)


def non_finite_marker(y_pred):
    """Per image of a batch: 0, or NaN when a prediction is NaN or Inf (``0 * Inf`` is NaN).

    Added to a thresholded score so that it cannot hide a NaN prediction (``NaN > t`` is
    False, so the pixel would count as background and the score would look plausible); the
    metric then reads NaN, which the NaN guard reports. One multiply-and-sum, graph-friendly.
    """
    return ops.sum(y_pred * 0.0, axis=tuple(range(1, len(y_pred.shape))))


def hard_dice_scores(y_true, y_pred, threshold: float = DEFAULT_THRESHOLD,
                     empty: str = DEFAULT_EMPTY_RULE, pixel_weights=None) -> tuple:
    """Per-image hard Dice ``(scores, counted)``, shapes ``(N,)``: the mean of ``scores``
    over images with ``counted == 1`` is :func:`unetdiag.diag.core.dice.hard_dice`. An image
    with a NaN or Inf prediction scores NaN, whether counted or not. ``pixel_weights``: 0 on
    ignored pixels."""
    y_true, y_pred = batch_of_images(y_true, y_pred)
    intersection, sum_true, sum_pred = thresholded_overlap_sums(y_true, y_pred, threshold,
                                                                pixel_weights)
    scores, counted = _scores_with_empty_rule(2.0 * intersection, sum_true + sum_pred,
                                              sum_true, validate_empty_rule(empty))
    return scores + non_finite_marker(y_pred), counted


def hard_iou_scores(y_true, y_pred, threshold: float = DEFAULT_THRESHOLD,
                    empty: str = DEFAULT_EMPTY_RULE, pixel_weights=None) -> tuple:
    """Per-image hard IoU ``(scores, counted)``; see :func:`hard_dice_scores`."""
    y_true, y_pred = batch_of_images(y_true, y_pred)
    intersection, sum_true, sum_pred = thresholded_overlap_sums(y_true, y_pred, threshold,
                                                                pixel_weights)
    scores, counted = _scores_with_empty_rule(intersection, sum_true + sum_pred - intersection,
                                              sum_true, validate_empty_rule(empty))
    return scores + non_finite_marker(y_pred), counted
