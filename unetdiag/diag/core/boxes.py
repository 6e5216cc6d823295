"""The bounding box of a 2-D boolean mask's set pixels, as slices: where a check can crop.

>>> set_box(np.array([[0, 0, 0], [0, 1, 1], [0, 0, 0]], dtype=bool))
(slice(1, 2, None), slice(1, 3, None))
>>> set_box(np.zeros((2, 2), dtype=bool))
(slice(0, 0, None), slice(0, 0, None))
"""

from __future__ import annotations

import numpy as np


def set_box(mask: np.ndarray, margin: int = 0) -> tuple[slice, slice]:
    """Rows and columns holding every set pixel of ``mask``, widened by ``margin`` on each
    side and clipped to the mask; empty slices when no pixel is set."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return slice(0, 0), slice(0, 0)
    columns = np.flatnonzero(mask[rows[0]:rows[-1] + 1].any(axis=0))
    height, width = mask.shape
    return (slice(max(0, int(rows[0]) - margin), min(height, int(rows[-1]) + 1 + margin)),
            slice(max(0, int(columns[0]) - margin), min(width, int(columns[-1]) + 1 + margin)))


def is_empty(box: tuple[slice, slice]) -> bool:
    """Whether :func:`set_box` found no set pixel."""
    return box[0].stop == box[0].start
