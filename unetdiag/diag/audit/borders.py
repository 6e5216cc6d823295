"""What fills a label map's outer border, measured while its pixels are in memory.

Two readings of a label map rest on its border, not on pixel shares:

* the *background* is what surrounds the objects, so it fills most of the image's outer ring
  (one pixel wide) whatever the objects' size: an Oxford-IIIT Pet close-up's animal may cover
  more of the picture than the background does, and after a loader's ``mask - 1`` the
  background is 1, not 0;
* a value far above the others (255 beside the classes 0 and 1) that forms one connected
  region touching the border is what no-data outside a raster's footprint looks like (GDAL
  and rasterio burn it so; a PNG keeps no tag saying so). An object cut by the image's edge
  looks alike, so this is evidence, never a verdict.

:func:`border_counts` and :func:`frame_regions` each cost one pass over the ring or one
labelling of one value, for label-map masks only.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

#: The per-pair frame columns (in the audit's ``COLUMNS``): ``frame_value``, the mask's
#: largest value when it lies far from the others (:func:`frame_candidate`; -1: none), and
#: ``frame_regions``, the connected regions of it that touch the border (8-connectivity;
#: ``frame_other_regions``: those that do not).
FRAME_COLUMNS: dict[str, tuple[type, int]] = {
    "frame_value": (np.int64, -1),
    "frame_regions": (np.int64, 0),
    "frame_other_regions": (np.int64, 0),
}
#: A frame candidate is at least this value...
FRAME_MIN_VALUE = 128
#: ...beside other values that are all class numbers from 0 to this.
FRAME_MAX_CLASS = 31


def border_counts(plane: np.ndarray) -> dict[int, int]:
    """Pixels per value on the plane's outer ring (whole numbers; a float raster of whole
    numbers is read as such).

    >>> import numpy as np
    >>> labels = np.full((4, 5), 2, np.uint8); labels[1:3, 1:3] = 1
    >>> border_counts(labels)
    {2: 14}
    """
    ring = border_ring(plane)
    if ring.dtype.kind == "f":
        ring = ring[np.isfinite(ring)]
    values, counts = np.unique(ring, return_counts=True)
    return {int(value): int(count) for value, count in zip(values, counts, strict=True)}


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


def frame_regions(plane: np.ndarray, value: int) -> tuple[int, int]:
    """``(regions touching the border, regions not touching it)`` of ``value`` in the plane
    (8-connectivity).

    >>> import numpy as np
    >>> tile = np.zeros((6, 6), np.uint8); tile[:2, :] = 255; tile[4, 4] = 255
    >>> frame_regions(tile, 255)
    (1, 1)
    """
    labels, count = ndimage.label(plane == value, structure=np.ones((3, 3), bool))
    if count == 0:
        return 0, 0
    touching = set(np.unique(border_ring(labels)).tolist()) - {0}
    return len(touching), count - len(touching)


def border_ring(plane: np.ndarray) -> np.ndarray:
    """The plane's outer ring, one pixel wide, as one array."""
    if min(plane.shape) < 2:
        return plane.ravel()
    return np.concatenate([plane[0], plane[-1], plane[1:-1, 0], plane[1:-1, -1]])
