"""Hypothesis strategies for binary-segmentation batches, shared by ``tests/test_properties_*``.

Every strategy draws small arrays (TensorFlow runs eagerly in the properties, so a batch is at
most :data:`MAX_IMAGES` images of at most :data:`MAX_SIDE` x :data:`MAX_SIDE` pixels, odd
sides included) and covers the corners where Dice arithmetic breaks: empty and full masks,
tiny objects, predictions at exactly 0, 1 and the threshold, tiny predicted mass on empty
masks, saturated logits, and float16 / bfloat16 inputs.

Arrays come out as ``(N, H, W)`` (masks float64 in {0, 1} or [0, 1], predictions float32 in
[0, 1]); :func:`in_layout` turns them into the other layouts the code accepts. Strategies
shrink towards the simplest case (empty masks, all-zero predictions, one 1x1 image).

This module never imports TensorFlow: the NumPy properties stay TensorFlow-free.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from unetdiag.diag.core import dice
from unetdiag.diag.core.dice import DEFAULT_DICE, KERAS_DICE, MONAI_DICE, SEED_DICE, DiceConfig

#: Largest batch and image side drawn; sides run 1..MAX_SIDE, so odd sizes come up half the time.
MAX_IMAGES = 5
MAX_SIDE = 9
#: The smallest positive normal float32 / float64. Below it TensorFlow on CPU flushes
#: float32 values to zero (denormals-are-zero), so a smoothing constant must be at least this.
FLOAT32_TINY = float(np.finfo(np.float32).tiny)
FLOAT64_TINY = float(np.finfo(np.float64).tiny)
#: The probability cut of the hard metrics when a property does not draw its own.
DEFAULT_THRESHOLD = 0.5
#: float32 neighbours of the default threshold: ``p > 0.5`` must tell them apart.
AROUND_THRESHOLD = (float(np.nextafter(np.float32(0.5), np.float32(0))), 0.5,
                    float(np.nextafter(np.float32(0.5), np.float32(1))))
#: Smoothing constants people actually use (Keras, the seed project, MONAI, unetdiag).
COMMON_SMOOTHING = (1e-7, 1e-6, 1e-5, 1e-3, 1.0, 10.0)
#: Where float arithmetic on a denominator changes regime: the smallest normal number, and
#: the values whose square underflows (below ~1.5e-154 in float64, ~1.1e-19 in float32).
FLOAT64_BOUNDARY_SMOOTHING = (FLOAT64_TINY, 1e-300, 1e-160)
FLOAT32_BOUNDARY_SMOOTHING = (FLOAT32_TINY, float(np.float32(1e-30)), float(np.float32(1e-20)))
NAMED_CONFIGS = (DEFAULT_DICE, SEED_DICE, KERAS_DICE, MONAI_DICE)
REDUCTIONS = ("batch", "per_image")
EMPTY_RULES = dice.EMPTY_RULES
#: Logit magnitudes where float32 arithmetic changes regime: sigmoid rounds to 1.0 from ~16.6,
#: exp overflows past ~88.7; 1e4 and 1e30 are far beyond anything a network should emit.
EXTREME_LOGITS = tuple(float(np.float32(value))
                       for value in (0.0, 1.0, 16.6, 17.0, 20.0, 88.7, 89.0, 1e4, 1e30))
#: The largest logit magnitude drawn (as a float32): a per-pixel BCE of 1e30 still sums to a
#: finite float32 over MAX_IMAGES * MAX_SIDE**2 pixels.
MAX_LOGIT = float(np.float32(1e30))
#: Soft labels (label smoothing) are drawn at or above this, so that label * prediction never
#: lands in float32's subnormal range, which TensorFlow flushes to zero and NumPy keeps.
MIN_SOFT_LABEL = 1e-3
#: Largest value of a "tiny" prediction (the notes' regime: an empty mask, a little mass).
TINY_PREDICTION_MAX = float(np.float32(1e-3))
LOW_PRECISION_DTYPES = ("float16", "bfloat16")
#: (H, W, 1) images in a batch, (H, W) images in a batch, or one bare (H, W) image.
LAYOUTS = ("NHWC", "NHW", "HW")


# --- settings ------------------------------------------------------------------------------------

#: Fewest examples a TensorFlow property runs, whatever the profile.
MIN_TENSORFLOW_EXAMPLES = 10


def tensorflow_settings(share: int = 4) -> settings:
    """Settings for a property that calls TensorFlow: ``1/share`` of the profile's examples
    (at least :data:`MIN_TENSORFLOW_EXAMPLES`) and no deadline, since TensorFlow's first
    call in a process takes seconds.

    The profile (``ci`` or ``deep``, see ``tests/conftest.py``) is loaded before the test
    modules are imported, so ``settings.default`` is already the chosen one here.
    """
    return settings(max_examples=max(MIN_TENSORFLOW_EXAMPLES,
                                     settings.default.max_examples // share),
                    deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- shapes and layouts --------------------------------------------------------------------------

def image_shapes(max_images: int = MAX_IMAGES, max_side: int = MAX_SIDE,
                 min_images: int = 1) -> st.SearchStrategy[tuple[int, int, int]]:
    """``(N, H, W)`` with ``min_images <= N <= max_images`` and sides 1..max_side."""
    return st.tuples(st.integers(min_images, max_images), st.integers(1, max_side),
                     st.integers(1, max_side))


def in_layout(array: np.ndarray, layout: str) -> np.ndarray:
    """An ``(N, H, W)`` array as ``"NHWC"`` (N, H, W, 1), ``"NHW"`` or ``"HW"`` (N must be 1)."""
    if layout == "NHWC":
        return array[..., None]
    if layout == "HW":
        if array.shape[0] != 1:
            raise ValueError("the HW layout holds exactly one image")
        return array[0]
    return array


def layouts_for(images: int) -> st.SearchStrategy[str]:
    return st.sampled_from(LAYOUTS if images == 1 else LAYOUTS[:2])


# --- masks ---------------------------------------------------------------------------------------

MASK_KINDS = ("empty", "full", "random", "tiny_object", "box", "all_but_one")


@st.composite
def _one_mask(draw, height: int, width: int, kinds: tuple[str, ...]) -> np.ndarray:
    kind = draw(st.sampled_from(kinds))
    mask = np.zeros((height, width))
    if kind == "full":
        mask[:] = 1.0
    elif kind == "random":
        mask = draw(hnp.arrays(np.bool_, (height, width))).astype(np.float64)
    elif kind == "tiny_object":  # 1 to 3 foreground pixels
        pixels = draw(st.lists(st.integers(0, height * width - 1), min_size=1, max_size=3))
        mask.flat[pixels] = 1.0
    elif kind == "box":
        top, left = draw(st.integers(0, height - 1)), draw(st.integers(0, width - 1))
        bottom, right = draw(st.integers(top, height - 1)), draw(st.integers(left, width - 1))
        mask[top:bottom + 1, left:right + 1] = 1.0
    elif kind == "all_but_one":
        mask[:] = 1.0
        mask.flat[draw(st.integers(0, height * width - 1))] = 0.0
    return mask


@st.composite
def binary_masks(draw, shape: tuple[int, int, int],
                 kinds: tuple[str, ...] = MASK_KINDS) -> np.ndarray:
    """A float64 ``(N, H, W)`` batch of {0, 1} masks, each image of a kind from ``kinds``."""
    images, height, width = shape
    return np.stack([draw(_one_mask(height, width, kinds)) for _ in range(images)])


def soft_label_values() -> st.SearchStrategy[float]:
    """Label values in [0, 1] (label smoothing), 0 or at least :data:`MIN_SOFT_LABEL`."""
    return st.one_of(st.sampled_from((0.0, 1.0, 0.05, 0.5, 0.95)),
                     st.floats(MIN_SOFT_LABEL, 1.0))


@st.composite
def soft_masks(draw, shape: tuple[int, int, int]) -> np.ndarray:
    """Binary masks with some pixels replaced by soft label values in [0, 1]."""
    masks = draw(binary_masks(shape))
    soft = draw(hnp.arrays(np.float64, shape, elements=soft_label_values()))
    replace = draw(hnp.arrays(np.bool_, shape))
    return np.where(replace, soft, masks)


# --- predictions ---------------------------------------------------------------------------------

def probability_values() -> st.SearchStrategy[float]:
    """float32 probabilities, exactly 0, 1 and the threshold included (no subnormals: see
    :data:`FLOAT32_TINY`)."""
    return st.one_of(st.sampled_from((0.0, 1.0) + AROUND_THRESHOLD),
                     st.floats(0.0, 1.0, width=32, allow_subnormal=False))


def _confident_values(above: bool, threshold: float) -> st.SearchStrategy[float]:
    """Probabilities that land on one side of ``p > threshold``."""
    if above:
        return st.floats(threshold, 1.0, width=32, exclude_min=True, allow_subnormal=False)
    return st.floats(0.0, threshold, width=32, allow_subnormal=False)


PREDICTION_KINDS = ("independent", "perfect", "confident", "complement", "saturated",
                    "at_threshold", "tiny", "zeros", "ones")


@st.composite
def _one_prediction(draw, mask: np.ndarray, kinds: tuple[str, ...],
                    threshold: float) -> np.ndarray:
    kind = draw(st.sampled_from(kinds))
    shape = mask.shape
    if kind == "independent":
        return draw(hnp.arrays(np.float32, shape, elements=probability_values()))
    if kind == "perfect":
        return (mask > 0.5).astype(np.float32)
    if kind == "confident":  # thresholds to exactly the mask
        above = draw(hnp.arrays(np.float32, shape, elements=_confident_values(True, threshold)))
        below = draw(hnp.arrays(np.float32, shape, elements=_confident_values(False, threshold)))
        return np.where(mask > 0.5, above, below)
    if kind == "complement":
        return (mask <= 0.5).astype(np.float32)
    if kind == "saturated":
        return draw(hnp.arrays(np.bool_, shape)).astype(np.float32)
    if kind == "at_threshold":
        return draw(hnp.arrays(np.float32, shape, elements=st.sampled_from(AROUND_THRESHOLD)))
    if kind == "tiny":  # the notes' regime: an empty mask, a little predicted mass
        return draw(hnp.arrays(np.float32, shape, elements=st.one_of(
            st.just(0.0), st.floats(FLOAT32_TINY, TINY_PREDICTION_MAX, width=32))))
    return np.full(shape, 1.0 if kind == "ones" else 0.0, dtype=np.float32)


@st.composite
def predictions_for(draw, masks: np.ndarray, kinds: tuple[str, ...] = PREDICTION_KINDS,
                    threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """float32 probabilities for ``masks``, each image of a kind from ``kinds``."""
    return np.stack([draw(_one_prediction(mask, kinds, threshold)) for mask in masks])


@st.composite
def segmentation_batches(draw, soft_labels: bool = False, max_images: int = MAX_IMAGES,
                         max_side: int = MAX_SIDE, min_images: int = 1,
                         prediction_kinds: tuple[str, ...] = PREDICTION_KINDS,
                         threshold: float = DEFAULT_THRESHOLD) -> tuple[np.ndarray, np.ndarray]:
    """``(y_true, y_pred)``: float64 masks (binary, or soft with ``soft_labels``) and float32
    probabilities, both ``(N, H, W)``."""
    shape = draw(image_shapes(max_images, max_side, min_images))
    masks = draw(soft_masks(shape) if soft_labels else binary_masks(shape))
    return masks, draw(predictions_for(masks, prediction_kinds, threshold))


def logit_values(max_magnitude: float = MAX_LOGIT) -> st.SearchStrategy[float]:
    """float32 logits: moderate ones, and the regime boundaries of :data:`EXTREME_LOGITS`."""
    extremes = [sign * value for value in EXTREME_LOGITS if value <= max_magnitude
                for sign in (1.0, -1.0)]
    return st.one_of(st.sampled_from(extremes), st.floats(-30.0, 30.0, width=32),
                     st.floats(-max_magnitude, max_magnitude, width=32))


@st.composite
def logit_batches(draw, soft_labels: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(y_true, logits)``: masks and float32 logits of the same ``(N, H, W)`` shape."""
    shape = draw(image_shapes())
    masks = draw(soft_masks(shape) if soft_labels else binary_masks(shape))
    return masks, draw(hnp.arrays(np.float32, shape, elements=logit_values()))


