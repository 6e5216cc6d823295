"""How much of the training masks' foreground the resize to ``--img-size`` keeps.

The pipeline resizes each mask to ``--img-size`` by nearest neighbour (``tf.image.resize``,
half-pixel centres): along each side it keeps one stored pixel in every ``stored / size``.
An object narrower than that step, a 1-2 px vessel in a 2048 px fundus photograph, keeps
only the pixels that happen to fall on a kept row and column. The foreground's *share* of
the pixels does not show it (a 1-px line kept in one of 8 columns is 8 px wide when kept,
so the share is about the same on average): what is lost is where the foreground is.

Measured here per mask at its stored size, as decoded under the run's mask policy: each
foreground pixel is compared with the pixel of the resized mask whose area covers it
(``floor((r + 0.5) size / stored)``); the share of foreground pixels whose covering pixel
is foreground is what the resize keeps. 1.0 for objects much wider than the step, about
``size / stored`` for 1-px lines. The same measure at ``--img-size`` doubled, again and
again, up to the masks' stored size, gives the smallest ``--img-size`` (a multiple of the
one given, so of ``2 ** depth`` too) that keeps :data:`KEEP_TARGET` of it.

NumPy only; the masks are read again with the one decoder
(:func:`~unetdiag.diag.data.decoding.decode_mask_with_ignore`), a sample of them
(:data:`SAMPLE_MASKS`, spread evenly over the split), after the pre-flight pass and
outside the batches. The finding's sentences: :mod:`.resize_kept_wording`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from unetdiag.diag.data.decoding import decode_mask_with_ignore
from unetdiag.diag.data.pairing import Pair
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.data.reading import ImageReadError

__all__ = ["KEEP_TARGET", "SAMPLE_MASKS", "WARN_BELOW", "ResizeKept", "kept_pixels",
           "measure_resize_kept", "nearest_sources"]

#: A finding when the resize keeps less than this share of the foreground pixels.
WARN_BELOW = 0.75
#: The ``--img-size`` proposed is the smallest measured that keeps at least this share.
KEEP_TARGET = 0.9
#: Masks read again for the measure, spread evenly over the training split.
SAMPLE_MASKS = 24


def nearest_sources(stored: int, size: int) -> np.ndarray:
    """The stored rows (or columns) a nearest-neighbour resize from ``stored`` to ``size``
    reads, as ``tf.image.resize(method="nearest")`` does (half-pixel centres, in float32
    as its kernel computes them: ``(5 + 0.5) * 126 / 11`` is 63 in exact arithmetic and
    reads row 62).

    >>> nearest_sources(8, 2).tolist(), nearest_sources(3, 6).tolist()
    ([2, 6], [0, 0, 1, 1, 2, 2])
    """
    scale = np.float32(stored) / np.float32(size)
    centres = (np.arange(size, dtype=np.float32) + np.float32(0.5)) * scale
    return np.minimum(np.floor(centres).astype(np.int64), stored - 1)


def _covering(stored: int, size: int) -> np.ndarray:
    """For each stored row (or column), the resized one whose area covers its centre."""
    return np.minimum(np.floor((np.arange(stored) + 0.5) * (size / stored)).astype(np.int64),
                      size - 1)


def kept_pixels(foreground: np.ndarray, size: int) -> tuple[int, int]:
    """``(kept, resized)``: of ``foreground`` (bool HxW at the stored size), the pixels whose
    covering pixel is foreground once resized to ``size`` x ``size``, and the foreground
    pixels of the resized mask.

    >>> line = np.zeros((8, 8), bool); line[:, 3] = True  # a 1-px line, step 4: missed
    >>> kept_pixels(line, 2)
    (0, 0)
    >>> block = np.zeros((8, 8), bool); block[:4, :4] = True
    >>> kept_pixels(block, 2)
    (16, 1)
    """
    height, width = foreground.shape
    resized = foreground[np.ix_(nearest_sources(height, size), nearest_sources(width, size))]
    covered = resized[np.ix_(_covering(height, size), _covering(width, size))]
    return int(np.count_nonzero(foreground & covered)), int(np.count_nonzero(resized))


@dataclass(frozen=True)
class ResizeKept:
    """What the resize keeps of the foreground of the masks measured.

    Attributes:
        img_size: the ``--img-size`` measured.
        masks: masks measured (those holding foreground at their stored size).
        stored_side: the median of their larger sides.
        foreground: their foreground pixels at the stored size.
        kept: of those, the pixels whose covering pixel is foreground at ``img_size``.
        stored_fraction, resized_fraction: the foreground's share of their pixels at the
            stored size and as resized.
        kept_at: ``--img-size -> share kept`` for the larger sizes measured (doubling).
        proposed: the smallest of them keeping :data:`KEEP_TARGET`, None when none was
            measured (the share kept at ``img_size`` is enough).
    """

    img_size: int
    masks: int
    stored_side: int
    foreground: int
    kept: int
    stored_fraction: float
    resized_fraction: float
    kept_at: dict[int, float] = field(default_factory=dict)
    proposed: int | None = None

    @property
    def share(self) -> float:
        return self.kept / self.foreground if self.foreground else 1.0


def _sample(pairs: Sequence[Pair], count: int) -> list[Pair]:
    if len(pairs) <= count:
        return list(pairs)
    return [pairs[index] for index in np.linspace(0, len(pairs) - 1, count).round().astype(int)]


def measure_resize_kept(pairs: Sequence[Pair], policy: MaskPolicy, img_size: int,
                        stored_foreground: dict[str, tuple[int, int]], multiple: int = 1
                        ) -> ResizeKept | None:
    """The share of the foreground of ``pairs``' masks that the resize to ``img_size`` keeps,
    on up to :data:`SAMPLE_MASKS` of those larger than ``img_size`` that hold foreground at
    their stored size (``stored_foreground``: the decoder's ``path -> (pixels, larger
    side)``); None when no mask is larger than ``img_size`` with foreground (nothing to lose)
    or none could be read again. When the share is below :data:`WARN_BELOW`, the larger
    sizes are measured too (``kept_at``, ``proposed``): ``img_size`` doubled while below the
    largest stored side, then that side rounded up to ``multiple`` (``2 ** depth``), at which
    nothing is lost."""
    shrunk = [pair for pair in pairs
              if stored_foreground.get(str(pair.mask), (0, 0))[0] > 0
              and stored_foreground[str(pair.mask)][1] > img_size]
    planes = []
    for pair in _sample(shrunk, SAMPLE_MASKS):
        try:
            mask, ignored, _ = decode_mask_with_ignore(pair.mask, policy)
        except ImageReadError:  # read once already; a file changed since is not measured
            continue
        foreground = mask > 0.5
        if ignored is not None:
            foreground &= ~ignored
        if foreground.ndim == 2 and foreground.any():
            planes.append(foreground)
    if not planes:
        return None
    counts = [kept_pixels(plane, img_size) for plane in planes]
    total = sum(int(np.count_nonzero(plane)) for plane in planes)
    kept = sum(count[0] for count in counts)
    side = int(np.median([max(plane.shape) for plane in planes]))
    result = ResizeKept(
        img_size, len(planes), side, total, kept,
        stored_fraction=total / sum(plane.size for plane in planes),
        resized_fraction=sum(count[1] for count in counts) / (len(planes) * img_size ** 2))
    if result.share >= WARN_BELOW:
        return result
    kept_at: dict[int, float] = {}
    size, largest = img_size, max(max(plane.shape) for plane in planes)
    whole = -(-largest // multiple) * multiple  # the first size that shrinks no mask
    while size < whole:
        size = min(size * 2, whole)
        kept_at[size] = sum(kept_pixels(plane, size)[0] for plane in planes) / total
        if kept_at[size] >= KEEP_TARGET:
            break
    proposed = next((candidate for candidate, share in kept_at.items()
                     if share >= KEEP_TARGET), None)
    return ResizeKept(result.img_size, result.masks, side, total, kept, result.stored_fraction,
                      result.resized_fraction, kept_at, proposed)
