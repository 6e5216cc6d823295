"""Stored mask values collapsed to the one plane that is thresholded: colour channels by
their maximum, alpha applied (or read as the mask), as :mod:`unetdiag.diag.data.decoding`
describes."""

from __future__ import annotations

import numpy as np

from unetdiag.diag.data.reading import UINT8_MAX, UINT16_MAX


def _nominal_max(dtype: np.dtype) -> float:
    """Full-scale value of a channel of this dtype (used for alpha)."""
    if np.issubdtype(dtype, np.floating):
        return 1.0
    if dtype == np.uint16:
        return float(UINT16_MAX)
    return float(UINT8_MAX)


#: Formats whose alpha byte of 0 everywhere is unused, not transparency: BMP's fourth byte
#: (Windows and image editors show such files opaque; image-rs/image#539, Pillow#8602). A PNG
#: transparent everywhere is an empty cut-out.
UNUSED_ALPHA_FORMATS = ("BMP", "DIB")

#: Samples compared at once by :func:`channels_differ` (its positions take 8 bytes each).
_BLOCK_SAMPLES = 1 << 20


def channels_differ(colour: np.ndarray) -> bool:
    """Whether an ``HxWxC`` array's channels differ anywhere: a colour picture, not grey
    stored as colour. A strided sample is compared first, so true colour costs next to
    nothing; the whole array only when the sample is grey.

    >>> grey = np.repeat(np.arange(16, dtype=np.uint8).reshape(4, 4, 1), 3, axis=2)
    >>> channels_differ(grey), channels_differ(grey[:, :, ::-1] + np.arange(3, dtype=np.uint8))
    (False, True)
    """
    if _channel_planes_differ(colour[::8, ::8]):
        return True
    if not colour.flags.c_contiguous or colour.size == 0:
        return _channel_planes_differ(colour)
    # A pixel's samples lie side by side: its channels differ where a sample differs from the
    # next one within the pixel. One contiguous comparison instead of a strided one per
    # channel (0.64 against 1.7 ms for a 1191x1085 RGB mask), in blocks of rows to bound the
    # positions found.
    channels = colour.shape[2]
    rows = max(1, _BLOCK_SAMPLES // (colour.shape[1] * channels))
    for top in range(0, colour.shape[0], rows):
        samples = colour[top:top + rows].reshape(-1)
        changes = np.flatnonzero(samples[1:] != samples[:-1])
        if np.any(changes % channels != channels - 1):
            return True
    return False


def _channel_planes_differ(colour: np.ndarray) -> bool:
    first = colour[:, :, 0]
    return any(not np.array_equal(first, colour[:, :, channel])
               for channel in range(1, colour.shape[2]))


def mask_plane(values: np.ndarray, file_format: str = "") -> tuple[np.ndarray, bool, str]:
    """Collapse stored values to the one plane that is thresholded.

    Returns ``(plane, is_colour, alpha)``; ``alpha`` as in :class:`MaskEncoding`.
    """
    if values.ndim == 2:
        return values, False, "none"
    channel_count = values.shape[2]
    has_alpha = channel_count in (2, 4)
    colour = values[:, :, :-1] if has_alpha else values
    first = colour[:, :, 0]
    is_colour = channels_differ(colour)
    if colour.shape[2] == 1 or (not is_colour and values.dtype.kind in "biu"):
        # equal integer channels: their maximum is the first (one strided read, not two
        # passes of np.maximum); floats are left to the maximum (NaN, -0.0 against 0.0)
        plane = first.copy()
    else:
        # channel by channel: a max over the last axis of interleaved samples is ~40x slower
        plane = np.maximum(first, colour[:, :, 1])
        for channel in range(2, colour.shape[2]):
            np.maximum(plane, colour[:, :, channel], out=plane)
    if not has_alpha:
        return plane, is_colour, "none"
    alpha_channel = values[:, :, -1]
    full_alpha = _nominal_max(values.dtype)
    if bool(np.all(alpha_channel >= full_alpha)):
        return plane, is_colour, "opaque"
    if file_format in UNUSED_ALPHA_FORMATS and not alpha_channel.any():
        return plane, is_colour, "unused"
    if (alpha_channel.min() != alpha_channel.max()
            and not _colour_draws_classes(plane, alpha_channel >= full_alpha)):
        # The shape is in the alpha: one colour everywhere, one class under the opaque
        # pixels (a black object on transparent white), or a cut-out photograph; the
        # plane is then no colour's
        return alpha_channel, False, "mask"
    composited = plane.astype(np.float64) * (alpha_channel / full_alpha)
    if np.issubdtype(plane.dtype, np.integer):
        composited = np.rint(composited).astype(plane.dtype)
    return composited, is_colour, "composited"


#: The opaque pixels' colours draw a label when they sit at two levels, dark and bright, in
#: at least this share (anti-aliased edges add a few in-between values; a cut-out
#: photograph spreads over hundreds).
_TWO_LEVEL_SHARE = 0.9


def _colour_draws_classes(plane: np.ndarray, opaque: np.ndarray) -> bool:
    """Whether the opaque pixels' colours hold both classes of a drawn label (mostly two
    levels, one dark and one bright): then the colour is the mask and alpha only hides what
    is transparent (composited over black); otherwise the alpha is the mask."""
    values = plane[opaque]
    if values.size == 0:
        return False
    low, high = values.min(), values.max()
    middle = (_nominal_max(plane.dtype) if np.issubdtype(plane.dtype, np.integer)
              else 1.0) / 2
    if not low <= middle < high:
        return False
    at_ends = np.count_nonzero(values == low) + np.count_nonzero(values == high)
    return at_ends >= _TWO_LEVEL_SHARE * values.size
