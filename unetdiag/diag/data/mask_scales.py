"""A mask plane's scale (0/1, 0..255, 0..65535, 32-bit integers, float, palette labels, 8-bit
label numbers) and its threshold.

The scale is recognised from the values the policy reads; the auto threshold is the midpoint
of that scale (:func:`auto_threshold`), or the label rule for palette indices (0.5), or 255
for 8-bit label numbers (every number background).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.data.reading import UINT8_MAX, UINT16_MAX
from unetdiag.diag.data.region_insides import numbered_regions, numbered_specks

Scale = Literal["binary", "uint8", "uint16", "uint32", "float_unit", "float", "palette",
                "uint8_labels"]
#: The top of the 32-bit integer scale: integer masks past 16 bits (instance label images of
#: more than 65,535 objects, Cellpose's uint32 and StarDist's int32) are thresholded at its
#: midpoint, as 16-bit ones are at theirs, so object numbers read the same way in either
#: range (under the midpoint, background) rather than as grey levels of their own maximum.
UINT32_MAX = 2**32 - 1
#: The largest value of a lossy (JPEG) 8-bit mask read on the 0/1 scale: a 0/1 mask saved as
#: JPEG comes back as 0..2 (ringing at the edges, measured at quality 75 and 90), and a 0/255
#: one never stays this low unless it is black everywhere (then exactly 0).
LOSSY_BINARY_TOP = 3

#: Fewest object numbers besides 0 that make a wide integer mask holding values within 0..255 a
#: numbered label map read on its container's scale (:func:`recognised_scale`): 0/128/255
#: (an object and its anti-aliased rim) has two.
MIN_CONTAINED_NUMBERS = 3
#: The same, for values all below the 8-bit midpoint (classes 0/1/2 in 16 bits), which either
#: scale decodes alike.
MIN_NUMBERS_BELOW_MIDPOINT = 2

#: The mean gap between the numbers of such a map stays under this: object ids are mostly
#: consecutive (1..136; a tile of a map numbered in reading order shares its rows with the
#: tiles beside it, gaps of a few), while classes spread over the 8-bit scale as grey levels
#: (0/85/170/255; 31 classes at most spaced 8 apart) are far apart.
MAX_NUMBER_GAP = 8

#: The automatic threshold of 8-bit label numbers (``"uint8_labels"``): no 8-bit value lies
#: above it, so every number is background, as the same numbers are in a 16-bit container
#: under its midpoint.
LABEL_NUMBERS_THRESHOLD = float(UINT8_MAX)

#: Threshold applied to palette labels: on integer indices ``index > 0.5`` means "index != 0".
LABEL_THRESHOLD = 0.5


def finite_range(plane: np.ndarray) -> tuple[float, float]:
    """(min, max) of the finite values; NaN, NaN when there are none."""
    finite = plane[np.isfinite(plane)] if np.issubdtype(plane.dtype, np.floating) else plane
    if finite.size == 0:
        return math.nan, math.nan
    return finite.min().item(), finite.max().item()


def kept_range(plane: np.ndarray, counts: dict[int, int] | None,
                ignore: tuple[float | int, ...], low: float, high: float
                ) -> tuple[float, float]:
    """(min, max) of the finite values the policy does not ignore; ``(low, high)`` when it
    ignores none of them or every one."""
    if not ignore:
        return low, high
    if counts is not None:
        kept = [value for value in counts if value not in ignore]
        return (min(kept), max(kept)) if kept else (low, high)
    kept_plane = plane[~np.isin(plane, ignore)]
    if kept_plane.size == 0:
        return low, high
    kept_low, kept_high = finite_range(kept_plane)
    return (low, high) if math.isnan(kept_low) else (kept_low, kept_high)



def recognised_scale(plane: np.ndarray, is_labels: bool, low: float, high: float,
                      lossy: bool = False, grey: bool = True,
                      counts: dict[int, int] | None = None) -> Scale:
    """The plane's scale, given its finite range ``low``..``high``; a lossy 8-bit plane
    within 0..:data:`LOSSY_BINARY_TOP` is 0/1 data with compression noise.

    Integer data is judged by the narrowest range that holds it (a 16-bit 0/255 mask is on the
    8-bit scale), except object numbers within 0..255 in a wider integer (uint16 instance ids
    1..136): they are read on the container's scale, whose midpoint leaves every one of them
    background, as it does the same objects numbered 1,000.. or 70,001.., rather than on the
    8-bit scale, whose midpoint would make 128..136 foreground and 1..127 background. Values
    spread over the 8-bit scale (classes saved as grey levels 0/85/170/255: a mean gap of
    :data:`MAX_NUMBER_GAP` or more) are grey levels, read on the 8-bit scale as the same values
    in an 8-bit file are.

    The same numbers in an 8-bit file (instance ids 1..137 in a PNG of mode L) straddling the
    8-bit midpoint are ``"uint8_labels"``: no wider container exists, so their automatic
    threshold (:data:`LABEL_NUMBERS_THRESHOLD`) leaves every number background. Only a
    lossless ``grey`` plane (not a colour mask's brightest channel, not an alpha channel)
    whose numbers lie on both sides of the midpoint is judged: below it either scale decodes
    every number alike, so class maps 0/1/2/3 keep the 8-bit scale. ``counts``: the 8-bit
    plane's pixels per value, when already counted.

    >>> ids = np.zeros((40, 40), np.uint16)
    >>> for number in range(1, 5):
    ...     ids[2:38, number * 9 - 7:number * 9] = number + 125
    >>> recognised_scale(ids, False, 0, 129), recognised_scale(ids.astype(np.uint8), False, 0, 129)
    ('uint16', 'uint8_labels')
    >>> recognised_scale((ids > 0).astype(np.uint16) * 255, False, 0, 255)
    'uint8'
    >>> grey = np.where(ids > 0, (ids - 125) * 63, 0).astype(np.uint16)  # 0, 63, 126 .. 252
    >>> recognised_scale(grey, False, 0, 252), recognised_scale(grey // 63, False, 0, 4)
    ('uint8', 'uint16')
    >>> recognised_scale(ids.astype(np.uint8), False, 0, 129, grey=False)
    'uint8'
    """
    if is_labels:
        return "palette"
    if math.isnan(low):
        return "float"
    if lossy and plane.dtype == np.uint8 and high <= LOSSY_BINARY_TOP:
        return "binary"
    if low >= 0 and high <= 1:
        integral = plane.dtype.kind in "ui"
        finite = plane if integral else plane[np.isfinite(plane)]
        return "binary" if integral or _all_in(finite, (0.0, 1.0)) else "float_unit"
    if plane.dtype.kind in "ui" and low >= 0:
        if high <= UINT8_MAX and plane.dtype.itemsize == 1:
            return ("uint8_labels" if grey and not lossy and _numbered_in_8_bits(plane, counts)
                    else "uint8")
        if high <= UINT8_MAX:
            return _container_scale(plane) if _numbered_in_wide(plane) else "uint8"
        if high <= UINT16_MAX:
            return "uint16"
        if high <= UINT32_MAX:
            return "uint32"
    return "float"


def _numbered_in_wide(plane: np.ndarray) -> bool:
    """A 16- or 32-bit integer plane whose values stay within 0..255 and are object numbers,
    each a region with an inside or all numbered specks (instance ids 1..136 saved as uint16,
    :func:`~unetdiag.diag.data.region_insides.numbered_specks`): their numbers are no
    8-bit grey levels, so the 8-bit midpoint would split the objects by number."""
    # counting the values held (all within 0..255 here) costs little beside the insides
    counts = np.bincount(plane.ravel(), minlength=1)
    held = np.count_nonzero(counts)
    numbers = np.flatnonzero(counts[1:])
    # below the 8-bit midpoint either scale decodes every value alike, so the rule only
    # names the scale: two numbers suffice, and a class map's files holding classes 1, 2 and
    # those holding 1, 2, 3 are not told apart as two scales (mask.mixed_scales)
    fewest = (MIN_CONTAINED_NUMBERS if counts.size - 1 > UINT8_MAX // 2
              else MIN_NUMBERS_BELOW_MIDPOINT)
    return held > fewest and _dense(numbers) and (numbered_regions(plane, fewest)
                                                  or numbered_specks(plane, fewest))


def _numbered_in_8_bits(plane: np.ndarray, counted: dict[int, int] | None) -> bool:
    """An 8-bit plane holding 0 and object numbers on both sides of the 8-bit midpoint
    (instance ids 1..137), mostly consecutive, each a region with an inside or all numbered
    specks (nuclei of a few pixels): the midpoint
    would make objects 128.. foreground and 1..127 background by their number. Two levels
    (0/255), grey levels spread over the scale (0/85/170/255) and values below the midpoint
    (class maps 0..11) are never judged by their insides."""
    if counted is None:
        counts = np.bincount(plane.ravel(), minlength=UINT8_MAX + 1)
    else:
        counts = np.zeros(UINT8_MAX + 1, np.int64)
        counts[list(counted)] = list(counted.values())
    if not counts[0] or not counts[UINT8_MAX // 2 + 1:].any():
        return False
    numbers = np.flatnonzero(counts[1:]) + 1
    # a 0/255 mask resized or drawn anti-aliased holds every level between, most of its
    # labelled pixels at 255: measuring its insides would cost several times its reading
    one_number_most = int(counts[1:].max()) * 2 > int(counts[1:].sum())
    return (numbers.size >= MIN_CONTAINED_NUMBERS and int(numbers[0]) <= UINT8_MAX // 2
            and not one_number_most and _dense(numbers)
            and (numbered_regions(plane, MIN_CONTAINED_NUMBERS)
                 or numbered_specks(plane, MIN_CONTAINED_NUMBERS)))


def _dense(numbers: np.ndarray) -> bool:
    """Numbers (sorted, at least two) a mean gap under :data:`MAX_NUMBER_GAP` apart."""
    return bool(numbers.size > 1
                and numbers[-1] - numbers[0] < MAX_NUMBER_GAP * (numbers.size - 1))


def _container_scale(plane: np.ndarray) -> Scale:
    return "uint16" if plane.dtype.itemsize == 2 else "uint32"


def _all_in(plane: np.ndarray, ends: tuple[float, float]) -> bool:
    return bool(np.all((plane == ends[0]) | (plane == ends[1])))


def scale_ends(scale: Scale | str, low: float, high: float) -> tuple[float, float]:
    """The two values a perfectly binary mask on this scale holds, for values spanning
    ``low``..``high``.

    >>> scale_ends("uint8", 0, 3), scale_ends("palette", 0, 4)
    ((0.0, 255.0), (0.0, 4))
    """
    if scale in ("binary", "float_unit"):
        return 0.0, 1.0
    if scale in ("uint8", "uint8_labels"):
        return 0.0, float(UINT8_MAX)
    if scale == "uint16":
        return 0.0, float(UINT16_MAX)
    if scale == "uint32":
        return 0.0, float(UINT32_MAX)
    if scale == "palette":
        return 0.0, high
    # "float": an unrecognised range; anchored at 0 (or below, for signed data) and at 1, 255
    # or the largest value, whichever is the smallest that holds the data.
    if math.isnan(low):
        return 0.0, float(UINT8_MAX)
    top = 1.0 if high <= 1 else float(UINT8_MAX) if high <= UINT8_MAX else high
    return min(0.0, low), top


def auto_threshold(scale: Scale | str, low: float, high: float) -> float:
    """The midpoint of the scale (the label rule for palette indices; above every number
    for 8-bit label numbers)."""
    if scale == "palette":
        return LABEL_THRESHOLD
    if scale == "uint8_labels":
        return LABEL_NUMBERS_THRESHOLD
    bottom, top = scale_ends(scale, low, high)
    return (bottom + top) / 2


def resolve_threshold(values: np.ndarray, scale: str, policy: MaskPolicy) -> float:
    """The threshold ``t`` (a value is bright when ``v > t``) for these values under ``policy``.

    ``policy.threshold`` when it is set (``0`` reproduces the original project's ``> 0``).
    Otherwise the midpoint of the nominal scale: 0.5 for ``"binary"`` and ``"float_unit"``,
    127.5 for ``"uint8"``, 32767.5 for ``"uint16"``, 2147483647.5 for ``"uint32"``, 255 for
    ``"uint8_labels"`` (every number background); for
    ``"float"`` data the midpoint of
    [0, 255] when the values stay within 255, else of [0, max] (and of [min, 1] or [min, top]
    for signed data). ``"palette"`` indices are labels: 0.5 makes index 0 background and every
    other index foreground, a rule that is never applied to intensities.

    >>> import numpy as np
    >>> resolve_threshold(np.array([0.0, 255.0]), "float", MaskPolicy())
    127.5
    >>> resolve_threshold(np.array([0, 255]), "uint8", MaskPolicy(threshold=0))
    0.0
    """
    if policy.threshold is not None:
        return float(policy.threshold)
    if scale == "palette":
        return LABEL_THRESHOLD
    low, high = finite_range(np.asarray(values))
    return auto_threshold(scale, low, high)
