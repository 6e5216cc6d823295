"""Does a mask sit on its image? Where the image's edges match the mask's outline best.

A mask cropped, padded, flipped or turned apart from its image keeps its size and its values,
so no other check sees it. Its outline still follows the image's edges, only elsewhere: moved
by the offset, mirrored or turned. :func:`measure_alignment` measures one pair while both are
in memory (in the audit's worker): at a reduced scale (at most :data:`ALIGNMENT_SIDE` pixels
on the long side, block means), it correlates the image's gradient magnitude (grey level,
Sobel) with the gradient magnitude of the mask (its outline) over every shift within
:data:`SHIFT_FRACTION` of the short side, by FFT, and scores the mask turned back each way of
:data:`ORIENTATIONS` (flips, a half turn; quarter turns and transposes of square masks) within
a pixel of no shift. A peak off by part of a block is looked at again at a finer scale around
no shift (:func:`_refine`). It returns :class:`Alignment`, typed numbers per pair.

Whether a dataset's masks are offset or turned is decided over all pairs
(:func:`judge_alignment`, typed :class:`Misalignment`; the words are
:mod:`unetdiag.diag.audit.alignment_findings`'): most pairs scored must agree on one shift or
one turn, each by a clear margin. Unrelated masks (a field-of-view disc, masks of other
images) also peak away from no shift, but each at its own place. A single pair is named on its
own (:func:`offset_pairs`) only by a much wider margin.

Scores are normalised cross-correlations of the zero-mean maps (1: the outline lies exactly
on the edges, in proportion; 0: unrelated), so they compare across pairs and variants. The
correlation is circular (what leaves one side re-enters at the other): unlike zero padding,
it favours no shift over another.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from unetdiag.diag.audit.similarity import colour_channels
from unetdiag.diag.data.reading import LUMA_WEIGHTS

#: Pairs are compared at a scale where the long side is at most this many pixels (block means).
ALIGNMENT_SIDE = 128
#: Shifts up to this share of the reduced short side are tried, in both directions.
SHIFT_FRACTION = 1 / 6
#: A shift within this many reduced pixels of none counts as aligned (block means and edge
#: filters blur the outline by about a pixel).
ALIGNED_RADIUS = 1
#: The image's edge strength is capped at this quantile: a few strong edges that no mask
#: follows (a fundus photograph's field-of-view rim, the optic disc, a frame) would otherwise
#: outweigh every object's outline. On DRIVE it takes the pairs whose best shift is none
#: from 12 of 40 to 40 of 40, and finds masks moved by 20 px in 40 of 40 (9 without).
EDGE_CLIP_QUANTILE = 0.9
#: A coarse peak at least this many blocks from no shift, but under :data:`MIN_SHIFT`, is
#: looked at again at a finer scale: offsets of part of a block (a 4-px offset in 5x5
#: blocks) move the coarse peak by part of a pixel. Aligned pairs stay under it: on DRIVE,
#: ISBI 2012 and their cropped, resized, upscaled and JPEG copies at most 0.13 blocks (0.3
#: with DRIVE's field-of-view masks as masks), so they cost nothing more.
REFINE_FROM = 0.15
#: The finer look compares pairs at most this many pixels on the long side.
FINE_SIDE = 384
#: Shifts under this many reduced pixels (on both axes) are not told from aligned masks.
MIN_SHIFT = ALIGNED_RADIUS + 1


class Alignment(NamedTuple):
    """Where a mask's outline matches its image's edges best (NaN / 0: not measured).

    Attributes:
        scale: original pixels per reduced pixel (0: not measured).
        shift_y, shift_x: the mask's offset from its image (down, right; reduced pixels,
            refined between pixels by a parabola through the peak and its neighbours) where
            the unflipped outline scores best (:attr:`best`).
        best: the best unflipped score over every shift tried.
        aligned: the best unflipped score within :data:`ALIGNED_RADIUS` of no shift.
        flipped_vertical ... antitransposed: the same for the mask turned back from each
            :data:`ORIENTATIONS` (the last four only for square masks, NaN otherwise).
        fine_scale: original pixels per pixel of the finer look (:func:`_refine`; 0 when not
            taken: the coarse peak is a whole block or more from no shift, or within
            :data:`REFINE_FROM` of it, or the pair is compared at full resolution already).
        fine_shift_y, fine_shift_x: the offset found there, in original pixels.
        fine_best, fine_aligned: the scores there at that offset and at no shift.
    """

    scale: int = 0
    shift_y: float = 0.0
    shift_x: float = 0.0
    best: float = math.nan
    aligned: float = math.nan
    flipped_vertical: float = math.nan
    flipped_horizontal: float = math.nan
    rotated_180: float = math.nan
    rotated_90_ccw: float = math.nan
    rotated_90_cw: float = math.nan
    transposed: float = math.nan
    antitransposed: float = math.nan
    fine_scale: int = 0
    fine_shift_y: float = 0.0
    fine_shift_x: float = 0.0
    fine_best: float = math.nan
    fine_aligned: float = math.nan


#: Each way a mask can be turned against its image: how to turn its outline back (a mask
#: stored rotated 90 degrees counter-clockwise is turned back clockwise), and whether it
#: needs a square mask (a quarter turn of any other changes its size, which
#: ``geometry.size_mismatch`` reports).
ORIENTATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], bool]] = {
    "flipped_vertical": (lambda plane: plane[::-1], False),
    "flipped_horizontal": (lambda plane: plane[:, ::-1], False),
    "rotated_180": (lambda plane: plane[::-1, ::-1], False),
    "rotated_90_ccw": (lambda plane: np.rot90(plane, -1), True),
    "rotated_90_cw": (lambda plane: np.rot90(plane, 1), True),
    "transposed": (lambda plane: plane.T, True),
    "antitransposed": (lambda plane: plane[::-1, ::-1].T, True),
}

#: The per-pair numbers as one column of the audit's table, a row of float32 per pair (one
#: array instead of seventeen keeps a worker's record small); :func:`alignment_records`
#: names its fields.
ALIGNMENT_COLUMN = np.dtype((np.float32, (len(Alignment._fields),)))
ALIGNMENT_DEFAULT = np.array(tuple(Alignment()), dtype=np.float32)
_RECORD = np.dtype([(name, np.float32) for name in Alignment._fields])


def alignment_records(column: np.ndarray) -> np.ndarray:
    """The ``alignment`` column (pairs x fields, float32) viewed as records whose fields are
    :class:`Alignment`'s: ``records["best"]`` is every pair's best score."""
    return np.ascontiguousarray(column, dtype=np.float32).view(_RECORD)[:, 0]


def _block_mean(values: np.ndarray, factor: int) -> np.ndarray:
    """``values`` (HxW or HxWxC) averaged over ``factor`` x ``factor`` blocks, float32; the
    rows and columns beyond the last whole block are dropped.

    Sums ``factor`` strided row slices, then ``factor`` strided column slices: a loop over
    the offsets in a block, not over pixels, and several times faster than summing a
    reshaped view over two axes.
    """
    height, width = values.shape[0] // factor, values.shape[1] // factor
    cropped = values[:height * factor, :width * factor]
    if factor == 1:
        return cropped.astype(np.float32)
    if values.dtype.kind == "b" or (values.dtype.kind == "u" and values.dtype.itemsize == 1):
        # exact sums: 16-bit while a sum can reach no further, a quarter faster than 32-bit
        # ones on the polyps' images; a column of a block (``factor`` pixels) fits 16 bits
        # up to blocks of 257 px, so the pass over every pixel stays 16-bit where the
        # block's sum needs 32 (images over 2048 px: a third off on DRIVE at 4x)
        top = 1 if values.dtype.kind == "b" else np.iinfo(np.uint8).max
        row_accumulator, accumulator = (
            np.uint16 if pixels * top <= np.iinfo(np.uint16).max else np.uint32
            for pixels in (factor, factor * factor))
    elif values.dtype.kind == "u" and values.dtype.itemsize == 2:
        row_accumulator = accumulator = np.uint64
    else:
        row_accumulator = accumulator = np.float32 if values.dtype.kind == "f" else np.float64
    rows = cropped[::factor].astype(row_accumulator)
    for offset in range(1, factor):
        rows += cropped[offset::factor]
    total = rows[:, ::factor].astype(accumulator)
    for offset in range(1, factor):
        total += rows[:, offset::factor]
    return total.astype(np.float32) / np.float32(factor * factor)


def _reduced_grey(values: np.ndarray, mode: str, factor: int) -> np.ndarray | None:
    """The image's grey level at the reduced scale (luma for RGB, mean of other colour
    channels); None if no finite value."""
    colour = colour_channels(values, mode)
    reduced = _block_mean(colour, factor)
    if reduced.ndim == 3:
        if reduced.shape[2] == len(LUMA_WEIGHTS):
            reduced = (reduced[:, :, 0] * LUMA_WEIGHTS[0] + reduced[:, :, 1] * LUMA_WEIGHTS[1]
                       + reduced[:, :, 2] * LUMA_WEIGHTS[2])
        else:
            reduced = reduced.mean(axis=2)
    finite = np.isfinite(reduced)
    if not finite.all():
        if not finite.any():
            return None
        reduced = np.where(finite, reduced, np.float32(reduced[finite].mean()))
    return reduced.astype(np.float32, copy=False)


def edge_strength(plane: np.ndarray, clip: bool = False) -> np.ndarray:
    """Gradient magnitude of a float32 plane: Sobel's (edges repeated, as
    ``ndimage.sobel(mode="nearest")``), written with slices, which is ten times faster on
    these small planes; with ``clip``, capped at its :data:`EDGE_CLIP_QUANTILE`."""
    padded = _edge_padded(plane)
    down = padded[2:] - padded[:-2]
    across = padded[:, 2:] - padded[:, :-2]
    strength = np.hypot(down[:, :-2] + 2 * down[:, 1:-1] + down[:, 2:],
                        across[:-2] + 2 * across[1:-1] + across[2:])
    if clip:
        flat = strength.ravel()
        rank = int(EDGE_CLIP_QUANTILE * (flat.size - 1))
        np.minimum(strength, np.partition(flat, rank)[rank], out=strength)
    return strength


def _edge_padded(plane: np.ndarray) -> np.ndarray:
    """``np.pad(plane, 1, mode="edge")`` of a 2-D plane, written with slices: 4 against 17 us
    a call on these planes (seven calls a pair)."""
    if plane.size == 0:
        return np.pad(plane, 1, mode="edge")  # its error for an empty axis
    padded = np.empty((plane.shape[0] + 2, plane.shape[1] + 2), dtype=plane.dtype)
    padded[1:-1, 1:-1] = plane
    padded[0, 1:-1], padded[-1, 1:-1] = plane[0], plane[-1]
    padded[:, 0], padded[:, -1] = padded[:, 1], padded[:, -2]
    return padded


def _centred(plane: np.ndarray) -> np.ndarray:
    return plane - plane.mean()


def _windowed(spectrum: np.ndarray, other: np.ndarray, shape: tuple[int, int],
              reach: int) -> np.ndarray:
    """``score[reach + dy, reach + dx] = sum(edges at x + (dy, dx) * other at x)`` for
    ``|dy|, |dx| <= reach``, where ``spectrum`` is the edges' spectrum at ``shape``."""
    product = spectrum * np.conj(np.fft.rfft2(other, shape))
    correlation = np.fft.irfft2(product, shape)
    offsets = np.arange(-reach, reach + 1)
    return correlation[np.ix_(offsets % shape[0], offsets % shape[1])]


