"""Label maps resized with interpolation: a value that lies in thin rims between a lower
value and a higher one, where an average of the two would put it.

Bilinear (or bicubic) resizing averages neighbouring labels: along the boundary between 0
and 2 it writes 1, between a trimap's 1 and 3 it writes 2, although no pixel there was
labelled so (tensorflow/docs#2159: the segmentation tutorial's trimaps, resized bilinearly,
held values between its classes until it resized them with nearest neighbour). Stored as
whole numbers, those pixels read as one more class. What the data can show, measured on the
label maps read again (at most :data:`MASKS_MEASURED` of them, evenly spread), for each value
``v`` between the lowest and the highest:

* rim pixels: pixels of ``v`` whose 3 x 3 neighbourhood holds a value below ``v`` and one
  above it (``v`` sits between them, one pixel wide there), and pixels of ``v`` in a run of
  two along a row or a column that has a value below ``v`` at one end and one above it at
  the other (two pixels wide there: maps enlarged 3x or 4x bilinearly hold most of their
  rims so, and the 3 x 3 rule alone counted 24 % of them on ISBI and 27 % on DRIVE at 3x,
  17 % and 18 % at 4x, close to losing them under :data:`SIDE_COVER`);
* jumps: 4-neighbour contacts where a value below ``v`` meets one above it directly.

Where the maps were stored as drawn, the classes meet directly along most of their boundaries and
a value between them lies there only by chance (imitations stored with nearest neighbour,
measured: ISBI 2012 cells as a trimap 0.093 of rims among rims and jumps,
DRIVE as three classes 0.019, the catalogue's synthetic label maps 0.09 at most); resized
bilinearly the same maps give 0.72 and 0.57. :data:`RIM_SHARE` lies between. A thin boundary
class drawn between two classes numbered on either side of it (a nuclei map's contour as 1
between background 0 and cell 2) reads the same way, with a share of 1.0 as maps enlarged
bilinearly give too, so the finding says *consistent with* an interpolated resize. What tells
the two apart in part is whether the value also covers regions of its own: its inner pixels
(whose 3 x 3 neighbourhood holds only it) are none or few along a drawn contour one or two
pixels wide, and a share of a class resized with the rest (a quarter of ISBI's membranes); a
value with fewer than :data:`INNER_SHARE` of its pixels inner is thin everywhere, a drawn
boundary class as much as rims interpolated into maps that never held it.

A band drawn three pixels wide between its two neighbours parts them everywhere too (share
1.0), and touches both only where it bends; so a value is read as lying in rims only where
they make up at least :data:`SIDE_COVER` of its pixels along one side, those touching a lower
value or those touching a higher one (interpolated rims: 0.87 to 1.0 on the side the rims
run along; a drawn band three pixels wide 0.05 by the 3 x 3 rule). Counted along rows and
columns, a drawn disc's band three pixels wide has no run of two between its neighbours (0
rim pixels, where a 5 x 5 neighbourhood would see across it where it runs diagonally); one
two pixels wide lies in rims all along (side cover 1.3), and is thin everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from scipy import ndimage

from unetdiag.diag.data.reading import spread_mask_values

#: At most this many label maps are read again (evenly spread over the dataset).
MASKS_MEASURED = 12
#: A value lies in interpolation rims when at least this share of (rim pixels + jumps over
#: it) are rim pixels.
RIM_SHARE = 0.3
#: ... and the measured masks hold at least this many of its rim pixels.
MIN_RIM_PIXELS = 50
#: ... and its rim pixels are at least this share of its pixels touching a lower value, or of
#: those touching a higher one.
SIDE_COVER = 0.25
#: A value with fewer than this share of its pixels inner (3 x 3 neighbourhood all its own) has
#: no regions of its own: thin everywhere (drawn contours 1 and 2 pixels wide: 0.0 and 0.054;
#: resized bilinearly, ISBI's membranes as a trimap's 2: 0.24, DRIVE's vessels: 0.32).
INNER_SHARE = 0.1
#: More values than this are no trimap or class map whose boundaries can be followed.
MAX_VALUES = 12


class ValueRims(NamedTuple):
    """One value's counts in one plane (:func:`rim_counts`)."""

    rim_pixels: int
    #: 4-neighbour contacts between a value below it and one above it
    jumps: int
    #: the commonest pair (lower, higher) its rim pixels sit between; (0, 0) without rims
    between: tuple[int, int]
    #: its pixels whose 3 x 3 neighbourhood holds only it
    inner: int
    #: its pixels touching (3 x 3) a value below it, and a value above it
    touching_lower: int
    touching_higher: int


