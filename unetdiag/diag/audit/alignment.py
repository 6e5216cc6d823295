"""Does a mask sit on its image? Where the image's edges match the mask's outline best.

A mask cropped, padded or flipped apart from its image keeps its size and its values, so no
other check sees it. Its outline still follows the image's edges, only elsewhere: moved by the
offset, or mirrored. :func:`measure_alignment` measures one pair while both are in memory (in
the audit's worker): at a reduced scale (at most :data:`ALIGNMENT_SIDE` pixels on the long
side, block means), it correlates the image's gradient magnitude (grey level, Sobel) with the
gradient magnitude of the mask (its outline) over every shift within
:data:`SHIFT_FRACTION` of the short side, by FFT, and scores the mask flipped top to bottom
and left to right too. It returns :class:`Alignment`, typed numbers per pair.

Whether a dataset's masks are offset or flipped is decided over all pairs, never from one
(:func:`judge_alignment`, typed :class:`Misalignment`; the words are
:mod:`unetdiag.diag.audit.alignment_findings`'): most pairs scored must agree on one shift or
one flip, each by a clear margin. Unrelated masks (a field-of-view disc, masks of other
images) also peak away from no shift, but each at its own place.

Scores are normalised cross-correlations of the zero-mean maps (1: the outline lies exactly
on the edges, in proportion; 0: unrelated), so they compare across pairs and variants. The
correlation is circular (what leaves one side re-enters at the other): unlike zero padding,
it favours no shift over another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
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


class Alignment(NamedTuple):
    """Where a mask's outline matches its image's edges best (NaN / 0: not measured).

    Attributes:
        scale: original pixels per reduced pixel (0: not measured).
        shift_y, shift_x: the mask's offset from its image (down, right; reduced pixels,
            refined between pixels by a parabola through the peak and its neighbours) where
            the unflipped outline scores best (:attr:`best`).
        best: the best unflipped score over every shift tried.
        aligned: the best unflipped score within :data:`ALIGNED_RADIUS` of no shift.
        flipped_vertical, flipped_horizontal: the same for the mask flipped top to bottom,
            left to right.
    """

    scale: int = 0
    shift_y: float = 0.0
    shift_x: float = 0.0
    best: float = math.nan
    aligned: float = math.nan
    flipped_vertical: float = math.nan
    flipped_horizontal: float = math.nan


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
        accumulator = np.uint32  # exact up to 16 million pixels a block
    elif values.dtype.kind == "u" and values.dtype.itemsize == 2:
        accumulator = np.uint64
    else:
        accumulator = np.float32 if values.dtype.kind == "f" else np.float64
    rows = cropped[::factor].astype(accumulator)
    for offset in range(1, factor):
        rows += cropped[offset::factor]
    total = rows[:, ::factor].copy()
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
    padded = np.pad(plane, 1, mode="edge")
    down = padded[2:] - padded[:-2]
    across = padded[:, 2:] - padded[:, :-2]
    strength = np.hypot(down[:, :-2] + 2 * down[:, 1:-1] + down[:, 2:],
                        across[:-2] + 2 * across[1:-1] + across[2:])
    if clip:
        flat = strength.ravel()
        rank = int(EDGE_CLIP_QUANTILE * (flat.size - 1))
        np.minimum(strength, np.partition(flat, rank)[rank], out=strength)
    return strength


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


def measure_alignment(image_values: np.ndarray, image_mode: str,
                      decoded: np.ndarray | None) -> Alignment:
    """Score how well the decoded mask's outline follows its image's edges, unshifted,
    shifted and flipped (see the module's docstring).

    Returns an empty :class:`Alignment` when the sizes differ, the mask is all one class
    (``decoded`` None) or either map is flat at the reduced scale.
    """
    if decoded is None or decoded.shape[:2] != image_values.shape[:2]:
        return Alignment()
    factor = max(1, math.ceil(max(decoded.shape[:2]) / ALIGNMENT_SIDE))
    grey = _reduced_grey(image_values, image_mode, factor)
    if grey is None or min(grey.shape) < 8:
        return Alignment()
    # the last rows and columns are dropped to a length fast to transform; the mask is
    # flipped before, so that it turns about the image's centre
    kept = (slice(0, _smooth_at_most(grey.shape[0])), slice(0, _smooth_at_most(grey.shape[1])))
    edges = _centred(edge_strength(grey, clip=True)[kept])
    outline = edge_strength(_block_mean(decoded, factor))
    variants = [_centred(variant[kept]) for variant in
                (outline, np.flip(outline, 0), np.flip(outline, 1))]
    norms = [math.sqrt(float(np.dot(edges.ravel(), edges.ravel()))
                       * float(np.dot(variant.ravel(), variant.ravel()))) for variant in variants]
    if not norms[0] > 0:
        return Alignment()
    shape = edges.shape
    reach = max(ALIGNED_RADIUS + 1, int(min(shape) * SHIFT_FRACTION))
    spectrum = np.fft.rfft2(edges, shape)
    # the edges at x + k match the outline at x: the mask is offset by -k from its image
    scores = _windowed(spectrum, variants[0], shape, reach)[::-1, ::-1] / norms[0]
    near = slice(reach - ALIGNED_RADIUS, reach + ALIGNED_RADIUS + 1)
    best_y, best_x = (int(index) for index in
                      np.unravel_index(int(np.argmax(scores)), scores.shape))
    flipped = [float(_windowed(spectrum, variant, shape, ALIGNED_RADIUS).max()) / norm
               for variant, norm in zip(variants[1:], norms[1:], strict=True)]
    return Alignment(factor, best_y - reach + _vertex(scores[best_y - 1:best_y + 2, best_x]),
                     best_x - reach + _vertex(scores[best_y, best_x - 1:best_x + 2]),
                     float(scores[best_y, best_x]), float(scores[near, near].max()), *flipped)


# --------------------------------------------------------------------------- the dataset

#: A dataset's masks are judged offset or flipped only when at least this many pairs...
MIN_AGREEING_PAIRS = 8
#: ...and at least this share of the measured pairs agree on it. Measured: over DRIVE, ISBI
#: 2012, every catalogue case and 73 encoding imitations with aligned masks (101 datasets),
#: at most 2 pairs (9 %) agreed on one shift or flip; masks moved by 2 to 20 px or flipped
#: (96-px imitations, DRIVE, ISBI, the catalogue's two cases) agreed in 90 to 100 %.
MIN_AGREEING_SHARE = 0.7
#: A pair supports a shift or a flip only when that variant beats every other (unshifted,
#: other flips, or, for a flip, the best shift) by at least this score.
SCORE_MARGIN = 0.05
#: Shifts under this many reduced pixels (on both axes) are not told from aligned masks.
MIN_SHIFT = ALIGNED_RADIUS + 1


@dataclass(frozen=True)
class Misalignment:
    """What most pairs of a dataset agree on: their masks offset from, or flipped against,
    their images (:func:`judge_alignment`).

    Attributes:
        kind: ``"shift"``, ``"flipped_vertical"`` or ``"flipped_horizontal"``.
        measured: pairs scored (same sizes, a mask outline at the reduced scale).
        agreeing: the indices of the pairs that agree, best supported first.
        shift: for ``"shift"``, the median offset of the agreeing pairs in original pixels
            (down, right); ``(0, 0)`` for a flip.
        score, aligned: median scores of the agreeing pairs: the variant agreed on, and the
            mask as stored (within a reduced pixel of no shift).
        scale: original pixels per reduced pixel (the largest among the agreeing pairs).
    """

    kind: str
    measured: int
    agreeing: np.ndarray
    shift: tuple[int, int]
    score: float
    aligned: float
    scale: int


def _agreeing_shift(indices: np.ndarray, shift_y: np.ndarray, shift_x: np.ndarray,
                    scale: np.ndarray) -> np.ndarray:
    """The largest group of ``indices`` whose shifts (original pixels) lie within one reduced
    pixel of one of the commonest shifts."""
    if not indices.size:
        return indices
    original = np.stack([shift_y[indices], shift_x[indices]], axis=1) * scale[indices, None]
    candidates, counts = np.unique(np.round(original), axis=0, return_counts=True)
    best = indices[:0]
    for centre in candidates[np.argsort(-counts, kind="stable")[:5]]:
        near = np.abs(original - centre).max(axis=1) <= scale[indices]
        if near.sum() > best.size:
            best = indices[near]
    return best


def judge_alignment(columns: dict[str, np.ndarray]) -> Misalignment | None:
    """The misalignment most measured pairs agree on (see the module's docstring), or None.

    ``columns`` holds the ``align_*`` columns of :data:`~unetdiag.diag.audit.read.COLUMNS`.
    """
    scale = columns["align_scale"].astype(np.int64)
    measured = np.flatnonzero(scale > 0)
    needed = max(MIN_AGREEING_PAIRS, math.ceil(MIN_AGREEING_SHARE * measured.size))
    if measured.size < needed:
        return None
    best, aligned = columns["align_best"], columns["align_aligned"]
    vertical, horizontal = (columns["align_flipped_vertical"],
                            columns["align_flipped_horizontal"])
    shift_y, shift_x = columns["align_shift_y"], columns["align_shift_x"]
    with np.errstate(invalid="ignore"):
        gains = {
            "shift": best - np.fmax(aligned, np.fmax(vertical, horizontal)),
            "flipped_vertical": vertical - np.fmax(best, horizontal),
            "flipped_horizontal": horizontal - np.fmax(best, vertical),
        }
    moved = np.maximum(np.abs(np.round(shift_y)), np.abs(np.round(shift_x))) >= MIN_SHIFT
    for kind, gain in gains.items():
        supports = measured[gain[measured] >= SCORE_MARGIN]
        if kind == "shift":
            supports = _agreeing_shift(supports[moved[supports]], shift_y, shift_x, scale)
        if supports.size < needed:
            continue
        supports = supports[np.argsort(-gain[supports], kind="stable")]
        score = best if kind == "shift" else columns[f"align_{kind}"]
        offset = (0, 0)
        if kind == "shift":
            offset = (round(float(np.median(shift_y[supports] * scale[supports]))),
                      round(float(np.median(shift_x[supports] * scale[supports]))))
        return Misalignment(kind, int(measured.size), supports, offset,
                            float(np.median(score[supports])),
                            float(np.median(aligned[supports])), int(scale[supports].max()))
    return None