def _vertex(three: np.ndarray) -> float:
    """Where the parabola through three equally spaced scores peaks, relative to the middle
    one (within half a pixel; 0 at the window's edge or on a flat top).

    >>> _vertex(np.array([1.0, 3.0, 2.0]))
    0.16666666666666666
    """
    if three.size != 3:
        return 0.0
    low, middle, high = (float(value) for value in three)
    curvature = low - 2 * middle + high
    return min(0.5, max(-0.5, (low - high) / (2 * curvature))) if curvature < 0 else 0.0


def _smooth_at_most(size: int) -> int:
    """The largest length up to ``size`` with no prime factor above 5 (FFTs of such
    lengths are several times faster than of a prime one: 113 takes 4 times 112).

    >>> _smooth_at_most(113), _smooth_at_most(128), _smooth_at_most(7)
    (108, 128, 6)
    """
    for length in range(size, 0, -1):
        rest = length
        for prime in (2, 3, 5):
            while rest % prime == 0:
                rest //= prime
        if rest == 1:
            return length
    return size


def _edges_and_outline(image_values: np.ndarray, image_mode: str, decoded: np.ndarray,
                       factor: int) -> tuple[np.ndarray, np.ndarray, tuple[slice, slice]] | None:
    """The image's capped edge strength (zero-mean, cropped to lengths fast to transform) and
    the mask's outline (whole: turn it before cropping, so that it turns about the image's
    centre) at ``factor``; None when the image is flat or too small."""
    grey = _reduced_grey(image_values, image_mode, factor)
    if grey is None or min(grey.shape) < 8:
        return None
    kept = (slice(0, _smooth_at_most(grey.shape[0])), slice(0, _smooth_at_most(grey.shape[1])))
    edges = _centred(edge_strength(grey, clip=True)[kept])
    return edges, edge_strength(_block_mean(decoded, factor)), kept


