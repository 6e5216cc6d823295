"""What fills a label map's outer border, measured while its pixels are in memory.

Two readings of a label map rest on its border, not on pixel shares:

* the *background* is what surrounds the objects, so it fills most of the image's outer ring
  (one pixel wide) whatever the objects' size: an Oxford-IIIT Pet close-up's animal may cover
  more of the picture than the background does, and after a loader's ``mask - 1`` the
  background is 1, not 0;
* a value far above the others (255 beside the classes 0 and 1) that forms one connected
  region touching the border is what no-data outside a raster's footprint looks like (GDAL
  and rasterio burn it so; a PNG keeps no tag saying so). An object cut by the image's edge
  looks alike, so this is evidence, never a verdict. What the image holds under it
  (:func:`frame_image`) is more: an image that holds one value in every band there (its own
  fill, 0 where a scene has no data) shows no picture, where an object would show.

:func:`border_counts` and :func:`frame_regions` each cost one pass over the ring or one
labelling of one value, for label-map masks only; :func:`frame_image` one comparison over
the image's pixels, for masks with a frame only.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from scipy import ndimage

from unetdiag.diag.audit.similarity import colour_channels
from unetdiag.diag.core.morphology import near_square
from unetdiag.diag.data.labelmaps import LabelLayout, separator_value, whole_region_share

#: The per-pair frame columns (in the audit's ``COLUMNS``): ``frame_value``, the mask's
#: largest value when it lies far from the others (:func:`frame_candidate`; -1: none), and
#: ``frame_regions``, the parts of it that touch the border (:func:`frame_regions`;
#: ``frame_other_regions``: the regions that do not), ``frame_surrounds``, the frame surrounds a
#: background holding objects away from it (:func:`framed_label_map`); for a frame of one
#: region touching the border, what the image holds under it (:func:`frame_image`; NaN:
#: not measured): ``frame_image_value``, its commonest value there, ``frame_image_share``,
#: the share of the frame's pixels at which every band holds that value,
#: ``frame_image_outside``, the share of the other pixels that do (all three of a strided
#: sample: ``frame_image_sampled`` frame pixels), ``frame_image_brightest``, that value is the
#: brightest the sampled image holds in any band (where a saturated object lies).
FRAME_COLUMNS: dict[str, tuple[type, int | float]] = {
    "frame_value": (np.int64, -1),
    "frame_regions": (np.int64, 0),
    "frame_other_regions": (np.int64, 0),
    "frame_surrounds": (np.bool_, False),
    "frame_image_value": (np.float64, math.nan),
    "frame_image_share": (np.float64, math.nan),
    "frame_image_outside": (np.float64, math.nan),
    "frame_image_sampled": (np.int64, 0),
    "frame_image_brightest": (np.bool_, False),
}
#: The images agree with a no-data reading of a frame when, under it, each holds one value
#: in every band on at least this share of its pixels (an image's own fill where a scene
#: has no data; a JPEG copy rings at its edge), the same value in every image...
FRAME_IMAGE_SHARE = 0.9
#: ...and on at most this share of its other pixels (an image mostly of that value, a dark
#: photograph, says nothing by holding it under the frame too).
FRAME_IMAGE_OUTSIDE = 0.5
#: :func:`frame_image` looks at a strided sample of about this many pixels (a 565x584 RGB
#: image whole took 31 ms).
FRAME_IMAGE_SAMPLE = 1 << 15
#: A frame candidate is at least this value...
FRAME_MIN_VALUE = 128
#: ...beside other values that are all class numbers from 0 to this.
FRAME_MAX_CLASS = 31
#: A mask whose objects are no whole regions (vessels a few pixels wide: DRIVE's hold 29 to
#: 44 % of their pixels inside, under :data:`~unetdiag.diag.data.labelmaps.WHOLE_REGION_SHARE`)
#: is still a label map when a frame surrounds it (:func:`framed_label_map`): its object
#: values have at least this share of their pixels inside whole regions (structures, not
#: specks; a one- or two-pixel rim has none)...
FRAMED_OBJECT_REGION_SHARE = 0.1
#: ...at most this share of them touch the frame (a rim touches what it rims all along;
#: DRIVE's vessels touch the field of view's exterior with at most 0.5 % of their pixels)...
FRAMED_OBJECT_CONTACT_SHARE = 0.2
#: ...and the frame is a region: at least this share of its pixels have eight neighbours of
#: its value.
FRAME_INSIDE_SHARE = 0.5

_EIGHT = np.ones((3, 3), dtype=bool)


def border_counts(plane: np.ndarray) -> dict[int, int]:
    """Pixels per value on the plane's outer ring (whole numbers; a float raster of whole
    numbers is read as such). A pixel between two of one other value along the ring counts
    as theirs: a line one pixel wide crossing the border (a vessel's tip drawn out across a
    field of view's exterior) does not fill it.

    >>> import numpy as np
    >>> labels = np.full((4, 5), 2, np.uint8); labels[1:3, 1:3] = 1
    >>> border_counts(labels)
    {2: 14}
    >>> labels[0, 2] = 1; labels[1:3, 4] = 1
    >>> border_counts(labels)
    {1: 2, 2: 12}
    """
    ring = _closed_ring(plane)
    if ring.dtype.kind == "f":
        ring = ring[np.isfinite(ring)]
    if ring.size >= 3:
        before, after = np.roll(ring, 1), np.roll(ring, -1)
        ring = np.where((before == after) & (ring != before), before, ring)
    values, counts = np.unique(ring, return_counts=True)
    return {int(value): int(count) for value, count in zip(values, counts, strict=True)}


def _closed_ring(plane: np.ndarray) -> np.ndarray:
    """The plane's outer ring in order round it (top row, right column, bottom row back, left
    column up), so that neighbours along the border are neighbours in the array."""
    if min(plane.shape) < 2:
        return plane.ravel()
    return np.concatenate([plane[0], plane[1:-1, -1], plane[-1, ::-1], plane[-2:0:-1, 0]])


def frame_candidate(counts: dict[int, int]) -> int | None:
    """The largest value when it is at least :data:`FRAME_MIN_VALUE` and every other value
    is a class number from 0 to :data:`FRAME_MAX_CLASS` (255 beside 0 and 1), else None.

    >>> frame_candidate({0: 10, 1: 5, 255: 3}), frame_candidate({0: 10, 128: 5, 255: 3})
    (255, None)
    """
    if len(counts) < 2:
        return None
    top = max(counts)
    others = [value for value in counts if value != top]
    if top >= FRAME_MIN_VALUE and all(0 <= value <= FRAME_MAX_CLASS for value in others):
        return top
    return None


def framed_label_map(plane: np.ndarray, counts: dict[int, int],
                     regions: tuple[int, int] | None = None) -> bool:
    """A gray mask of three or more values, a frame value far above class numbers
    (:func:`frame_candidate`) forming one region that touches the border (no other region),
    a background (the commonest other value) and object values that are structures away
    from the frame (:data:`FRAMED_OBJECT_REGION_SHARE`, :data:`FRAMED_OBJECT_CONTACT_SHARE`):
    0/1 vessels with 255 outside a field of view. Its values are class numbers and a frame,
    not an intensity mask's two levels with values between, though its objects are too thin
    for :func:`~unetdiag.diag.data.labelmaps.label_layout`'s whole-region rule.
    ``regions``: :func:`frame_regions` of the frame value, when already measured.

    >>> import numpy as np
    >>> plane = np.zeros((20, 20), np.uint8); plane[:, :4] = 255; plane[8:11, 6:18] = 1
    >>> framed_label_map(plane, {0: 284, 1: 36, 255: 80})
    True
    """
    frame = frame_candidate(counts)
    if frame is None or len(counts) < 3 or plane.ndim != 2 or min(plane.shape) < 3:
        return False
    background = max((value for value in counts if value != frame), key=counts.__getitem__)
    objects = [value for value in counts if value not in (frame, background)]
    if not whole_region_share(plane, (background, frame)) >= FRAMED_OBJECT_REGION_SHARE:
        return False
    if (frame_regions(plane, frame) if regions is None else regions) != (1, 0):
        return False
    at = plane == frame
    # the image's outside counts as frame: a frame is measured as the region it is, whole
    inside = int(np.count_nonzero(~near_square(~at, 1)))
    if inside < FRAME_INSIDE_SHARE * counts[frame]:
        return False
    held = np.isin(plane, objects)
    touching = int(np.count_nonzero(held & near_square(at, 1)))
    return touching <= FRAMED_OBJECT_CONTACT_SHARE * sum(counts[value] for value in objects)


def framed_layout(plane: np.ndarray, layout: LabelLayout | None, colour: bool
                  ) -> tuple[LabelLayout | None, bool]:
    """``layout`` made a label map when the mask is no label map by its values' regions but
    is one by its frame (:func:`framed_label_map`; never a colour mask's plane), and whether
    it was."""
    if (layout is None or layout.is_label_map or colour
            or not framed_label_map(plane, layout.counts)):
        return layout, False
    return LabelLayout(layout.counts, layout.whole_region_share,
                       separator_value(plane, layout.counts), True), True


def frame_facts(plane: np.ndarray, counts: dict[int, int], framed: bool
                ) -> dict[str, int | bool]:
    """A label map's frame columns (:data:`FRAME_COLUMNS` but the image's): empty without a
    frame candidate; ``framed``: :func:`framed_label_map` already holds."""
    frame = frame_candidate(counts)
    if frame is None:
        return {}
    regions = frame_regions(plane, frame)
    return {"frame_value": frame, "frame_regions": regions[0],
            "frame_other_regions": regions[1],
            "frame_surrounds": framed or (
                regions == (1, 0) and framed_label_map(plane, counts, regions))}


def frame_regions(plane: np.ndarray, value: int) -> tuple[int, int]:
    """``(frame parts touching the border, regions not touching it)`` of ``value`` in the
    plane (8-connectivity). A line one pixel wide of another value does not part the frame
    (a vessel's tip drawn out to the image's edge across a field of view's exterior), and
    regions that each fill a whole side of the border, on opposite sides, are one frame
    (black bars above and below a picture, or left and right): an object cut by the edge
    fills no whole side.

    >>> import numpy as np
    >>> tile = np.zeros((6, 6), np.uint8); tile[:2, :] = 255; tile[4, 4] = 255
    >>> frame_regions(tile, 255)
    (1, 1)
    >>> bars = np.zeros((6, 6), np.uint8); bars[0], bars[-1] = 255, 255
    >>> frame_regions(bars, 255), frame_regions(bars[:, :5].T, 255)
    ((1, 0), (1, 0))
    """
    flags = plane == value
    labels, count = ndimage.label(flags | _one_pixel_gaps(flags), structure=_EIGHT)
    held = np.unique(labels[flags])
    held = held[held > 0]
    if held.size == 0:
        return 0, 0
    touching = set(np.unique(border_ring(labels)).tolist()) & set(held.tolist())
    parts = len(touching)
    if parts == 2:
        sides = [labels[0], labels[-1], labels[:, 0], labels[:, -1]]
        whole = [side[0] if side[0] and (side == side[0]).all() else 0 for side in sides]
        if {whole[0], whole[1]} == touching or {whole[2], whole[3]} == touching:
            parts = 1
    return parts, int(held.size) - len(touching)


def _one_pixel_gaps(flags: np.ndarray) -> np.ndarray:
    """Pixels not in ``flags`` with a ``flags`` pixel on either side of them (left and right,
    above and below, or on a diagonal's two ends): the pixels of a line one pixel wide
    crossing a region of ``flags``."""
    padded = np.pad(flags, 1)
    height, width = flags.shape

    def at(row: int, column: int) -> np.ndarray:
        return padded[1 + row:1 + row + height, 1 + column:1 + column + width]

    gaps = ((at(0, -1) & at(0, 1)) | (at(-1, 0) & at(1, 0))
            | (at(-1, -1) & at(1, 1)) | (at(-1, 1) & at(1, -1)))
    return gaps & ~flags


def border_ring(plane: np.ndarray) -> np.ndarray:
    """The plane's outer ring, one pixel wide, as one array."""
    if min(plane.shape) < 2:
        return plane.ravel()
    return np.concatenate([plane[0], plane[-1], plane[1:-1, 0], plane[1:-1, -1]])


class FrameImage(NamedTuple):
    """What an image holds under a mask's frame (:func:`frame_image`)."""

    value: float  #: its commonest value there (first band)
    share: float  #: the share of the sampled frame pixels at which every band holds it
    outside: float  #: the share of the other sampled pixels that do
    sampled: int  #: the frame pixels sampled
    brightest: bool  #: no sampled pixel holds more in any band (a saturated object's value)


_UNMEASURED = FrameImage(math.nan, math.nan, math.nan, 0, False)


def frame_image(image_values: np.ndarray, image_mode: str, plane: np.ndarray,
                value: int) -> FrameImage:
    """What the image holds under the mask's ``value`` (:class:`FrameImage`; NaNs when the
    sizes differ or the frame is empty). Measured on every ``step``-th row and column, at
    most about :data:`FRAME_IMAGE_SAMPLE` pixels: shares of a sample, said as such.

    >>> import numpy as np
    >>> plane = np.zeros((4, 4), np.uint8); plane[0] = 255
    >>> image = np.full((4, 4), 7, np.uint8); image[0] = 0; image[1, 1] = 0
    >>> tuple(frame_image(image, "L", plane, 255))
    (0.0, 1.0, 0.08333333333333333, 4, False)
    """
    colour = colour_channels(image_values, image_mode)
    if colour.shape[:2] != plane.shape:
        return _UNMEASURED
    step = max(1, math.ceil(math.sqrt(plane.size / FRAME_IMAGE_SAMPLE)))
    colour, plane = colour[::step, ::step], plane[::step, ::step]
    where = plane == value
    inside = colour[where]
    if not inside.shape[0]:
        return _UNMEASURED
    inside = inside.reshape(inside.shape[0], -1)
    first = inside[:, 0]
    if first.dtype.kind in "bu" and first.dtype.itemsize <= 2:
        common = first.dtype.type(np.argmax(np.bincount(first)))
    else:
        values, counts = np.unique(first, return_counts=True)
        common = values[int(np.argmax(counts))]
    share = float(np.count_nonzero((inside == common).all(axis=1))) / inside.shape[0]
    outside = colour[~where].reshape(-1, inside.shape[1])
    elsewhere = (float(np.count_nonzero((outside == common).all(axis=1))) / outside.shape[0]
                 if outside.shape[0] else math.nan)
    return FrameImage(float(common), share, elsewhere, int(inside.shape[0]),
                      bool(common >= colour.max()))


def frame_image_evidence(columns: dict[str, np.ndarray],
                         holders: list[int]) -> dict[str, Any] | None:
    """What the images hold under the frame of the masks ``holders`` (the audit's columns of
    :func:`frame_image`): ``masks``, ``values`` (each image's commonest value there),
    ``min_share``, ``max_outside``, ``min_sampled`` (the fewest frame pixels sampled in an
    image), ``one_fill`` (every image holds one value under its frame,
    :data:`FRAME_IMAGE_SHARE`), ``same`` (the same in each), ``rare`` (rarely elsewhere,
    :data:`FRAME_IMAGE_OUTSIDE`), ``agrees`` (all three, as an image's own no-data fill does),
    ``brightest`` (the value is the brightest some image holds: a saturated object's too) and
    ``sides``: agrees and not brightest. None when some holder's image was not measured
    (unread, another size)."""
    if not holders:
        return None
    shares = columns["frame_image_share"][holders]
    if np.isnan(shares).any():
        return None
    values = sorted(set(columns["frame_image_value"][holders].tolist()))
    outside = float(np.nanmax(columns["frame_image_outside"][holders]))
    low = float(shares.min())
    one_fill, same = low >= FRAME_IMAGE_SHARE, len(values) == 1
    rare = outside <= FRAME_IMAGE_OUTSIDE
    agrees = one_fill and same and rare
    brightest = bool(columns["frame_image_brightest"][holders].any())
    return {"masks": len(holders), "values": values, "min_share": low,
            "max_outside": outside,
            "min_sampled": int(columns["frame_image_sampled"][holders].min()),
            "one_fill": bool(one_fill), "same": same, "rare": bool(rare), "agrees": bool(agrees),
            "brightest": brightest, "sides": bool(agrees and not brightest)}
