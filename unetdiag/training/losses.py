"""Keras losses and metrics for binary segmentation, mirroring :mod:`unetdiag.diag.core.dice`.

:mod:`unetdiag.diag.core.dice` (NumPy) is the single definition of every Dice and IoU number; this
module implements the same formulas in ``keras.ops`` so they can train a model and stream
over an epoch, and the tests hold the two equal. Every sum is taken in float32 whatever the
input dtype: the foreground of a 256x256 batch overflows float16 (max 65504), and bfloat16
keeps 8 significant bits, so a Dice formed from its sums is off in the third digit.

Shapes: ``y_true`` and ``y_pred`` are ``(N, H, W, 1)`` (``(N, H, W)`` is accepted for either
and ``(H, W)`` is one image, as in :mod:`unetdiag.diag.core.dice`); sums run over each image.
Sample weights, where accepted, are one weight per image, shape ``(N,)``, or one per pixel,
shape ``(N, H, W, 1)`` or ``(N, H, W)``.

Ignored pixels (a policy's ``ignore_values``, see
:class:`~unetdiag.diag.data.policy.MaskPolicy`) reach the losses and metrics as pixel weights
of 0 (the pipeline yields ``(images, masks, weights)``, which Keras passes on as
``sample_weight``), as nnU-Net's ignore label: every sum of :class:`DiceLoss`, the hard
metrics, :class:`SoftDiceMetric` and :class:`PredictedPositiveFraction` runs over the weighted
pixels only, and :func:`bce_loss` is the mean over the weighted pixels. A prediction on an
ignored pixel changes no loss and no metric (a NaN or Inf prediction still makes the metrics
NaN wherever it is, so the NaN guard sees it). Keras's ``BinaryAccuracy`` weighs pixels the
same way by itself.

How the values are reduced (and why):

- ``DiceLoss(reduction_mode="per_image")`` returns one loss per image, shape ``(N,)``, and
  lets Keras's own ``reduction`` average them, so sample weights and ``tf.distribute`` (which
  divides the mean by the replica count and sums the gradients) give the global per-image
  mean.
- ``DiceLoss(reduction_mode="batch")`` pools the whole batch into one ratio and returns it
  repeated ``N`` times, so Keras's default mean gives exactly the pooled value (a scalar would
  skip Keras's division by the replica count under ``MirroredStrategy`` and scale the
  gradient by the number of replicas). Under a distribution strategy each replica pools its
  own share of the batch: the loss trained is the mean over replicas of per-replica pooled
  Dice losses, not the Dice of the global batch. With one device they are the same.
- Metrics keep float32 sums (``aggregation="sum"``, so replicas add up) and stream across
  batches: ``HardDice``, ``HardIoU`` and ``PredictedPositiveFraction`` are exact means over
  every image of the epoch. ``SoftDiceMetric`` under a ``"batch"`` :class:`DiceConfig` is
  one pooled value per batch, and the epoch value is the plain mean of those per-batch values
  (this is what Keras did with the original project's ``dice_coef``); under ``"per_image"``
  it is the exact mean over images.
- A NaN or Inf prediction makes every loss and metric here NaN (the hard metrics and
  ``PredictedPositiveFraction`` would otherwise count it as background), so the NaN guard
  sees it. Labels outside [0, 1] are not checked here (it would cost a graph assertion per
  step): the batch audit names them (``labels.out_of_range``).

>>> import numpy as np
>>> t = np.array([[[1., 1.], [0., 0.]]]); p = np.array([[[1., 0.], [0., 0.]]])
>>> round(float(DiceLoss(0.0, 1e-12)(t, p)), 6)          # 1 - 2*1 / (2 + 1)
0.333333
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from unetdiag.diag.core.dice import DEFAULT_DICE, SEED_DICE, DiceConfig
from unetdiag.training.pixel_weights import (
    PixelWeightedMeanLoss,
    aligned_weights,
    is_pixel_weight,
    reduced,
)

#: Every Dice, IoU and count is computed in this dtype, whatever the inputs' dtype.
COMPUTE_DTYPE = "float32"
#: The range of a non-zero Dice smoothing constant in ``COMPUTE_DTYPE``.
FLOAT32_SMALLEST_NORMAL = float(np.finfo(np.float32).tiny)
FLOAT32_LARGEST = float(np.finfo(np.float32).max)
#: Default probability above which a pixel counts as predicted foreground (``p > threshold``).
DEFAULT_THRESHOLD = 0.5
#: What an image with an empty reference and an empty prediction (0/0) scores: the
#: hard metrics default to leaving it out of the mean (nnU-Net's and MONAI's choice).
EMPTY_RULES = ("exclude", "one", "zero")
DEFAULT_EMPTY_RULE = "exclude"
_EMPTY_SCORE = {"one": 1.0, "zero": 0.0}

_register = keras.saving.register_keras_serializable(package="unetdiag")


# --- shared float32 arithmetic (callable on NumPy arrays) ------------------------------------

def _as_float32(array):
    return ops.cast(ops.convert_to_tensor(array), COMPUTE_DTYPE)


def _image_dims(shape) -> tuple:
    """The per-image part of a shape, without a trailing channel of 1 on 4-D batches."""
    shape = tuple(shape)
    if len(shape) == 2:  # one (H, W) image
        return shape
    pixels = shape[1:]
    return pixels[:-1] if len(pixels) == 3 and pixels[-1] == 1 else pixels


def _batch_of_images(y_true, y_pred) -> tuple:
    """Check ``y_true`` and ``y_pred`` describe the same pixels; return both as float32
    tensors of equal rank with a leading batch axis.

    Raises:
        ValueError: on a shape mismatch (compared wherever both shapes are known: always in
            eager mode, on the static shape inside ``tf.function``).
    """
    y_true, y_pred = _as_float32(y_true), _as_float32(y_pred)
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
    y_true, y_pred = _batch_of_images(y_true, y_pred)
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
    return _soft_dice_from_sums(*overlap_sums(y_true, y_pred, pixel_weights), config)


def _soft_dice_from_sums(intersection, sum_true, sum_pred, config: DiceConfig):
    if config.reduction == "batch":
        intersection, sum_true, sum_pred = (ops.sum(intersection), ops.sum(sum_true),
                                            ops.sum(sum_pred))
    return ((2.0 * intersection + config.smooth_numerator)
            / (sum_true + sum_pred + config.smooth_denominator))


def _check_float32_smoothing(config: DiceConfig) -> None:
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


def _validate_threshold(threshold: float) -> float:
    threshold = float(threshold)
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must lie strictly between 0 and 1 (a probability cut), "
                         f"not {threshold}")
    return threshold


def _validate_empty(empty: str) -> str:
    if empty not in EMPTY_RULES:
        raise ValueError(f"empty must be one of {EMPTY_RULES}, not {empty!r}")
    return empty


def thresholded_overlap_sums(y_true, y_pred, threshold: float = DEFAULT_THRESHOLD,
                             pixel_weights=None) -> tuple:
    """:func:`overlap_sums` of ``y_true`` and the hard prediction ``y_pred > threshold``."""
    y_true, y_pred = _batch_of_images(y_true, y_pred)
    return overlap_sums(y_true, ops.cast(y_pred > threshold, COMPUTE_DTYPE), pixel_weights)


def _scores_with_empty_rule(numerator, denominator, empty: str) -> tuple:
    """Per-image ``(scores, counted)``: ``counted`` is 1 for images in the mean, 0 for the
    0/0 images that ``empty="exclude"`` leaves out (their score is then 0)."""
    defined = denominator > 0
    scores = ops.divide_no_nan(numerator, denominator)
    if empty == "exclude":
        return scores, ops.cast(defined, COMPUTE_DTYPE)
    scores = ops.where(defined, scores, _EMPTY_SCORE[empty])
    return scores, ops.ones_like(scores)


def _non_finite_marker(y_pred):
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
    y_true, y_pred = _batch_of_images(y_true, y_pred)
    intersection, sum_true, sum_pred = thresholded_overlap_sums(y_true, y_pred, threshold,
                                                                pixel_weights)
    scores, counted = _scores_with_empty_rule(2.0 * intersection, sum_true + sum_pred,
                                              _validate_empty(empty))
    return scores + _non_finite_marker(y_pred), counted


def hard_iou_scores(y_true, y_pred, threshold: float = DEFAULT_THRESHOLD,
                    empty: str = DEFAULT_EMPTY_RULE, pixel_weights=None) -> tuple:
    """Per-image hard IoU ``(scores, counted)``; see :func:`hard_dice_scores`."""
    y_true, y_pred = _batch_of_images(y_true, y_pred)
    intersection, sum_true, sum_pred = thresholded_overlap_sums(y_true, y_pred, threshold,
                                                                pixel_weights)
    scores, counted = _scores_with_empty_rule(intersection, sum_true + sum_pred - intersection,
                                              _validate_empty(empty))
    return scores + _non_finite_marker(y_pred), counted


# --- losses -----------------------------------------------------------------------------------

@_register
class DiceLoss(keras.losses.Loss):
    """``1 - soft Dice``, with every numerical choice named (see :class:`DiceConfig`).

    Args:
        smooth_numerator: added to ``2 * intersection``.
        smooth_denominator: added to ``sum(t) + sum(p)``; must be a normal float32 number
            (at least ``FLOAT32_SMALLEST_NORMAL``), as must a non-zero ``smooth_numerator``.
        reduction_mode: how the Dice itself is formed: ``"batch"`` pools the batch into one
            ratio, ``"per_image"`` forms one ratio per image. Not to be confused with Keras's
            ``reduction``, which says how the values this loss returns are combined.
        name: the loss's name.
        reduction: Keras's reduction of the returned ``(N,)`` values; the default
            ``"sum_over_batch_size"`` (a mean) gives the per-image mean or the pooled value.
            With per-image ``sample_weight``, ``"mean_with_sample_weight"`` gives a weighted
            mean. See the module docstring for the behaviour under ``tf.distribute``.

    The loss always computes in float32 (its Keras ``dtype``), whatever the model's policy.

    >>> from unetdiag.diag.core.dice import SEED_DICE
    >>> DiceLoss.from_dice_config(SEED_DICE).dice_config == SEED_DICE
    True
    """

    def __init__(self, smooth_numerator: float = DEFAULT_DICE.smooth_numerator,
                 smooth_denominator: float = DEFAULT_DICE.smooth_denominator,
                 reduction_mode: str = DEFAULT_DICE.reduction, name: str = "dice_loss",
                 reduction: str | None = "sum_over_batch_size") -> None:
        super().__init__(name=name, reduction=reduction, dtype=COMPUTE_DTYPE)
        self.dice_config = DiceConfig(float(smooth_numerator), float(smooth_denominator),
                                      reduction_mode)
        _check_float32_smoothing(self.dice_config)

    @classmethod
    def from_dice_config(cls, config: DiceConfig, name: str = "dice_loss") -> DiceLoss:
        """The Dice loss of a named :class:`DiceConfig` (e.g. ``SEED_DICE``)."""
        return cls(config.smooth_numerator, config.smooth_denominator, config.reduction,
                   name=name)

    def call(self, y_true, y_pred, pixel_weights=None):
        """Per-image losses ``(N,)``; under ``"batch"`` the pooled loss repeated ``N`` times.
        ``pixel_weights``: 0 on ignored pixels, which then take no part in any sum."""
        sums = overlap_sums(y_true, y_pred, pixel_weights)
        dice = _soft_dice_from_sums(*sums, self.dice_config)
        return ops.ones_like(sums[0]) * (1.0 - dice)

    def __call__(self, y_true, y_pred, sample_weight=None):
        if not is_pixel_weight(sample_weight):
            return super().__call__(y_true, y_pred, sample_weight)
        # pixel weights act inside the Dice sums, not on the per-image losses
        with keras.name_scope(self.name):
            return reduced(self.call(y_true, y_pred, sample_weight), self.reduction)

    def get_config(self) -> dict:
        return {"smooth_numerator": self.dice_config.smooth_numerator,
                "smooth_denominator": self.dice_config.smooth_denominator,
                "reduction_mode": self.dice_config.reduction,
                "name": self.name, "reduction": self.reduction}


@_register
class SigmoidBinaryCrossentropy(PixelWeightedMeanLoss, keras.losses.BinaryCrossentropy):
    """Keras's binary cross-entropy that keeps the logits path when masks lack a channel axis.

    On a ``(N, H, W)`` mask Keras squeezes the ``(N, H, W, 1)`` prediction to match it, which
    drops the sigmoid's logits: the loss then clips probabilities to ``[1e-7, 1 - 1e-7]`` and
    a confidently wrong pixel (logit > ~16) gets no gradient. Here the mask gains the axis
    instead and the prediction is passed on untouched. Per-pixel weights give the mean over
    the weighted pixels (:class:`PixelWeightedMeanLoss`).
    """

    def call(self, y_true, y_pred):
        if len(y_true.shape) == len(y_pred.shape) - 1 and y_pred.shape[-1] == 1:
            y_true = ops.expand_dims(y_true, -1)
        return super().call(y_true, y_pred)


def bce_loss() -> keras.losses.BinaryCrossentropy:
    """Binary cross-entropy on a sigmoid output, on its exact logits path.

    ``from_logits=False`` (the output is a probability), no label smoothing, and a float32
    dtype so Keras never casts the prediction (a cast would drop the ``_keras_logits`` that
    the sigmoid attached and fall back to clipped probabilities).
    """
    return SigmoidBinaryCrossentropy(from_logits=False, label_smoothing=0.0,
                                     name="binary_crossentropy", dtype=COMPUTE_DTYPE)


def _validated_positive(name: str, value: float, allow_zero: bool = False) -> float:
    value = float(value)
    if not (np.isfinite(value) and (value >= 0 if allow_zero else value > 0)):
        raise ValueError(f"{name} must be a finite number {'>= 0' if allow_zero else '> 0'}, "
                         f"not {value}")
    return value


class _PixelCrossentropy(keras.losses.Loss):
    """Base of the cross-entropies that weight each pixel: one loss per image, shape (N,),
    the mean over its pixels of :meth:`pixel_losses`.

    ``-log p`` and ``-log(1 - p)`` come from ``keras.ops.binary_crossentropy``: on a sigmoid's
    output it takes the exact logits path (the model's last layer is float32, so nothing casts
    the logits away); on plain probabilities it clips them to ``[1e-7, 1 - 1e-7]`` as Keras
    does. A mask without a channel axis gains one, as in :class:`SigmoidBinaryCrossentropy`.
    """

    def __init__(self, name: str, reduction: str | None) -> None:
        super().__init__(name=name, reduction=reduction, dtype=COMPUTE_DTYPE)

    def pixel_losses(self, y_true, y_pred, minus_log_p, minus_log_not_p):
        raise NotImplementedError

    def call(self, y_true, y_pred):
        if len(y_true.shape) == len(y_pred.shape) - 1 and y_pred.shape[-1] == 1:
            y_true = ops.expand_dims(y_true, -1)
        y_true = ops.cast(y_true, COMPUTE_DTYPE)
        minus_log_p = ops.binary_crossentropy(ops.ones_like(y_true), y_pred)
        minus_log_not_p = ops.binary_crossentropy(ops.zeros_like(y_true), y_pred)
        losses = self.pixel_losses(y_true, y_pred, minus_log_p, minus_log_not_p)
        return ops.mean(losses, axis=tuple(range(1, len(losses.shape))))


@_register
class FocalBinaryCrossentropy(_PixelCrossentropy):
    """Focal loss (Lin et al., 2017): binary cross-entropy with each pixel scaled by
    ``(1 - p_t) ** gamma``, where ``p_t = t p + (1 - t)(1 - p)`` is the probability given to
    the right class. Pixels the model already gets right weigh little, so a rare foreground
    is not drowned by easy background. ``gamma = 0`` is plain cross-entropy.

    Per image: ``mean((1 - p_t) ** gamma * (t (-log p) + (1 - t)(-log(1 - p))))``, as
    ``keras.losses.BinaryFocalCrossentropy`` without class balancing.

    >>> import numpy as np
    >>> t = np.array([[[[1.], [0.]]]]); p = np.array([[[[0.9], [0.5]]]], "float32")
    >>> round(float(FocalBinaryCrossentropy(gamma=2.0)(t, p)), 5)  # (.01*.10536 + .25*.69315)/2
    0.08717
    >>> FocalBinaryCrossentropy.from_config(FocalBinaryCrossentropy(1.5).get_config()).gamma
    1.5
    """

    def __init__(self, gamma: float = 2.0, name: str = "focal_crossentropy",
                 reduction: str | None = "sum_over_batch_size") -> None:
        super().__init__(name, reduction)
        self.gamma = _validated_positive("gamma", gamma, allow_zero=True)

    def pixel_losses(self, y_true, y_pred, minus_log_p, minus_log_not_p):
        probability = ops.cast(y_pred, COMPUTE_DTYPE)
        right = y_true * probability + (1.0 - y_true) * (1.0 - probability)
        return (ops.power(1.0 - right, self.gamma)
                * (y_true * minus_log_p + (1.0 - y_true) * minus_log_not_p))

    def get_config(self) -> dict:
        return {"gamma": self.gamma, "name": self.name, "reduction": self.reduction}


@_register
class WeightedBinaryCrossentropy(_PixelCrossentropy):
    """Binary cross-entropy with the foreground term weighted: per image
    ``mean(w t (-log p) + (1 - t)(-log(1 - p)))`` (``tf.nn.weighted_cross_entropy_with_logits``'s
    ``pos_weight``). With ``w = background / foreground`` pixels the two classes weigh the
    same overall; ``w = 1`` is plain cross-entropy.

    >>> import numpy as np
    >>> t = np.array([[[[1.], [0.]]]]); p = np.array([[[[0.5], [0.5]]]], "float32")
    >>> round(float(WeightedBinaryCrossentropy(foreground_weight=3.0)(t, p)), 5)  # (3+1)*0.69315/2
    1.38629
    >>> WeightedBinaryCrossentropy.from_config(
    ...     WeightedBinaryCrossentropy(4.0).get_config()).foreground_weight
    4.0
    """

    def __init__(self, foreground_weight: float = 1.0,
                 name: str = "weighted_crossentropy",
                 reduction: str | None = "sum_over_batch_size") -> None:
        super().__init__(name, reduction)
        self.foreground_weight = _validated_positive("foreground_weight", foreground_weight)

    def pixel_losses(self, y_true, y_pred, minus_log_p, minus_log_not_p):
        return self.foreground_weight * y_true * minus_log_p + (1.0 - y_true) * minus_log_not_p

    def get_config(self) -> dict:
        return {"foreground_weight": self.foreground_weight, "name": self.name,
                "reduction": self.reduction}


LOSS_NAMES = ("bce", "dice")
#: The cross-entropies a ``*_BCE`` variant can train with (``unetdiag train --loss-bce``).
BCE_LOSSES = ("plain", "focal", "weighted")


def build_loss(name: str, dice_config: DiceConfig = DEFAULT_DICE, *, bce: str = "plain",
               focal_gamma: float = 2.0, foreground_weight: float = 1.0) -> keras.losses.Loss:
    """The loss of a variant: ``"bce"`` (the cross-entropy ``bce``: ``"plain"``
    (:func:`bce_loss`), ``"focal"`` (:class:`FocalBinaryCrossentropy` with ``focal_gamma``)
    or ``"weighted"`` (:class:`WeightedBinaryCrossentropy` with ``foreground_weight``)), or
    ``"dice"`` (:class:`DiceLoss` under ``dice_config``)."""
    if name == "dice":
        return DiceLoss.from_dice_config(dice_config)
    if name != "bce":
        raise ValueError(f"loss must be one of {LOSS_NAMES}, not {name!r}")
    if bce == "plain":
        return bce_loss()
    if bce == "focal":
        return FocalBinaryCrossentropy(focal_gamma)
    if bce == "weighted":
        return WeightedBinaryCrossentropy(foreground_weight)
    raise ValueError(f"bce must be one of {BCE_LOSSES}, not {bce!r}")


# --- metrics ----------------------------------------------------------------------------------

def _per_image_weights(sample_weight, image_count):
    """``sample_weight`` as a float32 ``(N,)`` vector of per-image weights (ones if None or
    per-pixel: pixel weights act inside each image's sums)."""
    if sample_weight is None or is_pixel_weight(sample_weight):
        return ops.ones((image_count,), dtype=COMPUTE_DTYPE)
    weights = ops.reshape(_as_float32(sample_weight), (-1,))
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
        self.threshold = _validate_threshold(threshold)
        self.empty = _validate_empty(empty)

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
        self.threshold = _validate_threshold(threshold)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = _as_float32(y_pred)
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
        fractions = fractions + _non_finite_marker(y_pred)  # NaN predictions read NaN
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
