"""Keras losses for binary segmentation, mirroring :mod:`unetdiag.diag.core.dice`; importing it
also registers the metrics of :mod:`unetdiag.training.metrics` (re-exported here) and the
layers of :mod:`unetdiag.training.layers`: everything a saved unetdiag model needs to load.

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

from unetdiag.diag.core.dice import DEFAULT_DICE, DiceConfig
from unetdiag.training.layers import FusedBatchNormalization
from unetdiag.training.metrics import (
    HardDice,
    HardIoU,
    PredictedPositiveFraction,
    SoftDiceMetric,
    build_metrics,
)
from unetdiag.training.overlap import (
    COMPUTE_DTYPE,
    check_float32_smoothing,
    overlap_sums,
    soft_dice_from_sums,
)
from unetdiag.training.pixel_weights import (
    PixelWeightedMeanLoss,
    is_pixel_weight,
    reduced,
)

__all__ = ["BCE_LOSSES", "LOSS_NAMES", "DiceLoss", "FocalBinaryCrossentropy",
           "FusedBatchNormalization", "HardDice", "HardIoU", "PredictedPositiveFraction",
           "SigmoidBinaryCrossentropy", "SoftDiceMetric", "WeightedBinaryCrossentropy",
           "bce_loss", "build_loss", "build_metrics"]

_register = keras.saving.register_keras_serializable(package="unetdiag")


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
        check_float32_smoothing(self.dice_config)

    @classmethod
    def from_dice_config(cls, config: DiceConfig, name: str = "dice_loss") -> DiceLoss:
        """The Dice loss of a named :class:`DiceConfig` (e.g. ``SEED_DICE``)."""
        return cls(config.smooth_numerator, config.smooth_denominator, config.reduction,
                   name=name)

    def call(self, y_true, y_pred, pixel_weights=None):
        """Per-image losses ``(N,)``; under ``"batch"`` the pooled loss repeated ``N`` times.
        ``pixel_weights``: 0 on ignored pixels, which then take no part in any sum."""
        sums = overlap_sums(y_true, y_pred, pixel_weights)
        dice = soft_dice_from_sums(*sums, self.dice_config)
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
