"""Does a mask follow its image? One threshold of the image giving the mask, a photo-like
mask that is the image itself (the original project's masks were its photographs), or a mask
twice its image's width or height that holds the image in one half (a visualisation: the
image and a tinted copy side by side).

:func:`compare_with_image` measures one pair while both are in memory (in the audit's worker)
and returns :class:`Similarity`: six numbers, NaN where the question was not asked. It works
on a regular sample of at most :data:`SIMILARITY_SAMPLE_PIXELS` pixels, and goes to every pixel
only when the sample cannot settle the question; the halves of a mask twice its image's size
are compared on reduced copies (:func:`half_differences`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from unetdiag.diag.data.decoding import channels_differ
from unetdiag.diag.data.reading import LUMA_WEIGHTS

#: Image/mask comparisons use at most this many pixels, sampled on a regular grid.
SIMILARITY_SAMPLE_PIXELS = 2048
#: "Is the mask a threshold of its image?" is only asked when each class has at least this
#: many pixels (one bright speck labelled by hand is trivially "a threshold"). The original
#: project's masks were 0.5 % background: 328 pixels at 256x256.
THRESHOLD_FIT_MIN_CLASS_PIXELS = 25
#: A mask with at least this share of non-binary pixels is photo-like: only such a mask is
#: compared with its image pixel by pixel.
PHOTO_LIKE_NONBINARY_FRACTION = 0.5

#: The halves of a mask twice its image's size are compared with the image on grey copies
#: reduced to at most this many blocks (a 16x16 grid, as the audit's thumbnails). Measured
#: (session 25): JPEG at quality 50 moves a 96x72 noisy photograph's reduced copy by 0.87 grey
#: levels on average, DRIVE's and ISBI's by 0.28 at most; the closest two different images of
#: DRIVE differ by 3.97, of ISBI by 9.80 (a finer 45x45 grid keeps 3.64 of the JPEG noise).
HALF_COMPARISON_BLOCKS = 256

_ALPHA_MODES = ("LA", "RGBA")
#: Which half of a mask twice its image's size :func:`half_differences` compares, by the
#: axis doubled (0: twice as tall, 1: twice as wide).
HALF_NAMES = {0: ("top", "bottom"), 1: ("left", "right")}


class Similarity(NamedTuple):
    """What :func:`compare_with_image` measured (NaN: not asked, or not measurable).

    Attributes:
        threshold_gap: :func:`threshold_gap` of the image's grey level and the decoded mask.
        identical: share of sampled pixels where the mask plane equals the image (colour
            channels collapsed with their maximum, as masks are).
        correlation: Pearson correlation of the mask plane with the image's grey level.
        first_half_difference, second_half_difference, image_spread: for a mask exactly
            twice its image's width or height, :func:`half_differences`.
        threshold_side: for a mask one threshold of its image gives (``threshold_gap`` > 0),
            1 when its foreground is the brighter side, -1 when the darker.
    """

    threshold_gap: float = math.nan
    identical: float = math.nan
    correlation: float = math.nan
    first_half_difference: float = math.nan
    second_half_difference: float = math.nan
    image_spread: float = math.nan
    threshold_side: float = math.nan


def colour_channels(values: np.ndarray, mode: str) -> np.ndarray:
    """Stored image values without their alpha channel (if the mode has one)."""
    return values[:, :, :-1] if mode in _ALPHA_MODES else values


def grey_in_colour(colour: np.ndarray) -> bool:
    """Whether a colour image holds grey only: its channels equal at every pixel (a grey
    image saved as RGB)."""
    return colour.ndim == 3 and colour.shape[2] >= 2 and not channels_differ(colour)


def _grey(values: np.ndarray, mode: str) -> np.ndarray:
    """Grey level (float64) of sampled image values: luma for colour, as ``convert("L")``."""
    colour = colour_channels(values, mode)
    if colour.ndim == 2:
        return colour.astype(np.float64)
    if colour.shape[2] != len(LUMA_WEIGHTS):
        return colour.mean(axis=2, dtype=np.float64)
    # Weighted sum channel by channel: a matrix product would start BLAS threads per pair.
    grey = colour[:, :, 0] * LUMA_WEIGHTS[0]
    for channel in range(1, len(LUMA_WEIGHTS)):
        grey += colour[:, :, channel] * LUMA_WEIGHTS[channel]
    return grey


def _grey_plane(values: np.ndarray, mode: str) -> np.ndarray:
    """The image's grey level: 8-bit grey as stored, anything else as float64 luma."""
    colour = colour_channels(values, mode)
    return colour if colour.ndim == 2 and colour.dtype == np.uint8 else _grey(values, mode)


