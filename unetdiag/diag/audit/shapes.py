"""What a mask's objects are drawn as: filled regions, closed outlines, or dots.

Two annotation habits produce masks that decode and train without error but do not hold the
regions a segmentation model is meant to learn:

* **outlines**: each object drawn as a closed contour (``cv2.drawContours`` or ``polylines``
  with a thickness) and never filled: a thin ring of foreground around background;
* **dots**: one small mark per object (a click, a 3x3 stamp at its centre).

:class:`ObjectCanvas <unetdiag.diag.audit.components.ObjectCanvas>` calls
:func:`canvas_shapes` on the masks it has labelled, with the labels and object sizes it has
already: the dot measures cost a comparison per object, and only masks whose objects could all
be thin rings (:func:`ring_candidates`, from sizes and boxes) have their background labelled to
find the holes. A vessel tree or a membrane network is no ring: its pixels far exceed a thin
line around its box, so it is never labelled again.

>>> from unetdiag.diag.audit.components import ObjectCanvas
>>> canvas = ObjectCanvas(capacity_pixels=1000)
>>> ring = np.zeros((20, 20), dtype=bool); ring[2:18, 2:18] = True; ring[4:16, 4:16] = False
>>> canvas.slot(20, 20)[:] = ring
>>> dots = np.zeros((9, 9), dtype=bool); dots[1:4, 1:4] = dots[5:8, 5:8] = True
>>> canvas.slot(9, 9)[:] = dots
>>> stats = canvas.label()
>>> stats.ring_objects.tolist(), stats.hole_pixels.tolist()
([1, 0], [144, 0])
>>> stats.smallest_count.tolist(), stats.dot_height.tolist(), stats.dot_width.tolist()
([1, 2], [0, 3], [0, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from scipy import ndimage

#: Objects of at most this many pixels (a 7x7 square) that are all one size may be dots: a 3x3
#: click mark up to a disc of radius 4 (49 px) stamped round a centroid (point-labelled cells).
DOT_MAX_PIXELS = 49
#: A mask's objects are measured as dots when objects of its smallest size hold at least this
#: share of its foreground.
DOT_FOREGROUND_SHARE = 0.9
#: Outlines thicker than this (pixels) are not looked for: an object whose pixels exceed this
#: many times its box's perimeter is no thin ring.
RING_MAX_WIDTH = 6
#: Objects under this many pixels are no closed outline worth naming.
RING_MIN_PIXELS = 12
#: An object filling more of its box than this is no thin ring (a filled disc fills 0.79).
RING_MAX_BOX_SHARE = 0.6

_FOUR = ndimage.generate_binary_structure(2, 1)


def _box_sides(slices: Sequence[tuple[slice, slice] | None]) -> tuple[np.ndarray, np.ndarray]:
    heights = np.fromiter((0 if box is None else box[0].stop - box[0].start for box in slices),
                          dtype=np.int64, count=len(slices))
    widths = np.fromiter((0 if box is None else box[1].stop - box[1].start for box in slices),
                         dtype=np.int64, count=len(slices))
    return heights, widths


def ring_candidates(sizes: np.ndarray, heights: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Per object, whether it could be a thin closed outline: at least
    :data:`RING_MIN_PIXELS` pixels, at least 3x3, no more pixels than a line
    :data:`RING_MAX_WIDTH` wide around its box, and at most :data:`RING_MAX_BOX_SHARE` of its
    box (a filled disc holds 0.79 of it)."""
    return ((sizes >= RING_MIN_PIXELS) & (heights >= 3) & (widths >= 3)
            & (sizes <= RING_MAX_WIDTH * 2 * (heights + widths))
            & (sizes <= RING_MAX_BOX_SHARE * heights * widths))


