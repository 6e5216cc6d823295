"""Connected objects of binary masks, labelled with ``scipy.ndimage.label``, many masks at once.

Objects are 8-connected by default: pixels touching only at a corner belong to one object, so a
one-pixel-wide diagonal vessel or membrane stays one object instead of falling into specks.

Many masks are labelled in one call (:class:`ObjectCanvas`): they are stacked on one canvas, a
blank row between two masks and a blank column after every row, so that no object crosses
from one mask to another, and the fixed cost of a call is paid once per batch rather than once
per mask. Per mask the canvas reports the smallest object, the number of objects, and how many
objects (and pixels) are *small* (under :data:`SMALL_OBJECT_PIXELS`) and the pixels of those
that touch the mask's own border (objects cut by the image's edge, as in tiles cut from a
larger image); for lossy masks it also reports the small objects that lie within
:data:`SPECK_RADIUS` pixels of a larger object, where JPEG ringing around an edge leaves specks,
and hold no pixel of solid foreground (the caller says which pixels are: a value nearer the
foreground's end of the scale than the threshold). Ringing specks are bright just past the
threshold; a small piece of a drawn object holds the foreground's own value, and is counted as
an object wherever it lies (DRIVE's vessel masks saved as JPEG at quality 75 threshold back to
their GIFs exactly, and every piece under 16 pixels next to a vessel holds 253 or more).

>>> import numpy as np
>>> mask = np.array([[1, 1, 0, 0, 1],
...                  [0, 1, 0, 0, 0],
...                  [0, 0, 1, 0, 0]], dtype=bool)
>>> object_sizes(mask).tolist()            # the diagonal pixel joins the first object
[4, 1]
>>> object_sizes(mask, connectivity=4).tolist()
[3, 1, 1]
>>> smallest, counts = smallest_objects([mask, np.zeros((2, 2), bool), mask[:1]])
>>> smallest.tolist(), counts.tolist()
([1, 0, 1], [2, 0, 2])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from scipy import ndimage

from unetdiag.diag.audit.shapes import canvas_shapes
from unetdiag.diag.core.boxes import set_box
from unetdiag.diag.core.morphology import near_square

#: Pixels touching only at a corner belong to one object (8) or to two (4).
DEFAULT_CONNECTIVITY = 8
#: Objects under this many pixels (a 4x4 blob) are small: they shrink below one cell after two
#: down-sampling steps.
SMALL_OBJECT_PIXELS = 16
#: A small object of a lossy mask within this many pixels of a larger object sits where JPEG
#: rings around an edge (the 8x8 block an edge crosses); it is a speck if no pixel of it is
#: solid foreground.
SPECK_RADIUS = 8

_STRUCTURES = {4: ndimage.generate_binary_structure(2, 1),
               8: ndimage.generate_binary_structure(2, 2)}


class ObjectStats(NamedTuple):
    """Per mask, in slot order (int64 arrays; zeros for a mask without foreground).

    Attributes:
        smallest: pixels of the smallest object.
        counts: number of objects.
        small_objects: objects under :data:`SMALL_OBJECT_PIXELS` pixels.
        small_pixels: pixels in those small objects.
        speck_pixels: of those, pixels in small objects within :data:`SPECK_RADIUS` of a
            larger object without a pixel of solid foreground, in lossy masks (0 for the
            others).
        border_pixels: of ``small_pixels``, pixels in small objects touching the mask's
            border (the sides of its slot that :meth:`ObjectCanvas.slot` was told are).
        smallest_count, dot_height, dot_width, ring_objects, hole_pixels: what the objects
            are drawn as (:class:`~unetdiag.diag.audit.shapes.CanvasShapes`).
    """

    smallest: np.ndarray
    counts: np.ndarray
    small_objects: np.ndarray
    small_pixels: np.ndarray
    speck_pixels: np.ndarray
    border_pixels: np.ndarray
    smallest_count: np.ndarray
    dot_height: np.ndarray
    dot_width: np.ndarray
    ring_objects: np.ndarray
    hole_pixels: np.ndarray

    @classmethod
    def empty(cls, count: int = 0) -> ObjectStats:
        return cls(*(np.zeros(count, dtype=np.int64) for _ in cls._fields))


class ObjectCanvas:
    """Masks written on one boolean canvas, then labelled together.

    Rows have one length (the first mask's width plus one blank column); every mask sits
    below a blank row. :meth:`slot` hands out a writable view for the next mask, so a caller
    can decode straight into it; :meth:`label` returns each mask's :class:`ObjectStats` and
    clears the canvas for the next batch.

    >>> canvas = ObjectCanvas(capacity_pixels=1000)
    >>> canvas.slot(2, 3, edges=(False, False, False, True))[:] = [[1, 0, 1], [1, 0, 0]]
    >>> canvas.slot(1, 2)[:] = [[1, 1]]
    >>> stats = canvas.label()
    >>> stats.smallest.tolist(), stats.counts.tolist(), stats.small_pixels.tolist()
    ([1, 2], [2, 1], [3, 2])
    >>> stats.border_pixels.tolist()  # the first mask's right-hand pixel is on its border
    [1, 0]
    """

    def __init__(self, capacity_pixels: int, connectivity: int = DEFAULT_CONNECTIVITY,
                 min_width: int = 0) -> None:
        if connectivity not in _STRUCTURES:
            raise ValueError(f"connectivity must be 4 or 8, not {connectivity}")
        self.capacity_pixels = capacity_pixels
        self.connectivity = connectivity
        self.min_width = min_width
        self._buffer = np.zeros(0, dtype=bool)
        self._canvas: np.ndarray | None = None
        # first row, height, width, a lossy mask's solid pixels, the mask's own sides (top,
        # bottom, left, right)
        self._slots: list[tuple[int, int, int, np.ndarray | None, tuple[bool, ...]]] = []
        self._used_rows = 1  # row 0 stays blank

    def __len__(self) -> int:
        return len(self._slots)

    def slot(self, height: int, width: int, solid: np.ndarray | None = None,
             edges: tuple[bool, bool, bool, bool] = (False, False, False, False)
             ) -> np.ndarray | None:
        """A ``(height, width)`` view for the next mask, to be written whole; None when it
        does not fit (call :meth:`label` first). An empty canvas takes any mask. ``solid``,
        given for a lossy mask only (a ``(height, width)`` boolean array, kept until
        :meth:`label`), says which of its pixels hold solid foreground values and asks for
        its JPEG specks to be told apart; ``edges`` says which sides of the view (top,
        bottom, left, right) are the mask's own border (a crop to the foreground box keeps
        those where the box reaches the border)."""
        if solid is not None and solid.shape != (height, width):
            raise ValueError(f"solid has shape {solid.shape}, the mask {(height, width)}")
        canvas = self._canvas
        # an empty canvas is laid out anew for a mask wider than its rows or taller than it
        if canvas is None or (not self._slots and (canvas.shape[1] <= width
                                                   or canvas.shape[0] < height + 2)):
            canvas = self._canvas = self._empty_canvas(height, max(width, self.min_width) + 1)
        elif width >= canvas.shape[1] or self._used_rows + height + 1 > canvas.shape[0]:
            return None
        first = self._used_rows
        if first == 1:
            canvas[0] = False
        # Memory is reused without clearing: blank what the caller will not write, the
        # columns right of the mask and the separator row below it.
        canvas[first:first + height, width:] = False
        canvas[first + height] = False
        self._slots.append((first, height, width, solid, tuple(edges)))
        self._used_rows = first + height + 1
        return canvas[first:first + height, :width]

    def _empty_canvas(self, height: int, row_length: int) -> np.ndarray:
        """A canvas with this row length, reusing the memory of the last one (its pages are
        already mapped: a fresh array would fault on every 4 kB written)."""
        rows = max(height + 2, self.capacity_pixels // row_length)
        if self._buffer.size < rows * row_length:
            self._buffer = np.zeros(rows * row_length, dtype=bool)
        return self._buffer[:rows * row_length].reshape(rows, row_length)

    def label(self) -> ObjectStats:
        """Each mask's :class:`ObjectStats`, in slot order. Empties the canvas."""
        count = len(self._slots)
        if count == 0 or self._canvas is None:
            return ObjectStats.empty()
        used = self._canvas[:self._used_rows]
        labels, objects = ndimage.label(used, structure=_STRUCTURES[self.connectivity])
        stats = ObjectStats.empty(count)
        if objects:
            # counted over the foreground only: bincount over the whole canvas costs 5x more
            sizes = np.bincount(labels[used], minlength=objects + 1)[1:].astype(np.int64)
            # Labels are numbered in the order a row-by-row scan meets them, so the highest
            # label in the rows up to r counts the objects begun by row r.
            begun = np.maximum.accumulate(labels.max(axis=1))
            first_rows = np.searchsorted(begun, np.arange(1, objects + 1), side="left")
            starts = np.array([slot[0] for slot in self._slots], dtype=np.int64)
            owner = np.searchsorted(starts, first_rows, side="right") - 1
            stats.counts[:] = np.bincount(owner, minlength=count)
            smallest = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(smallest, owner, sizes)
            smallest[stats.counts == 0] = 0
            stats.smallest[:] = smallest
            small = sizes < SMALL_OBJECT_PIXELS
            stats.small_objects[:] = np.bincount(owner[small], minlength=count)
            stats.small_pixels[:] = np.bincount(owner[small], weights=sizes[small],
                                                minlength=count).astype(np.int64)
            for number, (first, height, width, solid, edges) in enumerate(self._slots):
                if not stats.small_objects[number]:
                    continue
                mask_labels = labels[first:first + height, :width]
                if solid is not None:
                    specks = np.flatnonzero(small & (owner == number))  # their labels - 1
                    stats.speck_pixels[number] = _speck_pixels(
                        mask_labels, sizes, specks + 1, first_rows[specks] - first, solid)
                if any(edges):
                    stats.border_pixels[number] = _border_pixels(mask_labels, sizes, edges)
            shapes = canvas_shapes(labels, sizes, owner, stats.smallest, stats.counts,
                                   [slot[:3] for slot in self._slots],
                                   [slot[4] for slot in self._slots])
            for name, values in shapes._asdict().items():
                getattr(stats, name)[:] = values
        self._slots = []
        self._used_rows = 1
        return stats


