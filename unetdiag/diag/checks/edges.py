"""Where a mask's non-binary pixels sit: on object edges (resampling, JPEG) or spread
through whole regions (soft labels, probability maps, photographs).

The test is morphology (3x3 erosions, then dilations by a 17-19 pixel square) done on
bit-packed rows: 64 pixels to a 64-bit word, so each OR or AND of a pass handles 64 pixels,
and a dilation is a few passes (runs doubled: 1, 2, 4, 8 pixels...) instead of one per pixel
of the square. Only the box around the values between the ends is read, widened by what an
answer there reads (where they are sparse, as in a JPEG copy of a mask, that is the
objects' outlines' box). The answer is the full-resolution one, pixel for pixel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from unetdiag.diag.core.boxes import is_empty, set_box

#: A label value at or below this counts as "background-ish", at or above ``1 - ...`` as
#: "foreground-ish" when deciding whether a non-binary pixel sits on an object edge. 0.1 is
#: wide enough to take in JPEG noise around 0 and 1 (a few grey levels out of 255).
EDGE_LEVEL_TOLERANCE = 0.1
#: How far (pixels) a non-binary pixel may sit from solid background and solid foreground and
#: still count as "on an edge". Bilinear resizing blurs an edge over a pixel or two, but
#: Lanczos and JPEG ringing spread through the 8x8 JPEG block an edge crosses.
EDGE_NEIGHBOURHOOD_RADIUS = 8
#: How far (pixels, 8-connected) a value between the ends may lie from a pixel holding one of
#: the ends and still count as a rim: anti-aliasing fades an edge over one pixel, bilinear and
#: bicubic resizing over one or two, and JPEG's overshoot clips to the ends next to the noise.
RIM_RADIUS = 2
_WORD_BITS = 64
_ALL_SET = np.uint64(2**64 - 1)


def _spatial_masks(array: np.ndarray) -> np.ndarray | None:
    """(N, H, W) view for the edge test, channels moved to the image axis; None without space."""
    if array.ndim == 2:
        return array[None]
    if array.ndim == 3:
        return array
    if array.ndim == 4:
        return np.moveaxis(array, -1, 1).reshape(-1, array.shape[1], array.shape[2])
    return None


def edge_share(masks: np.ndarray, radius: int = EDGE_NEIGHBOURHOOD_RADIUS,
               tolerance: float = EDGE_LEVEL_TOLERANCE) -> float:
    """Share of non-binary pixels that sit on an object edge.

    A pixel with a value strictly between 0 and 1 is "on an edge" when, within ``radius``
    pixels, it has a solid region of one class and a pixel on the other side of 0.5. "Solid"
    means a pixel whose 3x3 neighbourhood is entirely background-ish (``<= tolerance``) or
    entirely foreground-ish (``>= 1 - tolerance``), so scattered noise is no region; the other
    side only needs to pass 0.5 so that thin structures (vessels, membranes), which keep no
    solid core after down-scaling, still count. Resizing a mask with interpolation or saving it
    as JPEG puts nearly all non-binary pixels on edges; soft labels and photographs do not.
    NaN when there are no non-binary pixels.

    >>> ramp = np.array([[0, 0, 0, 0.5, 1, 1, 1]] * 4)
    >>> edge_share(ramp, radius=1)
    1.0
    >>> rng = np.random.default_rng(0)
    >>> edge_share(rng.random((32, 32)))   # noise: no solid region anywhere
    0.0
    """
    spatial = _spatial_masks(np.asarray(masks, dtype=np.float64))
    if spatial is None:
        return float("nan")
    on_edge = between = 0
    for plane in spatial:
        values_between = (plane > 0) & (plane < 1)
        classes = _Classes(
            bright=lambda box, plane=plane: plane[box] >= 0.5,
            solid=lambda box, plane=plane: (plane[box] <= tolerance,
                                            plane[box] >= 1 - tolerance))
        counted = _count_on_edge(values_between, classes, set_box(values_between), radius)
        on_edge, between = on_edge + counted[0], between + counted[1]
    return on_edge / between if between else float("nan")


def edge_share_of_levels(plane: np.ndarray, bottom: float, top: float,
                         radius: int = EDGE_NEIGHBOURHOOD_RADIUS,
                         tolerance: float = EDGE_LEVEL_TOLERANCE) -> float:
    """:func:`edge_share` of an integer plane scaled to ``(plane - bottom) / (top - bottom)``
    in float32, without making that float copy: the scaling is monotone, so each class is
    the levels on one side of a threshold found once for the dtype's values.

    >>> levels = np.array([[0, 0, 0, 128, 255, 255, 255]] * 4, dtype=np.uint8)
    >>> edge_share_of_levels(levels, 0.0, 255.0, radius=1)
    1.0
    """
    between, classes, _ = _level_classes(plane, bottom, top, tolerance)
    on_edge, count = _count_on_edge(between, classes, set_box(between), radius)
    return on_edge / count if count else float("nan")


def edge_and_rim_shares_of_levels(plane: np.ndarray, bottom: float, top: float,
                                  radius: int = EDGE_NEIGHBOURHOOD_RADIUS,
                                  rim_radius: int = RIM_RADIUS,
                                  tolerance: float = EDGE_LEVEL_TOLERANCE
                                  ) -> tuple[float, float]:
    """(:func:`edge_share_of_levels`, :func:`rim_share`) of one integer plane, the same two
    numbers at the cost of one: the values between the ends, their count and the box around
    them are found once (the rim's "between" is the edge test's when both name the same
    levels, as they do for integer ends), and each test reads only the box (where the values
    between are sparse, as in a JPEG copy of a mask, the box is the objects' outlines' box).

    >>> levels = np.array([[0, 0, 0, 128, 255, 255, 255]] * 4, dtype=np.uint8)
    >>> edge_and_rim_shares_of_levels(levels, 0.0, 255.0, radius=1)
    (1.0, 1.0)
    """
    between, classes, same_between = _level_classes(plane, bottom, top, tolerance)
    box = set_box(between)
    on_edge, count = _count_on_edge(between, classes, box, radius)
    if same_between:
        in_rims, rim_count = _rim_counts_in(plane, between, box, count, bottom, top,
                                            rim_radius)
    else:
        in_rims, rim_count = _rim_counts(plane, bottom, top, rim_radius)
    return (on_edge / count if count else float("nan"),
            in_rims / rim_count if rim_count else float("nan"))


def _level_classes(plane: np.ndarray, bottom: float, top: float, tolerance: float
                   ) -> tuple[np.ndarray, _Classes, bool]:
    """The pixels of an integer plane strictly between the scale's ends (a boolean plane),
    the class planes of the edge test as thresholds on the levels (see
    :func:`edge_share_of_levels`), and whether the rim's test (``bottom < value < top``)
    names the same levels as between."""
    if plane.dtype.kind not in "ui" or plane.dtype.itemsize > 2 or plane.ndim != 2:
        raise ValueError(f"needs a 2-D 8- or 16-bit integer plane, got {plane.dtype} "
                         f"{plane.shape}")
    info = np.iinfo(plane.dtype)
    levels = np.arange(info.min, info.max + 1, dtype=np.int64)
    unit = ((levels.astype(np.float32) - np.float32(bottom)) / np.float32(top - bottom)
            ).astype(np.float64)

    def last_level(condition: np.ndarray) -> int:
        """The highest level meeting a condition true of a prefix of the levels (or one below
        the lowest level when none does)."""
        return int(levels[0] + np.count_nonzero(condition) - 1)

    def first_level(condition: np.ndarray) -> int:
        """The lowest level meeting a condition true of a suffix of the levels."""
        return int(levels[-1] - np.count_nonzero(condition) + 1)

    above_zero = first_level(unit > 0)
    below_one = last_level(unit < 1)
    dark_top = last_level(unit <= tolerance)
    light_bottom = first_level(unit >= 1 - tolerance)
    bright_bottom = first_level(unit >= 0.5)
    same_between = bool(np.array_equal((levels > bottom) & (levels < top),
                                       (unit > 0) & (unit < 1)))
    return (plane >= above_zero) & (plane <= below_one), _Classes(
        bright=lambda box: plane[box] >= bright_bottom,
        solid=lambda box: (plane[box] <= dark_top, plane[box] >= light_bottom)), same_between


def rim_share(plane: np.ndarray, bottom: float, top: float, radius: int = RIM_RADIUS) -> float:
    """Share of a plane's values strictly between ``bottom`` and ``top`` that lie within
    ``radius`` pixels of a pixel holding exactly one of them; NaN when none lies between.

    Anti-aliased drawing, JPEG and resizing down or 2x up leave their values in a rim that
    thin (measured on DRIVE and ISBI 2012 masks resized 5x to 10x down with bilinear,
    bicubic, Lanczos or box filters, or 2x up: 0.95 to 1.0; saved as JPEG at quality 50 to 95:
    1.0; 2x down and up again: 0.52 to 0.99). Values that fade over several pixels mostly
    lie further: a blurred or predicted probability map's (the same masks blurred with a
    Gaussian of sigma 1.2 and more: 0.01 to 0.25) and those of a mask resized by a large
    factor with interpolation (3x down and up: 0.32 to 0.74; 8x up: 0.25 to 0.44).

    >>> rim_share(np.array([[0, 0, 128, 255, 255]] * 3, dtype=np.uint8), 0, 255)
    1.0
    >>> ramp = np.tile(np.linspace(0, 1, 11), (3, 1))
    >>> round(rim_share(ramp, 0.0, 1.0, radius=2), 3)
    0.444
    """
    in_rims, count = _rim_counts(np.asarray(plane), bottom, top, radius)
    return in_rims / count if count else float("nan")


def pooled_rim_share(masks: np.ndarray, bottom: float = 0.0, top: float = 1.0,
                     radius: int = RIM_RADIUS) -> float:
    """:func:`rim_share` of every plane of a stack of masks shaped as :func:`edge_share`
    takes them (``(H, W)``, ``(N, H, W)`` or ``(N, H, W, C)``), pooled over their in-between
    values (each plane weighs by how many it holds); NaN when none lies between or the array
    has no spatial layout.

    >>> soft = np.array([[[0, 0.5, 1, 1, 1]] * 3, [[0, 0.1, 0.2, 0.3, 0.4]] * 3])
    >>> pooled_rim_share(soft, radius=1)   # 0.2, 0.3 and 0.4 lie beyond 1 px of an end
    0.4
    """
    spatial = _spatial_masks(np.asarray(masks))
    if spatial is None:
        return float("nan")
    in_rims = between = 0
    for plane in spatial:
        counted = _rim_counts(plane, bottom, top, radius)
        in_rims, between = in_rims + counted[0], between + counted[1]
    return in_rims / between if between else float("nan")


def _rim_counts(plane: np.ndarray, bottom: float, top: float, radius: int) -> tuple[int, int]:
    """(values between the ends within ``radius`` of an end value, values between the ends)
    of one 2-D plane."""
    low, high = _as_levels(plane.dtype, bottom, top)
    between = (plane > low) & (plane < high)
    box = set_box(between)
    return _rim_counts_in(plane, between, box, int(np.count_nonzero(between[box])), bottom,
                          top, radius)


def _rim_counts_in(plane: np.ndarray, between: np.ndarray, box: tuple[slice, slice],
                   count: int, bottom: float, top: float, radius: int) -> tuple[int, int]:
    """:func:`_rim_counts` given the values between the ends, their box and their count: only
    the box widened by ``radius`` is read (every end value within ``radius`` of a value
    between lies there; beyond the window, as beyond the plane, the dilation reads no end
    value, and no value between is near enough to tell), on bit-packed rows as the edge
    test (the same pixels as
    :func:`~unetdiag.diag.core.morphology.near_square`)."""
    if count == 0:
        return 0, 0
    window = _widened(box, radius, plane.shape)
    crop = plane[window]
    bottom, top = _as_levels(plane.dtype, bottom, top)
    rows = _PackedRows(crop.shape[1], room=radius)
    packed_between = rows.pack(between[window])
    if _spans_dtype(plane.dtype, bottom, top):  # every value is an end or between them
        ends = ~packed_between & rows.inside
    else:
        ends = rows.pack((crop == bottom) | (crop == top))
    return _set_bits(packed_between & _dilate(ends, radius)), count


def _spans_dtype(dtype: np.dtype, bottom: float, top: float) -> bool:
    """Whether ``bottom`` and ``top`` are an integer dtype's least and greatest values (a 0-255
    scale in 8 bits): then a pixel not strictly between them holds one of them."""
    if dtype.kind not in "ui":
        return False
    info = np.iinfo(dtype)
    return bool(bottom == info.min and top == info.max)


def _as_levels(dtype: np.dtype, *ends: float) -> tuple:
    """The scale's ends as values of an integer ``dtype`` where they are such values (a
    comparison with a Python float would convert every pixel to float64 first), else as
    they are."""
    if dtype.kind not in "ui":
        return ends
    info = np.iinfo(dtype)
    return tuple(dtype.type(end) if float(end).is_integer() and info.min <= end <= info.max
                 else end for end in ends)


@dataclass(frozen=True)
class _Classes:
    """The edge test's class planes of a plane, made for a box of it when asked: ``bright``
    (at or above 0.5 of the scale) and ``solid`` (the background-ish and the
    foreground-ish pixels, before erosion)."""

    bright: Callable[[tuple[slice, slice]], np.ndarray]
    solid: Callable[[tuple[slice, slice]], tuple[np.ndarray, np.ndarray]]


def _widened(box: tuple[slice, slice], margin: int, shape: tuple[int, ...]
             ) -> tuple[slice, slice]:
    """``box`` widened by ``margin`` on each side, clipped to a plane of ``shape``."""
    return tuple(slice(max(0, part.start - margin), min(length, part.stop + margin))
                 for part, length in zip(box, shape, strict=False))


def _count_on_edge(between: np.ndarray, classes: _Classes, box: tuple[slice, slice],
                   radius: int) -> tuple[int, int]:
    """(non-binary pixels on an edge, non-binary pixels) of one 2-D plane, given its pixels
    between the ends, their box (:func:`set_box`) and its class planes.

    Only a window is read: the box widened by ``radius + 2`` (whatever the answer at a pixel
    between reads lies within ``radius + 1`` of it, and the erosion of what it reads one
    further), cut to the reach of the bright pixels in it (:func:`_reach_of_bright`).
    """
    if is_empty(box):
        return 0, 0
    between_count = int(np.count_nonzero(between[box]))
    window = _widened(box, radius + 2, between.shape)
    bright = classes.bright(window)
    reach = _reach_of_bright(bright, radius)
    if reach is None:  # nothing passes 0.5: no pixel has the other side of an edge near it
        return 0, between_count
    crop = tuple(slice(outer.start + inner.start, outer.start + inner.stop)
                 for outer, inner in zip(window, reach, strict=True))
    background, foreground = classes.solid(crop)
    between, bright = between[crop], bright[reach]
    rows = _PackedRows(between.shape[1], room=radius + 1)
    packed_bright = rows.pack(bright)
    # the erosion counts outside the image as set; what it leaves must lie inside the image
    solid_background = _erode(rows.pack(background, outside=True)) & rows.inside
    solid_foreground = _erode(rows.pack(foreground, outside=True)) & rows.inside
    near_solid = radius + 1  # the solid regions are eroded by one pixel: reach one further
    on_edge = rows.pack(between) & (
        (_dilate(solid_background, near_solid) & _dilate(packed_bright, radius))
        | (_dilate(solid_foreground, near_solid) & _dilate(~packed_bright & rows.inside, radius)))
    return _set_bits(on_edge), between_count


def _reach_of_bright(bright: np.ndarray, radius: int) -> tuple[slice, slice] | None:
    """The box around the bright pixels within which the edge test's answer is decided.

    Either way an edge pixel lies within ``radius + 1`` of a bright pixel (its side above 0.5,
    or a solid foreground pixel, itself bright); the solid region it needs lies ``radius + 1``
    further, and that region's 3x3 erosion one further: ``2 radius + 3`` around the bright
    pixels' box, clipped to the plane, holds every pixel the answer reads. None without a
    bright pixel.
    """
    box = set_box(bright, margin=2 * radius + 3)
    return None if is_empty(box) else box


class _PackedRows:
    """Boolean planes of one width packed along rows: pixel ``i`` of a row is bit ``i % 64``
    of word ``i // 64``, with spare bits after the last pixel for shifting a row by ``room``
    pixels without losing any."""

    def __init__(self, width: int, room: int) -> None:
        self.width = width
        self.words = -(-(width + room) // _WORD_BITS)
        bits = np.zeros(self.words * _WORD_BITS, dtype=bool)
        bits[:width] = True
        #: one row's words with the bits of the image's pixels set
        self.inside = self._words(np.packbits(bits, bitorder="little")[None])[0]

    def pack(self, plane: np.ndarray, outside: bool = False) -> np.ndarray:
        """(height, words) uint64; the spare bits are set when ``outside``."""
        packed = np.zeros((plane.shape[0], self.words * 8), dtype=np.uint8)
        packed[:, :-(-self.width // 8)] = np.packbits(plane, axis=1, bitorder="little")
        words = self._words(packed)
        if outside:
            words |= ~self.inside
        return words

    @staticmethod
    def _words(packed: np.ndarray) -> np.ndarray:
        return packed.view("<u8").astype(np.uint64, copy=False)


def _from_next(words: np.ndarray, pixels: int, fill: bool = False) -> np.ndarray:
    """Every pixel takes the value of the pixel ``pixels`` further along its row; the pixels
    past the row's end read ``fill``."""
    while pixels:
        step = min(pixels, _WORD_BITS - 1)
        shifted = words >> np.uint64(step)
        shifted[:, :-1] |= words[:, 1:] << np.uint64(_WORD_BITS - step)
        if fill:
            shifted[:, -1] |= _ALL_SET << np.uint64(_WORD_BITS - step)
        words, pixels = shifted, pixels - step
    return words