def _norm(edges: np.ndarray, outline: np.ndarray) -> float:
    return math.sqrt(float(np.dot(edges.ravel(), edges.ravel()))
                     * float(np.dot(outline.ravel(), outline.ravel())))


def _peak(scores: np.ndarray, reach: int) -> tuple[int, int, float, float]:
    """Where ``scores`` (a window of shifts from ``-reach`` to ``reach``) peaks: indices,
    and the offset refined between pixels."""
    best_y, best_x = (int(index) for index in
                      np.unravel_index(int(np.argmax(scores)), scores.shape))
    return (best_y, best_x, best_y - reach + _vertex(scores[best_y - 1:best_y + 2, best_x]),
            best_x - reach + _vertex(scores[best_y, best_x - 1:best_x + 2]))


def measure_alignment(image_values: np.ndarray, image_mode: str,
                      decoded: np.ndarray | None) -> Alignment:
    """Score how well the decoded mask's outline follows its image's edges, unshifted,
    shifted and turned each way (see the module's docstring); a coarse peak off by part of
    a block is looked at again more finely (:func:`_refine`).

    Returns an empty :class:`Alignment` when the sizes differ, the mask is all one class
    (``decoded`` None) or either map is flat at the reduced scale.
    """
    if decoded is None or decoded.shape[:2] != image_values.shape[:2]:
        return Alignment()
    factor = max(1, math.ceil(max(decoded.shape[:2]) / ALIGNMENT_SIDE))
    planes = _edges_and_outline(image_values, image_mode, decoded, factor)
    if planes is None:
        return Alignment()
    edges, outline, kept = planes
    square = decoded.shape[0] == decoded.shape[1]
    variants = [_centred(outline[kept])] + [
        _centred(turn(outline)[kept]) if square or not quarter else None
        for turn, quarter in ORIENTATIONS.values()]
    norms = [_norm(edges, variant) if variant is not None else math.nan
             for variant in variants]
    if not norms[0] > 0:
        return Alignment()
    shape = edges.shape
    reach = max(ALIGNED_RADIUS + 1, int(min(shape) * SHIFT_FRACTION))
    spectrum = np.fft.rfft2(edges, shape)
    # the edges at x + k match the outline at x: the mask is offset by -k from its image
    scores = _windowed(spectrum, variants[0], shape, reach)[::-1, ::-1] / norms[0]
    near = slice(reach - ALIGNED_RADIUS, reach + ALIGNED_RADIUS + 1)
    best_y, best_x, shift_y, shift_x = _peak(scores, reach)
    turned = _near_maxima(edges, variants[1:], norms[1:])
    coarse = Alignment(factor, shift_y, shift_x, float(scores[best_y, best_x]),
                       float(scores[near, near].max()), *turned)
    if max(abs(shift_y), abs(shift_x)) >= REFINE_FROM and max(
            abs(best_y - reach), abs(best_x - reach)) < MIN_SHIFT:
        return coarse._replace(**_refine(image_values, image_mode, decoded, factor))
    return coarse