def foreground_box(mask: np.ndarray) -> tuple[slice, slice]:
    """The rows and columns of a 2-D boolean mask's foreground (empty slices without any).

    Every object statistic of :class:`ObjectCanvas` is the same for the mask and for this
    crop of it: objects are made of foreground pixels, all inside the box, and a speck's
    distance to a larger object is measured between foreground pixels too. On masks whose
    objects cover a part of the image, labelling the crop costs that part.

    >>> foreground_box(np.array([[0, 0, 0], [0, 1, 1], [0, 0, 0]], dtype=bool))
    (slice(1, 2, None), slice(1, 3, None))
    """
    return set_box(mask)


def solid_foreground(plane: np.ndarray, threshold: float, polarity: str, bottom: float,
                     top: float) -> np.ndarray:
    """Pixels of a lossy mask's plane whose values lie nearer the foreground's end of the
    scale (``top``, or ``bottom`` for dark polarity) than ``threshold``: no JPEG speck holds
    one. Compression's pieces sit just past the threshold (128-154 of 255 in DRIVE's and
    ISBI 2012's masks saved at quality 30 and 10, all but 1 of 696); a drawn piece keeps its
    value (253-255 at quality 75, docs/real-data.md).

    >>> solid_foreground(np.array([[0, 131, 200, 255]], np.uint8), 127.5, "bright", 0, 255)
    array([[False, False,  True,  True]])
    """
    if polarity == "dark":
        return plane < (threshold + bottom) / 2
    return plane > (threshold + top) / 2