def _from_previous(words: np.ndarray, pixels: int, fill: bool = False) -> np.ndarray:
    """Every pixel takes the value of the pixel ``pixels`` before it along its row; the pixels
    before the row's start read ``fill``."""
    while pixels:
        step = min(pixels, _WORD_BITS - 1)
        shifted = words << np.uint64(step)
        shifted[:, 1:] |= words[:, :-1] >> np.uint64(_WORD_BITS - step)
        if fill:
            shifted[:, 0] |= (np.uint64(1) << np.uint64(step)) - np.uint64(1)
        words, pixels = shifted, pixels - step
    return words


def _erode(words: np.ndarray) -> np.ndarray:
    """Pixels whose whole 3x3 neighbourhood is set (outside the plane counts as set)."""
    column = words.copy()
    column[1:] &= words[:-1]
    column[:-1] &= words[1:]
    return (column & _from_previous(column, 1, fill=True)
            & _from_next(column, 1, fill=True))


def _dilate(words: np.ndarray, reach: int) -> np.ndarray:
    """Dilation by a (2 reach + 1) square, outside the plane unset: each row's pixel becomes
    the OR of the ``2 reach + 1`` pixels centred on it, built by doubling runs, then the same
    down the columns."""
    if reach == 0:
        return words
    shifts = _doubling_shifts(2 * reach + 1)
    rows = _from_previous(words, reach)  # so that runs starting at a pixel are centred on it
    for shift in shifts:
        rows = rows | _from_next(rows, shift)
    columns = np.pad(rows, ((reach, reach), (0, 0)))
    for shift in shifts:
        columns = columns[:-shift] | columns[shift:]
    return columns


def _doubling_shifts(side: int) -> list[int]:
    """Shifts whose successive ORs (``run[i] | run[i + shift]``) turn every position into the
    OR of the ``side`` positions from it: 1, 2, 4... then the remainder (they add up to
    ``side - 1``)."""
    shifts, length = [], 1
    while 2 * length <= side:
        shifts.append(length)
        length *= 2
    if length < side:
        shifts.append(side - length)
    return shifts


def _set_bits(words: np.ndarray) -> int:
    if hasattr(np, "bitwise_count"):  # NumPy 2
        return int(np.bitwise_count(words).sum())
    return int(np.unpackbits(words.view(np.uint8)).sum())
