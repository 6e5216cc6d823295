"""Pixels per distinct value of an 8-bit mask plane: the counts every threshold of such a
plane is judged from, instead of from its pixels."""

from __future__ import annotations

import numpy as np
from PIL import Image

#: An 8-bit plane's values between its ends are counted alone up to 1 pixel in this many.
_FEW_BETWEEN = 8


def value_counts(plane: np.ndarray) -> dict[int, int]:
    """Pixels per distinct value of an 8-bit plane (in value order): a few passes for two values
    (no comparison array when the lower is 0), the values between the ends when few."""
    low, high = int(plane.min()), int(plane.max())
    pixels = plane.size
    if low == high:
        return {low: pixels}
    at_high = int(np.count_nonzero(plane == high))
    if low == 0:
        at_low = pixels - int(np.count_nonzero(plane))
    else:
        at_low = int(np.count_nonzero(plane == low))
    if at_low + at_high == pixels:
        return {low: at_low, high: at_high}
    if (pixels - at_low - at_high) * _FEW_BETWEEN <= pixels:  # lossy: 3.4x faster on the polyps
        between = plane[(plane > low) & (plane < high)]
        counts = np.bincount(between, minlength=high + 1)
        counts[low], counts[high] = at_low, at_high
        return {value: int(counts[value]) for value in np.flatnonzero(counts).tolist()}
    # Pillow's histogram: 1.7x faster than np.bincount on a JPEG mask
    histogram = Image.fromarray(np.ascontiguousarray(plane)).histogram()
    return {value: count for value, count in enumerate(histogram) if count}