def _speck_pixels(labels: np.ndarray, sizes: np.ndarray, small_labels: np.ndarray,
                  small_rows: np.ndarray, solid: np.ndarray) -> int:
    """Pixels of the small objects of one mask (``small_labels``, each beginning on the row of
    ``labels`` in ``small_rows``) that lie within :data:`SPECK_RADIUS` of one of its larger
    objects (``sizes[k - 1]`` is the size of label ``k``) and hold no pixel marked in
    ``solid`` (a boolean array shaped like ``labels``).

    A small object spans fewer than :data:`SMALL_OBJECT_PIXELS` rows from its first, so every
    pixel within reach of it lies in a band of rows :data:`SPECK_RADIUS` wider on both sides:
    a few specks are looked for in their bands (a DRIVE mask at 4x with one speck: 39 -> 0.3
    ms), many over the whole mask at once (:func:`_specks_in_plane`)."""
    # rows from SPECK_RADIUS above a speck's first to SPECK_RADIUS below its last possible
    band_rows = SMALL_OBJECT_PIXELS - 1 + 2 * SPECK_RADIUS
    if len(small_labels) * band_rows >= labels.shape[0]:
        return _specks_in_plane(labels, sizes, solid)
    is_larger = np.concatenate(([False], sizes >= SMALL_OBJECT_PIXELS))
    total = 0
    for label, row in zip(small_labels.tolist(), small_rows.tolist(), strict=True):
        rows = slice(max(row - SPECK_RADIUS, 0), row - SPECK_RADIUS + band_rows)
        band = labels[rows]
        larger = is_larger[band]
        speck = band == label
        if (larger.any() and np.any(near_square(larger, SPECK_RADIUS) & speck)
                and not np.any(solid[rows] & speck)):
            total += int(sizes[label - 1])
    return total


