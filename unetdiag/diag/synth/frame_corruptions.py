"""Corruptions that frame the labels with no-data other than a corner: bars along two
opposite sides, and thin objects drawn across a frame.

* :func:`nodata_bar_masks`: 0/1 label PNGs with 255 on bars along two opposite sides (a
  letterboxed or padded scene: no data above and below, or left and right), the image 0 there,
  no tag saying so; with ``tips``, lines one pixel wide of 1 cross the bars to the image's edge
  (vessels drawn out past a field of view).

Registered in :data:`unetdiag.diag.synth.corruptions.CORRUPTIONS`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from scipy import ndimage

from unetdiag.diag.core.morphology import near_square
from unetdiag.diag.data.decoding import decode_mask
from unetdiag.diag.synth.case import replace_file
from unetdiag.diag.synth.mask_writing import zero_image


def nodata_bar_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                     count: int | None = None, sides: str = "rows", width: float = 0.15,
                     tips: int = 0) -> list[Path]:
    """Every mask rewritten as an 8-bit grey label PNG (0 background, 1 object); in the
    chosen pairs 255 fills a bar along each of two opposite sides (``sides``: ``"rows"``
    above and below, ``"columns"`` left and right), each about ``width`` of the side, and
    the image holds 0 in every band there (objects stop two pixels short of them); ``tips``
    lines one pixel wide of 1 run across the first bar to the image's edge.

    Simulates: label tiles of a scene padded to a square, or letterboxed video frames, whose
    padding holds a no-data value with no tag (NRCan/geo-deep-learning#39: "mask (or not) the
    label raster where corresponding pixels in the input image are set to nodata"), and
    DRIVE-like vessels drawn past the field of view's edge. Shows: read by a threshold, the
    bars are object; they form two regions, not one, and a thin line across a bar cuts it.
    """
    framed = set(case.pair_indices(rng, fraction, count))
    changed = []
    for index in range(len(case.masks)):
        old = case.masks[index]
        labels = decode_mask(old)[0].astype(bool).astype(np.uint8)
        if index in framed:
            bars = _bars(labels.shape, sides, width, rng)
            # objects stop two pixels short of the bars (as vessels do of a field of view's
            # edge), and what is left of one without a pixel inside it (a sliver) goes
            labels[near_square(bars, 2)] = 0
            pieces, _ = ndimage.label(labels)
            inside = ~near_square(labels == 0, 1)
            labels[~np.isin(pieces, pieces[inside])] = 0
            labels[bars] = 255
            _draw_tips(labels, sides, tips, rng)
            zero_image(case.images[index], labels == 255)
        buffer = io.BytesIO()
        Image.fromarray(labels).save(buffer, format="PNG")
        new = old.with_suffix(".png")
        replace_file(old, new, buffer.getvalue())
        case.masks[index] = new
        changed.append(new)
    return changed


def _bars(shape: tuple[int, ...], sides: str, width: float,
          rng: np.random.Generator) -> np.ndarray:
    """Two bars along opposite sides, each ``width`` of the side give or take a pixel."""
    bars = np.zeros(shape[:2], dtype=bool)
    length = shape[0] if sides == "rows" else shape[1]
    first, second = (max(1, round(width * length) + int(step)) for step in rng.integers(-1, 2, 2))
    if sides == "rows":
        bars[:first], bars[-second:] = True, True
    else:
        bars[:, :first], bars[:, -second:] = True, True
    return bars


def _draw_tips(labels: np.ndarray, sides: str, tips: int, rng: np.random.Generator) -> None:
    """``tips`` lines one pixel wide of 1 from the first bar's inner edge to the image's edge
    (straight across the bar, at random places along it)."""
    across = labels if sides == "rows" else labels.T  # a view: the bars are its rows
    depth = int(np.argmin(across[:, 0] == 255))  # the first bar's rows
    # not along the image's own edge, where a line would run along the border, not across it
    for position in 1 + rng.choice(across.shape[1] - 2, size=tips, replace=False):
        across[:depth + 1, position] = 1


#: The corruptions of this module, by the ``kind`` a catalogue entry names.
FRAME_CORRUPTIONS: dict[str, Callable[..., list[Path]]] = {
    function.__name__: function for function in (nodata_bar_masks,)}
