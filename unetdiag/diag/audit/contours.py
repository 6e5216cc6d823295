"""Contour-aware label maps: 0 background, 1 each object's interior, 2 its boundary (the
encoding of DCAN, Chen et al. 2016, and of nuclei pipelines that part touching objects with a
boundary class). Whole objects are 1 and 2 together.

Such a boundary looks like a void band (a trimap's border nobody classified: 2 separates 1
from 0) and like a thin class of its own nested round 1 (an optic disc's rim round its cup,
cytoplasm round a nucleus: 2 to 4 pixels wide on 128-pixel crops, review 6); the values alone
cannot tell the three apart, so the reading is offered as *consistent with* contour-aware
labels, with the other two beside it (:func:`contour_choice`). What the data can show, and
this module measures on the masks holding 2 (read again, at most :data:`MASKS_MEASURED` of
them):

* 2 encloses 1: of the contacts (4-neighbours) between a 1-pixel and another value, the share
  with 2 (:data:`ENCLOSED_SHARE`); a contour drawn round every object leaves 1 no contact
  with 0;
* 2 is thin: the share of 2-pixels within :data:`CONTOUR_RADIUS` pixels of a 1-pixel
  (:data:`THIN_SHARE`). Measured on ISBI 2012 cells stored so (one in three cells kept,
  256-pixel crops): boundaries 1, 2, 3 and 4 pixels wide 0.999, 0.992, 0.982 and 0.959
  (objects that are all boundary make the rest; DCAN's contours reach 3 pixels from the
  outline, lisjin/dcan-tensorflow#4). A nested structure is often wider (edema round a
  tumour core), but not always: a disc rim or cytoplasm a few pixels wide passes too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from unetdiag.diag.core.morphology import near_square
from unetdiag.diag.data.reading import spread_mask_values

#: The values of a contour-aware label map: background, interior, boundary.
BACKGROUND, INTERIOR, BOUNDARY = 0, 1, 2
#: At most this many masks holding the boundary value are read again (evenly spread).
MASKS_MEASURED = 40
#: 2 encloses 1 when at least this share of 1's contacts with other values are with 2.
ENCLOSED_SHARE = 0.95
#: 2 is a thin contour when at least this share of its pixels lie within CONTOUR_RADIUS
#: pixels (a square) of a 1.
CONTOUR_RADIUS = 4
THIN_SHARE = 0.9


def contour_counts(plane: np.ndarray, radius: int = CONTOUR_RADIUS) -> dict[str, int]:
    """Counts of one 2-D label plane: 1's 4-neighbour contacts with 2 and with 0, the
    2-pixels, and those within ``radius`` pixels (a square) of a 1.

    >>> plane = np.zeros((7, 7), np.uint8); plane[1:6, 1:6] = 2; plane[2:5, 2:5] = 1
    >>> counts = contour_counts(plane)
    >>> counts["interior_to_boundary"], counts["interior_to_background"], counts["boundary"]
    (12, 0, 16)
    >>> counts["boundary_near_interior"]
    16
    """
    interior = plane == INTERIOR
    boundary = plane == BOUNDARY
    background = plane == BACKGROUND
    to_boundary = to_background = 0
    for first, second in ((np.s_[1:, :], np.s_[:-1, :]), (np.s_[:, 1:], np.s_[:, :-1])):
        for a, b in ((first, second), (second, first)):
            to_boundary += int(np.count_nonzero(interior[a] & boundary[b]))
            to_background += int(np.count_nonzero(interior[a] & background[b]))
    near = near_square(interior, radius)
    return {"interior_to_boundary": to_boundary, "interior_to_background": to_background,
            "boundary": int(np.count_nonzero(boundary)),
            "boundary_near_interior": int(np.count_nonzero(boundary & near))}


def contour_reading(paths: Iterable[str], values: set[int], background: int | None,
                    ) -> dict[str, Any] | None:
    """The evidence that label maps holding exactly 0, 1 and 2 (``values``) on a background
    of 0 are contour-aware (2 encloses 1 in a thin ring), measured on the files ``paths``
    (those holding 2); None when the values or the background differ, no file could be read
    again, or the numbers do not show it."""
    if values != {BACKGROUND, INTERIOR, BOUNDARY} or background != BACKGROUND:
        return None
    paths = list(paths)
    if not paths:
        return None
    totals = dict.fromkeys(("interior_to_boundary", "interior_to_background", "boundary",
                            "boundary_near_interior"), 0)
    measured = 0
    for _, plane in spread_mask_values(paths, MASKS_MEASURED):
        if plane.ndim != 2:
            continue
        for key, count in contour_counts(plane).items():
            totals[key] += count
        measured += 1
    contacts = totals["interior_to_boundary"] + totals["interior_to_background"]
    if not measured or not contacts or not totals["boundary"]:
        return None
    enclosed = totals["interior_to_boundary"] / contacts
    thin = totals["boundary_near_interior"] / totals["boundary"]
    if enclosed < ENCLOSED_SHARE or thin < THIN_SHARE:
        return None
    return {"masks_measured": measured, "masks_holding_boundary": len(paths),
            "enclosed_share": enclosed, "thin_share": thin, "radius": CONTOUR_RADIUS,
            "enclosed_share_needed": ENCLOSED_SHARE, "thin_share_needed": THIN_SHARE}


#: The readings of a thin ring of 2 round 1, as the headline and the fix offer them.
BOUNDARY_FLAGS = "--foreground-values 1,2"
VOID_BAND_FLAGS = "--foreground-values 1 --ignore-values 2"


def contour_choice() -> str:
    """The three readings of a thin ring of 2 round each 1-region, for a headline: the values
    alone cannot choose, so none is asserted.

    >>> contour_choice().startswith("2 is a thin ring round each 1-region: if it is each")
    True
    """
    return ("2 is a thin ring round each 1-region: if it is each object's boundary, pass "
            f"{BOUNDARY_FLAGS} (the reading proposed); if it is a band nobody labelled, "
            f"{VOID_BAND_FLAGS}; if it is a class of its own (a disc rim round a cup, "
            "cytoplasm round a nucleus), choose the class with --foreground-values")