def rim_counts(plane: np.ndarray) -> dict[int, ValueRims]:
    """For each value strictly between a plane's lowest and highest, its :class:`ValueRims`.

    >>> plane = np.array([[0, 0, 1, 2, 2]] * 3, np.uint8)
    >>> rim_counts(plane)[1]
    ValueRims(rim_pixels=3, jumps=0, between=(0, 2), inner=0, touching_lower=3, touching_higher=3)
    >>> rim_counts(np.array([[0, 1, 1, 2, 2]] * 3, np.uint8))[1].rim_pixels
    6
    >>> rim_counts(np.array([[0, 1, 1, 1, 2]] * 3, np.uint8))[1].rim_pixels
    0
    """
    values = np.unique(plane)
    if values.size < 3:
        return {}
    lowest = ndimage.minimum_filter(plane, size=3, mode="nearest")
    highest = ndimage.maximum_filter(plane, size=3, mode="nearest")
    lowest_near = ndimage.minimum_filter(plane, size=5, mode="nearest")
    highest_near = ndimage.maximum_filter(plane, size=5, mode="nearest")
    counts: dict[int, ValueRims] = {}
    for value in values[1:-1].tolist():
        own = plane == value
        rim = own & (lowest < value) & (highest > value)
        rim |= _runs_of_two(plane, own, value)
        jumps = 0
        for first, second in ((plane[1:, :], plane[:-1, :]), (plane[:, 1:], plane[:, :-1])):
            jumps += int(np.count_nonzero((np.minimum(first, second) < value)
                                          & (np.maximum(first, second) > value)))
        # a run of two sees its ends two pixels away: the pair is read within 5 x 5
        pairs, held = np.unique(np.stack([lowest_near[rim], highest_near[rim]]), axis=1,
                                return_counts=True) if rim.any() else (None, None)
        pair = ((0, 0) if pairs is None else
                tuple(int(end) for end in pairs[:, int(np.argmax(held))]))
        counts[int(value)] = ValueRims(
            int(np.count_nonzero(rim)), jumps, pair,  # type: ignore[arg-type]
            int(np.count_nonzero((lowest == value) & (highest == value))),
            int(np.count_nonzero(own & (lowest < value))),
            int(np.count_nonzero(own & (highest > value))))
    return counts


def whole_number_plane(plane: np.ndarray) -> np.ndarray | None:
    """A one-plane label map as integers: an integer plane as it is, a float plane holding
    finite whole numbers an int32 holds (a class map exported as float32 TIFF or NIfTI) as
    the int64 plane it equals; None for anything else (colour, soft or non-finite values).

    >>> whole_number_plane(np.array([[0.0, 2.0]], np.float32)).tolist()
    [[0, 2]]
    >>> whole_number_plane(np.array([[0.0, 0.5]], np.float32)) is None
    True
    """
    if plane.ndim != 2:
        return None
    if plane.dtype.kind in "ui":
        return plane
    if plane.dtype.kind != "f" or not np.all(np.isfinite(plane)):
        return None
    if not (np.all(plane == np.round(plane)) and np.all(np.abs(plane) < 2 ** 31)):
        return None
    return plane.astype(np.int64)


def _runs_of_two(plane: np.ndarray, own: np.ndarray, value: int) -> np.ndarray:
    """Pixels of ``value`` (``own``) in a run of two along a row or a column whose ends meet
    a value below it on one side and one above it on the other."""
    found = np.zeros(plane.shape, dtype=bool)
    for axis in (0, 1):
        values, held, runs = (np.moveaxis(array, axis, 0) for array in (plane, own, found))
        before, after = values[:-3], values[3:]
        pairs = held[1:-2] & held[2:-1] & (((before < value) & (after > value))
                                           | ((before > value) & (after < value)))
        runs[1:-2] |= pairs
        runs[2:-1] |= pairs
    return found


def interpolation_rims(paths: Sequence[str], values: Sequence[int]) -> dict[str, Any] | None:
    """The values of label maps holding ``values`` (whole numbers, at most
    :data:`MAX_VALUES`, stored as integers or as whole-number floats) that lie in
    interpolation rims, measured on ``paths`` read again; None when no value does, or no file
    could be read again.

    Evidence: ``rims`` (one entry per value: its rim pixels, the jumps over it, its share of
    rims, the pair it sits between, its pixels in the measured masks, the share of them that
    are inner and whether that is under :data:`INNER_SHARE`, ``thin_everywhere``, and
    ``side_cover``, the larger share of rims among its pixels touching a lower value and
    among those touching a higher one),
    ``masks_measured``, ``files`` (the measured masks holding such rims)."""
    if not 3 <= len(values) <= MAX_VALUES or not paths:
        return None
    # value -> [rim pixels, jumps, pixels, inner, touching lower, touching higher]
    totals: dict[int, list[int]] = {}
    pairs: dict[int, dict[tuple[int, int], int]] = {}
    holders: dict[int, list[str]] = {}  # value -> the measured files holding its rims
    measured = 0
    for path, stored in spread_mask_values(paths, MASKS_MEASURED):
        plane = whole_number_plane(stored)
        if plane is None:
            continue
        measured += 1
        for value, counted in rim_counts(plane).items():
            entry = totals.setdefault(value, [0, 0, 0, 0, 0, 0])
            for column, count in enumerate((
                    counted.rim_pixels, counted.jumps, int(np.count_nonzero(plane == value)),
                    counted.inner, counted.touching_lower, counted.touching_higher)):
                entry[column] += count
            if counted.rim_pixels:
                pairs.setdefault(value, {}).setdefault(counted.between, 0)
                pairs[value][counted.between] += counted.rim_pixels
                holders.setdefault(value, []).append(path)
    rims = [{"value": value, "rim_pixels": rim, "jumps": jumps,
             "rim_share": rim / (rim + jumps), "pixels": pixels,
             "inner_share": inner / pixels, "thin_everywhere": inner / pixels < INNER_SHARE,
             "side_cover": rim / max(1, min(lower, higher)),
             "between": list(max(pairs[value], key=pairs[value].__getitem__))}
            for value, (rim, jumps, pixels, inner, lower, higher) in sorted(totals.items())
            if rim >= MIN_RIM_PIXELS and rim / (rim + jumps) >= RIM_SHARE
            and rim >= SIDE_COVER * min(lower, higher)]
    if not measured or not rims:
        return None
    files = sorted({path for entry in rims for path in holders[entry["value"]]})
    return {"rims": rims, "masks_measured": measured, "masks": len(paths),
            "masks_with_rims": len(files), "files": files, "rim_share_needed": RIM_SHARE}
