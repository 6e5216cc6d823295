"""The 16x16 thumbnails ``audit-data`` keeps per pair (256 bytes each): the image's grey levels,
for the near-duplicate search (:mod:`unetdiag.diag.audit.duplicates`), and the decoded mask's
foreground share per cell, for masks that are one region drawn again and again
(:mod:`unetdiag.diag.audit.sameness`).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from unetdiag.diag.data.reading import SIXTEEN_BIT_MODES, UINT8_MAX

#: Side of the thumbnails kept per pair (16x16 = 256 bytes).
THUMBNAIL_SIDE = 16

_FAST_IMAGE_MODES = ("L", "RGB")


def image_thumbnail(image: Image.Image) -> np.ndarray:
    """16x16 box-filtered grey levels as uint8. 8-bit images keep their levels; others are
    stretched from their own minimum to maximum (only correlations of thumbnails are used,
    and identical images give identical thumbnails either way)."""
    side = (THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    if image.mode in _FAST_IMAGE_MODES:
        factors = (max(1, image.width // THUMBNAIL_SIDE), max(1, image.height // THUMBNAIL_SIDE))
        small = image.reduce(factors) if factors != (1, 1) else image
        if small.size != side:
            small = small.resize(side, Image.Resampling.BOX)
        return np.asarray(small.convert("L") if small.mode != "L" else small).ravel()
    source = image if image.mode in ("F", "I") else image.convert(
        "I" if image.mode in SIXTEEN_BIT_MODES else "L")
    thumbnail = np.asarray(source.convert("F").resize(side, Image.Resampling.BOX)).ravel()
    finite = np.isfinite(thumbnail)
    if not finite.any():
        return np.zeros(thumbnail.size, dtype=np.uint8)
    low, high = float(thumbnail[finite].min()), float(thumbnail[finite].max())
    if high <= low:
        return np.zeros(thumbnail.size, dtype=np.uint8)
    stretched = (np.where(finite, thumbnail, low) - low) * (UINT8_MAX / (high - low))
    return np.rint(stretched).astype(np.uint8)


def mask_thumbnail(decoded: np.ndarray) -> np.ndarray:
    """The share of each 16x16 cell of a decoded mask that is foreground, times 255."""
    side = (THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    cells = Image.fromarray(decoded.view(np.uint8) * np.uint8(UINT8_MAX)).resize(
        side, Image.Resampling.BOX)
    return np.asarray(cells).ravel()
