"""Where a mask's non-binary pixels sit: on object edges (resampling, JPEG) or spread
through whole regions (soft labels, probability maps, photographs). NumPy and
``scipy.ndimage`` morphology."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

#: A label value at or below this counts as "background-ish", at or above ``1 - ...`` as
#: "foreground-ish" when deciding whether a non-binary pixel sits on an object edge. 0.1 is
#: wide enough to take in JPEG noise around 0 and 1 (a few grey levels out of 255).
EDGE_LEVEL_TOLERANCE = 0.1
#: How far (pixels) a non-binary pixel may sit from solid background and solid foreground and
#: still count as "on an edge". Bilinear resizing blurs an edge over a pixel or two, but
#: Lanczos and JPEG ringing spread through the 8x8 JPEG block an edge crosses.
EDGE_NEIGHBOURHOOD_RADIUS = 8


def _spatial_masks(array: np.ndarray) -> np.ndarray | None:
    """(N, H, W) view for the edge test, channels moved to the image axis; None without space."""
    if array.ndim == 2:
        return array[None]
    if array.ndim == 3:
        return array
    if array.ndim == 4:
        return np.moveaxis(array, -1, 1).reshape(-1, array.shape[1], array.shape[2])
    return None


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary dilation of (N, H, W) masks with a (2r+1)x(2r+1) square (outside the image
    counts as unset), as a row then a column dilation."""
    side = 2 * radius + 1
    rows = ndimage.binary_dilation(mask, structure=np.ones((1, 1, side), dtype=bool))
    return ndimage.binary_dilation(rows, structure=np.ones((1, side, 1), dtype=bool))


def edge_share(masks: np.ndarray, radius: int = EDGE_NEIGHBOURHOOD_RADIUS,
               tolerance: float = EDGE_LEVEL_TOLERANCE) -> float:
    """Share of non-binary pixels that sit on an object edge.

    A pixel with a value strictly between 0 and 1 is "on an edge" when, within ``radius``
    pixels, it has a solid region of one class and a pixel on the other side of 0.5. "Solid"
    means a pixel whose 3x3 neighbourhood is entirely background-ish (``<= tolerance``) or
    entirely foreground-ish (``>= 1 - tolerance``), so scattered noise is no region; the other
    side only needs to pass 0.5 so that thin structures (vessels, membranes), which keep no
    solid core after down-scaling, still count. Resizing a mask with interpolation or saving it
    as JPEG puts nearly all non-binary pixels on edges; soft labels and photographs do not.
    NaN when there are no non-binary pixels.

    >>> ramp = np.array([[0, 0, 0, 0.5, 1, 1, 1]] * 4)
    >>> edge_share(ramp, radius=1)
    1.0
    >>> rng = np.random.default_rng(0)
    >>> edge_share(rng.random((32, 32)))   # noise: no solid region anywhere
    0.0
    """
    spatial = _spatial_masks(np.asarray(masks, dtype=np.float64))
    if spatial is None:
        return float("nan")
    between = (spatial > 0) & (spatial < 1)
    if not between.any():
        return float("nan")
    # The solid regions are eroded by one pixel, so reach one pixel further to meet them.
    near_solid_background = _dilate(_erode(spatial <= tolerance), radius + 1)
    near_solid_foreground = _dilate(_erode(spatial >= 1 - tolerance), radius + 1)
    near_bright = _dilate(spatial >= 0.5, radius)
    near_dark = _dilate(spatial < 0.5, radius)
    on_edge = between & ((near_solid_background & near_bright)
                         | (near_solid_foreground & near_dark))
    return float(on_edge.sum() / between.sum())


def _erode(mask: np.ndarray) -> np.ndarray:
    """Pixels whose whole 3x3 neighbourhood is set (the image border counts as set)."""
    return ndimage.binary_erosion(mask, structure=np.ones((1, 3, 3), dtype=bool),
                                  border_value=1)
