"""Dice, IoU and accuracy maths in NumPy: the single definition of every overlap number.

The Keras losses and metrics in :mod:`unetdiag.training.losses` implement these same
formulas in ``keras.ops``; the tests hold the two to each other. Every numerical choice is
a named parameter, in the spirit of MONAI's ``DiceLoss``:

Soft Dice (the loss is ``1 - soft Dice``)::

    D = (2 * sum(t * p) + smooth_numerator) / (sum(t) + sum(p) + smooth_denominator)

with the sums taken over each image (``reduction="per_image"``, then averaged) or over the
whole batch at once (``reduction="batch"``).

Hard Dice / IoU (the metrics) threshold the prediction at ``threshold`` and use no
smoothing. An image whose reference and prediction are both empty has an undefined score
(0/0); ``empty`` (:data:`EmptyRule`) names how empty images count:

- ``"exclude"``: a 0/0 image (empty reference *and* empty prediction) is left out of the
  mean; an empty reference with a false positive scores 0. nnU-Net's rule (NaN when
  TP + FP + FN = 0, then a mean over the rest).
- ``"one"``: a 0/0 image scores 1. MONAI's ``DiceMetric(ignore_empty=False)``, and Metrics
  Reloaded's Dice.
- ``"zero"``: a 0/0 image scores 0. Keras's ``Dice`` (no numerator smoothing).
- ``"exclude_empty_reference"``: every image whose reference is empty is left out, whatever
  was predicted, so false positives on empty images never count. MONAI's default,
  ``DiceMetric(ignore_empty=True)``.

Invalid inputs: every function checks that ``y_true`` and ``y_pred`` describe the same
images and pixels. The scoring functions (:func:`soft_dice`, :func:`dice_loss`,
:func:`hard_dice`, :func:`hard_iou`, :func:`pixel_accuracy`) also raise ValueError on NaN/Inf
in either array and on predictions outside [0, 1]; labels outside [0, 1] are named by
:func:`unetdiag.diag.checks.masks.check_label_values`. :func:`overlap_sums` and the
``*_from_sums`` functions compute on whatever values they are given.

>>> import numpy as np
>>> t = np.array([[[1, 1], [0, 0]]]); p = np.array([[[1, 0], [0, 0]]])
>>> round(soft_dice(t, p, DiceConfig(0.0, 1e-12)), 6)   # 2*1 / (2 + 1)
0.666667
>>> all_ones_dice(0.995)                                # the seed's val_dice
0.9974937343358395
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

Reduction = Literal["per_image", "batch"]
#: How an image with an empty reference counts in a mean hard Dice / IoU (module docstring).
EmptyRule = Literal["exclude", "one", "zero", "exclude_empty_reference"]
#: Every :data:`EmptyRule`, the user-facing values of ``empty``.
EMPTY_RULES: tuple[str, ...] = ("exclude", "one", "zero", "exclude_empty_reference")

#: The smallest denominator smoothing: the smallest normal float64, so that
#: ``1 / smooth_denominator`` (the Dice loss gradient scale on an empty image) stays finite.
MIN_SMOOTH_DENOMINATOR = float(np.finfo(np.float64).tiny)


@dataclass(frozen=True)
class DiceConfig:
    """How a soft Dice (loss or metric) is computed. See the module docstring for the formula.

    Attributes:
        smooth_numerator: added to ``2 * intersection``. With 0, an empty mask predicted
            empty scores 0 (Keras's convention); with ``> 0`` it scores
            ``smooth_numerator / smooth_denominator`` (1 when they are equal).
        smooth_denominator: added to ``sum(t) + sum(p)``; must be ``> 0`` or 0/0 is possible,
            and at least the smallest normal float64 (:data:`MIN_SMOOTH_DENOMINATOR`).
        reduction: ``"batch"`` pools the whole batch into one ratio; ``"per_image"`` computes
            one ratio per image and averages them.

    Both constants are finite and ``0 <= smooth_numerator <= smooth_denominator``: a larger
    numerator scores an empty mask predicted empty above 1, and a Dice above 1 (a negative
    loss) is what labels above 1 look like, so the diagnosis would blame the labels.
    """

    smooth_numerator: float = 1.0
    smooth_denominator: float = 1.0
    reduction: Reduction = "batch"

    def __post_init__(self) -> None:
        numerator, denominator = self.smooth_numerator, self.smooth_denominator
        if not (math.isfinite(numerator) and math.isfinite(denominator)):
            raise ValueError(f"Dice smoothing must be finite, got numerator {numerator!r} and "
                             f"denominator {denominator!r}")
        if not denominator > 0:
            raise ValueError("smooth_denominator must be > 0: with 0 an empty mask and an "
                             "empty prediction give 0/0 = NaN")
        if denominator < MIN_SMOOTH_DENOMINATOR:
            raise ValueError(f"smooth_denominator {denominator:g} is below the smallest normal "
                             f"float64 ({MIN_SMOOTH_DENOMINATOR:g}): the Dice loss gradient "
                             "on an empty image, up to 1/smooth_denominator, would overflow")
        if numerator < 0:
            raise ValueError("smooth_numerator must be >= 0")
        if numerator > denominator:
            raise ValueError(f"smooth_numerator {numerator:g} exceeds smooth_denominator "
                             f"{denominator:g}: an empty mask predicted empty would score Dice "
                             f"{numerator / denominator:g} > 1 (a negative loss, which reads "
                             "as labels above 1)")
        if self.reduction not in ("batch", "per_image"):
            raise ValueError(f"reduction must be 'batch' or 'per_image', not {self.reduction!r}")

    def to_dict(self) -> dict[str, float | str]:
        return asdict(self)

    def describe(self) -> str:
        return (f"{self.reduction} Dice, smoothing {self.smooth_numerator:g} (numerator) / "
                f"{self.smooth_denominator:g} (denominator)")


#: unetdiag's default Dice loss: pooled over the batch, smoothing 1 (stable on empty images).
DEFAULT_DICE = DiceConfig(1.0, 1.0, "batch")
#: The original project's ``dice_coef``: whole flattened batch, ``s = 1e-6`` on both sides.
SEED_DICE = DiceConfig(1e-6, 1e-6, "batch")
#: ``keras.losses.Dice``: no numerator smoothing, 1e-7 in the denominator, one value per batch.
KERAS_DICE = DiceConfig(0.0, 1e-7, "batch")
#: MONAI ``DiceLoss`` defaults (``batch=False``).
MONAI_DICE = DiceConfig(1e-5, 1e-5, "per_image")

NAMED_DICE = {"default": DEFAULT_DICE, "seed": SEED_DICE, "keras": KERAS_DICE,
              "monai": MONAI_DICE}


def _images_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """``(N, H, W[, C])`` of an array: a lone ``(H, W)`` image gains N = 1, and a trailing
    channel of 1 on a 4-D batch is dropped, so every accepted layout of the same pixels
    compares equal (as in :mod:`unetdiag.training.losses`)."""
    if len(shape) == 2:
        return (1, *shape)
    if len(shape) == 4 and shape[-1] == 1:
        return shape[:-1]
    if len(shape) in (3, 4):
        return shape
    raise ValueError(f"expected (N, H, W, 1), (N, H, W) or (H, W) masks, got shape {shape}")


def _paired_batches(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Both arrays as float64 ``(N, pixels)`` after checking they hold the same images.

    Raises:
        ValueError: unless both describe the same images and pixels; comparing the image
            shapes (not only the pixel counts) refuses transposed (H, W) and batches that
            trade images for pixels, which reshaping alone would pair silently.
    """
    t, p = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if _images_shape(t.shape) != _images_shape(p.shape):
        raise ValueError(f"shape mismatch: y_true {t.shape} vs y_pred {p.shape} (masks and "
                         "predictions must cover the same images and pixels)")
    images = _images_shape(t.shape)[0]
    return t.reshape(images, -1), p.reshape(images, -1)


def _finite_range(name: str, values: np.ndarray) -> tuple[float, float]:
    """``(min, max)`` of ``values``; a ValueError naming ``name`` if any is NaN or Inf."""
    if values.size == 0:
        raise ValueError(f"{name} holds no pixels to score")
    low, high = float(values.min()), float(values.max())  # NaN propagates through both
    if not (math.isfinite(low) and math.isfinite(high)):
        count = int(np.count_nonzero(~np.isfinite(values)))
        raise ValueError(f"{name} holds {count} NaN or Inf values: no Dice, IoU or accuracy "
                         "of them means anything (thresholding would count NaN as background)")
    return low, high


def _checked_batches(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_paired_batches`, refusing values that no score can be honest about.

    Raises:
        ValueError: naming the argument, when either holds NaN or Inf, or when ``y_pred``
            leaves [0, 1] (logits or a 0/255 map instead of probabilities). Labels outside
            [0, 1] are not refused here: :func:`unetdiag.diag.checks.masks.check_label_values`
            names them (``labels.out_of_range``) and uses :func:`soft_dice` to say what such
            labels do to a perfect prediction's Dice.
    """
    t, p = _paired_batches(y_true, y_pred)
    _finite_range("y_true", t)
    low, high = _finite_range("y_pred", p)
    if low < 0.0 or high > 1.0:
        raise ValueError(f"y_pred holds values outside [0, 1] (min {low:g}, max {high:g}): "
                         "pass probabilities (the sigmoid's output), not logits or 0/255 maps")
    return t, p


def _sums(t: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, ...]:
    pixels = np.full(t.shape[0], t.shape[1], dtype=np.float64)
    return (t * p).sum(axis=1), t.sum(axis=1), p.sum(axis=1), pixels


def overlap_sums(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per-image ``(intersection, sum_true, sum_pred, pixels)``, float64 arrays of length N.

    Checks shapes only: the sums of NaN, 0/255 labels or logits are computed as given, so
    diagnostic code can measure what such values do (the scoring functions below refuse them).
    """
    return _sums(*_paired_batches(y_true, y_pred))


def soft_dice_from_sums(intersection, sum_true, sum_pred, config: DiceConfig) -> float:
    """Soft Dice from per-image sums (lets callers score without holding the pixels)."""
    intersection, sum_true, sum_pred = (np.asarray(a, dtype=np.float64)
                                        for a in (intersection, sum_true, sum_pred))
    if config.reduction == "batch":
        intersection, sum_true, sum_pred = intersection.sum(), sum_true.sum(), sum_pred.sum()
    ratio = ((2.0 * intersection + config.smooth_numerator)
             / (sum_true + sum_pred + config.smooth_denominator))
    return float(np.mean(ratio))


def soft_dice(y_true: np.ndarray, y_pred: np.ndarray, config: DiceConfig = DEFAULT_DICE) -> float:
    """Soft Dice of probabilities ``y_pred`` against ``y_true`` under ``config``.

    Raises ValueError on a shape mismatch, NaN/Inf in either array, or ``y_pred`` outside
    [0, 1] (see :func:`_checked_batches`); so do the other scoring functions below.
    """
    intersection, sum_true, sum_pred, _ = _sums(*_checked_batches(y_true, y_pred))
    return soft_dice_from_sums(intersection, sum_true, sum_pred, config)


def dice_loss(y_true: np.ndarray, y_pred: np.ndarray, config: DiceConfig = DEFAULT_DICE) -> float:
    return 1.0 - soft_dice(y_true, y_pred, config)


def _score_with_empty_rule(numerator, denominator, sum_true, empty: EmptyRule) -> float:
    """Mean of per-image numerator/denominator, with empty images handled by ``empty``."""
    if empty not in EMPTY_RULES:
        raise ValueError(f"empty must be one of {EMPTY_RULES}, not {empty!r}")
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    defined = denominator > 0
    scores = np.divide(numerator, denominator, out=np.zeros_like(numerator), where=defined)
    if empty in ("exclude", "exclude_empty_reference"):
        counted = defined if empty == "exclude" else np.asarray(sum_true, dtype=np.float64) > 0
        return float(scores[counted].mean()) if counted.any() else float("nan")
    scores[~defined] = 1.0 if empty == "one" else 0.0
    return float(scores.mean())


def hard_dice_from_sums(intersection, sum_true, sum_pred, empty: EmptyRule = "exclude") -> float:
    """Mean per-image hard Dice from per-image counts of a thresholded prediction.

    >>> hard_dice_from_sums([0, 0, 3], [0, 0, 4], [0, 2, 4], "exclude")   # (0 + 0.75) / 2
    0.375
    >>> hard_dice_from_sums([0, 0, 3], [0, 0, 4], [0, 2, 4], "exclude_empty_reference")
    0.75
    """
    intersection = np.asarray(intersection, dtype=np.float64)
    denominator = np.asarray(sum_true, dtype=np.float64) + np.asarray(sum_pred, dtype=np.float64)
    return _score_with_empty_rule(2.0 * intersection, denominator, sum_true, empty)


def hard_iou_from_sums(intersection, sum_true, sum_pred, empty: EmptyRule = "exclude") -> float:
    intersection = np.asarray(intersection, dtype=np.float64)
    union = np.asarray(sum_true, dtype=np.float64) + np.asarray(sum_pred, dtype=np.float64) \
        - intersection
    return _score_with_empty_rule(intersection, union, sum_true, empty)


def _thresholded_sums(y_true, y_pred, threshold: float):
    t, p = _checked_batches(y_true, y_pred)
    return _sums(t, (p > threshold).astype(np.float64))


def hard_dice(y_true, y_pred, threshold: float = 0.5, empty: EmptyRule = "exclude") -> float:
    intersection, sum_true, sum_pred, _ = _thresholded_sums(y_true, y_pred, threshold)
    return hard_dice_from_sums(intersection, sum_true, sum_pred, empty)


def hard_iou(y_true, y_pred, threshold: float = 0.5, empty: EmptyRule = "exclude") -> float:
    intersection, sum_true, sum_pred, _ = _thresholded_sums(y_true, y_pred, threshold)
    return hard_iou_from_sums(intersection, sum_true, sum_pred, empty)


def pixel_accuracy(y_true, y_pred, threshold: float = 0.5) -> float:
    """Fraction of pixels where ``y_pred > threshold`` equals the label (pooled, like Keras)."""
    t, p = _checked_batches(y_true, y_pred)
    return float(np.mean((p > threshold) == (t > 0.5)))


def all_ones_dice(foreground_fraction: float) -> float:
    """Dice of predicting every pixel foreground on data with this foreground fraction.

    ``2 * f / (1 + f)``: with f = 0.995 this is 0.9975, the seed's "perfect" validation Dice.
    """
    f = float(foreground_fraction)
    return 2.0 * f / (1.0 + f)


@dataclass(frozen=True)
class TrivialScores:
    """What a constant predictor scores on a dataset, under the run's own conventions."""

    accuracy: float
    soft_dice: float  # under the run's DiceConfig (what a Dice loss/metric would report)
    hard_dice: float  # per-image, under the empty rule
    hard_iou: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def trivial_baselines(foreground_counts, pixel_counts, config: DiceConfig = DEFAULT_DICE,
                      empty: EmptyRule = "exclude") -> dict[str, TrivialScores]:
    """Scores of the all-zeros and all-ones predictors, from per-image counts alone.

    Args:
        foreground_counts: foreground pixels in each mask.
        pixel_counts: pixels in each mask.
        config: the Dice convention the run reports (same smoothing and reduction).
        empty: the empty-mask rule of the hard metrics.

    Returns ``{"all_zeros": TrivialScores, "all_ones": TrivialScores}``.
    """
    foreground = np.asarray(foreground_counts, dtype=np.float64)
    pixels = np.asarray(pixel_counts, dtype=np.float64)
    if foreground.shape != pixels.shape or foreground.size == 0:
        raise ValueError("need one foreground count and one pixel count per image")
    total_pixels = pixels.sum()
    zeros = np.zeros_like(foreground)
    return {
        "all_zeros": TrivialScores(
            accuracy=float((pixels - foreground).sum() / total_pixels),
            soft_dice=soft_dice_from_sums(zeros, foreground, zeros, config),
            hard_dice=hard_dice_from_sums(zeros, foreground, zeros, empty),
            hard_iou=hard_iou_from_sums(zeros, foreground, zeros, empty),
        ),
        "all_ones": TrivialScores(
            accuracy=float(foreground.sum() / total_pixels),
            soft_dice=soft_dice_from_sums(foreground, foreground, pixels, config),
            hard_dice=hard_dice_from_sums(foreground, foreground, pixels, empty),
            hard_iou=hard_iou_from_sums(foreground, foreground, pixels, empty),
        ),
    }


def smoothing_share(intersection, sum_true, sum_pred, config: DiceConfig) -> float:
    """How much of the soft Dice value the smoothing constants contribute.

    ``soft Dice with the run's smoothing - soft Dice with none`` (0/0 images count 0 without
    smoothing). Near 0 is healthy; a large share means the number is mostly the constant.
    """
    unsmoothed = DiceConfig(0.0, 1e-300, config.reduction)
    return (soft_dice_from_sums(intersection, sum_true, sum_pred, config)
            - soft_dice_from_sums(intersection, sum_true, sum_pred, unsmoothed))


def dice_loss_gradient_max(intersection, sum_true, sum_pred, config: DiceConfig) -> float:
    """Largest ``|d(dice loss)/d(p_i)|`` over pixels, from the sums (batch or per image).

    With ``den = T + P + s_d`` and ``num = 2I + s_n``, a background pixel's gradient is
    ``num / den**2`` and a foreground pixel's is ``|2 * den - num| / den**2`` (divided by the
    number of images under per-image averaging). On an empty mask this is
    ``s_n / (P + s_d)**2``: 2.5e5 for ``s = 1e-6`` and ``P = 1e-6``, at most 1 for ``s = 1``.
    """
    intersection, sum_true, sum_pred = (np.atleast_1d(np.asarray(a, dtype=np.float64))
                                        for a in (intersection, sum_true, sum_pred))
    if config.reduction == "batch":
        intersection, sum_true, sum_pred = (np.atleast_1d(a.sum())
                                            for a in (intersection, sum_true, sum_pred))
        scale = 1.0
    else:
        scale = 1.0 / intersection.size
    denominator = sum_true + sum_pred + config.smooth_denominator
    numerator = 2.0 * intersection + config.smooth_numerator
    # Divide twice rather than by denominator**2: the square underflows to 0 below ~1e-154
    # (0/0 = NaN for Keras's smoothing) where the gradient itself is finite.
    background = numerator / denominator / denominator
    foreground = np.abs(2.0 * denominator - numerator) / denominator / denominator
    foreground = np.where(sum_true > 0, foreground, 0.0)
    return float(np.max(np.maximum(background, foreground)) * scale)
