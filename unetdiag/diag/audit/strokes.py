"""Thin strokes among a mask's values: the mark of scribble annotations.

Scribble labels (weak supervision) draw a few strokes of constant width on an unlabelled
majority: one value for the object, one for the background, a third for what was not
annotated (the COD scribble set: 1 object, 2 background, 0 unlabelled, dddraxxx/Weakly-
Supervised-Camouflaged-Object-Detection-with-Scribble-Annotations#9; WSL4MIS: 0 background,
1 object, 255 unlabelled, HiLab-git/WSL4MIS#3). Their values are classes of pixels annotated,
not of the image: read as "every value but the commonest is the object", the background strokes
are trained as object.

A value is *strokes* when most of its pixels lie in stroke pieces: 8-connected pieces of that
value that hold at least :data:`STROKE_ELONGATION` times the pixels of the widest square that
fits inside them (longer than about four times their width, measured along the piece however it
curves: its pixels over its width), that span at least :data:`STROKE_MIN_SPAN` pixels and
into which no centred (odd-sided) square wider than :func:`stroke_max_side` fits (11 px, so
bands up to 12 px wide, or a 32nd of the mask's shorter side on larger masks: 16 px on 512,
32 on 1024), or, where a wide brush turns or
crosses itself, round 95 % of whose pixels none does and that enclose at most
:data:`STROKE_MAX_HOLES` holes (a membrane network encloses one per cell). A 3-px scribble
line 30 px long holds 10 times its 3x3 square; a 9-px brush stroke 100 px long, 11 times its
9x9 square; a disc of radius 3 (29 px) 1.2 times its 5x5 square, one of radius 8 1.6 times
its 11x11 one, any of radius 2 to 30 under twice (measured): small round objects (cells
stamped as discs round their centroids) are no strokes, however thin, and marks within a 7x7
box (a 5-pixel plus, a small cross) span too little to be one.
Thin structures of two classes (arteries and veins on a background) are strokes too: the values
alone cannot tell them from scribbles, so both readings are stated, never one.

:func:`stroke_pixels` is measured while reading, on masks of exactly three values (or four
with 255; or two that the policy does not split into two classes, where one class was
scribbled) only (per minority value: one 8-connected labelling and one chessboard distance
transform on the box of the value's pixels, however wide the pieces, then a sort of those
pixels; both values of a 1024-pixel square: 59 ms where 5 % of each is spread over it, 2.5 ms
where the scribbles lie in a 512-pixel box, against 47 and 38 ms for the six 3x3 erosions it
replaces, best of 9 interleaved in one process at load 7, NumPy 2.4 and SciPy 1.17);
:func:`scribble_like` marks such a mask whose two minority values are strokes that scarcely
touch each other. The audit lets the masks holding the same candidate values
(:func:`scribble_key`) reach the label-map path together when most of them are so marked
(:func:`scribbles_settled`): one reading per set of values, not one per mask (WSL4MIS's 1
between 0 and 255 would otherwise be a label in some masks and anti-aliasing in others), and
masks of other values (anti-aliased 0/128/255 beside them) neither vote with them nor
follow. An anti-aliased rim is no such value: it lies along the edge of another value, so it
touches it all along.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
from scipy import ndimage

from unetdiag.diag.audit.borders import frame_candidate
from unetdiag.diag.core.boxes import set_box
from unetdiag.diag.core.morphology import near_square

_EIGHT = np.ones((3, 3), dtype=bool)

#: A piece is a stroke when it holds at least this many times the pixels of the widest square
#: that fits inside it.
STROKE_ELONGATION = 4
#: ...and no centred (odd-sided) square wider than this (pixels) fits inside it (a 12-px band
#: measures 11), nor than the mask's shorter side over :data:`STROKE_WIDTH_DIVISOR` where
#: that is more (:func:`stroke_max_side`): brushes are set in screen pixels, so larger images
#: get wider strokes (scribble sets come in thin and wider versions, siyueyu/SCWSSOD#4).
#: Measured (session 28): the widest square inside DRIVE's field-of-view exterior is 97-103
#: px (0.17 of 565), inside ISBI 2012's membranes 21-35 px (0.041-0.068 of 512), inside
#: DRIVE's vessels 7-13 px: a 32nd (16 px of 512) keeps the exterior and the membrane network
#: regions.
STROKE_MAX_WIDTH = 11
STROKE_WIDTH_DIVISOR = 32
#: ...and it spans at least this many pixels (the longer side of its box): more than the 7x7
#: box of the largest point mark (:data:`~unetdiag.diag.audit.shapes.DOT_MAX_PIXELS`); a
#: 5-pixel plus or a small cross is a mark or a speck, no scribble.
STROKE_MIN_SPAN = 8
#: A piece whose widest square exceeds the width allowed is still a stroke when the square
#: round its pixel at this quantile of their depths does not (a brush turning sharply or
#: crossing itself is wider only there: 15-px strokes through random points, 9 of 12 masks
#: against 2 of 12 by the widest square) and it encloses at most :data:`STROKE_MAX_HOLES`
#: holes (those strokes: 0 or 1): a membrane network (ISBI 2012: 5-15 px wide at this
#: quantile, 17-47 px at its junctions) encloses one per cell, 64 to 104.
STROKE_WIDTH_QUANTILE = 0.95
STROKE_MAX_HOLES = 4
#: A value is strokes when at least this share of its pixels lie in stroke pieces.
STROKE_PIXEL_SHARE = 0.5
#: Two stroke values are separate scribbles when at most this share of the smaller one's
#: pixels touch the other (an anti-aliased rim touches the value it rims all along).
STROKE_CONTACT_SHARE = 0.2
#: A fourth value left out of the stroke measure: the void of PASCAL VOC and its scribbles.
VOID_VALUE = 255
#: The unlabelled value holds at least this share of a scribble mask's pixels.
UNLABELLED_MIN_SHARE = 0.5


def stroke_pixels(plane: np.ndarray, counts: dict[int, int]) -> dict[int, int]:
    """Pixels of each value but the commonest lying in stroke pieces (empty unless the mask
    holds exactly three values, or four of which :data:`VOID_VALUE`, not the commonest, is
    left out: PASCAL's void beside scribbles; or two, one annotated class only: an image in
    which only the background, or only the object, was scribbled).

    >>> plane = np.zeros((20, 20), np.uint8); plane[5, 2:18] = 1; plane[10:18, 10:18] = 2
    >>> stroke_pixels(plane, {0: 320, 1: 16, 2: 64})
    {1: 16, 2: 0}
    >>> plane[10:18, 10:18] = 0
    >>> stroke_pixels(plane, {0: 384, 1: 16})
    {1: 16}
    """
    commonest = max(counts, key=counts.__getitem__) if counts else None
    values = [value for value in sorted(counts) if value != commonest]
    aside = void_or_frame(counts)
    if len(counts) == 4 and aside is not None and aside in values:
        values.remove(aside)
    if len(values) not in (1, 2) or plane.ndim != 2 or min(plane.shape) < 3:
        return {}
    return {value: _stroke_piece_pixels(plane == value) for value in values}


def void_or_frame(counts: Mapping[int, object]) -> int | None:
    """The value left out of the stroke measure among ``counts``' values: :data:`VOID_VALUE`,
    or a frame value far above the class numbers (128 round 0/1/2 scribbles,
    :func:`~unetdiag.diag.audit.borders.frame_candidate`); None when neither is held."""
    return VOID_VALUE if VOID_VALUE in counts else frame_candidate(dict.fromkeys(counts, 0))


def _stroke_piece_pixels(flags: np.ndarray) -> int:
    """Pixels of ``flags`` in stroke pieces (:func:`piece_shapes`)."""
    pieces = piece_shapes(flags)
    widest = stroke_max_side(flags.shape)
    narrow = pieces.sides <= widest
    # a brush that turns sharply or crosses itself holds a wider square there: most of its
    # pixels still lie within the brush's width, and it encloses a few holes at most
    turning = ~narrow & (pieces.widths <= widest)
    strokes = ((narrow | turning) & (pieces.spans >= STROKE_MIN_SPAN)
               & (pieces.sizes >= STROKE_ELONGATION * pieces.sides * pieces.sides))
    for index in np.flatnonzero(strokes & turning).tolist():
        piece = pieces.labels[pieces.boxes[index]] == index + 1
        holes = ndimage.label(ndimage.binary_fill_holes(piece) & ~piece)[1]
        strokes[index] = holes <= STROKE_MAX_HOLES
    return int(pieces.sizes[strokes].sum())


def stroke_max_side(shape: tuple[int, ...]) -> int:
    """The widest square a stroke piece of a mask of ``shape`` may hold: :data:`STROKE_MAX_WIDTH`,
    or the shorter side over :data:`STROKE_WIDTH_DIVISOR` where that is more.

    >>> stroke_max_side((64, 64)), stroke_max_side((512, 640))
    (11, 16)
    """
    return max(STROKE_MAX_WIDTH, min(shape) // STROKE_WIDTH_DIVISOR)


class Pieces(NamedTuple):
    """The 8-connected pieces of a value (:func:`piece_shapes`), piece ``k`` at ``k - 1``."""

    labels: np.ndarray  #: the labelling (piece ``k`` holds ``k``) of the box of all pieces
    boxes: list[tuple[slice, slice]]  #: each piece's box
    sizes: np.ndarray  #: its pixels
    sides: np.ndarray  #: the side of the widest square inside it
    widths: np.ndarray  #: the side of the square round its pixel at :data:`STROKE_WIDTH_QUANTILE`
    spans: np.ndarray  #: the longer side of its box


def piece_shapes(flags: np.ndarray) -> Pieces:
    """The :class:`Pieces` of ``flags``. A pixel at chessboard distance ``d`` from the nearest
    pixel not in ``flags`` (outside the image counts as not) is the centre of a ``2 d - 1``
    square inside the piece: the widest is the side that counting the 3x3 erosions some pixel
    survives gives (``tests/test_audit_scribbles.py`` holds them equal), in one SciPy pass
    however wide the piece. The width is taken at the :data:`STROKE_WIDTH_QUANTILE` of a
    piece's distances: a brush's, which the few pixels where it turns or crosses itself do
    not widen.

    >>> flags = np.zeros((9, 12), bool); flags[1:4, 1:11] = True; flags[6:9, 6:9] = True
    >>> pieces = piece_shapes(flags)
    >>> [values.tolist() for values in (pieces.sizes, pieces.sides, pieces.widths, pieces.spans)]
    [[30, 9], [3, 3], [3, 1], [10, 3]]
    """
    # measured on the box of the value's pixels: outside it, as outside the image, none lies
    flags = flags[set_box(flags)]
    if not flags.size:
        none = np.zeros(0, dtype=np.int64)
        return Pieces(np.zeros((0, 0), dtype=np.int32), [], none, none, none, none)
    labels, count = ndimage.label(flags, structure=_EIGHT)
    boxes = ndimage.find_objects(labels)
    held = labels[flags].astype(np.int64)
    sizes = np.bincount(held, minlength=count + 1)[1:]
    distance = ndimage.distance_transform_cdt(np.pad(flags, 1), metric="chessboard")[1:-1, 1:-1]
    depths = distance[flags]
    base = int(depths.max(initial=0)) + 1
    # each piece's distances in order, the pieces one after the other
    keys = np.sort(held * base + depths)
    ends = np.cumsum(sizes)
    deepest = keys[ends - 1] % base
    quantile = keys[ends - sizes + np.floor(STROKE_WIDTH_QUANTILE * (sizes - 1)).astype(np.int64)]
    spans = np.array([max(rows.stop - rows.start, columns.stop - columns.start)
                      for rows, columns in boxes], dtype=np.int64)
    return Pieces(labels, boxes, sizes, 2 * deepest - 1, 2 * (quantile % base) - 1, spans)


def is_stroke(pixels: int, in_strokes: int) -> bool:
    """A value of ``pixels`` with ``in_strokes`` of them in stroke pieces is strokes."""
    return pixels > 0 and in_strokes >= STROKE_PIXEL_SHARE * pixels


def scribble_like(plane: np.ndarray, counts: dict[int, int],
                  strokes: dict[int, int]) -> bool:
    """Three values: a majority and two values drawn as strokes that scarcely touch each
    other."""
    if len(strokes) != 2:
        return False
    total = sum(counts.values())
    if max(counts.values()) < UNLABELLED_MIN_SHARE * total:
        return False
    if not all(is_stroke(counts[value], pixels) for value, pixels in strokes.items()):
        return False
    first, second = sorted(strokes, key=counts.__getitem__)
    near = near_square(plane == second, 1)
    touching = int(np.count_nonzero(near & (plane == first)))
    return touching <= STROKE_CONTACT_SHARE * counts[first]


def stroke_share(strokes: dict[int, dict[int, int]], counts: dict[int, dict[int, int]],
                 indices: list[int], value: int) -> float | None:
    """The share of ``value``'s pixels lying in stroke pieces over the masks ``indices``
    holding it (None: it was not measured in each of them, as in masks of more or fewer than
    three values or where it is the commonest)."""
    holders = [index for index in indices if value in counts.get(index, {})]
    if not holders or any(value not in strokes.get(index, {}) for index in holders):
        return None
    pixels = sum(counts[index][value] for index in holders)
    return sum(strokes[index][value] for index in holders) / pixels if pixels else None


def all_strokes(strokes: dict[int, dict[int, int]], counts: dict[int, dict[int, int]],
                indices: list[int], values: tuple[int, ...]) -> bool:
    """Every one of ``values`` is strokes over the masks ``indices`` holding it."""
    shares = [stroke_share(strokes, counts, indices, value) for value in values]
    return all(share is not None and share >= STROKE_PIXEL_SHARE for share in shares)


def scribble_key(counts: dict[int, int], strokes: dict[int, int]) -> tuple[int, ...]:
    """The values a scribble candidate is voted on with: its commonest value (the pixels
    not annotated), then its two stroke values; masks of other values vote apart.

    >>> scribble_key({255: 900, 0: 60, 1: 40}, {0: 60, 1: 40})
    (255, 0, 1)
    """
    commonest = max(counts, key=counts.__getitem__) if counts else -1
    return (commonest, *sorted(strokes))


def scribbles_settled(candidates: int, marked: int) -> bool:
    """Whether the three-value masks that are no label maps by their layout (``candidates``)
    are read as scribbles, all together: when more than half of them are
    :func:`scribble_like` (``marked``)."""
    return candidates > 0 and 2 * marked > candidates


def void_beside_strokes(strokes: dict[int, dict[int, int]], counts: dict[int, dict[int, int]],
                        indices: list[int], per_value: dict[int, list[int]]) -> int | None:
    """:data:`VOID_VALUE` when the masks ``indices`` hold four values (``per_value``: value ->
    [pixels, masks]), that one among them, the commonest other value holds most pixels and
    the remaining two are strokes: scribbles beside PASCAL's void; else None."""
    aside = void_or_frame(per_value)
    if len(per_value) != 4 or aside is None:
        return None
    total = sum(entry[0] for entry in per_value.values())
    rest = sorted((value for value in per_value if value != aside),
                  key=lambda value: -per_value[value][0])
    if per_value[rest[0]][0] < UNLABELLED_MIN_SHARE * total:
        return None
    pair = tuple(sorted(rest[1:]))
    return aside if all_strokes(strokes, counts, indices, pair) else None