def _near_maxima(edges: np.ndarray, variants: list[np.ndarray | None],
                 norms: list[float]) -> list[float]:
    """Each variant's best normalised score within :data:`ALIGNED_RADIUS` of no shift (NaN
    for None): the same circular correlation as :func:`_windowed`, summed directly over the
    few shifts, which is several times cheaper than a transform per variant."""
    present = [index for index, variant in enumerate(variants)
               if variant is not None and norms[index] > 0]
    best = np.full(len(variants), -np.inf)
    if present:
        stack = np.stack([variants[index] for index in present])
        for shift_y in range(-ALIGNED_RADIUS, ALIGNED_RADIUS + 1):
            for shift_x in range(-ALIGNED_RADIUS, ALIGNED_RADIUS + 1):
                moved = np.roll(edges, (-shift_y, -shift_x), axis=(0, 1))
                sums = np.tensordot(stack, moved, axes=2)
                best[present] = np.maximum(best[present], sums)
    return [float(best[index]) / norms[index] if index in present else math.nan
            for index in range(len(variants))]


def _refine(image_values: np.ndarray, image_mode: str, decoded: np.ndarray,
            factor: int) -> dict[str, float]:
    """The ``fine_*`` fields of :class:`Alignment`: the unflipped outline scored again at a
    finer scale (at most :data:`FINE_SIDE` pixels on the long side), over the shifts that the
    coarse look cannot tell from none (up to :data:`MIN_SHIFT` blocks)."""
    fine = max(1, math.ceil(max(decoded.shape[:2]) / FINE_SIDE))
    if fine >= factor:
        return {}
    planes = _edges_and_outline(image_values, image_mode, decoded, fine)
    if planes is None:
        return {}
    edges, outline, kept = planes
    outline = _centred(outline[kept])
    norm = _norm(edges, outline)
    if not norm > 0:
        return {}
    reach = min(math.ceil(MIN_SHIFT * factor / fine) + 1, (min(edges.shape) - 1) // 2)
    scores = _windowed(np.fft.rfft2(edges), outline, edges.shape, reach)[::-1, ::-1] / norm
    best_y, best_x, shift_y, shift_x = _peak(scores, reach)
    return {"fine_scale": fine, "fine_shift_y": shift_y * fine, "fine_shift_x": shift_x * fine,
            "fine_best": float(scores[best_y, best_x]),
            "fine_aligned": float(scores[reach, reach])}


# --------------------------------------------------------------------------- the dataset

#: A dataset's masks are judged offset or turned only when at least this many pairs...
MIN_AGREEING_PAIRS = 8
#: ...and at least this share of the measured pairs agree on it. Measured: over DRIVE, ISBI
#: 2012, every catalogue case and 73 encoding imitations with aligned masks (101 datasets),
#: at most 2 pairs (9 %) agreed on one shift or flip; masks moved by 2 to 20 px or flipped
#: (96-px imitations, DRIVE, ISBI, the catalogue's two cases) agreed in 90 to 100 %.
MIN_AGREEING_SHARE = 0.7
#: A pair supports a shift or a turn only when that variant beats every other (unshifted,
#: other turns, or, for a turn, the best shift) by at least this score.
SCORE_MARGIN = 0.05
#: An offset found by the finer look counts only from this many original pixels, and from
#: :data:`MIN_FINE_SHIFT` pixels of that look: ISBI 2012's masks as published sit 0.5 px
#: above their membranes; aligned pairs of DRIVE and ISBI and their copies peaked within 0.5
#: px of none at full resolution; DRIVE masks moved 4 px peaked at 3.6 to 4.2 px. Measured
#: in 2x2 blocks (session 27): masks moved 1 px diagonally peaked at most 1.47 px (DRIVE
#: and its JPEG q50 and cropped copies; ISBI 1.08); moved 2 px, at 1.82 to 2.16 px on DRIVE
#: (a cut at 2 counted 27 of 40 pairs, under the 70 % a verdict needs) and 1.68 to 2.32 px
#: on ISBI along the row, 1.26 to 1.70 down (its own 0.5 px the other way). Aligned pairs
#: rarely get the finer look at all (DRIVE with its field-of-view discs as masks: 27 of 40,
#: one peaking at 1.58 px with a gain of 0.01).
MIN_FINE_SHIFT_PX = 1.5
MIN_FINE_SHIFT = 0.75
#: One pair is reported offset on its own (:func:`offset_pairs`) only when its moved outline
#: beats every other variant by this much, scores at least :data:`MIN_OWN_SCORE`, and scores
#: at most :data:`MAX_OWN_STORED_SHARE` of that as stored. Aligned pairs reached gains of
#: 0.09 (texture boundaries with no brightness edge), masks of other images 0.29 with scores
#: up to 0.29 (ISBI, whose membranes are everywhere); DRIVE and ISBI masks moved 8 to 30 px
#: gained 0.10 to 0.46 with scores of 0.25 to 0.5.
OWN_MARGIN = 0.15
MIN_OWN_SCORE = 0.3
MAX_OWN_STORED_SHARE = 0.5


@dataclass(frozen=True)
class Misalignment:
    """What most pairs of a dataset agree on: their masks offset from, or turned against,
    their images (:func:`judge_alignment`); or the pairs offset each on their own
    (:func:`offset_pairs`, kind ``"own_shift"``).

    Attributes:
        kind: ``"shift"``, ``"own_shift"`` or a key of :data:`ORIENTATIONS`.
        measured: pairs scored (same sizes, a mask outline at the reduced scale).
        agreeing: the indices of the pairs that agree (or are offset), best supported first.
        shift: for ``"shift"``, the median offset of the agreeing pairs in original pixels
            (down, right); ``(0, 0)`` otherwise.
        score, aligned: median scores of the agreeing pairs: the variant agreed on, and the
            mask as stored (within a reduced pixel of no shift; at no shift for offsets
            from the finer look).
        scale: original pixels per reduced pixel (the largest among the agreeing pairs).
        finest: the smallest (the finer look's, where it found the offset).
        turns: for ``"own_turn"`` (:func:`turned_pairs`), each agreeing pair's turn (a key of
            :data:`ORIENTATIONS`), in the order of ``agreeing``; empty otherwise.
    """

    kind: str
    measured: int
    agreeing: np.ndarray
    shift: tuple[int, int]
    score: float
    aligned: float
    scale: int
    finest: int
    turns: tuple[str, ...] = ()


class PairOffsets(NamedTuple):
    """Each pair's offset as the dataset's judgement reads it (original pixels), from the
    coarse look when its peak is :data:`MIN_SHIFT` blocks or more from none, else from the
    finer look when taken; with the score there and as stored, and its margin over every
    other variant."""

    down: np.ndarray
    right: np.ndarray
    unit: np.ndarray
    moved: np.ndarray
    gain: np.ndarray
    score: np.ndarray
    stored: np.ndarray


def _turns(table: np.ndarray, leave_out: str = "") -> np.ndarray:
    scores = [table[name] for name in ORIENTATIONS if name != leave_out]
    return np.fmax.reduce(np.stack(scores), axis=0)


def pair_offsets(table: np.ndarray) -> PairOffsets:
    """:class:`PairOffsets` of :func:`alignment_records`."""
    scale, fine_scale = table["scale"].astype(np.int64), table["fine_scale"].astype(np.int64)
    with np.errstate(invalid="ignore"):
        turns = _turns(table)
        coarse = np.maximum(np.abs(np.round(table["shift_y"])),
                            np.abs(np.round(table["shift_x"]))) >= MIN_SHIFT
        fine = ~coarse & (fine_scale > 0)
        fine_size = np.maximum(np.abs(table["fine_shift_y"]), np.abs(table["fine_shift_x"]))
        gain = np.where(coarse, table["best"] - np.fmax(table["aligned"], turns),
                        np.fmin(table["fine_best"] - table["fine_aligned"],
                                table["aligned"] - turns))
    return PairOffsets(
        np.where(coarse, table["shift_y"] * scale, table["fine_shift_y"]),
        np.where(coarse, table["shift_x"] * scale, table["fine_shift_x"]),
        np.where(coarse, scale, np.maximum(fine_scale, 1)),
        coarse | (fine & (fine_size >= np.maximum(MIN_FINE_SHIFT_PX,
                                                     MIN_FINE_SHIFT * fine_scale))),
        np.where(coarse | fine, gain, np.nan),
        np.where(coarse, table["best"], table["fine_best"]),
        np.where(coarse, table["aligned"], table["fine_aligned"]))


def _agreeing_shift(indices: np.ndarray, offsets: PairOffsets) -> np.ndarray:
    """The largest group of ``indices`` whose shifts (original pixels) lie within one pixel
    of their own look (a block, or a pixel of the finer look) of one of the commonest."""
    if not indices.size:
        return indices
    original = np.stack([offsets.down[indices], offsets.right[indices]], axis=1)
    candidates, counts = np.unique(np.round(original), axis=0, return_counts=True)
    best = indices[:0]
    for centre in candidates[np.argsort(-counts, kind="stable")[:5]]:
        near = np.abs(original - centre).max(axis=1) <= offsets.unit[indices]
        if near.sum() > best.size:
            best = indices[near]
    return best


def _verdict(kind: str, measured: np.ndarray, supports: np.ndarray, gain: np.ndarray,
             score: np.ndarray, stored: np.ndarray, unit: np.ndarray,
             offsets: PairOffsets | None) -> Misalignment:
    supports = supports[np.argsort(-gain[supports], kind="stable")]
    shift = (0, 0)
    if offsets is not None and kind == "shift":
        shift = (round(float(np.median(offsets.down[supports]))),
                 round(float(np.median(offsets.right[supports]))))
    return Misalignment(kind, int(measured.size), supports, shift,
                        float(np.median(score[supports])), float(np.median(stored[supports])),
                        int(unit[supports].max()), int(unit[supports].min()))


def judge_alignment(columns: dict[str, np.ndarray]) -> Misalignment | None:
    """The misalignment most measured pairs agree on (see the module's docstring), or None.

    ``columns`` holds the ``alignment`` column of :data:`~unetdiag.diag.audit.record.COLUMNS`.
    """
    table = alignment_records(columns["alignment"])
    measured = np.flatnonzero(table["scale"] > 0)
    needed = max(MIN_AGREEING_PAIRS, math.ceil(MIN_AGREEING_SHARE * measured.size))
    if measured.size < needed:
        return None
    offsets = pair_offsets(table)
    supports = measured[offsets.moved[measured]
                        & (np.nan_to_num(offsets.gain[measured], nan=-1) >= SCORE_MARGIN)]
    supports = _agreeing_shift(supports, offsets)
    if supports.size >= needed:
        return _verdict("shift", measured, supports, offsets.gain, offsets.score,
                        offsets.stored, offsets.unit, offsets)
    scale = table["scale"].astype(np.int64)
    for kind in ORIENTATIONS:
        with np.errstate(invalid="ignore"):
            gain = table[kind] - np.fmax(table["best"], _turns(table, kind))
        supports = measured[np.nan_to_num(gain[measured], nan=-1) >= SCORE_MARGIN]
        if supports.size >= needed:
            return _verdict(kind, measured, supports, gain, table[kind], table["aligned"],
                            scale, None)
    return None


def offset_pairs(columns: dict[str, np.ndarray]) -> Misalignment | None:
    """The pairs each offset on their own by a wide margin (:data:`OWN_MARGIN`,
    :data:`MIN_OWN_SCORE`, :data:`MAX_OWN_STORED_SHARE`), whatever the others do; kind
    ``"own_shift"``; None when there are none. Meant for datasets without a verdict of
    :func:`judge_alignment`."""
    table = alignment_records(columns["alignment"])
    measured = np.flatnonzero(table["scale"] > 0)
    offsets = pair_offsets(table)
    with np.errstate(invalid="ignore"):
        strong = (offsets.moved & (offsets.gain >= OWN_MARGIN)
                  & (offsets.score >= MIN_OWN_SCORE)
                  & (offsets.stored <= MAX_OWN_STORED_SHARE * offsets.score))
    supports = measured[strong[measured]]
    if not supports.size:
        return None
    return _verdict("own_shift", measured, supports, offsets.gain, offsets.score,
                    offsets.stored, offsets.unit, offsets)


def turned_pairs(columns: dict[str, np.ndarray]) -> Misalignment | None:
    """The pairs each turned on their own by a wide margin, whatever the others do: the
    mask's outline turned back one way of :data:`ORIENTATIONS` beats the best unturned shift
    and every other turn by :data:`OWN_MARGIN`, scores at least :data:`MIN_OWN_SCORE`, and
    the mask as stored scores at most :data:`MAX_OWN_STORED_SHARE` of that (the rule of
    :func:`offset_pairs`). A mask that looks alike turned (a disc, a centred blob) gains
    nothing turned back, and one whose outline fits nowhere (a few pixels of object) scores
    too little. Kind ``"own_turn"``, each pair's turn in :attr:`Misalignment.turns`; None
    when there are none. Meant for datasets without a verdict of :func:`judge_alignment`.

    Measured (session 27): DRIVE and ISBI 2012 as published, JPEG, cropped, resized and with
    DRIVE's field-of-view discs as masks: the best turn of an aligned pair fell short of the
    stored mask's best shift (by 0.02 for the discs, 0.10 to 0.42 for the others); masks
    turned back scored 0.47 to 0.59 and gained 0.38 to 0.55 on ISBI (quarter and half turns,
    transposes), 0.28 to 0.48 and 0.15 to 0.36 on DRIVE (half turns).
    """
    table = alignment_records(columns["alignment"])
    measured = np.flatnonzero(table["scale"] > 0)
    names = list(ORIENTATIONS)
    with np.errstate(invalid="ignore"):
        scores = np.stack([table[name] for name in names])
        gains = np.stack([table[name] - np.fmax(table["best"], _turns(table, name))
                          for name in names])
        which = np.argmax(np.nan_to_num(gains, nan=-np.inf), axis=0)
        pairs = np.arange(table.size)
        gain, score = gains[which, pairs], scores[which, pairs]
        strong = ((gain >= OWN_MARGIN) & (score >= MIN_OWN_SCORE)
                  & (table["aligned"] <= MAX_OWN_STORED_SHARE * score))
    supports = measured[strong[measured]]
    if not supports.size:
        return None
    verdict = _verdict("own_turn", measured, supports, gain, score, table["aligned"],
                       table["scale"].astype(np.int64), None)
    return replace(verdict, turns=tuple(names[which[index]]
                                        for index in verdict.agreeing.tolist()))