def threshold_gap(grey: np.ndarray, mask: np.ndarray) -> float:
    """How cleanly one threshold of ``grey`` separates ``mask`` (boolean) from the rest.

    The larger of ``min(grey[mask]) - max(grey[~mask])`` and ``min(grey[~mask]) -
    max(grey[mask])``: positive exactly when ``mask`` is ``grey > t`` or ``grey <= t`` for
    some ``t``; NaN when a class is empty or a level is NaN. Four masked reductions, no copy.

    >>> grey = np.array([10, 20, 30, 40])
    >>> threshold_gap(grey, grey > 25), threshold_gap(grey, np.array([1, 0, 1, 0], bool))
    (10.0, -10.0)
    """
    if grey.dtype.kind in "ui":
        info = np.iinfo(grey.dtype)
        low, high = info.min, info.max
    else:
        low, high = -np.inf, np.inf
    rest = ~mask
    if not (mask.any() and rest.any()):
        return math.nan
    inside_low = np.min(grey, where=mask, initial=high)
    inside_high = np.max(grey, where=mask, initial=low)
    outside_low = np.min(grey, where=rest, initial=high)
    outside_high = np.max(grey, where=rest, initial=low)
    return max(float(inside_low) - float(outside_high), float(outside_low) - float(inside_high))


def _correlation(first: np.ndarray, second: np.ndarray) -> float:
    """Pearson correlation of two float64 vectors; NaN when either is constant."""
    finite = np.isfinite(first) & np.isfinite(second)
    if not finite.all():
        first, second = first[finite], second[finite]
    if first.size == 0:
        return math.nan
    first = first - first.mean()
    second = second - second.mean()
    denominator = math.sqrt(float((first * first).sum()) * float((second * second).sum()))
    return float((first * second).sum()) / denominator if denominator > 0 else math.nan


def compare_with_image(image_values: np.ndarray, image_mode: str, plane: np.ndarray,
                       decoded: np.ndarray | None, *, foreground: int, nonbinary: float,
                       mask_colour: np.ndarray | None = None) -> Similarity:
    """Does one threshold of the image give the mask? Is a photo-like mask the image?

    Args:
        image_values, image_mode: the image as stored, and its Pillow mode.
        plane, decoded: the mask plane the decoder thresholds, and the decoded mask (``None``
            for a mask all background or all foreground: nothing to fit).
        foreground, nonbinary: the mask's foreground pixels and non-binary share.
        mask_colour: the mask's stored values without alpha (None for palette indices), for
            a mask exactly twice the image's width or height (:func:`half_differences`).
    """
    if plane.shape[:2] != image_values.shape[:2]:
        return Similarity(*(math.nan,) * 3, *half_differences(
            colour_channels(image_values, image_mode), mask_colour))
    stride = max(1, math.ceil(math.sqrt(plane.size / SIMILARITY_SAMPLE_PIXELS)))
    image_sample = image_values[::stride, ::stride]
    gap = math.nan
    if decoded is not None and min(foreground, plane.size - foreground) \
            >= THRESHOLD_FIT_MIN_CLASS_PIXELS:
        # Asked of every pair (0.07 ms on the sample): a subset of a separable mask is
        # separable, so the sample rules most masks out and only the others are fitted whole.
        gap = threshold_gap(_grey_plane(image_sample, image_mode), decoded[::stride, ::stride])
        if not gap < 0:
            gap = threshold_gap(_grey_plane(image_values, image_mode), decoded)
    side = math.nan
    if gap > 0:  # the classes are apart: any pixel of each says which side is brighter
        grey = _grey_plane(image_values, image_mode)
        side = 1.0 if grey[decoded].flat[0] > grey[~decoded].flat[0] else -1.0
    if nonbinary < PHOTO_LIKE_NONBINARY_FRACTION:
        return Similarity(threshold_gap=gap, threshold_side=side)
    plane_sample = plane[::stride, ::stride]
    colour = colour_channels(image_sample, image_mode)
    # compare like with like: a mask's colour channels collapse with their maximum
    collapsed = colour.max(axis=2) if colour.ndim == 3 else colour
    identical = float(np.count_nonzero(collapsed == plane_sample)) / plane_sample.size
    correlation = _correlation(_grey(image_sample, image_mode).ravel(),
                               plane_sample.ravel().astype(np.float64))
    return Similarity(gap, identical, correlation, threshold_side=side)


