"""Where a mask's non-binary pixels sit: on object edges (resampling, JPEG) or spread
through whole regions (soft labels, probability maps, photographs).

The question is asked of the non-binary pixels only, a small share of a JPEG mask's pixels, so
it is first decided on a reduced copy: blocks of :data:`BLOCK` x :data:`BLOCK` pixels, each
summarised by whether it holds any (or only) pixels of a class (Pillow's ``reduce`` of the
class planes). For a block of non-binary pixels, a class block lying wholly inside every such
pixel's neighbourhood proves the class near; no class pixel in any block the neighbourhoods
touch proves it absent. Only the pixels of blocks these bounds leave open are examined at full
resolution, on their own neighbourhoods; when they are too many for that to pay, the whole
plane is. The answer is the full-resolution one either way.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

#: A label value at or below this counts as "background-ish", at or above ``1 - ...`` as
#: "foreground-ish" when deciding whether a non-binary pixel sits on an object edge. 0.1 is
#: wide enough to take in JPEG noise around 0 and 1 (a few grey levels out of 255).
EDGE_LEVEL_TOLERANCE = 0.1
#: How far (pixels) a non-binary pixel may sit from solid background and solid foreground and
#: still count as "on an edge". Bilinear resizing blurs an edge over a pixel or two, but
#: Lanczos and JPEG ringing spread through the 8x8 JPEG block an edge crosses.
EDGE_NEIGHBOURHOOD_RADIUS = 8
#: Side (pixels) of the blocks of the reduced copy. At least 3, so that a block wholly of one
#: class holds a pixel whose 3x3 neighbourhood is of that class (a "solid" pixel).
BLOCK = 4
#: Open pixels are examined on their own neighbourhoods while that reads fewer than this many
#: neighbourhood pixels per plane pixel; beyond, the whole plane is dilated instead (about 50
#: passes over it).
PATCH_WORK_PER_PIXEL = 48
#: Open pixels examined per gather of neighbourhoods (bounds the memory of one gather).
PATCH_CHUNK = 4096
_FULL = 255


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
        classes = _Classes(between=(plane > 0) & (plane < 1), background=plane <= tolerance,
                           foreground=plane >= 1 - tolerance, bright=plane >= 0.5)
        counted = _count_on_edge(classes, radius)
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
    classes = _Classes(between=(plane >= above_zero) & (plane <= below_one),
                       background=plane <= last_level(unit <= tolerance),
                       foreground=plane >= first_level(unit >= 1 - tolerance),
                       bright=plane >= first_level(unit >= 0.5))
    on_edge, between = _count_on_edge(classes, radius)
    return on_edge / between if between else float("nan")


class _Classes:
    """The boolean planes of one 2-D mask the edge test reads."""

    def __init__(self, between: np.ndarray, background: np.ndarray, foreground: np.ndarray,
                 bright: np.ndarray) -> None:
        self.between = between
        self.bright = bright
        self.background = background
        self.foreground = foreground

    @cached_property
    def solid_background(self) -> np.ndarray:
        return _solid(self.background)

    @cached_property
    def solid_foreground(self) -> np.ndarray:
        return _solid(self.foreground)

    @property
    def shape(self) -> tuple[int, int]:
        return self.between.shape


def _count_on_edge(classes: _Classes, radius: int) -> tuple[int, int]:
    """(non-binary pixels on an edge, non-binary pixels) of one plane."""
    between = int(np.count_nonzero(classes.between))
    if between == 0:
        return 0, 0
    blocks = _BlockSummary(classes)
    targets = np.flatnonzero(blocks.any_between)
    rows, cols = np.divmod(targets, blocks.any_between.shape[1])
    decided_on, open_blocks = _decide_blocks(blocks, rows, cols, radius)
    on_edge = int(blocks.between_counts.ravel()[targets[decided_on]].sum())
    if open_blocks.any():
        ys, xs = _pixels_in_blocks(classes.between, rows[open_blocks], cols[open_blocks])
        height, width = classes.shape
        window = (2 * radius + 3) ** 2
        if ys.size * window * 4 > PATCH_WORK_PER_PIXEL * height * width:
            return _count_on_edge_dense(classes, radius), between
        on_edge += _count_on_edge_at(classes, ys, xs, radius)
    return on_edge, between


class _BlockSummary:
    """Per block of :data:`BLOCK` x :data:`BLOCK` pixels (the last ones may be smaller):
    whether it holds any, or only, pixels of each class, and its non-binary pixels."""

    def __init__(self, classes: _Classes) -> None:
        between = _reduced(classes.between)
        bright = _reduced(classes.bright)
        height, width = classes.shape
        block_rows = np.minimum(BLOCK, height - BLOCK * np.arange(between.shape[0]))
        block_cols = np.minimum(BLOCK, width - BLOCK * np.arange(between.shape[1]))
        self.any_between = between > 0
        # the reduction rounds each block's mean of 0/255 values: far apart enough to invert
        self.between_counts = np.rint(between * np.outer(block_rows, block_cols) / _FULL
                                      ).astype(np.int64)
        self.any_bright = bright > 0
        self.any_dark = bright < _FULL
        self.solid_background = _reduced(classes.solid_background) > 0
        self.solid_foreground = _reduced(classes.solid_foreground) > 0


def _solid(mask: np.ndarray) -> np.ndarray:
    """Pixels whose whole 3x3 neighbourhood is set (the image border counts as set), as
    shifted ANDs: a column of three, then a row of three."""
    column = mask.copy()
    column[1:] &= mask[:-1]
    column[:-1] &= mask[1:]
    solid = column.copy()
    solid[:, 1:] &= column[:, :-1]
    solid[:, :-1] &= column[:, 1:]
    return solid


def _reduced(plane: np.ndarray) -> np.ndarray:
    """The plane as 0/255, each block replaced by its mean (Pillow's ``reduce``)."""
    levels = plane.view(np.uint8) * np.uint8(_FULL)
    return np.asarray(Image.fromarray(levels).reduce(BLOCK))


def _decide_blocks(blocks: _BlockSummary, rows: np.ndarray, cols: np.ndarray, radius: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """For the blocks at (rows, cols): (all their non-binary pixels are on an edge, the
    reduced copy cannot tell). The remaining blocks have none on an edge."""
    near = radius      # reach of the other side (bright or dark pixels)
    solid = radius + 1  # reach of solid regions, one further (they are eroded by a pixel)

    def bounds(sure_grid: np.ndarray, possible_grid: np.ndarray, reach: int
               ) -> tuple[np.ndarray, np.ndarray]:
        return (_any_around(sure_grid, rows, cols, _inner_reach(reach)),
                _any_around(possible_grid, rows, cols, _outer_reach(reach)))

    sure_bright, maybe_bright = bounds(blocks.any_bright, blocks.any_bright, near)
    sure_dark, maybe_dark = bounds(blocks.any_dark, blocks.any_dark, near)
    sure_background, maybe_background = bounds(blocks.solid_background,
                                               blocks.solid_background, solid)
    sure_foreground, maybe_foreground = bounds(blocks.solid_foreground,
                                               blocks.solid_foreground, solid)
    sure = (sure_background & sure_bright) | (sure_foreground & sure_dark)
    possible = (maybe_background & maybe_bright) | (maybe_foreground & maybe_dark)
    return sure, possible & ~sure


def _inner_reach(reach: int) -> int:
    """Blocks either side of a pixel's block that lie wholly within ``reach`` pixels of every
    pixel of it (-1: not even its own block)."""
    return (reach - BLOCK + 1) // BLOCK if reach >= BLOCK - 1 else -1


def _outer_reach(reach: int) -> int:
    """Blocks either side of a pixel's block that any pixel of it reaches within ``reach``."""
    return -(-reach // BLOCK)


def _any_around(grid: np.ndarray, rows: np.ndarray, cols: np.ndarray, reach: int) -> np.ndarray:
    """Whether ``grid`` is set within ``reach`` blocks of each (row, col) (blocks outside the
    grid are unset; a negative reach finds nothing)."""
    if reach < 0:
        return np.zeros(rows.size, dtype=bool)
    padded = np.pad(grid, reach)
    side = 2 * reach + 1
    return sliding_window_view(padded, (side, side))[rows, cols].any(axis=(1, 2))


def _pixels_in_blocks(between: np.ndarray, rows: np.ndarray, cols: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of every non-binary pixel in the given blocks."""
    offsets = np.arange(BLOCK)
    ys, xs = np.broadcast_arrays(rows[:, None, None] * BLOCK + offsets[None, :, None],
                                 cols[:, None, None] * BLOCK + offsets[None, None, :])
    ys, xs = ys.ravel(), xs.ravel()
    height, width = between.shape
    inside = (ys < height) & (xs < width)
    ys, xs = ys[inside], xs[inside]
    chosen = between[ys, xs]
    return ys[chosen], xs[chosen]


def _count_on_edge_at(classes: _Classes, ys: np.ndarray, xs: np.ndarray, radius: int) -> int:
    """How many of the pixels (ys, xs) are on an edge, each judged on its own neighbourhood
    at full resolution."""
    solid = radius + 1
    padded_background = np.pad(classes.solid_background, solid)
    padded_foreground = np.pad(classes.solid_foreground, solid)
    padded_bright = np.pad(classes.bright, radius)
    padded_dark = np.pad(~classes.bright, radius)
    count = 0
    for start in range(0, ys.size, PATCH_CHUNK):
        y, x = ys[start:start + PATCH_CHUNK], xs[start:start + PATCH_CHUNK]
        on_edge = ((_near(padded_background, y, x, solid) & _near(padded_bright, y, x, radius))
                   | (_near(padded_foreground, y, x, solid) & _near(padded_dark, y, x, radius)))
        count += int(np.count_nonzero(on_edge))
    return count


def _near(padded: np.ndarray, ys: np.ndarray, xs: np.ndarray, reach: int) -> np.ndarray:
    """Whether a set pixel lies within ``reach`` of each (y, x) (``padded`` by ``reach``)."""
    side = 2 * reach + 1
    return sliding_window_view(padded, (side, side))[ys, xs].any(axis=(1, 2))


def _count_on_edge_dense(classes: _Classes, radius: int) -> int:
    """The edge test on every pixel of the plane."""
    near_background = _dilate(classes.solid_background, radius + 1)
    near_foreground = _dilate(classes.solid_foreground, radius + 1)
    on_edge = classes.between & ((near_background & _dilate(classes.bright, radius))
                                 | (near_foreground & _dilate(~classes.bright, radius)))
    return int(np.count_nonzero(on_edge))


def _dilate(mask: np.ndarray, reach: int) -> np.ndarray:
    """Dilation by a (2 reach + 1) square, outside the image unset: a column dilation of a
    row dilation, each by doubling runs of ORs (log2 of the side passes over the plane, where
    ``scipy.ndimage.binary_dilation`` makes one per structure pixel)."""
    if reach == 0:
        return mask
    shifts = _doubling_shifts(2 * reach + 1)  # they add up to 2 reach: the padding
    rows = np.pad(mask, ((0, 0), (reach, reach)))
    for shift in shifts:
        rows = rows[:, :-shift] | rows[:, shift:]
    columns = np.pad(rows, ((reach, reach), (0, 0)))
    for shift in shifts:
        columns = columns[:-shift] | columns[shift:]
    return columns


def _doubling_shifts(side: int) -> list[int]:
    """Shifts whose successive ORs (``run[i] | run[i + shift]``) turn every position into the
    OR of the ``side`` positions from it: 1, 2, 4... then the remainder."""
    shifts, length = [], 1
    while 2 * length <= side:
        shifts.append(length)
        length *= 2
    if length < side:
        shifts.append(side - length)
    return shifts
