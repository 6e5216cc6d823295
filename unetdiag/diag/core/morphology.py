"""Binary morphology by squares, in whole-array operations: which pixels of a 2-D boolean
mask lie within a few pixels of a set pixel."""

from __future__ import annotations

import numpy as np


def near_square(mask: np.ndarray, radius: int) -> np.ndarray:
    """Pixels within ``radius`` of a ``mask`` pixel along both axes: the dilation of a 2-D
    boolean mask by the ``2 radius + 1`` square (outside the array counts as background).

    The same pixels as ``binary_dilation`` by a row and then a column of ``2 radius + 1``
    ones, which costs one pass per pixel of each, at the cost of a few whole-array ORs per
    axis: each pass ORs the array with itself shifted by the span covered so far (1, 2, 4,
    ... pixels), and a last one shifted by what is left (5 passes for radius 8, against 17).
    ``tests/test_morphology.py`` holds it equal to SciPy's dilation by the square. Used
    wherever a check asks which pixels lie within a few pixels of others (JPEG specks,
    soft-label rims, contour rings).

    >>> mask = np.zeros((5, 7), dtype=bool)
    >>> mask[0, 0] = True
    >>> near_square(mask, 1).astype(int).tolist()[:3]
    [[1, 1, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]]
    """
    near = np.asarray(mask, dtype=bool)
    for axis in (1, 0):
        near = _near_along(near, radius, axis)
    return near


def _near_along(mask: np.ndarray, radius: int, axis: int) -> np.ndarray:
    """``mask`` ORed over the window ``[i - radius, i + radius]`` along ``axis``."""
    length = mask.shape[axis]
    window = 2 * radius + 1
    # radius blank places in front: the window starting at i then covers i - radius ...
    shape = list(mask.shape)
    shape[axis] = length + radius
    padded = np.zeros(shape, dtype=bool)
    body = [slice(None)] * 2
    body[axis] = slice(radius, None)
    padded[tuple(body)] = mask
    span = 1
    while span < window:
        step = min(span, window - span)  # ... and each place, the window from it on
        head, tail = [slice(None)] * 2, [slice(None)] * 2
        head[axis], tail[axis] = slice(None, -step), slice(step, None)
        padded[tuple(head)] |= padded[tuple(tail)]
        span += step
    kept = [slice(None)] * 2
    kept[axis] = slice(None, length)
    return padded[tuple(kept)]