# --- Dice conventions ----------------------------------------------------------------------------

def smoothing_denominators(float32: bool = False) -> st.SearchStrategy[float]:
    """Any denominator smoothing :class:`DiceConfig` (or, with ``float32``, ``DiceLoss``)
    accepts, the common ones weighted in."""
    if float32:
        common = tuple(float(np.float32(value)) for value in COMMON_SMOOTHING)
        return st.one_of(st.sampled_from(common), st.sampled_from(FLOAT32_BOUNDARY_SMOOTHING),
                         st.floats(FLOAT32_TINY, 1e6, width=32))
    return st.one_of(st.sampled_from(COMMON_SMOOTHING),
                     st.sampled_from(FLOAT64_BOUNDARY_SMOOTHING),
                     st.floats(FLOAT64_TINY, 1e6))


@st.composite
def dice_configs(draw, float32: bool = False,
                 reductions: tuple[str, ...] = REDUCTIONS) -> DiceConfig:
    """A valid :class:`DiceConfig`: a named one (default, seed, Keras, MONAI) or any
    smoothing with ``0 <= smooth_numerator <= smooth_denominator``; with ``float32``, only
    what ``DiceLoss`` accepts (both constants float32 numbers, 0 or normal)."""
    reduction = draw(st.sampled_from(reductions))
    named = draw(st.one_of(st.none(), st.sampled_from(NAMED_CONFIGS)))
    if named is not None:
        return dataclasses.replace(named, reduction=reduction)
    denominator = draw(smoothing_denominators(float32))
    numerator = draw(st.one_of(
        st.sampled_from((0.0, denominator)),
        st.floats(0.0, denominator, width=32 if float32 else 64,
                  allow_subnormal=not float32)))
    return DiceConfig(numerator, denominator, reduction)


def empty_rules() -> st.SearchStrategy[str]:
    return st.sampled_from(EMPTY_RULES)


def thresholds() -> st.SearchStrategy[float]:
    """Probability cuts strictly inside (0, 1), the default 0.5 weighted in."""
    return st.one_of(st.just(DEFAULT_THRESHOLD),
                     st.floats(float(np.float32(0.01)), float(np.float32(0.99)), width=32))
