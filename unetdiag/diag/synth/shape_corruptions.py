"""Corruptions that keep where the objects are but change what they are drawn as:

* :func:`outline_masks`: each object's closed outline, ``width`` pixels thick, its inside left
  background (``cv2.drawContours`` with a thickness instead of a fill; s26 C1);
* :func:`point_masks`: one 3x3 mark at each object's centre (point or click annotations;
  s26 C2);
* :func:`full_masks`: one value (255) at every pixel, no object drawn (s31 redteam 2).

They are registered in :data:`unetdiag.diag.synth.corruptions.CORRUPTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import ndimage

from unetdiag.diag.synth.case import CaseFiles, rewrite_masks

_EIGHT = np.ones((3, 3), dtype=bool)


def outline_masks(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                  count: int | None = None, width: int = 2) -> list[Path]:
    """Masks replaced by their objects' outlines, ``width`` pixels thick (8-bit PNG, 0/255).

    Simulates: polygons drawn with ``cv2.drawContours``/``polylines`` at a thickness and
    never filled (ZJULearning/pixel_link#155). Shows: little foreground, objects that are
    rings; a model learns to draw the outlines.
    """
    if width < 1:
        raise ValueError(f"width must be >= 1, not {width}")
    return rewrite_masks(case, case.pair_indices(rng, fraction, count),
                    lambda foreground: foreground & ~ndimage.binary_erosion(
                        foreground, iterations=width))


def point_masks(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                count: int | None = None) -> list[Path]:
    """Masks replaced by a 3x3 mark at the centre of each object (8-bit PNG, 0/255).

    Simulates: point (click) annotations stored as masks
    (Zxl19990529/Class-driven-Scribble-Promotion-Network#4). Shows: tiny objects all of one
    size; a model learns to draw dots.
    """
    def marks(foreground: np.ndarray) -> np.ndarray:
        labels, objects = ndimage.label(foreground, structure=_EIGHT)
        out = np.zeros_like(foreground, dtype=bool)
        height, width = foreground.shape
        for row, column in ndimage.center_of_mass(foreground, labels, range(1, objects + 1)):
            row = min(max(round(row), 1), height - 2)
            column = min(max(round(column), 1), width - 2)
            out[row - 1:row + 2, column - 1:column + 2] = True
        return out

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), marks)


def full_masks(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
               count: int | None = None) -> list[Path]:
    """Masks replaced by 255 at every pixel (8-bit PNG, one value).

    Simulates: blank or placeholder masks, an export that wrote one value everywhere.
    Shows: masks more than half foreground that no polarity gives an object (turned over,
    each is empty).
    """
    return rewrite_masks(case, case.pair_indices(rng, fraction, count),
                         lambda foreground: np.ones_like(foreground, dtype=bool))


#: The corruptions of this module, by name.
SHAPE_CORRUPTIONS: dict[str, Callable[..., list[Path]]] = {
    function.__name__: function for function in (outline_masks, point_masks, full_masks)}
