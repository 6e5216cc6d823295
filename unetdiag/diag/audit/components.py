"""Connected objects of binary masks, in NumPy alone (no SciPy): runs, then union-find.

Each row of a mask is cut into runs of foreground pixels; a run touches the runs of the row
above that overlap it (8-connectivity also counts diagonal contact); runs are then merged
into objects with a vectorised union-find (every root hooked to the smallest root it touches,
then pointer jumping until stable). The work follows the number of runs, not of pixels.

Many masks are labelled in one go (:func:`smallest_objects`): they are stacked on one canvas,
a blank row between two masks and a blank column after every row, so that no run and no
object crosses from one mask to another, and the fixed cost of the NumPy calls is paid once
per batch rather than once per mask.

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

import numpy as np

#: Pixels touching only at a corner belong to one object (8) or to two (4).
DEFAULT_CONNECTIVITY = 8


class ObjectCanvas:
    """Masks written on one boolean canvas, then labelled together.

    Rows have one length (the first mask's width plus one blank column); every mask sits
    below a blank row. :meth:`slot` hands out a writable view for the next mask, so a caller
    can decode straight into it; :meth:`label` returns each mask's smallest object and
    object count and clears the canvas for the next batch.

    >>> canvas = ObjectCanvas(capacity_pixels=1000)
    >>> canvas.slot(2, 3)[:] = [[1, 0, 1], [1, 0, 0]]
    >>> canvas.slot(1, 2)[:] = [[1, 1]]
    >>> [values.tolist() for values in canvas.label()]
    [[1, 2], [2, 1]]
    """

    def __init__(self, capacity_pixels: int, connectivity: int = DEFAULT_CONNECTIVITY,
                 min_width: int = 0) -> None:
        if connectivity not in (4, 8):
            raise ValueError(f"connectivity must be 4 or 8, not {connectivity}")
        self.capacity_pixels = capacity_pixels
        self.connectivity = connectivity
        self.min_width = min_width
        self._buffer = np.zeros(0, dtype=bool)
        self._canvas: np.ndarray | None = None
        self._first_rows: list[int] = []
        self._used_rows = 1  # row 0 stays blank

    def __len__(self) -> int:
        return len(self._first_rows)

    def slot(self, height: int, width: int) -> np.ndarray | None:
        """A ``(height, width)`` view for the next mask, to be written whole; None when it
        does not fit (call :meth:`label` first). An empty canvas takes any mask."""
        canvas = self._canvas
        if canvas is None or (not self._first_rows and canvas.shape[1] <= width):
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
        self._first_rows.append(first)
        self._used_rows = first + height + 1
        return canvas[first:first + height, :width]

    def _empty_canvas(self, height: int, row_length: int) -> np.ndarray:
        """A canvas with this row length, reusing the memory of the last one (its pages are
        already mapped: a fresh array would fault on every 4 kB written)."""
        rows = max(height + 2, self.capacity_pixels // row_length)
        if self._buffer.size < rows * row_length:
            self._buffer = np.zeros(rows * row_length, dtype=bool)
        return self._buffer[:rows * row_length].reshape(rows, row_length)

    def label(self) -> tuple[np.ndarray, np.ndarray]:
        """``(smallest, counts)``: smallest object and object count of each mask, in slot order
        (0 and 0 for a mask without foreground). Empties the canvas."""
        count = len(self._first_rows)
        if count == 0 or self._canvas is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        used = self._canvas[:self._used_rows]
        first_pixels, sizes = _objects(used, self.connectivity)
        owner = np.searchsorted(np.asarray(self._first_rows), first_pixels // used.shape[1],
                                side="right") - 1
        counts = np.bincount(owner, minlength=count).astype(np.int64)
        smallest = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(smallest, owner, sizes)
        smallest[counts == 0] = 0
        self._first_rows = []
        self._used_rows = 1
        return smallest, counts


def _runs(canvas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(starts, ends)``: foreground runs as half-open ranges of flat canvas indices."""
    flat = canvas.ravel()
    # The canvas starts blank and every row ends blank: changes alternate start, end, ...
    changes = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    return changes[0::2], changes[1::2]


def _touching_runs(starts: np.ndarray, ends: np.ndarray, row_length: int,
                   connectivity: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(upper, lower)`` of runs in consecutive rows that touch."""
    # Run b, moved one row up, overlaps run a when a.start < b.end and b.start < a.end
    # (ranges widened by one pixel each way for diagonal contact). Runs are sorted and
    # disjoint and rows end blank, so only runs of the row above can match.
    reach = 1 if connectivity == 8 else 0
    first = np.searchsorted(ends, starts - row_length - reach, side="right")
    last = np.searchsorted(starts, ends - row_length + reach, side="left")
    counts = np.maximum(last - first, 0)
    total = int(counts.sum())
    if total == 0:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    lower = np.repeat(np.arange(starts.size), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    upper = np.repeat(first, counts) + offsets
    return upper, lower


def _merge(count: int, upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Root (smallest member index) of each of ``count`` runs after merging touching pairs."""
    parent = np.arange(count)
    while upper.size:
        root_upper, root_lower = parent[upper], parent[lower]
        apart = root_upper != root_lower
        if not apart.any():
            break
        small = np.minimum(root_upper[apart], root_lower[apart])
        large = np.maximum(root_upper[apart], root_lower[apart])
        np.minimum.at(parent, large, small)
        while True:  # pointer jumping until every run points at its root
            grandparent = parent[parent]
            if np.array_equal(grandparent, parent):
                break
            parent = grandparent
    return parent


def _objects(canvas: np.ndarray, connectivity: int) -> tuple[np.ndarray, np.ndarray]:
    """``(first_pixel, size)`` of every object on a canvas whose first pixel and last column
    are blank (flat index of each object's first run)."""
    starts, ends = _runs(canvas)
    if starts.size == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int64)
    upper, lower = _touching_runs(starts, ends, canvas.shape[1], connectivity)
    roots = _merge(starts.size, upper, lower)
    sizes = np.bincount(roots, weights=ends - starts, minlength=starts.size)
    objects = np.flatnonzero(sizes)
    return starts[objects], sizes[objects].astype(np.int64)


def object_sizes(mask: np.ndarray, connectivity: int = DEFAULT_CONNECTIVITY) -> np.ndarray:
    """Pixel count of every connected foreground object of a 2-D mask, largest first.

    Args:
        mask: 2-D array; non-zero pixels are foreground.
        connectivity: 8 (corners connect) or 4 (edges only).

    Returns:
        int64 array, one entry per object (empty when the mask has no foreground).
    """
    if connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, not {connectivity}")
    array = np.asarray(mask)
    if array.ndim != 2:
        raise ValueError(f"object_sizes needs a 2-D mask, got shape {array.shape}")
    canvas = np.zeros((array.shape[0] + 2, array.shape[1] + 1), dtype=bool)
    canvas[1:-1, :-1] = array != 0
    _, sizes = _objects(canvas, connectivity)
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
    return canvas.label()