def _specks_in_plane(labels: np.ndarray, sizes: np.ndarray, solid: np.ndarray) -> int:
    """:func:`_speck_pixels` of every small object of ``labels``, over the whole plane."""
    # per-label truth tables looked up by the labels: bytes, not the sizes' 8 (label 0 is
    # background, neither)
    is_larger = np.concatenate(([False], sizes >= SMALL_OBJECT_PIXELS))
    larger = is_larger[labels]
    if not larger.any():
        return 0
    near = near_square(larger, SPECK_RADIUS)
    is_small = np.concatenate(([False], sizes < SMALL_OBJECT_PIXELS))
    specks = np.unique(labels[near & is_small[labels]])
    holds_solid = np.zeros(len(sizes) + 1, dtype=bool)
    holds_solid[labels[solid]] = True
    specks = specks[~holds_solid[specks]]
    return int(sizes[specks - 1].sum())


def _border_pixels(labels: np.ndarray, sizes: np.ndarray,
                   edges: tuple[bool, ...]) -> int:
    """Pixels of the small objects of one mask that touch the sides of ``labels`` marked in
    ``edges`` (top, bottom, left, right)."""
    sides = [line for line, edge in zip((labels[0], labels[-1], labels[:, 0], labels[:, -1]),
                                        edges, strict=True) if edge]
    touching = np.unique(np.concatenate(sides))
    touching = touching[touching > 0]
    small = sizes[touching - 1] < SMALL_OBJECT_PIXELS
    return int(sizes[touching[small] - 1].sum())


def object_sizes(mask: np.ndarray, connectivity: int = DEFAULT_CONNECTIVITY) -> np.ndarray:
    """Pixel count of every connected foreground object of a 2-D mask, largest first.

    Args:
        mask: 2-D array; non-zero pixels are foreground.
        connectivity: 8 (corners connect) or 4 (edges only).

    Returns:
        int64 array, one entry per object (empty when the mask has no foreground).
    """
    if connectivity not in _STRUCTURES:
        raise ValueError(f"connectivity must be 4 or 8, not {connectivity}")
    array = np.asarray(mask)
    if array.ndim != 2:
        raise ValueError(f"object_sizes needs a 2-D mask, got shape {array.shape}")
    labels, objects = ndimage.label(array != 0, structure=_STRUCTURES[connectivity])
    sizes = np.bincount(labels.ravel(), minlength=objects + 1)[1:].astype(np.int64)
    return np.sort(sizes)[::-1]


def smallest_objects(masks: Sequence[np.ndarray], connectivity: int = DEFAULT_CONNECTIVITY
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Size of the smallest object and number of objects of each 2-D mask, labelled together.

    Returns ``(smallest, counts)``: two int64 arrays, one entry per mask (0 and 0 for a mask
    without foreground).
    """
    if not masks:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    width = max(mask.shape[1] for mask in masks)
    rows = sum(mask.shape[0] + 1 for mask in masks) + 1
    canvas = ObjectCanvas(rows * (width + 1), connectivity, min_width=width)
    for mask in masks:
        slot = canvas.slot(*mask.shape)
        assert slot is not None
        slot[:] = mask != 0
    stats = canvas.label()
    return stats.smallest, stats.counts
