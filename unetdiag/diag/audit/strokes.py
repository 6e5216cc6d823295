"""Thin strokes among a mask's values: the mark of scribble annotations.

Scribble labels (weak supervision) draw a few strokes of constant width on an unlabelled
majority: one value for the object, one for the background, a third for what was not
annotated (the COD scribble set: 1 object, 2 background, 0 unlabelled, dddraxxx/Weakly-
Supervised-Camouflaged-Object-Detection-with-Scribble-Annotations#9; WSL4MIS: 0 background,
1 object, 255 unlabelled, HiLab-git/WSL4MIS#3). Their values are classes of pixels annotated,
not of the image: read as "every value but the commonest is the object", the background strokes
are trained as object.

A value is a *stroke* in a mask when almost none of its pixels lie :data:`STROKE_RADIUS` or
more pixels inside it (a pixel whose (2r+1)-square holds only its value): a brush of 3 to 5
pixels has no such pixel, a disc of radius 10 holds about half of its pixels so. Thin
structures of two classes (arteries and veins on a background) are strokes too: the values
alone cannot tell them from scribbles, so both readings are stated, never one.

:func:`stroke_interiors` is measured while reading, on masks of exactly three values only
(eight bitwise passes per minority value: about 7 ms on a 1024-pixel square, 12 ms with the
contact test; measured with NumPy 2.4); :func:`scribble_like` lets such a mask
whose two minority values are strokes that scarcely touch each other reach the label-map path,
although most of its pixels away from the scale's ends are no whole region (WSL4MIS's 1 between
0 and 255). An anti-aliased rim is no such value: it lies along the edge of another value, so
it touches it all along.
"""

from __future__ import annotations

import numpy as np

#: A pixel lies inside its value when the square of this radius round it holds only that value.
STROKE_RADIUS = 2
#: A value is a stroke when at most this share of its pixels lie inside it.
STROKE_INTERIOR_SHARE = 0.1
#: Two stroke values are separate scribbles when at most this share of the smaller one's
#: pixels touch the other (an anti-aliased rim touches the value it rims all along).
STROKE_CONTACT_SHARE = 0.2
#: The unlabelled value holds at least this share of a scribble mask's pixels.
UNLABELLED_MIN_SHARE = 0.5


def stroke_interiors(plane: np.ndarray, counts: dict[int, int]) -> dict[int, int]:
    """Pixels of each value but the commonest lying :data:`STROKE_RADIUS` inside it (empty
    unless the mask holds exactly three values).

    >>> plane = np.zeros((20, 20), np.uint8); plane[5, 2:18] = 1; plane[10:18, 10:18] = 2
    >>> stroke_interiors(plane, {0: 320, 1: 16, 2: 64})
    {1: 0, 2: 16}
    """
    if len(counts) != 3 or plane.ndim != 2 or min(plane.shape) < 2 * STROKE_RADIUS + 1:
        return {}
    commonest = max(counts, key=counts.__getitem__)
    return {value: int(np.count_nonzero(_square(plane == value, STROKE_RADIUS, np.logical_and)))
            for value in sorted(counts) if value != commonest}


def _square(flags: np.ndarray, radius: int, combine: np.ufunc) -> np.ndarray:
    """``combine`` (and: erosion, or: dilation) of ``flags`` over the square of ``radius``
    round each pixel, by shifted slices (a few bitwise passes; the image's outer ``radius``
    rows and columns are left out: False)."""
    height, width = flags.shape
    rows = flags[:, 2 * radius:].copy()
    for shift in range(2 * radius):
        combine(rows, flags[:, shift:width - 2 * radius + shift], out=rows)
    square = rows[2 * radius:].copy()
    for shift in range(2 * radius):
        combine(square, rows[shift:height - 2 * radius + shift], out=square)
    out = np.zeros_like(flags)
    out[radius:height - radius, radius:width - radius] = square
    return out


def is_stroke(pixels: int, interior: int) -> bool:
    """A value of ``pixels`` with ``interior`` of them inside it is a thin stroke."""
    return pixels > 0 and interior <= STROKE_INTERIOR_SHARE * pixels


def scribble_like(plane: np.ndarray, counts: dict[int, int],
                  interiors: dict[int, int]) -> bool:
    """Three values: a majority and two thin strokes that scarcely touch each other."""
    if len(interiors) != 2:
        return False
    total = sum(counts.values())
    if max(counts.values()) < UNLABELLED_MIN_SHARE * total:
        return False
    if not all(is_stroke(counts[value], interior) for value, interior in interiors.items()):
        return False
    first, second = sorted(interiors, key=counts.__getitem__)
    near = _square(plane == second, 1, np.logical_or)
    touching = int(np.count_nonzero(near & (plane == first)))
    return touching <= STROKE_CONTACT_SHARE * counts[first]


def interior_share(interiors: dict[int, dict[int, int]], counts: dict[int, dict[int, int]],
                   indices: list[int], value: int) -> float | None:
    """The share of ``value``'s pixels lying inside it over the masks ``indices`` holding it
    (None: it was not measured in each of them, as in masks of more or fewer than three
    values or where it is the commonest)."""
    holders = [index for index in indices if value in counts.get(index, {})]
    if not holders or any(value not in interiors.get(index, {}) for index in holders):
        return None
    pixels = sum(counts[index][value] for index in holders)
    return sum(interiors[index][value] for index in holders) / pixels if pixels else None


def all_strokes(interiors: dict[int, dict[int, int]], counts: dict[int, dict[int, int]],
                indices: list[int], values: tuple[int, ...]) -> bool:
    """Every one of ``values`` is a stroke over the masks ``indices`` holding it."""
    shares = [interior_share(interiors, counts, indices, value) for value in values]
    return all(share is not None and share <= STROKE_INTERIOR_SHARE for share in shares)