def _holes(labels: np.ndarray, first_label: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Per object of one mask (labels ``first_label .. first_label + count - 1``): how many
    holes it encloses and their pixels. A hole is a 4-connected background region not
    touching the mask's box; its first pixel in row order lies just below its enclosing
    object (the pixel above is foreground, or it would belong to the hole; an object inside
    the hole has hole pixels above it)."""
    regions, found = ndimage.label(labels == 0, structure=_FOUR)
    holes_per_object = np.zeros(count, dtype=np.int64)
    hole_pixels = np.zeros(count, dtype=np.int64)
    if not found:
        return holes_per_object, hole_pixels
    enclosed = np.ones(found + 1, dtype=bool)
    enclosed[0] = False
    enclosed[np.concatenate((regions[0], regions[-1], regions[:, 0], regions[:, -1]))] = False
    if not enclosed.any():
        return holes_per_object, hole_pixels
    flat = regions.ravel()
    numbers, first = np.unique(flat, return_index=True)
    keep = enclosed[numbers]
    numbers, first = numbers[keep], first[keep]
    owners = labels.ravel()[first - labels.shape[1]].astype(np.int64) - first_label
    sizes = np.bincount(flat, minlength=found + 1)[numbers]
    valid = (owners >= 0) & (owners < count)
    np.add.at(holes_per_object, owners[valid], 1)
    np.add.at(hole_pixels, owners[valid], sizes[valid])
    return holes_per_object, hole_pixels


class CanvasShapes(NamedTuple):
    """Per mask, in slot order (int64 arrays).

    Attributes:
        smallest_count: objects of the mask's smallest size.
        dot_height, dot_width: the box shared by those objects when they may be dots (at most
            :data:`DOT_MAX_PIXELS` pixels, holding :data:`DOT_FOREGROUND_SHARE` of the
            mask's foreground); 0 otherwise.
        ring_objects: objects enclosing exactly one hole, counted only in masks whose every
            object is a :func:`ring_candidates` (0 in the others).
        hole_pixels: pixels of the holes those ring objects enclose.
    """

    smallest_count: np.ndarray
    dot_height: np.ndarray
    dot_width: np.ndarray
    ring_objects: np.ndarray
    hole_pixels: np.ndarray


def canvas_shapes(labels: np.ndarray, sizes: np.ndarray, owner: np.ndarray,
                  smallest: np.ndarray, counts: np.ndarray,
                  slots: Sequence[tuple[int, int, int]],
                  edges: Sequence[tuple[bool, bool, bool, bool]] | None = None
                  ) -> CanvasShapes:
    """The shape measures of every mask on a labelled canvas: ``sizes`` and ``owner`` (the
    slot of each object, non-decreasing: objects are numbered in row order) as
    :class:`~unetdiag.diag.audit.components.ObjectCanvas` computed them, ``smallest`` and
    ``counts`` per slot, ``slots`` each mask's first row, height and width, ``edges`` which
    of each slot's sides (top, bottom, left, right) are its mask's own border (a slot holds
    the mask cropped to its foreground's box; None: none is).

    Boxes are found only in the slots that pass tests on sizes alone: dots (the smallest
    objects hold nearly all the foreground) and ring candidates (no object under
    :data:`RING_MIN_PIXELS` or over a thin line around the whole slot, and the foreground
    at most :data:`RING_MAX_BOX_SHARE` of the slot). Vessel trees, membrane networks and
    masks of filled cells fail them, and cost a few array operations per canvas. A mask one of
    whose objects spans the whole mask (a band along its border: PASCAL's void kept in a
    padded crop, a no-data frame: its box is the slot, whose four sides are the mask's
    border) counts no rings: that band outlines no object.
    """
    count = len(slots)
    result = CanvasShapes(*(np.zeros(count, dtype=np.int64) for _ in CanvasShapes._fields))
    is_smallest = sizes == smallest[owner]
    result.smallest_count[:] = np.bincount(owner[is_smallest], minlength=count)
    foreground = np.bincount(owner, weights=sizes, minlength=count)
    dots = ((smallest > 0) & (smallest <= DOT_MAX_PIXELS)
            & (smallest * result.smallest_count >= DOT_FOREGROUND_SHARE * foreground))
    slot_sides = np.array([(height, width) for _, height, width in slots],
                          dtype=np.int64).reshape(-1, 2)
    largest = np.zeros(count, dtype=np.int64)
    np.maximum.at(largest, owner, sizes)
    maybe_rings = ((smallest >= RING_MIN_PIXELS)
                   & (largest <= RING_MAX_WIDTH * 2 * slot_sides.sum(axis=1))
                   & (foreground <= RING_MAX_BOX_SHARE * slot_sides.prod(axis=1)))
    if not (dots.any() or maybe_rings.any()):
        return result
    starts = np.searchsorted(owner, np.arange(count + 1), side="left")
    for number in np.flatnonzero(dots | maybe_rings).tolist():
        first, height, width = slots[number]
        crop = labels[first:first + height, :width]
        low, high = int(starts[number]), int(starts[number + 1])  # labels low + 1 .. high
        heights, widths = _box_sides(ndimage.find_objects(crop, max_label=high)[low:])
        mask_sizes = sizes[low:high]
        if dots[number]:
            picked = is_smallest[low:high]
            sides = set(zip(heights[picked].tolist(), widths[picked].tolist(), strict=True))
            if len(sides) == 1:
                result.dot_height[number], result.dot_width[number] = sides.pop()
        # a band along the whole border (a void or no-data frame) is no object's outline
        along_border = (edges is not None and all(edges[number])
                        and bool(((heights == height) & (widths == width)).any()))
        if (maybe_rings[number] and ring_candidates(mask_sizes, heights, widths).all()
                and not along_border):
            holes, pixels = _holes(crop, low + 1, high - low)
            rings = holes == 1
            result.ring_objects[number] = np.count_nonzero(rings)
            result.hole_pixels[number] = pixels[rings].sum()
    return result