def doubled_axis(image_shape: tuple[int, ...], mask_shape: tuple[int, ...]) -> int | None:
    """0 when the mask is exactly twice as tall as the image (same width), 1 when exactly
    twice as wide (same height), None otherwise."""
    height, width = image_shape[:2]
    if mask_shape[:2] == (2 * height, width):
        return 0
    if mask_shape[:2] == (height, 2 * width):
        return 1
    return None


def _reduced_grey(values: np.ndarray) -> np.ndarray:
    """Block means (float64) of an 8-bit picture's grey level (luma of three channels, the
    mean of any other number) over square blocks sized so that at most
    :data:`HALF_COMPARISON_BLOCKS` remain (a ragged last row or column of pixels is left out).
    Averaging blocks removes JPEG's and resampling's pixel noise and keeps what the picture
    shows; each channel is reduced first (integer sums), then weighed (luma is linear)."""
    height, width = values.shape[:2]
    side = max(1, math.ceil(math.sqrt(height * width / HALF_COMPARISON_BLOCKS)))
    rows, columns = height // side, width // side
    # rows of blocks first, then columns: one sum over (1, 3) of a 5-D view is 13 times slower
    cropped = values[:rows * side, :columns * side]
    band_sums = cropped.reshape(rows, side, -1).sum(axis=1, dtype=np.uint32)
    sums = band_sums.reshape(rows, columns, side, *values.shape[2:]).sum(axis=2)
    means = sums / float(side * side)
    if means.ndim == 2:
        return means
    if means.shape[2] != len(LUMA_WEIGHTS):
        return means.mean(axis=2)
    return sum(means[:, :, channel] * weight for channel, weight in enumerate(LUMA_WEIGHTS))


def half_differences(image: np.ndarray, mask: np.ndarray | None) -> tuple[float, float, float]:
    """For an 8-bit mask exactly twice an 8-bit image's width or height
    (:func:`doubled_axis`), both without alpha: the mean absolute difference, in grey levels,
    between the image and each half of the mask (left then right, or top then bottom), and
    the image's own spread (mean absolute deviation from its mean grey level), all on reduced
    copies (:func:`_reduced_grey`). Luma, not the brightest channel the decoder reads: the
    brightest of three noisy channels moves with the noise, and JPEG smooths colour noise (a
    1000x750 photograph with independent noise of 30 grey levels per channel, saved at quality
    92: its reduced brightest channel moves by 17 grey levels, its reduced luma by 0.02). NaN
    for any other pair (``mask`` None: palette indices, not colours): only such pairs pay for
    the comparison (3 to 6 ms per megapixel of colour image)."""
    if mask is None or image.dtype != np.uint8 or mask.dtype != np.uint8:
        return math.nan, math.nan, math.nan
    axis = doubled_axis(image.shape, mask.shape)
    if axis is None:
        return math.nan, math.nan, math.nan
    reduced = _reduced_grey(image)
    extent = image.shape[axis]
    halves = (mask[:extent], mask[extent:]) if axis == 0 else (mask[:, :extent],
                                                                mask[:, extent:])
    first, second = (float(np.abs(_reduced_grey(half) - reduced).mean()) for half in halves)
    return first, second, float(np.abs(reduced - reduced.mean()).mean())
